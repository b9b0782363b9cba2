"""Unit tests of utils.scan and lesson 08's layers: linear recurrences, minGRU, causal attention."""

import numpy as np
import pytest

from utils import bench, diagrams, scan
from utils.layers import CausalSelfAttention, MinGRU, PositionEmbedding
from utils.runtime import import_keras, seed_everything

keras = import_keras()


def _pairs(batch=2, steps=37, units=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 1, (batch, steps, units)).astype("float32"), rng.normal(size=(batch, steps, units)).astype("float32")


def _numpy_loop(a, b):
    h, states = np.zeros(a[:, 0].shape), []
    for t in range(a.shape[1]):
        h = a[:, t] * h + b[:, t]
        states.append(h)
    return np.stack(states, axis=1)


def test_combine_composes_two_steps_and_is_associative():
    rng = np.random.default_rng(1)
    x, y, z = [(rng.normal(size=4), rng.normal(size=4)) for _ in range(3)]
    h = rng.normal(size=4)
    a, b = scan.combine(x, y)
    np.testing.assert_allclose(a * h + b, y[0] * (x[0] * h + x[1]) + y[1])
    left, right = scan.combine(scan.combine(x, y), z), scan.combine(x, scan.combine(y, z))
    np.testing.assert_allclose(left, right)


@pytest.mark.parametrize("steps", [1, 2, 5, 37, 64])
def test_sequential_and_parallel_forms_match_a_numpy_loop(steps):
    a, b = _pairs(steps=steps)
    expected = _numpy_loop(a, b)
    sequential = keras.ops.convert_to_numpy(scan.linear_recurrence_sequential(a, b))
    parallel = keras.ops.convert_to_numpy(scan.linear_recurrence_parallel(a, b))
    np.testing.assert_allclose(sequential, expected, atol=1e-5)
    np.testing.assert_allclose(parallel, expected, atol=1e-5)


def test_parallel_form_matches_keras_associative_scan():
    a, b = _pairs(steps=50)
    _, reference = keras.ops.associative_scan(scan.combine, (a, b), axis=1)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(scan.linear_recurrence_parallel(a, b)),
                               keras.ops.convert_to_numpy(reference), atol=1e-5)


def test_recurrences_reject_mismatched_shapes():
    a, b = _pairs()
    with pytest.raises(ValueError, match="same shape"):
        scan.linear_recurrence_parallel(a, b[:, :-1])
    with pytest.raises(ValueError, match=r"\(batch, time, units\)"):
        scan.linear_recurrence_sequential(a[0], b[0])


def test_parallel_form_takes_another_combine_and_rejects_a_non_function():
    a, b = np.full((1, 6, 2), 0.5, "float32"), np.ones((1, 6, 2), "float32")
    wrong = scan.linear_recurrence_parallel(a, b, combine=lambda e, f: (e[0] * f[0], e[1] + f[1]))   # forgets a
    right = scan.linear_recurrence_parallel(a, b, combine=scan.combine)
    assert np.allclose(keras.ops.convert_to_numpy(wrong)[0, :, 0], np.arange(1, 7))
    assert np.allclose(keras.ops.convert_to_numpy(right)[0, :, 0], 2 - 0.5 ** np.arange(6))
    with pytest.raises(ValueError, match="combine must be a function"):
        scan.linear_recurrence_parallel(a, b, combine=3)


@pytest.mark.parametrize("steps, levels", [(1, 0), (2, 1), (3, 2), (8, 3), (9, 4), (1024, 10), (4096, 12)])
def test_scan_levels_is_ceil_log2(steps, levels):
    assert scan.scan_levels(steps) == levels


def test_scan_levels_rejects_zero_steps():
    with pytest.raises(ValueError, match="steps"):
        scan.scan_levels(0)


def _min_gru_pair(steps=24):
    seed_everything(0)
    series = keras.Input((steps, 5))
    parallel = keras.Model(series, MinGRU(6)(series))
    sequential = keras.Model(series, MinGRU(6, parallel=False)(series))
    sequential.set_weights(parallel.get_weights())
    return parallel, sequential


