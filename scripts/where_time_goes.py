"""Where a lesson's time goes on TensorFlow: the first call into each compiled Keras function against the later ones.

    .venv/bin/python scripts/where_time_goes.py notebooks/02_memory.ipynb notebooks/11_forecasting.ipynb

Each lesson's code cells run, in order, in a fresh Python process (not under nbval: no kernel, figures
drawn but not shown). Every call into the functions Keras compiles for ``fit``, ``evaluate`` and
``predict`` is timed. The first call of each function includes tracing it, TensorFlow's graph
optimisation and its first steps; its excess over a typical later call (the median) is that fixed cost,
paid again by every new model or joint model. Printed per lesson: the wall time, the time inside
compiled functions, the first-call excess per kind, and the costliest functions. ``--top`` sets how many.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("train", "test", "predict")


def _time_compiled_functions(record: dict):
    """Wrap what Keras' TensorFlow trainer compiles, so every call's seconds land in ``record[key]``; returns the undo."""
    from keras.src.backend.tensorflow import trainer

    originals = {kind: getattr(trainer.TensorFlowTrainer, f"make_{kind}_function") for kind in KINDS}
    for kind in KINDS:
        def timed_make(self, force=False, _make=originals[kind], _kind=kind):
            _make(self, force)
            attribute = f"{_kind}_function"
            function = getattr(self, attribute)
            if function is None or getattr(function, "timed", False):
                return function
            calls = record.setdefault(f"{_kind} {self.name} {id(self)}", [])

            def timed(*args, **kwargs):
                start = time.perf_counter()
                result = function(*args, **kwargs)
                calls.append(time.perf_counter() - start)
                return result
            timed.timed = True
            setattr(self, attribute, timed)
            return timed
        setattr(trainer.TensorFlowTrainer, f"make_{kind}_function", timed_make)
    return lambda: [setattr(trainer.TensorFlowTrainer, f"make_{k}_function", f) for k, f in originals.items()]


def run_lesson(path: Path) -> dict:
    """Run one lesson's code cells here (cwd: the lesson's folder); return the wall time and the calls."""
    import matplotlib

    matplotlib.use("Agg")
    os.chdir(path.parent)
    cells = [cell for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "code"]
    namespace = {"__name__": "__main__"}
    record: dict = {}
    undo = None
    start = time.perf_counter()
    try:
        for number, cell in enumerate(cells):
            exec(compile("".join(cell["source"]), f"{path.name}, code cell {number}", "exec"), namespace)
            if undo is None and "keras" in sys.modules and os.environ.get("KERAS_BACKEND", "tensorflow") == "tensorflow":
                undo = _time_compiled_functions(record)         # once Keras is imported (the setup cell)
            matplotlib.pyplot.close("all")
    finally:
        if undo is not None:
            undo()
    return {"seconds": time.perf_counter() - start, "calls": record}


def summary(name: str, result: dict, top: int) -> str:
    """The lesson's lines: totals per kind of function, then its ``top`` costliest functions."""
    rows = []
    for key, calls in result["calls"].items():
        kind, model = key.split(" ")[:2]
        typical = statistics.median(calls[1:]) if len(calls) > 1 else 0.0
        rows.append((kind, model, len(calls), sum(calls), calls[0] - typical))
    lines = [f"{name}: {result['seconds']:.1f} s in all"]
    for kind in KINDS:
        mine = [r for r in rows if r[0] == kind]
        if mine:
            lines.append(f"  {kind:7s} {len(mine):3d} functions, {sum(r[2] for r in mine):5d} calls, "
                         f"{sum(r[3] for r in mine):6.1f} s inside, first calls' excess {sum(r[4] for r in mine):5.1f} s")
    for kind, model, count, total, excess in sorted(rows, key=lambda r: -r[3])[:top]:
        lines.append(f"    {kind:7s} {model[:40]:40s} {count:5d} calls {total:6.1f} s, first call's excess {excess:5.2f} s")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="+", type=Path, help="notebooks to run")
    parser.add_argument("--top", type=int, default=5, help="costliest functions to list per lesson (default 5)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)   # the child process: one lesson, JSON out
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_lesson(args.lessons[0].resolve())))
        return 0
    for lesson in args.lessons:
        if not lesson.is_file() or lesson.suffix != ".ipynb":
            parser.error(f"expected a notebook file, got {lesson}")
    if os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow":
        parser.error("this measures TensorFlow's compiled functions: unset KERAS_BACKEND")
    sys.path.insert(0, str(ROOT))
    from utils import bench

    print(f"matmul: {bench.matmul_gflops():.0f} GFLOP/s")
    for lesson in args.lessons:
        child = subprocess.run([sys.executable, __file__, "--one", str(lesson)], capture_output=True, text=True)
        if child.returncode:
            print(child.stderr[-3000:], file=sys.stderr)
            return child.returncode
        print(summary(lesson.stem, json.loads(child.stdout.strip().splitlines()[-1]), args.top), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
