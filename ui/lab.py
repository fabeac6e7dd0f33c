"""The Lab page's caches and its confusion matrix.

The stored segments are read once per file content (``st.cache_resource``, keyed by the
file's sha256: shared by every session, never mutated). Each run is kept by its choices
and that sha256 (``st.cache_resource``, bounded): a result is a few numbers and a 10 x 10
matrix, and a choice made again, by anyone, shows at once.
"""

from __future__ import annotations

import streamlit as st

from mgc_core.explore.lab import SEGMENTS_FILE, LabResult, SegmentStore, train_and_test

__all__ = ["segment_store", "lab_run", "segment_confusion_figure"]

#: Runs kept (each a few kB).
_RUNS = 64


def _digest() -> tuple[str, str]:
    from mgc_core import assets

    root = assets.ASSETS_DIR
    path = root / SEGMENTS_FILE
    return str(root), assets.sha256_file(path) if path.is_file() else ""


def segment_store() -> SegmentStore:
    """The stored GTZAN segments, verified (cached by the file's sha256; do not mutate).

    Raises
    ------
    AssetError
        If ``maps/gtzan_segments.npz`` is missing, altered or malformed.
    """
    return _store(*_digest())


@st.cache_resource(max_entries=2, show_spinner=False)
def _store(assets_dir: str, digest: str) -> SegmentStore:  # noqa: ARG001 - part of the key
    from mgc_core.explore.lab import read_segment_store

    return read_segment_store(assets_dir=assets_dir)


def lab_run(features: tuple[str, ...], classifier: str, split: str, *, k: int, C: float,
            seed: int) -> LabResult:
    """Train and test once per choice (see :func:`mgc_core.explore.lab.train_and_test`).

    Raises
    ------
    MGCError
        For bad choices, or a missing or altered segments file.
    """
    return _run(_digest(), tuple(features), classifier, split, int(k), float(C), int(seed))


@st.cache_resource(max_entries=_RUNS, show_spinner=False)
def _run(digest: tuple[str, str], features: tuple[str, ...], classifier: str, split: str,
         k: int, C: float, seed: int) -> LabResult:
    return train_and_test(_store(*digest), features=features, classifier=classifier,
                          split=split, k=k, C=C, seed=seed)


def segment_confusion_figure(result: LabResult):  # noqa: ANN201 - plotly go.Figure
    """The run's confusion matrix, each row as shares of its genre's held-out segments."""
    from mgc_core import plotting

    fig = plotting.confusion_figure(result.confusion, normalize=True,
                                    title="Held-out segments: true genre → predicted genre")
    # the shared figure counts clips; here every item is a 3-second segment
    trace = fig.data[0]
    fig.update_traces(hovertemplate=trace.hovertemplate.replace("clips", "segments"))
    return fig