def test_min_gru_forms_give_the_same_states_and_follow_the_equations():
    parallel, sequential = _min_gru_pair()
    x = np.random.default_rng(2).normal(size=(3, 24, 5)).astype("float32")
    states = parallel.predict_on_batch(x)
    np.testing.assert_allclose(states, sequential.predict_on_batch(x), atol=1e-5)
    kernel, bias = parallel.get_weights()
    projected = x @ kernel + bias
    z = 1 / (1 + np.exp(-projected[..., :6]))
    np.testing.assert_allclose(states, _numpy_loop(1 - z, z * projected[..., 6:]), atol=1e-5)


def test_min_gru_trains_and_returns_the_last_state_on_request():
    parallel, _ = _min_gru_pair()
    parallel.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(3).normal(size=(4, 24, 5)).astype("float32")
    assert np.isfinite(parallel.train_on_batch(x, np.zeros((4, 24, 6), "float32")))
    series = keras.Input((24, 5))
    last = keras.Model(series, MinGRU(6, return_sequences=False)(series))
    assert tuple(last.output.shape) == (None, 6)


def test_min_gru_rejects_bad_arguments():
    with pytest.raises(ValueError, match="units"):
        MinGRU(0)
    with pytest.raises(ValueError, match="True or False"):
        MinGRU(4, parallel="yes")


def test_causal_attention_cannot_see_the_future():
    seed_everything(0)
    series = keras.Input((10, 8))
    model = keras.Model(series, CausalSelfAttention(heads=2)(PositionEmbedding()(series)))
    x = np.random.default_rng(4).normal(size=(1, 10, 8)).astype("float32")
    changed = x.copy()
    changed[0, 6] += 1.0
    before, after = model.predict_on_batch(x), model.predict_on_batch(changed)
    np.testing.assert_allclose(before[0, :6], after[0, :6], atol=1e-6)     # steps before 6 did not move
    assert np.abs(before[0, 6:] - after[0, 6:]).max() > 1e-4


def test_position_embedding_passes_the_padding_mask_on():
    tokens = keras.Input(shape=(6,), dtype="int32")
    h = PositionEmbedding()(keras.layers.Embedding(20, 4, mask_zero=True)(tokens))
    h = keras.layers.Add()([h, keras.layers.MultiHeadAttention(num_heads=1, key_dim=4)(h, h)])
    model = keras.Model(tokens, keras.layers.GlobalAveragePooling1D()(h))
    ids = np.array([[3, 4, 5, 0, 0, 0]])
    before = model.predict_on_batch(ids)
    embedding = model.layers[1]
    table = embedding.get_weights()[0]
    table[0] += 10.0                                           # move the padding's vector: masked, it cannot matter
    embedding.set_weights([table])
    np.testing.assert_allclose(model.predict_on_batch(ids), before, atol=1e-5)


def test_position_embedding_needs_a_fixed_length():
    with pytest.raises(ValueError, match="fixed"):
        PositionEmbedding()(keras.Input((None, 4)))


@pytest.mark.parametrize("kind, path", [("minGRU, parallel scan", 1 + 10), ("minGRU, sequential", 1024),
                                        ("causal attention", 1)])
def test_critical_path_of_lesson_07_layers(kind, path):
    assert bench.critical_path_length(bench.build_sequence_model(kind, 1024, 4)) == path


def test_layer_flops_of_attention_grow_with_the_square_of_the_length():
    short, long = (bench.layer_flops("causal attention", 1, t, 64) for t in (2048, 4096))
    assert 3.5 < long / short < 4.0
    assert bench.layer_flops("minGRU, parallel scan", 1, 4096, 64) == 2 * bench.layer_flops("minGRU, sequential", 1, 2048, 64)


def test_dependency_graphs_draw_a_scan_panel_on_request():
    fig = diagrams.draw_dependency_graphs(steps=8, scan=True)
    assert len(fig.axes) == 3 and "3 levels" in fig.axes[2].get_title()
    with pytest.raises(ValueError, match="True or False"):
        diagrams.draw_dependency_graphs(scan="yes")
