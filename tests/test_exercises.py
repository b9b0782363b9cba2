"""Unit tests of utils.exercises: the checker, the expected answers, and one source per exercise."""

import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from utils import exercises

ROOT = Path(__file__).resolve().parents[1]

# Worked out by hand (or, for 00.2 and 06.3, read off the data files), independently of the
# functions in utils.exercises that compute the expected answers.
def _bag_of_embeddings(vocab_size, length):
    """08.1's answer: a masked average of embeddings (order-free by construction)."""
    from utils.runtime import import_keras

    keras = import_keras()
    tokens = keras.Input(shape=(length,), dtype="int32")
    h = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(vocab_size, 16, mask_zero=True)(tokens))
    return keras.Model(tokens, keras.layers.Dense(2, activation="softmax")(h))


def _flattened_embeddings(vocab_size, length):
    """A plausible wrong 08.1: flattening keeps every position apart, so a shuffle moves the output."""
    from utils.runtime import import_keras

    keras = import_keras()
    tokens = keras.Input(shape=(length,), dtype="int32")
    h = keras.layers.Flatten()(keras.layers.Embedding(vocab_size, 16)(tokens))
    return keras.Model(tokens, keras.layers.Dense(2, activation="softmax")(h))


def _image_model(head):
    """A (28, 28) -> 10 classifier: lesson 06's two conv blocks, then ``head`` from the map to a vector."""
    from utils.runtime import import_keras

    keras = import_keras()
    image = keras.Input(shape=(28, 28))
    h = keras.layers.Reshape((28, 28, 1))(image)
    h = keras.layers.MaxPooling2D(2)(keras.layers.Conv2D(16, 3, padding="same", activation="relu")(h))
    h = keras.layers.MaxPooling2D(2)(keras.layers.Conv2D(32, 3, padding="same", activation="relu")(h))
    return keras.Model(image, keras.layers.Dense(10, activation="softmax")(head(keras, h)))


def _global_pooling_cnn():
    """06.5's answer: a third convolution, then global max pooling."""
    return _image_model(lambda keras, h: keras.layers.GlobalMaxPooling2D()(
        keras.layers.Conv2D(64, 3, padding="same", activation="relu")(h)))


def _flattening_cnn():
    """A plausible wrong 06.5: section 1's CNN, whose dense layer has one weight per position of the map."""
    return _image_model(lambda keras, h: keras.layers.Flatten()(h))


def _linear_forecaster(window):
    """00.1's answer: one Dense unit on the flattened window (window weights and a constant)."""
    from utils.runtime import import_keras

    keras = import_keras()
    inputs = keras.Input(shape=(window, 1))
    return keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Flatten()(inputs)))


def _squashed_forecaster(window):
    """A plausible wrong 00.1: the same 49 parameters, but a tanh makes it non-linear."""
    from utils.runtime import import_keras

    keras = import_keras()
    inputs = keras.Input(shape=(window, 1))
    return keras.Model(inputs, keras.layers.Dense(1, activation="tanh")(keras.layers.Flatten()(inputs)))


def _column_reader():
    """01.5's answer: swap the image axes, so the SimpleRNN steps along the columns."""
    from utils.runtime import import_keras

    keras = import_keras()
    image = keras.Input(shape=(8, 8))
    state = keras.layers.SimpleRNN(64)(keras.layers.Permute((2, 1))(image))
    return keras.Model(image, keras.layers.Dense(10, activation="softmax")(state))


def _row_reader():
    """A plausible wrong 01.5: lesson 01's row reader, which steps along the rows."""
    from utils.runtime import import_keras

    keras = import_keras()
    image = keras.Input(shape=(8, 8))
    return keras.Model(image, keras.layers.Dense(10, activation="softmax")(keras.layers.SimpleRNN(64)(image)))


def _dilated_stack(h, dilations):
    from utils import models

    return models.dilated_causal_cnn(h, dilations=dilations)


