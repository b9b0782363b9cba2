"""scripts/check_python.py: an unsupported Python is refused before a venv is made, with the fix."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import check_python  # noqa: E402


def test_supported_versions_pass_and_others_name_the_fix():
    for version in ((3, 11), (3, 12), (3, 13)):
        assert check_python.problem(version) == ""
    for version in ((3, 10), (3, 14), (2, 7)):
        message = check_python.problem(version)
        assert message.startswith(f"Python {version[0]}.{version[1]} is not supported")
        assert "3.11 to 3.13" in message and "pyenv" in message and "uv" in message and "environment.yml" in message
    colab = check_python.problem((3, 11), ((3, 13), (3, 13)), "Colab's stack")
    assert colab.startswith("Python 3.11 is not supported: Colab's stack needs Python 3.13.")


def test_the_script_speaks_through_its_exit_status():
    """This interpreter is a supported one (the tests run in the course's venv): silent, exit 0."""
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_python.py")], capture_output=True, text=True)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    refused = subprocess.run([sys.executable, "scripts/check_python.py", "3.0", "3.1", "a test"], cwd=ROOT,
                             capture_output=True, text=True)
    assert refused.returncode == 1 and refused.stderr.startswith("error: Python 3.")
    assert "a test needs Python 3.0 to 3.1" in refused.stderr


def test_the_makefile_checks_the_python_before_it_makes_the_venv():
    """The venv recipe runs the check first (a dry run of make prints the commands)."""
    result = subprocess.run(["make", "-n", "-W", "requirements.txt", ".venv/.installed-requirements", "PYTHON=pythonX"],
                            cwd=ROOT, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert "pythonX scripts/check_python.py && pythonX -m venv .venv" in result.stdout, result.stdout + result.stderr
