"""Tools for measuring what a sequence model can remember.

Introduced in lesson 02: the analytic receptive field of a conv/pool stack
(:func:`receptive_field`), the empirical one (:func:`influence_map`), how much an output
changes when the input's time steps are reordered (:func:`relative_change`,
:func:`permute_time`) and a linear read-out of hidden states (:func:`linear_probe_accuracy`).
"""

from __future__ import annotations

import math

import numpy as np

from utils import validate

# Layers that act on each time step separately: they leave the receptive field unchanged.
_POINTWISE = {
    "InputLayer", "Embedding", "Dense", "Activation", "ReLU", "Dropout", "SpatialDropout1D",
    "BatchNormalization", "LayerNormalization", "Masking", "Identity", "TimeDistributed",
    "Add",   # the merge of a residual stack: its longest path runs through every convolution anyway
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

    Accepts a Keras model (its layers must form a single chain, or a residual stack whose
    ``Add`` merges skip around convolutions) or a list of layers.
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
    kernel_size = validate.integer("kernel_size", kernel_size, minimum=1)
    dilations = validate.integers("dilations", dilations, minimum=1)
    return 1 + (kernel_size - 1) * sum(dilations)


def perturb_each_step(x: np.ndarray, perturb) -> np.ndarray:
    """Copies of one sequence ``x`` (time, ...), copy ``s`` with step ``s`` changed by ``perturb``.

    ``perturb`` takes the value of one step (a scalar for token sequences, a ``(features,)``
    vector otherwise) and returns the changed value, of the same shape.
    """
    x = np.asarray(x)
    if x.ndim < 1 or len(x) < 1:
        raise ValueError(f"x must be one sequence (time, ...) with at least 1 step, got shape {x.shape}")
    validate.callable_("perturb", perturb)
    copies = np.repeat(x[None], len(x), axis=0)
    for step in range(len(x)):
        changed = np.asarray(perturb(x[step]))
        if changed.shape != x[step].shape:
            raise ValueError(f"perturb must return a value shaped like one step {x[step].shape}, "
                             f"got shape {changed.shape} for step {step}")
        copies[step, step] = changed
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
    validate.callable_("predict", predict)
    copies = perturb_each_step(x, perturb)  # checks perturb before any prediction
    base = np.asarray(predict(x[None]), np.float64)  # one sequence: cheap, and tells the output shape
    if base.ndim < 2 or base.shape[:2] != (1, len(x)):
        raise ValueError(f"predict must return one output per time step, (batch, {len(x)}, ...), "
                         f"got shape {base.shape} for one sequence of {len(x)} steps")
    changed = np.asarray(predict(copies), np.float64)
    return np.abs(changed - base).reshape(len(x), len(x), -1).max(axis=-1)


def empirical_field(influence: np.ndarray, tolerance: float = 0.0) -> int:
    """The widest span (output step - input step + 1) over which an input moved an output.

    Changes up to ``tolerance`` count as no change. The default, 0, counts every change: right
    for a recurrent layer, whose influence fades smoothly but never stops. Some backends
    (PyTorch's CPU convolutions) round a batch of sequences slightly differently from a single
    one and leave changes of about 1e-7 where the true influence is exactly zero; for a
    convolution there, pass e.g. ``tolerance=1e-4 * influence.max()``.
    """
    influence = np.asarray(influence, dtype=np.float64)
    if influence.ndim != 2 or influence.shape[0] != influence.shape[1]:
        raise ValueError(f"influence must be a square (input step, output step) map, got {influence.shape}")
    tolerance = validate.number("tolerance", tolerance, minimum=0)
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
        blocks = validate.integer("blocks", blocks, minimum=2)
        if length % blocks:
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
                          train_fraction: float = 0.7, ridge: float = 1e-3, seed: int = 0) -> float:
    """Held-out accuracy of a linear read-out (ridge regression onto one-hot labels).

    ``features`` (n, d), e.g. hidden states; ``labels`` (n,) integer classes. The rows are
    shuffled (by ``seed``) before the split, so an ordered data set (sorted labels, or
    states listed time step by time step) is split fairly. A high score means the
    information is stored *linearly* in the features.
    """
    features = validate.array("features", features, ndim=2, layout="(n, d)")
    if len(features) < 2:
        raise ValueError(f"features must have at least 2 rows (one to fit, one to test), got {len(features)}")
    num_classes = validate.integer("num_classes", num_classes, minimum=2)
    train_fraction = validate.fraction("train_fraction", train_fraction)
    ridge = validate.number("ridge", ridge, minimum=0, strict=True)
    seed = validate.integer("seed", seed, minimum=0)
    raw_labels = np.asarray(labels)
    if raw_labels.shape != (len(features),):
        raise ValueError(f"labels must have shape ({len(features)},), one per row of features, got {raw_labels.shape}")
    whole = raw_labels.dtype.kind in "iu" or (
        raw_labels.dtype.kind == "f" and bool(np.all(np.isfinite(raw_labels) & (raw_labels == np.round(raw_labels)))))
    if not whole:
        raise ValueError(f"labels must be whole numbers (class indices), got {raw_labels.dtype} values such as "
                         f"{raw_labels.ravel()[:3].tolist()}")
    labels = raw_labels.astype(int)
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"labels must lie in 0..{num_classes - 1}, got values from {labels.min()} to {labels.max()}")
    split = int(len(features) * train_fraction)
    if split < 1 or split >= len(features):
        raise ValueError(f"train_fraction={train_fraction} of {len(features)} rows leaves {split} for training and "
                         f"{len(features) - split} for testing; both need at least one row")
    order = np.random.default_rng(seed).permutation(len(features))
    design = np.hstack([features, np.ones((len(features), 1))])[order]
    labels = labels[order]
    targets = np.eye(num_classes)[labels]
    a, b = design[:split], targets[:split]
    weights = np.linalg.solve(a.T @ a + ridge * np.eye(a.shape[1]), a.T @ b)
    predicted = (design[split:] @ weights).argmax(axis=1)
    return float((predicted == labels[split:]).mean())


