"""Cached access to classification results and stored evaluations for the pages.

Every cache is keyed by the assets folder in use (``mgc_core.assets.ASSETS_DIR``, read
at each call) besides the audio's content, and the evaluations by their file's sha256,
so a result read from one folder, or from a file since altered, is never served for
another.
"""

from __future__ import annotations

import csv
import io
import json

import streamlit as st

from mgc_core.genres import GENRES

__all__ = [
    "run_classify", "stored_clip_predictions", "stored_balanced_accuracy",
    "stored_evaluation_errors", "result_csv", "result_json", "cnn_occlusion",
]


def _assets_dir() -> str:
    """The assets folder in use, read now (``mgc_core.assets.ASSETS_DIR``), as a cache key."""
    from mgc_core import assets

    return str(assets.ASSETS_DIR)


def run_classify(key: str, _audio):  # noqa: ANN001, ANN202 - Audio -> mgc_core.classify.Result
    """Classify the audio whose content key is ``key`` with every bundled model (cached).

    The cache is keyed by the audio's content and the assets folder in use, so a result
    computed with one folder's models is never shown for another's (whose files may be
    missing or altered: :func:`mgc_core.classify.load_model` verifies them first).
    """
    return _classify(key, _assets_dir(), _audio)


@st.cache_resource(max_entries=16, show_spinner=False)
def _classify(key: str, assets_dir: str, _audio):  # noqa: ANN001, ANN202
    """Classify with the models of ``assets_dir``.

    ``cache_resource``, not ``cache_data``: the :class:`~mgc_core.classify.Result` is
    immutable (frozen, read-only arrays, a read-only mapping), so sharing one object is
    safe and saves a copy per rerun.
    """
    from mgc_core.classify import classify

    return classify(_audio, assets_dir=assets_dir)


def _evaluation(model: str) -> dict:
    """The stored evaluation of ``model``, verified; cached by the file's content.

    Raises
    ------
    AssetError
        If the file is missing, altered or malformed (from
        :func:`mgc_core.evaluation.read_evaluation`).
    """
    from mgc_core import assets

    path = assets.ASSETS_DIR / "evaluation" / f"{model}.json"
    digest = assets.sha256_file(path) if path.is_file() else ""
    return _read_evaluation(model, str(assets.ASSETS_DIR), digest)


@st.cache_data(max_entries=8, show_spinner=False)
def _read_evaluation(model: str, assets_dir: str, digest: str) -> dict:
    """``digest`` (the file's sha256) is only the cache key: a changed file is read again."""
    from mgc_core.evaluation import read_evaluation

    return read_evaluation(model, assets_dir=assets_dir)


def stored_evaluation_errors() -> list[str]:
    """Why each bundled evaluation that is present cannot be used (altered, unlisted, malformed).

    An evaluation that is simply not built is not an error (the pages say how to build
    it); one that is there but fails its manifest check is, and a page that quotes the
    stored evaluations should show these messages with ``st.error``.
    """
    from mgc_core import assets
    from mgc_core.errors import MGCError
    from mgc_core.models import MODEL_NAMES

    errors = []
    for model in (*MODEL_NAMES, "ensemble"):
        if not (assets.ASSETS_DIR / "evaluation" / f"{model}.json").is_file():
            continue
        try:
            _evaluation(model)
        except MGCError as err:
            errors.append(str(err))
    return errors


def stored_clip_predictions(clip_id: str) -> dict[str, dict]:
    """Each model's stored out-of-fold prediction for a GTZAN clip (empty if not evaluated).

    A model whose evaluation is missing or fails its manifest check is left out; see
    :func:`stored_evaluation_errors` for the latter.

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
    """The model's balanced accuracy in its stored evaluation, or None when not evaluated.

    None too when the file fails its manifest check (see :func:`stored_evaluation_errors`).
    """
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
def _cnn_segments(key: str, assets_dir: str, _audio):  # noqa: ANN001, ANN202
    """The CNN's log-mel input for every segment of the audio (analysed once per clip)."""
    from mgc_core.classify import load_model
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
        :func:`mgc_core.saliency.occlusion_map` for the CNN's top genre on the segment.
    genre : str
        That genre.
    probability : float
        The CNN's probability for it on the unoccluded segment.
    """
    return _cnn_occlusion(key, _assets_dir(), _audio, segment)


@st.cache_data(max_entries=16, show_spinner=False)
def _cnn_occlusion(key: str, assets_dir: str, _audio, segment: int):  # noqa: ANN001, ANN202
    import numpy as np

    from mgc_core.classify import load_model
    from mgc_core.saliency import occlusion_map

    model = load_model("cnn", assets_dir=assets_dir)
    logmel = _cnn_segments(key, assets_dir, _audio)[segment]
    p = np.asarray(model.predict_proba(logmel[None]), dtype=float)[0]
    target = int(np.argmax(p))
    saliency = occlusion_map(model, logmel, target=target)
    return logmel, saliency, GENRES[target], float(p[target])
