"""Tables for notebooks: markdown tables and a per-layer summary of a Keras model.

Introduced in lesson 01.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

BUILD_DIR_VARIABLE = "COURSE_BUILD_DIR"


class Table:
    """A table that renders as markdown in Jupyter and as aligned text when printed."""

    def __init__(self, headers: Sequence[str], rows: Sequence[Sequence]):
        if isinstance(headers, (str, bytes)) or not isinstance(headers, Sequence) or not headers:
            raise ValueError(f"headers must be a non-empty list of column names, got {headers!r}")
        if isinstance(rows, (str, bytes)):
            raise ValueError(f"rows must be a list of rows (each a list of values), got the string {rows!r}")
        rows = list(rows)
        for i, row in enumerate(rows):
            if isinstance(row, (str, bytes)) or not hasattr(row, "__iter__") or not hasattr(row, "__len__"):
                raise ValueError(f"row {i} must be a list of {len(headers)} values, got {row!r}; "
                                 "wrap a single row in a list: rows=[[...]]")
        self.headers = [str(h) for h in headers]
        self.rows = [[_fmt(v) for v in row] for row in rows]
        bad = [i for i, row in enumerate(self.rows) if len(row) != len(self.headers)]
        if bad:
            raise ValueError(f"rows {bad} do not have {len(self.headers)} columns like the headers")

    def to_markdown(self) -> str:
        """The table as markdown text."""
        return self._repr_markdown_()

    def _repr_markdown_(self) -> str:
        lines = ["| " + " | ".join(h.replace("|", "\\|") for h in self.headers) + " |", "|" + "---|" * len(self.headers)]
        lines += ["| " + " | ".join(v.replace("|", "\\|") for v in row) + " |" for row in self.rows]
        return "\n".join(lines)

    def __str__(self) -> str:
        widths = [max(len(r[i]) for r in [self.headers, *self.rows]) for i in range(len(self.headers))]
        lines = ["  ".join(h.ljust(w) for h, w in zip(self.headers, widths))]
        lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in self.rows]
        return "\n".join(lines)

    __repr__ = __str__


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def layer_table(model) -> Table:
    """One row per layer of a Keras model: name, type, output shape (without batch), parameters."""
    rows = []
    for layer in model.layers:
        shape = getattr(layer, "output", None)
        shape = tuple(shape.shape[1:]) if shape is not None else "?"
        rows.append([layer.name, type(layer).__name__, shape, layer.count_params()])
    rows.append(["total", "", "", model.count_params()])
    return Table(["layer", "type", "output shape", "parameters"], rows)


class Source:
    """Functions' source code, shown as a highlighted Python block in a notebook (see :func:`show_source`)."""

    def __init__(self, text: str):
        self.text = text

    def _repr_markdown_(self) -> str:
        return f"```python\n{self.text}\n```"

    def __str__(self) -> str:
        return self.text


def show_source(*functions) -> Source:
    """The lines of ``functions`` (e.g. ``bench.gru_stream_step``) that teach, to display in a notebook.

    The kernels a learner should read live in ``utils/`` with tests; this shows them in the
    lesson as they run, so the two cannot drift apart, without what only guards them: the
    docstrings, the argument checks (``validate.*`` calls, and ``if ...: raise`` guards) are
    left out, and a ``validate.*(name, value, ...)`` used inside an expression shows as ``value``.
    """
    import inspect

    if not functions:
        raise ValueError("show_source needs at least one function")
    texts = []
    for function in functions:
        if not (inspect.isfunction(function) or inspect.isclass(function) or inspect.ismethod(function)):
            raise ValueError(f"show_source takes functions or classes, got {function!r}")
        texts.append(teaching_lines(inspect.getsource(function)))
    return Source("\n\n\n".join(texts))


def _is_validate_call(node) -> bool:
    """``validate.something(...)``."""
    import ast

    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "validate")


def _only_checks(statement) -> bool:
    """A statement that only checks arguments: a raise, a ``validate.*`` call or assignment from such calls, or an
    ``if`` without ``else`` holding only those."""
    import ast

    if isinstance(statement, ast.Raise):
        return True
    if isinstance(statement, (ast.Expr, ast.Assign)):
        values = statement.value.elts if isinstance(statement.value, ast.Tuple) else [statement.value]
        return all(_is_validate_call(value) for value in values)
    if isinstance(statement, ast.If):
        return not statement.orelse and all(_only_checks(s) for s in statement.body)
    return False


