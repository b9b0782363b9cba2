"""Unit tests of utils.memory: receptive fields, influence maps, reordering, probes."""

import math

import numpy as np
import pytest

from utils import data, memory
from utils.runtime import import_keras

keras = import_keras()
layers = keras.layers


@pytest.mark.parametrize("stack, expected", [
    ([layers.Conv1D(4, 3), layers.Conv1D(4, 3)], 5),
    ([layers.Conv1D(4, 3, dilation_rate=d) for d in (1, 2, 4, 8)], 31),
    ([layers.Conv1D(4, 2, dilation_rate=d) for d in (1, 2, 4, 8, 16, 32, 64)], 128),
    ([layers.Conv1D(4, 3), layers.MaxPooling1D(2), layers.Conv1D(4, 3)], 8),          # 3, +1, +2*2
    ([layers.Conv1D(4, 3), layers.MaxPooling1D(2), layers.Conv1D(4, 3), layers.MaxPooling1D(2),
      layers.Conv1D(4, 3)], 18),
    ([layers.Conv1D(4, 5, strides=2), layers.Conv1D(4, 3)], 9),                       # 5, +2*2
    ([layers.Embedding(8, 4), layers.Dense(3), layers.Dropout(0.1)], 1),
    ([layers.Conv2D(4, 3), layers.MaxPooling2D(2), layers.Conv2D(4, 3)], 8),
])
def test_receptive_field_hand_computed(stack, expected):
    assert memory.receptive_field(stack) == expected


def test_receptive_field_of_models_and_unbounded_layers():
    inputs = keras.Input((20, 3))
    h = layers.Conv1D(4, 3, padding="causal", dilation_rate=2)(inputs)
    assert memory.receptive_field(keras.Model(inputs, layers.Dense(1)(h))) == 5
    assert memory.receptive_field([layers.Conv1D(4, 3), layers.GRU(4)]) == math.inf
    assert memory.receptive_field([layers.Conv1D(4, 3), layers.GlobalAveragePooling1D()]) == math.inf


def test_receptive_field_unknown_layer():
    with pytest.raises(ValueError, match="does not know layer .* of type Reshape"):
        memory.receptive_field([layers.Reshape((4, 2))])


def test_conv_stack_field_and_errors():
    assert memory.conv_stack_field(3, [1, 2, 4, 8]) == 31
    with pytest.raises(ValueError, match="kernel_size must be an integer >= 1"):
        memory.conv_stack_field(0, [1])
    with pytest.raises(ValueError, match=r"dilations must be integers >= 1, got \[1, 0\] \(bad entry 0\)"):
        memory.conv_stack_field(3, [1, 0])


def test_influence_map_of_a_causal_conv_is_a_band():
    inputs = keras.Input((12, 1))
    model = keras.Model(inputs, layers.Conv1D(2, 3, padding="causal", dilation_rate=2)(inputs))
    x = np.random.default_rng(0).normal(size=(12, 1)).astype("float32")
    grid = memory.influence_map(lambda b: model.predict(b, verbose=0), x, perturb=lambda v: v + 1.0)
    assert grid.shape == (12, 12)
    noise = 1e-4 * grid.max()                                # float round-off differs between backends
    assert memory.empirical_field(grid, tolerance=noise) == memory.receptive_field(model) == 5
    assert np.abs(np.tril(grid, -1)).max() <= noise          # never influences earlier outputs
    assert grid[0, 3] <= noise and grid[0, 4] > 0.01          # dilation 2 skips odd distances


def test_influence_map_errors():
    with pytest.raises(ValueError, match="at least 2 steps"):
        memory.influence_map(lambda b: b, np.zeros(1), perturb=lambda v: v)
    with pytest.raises(ValueError, match="one output per time step"):
        memory.influence_map(lambda b: b.sum(axis=1), np.zeros((5, 2)), perturb=lambda v: v + 1)
    with pytest.raises(ValueError, match="square"):
        memory.empirical_field(np.zeros((3, 4)))


def test_permute_time():
    x = np.arange(8)[None, :, None] * np.ones((2, 1, 3))
    np.testing.assert_array_equal(memory.permute_time(x, "reverse")[0, :, 0], np.arange(8)[::-1])
    np.testing.assert_array_equal(memory.permute_time(x, "blocks", blocks=4)[0, :, 0], [6, 7, 4, 5, 2, 3, 0, 1])
    shuffled = memory.permute_time(x, "shuffle", seed=1)
    assert sorted(shuffled[0, :, 0]) == list(range(8)) and (shuffled[0] == shuffled[1]).all()
    with pytest.raises(ValueError, match="how must be 'shuffle', 'blocks' or 'reverse'"):
        memory.permute_time(x, "sort")
    with pytest.raises(ValueError, match="divides the length 8"):
        memory.permute_time(x, "blocks", blocks=3)


def test_relative_change():
    a = np.array([[3.0, 4.0]])
    assert memory.relative_change(a, a) == 0
    assert memory.relative_change(a, a * 2) == pytest.approx(1.0)
    assert memory.relative_change(a, a + [[0.0, 1.0]], reference=[[0.0, 2.0]]) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="shapes differ"):
        memory.relative_change(a, a[:, :1])
    with pytest.raises(ValueError, match="all zeros"):
        memory.relative_change(np.zeros(3), np.ones(3))


