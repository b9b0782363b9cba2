"""Notebook start-up: seeding, quiet TensorFlow, and a one-line report of the stack.

Introduced in lesson 00. Every lesson's Setup section calls :func:`setup` once::

    from utils import runtime
    info = runtime.setup(seed=42)

Everything that has to know which Keras backend is running (device queries, op
determinism) lives here, so notebooks stay backend-neutral.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import platform
import subprocess
import sys
import warnings
from dataclasses import dataclass

import numpy as np

from utils import validate

DEFAULT_SEED = 42

# Regular expressions matching the C++ start-up lines TensorFlow prints no matter what
# TF_CPP_MIN_LOG_LEVEL says (abseil-cpp #1957). Tests use them to check built notebooks.
TF_NOISE_PATTERNS = (
    r"absl::InitializeLog",
    r"oneDNN custom operations",
    r"Could not find cuda drivers",
    r"failed call to cuInit",
    r"cudart_stub\.cc",
    r"Unable to register cu(DNN|FFT|BLAS) factory",
    r"TF-TRT Warning",
    r"This TensorFlow binary is optimized to use available CPU instructions",
)


@contextlib.contextmanager
def silenced_stderr():
    """Point file descriptor 2 at /dev/null for the duration of the block.

    TensorFlow's C++ start-up lines bypass Python's ``sys.stderr`` and all log-level
    settings, so the only reliable way to keep them out of a notebook is to redirect
    the process's stderr descriptor while TensorFlow loads and first looks for devices.
    """
    try:
        sys.stderr.flush()
    except (AttributeError, ValueError):
        pass
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def _quiet_python_logs() -> None:
    """Silence TensorFlow's Python-side warnings and absl log lines."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("GLOG_minloglevel", "3")
    warnings.filterwarnings("ignore", module="tensorflow")
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="keras")
    for name in ("tensorflow", "absl", "h5py"):
        logging.getLogger(name).setLevel(logging.ERROR)


def import_keras():
    """Import Keras (and its backend) with TensorFlow's start-up noise suppressed."""
    _quiet_python_logs()
    with silenced_stderr():
        import keras

        device_name()  # the first device query prints too; do it while silenced
    return keras


def device_name() -> str:
    """Name of the accelerator the backend will use, or "CPU" when there is none."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0])
            return details.get("device_name", "GPU")
    elif backend == "jax":
        import jax

        device = jax.devices()[0]
        if device.platform != "cpu":
            return getattr(device, "device_kind", device.platform.upper())
    elif backend == "torch":
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
    return "CPU"


def seed_everything(seed: int = DEFAULT_SEED, deterministic: bool = True) -> None:
    """Seed Python, NumPy and the Keras backend; optionally ask for deterministic ops.

    Call it again before building each model you want to compare, so both start
    from the same random state. ``keras.utils.set_random_seed`` seeds Python's
    ``random``, NumPy's global generator and the backend in one call.
    """
    seed = validate.integer("seed", seed, minimum=0)
    keras = import_keras()
    keras.utils.set_random_seed(seed)
    _reset_global_seed_generator()
    if deterministic and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def _reset_global_seed_generator() -> None:
    """Forget Keras' global SeedGenerator so unseeded ``keras.random`` calls restart from the seed.

    Keras 3.15 does this inside ``set_random_seed``; Keras 3.10 (Colab's) does not, and
    there ``keras.random.uniform`` would differ between two runs with the same seed.
    """
    try:
        from keras.src.backend.common import global_state
    except ImportError:  # a future Keras without this internal module: nothing to reset
        return
    global_state.set_global_attribute("global_seed_generator", None)


def is_colab() -> bool:
    """True when running inside Google Colab."""
    return "google.colab" in sys.modules


COLAB_NEEDS = {"keras": "keras", "matplotlib": "matplotlib", "sklearn": "scikit-learn"}
"""Modules the lessons import, with the pip package that provides each (Colab usually has all)."""


def install_missing(needs: dict[str, str] = COLAB_NEEDS) -> list[str]:
    """``pip install`` the packages whose modules cannot be imported; return the ones installed.

    Called by :func:`setup` on Colab only, so Colab's own TensorFlow and Keras are kept and
    a local environment is never changed behind the learner's back.
    """
    missing = [package for module, package in needs.items() if importlib.util.find_spec(module) is None]
    if missing:
        print(f"installing what this runtime lacks: {', '.join(missing)}", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)
    return missing


@dataclass(frozen=True)
class RuntimeInfo:
    """What :func:`setup` found: backend, device, versions and the seed used."""

    backend: str
    backend_version: str
    keras_version: str
    numpy_version: str
    python_version: str
    device: str
    seed: int
    deterministic: bool
    colab: bool

    @property
    def has_gpu(self) -> bool:
        return self.device != "CPU"

    def __str__(self) -> str:
        cores = os.cpu_count() or 1
        device = self.device if self.has_gpu else f"CPU ({cores} cores)"
        where = "Colab" if self.colab else "local"
        return (
            f"keras {self.keras_version} on {self.backend} {self.backend_version} | "
            f"device: {device} | numpy {self.numpy_version} | python {self.python_version} | "
            f"{where} | seed {self.seed}{', deterministic ops' if self.deterministic else ''}"
        )


def _backend_version(backend: str) -> str:
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}.get(backend)
    if module is None:
        return "?"
    return getattr(__import__(module), "__version__", "?")


def setup(seed: int = DEFAULT_SEED, deterministic: bool = True, verbose: bool = True) -> RuntimeInfo:
    """Prepare a lesson: quiet logs, seed everything, apply the plot style, report the stack.

    Returns a :class:`RuntimeInfo`; with ``verbose`` it also prints it as one line, e.g.
    ``keras 3.15.1 on tensorflow 2.21.0 | device: CPU (2 cores) | ... | seed 42``.

    The environment variable ``COURSE_SEED`` overrides ``seed``, so a whole lesson (or
    ``COURSE_SEED=1 make course``) can be re-run with another seed without editing it.
    """
    if os.environ.get("COURSE_SEED", "").strip():
        text = os.environ["COURSE_SEED"].strip()
        if not text.isdigit():
            raise ValueError(f"COURSE_SEED must be an integer >= 0, got {os.environ['COURSE_SEED']!r}")
        seed = int(text)
    seed = validate.integer("seed", seed, minimum=0)
    if is_colab():
        install_missing()
    keras = import_keras()
    seed_everything(seed, deterministic=deterministic)
    from utils import plots

    plots.use_course_style()
    backend = keras.backend.backend()
    info = RuntimeInfo(
        backend=backend,
        backend_version=_backend_version(backend),
        keras_version=keras.__version__,
        numpy_version=np.__version__,
        python_version=platform.python_version(),
        device=device_name(),
        seed=int(seed),
        deterministic=deterministic and backend == "tensorflow",
        colab=is_colab(),
    )
    if verbose:
        print(info)
    return info
