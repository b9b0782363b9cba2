"""Shared test settings: a non-interactive matplotlib backend, quiet TensorFlow, one shared GPU.

The GPU settings (TensorFlow grows its memory, JAX does not preallocate) are inherited by the
notebook kernels nbval starts, so this process and every kernel can share one GPU.
"""

import os

from utils.runtime import GPU_SHARING

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
for name, value in GPU_SHARING.items():
    os.environ.setdefault(name, value)
