"""The course's table of contents and the parts every notebook shares.

Used by ``make sync`` (``python -m course.sync``), which rewrites, in every notebook and
the README: the bootstrap cell (each lesson's first code cell), the "Open in Colab" and
"Open in Kaggle" badges, and the syllabus table between ``<!-- syllabus:start -->`` and
``<!-- syllabus:end -->``; it also clears outputs and execution counts, and writes
``docs/runtimes.csv`` as the table in ``docs/hardware.md``. A test checks
that nothing is left for it to do, so the shared parts cannot drift apart.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course import COURSE_REPOSITORY, glossary

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = ROOT / "notebooks"
CLONE_DIR = "rnn-vs-cnn-course"


LEVELS = ("core", "core, advanced sections", "advanced")
"""A lesson is on the core path, on it with sections marked advanced, or advanced as a whole."""


@dataclass(frozen=True)
class Lesson:
    number: str
    stem: str
    title: str
    claim: str
    level: str = "core"

    def __post_init__(self):
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, got {self.level!r}")

    @property
    def filename(self) -> str:
        return f"{self.stem}.ipynb"


LESSONS = (
    Lesson("00", "00_setup", "Setup", "the stack works, which device runs the models, how seeds make runs repeatable, "
                                      "and how the course decides a winner"),
    Lesson("01", "01_architecture", "Architecture",
           "convolution + pooling + dense vs one recurrent cell applied along time, both from scratch"),
    Lesson("02", "02_memory", "Memory", "a CNN sees its receptive field, an RNN carries state, dilations stretch the field"),
    Lesson("03", "03_parallelization", "Parallelization",
           "convolution runs all steps at once, recurrence one after another: measured throughput",
           "core, advanced sections"),
    Lesson("04", "04_vanishing_gradients", "Vanishing gradients",
           "gradients through a simple RNN shrink geometrically with distance; exploding gradients and clipping"),
    Lesson("05", "05_lstm_and_gru", "LSTM and GRU", "gates keep the gradient path open; how fast gated cells and a dilated CNN learn long lags"),
    Lesson("06", "06_images_at_scale", "Images at scale",
           "Fashion-MNIST's 28x28 images: CNN vs row-reading GRU vs hybrid at fair budgets, and what weight sharing and "
           "pooling buy when the images move"),
    Lesson("07", "07_choosing_an_architecture", "Choosing an architecture",
           "real series side by side (UCR benchmarks, variable-length utterances) with fair budgets, the comparison "
           "table rebuilt from measurements, and a decision guide", "core, advanced sections"),
    Lesson("08", "08_beyond_the_tradeoff", "Beyond the trade-off",
           "minGRU trains as a parallel scan (log T depth), attention in one step at T² cost: measured against GRU and CNN",
           "advanced"),
    Lesson("09", "09_text", "Text",
           "sentiment and character-level language models: bag of n-grams, text CNN, GRU and attention on real text"),
    Lesson("10", "10_many_devices", "Many devices",
           "data parallelism gives the same answer for both; one sequence splits over devices with a halo for a "
           "convolution, a chain of hand-offs for a recurrence, a scan of carries for minGRU; pipeline bubbles",
           "advanced"),
    Lesson("11", "11_forecasting", "Forecasting",
           "a day ahead on real electricity demand: baselines, linear, dilated CNN and GRU forecasters, error by "
           "horizon, and how a one-step GRU's errors compound when fed its own forecasts"),
)

BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
KAGGLE_BADGE_IMAGE = "https://kaggle.com/static/images/open-in-kaggle.svg"
BADGE_RE = re.compile(
    r"\[!\[Open In Colab\]\([^)]*\)\]\((https://colab\.research\.google\.com/github/[^)\s]*)\)"
    r"(?: \[!\[Open In Kaggle\]\([^)]*\)\]\((https://kaggle\.com/kernels/welcome\?src=[^)\s]*)\))?")
"""The launch badges of a lesson: Colab's, then (since Kaggle was added) Kaggle's; group 1 and 2 are their targets."""
SYLLABUS_RE = re.compile(r"(<!-- syllabus:start -->\n).*?(<!-- syllabus:end -->)", re.S)


def repository_slug(url: str = COURSE_REPOSITORY) -> str:
    """``owner/name`` from a GitHub URL such as ``https://github.com/owner/name``."""
    match = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+?)(?:\.git)?/?", url)
    if not match:
        raise ValueError(f"COURSE_REPOSITORY must look like https://github.com/OWNER/NAME, got {url!r}")
    return match.group(1)


