"""CI cannot pass on nothing: an empty run fails, every notebook is collected, lint runs."""

import os
import re
import subprocess
import sys
from pathlib import Path

from lesson_code import imported_utils_modules, notebook_code

ROOT = Path(__file__).resolve().parents[1]


def _make(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``make -s`` in the project with these arguments, the installed packages taken as up to date."""
    # make exports its command-line variables: under `make test-backend BACKEND=jax` this process
    # inherits BACKEND=jax, which would set the Makefile's variables here. Only args may set them.
    inherited = {"MAKEFLAGS", "MAKEOVERRIDES", "MFLAGS", "MAKELEVEL", "BACKEND", "PYTEST", "PYTEST_ARGS", "UNIT_WORKERS",
                 "LESSON_WORKERS", "ONLY"}
    env = {key: value for key, value in os.environ.items() if key not in inherited}
    return subprocess.run(["make", "-s", "-o", ".venv/.installed-requirements", "-o", ".venv/.installed-jax",
                           "-o", ".venv-colab/.installed-requirements", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)


def test_make_test_fails_when_no_test_runs():
    """pytest's exit status 5 ("no tests collected") reaches make and fails it."""
    result = _make("test", f"PYTEST={sys.executable} -m pytest", "PYTEST_ARGS=tests/test_ci.py -k no_test_has_this_name -q")
    assert "no tests ran" in result.stdout or "deselected" in result.stdout, result.stdout + result.stderr
    assert result.returncode != 0, result.stdout


def test_every_lesson_notebook_is_collected_by_nbval():
    """If nbval were missing or misconfigured, notebooks/ would silently add no tests."""
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "notebooks"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    collected = {line.split("::")[0] for line in result.stdout.splitlines() if "::" in line}
    lessons = {f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert lessons and collected == lessons


def _ci_commands() -> list[str]:
    """The commands of .ci/run, comments and blank lines left out."""
    return [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def test_ci_runs_lint_before_the_tests():
    commands = _ci_commands()
    assert commands.index("make lint") < commands.index("make test")


def test_ci_runs_the_suite_on_tensorflow_and_the_backend_lessons_on_jax():
    commands = _ci_commands()
    assert "make test" in commands and "make test-backend BACKEND=jax" in commands
    assert (ROOT / "requirements-jax.txt").is_file()


def test_ci_runs_the_unit_tests_and_lesson_00_on_colabs_stack():
    commands = _ci_commands()
    colab = [c for c in commands if c.startswith("make test-colab")]
    assert colab == ["make test-colab COLAB_LESSONS=notebooks/00_setup.ipynb"]
    pins = (ROOT / "requirements-colab.txt").read_text()
    assert "googlecolab/backend-info" in pins and "tensorflow==2.20.0" in pins and "keras==3.13.2" in pins


def _backend_lessons() -> set[str]:
    """The notebooks listed in the Makefile's BACKEND_LESSONS (continuation lines joined)."""
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    match = re.search(r"^BACKEND_LESSONS :=(.*)$", makefile, re.M)
    assert match, "the Makefile defines BACKEND_LESSONS"
    return set(match.group(1).split())


BACKEND_SPECIFIC = {"gradients", "scan", "layers"}
"""A lesson that imports these utils modules takes a backend-specific path: gradients through time, keras.ops layers and scans."""


def test_backend_lessons_cover_every_lesson_with_backend_specific_code():
    listed = _backend_lessons()
    assert all((ROOT / path).is_file() for path in listed), listed
    needed = {"notebooks/03_parallelization.ipynb"}          # its benchmark places and times models per device
    for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"):
        if imported_utils_modules(notebook_code(path)) & BACKEND_SPECIFIC:
            needed.add(f"notebooks/{path.name}")
    assert needed <= listed, f"add to BACKEND_LESSONS in the Makefile: {sorted(needed - listed)}"
    # a lesson left out may time models with utils.bench only through calls a listed lesson also makes
    calls = {path.name: set(re.findall(r"bench\.(\w+)\(", notebook_code(path)))
             for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    covered = set().union(*(calls[Path(p).name] for p in listed))
    for name, used in calls.items():
        assert used <= covered, f"{name} calls bench.{sorted(used - covered)}, which no lesson in BACKEND_LESSONS runs"


def test_make_test_backend_collects_the_unit_tests_and_those_lessons():
    """The default path (no PYTEST_ARGS): unit tests, then the backend lessons (UNIT_WORKERS=0: collected in-process)."""
    result = _make("test-backend", "UNIT_WORKERS=0", f"PYTEST={sys.executable} -m pytest --collect-only -q")
    assert result.returncode == 0, result.stdout + result.stderr
    files = {line.split("::")[0] for line in result.stdout.splitlines() if "::" in line}
    assert {f for f in files if f.startswith("notebooks/")} == _backend_lessons()
    assert "tests/test_ci.py" in files


def _make_commands(*args: str) -> list[str]:
    """The commands ``make`` would run (a dry run), with PYTEST shown as 'pytest'."""
    result = _make("-n", *args, "PYTEST=pytest", timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return [line.strip() for line in result.stdout.splitlines() if "pytest" in line]


def test_unit_tests_and_lessons_run_in_two_workers_each_lesson_whole_in_one():
    """Two xdist workers share the unit tests, then two share the lessons, a notebook never split between them."""
    assert _make_commands("test") == ["pytest -n 2 tests", "pytest -n 2 --dist loadfile notebooks"]
    backend = _make_commands("test-backend", "BACKEND=jax")
    assert backend[0] == "KERAS_BACKEND=jax pytest -n 2 tests"
    assert backend[1].startswith("KERAS_BACKEND=jax pytest -n 2 --dist loadfile notebooks/")
    # LESSON_WORKERS=1: the lessons one at a time, for the seconds of a lesson alone
    assert _make_commands("test", "LESSON_WORKERS=1") == ["pytest -n 2 tests", "pytest notebooks"]
    assert _make_commands("test", "PYTEST_ARGS=tests -x") == ["pytest tests -x"]


def test_make_test_colab_runs_the_unit_tests_then_the_named_lessons_in_the_colab_venv():
    commands = _make_commands("test-colab", "COLAB_LESSONS=notebooks/00_setup.ipynb")
    assert commands == [".venv-colab/bin/python -m pytest -n 2 tests",
                        ".venv-colab/bin/python -m pytest -n 2 --dist loadfile notebooks/00_setup.ipynb"]
