"""Text helpers for lesson 09: a counting language model (the baseline), the tokenizer's tested copy, spelling.

The lesson's own code — the tokenizer, the models, the sampling loop — is in the notebook; these
are the measuring tools around it. Ids are the ones :class:`utils.data.Vocabulary` gives.
"""

from __future__ import annotations

import math
import re

import numpy as np

from utils import validate


def _context_keys(ids: np.ndarray, positions: np.ndarray, length: int, base: int) -> np.ndarray:
    """One int64 key per position: the ``length`` ids before it, read as digits in ``base``."""
    keys = np.zeros(len(positions), dtype=np.int64)
    for back in range(length, 0, -1):
        keys = keys * base + ids[positions - back]
    return keys


def _lookup(sorted_keys: np.ndarray, counts: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """``counts`` of each query key in ``sorted_keys`` (0 where absent)."""
    where = np.clip(np.searchsorted(sorted_keys, queries), 0, max(len(sorted_keys) - 1, 0))
    found = sorted_keys[where] == queries if len(sorted_keys) else np.zeros(len(queries), bool)
    return np.where(found, counts[where] if len(counts) else 0, 0)


def ngram_bits_per_token(train_ids, test_ids, order: int, vocab_size: int) -> float:
    """Held-out bits per token of an interpolated Witten-Bell n-gram model counted on ``train_ids``.

    The probability of the next id mixes the counts after the last ``order - 1`` ids with the
    (recursively smoothed) estimate from one id less, weighting the shorter context by how many
    different ids followed the longer one (Witten & Bell 1991; Chen & Goodman 1999, section 2.5).
    Order 1 counts single ids; below that the model is uniform over ``vocab_size``. Every test
    position from ``order - 1`` on is scored.
    """
    order = validate.integer("order", order, minimum=1, maximum=8)
    vocab_size = validate.integer("vocab_size", vocab_size, minimum=2)
    train_ids = validate.array("train_ids", train_ids, ndim=1).astype(np.int64)
    test_ids = validate.array("test_ids", test_ids, ndim=1).astype(np.int64)
    for name, ids in (("train_ids", train_ids), ("test_ids", test_ids)):
        if len(ids) < order or ids.min() < 0 or ids.max() >= vocab_size:
            raise ValueError(f"{name} must hold at least order={order} ids, each in 0..{vocab_size - 1}")
    if vocab_size ** order >= 2 ** 62:
        raise ValueError(f"vocab_size ** order = {vocab_size} ** {order} does not fit the 64-bit context keys")
    targets = np.arange(order - 1, len(test_ids))
    probability = np.full(len(targets), 1.0 / vocab_size)
    for context in range(order):
        positions = np.arange(context, len(train_ids))
        history = _context_keys(train_ids, positions, context, vocab_size)
        pairs, pair_counts = np.unique(history * vocab_size + train_ids[positions], return_counts=True)
        histories, history_counts = np.unique(history, return_counts=True)
        followers, follower_counts = np.unique(pairs // vocab_size, return_counts=True)
        query = _context_keys(test_ids, targets, context, vocab_size)
        seen = _lookup(histories, history_counts, query).astype(float)
        kinds = _lookup(followers, follower_counts, query).astype(float)
        joint = _lookup(pairs, pair_counts, query * vocab_size + test_ids[targets]).astype(float)
        mixed = (joint + kinds * probability) / np.maximum(seen + kinds, 1.0)
        probability = np.where(seen > 0, mixed, probability)
    return float(-np.log2(probability).mean())


def bits_per_token(loss_in_nats: float) -> float:
    """Cross-entropy in nats (what Keras logs) as bits per token: divide by ln 2."""
    return float(loss_in_nats) / math.log(2)


WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")


def words(text: str) -> list[str]:
    """Lesson 09's tokenizer (the tested copy of the notebook's): lower-cased words, keeping inner
    apostrophes ("isn't"), and single punctuation marks."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")
    return WORD_RE.findall(text.lower())


LETTER_WORD_RE = re.compile(r"[a-z]+(?:'[a-z]+)?")


def letter_words(text: str) -> list[str]:
    """The lower-cased runs of letters (with inner apostrophes: "o'er") in ``text``: what spelling is judged on."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")
    return LETTER_WORD_RE.findall(text.lower())


def real_word_share(sample: str, known_words) -> float:
    """Share of the :func:`letter_words` of ``sample`` found in ``known_words``."""
    if not isinstance(sample, str):
        raise ValueError(f"sample must be a string, got {type(sample).__name__}")
    found = letter_words(sample)
    if not found:
        return 0.0
    return sum(w in known_words for w in found) / len(found)


def side_by_side(samples, width: int = 28, lines: int = 12) -> str:
    """Texts in columns of ``width`` characters, headed by their keys, for reading snapshots together.

    Each text keeps its own line breaks; a line longer than ``width`` wraps. Columns stop after
    ``lines`` lines, and characters that would upset the layout (tabs, carriage returns) become spaces.
    """
    if not isinstance(samples, dict) or not samples:
        raise ValueError("samples must be a non-empty {heading: text} dict")
    width = validate.integer("width", width, minimum=8)
    lines = validate.integer("lines", lines, minimum=1)
    columns = []
    for heading, sample in samples.items():
        rows = []
        for line in str(sample).replace("\t", " ").replace("\r", " ").split("\n"):
            rows += [line[i:i + width] for i in range(0, max(len(line), 1), width)]
        columns.append([str(heading)[:width], "-" * width] + rows[:lines])
    height = max(len(column) for column in columns)
    return "\n".join(" | ".join(column[r].ljust(width) if r < len(column) else " " * width for column in columns).rstrip()
                     for r in range(height))
