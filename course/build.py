"""The course build (``make course``): execute every lesson, then render an offline site with search in ``build/``.

For each notebook in ``notebooks/`` (in file-name order) it prints a progress line with the run
time (and, inside a long lesson, a line about every 20 s saying which cell it is at), then writes:

- ``build/notebooks/NN_name.ipynb``: the executed copy;
- ``build/reports/``: files the lesson wrote (``report.save_to_build``);
- ``build/logs/NN_name.log``: the kernel's own log;
- ``build/manifest.json``: what each build made, so ``--only`` keeps the lessons built before and
  the build deletes only files it made itself (those of lessons that no longer exist).

Then :mod:`course.site` renders the executed lessons, without running them again, into
``build/html/`` (Sphinx: a sidebar of lessons with their levels, search, formulas typeset by a local
MathJax, evidence cells collapsed, a page per report); ``build/index.html`` leads there.

One kernel runs at a time: each lesson's kernel is shut down when the lesson ends, and a kernel
still alive after its lesson stops the build. The build ends by printing the peak memory of the whole
build, summed over its own process and every kernel (:mod:`course.process_memory`).

The first notebook that raises, or whose kernel dies, stops the build: its partial copy is still written, the message
names the notebook and the failing cell, and the exit status is 1. Finally every page is checked:
nothing may load from the network and every relative link must resolve (exit status 1 if not).

    python -m course.build                 # the whole course
    python -m course.build --only 00 02    # just these lessons; the others keep their last build
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course import process_memory, site
from course.sync import LESSONS, ROOT
from utils.runtime import NOISE_RE

PROGRESS_EVERY = 20.0
"""Seconds between the progress lines printed inside a long lesson (none for a quick one)."""
MANIFEST = "manifest.json"
GLOSSARY = "glossary.md"
"""Beside the lessons: one sentence per term; the site lists it under "Reference"."""



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


class CellProgress:
    """Progress inside a running notebook: "cell i/N ... after t s", at most every ``every`` seconds.

    nbclient calls :meth:`started` and :meth:`finished` around each cell; while a long cell runs,
    :meth:`tick` (called from a background timer, see :meth:`running`) reports that it is still
    at work, so a quiet minute in a CI log is never a mystery, and a fast lesson prints nothing.
    """

    def __init__(self, nb, log=print, every: float = PROGRESS_EVERY, clock=time.perf_counter):
        self.code_cells = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
        self.log, self.every, self.clock = log, every, clock
        self.start = self.last = clock()
        self.current = None

    def _say(self, what: str) -> None:
        now = self.clock()
        if self.log is None or now - self.last < self.every:
            return
        self.last = now
        self.log(f"      cell {self.code_cells.index(self.current) + 1}/{len(self.code_cells)} {what} "
                 f"after {now - self.start:.0f} s", flush=True)

    def started(self, cell=None, cell_index=None, **_):
        self.current = cell_index if cell_index in self.code_cells else None

    def finished(self, cell=None, cell_index=None, **_):
        if cell_index in self.code_cells:
            self.current = cell_index
            self._say("done")
            self.current = None

    def tick(self) -> None:
        if self.current is not None:
            self._say("running")

    @contextlib.contextmanager
    def running(self):
        """Call :meth:`tick` every second in a background thread for the duration of the block."""
        stop = threading.Event()

        def loop():
            while not stop.wait(1.0):
                self.tick()

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join()


def this_interpreter_kernel_manager():
    """A kernel manager class that starts ``sys.executable -m ipykernel_launcher``: the project's own environment.

    A ``python3`` kernel spec in the user's Jupyter folders (another Python, other packages)
    would otherwise win over the one of this environment. nbclient is given the class, not an
    instance: it shuts down only kernels whose manager it made itself, so an instance passed in
    would keep every finished lesson's kernel (and its TensorFlow) alive until the build ends.
    """
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class ThisInterpreter(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                              display_name=f"Python ({sys.executable})", language="python", resource_dir="")

    class ThisInterpreterKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _this_interpreter(self):
            return ThisInterpreter(parent=self)

    return ThisInterpreterKernelManager


def execute_notebook(path: Path, timeout: int = 1200, kernel_log: Path | None = None, log=None):
    """Execute a notebook with its own folder as working directory; return it executed.

    ``log`` receives progress lines inside long lessons (``None``: silent).
    Raises :class:`NotebookFailed` (carrying the partly executed notebook as ``.nb``).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = nbformat.read(path, as_version=4)
    progress = CellProgress(nb, log)
    client = NotebookClient(nb, kernel_manager_class=this_interpreter_kernel_manager(), timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            on_cell_start=progress.started, on_cell_executed=progress.finished)
    try:
        with progress.running():
            if kernel_log is None:
                client.execute()
            else:  # the kernel process's own stderr (start-up warnings, crashes) goes to a log file
                with open(kernel_log, "w") as log_file:
                    client.execute(stderr=log_file)
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


