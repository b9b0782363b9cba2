"""Run every timing check of the course many times, optionally with a competing load beside it.

    python scripts/timing_under_load.py --runs 20 --load "python -m course.build --only 02 --out /tmp/load"

The checks are the ones lessons 03, 07 and 08 assert, computed the same way (the interleaved grid of
``bench.benchmark``, the slope fit, ``bench.utilisation``, the LSTM/Conv1D step at T = 256,
``bench.streaming_latency`` and lesson 08's growth exponents); lesson 03's time-to-result race is run
by executing that cell's logic in ``time_to_result``. ``--checks`` picks groups. The
load command is restarted whenever it ends, so the machine stays busy for the whole run. Prints
one line per run and a summary; exits 1 if any check failed in any run.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from utils import bench, data, runtime  # noqa: E402

LENGTHS = (16, 64, 256, 1024)


def grid_checks() -> dict[str, bool]:
    results = bench.benchmark(lengths=LENGTHS, batch=32, width=64, repeats=5, device="CPU", log=None)
    train = {(r.kind, r.length): r.train_s for r in results}
    slope = {kind: float(np.polyfit(LENGTHS, [train[kind, t] for t in LENGTHS], 1)[0])
             for kind in ("Conv1D", "LSTM")}
    shares = bench.utilisation(length=LENGTHS[-1], batch=32, width=64, repeats=5, device="CPU")
    recurrent = sum(shares[k]["share"] for k in ("SimpleRNN", "GRU", "LSTM")) / 3
    speed = {r.kind: r.train_s for r in bench.benchmark(kinds=("Conv1D", "LSTM"), lengths=(256,), repeats=5, log=None)}
    return {
        "03 LSTM > 1.3x Conv1D at T=1024": train["LSTM", 1024] > 1.3 * train["Conv1D", 1024],
        "03 LSTM slope > 1.3x Conv1D slope": slope["LSTM"] > 1.3 * slope["Conv1D"],
        "03 Conv1D share > 1.5x recurrent mean": shares["Conv1D"]["share"] > 1.5 * recurrent,
        "06 LSTM step > 1.3x Conv1D step at T=256": speed["LSTM"] > 1.3 * speed["Conv1D"],
    }


def streaming_checks() -> dict[str, bool]:
    rows = bench.streaming_latency(layers=(2, 4, 6, 8), streams=32, width=64, cached=True)
    gru = rows[0]["seconds"]
    cnn = {r["field"]: r["seconds"] for r in rows if r["cached"] is False}
    cached = {r["field"]: r["seconds"] for r in rows if r["cached"]}
    return {"03 streaming: CNN field 511 > 3x GRU step": cnn[511] > 3 * gru,
            "03 streaming: CNN cost at field 511 > 3x at field 31": cnn[511] > 3 * cnn[31],
            "03 streaming: growth 31 -> 511 re-run > 2x cached": cnn[511] / cnn[31] > 2 * cached[511] / cached[31]}


def beyond_checks() -> dict[str, bool]:
    kinds = ("Conv1D", "GRU", "minGRU, sequential", "minGRU, parallel scan", "causal attention")
    grid = bench.benchmark(kinds=kinds, lengths=(512, 2048), batch=8, width=64, repeats=7, warmup=1, log=None)
    gap = bench.growth_exponent_gap(grid, "causal attention", "minGRU, parallel scan", "train_s")
    print(f"  07 growth exponent gap {gap:.2f}", flush=True)
    return {"07 attention exponent > scan exponent + 0.3": gap > 0.3}


CHECKS = {"grid": lambda: grid_checks(), "race": lambda: time_to_result(), "streaming": lambda: streaming_checks(),
          "beyond": lambda: beyond_checks()}


def time_to_result() -> dict[str, bool]:
    keras = runtime.import_keras()
    length, vocab, lag, target = 64, 8, 4, 0.95
    x, y, w = data.delayed_recall(4000, length, lag, seed=42)
    xv, yv, wv = data.delayed_recall(1000, length, lag, seed=43)
    bodies = {"CNN": lambda h: keras.layers.Conv1D(32, 3, padding="causal", activation="relu")(
                  keras.layers.Conv1D(32, 3, padding="causal", activation="relu")(h)),
              "GRU": lambda h: keras.layers.GRU(32, return_sequences=True)(h)}
    models = {}
    for name, body in bodies.items():
        runtime.seed_everything(42)
        tokens = keras.Input(shape=(length,))
        model = keras.Model(tokens, keras.layers.Dense(vocab, activation="softmax")(body(keras.layers.Embedding(vocab, 16)(tokens))))
        model.compile(optimizer=keras.optimizers.Adam(1e-2, clipnorm=1.0), loss="sparse_categorical_crossentropy",
                      weighted_metrics=["accuracy"])
        models[name] = model
    seconds, reached = {name: [] for name in bodies}, {}
    for epoch in range(1, 11):
        for name, model in models.items():
            start = time.perf_counter()
            model.fit(x, y, sample_weight=w, epochs=1, batch_size=64, verbose=0)
            seconds[name].append(time.perf_counter() - start)
            if name not in reached and model.evaluate(xv, yv, sample_weight=wv, verbose=0)[1] >= target:
                reached[name] = epoch
        if len(reached) == len(bodies) and epoch >= 3:
            break
    per_epoch = {name: float(np.median(s[1:])) for name, s in seconds.items()}
    total = {name: reached.get(name, 99) * per_epoch[name] for name in bodies}
    return {"03 CNN epoch faster than GRU epoch": per_epoch["CNN"] < per_epoch["GRU"],
            "03 CNN time to 0.95 below GRU's": total["CNN"] < total["GRU"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--load", default="", help="a command kept running beside the checks")
    parser.add_argument("--checks", nargs="+", choices=sorted(CHECKS), default=sorted(CHECKS),
                        help="which groups of checks to run (default: all)")
    args = parser.parse_args(argv)
    runtime.setup(seed=42, verbose=True)
    print(f"matmul ceiling before: {bench.matmul_gflops():.0f} GFLOP/s", flush=True)
    load = None
    failures: dict[str, int] = {}
    try:
        for run in range(1, args.runs + 1):
            if args.load and (load is None or load.poll() is not None):
                load = subprocess.Popen(shlex.split(args.load), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            start = time.perf_counter()
            checks = {name: passed for group in args.checks for name, passed in CHECKS[group]().items()}
            for name, passed in checks.items():
                failures[name] = failures.get(name, 0) + (not passed)
            failed = [name for name, passed in checks.items() if not passed]
            print(f"run {run:2d} ({time.perf_counter() - start:.0f} s, load {'on' if load else 'off'}): "
                  f"{'all passed' if not failed else 'FAILED ' + '; '.join(failed)}", flush=True)
    finally:
        if load is not None and load.poll() is None:
            load.terminate()
    print("failures per check over", args.runs, "runs:", failures)
    return 1 if any(failures.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
