"""Mechanisms along the time axis, drawn: the path backpropagation through time walks back, what
truncating it cuts, how a series is cut into forecasting windows, and a model fed its own forecasts.
Each function returns the Figure.

Introduced in lesson 04 (backpropagation through time, truncation), lesson 00 and lesson 11 (windows,
forecasts fed back).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle

from utils import drawing, plots, validate


def _state_row(ax, steps, y, label=None):
    """Nodes h_1..h_T at height ``y`` with their inputs x_t below and grey forward arrows."""
    for t in range(1, steps + 1):
        ax.add_patch(plt.Circle((t, y), 0.24, color="#f4cccc", zorder=3))
        ax.text(t, y, f"$h_{{{t}}}$", ha="center", va="center", fontsize=9, zorder=4)
        ax.add_patch(plt.Circle((t, y - 1.2), 0.2, color=drawing.INPUT, zorder=3))
        ax.text(t, y - 1.2, f"$x_{{{t}}}$", ha="center", va="center", fontsize=8, zorder=4)
        drawing.arrow(ax, (t, y - 0.98), (t, y - 0.26), color="gray", linewidth=0.8)
        if t > 1:
            drawing.arrow(ax, (t - 0.74, y), (t - 0.26, y), color="gray", linewidth=0.8)
    drawing.box(ax, steps + 1.1, y, "$L$", drawing.OUTPUT, width=0.5, height=0.5)
    drawing.arrow(ax, (steps + 0.26, y), (steps + 0.82, y), color="gray", linewidth=0.8)
    if label:
        ax.text(0.3, y, label, ha="right", va="center", fontsize=10)


def _backward(ax, steps, y, first):
    """Red arrows from the loss back along the states to step ``first`` and down to each input reached."""
    drawing.arrow(ax, (steps + 0.85, y + 0.35), (steps + 0.15, y + 0.35), color=drawing.HIGHLIGHT, linewidth=1.8,
                  connectionstyle="arc3,rad=0.3")
    for t in range(steps, first - 1, -1):
        if t > first:
            drawing.arrow(ax, (t - 0.15, y + 0.3), (t - 0.85, y + 0.3), color=drawing.HIGHLIGHT, linewidth=1.8,
                          connectionstyle="arc3,rad=0.4")
        drawing.arrow(ax, (t + 0.2, y - 0.25), (t + 0.2, y - 1.0), color=drawing.HIGHLIGHT, linewidth=1.2,
                      linestyle="--")


def draw_bptt(steps: int = 5):
    """An RNN unrolled over ``steps`` steps with its loss at the end: grey arrows compute forward,
    red arrows carry the gradient back, one step Jacobian per link."""
    steps = validate.integer("steps", steps, minimum=2, maximum=10)
    fig, (ax,) = drawing.new_figure(width=1.5 * steps + 3, height=3.9)
    _state_row(ax, steps, 1.6)
    _backward(ax, steps, 1.6, 1)
    for t in range(2, steps + 1):
        ax.text(t - 0.5, 2.35, f"$\\times\\,\\partial h_{{{t}}}/\\partial h_{{{t - 1}}}$", ha="center", fontsize=8,
                color=drawing.HIGHLIGHT)
    ax.text(1, -0.25, f"the gradient reaching $x_1$ has passed {steps - 1} Jacobians: if each shrinks it, it vanishes",
            fontsize=10, va="top", color=drawing.HIGHLIGHT)
    drawing.finish(ax, "Backpropagation through time: forward in grey, the gradient walks back in red")
    ax.set_xlim(-0.2, steps + 1.6)
    ax.set_ylim(-0.8, 2.9)
    fig.tight_layout()
    return fig


def truncated_reach(steps: int, every: int) -> int:
    """The first step a loss at the last step still sends gradient to, when the state entering steps
    every, 2·every, ... (counted from 0) is held constant: 1-based, so ``steps`` means only the last."""
    last_cut = ((steps - 1) // every) * every
    return last_cut + 1


def draw_truncation(steps: int = 12, every: int = 4):
    """Full backpropagation through time above truncated backpropagation (cut every ``every`` steps) below.

    In both the state flows forward through every step; only the gradient stops at a cut.
    """
    steps = validate.integer("steps", steps, minimum=3, maximum=16)
    every = validate.integer("every", every, minimum=1, maximum=steps - 1)
    fig, (ax,) = drawing.new_figure(width=0.95 * steps + 3.5, height=5.6)
    _state_row(ax, steps, 4.2, "full")
    _backward(ax, steps, 4.2, 1)
    _state_row(ax, steps, 1.2, f"truncated\nevery {every}")
    first = truncated_reach(steps, every)
    _backward(ax, steps, 1.2, first)
    for cut in range(every, steps, every):
        ax.plot([cut + 0.5] * 2, [-0.3, 1.9], color="black", linestyle=":", linewidth=1.2)
        ax.text(cut + 0.5, 2.0, "cut", ha="center", fontsize=8)
    ax.text(1, 2.6, f"full: the gradient reaches all {steps} inputs", fontsize=10, va="top", color=drawing.HIGHLIGHT)
    ax.text(1, -0.35, f"truncated: it reaches only the last {steps - first + 1} inputs; the state still flows forward "
                      "through every cut", fontsize=10, va="top", color=drawing.HIGHLIGHT)
    drawing.finish(ax, "What truncating backpropagation through time cuts: the gradient, not the state")
    ax.set_xlim(-1.2, steps + 1.6)
    ax.set_ylim(-0.9, 5.0)
    fig.tight_layout()
    return fig


def draw_forecast_windows(input_steps: int = 48, horizon: int = 1, stride: int = 1, windows: int = 3):
    """How :func:`utils.data.forecast_windows` cuts a series: each row is one window, what the model
    reads in blue and what it must forecast in orange, each row ``stride`` steps after the one above."""
    input_steps = validate.integer("input_steps", input_steps, minimum=1, maximum=200)
    horizon = validate.integer("horizon", horizon, minimum=1, maximum=200)
    stride = validate.integer("stride", stride, minimum=1)
    windows = validate.integer("windows", windows, minimum=1, maximum=5)
    span = input_steps + horizon
    fig, ax = plt.subplots(figsize=(10, 1.5 + 0.75 * windows))
    for i in range(windows):
        start, y = i * stride, -i
        ax.add_patch(Rectangle((start, y - 0.3), input_steps, 0.6, facecolor=drawing.INPUT, edgecolor="#1f77b4",
                               label="inputs: what the model reads" if i == 0 else None))
        ax.add_patch(Rectangle((start + input_steps, y - 0.3), horizon, 0.6, facecolor=drawing.OUTPUT,
                               edgecolor="#ff7f0e", label="labels: what it must forecast" if i == 0 else None))
        ax.text(start - 0.01 * span, y, f"window {i + 1}", ha="right", va="center", fontsize=9)
    ax.text(input_steps / 2, 0.38, f"{input_steps} steps read", ha="center", va="bottom", fontsize=9)
    ax.text(input_steps + horizon / 2, 0.38, f"{horizon} ahead", ha="center", va="bottom", fontsize=9)
    right = (windows - 1) * stride + span
    ax.set(xlim=(-0.2 * span, right + 0.05 * span), ylim=(-windows + 0.4, 1.7), yticks=[], xlabel="time step",
           title=f"A forecasting window: read {input_steps} steps, forecast the next {horizon}" if windows == 1 else
           f"Cutting a series into windows: read {input_steps}, forecast {horizon}, "
           f"the next window starts {stride} step{'s' * (stride > 1)} later")
    ax.grid(False)
    ax.legend(loc="upper right", ncols=2)
    fig.tight_layout()
    return fig


def draw_fed_back_forecast(horizon: int = 4):
    """A single-shot model (one read, all ``horizon`` forecasts at once) above a one-step model fed its
    own forecasts, one read per step ahead."""
    horizon = validate.integer("horizon", horizon, minimum=2, maximum=6)
    single, fed = plots.color_for("GRU"), plots.color_for("GRU fed back")
    fig, (ax,) = drawing.new_figure(width=1.5 * horizon + 3.5, height=4.6)
    ax.add_patch(Rectangle((0, 3.2), 2.2, 0.6, facecolor=drawing.INPUT, edgecolor="#1f77b4"))
    ax.text(1.1, 3.5, "window", ha="center", va="center", fontsize=12)
    drawing.box(ax, 3.4, 3.5, "model", single, width=1.2, height=0.6, fontsize=12)
    drawing.arrow(ax, (2.25, 3.5), (2.75, 3.5))
    for k in range(horizon):
        drawing.box(ax, 5.0 + 1.2 * k, 3.5, f"$\\hat y_{{{k + 1}}}$", drawing.OUTPUT, width=0.8, height=0.5, fontsize=12)
    drawing.arrow(ax, (4.05, 3.5), (4.55, 3.5))
    ax.text(0, 4.3, f"single shot: one read, all {horizon} steps ahead at once", fontsize=12)
    ax.add_patch(Rectangle((0, 0.7), 2.2, 0.6, facecolor=drawing.INPUT, edgecolor="#1f77b4"))
    ax.text(1.1, 1.0, "window", ha="center", va="center", fontsize=12)
    for k in range(horizon):
        x = 3.4 + 2.0 * k
        drawing.box(ax, x, 1.0, "cell", fed, width=0.9, height=0.6, fontsize=12)
        drawing.box(ax, x + 0.9, 2.1, f"$\\hat y_{{{k + 1}}}$", drawing.OUTPUT, width=0.6, height=0.45, fontsize=12)
        drawing.arrow(ax, (x + 0.3, 1.32), (x + 0.75, 1.85))
        if k:
            drawing.arrow(ax, (x - 1.1, 1.85), (x - 0.1, 1.32), color=drawing.HIGHLIGHT, linewidth=1.6)
        drawing.arrow(ax, (x - (1.2 if k == 0 else 1.55), 1.0), (x - 0.48, 1.0))
    ax.text(0, 2.6, "fed back: each forecast is read as the next input, so its error is read too", fontsize=12,
            color=drawing.HIGHLIGHT)
    drawing.finish(ax, "Two ways to forecast several steps ahead")
    ax.set_xlim(-0.2, 3.4 + 2.0 * horizon)
    ax.set_ylim(0.3, 4.8)
    fig.tight_layout()
    return fig
