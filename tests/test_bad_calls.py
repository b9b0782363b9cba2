"""Every bad call found on review ends in a clear ValueError, before any work is done.

One test per call (issue "Hardening"): each names the argument, the value and what was
expected, and where the call used to do expensive work first, the test proves it no longer does.
"""

import numpy as np
import pytest

from course import build
from utils import bench, data, exercises, gradients, memory, models, plots, report, scratch, training
from utils.layers import TruncatedSimpleRNNCell
from utils.runtime import import_keras, seed_everything

keras = import_keras()


def _tiny_classifier():
    seed_everything(0)
    inputs = keras.Input((3,))
    return keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs), name="tiny")


def _tiny_data(n=32):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64")


# --------------------------------------------------------------------------- training


def test_stop_at_without_metrics():
    x, y = _tiny_data()
    model = _tiny_classifier()
    with pytest.raises(ValueError, match="stop_at watches the first of metrics, but metrics is empty"):
        training.compile_and_fit(model, x, y, stop_at=0.9, metrics=())
    assert getattr(model, "optimizer", None) is None  # nothing was compiled or trained


def test_stop_when_mastered_with_a_metric_that_is_never_logged():
    x, y = _tiny_data()
    model = _tiny_classifier()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    with pytest.raises(ValueError, match="watches 'acuracy', which this model does not log; logged metrics: "
                                         "accuracy, loss"):
        model.fit(x, y, epochs=3, verbose=0, callbacks=[training.StopWhenMastered("acuracy", 0.9)])
    with pytest.raises(ValueError, match="metric must be the name of a logged metric"):
        training.StopWhenMastered(None)


def test_stop_at_works_with_weighted_metrics():
    """With sample_weight the metrics are compiled as weighted_metrics: the name must still be found."""
    x, y = _tiny_data()
    history = training.compile_and_fit(_tiny_classifier(), x, y, sample_weight=np.ones(len(x)), epochs=5,
                                       stop_at=0.0, progress_every=0)
    assert len(history.history["loss"]) == 1  # accuracy >= 0 after the first epoch: stopped


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_size": 0}, "batch_size must be an integer >= 1, got 0"),
    ({"epochs": True}, r"epochs must be an integer >= 1, got True \(bool\)"),
    ({"validation_split": 1.0}, "validation_split must be a fraction below 1"),
    ({"clipnorm": -1}, "clipnorm must be a finite number > 0"),
    ({"sample_weight": np.ones(3)}, "x and sample_weight must have the same number of examples, got 32 and 3"),
])
def test_compile_and_fit_checks_before_compiling(kwargs, message):
    x, y = _tiny_data()
    model = _tiny_classifier()
    with pytest.raises(ValueError, match=message):
        training.compile_and_fit(model, x, y, **kwargs)
    assert getattr(model, "optimizer", None) is None


# --------------------------------------------------------------------------- bench


def test_write_csv_of_nothing(tmp_path):
    with pytest.raises(ValueError, match="results is empty: there is nothing to write"):
        bench.write_csv([], tmp_path / "bench.csv")
    assert not (tmp_path / "bench.csv").exists()


@pytest.mark.parametrize("kwargs, message", [
    ({"device": "TPU"}, "device must be one of 'CPU', 'GPU'; got 'TPU'"),
    ({"device": "cpu"}, "device must be one of 'CPU', 'GPU'; got 'cpu'"),
    ({"batch": 0}, "batch must be an integer >= 1, got 0"),
    ({"batch": 2.0}, r"batch must be an integer >= 1, got 2.0 \(float\)"),
    ({"lengths": [16, 0]}, r"lengths must be integers >= 1, got \[16, 0\]"),
    ({"lengths": []}, "lengths must hold at least one integer"),
    ({"repeats": 0}, "repeats must be an integer >= 1, got 0"),
    ({"kinds": ["GRU", "Transformer"]}, "kinds must be one of .*got 'Transformer'"),
    ({"kinds": []}, "kinds must name at least one entry"),
])
def test_benchmark_checks_every_argument_before_building_a_model(monkeypatch, kwargs, message):
    def must_not_build(*args, **kw):
        raise AssertionError("a model was built before the arguments were checked")

    monkeypatch.setattr(bench, "build_sequence_model", must_not_build)
    with pytest.raises(ValueError, match=message):
        bench.benchmark(**{"lengths": (8,), "repeats": 1, "log": None, **kwargs})


def test_benchmark_command_line_reports_bad_lengths(capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--lengths", "0", "--repeats", "1"])
    assert exit_info.value.code == 2
    assert "lengths must be integers >= 1, got [0]" in capsys.readouterr().err


# --------------------------------------------------------------------------- memory


def _linear_codes(labels, rng):
    return np.eye(4)[labels] @ rng.normal(size=(4, 10)) + 0.05 * rng.normal(size=(len(labels), 10))


def test_linear_probe_shuffles_so_sorted_labels_work():
    rng = np.random.default_rng(0)
    labels = np.sort(rng.integers(0, 4, size=1000))  # a plain 70/30 split would never train on class 3
    assert memory.linear_probe_accuracy(_linear_codes(labels, rng), labels, 4) > 0.99
    features = _linear_codes(labels, rng)
    assert memory.linear_probe_accuracy(features, labels, 4, seed=1) > 0.99


def test_linear_probe_rejects_empty_splits():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="features must have at least 2 rows"):
        memory.linear_probe_accuracy(np.zeros((1, 3)), np.zeros(1, int), 2)
    with pytest.raises(ValueError, match=r"train_fraction=0.3 of 3 rows leaves 0 for training and 3 for testing"):
        memory.linear_probe_accuracy(rng.normal(size=(3, 2)), np.array([0, 1, 0]), 2, train_fraction=0.3)


