"""The course build: progress, outputs in build/, and a clear stop at a failing cell."""

import os
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from utils import build

ROOT = Path(__file__).resolve().parents[1]
IMPORT_UTILS = f"import sys; sys.path.insert(0, {str(ROOT)!r})"


def _write(folder: Path, name: str, *sources: str) -> Path:
    cells = [new_markdown_cell(f"# {name[:2]} · Test\n\nSee [next](01_fails.ipynb).")]
    cells += [new_code_cell(s) for s in sources]
    path = folder / name
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}}), path)
    return path


def test_build_stops_at_failing_cell_and_keeps_earlier_results(tmp_path, capsys):
    notebooks, out = tmp_path / "notebooks", tmp_path / "build"
    notebooks.mkdir()
    _write(notebooks, "00_quiet.ipynb", IMPORT_UTILS,
           "from utils import runtime\ninfo = runtime.setup(seed=0)", "print('hello')",
           "from utils import report\nassert report.save_to_build('table.md', '| a |') is not None")
    _write(notebooks, "01_fails.ipynb", "x = 1", "raise ValueError('bad lesson')", "print('never')")
    _write(notebooks, "02_after.ipynb", "print('not reached')")
    (out / "html").mkdir(parents=True)
    (out / "html" / "99_removed.html").write_text("stale")

    status = build.main(["--notebooks", str(notebooks), "--out", str(out)])
    captured = capsys.readouterr()

    assert status == 1
    assert "[1/3] 00_quiet.ipynb ... ok in" in captured.out
    assert "01_fails.ipynb: cell 2 (code cell 2) raised ValueError: bad lesson" in captured.err
    assert (out / "notebooks" / "00_quiet.ipynb").is_file()
    assert (out / "notebooks" / "01_fails.ipynb").is_file()  # partial copy for reading the error
    assert not (out / "notebooks" / "02_after.ipynb").exists()
    assert not (out / "html" / "99_removed.html").exists()

    executed = nbformat.read(out / "notebooks" / "00_quiet.ipynb", as_version=4)
    assert build.count_noise(executed) == 0
    stderr_outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs
                      if o.get("name") == "stderr"]
    assert stderr_outputs == [], "TensorFlow start-up noise reached the notebook"
    page = (out / "html" / "00_quiet.html").read_text()
    assert 'href="01_fails.html"' in page and "keras 3." in page
    index = (out / "index.html").read_text()
    assert "html/00_quiet.html" in index and "FAILED" in index and "not run" in index
    assert (out / "reports" / "table.md").read_text() == "| a |" and 'href="reports/table.md"' in index
    assert "COURSE_BUILD_DIR" not in os.environ


def test_build_rejects_unknown_lesson(tmp_path, capsys):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _write(notebooks, "00_a.ipynb", "1")
    assert build.main(["--notebooks", str(notebooks), "--out", str(tmp_path / "b"), "--only", "07"]) == 2
    assert "--only 07: no such lesson; expected numbers or names among 00_a" in capsys.readouterr().err


def test_failing_cell_and_noise_counting():
    nb = new_notebook(cells=[new_markdown_cell("x"), new_code_cell("a"), new_code_cell("b")])
    nb.cells[2].outputs = [nbformat.v4.new_output("error", ename="KeyError", evalue="'k'", traceback=[])]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stderr",
                                                  text="E0000 failed call to cuInit: ...\nreal warning\n")]
    assert build.failing_cell(nb) == (2, 2, "KeyError: 'k'")
    assert build.count_noise(nb) == 1


def test_build_reports_a_dead_kernel(tmp_path, capsys):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _write(notebooks, "00_dies.ipynb", "import os\nos._exit(1)")
    status = build.main(["--notebooks", str(notebooks), "--out", str(tmp_path / "build")])
    assert status == 1
    assert "00_dies.ipynb: the kernel stopped" in capsys.readouterr().err
