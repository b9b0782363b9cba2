"""One training harness for every model in a comparison, with compact progress lines.

Introduced in lesson 01. Comparing architectures is only fair when they are compiled and
trained the same way; :func:`compile_and_fit` is that single place.
"""

from __future__ import annotations

import time

import numpy as np

from utils.runtime import import_keras

keras = import_keras()


class EpochProgress(keras.callbacks.Callback):
    """Print one line every ``every`` epochs (and after the last): metrics and elapsed time."""

    def __init__(self, name: str, epochs: int, every: int):
        super().__init__()
        self.name, self.epochs, self.every = name, epochs, max(1, every)

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        done = epoch + 1
        if done % self.every and done != self.epochs:
            return
        metrics = ", ".join(f"{k} {v:.4g}" for k, v in (logs or {}).items() if k != "learning_rate")
        print(f"  {self.name} epoch {done}/{self.epochs}: {metrics} ({time.perf_counter() - self.start:.1f} s)",
              flush=True)


class BatchLosses(keras.callbacks.Callback):
    """Record the training loss after every batch (Keras reports the epoch's running mean)."""

    def on_train_begin(self, logs=None):
        self.losses = []

    def on_train_batch_end(self, batch, logs=None):
        self.losses.append(float((logs or {}).get("loss", np.nan)))


class StopWhenMastered(keras.callbacks.Callback):
    """Stop training once a training metric reaches ``threshold`` (e.g. accuracy 0.99).

    Lets a grid of runs share one epoch budget without spending it on solved tasks.
    """

    def __init__(self, metric: str = "accuracy", threshold: float = 0.99):
        super().__init__()
        self.metric, self.threshold = metric, threshold

    def on_epoch_end(self, epoch, logs=None):
        if (logs or {}).get(self.metric, -np.inf) >= self.threshold:
            self.model.stop_training = True


def compile_and_fit(model, x, y, *, epochs: int = 10, learning_rate: float = 1e-3, batch_size: int = 32,
                    loss: str = "sparse_categorical_crossentropy", metrics=("accuracy",),
                    validation_data=None, validation_split: float = 0.0, clipnorm: float | None = None,
                    sample_weight=None, stop_at: float | None = None, progress_every: int | None = None,
                    verbose: int = 0):
    """Compile ``model`` with Adam and fit it; return the History, with ``history.seconds`` added.

    Every comparison in the course trains its models through this function with the
    same arguments. A progress line is printed every ``progress_every`` epochs (default:
    five lines per run; 0 turns them off). With ``sample_weight`` the metrics are weighted
    too, so steps of weight 0 do not count. ``stop_at`` ends training early once the
    first metric reaches that value on the training data.
    """
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate!r}")
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same number of examples, got {len(x)} and {len(y)}")
    optimizer = keras.optimizers.Adam(learning_rate, clipnorm=clipnorm)
    if sample_weight is None:
        model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics))
    else:
        model.compile(optimizer=optimizer, loss=loss, weighted_metrics=list(metrics))
    every = max(1, epochs // 5) if progress_every is None else progress_every
    callbacks = [EpochProgress(model.name, epochs, every)] if every else []
    if stop_at is not None:
        callbacks.append(StopWhenMastered(metrics[0], stop_at))
    start = time.perf_counter()
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, validation_data=validation_data,
                        validation_split=validation_split, sample_weight=sample_weight,
                        callbacks=callbacks, verbose=verbose)
    history.seconds = time.perf_counter() - start
    return history
