"""Unit tests of utils.exercises: the checker, the expected answers, and one source per exercise."""

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from utils import exercises

ROOT = Path(__file__).resolve().parents[1]

# Worked out by hand (or, for 00.2, read off the data files), independently of the
# functions in utils.exercises that compute the expected answers.
def _bag_of_embeddings(vocab_size, length):
    """09.1's answer: a masked average of embeddings (order-free by construction)."""
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
    """06.1's answer: a third convolution, then global max pooling."""
    return _image_model(lambda keras, h: keras.layers.GlobalMaxPooling2D()(
        keras.layers.Conv2D(64, 3, padding="same", activation="relu")(h)))


def _flattening_cnn():
    """A plausible wrong 06.1: section 1's CNN, whose dense layer has one weight per position of the map."""
    return _image_model(lambda keras, h: keras.layers.Flatten()(h))


def _series_fcn(filters):
    """A three-block FCN for (150, 1) series with ``filters`` per block: 07.4's answer when small."""
    from utils.runtime import import_keras

    keras = import_keras()

    def build(shape, num_classes):
        series = keras.Input(shape=shape)
        h = series
        for width, kernel_size in zip(filters, (8, 5, 3)):
            h = keras.layers.Conv1D(width, kernel_size, padding="same")(h)
            h = keras.layers.Activation("relu")(keras.layers.BatchNormalization(momentum=0.9)(h))
        return keras.Model(series, keras.layers.Dense(num_classes, activation="softmax")(
            keras.layers.GlobalAveragePooling1D()(h)))
    return build


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


def _adder(length, cell):
    """04.6's answer with cell="GRU"; with "SimpleRNN" a plausible wrong one (section 4's plain RNN)."""
    from utils.runtime import import_keras

    keras = import_keras()
    series = keras.Input(shape=(length, 2))
    return keras.Model(series, keras.layers.Dense(1)(getattr(keras.layers, cell)(32)(series)))


def _causal_convs(h, dilations):
    """Causal Conv1D(32, 3) layers with the given dilations."""
    from utils.runtime import import_keras

    keras = import_keras()
    for dilation in dilations:
        h = keras.layers.Conv1D(32, 3, padding="causal", dilation_rate=dilation, activation="relu")(h)
    return h


def _vowel_reader(masked=True):
    """05.2's answer: Masking, then a bidirectional GRU, then a 9-way softmax."""
    from utils.runtime import import_keras

    keras = import_keras()
    utterance = keras.Input(shape=(None, 12))
    h = keras.layers.Masking(mask_value=0.0)(utterance) if masked else utterance
    h = keras.layers.Bidirectional(keras.layers.GRU(32))(h)
    return keras.Model(utterance, keras.layers.Dense(9, activation="softmax")(h))


def _vowel_reader_unmasked():
    """A plausible wrong 05.2: without Masking the backward GRU starts on the padding."""
    return _vowel_reader(masked=False)


def _dilated_stack(h, dilations):
    from utils import models

    return models.dilated_causal_cnn(h, dilations=dilations)


def _day_window():
    from utils.runtime import import_keras

    keras = import_keras()
    return keras, keras.Input(shape=(48, 1))


def _yesterday_plus_correction():
    """11.1's answer: the window's 48 values plus a Dense correction of them."""
    keras, window = _day_window()
    values = keras.layers.Flatten()(window)
    return keras.Model(window, keras.layers.Add()([values, keras.layers.Dense(48)(values)]))


def _linear_day_forecaster():
    """A plausible wrong 11.1: section 3's linear model, which forecasts 0 (the mean) at zero weights."""
    keras, window = _day_window()
    return keras.Model(window, keras.layers.Dense(48)(keras.layers.Flatten()(window)))


