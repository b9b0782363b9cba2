"""The LSTM and the GRU built up gate by gate, one figure per step, each with a worked example.

Each figure draws the whole cell, lights up the part that the step explains and greys out the rest,
and prints the worked example's numbers up to that step. The numbers are computed here from the
gate values below, so the text and the arithmetic cannot disagree.

Introduced in lesson 05.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyBboxPatch

from utils import drawing, plots, validate

LSTM_STEPS = ("forget", "input", "cell", "output")
GRU_STEPS = ("reset", "update", "blend")

# One step of lesson 05's adding task. The LSTM's cell holds the first marked value (0.80); the second
# marked value arrives, and the cell must add it. The GRU's state holds 0.80 and an unmarked step arrives,
# which it must ignore.
LSTM_EXAMPLE = {"c_prev": 0.80, "f": 0.95, "i": 0.90, "g": 0.30, "o": 0.90}
GRU_EXAMPLE = {"h_prev": 0.80, "r": 0.10, "n": 0.25, "z": 0.97}


def lstm_worked_example(c_prev, f, i, g, o) -> list[str]:
    """One line per LSTM step: what the gate decides, with the numbers."""
    kept, written = f * c_prev, i * g
    c = kept + written
    return [f"forget: f = {f:.2f}, keep f × c = {f:.2f} × {c_prev:.2f} = {kept:.2f}",
            f"input: i = {i:.2f}, candidate g = {g:.2f}, write i × g = {written:.2f}",
            f"cell: c = {kept:.2f} + {written:.2f} = {c:.2f}, nearly the sum of both values",
            f"output: o = {o:.2f}, show h = o × tanh(c) = {o * np.tanh(c):.2f}"]


def gru_worked_example(h_prev, r, n, z) -> list[str]:
    """One line per GRU step: what the gate decides, with the numbers."""
    return [f"reset: r = {r:.2f}, the candidate sees little of h; n = {n:.2f}",
            f"update: z = {z:.2f}, keep {z:.0%} of the old state",
            f"blend: h = z × h + (1 − z) × n = {z:.2f} × {h_prev:.2f} + {1 - z:.2f} × {n:.2f} = "
            f"{z * h_prev + (1 - z) * n:.2f}"]


def _lstm_parts():
    """(step, kind, spec) for every stroke of the LSTM schematic; kind is 'line', 'box' or 'op'."""
    feed = lambda x: ("line", [(x, 0.8), (x, 1.7)])             # noqa: E731 - h_{t-1} and x_t up to a gate
    return [
        ("cell", "line", [(0.0, 4.0), (9.4, 4.0)]),
        ("forget", *feed(2.2)), ("forget", "box", (2.2, 2.0, "$f=\\sigma$")), ("forget", "line", [(2.2, 2.3), (2.2, 3.75)]),
        ("forget", "op", (2.2, 4.0, "×")),
        ("input", *feed(3.4)), ("input", "box", (3.4, 2.0, "$i=\\sigma$")),
        ("input", *feed(4.6)), ("input", "box", (4.6, 2.0, "$g=\\tanh$")),
        ("input", "line", [(3.4, 2.3), (3.4, 3.0), (4.35, 3.0)]), ("input", "line", [(4.6, 2.3), (4.6, 2.75)]),
        ("input", "op", (4.6, 3.0, "×")), ("input", "line", [(4.6, 3.25), (4.6, 3.75)]),
        ("cell", "op", (4.6, 4.0, "+")),
        ("output", *feed(6.4)), ("output", "box", (6.4, 2.0, "$o=\\sigma$")),
        ("output", "line", [(7.6, 4.0), (7.6, 3.45)]), ("output", "box", (7.6, 3.2, "tanh")),
        ("output", "line", [(7.6, 2.95), (7.6, 2.25)]), ("output", "line", [(6.85, 2.0), (7.35, 2.0)]),
        ("output", "op", (7.6, 2.0, "×")), ("output", "line", [(7.6, 1.75), (7.6, 0.8), (9.4, 0.8)]),
        ("all", "line", [(0.0, 0.8), (6.4, 0.8)]), ("all", "line", [(1.2, -0.2), (1.2, 0.8)]),
    ]


def _gru_parts():
    """(step, kind, spec) for every stroke of the GRU schematic."""
    feed = lambda x: ("line", [(x, 0.8), (x, 1.7)])             # noqa: E731
    return [
        ("blend", "line", [(0.0, 4.0), (9.4, 4.0)]),
        ("reset", *feed(4.8)), ("reset", "box", (4.8, 2.0, "$r=\\sigma$")), ("reset", "line", [(5.25, 2.0), (5.7, 2.0)]),
        ("reset", *feed(6.3)), ("reset", "box", (6.3, 2.0, "$n=\\tanh$")),
        ("update", *feed(3.0)), ("update", "box", (3.0, 2.0, "$z=\\sigma$")), ("update", "line", [(3.0, 2.3), (3.0, 3.75)]),
        ("update", "op", (3.0, 4.0, "×")), ("update", "line", [(3.0, 3.0), (4.3, 3.0)]),
        ("update", "box", (4.8, 3.0, "1 − z")), ("update", "line", [(5.3, 3.0), (6.05, 3.0)]),
        ("reset", "line", [(6.3, 2.3), (6.3, 2.75)]), ("update", "op", (6.3, 3.0, "×")),
        ("blend", "line", [(6.3, 3.25), (6.3, 3.75)]), ("blend", "op", (6.3, 4.0, "+")),
        ("all", "line", [(0.6, 4.0), (0.6, 0.8), (6.3, 0.8)]), ("all", "line", [(1.2, -0.2), (1.2, 0.8)]),
    ]


def _draw_parts(ax, parts, active, color):
    """Strokes of the active step in ``color``; those of earlier steps in black; the rest greyed."""
    for step, kind, spec in parts:
        lit, done = step == active, step in ("all",) or step in _DONE.get(active, ())
        stroke = color if lit else ("black" if done else drawing.MUTED)
        if kind == "line":
            xs, ys = zip(*spec)
            ax.plot(xs, ys, color=stroke, linewidth=3.2 if lit else 1.6, solid_capstyle="round", zorder=1)
            if step != "all":                                  # an arrowhead where the signal arrives
                ax.annotate("", xy=spec[-1], xytext=spec[-2], zorder=2,
                            arrowprops={"arrowstyle": "-|>", "color": stroke, "linewidth": 0, "mutation_scale": 16})
        elif kind == "box":
            x, y, text = spec
            drawing.box(ax, x, y, text, "#fce5cd" if lit else ("white" if done else "#f3f3f3"),
                        width=0.9, height=0.5, fontsize=10, edgecolor=stroke)
        else:
            x, y, symbol = spec
            ax.add_patch(plt.Circle((x, y), 0.25, facecolor="white", edgecolor=stroke, linewidth=2, zorder=3))
            ax.text(x, y, symbol, ha="center", va="center", fontsize=13, color=stroke, zorder=4)


# Steps drawn in black (already explained) when a later step is lit.
_DONE = {LSTM_STEPS[k]: LSTM_STEPS[:k] for k in range(len(LSTM_STEPS))} | \
        {GRU_STEPS[k]: GRU_STEPS[:k] for k in range(len(GRU_STEPS))}


def _draw_cell_step(cell, steps, step, parts, labels, lines, title):
    step = validate.one_of("step", step, steps)
    fig, (ax,) = drawing.new_figure(width=9.5, height=6.4)
    ax.add_patch(FancyBboxPatch((0.7, 0.3), 8.0, 4.3, boxstyle="round,pad=0.1", facecolor="#fafafa",
                                        edgecolor="#999999", zorder=0))
    _draw_parts(ax, parts, step, plots.color_for(cell))
    for (x, y), text in labels:
        ax.text(x, y, text, ha="center", va="center", fontsize=12)
    k = steps.index(step)
    ax.text(0.0, -0.9, "Worked example", fontsize=12, fontweight="bold", va="top")
    for j, line in enumerate(lines[:k + 1]):
        ax.text(0.0, -1.5 - 0.5 * j, f"{j + 1}. {line}", fontsize=11, va="top",
                color=plots.color_for(cell) if j == k else "black", fontweight="bold" if j == k else "normal")
    drawing.finish(ax, f"{cell}, step {k + 1} of {len(steps)}: {title}")
    ax.set_xlim(-0.4, 9.8)
    ax.set_ylim(-3.6, 4.9)
    fig.tight_layout()
    return fig


def draw_lstm_step(step: str):
    """The LSTM with one of its four steps lit: ``"forget"``, ``"input"``, ``"cell"`` or ``"output"``."""
    titles = {"forget": "the forget gate f decides how much of the old cell state c to keep",
              "input": "the input gate i decides how much of the candidate g to write",
              "cell": "the cell state is updated: c = f × c + i × g, no squashing, no matrix",
              "output": "the output gate o decides how much of tanh(c) to show as h"}
    labels = [((0.0, 4.35), "$c_{t-1}$"), ((9.3, 4.35), "$c_t$"), ((0.0, 1.1), "$h_{t-1}$"),
              ((1.2, -0.4), "$x_t$"), ((9.3, 1.1), "$h_t$")]
    return _draw_cell_step("LSTM", LSTM_STEPS, step, _lstm_parts(), labels,
                           lstm_worked_example(**LSTM_EXAMPLE), titles.get(step, ""))


def draw_gru_step(step: str):
    """The GRU with one of its three steps lit: ``"reset"``, ``"update"`` or ``"blend"``."""
    titles = {"reset": "the reset gate r decides how much of h the candidate n sees",
              "update": "the update gate z decides how much of the old state to keep",
              "blend": "the new state blends the two: h = z × h + (1 − z) × n"}
    labels = [((0.0, 4.35), "$h_{t-1}$"), ((9.3, 4.35), "$h_t$"), ((1.2, -0.4), "$x_t$")]
    return _draw_cell_step("GRU", GRU_STEPS, step, _gru_parts(), labels,
                           gru_worked_example(**GRU_EXAMPLE), titles.get(step, ""))
