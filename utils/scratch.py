"""Layers written from scratch in NumPy, to compare with Keras' own.

Introduced in lesson 01 (convolution, max pooling, the simple recurrent layer). Every
function takes the same weight layout as the Keras layer, so a layer's
``get_weights()`` can be passed straight in and the outputs compared:

    kernel, bias = conv_layer.get_weights()
    conv2d(x, kernel, bias, stride=1, padding="same")  # == conv_layer(x)
"""

from __future__ import annotations

import numpy as np

from utils import validate

PADDINGS = ("valid", "same")


def output_length(size: int, window: int, stride: int = 1, padding: str = "valid") -> int:
    """Output length of a convolution or pooling along one axis (Keras' rule)."""
    validate.one_of("padding", padding, PADDINGS)
    size, window, stride = (validate.integer(n, v, minimum=1) for n, v in (("size", size), ("window", window), ("stride", stride)))
    if padding == "same":
        return -(-size // stride)
    if window > size:
        raise ValueError(f"a window of {window} does not fit in {size} steps with padding='valid'")
    return (size - window) // stride + 1


def same_padding(size: int, window: int, stride: int) -> tuple[int, int]:
    """Zeros added (before, after) along one axis for padding='same'; the extra one goes after."""
    total = max((output_length(size, window, stride, "same") - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def _pad_2d(x: np.ndarray, window: tuple[int, int], stride: int, padding: str, value: float) -> np.ndarray:
    if padding == "valid":
        return x
    rows = same_padding(x.shape[1], window[0], stride)
    cols = same_padding(x.shape[2], window[1], stride)
    return np.pad(x, ((0, 0), rows, cols, (0, 0)), constant_values=value)


def _windows(x: np.ndarray, window: tuple[int, int], stride: int) -> np.ndarray:
    """All (kh, kw) patches of x (batch, H, W, C) at the given stride: (batch, oh, ow, kh, kw, C)."""
    patches = np.lib.stride_tricks.sliding_window_view(x, window, axis=(1, 2))  # (b, H', W', C, kh, kw)
    patches = patches[:, ::stride, ::stride]
    return np.moveaxis(patches, 3, -1)


def conv2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None = None, stride: int = 1,
           padding: str = "valid") -> np.ndarray:
    """2-D convolution (cross-correlation, as in every deep learning library), channels last.

    ``x``: (batch, height, width, in_channels); ``kernel``: (kh, kw, in_channels, filters),
    Keras' layout; ``bias``: (filters,). Returns (batch, out_h, out_w, filters), where each
    output is the sum over a kh x kw x in_channels patch times the kernel, plus the bias.
    """
    x, kernel = np.asarray(x, np.float64), np.asarray(kernel, np.float64)
    if x.ndim != 4:
        raise ValueError(f"x must be (batch, height, width, channels), got shape {x.shape}")
    if kernel.ndim != 4 or kernel.shape[2] != x.shape[3]:
        raise ValueError(f"kernel must be (kh, kw, {x.shape[3]}, filters) for this input, got {kernel.shape}")
    stride = validate.integer("stride", stride, minimum=1)
    validate.one_of("padding", padding, PADDINGS)
    if bias is not None:
        bias = validate.array("bias", bias, shape=(kernel.shape[3],), layout="(one per filter)")
    window = kernel.shape[:2]
    for axis, k in zip((1, 2), window):
        output_length(x.shape[axis], k, stride, padding)  # validates that the window fits
    patches = _windows(_pad_2d(x, window, stride, padding, 0.0), window, stride)
    out = np.einsum("bhwijc,ijcf->bhwf", patches, kernel)
    if bias is not None:
        out = out + bias
    return out.astype(np.float32)


def max_pool2d(x: np.ndarray, pool_size: int = 2, stride: int | None = None, padding: str = "valid") -> np.ndarray:
    """2-D max pooling, channels last, like ``keras.layers.MaxPooling2D``.

    ``x``: (batch, height, width, channels). ``stride`` defaults to ``pool_size``.
    """
    x = np.asarray(x, np.float64)
    if x.ndim != 4:
        raise ValueError(f"x must be (batch, height, width, channels), got shape {x.shape}")
    pool_size = validate.integer("pool_size", pool_size, minimum=1)
    stride = validate.integer("stride", pool_size if stride is None else stride, minimum=1)
    validate.one_of("padding", padding, PADDINGS)
    for axis in (1, 2):
        output_length(x.shape[axis], pool_size, stride, padding)
    window = (pool_size, pool_size)
    patches = _windows(_pad_2d(x, window, stride, padding, -np.inf), window, stride)
    return patches.max(axis=(3, 4)).astype(np.float32)


def simple_rnn(x: np.ndarray, kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray,
               return_sequences: bool = False, initial_state: np.ndarray | None = None,
               activation=np.tanh) -> np.ndarray:
    """A simple recurrent layer: h_t = tanh(x_t W + h_{t-1} U + b), one step after another.

    ``x``: (batch, time, features); ``kernel`` W: (features, units); ``recurrent_kernel``
    U: (units, units); ``bias`` b: (units,) — the order of ``SimpleRNN.get_weights()``.
    Returns the last state (batch, units), or every state (batch, time, units).
    """
    x = np.asarray(x, np.float64)
    if x.ndim != 3 or x.shape[1] < 1:
        raise ValueError(f"x must be (batch, time >= 1, features), got shape {x.shape}")
    kernel, recurrent_kernel, bias = (np.asarray(a, np.float64) for a in (kernel, recurrent_kernel, bias))
    units = recurrent_kernel.shape[0]
    if kernel.shape != (x.shape[2], units) or recurrent_kernel.shape != (units, units) or bias.shape != (units,):
        raise ValueError(
            f"expected kernel ({x.shape[2]}, units), recurrent_kernel (units, units), bias (units,); got "
            f"{kernel.shape}, {recurrent_kernel.shape}, {bias.shape}"
        )
    if initial_state is None:
        h = np.zeros((x.shape[0], units))
    else:
        h = validate.array("initial_state", initial_state, shape=(x.shape[0], units),
                           layout="(batch, units)")
    states = []
    for t in range(x.shape[1]):  # the recurrence: step t needs the state of step t - 1
        h = activation(x[:, t] @ kernel + h @ recurrent_kernel + bias)
        states.append(h)
    out = np.stack(states, axis=1) if return_sequences else h
    return out.astype(np.float32)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _recurrent_weights(x, kernel, recurrent_kernel, gates: int):
    x = np.asarray(x, np.float64)
    if x.ndim != 3 or x.shape[1] < 1:
        raise ValueError(f"x must be (batch, time >= 1, features), got shape {x.shape}")
    kernel, recurrent_kernel = np.asarray(kernel, np.float64), np.asarray(recurrent_kernel, np.float64)
    units = recurrent_kernel.shape[0]
    if kernel.shape != (x.shape[2], gates * units) or recurrent_kernel.shape != (units, gates * units):
        raise ValueError(
            f"expected kernel ({x.shape[2]}, {gates} x units) and recurrent_kernel (units, {gates} x units), "
            f"got {kernel.shape} and {recurrent_kernel.shape}"
        )
    return x, kernel, recurrent_kernel, units


def _layer_outputs(record: dict, return_sequences: bool, return_gates: bool):
    """The last (or every) hidden state from per-step records, and optionally the other records."""
    hidden = np.stack(record["hidden"], axis=1)
    out = (hidden if return_sequences else hidden[:, -1]).astype(np.float32)
    if return_gates:
        return out, {name: np.stack(v, axis=1).astype(np.float32) for name, v in record.items() if name != "hidden"}
    return out


def lstm(x, kernel, recurrent_kernel, bias, return_sequences: bool = False, return_gates: bool = False):
    """An LSTM layer in NumPy, with Keras' weight layout (gate order: input, forget, candidate, output).

    Per step: i, f, o = sigmoid(...), g = tanh(...), c_t = f * c_{t-1} + i * g, h_t = o * tanh(c_t).
    Returns the last h (batch, units) or all of them (batch, time, units); with
    ``return_gates`` also a dict of (batch, time, units) arrays: input, forget, output, candidate, cell.
    """
    x, kernel, recurrent_kernel, units = _recurrent_weights(x, kernel, recurrent_kernel, 4)
    bias = np.asarray(bias, np.float64)
    if bias.shape != (4 * units,):
        raise ValueError(f"expected bias ({4 * units},), got {bias.shape}")
    h = np.zeros((x.shape[0], units))
    c = np.zeros_like(h)
    names = ("input", "forget", "candidate", "output", "cell", "hidden")
    record = {name: [] for name in names}
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h @ recurrent_kernel + bias
        i, f, g, o = _sigmoid(z[:, :units]), _sigmoid(z[:, units:2 * units]), np.tanh(z[:, 2 * units:3 * units]), \
            _sigmoid(z[:, 3 * units:])
        c = f * c + i * g        # the cell state: kept by f, written by i
        h = o * np.tanh(c)
        for name, value in zip(names, (i, f, g, o, c, h)):
            record[name].append(value)
    return _layer_outputs(record, return_sequences, return_gates)


def gru(x, kernel, recurrent_kernel, bias, return_sequences: bool = False, return_gates: bool = False):
    """A GRU layer in NumPy, with Keras' default layout (``reset_after=True``; gate order update, reset, candidate).

    ``bias`` is (2, 3 x units): row 0 for the input part, row 1 for the recurrent part. Per step:
    z, r = sigmoid(...), n = tanh(x W_n + b_n + r * (h U_n + b'_n)), h_t = z * h_{t-1} + (1 - z) * n.
    With ``return_gates`` also returns a dict of (batch, time, units) arrays: update, reset, candidate.
    """
    x, kernel, recurrent_kernel, units = _recurrent_weights(x, kernel, recurrent_kernel, 3)
    bias = np.asarray(bias, np.float64)
    if bias.shape != (2, 3 * units):
        raise ValueError(f"expected bias (2, {3 * units}) as in Keras' reset_after=True GRU, got {bias.shape}")
    h = np.zeros((x.shape[0], units))
    names = ("update", "reset", "candidate", "hidden")
    record = {name: [] for name in names}
    for t in range(x.shape[1]):
        from_input = x[:, t] @ kernel + bias[0]
        from_state = h @ recurrent_kernel + bias[1]
        z = _sigmoid(from_input[:, :units] + from_state[:, :units])
        r = _sigmoid(from_input[:, units:2 * units] + from_state[:, units:2 * units])
        n = np.tanh(from_input[:, 2 * units:] + r * from_state[:, 2 * units:])
        h = z * h + (1 - z) * n  # z near 1 keeps the old state (and its gradient) unchanged
        for name, value in zip(names, (z, r, n, h)):
            record[name].append(value)
    return _layer_outputs(record, return_sequences, return_gates)


def recurrent_param_count(cell: str, inputs: int, units: int) -> int:
    """Parameters of a Keras recurrent layer: SimpleRNN, GRU (reset_after=True) or LSTM."""
    validate.one_of("cell", cell, ("SimpleRNN", "GRU", "LSTM"))
    inputs, units = validate.integer("inputs", inputs, minimum=1), validate.integer("units", units, minimum=1)
    if cell == "SimpleRNN":
        return units * (inputs + units + 1)
    if cell == "GRU":
        return 3 * units * (inputs + units) + 2 * 3 * units
    return 4 * units * (inputs + units + 1)
