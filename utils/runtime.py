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
import re
import shutil
import subprocess
import sys
import threading
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


NOISE_RE = re.compile("|".join(TF_NOISE_PATTERNS))

GPU_SHARING = {"TF_FORCE_GPU_ALLOW_GROWTH": "true", "XLA_PYTHON_CLIENT_PREALLOCATE": "false"}
"""Environment that lets several processes share one GPU: TensorFlow grows its memory as needed
and JAX does not grab 75% of the GPU at start-up. Set before the backend loads (by
:func:`import_keras` and by the tests' ``conftest.py``), and inherited by notebook kernels."""


@contextlib.contextmanager
def filtered_stderr(noise: re.Pattern = NOISE_RE):
    """Pass everything written to file descriptor 2 during the block, except lines matching ``noise``.

    TensorFlow's C++ start-up lines bypass Python's ``sys.stderr`` and every log-level setting,
    so the process's stderr descriptor is pointed at a pipe while TensorFlow loads and first
    looks for devices. A thread forwards each line to the real stderr as it arrives, unless it
    is known noise: a warning such as "Cannot dlopen some GPU libraries" or the last words of a
    crash still reach the learner.
    """
    try:
        sys.stderr.flush()
    except (AttributeError, ValueError):
        pass
    saved = os.dup(2)
    read_end, write_end = os.pipe()

    def forward():
        with os.fdopen(read_end, "rb") as lines:
            for line in lines:
                if not noise.search(line.decode(errors="replace")):
                    os.write(saved, line)

    thread = threading.Thread(target=forward, daemon=True)
    thread.start()
    os.dup2(write_end, 2)
    os.close(write_end)
    try:
        yield
    finally:
        os.dup2(saved, 2)  # closes the pipe's last write end: the thread sees the end and stops
        thread.join(timeout=10)
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
    """Import Keras (and its backend) with TensorFlow's start-up noise filtered out, GPU shared."""
    _quiet_python_logs()
    for name, value in GPU_SHARING.items():
        os.environ.setdefault(name, value)
    with filtered_stderr():
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


def placement(tensor) -> str:
    """Where a backend tensor or Keras variable lives: "CPU", "GPU" (or "TPU"...), read off the tensor itself."""
    value = getattr(tensor, "value", tensor)
    if hasattr(value, "devices") and callable(value.devices):  # a JAX array
        platforms = {d.platform.upper() for d in value.devices()}
        return platforms.pop() if len(platforms) == 1 else "/".join(sorted(platforms))
    device = getattr(value, "device", None)
    if device is None:
        return "?"
    if hasattr(device, "type"):  # a torch.device
        return {"cuda": "GPU", "cpu": "CPU"}.get(device.type, device.type.upper())
    match = re.search(r"device:([A-Z]+):\d+", str(device))  # TensorFlow: /job:.../device:CPU:0
    return match.group(1) if match else "?"


def op_determinism() -> bool:
    """Whether the backend runs deterministic kernels now (the truth, not what was asked for).

    TensorFlow: its op-determinism switch. PyTorch: ``torch.use_deterministic_algorithms``.
    JAX: CPU kernels are deterministic; on a GPU only when XLA was started with
    ``--xla_gpu_deterministic_ops=true`` in ``XLA_FLAGS`` (it cannot change once JAX runs).
    """
    backend = import_keras().backend.backend()
    if backend == "tensorflow":
        from tensorflow.python.framework import config as tf_config  # not exported, but there since TF 2.9

        return bool(tf_config.is_op_determinism_enabled())
    if backend == "torch":
        import torch

        return bool(torch.are_deterministic_algorithms_enabled())
    if backend == "jax":
        return device_name() == "CPU" or "--xla_gpu_deterministic_ops=true" in os.environ.get("XLA_FLAGS", "")
    return False


def set_op_determinism(enabled: bool) -> None:
    """Turn the backend's deterministic kernels on or off (a no-op on JAX, see :func:`op_determinism`)."""
    backend = import_keras().backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        if enabled:
            tf.config.experimental.enable_op_determinism()
        else:
            from tensorflow.python.framework import config as tf_config

            tf_config.disable_op_determinism()
    elif backend == "torch":
        import torch

        torch.use_deterministic_algorithms(bool(enabled), warn_only=True)
        torch.backends.cudnn.benchmark = not enabled


@contextlib.contextmanager
def fast_ops():
    """Deterministic kernels off for the block (timing measures the fast ones), then as before."""
    previous = op_determinism()
    set_op_determinism(False)
    try:
        yield
    finally:
        set_op_determinism(previous)


