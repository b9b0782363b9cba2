"""Unit tests of utils.data: generators and shipped data sets."""

import math

import numpy as np
import pytest

from utils import data

# ---------------------------------------------------------------- adding problem

def test_adding_shapes_dtypes():
    x, y = data.adding_problem(7, 12, seed=0)
    assert x.shape == (7, 12, 2) and y.shape == (7, 1)
    assert x.dtype == np.float32 and y.dtype == np.float32


def test_adding_target_is_sum_of_marked_values():
    x, y = data.adding_problem(500, 30, seed=1)
    values, markers = x[..., 0], x[..., 1]
    assert set(np.unique(markers)) == {0.0, 1.0}
    assert (markers.sum(axis=1) == 2).all()
    np.testing.assert_allclose(y[:, 0], (values * markers).sum(axis=1), rtol=1e-6)


def test_adding_one_marker_in_each_half():
    x, _ = data.adding_problem(300, 21, seed=2)
    half = 21 // 2
    assert (x[:, :half, 1].sum(axis=1) == 1).all()
    assert (x[:, half:, 1].sum(axis=1) == 1).all()


def test_adding_values_in_unit_interval_and_baseline():
    x, y = data.adding_problem(50_000, 10, seed=3)
    assert x[..., 0].min() >= 0 and x[..., 0].max() < 1
    assert abs(((y - 1) ** 2).mean() - data.ADDING_BASELINE_MSE) < 0.005


def test_adding_shortest_length_and_empty():
    x, y = data.adding_problem(3, 2, seed=0)
    assert (x[..., 1] == 1).all()
    assert data.adding_problem(0, 5, seed=0)[0].shape == (0, 5, 2)


# ---------------------------------------------------------------- copy memory

def test_copy_memory_layout():
    delay = 15
    x, y = data.copy_memory(4, delay, seed=0)
    assert x.shape == y.shape == (4, delay + 20) and x.dtype == y.dtype == np.float32
    digits = x[:, :10]
    assert ((digits >= 1) & (digits <= 8)).all()
    assert (x[:, 10:10 + delay - 1] == 0).all()
    assert (x[:, -11:] == 9).all()
    assert (y[:, : delay + 10] == 0).all()
    np.testing.assert_array_equal(y[:, -10:], digits)


def test_copy_memory_baseline_matches_published_values():
    assert data.copy_memory_baseline(500) == pytest.approx(0.0400, abs=1e-4)
    assert data.copy_memory_baseline(1000) == pytest.approx(0.0204, abs=1e-4)
    assert data.copy_memory_baseline(20) == pytest.approx(10 * math.log(8) / 40)


# ---------------------------------------------------------------- delayed recall

@pytest.mark.parametrize("lag", [0, 1, 5, 19])
def test_delayed_recall_targets_are_lagged_inputs(lag):
    x, y, w = data.delayed_recall(6, 20, lag, vocab_size=5, seed=0)
    assert x.shape == y.shape == w.shape == (6, 20)
    assert x.dtype == np.float32
    np.testing.assert_array_equal(y[:, lag:], x[:, : 20 - lag])
    assert (w[:, :lag] == 0).all() and (w[:, lag:] == 1).all()
    assert x.min() >= 0 and x.max() <= 4


def test_delayed_recall_lag_must_be_shorter_than_length():
    with pytest.raises(ValueError, match="lag must be smaller than length"):
        data.delayed_recall(3, 10, 10)


# ---------------------------------------------------------------- noisy sine

def test_noisy_sine_shapes_and_noise_free_target():
    x, y = data.noisy_sine(5, 40, horizon=3, noise_std=0.0, seed=0)
    assert x.shape == (5, 40, 1) and y.shape == (5, 3)
    assert x.dtype == y.dtype == np.float32
    # A sampled sine obeys s[t+1] = 2 cos(w) s[t] - s[t-1]. Fit 2 cos(w) on the clean window of
    # each sequence, then the target must be that same sine continued, step by step.
    for window, target in zip(x[..., 0].astype(np.float64), y.astype(np.float64)):
        two_cos = np.linalg.lstsq(window[1:-1, None], window[2:] + window[:-2], rcond=None)[0][0]
        assert 2 * np.cos(2 * np.pi * 0.1) - 1e-4 <= two_cos <= 2 * np.cos(2 * np.pi * 0.02) + 1e-4
        series = list(window)
        for _ in range(3):
            series.append(two_cos * series[-1] - series[-2])
        np.testing.assert_allclose(target, series[-3:], atol=1e-4)


