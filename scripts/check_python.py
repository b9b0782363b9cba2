"""Refuse a Python that the course's pinned packages have no wheels for, before a venv is made.

    python scripts/check_python.py [MIN MAX]   # exit 0 with nothing printed, or 1 with what to do

TensorFlow 2.21 publishes wheels for Python 3.11-3.13 only (Linux, macOS arm64, Windows); on any
other Python, ``pip install -r requirements.txt`` fails with "No matching distribution". The Makefile
runs this first, with the interpreter it is about to use. It uses only the standard library and
syntax old Pythons can parse, so it can speak on any of them.
"""

import sys

SUPPORTED = ((3, 11), (3, 13))
"""The oldest and the newest Python the pinned requirements install on (both included)."""


def problem(version=None, supported=None):
    """What is wrong with this Python (or ``version``) for the course ('' if nothing), with the fix."""
    version = tuple(sys.version_info[:2] if version is None else version)
    low, high = SUPPORTED if supported is None else supported
    if low <= version <= high:
        return ""
    return (
        "Python {0}.{1} is not supported: the course's pinned TensorFlow has wheels for Python {2}.{3} to {4}.{5} only.\n"
        "Install one and point make at it, e.g. `make test PYTHON=python3.12`:\n"
        "  pyenv:  pyenv install 3.12 && pyenv local 3.12\n"
        "  uv:     uv python install 3.12, then PYTHON=\"$(uv python find 3.12)\"\n"
        "  conda:  conda env create -f environment.yml && conda activate rnn-vs-cnn, then run make there"
    ).format(version[0], version[1], low[0], low[1], high[0], high[1])


def main():
    message = problem()
    if message:
        sys.stderr.write("error: " + message + "\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