def teaching_lines(source: str) -> str:
    """``source`` (one function or class) without docstrings and argument checks (see :func:`show_source`)."""
    import ast
    import textwrap

    if not isinstance(source, str) or not source.strip():
        raise ValueError("source must be the non-empty source text of a function or class")
    source = textwrap.dedent(source).rstrip() + "\n"
    tree = ast.parse(source)
    lines = source.encode().splitlines(keepends=True)        # ast's columns count UTF-8 bytes
    dropped, inline = set(), []
    for node in ast.walk(tree):
        if _is_validate_call(node) and len(node.args) >= 2 and node.lineno == node.end_lineno:
            inline.append(node)
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for index, statement in enumerate(body):
            docstring = (index == 0 and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                         and isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
                         and isinstance(statement.value.value, str))
            if (docstring or _only_checks(statement)) and len(body) > 1:
                dropped.update(range(statement.lineno, statement.end_lineno + 1))
    for call in sorted(inline, key=lambda c: (c.lineno, c.col_offset), reverse=True):
        if call.lineno in dropped:
            continue
        line, value = lines[call.lineno - 1], call.args[1]
        lines[call.lineno - 1] = (line[:call.col_offset] + line[value.col_offset:value.end_col_offset]
                                  + line[call.end_col_offset:])
    kept = [line.decode() for number, line in enumerate(lines, 1) if number not in dropped]
    text = "".join(kept)
    text = re.sub(r"\n(\s*\n){2,}", "\n\n", text)             # no runs of blank lines left by what was dropped
    return text.rstrip()


def save_to_build(filename: str, content) -> Path | None:
    """Write ``content`` to ``<build>/reports/<filename>`` when the notebook runs inside ``make course``.

    ``content`` is text, bytes, or a matplotlib Figure (saved as an image; the file name's
    extension picks the format, e.g. ``bench.png``). The course build sets the
    ``COURSE_BUILD_DIR`` environment variable, links each report from its index and renders
    ``.md`` and ``.csv`` reports as HTML; elsewhere (JupyterLab, Colab, nbval) nothing is
    written and ``None`` is returned.
    """
    if not isinstance(filename, str) or not filename or Path(filename).name != filename:
        raise ValueError(f"filename must be a plain file name without folders, got {filename!r}")
    if not isinstance(content, (str, bytes)) and not hasattr(content, "savefig"):
        raise ValueError(f"content must be text, bytes or a matplotlib Figure, got {type(content).__name__}")
    folder = os.environ.get(BUILD_DIR_VARIABLE)
    if not folder:
        return None
    path = Path(folder) / "reports" / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        content.savefig(path, dpi=120, bbox_inches="tight")
    return path


def seed_table(runs, key: str = "val_loss", label: str = "validation loss", solved_below: float | None = None,
               solved_above: float | None = None, digits: int = 3) -> Table:
    """One row per model of :func:`utils.training.fit_seeds` results: parameters, mean ± sd, every seed.

    With ``solved_below`` (or ``solved_above``) a column counts the seeds that end past that
    threshold, e.g. "2 of 3".
    """
    from utils.training import mean_sd

    if not hasattr(runs, "items") or not runs:
        raise ValueError("runs must be a non-empty {model name: SeedRuns} mapping, as fit_seeds returns")
    rows = []
    for name, run in runs.items():
        values = run.final(key)
        row = [name, f"{run.models[run.seeds[0]].count_params():,}", mean_sd(values, digits),
               ", ".join(f"{v:.{digits}g}" for v in values)]
        if solved_below is not None or solved_above is not None:
            row.append(f"{run.count(key, below=solved_below, above=solved_above)} of {len(values)}")
        rows.append(row)
    headers = ["model", "parameters", f"{label}, mean ± sd", f"per seed {tuple(next(iter(runs.values())).seeds)}"]
    if solved_below is not None or solved_above is not None:
        threshold = f"< {solved_below:g}" if solved_below is not None else f"> {solved_above:g}"
        headers.append(f"seeds with {label} {threshold}")
    return Table(headers, rows)


def evidence(claim: str, measured, threshold: float, without: float, above: bool = True, digits: int = 3,
             scientific: bool = False) -> bool:
    """Print the three numbers a check stands on, and whether the measurement clears its threshold.

    ``measured`` is a number or one number per seed (every one must clear the threshold);
    ``without`` is what a model lacking the claimed property would score (chance, the ceiling a
    receptive field allows, a ratio of 1.0 for no penalty). ``above=True`` means the claim needs
    ``measured > threshold``, else ``measured < threshold``; ``scientific`` prints the numbers as
    ``3.0e-08`` (for differences near float rounding). A threshold that ``without`` already
    clears makes a check that cannot fail, so it raises ``ValueError`` before anything is judged.
    Use it as ``assert report.evidence(...), "what the claim says"``.
    """
    import numpy as np

    if not isinstance(claim, str) or not claim:
        raise ValueError(f"claim must be a non-empty string naming what is checked, got {claim!r}")
    values = np.atleast_1d(np.asarray(measured, dtype=float))
    if values.ndim != 1 or values.size == 0 or not np.isfinite(values).all():
        raise ValueError(f"measured must be a finite number or one finite number per seed, got {measured!r}")
    threshold, without = float(threshold), float(without)
    side = ">" if above else "<"
    form = f".{max(1, digits - 2)}e" if scientific else f".{digits}f"
    if (without > threshold) if above else (without < threshold):
        raise ValueError(f"{claim}: without the property the score is {without:{form}}, which already clears "
                         f"the threshold ({side} {threshold:{form}}): the check could not fail")
    held = bool((values > threshold).all() if above else (values < threshold).all())
    shown = ", ".join(f"{v:{form}}" for v in values)
    print(f"{claim}: measured {shown} | without it {without:{form}} | needs {side} {threshold:{form}}"
          f" -> {'holds' if held else 'FAILS'}")
    return held
