"""How a convolution works, drawn: a kernel sliding with one sum worked out, padding and stride, max pooling,
and the tree of inputs below one output of a dilated causal stack. Each function returns the Figure.

Introduced in lesson 01 (the kernel, padding, stride, max pooling) and lesson 02 (the dilated causal tree).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from utils import drawing, validate

DIGIT = np.array([[0, 0, 1, 2, 0],
                  [0, 1, 3, 1, 0],
                  [0, 0, 2, 0, 0],
                  [0, 0, 2, 0, 0],
                  [0, 1, 3, 1, 0]])
VERTICAL_EDGE = np.array([[1, 0, -1],
                          [1, 0, -1],
                          [1, 0, -1]])


def correlate_valid(image, kernel) -> np.ndarray:
    """What a Conv2D layer computes on one channel without padding: the kernel's dot product at every position."""
    image, kernel = np.asarray(image), np.asarray(kernel)
    rows, cols = image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1
    return np.array([[(image[r:r + kernel.shape[0], c:c + kernel.shape[1]] * kernel).sum() for c in range(cols)]
                     for r in range(rows)])


def worked_sum(image, kernel, at) -> str:
    """The sum behind output ``at`` written out term by term, e.g. '1·0 + 0·1 + ... = 3'."""
    r, c = at
    patch = np.asarray(image)[r:r + len(kernel), c:c + len(kernel[0])]
    terms = [f"{w:g}·{v:g}" for w, v in zip(np.ravel(kernel), np.ravel(patch))]
    return " + ".join(terms).replace("+ -", "− ") + f" = {(patch * np.asarray(kernel)).sum():g}"


def _tinted(shape, cells, color, base="white"):
    colors = [[base] * shape[1] for _ in range(shape[0])]
    for r, c in cells:
        colors[r][c] = color
    return colors


def draw_convolution_step(image=DIGIT, kernel=VERTICAL_EDGE, at=(1, 0)):
    """The input, the kernel laid on one window, and the output grid with that window's sum worked out."""
    image, kernel = validate.array("image", image, ndim=2), validate.array("kernel", kernel, ndim=2)
    output = correlate_valid(image, kernel)
    validate.one_of("at", tuple(at), [(r, c) for r in range(output.shape[0]) for c in range(output.shape[1])])
    r, c = at
    kh, kw = kernel.shape
    fig, (ax,) = drawing.new_figure(width=12, height=4.6)
    window = [(r + i, c + j) for i in range(kh) for j in range(kw)]
    drawing.number_grid(ax, image, (0, 0), _tinted(image.shape, window, drawing.INPUT))
    drawing.outline(ax, (c, -r), kh, kw)
    kx = image.shape[1] + 1.5
    ax.text(kx - 0.9, -1, "×", fontsize=22, ha="center", va="center")
    drawing.number_grid(ax, kernel, (kx, -(image.shape[0] - kh) / 2), [[drawing.OUTPUT] * kw] * kh)
    ox = kx + kw + 1.5
    ax.text(ox - 0.9, -1, "→", fontsize=22, ha="center", va="center")
    oy = -(image.shape[0] - output.shape[0]) / 2
    drawing.number_grid(ax, output, (ox, oy), _tinted(output.shape, [(r, c)], "#f4cccc"))
    drawing.outline(ax, (ox + c, oy - r), 1, 1)
    ax.text(0, 0.9, f"input ({image.shape[0]}×{image.shape[1]})", fontsize=10)
    ax.text(kx - 0.5, -(image.shape[0] - kh) / 2 + 0.9, f"kernel ({kh}×{kw})", fontsize=10)
    ax.text(ox - 0.5, oy + 0.9, f"output ({output.shape[0]}×{output.shape[1]})", fontsize=10)
    ax.text(-0.5, -image.shape[0] - 0.2, f"output[{r}, {c}] = {worked_sum(image, kernel, at)}", fontsize=11,
            va="top", color=drawing.HIGHLIGHT)
    drawing.finish(ax, "A convolution: multiply the window by the kernel, add up, slide one step, repeat")
    ax.set_xlim(-0.8, ox + output.shape[1] + 0.2)
    ax.set_ylim(-image.shape[0] - 1.0, 1.6)
    fig.tight_layout()
    return fig


