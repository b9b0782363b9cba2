"""Plotting helpers with one consistent style. Each returns the matplotlib Figure.

Introduced in lesson 00: training curves (:func:`plot_history`), grids of images or
feature maps (:func:`plot_image_grid`), a confusion matrix (:func:`plot_confusion`), series of each class
(:func:`plot_series_by_class`), a heat map of a quantity over time steps
(:func:`plot_sequence_heatmap`), a comparison chart (:func:`plot_comparison`) and forecast error against
horizon (:func:`plot_error_by_horizon`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, LogFormatter, MaxNLocator, NullLocator

from utils import validate

COURSE_STYLE = {
    "figure.figsize": (7.0, 4.0),
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "image.cmap": "viridis",
}

# One colour per model family, used everywhere so a model looks the same in every lesson.
# Matched in this order, so the more specific keywords come first: "dilated CNN" is a
# dilated (TCN-style) model before it is a CNN, "CNN+GRU hybrid" is a hybrid and an
# "LSTM, chrono init" is told apart from the default LSTM, and a "minGRU" is not a GRU.
MODEL_COLORS = {
    "hybrid": "#ff7f0e",
    "irnn": "#8c6d31",               # lesson 04's remedies (before "rnn"): the IRNN, truncated BPTT, the plain RNN
    "truncated": "#e7969c",
    "plain": "#d62728",
    "cache": "#08519c",              # lesson 03's CNN served with caches (before "cnn": the same CNN, darker)
    "baseline": "#7f7f7f",
    "mlp": "#7f7f7f",                # the pixel-wise baseline of lesson 06
    "globalpooling": "#393b79",      # "CNN, global pooling" (before "cnn")
    "dilated": "#17becf",
    "tcn": "#17becf",
    "mingru,seq": "#c49c94",         # minGRU computed step by step (before "mingru", before "gru")
    "mingru": "#8c564b",
    "attention": "#e377c2",
    "chrono": "#bcbd22",
    "fedback": "#ff9896",            # lesson 11's one-step GRU fed its own forecasts (before "gru")
    "linear": "#98df8a",
    "lstm": "#2ca02c",
    "gru": "#9467bd",
    "simplernn": "#d62728",
    "rnn": "#d62728",
    "fcn": "#1f77b4",
    "cnn": "#1f77b4",
    "conv": "#1f77b4",
}


# Each model's mean curve gets its own dash pattern too, so a line that lies on top of another
# (two models stuck at the same baseline) still lets the one below show through its gaps.
MEAN_LINE_STYLES = ("-", (0, (6, 3)), (0, (2, 2)), (0, (6, 2, 2, 2)))


def use_course_style() -> None:
    """Apply the course's matplotlib style (called by ``runtime.setup``)."""
    plt.rcParams.update(COURSE_STYLE)


def legend_beside(ax, below: bool = False, **kwargs) -> None:
    """The legend outside the axes, where it cannot cover a bar or a line: to the right, or with
    ``below`` under the x-axis label (for panels side by side)."""
    if below:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2, borderaxespad=0.0, **kwargs)
    else:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, **kwargs)


class PlainLogFormatter(LogFormatter):
    """Log-axis tick labels as plain numbers (0.6, 20, 1e-08), not 6×10⁻¹."""

    def _num_to_string(self, x, vmin, vmax):
        return f"{x:g}"


def plain_log_ticks(ax, which: str = "y") -> None:
    """Label a log axis with plain numbers, on its minor ticks too when it spans little."""
    axis = ax.yaxis if which == "y" else ax.xaxis
    axis.set_major_formatter(PlainLogFormatter())
    axis.set_minor_formatter(PlainLogFormatter(labelOnlyBase=False))


