"""Unit tests of utils.layers: the truncated-BPTT cell."""

import numpy as np
import pytest

from utils import gradients
from utils.layers import TruncatedSimpleRNNCell
from utils.runtime import import_keras, seed_everything

keras = import_keras()


def _model(truncate_every, length=12):
    seed_everything(0)
    series = keras.Input((length, 2))
    return keras.Model(series, keras.layers.RNN(TruncatedSimpleRNNCell(4, truncate_every))(series))


def test_forward_pass_equals_a_simple_rnn():
    model = _model(3)
    cell = model.layers[1].cell.cell
    reference = keras.layers.SimpleRNN(4)
    x = np.random.default_rng(0).normal(size=(2, 12, 2)).astype("float32")
    reference(x)
    reference.set_weights(cell.get_weights())
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)), keras.ops.convert_to_numpy(reference(x)), atol=1e-6)


@pytest.mark.parametrize("truncate_every", [1, 3, 5])
def test_gradient_reaches_back_only_to_the_last_cut(truncate_every):
    norms = gradients.input_gradient_norms(_model(truncate_every), np.ones((2, 12, 2)))
    reach = (norms[::-1] > 0).sum()
    # steps 0..11; the state entering steps that are multiples of k is cut, so the last output
    # sees back to the last multiple of k at or before step 11
    assert reach == 12 - (11 // truncate_every) * truncate_every


def test_truncate_every_must_be_positive():
    with pytest.raises(ValueError, match="truncate_every must be an integer >= 1"):
        TruncatedSimpleRNNCell(4, 0)
