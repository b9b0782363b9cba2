"""Instant feedback for the exercises at the end of each lesson.

Introduced in lesson 00. An exercise cell ends with ``exercises.check("00.1", answer)``:
with ``answer = None`` (not tried yet) it just says so, otherwise it prints whether the
answer is right, with a hint when it is not, and returns ``True``/``False``. Expected
answers are computed from the course's own code where possible, not typed in, so they
stay right when the code changes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Exercise:
    """One exercise: its question, how to get the expected answer, and a hint."""

    question: str
    expected: Callable[[], Any]
    hint: str
    rel_tol: float = 1e-6
    abs_tol: float = 0.0


def _adding_baseline() -> float:
    from utils import data

    return data.ADDING_BASELINE_MSE


def _japanese_vowels_lengths() -> tuple[int, int]:
    from utils import data

    ds = data.load_ucr("JapaneseVowels")
    lengths = np.concatenate([ds.lengths_train, ds.lengths_test])
    return int(lengths.min()), int(lengths.max())


def _copy_memory_baseline_500() -> float:
    from utils import data

    return data.copy_memory_baseline(500)


def _conv_stack_shape() -> tuple[int, int, int]:
    from utils.runtime import import_keras

    keras = import_keras()
    inputs = keras.Input((28, 28, 1))
    h = keras.layers.Conv2D(8, 3, padding="valid")(inputs)
    h = keras.layers.MaxPooling2D(2)(h)
    h = keras.layers.Conv2D(16, 3, strides=2, padding="same")(h)
    return tuple(int(d) for d in h.shape[1:])


def _layer_params(build) -> Callable[[], int]:
    def count() -> int:
        from utils.runtime import import_keras

        keras = import_keras()
        layer, input_shape = build(keras)
        return keras.Sequential([keras.Input(input_shape), layer]).count_params()

    return count


def _rnn_sequence_shape() -> tuple[int, int]:
    from utils.runtime import import_keras

    keras = import_keras()
    out = keras.layers.SimpleRNN(16, return_sequences=True)(keras.Input((100, 3)))
    return tuple(int(d) for d in out.shape[1:])


def _pooled_stack_field() -> int:
    from utils.memory import receptive_field
    from utils.runtime import import_keras

    layers = import_keras().layers
    return receptive_field([layers.Conv1D(4, 3), layers.MaxPooling1D(2), layers.Conv1D(4, 3),
                            layers.MaxPooling1D(2), layers.Conv1D(4, 3)])


def _layers_for_lag_100() -> int:
    from utils.memory import conv_stack_field

    return next(n for n in range(1, 20) if conv_stack_field(3, [2**i for i in range(n)]) >= 101)


def _italy_majority_accuracy() -> float:
    from utils import data

    italy = data.load_ucr("ItalyPowerDemand")
    return float((italy.y_test == np.bincount(italy.y_train).argmax()).mean())


EXERCISES: dict[str, Exercise] = {
    "00.1": Exercise(
        "Estimate the MSE of always predicting 1 on 100,000 adding-problem sequences of length 50.",
        _adding_baseline,
        "Generate x, y with data.adding_problem and average (y - 1)**2; it should be near 1/6.",
        rel_tol=0.03,
    ),
    "00.2": Exercise(
        "What are the shortest and longest series lengths in JapaneseVowels (train and test together)?",
        _japanese_vowels_lengths,
        "Concatenate ds.lengths_train and ds.lengths_test, then take min and max; answer (shortest, longest).",
    ),
    "00.3": Exercise(
        "What cross-entropy does a memoryless model reach on copy memory with delay T=500?",
        _copy_memory_baseline_500,
        "Only the last 10 of T+20 steps are uncertain, each a uniform guess among 8 digits.",
        rel_tol=1e-3,
    ),
    "01.1": Exercise(
        "Output shape (height, width, channels) of Conv2D(8, 3, 'valid') -> MaxPooling2D(2) -> "
        "Conv2D(16, 3, strides=2, 'same') on a 28x28x1 image?",
        _conv_stack_shape,
        "valid: n - k + 1; pooling by 2: n // 2; same with stride 2: ceil(n / 2); channels = filters.",
    ),
    "01.2": Exercise(
        "How many parameters does SimpleRNN(32) have when it reads 10 features per step?",
        _layer_params(lambda keras: (keras.layers.SimpleRNN(32), (None, 10))),
        "W is features x units, U is units x units, plus one bias per unit.",
    ),
    "01.3": Exercise(
        "How many parameters does Conv1D(64, kernel_size=5) have on a 12-channel series?",
        _layer_params(lambda keras: (keras.layers.Conv1D(64, 5), (None, 12))),
        "Each filter has kernel_size x in_channels weights and one bias.",
    ),
    "01.4": Exercise(
        "Output shape (time, units) of SimpleRNN(16, return_sequences=True) reading 100 steps of 3 features?",
        _rnn_sequence_shape,
        "return_sequences=True keeps one state per time step.",
    ),
    "02.1": Exercise(
        "Receptive field of causal Conv1D layers with kernel 2 and dilations 1, 2, 4, ..., 64?",
        lambda: __import__("utils.memory", fromlist=["conv_stack_field"]).conv_stack_field(2, [1, 2, 4, 8, 16, 32, 64]),
        "1 + (kernel_size - 1) * (sum of the dilations).",
    ),
    "02.2": Exercise(
        "Receptive field of Conv1D(3) -> MaxPooling1D(2) -> Conv1D(3) -> MaxPooling1D(2) -> Conv1D(3)?",
        _pooled_stack_field,
        "Each layer adds (window - 1) x jump, where jump is the product of the strides before it.",
    ),
    "02.3": Exercise(
        "Fewest kernel-3 causal layers with dilations 1, 2, 4, ... that see 100 steps back?",
        _layers_for_lag_100,
        "Seeing 100 steps back means a field of at least 101; n layers give 1 + 2 * (2**n - 1).",
    ),
    "02.4": Exercise(
        "Largest lag in (1, 2, 4, 8, 16, 32) that the field-5 CNN recalls?",
        lambda: max(k for k in (1, 2, 4, 8, 16, 32) if k < 5),
        "A field of 5 covers the current step and the 4 before it.",
    ),
    "03.1": Exercise(
        "Sequential critical path of Conv1D(stride 2) -> Conv1D(stride 2) -> GRU -> Dense at T=1024?",
        lambda: 1 + 1 + 1024 // 4 + 1,
        "Each non-recurrent layer is one step; the GRU needs one step per position it receives.",
    ),
    "03.2": Exercise(
        "Forward FLOPs of GRU(64) on 64 inputs, batch 32, T=1024?",
        lambda: __import__("utils.bench", fromlist=["layer_flops"]).layer_flops("GRU", 32, 1024, 64),
        "2 x batch x T x (inputs + units) x gates x units, with 3 gates for a GRU.",
    ),
    "03.3": Exercise(
        "Which argument keeps the cuDNN LSTM kernel: recurrent_dropout=0.2, dropout=0.2, unroll=True or activation='relu'?",
        lambda: "dropout",
        "The fused kernel needs the default activations, no recurrent dropout and no unrolling.",
    ),
    "04.1": Exercise(
        "A gradient shrinks by 0.5 per step: after how many steps is it below 1e-6 of its start?",
        lambda: math.ceil(math.log(1e-6) / math.log(0.5)),
        "Solve 0.5**k < 1e-6 for the smallest whole k (take logarithms).",
    ),
    "04.2": Exercise(
        "Largest per-step gradient factor of a tanh RNN whose U has largest singular value 0.8?",
        lambda: 0.8,
        "|tanh'| is at most 1, so each step multiplies the norm by at most the largest singular value of U.",
    ),
    "04.3": Exercise(
        "MSE on the adding problem of predicting value2 + 0.5 (knowing only the second marked value)?",
        lambda: 1 / 12,
        "The error is value1 - 0.5 with value1 uniform on [0, 1): its mean square is a variance.",
        rel_tol=0.02,
    ),
    "04.4": Exercise(
        "Norm of a gradient of norm 50 after clipnorm=1?",
        lambda: 1.0,
        "clipnorm rescales gradients longer than the limit down to the limit.",
    ),
    "05.1": Exercise(
        "Write the GRU state update h_new = f(z, h_prev, n).",
        lambda: _gru_update_works,
        "z keeps a share of the old state; the rest, 1 - z, comes from the candidate n.",
    ),
    "05.2": Exercise(
        "Parameters of LSTM(128) on 16 input features?",
        lambda: __import__("utils.scratch", fromlist=["recurrent_param_count"]).recurrent_param_count("LSTM", 16, 128),
        "Four blocks (i, f, g, o), each units x (inputs + units) weights plus units biases.",
    ),
    "05.3": Exercise(
        "Memoryless cross-entropy on copy memory at T=1000?",
        lambda: __import__("utils.data", fromlist=["copy_memory_baseline"]).copy_memory_baseline(1000),
        "10 uncertain steps out of T + 20, each a uniform guess among 8 digits.",
        rel_tol=1e-3,
    ),
    "06.1": Exercise(
        "Per-step scores needing the last 500 readings, long recordings, GPU: CNN, TCN, RNN or hybrid?",
        lambda: "TCN",
        "A bounded but long per-step context that should parallelise over time: think receptive fields.",
    ),
    "06.2": Exercise(
        "Fewest kernel-2 causal layers with dilations 1, 2, 4, ... for a receptive field of at least 1000?",
        lambda: next(n for n in range(1, 20) if 2**n >= 1000),
        "With kernel 2 and doubling dilations, n layers see 2**n steps.",
    ),
    "06.3": Exercise(
        "Test accuracy on ItalyPowerDemand of always predicting the most frequent training class?",
        _italy_majority_accuracy,
        "Find the most frequent class in y_train, then the share of y_test equal to it.",
        rel_tol=1e-4,
    ),
}


def _gru_update_works(function) -> bool:
    rng = np.random.default_rng(0)
    z, h, n = rng.random(5), rng.normal(size=5), rng.normal(size=5)
    try:
        return bool(np.allclose(function(z, h, n), z * h + (1 - z) * n))
    except Exception:
        return False


def _matches(answer: Any, expected: Any, rel_tol: float, abs_tol: float) -> bool:
    if expected is _gru_update_works:
        return callable(answer) and _gru_update_works(answer)
    if isinstance(expected, (tuple, list)):
        return (
            isinstance(answer, (tuple, list, np.ndarray))
            and len(answer) == len(expected)
            and all(_matches(a, e, rel_tol, abs_tol) for a, e in zip(answer, expected))
        )
    if isinstance(expected, (int, float, np.number)):
        try:
            return math.isclose(float(answer), float(expected), rel_tol=rel_tol, abs_tol=abs_tol)
        except (TypeError, ValueError):
            return False
    return answer == expected


def check(exercise_id: str, answer: Any) -> bool:
    """Check ``answer`` for exercise ``exercise_id`` and print a one-line verdict."""
    if exercise_id not in EXERCISES:
        raise ValueError(f"unknown exercise {exercise_id!r}; expected one of {', '.join(EXERCISES)}")
    exercise = EXERCISES[exercise_id]
    if answer is None:
        print(f"[{exercise_id}] not answered yet: replace None with your answer and run the cell again.")
        return False
    if _matches(answer, exercise.expected(), exercise.rel_tol, exercise.abs_tol):
        print(f"[{exercise_id}] correct: {answer!r}")
        return True
    print(f"[{exercise_id}] not quite: {answer!r}. Hint: {exercise.hint}")
    return False
