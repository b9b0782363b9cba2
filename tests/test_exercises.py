"""Unit tests of utils.exercises."""

import pytest

from utils import exercises


def test_unanswered_is_not_an_error(capsys):
    assert exercises.check("00.1", None) is False
    assert "not answered yet" in capsys.readouterr().out


def test_right_and_wrong_answers(capsys):
    assert exercises.check("00.1", 0.168) is True
    assert exercises.check("00.1", 0.25) is False
    assert "Hint:" in capsys.readouterr().out
    assert exercises.check("00.2", (7, 29)) is True
    assert exercises.check("00.2", (7, 30)) is False
    assert exercises.check("00.2", "7 to 29") is False


def test_unknown_exercise():
    with pytest.raises(ValueError, match="unknown exercise '99.9'"):
        exercises.check("99.9", 1)


def test_function_answers_are_run_not_compared(capsys):
    assert exercises.check("05.1", lambda z, h, n: z * h + (1 - z) * n) is True
    assert exercises.check("05.1", lambda z, h, n: z * n + (1 - z) * h) is False
    assert exercises.check("05.1", lambda z, h, n: 1 / 0) is False


def test_every_exercise_has_a_computable_answer():
    for exercise_id, exercise in exercises.EXERCISES.items():
        assert exercise.expected() is not None, exercise_id
        assert exercise.question and exercise.hint
