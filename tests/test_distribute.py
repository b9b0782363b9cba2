"""Unit tests of utils.distribute: the arithmetic, the bad-input errors, and (in a fresh process with
four simulated devices, so the count cannot leak into other tests) data parallelism and placement."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from utils import distribute, exercises

ROOT = Path(__file__).resolve().parents[1]


def test_ring_allreduce_bytes_and_pipeline_bubble():
    assert distribute.ring_allreduce_bytes(1000, 1) == 0
    assert distribute.ring_allreduce_bytes(1000, 4) == 1000 * 4 * 2 * 3 / 4
    assert distribute.ring_allreduce_bytes(10, 2, bytes_per_number=2) == 20
    assert distribute.pipeline_bubble(1, 8) == 0
    assert distribute.pipeline_bubble(4, 1) == 3 / 4
    assert distribute.pipeline_bubble(4, 16) == pytest.approx(3 / 19)
    with pytest.raises(ValueError, match="replicas must be an integer >= 1"):
        distribute.ring_allreduce_bytes(10, 0)
    with pytest.raises(ValueError, match="microbatches"):
        distribute.pipeline_bubble(2, 0)


def test_per_replica_batch_needs_an_even_split():
    assert distribute.per_replica_batch(64, 4) == 16
    with pytest.raises(ValueError, match="a global batch of 30 does not split evenly over 4 devices"):
        distribute.per_replica_batch(30, 4)


def test_split_with_halo_and_join_restore_a_causal_stack():
    x = np.arange(2 * 12 * 1, dtype="float32").reshape(2, 12, 1)
    pieces = distribute.split_with_halo(x, 3, halo=2)
    assert [p.shape[1] for p in pieces] == [4, 6, 6]
    np.testing.assert_array_equal(pieces[1][:, 0], x[:, 2])           # chunk 1 starts 2 steps before step 4
    np.testing.assert_array_equal(distribute.join_without_halo(pieces, halo=2), x)

    def causal_sum(a):                                                 # field 3: a_t + a_(t-1) + a_(t-2)
        padded = np.concatenate([np.zeros_like(a[:, :2]), a], axis=1)
        return padded[:, 2:] + padded[:, 1:-1] + padded[:, :-2]

    joined = distribute.join_without_halo([causal_sum(p) for p in distribute.split_with_halo(x, 3, 2, field=3)], 2)
    np.testing.assert_allclose(joined, causal_sum(x))
    short = distribute.join_without_halo([causal_sum(p) for p in distribute.split_with_halo(x, 3, 1)], 1)
    assert np.abs(short - causal_sum(x)).max() > 0


def test_split_with_halo_on_both_sides_restores_a_centred_filter():
    x = np.random.default_rng(0).normal(size=(1, 12, 1))

    def centred_sum(a):                                                # x_(t-1) + x_t + x_(t+1), zeros beyond the ends
        padded = np.pad(a, ((0, 0), (1, 1), (0, 0)))
        return padded[:, :-2] + padded[:, 1:-1] + padded[:, 2:]

    pieces = distribute.split_with_halo(x, 3, halo=1, after=1)
    assert [p.shape[1] for p in pieces] == [5, 6, 5]
    np.testing.assert_allclose(distribute.join_without_halo([centred_sum(p) for p in pieces], 1, after=1), centred_sum(x))
    with pytest.raises(ValueError, match="longer than its halos"):
        distribute.join_without_halo([np.zeros((1, 4)), np.zeros((1, 2)), np.zeros((1, 4))], halo=1, after=1)


def test_split_with_halo_rejects_bad_input():
    x = np.zeros((2, 12, 1))
    with pytest.raises(ValueError, match="a halo of 1 steps is shorter than the receptive field needs .field 3: 2"):
        distribute.split_with_halo(x, 3, halo=1, field=3)
    with pytest.raises(ValueError, match="12 time steps do not split into 5 equal chunks"):
        distribute.split_with_halo(x, 5, halo=0)
    with pytest.raises(ValueError, match="a halo of 5 steps is longer than a chunk .4 steps"):
        distribute.split_with_halo(x, 3, halo=5)
    with pytest.raises(ValueError, match=r"x must be \(batch, time, ...\)"):
        distribute.split_with_halo(np.zeros(4), 2, halo=0)
    with pytest.raises(ValueError, match="longer than its halos"):
        distribute.join_without_halo([np.zeros((1, 4)), np.zeros((1, 2))], halo=2)


def test_asking_for_more_devices_than_exist_says_both_numbers():
    there = len(distribute.devices())
    with pytest.raises(ValueError, match=f"asked for {there + 3} devices, but {there} exist"):
        distribute.devices(there + 3)
    with pytest.raises(ValueError, match=f"asked for {there + 1} devices, but {there} exist"):
        with distribute.data_parallel(there + 1):
            pass


def test_on_device_and_place_on_the_first_device():
    from utils.runtime import import_keras

    keras = import_keras()
    if keras.backend.backend() not in ("tensorflow", "jax"):
        pytest.skip("explicit placement is written for TensorFlow and JAX")
    with distribute.on_device(0):
        product = keras.ops.matmul(distribute.place(np.ones((2, 3), "float32"), 0), keras.ops.ones((3, 2)))
    assert distribute.device_index(product) == 0
    np.testing.assert_allclose(keras.ops.convert_to_numpy(product), 3.0)
    with pytest.raises(ValueError, match="cannot tell which device"):
        distribute.device_index(object())


def test_a_started_backend_cannot_change_its_device_count():
    from utils.runtime import import_keras

    import_keras().ops.ones(1)                      # a tensor: the backend's runtime and its devices now exist
    flags = os.environ.get("XLA_FLAGS")
    with pytest.raises(ValueError, match="has already started with 1 CPU device.s.; 3 must be asked for before"):
        distribute.simulate_devices(3)
    assert os.environ.get("XLA_FLAGS") == flags     # nothing leaks to processes started later


FOUR_DEVICES = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from utils import runtime
    runtime.setup(seed=0, devices=4, verbose=False)
    import contextlib
    import keras, numpy as np
    from utils import data, distribute, exercises

    assert len(distribute.devices()) == 4
    for k in range(4):
        with distribute.on_device(k):
            assert distribute.device_index(keras.ops.add(distribute.place(np.ones(3, "float32"), k), 1.0)) == k
    x, y = data.adding_problem(128, 8, seed=0)

    def gru():
        inputs = keras.Input(shape=(8, 2))
        return keras.Model(inputs, keras.layers.Dense(1)(keras.layers.GRU(4)(inputs)))

    start = gru().get_weights()
    trained = {{}}
    for replicas in (1, 2, 4):
        with distribute.data_parallel(replicas, 32) if replicas > 1 else contextlib.nullcontext():
            model = gru()
            model.set_weights(start)
            model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
            model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
        trained[replicas] = model.get_weights()
    gap = max(np.abs(a - b).max() for r in (2, 4) for a, b in zip(trained[1], trained[r]))
    assert gap < 1e-5, gap

    def right(build, start, x, y, replicas, global_batch):
        with distribute.data_parallel(replicas, global_batch):
            model = build()
            model.set_weights(start)
            model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
            model.fit(x, y, batch_size=global_batch, epochs=1, shuffle=False, verbose=0)
        return model

    def per_device_batch(build, start, x, y, replicas, global_batch):   # the classic mistake: fit gets B / N
        with distribute.data_parallel(replicas):
            model = build()
            model.set_weights(start)
            model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
            model.fit(x, y, batch_size=global_batch // replicas, epochs=1, shuffle=False, verbose=0)
        return model

    def one_device(build, start, x, y, replicas, global_batch):        # right numbers, no data parallelism
        return right(build, start, x, y, 1, global_batch)

    assert distribute.replica_count(right(gru, start, x, y, 4, 32)) == 4
    assert bool(exercises.check("10.1", right)) is True
    assert bool(exercises.check("10.1", per_device_batch)) is False
    assert bool(exercises.check("10.1", one_device)) is False
    print("four devices: ok", gap)
""")


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_four_simulated_devices_train_what_one_trains(backend):
    """In a fresh process: setup(devices=4), placement on each device, 1 vs 2 vs 4 replicas, exercise 09.1."""
    if backend == "jax":
        pytest.importorskip("jax")
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-c", FOUR_DEVICES.format(root=str(ROOT))], env=env, capture_output=True,
                            text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert "four devices: ok" in result.stdout


def test_exercise_09_2_accepts_the_halo_and_rejects_one_too_small_or_too_large():
    assert bool(exercises.check("10.2", lambda k, d: (k - 1) // 2 * sum(d))) is True
    assert bool(exercises.check("10.2", lambda k, d: (k - 1) // 2 * sum(d) - 1)) is False
    assert bool(exercises.check("10.2", lambda k, d: (k - 1) // 2 * sum(d) + 1)) is False   # works, but is not the smallest
    assert bool(exercises.check("10.2", lambda k, d: 1 / 0)) is False
