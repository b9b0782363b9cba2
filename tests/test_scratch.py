"""The from-scratch NumPy layers match Keras' layers given the same weights."""

import numpy as np
import pytest

from utils import scratch
from utils.runtime import import_keras

keras = import_keras()
RNG = np.random.default_rng(0)


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("kernel_size, channels", [(1, 1), (2, 3), (3, 2), (4, 1)])
def test_conv2d_matches_keras(padding, stride, kernel_size, channels):
    x = RNG.normal(size=(2, 10, 7, channels)).astype("float32")
    layer = keras.layers.Conv2D(5, kernel_size, strides=stride, padding=padding)
    expected = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(scratch.conv2d(x, *layer.get_weights(), stride=stride, padding=padding),
                               expected, atol=1e-5)


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("pool, stride", [(2, None), (3, 1), (3, 2), (2, 3)])
def test_max_pool2d_matches_keras(padding, pool, stride):
    x = RNG.normal(size=(2, 9, 8, 3)).astype("float32")
    layer = keras.layers.MaxPooling2D(pool, strides=stride, padding=padding)
    np.testing.assert_allclose(scratch.max_pool2d(x, pool, stride=stride, padding=padding),
                               keras.ops.convert_to_numpy(layer(x)), atol=1e-6)


@pytest.mark.parametrize("return_sequences", [False, True])
def test_simple_rnn_matches_keras(return_sequences):
    x = RNG.normal(size=(4, 15, 3)).astype("float32")
    layer = keras.layers.SimpleRNN(7, return_sequences=return_sequences)
    expected = keras.ops.convert_to_numpy(layer(x))
    mine = scratch.simple_rnn(x, *layer.get_weights(), return_sequences=return_sequences)
    assert mine.shape == expected.shape
    np.testing.assert_allclose(mine, expected, atol=1e-5)


def test_simple_rnn_is_a_recurrence():
    """The state at step t depends on inputs before t, never after."""
    w, u, b = RNG.normal(size=(2, 4)), RNG.normal(size=(4, 4)) * 0.5, np.zeros(4)
    x = RNG.normal(size=(1, 6, 2))
    changed = x.copy()
    changed[0, 3] += 1.0
    a = scratch.simple_rnn(x, w, u, b, return_sequences=True)
    c = scratch.simple_rnn(changed, w, u, b, return_sequences=True)
    np.testing.assert_array_equal(a[0, :3], c[0, :3])
    assert (np.abs(a[0, 3:] - c[0, 3:]).max(axis=1) > 0).all()


@pytest.mark.parametrize("size, window, stride, padding, expected", [
    (28, 3, 1, "valid", 26), (13, 3, 2, "same", 7), (8, 2, 2, "valid", 4), (7, 3, 2, "valid", 3), (5, 5, 1, "same", 5),
])
def test_output_length(size, window, stride, padding, expected):
    assert scratch.output_length(size, window, stride, padding) == expected


@pytest.mark.parametrize("call, message", [
    (lambda: scratch.conv2d(np.zeros((8, 8)), np.zeros((3, 3, 1, 2))), r"x must be \(batch, height, width, channels\)"),
    (lambda: scratch.conv2d(np.zeros((1, 8, 8, 2)), np.zeros((3, 3, 1, 2))), r"kernel must be \(kh, kw, 2, filters\)"),
    (lambda: scratch.conv2d(np.zeros((1, 2, 2, 1)), np.zeros((3, 3, 1, 2))), "does not fit in 2 steps"),
    (lambda: scratch.conv2d(np.zeros((1, 8, 8, 1)), np.zeros((3, 3, 1, 2)), padding="full"), "padding must be one of"),
    (lambda: scratch.conv2d(np.zeros((1, 8, 8, 1)), np.zeros((3, 3, 1, 2)), stride=0), "stride must be an integer >= 1"),
    (lambda: scratch.max_pool2d(np.zeros((8, 8, 1))), r"x must be \(batch, height, width, channels\)"),
    (lambda: scratch.max_pool2d(np.zeros((1, 8, 8, 1)), pool_size=0), "pool_size must be an integer >= 1"),
    (lambda: scratch.simple_rnn(np.zeros((2, 5)), np.zeros((5, 3)), np.zeros((3, 3)), np.zeros(3)), r"x must be \(batch, time >= 1"),
    (lambda: scratch.simple_rnn(np.zeros((2, 5, 4)), np.zeros((5, 3)), np.zeros((3, 3)), np.zeros(3)), r"expected kernel \(4, units\)"),
])
def test_bad_input_raises_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_gated_cells_match_keras(cell, return_sequences):
    x = RNG.normal(size=(3, 9, 4)).astype("float32")
    layer = getattr(keras.layers, cell)(5, return_sequences=return_sequences)
    expected = keras.ops.convert_to_numpy(layer(x))
    mine = getattr(scratch, cell.lower())(x, *layer.get_weights(), return_sequences=return_sequences)
    assert mine.shape == expected.shape
    np.testing.assert_allclose(mine, expected, atol=1e-5)


def test_gates_are_returned_and_in_range():
    x = RNG.normal(size=(2, 6, 3)).astype("float32")
    layer = keras.layers.LSTM(4)
    layer(x)
    _, gates = scratch.lstm(x, *layer.get_weights(), return_gates=True)
    assert set(gates) == {"input", "forget", "candidate", "output", "cell"}
    assert all(gates[g].shape == (2, 6, 4) for g in gates)
    assert all(((gates[g] > 0) & (gates[g] < 1)).all() for g in ("input", "forget", "output"))
    layer = keras.layers.GRU(4)
    layer(x)
    _, gates = scratch.gru(x, *layer.get_weights(), return_gates=True)
    assert set(gates) == {"update", "reset", "candidate"}


@pytest.mark.parametrize("cell", ["SimpleRNN", "GRU", "LSTM"])
@pytest.mark.parametrize("inputs, units", [(1, 1), (8, 32), (64, 17)])
def test_recurrent_param_count_matches_keras(cell, inputs, units):
    model = keras.Sequential([keras.Input((None, inputs)), getattr(keras.layers, cell)(units)])
    assert scratch.recurrent_param_count(cell, inputs, units) == model.count_params()


def test_gated_cells_bad_weights():
    with pytest.raises(ValueError, match="expected kernel"):
        scratch.lstm(np.zeros((1, 3, 2)), np.zeros((2, 12)), np.zeros((4, 16)), np.zeros(16))
    with pytest.raises(ValueError, match="reset_after=True"):
        scratch.gru(np.zeros((1, 3, 2)), np.zeros((2, 12)), np.zeros((4, 12)), np.zeros(12))
    with pytest.raises(ValueError, match="cell must be"):
        scratch.recurrent_param_count("Transformer", 1, 1)
