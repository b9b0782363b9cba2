"""utils.text: the counting language model, the tokenizer's tested copy, and the spelling measure."""

import math

import numpy as np
import pytest

from utils import text


def test_unigram_bits_are_the_smoothed_entropy():
    train = np.array([0, 1, 1, 1] * 50)
    bits = text.ngram_bits_per_token(train, np.array([1, 1, 1, 0]), order=1, vocab_size=2)
    p1 = (150 + 2 * 0.5) / (200 + 2)                       # Witten-Bell: counts plus 2 kinds x uniform 1/2
    p0 = (50 + 2 * 0.5) / (200 + 2)
    assert math.isclose(bits, -(3 * math.log2(p1) + math.log2(p0)) / 4, rel_tol=1e-9)


def test_a_longer_context_predicts_a_deterministic_sequence():
    train = np.tile(np.arange(5), 200)                       # 0 1 2 3 4 0 1 2 ...: the last id fixes the next
    test = np.tile(np.arange(5), 10)
    unigram = text.ngram_bits_per_token(train, test, 1, 5)
    bigram = text.ngram_bits_per_token(train, test, 2, 5)
    assert math.isclose(unigram, math.log2(5), rel_tol=1e-3) and bigram < 0.01


def test_unseen_contexts_back_off_to_the_counts():
    train = np.tile(np.arange(5), 200)                       # id 5 never occurs in training
    bits = text.ngram_bits_per_token(train, np.array([5, 5, 0]), 3, 6)     # context (5, 5), then (5): both unseen
    unigram = (200 + 5 / 6) / (1000 + 5)                     # Witten-Bell on the counts, 5 kinds seen
    assert math.isclose(bits, -math.log2(unigram), rel_tol=1e-9)


@pytest.mark.parametrize("kwargs, message", [
    ({"order": 0}, "order"), ({"vocab_size": 1}, "vocab_size"), ({"test_ids": np.array([0, 9])}, "each in 0..4"),
    ({"train_ids": np.array([0])}, "at least order"), ({"order": 8, "vocab_size": 300}, "64-bit"),
])
def test_ngram_bad_arguments(kwargs, message):
    arguments = {"train_ids": np.arange(5).repeat(3), "test_ids": np.arange(5), "order": 2, "vocab_size": 5} | kwargs
    if "vocab_size" in kwargs and kwargs["vocab_size"] == 300:
        arguments["train_ids"] = arguments["test_ids"] = np.arange(20)
    with pytest.raises(ValueError, match=message):
        text.ngram_bits_per_token(**arguments)


def test_words_and_bits():
    assert text.words("It isn't GOOD, really!") == ["it", "isn't", "good", ",", "really", "!"]
    assert math.isclose(text.bits_per_token(math.log(2)), 1.0)
    with pytest.raises(ValueError, match="string"):
        text.words(["not", "a", "string"])


def test_letter_words_keep_inner_apostrophes_and_drop_digits():
    assert text.letter_words("O'er the 2 HILLS, 'tis") == ["o'er", "the", "hills", "tis"]
    with pytest.raises(ValueError, match="string"):
        text.letter_words(3)


def test_real_word_share():
    assert text.real_word_share("the king's crown, zzq", {"the", "king's", "crown"}) == 0.75
    assert text.real_word_share("... !", {"the"}) == 0.0
    with pytest.raises(ValueError, match="string"):
        text.real_word_share(None, set())


def test_side_by_side_keeps_line_breaks_and_wraps():
    shown = text.side_by_side({"0 updates": "abcdefghij", "64 updates": "to be\nor not"}, width=8, lines=3)
    rows = shown.split("\n")
    assert rows[0].startswith("0 update") and "64 updat" in rows[0]
    assert rows[2].split(" | ") == ["abcdefgh", "to be"]
    assert rows[3].split(" | ")[0].rstrip() == "ij" and rows[3].endswith("or not")
    with pytest.raises(ValueError, match="samples must be a non-empty"):
        text.side_by_side({})
