"""Cached models and classification results for the pages.

The app's two caches, shared by every session of the server (the library caches nothing):

- **models** (``st.cache_resource``, :func:`loaded_model`): each bundled model is loaded
  once (:func:`mgc_core.analysis.classify.load_model`, which verifies every file of it)
  and shared, keyed by :class:`ModelFiles`: its name, the assets folder in use and the
  sha256 the manifest lists for each of its files. A model rebuilt (a new manifest
  entry), or another folder's, is loaded afresh; never mutate what it returns.
- **analyses** (``st.cache_data``): results keyed by the audio's content key and a
  hashable settings object (:class:`ClassifySettings`: the models' files, the ensemble
  weights' sha256 and the front end's settings), so a result computed with one folder's
  models is never shown for another's. Each read is a copy, and it stays read-only.

The server's warm-up (``ui.warmup``) classifies a built-in signal through
:func:`run_classify`, which fills the same model cache before the first visitor comes.

Small helpers put results into the pages' words: :func:`in_words` (how many models),
:func:`percent` and :func:`learns_from_gtzan` (False for a zero-shot model), read from
the registry so no page counts the models by hand.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import streamlit as st

from mgc_core.analysis import rows
from mgc_core.genres import GENRES
from mgc_core.models import FRONTEND, MODEL_NAMES
from mgc_core.models.frontend import FrontendSettings

__all__ = [
    "ModelFiles", "ClassifySettings", "model_files", "classify_settings", "loaded_model",
    "loaded_models", "run_classify", "result_csv", "result_json", "cnn_occlusion",
    "in_words", "learns_from_gtzan", "percent",
]

#: Models kept loaded: every model of two folders (or of one, before and after a rebuild).
_MODEL_ENTRIES = 2 * len(MODEL_NAMES)
_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def in_words(n: int) -> str:
    """A small count in words, for the pages' sentences ("five"; 11 and up as digits).

    Examples
    --------
    >>> in_words(len(("knn", "cnn", "lstm", "transfer", "audioset")))
    'five'
    """
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)


def learns_from_gtzan(name: str) -> bool:
    """Whether model ``name`` is trained on GTZAN (False for a zero-shot model such as
    AudioSet's, whose class says ``trainable = False``: fitting it changes nothing)."""
    from mgc_core.models.registry import info

    return info(name).model_class().trainable


def percent(p: float) -> str:
    """A probability as the pages show it: ``"87%"``, or ``"<1%"`` below one percent."""
    return "<1%" if p < 0.01 else f"{p:.0%}"


@dataclass(frozen=True)
class ModelFiles:
    """A bundled model as the caches know it (hashable: a cache key).

    Attributes
    ----------
    name : str
        The model's name.
    assets_dir : str
        The assets folder it is loaded from.
    sha256 : tuple of (str or None)
        The sha256 the manifest lists for each of its files
        (:func:`mgc_core.analysis.classify.model_checksums`).
    """

    name: str
    assets_dir: str
    sha256: tuple[str | None, ...]


@dataclass(frozen=True)
class ClassifySettings:
    """What a classification depends on besides the audio (hashable: a cache key).

    Attributes
    ----------
    models : tuple of ModelFiles
        The models run, in order.
    weights_sha256 : str or None
        The sha256 the manifest lists for ``evaluation/ensemble.json`` (the ensemble's
        weights).
    frontend : FrontendSettings
        The models' front end.
    """

    models: tuple[ModelFiles, ...]
    weights_sha256: str | None
    frontend: FrontendSettings = FRONTEND

    @property
    def names(self) -> tuple[str, ...]:
        """The models' names, in order."""
        return tuple(m.name for m in self.models)

    @property
    def assets_dir(self) -> str:
        """The assets folder of the models and the weights."""
        return self.models[0].assets_dir


def model_files(name: str) -> ModelFiles:
    """The bundled model ``name`` in the assets folder in use now (read from the manifest)."""
    from mgc_core import assets
    from mgc_core.analysis.classify import model_checksums

    root = assets.ASSETS_DIR
    return ModelFiles(name, str(root), model_checksums(name, assets_dir=root))


def classify_settings(models: Iterable[str] | None = None) -> ClassifySettings:
    """The settings of a classification with ``models`` (every model by default), now.

    The assets folder in use (``mgc_core.assets.ASSETS_DIR``) and its manifest are read at
    each call, so a page never gets a result computed from another folder or from files
    since rebuilt.
    """
    from mgc_core import assets
    from mgc_core.models.registry import check_names

    return ClassifySettings(
        models=tuple(model_files(name) for name in check_names(models)),
        weights_sha256=assets.listed_sha256(["evaluation/ensemble.json"])[0],
    )


@st.cache_resource(max_entries=_MODEL_ENTRIES, show_spinner=False)
def loaded_model(files: ModelFiles):  # noqa: ANN201 - mgc_core.models.base.GenreModel
    """The model ``files`` names, verified and loaded once per process (shared: do not mutate).

    Raises
    ------
    AssetError
        If a file of the model is missing or altered (nothing is cached then).
    """
    from mgc_core.analysis.classify import load_model

    return load_model(files.name, assets_dir=files.assets_dir)


def loaded_models(settings: ClassifySettings) -> dict:
    """The models of ``settings`` from the model cache, by name."""
    return {files.name: loaded_model(files) for files in settings.models}


def run_classify(key: str, _audio):  # noqa: ANN001, ANN201 - Audio -> classify.Result
    """Classify the audio whose content key is ``key`` with every bundled model (cached).

    The result is cached by the audio's content and :func:`classify_settings` (the assets
    folder and the manifest's sha256 of every file used), so a result computed with one
    folder's models is never shown for another's, whose files may be missing or altered.
    """
    return _classify(key, classify_settings(), _audio)


@st.cache_data(max_entries=16, show_spinner=False)
def _classify(key: str, settings: ClassifySettings, _audio):  # noqa: ANN001, ANN202
    """Classify with the cached models of ``settings``."""
    from mgc_core.analysis.classify import classify

    return classify(_audio, models=settings.names, assets_dir=settings.assets_dir,
                    loaded=loaded_models(settings))


def result_json(result, *, file: str) -> str:  # noqa: ANN001
    """The result as JSON (the same shape ``python -m mgc_core classify --json`` prints)."""
    return json.dumps(rows.to_json_dict(result, file=file), indent=1)


def result_csv(result, *, file: str) -> str:  # noqa: ANN001
    """The result as CSV: one row per model and segment (segment ``all`` = whole clip).

    See :func:`mgc_core.analysis.rows.segment_rows`.
    """
    return rows.segment_csv(result, file=file)


@st.cache_data(max_entries=4, show_spinner=False)
def _cnn_segments(key: str, cnn: ModelFiles, frontend: FrontendSettings, _audio):  # noqa: ANN001, ANN202
    """The CNN's log-mel input for every segment of the audio (analysed once per clip)."""
    from mgc_core.models.frontend import analyse_audio

    return loaded_model(cnn).inputs(analyse_audio(_audio))


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
    return _cnn_occlusion(key, model_files("cnn"), FRONTEND, _audio, segment)


@st.cache_data(max_entries=16, show_spinner=False)
def _cnn_occlusion(key: str, cnn: ModelFiles, frontend: FrontendSettings, _audio,  # noqa: ANN001, ANN202
                   segment: int):
    import numpy as np

    from mgc_core.analysis.saliency import occlusion_map

    model = loaded_model(cnn)
    logmel = _cnn_segments(key, cnn, frontend, _audio)[segment]
    p = np.asarray(model.predict_proba(logmel[None]), dtype=float)[0]
    target = int(np.argmax(p))
    saliency = occlusion_map(model, logmel, target=target)
    return logmel, saliency, GENRES[target], float(p[target])
