"""Data for the course: loaders for the shipped real data sets and synthetic sequence tasks.

Introduced in lesson 00. Real data lives in ``data/`` (see ``data/README.md`` for
provenance and licences); synthetic tasks are generated here, deterministically for a
given seed. Conventions:

- sequences are ``(batch, time, features)`` float32 arrays;
- token sequences (for ``keras.layers.Embedding``) are ``(batch, time)`` float32 arrays of
  whole numbers — Keras' Embedding and sparse cross-entropy accept them as they are;
- every generator takes ``n`` (number of sequences), the sequence length and ``seed``
  (an ``int``, a ``numpy.random.Generator`` or ``None`` for fresh randomness).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from utils import validate

DATA_DIR = Path(__file__).resolve().parents[1] / "data"

UCR_DATASETS = ("GunPoint", "ItalyPowerDemand", "JapaneseVowels")

ADDING_BASELINE_MSE = 1 / 6
"""MSE of always predicting 1 on the adding problem: Var(U1 + U2) for U ~ Uniform(0, 1)."""

COPY_MEMORY_DIGITS = 10
"""How many digits the copy-memory task asks the model to remember (Bai et al. 2018)."""


def as_generator(seed) -> np.random.Generator:
    """Turn ``seed`` (int, Generator or None) into a ``numpy.random.Generator``."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng(validate.integer("seed", seed, minimum=0))


# --------------------------------------------------------------------------- synthetic tasks


def adding_problem(n: int, length: int, seed=None) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem (Hochreiter & Schmidhuber 1997), as used by Le et al. 2015.

    Each sequence has two channels: channel 0 holds values drawn from Uniform[0, 1),
    channel 1 is a 0/1 marker that is 1 on exactly two steps, one in each half of the
    sequence. The target is the sum of the two marked values.

    Returns ``x`` of shape ``(n, length, 2)`` and ``y`` of shape ``(n, 1)``, float32.
    Always predicting 1 scores ``ADDING_BASELINE_MSE`` (1/6) on average.
    """
    n = validate.integer("n", n, minimum=0)
    length = validate.integer("length", length, minimum=2)
    rng = as_generator(seed)
    values = rng.random((n, length), dtype=np.float32)
    half = length // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, length, size=n)
    markers = np.zeros((n, length), dtype=np.float32)
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1)
    y = (values[rows, first] + values[rows, second]).astype(np.float32)[:, None]
    return x, y


def copy_memory(n: int, delay: int, seed=None) -> tuple[np.ndarray, np.ndarray]:
    """The copy-memory task as defined by Bai, Kolter & Koltun 2018 (the TCN paper).

    Input: 10 digits drawn from 1..8, then ``delay - 1`` zeros, then eleven 9s (the
    delimiter); total length ``delay + 20``. Target: ``delay + 10`` zeros, then the 10
    digits, so the model must reproduce the digits once the delimiter has been seen.
    Trained with 10-class cross-entropy over every step.

    Returns token arrays ``x`` and ``y``, both ``(n, delay + 20)`` float32.
    See :func:`copy_memory_baseline` for the loss of a memoryless model.
    """
    n = validate.integer("n", n, minimum=0)
    delay = validate.integer("delay", delay, minimum=1)
    rng = as_generator(seed)
    digits = rng.integers(1, 9, size=(n, COPY_MEMORY_DIGITS)).astype(np.float32)
    x = np.concatenate(
        [digits, np.zeros((n, delay - 1), np.float32), np.full((n, COPY_MEMORY_DIGITS + 1), 9, np.float32)],
        axis=1,
    )
    y = np.concatenate([np.zeros((n, delay + COPY_MEMORY_DIGITS), np.float32), digits], axis=1)
    return x, y


def copy_memory_baseline(delay: int) -> float:
    """Cross-entropy of the best memoryless strategy on :func:`copy_memory`.

    Predict 0 with certainty everywhere except the last 10 steps, where it guesses
    uniformly among the 8 digits: ``10 * ln 8 / (delay + 20)``.
    """
    delay = validate.integer("delay", delay, minimum=1)
    return COPY_MEMORY_DIGITS * math.log(8) / (delay + 2 * COPY_MEMORY_DIGITS)


def delayed_recall(
    n: int, length: int, lag, vocab_size: int = 8, seed=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Delayed recall: at every step, output the token that was seen ``lag`` steps ago.

    Tokens are drawn uniformly from ``0 .. vocab_size - 1`` (chance accuracy is
    ``1 / vocab_size``). For the first ``lag`` steps there is nothing to recall: their
    target is 0 and their weight is 0, so pass the weights as ``sample_weight`` to
    ``fit``/``evaluate`` to score only the steps that have an answer.

    Returns ``x`` (n, length) tokens, ``y`` (n, length) tokens and ``weights``
    (n, length) of 0/1, all float32. With several lags, e.g. ``lag=(16, 32, 64)``, every
    step asks for all of them: ``y`` and ``weights`` get a last axis, one entry per lag.
    """
    n = validate.integer("n", n, minimum=0)
    length = validate.integer("length", length, minimum=2)
    several = isinstance(lag, (tuple, list))
    lags = validate.integers("lag", lag, minimum=0) if several else (validate.integer("lag", lag, minimum=0),)
    vocab_size = validate.integer("vocab_size", vocab_size, minimum=2)
    if not lags or max(lags) >= length:
        raise ValueError(f"every lag must be smaller than length ({length}), got {lag}")
    rng = as_generator(seed)
    x = rng.integers(0, vocab_size, size=(n, length)).astype(np.float32)
    y = np.zeros((n, length, len(lags)), np.float32)
    weights = np.zeros_like(y)
    for i, k in enumerate(lags):
        y[:, k:, i] = x[:, : length - k]
        weights[:, k:, i] = 1.0
    return (x, y, weights) if several else (x, y[..., 0], weights[..., 0])


