"""The course build (``make course``): execute every lesson in order into ``build/``.

For each notebook in ``notebooks/`` (in file-name order) it prints a progress line with
the run time, writes the executed copy to ``build/notebooks/``, an offline HTML page
(images embedded) to ``build/html/`` and the kernel's own log to ``build/logs/``, and
finally an index page ``build/index.html`` linking the lessons. The first notebook that raises stops the build: its partial copy is
still written, the message names the notebook and the failing cell, and the exit status
is 1. Notebooks executed before it stay in place. Re-running overwrites everything.

    python -m utils.build                 # the whole course
    python -m utils.build --only 00 02    # just these lessons
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from utils.course import ROOT
from utils.runtime import TF_NOISE_PATTERNS

NOISE_RE = re.compile("|".join(TF_NOISE_PATTERNS))


@dataclass
class NotebookResult:
    """What happened to one notebook in a build."""

    name: str
    seconds: float
    ok: bool
    error: str = ""
    noise_lines: int = 0


class NotebookFailed(Exception):
    """A cell raised; the message names the notebook and the cell."""


def failing_cell(nb) -> tuple[int, int, str] | None:
    """(cell index, code-cell number, 'Error: message') of the first cell with an error output."""
    code_number = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        code_number += 1
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return index, code_number, f"{output.get('ename')}: {output.get('evalue')}"
    return None


def count_noise(nb) -> int:
    """How many stderr lines in the executed notebook are TensorFlow start-up noise."""
    count = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                count += sum(1 for line in output.get("text", "").splitlines() if NOISE_RE.search(line))
    return count


def execute_notebook(path: Path, timeout: int = 1200, kernel_log: Path | None = None):
    """Execute a notebook with its own folder as working directory; return it executed.

    Raises :class:`NotebookFailed` (carrying the partly executed notebook as ``.nb``).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        if kernel_log is None:
            client.execute()
        else:  # the kernel process's own stderr (start-up warnings, crashes) goes to a log file
            with open(kernel_log, "w") as log:
                client.execute(stderr=log)
    except Exception as exc:  # a cell raised or timed out, or the kernel died (e.g. out of memory)
        if not isinstance(exc, (CellExecutionError, CellTimeoutError)) and failing_cell(nb) is None:
            message = f"{path.name}: the kernel stopped ({type(exc).__name__}); out of memory? see build/logs/"
            failure = NotebookFailed(message)
            failure.nb = nb
            raise failure from None
        where = failing_cell(nb)
        if where is None:
            detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            message = f"{path.name}: execution stopped ({detail})"
        else:
            index, code_number, error = where
            message = f"{path.name}: cell {index} (code cell {code_number}) raised {error}"
        failure = NotebookFailed(message)
        failure.nb = nb
        raise failure from None
    return nb


def to_html(nb) -> str:
    """Offline HTML for an executed notebook, with links between lessons rewritten."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", embed_images=True)
    body, _ = exporter.from_notebook_node(nb)
    return re.sub(r'href="(\d\d_[\w-]+)\.ipynb"', r'href="\1.html"', body)


def write_index(out_dir: Path, results: list[NotebookResult], notebooks: list[Path]) -> Path:
    """Write ``build/index.html`` listing every lesson with its status and run time."""
    by_name = {r.name: r for r in results}
    rows = []
    for path in notebooks:
        title = lesson_title(path)
        result = by_name.get(path.name)
        if result is None:
            status = "not run"
        elif result.ok:
            status = f"ok, {result.seconds:.0f} s"
        else:
            status = f"FAILED: {html.escape(result.error)}"
        link = f'<a href="html/{path.stem}.html">{html.escape(title)}</a>' if result else html.escape(title)
        rows.append(f"<tr><td>{link}</td><td>{status}</td></tr>")
    reports = sorted((out_dir / "reports").glob("*")) if (out_dir / "reports").is_dir() else []
    report_items = "".join(f'<li><a href="reports/{p.name}">{html.escape(p.name)}</a></li>' for p in reports)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>RNN vs CNN: the course</title>
<style>body{{font-family:sans-serif;max-width:52em;margin:2em auto;line-height:1.5}}
td{{padding:.3em 1em;border-bottom:1px solid #ddd}}</style></head>
<body><h1>RNN vs CNN: a hands-on Keras course</h1>
<p>Executed lessons, built {time.strftime('%Y-%m-%d %H:%M')}. Executed notebooks are in
<code>notebooks/</code> beside this page.</p>
<table><tr><th>lesson</th><th>status</th></tr>
{chr(10).join(rows)}
</table>
{"<h2>Reports written by the lessons</h2><ul>" + report_items + "</ul>" if report_items else ""}
</body></html>
"""
    index = out_dir / "index.html"
    index.write_text(page)
    return index


