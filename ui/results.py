"""Cached classification results for the pages.

Every cache is keyed by the assets folder in use (``mgc_core.assets.ASSETS_DIR``, read
at each call) besides the audio's content, so a result computed with one folder's
models is never served for another.
"""

from __future__ import annotations

import csv
import io
import json

import streamlit as st

from mgc_core.genres import GENRES

__all__ = [
    "run_classify", "result_csv", "result_json", "cnn_occlusion",
]


def _assets_dir() -> str:
    """The assets folder in use, read now (``mgc_core.assets.ASSETS_DIR``), as a cache key."""
    from mgc_core import assets

    return str(assets.ASSETS_DIR)


def run_classify(key: str, _audio):  # noqa: ANN001, ANN202 - Audio -> mgc_core.analysis.classify.Result
    """Classify the audio whose content key is ``key`` with every bundled model (cached).

    The cache is keyed by the audio's content and the assets folder in use, so a result
    computed with one folder's models is never shown for another's (whose files may be
    missing or altered: :func:`mgc_core.analysis.classify.load_model` verifies them first).
    """
    return _classify(key, _assets_dir(), _audio)


@st.cache_resource(max_entries=16, show_spinner=False)
def _classify(key: str, assets_dir: str, _audio):  # noqa: ANN001, ANN202
    """Classify with the models of ``assets_dir``.

    ``cache_resource``, not ``cache_data``: the :class:`~mgc_core.analysis.classify.Result` is
    immutable (frozen, read-only arrays, a read-only mapping), so sharing one object is
    safe and saves a copy per rerun.
    """
    from mgc_core.analysis.classify import classify

    return classify(_audio, assets_dir=assets_dir)


def result_json(result, *, file: str) -> str:  # noqa: ANN001
    """The result as JSON (the same shape ``python -m mgc_core classify --json`` prints)."""
    return json.dumps(result.to_dict(file=file), indent=1)


def result_csv(result, *, file: str) -> str:  # noqa: ANN001
    """The result as CSV: one row per model and segment (segment ``all`` = whole clip)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["file", "model", "segment", "start_s", "end_s", "genre", *GENRES])
    for name, r in result.models.items():
        writer.writerow([file, name, "all", 0.0, round(result.duration_s, 3), r.genre,
                         *(f"{p:.6f}" for p in r.probabilities)])
        for i, ((t0, t1), p) in enumerate(zip(result.segment_times, r.segment_probabilities)):
            writer.writerow([file, name, i, round(float(t0), 3), round(float(t1), 3),
                             GENRES[int(p.argmax())], *(f"{v:.6f}" for v in p)])
    writer.writerow([file, "ensemble", "all", 0.0, round(result.duration_s, 3), result.genre,
                     *(f"{p:.6f}" for p in result.ensemble)])
    return buf.getvalue()


@st.cache_data(max_entries=4, show_spinner=False)
def _cnn_segments(key: str, assets_dir: str, _audio):  # noqa: ANN001, ANN202
    """The CNN's log-mel input for every segment of the audio (analysed once per clip)."""
    from mgc_core.analysis.classify import load_model
    from mgc_core.models.frontend import analyse, to_model_rate

    return load_model("cnn", assets_dir=assets_dir).inputs(
        analyse(to_model_rate(_audio.samples, _audio.sr)))


def cnn_occlusion(key: str, _audio, segment: int):  # noqa: ANN001, ANN201
    """The CNN's input for one segment and its occlusion map (cached by audio key and segment).

    Returns
    -------
    logmel : np.ndarray [shape=(187, 96)]
        The segment's log-mel (frames x mel bands), as the CNN reads it.
    saliency : np.ndarray [shape=(187, 96)]
        :func:`mgc_core.analysis.saliency.occlusion_map` for the CNN's top genre on the segment.
    genre : str
        That genre.
    probability : float
        The CNN's probability for it on the unoccluded segment.
    """
    return _cnn_occlusion(key, _assets_dir(), _audio, segment)


@st.cache_data(max_entries=16, show_spinner=False)
def _cnn_occlusion(key: str, assets_dir: str, _audio, segment: int):  # noqa: ANN001, ANN202
    import numpy as np

    from mgc_core.analysis.classify import load_model
    from mgc_core.analysis.saliency import occlusion_map

    model = load_model("cnn", assets_dir=assets_dir)
    logmel = _cnn_segments(key, assets_dir, _audio)[segment]
    p = np.asarray(model.predict_proba(logmel[None]), dtype=float)[0]
    target = int(np.argmax(p))
    saliency = occlusion_map(model, logmel, target=target)
    return logmel, saliency, GENRES[target], float(p[target])
