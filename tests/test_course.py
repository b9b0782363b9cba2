"""The notebooks keep the course's rules: clean in git, shared cells in sync, the template."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course import COURSE_REPOSITORY
from course import sync as course

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_every_lesson_notebook_is_in_the_syllabus():
    known = {lesson.filename for lesson in course.LESSONS}
    assert {p.name for p in NOTEBOOKS} <= known


def test_notebooks_and_readme_are_in_sync():
    assert course.sync(ROOT, check_only=True) == [], "run `make sync` and commit the result"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"cells {dirty} carry outputs: run `make sync`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_follows_the_template(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0].source
    assert first.startswith(f"# {path.name[:2]} · "), "title cell: '# NN · Title — ...'"
    assert course.launch_badges(path.name) in first
    assert "**Run time:**" in first and "**Prerequisites:**" in first
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert code_cells[0].source == course.bootstrap_source()
    assert "runtime.setup(" in code_cells[1].source
    headings = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()
                if line.startswith("## ")]
    for required in ("## Setup", "## Exercises", "## Summary", "## Solutions"):
        assert required in headings, f"missing section {required}"
    assert any("assert " in c.source for c in code_cells), "a lesson needs at least one check cell"


def test_readme_syllabus_links_existing_lessons():
    readme = (ROOT / "README.md").read_text()
    for lesson in course.LESSONS:
        exists = (ROOT / "notebooks" / lesson.filename).is_file()
        assert (f"(notebooks/{lesson.filename})" in readme) == exists


def test_repository_slug():
    assert course.repository_slug("https://github.com/a/b.git") == "a/b"
    assert course.repository_slug(COURSE_REPOSITORY).count("/") == 1
    with pytest.raises(ValueError, match="https://github.com/OWNER/NAME"):
        course.repository_slug("git@github.com:a/b.git")


def test_sync_keeps_a_first_code_cell_without_the_bootstrap_marker(tmp_path):
    path = tmp_path / "00_x.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 00 · X"),
                                         nbformat.v4.new_code_cell("my_important_code = 1", execution_count=3)])
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="out")]
    nbformat.write(nb, path)
    synced = course.synced_notebook(path)
    code = [c for c in synced.cells if c.cell_type == "code"]
    assert [c.source for c in code] == [course.bootstrap_source(), "my_important_code = 1"]
    assert code[0].metadata["tags"] == [course.BOOTSTRAP_TAG]
    assert code[1].outputs == [] and code[1].execution_count is None  # cleared by nbstripout
    nbformat.write(synced, path)
    again = course.synced_notebook(path)
    assert [c.source for c in again.cells if c.cell_type == "code"] == [course.bootstrap_source(), "my_important_code = 1"]


def test_bootstrap_cell_is_short_and_hidden_in_the_html():
    source = course.bootstrap_source()
    assert source.startswith(course.BOOTSTRAP_MARKER) and len(source.splitlines()) <= 14
    for path in NOTEBOOKS:
        first_code = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        assert course.BOOTSTRAP_TAG in first_code.metadata.get("tags", []), path.name


def _run_bootstrap(cwd: Path, git_exit: int, **env: str):
    """Run the bootstrap cell's code in a fresh Python in ``cwd``, with a stand-in ``git`` on PATH.

    The stand-in "clones" by creating ``<dir>/utils/__init__.py`` (or fails with ``git_exit``), so
    nothing reaches the network. Returns the completed process; it prints the folder it found.
    """
    bin_dir = cwd / "bin"
    bin_dir.mkdir()
    git = bin_dir / "git"
    git.write_text(f'#!/bin/sh\necho "git $@" >> "{cwd}/git.log"\n'
                   + (f"exit {git_exit}\n" if git_exit else 'mkdir -p "$5/utils" && touch "$5/utils/__init__.py"\n'))
    git.chmod(0o755)
    lesson = cwd / "work"
    lesson.mkdir()
    environment = {k: v for k, v in os.environ.items() if k != "KAGGLE_KERNEL_RUN_TYPE"}
    environment.update(env, PATH=f"{bin_dir}{os.pathsep}{environment['PATH']}")
    code = course.bootstrap_source() + "\nprint(root)"
    return subprocess.run([sys.executable, "-c", code], cwd=lesson, env=environment, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in git is a shell script")
def test_bootstrap_fetches_the_course_on_kaggle_and_says_what_to_do_when_it_cannot(tmp_path):
    (tmp_path / "ok").mkdir()
    kaggle = _run_bootstrap(tmp_path / "ok", 0, KAGGLE_KERNEL_RUN_TYPE="Interactive")
    assert kaggle.returncode == 0, kaggle.stderr
    assert kaggle.stdout.strip() == str((tmp_path / "ok" / "work" / course.CLONE_DIR).resolve())
    assert f"clone --depth 1 {COURSE_REPOSITORY} {course.CLONE_DIR}" in (tmp_path / "ok" / "git.log").read_text()

    (tmp_path / "offline").mkdir()
    offline = _run_bootstrap(tmp_path / "offline", 128, KAGGLE_KERNEL_RUN_TYPE="Interactive")
    assert offline.returncode != 0 and "on Kaggle, turn on Internet in the notebook's settings" in offline.stderr

    (tmp_path / "local").mkdir()  # neither Colab nor Kaggle: never clones, says where to start Jupyter
    local = _run_bootstrap(tmp_path / "local", 0)
    assert "utils/ not found: start Jupyter inside the course folder" in local.stderr
    assert not (tmp_path / "local" / "git.log").exists()


def stated_cpu_seconds(title: str) -> float:
    """The 2-core CPU run time a lesson's title cell states (its first figure), in seconds."""
    return course.stated_run_time(title)[1]


