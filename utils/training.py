"""One training harness for every model in a comparison, with compact progress lines.

Introduced in lesson 01. Comparing architectures is only fair when they are compiled and
trained the same way; :func:`compile_and_fit` is that single place.
"""

from __future__ import annotations

import re
import time
from typing import NamedTuple

import numpy as np

from utils import validate
from utils.runtime import import_keras

keras = import_keras()

STEPS_PER_EXECUTION = 32
"""Training (and validation) steps Keras runs per call into its compiled function, in every fit here.

Each step is the same update as before, in the same order, so the weights are identical
(``tests/test_seeds.py`` checks it on TensorFlow and JAX); what goes is the round trip from Python
into the compiled step between batches, which dominates small models such as lesson 01's
digit readers. Keras calls batch-level callbacks once per execution, so none is used here.
Keras on PyTorch runs one step per call only (:func:`steps_per_execution`).
"""


def steps_per_execution() -> int:
    """:data:`STEPS_PER_EXECUTION`, or 1 on the PyTorch backend, where Keras accepts no other value."""
    return 1 if keras.backend.backend() == "torch" else STEPS_PER_EXECUTION


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


def build_for_fit(model, x, y, sample_weight=None) -> None:
    """On TensorFlow, create a compiled model's loss trackers, metrics and optimizer variables before ``fit``.

    There Keras creates them inside the first traced training step (Adam's two moments per
    weight, one loss tracker per output), and TensorFlow then traces that step a second time,
    because a ``tf.function`` that created variables is retraced without them. On a joint model of
    a dozen recurrent branches that second trace costs several seconds. This builds them from the
    shapes of one example, as Keras itself does on JAX and PyTorch, where this function therefore
    does nothing (building early there would skip a shuffle Keras draws, and change the batches).
    The variables start at the same values either way, so training is unchanged.
    """
    if getattr(model, "optimizer", None) is None:
        raise ValueError("compile the model first: build_for_fit creates its optimizer's variables")
    symbolic_build = getattr(model, "_symbolic_build", None)              # Keras' own, private since 3.0
    if keras.backend.backend() != "tensorflow" or symbolic_build is None:
        return
    first = lambda v: None if v is None else np.asarray(v)[:1]           # noqa: E731 - one example's shapes
    symbolic_build(data_batch=(keras.tree.map_structure(first, x), keras.tree.map_structure(first, y),
                               None if sample_weight is None else keras.tree.map_structure(first, sample_weight)))


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
        model.compile(optimizer=optimizer, loss=loss, metrics=metrics, steps_per_execution=steps_per_execution())
    else:
        model.compile(optimizer=optimizer, loss=loss, weighted_metrics=metrics, steps_per_execution=steps_per_execution())
    build_for_fit(model, x, y, sample_weight)
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


def _input_like(model):
    """A fresh ``keras.Input`` shaped and typed like the single input of ``model``: the root of a joint model."""
    first = model.inputs[0]
    return keras.Input(shape=tuple(first.shape[1:]), dtype=first.dtype)


