"""fit_seeds: several seeds as independent branches of one model, and the helpers that report them."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from utils import plots, report, training
from utils.runtime import import_keras, seed_everything

keras = import_keras()


def small_regressor():
    series = keras.Input(shape=(6, 2))
    return keras.Model(series, keras.layers.Dense(1)(keras.layers.GRU(4)(series)))


def data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6, 2)).astype("float32")
    return x, x[:, -1, :1] + x[:, 0, 1:]


def test_branches_start_from_each_seeds_weights_and_train_independently():
    x, y = data()
    runs = training.fit_seeds(small_regressor, (3, 7), x, y, epochs=2, learning_rate=1e-2, batch_size=32,
                              loss="mse", clipnorm=1.0, progress_every=0)
    for seed in (3, 7):
        seed_everything(seed)
        alone = small_regressor()
        alone.compile(optimizer=keras.optimizers.Adam(1e-2, clipnorm=1.0), loss="mse")
        seed_everything(3)                                   # fit_seeds shuffles with the first seed
        alone.fit(x, y, epochs=2, batch_size=32, verbose=0)
        for mine, theirs in zip(runs.models[seed].get_weights(), alone.get_weights()):
            np.testing.assert_allclose(mine, theirs, atol=1e-4)
    assert runs.curve("loss").shape == (2, 2)
    assert not np.allclose(runs.models[3].get_weights()[0], runs.models[7].get_weights()[0])


def test_per_seed_data_order_gives_each_seed_its_own_permutation_of_the_data():
    x, y = data()
    settings = {"epochs": 2, "learning_rate": 1e-2, "batch_size": 32, "loss": "mse", "progress_every": 0}
    runs = training.fit_seeds(small_regressor, (3, 7), x, y, data_order="per seed", validation_data=(x[:16], y[:16]),
                              **settings)
    for seed in (3, 7):
        order = np.random.default_rng(seed).permutation(len(x))
        seed_everything(seed)
        alone = small_regressor()
        alone.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
        seed_everything(3)                                   # fit_seeds shuffles the stacked rows with the first seed
        alone.fit(x[order], y[order], epochs=2, batch_size=32, verbose=0)
        for mine, theirs in zip(runs.models[seed].get_weights(), alone.get_weights()):
            np.testing.assert_allclose(mine, theirs, atol=1e-4)
    validation_mse = [np.mean((runs.models[s].predict(x[:16], verbose=0) - y[:16]) ** 2) for s in (3, 7)]
    np.testing.assert_allclose(runs.final("val_loss"), validation_mse, rtol=1e-4)
    shared = training.fit_seeds(small_regressor, (3, 7), x, y, **settings)
    np.testing.assert_allclose(shared.models[3].get_weights()[0], training.fit_seeds(
        small_regressor, (3, 7), x, y, data_order="shared", **settings).models[3].get_weights()[0])
    assert not np.allclose(shared.models[7].get_weights()[0], runs.models[7].get_weights()[0])


def test_several_models_train_in_one_call_with_validation_and_early_stop(capsys):
    x, y = data()
    labels = (y[:, 0] > 0).astype("int32")

    def classifier():
        series = keras.Input(shape=(6, 2))
        return keras.Model(series, keras.layers.Dense(2, activation="softmax")(keras.layers.Flatten()(series)))

    runs = training.fit_seeds({"dense": classifier, "dense too": classifier}, (0, 1, 2), x, labels, epochs=3,
                              metrics=("accuracy",), validation_data=(x, labels), stop_at=0.0, progress_every=1,
                              name="a pair, T=1")
    assert set(runs) == {"dense", "dense too"}
    assert runs["dense"].curve("val_accuracy").shape == (3, 1), "stop_at=0 should stop after the first epoch"
    assert "a pair, T=1 epoch 1/3, validation loss per seed: dense" in capsys.readouterr().out
    np.testing.assert_allclose(runs["dense"].final("val_loss"), runs["dense too"].final("val_loss"), rtol=1e-5)


def test_seed_runs_reporting():
    x, y = data()
    runs = {"GRU": training.fit_seeds(small_regressor, (0, 1, 2), x, y, epochs=2, loss="mse", progress_every=0)}
    run = runs["GRU"]
    assert run.count("loss", below=np.inf) == 3 and run.count("loss", above=np.inf) == 0
    text = run.mean_sd("loss")
    values = run.final("loss")
    assert text == f"{values.mean():.3f} ± {values.std(ddof=1):.3f}"
    table = report.seed_table(runs, key="loss", label="loss", solved_below=1e9)
    assert table.headers[-1] == "seeds with loss < 1e+09" and table.rows[0][-1] == "3 of 3"
    assert table.rows[0][1] == f"{run.models[0].count_params():,}"
    fig = plots.plot_seed_curves(runs, key="loss", baselines={"zero": 1.0})
    assert len(fig.axes[0].lines) == 3 + 1 + 1
    plt.close(fig)
    with pytest.raises(ValueError, match="was not logged"):
        run.curve("val_accuracy")
    with pytest.raises(ValueError, match="exactly one of"):
        run.count("loss")
    joint = run.predict(x[:10])
    for seed, predictions in zip(run.seeds, joint):
        np.testing.assert_allclose(predictions, run.models[seed].predict(x[:10], verbose=0), rtol=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({"seeds": (1,)}, "at least 2 distinct seeds"),
    ({"seeds": (1, 1)}, "at least 2 distinct seeds"),
    ({"seeds": (1, -2)}, "integers >= 0"),
    ({"build": "GRU"}, "must be a function"),
    ({"build": lambda: "not a model"}, "must return a Keras model"),
    ({"stop_at": 0.9}, "metrics is empty"),
    ({"epochs": 0}, "epochs must be an integer >= 1"),
    ({"optimizer": "rmsprop"}, "optimizer must be one of 'adam', 'sgd'"),
    ({"data_order": "random"}, "data_order must be one of 'shared', 'per seed'"),
])
def test_fit_seeds_bad_calls(kwargs, message):
    x, y = data(8)
    arguments = {"build": small_regressor, "seeds": (0, 1), "epochs": 1, "loss": "mse", **kwargs}
    build, seeds = arguments.pop("build"), arguments.pop("seeds")
    with pytest.raises(ValueError, match=message):
        training.fit_seeds(build, seeds, x, y, **arguments)


def test_mean_sd_needs_two_values():
    assert training.mean_sd([1.0, 3.0], digits=1) == "2.0 ± 1.4"
    with pytest.raises(ValueError, match="at least 2 seeds"):
        training.mean_sd([1.0])


def test_gate_traces_figure():
    fig = plots.plot_gate_traces(np.linspace(0, 1, 10), [2, 7], {"GRU": {"write": np.zeros(10), "state": np.ones(10)}})
    assert len(fig.axes) == 2 and fig.axes[1].get_legend() is not None
    plt.close(fig)
    with pytest.raises(ValueError, match="non-empty"):
        plots.plot_gate_traces(np.zeros(5), [1], {})
    with pytest.raises(ValueError, match="write must"):
        plots.plot_gate_traces(np.zeros(5), [1], {"GRU": {"write": np.zeros(4)}})


def _correct(rate, n, seeds=3, seed=0):
    return np.random.default_rng(seed).random((seeds, n)) < rate


def test_paired_verdict_names_a_clear_winner_and_an_equivalence():
    better, worse = _correct(0.95, 2000, seed=1), _correct(0.80, 2000, seed=2)
    verdict = training.paired_verdict(better, worse, names=("CNN", "RNN"))
    assert verdict.winner == "CNN" and verdict.low > 0 and verdict.gap == pytest.approx(better.mean() - worse.mean())
    assert training.paired_verdict(worse, better, names=("CNN", "RNN")).winner == "RNN"
    same = training.paired_verdict(better, better.copy(), margin=0.01)
    assert same.winner == "tie" and same.low == same.high == 0.0
    assert "tie" in str(same) and "±0.01" in str(same)


def test_paired_verdict_calls_a_gap_inside_the_margin_a_tie_even_when_it_is_significant():
    b = np.zeros((3, 20000), bool)
    b[:, :14000] = True
    a = b.copy()
    a[:, 14000:14100] = True                                        # A is 0.005 better, on every seed and image
    verdict = training.paired_verdict(a, b, margin=0.01)
    assert verdict.low > 0 and verdict.high < 0.01 and verdict.winner == "tie"
    assert training.paired_verdict(a, b, margin=0.002).winner == "A"


def test_paired_verdict_says_undecided_when_the_test_set_is_too_small_for_either():
    a, b = _correct(0.8, 60, seed=3), _correct(0.8, 60, seed=4)
    verdict = training.paired_verdict(a, b, margin=0.02)
    assert verdict.winner == "undecided" and verdict.low < -0.02 and verdict.high > 0.02


def test_paired_verdict_uses_the_pairing():
    """Both right on the same 700 of 1,000 examples, A on 30 more: a 0.03 gap that pairing resolves
    (a rule that only sees the two accuracies, 0.73 and 0.70 on 1,000 examples, cannot: 2 SE = 0.041)."""
    b = np.zeros((3, 1000), bool)
    b[:, :700] = True
    a = b.copy()
    a[:, 700:730] = True
    verdict = training.paired_verdict(a, b)
    assert verdict.winner == "A" and verdict.gap == pytest.approx(0.03)
    assert 2 * np.sqrt(0.73 * 0.27 / 1000 + 0.70 * 0.30 / 1000) > 0.03


def test_paired_interval_agrees_with_scipys_paired_bootstrap_on_one_seed():
    """With one seed the course's bootstrap is the textbook paired percentile bootstrap over examples."""
    from scipy import stats

    rng = np.random.default_rng(5)
    a = rng.random(600) < 0.80                       # model A right on about 80% of the examples
    b = np.where(rng.random(600) < 0.7, a, rng.random(600) < 0.74)   # B mostly agrees with A: a real pairing
    low, high = training._paired_interval((a.astype(float) - b)[None], 0.95, resamples=20000, seed=0)
    reference = stats.bootstrap((a.astype(float), b.astype(float)), lambda x, y: np.mean(x - y), paired=True,
                                vectorized=False, method="percentile", confidence_level=0.95, n_resamples=20000,
                                random_state=1).confidence_interval
    assert abs(low - reference.low) < 0.004 and abs(high - reference.high) < 0.004, (low, high, reference)
    unpaired_width = 2 * 1.96 * np.sqrt(a.var() / 600 + b.var() / 600)
    assert high - low < 0.8 * unpaired_width         # the pairing narrows it, as scipy's does


