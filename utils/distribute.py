"""Several devices, one model: the backend-specific part of lesson 10 behind a few functions.

Introduced in lesson 10. On a machine with one CPU the lesson asks for N *simulated* devices
before the backend starts (``runtime.setup(devices=4)`` calls :func:`simulate_devices`):

- JAX: ``XLA_FLAGS=--xla_force_host_platform_device_count=N`` splits the host into N CPU devices;
  :func:`data_parallel` then sets ``keras.distribution.DataParallel`` over them;
- TensorFlow: ``tf.config.set_logical_device_configuration`` makes N logical CPUs, and
  :func:`data_parallel` opens a ``tf.distribute.MirroredStrategy`` scope over them (Keras'
  ``keras.distribution`` is a prototype on TensorFlow and is not used there);
- PyTorch: no released Keras distributes on torch, and :func:`data_parallel` says so.

All simulated devices share the same cores, so they show what is computed where and what must be
exchanged, never a speed-up. The arithmetic helpers (:func:`ring_allreduce_bytes`,
:func:`pipeline_bubble`, :func:`split_with_halo`) are backend-free.
"""

from __future__ import annotations

import contextlib
import os
import re

import numpy as np

from utils import validate

_FORCE_FLAG = "--xla_force_host_platform_device_count"


def simulate_devices(count: int) -> None:
    """Ask the backend, before it starts, to split the CPU into ``count`` devices.

    JAX reads ``XLA_FLAGS`` once, when its first device is created; TensorFlow's logical devices
    must be configured before its runtime starts. A backend that has already started cannot change
    its device count, so a late call raises ``ValueError`` instead of silently doing nothing.
    """
    import sys

    count = validate.integer("count", count, minimum=1, maximum=64)
    backend = sys.modules["keras"].backend.backend() if "keras" in sys.modules else os.environ.get("KERAS_BACKEND",
                                                                                                   "tensorflow")
    if backend == "jax":
        if "jax" in sys.modules:
            from jax._src import xla_bridge  # whether a backend exists yet (not exported)

            if xla_bridge.backends_are_initialized():
                have = len(_jax_cpu_devices())
                if have != count:
                    raise ValueError(f"JAX has already started with {have} CPU device(s); {count} must be asked for "
                                     "before the first model or array is made (restart the kernel and call "
                                     "runtime.setup(devices=...) first)")
                return
        flags = re.sub(rf"{_FORCE_FLAG}=\d+", "", os.environ.get("XLA_FLAGS", "")).strip()
        os.environ["XLA_FLAGS"] = f"{flags} {_FORCE_FLAG}={count}".strip()
    elif backend == "tensorflow":
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        try:
            tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)
        except RuntimeError as error:  # the runtime is up: its devices are fixed
            have = len(tf.config.list_logical_devices("CPU"))
            if have != count:
                raise ValueError(f"TensorFlow has already started with {have} CPU device(s); {count} must be "
                                 "asked for before the first model or tensor is made (restart the kernel and "
                                 "call runtime.setup(devices=...) first)") from error


def _jax_cpu_devices():
    import jax

    return jax.devices("cpu")


def _pool() -> list:
    """The devices the lesson places work on: the accelerators when there are at least two, else the CPU devices.

    One pool for every call, so device k is always the same device: on a machine with one GPU the
    simulated CPU devices are used throughout (the GPU alone cannot show N devices).
    """
    from utils.runtime import import_keras

    backend = import_keras().backend.backend()
    if backend == "jax":
        import jax

        accelerators = [d for d in jax.devices() if d.platform != "cpu"]
        return accelerators if len(accelerators) >= 2 else _jax_cpu_devices()
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_logical_devices("GPU")
        chosen = gpus if len(gpus) >= 2 else tf.config.list_logical_devices("CPU")
        return ["/" + d.name.split("device:")[-1] for d in chosen]
    return ["cpu"]


def devices(count: int | None = None) -> list:
    """The first ``count`` devices of the lesson's pool (all of them when ``count`` is None).

    The pool is the accelerators when there are at least two, otherwise the (simulated) CPU devices.
    JAX: ``jax.Device`` objects; TensorFlow: device names such as ``"/CPU:1"``. Asking for more than
    exist raises ``ValueError`` naming both numbers.
    """
    found = _pool()
    if count is None:
        return list(found)
    count = validate.integer("count", count, minimum=1)
    if count > len(found):
        raise ValueError(f"asked for {count} devices, but {len(found)} exist; call runtime.setup(devices={count}) "
                         "in a fresh kernel to simulate them on the CPU")
    return list(found[:count])