@pytest.mark.parametrize("ridge", [0, -1e-3, None])
def test_linear_probe_rejects_a_ridge_that_is_not_positive(ridge):
    with pytest.raises(ValueError, match="ridge must be a finite number > 0"):
        memory.linear_probe_accuracy(np.zeros((10, 2)), np.zeros(10, int), 2, ridge=ridge)


def test_linear_probe_rejects_fractional_labels_but_takes_whole_floats():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, size=400)
    features = _linear_codes(labels, rng)
    assert memory.linear_probe_accuracy(features, labels.astype(float), 4) > 0.99
    with pytest.raises(ValueError, match=r"labels must be whole numbers \(class indices\), got float64 values"):
        memory.linear_probe_accuracy(features, labels + 0.5, 5)


def test_influence_map_checks_the_output_shape_before_the_expensive_predictions():
    batches = []

    def predict_one_number_per_sequence(batch):
        batches.append(len(batch))
        return np.zeros((len(batch), 1))

    with pytest.raises(ValueError, match=r"predict must return one output per time step, \(batch, 6, ...\), "
                                         r"got shape \(1, 1\)"):
        memory.influence_map(predict_one_number_per_sequence, np.arange(6.0), lambda v: v + 1)
    assert batches == [1]  # only the one-sequence call, never the batch of 6 perturbed copies


def test_influence_map_checks_perturb_before_predicting():
    def predict(batch):
        raise AssertionError("predict was called before perturb was checked")

    with pytest.raises(ValueError, match=r"perturb must return a value shaped like one step \(2,\), got shape \(3,\)"):
        memory.influence_map(predict, np.zeros((5, 2)), lambda step: np.zeros(3))


@pytest.mark.parametrize("x, perturb, message", [
    (np.zeros(4), None, "perturb must be a function, got None"),
    (np.float64(1.0), lambda v: v, r"x must be one sequence \(time, ...\) with at least 1 step, got shape \(\)"),
    (np.zeros((0, 2)), lambda v: v, r"with at least 1 step, got shape \(0, 2\)"),
    (np.zeros((3, 2)), lambda v: 1.0, r"perturb must return a value shaped like one step \(2,\), got shape \(\)"),
])
def test_perturb_each_step_checks_its_arguments(x, perturb, message):
    with pytest.raises(ValueError, match=message):
        memory.perturb_each_step(x, perturb)


# --------------------------------------------------------------------------- scratch


def test_conv2d_rejects_a_bias_that_would_broadcast():
    x, kernel = np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 4))
    assert scratch.conv2d(x, kernel, np.ones(4)).shape == (1, 3, 3, 4)
    for bias in (np.ones(1), np.ones((1, 4)), np.ones(5)):
        with pytest.raises(ValueError, match=r"bias must have shape \(4,\)"):
            scratch.conv2d(x, kernel, bias)


def test_simple_rnn_rejects_an_initial_state_that_would_broadcast():
    x = np.zeros((2, 3, 1))
    weights = (np.zeros((1, 4)), np.zeros((4, 4)), np.zeros(4))
    assert scratch.simple_rnn(x, *weights, initial_state=np.zeros((2, 4))).shape == (2, 4)
    for state in (np.zeros(4), np.zeros((1, 4)), np.zeros((2, 5))):
        with pytest.raises(ValueError, match=r"initial_state must have shape \(2, 4\) \(batch, units\)"):
            scratch.simple_rnn(x, *weights, initial_state=state)


# --------------------------------------------------------------------------- models


@pytest.mark.parametrize("lengths_train, message", [
    (np.array([3, 4]), r"lengths_train must hold one length per series \(3\), got 2"),
    (np.array([3, 4, 5]), r"lengths_train must be integers from 1 to 4, got \[3, 4, 5\] \(bad entry 5\)"),
    (np.array([3, 0, 2]), r"bad entry 0"),
    (np.array([3.0, 1.5, 2.0]), r"lengths_train must be integers from 1 to 4"),
])
def test_standardize_checks_the_lengths(lengths_train, message):
    train, test = np.ones((3, 4, 2)), np.ones((2, 4, 2))
    with pytest.raises(ValueError, match=message):
        models.standardize(train, test, lengths_train, np.array([4, 4]))


