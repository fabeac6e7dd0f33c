"""Datasets that mgc reads in place from a path (nothing is downloaded or copied).

:mod:`mgc_core.datasets.gtzan` declares GTZAN: set ``MGC_GTZAN_DIR`` (or pass a
path) and use :class:`GTZAN`.
"""

from __future__ import annotations

from mgc_core.datasets.gtzan import (
    AUDIO_EXTENSIONS,
    ENV_VAR,
    GTZAN,
    LAYOUTS,
    SPLITS,
    TRACK_ID_RE,
    Track,
    ValidationReport,
    find_root,
    usable_ids,
)

__all__ = [
    "AUDIO_EXTENSIONS",
    "ENV_VAR",
    "GTZAN",
    "LAYOUTS",
    "SPLITS",
    "TRACK_ID_RE",
    "Track",
    "ValidationReport",
    "find_root",
    "usable_ids",
]
