"""Process-wide defaults set before heavy libraries are imported.

Numba (used by librosa) compiles its kernels on first use, which costs ~17 s on a
cold cache. Pointing ``NUMBA_CACHE_DIR`` at a folder inside the virtual
environment lets ``make run``/``make test`` compile once at set-up time
(``python -m mgc_core warmup``) and every later process reuse it. TensorFlow's
C++ start-up chatter is silenced.

Threads: TensorFlow only runs the two small networks (CNN, LSTM; musicnn runs on
LiteRT with one XNNPACK thread per core), so its inter-op pool gets one thread
(``TF_NUM_INTEROP_THREADS=1``) and each op keeps every core (intra-op). On the
2-core machine a one-off comparison with TensorFlow's default (a pool thread per core
for both) found no difference beyond noise, and this avoids four busy TensorFlow
threads on two cores next to LiteRT's and the BLAS's.
All of these are only defaults: a value already in the environment wins.
"""

from __future__ import annotations

import os
import sys


def apply_defaults() -> None:
    """Set environment defaults for numba and TensorFlow (idempotent)."""
    if sys.prefix != sys.base_prefix:  # inside a virtual environment we own
        os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(sys.prefix, "numba_cache"))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