def test_noisy_sine_noise_level():
    clean, _ = data.noisy_sine(200, 50, noise_std=0.0, seed=4)
    noisy, _ = data.noisy_sine(200, 50, noise_std=0.3, seed=4)
    assert abs(float((noisy - clean).std()) - 0.3) < 0.02


# ---------------------------------------------------------------- shared contract

GENERATORS = {
    "adding": lambda n, seed: data.adding_problem(n, 16, seed=seed),
    "copy": lambda n, seed: data.copy_memory(n, 8, seed=seed),
    "recall": lambda n, seed: data.delayed_recall(n, 16, 3, seed=seed),
    "sine": lambda n, seed: data.noisy_sine(n, 16, seed=seed),
    "marker": lambda n, seed: data.marker_seen(n, 16, seed=seed),
}


@pytest.mark.parametrize("name", GENERATORS)
def test_generators_deterministic_for_a_seed(name):
    first, second, other = (GENERATORS[name](20, s) for s in (5, 5, 6))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, c in zip(first, other))


@pytest.mark.parametrize("name", GENERATORS)
def test_generators_accept_a_generator(name):
    arrays = GENERATORS[name](4, np.random.default_rng(0))
    assert all(a.dtype == np.float32 and len(a) == 4 for a in arrays)


@pytest.mark.parametrize("call, message", [
    (lambda: data.adding_problem(-1, 10), "n must be an integer >= 0"),
    (lambda: data.adding_problem(10, 1), "length must be an integer >= 2"),
    (lambda: data.adding_problem(2.5, 10), "n must be an integer"),
    (lambda: data.adding_problem(10, 10, seed=-3), "seed must be an integer >= 0"),
    (lambda: data.copy_memory(10, 0), "delay must be an integer >= 1"),
    (lambda: data.copy_memory_baseline(0), "delay must be an integer >= 1"),
    (lambda: data.delayed_recall(10, 1, 0), "length must be an integer >= 2"),
    (lambda: data.delayed_recall(10, 10, -1), "lag must be an integer >= 0"),
    (lambda: data.delayed_recall(10, 10, 2, vocab_size=1), "vocab_size must be an integer >= 2"),
    (lambda: data.noisy_sine(10, 10, horizon=0), "horizon must be an integer >= 1"),
    (lambda: data.noisy_sine(10, 10, noise_std=-0.1), "noise_std must be a finite number >= 0"),
    (lambda: data.noisy_sine(10, 10, noise_std="a lot"), "noise_std must be a finite number >= 0, got 'a lot'"),
])
def test_bad_arguments_raise_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------- real data

PUBLISHED = {
    # name: (train, test, length, channels, classes)
    "GunPoint": (50, 150, 150, 1, 2),
    "ItalyPowerDemand": (67, 1029, 24, 1, 2),
    "JapaneseVowels": (270, 370, 29, 12, 9),
}


@pytest.mark.parametrize("name", PUBLISHED)
def test_ucr_loaders_match_published_splits(name):
    n_train, n_test, length, channels, classes = PUBLISHED[name]
    ds = data.load_ucr(name)
    assert ds.x_train.shape == (n_train, length, channels)
    assert ds.x_test.shape == (n_test, length, channels)
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert ds.num_classes == classes
    assert set(np.unique(ds.y_train)) == set(range(classes)) == set(np.unique(ds.y_test))
    assert np.isfinite(ds.x_train).all() and np.isfinite(ds.x_test).all()
    assert name in ds.summary()


def test_japanese_vowels_lengths_and_padding():
    ds = data.load_ucr("JapaneseVowels")
    assert ds.lengths_train.shape == (270,) and ds.lengths_test.shape == (370,)
    assert ds.lengths_train.min() >= 7 and ds.lengths_test.max() <= 29
    for x, n in zip(ds.x_train, ds.lengths_train):
        assert (x[n:] == 0).all() and (x[n - 1] != 0).any()


