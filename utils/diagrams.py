"""Diagrams of network structure drawn with matplotlib. Each returns the Figure.

Introduced in lesson 01 (the unrolled recurrent layer).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch


def _box(ax, x, y, text, color, width=0.9, height=0.6):
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.05", facecolor=color, edgecolor="black"))
    ax.text(x, y, text, ha="center", va="center", fontsize=10)


def _arrow(ax, start, end, style="-|>", **kwargs):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=12, **kwargs))


def draw_unrolled_rnn(steps: int = 4, title: str = "A recurrent layer, folded and unrolled in time"):
    """The folded cell (with its loop) beside the same cell unrolled over ``steps`` time steps.

    The weights W, U, b appear once, in a box linked to every step: unrolling copies the
    computation, not the parameters.
    """
    if not isinstance(steps, int) or not 1 <= steps <= 8:
        raise ValueError(f"steps must be an integer from 1 to 8, got {steps!r}")
    fig, ax = plt.subplots(figsize=(2.0 + 1.6 * steps, 4.2))
    # Folded view: one cell with a loop from its output back to its input.
    _box(ax, 0, 1, "cell", "#f4cccc")
    _arrow(ax, (0, -0.2), (0, 0.68))
    ax.text(0, -0.4, "$x_t$", ha="center", va="center")
    _arrow(ax, (0, 1.32), (0, 2.2))
    ax.text(0, 2.4, "$h_t$", ha="center", va="center")
    _arrow(ax, (0.47, 1.15), (0.47, 0.85), style="-|>", connectionstyle="arc3,rad=-2.2")
    ax.text(1.05, 1, "$U$", ha="left", va="center")
    ax.text(1.45, 1, "=", fontsize=18, ha="center", va="center")
    # Unrolled view: the same cell once per time step, the state passed along.
    xs = [3 + 1.6 * t for t in range(steps)]
    for t, x in enumerate(xs, 1):
        _box(ax, x, 1, f"cell\nstep {t}", "#f4cccc")
        _arrow(ax, (x, -0.2), (x, 0.68))
        ax.text(x, -0.4, f"$x_{t}$", ha="center", va="center")
        _arrow(ax, (x, 1.32), (x, 2.2))
        ax.text(x, 2.4, f"$h_{t}$", ha="center", va="center")
        ax.plot([x, xs[-1] + 1.2], [0.7, -1.0], color="gray", linestyle=":", linewidth=1)
    _arrow(ax, (xs[0] - 1.0, 1), (xs[0] - 0.47, 1))
    ax.text(xs[0] - 0.8, 1.15, "$h_0 = 0$", ha="center", va="bottom", fontsize=9)
    for left, right in zip(xs, xs[1:]):
        _arrow(ax, (left + 0.47, 1), (right - 0.47, 1))
    _box(ax, xs[-1] + 1.2, -1.0, "W, U, b\n(shared)", "#cfe2f3", width=1.3, height=0.7)
    ax.text(xs[0], -1.5, "$h_t = \\tanh(x_t W + h_{t-1} U + b)$", ha="left", va="center", fontsize=11)
    ax.set_xlim(-0.8, xs[-1] + 2.1)
    ax.set_ylim(-1.9, 2.8)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)
    fig.tight_layout()
    return fig
