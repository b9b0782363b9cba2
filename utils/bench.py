"""Throughput of convolutional and recurrent layers vs sequence length — and a command line.

Introduced in lesson 03. The same grid runs from the notebook and from a shell, so an
instructor can compare a laptop, Colab's CPU and Colab's GPU:

    python -m utils.bench                       # CPU/GPU grid -> build/bench/bench.csv + bench.png
    python -m utils.bench --lengths 16 64 256 1024 4096 --repeats 7 --out build/bench

Timings use the compiled Keras functions (``predict_on_batch`` / ``train_on_batch``),
take the median of several repeats after warm-up calls, and run in one process with the
same batch size and width for every layer.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import re
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from utils import memory, models, runtime, validate
from utils.runtime import import_keras
from utils.scan import scan_levels

keras = import_keras()

LAYER_KINDS = ("Conv1D", "dilated Conv1D", "SimpleRNN", "GRU", "LSTM")
BEYOND_KINDS = ("minGRU, parallel scan", "minGRU, sequential", "causal attention")   # lesson 08
SEQUENCE_KINDS = LAYER_KINDS + BEYOND_KINDS
RECURRENT_KINDS = {"SimpleRNN", "GRU", "LSTM", "RNN", "Bidirectional"}
GATES = {"SimpleRNN": 1, "GRU": 3, "LSTM": 4}
CONV_KERNEL, CONV_DEPTH, DILATIONS = 3, 2, (1, 2, 4, 8)
DEVICES = ("CPU", "GPU")


def build_sequence_model(kind: str, length: int, width: int = 64) -> "keras.Model":
    """A (batch, length, width) -> (batch, length, width) model made of one kind of layer.

    "Conv1D": two convolutions, kernel 3; "dilated Conv1D": four causal convolutions,
    kernel 3, dilations 1, 2, 4, 8 (TCN-style); the recurrent kinds: one layer returning
    its state at every step. Lesson 08 adds :data:`BEYOND_KINDS`: a minGRU computed by a parallel
    scan or step by step, and one head of causal self-attention.
    """
    validate.one_of("kind", kind, SEQUENCE_KINDS)
    length, width = validate.integer("length", length, minimum=1), validate.integer("width", width, minimum=1)
    series = keras.Input(shape=(length, width))
    if kind == "Conv1D":
        h = series
        for _ in range(CONV_DEPTH):
            h = keras.layers.Conv1D(width, CONV_KERNEL, padding="same", activation="relu")(h)
    elif kind == "dilated Conv1D":
        h = models.dilated_causal_cnn(series, width, DILATIONS, CONV_KERNEL)
    elif kind in BEYOND_KINDS:
        from utils.layers import CausalSelfAttention, MinGRU

        h = CausalSelfAttention()(series) if kind == "causal attention" else MinGRU(width, parallel="parallel" in kind)(series)
    else:
        h = getattr(keras.layers, kind)(width, return_sequences=True)(series)
    return keras.Model(series, h, name=re.sub(r"\W+", "_", kind))


def _window_depth(previous: np.ndarray, output_length: int, window: int, stride: int, dilation: int,
                  padding: str) -> np.ndarray:
    """For each output position of a sliding window (conv or pooling), 1 + the deepest input it reads."""
    length = len(previous)
    span = (window - 1) * dilation + 1
    if padding == "causal":
        left = span - 1
    elif padding == "same":
        left = max((output_length - 1) * stride + span - length, 0) // 2
    else:
        left = 0
    depth = np.zeros(output_length, dtype=int)
    for j in range(output_length):
        taps = j * stride - left + dilation * np.arange(window)
        taps = taps[(taps >= 0) & (taps < length)]
        depth[j] = 1 + (previous[taps].max() if len(taps) else 0)
    return depth


def critical_path_length(model) -> int:
    """Operations that must run one after another, with unlimited processors: the longest path
    through the graph of (layer, time step) nodes.

    Each node waits for the nodes it reads: a convolution or pooling window reads a few positions
    of the layer below, a per-step layer (Dense, activation...) reads the same position, a global
    pooling or Flatten reads all of them, and a recurrent layer at step t reads the layer below at
    step t *and itself at step t - 1*. Every node then costs one step. So a conv stack of L layers
    needs L steps, one recurrent layer needs T, and L stacked recurrent layers need T + L - 1, not
    L x T: layer 2 can start step t as soon as layer 1 has produced it (a wavefront). Strides and
    pooling before a recurrent layer shorten its T. A layer with ``time_mixing = "scan"`` (lesson
    08's parallel minGRU) needs one step to form its (a_t, b_t) and ceil(log2(t + 1)) levels of
    combines for step t; ``"causal attention"`` reads its whole prefix in one step; ``"recurrent"``
    counts as a recurrent layer. The input layer counts 0.
    """
    depth = None
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            length = layer.output.shape[1]
            if length is None:
                raise ValueError(f"model {model.name!r} has an unknown sequence length; build it with a fixed length")
            depth = np.zeros(int(length), dtype=int)
            continue
        if depth is None:
            raise ValueError("critical_path_length needs a functional model that starts with keras.Input")
        out_shape = layer.output.shape
        mixing = getattr(layer, "time_mixing", None)          # lesson 08's layers say how they mix time
        if mixing in ("scan", "causal attention"):
            reads_prefix = np.maximum.accumulate(depth)        # step t reads steps 0..t of the layer below
            if mixing == "scan":  # one level to form (a_t, b_t), then ceil(log2(t + 1)) levels of combines
                levels = np.array([scan_levels(t + 1) for t in range(len(depth))])
                depth = reads_prefix + 1 + levels
            else:                 # every position attends to its whole prefix in one operation
                depth = reads_prefix + 1
            if len(out_shape) < 3:
                depth = np.array([depth.max()])
        elif kind in RECURRENT_KINDS or mixing == "recurrent":
            backward = kind == "Bidirectional"
            forward_depth = np.zeros_like(depth)
            running = 0
            for t in range(len(depth)):
                running = max(running, depth[t]) + 1
                forward_depth[t] = running
            if backward:  # the backward direction runs from the end; both directions run at once
                backward_depth = np.zeros_like(depth)
                running = 0
                for t in reversed(range(len(depth))):
                    running = max(running, depth[t]) + 1
                    backward_depth[t] = running
                forward_depth = np.maximum(forward_depth, backward_depth)
            sequences = len(out_shape) == 3
            depth = forward_depth if sequences else np.array([forward_depth.max()])
        elif hasattr(layer, "kernel_size") and kind.startswith("Conv"):
            depth = _window_depth(depth, int(out_shape[1]), int(layer.kernel_size[0]), int(layer.strides[0]),
                                  int(layer.dilation_rate[0]), layer.padding)
        elif hasattr(layer, "pool_size") and "Pooling1D" in kind:
            depth = _window_depth(depth, int(out_shape[1]), int(layer.pool_size[0]), int(layer.strides[0]), 1,
                                  layer.padding)
        elif len(out_shape) < 3 or kind.startswith("Global") or kind == "Flatten":
            depth = np.array([depth.max() + 1])  # reads every position
        elif out_shape[1] == len(depth):
            depth = depth + 1  # a per-step layer
        else:
            raise ValueError(f"critical_path_length does not know how layer {layer.name!r} ({kind}) maps time steps")
    if depth is None:
        raise ValueError("the model has no layers")
    return int(depth.max())


def layer_flops(kind: str, batch: int, length: int, width: int = 64) -> float:
    """Multiply-add FLOPs (2 per multiply-add) of one forward pass of :func:`build_sequence_model`.

    Recurrent cells: 2·B·T·(in + units)·gates·units; convolutions: 2·B·T·in·out·k per layer;
    minGRU: its two projections, 2·B·T·in·2·units (the scan's element-wise work is ignored);
    causal attention: four projections 4·2·B·T·d² plus scores and weighted sum 2·2·B·T²·d (the
    masked half is computed too). Biases and activations are ignored (they are a few percent).
    """
    validate.one_of("kind", kind, SEQUENCE_KINDS)
    batch, length = validate.integer("batch", batch, minimum=1), validate.integer("length", length, minimum=1)
    width = validate.integer("width", width, minimum=1)
    if kind == "Conv1D":
        return CONV_DEPTH * 2.0 * batch * length * width * width * CONV_KERNEL
    if kind == "dilated Conv1D":
        return len(DILATIONS) * 2.0 * batch * length * width * width * CONV_KERNEL
    if kind.startswith("minGRU"):
        return 2.0 * batch * length * width * 2 * width
    if kind == "causal attention":
        return 4 * 2.0 * batch * length * width * width + 2 * 2.0 * batch * length * length * width
    return 2.0 * batch * length * (width + width) * GATES[kind] * width  # a recurrent kind


def state_flops(kind: str, batch: int, length: int, width: int = 64) -> float:
    """The part of :func:`layer_flops` that must wait for the previous step's state: h·U, 2·B·T·units·gates·units.

    Keras' generic recurrent layers also multiply each step's input by its kernel inside the loop
    (x·W, the other ``in / (in + units)`` of their FLOPs), although it does not depend on h: cuDNN
    does it for all T at once before the loop. Convolutions, minGRU (its gates read the input only)
    and attention have none: 0.
    """
    total = layer_flops(kind, batch, length, width)                  # validates the arguments
    return total / 2 if kind in GATES else 0.0                       # input and state are both width wide


def median_time(function, repeats: int = 5, warmup: int = 2) -> float:
    """Median wall time in seconds of ``function()`` over ``repeats`` calls after ``warmup`` calls."""
    validate.callable_("function", function)
    return interleaved_times({"f": function}, repeats=repeats, warmup=warmup)["f"]


def interleaved_rounds(functions: dict, repeats: int = 5, warmup: int = 2) -> dict:
    """Wall time of each function in every timed round: {name: [seconds in round 1, round 2, ...]}.

    The functions are called in turn (A, B, C, A, B, C, ...), ``warmup`` untimed rounds first.
    Timing compared things interleaved means a burst of load from another process hits all
    of them alike, so their ratios stay meaningful on a shared machine; timing A fully and
    then B lets the load fall on one of them. Times from the same round were taken moments
    apart, so ratios formed within a round (:func:`growth_exponent_gap`) cancel slower changes too.
    """
    if not isinstance(functions, dict) or not functions:
        raise ValueError(f"functions must be a non-empty {{name: function}} dict, got {functions!r}")
    for name, function in functions.items():
        validate.callable_(f"functions[{name!r}]", function)
    repeats, warmup = validate.integer("repeats", repeats, minimum=1), validate.integer("warmup", warmup, minimum=0)
    for _ in range(warmup):
        for function in functions.values():
            function()
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return times


def interleaved_times(functions: dict, repeats: int = 5, warmup: int = 2) -> dict:
    """Median wall time of each function, timed in turn (A, B, C, A, B, C, ...) after ``warmup`` rounds.

    The medians of :func:`interleaved_rounds`: one slow round moves no median.
    """
    return {name: statistics.median(values) for name, values in interleaved_rounds(functions, repeats, warmup).items()}


def train_step_seconds(builds: dict, x_batch, y_batch, loss="sparse_categorical_crossentropy", repeats: int = 5,
                       warmup: int = 2, learning_rate: float = 1e-3) -> dict:
    """Median seconds of one training step (``train_on_batch``) per model, the models timed interleaved.

    ``builds`` maps names to functions returning fresh Keras models (the ones handed to
    :func:`utils.training.fit_seeds`); each is built and compiled with Adam here, so the models a
    lesson trained are left untouched. Every model gets the same batch.
    """
    if not isinstance(builds, dict) or not builds:
        raise ValueError(f"builds must be a non-empty {{name: build function}} dict, got {builds!r}")
    validate.same_length("x_batch", x_batch, "y_batch", y_batch)
    calls = {}
    for name, build in builds.items():
        validate.callable_(f"builds[{name!r}]", build)
        model = build()
        model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss)
        calls[name] = lambda m=model: m.train_on_batch(x_batch, y_batch)
    return interleaved_times(calls, repeats=repeats, warmup=warmup)


def matmul_gflops(size: int = 2048, repeats: int = 5, device: str | None = None) -> float:
    """The dense float32 matmul rate through the Keras backend, in GFLOP/s: the ceiling.

    ``device`` ("CPU" or "GPU") places the matrices there; by default the backend chooses.
    """
    size, repeats = validate.integer("size", size, minimum=1), validate.integer("repeats", repeats, minimum=1)
    scope = placed_on(validate.one_of("device", device, DEVICES)) if device else contextlib.nullcontext()
    rng = np.random.default_rng(0)
    with scope:
        a = keras.ops.convert_to_tensor(rng.normal(size=(size, size)).astype("float32"))
        b = keras.ops.convert_to_tensor(rng.normal(size=(size, size)).astype("float32"))
        seconds = median_time(lambda: keras.ops.convert_to_numpy(keras.ops.sum(keras.ops.matmul(a, b))),
                              repeats=repeats)
    return 2.0 * size**3 / seconds / 1e9


def utilisation(kinds=LAYER_KINDS, length: int = 1024, batch: int = 32, width: int = 64, repeats: int = 5,
                device: str = "CPU", matmul_size: int = 2048) -> dict:
    """Each kind's forward GFLOP/s as a share of the matmul ceiling, all timed in one interleaved loop.

    Returns ``{"ceiling": GFLOP/s, kind: {"gflops": ..., "share": ...}, ...}``. Because the
    matmul and every layer take turns in the same loop, load from other processes lowers
    them together instead of flipping their ratio (dividing by a ceiling measured at
    another moment would not have that protection).
    """
    kinds = tuple(validate.one_of("kinds", kind, SEQUENCE_KINDS) for kind in _as_tuple("kinds", kinds))
    length = validate.integer("length", length, minimum=1)
    batch, width = validate.integer("batch", batch, minimum=1), validate.integer("width", width, minimum=1)
    size = validate.integer("matmul_size", matmul_size, minimum=1)
    validate.one_of("device", device, DEVICES)
    rng = np.random.default_rng(0)
    with runtime.fast_ops(), placed_on(device):
        x = rng.normal(size=(batch, length, width)).astype("float32")
        a = keras.ops.convert_to_tensor(rng.normal(size=(size, size)).astype("float32"))
        b = keras.ops.convert_to_tensor(rng.normal(size=(size, size)).astype("float32"))
        calls = {"matmul": lambda: keras.ops.convert_to_numpy(keras.ops.sum(keras.ops.matmul(a, b)))}
        for kind in kinds:
            model = build_sequence_model(kind, length, width)
            calls[kind] = lambda m=model: m.predict_on_batch(x)
        times = interleaved_times(calls, repeats=repeats)
    ceiling = 2.0 * size**3 / times["matmul"] / 1e9
    shares = {"ceiling": ceiling}
    for kind in kinds:
        gflops = layer_flops(kind, batch, length, width) / times[kind] / 1e9
        shares[kind] = {"gflops": gflops, "share": gflops / ceiling, "seconds": times[kind]}
    return shares


def gru_stream_step(width: int = 64) -> "keras.Model":
    """An RNN serving a stream: one new input and the carried state in, the next state out.

    Whatever the sequence's length so far, a new time step costs one cell step and the only
    memory kept per stream is the state: ``width`` numbers.
    """
    width = validate.integer("width", width, minimum=1)
    x_t, state = keras.Input(shape=(width,)), keras.Input(shape=(width,))      # (streams, width) each
    new_state, _ = keras.layers.GRUCell(width)(x_t, [state])
    return keras.Model([x_t, state], new_state, name="gru_stream_step")


def cnn_window_step(layers: int, width: int = 64) -> tuple["keras.Model", int]:
    """A causal dilated CNN serving a stream without caches: re-run on the window it can see.

    ``layers`` causal convolutions with kernel 3 and dilations 1, 2, 4, ... see a receptive field
    of ``1 + 2 (2^layers - 1)`` steps, so each new time step re-runs the whole stack on that many
    of the latest inputs, which must be kept. Returns ``(model, field)``; the model maps the
    window ``(streams, field, width)`` to the newest output ``(streams, width)``.
    """
    layers, width = validate.integer("layers", layers, minimum=1), validate.integer("width", width, minimum=1)
    dilations = [2**i for i in range(layers)]
    field = memory.conv_stack_field(CONV_KERNEL, dilations)              # 1 + 2 (2^layers - 1)
    window = keras.Input(shape=(field, width))
    h = models.dilated_causal_cnn(window, width, dilations, CONV_KERNEL)
    return keras.Model(window, h[:, -1], name=f"cnn_window_step_{layers}"), field


def cnn_cached_step(layers: int, width: int = 64) -> tuple["keras.Model", int]:
    """The same causal dilated CNN serving a stream with caches (Fast WaveNet, Paine et al. 2016).

    Layer i (kernel 3, dilation r = 2^i) needs its input at t - 2r, t - r and t, so it keeps its
    last 2r inputs in a cache and computes only the newest output: one kernel application per
    layer whatever the field. Each step shifts every cache by one position (a copy: memory traffic
    proportional to the field, no arithmetic). The caches together hold (field - 1) x ``width``
    numbers per stream.
    Inputs: the new step ``(streams, width)`` and one cache ``(streams, 2r, width)`` per layer,
    oldest first; outputs: the newest output ``(streams, width)`` and the caches for the next
    step. Zero caches stand for the zeros of causal padding. Its weights are laid out as those of
    :func:`cnn_window_step` with the same ``layers``, so ``set_weights`` copies them over.
    Returns ``(model, field)``.
    """
    layers, width = validate.integer("layers", layers, minimum=1), validate.integer("width", width, minimum=1)
    if CONV_KERNEL != 3:
        raise ValueError(f"cnn_cached_step reads the inputs at t - 2r, t - r and t: it needs kernel 3, got {CONV_KERNEL}")
    dilations = [2**i for i in range(layers)]
    x_t = keras.Input(shape=(width,))
    caches = [keras.Input(shape=(2 * r, width)) for r in dilations]     # layer i's last 2r inputs
    h, next_caches = x_t, []
    for r, cache in zip(dilations, caches):
        taps = keras.ops.stack([cache[:, 0], cache[:, r], h], axis=1)    # (streams, 3, width): t - 2r, t - r, t
        next_caches.append(keras.ops.concatenate([cache[:, 1:], h[:, None]], axis=1))
        h = keras.layers.Conv1D(width, CONV_KERNEL, activation="relu")(taps)[:, 0]
    field = memory.conv_stack_field(CONV_KERNEL, dilations)
    return keras.Model([x_t, *caches], [h, *next_caches], name=f"cnn_cached_step_{layers}"), field


def streaming_latency(layers=(2, 4, 6, 8), streams: int = 32, width: int = 64, repeats: int = 15,
                      warmup: int = 3, cached: bool = False) -> list[dict]:
    """Seconds to serve one new time step of ``streams`` streams: a GRU cell step against CNN windows.

    For each depth in ``layers`` a causal dilated CNN (:func:`cnn_window_step`) re-runs on its
    receptive field; with ``cached=True`` the same CNNs with caches (:func:`cnn_cached_step`)
    follow; the GRU (:func:`gru_stream_step`) takes one step. All are timed in one
    interleaved loop (:func:`interleaved_times`), so load hits them alike. Returns one dict per
    model, the GRU first: ``name``, ``field`` (steps of history it needs; ``None`` for the GRU,
    which needs none), ``cached`` (``None`` for the GRU), ``seconds`` and ``floats_per_stream``
    (what must be kept between steps, by construction).
    """
    depths = tuple(validate.integer("layers", n, minimum=1) for n in _as_tuple("layers", layers))
    streams, width = validate.integer("streams", streams, minimum=1), validate.integer("width", width, minimum=1)
    if not isinstance(cached, bool):
        raise ValueError(f"cached must be True or False, got {cached!r}")
    rng = np.random.default_rng(0)
    x_t = rng.normal(size=(streams, width)).astype("float32")
    state = np.zeros((streams, width), "float32")
    gru = gru_stream_step(width)
    calls, rows = {"GRU cell step": lambda: gru.predict_on_batch([x_t, state])}, {}
    rows["GRU cell step"] = {"name": "GRU cell step", "field": None, "cached": None, "floats_per_stream": width}
    for depth in depths:
        model, field = cnn_window_step(depth, width)
        window = rng.normal(size=(streams, field, width)).astype("float32")
        name = f"CNN, {depth} layers, field {field}"
        calls[name] = lambda m=model, w=window: m.predict_on_batch(w)
        rows[name] = {"name": name, "field": field, "cached": False, "floats_per_stream": field * width}
    for depth in depths if cached else ():
        model, field = cnn_cached_step(depth, width)
        caches = [rng.normal(size=(streams, *shape[1:])).astype("float32") for shape in model.input_shape[1:]]
        name = f"CNN, {depth} layers, field {field}, cached"
        calls[name] = lambda m=model, c=caches: m.predict_on_batch([x_t, *c])
        rows[name] = {"name": name, "field": field, "cached": True, "floats_per_stream": sum(c[0].size for c in caches)}
    times = interleaved_times(calls, repeats=repeats, warmup=warmup)
    return [rows[name] | {"seconds": times[name]} for name in calls]


@dataclass
class BenchResult:
    """One cell of the grid: a layer kind at one sequence length, on one device.

    ``device`` is where the benchmark was asked to run; ``ran_on`` where the model's weights
    actually were (read off the tensors), so a mislabelled run cannot go unnoticed.
    ``forward_s`` and ``train_s`` are medians over the timed rounds, whose times
    ``forward_rounds`` and ``train_rounds`` keep in order (round i of every result in one
    :func:`benchmark` call was one pass of the same interleaved loop).
    """

    kind: str
    length: int
    device: str
    forward_s: float
    train_s: float
    batch: int
    width: int
    ran_on: str = "?"
    forward_rounds: tuple = ()
    train_rounds: tuple = ()

    @property
    def steps_per_second(self) -> float:
        """Training throughput in time steps per second (batch x length per train step)."""
        return self.batch * self.length / self.train_s

    @property
    def forward_gflops(self) -> float:
        return layer_flops(self.kind, self.batch, self.length, self.width) / self.forward_s / 1e9


def benchmark(kinds=LAYER_KINDS, lengths=(16, 64, 256, 1024), batch: int = 32, width: int = 64,
              repeats: int = 5, device: str = "CPU", log=print, warmup: int = 2) -> list[BenchResult]:
    """Time a forward pass and a training step for every layer kind and length, on ``device``.

    The models and their data are placed on ``device`` ("CPU" or "GPU") with ``keras.device``,
    so the CPU grid runs on the CPU even when a GPU is present; each result records where the
    weights really were. Deterministic kernels are off while timing (they can be slower) and
    restored afterwards. Every argument is checked before the first model is built. All kinds at
    all lengths are timed interleaved in one loop (:func:`interleaved_rounds`), so ratios between
    kinds and between lengths (growth exponents) hold on a machine that other work shares.
    ``warmup`` untimed rounds come first (the first call compiles).
    """
    kinds = tuple(validate.one_of("kinds", kind, SEQUENCE_KINDS) for kind in _as_tuple("kinds", kinds))
    lengths = validate.integers("lengths", lengths, minimum=1)
    warmup = validate.integer("warmup", warmup, minimum=1)
    batch, width = validate.integer("batch", batch, minimum=1), validate.integer("width", width, minimum=1)
    repeats = validate.integer("repeats", repeats, minimum=1)
    validate.one_of("device", device, DEVICES)
    if device == "GPU" and runtime.device_name() == "CPU":
        raise ValueError(f"device='GPU' needs a GPU that {keras.backend.backend()} can use; this machine runs on the CPU")
    rng = np.random.default_rng(0)
    with runtime.fast_ops(), placed_on(device):
        models, batches, calls = {}, {}, {}
        for length in lengths:
            batches[length] = (rng.normal(size=(batch, length, width)).astype("float32"),
                               rng.normal(size=(batch, length, width)).astype("float32"))
            for kind in kinds:
                model = models[kind, length] = build_sequence_model(kind, length, width)
                model.compile(optimizer="adam", loss="mse")
                x, y = batches[length]
                calls["forward", kind, length] = lambda m=model, x=x: m.predict_on_batch(x)
                calls["train", kind, length] = lambda m=model, x=x, y=y: m.train_on_batch(x, y)
        if log:
            log(f"  timing {len(kinds)} layer kinds at T = {', '.join(map(str, lengths))} on the {device}, "
                f"interleaved, {warmup} warm-up + {repeats} timed rounds ...", flush=True)
        rounds = interleaved_rounds(calls, repeats=repeats, warmup=warmup)   # every kind and length feels the same load
    results = []
    for (kind, length), model in models.items():
        forward, train = rounds["forward", kind, length], rounds["train", kind, length]
        results.append(BenchResult(kind, length, device, statistics.median(forward), statistics.median(train), batch, width,
                                   runtime.placement(model.weights[0]), tuple(forward), tuple(train)))
    results.sort(key=lambda r: (r.length, kinds.index(r.kind)))
    if log:
        for r in results:
            log(f"  {device} T={r.length:5d} {r.kind:15s} forward {r.forward_s * 1e3:8.2f} ms  "
                f"train step {r.train_s * 1e3:8.2f} ms", flush=True)
    return results


def growth_exponent(results: list[BenchResult], kind: str, which: str = "forward_s") -> float:
    """p in time ~ T^p for ``kind``: the slope of log(time) against log(T) between its two longest lengths.

    ``which`` is ``"forward_s"`` or ``"train_s"``. About 1 for work linear in T, towards 2 for
    attention's T x T scores. :func:`benchmark` times every length in one interleaved loop, so
    the exponents of kinds measured together share the machine's load.
    """
    validate.one_of("which", which, ("forward_s", "train_s"))
    rows = sorted((r for r in results if r.kind == kind), key=lambda r: r.length)
    if len(rows) < 2:
        raise ValueError(f"growth_exponent needs {kind!r} measured at two or more lengths, got {len(rows)}")
    short, long = rows[-2:]
    return float(np.log(getattr(long, which) / getattr(short, which)) / np.log(long.length / short.length))


def growth_exponent_gap(results: list[BenchResult], kind: str, baseline: str, which: str = "train_s") -> float:
    """How much faster ``kind``'s time grows with T than ``baseline``'s: p(kind) - p(baseline), paired by round.

    Between the two longest lengths, every timed round of :func:`benchmark` gives
    log((kind_long / baseline_long) / (kind_short / baseline_short)) / log(T_long / T_short),
    four times taken moments apart, so load that comes and goes between rounds cancels; the
    median over rounds is returned. With steady times it equals
    ``growth_exponent(kind) - growth_exponent(baseline)``. ``which`` is ``"forward_s"`` or ``"train_s"``.
    """
    validate.one_of("which", which, ("forward_s", "train_s"))
    rounds = which.replace("_s", "_rounds")
    pairs = {}
    for name in (kind, baseline):
        rows = {r.length: r for r in results if r.kind == name}
        if len(rows) < 2:
            raise ValueError(f"growth_exponent_gap needs {name!r} measured at two or more lengths, got {len(rows)}")
        pairs[name] = rows
    if set(pairs[kind]) != set(pairs[baseline]):
        raise ValueError(f"{kind!r} and {baseline!r} must be measured at the same lengths, got "
                         f"{sorted(pairs[kind])} and {sorted(pairs[baseline])}")
    short, long = sorted(pairs[kind])[-2:]
    series = [np.asarray(getattr(pairs[name][length], rounds), dtype=float)
              for name in (kind, baseline) for length in (long, short)]
    if len({s.size for s in series}) != 1 or series[0].size == 0:
        raise ValueError(f"growth_exponent_gap needs results from one benchmark() call, with the same number of rounds "
                         f"for every kind and length; got {[s.size for s in series]} rounds")
    kind_long, kind_short, base_long, base_short = series
    per_round = np.log((kind_long / base_long) / (kind_short / base_short)) / np.log(long / short)
    return float(np.median(per_round))


def placed_on(device: str):
    """A scope that puts new models and tensors on ``device`` ("CPU" or "GPU").

    Only entered when ``device`` is not where the backend puts things anyway: Keras 3.15's
    ``keras.device`` scope on the torch backend creates variables that receive no gradients, so
    the scope is kept for the one case that needs it (the CPU on a machine with a GPU).
    """
    default = "CPU" if runtime.device_name() == "CPU" else "GPU"
    return contextlib.nullcontext() if device == default else keras.device(f"{device.lower()}:0")


def _as_tuple(name: str, values) -> tuple:
    if isinstance(values, str):
        return (values,)
    values = tuple(values)
    if not values:
        raise ValueError(f"{name} must name at least one entry, got an empty sequence")
    return values


def csv_text(results: list[BenchResult]) -> str:
    """Results as CSV text, with derived columns (steps/s, GFLOP/s)."""
    results = list(results)
    if not results:
        raise ValueError("results is empty: there is nothing to write; run benchmark() first")
    if not all(isinstance(r, BenchResult) for r in results):
        raise ValueError(f"results must be BenchResult objects from benchmark(), got {type(results[0]).__name__}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = [name for name in asdict(results[0]) if not name.endswith("_rounds")]    # the medians, not every round
    writer.writerow([*columns, "steps_per_second", "forward_gflops"])
    for r in results:
        writer.writerow([*(getattr(r, name) for name in columns), f"{r.steps_per_second:.1f}", f"{r.forward_gflops:.2f}"])
    return buffer.getvalue()


def write_csv(results: list[BenchResult], path: Path) -> Path:
    """Write results with derived columns (steps/s, GFLOP/s) to a CSV file."""
    text = csv_text(results)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def plot_results(results: list[BenchResult], title: str = "Training throughput vs sequence length"):
    """Two panels: training throughput (time steps/s) and time per training step, log axes."""
    import matplotlib.pyplot as plt

    from utils.plots import color_for, plain_log_ticks

    fig, (ax_tp, ax_t) = plt.subplots(1, 2, figsize=(12, 4.2))
    for device in dict.fromkeys(r.device for r in results):
        for i, kind in enumerate(dict.fromkeys(r.kind for r in results)):
            rows = [r for r in results if r.kind == kind and r.device == device]
            lengths = [r.length for r in rows]
            style = "-" if device == "CPU" else "--"
            label = kind if len(set(r.device for r in results)) == 1 else f"{kind} ({device})"
            color = color_for(kind, i)
            ax_tp.plot(lengths, [r.steps_per_second for r in rows], style, marker="o", color=color, label=label)
            ax_t.plot(lengths, [r.train_s * 1e3 for r in rows], style, marker="o", color=color, label=label)
    for ax in (ax_tp, ax_t):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        plain_log_ticks(ax)
        ax.set_xlabel("sequence length T")
    ax_tp.set(ylabel="time steps per second (training)", title="throughput")
    ax_t.set(ylabel="time per training step (ms)", title="time per step")
    ax_tp.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time Conv1D, dilated Conv1D, SimpleRNN, GRU and LSTM vs sequence length.")
    parser.add_argument("--lengths", type=int, nargs="+", default=[16, 64, 256, 1024])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", choices=("cpu", "gpu", "all"), default="all",
                        help="where to run: cpu, gpu, or all (the CPU, and the GPU when there is one)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "build" / "bench")
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    from utils.runtime import device_name

    has_gpu = device_name() != "CPU"
    devices = {"cpu": ["CPU"], "gpu": ["GPU"], "all": ["CPU", "GPU"] if has_gpu else ["CPU"]}[args.device]
    print(f"benchmark on {', '.join(devices)} ({device_name()}): batch {args.batch}, width {args.width}, "
          f"lengths {args.lengths}")
    results = []
    try:
        for device in devices:
            results += benchmark(lengths=args.lengths, batch=args.batch, width=args.width, repeats=args.repeats,
                                 device=device)
    except ValueError as exc:
        parser.error(str(exc))
    csv_path = write_csv(results, args.out / "bench.csv")
    fig = plot_results(results, title=f"Training throughput on {device_name()}")
    fig.savefig(args.out / "bench.png", dpi=120)
    print(f"matmul ceiling: {matmul_gflops():.0f} GFLOP/s")
    print(f"wrote {csv_path} and {args.out / 'bench.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