def test_equal_length_sets_have_no_lengths():
    assert data.load_ucr("GunPoint").lengths_train is None


def test_unknown_data_set_names_the_choices():
    with pytest.raises(ValueError, match="name must be one of 'GunPoint', 'ItalyPowerDemand'"):
        data.load_ucr("gunpoint")


def test_digits_split_is_stratified_and_scaled():
    ds = data.load_digits(test_fraction=0.25, seed=0)
    assert len(ds.x_train) + len(ds.x_test) == 1797
    assert ds.x_train.shape[1:] == (8, 8) and ds.x_train.dtype == np.float32
    assert 0 <= ds.x_train.min() and ds.x_train.max() <= 1
    counts = np.bincount(ds.y_test, minlength=10) / np.bincount(np.concatenate([ds.y_train, ds.y_test]))
    assert np.allclose(counts, 0.25, atol=0.01)
    again = data.load_digits(test_fraction=0.25, seed=0)
    np.testing.assert_array_equal(ds.y_test, again.y_test)


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.2])
def test_digits_bad_fraction(fraction):
    with pytest.raises(ValueError, match="test_fraction"):
        data.load_digits(test_fraction=fraction)


def test_validation_split_is_stratified_shuffled_and_fixed_by_seed():
    y = np.repeat(np.arange(3), [100, 60, 40])              # sorted labels, as a data file may store them
    x = np.arange(len(y)) * 10
    x_fit, y_fit, x_val, y_val = data.validation_split(x, y, fraction=0.2, seed=1)
    assert np.bincount(y_val).tolist() == [20, 12, 8] and len(y_fit) == 160
    assert sorted(np.concatenate([x_fit, x_val]).tolist()) == x.tolist()     # a partition, nothing lost
    np.testing.assert_array_equal(x_fit // 10, np.arange(len(y))[x_fit // 10])  # rows keep their labels
    np.testing.assert_array_equal(y[x_val // 10], y_val)
    assert len(set(y_val[:10].tolist())) > 1                                 # shuffled, not class by class
    again = data.validation_split(x, y, fraction=0.2, seed=1)
    np.testing.assert_array_equal(again[2], x_val)
    assert not np.array_equal(data.validation_split(x, y, fraction=0.2, seed=2)[2], x_val)


@pytest.mark.parametrize("kwargs, message", [
    ({"fraction": 0.0}, "fraction must be a finite number > 0 and < 1"),
    ({"fraction": 0.001}, "holds out 0 of the 100 examples of class 0"),
    ({"y": np.zeros(200)}, "y must be a 1-D array of integer class labels"),
    ({"y": np.zeros(5, int)}, "x and y must have the same number of examples, got 200 and 5"),
])
def test_validation_split_bad_arguments(kwargs, message):
    arguments = {"x": np.zeros((200, 2)), "y": np.repeat(np.arange(3), [100, 60, 40]), **kwargs}
    with pytest.raises(ValueError, match=message):
        data.validation_split(**arguments)


def test_majority_accuracy():
    assert data.majority_accuracy([0, 1, 1, 2], [1, 1, 0, 2]) == 0.5
    with pytest.raises(ValueError, match="class indices"):
        data.majority_accuracy([], [1])
    with pytest.raises(ValueError, match="y_train"):
        data.majority_accuracy([[0, 1]], [1])


def test_delayed_recall_with_several_lags_asks_for_each():
    x, y, w = data.delayed_recall(3, 10, (2, 5), seed=0)
    assert x.shape == (3, 10) and y.shape == w.shape == (3, 10, 2)
    np.testing.assert_array_equal(y[:, 5:, 1], x[:, :5])
    np.testing.assert_array_equal(y[:, 2:, 0], x[:, :8])
    assert w[:, :2, 0].sum() == 0 and w[:, 2:, 0].all() and w[:, :5, 1].sum() == 0
    single = data.delayed_recall(3, 10, 5, seed=0)
    np.testing.assert_array_equal(single[1], y[..., 1])


def test_delayed_recall_rejects_a_lag_as_long_as_the_sequence():
    with pytest.raises(ValueError, match="smaller than length"):
        data.delayed_recall(3, 10, (2, 10))


# --------------------------------------------------------------------------- text (lesson 09)


def test_movie_snippets_split_is_stratified_disjoint_and_fixed():
    snippets = data.load_movie_snippets()
    sizes = [len(snippets.texts_train), len(snippets.texts_val), len(snippets.texts_test)]
    assert sum(sizes) == 10605 - 37 and sizes[1] == sizes[2] == 1057          # the 37 neutral snippets are dropped
    assert set(snippets.texts_train).isdisjoint(snippets.texts_test)
    for y in (snippets.y_train, snippets.y_val, snippets.y_test):
        assert y.dtype == np.int64 and abs(y.mean() - 0.496) < 0.01              # 5,242 positive of 10,568
    assert data.load_movie_snippets().texts_test == snippets.texts_test
    assert data.load_movie_snippets(seed=1).texts_test != snippets.texts_test
    assert snippets.class_names == ("negative", "positive") and "1057 test" in snippets.summary()


@pytest.mark.parametrize("kwargs, message", [
    ({"test_fraction": 0.0}, "test_fraction"), ({"validation_fraction": 1.5}, "validation_fraction"),
    ({"validation_fraction": 0.5, "test_fraction": 0.5}, "below 1"), ({"seed": -1}, "seed"),
])
def test_movie_snippets_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.load_movie_snippets(**kwargs)


def test_corpus_holds_out_one_whole_play():
    corpus = data.load_corpus()
    assert corpus.heldout_work == "macbeth" and len(corpus.works) == 10
    assert len(corpus.heldout_text) == 103427 and corpus.heldout_text.startswith("MACBETH")
    assert corpus.heldout_text not in corpus.train_text and len(corpus.train_text) > 1_200_000
    assert data.load_corpus(heldout="hamlet").heldout_text.startswith("HAMLET")


@pytest.mark.parametrize("kwargs, message", [({"name": "tinyshakespeare"}, "shakespeare_tragedies"),
                                             ({"heldout": "tempest"}, "macbeth")])
def test_corpus_unknown_names_list_the_choices(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.load_corpus(**kwargs)


def test_vocabulary_orders_by_frequency_and_round_trips():
    vocabulary = data.Vocabulary("abracadabra")
    assert vocabulary.tokens == (data.PAD, data.UNKNOWN, "a", "b", "r", "c", "d") and len(vocabulary) == 7
    ids = vocabulary.encode("abcz")
    assert ids.dtype == np.int32 and list(ids) == [2, 3, 5, 1]                      # z is unknown
    assert vocabulary.decode(vocabulary.encode("cab")) == "cab"
    words = data.Vocabulary(["good", "film", "good", "bad"], max_size=3)
    assert words.tokens == (data.PAD, data.UNKNOWN, "good") and words.decode([2, 0, 1], " ") == "good <unk>"


@pytest.mark.parametrize("args, kwargs, message", [
    (("",), {}, "empty"), (([],), {}, "no tokens"), (("aab",), {"min_count": 3}, "at least one"),
    (("ab",), {"max_size": 2}, "max_size"), (("ab",), {"min_count": 0}, "min_count"),
])
def test_vocabulary_bad_arguments(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.Vocabulary(*args, **kwargs)


def test_vocabulary_decode_rejects_ids_out_of_range():
    with pytest.raises(ValueError, match="0..3"):
        data.Vocabulary("ab").decode([4])


def test_pad_sequences_cuts_and_pads():
    padded = data.pad_sequences([[3, 4, 5], [6]], 2)
    assert padded.dtype == np.int32 and padded.tolist() == [[3, 4], [6, 0]]
    with pytest.raises(ValueError, match="length"):
        data.pad_sequences([[1]], 0)


def test_text_windows_targets_are_the_next_ids():
    ids = np.arange(100, dtype=np.int32)
    x, y = data.text_windows(ids, 16, 8, seed=0)
    assert x.shape == y.shape == (8, 16) and x.dtype == np.int32
    assert (y == x + 1).all() and (y.max() <= 99)
    assert (data.text_windows(ids, 16, 8, seed=0)[0] == x).all()


@pytest.mark.parametrize("length, message", [(0, "length"), (100, "no window")])
def test_text_windows_bad_lengths(length, message):
    with pytest.raises(ValueError, match=message):
        data.text_windows(np.arange(100), length, 4)


def test_shift_images_moves_each_image_whole_and_fills_with_background():
    images = np.zeros((40, 6, 6), np.float32)
    images[:, 2, 3] = 1.0                                   # one bright pixel per image
    moved = data.shift_images(images, 2, seed=0)
    assert moved.shape == images.shape and (moved.sum(axis=(1, 2)) == 1).all()
    offsets = {(int(np.argwhere(m)[0][0]) - 2, int(np.argwhere(m)[0][1]) - 3) for m in moved}
    assert offsets == {(2, 0), (-2, 0), (0, 2), (0, -2)}  # all four directions drawn, 2 pixels each
    np.testing.assert_array_equal(data.shift_images(images, 0), images)
    np.testing.assert_array_equal(moved, data.shift_images(images, 2, seed=0))


# ---------------------------------------------------------------- electricity demand and forecast windows

def test_electricity_splits_are_consecutive_weeks_of_the_whole_series():
    whole = data.load_electricity()
    assert whole.shape == (12 * 7 * data.ELECTRICITY_STEPS_PER_DAY,) and whole.dtype == np.float32
    parts = [data.load_electricity(split) for split in ("train", "validation", "test")]
    assert [len(p) for p in parts] == [8 * 336, 2 * 336, 2 * 336]
    np.testing.assert_array_equal(np.concatenate(parts), whole)
    assert whole[:2].tolist() == [22262.0, 21756.0]                 # pmdarima's docstring: load_taylor()[:2]
    days = whole.reshape(-1, data.ELECTRICITY_STEPS_PER_DAY).mean(axis=1)
    assert days[5] < days[0] and days[6] < days[0]                    # 5 June 2000 was a Monday: weekends are lower


def test_electricity_unknown_split_names_the_choices():
    with pytest.raises(ValueError, match="split must be one of .*'train'.*'test'"):
        data.load_electricity("week 13")


def test_forecast_windows_read_then_forecast_the_next_values():
    series = np.arange(10, dtype=np.float32)
    x, y = data.forecast_windows(series, input_steps=3, horizon=2)
    assert x.shape == (6, 3, 1) and y.shape == (6, 2) and x.dtype == y.dtype == np.float32
    assert x[0, :, 0].tolist() == [0, 1, 2] and y[0].tolist() == [3, 4]
    assert x[-1, :, 0].tolist() == [5, 6, 7] and y[-1].tolist() == [8, 9]
    x, y = data.forecast_windows(series, 3, 2, stride=5)
    assert x[:, 0, 0].tolist() == [0, 5] and y[1].tolist() == [8, 9]
    x, y = data.forecast_windows(series, 8, 2)                           # the window fills the series exactly
    assert len(x) == 1


@pytest.mark.parametrize("kwargs, message", [
    (dict(input_steps=8, horizon=3), "a window of 8 input steps \\+ 3 forecast steps = 11 is longer than the series \\(10"),
    (dict(input_steps=3, horizon=0), "horizon must be an integer >= 1"),
    (dict(input_steps=0, horizon=2), "input_steps must be an integer >= 1"),
    (dict(input_steps=3, horizon=2, stride=0), "stride must be an integer >= 1"),
    (dict(input_steps=3.0, horizon=2), "input_steps must be an integer"),
])
def test_forecast_windows_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.forecast_windows(np.arange(10.0), **kwargs)


def test_forecast_windows_needs_one_finite_series():
    with pytest.raises(ValueError, match="series must"):
        data.forecast_windows(np.zeros((10, 2)), 3, 2)
    with pytest.raises(ValueError, match="finite numbers only"):
        data.forecast_windows(np.array([1.0, np.nan, 2, 3, 4]), 2, 1)
