"""Unit tests of utils.gradients: gradients through time against finite differences."""

import numpy as np
import pytest

from utils import gradients
from utils.runtime import import_keras, seed_everything

keras = import_keras()


def _tiny_rnn(units=3, time=6, features=2):
    seed_everything(0)
    inputs = keras.Input((time, features))
    outputs = keras.layers.Dense(1)(keras.layers.SimpleRNN(units)(inputs))
    return keras.Model(inputs, outputs)


def test_output_gradient_matches_finite_differences():
    model = _tiny_rnn()
    x = np.random.default_rng(0).normal(size=(2, 6, 2))
    expected = gradients.finite_difference_norms(
        lambda xx: float(np.sum(keras.ops.convert_to_numpy(model(xx.astype("float32"))))), x, eps=1e-2)
    np.testing.assert_allclose(gradients.input_gradient_norms(model, x), expected, rtol=2e-2, atol=1e-4)


def test_loss_gradient_matches_finite_differences():
    model = _tiny_rnn()
    x = np.random.default_rng(1).normal(size=(3, 6, 2))
    y = np.array([[0.5], [-1.0], [2.0]])

    def summed_loss(xx):
        return float(((keras.ops.convert_to_numpy(model(xx.astype("float32"))) - y) ** 2).sum())

    expected = gradients.finite_difference_norms(summed_loss, x, eps=1e-2)
    np.testing.assert_allclose(gradients.input_gradient_norms(model, x, y, loss="mse"), expected, rtol=2e-2, atol=1e-4)


def test_future_inputs_have_no_gradient_in_a_causal_read():
    seed_everything(0)
    inputs = keras.Input((8, 1))
    states = keras.layers.SimpleRNN(4, return_sequences=True)(inputs)
    model = keras.Model(inputs, keras.layers.Lambda(lambda s: s[:, 4])(states))   # output of step 4
    norms = gradients.input_gradient_norms(model, np.ones((2, 8, 1)))
    assert (norms[:5] > 0).all() and (norms[5:] == 0).all()


def test_decay_rate_recovers_a_geometric_rate():
    norms = 0.5 ** np.arange(100)[::-1]           # halves every step back from the end
    assert gradients.decay_rate(norms) == pytest.approx(np.log(0.5))
    with pytest.raises(ValueError, match="need 0 <= start < stop <= 100"):
        gradients.decay_rate(norms, start=10, stop=200)
    with pytest.raises(ValueError, match="norms must have shape \\(time,\\)"):
        gradients.decay_rate(np.ones((3, 3)))


def test_scaled_orthogonal():
    m = gradients.scaled_orthogonal(16, 1.5, seed=3)
    np.testing.assert_allclose(np.linalg.svd(m, compute_uv=False), 1.5, rtol=1e-5)
    with pytest.raises(ValueError, match="gain must be a finite number > 0"):
        gradients.scaled_orthogonal(4, 0)


def test_input_gradient_norms_bad_input():
    model = _tiny_rnn()
    with pytest.raises(ValueError, match=r"x must have shape \(batch, time, features\)"):
        gradients.input_gradient_norms(model, np.zeros((6, 2)))
    with pytest.raises(ValueError, match="x and y must have the same number of examples, got 2 and 1"):
        gradients.input_gradient_norms(model, np.zeros((2, 6, 2)), y=np.zeros((1, 1)))


def test_weight_gradient_norm_matches_finite_differences():
    model = _tiny_rnn()
    x = np.random.default_rng(2).normal(size=(4, 6, 2)).astype("float32")
    y = np.array([[0.5], [-1.0], [2.0], [0.0]], "float32")

    def mean_loss():
        return float(np.mean((keras.ops.convert_to_numpy(model(x)).astype(np.float64) - y) ** 2))

    squares = 0.0
    for weight in model.trainable_weights:
        value = keras.ops.convert_to_numpy(weight.value).copy()
        for index in np.ndindex(value.shape):
            for sign in (1, -1):
                moved = value.copy()
                moved[index] += sign * 1e-3
                weight.assign(moved)
                if sign == 1:
                    up = mean_loss()
            squares += ((up - mean_loss()) / 2e-3) ** 2
        weight.assign(value)
    assert gradients.weight_gradient_norm(model, x, y) == pytest.approx(np.sqrt(squares), rel=1e-2)
    with pytest.raises(ValueError, match="same number of examples"):
        gradients.weight_gradient_norm(model, x, y[:2])


def test_fit_logging_gradients_records_every_batch():
    from utils import training

    model = _tiny_rnn()
    x = np.random.default_rng(3).normal(size=(10, 6, 2)).astype("float32")
    y = np.zeros((10, 1), "float32")
    with pytest.raises(ValueError, match="compile the model first"):
        training.fit_logging_gradients(model, x, y)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    first = gradients.weight_gradient_norm(model, x[:4], y[:4])
    logs = training.fit_logging_gradients(model, x, y, batch_size=4, epochs=2)
    assert logs["loss"].shape == logs["gradient_norm"].shape == (6,)
    assert logs["gradient_norm"][0] == pytest.approx(first, rel=1e-5), "the norm is taken before the batch's update"
    assert logs["loss"][-1] < logs["loss"][0]


def test_fit_logging_gradients_records_each_batchs_own_loss_not_a_running_mean():
    # Colab's Keras 3.10 does not reset the loss tracker in train_on_batch: without a reset the
    # log would hold the mean over every batch so far (lesson 04's clipping check read it).
    from utils import training

    model = _tiny_rnn()
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")        # no update: each batch's loss is fixed
    x = np.random.default_rng(5).normal(size=(12, 6, 2)).astype("float32")
    y = np.arange(12, dtype="float32")[:, None]                           # later batches have larger targets
    logs = training.fit_logging_gradients(model, x, y, batch_size=4)
    predicted = keras.ops.convert_to_numpy(model(x))
    own = [float(np.mean((predicted[i:i + 4] - y[i:i + 4]) ** 2)) for i in (0, 4, 8)]
    assert logs["loss"] == pytest.approx(own, rel=1e-4)


def test_compiled_weight_gradient_function_matches_the_eager_one():
    model = _tiny_rnn()
    x = np.random.default_rng(4).normal(size=(8, 6, 2)).astype("float32")
    y = np.linspace(-1, 1, 8, dtype="float32")[:, None]
    compiled, eager = gradients.weight_gradient_function(model), gradients.weight_gradient_function(model, compiled=False)
    for batch in (slice(0, 4), slice(4, 8), slice(0, 3)):          # two shapes: the compiled one is traced again
        assert compiled(x[batch], y[batch]) == pytest.approx(eager(x[batch], y[batch]), rel=1e-5)
    model.trainable_weights[0].assign(2 * model.trainable_weights[0])   # reads the weights as they are now
    assert compiled(x[:4], y[:4]) == pytest.approx(gradients.weight_gradient_norm(model, x[:4], y[:4]), rel=1e-5)
    with pytest.raises(ValueError, match="compiled must be True or False"):
        gradients.weight_gradient_function(model, compiled="yes")
    with pytest.raises(ValueError, match="same number of examples"):
        compiled(x, y[:2])
