"""Extract the course's real data sets into compact files under ``data/``.

Run once by a maintainer (the results are committed; notebooks never download):

    python -m pip download --no-deps aeon==1.6.0 -d /tmp/aeon-wheel
    python scripts/extract_data.py --aeon-wheel /tmp/aeon-wheel/aeon-1.6.0-py3-none-any.whl

Sources
- GunPoint, ItalyPowerDemand, JapaneseVowels: the UCR/UEA archive files
  (``aeon/datasets/data/<Name>/<Name>_TRAIN.ts`` and ``_TEST.ts``) bundled in the
  ``aeon`` wheel on PyPI. The published train/test splits are kept as they are.
- Published accuracies (InceptionTime, HC2 resamples) from
  ``aeon/testing/example_results_files/classification/accuracy/`` in the same wheel.
- 8x8 digits: scikit-learn's bundled copy (``sklearn.datasets.load_digits``) of the
  UCI "Optical Recognition of Handwritten Digits" test set; needs scikit-learn.

Output: ``data/<name>.npz`` with ``x_train``/``y_train``/``x_test``/``y_test``
(``x`` as float32 of shape (n, time, channels)), ``class_names`` (the original labels
as strings, ``y`` indexes into them) and, for unequal-length sets, ``lengths_train``
and ``lengths_test`` (series are right-padded with zeros to the longest one).
"""

from __future__ import annotations

import argparse
import csv
import io
import zipfile
from pathlib import Path

import numpy as np

UCR_SETS = ("GunPoint", "ItalyPowerDemand", "JapaneseVowels")
RESULT_ESTIMATORS = ("InceptionTime", "HC2")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aeon-wheel", type=Path, required=True, help="path to aeon-1.6.0-py3-none-any.whl")
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
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