def test_paired_verdict_rejects_bad_input():
    a = _correct(0.9, 100)
    with pytest.raises(ValueError, match="same \\(seeds, examples\\) shape"):
        training.paired_verdict(a, a[:, :50])
    with pytest.raises(ValueError, match="at least 2 seeds"):
        training.paired_verdict(a[:1], a[:1])
    with pytest.raises(ValueError, match="0/1 or booleans"):
        training.paired_verdict(a * 0.5, a)
    with pytest.raises(ValueError, match="margin must lie strictly between 0 and 1"):
        training.paired_verdict(a, a, margin=0)
    with pytest.raises(ValueError, match="names must be two non-empty strings"):
        training.paired_verdict(a, a, names=("A",))
    with pytest.raises(ValueError, match="correct_a must have shape 2-D"):
        training.paired_verdict(a[0], a[0])


def test_paired_error_verdict_names_the_forecaster_that_errs_less_as_a_fraction_of_the_other():
    rng = np.random.default_rng(0)
    base = rng.gamma(2.0, 500.0, size=(3, 480))                     # per-window errors, MW
    verdict = training.paired_error_verdict(0.8 * base, base, names=("CNN", "GRU"), block=48)
    assert verdict.winner == "CNN" and verdict.gap == pytest.approx(0.2) and 0 < verdict.low < 0.2 < verdict.high
    assert training.paired_error_verdict(base, 0.8 * base, names=("CNN", "GRU"), block=48).winner == "GRU"
    tie = training.paired_error_verdict(base * 1.01, base, margin=0.05, block=48)
    assert tie.winner == "tie" and -0.05 < tie.low <= tie.high < 0.05


