"""The few shapes every mechanism figure is drawn from: boxes, arrows, grids of numbers, node rows.

Used by :mod:`utils.diagrams` (network structure), :mod:`utils.conv_diagrams` (kernels, padding,
dilated trees), :mod:`utils.time_diagrams` (backpropagation through time, windows) and
:mod:`utils.gate_diagrams` (LSTM and GRU gate by gate).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

# Roles shared by every mechanism figure, so that "input", "output" and "the path being explained"
# look the same in each lesson. Model colours come from ``plots.MODEL_COLORS``.
INPUT = "#cfe2f3"
OUTPUT = "#fce5cd"
HIGHLIGHT = "#d62728"
MUTED = "#bbbbbb"
PADDING = "#eeeeee"


def box(ax, x, y, text, color, width=0.9, height=0.6, fontsize=10, alpha=1.0, edgecolor="black"):
    """A rounded box centred on (x, y) with ``text`` in it."""
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.05",
                                facecolor=color, edgecolor=edgecolor, alpha=alpha))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, alpha=max(alpha, 0.45))


def arrow(ax, start, end, style="-|>", **kwargs):
    """An arrow from ``start`` to ``end`` (data coordinates)."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=12, **kwargs))


def number_grid(ax, values, origin=(0.0, 0.0), colors=None, fontsize=10, fmt="{:g}"):
    """A matrix of numbers as unit squares; row 0 on top, cell (r, c)'s centre at origin + (c, -r).

    ``colors`` is an array of face colours of the same shape (default white); ``fmt=None`` draws
    the squares without numbers.
    """
    values = np.asarray(values)
    x0, y0 = origin
    for (r, c), value in np.ndenumerate(values):
        face = "white" if colors is None else colors[r][c]
        ax.add_patch(Rectangle((x0 + c - 0.5, y0 - r - 0.5), 1, 1, facecolor=face, edgecolor="#555555", linewidth=0.8))
        if fmt is not None:
            ax.text(x0 + c, y0 - r, fmt.format(value), ha="center", va="center", fontsize=fontsize)


def outline(ax, top_left, rows, cols, color=HIGHLIGHT, linewidth=2.5, linestyle="-"):
    """A rectangle around ``rows`` x ``cols`` cells of a :func:`number_grid` whose top-left cell centre is given."""
    x, y = top_left
    ax.add_patch(Rectangle((x - 0.5, y - rows + 0.5), cols, rows, fill=False, edgecolor=color,
                           linewidth=linewidth, linestyle=linestyle))


def finish(ax, title=None, equal=True):
    """Hide the axes of a drawing, keep its aspect, and set its title."""
    if equal:
        ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)


def new_figure(ncols=1, width=8.0, height=4.0):
    """A figure of ``ncols`` drawing panels; returns (fig, axes) with axes always a list."""
    fig, axes = plt.subplots(1, ncols, figsize=(width, height))
    return fig, list(np.atleast_1d(axes))