def latch_ceiling(y_seen, field: int, guess: int | None = None) -> dict:
    """The best latch accuracy any causal model with a ``field``-step receptive field can reach on ``y_seen``.

    ``y_seen`` (n, length) holds :func:`utils.data.marker_seen`'s 0/1 targets (1 from the marker on).
    At step t such a model sees steps t − field + 1 … t. While that window still reaches back to
    the sequence's start (t < field − 1, the causal padding shows it where it is), or while the
    marker is inside it, it can answer exactly. Otherwise it sees only distractors, which look the
    same whatever t is and whether the marker is older than the field or still to come, so one
    constant guess is the best it can do there: ``guess`` (0 "not yet" or 1 "seen"), by default
    whichever scores better on ``y_seen``. The better guess makes this an upper bound for the targets
    given (a model's guess, fixed in training, can beat it only by the chance agreement of a varying
    guess with these particular sequences).

    Returns ``{"accuracy": overall, "by step": (length,) per-step accuracy, "guess": 0 or 1}``.
    """
    y_seen = validate.array("y_seen", y_seen, ndim=2, layout="(sequences, time steps)")
    if not np.isin(y_seen, (0, 1)).all() or (np.diff(y_seen, axis=1) < 0).any() or (y_seen[:, -1] != 1).any():
        raise ValueError("y_seen must hold marker_seen targets: 0 before each sequence's one marker, 1 from it on")
    length = y_seen.shape[1]
    field = validate.integer("field", field, minimum=1)
    if guess is not None:
        guess = validate.one_of("guess", guess, (0, 1))
    marker = length - y_seen.sum(axis=1).astype(int)                 # the marker's step in each sequence
    steps = np.arange(length)[None, :]
    answerable = (steps < field - 1) | ((marker[:, None] <= steps) & (marker[:, None] > steps - field))
    blind = ~answerable
    if guess is None:                                                # the majority answer where the model is blind
        guess = int(y_seen[blind].sum() * 2 > blind.sum())
    correct = answerable | (blind & (y_seen == guess))
    return {"accuracy": float(correct.mean()), "by step": correct.mean(axis=0), "guess": guess}