def test_linear_probe_reads_linear_codes_and_not_noise():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, size=2000)
    features = np.eye(4)[labels] @ rng.normal(size=(4, 10)) + 0.05 * rng.normal(size=(2000, 10))
    assert memory.linear_probe_accuracy(features, labels, 4) > 0.99
    assert memory.linear_probe_accuracy(rng.normal(size=(2000, 10)), labels, 4) < 0.35
    with pytest.raises(ValueError, match="labels must lie in 0..3"):
        memory.linear_probe_accuracy(features, labels + 1, 4)
    with pytest.raises(ValueError, match=r"features must have shape \(n, d\)"):
        memory.linear_probe_accuracy(features[:, 0], labels, 4)


def test_marker_seen():
    x, y = data.marker_seen(50, 30, seed=0)
    assert x.shape == y.shape == (50, 30) and x.dtype == np.float32
    assert ((x == 0).sum(axis=1) == 1).all()
    first = (x == 0).argmax(axis=1)
    np.testing.assert_array_equal(y, (np.arange(30)[None] >= first[:, None]).astype(np.float32))
    with pytest.raises(ValueError, match="length must be an integer >= 2"):
        data.marker_seen(5, 1)


def _random_stack(rng):
    """A random chain of valid Conv1D (strided or dilated) and AveragePooling1D layers, all linear."""
    stack = []
    for _ in range(rng.integers(1, 5)):
        if rng.random() < 0.3:
            size = int(rng.integers(2, 4))
            stack.append(layers.AveragePooling1D(size))
        else:
            dilation = int(rng.integers(1, 4))
            stride = 1 if dilation > 1 else int(rng.integers(1, 3))
            stack.append(layers.Conv1D(2, int(rng.integers(1, 5)), strides=stride, dilation_rate=dilation,
                                       use_bias=False, kernel_initializer=keras.initializers.RandomUniform(0.1, 1.0)))
    return stack


@pytest.mark.parametrize("seed", range(8))
def test_receptive_field_equals_brute_force_influence_on_random_stacks(seed):
    """Perturb each input step alone: the span of steps that move output 0 is the receptive field.

    Weights are positive and nothing is non-linear, so every step inside the field moves the
    output (from exactly 0) and every step outside leaves it at exactly 0.
    """
    rng = np.random.default_rng(seed)
    length = 120
    stack = _random_stack(rng)
    series = keras.Input((length, 1))
    h = series
    for layer in stack:
        h = layer(h)
    model = keras.Model(series, h)
    copies = np.eye(length, dtype="float32")[..., None]           # copy s: a 1 at step s, zeros elsewhere
    first_output = model.predict(copies, verbose=0)[:, 0, :].max(axis=-1)
    moved = np.flatnonzero(first_output > 0)
    assert moved[0] == 0
    assert memory.receptive_field(model) == moved[-1] - moved[0] + 1, [layer.get_config()["name"] for layer in stack]


def test_receptive_field_of_a_residual_stack_matches_its_influence():
    tokens = keras.Input((40,))
    h = layers.Embedding(8, 4)(tokens)
    for dilation in (1, 2, 4, 8):
        h = layers.Add()([h, layers.Conv1D(4, 2, padding="causal", dilation_rate=dilation, activation="tanh")(h)])
    model = keras.Model(tokens, h)
    assert memory.receptive_field(model) == 16
    influence = memory.influence_map(lambda batch: model.predict(batch, verbose=0), np.arange(40) % 8,
                                     perturb=lambda token: (token + 1) % 8)
    assert memory.empirical_field(influence, tolerance=1e-6 * influence.max()) == 16


def test_latch_ceiling_matches_the_closed_form_and_a_brute_force_field_model():
    length, field = 128, 31
    # the population value: steps before field - 1 exact, then the marker in view (field/length) or a tied guess
    blind_right = (length - field) * (length - field + 1) / 2 / length
    closed_form = (field - 1 + (length - field + 1) * field / length + blind_right) / length
    _, y = data.marker_seen(40_000, length, seed=0)
    assert memory.latch_ceiling(y, field)["accuracy"] == pytest.approx(closed_form, abs=0.004)   # 0.710
    # brute force on a small set: a model that answers from its window only, guessing 0 when blind
    x, y = data.marker_seen(300, 20, seed=1)
    answer = np.zeros_like(y)
    for t in range(20):
        window = x[:, max(0, t - 4):t + 1]
        answer[:, t] = (window == 0).any(axis=1) if t >= 4 else (x[:, :t + 1] == 0).any(axis=1)
    ceiling = memory.latch_ceiling(y, 5)
    brute = (answer == y).mean()               # guess 0 when blind; the ceiling takes the better guess
    flipped = np.where((answer == 0) & (np.arange(20) >= 4), 1, answer)
    assert ceiling["accuracy"] == pytest.approx(max(brute, (flipped == y).mean()))
    assert memory.latch_ceiling(y, 5, guess=0)["accuracy"] == pytest.approx(brute)
    np.testing.assert_allclose(memory.latch_ceiling(y, 5, guess=1)["by step"], (flipped == y).mean(axis=0))
    assert ceiling["by step"][:4].tolist() == [1.0] * 4 and ceiling["guess"] in (0, 1)
    assert memory.latch_ceiling(y, 20)["accuracy"] == 1.0          # a field as long as the sequence sees it all


def test_latch_ceiling_rejects_other_targets():
    _, y = data.marker_seen(5, 10, seed=0)
    with pytest.raises(ValueError, match="marker_seen targets"):
        memory.latch_ceiling(1 - y, 3)
    with pytest.raises(ValueError, match="y_seen must"):
        memory.latch_ceiling(y[0], 3)
    with pytest.raises(ValueError, match="field must be an integer >= 1"):
        memory.latch_ceiling(y, 0)
    with pytest.raises(ValueError, match="guess must be one of 0, 1"):
        memory.latch_ceiling(y, 3, guess=0.5)
