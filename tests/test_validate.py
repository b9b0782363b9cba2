"""Unit tests of utils.validate, the one place where arguments are checked."""

import re
from pathlib import Path

import numpy as np
import pytest

from utils import validate

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("value", [0, 3, np.int64(3), np.int32(7), np.uint8(2)])
def test_integers_include_numpy_integers(value):
    result = validate.integer("n", value, minimum=0)
    assert result == int(value) and type(result) is int


@pytest.mark.parametrize("value", [True, False, np.bool_(True), 3.0, np.float32(3), "3", None, [3]])
def test_integer_rejects_bools_floats_and_strings(value):
    with pytest.raises(ValueError, match=r"^n must be an integer >= 0, got .* \(\w+\)$"):
        validate.integer("n", value, minimum=0)


def test_integer_bounds_are_inclusive_and_named():
    assert validate.integer("steps", 8, minimum=1, maximum=8) == 8
    with pytest.raises(ValueError, match="^steps must be an integer from 1 to 8, got 9$"):
        validate.integer("steps", 9, minimum=1, maximum=8)
    with pytest.raises(ValueError, match="^k must be an integer <= 2, got 3$"):
        validate.integer("k", 3, maximum=2)
    with pytest.raises(ValueError, match=r"^k must be an integer, got 'x' \(str\)$"):
        validate.integer("k", "x")


def test_integers_checks_every_entry():
    assert validate.integers("lengths", [16, np.int64(64)], minimum=1) == (16, 64)
    assert validate.integers("lengths", np.array([3, 4]), minimum=1) == (3, 4)
    with pytest.raises(ValueError, match=r"lengths must be integers >= 1, got \[16, 0\] \(bad entry 0\)"):
        validate.integers("lengths", [16, 0], minimum=1)
    with pytest.raises(ValueError, match=r"bad entry True"):
        validate.integers("lengths", [16, True], minimum=1)
    with pytest.raises(ValueError, match="lengths must be a sequence of integers, got '16'"):
        validate.integers("lengths", "16")
    with pytest.raises(ValueError, match="lengths must hold at least one integer"):
        validate.integers("lengths", [])
    assert validate.integers("lengths", [], allow_empty=True) == ()


def test_number_accepts_reals_and_rejects_bools_and_non_finite():
    assert validate.number("lr", 1) == 1.0 and validate.number("lr", np.float32(0.5)) == 0.5
    for bad in (True, "0.1", None, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="^lr must be a finite number"):
            validate.number("lr", bad)


def test_number_bounds_inclusive_and_strict():
    assert validate.number("p", 0, minimum=0) == 0.0
    with pytest.raises(ValueError, match="^p must be a finite number > 0, got 0.0$"):
        validate.number("p", 0, minimum=0, strict=True)
    with pytest.raises(ValueError, match="^p must be a finite number from 0 to 1, got 1.5$"):
        validate.number("p", 1.5, 0, 1)
    assert validate.fraction("f", 0.25) == 0.25
    for bad in (0, 1, -0.1):
        with pytest.raises(ValueError, match="^f must be a finite number > 0 and < 1"):
            validate.fraction("f", bad)


def test_one_of_lists_the_options():
    assert validate.one_of("device", "CPU", ("CPU", "GPU")) == "CPU"
    with pytest.raises(ValueError, match="^device must be one of 'CPU', 'GPU'; got 'TPU'$"):
        validate.one_of("device", "TPU", ("CPU", "GPU"))
    with pytest.raises(ValueError, match="must be one of"):
        validate.one_of("cell", ["GRU"], {"GRU": 1})  # unhashable value against a dict


def test_array_shapes():
    x = validate.array("x", [[1, 2, 3]], shape=(None, 3))
    assert x.dtype == np.float64 and x.shape == (1, 3)
    with pytest.raises(ValueError, match=r"^x must have shape \(any, 3\), got shape \(1, 2\)$"):
        validate.array("x", [[1, 2]], shape=(None, 3))
    with pytest.raises(ValueError, match=r"^x must have shape \(batch, time\), got shape \(2,\)$"):
        validate.array("x", [1, 2], ndim=2, layout="(batch, time)")
    with pytest.raises(ValueError, match="^x must be a numeric array"):
        validate.array("x", ["a", "b"])


def test_same_length_and_callable():
    assert validate.same_length("x", [1, 2], "y", "ab") == 2
    with pytest.raises(ValueError, match="^x and y must have the same number of examples, got 2 and 3$"):
        validate.same_length("x", [1, 2], "y", [1, 2, 3])
    with pytest.raises(ValueError, match="^perturb must be a function, got 3$"):
        validate.callable_("perturb", 3)


def test_one_validation_helper_in_utils():
    """No module of utils/ keeps its own integer check: they all call utils.validate."""
    private_checks = re.compile(r"def _check_(int|positive)|def _check\(|isinstance\([^)]*, int\)")
    offenders = [path.name for path in (ROOT / "utils").glob("*.py")
                 if path.name != "validate.py" and private_checks.search(path.read_text())]
    assert offenders == []