def test_models_check_input_shape_and_sizes():
    with pytest.raises(ValueError, match=r"input_shape must be \(time, channels\), two positive integers"):
        models.fcn((10,), 2)
    with pytest.raises(ValueError, match="num_classes must be an integer >= 2, got True"):
        models.rnn_classifier((10, 1), True)
    with pytest.raises(ValueError, match="units must be an integer >= 1, got 0"):
        models.rnn_classifier((10, 1), 2, units=0)


# --------------------------------------------------------------------------- plots


def test_heatmap_of_nothing_finite():
    with pytest.raises(ValueError, match=r"values has no finite entry \(all NaN or infinite\)"):
        plots.plot_sequence_heatmap(np.full((3, 5), np.nan))
    with pytest.raises(ValueError, match="non-empty 2-D array"):
        plots.plot_sequence_heatmap(np.zeros((0, 5)))


def test_plot_history_with_only_validation_keys():
    with pytest.raises(ValueError, match=r"the history has no training metrics to plot, only \['val_loss'\]"):
        plots.plot_history({"val_loss": [1.0, 0.5]})


# --------------------------------------------------------------------------- data


def test_load_digits_needs_a_seed_so_the_split_is_fixed():
    with pytest.raises(ValueError, match=r"seed must be an integer >= 0, got None \(NoneType\)"):
        data.load_digits(seed=None)
    first, again = data.load_digits(seed=3), data.load_digits(seed=3)
    np.testing.assert_array_equal(first.y_test, again.y_test)


@pytest.mark.parametrize("fraction", [0.001, 0.999])
def test_load_digits_rejects_a_split_with_an_empty_side(fraction):
    with pytest.raises(ValueError, match=f"test_fraction={fraction} puts .* images of digit 0 in the test set"):
        data.load_digits(test_fraction=fraction)


@pytest.mark.parametrize("per_class, message", [(1201, r"train_per_class=1201 asks for more training images than "
                                                     r"the course ships \(1200 per class\)"),
                                                (0, "train_per_class must be an integer >= 1")])
def test_load_fashion_mnist_rejects_a_subset_it_cannot_give(per_class, message):
    with pytest.raises(ValueError, match=message):
        data.load_fashion_mnist(per_class)


# --------------------------------------------------------------------------- gradients, layers


@pytest.mark.parametrize("gain", [None, "2", True, 0])
def test_scaled_orthogonal_gain(gain):
    with pytest.raises(ValueError, match="gain must be a finite number > 0, got"):
        gradients.scaled_orthogonal(4, gain)


def test_truncated_cell_rejects_a_bool_and_keeps_its_activation_in_the_config():
    with pytest.raises(ValueError, match=r"truncate_every must be an integer >= 1, got True \(bool\)"):
        TruncatedSimpleRNNCell(4, truncate_every=True)
    cell = TruncatedSimpleRNNCell(4, truncate_every=3, activation="relu")
    config = cell.get_config()
    assert config["activation"] == "relu" and config["truncate_every"] == 3
    assert TruncatedSimpleRNNCell.from_config(config).cell.activation is keras.activations.relu


# --------------------------------------------------------------------------- exercises, report, build


def test_check_does_not_count_true_as_one(capsys):
    assert bool(exercises.check("04.4", 1.0)) is True
    assert bool(exercises.check("04.4", True)) is False
    assert bool(exercises.check("01.2", "1376")) is False  # a number in quotes is a string, not a number


def test_check_compares_strings_ignoring_case_and_spaces():
    assert bool(exercises.check("07.1", "tcn")) is True
    assert bool(exercises.check("03.3", " Dropout ")) is True
    assert bool(exercises.check("03.3", "recurrent_dropout")) is False


def test_check_an_array_against_a_string_answer_is_just_wrong(capsys):
    assert bool(exercises.check("03.3", np.array([1, 2]))) is False
    assert "not quite" in capsys.readouterr().out
    assert bool(exercises.check("01.4", np.array([100, 16]))) is True  # an array for a tuple answer is fine


def test_table_rejects_a_string_row():
    with pytest.raises(ValueError, match="row 0 must be a list of 2 values, got 'xy'"):
        report.Table(["a", "b"], ["xy"])
    with pytest.raises(ValueError, match="rows must be a list of rows"):
        report.Table(["a", "b"], "xy")
    with pytest.raises(ValueError, match="headers must be a non-empty list of column names"):
        report.Table("ab", [[1, 2]])


def test_build_only_names_every_unknown_lesson(tmp_path, capsys):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("00_a.ipynb", "02_b.ipynb"):
        (notebooks / name).write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    status = build.main(["--notebooks", str(notebooks), "--out", str(tmp_path / "b"), "--only", "02", "99"])
    assert status == 2
    assert "--only 99: no such lesson; expected numbers or names among 00_a, 02_b" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()  # nothing was built


@pytest.mark.parametrize("images, pixels, message", [(np.zeros((2, 4)), 1, "images must have shape 3-D"),
                                                     (np.zeros((2, 4, 4)), 4, r"smaller than the images \(4x4\)"),
                                                     (np.zeros((2, 4, 4)), -1, "pixels must be an integer >= 0")])
def test_shift_images_rejects_what_it_cannot_move(images, pixels, message):
    with pytest.raises(ValueError, match=message):
        data.shift_images(images, pixels)
