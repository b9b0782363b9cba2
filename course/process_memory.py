"""Memory of a whole process tree: a build and every kernel it starts, summed, as a learner's machine feels it.

One process's peak (``ru_maxrss``) misses the kernels a build starts, and those hold TensorFlow. This
module reads ``/proc`` (Linux) and sums, over a process and all its descendants, each one's
proportional set size (PSS: shared pages split between the processes that share them, so libraries
loaded by several kernels are not counted twice), falling back to the resident set size where PSS
cannot be read. Elsewhere (macOS, Windows) it measures nothing and says so.

    python -m course.process_memory make course ONLY="00 01"   # runs the command, prints its tree's peak
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")


def supported() -> bool:
    """True where ``/proc`` lists processes (Linux)."""
    return (PROC / "self" / "status").is_file()


def children_by_parent() -> dict[int, list[int]]:
    """Every live process's children, from the parent id in ``/proc/<pid>/stat``."""
    tree: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended while we looked
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])  # the name in parentheses may hold spaces
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def descendants(pid: int) -> list[int]:
    """The ids of every live process below ``pid`` (children, their children, ...)."""
    tree, found, todo = children_by_parent(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def command_line(pid: int) -> str:
    """The process's command line with spaces between arguments ('' if it has ended)."""
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def kernels_among(pids: list[int]) -> list[int]:
    """The Jupyter kernels (``ipykernel_launcher`` processes) among ``pids``."""
    return [pid for pid in pids if "ipykernel_launcher" in command_line(pid)]


def kernels_below(pid: int) -> list[int]:
    """The Jupyter kernels among the descendants of ``pid``."""
    return kernels_among(descendants(pid))


def process_bytes(pid: int) -> int:
    """One process's PSS in bytes (its RSS where PSS cannot be read; 0 if it has ended)."""
    for name, key in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):
        try:
            for line in (PROC / str(pid) / name).read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1]) * 1024
        except (OSError, ValueError):
            continue
    return 0


def tree_bytes(pid: int) -> int:
    """The memory of ``pid`` and all its descendants, summed (see :func:`process_bytes`)."""
    return sum(process_bytes(p) for p in [pid, *descendants(pid)])


@dataclass
class TreeWatch:
    """Samples a process tree's memory in a background thread; ``peak`` and ``most_kernels`` after.

    Use as a context manager: ``with TreeWatch() as watch: ...`` then read ``watch.peak`` (bytes).
    """

    pid: int = field(default_factory=os.getpid)
    every: float = 0.5
    peak: int = 0
    most_kernels: int = 0
    samples: int = 0

    def __post_init__(self):
        if self.every <= 0:
            raise ValueError(f"every must be a positive number of seconds, got {self.every!r}")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def sample(self) -> None:
        """Take one reading now."""
        if not supported():
            return
        below = descendants(self.pid)                  # one walk of /proc serves both readings
        self.peak = max(self.peak, sum(process_bytes(p) for p in [self.pid, *below]))
        self.most_kernels = max(self.most_kernels, len(kernels_among(below)))
        self.samples += 1

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self.sample()

    def __enter__(self) -> TreeWatch:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def summary(self) -> str:
        """One line for a log, e.g. 'peak memory of the whole build: 2.31 GB (1 kernel at a time)'."""
        if not self.samples:
            return "peak memory of the whole build: not measured (needs Linux's /proc)"
        kernels = f"{self.most_kernels} kernel{'s' if self.most_kernels != 1 else ''} at a time at most"
        return f"peak memory of the whole build: {self.peak / 1e9:.2f} GB, summed over every process ({kernels})"


def main(argv: list[str] | None = None) -> int:
    """Run a command and print the peak memory of its whole process tree; exit with its status."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print("usage: python -m course.process_memory COMMAND [ARG ...]", file=sys.stderr)
        return 2
    if not supported():
        print("error: measuring a process tree needs Linux's /proc", file=sys.stderr)
        return 2
    start = time.perf_counter()
    process = subprocess.Popen(argv)
    with TreeWatch(pid=process.pid, every=1.0) as watch:
        status = process.wait()
    print(f"{' '.join(argv)}: exit {status} after {time.perf_counter() - start:.0f} s; {watch.summary()}", flush=True)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
