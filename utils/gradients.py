"""Gradients through time, measured — the backend-specific part lives here only.

Introduced in lesson 04 (and reused in lesson 05). The notebooks call
:func:`input_gradient_norms` and never touch ``tf.GradientTape``, ``jax.grad`` or
``torch.autograd`` themselves, so they run unchanged on every Keras backend.
"""

from __future__ import annotations

import numpy as np

from utils import validate
from utils.runtime import import_keras

keras = import_keras()


def _objective(model, x, y, loss):
    """Sum over the batch of the per-example loss, or of the model's outputs when ``y`` is None."""
    out = model(x, training=False)
    if y is None:
        return keras.ops.sum(out)
    per_example = keras.losses.get(loss)(y, out) if isinstance(loss, str) else loss(y, out)
    return keras.ops.sum(per_example)


def _input_gradient(model, x: np.ndarray, y, loss) -> np.ndarray:
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        x_t = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(x_t)
            objective = _objective(model, x_t, y, loss)
        return tape.gradient(objective, x_t).numpy()
    if backend == "jax":
        import jax

        return np.asarray(jax.grad(lambda xx: _objective(model, xx, y, loss))(x))
    if backend == "torch":
        import torch

        device = model.weights[0].value.device if model.weights else None  # where the model lives
        x_t = torch.tensor(x, requires_grad=True, device=device)
        _objective(model, x_t, y, loss).backward()
        return x_t.grad.detach().cpu().numpy()
    raise ValueError(f"unsupported Keras backend {backend!r}; expected tensorflow, jax or torch")


def weight_gradient_function(model, loss: str = "mse", compiled: bool = True):
    """``norm(x, y)``: the global norm of ∂L/∂weights for one batch, L being the batch's mean loss.

    This is what clipping sees, before any clipping. Keras reports a running mean of the loss
    over an epoch and never the gradient; this is the true per-batch quantity. With
    ``compiled=True`` TensorFlow and JAX trace the gradient once and reuse it for every batch of
    the same shape (a log of every batch of an epoch, lesson 04); PyTorch always runs it eagerly.
    The norm is summed in float64, so a huge gradient is reported, not turned into inf.
    """
    if not isinstance(compiled, bool):
        raise ValueError(f"compiled must be True or False, got {compiled!r}")
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        def gradient(x, y):
            with tf.GradientTape() as tape:
                objective = _objective(model, x, y, loss) / tf.cast(tf.shape(x)[0], x.dtype)
            return tape.gradient(objective, model.trainable_weights)

        gradient = tf.function(gradient, reduce_retracing=True) if compiled else gradient

        def weight_gradients(x, y):
            return [g.numpy() for g in gradient(tf.convert_to_tensor(x), tf.convert_to_tensor(y))]
    elif backend == "jax":
        import jax

        def objective(trainable, others, x, y):
            out, _ = model.stateless_call(trainable, others, x, training=False)
            per_example = keras.losses.get(loss)(y, out) if isinstance(loss, str) else loss(y, out)
            return keras.ops.sum(per_example) / x.shape[0]

        gradient = jax.jit(jax.grad(objective)) if compiled else jax.grad(objective)

        def weight_gradients(x, y):
            trainable = [v.value for v in model.trainable_variables]
            others = [v.value for v in model.non_trainable_variables]
            return [np.asarray(g) for g in gradient(trainable, others, x, y)]
    elif backend == "torch":
        def weight_gradients(x, y):
            weights = model.trainable_weights
            for w in weights:
                w.value.grad = None
            (_objective(model, x, y, loss) / len(x)).backward()
            grads = [w.value.grad.detach().cpu().numpy() for w in weights]
            for w in weights:
                w.value.grad = None
            return grads
    else:
        raise ValueError(f"unsupported Keras backend {backend!r}; expected tensorflow, jax or torch")

    def norm(x, y) -> float:
        x = validate.array("x", x, dtype="float32")
        y = validate.array("y", y, dtype="float32")
        validate.same_length("x", x, "y", y)
        return float(np.sqrt(sum(np.sum(np.square(g.astype(np.float64))) for g in weight_gradients(x, y))))

    return norm


def weight_gradient_norm(model, x, y, loss: str = "mse") -> float:
    """The global norm of ∂L/∂weights for one batch (mean loss L), run once and eagerly.

    For many batches of one model use :func:`weight_gradient_function`, which compiles it.
    """
    return weight_gradient_function(model, loss, compiled=False)(x, y)


def input_gradient_norms(model, x, y=None, loss: str = "mse") -> np.ndarray:
    """‖∂L/∂x_t‖ for every time step t, averaged over the batch.

    ``x`` is (batch, time, features) float input. With ``y`` the objective is the loss of
    each example (``loss``: a Keras loss name or a callable returning per-example values);
    without it, the sum of the model's outputs. Returns an array of shape (time,).
    """
    x = validate.array("x", x, ndim=3, dtype="float32", layout="(batch, time, features)")
    if y is not None:
        validate.same_length("x", x, "y", y)
    grad = _input_gradient(model, x, None if y is None else np.asarray(y, "float32"), loss)
    return np.linalg.norm(grad.astype(np.float64), axis=-1).mean(axis=0)


def decay_rate(norms, start: int = 5, stop: int = 60) -> float:
    """Slope of log(norm) per step of distance from the last step, fitted over [start, stop).

    Negative: gradients shrink geometrically going back in time (vanishing); positive:
    they grow (exploding). ``exp(slope)`` is the factor per step.
    """
    norms = validate.array("norms", norms, ndim=1, layout="(time,)")
    start, stop = validate.integer("start", start, minimum=0), validate.integer("stop", stop, minimum=1)
    if not start < stop <= len(norms):
        raise ValueError(f"need 0 <= start < stop <= {len(norms)}, got start={start}, stop={stop}")
    distance = np.arange(len(norms))[::-1]            # distance of step t from the last step
    chosen = (distance >= start) & (distance < stop) & np.isfinite(norms) & (norms > 0)
    if chosen.sum() < 2:
        raise ValueError("fewer than two finite, positive norms in the fitting range")
    return float(np.polyfit(distance[chosen], np.log(norms[chosen]), 1)[0])


def scaled_orthogonal(units: int, gain: float, seed=0) -> np.ndarray:
    """A random orthogonal (units x units) matrix times ``gain``: all singular values equal ``gain``."""
    units = validate.integer("units", units, minimum=1)
    gain = validate.number("gain", gain, minimum=0, strict=True)
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(units, units)))
    return (gain * q * np.sign(np.diag(r))).astype("float32")


def finite_difference_norms(function, x: np.ndarray, eps: float = 1e-3) -> np.ndarray:
    """Central-difference estimate of ‖∂f/∂x_t‖ per time step for one scalar function of x.

    Slow (two calls per input number); meant for checking :func:`input_gradient_norms` on
    tiny models. ``x`` is (batch, time, features); returns (time,) averaged over the batch
    like :func:`input_gradient_norms` when ``function`` sums per-example terms.
    """
    x = validate.array("x", x, ndim=3, layout="(batch, time, features)")
    validate.callable_("function", function)
    eps = validate.number("eps", eps, minimum=0, strict=True)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = eps
        grad[index] = (function(x + step) - function(x - step)) / (2 * eps)
    return np.linalg.norm(grad.astype(np.float64), axis=-1).mean(axis=0)
