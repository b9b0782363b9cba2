"""Tools for measuring what a sequence model can remember.

Introduced in lesson 02: the analytic receptive field of a conv/pool stack
(:func:`receptive_field`), the empirical one (:func:`influence_map`), how much an output
changes when the input's time steps are reordered (:func:`relative_change`,
:func:`permute_time`) and a linear read-out of hidden states (:func:`linear_probe_accuracy`).
"""

from __future__ import annotations

import math

import numpy as np

# Layers that act on each time step separately: they leave the receptive field unchanged.
_POINTWISE = {
    "InputLayer", "Embedding", "Dense", "Activation", "ReLU", "Dropout", "SpatialDropout1D",
    "BatchNormalization", "LayerNormalization", "Masking", "Identity", "TimeDistributed",
}
_RECURRENT = {"SimpleRNN", "GRU", "LSTM", "RNN", "Bidirectional", "ConvLSTM1D", "ConvLSTM2D"}
_WHOLE_INPUT = {
    "GlobalAveragePooling1D", "GlobalMaxPooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling2D",
    "Flatten",
}


def _first(value) -> int:
    return int(value[0] if isinstance(value, (tuple, list)) else value)


def receptive_field(model_or_layers) -> float:
    """How many input steps one output step can see, for a chain of layers (along axis 1).

    Walks the layers in order: a convolution with kernel ``k`` and dilation ``d`` adds
    ``(k - 1) * d * jump`` steps, a pooling window ``p`` adds ``(p - 1) * jump``, and
    strides multiply ``jump`` (the distance in input steps between neighbouring outputs).
    Returns ``math.inf`` when a layer lets every output see the whole input: recurrent
    layers (in principle, an unbounded memory), global pooling and Flatten.

    Accepts a Keras model (its layers must form a single chain) or a list of layers.
    """
    layers = list(getattr(model_or_layers, "layers", model_or_layers))
    field, jump = 1, 1
    for layer in layers:
        kind = type(layer).__name__
        if kind in _RECURRENT or kind in _WHOLE_INPUT:
            return math.inf
        if kind in _POINTWISE:
            continue
        if kind.startswith("Conv") and hasattr(layer, "kernel_size"):
            kernel, dilation = _first(layer.kernel_size), _first(layer.dilation_rate)
            field += (kernel - 1) * dilation * jump
            jump *= _first(layer.strides)
        elif "Pooling" in kind and hasattr(layer, "pool_size"):
            field += (_first(layer.pool_size) - 1) * jump
            jump *= _first(layer.strides)
        else:
            raise ValueError(
                f"receptive_field does not know layer {layer.name!r} of type {kind}; expected convolutions, "
                "pooling, recurrent or per-step layers"
            )
    return field


def conv_stack_field(kernel_size: int, dilations) -> int:
    """Receptive field of stacked stride-1 convolutions: 1 + (kernel_size - 1) * sum(dilations)."""
    if not isinstance(kernel_size, int) or kernel_size < 1:
        raise ValueError(f"kernel_size must be a positive integer, got {kernel_size!r}")
    dilations = list(dilations)
    if any(not isinstance(d, int) or d < 1 for d in dilations):
        raise ValueError(f"dilations must be positive integers, got {dilations}")
    return 1 + (kernel_size - 1) * sum(dilations)


def perturb_each_step(x: np.ndarray, perturb) -> np.ndarray:
    """Copies of one sequence ``x`` (time, ...), copy ``s`` with step ``s`` changed by ``perturb``."""
    x = np.asarray(x)
    copies = np.repeat(x[None], len(x), axis=0)
    for step in range(len(x)):
        copies[step, step] = perturb(x[step])
    return copies