def lesson_title(path: Path) -> str:
    """The first markdown heading of a notebook, or its file name."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return path.stem


def load_manifest(out_dir: Path) -> dict:
    """What earlier builds into ``out_dir`` made: ``{"lessons": {stem: {...}}}`` (empty if none)."""
    path = out_dir / MANIFEST
    if not path.is_file():
        return {"lessons": {}}
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError:
        return {"lessons": {}}
    return manifest if isinstance(manifest.get("lessons"), dict) else {"lessons": {}}


def _remove_stale(out_dir: Path, manifest: dict, stems: set[str], log) -> None:
    """Delete the files that earlier builds made for lessons that no longer exist, and nothing else."""
    for stem in sorted(set(manifest["lessons"]) - stems):
        for relative in manifest["lessons"][stem].get("files", []):
            path = (out_dir / relative).resolve()
            if path.is_file() and out_dir.resolve() in path.parents:
                path.unlink()
        del manifest["lessons"][stem]
        if log:
            log(f"removed the pages of {stem} (no longer in the course)")


def _report_times(out_dir: Path) -> dict[str, float]:
    folder = out_dir / "reports"
    return {f"reports/{p.name}": p.stat().st_mtime_ns for p in folder.glob("*")
            if p.is_file()} if folder.is_dir() else {}


def build_course(notebooks_dir: Path, out_dir: Path, only: list[str] | None = None,
                 timeout: int = 1200, log=print) -> list[NotebookResult]:
    """Execute the course's notebooks into ``out_dir``; stop at the first failure; write the site."""
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
    for folder in ("notebooks", site.HTML_DIR, "logs", "reports"):
        (out_dir / folder).mkdir(parents=True, exist_ok=True)
    manifest = load_manifest(out_dir)
    _remove_stale(out_dir, manifest, {p.stem for p in notebooks}, log)
    previous = os.environ.get("COURSE_BUILD_DIR")
    os.environ["COURSE_BUILD_DIR"] = str(out_dir.resolve())  # lets lessons write reports into the build
    try:
        with process_memory.TreeWatch(every=1.0) as watch:
            results = _execute_all(selected, out_dir, timeout, log, manifest)
        if log:
            log(watch.summary(), flush=True)
    finally:
        if previous is None:
            os.environ.pop("COURSE_BUILD_DIR", None)
        else:
            os.environ["COURSE_BUILD_DIR"] = previous
    start = time.perf_counter()
    write_site(out_dir, notebooks, manifest, log)
    if log:
        log(f"site rendered in {time.perf_counter() - start:.0f} s", flush=True)
    return results


def _execute_all(selected: list[Path], out_dir: Path, timeout: int, log, manifest: dict) -> list[NotebookResult]:
    """Run the selected notebooks in order, writing each result; stop after a failure."""
    results: list[NotebookResult] = []
    for number, path in enumerate(selected, 1):
        log(f"[{number}/{len(selected)}] {path.name} ...", flush=True)
        reports_before = _report_times(out_dir)
        start = time.perf_counter()
        try:
            nb = execute_notebook(path, timeout=timeout, kernel_log=out_dir / "logs" / f"{path.stem}.log", log=log)
            result = NotebookResult(path.name, time.perf_counter() - start, ok=True)
        except NotebookFailed as failure:
            nb = failure.nb
            result = NotebookResult(path.name, time.perf_counter() - start, ok=False, error=str(failure))
        result.noise_lines = count_noise(nb)
        if result.ok and process_memory.supported() and process_memory.kernels_below(os.getpid()):
            result.ok, result.error = False, f"{path.name}: its kernel was still running after the lesson ended"
        results.append(result)
        nbformat.write(nb, out_dir / "notebooks" / path.name)
        reports = sorted(name for name, mtime in _report_times(out_dir).items() if reports_before.get(name) != mtime)
        manifest["lessons"][path.stem] = {
            "status": "passed" if result.ok else "failed",
            "seconds": round(result.seconds, 1),
            "error": result.error,
            "built_at": time.strftime("%Y-%m-%d %H:%M"),
            "reports": reports,
            "files": [f"notebooks/{path.name}", f"{site.HTML_DIR}/{path.stem}.html", f"logs/{path.stem}.log", *reports],
        }
        if not result.ok:
            log(f"      FAILED after {result.seconds:.1f} s", flush=True)
            break
        noise = f" ({result.noise_lines} lines of TensorFlow start-up noise)" if result.noise_lines else ""
        log(f"      ok in {result.seconds:.1f} s{noise}", flush=True)
    return results


def write_site(out_dir: Path, notebooks: list[Path], manifest: dict, log=print) -> Path:
    """Render the site (:func:`course.site.build_html`) and write the manifest; return the front page."""
    known = {lesson.stem: lesson for lesson in LESSONS}
    lessons = []
    for path in notebooks:
        lesson = known.get(path.stem)
        entry = manifest["lessons"].get(path.stem, {}) if (out_dir / "notebooks" / path.name).is_file() else {}
        lessons.append(site.LessonEntry(
            number=path.name[:2], stem=path.stem,
            title=lesson.title if lesson else lesson_title(path).split("·", 1)[-1].strip(),
            level=lesson.level if lesson else "core", claim=lesson.claim if lesson else "",
            status=entry.get("status", "not built"), seconds=entry.get("seconds"), error=entry.get("error", ""),
            reports=[r for r in entry.get("reports", []) if (out_dir / r).is_file()]))
    glossary = notebooks[0].parent / GLOSSARY if notebooks else None
    pages = (glossary,) if glossary is not None and glossary.is_file() else ()
    front = site.build_html(out_dir, lessons, time.strftime("%Y-%m-%d %H:%M"), pages, log=log)
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return front


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Execute the course into build/: an offline site of executed lessons.")
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
        print(f"partial copy: {args.out / site.HTML_DIR / Path(failed[0].name).with_suffix('.html').name}", file=sys.stderr)
        return 1
    problems = site.check_site(args.out)
    if problems:
        print("the built site is not self-contained:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print(f"built {len(results)} notebooks in {total:.0f} s: open {args.out / 'index.html'} (works offline, with search)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
