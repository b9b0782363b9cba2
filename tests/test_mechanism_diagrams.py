"""Unit tests of the mechanism figures: utils.conv_diagrams, utils.time_diagrams, utils.gate_diagrams."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from utils import conv_diagrams, gate_diagrams, time_diagrams


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [ax.get_title() for ax in fig.axes]


def test_correlate_valid_matches_a_slow_sum():
    rng = np.random.default_rng(0)
    image, kernel = rng.integers(-3, 4, (6, 5)), rng.integers(-2, 3, (3, 2))
    out = conv_diagrams.correlate_valid(image, kernel)
    assert out.shape == (4, 4)
    assert out[2, 3] == sum(image[2 + i, 3 + j] * kernel[i, j] for i in range(3) for j in range(2))


def test_convolution_step_works_out_the_highlighted_sum():
    fig = conv_diagrams.draw_convolution_step(at=(1, 0))
    expected = conv_diagrams.correlate_valid(conv_diagrams.DIGIT, conv_diagrams.VERTICAL_EDGE)[1, 0]
    (line,) = [t for t in texts(fig) if t.startswith("output[1, 0] =")]
    assert line.endswith(f"= {expected:g}") and line.count("·") == 9
    assert str(int(expected)) in texts(fig)                      # the output grid shows it too
    plt.close(fig)
    with pytest.raises(ValueError, match="at must be one of"):
        conv_diagrams.draw_convolution_step(at=(3, 3))


@pytest.mark.parametrize("size, kernel, padding, stride, expected",
                         [(5, 3, "valid", 1, 3), (5, 3, "same", 1, 5), (5, 3, "same", 2, 3), (28, 3, "valid", 2, 13)])
def test_output_size_is_keras_rule(size, kernel, padding, stride, expected):
    assert conv_diagrams.output_size(size, kernel, padding, stride) == expected


def test_padding_and_stride_titles_state_the_sizes():
    fig = conv_diagrams.draw_padding_and_stride(5, 3)
    titles = [ax.get_title() for ax in fig.axes]
    assert [t.split("\n")[0][-5:] for t in titles] == ["→ 3×3", "→ 5×5", "→ 3×3"]
    assert sum(t == "0" for t in texts(fig)) == 2 * 24          # a ring of 24 zeros in the two padded panels
    plt.close(fig)
    with pytest.raises(ValueError, match="kernel_size must be a positive odd integer"):
        conv_diagrams.draw_padding_and_stride(5, 2)


def test_dilated_tree_highlights_exactly_the_receptive_field():
    needed = conv_diagrams.causal_tree(3, (1, 2, 4, 8), last=40)
    assert needed[0] == set(range(10, 41))                       # 31 inputs, none after step 40
    fig = conv_diagrams.draw_dilated_tree(3, (1, 2, 4, 8))
    blue = [p for p in fig.axes[0].patches if p.get_facecolor()[:3] == plt.matplotlib.colors.to_rgb("#1f77b4")]
    assert len(blue) == 31 and "= 31 inputs" in fig.axes[0].get_title()
    plt.close(fig)
    with pytest.raises(ValueError, match="steps must be an integer from 31"):
        conv_diagrams.draw_dilated_tree(3, (1, 2, 4, 8), steps=20)


def test_bptt_names_one_jacobian_per_link():
    fig = time_diagrams.draw_bptt(4)
    assert sum("partial h" in t for t in texts(fig)) == 3
    plt.close(fig)


@pytest.mark.parametrize("steps, every, first", [(12, 4, 9), (12, 5, 11), (10, 10 - 1, 10), (8, 1, 8)])
def test_truncated_reach_matches_the_cell(steps, every, first):
    """The state entering steps every, 2·every, ... (0-based) is a constant, as in layers.TruncatedSimpleRNNCell."""
    cuts = [s for s in range(steps) if s % every == 0]
    assert time_diagrams.truncated_reach(steps, every) == cuts[-1] + 1 == first


def test_truncation_draws_the_cuts():
    fig = time_diagrams.draw_truncation(12, 4)
    assert texts(fig).count("cut") == 2 and any("only the last 4 inputs" in t for t in texts(fig))
    plt.close(fig)


def test_forecast_windows_figure_matches_the_cutter():
    fig = time_diagrams.draw_forecast_windows(input_steps=6, horizon=2, stride=3, windows=2)
    rects = [p for p in fig.axes[0].patches if p.get_width() in (6, 2)]
    assert sorted((p.get_x(), p.get_width()) for p in rects) == [(0, 6), (3, 6), (6, 2), (9, 2)]
    plt.close(fig)


def test_fed_back_forecast_draws_one_cell_per_step():
    fig = time_diagrams.draw_fed_back_forecast(3)
    assert texts(fig).count("cell") == 3 and texts(fig).count("model") == 1
    plt.close(fig)


def test_lstm_worked_example_adds_the_two_values():
    lines = gate_diagrams.lstm_worked_example(c_prev=0.8, f=1.0, i=1.0, g=0.3, o=1.0)
    assert "c = 0.80 + 0.30 = 1.10" in lines[2] and f"{np.tanh(1.1):.2f}" in lines[3]


@pytest.mark.parametrize("step", gate_diagrams.LSTM_STEPS)
def test_lstm_step_shows_the_example_up_to_its_step(step):
    fig = gate_diagrams.draw_lstm_step(step)
    k = gate_diagrams.LSTM_STEPS.index(step) + 1
    assert f"step {k} of 4" in fig.axes[0].get_title()
    assert sum(t[:2] in {f"{j}." for j in range(1, 5)} for t in texts(fig)) == k
    plt.close(fig)


@pytest.mark.parametrize("step", gate_diagrams.GRU_STEPS)
def test_gru_step(step):
    fig = gate_diagrams.draw_gru_step(step)
    assert f"step {gate_diagrams.GRU_STEPS.index(step) + 1} of 3" in fig.axes[0].get_title()
    plt.close(fig)
    with pytest.raises(ValueError, match="step must be one of 'reset', 'update', 'blend'"):
        gate_diagrams.draw_gru_step("forget")


def test_max_pooling_keeps_each_windows_largest_value():
    values = conv_diagrams.POOL_INPUT
    np.testing.assert_array_equal(conv_diagrams.max_pool(values, 2), [[4, 2], [2, 5]])
    fig = conv_diagrams.draw_max_pooling(values, 2)
    shown = [t.get_text() for t in fig.axes[0].texts]
    assert shown.count("5") == 2 and "output (2×2)" in shown and "2×2 windows" in fig.axes[0].get_title()
    plt.close(fig)
    with pytest.raises(ValueError, match="pool must be an integer from 2 to 4"):
        conv_diagrams.draw_max_pooling(values, 5)
