"""Diagrams of network structure drawn with matplotlib. Each returns the Figure.

Introduced in lesson 01 (the unrolled recurrent layer).
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from utils import drawing, plots, validate


def draw_unrolled_rnn(steps: int = 4, title: str = "A recurrent layer, folded and unrolled in time"):
    """The folded cell (with its loop) beside the same cell unrolled over ``steps`` time steps.

    The weights W, U, b appear once, in a box linked to every step: unrolling copies the
    computation, not the parameters.
    """
    steps = validate.integer("steps", steps, minimum=1, maximum=8)
    fig, ax = plt.subplots(figsize=(2.0 + 1.6 * steps, 4.2))
    # Folded view: one cell with a loop from its output back to its input.
    drawing.box(ax, 0, 1, "cell", "#f4cccc")
    drawing.arrow(ax, (0, -0.2), (0, 0.68))
    ax.text(0, -0.4, "$x_t$", ha="center", va="center")
    drawing.arrow(ax, (0, 1.32), (0, 2.2))
    ax.text(0, 2.4, "$h_t$", ha="center", va="center")
    drawing.arrow(ax, (0.47, 1.15), (0.47, 0.85), style="-|>", connectionstyle="arc3,rad=-2.2")
    ax.text(1.05, 1, "$U$", ha="left", va="center")
    ax.text(1.45, 1, "=", fontsize=18, ha="center", va="center")
    # Unrolled view: the same cell once per time step, the state passed along.
    xs = [3 + 1.6 * t for t in range(steps)]
    for t, x in enumerate(xs, 1):
        drawing.box(ax, x, 1, f"cell\nstep {t}", "#f4cccc")
        drawing.arrow(ax, (x, -0.2), (x, 0.68))
        ax.text(x, -0.4, f"$x_{t}$", ha="center", va="center")
        drawing.arrow(ax, (x, 1.32), (x, 2.2))
        ax.text(x, 2.4, f"$h_{t}$", ha="center", va="center")
        ax.plot([x, xs[-1] + 1.2], [0.7, -0.6], color="gray", linestyle=":", linewidth=1, zorder=0)
    drawing.arrow(ax, (xs[0] - 1.0, 1), (xs[0] - 0.47, 1))
    ax.text(xs[0] - 0.8, 1.15, "$h_0 = 0$", ha="center", va="bottom", fontsize=9)
    for left, right in zip(xs, xs[1:]):
        drawing.arrow(ax, (left + 0.47, 1), (right - 0.47, 1))
    drawing.box(ax, xs[-1] + 1.2, -1.0, "W, U, b\n(shared)", "#cfe2f3", width=1.3, height=0.7)
    ax.text(xs[0], -1.5, "$h_t = \\tanh(x_t W + h_{t-1} U + b)$", ha="left", va="center", fontsize=11)
    ax.set_xlim(-0.8, xs[-1] + 2.1)
    ax.set_ylim(-1.9, 2.8)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def draw_dependency_graphs(steps: int = 6, conv_layers: int = 2, kernel_size: int = 3, scan: bool = False):
    """Computation graphs of a conv stack and a recurrent layer over ``steps`` time steps.

    Each node is one output vector; an arrow means "needs". In the conv stack, every node
    of a layer depends only on the layer below, so a whole layer is computed at once and
    the longest chain has ``conv_layers`` links. In the RNN, h_t needs h_{t-1}: the longest
    chain has ``steps`` links. That chain (the critical path) is drawn in red. With ``scan``
    a third panel (lesson 08) shows a linear recurrence computed as a parallel prefix scan:
    at level k each position combines with the one 2^k before it, so ceil(log2 T) levels.
    """
    steps = validate.integer("steps", steps, minimum=2, maximum=12)
    conv_layers = validate.integer("conv_layers", conv_layers, minimum=1, maximum=4)
    kernel_size = validate.integer("kernel_size", kernel_size, minimum=1)
    if kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be a positive odd integer, got {kernel_size!r}")
    if not isinstance(scan, bool):
        raise ValueError(f"scan must be True or False, got {scan!r}")
    fig, axes = plt.subplots(1, 3 if scan else 2, figsize=(19 if scan else 13, 3.8))
    ax_cnn, ax_rnn = axes[:2]
    half = kernel_size // 2
    red = "#d62728"
    for ax in (ax_cnn, ax_rnn):
        for t in range(steps):
            ax.add_patch(plt.Circle((t, 0), 0.18, color="#cccccc"))
            ax.text(t, -0.45, f"$x_{{{t + 1}}}$", ha="center", va="center")
    for layer in range(1, conv_layers + 1):
        for t in range(steps):
            ax_cnn.add_patch(plt.Circle((t, layer), 0.18, color="#9fc5e8"))
            for source in range(max(0, t - half), min(steps, t + half + 1)):
                on_path = t == steps // 2 and source == t
                drawing.arrow(ax_cnn, (source, layer - 1 + 0.2), (t, layer - 0.2),
                       color=red if on_path else "gray", linewidth=2 if on_path else 0.7)
        ax_cnn.text(steps - 0.4, layer, f"layer {layer}: all {steps} positions at once", va="center", fontsize=9)
    ax_cnn.set_title(f"Conv stack: critical path = {conv_layers} layers, whatever the length")
    for t in range(steps):
        ax_rnn.add_patch(plt.Circle((t, 1), 0.18, color="#f4cccc"))
        ax_rnn.text(t, 1.45, f"$h_{{{t + 1}}}$", ha="center", va="center")
        drawing.arrow(ax_rnn, (t, 0.2), (t, 0.8), color="gray", linewidth=0.7)
        if t:
            drawing.arrow(ax_rnn, (t - 1 + 0.2, 1), (t - 0.2, 1), color=red, linewidth=2)
    ax_rnn.set_title(f"Recurrent layer: critical path = T = {steps} steps")
    if scan:
        _draw_scan(axes[2], steps, red)
    for ax, top in ((ax_cnn, conv_layers), (ax_rnn, 1)):
        ax.set_xlim(-0.7, steps + (3.2 if ax is ax_cnn else 0))
        ax.set_ylim(-0.8, top + 0.8)
        ax.set_aspect("equal")
        ax.axis("off")
    fig.suptitle("What must wait for what: red arrows are the longest chain of dependent steps")
    fig.tight_layout()
    return fig


def _draw_scan(ax, steps: int, red: str) -> None:
    """Hillis-Steele prefix scan over ``steps`` positions: level k combines position t with t - 2^k."""
    from utils.scan import scan_levels

    levels = scan_levels(steps)
    for t in range(steps):
        ax.add_patch(plt.Circle((t, 0), 0.18, color="#cccccc"))
        ax.text(t, -0.45, f"$(a_{{{t + 1}}}, b_{{{t + 1}}})$", ha="center", va="center", fontsize=8)
    for level in range(1, levels + 1):
        shift = 2 ** (level - 1)
        for t in range(steps):
            ax.add_patch(plt.Circle((t, level), 0.18, color="#d9c2b8"))
            red_here = t == steps - 1
            drawing.arrow(ax, (t, level - 1 + 0.2), (t, level - 0.2), color=red if red_here else "gray",
                   linewidth=2 if red_here else 0.7)
            if t >= shift:
                drawing.arrow(ax, (t - shift + 0.1, level - 1 + 0.2), (t - 0.1, level - 0.2), color="gray", linewidth=0.7)
    for t in range(steps):
        ax.text(t, levels + 0.45, f"$h_{{{t + 1}}}$", ha="center", va="center")
    ax.set_title(f"Linear recurrence as a parallel scan: critical path = ceil(log2 T) = {levels} levels")
    ax.set_xlim(-0.7, steps)
    ax.set_ylim(-0.8, levels + 0.8)
    ax.set_aspect("equal")
    ax.axis("off")


def draw_gated_cell(cell: str):
    """A schematic of one LSTM or GRU step: inputs, gates, and the path the state takes through time.

    The thick horizontal line is the state carried from step t-1 to step t; gates are the
    sigmoid boxes that scale what is kept and what is written. Along that line there is
    no squashing non-linearity, only an element-wise product with a gate (and, for the
    LSTM, an addition), which is why gradients can travel far when the gates stay open.
    """
    validate.one_of("cell", cell, ("LSTM", "GRU"))
    fig, ax = plt.subplots(figsize=(8, 3.6))
    state = "$c$" if cell == "LSTM" else "$h$"
    path = plots.color_for(cell)                               # the cell's own colour, as in every chart
    ax.annotate("", xy=(9.3, 3), xytext=(0.2, 3), arrowprops={"arrowstyle": "-|>", "linewidth": 3, "color": path})
    ax.text(0.2, 3.25, f"{state}$_{{t-1}}$", fontsize=12)
    ax.text(8.8, 3.25, f"{state}$_t$", fontsize=12)
    if cell == "LSTM":
        ops = [(3, 3, "×", "forget gate $f$\nkeep old cell"), (6, 3, "+", "input gate $i$ × candidate $g$\nwrite new")]
        gates = [(3, 1, "$f=\\sigma$"), (5, 1, "$i=\\sigma$"), (6.5, 1, "$g=\\tanh$"), (8.2, 1, "$o=\\sigma$")]
        arrows = [((3, 1.3), (3, 2.7)), ((5, 1.3), (5.85, 2.75)), ((6.5, 1.3), (6.1, 2.75)), ((8.2, 1.3), (8.2, 1.9))]
        ax.text(7.6, 2.1, "$h_t = o \\cdot \\tanh(c_t)$", fontsize=10)
    else:
        ops = [(3, 3, "×", "update gate $z$\nkeep old state"), (6, 3, "+", "$(1-z)$ × candidate $n$\nwrite new")]
        gates = [(3, 1, "$z=\\sigma$"), (5, 1, "$r=\\sigma$"), (6.5, 1, "$n=\\tanh$")]
        arrows = [((3, 1.3), (3, 2.7)), ((5.6, 1), (5.9, 1)), ((6.5, 1.3), (6.1, 2.75))]
        ax.text(4.2, 1.6, "$r$ decides how much of $h_{t-1}$\nthe candidate sees", fontsize=8)
    for x, y, symbol, label in ops:
        drawing.box(ax, x, y, symbol, "#ffffff", width=0.5, height=0.5)
        ax.text(x, y + 0.45, label, ha="center", va="bottom", fontsize=8)
    for x, y, label in gates:
        drawing.box(ax, x, y, label, "#fce5cd", width=1.1, height=0.5)
    for start, end in arrows:
        drawing.arrow(ax, start, end)
    ax.text(0.2, 0.2, "$x_t$ and $h_{t-1}$ feed every gate", fontsize=9)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 4.3)
    ax.axis("off")
    ax.set_title(f"One {cell} step: the state path (thick line) is only scaled by gates and added to")
    fig.tight_layout()
    return fig


def draw_wavefront(steps: int = 6, layers: int = 3):
    """Stacked recurrent layers as a grid of (layer, time step) nodes, each labelled with the step at
    which it can run.

    Node (l, t) needs (l - 1, t) below it and (l, t - 1) to its left, so it can run at step
    t + l - 1: the nodes on one anti-diagonal run at the same time, a wavefront moving up and
    right. The whole stack needs steps + layers - 1 sequential steps, not layers x steps; one
    longest chain is drawn in red.
    """
    steps = validate.integer("steps", steps, minimum=2, maximum=12)
    layers = validate.integer("layers", layers, minimum=1, maximum=5)
    fig, ax = plt.subplots(figsize=(1.1 * steps + 2.5, 1.0 * layers + 1.6))
    cmap = plt.get_cmap("viridis")
    total = steps + layers - 1
    red = "#d62728"
    path = {(1, t) for t in range(1, steps + 1)} | {(layer, steps) for layer in range(1, layers + 1)}
    for layer in range(1, layers + 1):
        for t in range(1, steps + 1):
            ready = t + layer - 1
            ax.add_patch(plt.Circle((t, layer), 0.3, color=cmap(0.15 + 0.7 * (ready - 1) / max(total - 1, 1))))
            ax.text(t, layer, str(ready), ha="center", va="center", color="white", fontsize=10, fontweight="bold")
            if t > 1:
                on_path = (layer, t) in path and (layer, t - 1) in path
                drawing.arrow(ax, (t - 1 + 0.32, layer), (t - 0.32, layer), color=red if on_path else "gray",
                       linewidth=2 if on_path else 0.8)
            if layer > 1:
                on_path = (layer, t) in path and (layer - 1, t) in path
                drawing.arrow(ax, (t, layer - 1 + 0.32), (t, layer - 0.32), color=red if on_path else "gray",
                       linewidth=2 if on_path else 0.8)
        ax.text(0.3, layer, f"layer {layer}", ha="right", va="center", fontsize=9)
    for t in range(1, steps + 1):
        ax.text(t, 0.35, f"$t={t}$", ha="center", va="center", fontsize=9)
    ax.set_xlim(-0.9, steps + 0.7)
    ax.set_ylim(0, layers + 0.7)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"{layers} stacked recurrent layers over T = {steps}: each node shows the step it can run at;\n"
                 f"the last runs at T + L - 1 = {total}, not L x T = {layers * steps}")
    fig.tight_layout()
    return fig