def integer_ticks(ax) -> None:
    """Whole-number ticks on the x axis (epochs, updates): no 2.5 epochs."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def color_for(name: str, index: int = 0) -> str:
    """The course colour for a model name (by family keyword, most specific first), else a cycle colour."""
    if not isinstance(name, str):
        raise ValueError(f"name must be a model name (a string), got {name!r}")
    key = name.lower().replace(" ", "").replace("-", "").replace("_", "")
    for family, color in MODEL_COLORS.items():
        if family in key:
            return color
    return f"C{index % 10}"


def _history_dict(history) -> dict[str, list[float]]:
    """Accept a Keras ``History`` or a plain ``{metric: values}`` mapping."""
    logs = getattr(history, "history", history)
    if not isinstance(logs, Mapping) or not logs:
        raise ValueError("history must be a keras History or a non-empty {metric: values} mapping")
    return {key: list(values) for key, values in logs.items()}


def plot_history(histories, metrics: Sequence[str] | None = None, title: str = "Training curves",
                 log_scale: Sequence[str] = ("loss",), baselines: Mapping[str, float] | None = None):
    """Training curves: one panel per metric, train solid and validation dashed.

    ``histories`` is one Keras ``History`` (or ``{metric: values}`` dict) or a mapping
    ``{model name: history}``. ``metrics`` defaults to every non-validation key of the
    first history. ``baselines`` draws labelled horizontal lines, e.g. ``{"predict 1": 1/6}``
    on the loss panel.
    """
    single = hasattr(histories, "history") or (
        isinstance(histories, Mapping)
        and all(isinstance(v, (list, tuple, np.ndarray)) for v in histories.values())
    )
    if single:
        runs = {"model": _history_dict(histories)}
    elif isinstance(histories, Mapping) and histories:
        runs = {name: _history_dict(h) for name, h in histories.items()}
    else:
        raise ValueError("histories must be a History, a {metric: values} dict or a {name: history} dict")
    first = next(iter(runs.values()))
    metrics = list(metrics or [k for k in first if not k.startswith("val_") and k != "learning_rate"])
    if not metrics:
        raise ValueError(f"the history has no training metrics to plot, only {sorted(first)}; pass "
                         "metrics=[...] with names logged during training (validation curves are drawn beside them)")
    for metric in metrics:
        missing = [name for name, logs in runs.items() if metric not in logs]
        if missing:
            raise ValueError(f"metric {metric!r} not in history of {missing}; available: {sorted(first)}")
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 3.8), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for i, (name, logs) in enumerate(runs.items()):
            color = color_for(name, i)
            epochs = np.arange(1, len(logs[metric]) + 1)
            label = name if len(runs) > 1 else "train"
            ax.plot(epochs, logs[metric], color=color, label=f"{label} (train)" if len(runs) > 1 else label)
            if f"val_{metric}" in logs:
                val_label = f"{name} (validation)" if len(runs) > 1 else "validation"
                ax.plot(epochs, logs[f"val_{metric}"], color=color, linestyle="--", label=val_label)
        if metric == "loss":
            for name, value in (baselines or {}).items():
                ax.axhline(value, color="black", linestyle=":", linewidth=1, label=name)
        if metric in log_scale:
            values = np.concatenate([np.asarray(v, float) for logs in runs.values()
                                     for k, v in logs.items() if k in (metric, f"val_{metric}")])
            if np.all(values[np.isfinite(values)] > 0):
                ax.set_yscale("log")
                plain_log_ticks(ax)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric.replace("_", " "))
        ax.set_title(metric.replace("_", " "))
        integer_ticks(ax)
        legend_beside(ax)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_image_grid(images, titles: Sequence[str] | None = None, ncols: int = 8,
                    title: str = "Images", cmap: str = "gray", channels_last: bool = False):
    """A grid of small images, e.g. digits, conv filters or feature maps.

    ``images`` is ``(n, height, width)``; with ``channels_last=True`` a single
    ``(height, width, channels)`` feature map is shown one channel per panel.
    """
    images = np.asarray(images, dtype=np.float32)
    if channels_last:
        if images.ndim != 3:
            raise ValueError(f"channels_last expects (height, width, channels), got shape {images.shape}")
        images = np.moveaxis(images, -1, 0)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (n, height, width), got {images.shape}")
    ncols = validate.integer("ncols", ncols, minimum=1)
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"titles has {len(titles)} entries for {len(images)} images")
    count = len(images)
    ncols = min(ncols, max(count, 1))
    nrows = max(1, int(np.ceil(count / ncols)))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.3 * ncols, 1.4 * nrows + 0.5), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        if i < count:
            ax.imshow(images[i], cmap=cmap)
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=8)
        else:
            ax.axis("off")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion(y_true, y_pred, class_names: Sequence[str], title: str = "Confusion matrix", ax=None):
    """Which class each true class is predicted as, as shares of that true class (rows sum to 1).

    ``y_true`` and ``y_pred`` are integer labels indexing ``class_names``; the diagonal is each
    class's accuracy, the brightest off-diagonal cells the pairs a model confuses.
    """
    y_true = validate.array("y_true", y_true, ndim=1, dtype=np.int64)
    y_pred = validate.array("y_pred", y_pred, ndim=1, dtype=np.int64)
    validate.same_length("y_true", y_true, "y_pred", y_pred)
    k = len(class_names)
    if y_true.size == 0 or min(y_true.min(), y_pred.min()) < 0 or max(y_true.max(), y_pred.max()) >= k:
        raise ValueError(f"labels must be non-empty and in 0..{k - 1} to index the {k} class_names")
    counts = np.zeros((k, k))
    np.add.at(counts, (y_true, y_pred), 1)
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6.2, 5.2)) if ax is None else (ax.figure, ax)
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for i, j in zip(*np.nonzero(shares >= 0.05)):
        ax.text(j, i, f"{shares[i, j]:.2f}", ha="center", va="center", fontsize=7,
                color="white" if shares[i, j] > 0.5 else "black")
    ax.set_xticks(range(k), class_names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(k), class_names, fontsize=8)
    ax.grid(False)
    ax.set(xlabel="predicted class", ylabel="true class", title=title)
    fig.colorbar(image, ax=ax, label="share of the true class")
    fig.tight_layout()
    return fig


def plot_series_by_class(x, y, class_names: Sequence[str], per_class: int = 5, ax=None,
                         title: str = "Series of each class", xlabel: str = "time step", ylabel: str = "value"):
    """A few series of each class as thin lines and each class's mean as a thick one, one colour per class.

    ``x`` is ``(series, time)`` or ``(series, time, 1)``; ``y`` holds integer labels indexing
    ``class_names``. The first ``per_class`` series of each class are drawn, the mean is over all of
    them. Pass ``ax`` to draw into one panel of a larger figure; the Figure is returned either way.
    """
    x = validate.array("x", x, dtype=np.float32)
    if x.ndim == 3 and x.shape[2] == 1:
        x = x[..., 0]
    if x.ndim != 2 or x.size == 0:
        raise ValueError(f"x must have shape (series, time) or (series, time, 1), got {x.shape}")
    y = validate.array("y", y, ndim=1, dtype=np.int64)
    validate.same_length("x", x, "y", y)
    per_class = validate.integer("per_class", per_class, minimum=1)
    k = len(class_names)
    if y.min() < 0 or y.max() >= k:
        raise ValueError(f"labels must be in 0..{k - 1} to index the {k} class_names, got {y.min()}..{y.max()}")
    fig, ax = plt.subplots() if ax is None else (ax.figure, ax)
    steps = np.arange(x.shape[1])
    for c, name in enumerate(class_names):
        members = x[y == c]
        if len(members) == 0:
            continue
        color = f"C{c % 10}"
        for series in members[:per_class]:
            ax.plot(steps, series, color=color, linewidth=0.7, alpha=0.45)
        ax.plot(steps, members.mean(axis=0), color=color, linewidth=2.4,
                label=f"{name} (mean of {len(members)}; thin: {min(per_class, len(members))} of them)")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    legend_beside(ax, below=True, fontsize=8)
    return fig


def plot_sequence_heatmap(values, title: str = "Over time", ylabel: str = "unit",
                          colorbar_label: str = "value", cmap: str = "RdBu_r", symmetric: bool = True,
                          xlabel: str = "time step"):
    """Heat map of a quantity over time steps, e.g. hidden states or gate activations.

    ``values`` is ``(rows, time)``: one row per unit (or channel, or model), one column
    per time step. With ``symmetric`` the colour scale is centred on zero.
    """
    values = np.asarray(values, dtype=np.float32)
    if values.ndim != 2 or values.size == 0:
        raise ValueError(f"values must be a non-empty 2-D array (rows, time), got shape {values.shape}")
    if not np.isfinite(values).any():
        raise ValueError("values has no finite entry (all NaN or infinite): there is nothing to draw")
    limit = float(np.max(np.abs(values[np.isfinite(values)]))) or 1.0
    fig, ax = plt.subplots(figsize=(8, min(0.15 * values.shape[0] + 2, 6)))
    image = ax.imshow(values, aspect="auto", cmap=cmap, interpolation="nearest",
                      vmin=-limit if symmetric else None, vmax=limit if symmetric else None)
    ax.grid(False)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label=colorbar_label)
    fig.tight_layout()
    return fig


def plot_influence_maps(maps: Mapping[str, np.ndarray], subtitles: Mapping[str, str] | None = None,
                        title: str = "Influence maps: how much each output moves when one input token changes",
                        floor: float = 1e-10):
    """One panel per model: ``|change of output at step t|`` when input step ``s`` changes, in log10.

    ``maps`` holds square ``(input step, output step)`` grids from :func:`utils.memory.influence_map`.
    Values below ``floor`` share the darkest colour; ``subtitles`` adds a line per model
    (e.g. its receptive field) to its panel's title.
    """
    if not isinstance(maps, Mapping) or not maps:
        raise ValueError("maps must be a non-empty {model name: influence grid} mapping")
    grids = {name: np.asarray(grid, dtype=np.float64) for name, grid in maps.items()}
    for name, grid in grids.items():
        if grid.ndim != 2 or grid.shape[0] != grid.shape[1] or grid.size == 0:
            raise ValueError(f"the influence map of {name!r} must be a square (input step, output step) grid, "
                             f"got shape {grid.shape}")
    floor = validate.number("floor", floor, minimum=0, strict=True)
    subtitles = subtitles or {}
    fig, axes = plt.subplots(1, len(grids), figsize=(4.7 * len(grids), 4.4), squeeze=False)
    for ax, (name, grid) in zip(axes[0], grids.items()):
        image = ax.imshow(np.log10(np.abs(grid) + floor / 100), cmap="magma", vmin=np.log10(floor), vmax=0,
                          interpolation="nearest")
        ax.grid(False)
        ax.set(title=f"{name}: {subtitles[name]}" if name in subtitles else name, xlabel="output step",
               ylabel="changed input step")
    fig.colorbar(image, ax=list(axes[0]), label="log10 |change of output|", shrink=0.8)
    fig.suptitle(title)
    return fig


def plot_comparison(results: Mapping, kind: str = "bar", title: str = "Comparison",
                    xlabel: str = "", ylabel: str = "value", reference_lines: Mapping[str, float] | None = None,
                    log_x: bool = False, log_y: bool = False):
    """Compare models: grouped bars or lines, with optional labelled reference lines.

    ``results`` maps a series name to either one number or ``{x: value}``. With
    ``kind="bar"`` the x keys become groups (one bar per series in each group); with
    ``kind="line"`` they must be numbers and each series is a line, e.g. accuracy vs lag.
    ``reference_lines`` draws horizontal lines such as ``{"chance": 1/8}``.
    """
    if kind not in ("bar", "line"):
        raise ValueError(f"kind must be 'bar' or 'line', got {kind!r}")
    if not isinstance(results, Mapping) or not results:
        raise ValueError("results must be a non-empty mapping {series: value or {x: value}}")
    series = {name: dict(v) if isinstance(v, Mapping) else {"": v} for name, v in results.items()}
    fig, ax = plt.subplots()
    if kind == "bar":
        groups = list(dict.fromkeys(x for values in series.values() for x in values))
        width = 0.8 / len(series)
        for i, (name, values) in enumerate(series.items()):
            positions = np.arange(len(groups)) + (i - (len(series) - 1) / 2) * width
            heights = [values.get(g, np.nan) for g in groups]
            bars = ax.bar(positions, heights, width, label=name, color=color_for(name, i))
            ax.bar_label(bars, fmt="%.3g", fontsize=8)
        long_labels = max(len(str(g)) for g in groups) * len(groups) > 60       # would run into each other
        ax.set_xticks(np.arange(len(groups)), [str(g) for g in groups], rotation=20 if long_labels else 0,
                      ha="right" if long_labels else "center")
    else:
        for i, (name, values) in enumerate(series.items()):
            try:
                xs = np.array(list(values), dtype=float)
            except (TypeError, ValueError):
                raise ValueError(f"line charts need numeric x values; series {name!r} has {list(values)}") from None
            order = np.argsort(xs)
            ax.plot(xs[order], np.array(list(values.values()), float)[order], marker="osD^"[i % 4],
                    linestyle=MEAN_LINE_STYLES[i % len(MEAN_LINE_STYLES)], label=name, color=color_for(name, i))
    for j, (name, value) in enumerate((reference_lines or {}).items()):
        ax.axhline(value, color="black", linestyle=[":", "--", "-."][j % 3], linewidth=1, label=name)
    if log_x:
        ax.set_xscale("log", base=2)
        if kind == "line":                                     # tick the values themselves: 16, not 2^4
            ax.set_xticks(sorted({float(x) for values in series.values() for x in values}))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
            ax.xaxis.set_minor_locator(NullLocator())
    if log_y:
        ax.set_yscale("log")
        plain_log_ticks(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    legend_beside(ax)
    fig.tight_layout()
    return fig


def plot_seed_curves(runs: Mapping, key: str = "val_loss", ax=None, title: str = "Learning curves, every seed",
                     ylabel: str | None = None, baselines: Mapping[str, float] | None = None, log_y: bool = True,
                     per_epoch: float | Mapping[str, float] = 1.0, xlabel: str = "epoch", scale: float = 1.0):
    """One thin line per seed and a thick mean line per model, from :func:`utils.training.fit_seeds` results.

    ``runs`` maps model names to ``SeedRuns``; ``key`` is the logged value to draw per epoch,
    multiplied by ``scale`` (e.g. 1 / ln 2 for bits). ``per_epoch`` is how far one epoch moves
    along the x axis, one number or one per model: updates per epoch, or each model's seconds per
    epoch for curves against time. ``baselines`` draws labelled horizontal lines (chance,
    predict-1, memoryless). Pass ``ax`` to draw into one panel of a larger figure; the Figure is
    returned either way.
    """
    if not isinstance(runs, Mapping) or not runs:
        raise ValueError("runs must be a non-empty {model name: SeedRuns} mapping, as fit_seeds returns")
    if isinstance(per_epoch, Mapping):
        missing = [name for name in runs if name not in per_epoch]
        if missing:
            raise ValueError(f"per_epoch gives no value for {missing}")
    elif not isinstance(per_epoch, (int, float)) or isinstance(per_epoch, bool) or per_epoch <= 0:
        raise ValueError(f"per_epoch must be a positive number or a {{model name: number}} mapping, got {per_epoch!r}")
    own_figure = ax is None
    if own_figure:
        fig, ax = plt.subplots()
    else:
        fig = ax.figure
    for i, (name, run) in enumerate(runs.items()):
        curves = run.curve(key) * scale
        color = color_for(name, i)
        epochs = np.arange(1, curves.shape[1] + 1) * (per_epoch[name] if isinstance(per_epoch, Mapping) else per_epoch)
        for curve in curves:
            ax.plot(epochs, curve, color=color, linewidth=0.8, alpha=0.5)
        ax.plot(epochs, curves.mean(axis=0), color=color, linewidth=2.2, marker="osD^"[i % 4], markersize=4,
                linestyle=MEAN_LINE_STYLES[i % len(MEAN_LINE_STYLES)], label=f"{name} (mean of {len(curves)} seeds)")
    for j, (name, value) in enumerate((baselines or {}).items()):
        ax.axhline(value, color="black", linestyle=[":", "--", "-."][j % 3], linewidth=1, label=name)
    if log_y:
        ax.set_yscale("log")
        plain_log_ticks(ax)
    ax.set(xlabel=xlabel, ylabel=key.replace("_", " ") if ylabel is None else ylabel, title=title)
    integer_ticks(ax)
    legend_beside(ax, below=own_figure is False, fontsize=8)
    return fig


def plot_gate_traces(values, marks, panels: Mapping[str, Mapping[str, np.ndarray]],
                     title: str = "One sequence and the gates of one unit"):
    """Inputs of one sequence on top, then one panel per cell with its gate and state traces over time.

    ``values`` is the sequence's value channel, ``marks`` the indices of its marked steps
    (drawn black, and as dotted lines in every panel), ``panels`` maps a panel's label to
    ``{trace label: values over time}``.
    """
    values = validate.array("values", values, ndim=1)
    marks = np.asarray(marks, dtype=int)
    if not isinstance(panels, Mapping) or not panels:
        raise ValueError("panels must be a non-empty {panel label: {trace label: values}} mapping")
    fig, axes = plt.subplots(1 + len(panels), 1, figsize=(8, 2.3 * (1 + len(panels))), sharex=True)
    steps = np.arange(len(values))
    axes[0].bar(steps, values, color="lightgray", label="value")
    axes[0].bar(marks, values[marks], color="black", label="marked value")
    axes[0].set(ylabel="input", title=title)
    for ax, (label, traces) in zip(axes[1:], panels.items()):
        for i, (name, trace) in enumerate(traces.items()):
            trace = validate.array(name, trace, shape=(len(values),))
            ax.plot(steps, trace, label=name, color=f"C{i}", linestyle="--" if "state" in name else "-")
        ax.set(ylabel=label)
    axes[-1].set_xlabel("time step")
    for ax in axes:
        for m in marks:
            ax.axvline(m, color="black", linewidth=0.6, linestyle=":")
        ax.legend(fontsize=8, ncols=3)
    fig.tight_layout()
    return fig


def plot_seed_accuracies(results: Mapping[str, Mapping[str, np.ndarray]], baselines: Mapping[str, float] | None = None,
                         title: str = "Test accuracy, every seed", ylabel: str = "test accuracy",
                         baseline_label: str = "majority class", ylim=(0, 1.05), xlabel: str = "data set"):
    """Grouped bars of the mean over seeds, a dot per seed, and each group's baseline as a short black line.

    ``results`` maps a model (family) to ``{data set: one value per seed}``; a model may
    leave data sets out. ``baselines`` maps a data set to its baseline (e.g. majority class),
    drawn with ``baseline_label``; ``xlabel`` names what the groups are. ``ylim=None`` lets matplotlib
    choose the value axis.
    """
    if not isinstance(results, Mapping) or not results:
        raise ValueError("results must be a non-empty {model: {data set: values per seed}} mapping")
    groups = list(dict.fromkeys(g for per_group in results.values() for g in per_group))
    width = 0.8 / len(results)
    fig, ax = plt.subplots(figsize=(max(7.0, 1.8 * len(groups)), 4.2))
    for i, (model, per_group) in enumerate(results.items()):
        color = color_for(model, i)
        for j, group in enumerate(groups):
            if group not in per_group:
                continue
            values = validate.array(f"{model} on {group}", per_group[group], ndim=1)
            x = j - 0.4 + width * (i + 0.5)
            ax.bar(x, values.mean(), width * 0.9, color=color, alpha=0.6, label=model if j == 0 or
                   all(g not in per_group for g in groups[:j]) else None)
            ax.plot(np.full(values.size, x), values, "o", color=color, markersize=4, markeredgecolor="black")
    for j, group in enumerate(groups):
        if baselines and group in baselines:
            ax.hlines(baselines[group], j - 0.45, j + 0.45, color="black", linestyle=":",
                      label=baseline_label if j == min(k for k, g in enumerate(groups) if g in baselines) else None)
    ax.set_xticks(range(len(groups)), groups)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if ylim is not None:
        ax.set_ylim(*ylim)
    legend_beside(ax)
    fig.tight_layout()
    return fig


def plot_error_by_horizon(errors: Mapping[str, np.ndarray], baselines: Mapping[str, np.ndarray] | None = None,
                          ax=None, title: str = "Forecast error against horizon", ylabel: str = "mean absolute error",
                          xlabel: str = "steps ahead", step: float = 1.0, clip_baselines: bool = False):
    """One line per model (the mean over seeds) in a band from its best to its worst seed, and dashed baselines.

    ``errors`` maps a model to a ``(seeds, horizon)`` array: each seed's error at 1, 2, ... steps
    ahead; ``baselines`` maps a forecast that needs no training (persistence, last season) to its
    ``(horizon,)`` errors. ``step`` converts steps to the x axis' unit (0.5 for hours of half-hourly
    data). Pass ``ax`` to draw into one panel of a larger figure; the Figure is returned either way.
    With ``clip_baselines`` the value axis ends a little above the models' worst seed, so that a
    baseline far above them (persistence a day ahead) runs off the top instead of flattening the rest.
    """
    if not isinstance(errors, Mapping) or not errors:
        raise ValueError("errors must be a non-empty {model: (seeds, horizon) array} mapping")
    arrays = {name: validate.array(f"errors[{name!r}]", values, ndim=2) for name, values in errors.items()}
    horizon = next(iter(arrays.values())).shape[1]
    lines = {name: validate.array(f"baselines[{name!r}]", values, ndim=1) for name, values in (baselines or {}).items()}
    for name, values in [*arrays.items(), *lines.items()]:
        if values.shape[-1] != horizon:
            raise ValueError(f"{name!r} has {values.shape[-1]} horizons, the first model {horizon}: all must match")
    step = validate.number("step", step, minimum=0, strict=True)
    if ax is None:
        fig, ax = plt.subplots()
    else:
        fig = ax.figure
    ahead = np.arange(1, horizon + 1) * step
    for i, (name, values) in enumerate(arrays.items()):
        color = color_for(name, i)
        ax.fill_between(ahead, values.min(axis=0), values.max(axis=0), color=color, alpha=0.25, linewidth=0)
        ax.plot(ahead, values.mean(axis=0), color=color, linewidth=2, label=f"{name} (mean of {len(values)} seeds)")
    for j, (name, values) in enumerate(lines.items()):
        ax.plot(ahead, values, color=["black", "#666666", "#999999"][j % 3], linestyle=["--", ":", "-."][j % 3],
                linewidth=1.4, label=name)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if clip_baselines:
        ax.set_ylim(0, 1.25 * max(float(values.max()) for values in arrays.values()))
    legend_beside(ax, fontsize=8)
    return fig


def plot_bootstrap_gaps(gaps: Mapping[str, np.ndarray], verdicts: Mapping, title: str = "How a verdict is decided",
                        xlabel: str = "gap in accuracy (A − B)"):
    """One panel per pair: the histogram of the resampled gaps, the 95% interval (dashed), zero, and
    the margin shaded around zero; each panel's title names its verdict.

    ``gaps`` maps a pair's name to its resampled gaps; ``verdicts`` maps the same names to the
    :class:`utils.training.Verdict` computed from them (its ``low``, ``high``, ``margin``, ``winner``).
    """
    if not isinstance(gaps, Mapping) or not gaps or set(gaps) != set(verdicts):
        raise ValueError("gaps and verdicts must be non-empty mappings with the same pair names")
    fig, axes = plt.subplots(1, len(gaps), figsize=(4.6 * len(gaps), 3.6), sharex=True, sharey=True, squeeze=False)
    for ax, (name, values) in zip(axes[0], gaps.items()):
        verdict = verdicts[name]
        values = validate.array(f"gaps of {name}", values, ndim=1)
        ax.axvspan(-verdict.margin, verdict.margin, color="#2ca02c", alpha=0.15, label=f"margin ±{verdict.margin:g}")
        ax.hist(values, bins=40, color="#7f7f7f", alpha=0.8, label="resampled gaps")
        for bound in (verdict.low, verdict.high):
            ax.axvline(bound, color="black", linestyle="--", linewidth=1.2,
                       label=f"{verdict.confidence:.0%} interval" if bound == verdict.low else None)
        ax.axvline(0, color="#d62728", linewidth=1, label="no gap")
        ax.set(title=f"{name}: verdict {verdict.winner}", xlabel=xlabel)
    axes[0][0].set_ylabel("resamples")
    legend_beside(axes[0][-1], fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