def marker_seen(n: int, length: int, vocab_size: int = 8, seed=None) -> tuple[np.ndarray, np.ndarray]:
    """Per-step latch: has the marker token (0) appeared at this step or before?

    Each sequence holds distractor tokens drawn from ``1 .. vocab_size - 1`` and the
    marker 0 at exactly one position, uniform over the sequence; the target at step t is 1
    from the marker on. Answering needs memory reaching back to the start of the sequence,
    however long it is, so a causal CNN fails once the marker is older than its field.

    Returns ``x`` tokens and ``y`` 0/1 targets, both ``(n, length)`` float32.
    """
    n = validate.integer("n", n, minimum=0)
    length = validate.integer("length", length, minimum=2)
    vocab_size = validate.integer("vocab_size", vocab_size, minimum=2)
    rng = as_generator(seed)
    x = rng.integers(1, vocab_size, size=(n, length)).astype(np.float32)
    position = rng.integers(0, length, size=n)
    x[np.arange(n), position] = 0.0
    y = (np.arange(length)[None, :] >= position[:, None]).astype(np.float32)
    return x, y


def noisy_sine(
    n: int, length: int, horizon: int = 1, noise_std: float = 0.1, seed=None
) -> tuple[np.ndarray, np.ndarray]:
    """Sequence regression: forecast a sine wave from a noisy window of it.

    Each sequence is ``sin(2*pi*f*t + phase)`` with a random frequency ``f`` in
    [0.02, 0.1] cycles per step and a random phase, observed with Gaussian noise of
    standard deviation ``noise_std``. The target is the next ``horizon`` clean values.

    Returns ``x`` of shape ``(n, length, 1)`` and ``y`` of shape ``(n, horizon)``, float32.
    """
    n = validate.integer("n", n, minimum=0)
    length = validate.integer("length", length, minimum=2)
    horizon = validate.integer("horizon", horizon, minimum=1)
    noise_std = validate.number("noise_std", noise_std, minimum=0)
    rng = as_generator(seed)
    freq = rng.uniform(0.02, 0.1, size=(n, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    t = np.arange(length + horizon)[None, :]
    clean = np.sin(2 * np.pi * freq * t + phase)
    x = clean[:, :length] + rng.normal(0.0, noise_std, size=(n, length))
    return x[..., None].astype(np.float32), clean[:, length:].astype(np.float32)


# --------------------------------------------------------------------------- real data


@dataclass(frozen=True)
class Dataset:
    """A classification data set with its train/test split.

    ``x_*`` are float32 arrays (``(n, time, channels)`` for series, ``(n, 8, 8)`` for
    digits), ``y_*`` int64 class indices into ``class_names``. For unequal-length series
    ``lengths_*`` give each series' true length (the rest is zero padding).
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    lengths_train: np.ndarray | None = None
    lengths_test: np.ndarray | None = None

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def summary(self) -> str:
        """One line: name, split sizes, input shape and classes."""
        return (
            f"{self.name}: {len(self.x_train)} train / {len(self.x_test)} test, "
            f"input {self.x_train.shape[1:]}, {self.num_classes} classes"
        )


def _load_npz(name: str) -> dict[str, np.ndarray]:
    path = DATA_DIR / f"{name}.npz"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; it ships with the course (see data/README.md)")
    with np.load(path) as archive:
        return {key: archive[key] for key in archive.files}


def load_ucr(name: str) -> Dataset:
    """Load one shipped UCR/UEA data set with its published train/test split.

    ``name`` is one of ``UCR_DATASETS``. Series are ``(n, time, channels)`` float32;
    JapaneseVowels' series have unequal lengths and are zero-padded at the end (its
    ``lengths_train``/``lengths_test`` give the true lengths).
    """
    validate.one_of("name", name, UCR_DATASETS)
    arrays = _load_npz(name)
    return Dataset(
        name=name,
        x_train=arrays["x_train"].astype(np.float32),
        y_train=arrays["y_train"].astype(np.int64),
        x_test=arrays["x_test"].astype(np.float32),
        y_test=arrays["y_test"].astype(np.int64),
        class_names=tuple(str(c) for c in arrays["class_names"]),
        lengths_train=arrays.get("lengths_train"),
        lengths_test=arrays.get("lengths_test"),
    )


def _stratified_holdout(labels: np.ndarray, fraction: float, rng: np.random.Generator, empty_side) -> np.ndarray:
    """A boolean mask holding out ``round(count * fraction)`` random rows of every class.

    ``empty_side(count, members, label)`` gives the error message when a class would end up
    entirely on one side of the split.
    """
    held_out = []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        count = round(len(members) * fraction)
        if not 0 < count < len(members):
            raise ValueError(empty_side(count, len(members), label))
        held_out.extend(members[:count])
    mask = np.zeros(len(labels), bool)
    mask[held_out] = True
    return mask


def load_digits(test_fraction: float = 0.25, seed: int = 0) -> Dataset:
    """The 8x8 handwritten digits (scikit-learn's copy of the UCI set), split stratified.

    Pixels are scaled from 0..16 to [0, 1]. Images are ``(n, 8, 8)`` float32; add a
    channel axis for Conv2D, or read the 8 rows as a sequence of 8 steps for an RNN.
    The split is stratified by class and fixed by ``seed`` (an integer: the same seed
    always gives the same split). Each class puts ``round(count * test_fraction)`` of its
    images in the test set, so every class must land on both sides of the split.
    """
    test_fraction = validate.fraction("test_fraction", test_fraction)
    seed = validate.integer("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    arrays = _load_npz("digits")
    images = arrays["images"].astype(np.float32) / 16.0
    labels = arrays["labels"].astype(np.int64)
    is_test = _stratified_holdout(labels, test_fraction, rng, lambda count, total, label: (
        f"test_fraction={test_fraction} puts {count} of the {total} images of digit {label} in the test set; "
        f"choose a fraction that leaves every digit on both sides (between {0.5 / total:.3f} and "
        f"{1 - 0.5 / total:.3f} here)"))
    return Dataset(
        name="digits",
        x_train=images[~is_test],
        y_train=labels[~is_test],
        x_test=images[is_test],
        y_test=labels[is_test],
        class_names=tuple(str(d) for d in range(10)),
    )


def load_fashion_mnist(train_per_class: int | None = None, seed: int = 0) -> Dataset:
    """Fashion-MNIST (Xiao et al. 2017): 28x28 grey images of 10 kinds of clothing, the official test set.

    The course ships 1,200 training images per class (a stratified subset of the 60,000) and all
    10,000 test images (``data/README.md``). ``train_per_class`` keeps that many random training
    images of every class (fixed by ``seed``); by default all of them, in a random order fixed by
    ``seed``. Pixels are scaled from 0..255 to [0, 1]; images are ``(n, 28, 28)`` float32, so an RNN
    reads the 28 rows as 28 steps and a CNN adds a channel axis.
    """
    seed = validate.integer("seed", seed, minimum=0)
    arrays = _load_npz("fashion_mnist")
    labels = arrays["y_train"].astype(np.int64)
    available = int(np.bincount(labels).min())
    per_class = available if train_per_class is None else validate.integer("train_per_class", train_per_class, minimum=1)
    if per_class > available:
        raise ValueError(f"train_per_class={per_class} asks for more training images than the course ships "
                         f"({available} per class)")
    rng = np.random.default_rng(seed)
    keep = rng.permutation(np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:per_class]
                                           for c in range(labels.max() + 1)]))
    return Dataset(
        name="Fashion-MNIST",
        x_train=arrays["x_train"][keep].astype(np.float32) / 255.0,
        y_train=labels[keep],
        x_test=arrays["x_test"].astype(np.float32) / 255.0,
        y_test=arrays["y_test"].astype(np.int64),
        class_names=tuple(str(c) for c in arrays["class_names"]),
    )


def shift_images(images, pixels: int, seed: int = 0) -> np.ndarray:
    """Each image moved ``pixels`` down, up, right or left (one direction drawn per image, fixed by ``seed``).

    The background (0) moves in at the border and what leaves the frame is lost; the images keep
    their shape ``(n, height, width)``. Lesson 06 writes the same few lines to test how much of a
    model's accuracy survives a move; this is the tested copy its exercise uses.
    """
    images = validate.array("images", images, ndim=3)
    pixels = validate.integer("pixels", pixels, minimum=0)
    seed = validate.integer("seed", seed, minimum=0)
    height, width = images.shape[1:]
    if pixels >= min(height, width):
        raise ValueError(f"pixels must be smaller than the images ({height}x{width}), got {pixels}")
    padded = np.pad(images, ((0, 0), (pixels, pixels), (pixels, pixels)))
    crop_starts = np.array([(0, 1), (2, 1), (1, 0), (1, 2)]) * pixels      # down, up, right, left
    starts = crop_starts[np.random.default_rng(seed).integers(0, 4, len(images))]
    return np.stack([image[r:r + height, c:c + width] for image, (r, c) in zip(padded, starts)])


ELECTRICITY_STEPS_PER_DAY = 48
"""Half-hours per day in :func:`load_electricity`: the daily cycle of the demand series."""

ELECTRICITY_SPLITS = {"train": (0, 8), "validation": (8, 10), "test": (10, 12), "all": (0, 12)}
"""Which weeks (from, to) each split of :func:`load_electricity` holds: in time order, never shuffled."""


def load_electricity(split: str = "all") -> np.ndarray:
    """Half-hourly electricity demand in England and Wales, 5 June to 27 August 2000, in megawatts.

    Taylor (2003)'s twelve weeks (4,032 half hours, Monday 00:00 first), shipped from pmdarima's copy
    (``data/README.md``). ``split`` is ``"train"`` (weeks 1-8), ``"validation"`` (weeks 9-10),
    ``"test"`` (weeks 11-12) or ``"all"``: consecutive stretches in time order, so a model is scored
    on weeks it never saw, later than every week it trained on. Returns a float32 array.
    """
    split = validate.one_of("split", split, tuple(ELECTRICITY_SPLITS))
    first, last = ELECTRICITY_SPLITS[split]
    week = 7 * ELECTRICITY_STEPS_PER_DAY
    return _load_npz("electricity_demand")["demand"][first * week:last * week].astype(np.float32)


def forecast_windows(series, input_steps: int, horizon: int, stride: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Cut a series into (what the model reads, what it must forecast) pairs.

    Window i reads ``series[s:s + input_steps]`` and must forecast the next ``horizon`` values,
    ``series[s + input_steps:s + input_steps + horizon]``, for starts ``s = 0, stride, 2 * stride, ...``
    as long as the whole window fits. Returns ``x`` of shape ``(n, input_steps, 1)`` and ``y`` of
    shape ``(n, horizon)``, float32; consecutive windows overlap unless ``stride`` is at least
    ``input_steps + horizon``.
    """
    series = validate.array("series", series, ndim=1)
    if not np.isfinite(series).all():
        raise ValueError("series must hold finite numbers only (no NaN or inf)")
    input_steps = validate.integer("input_steps", input_steps, minimum=1)
    horizon = validate.integer("horizon", horizon, minimum=1)
    stride = validate.integer("stride", stride, minimum=1)
    span = input_steps + horizon
    if span > len(series):
        raise ValueError(f"a window of {input_steps} input steps + {horizon} forecast steps = {span} is longer "
                         f"than the series ({len(series)} values)")
    starts = np.arange(0, len(series) - span + 1, stride)
    windows = np.stack([series[s:s + span] for s in starts]).astype(np.float32)
    return windows[:, :input_steps, None], windows[:, input_steps:]


def validation_split(x, y, fraction: float = 0.15, seed: int = 0):
    """Hold out a shuffled, class-stratified validation set: ``(x_fit, y_fit, x_val, y_val)``.

    Keras' ``validation_split`` takes the *last* rows of the data as they come, which is neither
    shuffled nor balanced; this takes ``round(count * fraction)`` random rows of every class
    (fixed by ``seed``), so the validation curves estimate the test accuracy fairly.
    """
    fraction = validate.fraction("fraction", fraction)
    seed = validate.integer("seed", seed, minimum=0)
    x, y = np.asarray(x), np.asarray(y)
    validate.same_length("x", x, "y", y)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise ValueError(f"y must be a 1-D array of integer class labels, got shape {y.shape} and dtype {y.dtype}")
    rng = np.random.default_rng(seed)
    is_val = _stratified_holdout(y, fraction, rng, lambda count, total, label: (
        f"fraction={fraction} holds out {count} of the {total} examples of class {label}; "
        "every class needs examples on both sides"))
    fit_order, val_order = rng.permutation(np.flatnonzero(~is_val)), rng.permutation(np.flatnonzero(is_val))
    return x[fit_order], y[fit_order], x[val_order], y[val_order]


def published_results(name: str) -> list[dict]:
    """Published test accuracies (0..1) for a shipped UCR/UEA data set, each with its source.

    From ``data/published_fawaz2019.csv`` (MLP, FCN, ResNet: Ismail Fawaz et al. 2019) and
    ``data/published_accuracy.csv`` (InceptionTime and HC2, mean of 30 resamples, from the
    results shipped in the aeon wheel). See ``data/README.md``.
    """
    validate.one_of("name", name, UCR_DATASETS)
    results = []
    with open(DATA_DIR / "published_fawaz2019.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["dataset"] == name:
                results += [{"model": model, "accuracy": float(row[model]) / 100, "source": "Ismail Fawaz et al. 2019"}
                            for model in ("MLP", "FCN", "ResNet") if row[model]]
    with open(DATA_DIR / "published_accuracy.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["dataset"] == name:
                results.append({"model": row["estimator"], "accuracy": float(row["mean_accuracy"]),
                                "source": "Middlehurst et al. 2024 via aeon 1.6.0 (mean of 30 resamples)"})
    return results


def majority_accuracy(y_train, y_test) -> float:
    """Test accuracy of always predicting the most frequent training class: the bar every classifier must clear."""
    y_train = validate.array("y_train", y_train, ndim=1, dtype=np.int64)
    y_test = validate.array("y_test", y_test, ndim=1, dtype=np.int64)
    if y_train.size == 0 or y_test.size == 0 or y_train.min() < 0:
        raise ValueError("y_train and y_test must be non-empty arrays of class indices >= 0")
    return float((y_test == np.bincount(y_train).argmax()).mean())


# --------------------------------------------------------------------------- text (lesson 09)

TEXT_CORPORA = ("shakespeare_tragedies",)

PAD, UNKNOWN = "<pad>", "<unk>"
"""Token 0 pads a sequence to its length, token 1 stands for anything the vocabulary lacks."""


@dataclass(frozen=True)
class TextDataset:
    """Labelled texts with a train / validation / test split; ``y_*`` are int64 indices into ``class_names``."""

    name: str
    texts_train: tuple[str, ...]
    y_train: np.ndarray
    texts_val: tuple[str, ...]
    y_val: np.ndarray
    texts_test: tuple[str, ...]
    y_test: np.ndarray
    class_names: tuple[str, ...]

    def summary(self) -> str:
        """One line: name, split sizes, classes."""
        return (f"{self.name}: {len(self.texts_train)} train / {len(self.texts_val)} validation / "
                f"{len(self.texts_test)} test texts, classes {', '.join(self.class_names)}")


def load_movie_snippets(validation_fraction: float = 0.1, test_fraction: float = 0.1, seed: int = 0) -> TextDataset:
    """Pang & Lee's Rotten Tomatoes snippets, labelled by the sign of their mean human rating (Hutto & Gilbert 2014).

    10,605 one-sentence review snippets rated from -4 to +4 by about 20 people each; the 37 rated
    exactly 0 are dropped, the rest are negative (0) or positive (1). The split is stratified and
    fixed by ``seed``. See ``data/README.md`` for how this differs from the "MR" benchmark.
    """
    validation_fraction = validate.fraction("validation_fraction", validation_fraction)
    test_fraction = validate.fraction("test_fraction", test_fraction)
    if validation_fraction + test_fraction >= 1:
        raise ValueError(f"validation_fraction + test_fraction must be below 1, got {validation_fraction + test_fraction}")
    seed = validate.integer("seed", seed, minimum=0)
    arrays = _load_npz("movie_snippets")
    keep = arrays["ratings"] != 0
    texts = np.array([t.decode("utf-8") for t in arrays["texts"][keep]], dtype=object)
    labels = (arrays["ratings"][keep] > 0).astype(np.int64)
    rng = np.random.default_rng(seed)

    def empty(count, total, label):
        return f"the fractions leave class {label} ({total} texts) without texts on one side of the split"

    is_test = _stratified_holdout(labels, test_fraction, rng, empty)
    rest = np.flatnonzero(~is_test)
    is_val = np.zeros(len(labels), bool)
    is_val[rest[_stratified_holdout(labels[rest], validation_fraction / (1 - test_fraction), rng, empty)]] = True
    parts = {}
    for split, mask in (("train", ~is_test & ~is_val), ("val", is_val), ("test", is_test)):
        order = rng.permutation(np.flatnonzero(mask))
        parts[f"texts_{split}"], parts[f"y_{split}"] = tuple(texts[order]), labels[order]
    return TextDataset(name="movie snippets", class_names=("negative", "positive"), **parts)


@dataclass(frozen=True)
class Corpus:
    """A plain-text corpus split by work: ``train_text`` joins every work but ``heldout_work``."""

    name: str
    works: tuple[str, ...]
    heldout_work: str
    train_text: str
    heldout_text: str

    def summary(self) -> str:
        return (f"{self.name}: {len(self.train_text):,} training characters from {len(self.works) - 1} works, "
                f"{len(self.heldout_text):,} held out ({self.heldout_work})")


def load_corpus(name: str = "shakespeare_tragedies", heldout: str = "macbeth") -> Corpus:
    """A shipped corpus (``TEXT_CORPORA``) with one whole work held out: text the models never trained on."""
    validate.one_of("name", name, TEXT_CORPORA)
    arrays = _load_npz(name)
    works = tuple(str(w) for w in arrays["works"])
    validate.one_of("heldout", heldout, works)
    texts = {w: t.decode("utf-8") for w, t in zip(works, arrays["texts"])}
    return Corpus(name=name, works=works, heldout_work=heldout,
                  train_text="\n\n".join(texts[w] for w in works if w != heldout), heldout_text=texts[heldout])


class Vocabulary:
    """Token <-> id: ``PAD`` is 0, ``UNKNOWN`` 1, then the most frequent tokens (ties in first-seen order).

    ``tokens`` is any iterable of tokens: words, or the characters of a string. ``max_size`` caps the
    vocabulary (the two reserved tokens included); ``min_count`` drops rarer tokens.
    """

    def __init__(self, tokens, max_size: int | None = None, min_count: int = 1):
        from collections import Counter

        if isinstance(tokens, str) and not tokens:
            raise ValueError("the text is empty: a vocabulary needs at least one token")
        counts = Counter(tokens)
        if not counts:
            raise ValueError("no tokens: a vocabulary needs at least one token")
        min_count = validate.integer("min_count", min_count, minimum=1)
        if max_size is not None:
            max_size = validate.integer("max_size", max_size, minimum=3)
        kept = [token for token, count in counts.most_common() if count >= min_count and token not in (PAD, UNKNOWN)]
        self.tokens = (PAD, UNKNOWN, *kept[: None if max_size is None else max_size - 2])
        if len(self.tokens) < 3:
            raise ValueError(f"only {len(self.tokens) - 2} token(s) occur at least min_count={min_count} times; "
                             "a vocabulary needs at least one besides the padding and unknown tokens")
        self.ids = {token: i for i, token in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, tokens) -> np.ndarray:
        """int32 ids of ``tokens`` (a string's characters, or a list of words); unknown tokens get 1."""
        return np.array([self.ids.get(t, 1) for t in tokens], dtype=np.int32)

    def decode(self, ids, separator: str = "") -> str:
        """The tokens of ``ids`` joined by ``separator`` (padding dropped)."""
        ids = np.asarray(ids)
        if ids.ndim != 1 or (ids.size and (ids.dtype.kind not in "iu" or ids.min() < 0 or ids.max() >= len(self))):
            raise ValueError(f"ids must be a 1-D array of integers in 0..{len(self) - 1}")
        return separator.join(self.tokens[i] for i in ids if i != 0)


def pad_sequences(sequences, length: int) -> np.ndarray:
    """Cut or right-pad (with 0) each id sequence to ``length``: an int32 array (n, length)."""
    length = validate.integer("length", length, minimum=1)
    out = np.zeros((len(sequences), length), dtype=np.int32)
    for i, ids in enumerate(sequences):
        ids = np.asarray(ids)[:length]
        out[i, : len(ids)] = ids
    return out


def text_windows(ids, length: int, n: int, seed=None) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random windows of ``length`` ids and, for each, the same window shifted by one: next-token targets.

    Returns ``(x, y)``, int32 arrays of shape ``(n, length)`` with ``y[:, t] == ids[start + t + 1]``.
    """
    ids = validate.array("ids", ids, ndim=1)
    length = validate.integer("length", length, minimum=1)
    n = validate.integer("n", n, minimum=0)
    if len(ids) < length + 1:
        raise ValueError(f"a text of {len(ids)} ids has no window of length {length} plus its next token")
    starts = as_generator(seed).integers(0, len(ids) - length, size=n)
    windows = ids[starts[:, None] + np.arange(length + 1)].astype(np.int32)
    return windows[:, :-1], windows[:, 1:]
