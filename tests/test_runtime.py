"""Unit tests of utils.runtime: seeding, quiet start-up, the stack report."""

import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from utils import runtime

ROOT = Path(__file__).resolve().parents[1]


def test_filtered_stderr_drops_only_known_noise(capfd):
    with runtime.filtered_stderr():
        os.write(2, b"I0000 oneDNN custom operations are on. You may see slightly different numbers\n")
        os.write(2, b"W0000 Cannot dlopen some GPU libraries. Please make sure the missing libraries are installed\n")
        os.write(2, b"E0000 failed call to cuInit: UNKNOWN ERROR (303)\n")
    os.write(2, b"after\n")
    err = capfd.readouterr().err
    assert "oneDNN" not in err and "cuInit" not in err
    assert "Cannot dlopen some GPU libraries" in err and "after" in err


def test_gpu_hint_when_nvidia_smi_sees_a_gpu_the_backend_does_not(monkeypatch):
    monkeypatch.setattr(runtime, "nvidia_gpus", lambda: ["GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-x)"])
    hint = runtime.gpu_hint("tensorflow", "CPU")
    assert "nvidia-smi sees a GPU but tensorflow runs on the CPU" in hint and "tensorflow[and-cuda]" in hint
    assert runtime.gpu_hint("tensorflow", "NVIDIA H100 80GB HBM3") == ""
    monkeypatch.setattr(runtime, "nvidia_gpus", lambda: [])
    assert runtime.gpu_hint("jax", "CPU") == ""


def test_setup_reports_determinism_as_it_is():
    info = runtime.setup(seed=0, deterministic=False, verbose=False)
    assert info.deterministic is runtime.op_determinism()
    if info.backend != "jax":  # JAX on a CPU is deterministic whatever is asked
        assert info.deterministic is False and "deterministic ops" not in str(info)
    info = runtime.setup(seed=0, deterministic=True, verbose=False)
    assert info.deterministic is True and "deterministic ops" in str(info)


def test_fast_ops_turns_determinism_off_and_restores_it():
    runtime.seed_everything(0, deterministic=True)
    with runtime.fast_ops():
        if runtime.import_keras().backend.backend() != "jax":
            assert runtime.op_determinism() is False
    assert runtime.op_determinism() is True
    runtime.seed_everything(0, deterministic=False)
    with runtime.fast_ops():
        pass
    assert runtime.op_determinism() is (runtime.import_keras().backend.backend() == "jax")
    runtime.seed_everything(0)


def test_seed_everything_repeats_python_numpy_and_keras():
    keras = runtime.import_keras()
    draws = []
    for _ in range(2):
        runtime.seed_everything(3)
        draws.append((random.random(), np.random.rand(), float(keras.random.uniform((1,))[0])))
    assert draws[0] == draws[1]
    runtime.seed_everything(4)
    assert np.random.rand() != draws[0][1]


@pytest.mark.parametrize("seed", [-1, 1.5, "42", True])
def test_seed_must_be_a_non_negative_integer(seed):
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        runtime.seed_everything(seed)


def test_setup_reports_one_line(capsys):
    seed = int(os.environ.get("COURSE_SEED") or 5)
    info = runtime.setup(seed=5)
    line = capsys.readouterr().out.strip()
    assert line == str(info) and "\n" not in line
    assert info.backend == os.environ.get("KERAS_BACKEND", "tensorflow") and info.keras_version.startswith("3.")
    assert info.device in line and f"seed {seed}" in line and info.seed == seed


def test_device_and_has_gpu_agree_with_the_backend():
    """has_gpu is read off the device; the device itself must agree with what the backend lists."""
    info = runtime.setup(seed=0, verbose=False)
    if info.backend == "tensorflow":
        import tensorflow as tf

        gpus = bool(tf.config.list_physical_devices("GPU"))
    elif info.backend == "jax":
        import jax

        gpus = jax.devices()[0].platform == "gpu"
    else:
        import torch

        gpus = torch.cuda.is_available()
    assert info.has_gpu is gpus
    assert (info.device == "CPU") is (not gpus)
    fields = {**info.__dict__}
    on_cpu = runtime.RuntimeInfo(**{**fields, "device": "CPU"})
    on_gpu = runtime.RuntimeInfo(**{**fields, "device": "NVIDIA H100 80GB HBM3"})
    assert on_cpu.has_gpu is False and on_gpu.has_gpu is True
    assert "device: CPU (" in str(on_cpu) and "device: NVIDIA H100 80GB HBM3 |" in str(on_gpu)


def test_fresh_process_start_up_is_quiet():
    """Importing Keras through setup() prints nothing on stderr (TensorFlow's C++ noise)."""
    script = "from utils import runtime; runtime.setup(seed=0)"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT / "notebooks", capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr
    assert result.stdout.startswith("keras 3.")


def test_course_seed_overrides_the_lesson_seed(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_SEED", "3")
    assert runtime.setup(seed=42).seed == 3
    monkeypatch.setenv("COURSE_SEED", "three")
    with pytest.raises(ValueError, match="COURSE_SEED must be an integer >= 0"):
        runtime.setup(seed=42)


def test_install_missing_installs_only_what_cannot_be_imported(monkeypatch):
    calls = []
    monkeypatch.setattr(runtime.subprocess, "run", lambda command, check: calls.append(command))
    assert runtime.install_missing({"numpy": "numpy", "no_such_module_xyz": "xyz-package"}) == ["xyz-package"]
    assert calls == [[sys.executable, "-m", "pip", "install", "-q", "xyz-package"]]
    calls.clear()
    assert runtime.install_missing({"numpy": "numpy"}) == [] and calls == []


def test_setup_installs_missing_packages_on_colab_and_kaggle_only(monkeypatch, capsys):
    installed = []
    monkeypatch.setattr(runtime, "install_missing", lambda: installed.append(True) or [])
    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE", raising=False)
    runtime.setup(seed=0, verbose=False)
    assert installed == []
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")  # as Kaggle starts a notebook
    info = runtime.setup(seed=0, verbose=False)
    assert installed == [True] and "| Kaggle |" in str(info)
    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE")
    monkeypatch.setattr(runtime, "is_colab", lambda: True)
    runtime.setup(seed=0, verbose=False)
    assert installed == [True, True]
