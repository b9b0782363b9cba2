"""Argument checks shared by every ``utils`` module: one rule, one kind of message.

Learners call the course's helpers from their own cells, so a bad argument must stop the
call at once with a ``ValueError`` that names the argument, shows the value and says what
was expected, before any model is built or any file written. The rules:

- an *integer* is a Python ``int`` or a NumPy integer (``np.int64(3)`` is fine); ``True``
  and ``False`` are rejected, and so are floats, even ``3.0``;
- a *number* is any real int or float (NumPy's included) that is finite; booleans are
  rejected;
- bounds are inclusive unless a check says "strictly".

Every function returns the value converted to a plain Python type (or a NumPy array), so
a caller can write ``n = validate.integer("n", n, minimum=0)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["integer", "integers", "number", "fraction", "one_of", "array", "same_length", "callable_"]


def _describe_range(kind: str, minimum, maximum) -> str:
    if minimum is not None and maximum is not None:
        return f"{kind} from {minimum} to {maximum}"
    if minimum is not None:
        return f"{kind} >= {minimum}"
    if maximum is not None:
        return f"{kind} <= {maximum}"
    return kind


def is_integer(value) -> bool:
    """True for ints and NumPy integers, False for bools and everything else."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def integer(name: str, value, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as an ``int`` if it is an integer within [minimum, maximum]; else ``ValueError``."""
    expected = _describe_range("an integer", minimum, maximum)
    if not is_integer(value):
        raise ValueError(f"{name} must be {expected}, got {value!r} ({type(value).__name__})")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {expected}, got {value}")
    return int(value)


def integers(name: str, values, minimum: int | None = None, maximum: int | None = None,
             allow_empty: bool = False) -> tuple[int, ...]:
    """A sequence of integers, each within [minimum, maximum], as a tuple of ``int``."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (Iterable, np.ndarray)):
        raise ValueError(f"{name} must be a sequence of integers, got {values!r}")
    values = list(np.asarray(values).ravel().tolist() if isinstance(values, np.ndarray) else values)
    if not values and not allow_empty:
        raise ValueError(f"{name} must hold at least one integer, got an empty sequence")
    expected = _describe_range("integers", minimum, maximum)
    for value in values:
        if not is_integer(value) or (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise ValueError(f"{name} must be {expected}, got {values!r} (bad entry {value!r})")
    return tuple(int(v) for v in values)


def number(name: str, value, minimum: float | None = None, maximum: float | None = None,
           strict: bool = False) -> float:
    """``value`` as a finite ``float`` within the bounds (exclusive when ``strict``); else ``ValueError``."""
    if strict:
        bounds = [f"> {minimum}" if minimum is not None else "", f"< {maximum}" if maximum is not None else ""]
        expected = "a finite number " + " and ".join(b for b in bounds if b) if any(bounds) else "a finite number"
    else:
        expected = _describe_range("a finite number", minimum, maximum)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be {expected}, got {value!r} ({type(value).__name__})")
    value = float(value)
    too_low = minimum is not None and (value <= minimum if strict else value < minimum)
    too_high = maximum is not None and (value >= maximum if strict else value > maximum)
    if not math.isfinite(value) or too_low or too_high:
        raise ValueError(f"{name} must be {expected}, got {value}")
    return value


def fraction(name: str, value) -> float:
    """A number strictly between 0 and 1, such as a train or test fraction."""
    return number(name, value, 0, 1, strict=True)


def one_of(name: str, value, options: Sequence):
    """``value`` itself if it is one of ``options``; else a ``ValueError`` listing them."""
    try:
        known = value in options
    except TypeError:  # an unhashable value against a dict or set of options
        known = False
    if not known:
        listed = ", ".join(repr(o) for o in options)
        raise ValueError(f"{name} must be one of {listed}; got {value!r}")
    return value


def array(name: str, value, shape: Sequence[int | None] | None = None, ndim: int | None = None,
          dtype=np.float64, layout: str | None = None) -> np.ndarray:
    """``value`` as a NumPy array of ``dtype``, checked against ``shape`` (``None`` = any size) or ``ndim``.

    ``layout`` names the axes in the message, e.g. ``"(batch, time, features)"``.
    """
    try:
        result = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a numeric array{' ' + layout if layout else ''}, got {value!r}") from None
    if shape is not None:
        ndim = len(shape)
        sizes = ", ".join("any" if d is None else str(d) for d in shape)
        expected = f"({sizes}{',' if len(shape) == 1 else ''})" + (f" {layout}" if layout else "")
    else:
        expected = layout or f"{ndim}-D"
    wrong_ndim = ndim is not None and result.ndim != ndim
    if wrong_ndim or (shape is not None and any(d is not None and d != s for d, s in zip(shape, result.shape))):
        raise ValueError(f"{name} must have shape {expected}, got shape {result.shape}")
    return result


def same_length(first_name: str, first, second_name: str, second) -> int:
    """The common length of two sized objects; ``ValueError`` naming both when they differ."""
    if len(first) != len(second):
        raise ValueError(f"{first_name} and {second_name} must have the same number of examples, "
                         f"got {len(first)} and {len(second)}")
    return len(first)


def callable_(name: str, value):
    """``value`` itself if it can be called; else ``ValueError``."""
    if not callable(value):
        raise ValueError(f"{name} must be a function, got {value!r}")
    return value