def replica_count(model) -> int:
    """On how many devices ``model`` was built: its strategy's replicas (TensorFlow), its weights' devices (JAX)."""
    from utils.runtime import import_keras

    keras = import_keras()
    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a Keras model, got {type(model).__name__}")
    if keras.backend.backend() == "tensorflow":
        return int(model.distribute_strategy.num_replicas_in_sync)
    value = model.weights[0].value
    if hasattr(value, "sharding"):
        return len(value.sharding.device_set)
    return 1


def device_index(tensor) -> int:
    """The index of the one device a backend tensor lives on (``/CPU:2`` -> 2)."""
    value = getattr(tensor, "value", tensor)
    if hasattr(value, "devices") and callable(value.devices):  # a JAX array
        placed = value.devices()
        if len(placed) != 1:
            raise ValueError(f"the array is spread over {len(placed)} devices, not on one")
        return int(next(iter(placed)).id)
    device = getattr(value, "device", "")
    if getattr(device, "type", None) in ("cpu", "cuda"):  # a torch.device: the CPU is one device
        return int(device.index or 0)
    match = re.search(r":(\d+)$", str(device))
    if match is None:
        raise ValueError(f"cannot tell which device holds {type(value).__name__} {device or '?'!r}")
    return int(match.group(1))


@contextlib.contextmanager
def on_device(index: int):
    """Run the block's computations on device ``index`` of :func:`devices` (explicit placement).

    TensorFlow: ``tf.device``. JAX: ``jax.default_device``; :func:`place` the inputs there too,
    since JAX computes where its committed inputs are.
    """
    index = validate.integer("index", index, minimum=0)
    chosen = devices(index + 1)[index]
    from utils.runtime import import_keras

    backend = import_keras().backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.device(chosen):
            yield chosen
    elif backend == "jax":
        import jax

        with jax.default_device(chosen):
            yield chosen
    else:
        raise ValueError(f"explicit placement on several devices is written for TensorFlow and JAX, not {backend}")


def place(array, index: int):
    """``array`` as a backend tensor stored on device ``index`` of :func:`devices`."""
    from utils.runtime import import_keras

    keras = import_keras()
    if keras.backend.backend() == "jax":
        import jax

        index = validate.integer("index", index, minimum=0)
        return jax.device_put(np.asarray(array), devices(index + 1)[index])
    with on_device(index):
        return keras.ops.convert_to_tensor(np.asarray(array))


def per_replica_batch(global_batch: int, replicas: int) -> int:
    """The batch each of ``replicas`` devices computes when the global batch is ``global_batch``."""
    global_batch = validate.integer("global_batch", global_batch, minimum=1)
    replicas = validate.integer("replicas", replicas, minimum=1)
    if global_batch % replicas:
        raise ValueError(f"a global batch of {global_batch} does not split evenly over {replicas} devices; "
                         f"use a multiple of {replicas}")
    return global_batch // replicas


@contextlib.contextmanager
def data_parallel(replicas: int, global_batch: int | None = None):
    """Models built and trained in the block are replicated on ``replicas`` devices, each batch split among them.

    TensorFlow: a ``MirroredStrategy`` scope over :func:`devices`; JAX: ``keras.distribution.DataParallel``
    set for the block and the previous distribution restored after it. Build, compile and ``fit`` inside
    the block as usual; the global batch (``fit``'s ``batch_size``) is split into ``replicas`` equal shares,
    so give ``global_batch`` to have it checked. Yields the engine object (strategy or distribution).
    """
    from utils.runtime import import_keras

    keras = import_keras()
    if global_batch is not None:
        per_replica_batch(global_batch, replicas)
    chosen = devices(replicas)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        strategy = _mirrored_strategy(tuple(chosen))
        with strategy.scope():
            yield strategy
    elif backend == "jax":
        previous = keras.distribution.distribution()
        distribution = keras.distribution.DataParallel(devices=chosen)
        keras.distribution.set_distribution(distribution)
        try:
            yield distribution
        finally:
            keras.distribution.set_distribution(previous)
    else:
        raise ValueError(f"no released Keras distributes training on the {backend} backend; "
                         "use KERAS_BACKEND=jax or tensorflow for lesson 10's data-parallel sections")


_STRATEGIES: dict = {}