def launch_badges(filename: str, url: str = COURSE_REPOSITORY) -> str:
    """Markdown for the "Open in Colab" and "Open in Kaggle" badges of ``notebooks/<filename>`` on main."""
    path = f"{repository_slug(url)}/blob/main/notebooks/{filename}"
    colab = f"https://colab.research.google.com/github/{path}"
    kaggle = f"https://kaggle.com/kernels/welcome?src=https://github.com/{path}"
    return f"[![Open In Colab]({BADGE_IMAGE})]({colab}) [![Open In Kaggle]({KAGGLE_BADGE_IMAGE})]({kaggle})"


def badges_as_links(markdown: str) -> str:
    """The badges as plain text links (for the offline site: the badge images live on the web)."""
    def links(match: re.Match) -> str:
        kaggle = f" · [Open in Kaggle]({match.group(2)})" if match.group(2) else ""
        return f"[Open in Colab]({match.group(1)}){kaggle}"
    return BADGE_RE.sub(links, markdown)


BOOTSTRAP_MARKER = "# Course set-up"
"""The first line of the bootstrap cell: ``make sync`` rewrites only a cell that starts with it."""
FORMER_MARKERS = ("# Course bootstrap",)
"""What the first line said before; ``make sync`` rewrites such a cell too."""

BOOTSTRAP_TAG = "remove-input"
EVIDENCE_TAG = "evidence"          # checks, self-tests, verdict prose, notes for instructors: the evidence layer
"""Cell tag on the bootstrap cell: the HTML build hides the input of cells carrying it."""


def bootstrap_source(url: str = COURSE_REPOSITORY) -> str:
    """The first code cell of every lesson: make ``utils`` importable (on Colab or Kaggle, fetch the course first).

    Kaggle is recognised by the ``KAGGLE_KERNEL_RUN_TYPE`` variable it sets in every notebook's
    environment; a clone that fails there (Internet is off by default) says how to turn it on.

    Installing what Colab lacks happens in ``runtime.setup``, once ``utils`` is importable.
    """
    return f'''{BOOTSTRAP_MARKER} (the same in every lesson, written by `make sync`): find or fetch the course's `utils`.
import os
import pathlib
import subprocess
import sys
hosted = "google.colab" in sys.modules or "KAGGLE_KERNEL_RUN_TYPE" in os.environ  # on Colab or Kaggle
if hosted and not pathlib.Path("{CLONE_DIR}").is_dir():  # fetch the course
    if subprocess.run(["git", "clone", "--depth", "1", "{url}", "{CLONE_DIR}"]).returncode != 0:
        raise RuntimeError("could not fetch the course: on Kaggle, turn on Internet in the notebook's settings")
here = pathlib.Path.cwd().resolve()
root = next((p for p in [here, *here.parents, here / "{CLONE_DIR}"] if (p / "utils" / "__init__.py").is_file()), None)
if root is None:
    raise RuntimeError("utils/ not found: start Jupyter inside the course folder")
sys.path.insert(0, str(root))'''


RUN_TIME_RE = re.compile(r"\*\*Run time:\*\*\s+((?:about|under)\s+(a|one|two|three|[\d.]+)\s+(s|seconds?|minutes?))\b")
"""The run time a lesson's title cell states for a 2-core CPU: ``**Run time:** about 2.5 minutes ...``."""
_NUMBER_WORDS = {"a": 1.0, "one": 1.0, "two": 2.0, "three": 3.0}


def stated_run_time(title: str) -> tuple[str, float]:
    """The 2-core CPU run time a title cell states, as written ("about 2.5 minutes") and in seconds."""
    match = RUN_TIME_RE.search(title)
    if not match:
        raise ValueError(f"no '**Run time:** about N s|minutes' in the title cell: {title[:200]!r}")
    number = _NUMBER_WORDS.get(match.group(2)) or float(match.group(2))
    return match.group(1), number * (60 if match.group(3).startswith("minute") else 1)