def seed_everything(seed: int = DEFAULT_SEED, deterministic: bool = True) -> None:
    """Seed Python, NumPy and the Keras backend, and turn deterministic kernels on or off.

    Call it again before building each model you want to compare, so both start
    from the same random state. ``keras.utils.set_random_seed`` seeds Python's
    ``random``, NumPy's global generator and the backend in one call.
    """
    seed = validate.integer("seed", seed, minimum=0)
    if not isinstance(deterministic, bool):
        raise ValueError(f"deterministic must be True or False, got {deterministic!r}")
    keras = import_keras()
    with filtered_stderr():  # with TensorFlow installed, this loads it even on the JAX or torch backend
        keras.utils.set_random_seed(seed)
    _reset_global_seed_generator()
    set_op_determinism(deterministic)


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


def is_kaggle() -> bool:
    """True inside a Kaggle notebook (Kaggle sets ``KAGGLE_KERNEL_RUN_TYPE`` in its environment)."""
    return "KAGGLE_KERNEL_RUN_TYPE" in os.environ


COLAB_NEEDS = {"keras": "keras", "matplotlib": "matplotlib", "sklearn": "scikit-learn"}
"""Modules the lessons import, with the pip package that provides each (Colab usually has all)."""


def install_missing(needs: dict[str, str] = COLAB_NEEDS) -> list[str]:
    """``pip install`` the packages whose modules cannot be imported; return the ones installed.

    Called by :func:`setup` on Colab and Kaggle only, so their own TensorFlow and Keras are kept and
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
    gpu_hint: str = ""
    kaggle: bool = False

    @property
    def has_gpu(self) -> bool:
        return self.device != "CPU"

    def __str__(self) -> str:
        cores = os.cpu_count() or 1
        device = self.device if self.has_gpu else f"CPU ({cores} cores)"
        where = "Colab" if self.colab else "Kaggle" if self.kaggle else "local"
        return (
            f"keras {self.keras_version} on {self.backend} {self.backend_version} | "
            f"device: {device} | numpy {self.numpy_version} | python {self.python_version} | "
            f"{where} | seed {self.seed}{', deterministic ops' if self.deterministic else ''}"
            + (f" | {self.gpu_hint}" if self.gpu_hint else "")
        )


GPU_FIXES = {
    "tensorflow": "pip install 'tensorflow[and-cuda]' (TensorFlow's CUDA extra)",
    "jax": "pip install 'jax[cuda12]'",
    "torch": "install a CUDA build of torch (pytorch.org)",
}


def nvidia_gpus() -> list[str]:
    """The GPUs ``nvidia-smi -L`` lists (empty when there is no driver or no GPU)."""
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        listing = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return []
    return [line for line in listing.stdout.splitlines() if line.startswith("GPU ")] if listing.returncode == 0 else []


def gpu_hint(backend: str, device: str) -> str:
    """A warning when the machine has an NVIDIA GPU that the backend does not use, with the likely fix."""
    if device != "CPU" or not nvidia_gpus():
        return ""
    return f"WARNING: nvidia-smi sees a GPU but {backend} runs on the CPU; likely fix: {GPU_FIXES.get(backend, '')}"


def _backend_version(backend: str) -> str:
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}.get(backend)
    if module is None:
        return "?"
    return getattr(__import__(module), "__version__", "?")


def setup(seed: int = DEFAULT_SEED, deterministic: bool = True, verbose: bool = True,
          devices: int | None = None) -> RuntimeInfo:
    """Prepare a lesson: quiet logs, seed everything, apply the plot style, report the stack.

    ``devices=N`` (lesson 10) first splits the CPU into N simulated devices
    (:func:`utils.distribute.simulate_devices`); it must come before anything starts the backend.

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
    if is_colab() or is_kaggle():
        install_missing()
    if devices is not None:
        from utils import distribute

        _quiet_python_logs()
        with filtered_stderr():
            distribute.simulate_devices(devices)
    keras = import_keras()
    seed_everything(seed, deterministic=deterministic)
    from utils import plots

    plots.use_course_style()
    backend, device = keras.backend.backend(), device_name()
    info = RuntimeInfo(
        backend=backend,
        backend_version=_backend_version(backend),
        keras_version=keras.__version__,
        numpy_version=np.__version__,
        python_version=platform.python_version(),
        device=device,
        seed=seed,
        deterministic=op_determinism(),
        colab=is_colab(),
        gpu_hint=gpu_hint(backend, device),
        kaggle=is_kaggle(),
    )
    if verbose:
        print(info)
    return info
