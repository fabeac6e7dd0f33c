"""Cached access to classification results and stored evaluations for the pages."""

from __future__ import annotations

import csv
import io
import json

import streamlit as st

from mgc_core.genres import GENRES

__all__ = [
    "run_classify", "stored_clip_predictions", "result_csv", "result_json", "cnn_occlusion",
]


@st.cache_resource(max_entries=16, show_spinner=False)
def run_classify(key: str, _audio):  # noqa: ANN001, ANN202 - Audio -> mgc_core.classify.Result
    """Classify the audio whose content key is ``key`` with every bundled model (cached).

    ``cache_resource``, not ``cache_data``: the :class:`~mgc_core.classify.Result` is
    immutable (frozen, read-only arrays, a read-only mapping), so sharing one object is
    safe and saves a copy per rerun.
    """
    from mgc_core.classify import classify

    return classify(_audio)


@st.cache_data(max_entries=8, show_spinner=False)
def _evaluation(model: str) -> dict:
    from mgc_core.evaluation import read_evaluation

    return read_evaluation(model)


def stored_clip_predictions(clip_id: str) -> dict[str, dict]:
    """Each model's stored out-of-fold prediction for a GTZAN clip (empty if not evaluated).

    Returns
    -------
    dict
        ``{model: {"predicted", "probabilities", "fold", "genre"}}`` for every model whose
        evaluation file lists the clip.
    """
    from mgc_core.errors import MGCError
    from mgc_core.models import MODEL_NAMES

    out = {}
    for model in (*MODEL_NAMES, "ensemble"):
        try:
            record = _evaluation(model)
        except MGCError:
            continue
        for clip in record["clips"]:
            if clip["id"] == clip_id:
                out[model] = clip
                break
    return out


def stored_balanced_accuracy(model: str) -> float | None:
    """The model's balanced accuracy in its stored evaluation, or None when not evaluated."""
    from mgc_core.errors import MGCError

    try:
        return float(_evaluation(model)["balanced_accuracy"]["value"])
    except MGCError:
        return None


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
def _cnn_segments(key: str, _audio):  # noqa: ANN001, ANN202
    """The CNN's log-mel input for every segment of the audio (analysed once per clip)."""
    from mgc_core.classify import load_model
    from mgc_core.models.frontend import analyse, to_model_rate

    return load_model("cnn").inputs(analyse(to_model_rate(_audio.samples, _audio.sr)))


@st.cache_data(max_entries=16, show_spinner=False)
def cnn_occlusion(key: str, _audio, segment: int):  # noqa: ANN001, ANN201
    """The CNN's input for one segment and its occlusion map (cached by audio key and segment).

    Returns
    -------
    logmel : np.ndarray [shape=(187, 96)]
        The segment's log-mel (frames x mel bands), as the CNN reads it.
    saliency : np.ndarray [shape=(187, 96)]
        :func:`mgc_core.saliency.occlusion_map` for the CNN's top genre on the segment.
    genre : str
        That genre.
    probability : float
        The CNN's probability for it on the unoccluded segment.
    """
    import numpy as np

    from mgc_core.classify import load_model
    from mgc_core.saliency import occlusion_map

    model = load_model("cnn")
    logmel = _cnn_segments(key, _audio)[segment]
    p = np.asarray(model.predict_proba(logmel[None]), dtype=float)[0]
    target = int(np.argmax(p))
    saliency = occlusion_map(model, logmel, target=target)
    return logmel, saliency, GENRES[target], float(p[target])
