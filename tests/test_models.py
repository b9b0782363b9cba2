"""Unit tests of utils.models, report.save_to_build and data.published_results."""

import numpy as np
import pytest

from utils import data, memory, models, report
from utils.runtime import import_keras

keras = import_keras()


def test_dilated_causal_cnn_sees_its_field_and_nothing_later():
    series = keras.Input(shape=(40, 3))
    model = keras.Model(series, models.dilated_causal_cnn(series, filters=5))
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv1D)]
    assert [layer.dilation_rate[0] for layer in convs] == [1, 2, 4, 8] and model.output_shape == (None, 40, 5)
    assert memory.receptive_field(model) == memory.conv_stack_field(3, (1, 2, 4, 8)) == 31
    x = np.random.default_rng(0).normal(size=(1, 40, 3)).astype("float32")
    changed = x.copy()
    changed[0, 20] += 1.0                                  # a change at step 20 reaches steps 20..50, never earlier
    difference = np.abs(keras.ops.convert_to_numpy(model(changed) - model(x))).sum(axis=-1)[0]
    assert np.all(difference[:20] == 0)


@pytest.mark.parametrize("kwargs, message", [
    ({"filters": 0}, "filters must be an integer >= 1"),
    ({"dilations": ()}, "dilations must hold at least one integer"),
    ({"dilations": (1, 0)}, "dilations must be integers >= 1"),
    ({"kernel_size": 2.5}, "kernel_size must be an integer >= 1"),
])
def test_dilated_causal_cnn_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        models.dilated_causal_cnn(keras.Input(shape=(8, 1)), **kwargs)


def test_fcn_structure():
    model = models.fcn((24, 1), 2)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("Conv1D") == 3 and kinds.count("BatchNormalization") == 3
    assert all(layer.momentum == 0.9 for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization))
    assert tuple(model.output.shape) == (None, 2)
    assert "BatchNormalization" not in [type(layer).__name__ for layer in models.fcn((24, 1), 3, bn_momentum=None).layers]


def test_rnn_classifier_and_hybrid():
    masked = models.rnn_classifier((29, 12), 9, cell="LSTM", masked=True)
    assert [type(layer).__name__ for layer in masked.layers][1:3] == ["Masking", "LSTM"]
    assert tuple(models.hybrid((150, 1), 2).output.shape) == (None, 2)


@pytest.mark.parametrize("call, message", [
    (lambda: models.fcn((24,), 2), r"input_shape must be \(time, channels\)"),
    (lambda: models.fcn((24, 1), 1), "num_classes must be an integer >= 2"),
    (lambda: models.fcn((24, 1), 2, filters=(8,), kernel_sizes=(3, 3)), "same length"),
    (lambda: models.rnn_classifier((24, 1), 2, cell="Transformer"), "cell must be one of 'GRU', 'LSTM', 'SimpleRNN'; got 'Transformer'"),
])
def test_model_builders_reject_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_standardize_keeps_padding_zero():
    rng = np.random.default_rng(0)
    train = rng.normal(3, 2, size=(20, 6, 2)).astype("float32")
    lengths = np.full(20, 6)
    lengths[:5] = 4
    train[:5, 4:] = 0
    test = train.copy()
    scaled, scaled_test = models.standardize(train, test, lengths, lengths)
    assert (scaled[:5, 4:] == 0).all()
    valid = np.arange(6)[None, :] < lengths[:, None]
    np.testing.assert_allclose(scaled[valid].mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(scaled[valid].std(axis=0), 1, atol=1e-4)
    with pytest.raises(ValueError, match="expected \\(n, time, channels\\) arrays"):
        models.standardize(train[..., 0], test)


def test_save_to_build(tmp_path, monkeypatch):
    monkeypatch.delenv(report.BUILD_DIR_VARIABLE, raising=False)
    assert report.save_to_build("a.md", "x") is None
    monkeypatch.setenv(report.BUILD_DIR_VARIABLE, str(tmp_path))
    assert report.save_to_build("a.md", "x").read_text() == "x"
    with pytest.raises(ValueError, match="plain file name"):
        report.save_to_build("../a.md", "x")


def test_published_results():
    gunpoint = {r["model"]: r for r in data.published_results("GunPoint")}
    assert gunpoint["FCN"]["accuracy"] == 1.0 and 0.98 < gunpoint["InceptionTime"]["accuracy"] <= 1
    assert all(r["source"] for r in gunpoint.values())
    assert {r["model"] for r in data.published_results("JapaneseVowels")} == {"MLP", "FCN", "ResNet"}
    with pytest.raises(ValueError, match="name must be one of .*got 'MNIST'"):
        data.published_results("MNIST")