RUNTIMES = ROOT / "docs" / "runtimes.csv"


def measured_seconds_at_200_gflops(backend: str = "TensorFlow") -> list[dict[str, float]]:
    """Each row of docs/runtimes.csv for ``backend``, newest first: lesson -> nbval seconds, scaled to 200 GFLOP/s.

    Scaling by the matmul rate is rough (per-step overhead does not scale with it), so the file keeps
    rows measured on a slow and on a fast machine, and a stated run time must fit every row.
    """
    import csv

    with RUNTIMES.open(newline="") as handle:
        table = list(csv.DictReader(handle))
    rows = [{lesson: float(seconds) * float(row["gflops"]) / 200 for lesson, seconds in row.items()
             if lesson.isdigit() and seconds}
            for row in table if row["backend"].startswith(backend)]
    if not rows:
        raise ValueError(f"docs/runtimes.csv has no {backend} row")
    return rows


def test_stated_run_time_parses_the_forms_lessons_use():
    assert stated_cpu_seconds("**Run time:** about 20 s on a 2-core CPU") == 20
    assert stated_cpu_seconds("**Run time:** about a minute on a 2-core CPU") == 60
    assert stated_cpu_seconds("**Run time:** about 2.5 minutes on a 2-core CPU at ~200 GFLOP/s") == 150
    with pytest.raises(ValueError, match="Run time"):
        stated_cpu_seconds("**Run time:** quick")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stated_run_time_is_within_2x_of_the_readme_figures(path):
    """A lesson's title cell states its CPU run time; docs/runtimes.csv measures it (scaled to 200 GFLOP/s)."""
    number = path.name[:2]
    stated = stated_cpu_seconds(nbformat.read(path, as_version=4).cells[0].source)
    rows = [row for row in measured_seconds_at_200_gflops() if number in row]
    assert rows, f"no TensorFlow row of docs/runtimes.csv measures lesson {number}"
    # the newest whole-course row, or a newer row above it (a lesson measured alone after it was added), measures it
    every_row = measured_seconds_at_200_gflops()
    newest_course_row = next(i for i, row in enumerate(every_row) if len(row) >= len(NOTEBOOKS) - 1)
    assert any(number in row for row in every_row[:newest_course_row + 1]), (
        f"neither the newest whole-course TensorFlow row of docs/runtimes.csv nor a newer row measures lesson {number}")
    for row in rows:
        assert 0.5 <= stated / row[number] <= 2, (
            f"{path.name} states {stated:.0f} s, docs/runtimes.csv measured {row[number]:.0f} s at 200 GFLOP/s")


def test_glossary_defines_each_term_in_one_line_and_links_lessons_that_exist():
    text = (ROOT / "notebooks" / "glossary.md").read_text()
    entries = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(entries) >= 40
    for entry in entries:
        assert re.match(r"- \*\*[^*]+\*\*: \S", entry), entry
    for target in re.findall(r"\]\(([^)]+)\)", text):
        assert (ROOT / "notebooks" / target).is_file(), target
    terms = [re.match(r"- \*\*([^*]+)\*\*", e).group(1).casefold() for e in entries]
    assert len(terms) == len(set(terms)), "a term defined twice"


