"""Linear recurrences h_t = a_t * h_{t-1} + b_t, computed step by step or as a parallel scan.

Introduced in lesson 07. When ``a_t`` and ``b_t`` depend on the input at step t alone (not on
h_{t-1}), the recurrence is a prefix scan with an associative operator (Martin & Cundy 2018),
so all T states take about log2 T dependent levels instead of T. minGRU (Feng et al. 2024) is
such a recurrence: a_t = 1 - z_t and b_t = z_t * h~_t. Everything here uses ``keras.ops``
only, so it runs on TensorFlow, JAX and PyTorch.
"""

from __future__ import annotations

import math

from utils import validate
from utils.runtime import import_keras

keras = import_keras()
ops = keras.ops


def combine(earlier, later):
    """Compose two steps of h -> a * h + b: first ``earlier = (a1, b1)``, then ``later = (a2, b2)``.

    a2 * (a1 * h + b1) + b2 = (a1 * a2) * h + (a2 * b1 + b2), again of the form a * h + b. The
    operator is associative, which is all a parallel scan needs.
    """
    a1, b1 = earlier
    a2, b2 = later
    return a1 * a2, a2 * b1 + b2


def _checked(a, b):
    a, b = ops.convert_to_tensor(a), ops.convert_to_tensor(b)
    if len(a.shape) != 3 or tuple(a.shape) != tuple(b.shape):
        raise ValueError(f"a and b must both be (batch, time, units) with the same shape, got {tuple(a.shape)} "
                         f"and {tuple(b.shape)}")
    return a, b


def linear_recurrence_sequential(a, b):
    """All states of h_t = a_t * h_{t-1} + b_t from h_0 = 0, one step after another (``keras.ops.scan``).

    ``a`` and ``b`` are (batch, time, units); returns the states, (batch, time, units).
    """
    a, b = _checked(a, b)

    def step(h, ab):
        a_t, b_t = ab
        h = a_t * h + b_t                      # step t needs step t - 1: T steps in a row
        return h, h

    time_major = (ops.transpose(a, (1, 0, 2)), ops.transpose(b, (1, 0, 2)))
    _, states = ops.scan(step, ops.zeros_like(a[:, 0]), time_major)
    return ops.transpose(states, (1, 0, 2))


def linear_recurrence_parallel(a, b):
    """The same states as :func:`linear_recurrence_sequential`, by a parallel prefix scan over time.

    Position t of the scan of the pairs (a_1, b_1), ..., (a_t, b_t) under :func:`combine` is the
    map h_0 -> A_t h_0 + B_t; from h_0 = 0 the state is B_t.
    """
    a, b = _checked(a, b)
    _, states = ops.associative_scan(combine, (a, b), axis=1)
    return ops.reshape(states, ops.shape(b))     # TensorFlow's scan loses the static shape; restore it


def scan_levels(steps: int) -> int:
    """Dependent levels of a parallel prefix scan over ``steps`` positions: ceil(log2 steps).

    Level k combines every position with the one 2^k before it (Hillis & Steele 1986), so
    after ceil(log2 T) levels every position has combined all of its prefix.
    """
    steps = validate.integer("steps", steps, minimum=1)
    return math.ceil(math.log2(steps)) if steps > 1 else 0
