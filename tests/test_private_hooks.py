"""The three private Keras and TensorFlow hooks that utils relies on, checked on whatever stack runs the tests.

Each is wrapped so that a stack without it still runs the lessons (a slower or less repeatable
path), which means a hook that disappears would go unnoticed. These tests notice it: they assert that
the hook exists and does what utils uses it for, on the pinned stack (`make test`) and on Colab's
(`make test-colab`). When one fails after an upgrade, the docstring of the function named says what
it buys and what the fallback costs.
"""

import numpy as np
import pytest

from utils import runtime, training

keras = runtime.import_keras()
ON_TENSORFLOW = keras.backend.backend() == "tensorflow"


@pytest.mark.skipif(not ON_TENSORFLOW, reason="TensorFlow's op-determinism switch")
def test_tensorflow_framework_config_reads_and_clears_op_determinism():
    """runtime.op_determinism / set_op_determinism: tensorflow.python.framework.config (not exported)."""
    from tensorflow.python.framework import config as tf_config

    runtime.set_op_determinism(True)
    assert tf_config.is_op_determinism_enabled() is True and runtime.op_determinism() is True
    runtime.set_op_determinism(False)
    assert tf_config.is_op_determinism_enabled() is False and runtime.op_determinism() is False
    runtime.set_op_determinism(True)


def test_keras_global_state_holds_the_global_seed_generator():
    """runtime._reset_global_seed_generator: keras.src.backend.common.global_state."""
    from keras.src.backend.common import global_state

    keras.random.uniform((2,))  # an unseeded draw creates the global generator
    assert global_state.get_global_attribute("global_seed_generator") is not None
    runtime.seed_everything(3)
    assert global_state.get_global_attribute("global_seed_generator") is None
    first = np.asarray(keras.random.uniform((4,)))
    runtime.seed_everything(3)
    assert np.array_equal(first, np.asarray(keras.random.uniform((4,))))


@pytest.mark.skipif(not ON_TENSORFLOW, reason="build_for_fit acts on TensorFlow only")
def test_keras_symbolic_build_creates_the_optimizer_variables_before_fit():
    """training.build_for_fit: keras.Model._symbolic_build."""
    assert callable(getattr(keras.Model, "_symbolic_build", None))
    inputs = keras.Input((5, 3))
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.GRU(4)(inputs)))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert not model.optimizer.built
    training.build_for_fit(model, np.zeros((8, 5, 3), "float32"), np.zeros(8, "int32"))
    assert model.optimizer.built and len(model.optimizer.variables) > len(model.trainable_weights)
