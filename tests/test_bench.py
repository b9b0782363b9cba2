"""Unit tests of utils.bench: critical paths, FLOP counts, timing and the command line."""

import csv

import numpy as np
import pytest

from utils import bench, runtime
from utils.runtime import import_keras

keras = import_keras()


@pytest.mark.parametrize("kind, expected", [
    ("Conv1D", 2), ("dilated Conv1D", 4), ("SimpleRNN", 50), ("GRU", 50), ("LSTM", 50),
])
def test_critical_path_of_benchmark_models(kind, expected):
    assert bench.critical_path_length(bench.build_sequence_model(kind, 50, 8)) == expected


def test_critical_path_counts_the_recurrent_layers_input_length():
    series = keras.Input((64, 4))
    h = keras.layers.Conv1D(8, 3, strides=2, padding="same")(series)       # 1 step; 32 positions left
    h = keras.layers.MaxPooling1D(2)(h)                                     # 1 step; 16 positions left
    h = keras.layers.GRU(8, return_sequences=True)(h)                       # 16 sequential steps
    h = keras.layers.LSTM(8)(h)                                             # 16 more
    model = keras.Model(series, keras.layers.Dense(2)(h))                   # 1
    # conv 1, pool 1, then the two recurrent layers as a wavefront: 16 + 2 - 1, then Dense 1
    assert bench.critical_path_length(model) == 1 + 1 + (16 + 2 - 1) + 1


@pytest.mark.parametrize("layers, length", [(1, 12), (2, 12), (3, 7), (4, 30)])
def test_stacked_recurrent_layers_form_a_wavefront(layers, length):
    """L stacked recurrent layers need T + L - 1 steps: checked against a brute-force longest path."""
    series = keras.Input((length, 2))
    h = series
    for i in range(layers):
        h = keras.layers.SimpleRNN(2, return_sequences=i < layers - 1)(h)
    model = keras.Model(series, h)
    # brute force: node (l, t) is ready one step after (l - 1, t) and (l, t - 1)
    ready = {}
    for layer in range(1, layers + 1):
        for t in range(length):
            ready[layer, t] = 1 + max(ready.get((layer - 1, t), 0), ready.get((layer, t - 1), 0))
    assert bench.critical_path_length(model) == max(ready.values()) == length + layers - 1


def test_critical_path_of_conv_windows_and_global_pooling():
    series = keras.Input((20, 2))
    h = keras.layers.Conv1D(2, 3, padding="causal", dilation_rate=2)(series)
    h = keras.layers.AveragePooling1D(2)(h)
    h = keras.layers.GRU(2, return_sequences=True)(h)      # 10 positions after the pooling
    h = keras.layers.GlobalMaxPooling1D()(h)
    assert bench.critical_path_length(keras.Model(series, h)) == 1 + 1 + 10 + 1


def test_critical_path_needs_a_fixed_length():
    series = keras.Input((None, 4))
    with pytest.raises(ValueError, match="unknown sequence length"):
        bench.critical_path_length(keras.Model(series, keras.layers.GRU(2)(series)))


def test_layer_flops_formulas():
    assert bench.layer_flops("Conv1D", 2, 10, 4) == 2 * (2 * 2 * 10 * 4 * 4 * 3)
    assert bench.layer_flops("LSTM", 2, 10, 4) == 2 * 2 * 10 * 8 * 4 * 4
    assert bench.layer_flops("GRU", 1, 1, 4) / bench.layer_flops("SimpleRNN", 1, 1, 4) == 3
    with pytest.raises(ValueError, match="kind must be one of .*got 'Transformer'"):
        bench.layer_flops("Transformer", 1, 1)


def test_state_flops_are_the_recurrent_half():
    assert bench.state_flops("LSTM", 2, 10, 4) == bench.layer_flops("LSTM", 2, 10, 4) / 2     # input width = units
    assert bench.state_flops("GRU", 1, 1, 4) == 2 * 3 * 4 * 4
    assert bench.state_flops("Conv1D", 2, 10, 4) == bench.state_flops("minGRU, parallel scan", 2, 10, 4) == 0
    with pytest.raises(ValueError, match="kind must be one of"):
        bench.state_flops("Transformer", 1, 1)
    with pytest.raises(ValueError, match="length must be an integer >= 1"):
        bench.state_flops("LSTM", 1, 0)