def lesson_title(path: Path) -> str:
    """The first markdown heading of a notebook, or its file name."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return path.stem


def build_course(notebooks_dir: Path, out_dir: Path, only: list[str] | None = None,
                 timeout: int = 1200, log=print) -> list[NotebookResult]:
    """Execute the course's notebooks into ``out_dir``; stop at the first failure."""
    notebooks = sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise ValueError(f"no lesson notebooks (NN_name.ipynb) in {notebooks_dir}")
    if only is not None:
        if isinstance(only, str) or not only:
            raise ValueError(f"only must be a non-empty list of lesson numbers or names, got {only!r}")
        unknown = [name for name in only if not any(name in (p.name[:2], p.stem) for p in notebooks)]
        if unknown:
            raise ValueError(f"--only {' '.join(unknown)}: no such lesson; expected numbers or names among "
                             f"{', '.join(p.stem for p in notebooks)}")
    selected = [p for p in notebooks if not only or p.name[:2] in only or p.stem in only]
    (out_dir / "notebooks").mkdir(parents=True, exist_ok=True)
    (out_dir / "html").mkdir(parents=True, exist_ok=True)
    (out_dir / "logs").mkdir(parents=True, exist_ok=True)
    for stale in [*(out_dir / "notebooks").glob("*.ipynb"), *(out_dir / "html").glob("*.html")]:
        if not (notebooks_dir / f"{stale.stem}.ipynb").is_file():
            stale.unlink()
    previous = os.environ.get("COURSE_BUILD_DIR")
    os.environ["COURSE_BUILD_DIR"] = str(out_dir.resolve())  # lets lessons write reports into the build
    try:
        results = _execute_all(selected, out_dir, timeout, log)
    finally:
        if previous is None:
            os.environ.pop("COURSE_BUILD_DIR", None)
        else:
            os.environ["COURSE_BUILD_DIR"] = previous
    write_index(out_dir, results, notebooks)
    return results


def _execute_all(selected: list[Path], out_dir: Path, timeout: int, log) -> list[NotebookResult]:
    """Run the selected notebooks in order, writing each result; stop after a failure."""
    results: list[NotebookResult] = []
    for number, path in enumerate(selected, 1):
        log(f"[{number}/{len(selected)}] {path.name} ...", end=" ", flush=True)
        start = time.perf_counter()
        try:
            nb = execute_notebook(path, timeout=timeout, kernel_log=out_dir / "logs" / f"{path.stem}.log")
            result = NotebookResult(path.name, time.perf_counter() - start, ok=True)
        except NotebookFailed as failure:
            nb = failure.nb
            result = NotebookResult(path.name, time.perf_counter() - start, ok=False, error=str(failure))
        result.noise_lines = count_noise(nb)
        results.append(result)
        nbformat.write(nb, out_dir / "notebooks" / path.name)
        (out_dir / "html" / f"{path.stem}.html").write_text(to_html(nb))
        if not result.ok:
            log(f"FAILED after {result.seconds:.1f} s", flush=True)
            break
        noise = f" ({result.noise_lines} lines of TensorFlow start-up noise)" if result.noise_lines else ""
        log(f"ok in {result.seconds:.1f} s{noise}", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Execute the course into build/ (notebooks + HTML).")
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--out", type=Path, default=ROOT / "build")
    parser.add_argument("--only", nargs="+", metavar="NN", help="lesson numbers or names to run")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    try:
        results = build_course(args.notebooks, args.out, args.only, args.timeout)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    total = sum(r.seconds for r in results)
    failed = [r for r in results if not r.ok]
    if failed:
        print(f"course build FAILED: {failed[0].error}", file=sys.stderr)
        print(f"partial copy: {args.out / 'html' / Path(failed[0].name).with_suffix('.html').name}", file=sys.stderr)
        return 1
    print(f"built {len(results)} notebooks in {total:.0f} s: open {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