def output_size(size: int, kernel_size: int, padding: str, stride: int = 1) -> int:
    """Keras' output length: 'valid' gives ceil((n - k + 1) / s), 'same' gives ceil(n / s)."""
    validate.one_of("padding", padding, ("valid", "same"))
    return math.ceil((size - kernel_size + 1) / stride) if padding == "valid" else math.ceil(size / stride)


def draw_padding_and_stride(size: int = 5, kernel_size: int = 3):
    """Three panels on one input: 'valid' (no padding), 'same' (a ring of zeros) and 'same' with stride 2.

    Each panel shows the first windows the kernel takes and the output grid they produce; the
    titles state the output size, computed by :func:`output_size`.
    """
    size = validate.integer("size", size, minimum=3, maximum=8)
    kernel_size = validate.integer("kernel_size", kernel_size, minimum=1, maximum=size)
    if kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be a positive odd integer, got {kernel_size!r}")
    pad = kernel_size // 2
    fig, axes = drawing.new_figure(3, width=15, height=5.2)
    cases = [("valid", 1, "no padding: the output shrinks"), ("same", 1, f"{pad} ring of zeros: same size"),
             ("same", 2, "stride 2: every second window")]
    widest = size + 2 * pad
    for ax, (padding, stride, how) in zip(axes, cases):
        ring = pad if padding == "same" else 0
        grid = np.pad(np.ones((size, size), int), ring)
        colors = [[drawing.INPUT if v else drawing.PADDING for v in row] for row in grid]
        drawing.number_grid(ax, np.where(grid, "", "0"), (0, 0), colors, fmt="{}", fontsize=9)
        windows = [(0, 0), (0, stride)]
        for (r, c), style in zip(windows, ("-", "--")):
            drawing.outline(ax, (c, -r), kernel_size, kernel_size, linestyle=style,
                            color=drawing.HIGHLIGHT if style == "-" else "#ff7f0e")
        out = output_size(size, kernel_size, padding, stride)
        oy = -(len(grid) - out) / 2
        ox = len(grid) + 1.2
        out_colors = [[drawing.OUTPUT] * out for _ in range(out)]
        out_colors[0][0], out_colors[0][1] = "#f4cccc", "#ffd8b1"
        drawing.number_grid(ax, np.zeros((out, out)), (ox, oy), out_colors, fmt=None)
        ax.text(ox + (out - 1) / 2, oy + 0.8, f"output {out}×{out}", ha="center", fontsize=10)
        ax.text((len(grid) - 1) / 2, 0.8, f"input {size}×{size}" + (f", padded to {len(grid)}×{len(grid)}" if ring else ""),
                ha="center", fontsize=10)
        ax.text((len(grid) - 1) / 2, -len(grid) + 0.1, f"the second window starts {stride} step{'s' * (stride > 1)} right",
                ha="center", va="top", fontsize=9)
        drawing.finish(ax, f"padding='{padding}', strides={stride}: {size}×{size} → {out}×{out}\n{how}")
        ax.set_xlim(-0.7, widest + 1.2 + size)
        ax.set_ylim(-widest - 0.8, 1.4)
    fig.suptitle(f"A {kernel_size}×{kernel_size} kernel: padding keeps the size, a stride skips positions")
    fig.tight_layout()
    return fig


def causal_tree(kernel_size: int, dilations, last: int) -> list[set[int]]:
    """The time steps that output ``last`` of a causal stack depends on, per layer, inputs first.

    Layer l (dilation d) at step t reads steps t, t - d, ..., t - (k - 1) d of the layer below.
    """
    needed = [{last}]
    for d in reversed(dilations):
        needed.append({t - j * d for t in needed[-1] for j in range(kernel_size) if t - j * d >= 0})
    return needed[::-1]