def test_build_sequence_model_shapes_and_errors():
    for kind in bench.LAYER_KINDS:
        assert tuple(bench.build_sequence_model(kind, 12, 6).output.shape) == (None, 12, 6)
    with pytest.raises(ValueError, match="kind must be one of"):
        bench.build_sequence_model("Attention", 12)
    with pytest.raises(ValueError, match="length must be an integer >= 1, got 0"):
        bench.build_sequence_model("GRU", 0)


def test_median_time(monkeypatch):
    """On a fake clock where calls take 5, 1, 3 s (after two warm-up calls), the median is 3 s."""
    durations = iter([5.0, 1.0, 3.0])
    clock = {"now": 0.0, "running": False}

    def perf_counter():
        if clock["running"]:  # the end of a timed call: it took the next duration
            clock["now"] += next(durations)
        clock["running"] = not clock["running"]
        return clock["now"]

    calls = []
    monkeypatch.setattr(bench.time, "perf_counter", perf_counter)
    assert bench.median_time(lambda: calls.append(1), repeats=3, warmup=2) == 3.0
    assert len(calls) == 5
    with pytest.raises(ValueError, match="repeats must be an integer >= 1, got 0"):
        bench.median_time(lambda: None, repeats=0)


def test_interleaved_times_alternates_and_takes_medians(monkeypatch):
    """A, B, A, B, ...: a slow moment hits both; each median comes from its own calls."""
    order = []
    durations = {"A": iter([1.0, 9.0, 2.0]), "B": iter([4.0, 9.0, 5.0])}
    clock = {"now": 0.0, "running": None}

    def perf_counter():
        if clock["running"]:
            clock["now"] += next(durations[clock["running"]])
            clock["running"] = None
        else:
            clock["running"] = "pending"
        return clock["now"]

    def call(name):
        def function():
            order.append(name)
            if clock["running"] == "pending":
                clock["running"] = name
        return function

    monkeypatch.setattr(bench.time, "perf_counter", perf_counter)
    times = bench.interleaved_times({"A": call("A"), "B": call("B")}, repeats=3, warmup=1)
    assert order == ["A", "B"] * 4
    assert times == {"A": 2.0, "B": 5.0}
    with pytest.raises(ValueError, match="non-empty"):
        bench.interleaved_times({})
    with pytest.raises(ValueError, match="must be a function, got 3"):
        bench.interleaved_times({"A": 3})


def test_command_line_writes_csv_and_plot(tmp_path, capsys):
    assert bench.main(["--lengths", "8", "16", "--repeats", "1", "--batch", "4", "--width", "8", "--out", str(tmp_path)]) == 0
    rows = list(csv.DictReader(open(tmp_path / "bench.csv")))
    assert len(rows) == 2 * len(bench.LAYER_KINDS)
    assert {r["kind"] for r in rows} == set(bench.LAYER_KINDS) and float(rows[0]["train_s"]) > 0
    assert (tmp_path / "bench.png").stat().st_size > 1000
    assert "matmul ceiling" in capsys.readouterr().out


def test_a_run_labelled_cpu_ran_on_the_cpu():
    results = bench.benchmark(kinds=["Conv1D", "GRU"], lengths=[8], batch=2, width=4, repeats=1, device="CPU", log=None)
    assert [r.ran_on for r in results] == ["CPU", "CPU"] and {r.device for r in results} == {"CPU"}
    x = keras.ops.convert_to_tensor(np.zeros(3, "float32"))
    with keras.device("cpu:0"):
        assert runtime.placement(keras.Variable(np.zeros(2, "float32"))) == "CPU"
    assert runtime.placement(x) in ("CPU", "GPU")


def test_gpu_benchmark_without_a_gpu_says_so(monkeypatch):
    monkeypatch.setattr(runtime, "device_name", lambda: "CPU")
    with pytest.raises(ValueError, match="device='GPU' needs a GPU that .* can use; this machine runs on the CPU"):
        bench.benchmark(lengths=(8,), repeats=1, device="GPU", log=None)


def test_benchmark_times_with_determinism_off_and_restores_it(monkeypatch):
    seen = []
    original = bench.interleaved_rounds
    monkeypatch.setattr(bench, "interleaved_rounds",
                        lambda f, repeats, warmup=2: seen.append(runtime.op_determinism()) or original(f, repeats, warmup))
    runtime.seed_everything(0, deterministic=True)
    bench.benchmark(kinds=["Conv1D"], lengths=[8], batch=2, width=4, repeats=1, log=None)
    if keras.backend.backend() != "jax":
        assert seen == [False]
    assert runtime.op_determinism() is True