CODE_EXERCISES = {
    # a right answer and a plausible wrong one for every exercise where the learner writes code
    "00.1": (_linear_forecaster, _squashed_forecaster),
    "01.5": (_column_reader, _row_reader),
    "02.5": (lambda h: _dilated_stack(h, (1, 2, 4, 8, 16)), lambda h: _dilated_stack(h, (1, 2, 4, 8))),
    "03.4": (lambda steps, layers: steps + layers - 1, lambda steps, layers: steps * layers),
    "04.5": (lambda g, m: g * min(1.0, m / np.linalg.norm(g)), lambda g, m: np.clip(g, -m, m)),
    "05.1": (lambda z, h, n: z * h + (1 - z) * n, lambda z, h, n: (1 - z) * h + z * n),
    "06.4": (lambda a, b: float(np.mean(np.asarray(b) == np.bincount(a).argmax())), lambda a, b: 1 / len(set(a))),
    "06.5": (_global_pooling_cnn, _flattening_cnn),
    "07.1": (lambda e, f: (e[0] * f[0], f[0] * e[1] + f[1]), lambda e, f: (e[0] * f[0], e[1] + f[1])),
    "07.5": (lambda n, w: (np.arange(n)[:, None] - np.arange(n)[None, :] >= 0) & (np.arange(n)[:, None] - np.arange(n) < w),
             lambda n, w: np.tril(np.ones((n, n), bool))),                  # wrong: the whole causal past
    "08.1": (_bag_of_embeddings, _flattened_embeddings),
    "09.2": (lambda k, d: (k - 1) // 2 * sum(d), lambda k, d: (k - 1) * sum(d)),   # wrong: a causal stack's halo
}
# needs several devices, which only a fresh process can have: tests/test_distribute.py checks a right and a wrong answer
NEEDS_DEVICES = {"09.1"}


@pytest.mark.parametrize("exercise_id", sorted(CODE_EXERCISES))
def test_code_exercises_accept_right_code_and_reject_wrong_code(exercise_id):
    right, wrong = CODE_EXERCISES[exercise_id]
    assert exercises.check(exercise_id, right) is True
    assert exercises.check(exercise_id, wrong) is False
    assert exercises.check(exercise_id, lambda *args: 1 / 0) is False     # a crash is a wrong answer, not an error


KNOWN_ANSWERS = {
    "08.2": 63,
    "07.2": 12,
    "07.3": 268.435456,
    "07.4": 6,                              # outputs 10..15 of 16
    "00.2": (7, 29),
    "00.3": 0.06960 / 0.01584,              # least-squares AR(48) validation MSE at noise 0.3 over noise 0.1
    "01.1": (7, 7, 16),                     # 28 -> 26 -> 13 -> ceil(13 / 2)
    "01.2": 10 * 32 + 32 * 32 + 32,
    "01.3": 64 * 5 * 12 + 64,
    "01.4": (100, 16),
    "02.1": 128,                            # 1 + (1 + 2 + ... + 64)
    "02.2": 18,                             # 1 + 2 + 1 + 4 + 2 + 8
    "02.3": 6,                              # 2^(n+1) - 1 >= 101
    "02.4": 1 / 8,                          # the lag-8 readout matches the token 4 back by chance
    "03.1": 1 + 1 + 256 + 1,
    "03.2": 2 * 32 * 1024 * 128 * 3 * 64,
    "03.3": "dropout",
    "04.1": 20,
    "04.2": -0.363,                         # gain 0.8, N(0, 2^2) inputs: steeper than ln 0.8 = -0.223
    "04.3": 1 / 12,
    "04.4": 1.0,
    "05.2": 4 * 128 * (16 + 128 + 1),
    "05.3": 10 * math.log(8) / 1020,
    "06.1": "TCN",
    "06.2": 10,
    "06.3": 513 / 1029,                     # ItalyPowerDemand: 513 of 1029 test series are the training majority
}


def test_unanswered_is_not_an_error(capsys):
    assert exercises.check("00.2", None) is False
    assert "not answered yet" in capsys.readouterr().out


def test_right_and_wrong_answers(capsys):
    assert exercises.check("00.3", 4.0) is True                             # a guess within 30% of 4.39
    assert exercises.check("00.3", 2.0) is False
    assert "Hint:" in capsys.readouterr().out
    assert exercises.check("00.2", (7, 29)) is True
    assert exercises.check("00.2", (7, 30)) is False
    assert exercises.check("00.2", "7 to 29") is False


def test_unknown_exercise():
    with pytest.raises(ValueError, match="unknown exercise '99.9'"):
        exercises.check("99.9", 1)
    with pytest.raises(ValueError, match="unknown exercise 1.1"):
        exercises.check(1.1, 1)


def test_function_answers_are_run_not_compared(capsys):
    assert exercises.check("05.1", lambda z, h, n: z * h + (1 - z) * n) is True
    assert exercises.check("05.1", lambda z, h, n: z * n + (1 - z) * h) is False
    assert exercises.check("05.1", lambda z, h, n: 1 / 0) is False
    assert exercises.check("05.1", 0.5) is False  # not a function


@pytest.mark.parametrize("exercise_id", sorted(KNOWN_ANSWERS))
def test_expected_answers_equal_the_worked_answers(exercise_id):
    exercise = exercises.EXERCISES[exercise_id]
    expected = exercise.expected()
    known = KNOWN_ANSWERS[exercise_id]
    if isinstance(known, tuple):
        assert tuple(expected) == known
    elif isinstance(known, str):
        assert expected == known
    else:
        assert expected == pytest.approx(known, rel=max(exercise.rel_tol, 1e-9))
    assert exercises.check(exercise_id, known) is True


def test_every_exercise_is_checked_by_value_or_by_running_code():
    assert set(exercises.EXERCISES) == set(KNOWN_ANSWERS) | set(CODE_EXERCISES) | NEEDS_DEVICES
    for exercise_id in [*CODE_EXERCISES, *NEEDS_DEVICES]:
        assert exercises.EXERCISES[exercise_id].verify is not None and exercises.EXERCISES[exercise_id].expected is None
    with pytest.raises(ValueError, match="needs exactly one of expected"):
        exercises.Exercise("hint")


def _notebook_exercises():
    """{exercise id: (notebook, markdown text)} for every "**Exercise NN.K.**" cell, and the check calls."""
    texts, calls = {}, {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                for exercise_id in re.findall(r"\*\*Exercise (\d\d\.\d+)\.\*\*", cell.source):
                    assert exercise_id not in texts, f"{exercise_id} is stated twice"
                    texts[exercise_id] = path.name
            else:
                for exercise_id in re.findall(r"exercises\.check\(\"(\d\d\.\d+)\"", cell.source):
                    calls.setdefault(exercise_id, set()).add(path.name)
    return texts, calls


def test_each_exercise_is_stated_once_in_its_own_lesson_and_checked_there():
    texts, calls = _notebook_exercises()
    assert set(texts) == set(exercises.EXERCISES), "notebook exercises and utils.exercises differ"
    for exercise_id, notebook in texts.items():
        assert notebook.startswith(exercise_id[:2]), f"{exercise_id} is stated in {notebook}"
        assert calls.get(exercise_id) == {notebook}, f"{exercise_id} is checked in {calls.get(exercise_id)}"
    assert not hasattr(exercises.EXERCISES["00.1"], "question")  # the text lives in the notebook only


def test_expected_answers_do_not_import_through_lambdas():
    source = (ROOT / "utils" / "exercises.py").read_text()
    assert "__import__" not in source
    assert "is _gru_update_works" not in source  # special cases are a field (verify), not object identity
