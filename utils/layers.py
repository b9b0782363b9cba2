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


class MinGRU(keras.layers.Layer):
    """minGRU (Feng et al. 2024, "Were RNNs All We Needed?"): a GRU whose gates do not read the state.

    z_t = sigmoid(x_t W_z + b_z), h~_t = x_t W_h + b_h, h_t = (1 - z_t) * h_{t-1} + z_t * h~_t.
    Because z_t and h~_t depend on x_t alone, h_t = a_t * h_{t-1} + b_t is a linear recurrence:
    with ``parallel=True`` it is computed by a parallel prefix scan (about log2 T dependent levels,
    :func:`utils.scan.linear_recurrence_parallel`), otherwise step by step. Both give the same states.
    """

    def __init__(self, units: int, parallel: bool = True, return_sequences: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.units = validate.integer("units", units, minimum=1)
        if not isinstance(parallel, bool) or not isinstance(return_sequences, bool):
            raise ValueError(f"parallel and return_sequences must be True or False, got {parallel!r} and "
                             f"{return_sequences!r}")
        self.parallel, self.return_sequences = parallel, return_sequences
        self.time_mixing = "scan" if parallel else "recurrent"    # read by bench.critical_path_length

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(f"MinGRU expects (batch, time, features) inputs with known features, got {input_shape}")
        self.kernel = self.add_weight(shape=(input_shape[-1], 2 * self.units), initializer="glorot_uniform",
                                      name="kernel")
        self.bias = self.add_weight(shape=(2 * self.units,), initializer="zeros", name="bias")

    def call(self, inputs):
        from utils.scan import linear_recurrence_parallel, linear_recurrence_sequential

        projected = ops.matmul(inputs, self.kernel) + self.bias            # (batch, time, 2 units)
        z = ops.sigmoid(projected[..., :self.units])                        # update gate, from x_t only
        candidate = projected[..., self.units:]                             # h~_t, from x_t only
        recurrence = linear_recurrence_parallel if self.parallel else linear_recurrence_sequential
        states = recurrence(1.0 - z, z * candidate)                         # h_t = (1 - z) h_{t-1} + z h~_t
        return states if self.return_sequences else states[:, -1]

    def compute_output_shape(self, input_shape):
        if self.return_sequences:
            return (*input_shape[:2], self.units)
        return (input_shape[0], self.units)

    def get_config(self):
        return super().get_config() | {"units": self.units, "parallel": self.parallel,
                                       "return_sequences": self.return_sequences}


class CausalSelfAttention(keras.layers.Layer):
    """Self-attention in which step t attends to steps 0..t only (``MultiHeadAttention``, causal mask).

    Every output reads every earlier position in one parallel operation: one sequential step and
    a path of length 1 between any two positions, at a cost that grows with T^2 (Vaswani et al. 2017).
    """

    def __init__(self, heads: int = 1, key_dim: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.heads = validate.integer("heads", heads, minimum=1)
        self.key_dim = None if key_dim is None else validate.integer("key_dim", key_dim, minimum=1)
        self.time_mixing = "causal attention"                       # read by bench.critical_path_length

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(f"CausalSelfAttention expects (batch, time, features) inputs, got {input_shape}")
        key_dim = self.key_dim or max(1, input_shape[-1] // self.heads)
        self.attention = keras.layers.MultiHeadAttention(self.heads, key_dim)
        self.attention.build(input_shape, input_shape)

    def call(self, inputs):
        return self.attention(inputs, inputs, use_causal_mask=True)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return super().get_config() | {"heads": self.heads, "key_dim": self.key_dim}


class PositionEmbedding(keras.layers.Layer):
    """Adds a learned vector per position to a (batch, time, features) input: attention's sense of order.

    A padding mask (``Embedding(mask_zero=True)``) passes through unchanged, so the attention and
    pooling layers after it still skip the padded steps.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[1] is None or input_shape[-1] is None:
            raise ValueError(f"PositionEmbedding needs a fixed (batch, time, features) input, got {input_shape}")
        self.positions = self.add_weight(shape=tuple(input_shape[1:]), initializer=keras.initializers.RandomNormal(
            stddev=0.1), name="positions")

    def call(self, inputs):
        return inputs + self.positions

    def compute_output_shape(self, input_shape):
        return input_shape
