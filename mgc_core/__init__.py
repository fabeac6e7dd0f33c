"""mgc_core: the library behind the mgc music-genre-classification studio.

Audio loading (:mod:`mgc_core.audio`), classic features (:mod:`mgc_core.features`),
built-in teaching signals (:mod:`mgc_core.audio.signals`), datasets
(:mod:`mgc_core.datasets`) and plots (:mod:`mgc_core.plotting`). Heavy
dependencies (TensorFlow) are imported only by the functions that need them.
"""

from mgc_core import _env

_env.apply_defaults()

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
