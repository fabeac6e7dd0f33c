"""Cached access to the stored evaluations for the pages.

Each evaluation is cached by its file's sha256 and the assets folder in use, so one
read from another folder, or from a file since altered, is never served.
"""

from __future__ import annotations

import streamlit as st

__all__ = ["stored_clip_predictions", "stored_balanced_accuracy", "stored_evaluation_errors"]


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