def draw_dilated_tree(kernel_size: int = 3, dilations=(1, 2, 4, 8), steps: int | None = None):
    """Every node of a causal, dilated stack over ``steps`` time steps; the nodes and links that the
    last output depends on are highlighted. Its highlighted inputs are its receptive field,
    1 + (k - 1) · sum(dilations) steps.
    """
    kernel_size = validate.integer("kernel_size", kernel_size, minimum=2, maximum=5)
    dilations = validate.integers("dilations", dilations, minimum=1)
    field = 1 + (kernel_size - 1) * sum(dilations)
    steps = field + 4 if steps is None else validate.integer("steps", steps, minimum=field, maximum=80)
    needed = causal_tree(kernel_size, dilations, steps - 1)
    fig, (ax,) = drawing.new_figure(width=max(10, 0.3 * steps + 2), height=0.55 * len(needed) + 1.6)
    gap = 1.8                                                   # vertical distance between layers
    for layer, used in enumerate(needed):
        for t in range(steps):
            on = t in used
            color = (drawing.HIGHLIGHT if layer else "#1f77b4") if on else drawing.MUTED
            ax.add_patch(plt.Circle((t, gap * layer), 0.2, color=color, zorder=3))
            if layer and on:
                d = dilations[layer - 1]
                for j in range(kernel_size):
                    if t - j * d >= 0:
                        ax.plot([t - j * d, t], [gap * (layer - 1), gap * layer], color=drawing.HIGHLIGHT,
                                linewidth=1, zorder=2)
        label = "input" if layer == 0 else f"layer {layer}, dilation {dilations[layer - 1]}"
        ax.text(-0.8, gap * layer, label, ha="right", va="center", fontsize=10)
    top = gap * (len(needed) - 1)
    ax.text(steps - 1, top + 0.45, "one output", ha="center", fontsize=10, color=drawing.HIGHLIGHT)
    ax.text(steps - 1 - (field - 1) / 2, -0.8, f"its {len(needed[0])} inputs: the receptive field", ha="center",
            va="top", fontsize=10, color="#1f77b4")
    drawing.finish(ax, f"Causal convolutions, kernel {kernel_size}, dilations {', '.join(map(str, dilations))}: "
                       f"one output sees 1 + {kernel_size - 1}·{sum(dilations)} = {field} inputs, none after it")
    ax.set_xlim(-7.5, steps + 0.8)
    ax.set_ylim(-1.6, top + 1.0)
    fig.tight_layout()
    return fig


POOL_INPUT = np.array([[1, 3, 0, 2],
                       [4, 2, 1, 0],
                       [0, 1, 5, 2],
                       [2, 0, 3, 1]])
POOL_COLORS = ("#cfe2f3", "#fce5cd", "#d9ead3", "#ead1dc")


def max_pool(values, pool: int) -> np.ndarray:
    """Max pooling with a ``pool`` x ``pool`` window moving ``pool`` steps (Keras' default stride)."""
    values = np.asarray(values)
    rows, cols = values.shape[0] // pool, values.shape[1] // pool
    return values[:rows * pool, :cols * pool].reshape(rows, pool, cols, pool).max(axis=(1, 3))


def draw_max_pooling(values=POOL_INPUT, pool: int = 2):
    """Each ``pool`` x ``pool`` window of the input in its own colour, and the output cell holding its maximum."""
    values = validate.array("values", values, ndim=2)
    pool = validate.integer("pool", pool, minimum=2, maximum=min(values.shape))
    out = max_pool(values, pool)
    window = lambda r, c: (r // pool) * out.shape[1] + c // pool           # noqa: E731 - which window a cell is in
    colors = [[POOL_COLORS[window(r, c) % len(POOL_COLORS)] if r < out.shape[0] * pool and c < out.shape[1] * pool
               else "white" for c in range(values.shape[1])] for r in range(values.shape[0])]
    fig, (ax,) = drawing.new_figure(width=7.5, height=3.6)
    drawing.number_grid(ax, values, (0, 0), colors)
    ox = values.shape[1] + 1.5
    oy = -(values.shape[0] - out.shape[0]) / 2
    out_colors = [[POOL_COLORS[(r * out.shape[1] + c) % len(POOL_COLORS)] for c in range(out.shape[1])]
                  for r in range(out.shape[0])]
    drawing.number_grid(ax, out, (ox, oy), out_colors)
    ax.text(ox - 0.9, oy - (out.shape[0] - 1) / 2, "→", fontsize=22, ha="center", va="center")
    ax.text(-0.5, 0.9, f"input ({values.shape[0]}×{values.shape[1]})", fontsize=10)
    ax.text(ox - 0.5, oy + 0.9, f"output ({out.shape[0]}×{out.shape[1]})", fontsize=10)
    drawing.finish(ax, f"Max pooling, {pool}×{pool} windows moving {pool} steps: each output keeps its window's largest value")
    ax.set_xlim(-0.8, ox + out.shape[1])
    ax.set_ylim(-values.shape[0] - 0.2, 1.5)
    fig.tight_layout()
    return fig