class SeedRuns:
    """The result of :func:`fit_seeds`: one trained model and one history per seed.

    ``models[seed]`` is that seed's trained Keras model; ``history[seed]`` maps each
    logged name (``loss``, ``val_loss``, ``accuracy``, ...) to its per-epoch values.
    """

    def __init__(self, name: str, models: dict, history: dict, seconds: float):
        self.name, self.models, self.history, self.seconds = name, models, history, seconds
        self.seeds = tuple(models)

    def curve(self, key: str) -> np.ndarray:
        """Per-epoch values of ``key`` as an array of shape (seeds, epochs)."""
        missing = [s for s in self.seeds if key not in self.history[s]]
        if missing:
            logged = sorted(self.history[self.seeds[0]])
            raise ValueError(f"{key!r} was not logged for seeds {missing}; logged: {', '.join(logged)}")
        return np.array([self.history[s][key] for s in self.seeds], dtype=float)

    def final(self, key: str = "val_loss") -> np.ndarray:
        """The last epoch's ``key``, one value per seed (in the order of ``seeds``)."""
        return self.curve(key)[:, -1]

    def accuracy(self, x, y) -> np.ndarray:
        """Each seed's accuracy on ``(x, y)`` (integer labels), e.g. on a test split never used in training."""
        y = validate.array("y", y, ndim=1, dtype=np.int64)
        validate.same_length("x", x, "y", y)
        return seed_accuracies(self.predict(x), y)

    def predict(self, x) -> list:
        """Every seed's predictions on ``x`` (in the order of ``seeds``), from one joint ``predict`` call.

        One call compiles one prediction function for all seeds instead of one per seed.
        """
        return joint_predictor({self.name: self})(x)[self.name]

    def mean_sd(self, key: str = "val_loss", digits: int = 3) -> str:
        """``"mean ± sd"`` of the last epoch's ``key`` over the seeds."""
        return mean_sd(self.final(key), digits)

    def count(self, key: str, below: float | None = None, above: float | None = None) -> int:
        """How many seeds end with ``key`` below (or above) a threshold: "k of n seeds solved"."""
        if (below is None) == (above is None):
            raise ValueError("pass exactly one of below= or above=")
        values = self.final(key)
        return int(np.sum(values < below) if below is not None else np.sum(values > above))


def seed_correct(predictions, y) -> np.ndarray:
    """Whether each seed's model got each example right: ``(seeds, n)`` booleans from class probabilities.

    ``predictions`` is one ``(n, classes)`` array per seed, as :meth:`SeedRuns.predict` and a
    :func:`joint_predictor` give for one model; ``y`` the ``n`` integer labels. What
    :func:`paired_verdict` compares, example by example.
    """
    y = validate.array("y", y, ndim=1, dtype=np.int64)
    rows = []
    for p in predictions:
        validate.same_length("each seed's predictions", p, "y", y)
        rows.append(np.argmax(p, axis=-1) == y)
    if not rows:
        raise ValueError("predictions is empty: pass one (n, classes) array per seed")
    return np.stack(rows)


def seed_accuracies(predictions, y) -> np.ndarray:
    """Each seed's accuracy from its class probabilities: ``predictions`` is one ``(n, classes)`` array per seed,
    as :meth:`SeedRuns.predict` and a :func:`joint_predictor` give for one model; ``y`` the ``n`` integer labels."""
    return seed_correct(predictions, y).mean(axis=1)


def joint_predictor(runs, select=None, batch_size: int | None = None):
    """One compiled prediction function for every model of several :class:`SeedRuns`.

    ``runs`` maps names to ``SeedRuns`` (as ``fit_seeds`` returns for a dict of builds). The
    returned function takes ``x`` and gives ``{name: [one array per seed]}`` from a single
    ``predict`` call; calling it again with the same shapes reuses the compiled function, where
    each ``SeedRuns.predict`` call builds and traces a new joint model. ``select`` (a function of a
    model's output tensor, e.g. ``lambda y: y[:, -1]``) keeps only part of each output. Models
    whose names clash (two rates' runs of one build) get a suffix, as a joint model needs unique names.
    ``batch_size`` is ``predict``'s (Keras' default 32 when None); on a CPU, a few hundred images per
    batch halve the time of a convolutional model's predictions.
    """
    if not isinstance(runs, dict) or not runs or not all(isinstance(r, SeedRuns) for r in runs.values()):
        raise ValueError("runs must be a non-empty {name: SeedRuns} dict, as fit_seeds returns for a dict of builds")
    if select is not None:
        validate.callable_("select", select)
    if batch_size is not None:
        batch_size = validate.integer("batch_size", batch_size, minimum=1)
    keys = [(name, seed) for name, run in runs.items() for seed in run.seeds]
    branches = [runs[name].models[seed] for name, seed in keys]
    if len({id(m) for m in branches}) != len(branches):
        raise ValueError("runs share a model: each SeedRuns must hold its own models")
    names = [m.name for m in branches]
    for i, model in enumerate(branches):                 # a joint model needs unique names (e.g. two rates' runs)
        if names.count(model.name) > 1:
            model.name = f"{model.name}_{i}"
    inputs = _input_like(branches[0])
    outputs = [model(inputs) for model in branches]
    joint = keras.Model(inputs, [select(o) if select else o for o in outputs])

    def predict(x):
        predictions = joint.predict(x, batch_size=batch_size, verbose=0)
        by_name = {name: [] for name in runs}
        for (name, _), p in zip(keys, predictions if len(keys) > 1 else [predictions]):
            by_name[name].append(np.asarray(p))
        return by_name
    return predict


