"""Cached access to the stored evaluations for the pages, and their calibration in words.

Each :class:`~mgc_core.evaluation.records.Evaluation` is cached by the model, the
assets folder in use and its file's sha256, so one read from another folder, or from a
file since altered, is never served. Evaluations are immutable (read-only mappings and
arrays), so one object is shared by every session (``st.cache_resource``).

:func:`calibration_in_words` says whether a model's confidence can be taken at its word
(for the Models page), and :func:`confidence_hint` warns, where a model is known to be
overconfident, that its "96% sure" is not what it seems (for the Classify page).
"""

from __future__ import annotations

import streamlit as st

from mgc_core.evaluation.calibration import Reliability
from mgc_core.evaluation.records import ClipPrediction, Evaluation

__all__ = [
    "evaluation", "stored_clip_predictions", "stored_balanced_accuracy",
    "stored_evaluation_errors", "calibration", "calibration_kind", "calibration_in_words",
    "confidence_hint",
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


# --------------------------------------------------------------------------- calibration


def calibration(model: str) -> Reliability:
    """The calibration of ``model`` (or ``"ensemble"``) on its stored out-of-fold predictions.

    Raises
    ------
    AssetError
        As :func:`evaluation`.
    """
    from mgc_core.evaluation.calibration import calibration_of

    return calibration_of(evaluation(model))


def calibration_kind(rel: Reliability) -> str:
    """``"overconfident"``, ``"modest"`` (right more often than it says) or ``"about right"``."""
    from mgc_core.evaluation.calibration import OVERCONFIDENT_GAP, is_overconfident

    if is_overconfident(rel):
        return "overconfident"
    if rel.overall_accuracy - rel.mean_confidence > OVERCONFIDENT_GAP:
        return "modest"
    return "about right"


def _overconfident_words(short: str, rel: Reliability) -> str:
    return (f"{short} is often overconfident: when it says {rel.sure:.0%} or more (on average "
            f"{rel.sure_confidence:.0%}), it is right only about {rel.sure_accuracy:.0%} of the "
            "time")


def calibration_in_words(model: str, rel: Reliability) -> str:
    """One or two plain sentences on whether ``model``'s confidence can be trusted."""
    from mgc_core.models.registry import short_label

    short = short_label(model)
    kind = calibration_kind(rel)
    if kind == "overconfident":
        return (_overconfident_words(short, rel) + f", on {rel.n_sure} clips it had never "
                "heard. Read its percentages as a ranking of the genres, not as odds.")
    if kind == "modest":
        return (f"{short} is modest: it is right more often than it says. It is right on "
                f"{rel.overall_accuracy:.0%} of the clips while it is on average only "
                f"{rel.mean_confidence:.0%} sure of its answer; a low percentage from it is "
                "not a bad sign in itself.")
    return (f"{short}'s confidence is about right: on average it is {rel.mean_confidence:.0%} "
            f"sure of its answer, and it is right on {rel.overall_accuracy:.0%} of the clips.")


def confidence_hint(model: str) -> str | None:
    """A caption for a model's answer when the model is known to be overconfident, else None.

    For example: "KNN is often overconfident: when it says 80% or more (on average 96%),
    it is right only about 75% of the time on songs it was not trained on (see the Models
    page)." None too when the
    model has no stored evaluation, or one that fails its manifest check (the page shows
    :func:`stored_evaluation_errors` for those).
    """
    from mgc_core.errors import MGCError
    from mgc_core.models.registry import short_label

    try:
        rel = calibration(model)
    except MGCError:
        return None
    if calibration_kind(rel) != "overconfident":
        return None
    return (_overconfident_words(short_label(model), rel)
            + " on songs it was not trained on (see the Models page).")