def test_utilisation_times_matmul_and_layers_together(monkeypatch):
    seen = []
    original = bench.interleaved_times
    monkeypatch.setattr(bench, "interleaved_times", lambda calls, repeats: seen.append(sorted(calls)) or original(calls, repeats))
    shares = bench.utilisation(kinds=("Conv1D", "GRU"), length=8, batch=2, width=4, repeats=1, matmul_size=32)
    assert seen == [["Conv1D", "GRU", "matmul"]], "one loop must time the ceiling and the layers"
    assert shares["ceiling"] > 0 and set(shares) == {"ceiling", "Conv1D", "GRU"}
    assert shares["GRU"]["share"] == pytest.approx(shares["GRU"]["gflops"] / shares["ceiling"])
    with pytest.raises(ValueError, match="kinds"):
        bench.utilisation(kinds=("Transformer",))


def test_streaming_latency_times_a_gru_step_and_cnn_windows():
    rows = bench.streaming_latency(layers=(1, 3), streams=2, width=8, repeats=2, warmup=1)
    assert [r["name"] for r in rows] == ["GRU cell step", "CNN, 1 layers, field 3", "CNN, 3 layers, field 15"]
    assert [r["field"] for r in rows] == [None, 3, 15]
    assert [r["floats_per_stream"] for r in rows] == [8, 24, 120]
    assert all(r["seconds"] > 0 for r in rows)


def test_cnn_window_step_field_matches_the_measured_receptive_field():
    from utils import memory

    model, field = bench.cnn_window_step(3, width=4)
    assert field == 15 == memory.receptive_field(model)
    assert tuple(model.output.shape) == (None, 4)


def test_gru_stream_step_matches_a_gru_layer_step_by_step():
    step = bench.gru_stream_step(width=4)
    series = keras.Input(shape=(5, 4))
    layer = keras.layers.GRU(4)
    whole = keras.Model(series, layer(series))
    layer.set_weights(step.get_weights())
    x = np.random.default_rng(0).normal(size=(2, 5, 4)).astype("float32")
    state = np.zeros((2, 4), "float32")
    for t in range(5):
        state = step.predict_on_batch([x[:, t], state])
    np.testing.assert_allclose(state, whole.predict_on_batch(x), atol=1e-5)


def test_cnn_cached_step_reproduces_the_causal_stack_step_by_step():
    """Fed one step at a time from zero caches, it gives the full causal stack's output at every step."""
    from utils import models

    window_model, field = bench.cnn_window_step(3, width=4)
    cached_model, cached_field = bench.cnn_cached_step(3, width=4)
    cached_model.set_weights(window_model.get_weights())
    length = 20
    series = keras.Input(shape=(length, 4))
    whole = keras.Model(series, models.dilated_causal_cnn(series, 4, (1, 2, 4), 3))
    whole.set_weights(window_model.get_weights())
    x = np.random.default_rng(1).normal(size=(2, length, 4)).astype("float32")
    expected = whole.predict_on_batch(x)
    caches = [np.zeros((2, *shape[1:]), "float32") for shape in cached_model.input_shape[1:]]
    assert cached_field == field == 15 and sum(c[0].size for c in caches) == (field - 1) * 4
    for t in range(length):
        newest, *caches = cached_model.predict_on_batch([x[:, t], *caches])
        np.testing.assert_allclose(newest, expected[:, t], atol=1e-5)
    np.testing.assert_allclose(window_model.predict_on_batch(x[:, -field:]), expected[:, -1], atol=1e-5)
    with pytest.raises(ValueError, match="layers must be an integer >= 1, got 0"):
        bench.cnn_cached_step(0)


def test_streaming_latency_adds_cached_cnns_when_asked():
    rows = bench.streaming_latency(layers=(1, 3), streams=2, width=8, repeats=1, warmup=1, cached=True)
    assert [r["name"] for r in rows] == ["GRU cell step", "CNN, 1 layers, field 3", "CNN, 3 layers, field 15",
                                         "CNN, 1 layers, field 3, cached", "CNN, 3 layers, field 15, cached"]
    assert [r["cached"] for r in rows] == [None, False, False, True, True]
    assert [r["floats_per_stream"] for r in rows] == [8, 24, 120, 16, 112]
    with pytest.raises(ValueError, match="cached must be True or False"):
        bench.streaming_latency(layers=(1,), cached="yes")


def test_streaming_latency_rejects_bad_depths():
    with pytest.raises(ValueError, match="layers"):
        bench.streaming_latency(layers=(0,))


