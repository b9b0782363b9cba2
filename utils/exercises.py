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
}


def _matches(answer: Any, expected: Any, rel_tol: float, abs_tol: float) -> bool:
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
