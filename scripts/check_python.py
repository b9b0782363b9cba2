"""Refuse a Python that the pinned packages have no wheels for, before a venv is made.

    python scripts/check_python.py                        # the course's range, 3.11 to 3.13
    python scripts/check_python.py 3.13 3.13 "Colab's stack (requirements-colab.txt)"

Exit 0 with nothing printed, or 1 with what to do. TensorFlow 2.21 publishes wheels for Python
3.11-3.13 only (Linux, macOS arm64, Windows); on any other Python, ``pip install -r requirements.txt``
fails with "No matching distribution". The Makefile runs this first, with the interpreter it is about
to use. It uses only the standard library and syntax old Pythons can parse, so it can speak on any.
"""

import sys

SUPPORTED = ((3, 11), (3, 13))
"""The oldest and the newest Python the pinned requirements install on (both included)."""
PURPOSE = "the course's pinned TensorFlow, which has wheels for them only"


def problem(version=None, supported=None, purpose=PURPOSE):
    """What is wrong with this Python (or ``version``) for ``purpose`` ('' if nothing), with the fix."""
    version = tuple(sys.version_info[:2] if version is None else version)
    low, high = SUPPORTED if supported is None else supported
    if low <= version <= high:
        return ""
    wanted = "{0}.{1}".format(*low) if low == high else "{0}.{1} to {2}.{3}".format(low[0], low[1], high[0], high[1])
    example = "{0}.{1}".format(*high)
    return (
        "Python {0}.{1} is not supported: {2} needs Python {3}.\n"
        "Install one and point make at it: `make test PYTHON=python{4}` (`make test-colab COLAB_PYTHON=...`):\n"
        "  pyenv:  pyenv install {4} && pyenv local {4}\n"
        "  uv:     uv python install {4}, then PYTHON=\"$(uv python find {4})\"\n"
        "  conda:  conda env create -f environment.yml && conda activate rnn-vs-cnn, then run make there"
    ).format(version[0], version[1], purpose, wanted, example)


def _version(text):
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) not in (0, 2, 3):
        sys.stderr.write("usage: check_python.py [MIN MAX [PURPOSE]]\n")
        return 2
    supported = (_version(argv[0]), _version(argv[1])) if argv else None
    message = problem(supported=supported, purpose=argv[2] if len(argv) == 3 else PURPOSE)
    if message:
        sys.stderr.write("error: " + message + "\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