def influence_map(predict, x: np.ndarray, perturb) -> np.ndarray:
    """How much each output step moves when one input step changes: an (input step, output step) map.

    ``predict`` maps a batch of sequences to per-step outputs (batch, time, ...); ``x`` is
    one sequence (time, ...); ``perturb`` returns a changed value for one step, e.g.
    ``lambda token: (token + 1) % vocab``. Entry (s, t) is the largest absolute change of
    output t when step s was changed; exact zeros mean output t cannot see step s.
    """
    x = np.asarray(x)
    if x.ndim < 1 or len(x) < 2:
        raise ValueError(f"x must be one sequence with at least 2 steps, got shape {x.shape}")
    base = np.asarray(predict(x[None]), np.float64)
    changed = np.asarray(predict(perturb_each_step(x, perturb)), np.float64)
    if base.ndim < 2 or base.shape[1] != len(x):
        raise ValueError(f"predict must return one output per time step, got shape {base.shape} for {len(x)} steps")
    return np.abs(changed - base).reshape(len(x), len(x), -1).max(axis=-1)


def empirical_field(influence: np.ndarray, tolerance: float = 0.0) -> int:
    """The widest span (output step - input step + 1) over which an input moved an output."""
    influence = np.asarray(influence)
    if influence.ndim != 2 or influence.shape[0] != influence.shape[1]:
        raise ValueError(f"influence must be a square (input step, output step) map, got {influence.shape}")
    inputs, outputs = np.nonzero(influence > tolerance)
    return int((outputs - inputs).max() + 1) if len(inputs) else 0


def permute_time(x: np.ndarray, how: str, seed=0, blocks: int = 4) -> np.ndarray:
    """Reorder the time steps (axis 1) of a batch: "shuffle", "blocks" or "reverse".

    "shuffle" applies one random permutation (from ``seed``) to every sequence; "blocks"
    cuts the sequence into ``blocks`` equal pieces and puts the pieces in reverse order,
    keeping each piece intact; "reverse" reverses the steps.
    """
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"x must be a batch of sequences (batch, time, ...), got shape {x.shape}")
    length = x.shape[1]
    rng = np.random.default_rng(seed)
    if how == "shuffle":
        order = rng.permutation(length)
    elif how == "reverse":
        order = np.arange(length)[::-1]
    elif how == "blocks":
        if not isinstance(blocks, int) or blocks < 2 or length % blocks:
            raise ValueError(f"blocks must be an integer >= 2 that divides the length {length}, got {blocks!r}")
        order = np.arange(length).reshape(blocks, -1)[::-1].ravel()
    else:
        raise ValueError(f"how must be 'shuffle', 'blocks' or 'reverse', got {how!r}")
    return x[:, order]


def relative_change(original: np.ndarray, changed: np.ndarray, reference: np.ndarray | None = None) -> float:
    """‖changed − original‖ / ‖reference‖ over the whole batch: 0 means nothing moved.

    ``reference`` defaults to ``original``; for a trained model pass the targets, so the
    change is measured against the size of the quantity being predicted.
    """
    original, changed = np.asarray(original, np.float64), np.asarray(changed, np.float64)
    if original.shape != changed.shape:
        raise ValueError(f"shapes differ: {original.shape} vs {changed.shape}")
    scale = np.linalg.norm(original if reference is None else np.asarray(reference, np.float64))
    if scale == 0:
        raise ValueError("the reference is all zeros; relative change is undefined")
    return float(np.linalg.norm(changed - original) / scale)


def linear_probe_accuracy(features: np.ndarray, labels: np.ndarray, num_classes: int,
                          train_fraction: float = 0.7, ridge: float = 1e-3) -> float:
    """Held-out accuracy of a linear read-out (ridge regression onto one-hot labels).

    ``features`` (n, d), e.g. hidden states; ``labels`` (n,) integer classes. A high score
    means the information is stored *linearly* in the features.
    """
    features = np.asarray(features, np.float64)
    labels = np.asarray(labels).astype(int)
    if features.ndim != 2 or labels.shape != (len(features),):
        raise ValueError(f"expected features (n, d) and labels (n,), got {features.shape} and {labels.shape}")
    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must be between 0 and 1, got {train_fraction}")
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"labels must lie in 0..{num_classes - 1}")
    split = int(len(features) * train_fraction)
    design = np.hstack([features, np.ones((len(features), 1))])
    targets = np.eye(num_classes)[labels]
    a, b = design[:split], targets[:split]
    weights = np.linalg.solve(a.T @ a + ridge * np.eye(a.shape[1]), a.T @ b)
    predicted = (design[split:] @ weights).argmax(axis=1)
    return float((predicted == labels[split:]).mean())
