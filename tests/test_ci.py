"""CI cannot pass on nothing: an empty run fails, every notebook is collected, lint runs."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_make_test_fails_when_no_test_runs():
    """pytest's exit status 5 ("no tests collected") reaches make and fails it."""
    result = subprocess.run(
        ["make", "-s", "-o", ".venv/.installed-requirements", "test",
         f"PYTEST={sys.executable} -m pytest", "PYTEST_ARGS=tests/test_ci.py -k no_test_has_this_name -q"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "MAKEFLAGS": ""},
    )
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


def test_ci_runs_lint_before_the_tests():
    commands = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    assert commands.index("make lint") < commands.index("make test")


def test_ci_runs_the_suite_on_tensorflow_and_on_jax():
    commands = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    assert "make test" in commands and "make test BACKEND=jax" in commands
    assert (ROOT / "requirements-jax.txt").is_file()