@pytest.mark.parametrize("lesson", course.LESSONS, ids=lambda lesson: lesson.number)
def test_each_lesson_states_its_level_and_marks_its_advanced_sections(lesson):
    cells = nbformat.read(ROOT / "notebooks" / lesson.filename, as_version=4).cells
    assert course.LEVEL_TEXT[lesson.level] in cells[0].source
    advanced = [line for cell in cells if cell.cell_type == "markdown" for line in cell.source.splitlines()
                if line.startswith("#") and line.rstrip().endswith("*(advanced)*")]
    assert bool(advanced) == (lesson.level == "core, advanced sections"), advanced


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name[:2].isdigit()], ids=lambda p: p.name)
def test_each_lesson_ends_with_key_ideas_and_its_correction_of_the_table(path):
    """Before the numeric summary: 3-5 bullets of ideas (no sentence over 40 words) and one corrective sentence."""
    cells = nbformat.read(path, as_version=4).cells
    at = next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.startswith("## Key ideas"))
    summary = next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.startswith("## Summary"))
    assert at < summary
    text = cells[at].source
    bullets = [line[2:] for line in text.splitlines() if line.startswith("- ")]
    assert 3 <= len(bullets) <= 5, bullets
    match = re.search(r"\*\*The comparison table, corrected\.\*\* (.+)", text)
    assert match, "the cell ends with the lesson's correction of its row of the table"
    for sentence in [*bullets, match.group(1)]:
        assert len(sentence.split()) <= 40, sentence


LESSONS = [p for p in NOTEBOOKS if p.name[:2].isdigit()]
ASSERTS = re.compile(r"^\s*assert\b|report\.evidence\(", re.M)


def _is_evidence(cell):
    return course.EVIDENCE_TAG in cell.metadata.get("tags", [])


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_the_evidence_layer_holds_every_assert(path):
    """DESIGN rule 13: checks, self-tests, the numeric summary and the notes for instructors are tagged."""
    cells = nbformat.read(path, as_version=4).cells
    loose = [i for i, c in enumerate(cells) if c.cell_type == "code" and ASSERTS.search(c.source) and not _is_evidence(c)]
    assert not loose, f"cells {loose} assert but are not tagged {course.EVIDENCE_TAG!r}"
    headings = re.compile(r"^(### Check|### Verdict|### Notes for instructors|## Summary)", re.M)
    untagged = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and headings.search(c.source)
                and not _is_evidence(c)]
    assert not untagged, f"cells {untagged} head evidence but are not tagged"
    idea = [c for c in cells if not _is_evidence(c)]
    assert len(idea) > len(cells) / 2 and any(c.source.startswith("## Key ideas") for c in idea)


def _bound_and_read(source):
    tree = ast.parse(source)
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    bound |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
    bound |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return bound, read


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_the_idea_layer_reads_without_the_evidence(path):
    """No untagged cell (before the solutions) reads a name that only a tagged cell defines: a learner who
    skips the collapsed evidence still has every value the story uses."""
    only_in_evidence, in_idea, leaks = set(), set(), []
    for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type == "markdown" and cell.source.startswith("## Solutions"):
            break
        if cell.cell_type != "code":
            continue
        bound, read = _bound_and_read(cell.source)
        if _is_evidence(cell):
            only_in_evidence |= bound - in_idea
        else:
            leaks += [(i, name) for name in sorted((read - bound) & only_in_evidence)]
            in_idea |= bound
            only_in_evidence -= bound
    assert not leaks, f"idea cells read names only evidence cells define: {leaks}"


def test_jupyterlab_opens_evidence_collapsed():
    check = nbformat.v4.new_code_cell("assert True", metadata={"tags": [course.EVIDENCE_TAG]})
    heading = nbformat.v4.new_markdown_cell("### Check: it holds", metadata={"tags": [course.EVIDENCE_TAG]})
    idea = nbformat.v4.new_code_cell("x = 1", metadata={"jupyter": {"source_hidden": True}})
    for cell in (check, heading, idea):
        course._collapse_if_evidence(cell)
    assert check.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
    assert heading.metadata["jupyter"] == {"source_hidden": True}
    assert "jupyter" not in idea.metadata                                  # an idea cell always opens


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_each_lesson_asks_five_to_eight_questions_after_its_key_ideas(path):
    cells = nbformat.read(path, as_version=4).cells
    at = next(i for i, c in enumerate(cells) if c.source.startswith("## Check your understanding"))
    assert cells[at - 1].source.startswith("## Key ideas") and not _is_evidence(cells[at])
    questions = re.findall(r"^\d+\. .+\?$", cells[at].source, re.M)
    assert 5 <= len(questions) <= 8, questions


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_line_wraps_into_an_accidental_numbered_list(path):
    """A wrapped line that starts with "1. " turns the rest of a paragraph into a list in Markdown."""
    for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
        lines = cell.source.split("\n") if cell.cell_type == "markdown" else []
        for before, line in zip(lines, lines[1:]):
            assert not (line.startswith("1. ") and before.strip() and not re.match(r"\s*(\d+\.|[-*]) ", before)), \
                f"cell {i}: {before[-40:]!r} / {line[:40]!r}"