def test_paired_error_verdict_blocks_widen_the_interval_for_overlapping_windows():
    """Errors that drift slowly (as overlapping windows' do) are not 480 independent examples: drawing
    days of 48 windows gives the wider, honest interval, and here turns a 'winner' into 'undecided'."""
    rng = np.random.default_rng(1)
    days = np.repeat(rng.normal(0, 0.3, size=(1, 10)), 48, axis=1)      # the same gap for a whole day
    a, b = np.ones((3, 480)) + 0.05 + days, np.ones((3, 480)) + 0.05
    loose = training.paired_error_verdict(a.clip(0), b, margin=0.01)
    honest = training.paired_error_verdict(a.clip(0), b, margin=0.01, block=48)
    assert honest.high - honest.low > 3 * (loose.high - loose.low)
    assert loose.winner != "undecided" and honest.winner == "undecided"


def test_paired_error_verdict_rejects_bad_input():
    e = np.ones((3, 100))
    with pytest.raises(ValueError, match="same \\(seeds, windows\\) shape"):
        training.paired_error_verdict(e, e[:, :50])
    with pytest.raises(ValueError, match="at least 2 seeds"):
        training.paired_error_verdict(e[:1], e[:1])
    with pytest.raises(ValueError, match="finite and non-negative"):
        training.paired_error_verdict(-e, e)
    with pytest.raises(ValueError, match="block must be an integer from 1 to 50"):
        training.paired_error_verdict(e, e, block=60)
    with pytest.raises(ValueError, match="errors_b are all 0"):
        training.paired_error_verdict(e, 0 * e)
    with pytest.raises(ValueError, match="margin must lie strictly between 0 and 1"):
        training.paired_error_verdict(e, e, margin=1.5)


