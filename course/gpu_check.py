"""One command that checks a GPU machine end to end: ``python -m course.gpu_check``.

It runs the layer benchmark on the CPU and on the GPU up to T=4096, measures each device's
matmul ceiling, executes lessons 03 and 05 as a learner would, and writes a short report to
``build/gpu-check/report.md`` (with the benchmark CSV and the executed notebooks beside it).
It works on any Keras backend, e.g. ``KERAS_BACKEND=jax python -m course.gpu_check`` on a machine
with JAX and no TensorFlow. Without a GPU it still runs (the CPU part) and says so.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import nbformat

from course import build
from course.sync import NOTEBOOKS_DIR, ROOT
from utils import bench, runtime
from utils.report import Table

LESSONS = ("03_parallelization", "05_lstm_and_gru")


def layer_summary(results: list[bench.BenchResult], ceilings: dict[str, float]) -> Table:
    """LSTM/Conv1D training-step ratio per device and length, and each layer's share of the matmul ceiling."""
    rows = []
    for device in dict.fromkeys(r.device for r in results):
        by_kind = {(r.kind, r.length): r for r in results if r.device == device}
        for length in sorted({r.length for r in results if r.device == device}):
            conv, lstm = by_kind.get(("Conv1D", length)), by_kind.get(("LSTM", length))
            ratio = lstm.train_s / conv.train_s if conv and lstm else float("nan")
            shares = ", ".join(f"{kind} {by_kind[kind, length].forward_gflops / ceilings[device]:.0%}"
                               for kind in bench.LAYER_KINDS if (kind, length) in by_kind)
            rows.append([device, length, f"{ratio:.2f}", shares])
    return Table(["device", "T", "LSTM / Conv1D train step",
                  "forward GFLOP/s as share of the matmul ceiling (measured before the grid)"], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[16, 64, 256, 1024, 4096])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "gpu-check")
    parser.add_argument("--skip-lessons", action="store_true", help="only the benchmark")
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    info = runtime.setup(seed=0, verbose=True)
    args.out.mkdir(parents=True, exist_ok=True)
    devices = ["CPU", "GPU"] if info.has_gpu else ["CPU"]
    ceilings = {device: bench.matmul_gflops(device=device) for device in devices}
    results = []
    for device in devices:
        results += bench.benchmark(lengths=args.lengths, repeats=args.repeats, device=device)
    longest = max(args.lengths)
    interleaved = {device: bench.utilisation(length=longest, repeats=args.repeats, device=device) for device in devices}
    bench.write_csv(results, args.out / "bench.csv")
    bench.plot_results(results, title=f"Training throughput, {info.device}").savefig(args.out / "bench.png", dpi=120)
    lessons = []
    if not args.skip_lessons:
        for stem in LESSONS:
            start = time.perf_counter()
            try:
                nb = build.execute_notebook(NOTEBOOKS_DIR / f"{stem}.ipynb", log=print)
                outcome = "passed"
            except build.NotebookFailed as failure:
                nb, outcome = failure.nb, f"FAILED: {failure}"
            nbformat.write(nb, args.out / f"{stem}.ipynb")
            lessons.append([stem, outcome, f"{time.perf_counter() - start:.0f} s"])
    report = [
        "# GPU check", "",
        f"`{info}`", "",
        "Matmul ceilings (float32): " + ", ".join(f"{d} {g:.0f} GFLOP/s" for d, g in ceilings.items()), "",
        "Where the benchmark models ran (read off their weights): "
        + ", ".join(sorted({f"{r.device} -> {r.ran_on}" for r in results})), "",
        layer_summary(results, ceilings).to_markdown(), "",
        f"Shares of the matmul ceiling timed in one interleaved loop (ceiling and layers take turns) at T={longest}:", "",
        *[f"- {device}: ceiling {u['ceiling']:.0f} GFLOP/s; "
          + ", ".join(f"{kind} {u[kind]['share']:.0%}" for kind in bench.LAYER_KINDS) for device, u in interleaved.items()],
        "",
    ]
    if not info.has_gpu:
        report += [f"No GPU found by {info.backend}: only the CPU was measured. {info.gpu_hint}", ""]
    if lessons:
        report += [Table(["lesson", "outcome", "time"], lessons).to_markdown(), ""]
    (args.out / "report.md").write_text("\n".join(report))
    print("\n".join(report))
    print(f"wrote {args.out / 'report.md'}")
    return 0 if all(row[1] == "passed" for row in lessons) else 1


if __name__ == "__main__":
    raise SystemExit(main())