CODE_EXERCISES = {
    # a right answer and a plausible wrong one for every exercise where the learner writes code
    "00.1": (_linear_forecaster, _squashed_forecaster),
    "01.5": (_column_reader, _row_reader),
    "02.5": (lambda h: _dilated_stack(h, (1, 2, 4, 8, 16)), lambda h: _dilated_stack(h, (1, 2, 4, 8))),
    "03.5": (lambda h: _causal_convs(h, (1, 4)), lambda h: _causal_convs(h, (1, 1))),   # wrong: section 5's field 5
    "03.4": (lambda steps, layers: steps + 2 * (layers - 1), lambda steps, layers: steps + layers - 1),  # wrong: no convs
    "04.6": (lambda t: _adder(t, "GRU"), lambda t: _adder(t, "SimpleRNN")),
    "04.5": (lambda g, m: g * min(1.0, m / np.linalg.norm(g)), lambda g, m: np.clip(g, -m, m)),
    "05.2": (_vowel_reader, _vowel_reader_unmasked),
    "07.3": (lambda a, b: float(sum(np.mean(np.asarray(a) == c) * np.mean(np.asarray(b) == c) for c in set(a) | set(b))),
             lambda a, b: float(np.mean(np.asarray(b) == np.bincount(a).argmax()))),          # wrong: the majority guess
    "06.1": (_global_pooling_cnn, _flattening_cnn),
    "07.4": (_series_fcn((16, 32, 16)), _series_fcn((128, 256, 128))),   # wrong: the full FCN, 265k parameters
    "08.1": (lambda e, f: (e[0] * f[0], f[0] * e[1] + f[1]), lambda e, f: (e[0] * f[0], e[1] + f[1])),
    "08.5": (lambda n, w: (np.arange(n)[:, None] - np.arange(n)[None, :] >= 0) & (np.arange(n)[:, None] - np.arange(n) < w),
             lambda n, w: np.tril(np.ones((n, n), bool))),                  # wrong: the whole causal past
    "09.1": (_bag_of_embeddings, _flattened_embeddings),
    "10.2": (lambda k, d: (k - 1) // 2 * sum(d), lambda k, d: (k - 1) * sum(d)),   # wrong: a causal stack's halo
    "11.1": (_yesterday_plus_correction, _linear_day_forecaster),
}
# needs several devices, which only a fresh process can have: tests/test_distribute.py checks a right and a wrong answer
NEEDS_DEVICES = {"10.1"}


@pytest.mark.parametrize("exercise_id", sorted(CODE_EXERCISES))
def test_code_exercises_accept_right_code_and_reject_wrong_code(exercise_id):
    right, wrong = CODE_EXERCISES[exercise_id]
    assert bool(exercises.check(exercise_id, right)) is True
    assert bool(exercises.check(exercise_id, wrong)) is False
    assert bool(exercises.check(exercise_id, lambda *args: 1 / 0)) is False     # a crash is a wrong answer, not an error


def test_a_learners_error_is_shown_with_their_line_and_the_hint(capsys):
    """The exception a learner's code raised is not swallowed: its type, message and line come with the hint."""
    def build(window):
        weights = np.zeros(window)
        return weights.reshape(window + 1)  # the learner's mistake

    assert bool(exercises.check("00.1", build)) is False
    out = capsys.readouterr().out
    assert "raised ValueError: cannot reshape array of size 48 into shape (49,)" in out
    assert "at your line `return weights.reshape(window + 1)  # the learner's mistake`" in out
    assert "Hint: A linear AR" in out
    # an answer that breaks only inside the checker is named, with what it raised
    assert bool(exercises.check("03.4", lambda steps, layers: "many")) is False
    assert "could not be checked: it gave something that raised ValueError" in capsys.readouterr().out


KNOWN_ANSWERS = {
    "09.2": 31,                             # predictions 10..40 read character 10 (field 31)
    "10.3": 3 / 7,                          # (K - 1) / (M + K - 1) idle slots
    "11.2": 1.0,                            # a day ahead, persistence's last value is same time yesterday's
    "11.3": 17,                             # field 31 sees 30 steps back: 48 - h > 30 for h = 1..17
    "08.2": 12,
    "08.3": 268.435456,
    "08.4": 6,                              # outputs 10..15 of 16
    "00.2": (7, 29),
    "00.3": 0.06960 / 0.01584,              # least-squares AR(48) validation MSE at noise 0.3 over noise 0.1
    "01.6": 0.40,                           # the row reader on upside-down digits: 0.38-0.42 measured
    "01.1": (7, 7, 16),                     # 28 -> 26 -> 13 -> ceil(13 / 2)
    "01.2": 10 * 32 + 32 * 32 + 32,
    "01.3": 64 * 5 * 12 + 64,
    "01.4": (100, 16),
    "02.1": 128,                            # 1 + (1 + 2 + ... + 64)
    "02.2": 18,                             # 1 + 2 + 1 + 4 + 2 + 8
    "02.3": 6,                              # 2^(n+1) - 1 >= 101
    "02.4": 1 / 8,                          # the lag-8 readout matches the token 4 back by chance
    "03.1": 1 + 1 + 256 + 1,
    "03.2": 1024 + 3,                       # the second GRU waits for its inputs, never for itself
    "03.3": "dropout",
    "04.1": 20,
    "04.2": -0.363,                         # gain 0.8, N(0, 2^2) inputs: steeper than ln 0.8 = -0.223
    "04.3": 1 / 12,
    "04.4": 1.0,
    "05.1": 51.0,                           # 1 / (1 - sigma(log u)) = 1 + u, u ~ U(1, 99)
    "06.2": 0.1,                            # a blank image gets one answer: right as often as its class occurs
    "07.1": "TCN",
    "07.2": 0.0,                            # a masked GRU reads front-padded utterances from the same zero state
}


def test_unanswered_is_not_an_error(capsys):
    assert bool(exercises.check("00.2", None)) is False
    assert "not answered yet" in capsys.readouterr().out


def test_right_and_wrong_answers(capsys):
    assert bool(exercises.check("00.3", 4.0)) is True                             # a guess within 30% of 4.39
    assert bool(exercises.check("00.3", 2.0)) is False
    assert "Hint:" in capsys.readouterr().out
    assert bool(exercises.check("00.2", (7, 29))) is True
    assert bool(exercises.check("00.2", (7, 30))) is False
    assert bool(exercises.check("00.2", "7 to 29")) is False


def test_check_is_true_or_false_and_silent_as_a_cells_last_value():
    """In a real kernel the cell shows the printed verdict and no 'Out: False' after it."""
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    assert bool(exercises.check("00.2", (7, 29))) is True and exercises.check("00.2", (7, 29)) == True  # noqa: E712
    assert not exercises.check("00.2", None) and repr(exercises.check("00.2", None)) == "False"
    root = str(Path(__file__).resolve().parents[1])
    nb = new_notebook(cells=[new_code_cell(f"import sys; sys.path.insert(0, {root!r})\nfrom utils import exercises"),
                             new_code_cell('exercises.check("00.2", None)')])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = nb.cells[1].outputs
    assert [o.output_type for o in outputs] == ["stream"] and "not answered yet" in outputs[0].text


def test_unknown_exercise():
    with pytest.raises(ValueError, match="unknown exercise '99.9'"):
        exercises.check("99.9", 1)
    with pytest.raises(ValueError, match="unknown exercise 1.1"):
        exercises.check(1.1, 1)


def test_function_answers_are_run_not_compared(capsys):
    assert bool(exercises.check("03.4", lambda steps, layers: steps + 2 * (layers - 1))) is True
    assert bool(exercises.check("03.4", lambda steps, layers: steps + layers - 1)) is False
    assert bool(exercises.check("03.4", lambda steps, layers: 1 / 0)) is False
    assert bool(exercises.check("03.4", 0.5)) is False  # not a function


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
    assert bool(exercises.check(exercise_id, known)) is True


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


# the exercises whose verify builds or changes a model and trains it (README, "Adding a lesson", rule 4)
BUILD_AND_TRAIN = {"00.1", "01.5", "02.5", "03.5", "04.6", "05.2", "06.1", "07.4", "08.5", "09.1", "10.1", "11.1"}


def test_every_lesson_has_a_build_and_train_and_a_predict_then_run_exercise():
    predict = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            for exercise_id, kind in re.findall(r"\*\*Exercise (\d\d\.\d+)\.\*\* \*([^*]+)\*", cell.source):
                if kind.startswith("Predict, then run"):
                    predict.setdefault(path.name[:2], []).append(exercise_id)
    lessons = {path.name[:2] for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert BUILD_AND_TRAIN <= set(CODE_EXERCISES) | NEEDS_DEVICES
    assert {exercise_id[:2] for exercise_id in BUILD_AND_TRAIN} == lessons, "a lesson has no build-and-train exercise"
    assert set(predict) == lessons, f"lessons without a predict-then-run exercise: {sorted(lessons - set(predict))}"
    for exercise_ids in predict.values():       # a prediction is checked against a number or answer, not by code
        assert all(exercise_id in KNOWN_ANSWERS for exercise_id in exercise_ids), exercise_ids


def test_a_prediction_sees_the_measurement_only_after_its_verdict(capsys):
    """A 'predict, then run' cell passes what it measured as ``then``: not shown before a guess is made."""
    assert bool(exercises.check("05.1", None, then="median 51.0 steps")) is False
    unanswered = capsys.readouterr().out
    assert "51.0" not in unanswered and "shown once you have guessed" in unanswered
    exercises.check("05.1", 3.0, then="median 51.0 steps")
    lines = capsys.readouterr().out.strip().split("\n")
    assert lines[0].startswith("[05.1] not quite: 3.0") and lines[1] == "measured: median 51.0 steps"
    with pytest.raises(ValueError, match="then must be the text of the measurement"):
        exercises.check("05.1", 3.0, then=51.0)


def test_every_prediction_cell_holds_back_its_measurement():
    """No 'predict, then run' cell prints its measurement itself: it hands it to exercises.check."""
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and cell.source.startswith("my_guess"):
                assert "print(" not in cell.source and ", my_guess, then=" in cell.source, f"{path.name}: {cell.source}"
