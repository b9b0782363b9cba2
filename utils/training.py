"""One training harness for every model in a comparison, with compact progress lines.

Introduced in lesson 01. Comparing architectures is only fair when they are compiled and
trained the same way; :func:`compile_and_fit` is that single place.
"""

from __future__ import annotations

import time

import numpy as np

from utils import validate
from utils.runtime import import_keras

keras = import_keras()


class EpochProgress(keras.callbacks.Callback):
    """Print one line every ``every`` epochs (and after the last): metrics and elapsed time."""

    def __init__(self, name: str, epochs: int, every: int):
        super().__init__()
        self.name = name
        self.epochs = validate.integer("epochs", epochs, minimum=1)
        self.every = validate.integer("every", every, minimum=1)

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

    Lets a grid of runs share one epoch budget without spending it on solved tasks. If
    the metric is not among the epoch's logs (a typo, or a metric the model was not
    compiled with), training stops with a ``ValueError`` naming the metrics that are
    logged, instead of silently running every epoch.
    """

    def __init__(self, metric: str = "accuracy", threshold: float = 0.99):
        super().__init__()
        if not isinstance(metric, str) or not metric:
            raise ValueError(f"metric must be the name of a logged metric such as 'accuracy', got {metric!r}")
        self.metric, self.threshold = metric, validate.number("threshold", threshold)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.metric not in logs:
            raise ValueError(f"StopWhenMastered watches {self.metric!r}, which this model does not log; "
                             f"logged metrics: {', '.join(sorted(logs)) or 'none'}")
        if logs[self.metric] >= self.threshold:
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
    epochs = validate.integer("epochs", epochs, minimum=1)
    learning_rate = validate.number("learning_rate", learning_rate, minimum=0, strict=True)
    batch_size = validate.integer("batch_size", batch_size, minimum=1)
    validation_split = validate.number("validation_split", validation_split, minimum=0, maximum=1)
    if validation_split >= 1:
        raise ValueError(f"validation_split must be a fraction below 1, got {validation_split}")
    if clipnorm is not None:
        clipnorm = validate.number("clipnorm", clipnorm, minimum=0, strict=True)
    if progress_every is not None:
        progress_every = validate.integer("progress_every", progress_every, minimum=0)
    validate.same_length("x", x, "y", y)
    if sample_weight is not None:
        validate.same_length("x", x, "sample_weight", sample_weight)
    metrics = list(metrics)
    if stop_at is not None:
        stop_at = validate.number("stop_at", stop_at)
        if not metrics:
            raise ValueError("stop_at watches the first of metrics, but metrics is empty; "
                             "pass metrics=('accuracy',) or similar, or leave stop_at=None")
    optimizer = keras.optimizers.Adam(learning_rate, clipnorm=clipnorm)
    if sample_weight is None:
        model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    else:
        model.compile(optimizer=optimizer, loss=loss, weighted_metrics=metrics)
    every = max(1, epochs // 5) if progress_every is None else progress_every
    callbacks = [EpochProgress(model.name, epochs, every)] if every else []
    if stop_at is not None:
        watched = metrics[0] if isinstance(metrics[0], str) else getattr(metrics[0], "name", None)
        callbacks.append(StopWhenMastered(watched, stop_at))
    start = time.perf_counter()
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, validation_data=validation_data,
                        validation_split=validation_split, sample_weight=sample_weight,
                        callbacks=callbacks, verbose=verbose)
    history.seconds = time.perf_counter() - start
    return history
