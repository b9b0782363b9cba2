"""Linear recurrences h_t = a_t * h_{t-1} + b_t, computed step by step or as a parallel scan.

Introduced in lesson 08. When ``a_t`` and ``b_t`` depend on the input at step t alone (not on
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


def linear_recurrence_parallel(a, b, combine=combine):
    """The same states as :func:`linear_recurrence_sequential`, by a parallel prefix scan over time.

    Hillis & Steele's scan: at level k every position t combines what it holds with what
    position t - 2^k holds (positions before the start hold the identity, a = 1 and b = 0). Each
    level is one batch of element-wise operations over all positions at once; after
    ceil(log2 T) levels position t holds the composition of steps 1..t, h_0 -> A_t h_0 + B_t,
    and from h_0 = 0 its state is B_t. ``keras.ops.associative_scan(combine, (a, b), axis=1)``
    computes the same (tests check it); this form shows every level. ``combine`` may be replaced
    by another function of two (a, b) pairs, as lesson 08's exercise does with the learner's own.
    """
    a, b = _checked(a, b)
    validate.callable_("combine", combine)
    steps, shift = a.shape[1], 1
    if steps is None:
        raise ValueError("linear_recurrence_parallel needs a fixed number of time steps; build the model "
                         "with keras.Input(shape=(length, features))")
    while shift < steps:                      # ceil(log2 T) levels, each over every position at once
        pad = [[0, 0], [shift, 0], [0, 0]]
        a_before = ops.pad(a[:, :-shift], pad, constant_values=1.0)     # what position t - shift holds
        b_before = ops.pad(b[:, :-shift], pad)
        a, b = combine((a_before, b_before), (a, b))
        shift *= 2
    return b


def scan_levels(steps: int) -> int:
    """Dependent levels of a parallel prefix scan over ``steps`` positions: ceil(log2 steps).

    Level k combines every position with the one 2^k before it (Hillis & Steele 1986), so
    after ceil(log2 T) levels every position has combined all of its prefix.
    """
    steps = validate.integer("steps", steps, minimum=1)
    return math.ceil(math.log2(steps)) if steps > 1 else 0
