"""mgc_core: the library behind the mgc music-genre-classification studio.

Audio loading (:mod:`mgc_core.audio`), classic features (:mod:`mgc_core.features`),
built-in teaching signals (:mod:`mgc_core.audio.signals`), datasets
(:mod:`mgc_core.datasets`) and plots (:mod:`mgc_core.plotting`). Heavy
dependencies (TensorFlow) are imported only by the functions that need them.
"""

import os as _os
import sys as _sys


def _apply_defaults() -> None:
    """Process-wide defaults, set before heavy libraries are imported (a value already in
    the environment wins).

    - ``NUMBA_CACHE_DIR`` inside the virtual environment: librosa's numba kernels are
      compiled once at set-up (``python -m mgc_core warmup``, ~17 s cold) and every later
      process reuses them.
    - TensorFlow (only ``train``, ``evaluate`` and the convert commands import it; the app
      and ``classify`` serve every network on LiteRT): its C++ start-up chatter silenced
      and one inter-op thread (each op keeps every core), so it does not start busy
      threads next to the BLAS's on a small machine.
    """
    if _sys.prefix != _sys.base_prefix:  # inside a virtual environment we own
        _os.environ.setdefault("NUMBA_CACHE_DIR", _os.path.join(_sys.prefix, "numba_cache"))
    _os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    _os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")


_apply_defaults()

from mgc_core.errors import (  # noqa: E402
    AssetError,
    AudioError,
    DatasetNotFoundError,
    MGCError,
    ParameterError,
)
from mgc_core.genres import GENRE_COLORS, GENRES  # noqa: E402

__all__ = [
    "GENRES",
    "GENRE_COLORS",
    "MGCError",
    "ParameterError",
    "AudioError",
    "AssetError",
    "DatasetNotFoundError",
]

__version__ = "0.1.0"
