"""Unit tests of utils.report, utils.training and utils.diagrams."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from utils import diagrams, report, training
from utils.runtime import import_keras, seed_everything

keras = import_keras()


def test_table_markdown_and_text():
    table = report.Table(["name", "value|bar"], [["a", 0.123456], ["b|c", 2]])
    md = table._repr_markdown_()
    assert md.splitlines()[0] == "| name | value\\|bar |"
    assert "| a | 0.1235 |" in md and "b\\|c" in md
    assert str(table).splitlines()[1].startswith("a ")


def test_table_rejects_ragged_rows():
    with pytest.raises(ValueError, match="rows \\[1\\] do not have 2 columns"):
        report.Table(["a", "b"], [[1, 2], [3]])


def test_layer_table_lists_shapes_and_params():
    inputs = keras.Input((8, 3))
    outputs = keras.layers.Dense(2)(keras.layers.Conv1D(4, 3, name="conv")(inputs))
    table = report.layer_table(keras.Model(inputs, outputs))
    assert ["conv", "Conv1D", "(6, 4)", "40"] in table.rows
    assert table.rows[-1] == ["total", "", "", "50"]


def test_compile_and_fit_trains_and_reports_progress(capsys):
    seed_everything(0)
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs), name="probe")
    history = training.compile_and_fit(model, x, y, epochs=4, learning_rate=0.05, progress_every=2)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("  probe epoch 2/4: accuracy")
    assert history.seconds > 0 and history.history["loss"][-1] < history.history["loss"][0]


@pytest.mark.parametrize("kwargs, message", [
    ({"epochs": 0}, "epochs must be an integer >= 1"),
    ({"learning_rate": 0}, "learning_rate must be a finite number > 0"),
])
def test_compile_and_fit_bad_arguments(kwargs, message):
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    with pytest.raises(ValueError, match=message):
        training.compile_and_fit(model, np.zeros((4, 2)), np.zeros(4), **kwargs)
    with pytest.raises(ValueError, match="same number of examples"):
        training.compile_and_fit(model, np.zeros((4, 2)), np.zeros(3))


def test_unrolled_rnn_diagram():
    fig = diagrams.draw_unrolled_rnn(3)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "W, U, b\n(shared)" in texts and texts.count("W, U, b\n(shared)") == 1
    assert sum("step" in t for t in texts) == 3 and fig.axes[0].get_title()
    plt.close(fig)
    with pytest.raises(ValueError, match="steps must be an integer from 1 to 8"):
        diagrams.draw_unrolled_rnn(0)


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_gated_cell_diagram(cell):
    fig = diagrams.draw_gated_cell(cell)
    assert cell in fig.axes[0].get_title()
    plt.close(fig)


def test_gated_cell_diagram_rejects_unknown_cells():
    with pytest.raises(ValueError, match="cell must be one of 'LSTM', 'GRU'"):
        diagrams.draw_gated_cell("SimpleRNN")


def test_dependency_graphs():
    fig = diagrams.draw_dependency_graphs(steps=5, conv_layers=3)
    assert "3 layers" in fig.axes[0].get_title() and "T = 5" in fig.axes[1].get_title()
    plt.close(fig)
    with pytest.raises(ValueError, match="steps must be an integer from 2 to 12"):
        diagrams.draw_dependency_graphs(steps=1)
    with pytest.raises(ValueError, match="kernel_size must be a positive odd integer"):
        diagrams.draw_dependency_graphs(kernel_size=2)


def test_wavefront():
    fig = diagrams.draw_wavefront(steps=4, layers=2)
    labels = sorted(int(t.get_text()) for t in fig.axes[0].texts if t.get_text().isdigit())
    assert labels == sorted(t + layer - 1 for t in range(1, 5) for layer in (1, 2))  # the step each node runs at
    assert "T + L - 1 = 5" in fig.axes[0].get_title()
    plt.close(fig)
    with pytest.raises(ValueError, match="layers must be an integer from 1 to 5, got 0"):
        diagrams.draw_wavefront(layers=0)


def test_show_source_displays_functions_as_a_python_block():
    from utils import bench

    shown = report.show_source(bench.gru_stream_step, bench.cnn_window_step)
    text = shown._repr_markdown_()
    assert text.startswith("```python\ndef gru_stream_step(") and "def cnn_window_step(" in text
    assert text.endswith("\n```")


def test_show_source_leaves_out_docstrings_and_argument_checks():
    from utils import memory, models

    shown = str(report.show_source(models.dilated_causal_cnn))
    assert '"""' not in shown and "validate" not in shown
    assert "for dilation in dilations:" in shown and "padding=\"causal\"" in shown
    shown = str(report.show_source(memory.influence_map))
    assert "raise ValueError" not in shown and "changed = np.asarray(predict(copies), np.float64)" in shown
    source = '''def f(a, b):
    """Doc with ‖x‖."""
    a = validate.integer("a", a)
    if b is None:
        raise ValueError("b")
    elif b < 0:
        b = -b


    return g(validate.integer("a", a, minimum=1), "‖") + 1
'''
    assert report.teaching_lines(source) == ('def f(a, b):\n    if b is None:\n        raise ValueError("b")\n'
                                             '    elif b < 0:\n        b = -b\n\n    return g(a, "‖") + 1')
    assert report.teaching_lines("def f():\n    \"\"\"Only a docstring.\"\"\"\n") == 'def f():\n    """Only a docstring."""'
    with pytest.raises(ValueError, match="non-empty source"):
        report.teaching_lines("  ")


def test_show_source_rejects_non_functions():
    with pytest.raises(ValueError, match="functions or classes"):
        report.show_source("rnn_step")
    with pytest.raises(ValueError, match="at least one"):
        report.show_source()


def test_evidence_prints_the_three_numbers_and_refuses_a_check_that_cannot_fail(capsys):
    assert report.evidence("GRU latch", [0.99, 1.0], threshold=0.9, without=0.71) is True
    assert "measured 0.990, 1.000 | without it 0.710 | needs > 0.900 -> holds" in capsys.readouterr().out
    assert report.evidence("time per FLOP", 0.8, threshold=0.5, without=0.4, above=True) is True
    assert report.evidence("bits", [3.1, 3.6], threshold=3.5, without=4.9, above=False) is False   # one seed misses
    assert "FAILS" in capsys.readouterr().out
    with pytest.raises(ValueError, match="could not fail"):
        report.evidence("latch", 0.99, threshold=0.7, without=0.71)
    with pytest.raises(ValueError, match="could not fail"):
        report.evidence("bits", 3.0, threshold=3.5, without=3.2, above=False)
    with pytest.raises(ValueError, match="measured must be a finite number"):
        report.evidence("latch", [], threshold=0.7, without=0.5)
    with pytest.raises(ValueError, match="claim must be a non-empty string"):
        report.evidence("", 0.9, threshold=0.7, without=0.5)
    capsys.readouterr()
    assert report.evidence("weights, 1 vs 4 devices", 3e-8, threshold=1e-5, without=7.5e-3, above=False, scientific=True)
    assert "measured 3.0e-08 | without it 7.5e-03 | needs < 1.0e-05 -> holds" in capsys.readouterr().out
