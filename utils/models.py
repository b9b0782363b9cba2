"""Reference models and model parts, built with the functional API.

:func:`dilated_causal_cnn` is lesson 02's dilated stack, which lessons 03, 07 and 08 reuse.
The classifiers are introduced in lesson 07, where the same data sets are given to a fully
convolutional network, a recurrent classifier and a CNN+RNN hybrid, all trained by
``training.fit_seeds`` with identical settings.
"""

from __future__ import annotations

import numpy as np

from utils import validate
from utils.runtime import import_keras

keras = import_keras()
layers = keras.layers

RECURRENT_CELLS = {"GRU": layers.GRU, "LSTM": layers.LSTM, "SimpleRNN": layers.SimpleRNN}


def dilated_causal_cnn(h, filters: int = 32, dilations=(1, 2, 4, 8), kernel_size: int = 3):
    """Causal convolutions with growing dilations, each with a ReLU: lesson 02's dilated stack.

    ``h`` is a (batch, time, channels) tensor; the result is (batch, time, filters), and output
    step t sees the inputs t - field + 1 ... t only, with field = 1 + (kernel_size - 1) *
    sum(dilations) (:func:`utils.memory.conv_stack_field`): 31 steps for the defaults.
    """
    filters = validate.integer("filters", filters, minimum=1)
    kernel_size = validate.integer("kernel_size", kernel_size, minimum=1)
    for dilation in validate.integers("dilations", dilations, minimum=1):
        h = layers.Conv1D(filters, kernel_size, padding="causal", dilation_rate=dilation, activation="relu")(h)
    return h


def _validated(input_shape, num_classes) -> tuple[tuple[int, int], int]:
    """``input_shape`` as (time, channels) of positive integers and ``num_classes`` >= 2."""
    shape = validate.integers("input_shape", input_shape, minimum=1)
    if len(shape) != 2:
        raise ValueError(f"input_shape must be (time, channels), two positive integers, got {input_shape!r}")
    return shape, validate.integer("num_classes", num_classes, minimum=2)


def fcn(input_shape, num_classes: int, filters=(128, 256, 128), kernel_sizes=(8, 5, 3),
        bn_momentum: float | None = 0.9, name: str = "FCN"):
    """Fully convolutional network for series (Wang et al. 2017): [Conv1D, BatchNorm, ReLU] x 3 + GAP.

    ``bn_momentum=None`` leaves BatchNormalization out. Keras' default momentum (0.99)
    updates the moving statistics slowly; with a few dozen training series an epoch is
    only a couple of steps, so lesson 07 uses 0.9.
    """
    input_shape, num_classes = _validated(input_shape, num_classes)
    filters = validate.integers("filters", filters, minimum=1)
    kernel_sizes = validate.integers("kernel_sizes", kernel_sizes, minimum=1)
    if bn_momentum is not None:
        bn_momentum = validate.number("bn_momentum", bn_momentum, 0, 1, strict=True)
    if len(filters) != len(kernel_sizes):
        raise ValueError(f"filters and kernel_sizes must have the same length, got {filters} and {kernel_sizes}")
    series = keras.Input(shape=input_shape)
    h = series
    for width, size in zip(filters, kernel_sizes):
        h = layers.Conv1D(width, size, padding="same")(h)
        if bn_momentum is not None:
            h = layers.BatchNormalization(momentum=bn_momentum)(h)
        h = layers.Activation("relu")(h)
    h = layers.GlobalAveragePooling1D()(h)
    return keras.Model(series, layers.Dense(num_classes, activation="softmax")(h), name=name)


def rnn_classifier(input_shape, num_classes: int, cell: str = "GRU", units: int = 64, masked: bool = False,
                   name: str | None = None):
    """A recurrent layer reading the series; its final state feeds a softmax.

    With ``masked`` a Masking layer skips all-zero (padding) steps, for unequal lengths.
    """
    input_shape, num_classes = _validated(input_shape, num_classes)
    validate.one_of("cell", cell, tuple(RECURRENT_CELLS))
    units = validate.integer("units", units, minimum=1)
    series = keras.Input(shape=input_shape)
    h = layers.Masking(mask_value=0.0)(series) if masked else series
    h = RECURRENT_CELLS[cell](units)(h)
    return keras.Model(series, layers.Dense(num_classes, activation="softmax")(h), name=name or cell)


def hybrid(input_shape, num_classes: int, filters: int = 64, kernel_size: int = 5, pool_size: int = 2,
           units: int = 64, name: str = "hybrid"):
    """CNN + RNN: a convolution extracts local features, pooling shortens the sequence, a GRU reads it."""
    input_shape, num_classes = _validated(input_shape, num_classes)
    filters, kernel_size = validate.integer("filters", filters, minimum=1), validate.integer("kernel_size", kernel_size, minimum=1)
    pool_size, units = validate.integer("pool_size", pool_size, minimum=1), validate.integer("units", units, minimum=1)
    series = keras.Input(shape=input_shape)
    h = layers.Conv1D(filters, kernel_size, padding="same", activation="relu")(series)
    h = layers.MaxPooling1D(pool_size)(h)
    h = layers.GRU(units)(h)
    return keras.Model(series, layers.Dense(num_classes, activation="softmax")(h), name=name)


def standardize(train: np.ndarray, test: np.ndarray, lengths_train=None, lengths_test=None):
    """Scale each channel by the training set's mean and standard deviation.

    For zero-padded series (``lengths_*`` given) the statistics use only real steps and
    the padding stays exactly zero, so a Masking layer still recognises it.
    """
    train, test = np.asarray(train, np.float32), np.asarray(test, np.float32)
    if train.ndim != 3 or test.ndim != 3 or train.shape[2] != test.shape[2]:
        raise ValueError(f"expected (n, time, channels) arrays with equal channels, got {train.shape} and {test.shape}")

    def valid(x, lengths, name):
        if lengths is None:
            return np.ones(x.shape[:2], bool)
        lengths = validate.integers(name, lengths, minimum=1, maximum=x.shape[1])
        if len(lengths) != len(x):
            raise ValueError(f"{name} must hold one length per series ({len(x)}), got {len(lengths)}")
        return np.arange(x.shape[1])[None, :] < np.asarray(lengths)[:, None]

    mask_train, mask_test = valid(train, lengths_train, "lengths_train"), valid(test, lengths_test, "lengths_test")
    mean = train[mask_train].mean(axis=0)
    std = train[mask_train].std(axis=0) + 1e-8
    scaled = [np.where(m[..., None], (x - mean) / std, 0.0).astype(np.float32)
              for x, m in ((train, mask_train), (test, mask_test))]
    return scaled[0], scaled[1]