def _mirrored_strategy(names: tuple):
    """One ``MirroredStrategy`` per device set, made once, that averages gradients by ``ReductionToOneDevice``.

    On CPUs TensorFlow's default all-reduce uses collective ops whose group and instance keys are
    numbered per strategy from the same start, so two strategies in one process (over the same devices,
    or over 2 and then 4) mix up each other's reductions ("Shape mismatch in the collective instance",
    "joining a group with size 4, but that group has size 2"). Summing on one device and copying the
    sum back is an all-reduce without those keys.
    """
    if names not in _STRATEGIES:
        import tensorflow as tf

        _STRATEGIES[names] = tf.distribute.MirroredStrategy(list(names), cross_device_ops=tf.distribute.ReductionToOneDevice())
    return _STRATEGIES[names]


def ring_allreduce_bytes(parameters: int, replicas: int, bytes_per_number: int = 4) -> float:
    """Bytes each device sends per step to average ``parameters`` gradients over ``replicas`` by a ring.

    A ring all-reduce sends 2 (N - 1) / N of the gradient from every device (Patarasuk & Yuan 2009):
    N - 1 rounds of reduce-scatter and N - 1 of all-gather, each moving 1/N of it. By construction.
    """
    parameters = validate.integer("parameters", parameters, minimum=0)
    replicas = validate.integer("replicas", replicas, minimum=1)
    bytes_per_number = validate.integer("bytes_per_number", bytes_per_number, minimum=1)
    return parameters * bytes_per_number * 2 * (replicas - 1) / replicas


def pipeline_bubble(stages: int, microbatches: int) -> float:
    """GPipe's idle share (K - 1) / (M + K - 1) for K stages and M micro-batches (Huang et al. 2019)."""
    stages = validate.integer("stages", stages, minimum=1)
    microbatches = validate.integer("microbatches", microbatches, minimum=1)
    return (stages - 1) / (microbatches + stages - 1)


def split_with_halo(x, chunks: int, halo: int, field: int | None = None, after: int = 0) -> list[np.ndarray]:
    """Cut ``x`` (batch, time, ...) along time into ``chunks`` equal pieces; each after the first keeps ``halo`` earlier steps.

    Piece 0 is steps [0, T/N) (the sequence's start, where a causal model pads with zeros itself);
    piece k > 0 is steps [k T/N - halo, (k + 1) T/N). A causal model with a receptive field of
    ``field`` steps gives the right outputs on the last T/N steps of each piece only if
    ``halo >= field - 1``; pass ``field`` to have that checked. A model that also reads ahead
    (``padding="same"``) needs ``after`` later steps too: every piece but the last then ends ``after``
    steps past its chunk. :func:`join_without_halo` puts the outputs back together.
    """
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"x must be (batch, time, ...), got shape {x.shape}")
    chunks = validate.integer("chunks", chunks, minimum=1)
    halo = validate.integer("halo", halo, minimum=0)
    after = validate.integer("after", after, minimum=0)
    steps = x.shape[1]
    if steps % chunks:
        raise ValueError(f"{steps} time steps do not split into {chunks} equal chunks")
    length = steps // chunks
    if max(halo, after) > length and chunks > 1:
        raise ValueError(f"a halo of {max(halo, after)} steps is longer than a chunk ({length} steps); use fewer chunks")
    if field is not None:
        field = validate.integer("field", field, minimum=1)
        if halo < field - 1:
            raise ValueError(f"a halo of {halo} steps is shorter than the receptive field needs "
                             f"(field {field}: {field - 1} earlier steps)")
    return [x[:, max(0, k * length - halo):min(steps, (k + 1) * length + after)] for k in range(chunks)]


def join_without_halo(outputs, halo: int, after: int = 0) -> np.ndarray:
    """The outputs of :func:`split_with_halo`'s pieces without their halos (``halo`` before, ``after`` after), joined."""
    halo = validate.integer("halo", halo, minimum=0)
    after = validate.integer("after", after, minimum=0)
    outputs = [np.asarray(o) for o in outputs]
    if not outputs or any(o.ndim < 2 for o in outputs):
        raise ValueError("outputs must be a non-empty list of (batch, time, ...) arrays")
    last = len(outputs) - 1
    cut = [(halo if k else 0, after if k < last else 0) for k in range(len(outputs))]   # (before, after) per piece
    if any(o.shape[1] <= before + behind for o, (before, behind) in zip(outputs, cut)):
        raise ValueError(f"every piece must be longer than its halos ({halo} steps before, {after} after)")
    return np.concatenate([o[:, before:o.shape[1] - behind] for o, (before, behind) in zip(outputs, cut)], axis=1)
