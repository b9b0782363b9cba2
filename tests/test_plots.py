"""Unit tests of utils.plots: every helper returns a labelled Figure and rejects bad input."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from utils import plots


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _labelled(ax):
    return bool(ax.get_xlabel()) and bool(ax.get_ylabel()) and bool(ax.get_title())


HISTORY = {"loss": [1.0, 0.5, 0.2], "val_loss": [1.1, 0.6, 0.3], "accuracy": [0.5, 0.7, 0.9]}


def test_history_single_run_panels_per_metric():
    fig = plots.plot_history(HISTORY, baselines={"chance": 0.8})
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2 and all(_labelled(ax) for ax in fig.axes)
    loss_ax = fig.axes[0]
    labels = [line.get_label() for line in loss_ax.get_lines()]
    assert labels == ["train", "validation", "chance"]
    assert loss_ax.get_yscale() == "log"


def test_history_several_runs_and_keras_history_object():
    class FakeHistory:
        history = HISTORY

    fig = plots.plot_history({"LSTM": FakeHistory(), "CNN": HISTORY}, metrics=["loss"])
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert "LSTM (train)" in labels and "CNN (validation)" in labels


def test_history_bad_input():
    with pytest.raises(ValueError, match="metric 'mae' not in history"):
        plots.plot_history(HISTORY, metrics=["mae"])
    with pytest.raises(ValueError, match="non-empty"):
        plots.plot_history({})


def test_image_grid_and_feature_maps():
    fig = plots.plot_image_grid(np.random.rand(10, 8, 8), titles=[str(i) for i in range(10)], ncols=5)
    assert isinstance(fig, Figure) and len(fig.axes) == 10 and fig._suptitle.get_text()
    fig = plots.plot_image_grid(np.random.rand(6, 6, 4), channels_last=True, title="feature maps")
    assert sum(ax.has_data() for ax in fig.axes) == 4


@pytest.mark.parametrize("kwargs, message", [
    ({"images": np.zeros((8, 8))}, r"images must have shape \(n, height, width\)"),
    ({"images": np.zeros((2, 8, 8)), "titles": ["a"]}, "titles has 1 entries for 2 images"),
    ({"images": np.zeros((2, 8, 8)), "ncols": 0}, "ncols must be an integer >= 1"),
    ({"images": np.zeros((2, 8, 8, 1)), "channels_last": True}, "channels_last expects"),
])
def test_image_grid_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plots.plot_image_grid(**kwargs)


def test_sequence_heatmap():
    fig = plots.plot_sequence_heatmap(np.random.randn(16, 50), title="hidden state", ylabel="unit")
    assert _labelled(fig.axes[0]) and fig.axes[0].get_xlabel() == "time step"
    assert len(fig.axes) == 2  # the colour bar
    with pytest.raises(ValueError, match="must be a non-empty 2-D array"):
        plots.plot_sequence_heatmap(np.zeros(5))


def test_comparison_bar_and_line():
    fig = plots.plot_comparison({"CNN": {"GunPoint": 0.97, "Italy": 0.95}, "GRU": {"GunPoint": 0.9}},
                                ylabel="accuracy", xlabel="data set", reference_lines={"chance": 0.5})
    ax = fig.axes[0]
    assert _labelled(ax) and len(ax.patches) == 4
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["CNN", "GRU", "chance"]
    fig = plots.plot_comparison({"LSTM": {1: 1.0, 8: 0.9, 32: 0.2}}, kind="line", xlabel="lag",
                                ylabel="accuracy", log_x=True)
    assert fig.axes[0].get_xscale() == "log"
    np.testing.assert_array_equal(fig.axes[0].get_lines()[0].get_xdata(), [1, 8, 32])


def test_comparison_bad_input():
    with pytest.raises(ValueError, match="kind must be 'bar' or 'line'"):
        plots.plot_comparison({"a": 1}, kind="pie")
    with pytest.raises(ValueError, match="non-empty mapping"):
        plots.plot_comparison({})
    with pytest.raises(ValueError, match="numeric x values"):
        plots.plot_comparison({"a": {"x": 1}}, kind="line")


def test_color_for_is_consistent():
    assert plots.color_for("LSTM(64)") == plots.color_for("lstm")
    assert plots.color_for("something else", 3) == "C3"
    image_models = ("MLP", "CNN", "CNN, global pooling", "GRU", "hybrid")          # lesson 06, one chart
    assert len({plots.color_for(name, i) for i, name in enumerate(image_models)}) == len(image_models)


def test_plot_influence_maps_draws_one_panel_per_model():
    grid = np.tril(np.ones((6, 6)))
    fig = plots.plot_influence_maps({"CNN": grid, "GRU": 0.5 * grid}, {"CNN": "field 3"})
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert [ax.get_title() for ax in panels[:2]] == ["CNN: field 3", "GRU"]
    assert panels[0].get_xlabel() == "output step"


def test_plot_influence_maps_rejects_non_square_grids():
    with pytest.raises(ValueError, match="square"):
        plots.plot_influence_maps({"CNN": np.ones((3, 4))})
    with pytest.raises(ValueError, match="non-empty"):
        plots.plot_influence_maps({})


def test_seed_curves_against_updates_or_seconds():
    from utils import training

    class Runs(training.SeedRuns):
        pass

    run = training.SeedRuns("a", {0: None, 1: None}, {0: {"val_loss": [2.0, 1.0]}, 1: {"val_loss": [2.2, 1.2]}}, 1.0)
    fig = plots.plot_seed_curves({"a": run}, per_epoch={"a": 32}, scale=2.0, xlabel="updates", log_y=False)
    ax = fig.axes[0]
    assert list(ax.lines[-1].get_xdata()) == [32, 64] and np.allclose(ax.lines[-1].get_ydata(), [4.2, 2.2])
    assert ax.get_xlabel() == "updates"
    with pytest.raises(ValueError, match="no value for"):
        plots.plot_seed_curves({"a": run}, per_epoch={"b": 1.0})
    with pytest.raises(ValueError, match="positive number"):
        plots.plot_seed_curves({"a": run}, per_epoch=0)


def test_plot_confusion_rows_are_shares_of_the_true_class():
    fig = plots.plot_confusion([0, 0, 1, 2], [0, 1, 1, 2], ["a", "b", "c"], title="toy")
    shares = fig.axes[0].images[0].get_array()
    np.testing.assert_allclose(shares, [[0.5, 0.5, 0], [0, 1, 0], [0, 0, 1]])
    assert fig.axes[0].get_xlabel() == "predicted class" and fig.axes[0].get_title() == "toy"


@pytest.mark.parametrize("y_true, y_pred, message", [([0, 1], [0], "same number of examples"),
                                                     ([0, 3], [0, 1], r"in 0\.\.2 to index the 3 class_names"),
                                                     ([], [], r"non-empty")])
def test_plot_confusion_rejects_labels_it_cannot_place(y_true, y_pred, message):
    with pytest.raises(ValueError, match=message):
        plots.plot_confusion(np.array(y_true, dtype=np.int64), np.array(y_pred, dtype=np.int64), ["a", "b", "c"])


def test_plot_series_by_class_draws_a_mean_per_class():
    x = np.stack([np.zeros(10), np.ones(10), np.full(10, 2.0), np.full(10, 4.0)])[..., None]   # (4, 10, 1)
    fig = plots.plot_series_by_class(x, np.array([0, 0, 1, 1]), ["low", "high"], per_class=1, title="toy")
    ax = fig.axes[0]
    means = [line for line in ax.get_lines() if line.get_linewidth() > 2]
    np.testing.assert_allclose([line.get_ydata()[0] for line in means], [0.5, 3.0])
    assert len(ax.get_lines()) == 4 and ax.get_title() == "toy" and ax.get_xlabel() == "time step"


@pytest.mark.parametrize("x, y, message", [(np.zeros((2, 5, 3)), [0, 1], r"\(series, time\) or \(series, time, 1\)"),
                                           (np.zeros((2, 5)), [0], "same number of examples"),
                                           (np.zeros((2, 5)), [0, 2], r"in 0\.\.1 to index the 2 class_names")])
def test_plot_series_by_class_rejects_what_it_cannot_draw(x, y, message):
    with pytest.raises(ValueError, match=message):
        plots.plot_series_by_class(x, np.array(y), ["a", "b"])


def test_plot_error_by_horizon_draws_each_models_mean_and_the_baselines():
    errors = {"CNN": np.array([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]]), "GRU fed back": np.ones((2, 3))}
    fig = plots.plot_error_by_horizon(errors, {"persistence": np.array([2.0, 4.0, 6.0])}, step=0.5, xlabel="hours ahead")
    ax = fig.axes[0]
    means = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
    np.testing.assert_allclose(means["CNN (mean of 2 seeds)"], [2.0, 3.0, 4.0])
    np.testing.assert_allclose(means["persistence"], [2.0, 4.0, 6.0])
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), [0.5, 1.0, 1.5])
    assert ax.get_lines()[1].get_color() == plots.color_for("GRU fed back") != plots.color_for("GRU")
    assert ax.get_xlabel() == "hours ahead" and ax.get_title()
    plt.close(fig)


@pytest.mark.parametrize("errors, baselines, message", [
    ({}, None, "errors must be a non-empty"),
    ({"CNN": np.ones(3)}, None, "errors\\['CNN'\\] must have shape 2-D"),
    ({"CNN": np.ones((2, 3)), "GRU": np.ones((2, 4))}, None, "'GRU' has 4 horizons, the first model 3"),
    ({"CNN": np.ones((2, 3))}, {"persistence": np.ones(2)}, "'persistence' has 2 horizons"),
])
def test_plot_error_by_horizon_rejects_what_it_cannot_draw(errors, baselines, message):
    with pytest.raises(ValueError, match=message):
        plots.plot_error_by_horizon(errors, baselines)


def test_comparison_legend_sits_outside_the_bars():
    fig = plots.plot_comparison({"CNN": 0.98, "SimpleRNN": 0.97, "LSTM": 0.96}, reference_lines={"chance": 0.1})
    fig.canvas.draw()
    ax = fig.axes[0]
    legend, axes_box = ax.get_legend().get_window_extent(), ax.get_window_extent()
    assert legend.x0 >= axes_box.x1                                  # right of the plotting area: covers no bar
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["chance", "CNN", "SimpleRNN", "LSTM"]


def test_log_x_line_chart_ticks_the_values_themselves():
    fig = plots.plot_comparison({"GRU": {2: 1.0, 4: 0.9, 8: 0.5, 16: 0.2, 32: 0.1}}, kind="line", log_x=True)
    fig.canvas.draw()
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["2", "4", "8", "16", "32"]


def test_streaming_cnns_differ_in_colour():
    assert plots.color_for("CNN with caches") != plots.color_for("CNN re-run on its window") == plots.color_for("CNN")


def test_history_ticks_whole_epochs():
    fig = plots.plot_history({"loss": [1.0, 0.5, 0.4], "val_loss": [1.1, 0.7, 0.6]})
    fig.canvas.draw()
    ticks = fig.axes[0].get_xticks()
    assert np.allclose(ticks, np.round(ticks))


def test_plot_bootstrap_gaps_marks_interval_margin_and_verdict():
    from utils.training import Verdict
    verdict = Verdict("tie", 0.001, -0.004, 0.006, 0.01)
    fig = plots.plot_bootstrap_gaps({"a tie": np.random.default_rng(0).normal(0.001, 0.003, 500)}, {"a tie": verdict})
    ax = fig.axes[0]
    assert ax.get_title() == "a tie: verdict tie" and ax.get_ylabel() == "resamples"
    dashed = sorted(line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == "--")
    assert dashed == [-0.004, 0.006]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "margin ±0.01" in labels and "95% interval" in labels
    with pytest.raises(ValueError, match="same pair names"):
        plots.plot_bootstrap_gaps({"a": np.zeros(3)}, {"b": verdict})


def test_log_axes_read_as_plain_numbers():
    runs = {"loss": [0.7, 0.3, 0.05, 0.02]}
    fig = plots.plot_history(runs, log_scale=("loss",))
    fig.canvas.draw()
    ax = fig.axes[0]
    labels = [t.get_text() for t in [*ax.get_yticklabels(), *ax.get_yticklabels(minor=True)] if t.get_text()]
    assert labels and not any("10^" in t or "times" in t or "×" in t for t in labels), labels
    assert "0.1" in labels


def test_error_by_horizon_can_cut_a_baseline_far_above_the_models():
    errors = {"CNN": np.array([[1.0, 2.0], [1.5, 2.5]])}
    fig = plots.plot_error_by_horizon(errors, {"persistence": np.array([10.0, 40.0])}, clip_baselines=True)
    assert fig.axes[0].get_ylim() == (0.0, 1.25 * 2.5)