def test_seed_correct_marks_each_example_and_seed_accuracies_average_it():
    probabilities = [np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]), np.array([[0.1, 0.9], [0.3, 0.7], [0.5, 0.4]])]
    labels = np.array([0, 1, 1])
    np.testing.assert_array_equal(training.seed_correct(probabilities, labels), [[True, True, False], [False, True, False]])
    np.testing.assert_allclose(training.seed_accuracies(probabilities, labels), [2 / 3, 1 / 3])
    with pytest.raises(ValueError, match="predictions is empty"):
        training.seed_correct([], labels)


def test_fit_seeds_cosine_rate_decays_to_zero(monkeypatch):
    x, y = data(32)
    rates = []
    adam = keras.optimizers.Adam
    monkeypatch.setattr(keras.optimizers, "Adam", lambda rate, **kwargs: rates.append(rate) or adam(rate, **kwargs))
    runs = training.fit_seeds(small_regressor, (0, 1), x, y, epochs=2, batch_size=16, loss="mse",
                              learning_rate="cosine", base_rate=1e-2, progress_every=0)
    schedule = rates[0]
    assert float(schedule(0)) == pytest.approx(1e-2) and float(schedule(4)) == pytest.approx(0, abs=1e-9)
    assert runs.curve("loss").shape == (2, 2)
    with pytest.raises(ValueError, match="base_rate"):
        training.fit_seeds(small_regressor, (0, 1), x, y, epochs=1, loss="mse", learning_rate="cosine", base_rate=0)


