"""Cached access to the stored evaluations for the pages.

Each :class:`~mgc_core.evaluation.records.Evaluation` is cached by the model, the
assets folder in use and its file's sha256, so one read from another folder, or from a
file since altered, is never served. Evaluations are immutable (read-only mappings and
arrays), so one object is shared by every session (``st.cache_resource``).
"""

from __future__ import annotations

import streamlit as st

from mgc_core.evaluation.records import ClipPrediction, Evaluation

__all__ = [
    "evaluation", "stored_clip_predictions", "stored_balanced_accuracy",
    "stored_evaluation_errors",
]


def evaluation(model: str) -> Evaluation:
    """The stored evaluation of ``model`` (or ``"ensemble"``), verified and typed.

    Raises
    ------
    AssetError
        If the file is missing, altered or malformed; the message names the file and the
        command that rebuilds it.
    """
    from mgc_core import assets
    from mgc_core.evaluation.records import evaluation_path

    path = evaluation_path(model)
    digest = assets.sha256_file(path) if path.is_file() else ""
    return _load(model, str(assets.ASSETS_DIR), digest)


@st.cache_resource(max_entries=16, show_spinner=False)
def _load(model: str, assets_dir: str, digest: str) -> Evaluation:
    """``digest`` (the file's sha256) is only part of the key: a changed file is read again."""
    from mgc_core.evaluation.records import load_evaluation

    return load_evaluation(model, assets_dir=assets_dir)


def stored_evaluation_errors() -> list[str]:
    """Why each bundled evaluation that is present cannot be used (altered, unlisted, malformed).

    An evaluation that is simply not built is not an error (the pages say how to build
    it); one that is there but fails its manifest check is, and a page that quotes the
    stored evaluations should show these messages with ``st.error``.
    """
    from mgc_core.errors import MGCError
    from mgc_core.evaluation.records import evaluation_path
    from mgc_core.models.registry import RESULT_NAMES

    errors = []
    for model in RESULT_NAMES:
        if not evaluation_path(model).is_file():
            continue
        try:
            evaluation(model)
        except MGCError as err:
            errors.append(str(err))
    return errors


def stored_clip_predictions(clip_id: str) -> dict[str, ClipPrediction]:
    """Each model's stored out-of-fold prediction for a GTZAN clip (empty if not evaluated).

    A model whose evaluation is missing or fails its manifest check is left out; see
    :func:`stored_evaluation_errors` for the latter.
    """
    from mgc_core.errors import MGCError
    from mgc_core.models.registry import RESULT_NAMES

    out = {}
    for model in RESULT_NAMES:
        try:
            clip = evaluation(model).clip(clip_id)
        except MGCError:
            continue
        if clip is not None:
            out[model] = clip
    return out


def stored_balanced_accuracy(model: str) -> float | None:
    """The model's balanced accuracy in its stored evaluation, or None when not evaluated.

    None too when the file fails its manifest check (see :func:`stored_evaluation_errors`).
    """
    from mgc_core.errors import MGCError

    try:
        return evaluation(model).balanced_accuracy.value
    except MGCError:
        return None