def mean_sd(values, digits: int = 3) -> str:
    """``"0.912 ± 0.013"``: mean and sample standard deviation (ddof=1) of several seeds' results."""
    values = validate.array("values", values, ndim=1)
    if values.size < 2:
        raise ValueError(f"mean_sd needs results from at least 2 seeds, got {values.size}")
    return f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}"


class _StopWhenAllMastered(keras.callbacks.Callback):
    """Stop a joint run once every seed's branch has reached ``threshold`` on ``keys``."""

    def __init__(self, keys: list[str], threshold: float):
        super().__init__()
        self.keys, self.threshold = keys, threshold

    def on_epoch_end(self, epoch, logs=None):
        if all((logs or {}).get(k, -np.inf) >= self.threshold for k in self.keys):
            self.model.stop_training = True


def fit_seeds(build, seeds, x, y, *, name: str = "model", epochs: int = 10, learning_rate: float = 1e-3,
              batch_size: int = 32, loss: str = "sparse_categorical_crossentropy", metrics=(),
              validation_data=None, clipnorm: float | None = None, stop_at: float | None = None,
              progress_every: int | None = None, base_rate: float = 1e-3, sample_weight=None,
              steps_per_epoch: int | None = None, validation_freq: int = 1, optimizer: str = "adam",
              data_order: str = "shared"):
    """Train one model per seed as independent branches of one Keras model, in one ``fit`` call.

    ``build()`` returns a fresh single-input Keras model; it is called once per seed right
    after :func:`utils.runtime.seed_everything` with that seed, so each branch starts from
    the weights a separate run with that seed would get. The joint loss is the sum of the
    branches' losses; no weight is shared and Adam's clipping (``clipnorm``) acts per
    variable, so each branch receives exactly the updates it would alone. The branches see
    the batches in the same order, unless ``data_order="per seed"`` (below). This pays Keras'
    per-model overhead once instead of once per seed. ``stop_at`` ends training once every
    branch's first metric has reached it.

    ``build`` may also be a dict ``{model name: build function}``: every model and seed then
    trains in the same ``fit`` call (same data, same updates) and a dict of
    :class:`SeedRuns` by model name is returned; otherwise one :class:`SeedRuns`.

    ``learning_rate="cosine"`` starts at ``base_rate`` and decays to 0 along a cosine over
    the run, so the final weights do not depend on where a noisy last epoch happened to land.

    ``sample_weight`` (shaped like ``y``, e.g. delayed recall's 0/1 weights) weights the loss and
    the metrics; ``validation_data`` may then be ``(x, y, weights)``.

    A learning-rate grid: a tuple of rates as ``learning_rate`` (or as ``base_rate`` with
    ``"cosine"``) trains the same models from the same initial weights at each rate in turn and
    returns ``{rate: result}``, each result what a call with that one rate returns (the progress
    lines name the rate). On TensorFlow the rates share one compiled training step: the rate is read
    from a variable, and before each rate the weights and the optimizer's state are set back to
    their initial values, so each rate's runs are the same, bit for bit, as a call of their own
    (``tests/test_seeds.py``), without tracing the step again. Other backends make one call per rate.

    ``steps_per_epoch`` makes an "epoch" that many batches of a longer stream: each epoch takes
    the next batches of ``x`` (Keras continues where the last epoch stopped), so the validation
    curve is logged every ``steps_per_epoch`` updates while no example is repeated until ``x`` runs
    out. It must be a multiple of :func:`steps_per_execution`.

    ``validation_freq`` evaluates ``validation_data`` every that many epochs only (``epochs`` must be a
    multiple of it, so the last epoch is always validated): the training loss is still logged every
    epoch, while scoring a large validation set for many branches is paid fewer times.

    ``optimizer`` is ``"adam"`` (the default) or ``"sgd"``: SGD with momentum 0.9, the optimizer the
    large-batch rules of Goyal et al. 2017 were stated for. Both act per variable, so each branch is
    still trained as it would be alone.

    ``data_order="per seed"`` gives every seed its own order of the examples, so that seeds vary the
    data order as well as the initial weights, and a spread over seeds includes both: each seed reads
    ``x`` permuted by ``numpy.random.default_rng(seed)``, and row i of every batch holds a different
    example for each seed (the joint model's input stacks one permuted copy of ``x`` per seed, so it
    takes that many times the memory). Models of one seed still read the same batches, so two models
    compared seed by seed differ only in themselves. With ``steps_per_epoch`` the permutation is of
    the whole stream ``x``. The default ``"shared"`` gives every seed the same batches.
    """
    arguments = dict(locals())                  # every argument, for the one-call-per-rate grid below
    from utils import runtime

    builders = build if isinstance(build, dict) else {name: build}
    for model_name, builder in builders.items():
        if not callable(builder):
            raise ValueError(f"build for {model_name!r} must be a function that returns a Keras model, got {builder!r}")
    seeds = validate.integers("seeds", seeds, minimum=0)
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be at least 2 distinct seeds, got {seeds}")
    epochs = validate.integer("epochs", epochs, minimum=1)
    batch_size = validate.integer("batch_size", batch_size, minimum=1)
    if steps_per_epoch is not None:
        steps_per_epoch = validate.integer("steps_per_epoch", steps_per_epoch, minimum=1)
        if steps_per_epoch % steps_per_execution():
            raise ValueError(f"steps_per_epoch must be a multiple of steps_per_execution() = {steps_per_execution()}, "
                             f"got {steps_per_epoch}")
        if epochs * steps_per_epoch * batch_size > len(x):
            raise ValueError(f"{epochs} epochs of {steps_per_epoch} batches of {batch_size} need "
                             f"{epochs * steps_per_epoch * batch_size} examples, x has {len(x)}")
    validation_freq = validate.integer("validation_freq", validation_freq, minimum=1)
    optimizer = validate.one_of("optimizer", optimizer, ("adam", "sgd"))
    data_order = validate.one_of("data_order", data_order, ("shared", "per seed"))
    if epochs % validation_freq:
        raise ValueError(f"epochs ({epochs}) must be a multiple of validation_freq ({validation_freq}), "
                         "so that the last epoch is validated")
    cosine = isinstance(learning_rate, str) and learning_rate == "cosine"
    rates = None                             # a grid: one run per rate, {rate: result}
    if isinstance(base_rate if cosine else learning_rate, (tuple, list)):
        grid_name = "base_rate" if cosine else "learning_rate"
        rates = tuple(validate.number(grid_name, r, minimum=0, strict=True) for r in arguments[grid_name])
        if not rates or len(set(rates)) != len(rates):
            raise ValueError(f"a grid of rates ({grid_name}) must hold distinct rates, got {arguments[grid_name]}")
        if keras.backend.backend() != "tensorflow":          # one call per rate (the compiled step is not shared)
            return {rate: fit_seeds(**{**arguments, "name": f"{name}, rate {rate:g}", grid_name: rate}) for rate in rates}
    rate_variable = None
    if cosine:                               # decay to 0 over the whole run: the last epoch is not a lottery
        steps = epochs * (steps_per_epoch or -(-len(x) // batch_size))
        if rates:                            # Keras' own schedule, reading its starting rate from a variable
            rate_variable = keras.Variable(rates[0], dtype="float32", trainable=False, name="base_rate")
        learning_rate = keras.optimizers.schedules.CosineDecay(
            rate_variable if rates else validate.number("base_rate", base_rate, minimum=0, strict=True), steps)
    else:
        learning_rate = rates[0] if rates else validate.number("learning_rate", learning_rate, minimum=0, strict=True)
    if clipnorm is not None:
        clipnorm = validate.number("clipnorm", clipnorm, minimum=0, strict=True)
    if progress_every is not None:
        progress_every = validate.integer("progress_every", progress_every, minimum=0)
    validate.same_length("x", x, "y", y)
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype="float32")
        if sample_weight.shape != np.shape(y):
            raise ValueError(f"sample_weight must be shaped like y {np.shape(y)}, got {sample_weight.shape}")
    metrics = list(metrics)
    if stop_at is not None and not metrics:
        raise ValueError("stop_at watches the first of metrics, but metrics is empty")

    models, branch = {}, {}
    for model_name, builder in builders.items():
        for seed in seeds:
            runtime.seed_everything(seed)
            model = builder()
            if not isinstance(model, keras.Model) or len(model.inputs) != 1:
                raise ValueError(f"build for {model_name!r} must return a Keras model with one input, got {model!r}")
            model.name = re.sub(r"\W+", "_", f"{model_name}_seed_{seed}")    # unique inside the joint model
            models[model_name, seed] = model
            branch[model_name, seed] = f"b{len(branch)}"
    inputs = _input_like(models[next(iter(models))])
    orders = None
    if data_order == "per seed":          # one permuted copy of x per seed, side by side: (n, seeds, ...)
        orders = {seed: np.random.default_rng(seed).permutation(len(x)) for seed in seeds}
        x = np.stack([np.asarray(x)[orders[seed]] for seed in seeds], axis=1)
        inputs = keras.Input(shape=(len(seeds), *inputs.shape[1:]), dtype=inputs.dtype)
    # each output is named after its branch, so dict losses and metrics match it on every Keras 3 version
    joint = keras.Model(inputs, {branch[k]: keras.layers.Identity(name=branch[k])(
                                     m(inputs if orders is None else inputs[:, seeds.index(k[1])]))
                                 for k, m in models.items()}, name=re.sub(r"\W+", "_", name))
    joint.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=clipnorm) if optimizer == "adam"
                  else keras.optimizers.SGD(learning_rate, momentum=0.9, clipnorm=clipnorm),
                  loss={b: loss for b in branch.values()},
                  **{"weighted_metrics" if sample_weight is not None else "metrics":
                     {b: list(metrics) for b in branch.values()} if metrics else None},
                  steps_per_execution=steps_per_execution())
    # a grid: every rate but the last keeps its trained weights in models of its own, built here (the
    # random state is seeded again before training); the joint model's weights start each rate afresh
    kept = {rate: {k: builders[k[0]]() for k in models} for rate in (rates or ())[:-1]}
    initial = [(v, np.array(v.numpy())) for v in joint.variables] if rates else []
    every = max(1, epochs // 5) if progress_every is None else progress_every
    if stop_at is not None:
        watched = metrics[0] if isinstance(metrics[0], str) else metrics[0].name
        watched = [f"{b}_{watched}" for b in branch.values()]
    validation = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError("validation_data must be (x, y) or (x, y, sample weights)")
        x_val, y_val, *w_val = validation_data
        validate.same_length("validation x", x_val, "validation y", y_val)
        if orders is not None:           # every seed scores the same validation examples
            x_val = np.repeat(np.asarray(x_val)[:, None], len(seeds), axis=1)
        validation = (x_val, {b: y_val for b in branch.values()}, *({b: w_val[0] for b in branch.values()} for _ in w_val))

    def seed_view(values, seed):        # y or the weights, in the order seed's branches read x
        return values if orders is None else np.asarray(values)[orders[seed]]
    weights = None if sample_weight is None else {b: seed_view(sample_weight, k[1]) for k, b in branch.items()}
    targets = {b: seed_view(y, k[1]) for k, b in branch.items()}
    results = {}
    for index, rate in enumerate(rates or (None,)):
        if index > 0:                                    # back to the initial state, at the next rate
            for variable, value in initial:
                variable.assign(value)
            for variable in joint.optimizer.variables:   # Adam's moments, SGD's momentum and the step count
                variable.assign(np.zeros(variable.shape, variable.dtype))
        if rate is not None:
            if rate_variable is None:
                joint.optimizer.learning_rate = rate
            else:
                rate_variable.assign(rate)
        run_name = name if rate is None else f"{name}, rate {rate:g}"
        runtime.seed_everything(seeds[0])
        callbacks = [_SeedProgress(run_name, branch, epochs, every)] if every else []
        if stop_at is not None:
            callbacks.append(_StopWhenAllMastered(watched, stop_at))
        start = time.perf_counter()
        if index == 0:
            build_for_fit(joint, x, targets, weights)
        fitted = joint.fit(x, targets, sample_weight=weights, epochs=epochs, batch_size=batch_size,
                           steps_per_epoch=steps_per_epoch, validation_data=validation, validation_freq=validation_freq,
                           callbacks=callbacks, verbose=0)
        seconds = time.perf_counter() - start
        trained = models
        if rate in kept:                                 # this rate's weights, kept before the next rate trains
            trained = kept[rate]
            for k, model in trained.items():
                model.name = models[k].name
                model.set_weights(models[k].get_weights())
        runs = {}
        for model_name in builders:
            history = {}
            for seed in seeds:
                prefix = branch[model_name, seed] + "_"
                history[seed] = {key.replace(prefix, ""): values for key, values in fitted.history.items()
                                 if key.startswith(prefix) or key.startswith("val_" + prefix)}
            runs[model_name] = SeedRuns(model_name, {s: trained[model_name, s] for s in seeds}, history, seconds)
        results[rate] = runs if isinstance(build, dict) else runs[name]
    return results if rates else results[None]


class _SeedProgress(keras.callbacks.Callback):
    """One line every ``every`` epochs: each model's (validation) loss per seed."""

    def __init__(self, name: str, branch: dict, epochs: int, every: int):
        super().__init__()
        self.name, self.branch, self.epochs, self.every = name, branch, epochs, every

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        done, logs = epoch + 1, logs or {}
        if done % self.every and done != self.epochs:
            return
        validated = "val_loss" in logs
        parts = {}
        for (model_name, _), b in self.branch.items():
            value = logs.get(f"val_{b}_loss" if validated else f"{b}_loss", np.nan)
            parts.setdefault(model_name, []).append(f"{value:.3g}")
        losses = "; ".join(f"{m} {', '.join(v)}" for m, v in parts.items())
        print(f"  {self.name} epoch {done}/{self.epochs}, {'validation ' if validated else ''}loss per seed: "
              f"{losses} ({time.perf_counter() - self.start:.0f} s)", flush=True)


class Verdict(NamedTuple):
    """What :func:`paired_verdict` decided: ``winner`` (a name, ``"tie"`` or ``"undecided"``), the gap in
    mean accuracy (first minus second), its interval ``low``..``high`` and the equivalence ``margin``."""

    winner: str
    gap: float
    low: float
    high: float
    margin: float
    confidence: float = 0.95

    def __str__(self) -> str:
        return (f"{self.winner} (gap {self.gap:+.3f}, {self.confidence:.0%} interval {self.low:+.3f} to {self.high:+.3f}; "
                f"a tie needs it inside ±{self.margin:g})")


def paired_verdict(correct_a, correct_b, names=("A", "B"), margin: float = 0.01, confidence: float = 0.95,
                   resamples: int = 2000, seed: int = 0) -> Verdict:
    """Which of two models is more accurate on the same test examples: a paired bootstrap with an equivalence margin.

    ``correct_a`` and ``correct_b`` are ``(seeds, examples)``: whether each seed's model got each
    test example right (:func:`seed_correct`), the same examples in the same order for both; row i
    of both should be the same seed. Each resample draws seeds and test examples with replacement,
    the same draw for both models, so what both find easy or hard cancels and the spread over
    seeds counts. ``"tie"`` when the ``confidence`` interval of the gap lies inside
    ``(-margin, +margin)``: the equivalence the margin, chosen before the run, defines (checked
    first, so a gap smaller than the margin is a tie even when the interval excludes 0); else the
    model the whole interval favours; else ``"undecided"`` (too few examples or seeds to tell).

    Caveats: with three seeds the seed draw takes few distinct values and shrinks the spread over
    seeds by about (seeds - 1) / seeds; and seeds trained by ``fit_seeds`` with its default
    ``data_order="shared"`` share the batch order, so their spread is that of the initial weights only
    (``data_order="per seed"``, which the verdicts of lessons 01, 06, 07 and 09 use, varies both).
    """
    a = validate.array("correct_a", correct_a, ndim=2)
    b = validate.array("correct_b", correct_b, ndim=2)
    if a.shape != b.shape:
        raise ValueError(f"correct_a and correct_b must have the same (seeds, examples) shape, got {a.shape} and {b.shape}")
    if a.shape[0] < 2 or a.shape[1] < 2:
        raise ValueError(f"paired_verdict needs at least 2 seeds and 2 test examples, got {a.shape[0]} and {a.shape[1]}")
    if not (np.isin(a, (0, 1)).all() and np.isin(b, (0, 1)).all()):
        raise ValueError("correct_a and correct_b must hold 0/1 or booleans: whether each example was right")
    if len(names) != 2 or not all(isinstance(n, str) and n for n in names):
        raise ValueError(f"names must be two non-empty strings, got {names!r}")
    if not 0 < float(margin) < 1:
        raise ValueError(f"margin must lie strictly between 0 and 1 (an accuracy gap), got {margin!r}")
    if not 0 < float(confidence) < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    resamples = validate.integer("resamples", resamples, minimum=100)
    difference = a.astype(float) - b.astype(float)                        # +1 only a right, -1 only b right
    low, high = _paired_interval(difference, confidence, resamples, seed)
    return _decide(names[0], names[1], float(difference.mean()), low, high, float(margin), float(confidence))


def _paired_interval(difference, confidence: float, resamples: int, seed: int, block: int = 1) -> tuple[float, float]:
    """The bootstrap interval of the mean of ``difference`` (seeds, examples): seeds and examples are drawn with
    replacement, the examples in runs of ``block`` consecutive ones (for overlapping forecast windows)."""
    seeds, examples = difference.shape
    rng = np.random.default_rng(seed)
    starts = np.arange(0, examples, block)
    gaps = np.empty(resamples)
    for r in range(resamples):
        by_example = difference[rng.integers(0, seeds, seeds)].mean(axis=0)
        if block == 1:
            gaps[r] = by_example[rng.integers(0, examples, examples)].mean()
        else:
            sums = np.add.reduceat(by_example, starts)
            sizes = np.diff(np.append(starts, examples))
            picked = rng.integers(0, len(starts), len(starts))
            gaps[r] = sums[picked].sum() / sizes[picked].sum()
    low, high = np.quantile(gaps, [(1 - confidence) / 2, (1 + confidence) / 2])
    return float(low), float(high)


def _decide(first: str, second: str, gap: float, low: float, high: float, margin: float, confidence: float) -> Verdict:
    """The verdict rule: a tie when the interval lies inside ±margin (checked first), else the side the whole
    interval favours (a positive gap favours ``first``), else undecided."""
    if -margin < low and high < margin:          # equivalence first: a gap inside the margin is a tie
        winner = "tie"
    elif low > 0 or high < 0:
        winner = first if low > 0 else second
    else:
        winner = "undecided"
    return Verdict(winner, gap, low, high, margin, confidence)


def paired_error_verdict(errors_a, errors_b, names=("A", "B"), margin: float = 0.05, block: int = 1,
                         confidence: float = 0.95, resamples: int = 2000, seed: int = 0) -> Verdict:
    """Which of two forecasters errs less on the same test windows: :func:`paired_verdict`'s rule for errors.

    ``errors_a`` and ``errors_b`` are ``(seeds, windows)`` non-negative errors (e.g. each seed's mean
    absolute error on each test window), the same windows in the same order, row i of both the same
    seed. The gap is B's mean error minus A's, as a fraction of B's mean error (+0.10: A errs 10% less),
    with a paired bootstrap interval that draws seeds and windows alike for both; windows are drawn in
    runs of ``block`` consecutive ones, because overlapping windows share most of their values and are
    not independent examples (a day of half-hourly windows: ``block=48``). ``"tie"`` when the interval
    lies inside ``±margin``, else the model the whole interval favours, else ``"undecided"``.
    """
    a = validate.array("errors_a", errors_a, ndim=2)
    b = validate.array("errors_b", errors_b, ndim=2)
    if a.shape != b.shape:
        raise ValueError(f"errors_a and errors_b must have the same (seeds, windows) shape, got {a.shape} and {b.shape}")
    if a.shape[0] < 2 or a.shape[1] < 2:
        raise ValueError(f"paired_error_verdict needs at least 2 seeds and 2 test windows, got {a.shape[0]} and {a.shape[1]}")
    if not (np.isfinite(a).all() and np.isfinite(b).all() and (a >= 0).all() and (b >= 0).all()):
        raise ValueError("errors_a and errors_b must be finite and non-negative (absolute or squared errors)")
    if len(names) != 2 or not all(isinstance(n, str) and n for n in names):
        raise ValueError(f"names must be two non-empty strings, got {names!r}")
    if not 0 < float(margin) < 1:
        raise ValueError(f"margin must lie strictly between 0 and 1 (a fraction of B's error), got {margin!r}")
    if not 0 < float(confidence) < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    block = validate.integer("block", block, minimum=1, maximum=a.shape[1] // 2)
    resamples = validate.integer("resamples", resamples, minimum=100)
    scale = float(b.mean())
    if scale == 0:
        raise ValueError("errors_b are all 0: a gap relative to B's error is undefined")
    difference = (b.astype(float) - a.astype(float)) / scale               # > 0 where A errs less
    low, high = _paired_interval(difference, confidence, resamples, seed, block)
    return _decide(names[0], names[1], float(difference.mean()), low, high, float(margin), float(confidence))


def fit_logging_gradients(model, x, y, *, batch_size: int = 32, epochs: int = 1, loss: str = "mse") -> dict:
    """Train a compiled ``model`` batch by batch and record each batch's true loss and gradient norm.

    Keras' own logs hold a running mean of the loss over the epoch and no gradient at all;
    here every batch's loss (before its update) and the global norm of its gradient
    (before any clipping) are kept, as arrays under ``"loss"`` and ``"gradient_norm"``.
    """
    from utils.gradients import weight_gradient_function

    batch_size = validate.integer("batch_size", batch_size, minimum=1)
    epochs = validate.integer("epochs", epochs, minimum=1)
    validate.same_length("x", x, "y", y)
    if getattr(model, "optimizer", None) is None:
        raise ValueError("compile the model first: fit_logging_gradients trains it with its own optimizer")
    build_for_fit(model, x, y)
    gradient_norm = weight_gradient_function(model, loss)
    losses, norms = [], []
    for _ in range(epochs):
        for start in range(0, len(x), batch_size):
            x_batch, y_batch = x[start:start + batch_size], y[start:start + batch_size]
            norms.append(gradient_norm(x_batch, y_batch))
            model.reset_metrics()  # else Colab's Keras 3.10 returns the mean of every call so far
            result = model.train_on_batch(x_batch, y_batch)
            losses.append(float(result[0] if isinstance(result, (list, tuple)) else result))
    return {"loss": np.array(losses), "gradient_norm": np.array(norms)}