def lesson_run_time(path: Path) -> str:
    """What a lesson's title cell says it takes on a 2-core CPU ("about a minute"), or "" if unstated."""
    title = next((c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"), "")
    try:
        return stated_run_time(title)[0]
    except ValueError:
        return ""


def syllabus_table(for_readme: bool, notebooks_dir: Path = NOTEBOOKS_DIR, url: str = COURSE_REPOSITORY) -> str:
    """The syllabus as a markdown table: level, stated CPU run time, claim (and, in the README, launch badges)."""
    header = "| # | lesson | level | 2-core CPU | what it demonstrates |"
    lines = [header + (" open in |" if for_readme else ""), "|---|---|---|---|---|" + ("---|" if for_readme else "")]
    for lesson in LESSONS:
        path = notebooks_dir / lesson.filename
        exists = path.is_file()
        prefix = "notebooks/" if for_readme else ""
        name = f"[{lesson.title}]({prefix}{lesson.filename})" if exists else f"{lesson.title} *(in preparation)*"
        time = lesson_run_time(path) if exists else ""
        row = f"| {lesson.number} | {name} | {lesson.level} | {time} | {lesson.claim} |"
        if for_readme:
            row += f" {launch_badges(lesson.filename, url) if exists else ''} |"
        lines.append(row)
    return "\n".join(lines) + "\n"


RUNTIMES_CSV = ROOT / "docs" / "runtimes.csv"
RUNTIMES_RE = re.compile(r"(<!-- runtimes:start -->\n).*?(<!-- runtimes:end -->)", re.S)


def runtimes_table(csv_path: Path = RUNTIMES_CSV) -> str:
    """docs/runtimes.csv as a markdown table, newest run first (the file's order), blanks as dashes."""
    import csv

    with csv_path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    names = {"gflops": "GFLOP/s", "what": "what ran", "06+07": "06 before the split", "total": "all"}
    lines = ["| " + " | ".join(names.get(c, c) for c in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell or "—" for cell in row) + " |" for row in body]
    return "\n".join(lines) + "\n"


LEVEL_RE = re.compile(r"^\*\*Level:\*\*.*$", re.M)
LEVEL_TEXT = {
    "core": "**Level:** core: on the main path of the course.",
    "core, advanced sections": "**Level:** core; sections marked *(advanced)* are for a second reading.",
    "advanced": "**Level:** advanced: for a second reading, after the core lessons.",
}


GLOSSARY_POINTER = "Terms in **bold** are defined in the [glossary](glossary.md)."


def level_line(filename: str) -> str | None:
    """The title cell's level line for a lesson of ``LESSONS`` (``None`` for a notebook not in it),
    with the pointer to the glossary that every lesson carries."""
    lesson = next((lesson for lesson in LESSONS if lesson.filename == filename), None)
    return f"{LEVEL_TEXT[lesson.level]} {GLOSSARY_POINTER}" if lesson else None


def _sync_level(title: str, filename: str) -> str:
    """The title cell with its level line written (after the badges) or rewritten."""
    line = level_line(filename)
    if line is None:
        return title
    if LEVEL_RE.search(title):
        return LEVEL_RE.sub(line, title)
    badges = BADGE_RE.search(title)
    at = badges.end() if badges else title.find("\n") if "\n" in title else len(title)
    return f"{title[:at]}\n\n{line}{title[at:]}"


def _sync_markdown(text: str, filename: str | None, for_readme: bool, notebooks_dir: Path) -> str:
    if filename is not None:
        text = BADGE_RE.sub(lambda _: launch_badges(filename), text)
    return SYLLABUS_RE.sub(lambda m: m.group(1) + syllabus_table(for_readme, notebooks_dir) + m.group(2), text)


def synced_notebook(path: Path):
    """The notebook at ``path`` with shared parts rewritten and outputs cleared (by nbstripout).

    The bootstrap cell is rewritten only when the first code cell starts with
    ``BOOTSTRAP_MARKER``; a lesson without one gets a new bootstrap cell inserted before its
    first code cell, and whatever code was there is kept.
    """
    from nbstripout import strip_output

    nb = nbformat.read(path, as_version=4)
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    first_code = code_cells[0] if code_cells else None
    if first_code is None or not "".join(first_code.source).startswith((BOOTSTRAP_MARKER, *FORMER_MARKERS)):
        first_code = nbformat.v4.new_code_cell()
        position = nb.cells.index(code_cells[0]) if code_cells else len(nb.cells)
        nb.cells.insert(position, first_code)
    first_code.source = bootstrap_source()
    tags = first_code.metadata.setdefault("tags", [])
    if BOOTSTRAP_TAG not in tags:
        tags.append(BOOTSTRAP_TAG)
    for index, cell in enumerate(nb.cells):
        source = "".join(cell.source) if isinstance(cell.source, list) else cell.source
        if cell.cell_type == "markdown":
            source = _sync_markdown(source, path.name, False, path.parent)
            if index == 0:
                source = _sync_level(source, path.name)
        cell.source = source
        _collapse_if_evidence(cell)
    _link_glossary_terms(nb, path.parent / glossary.GLOSSARY)
    return strip_output(nb, keep_output=False, keep_count=False, keep_id=True)


def _link_glossary_terms(nb, glossary_path: Path) -> None:
    """The first bold use of each glossary term in the lesson's idea layer links to the glossary
    (the title cell, the evidence and the solutions are left as they are)."""
    if not glossary_path.is_file():
        return
    idea = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and cell.source.startswith("## Solutions"):
            break
        if index and cell.cell_type == "markdown" and EVIDENCE_TAG not in cell.metadata.get("tags", []):
            idea.append(cell)
    for cell, linked in zip(idea, glossary.link_first_uses([c.source for c in idea], glossary.terms(glossary_path))):
        cell.source = linked


def _collapse_if_evidence(cell) -> None:
    """JupyterLab opens a cell tagged ``evidence`` collapsed (its source, and a code cell's output too);
    any other cell opens expanded. The tag is the only thing an author sets."""
    jupyter = cell.metadata.get("jupyter", {})
    if EVIDENCE_TAG in cell.metadata.get("tags", []):
        jupyter["source_hidden"] = True
        if cell.cell_type == "code":
            jupyter["outputs_hidden"] = True
    else:
        jupyter.pop("source_hidden", None)
        jupyter.pop("outputs_hidden", None)
    if jupyter:
        cell.metadata["jupyter"] = jupyter
    else:
        cell.metadata.pop("jupyter", None)


def dump_notebook(nb) -> str:
    """Serialise a notebook exactly the way Jupyter saves it."""
    return nbformat.writes(nb) + "\n"


def sync(root: Path = ROOT, check_only: bool = False) -> list[str]:
    """Rewrite the shared parts of every notebook and the README; return the files changed.

    With ``check_only`` nothing is written: the list says which files are out of sync.
    """
    changed = []
    notebooks_dir = root / "notebooks"
    targets = {path: dump_notebook(synced_notebook(path)) for path in sorted(notebooks_dir.glob("*.ipynb"))}
    readme = root / "README.md"
    if readme.is_file():
        targets[readme] = _sync_markdown(readme.read_text(), None, True, notebooks_dir)
    hardware, runtimes = root / "docs" / "hardware.md", root / "docs" / "runtimes.csv"
    if hardware.is_file() and runtimes.is_file():
        table = runtimes_table(runtimes)
        targets[hardware] = RUNTIMES_RE.sub(lambda m: m.group(1) + table + m.group(2), hardware.read_text())
    for path, text in targets.items():
        if path.read_text() != text:
            changed.append(str(path.relative_to(root)))
            if not check_only:
                path.write_text(text)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Sync the shared parts of the notebooks and README.")
    parser.add_argument("--check", action="store_true", help="only report files that are out of sync")
    args = parser.parse_args(argv)
    changed = sync(check_only=args.check)
    verb = "out of sync" if args.check else "rewritten"
    for name in changed:
        print(f"{verb}: {name}")
    if not changed:
        print("notebooks and README are in sync")
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