def test_growth_exponent_fits_the_two_longest_lengths():
    rows = [bench.BenchResult("causal attention", t, "CPU", 1e-9 * t**2, 2e-9 * t**2, 8, 64, "CPU") for t in (128, 512, 2048)]
    assert bench.growth_exponent(rows, "causal attention") == pytest.approx(2.0)
    assert bench.growth_exponent(rows, "causal attention", "train_s") == pytest.approx(2.0)
    with pytest.raises(ValueError, match="two or more lengths"):
        bench.growth_exponent(rows[:1], "causal attention")


def test_benchmark_times_every_kind_and_length_in_one_loop(monkeypatch):
    """One interleaved loop for the whole grid, so exponents between lengths share the machine's load."""
    loops = []
    original = bench.interleaved_rounds
    monkeypatch.setattr(bench, "interleaved_rounds", lambda f, repeats, warmup=2: loops.append(sorted(f)) or original(f, repeats, warmup))
    results = bench.benchmark(kinds=["Conv1D", "GRU"], lengths=[8, 16], batch=2, width=4, repeats=3, warmup=1, log=None)
    assert len(loops) == 1 and len(loops[0]) == 2 * 2 * 2          # forward and train, two kinds, two lengths
    assert [(r.length, r.kind) for r in results] == [(8, "Conv1D"), (8, "GRU"), (16, "Conv1D"), (16, "GRU")]
    for r in results:
        assert len(r.train_rounds) == len(r.forward_rounds) == 3
        assert r.train_s == pytest.approx(float(np.median(r.train_rounds)))
    assert "train_rounds" not in bench.csv_text(results).splitlines()[0]


def test_interleaved_rounds_keeps_every_rounds_time(monkeypatch):
    ticks = iter(range(100))
    monkeypatch.setattr(bench.time, "perf_counter", lambda: float(next(ticks)) ** 2)
    rounds = bench.interleaved_rounds({"A": lambda: None, "B": lambda: None}, repeats=2, warmup=1)
    assert rounds == {"A": [1.0, 9.0], "B": [5.0, 13.0]}       # (1-0), (25-16) and (9-4), (49-36): the warm-up is untimed


def _rows(kind, times_by_length):
    return [bench.BenchResult(kind, t, "CPU", float(np.median(r)), float(np.median(r)), 8, 64, "CPU", tuple(r), tuple(r))
            for t, r in times_by_length.items()]


def test_growth_exponent_gap_pairs_the_four_times_of_each_round():
    # attention ~ T^2, the scan ~ T; the machine is 3x slower during round 2 and 2x during round 3: each round's ratio cancels it
    attention = _rows("causal attention", {512: [1.0, 3.0, 2.0], 2048: [16.0, 48.0, 32.0]})
    scan = _rows("minGRU, parallel scan", {512: [1.0, 3.0, 2.0], 2048: [4.0, 12.0, 8.0]})
    assert bench.growth_exponent_gap(attention + scan, "causal attention", "minGRU, parallel scan") == pytest.approx(1.0)
    assert bench.growth_exponent_gap(attention + scan, "causal attention", "minGRU, parallel scan", "forward_s") == pytest.approx(1.0)
    with pytest.raises(ValueError, match="two or more lengths"):
        bench.growth_exponent_gap(attention[:1] + scan, "causal attention", "minGRU, parallel scan")
    with pytest.raises(ValueError, match="same lengths"):
        bench.growth_exponent_gap(attention + _rows("minGRU, parallel scan", {256: [1.0], 2048: [4.0]}),
                                  "causal attention", "minGRU, parallel scan")
    with pytest.raises(ValueError, match="same number of rounds"):
        bench.growth_exponent_gap(attention + _rows("minGRU, parallel scan", {512: [1.0], 2048: [4.0]}),
                                  "causal attention", "minGRU, parallel scan")
    with pytest.raises(ValueError, match="which"):
        bench.growth_exponent_gap(attention + scan, "causal attention", "minGRU, parallel scan", which="flops")


def test_train_step_seconds_times_fresh_models_in_turn(monkeypatch):
    import numpy as np

    built = []

    def build():
        inputs = keras.Input(shape=(3,))
        model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs))
        built.append(model)
        return model

    x, y = np.zeros((8, 3), "float32"), np.zeros(8, "int64")
    times = bench.train_step_seconds({"a": build, "b": build}, x, y, repeats=2, warmup=1)
    assert set(times) == {"a", "b"} and all(t > 0 for t in times.values()) and len(built) == 2
    with pytest.raises(ValueError, match="non-empty"):
        bench.train_step_seconds({}, x, y)
    with pytest.raises(ValueError, match="same number of examples"):
        bench.train_step_seconds({"a": build}, x, y[:4])
