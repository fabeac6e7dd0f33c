"""The usable clips of a GTZAN copy as one table: ids, genres, artist groups, paths.

Usable means present minus those the fault-filtered split leaves out as faulty; a
clip's group is its artist from Sturm's 2012 index (a clip with no artist is a group
of its own), so that splits can keep an artist on one side.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mgc_core.genres import GENRES

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.datasets.gtzan import GTZAN

__all__ = [
    "ClipTable",
    "clip_table",
]


# --------------------------------------------------------------------------- clips


@dataclass(frozen=True, eq=False)
class ClipTable:
    """The usable clips of a GTZAN copy, in sorted id order.

    Attributes
    ----------
    ids : tuple of str
        Track ids, e.g. ``'blues.00012'``.
    labels : np.ndarray [shape=(n,), dtype=int]
        Genre indices (positions in GENRES).
    groups : tuple of str
        ``'artist:<name>'`` from Sturm's index, or ``'clip:<id>'`` for a clip
        without an artist (a group of its own).
    paths : tuple of Path
        The audio files.
    excluded : int
        Clips present but left out as faulty by the fault-filtered split.
    """

    ids: tuple[str, ...]
    labels: np.ndarray
    groups: tuple[str, ...]
    paths: tuple[Path, ...]
    excluded: int

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def genres(self) -> tuple[str, ...]:
        """The genre name of each clip."""
        return tuple(GENRES[i] for i in self.labels)

    def summary(self) -> dict[str, Any]:
        """``{"n_clips", "clips_per_genre", "excluded", "n_groups"}`` for the records."""
        counts = np.bincount(self.labels, minlength=len(GENRES))
        return {
            "n_clips": len(self.ids),
            "clips_per_genre": {g: int(n) for g, n in zip(GENRES, counts)},
            "excluded": int(self.excluded),
            "n_groups": len(set(self.groups)),
        }


def clip_table(dataset: GTZAN) -> ClipTable:
    """The usable clips of ``dataset`` with their labels and artist groups.

    Parameters
    ----------
    dataset : mgc_core.datasets.GTZAN

    Returns
    -------
    ClipTable
        Present clips minus those in ``gtzan_excluded_by_filtered_split.txt``.

    Raises
    ------
    DatasetNotFoundError
        If no usable clip is left.
    """
    from mgc_core.datasets.gtzan import usable_ids
    from mgc_core.errors import DatasetNotFoundError

    ids = usable_ids(dataset)
    if not ids:
        raise DatasetNotFoundError(
            f"The GTZAN copy at {dataset.root} has no usable clip (all are missing or "
            "excluded as faulty). Point --gtzan at a folder holding the audio."
        )
    excluded = len(dataset.tracks) - len(ids)
    groups = []
    for track_id in ids:
        artist = dataset.tracks[track_id].artist
        key = " ".join(artist.split()).casefold() if artist else ""
        groups.append(f"artist:{key}" if key else f"clip:{track_id}")
    return ClipTable(
        ids=tuple(ids),
        labels=np.array([GENRES.index(dataset.tracks[t].genre) for t in ids], dtype=np.int64),
        groups=tuple(groups),
        paths=tuple(dataset.tracks[t].path for t in ids),
        excluded=excluded,
    )
