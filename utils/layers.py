"""Small custom Keras layers used in the lessons (backend-neutral: only ``keras.ops``).

Introduced in lesson 04: a simple recurrent cell with truncated backpropagation through
time.
"""

from __future__ import annotations

from utils import validate
from utils.runtime import import_keras

keras = import_keras()
ops = keras.ops


class TruncatedSimpleRNNCell(keras.layers.Layer):
    """A SimpleRNN cell whose gradient is cut every ``truncate_every`` steps.

    The forward pass is an ordinary SimpleRNN; in the backward pass the state entering
    steps ``k, 2k, 3k, ...`` is treated as a constant, so gradients reach back at most
    ``truncate_every`` steps — truncated backpropagation through time. Wrap it in
    ``keras.layers.RNN``. A step counter rides along as a second state.
    """

    def __init__(self, units: int, truncate_every: int, activation: str = "tanh", **kwargs):
        super().__init__(**kwargs)
        self.units = validate.integer("units", units, minimum=1)
        self.truncate_every = validate.integer("truncate_every", truncate_every, minimum=1)
        self.activation = activation
        self.cell = keras.layers.SimpleRNNCell(self.units, activation=activation)
        self.state_size = [self.units, 1]
        self.output_size = self.units

    def build(self, input_shape):
        self.cell.build(input_shape)
        self.built = True

    def call(self, inputs, states, training=False):
        state, step = states
        cut = ops.equal(ops.mod(step, self.truncate_every), 0)
        state = ops.where(cut, ops.stop_gradient(state), state)
        output, _ = self.cell(inputs, [state], training=training)
        return output, [output, step + 1]

    def get_config(self):
        return {**super().get_config(), "units": self.units, "truncate_every": self.truncate_every,
                "activation": keras.activations.serialize(keras.activations.get(self.activation))}