def test_seed_accuracies_chart_draws_dots_bars_and_baselines():
    fig = plots.plot_seed_accuracies({"CNN": {"a": [0.9, 0.95], "b": [0.7, 0.8]}, "GRU": {"a": [0.5, 0.6]}},
                                     baselines={"a": 0.5, "b": 0.4})
    ax = fig.axes[0]
    assert len(ax.patches) == 3 and [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    assert "majority class" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(fig)
    with pytest.raises(ValueError, match="non-empty"):
        plots.plot_seed_accuracies({})


def test_fit_seeds_weights_the_loss_per_step_and_checks_the_weights_shape():
    import keras

    from utils import data, training

    x, y, w = data.delayed_recall(64, 12, (1, 3), seed=0)

    def build():
        tokens = keras.Input(shape=(12,))
        h = keras.layers.Dense(2 * 8)(keras.layers.Embedding(8, 4)(tokens))
        return keras.Model(tokens, keras.layers.Softmax()(keras.layers.Reshape((12, 2, 8))(h)))

    runs = training.fit_seeds(build, (0, 1), x, y, sample_weight=w, epochs=1, metrics=["accuracy"],
                              validation_data=(x, y, w), progress_every=0)
    assert np.isfinite(runs.final("val_loss")).all() and len(runs.curve("accuracy")) == 2
    with pytest.raises(ValueError, match="shaped like y"):
        training.fit_seeds(build, (0, 1), x, y, sample_weight=w[..., 0], epochs=1, progress_every=0)


def test_build_for_fit_traces_the_training_step_once_and_changes_no_result():
    x, y = data()
    weights, traces = {}, {}
    for prebuild in (False, True):
        seed_everything(5)
        model = small_regressor()
        model.compile(optimizer=keras.optimizers.Adam(1e-2, clipnorm=1.0), loss="mse", metrics=["mae"])
        if prebuild:
            training.build_for_fit(model, x, y)
            assert model.optimizer.built or keras.backend.backend() != "tensorflow"
        traced, step = [], model.train_step
        if keras.backend.backend() == "tensorflow":                  # count how often TensorFlow traces the step
            model.train_step = lambda batch, step=step, traced=traced: (traced.append(1), step(batch))[1]
        model.fit(x, y, epochs=2, batch_size=32, verbose=0)
        weights[prebuild], traces[prebuild] = model.get_weights(), len(traced)
    for a, b in zip(weights[False], weights[True]):
        np.testing.assert_array_equal(a, b)
    if keras.backend.backend() == "tensorflow":
        assert traces == {False: 2, True: 1}


def test_build_for_fit_needs_a_compiled_model():
    with pytest.raises(ValueError, match="compile the model first"):
        training.build_for_fit(small_regressor(), *data())


@pytest.mark.parametrize("harness", ["compile_and_fit", "fit_seeds"])
@pytest.mark.parametrize("steps_per_execution", [2, 32])
def test_several_steps_per_execution_give_the_same_weights(monkeypatch, harness, steps_per_execution):
    """Running several steps per call changes no update: 90 examples make 3 batches of 32, the last one
    short; an epoch of 3 steps is not a multiple of 2 steps per execution, and shorter than 32."""
    if keras.backend.backend() == "torch":
        assert training.steps_per_execution() == 1
        pytest.skip("Keras on PyTorch runs one step per execution only")
    x, y = data()
    x, y = x[:90], y[:90]
    weights, losses = {}, {}
    for steps in (1, steps_per_execution):
        monkeypatch.setattr(training, "STEPS_PER_EXECUTION", steps)
        if harness == "compile_and_fit":
            seed_everything(3)
            model = small_regressor()
            history = training.compile_and_fit(model, x, y, epochs=3, batch_size=32, loss="mse", metrics=(),
                                               validation_data=(x[:20], y[:20]), progress_every=0)
            weights[steps], losses[steps] = model.get_weights(), history.history["val_loss"]
        else:
            runs = training.fit_seeds(small_regressor, (3, 4), x, y, epochs=3, batch_size=32, loss="mse",
                                      validation_data=(x[:20], y[:20]), progress_every=0)
            weights[steps] = [w for s in runs.seeds for w in runs.models[s].get_weights()]
            losses[steps] = list(runs.curve("val_loss").ravel())
    assert len(losses[1]) == len(losses[steps_per_execution]) == 3 * (1 if harness == "compile_and_fit" else 2)
    for a, b in zip(weights[1], weights[steps_per_execution]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(losses[1], losses[steps_per_execution], rtol=1e-6)


def test_steps_per_epoch_streams_through_x_without_repeating(monkeypatch):
    """Each 'epoch' of steps_per_epoch batches takes the next batches: 3 epochs of 1 batch see 3 different batches."""
    monkeypatch.setattr(training, "STEPS_PER_EXECUTION", 1)
    x, y = data(n=96)
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(batch)

    runs = training.fit_seeds(small_regressor, (0, 1), x, y, epochs=3, steps_per_epoch=1, batch_size=32, loss="mse",
                              validation_data=(x[:8], y[:8]), progress_every=0)
    assert runs.curve("val_loss").shape == (2, 3)
    with pytest.raises(ValueError, match="need 128 examples, x has 96"):
        training.fit_seeds(small_regressor, (0, 1), x, y, epochs=4, steps_per_epoch=1, batch_size=32, loss="mse")


def test_steps_per_epoch_must_be_a_multiple_of_steps_per_execution(monkeypatch):
    monkeypatch.setattr(training, "STEPS_PER_EXECUTION", 4)
    x, y = data(n=96)
    with pytest.raises(ValueError, match="multiple of steps_per_execution"):
        training.fit_seeds(small_regressor, (0, 1), x, y, epochs=1, steps_per_epoch=3, loss="mse")


def test_joint_predictor_matches_each_model_and_accepts_runs_with_the_same_names():
    x, y = data()
    first = training.fit_seeds(small_regressor, (0, 1), x, y, epochs=1, loss="mse", progress_every=0)
    second = training.fit_seeds(small_regressor, (0, 1), x, y, epochs=1, learning_rate=1e-2, loss="mse", progress_every=0)
    predict = training.joint_predictor({"slow": first, "fast": second}, select=lambda out: out[:, 0])
    predictions = predict(x)
    assert set(predictions) == {"slow", "fast"} and len(predictions["fast"]) == 2
    for name, run in (("slow", first), ("fast", second)):
        for p, seed in zip(predictions[name], run.seeds):
            np.testing.assert_allclose(p, run.models[seed].predict(x, verbose=0)[:, 0], atol=1e-5)
    with pytest.raises(ValueError, match="SeedRuns"):
        training.joint_predictor({"slow": "not runs"})
    with pytest.raises(ValueError, match="share a model"):
        training.joint_predictor({"a": first, "b": first})


def test_validation_freq_validates_every_n_epochs_and_always_the_last():
    x, y = data(n=96)
    runs = training.fit_seeds(small_regressor, (0, 1), x, y, epochs=4, loss="mse", validation_data=(x[:8], y[:8]),
                              validation_freq=2, progress_every=0)
    assert runs.curve("loss").shape == (2, 4) and runs.curve("val_loss").shape == (2, 2)
    with pytest.raises(ValueError, match=r"epochs \(3\) must be a multiple of validation_freq \(2\)"):
        training.fit_seeds(small_regressor, (0, 1), x, y, epochs=3, loss="mse", validation_freq=2)
    with pytest.raises(ValueError, match="validation_freq must be an integer >= 1"):
        training.fit_seeds(small_regressor, (0, 1), x, y, epochs=3, loss="mse", validation_freq=0)


def test_joint_predictor_gives_the_same_predictions_in_larger_batches():
    x, y = data()
    run = training.fit_seeds(small_regressor, (0, 1), x, y, epochs=1, loss="mse", progress_every=0)
    default, large = training.joint_predictor({"m": run})(x), training.joint_predictor({"m": run}, batch_size=500)(x)
    for a, b in zip(default["m"], large["m"]):
        np.testing.assert_allclose(a, b, atol=1e-6)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        training.joint_predictor({"m": run}, batch_size=0)


def test_seed_accuracies_scores_each_seeds_probabilities():
    y = np.array([0, 1, 1, 2])
    right, half = np.eye(3)[y], np.eye(3)[[0, 0, 1, 0]]
    np.testing.assert_allclose(training.seed_accuracies([right, half], y), [1.0, 0.5])
    with pytest.raises(ValueError, match="same number of examples"):
        training.seed_accuracies([right[:3]], y)


def noisy_classifier():
    """A GRU, batch normalization and dropout: weights, moving statistics and a random state to set back."""
    series = keras.Input(shape=(6, 2))
    h = keras.layers.BatchNormalization()(keras.layers.GRU(8, return_sequences=True)(series))
    h = keras.layers.Dropout(0.3)(keras.layers.GlobalAveragePooling1D()(h))
    return keras.Model(series, keras.layers.Dense(3, activation="softmax")(h))


@pytest.mark.parametrize("schedule", ["constant", "cosine"])
def test_a_grid_of_rates_gives_each_rate_what_a_call_of_its_own_gives(schedule):
    x, _ = data()
    labels = (x[:, -1, 0] > 0).astype("int64") + (x[:, 0, 1] > 0)
    rates = (1e-2, 3e-2, 3e-3)
    settings = {"epochs": 3, "batch_size": 16, "metrics": ["accuracy"], "validation_data": (x[:24], labels[:24]),
                "clipnorm": 1.0, "progress_every": 0, "data_order": "per seed"}
    builds = {"noisy": noisy_classifier, "plain": small_classifier}

    def rate_settings(rate):
        return {"learning_rate": "cosine", "base_rate": rate} if schedule == "cosine" else {"learning_rate": rate}
    grid = training.fit_seeds(builds, (0, 1), x, labels, name="grid", **settings, **rate_settings(rates))
    assert list(grid) == list(rates)
    for rate in rates:
        alone = training.fit_seeds(builds, (0, 1), x, labels, name="alone", **settings, **rate_settings(rate))
        for model_name in builds:
            np.testing.assert_array_equal(grid[rate][model_name].curve("val_loss"), alone[model_name].curve("val_loss"))
            for seed in (0, 1):
                for mine, theirs in zip(grid[rate][model_name].models[seed].get_weights(),
                                        alone[model_name].models[seed].get_weights()):
                    np.testing.assert_array_equal(mine, theirs)
    first, last = (grid[r]["noisy"].models[0] for r in (rates[0], rates[-1]))
    assert first is not last and not np.array_equal(first.get_weights()[0], last.get_weights()[0])


def small_classifier():
    series = keras.Input(shape=(6, 2))
    return keras.Model(series, keras.layers.Dense(3, activation="softmax")(keras.layers.Flatten()(series)))


def test_a_grid_of_rates_traces_its_training_step_once_on_tensorflow(monkeypatch):
    if keras.backend.backend() != "tensorflow":
        pytest.skip("other backends make one call per rate")
    x, y = data()
    traced = []
    original = keras.Model.make_train_function

    def counting(model, force=False):
        if model.train_function is None or force:
            traced.append(model.name)
        return original(model, force)
    # monkeypatch removes the attribute afterwards: putting the inherited method back on keras.Model itself
    # would hide any later patch of the trainer class (scripts/where_time_goes.py's test patches it)
    monkeypatch.setattr(keras.Model, "make_train_function", counting)
    training.fit_seeds(small_regressor, (0, 1), x, y, loss="mse", epochs=1, learning_rate=(1e-2, 1e-3),
                       progress_every=0)
    assert len(traced) == 1


@pytest.mark.parametrize("kwargs, message", [
    ({"learning_rate": (1e-2, 1e-2)}, "distinct rates"),
    ({"learning_rate": ()}, "distinct rates"),
    ({"learning_rate": "cosine", "base_rate": (1e-2, -1.0)}, "base_rate"),
    ({"learning_rate": (1e-2, "fast")}, "learning_rate"),
])
def test_a_bad_grid_of_rates_is_refused(kwargs, message):
    x, y = data()
    with pytest.raises(ValueError, match=message):
        training.fit_seeds(small_regressor, (0, 1), x, y, loss="mse", epochs=1, progress_every=0, **kwargs)
