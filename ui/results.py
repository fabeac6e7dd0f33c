"""Cached models and classification results for the pages.

The app's two caches, shared by every session of the server (the library caches nothing):

- **models** (``st.cache_resource``, :func:`loaded_model`): each bundled model is loaded
  once (:func:`mgc_core.analysis.classify.load_model`, which verifies every file of it)
  and shared, keyed by :class:`ModelFiles`: its name, the assets folder in use and the
  sha256 the manifest lists for each of its files. A model rebuilt (a new manifest
  entry), or another folder's, is loaded afresh; never mutate what it returns.
- **results** (:class:`ResultStore`, one per process via ``st.cache_resource``): results
  keyed by the audio's content key and a hashable settings object
  (:class:`ClassifySettings`: the models' files, the ensemble weights' sha256 and the
  front end's settings), so a result computed with one folder's models is never shown
  for another's. A :class:`~mgc_core.analysis.classify.Result` is immutable (read-only
  arrays and mappings), so sessions share it without copies. It is not ``st.cache_data``
  because the page reports each model's progress while it computes, which a cached
  function cannot do into the page's own elements.

The server's warm-up (``ui.warmup``) classifies a built-in signal through
:func:`run_classify`, which fills the same model cache before the first visitor comes.

Small helpers put results into the pages' words: :func:`in_words` (how many models),
:func:`percent` and :func:`learns_from_gtzan` (False for a zero-shot model), read from
the registry so no page counts the models by hand.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import streamlit as st

from mgc_core.analysis import rows
from mgc_core.analysis.verdict import and_list, weight_shares
from mgc_core.genres import GENRES
from mgc_core.models import FRONTEND, MODEL_NAMES
from mgc_core.models.frontend import FrontendSettings

__all__ = [
    "ModelFiles", "ClassifySettings", "model_files", "classify_settings", "loaded_model",
    "loaded_models", "ResultStore", "result_store", "cached_result", "run_classify",
    "result_csv", "result_json", "cnn_occlusion", "KEPT_INPUTS",
    "in_words", "learns_from_gtzan", "percent", "who_decided",
]

#: Models kept loaded: every model of two folders (or of one, before and after a rebuild).
_MODEL_ENTRIES = 2 * len(MODEL_NAMES)
#: Results kept in the process's store.
_RESULT_ENTRIES = 32
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


def who_decided(weights: Mapping[str, float]) -> str:
    """Who decided the ensemble's answer, in words: the models by weight, and those without.

    When one model has all the weight (no blend of the models scored as well as it
    on songs they had not seen), the text says that model decided alone.

    Parameters
    ----------
    weights : mapping of str to float
        Model name -> ensemble weight (``Result.ensemble_weights``); empty when unknown.

    Returns
    -------
    str
        Markdown, starting with ``**Who decided**``.
    """
    if not weights:
        return "**Who decided**: the ensemble, a weighted mean of the models' probabilities."
    shares, ignored = weight_shares(weights)
    if len(shares) == 1:
        text = (f"**Who decided**: the {shares[0][0]} model alone. In the "
                "stored evaluation no weighted mean of the models scored as well as it on "
                "songs they had not seen, so the ensemble is that model.")
    else:
        said = and_list([f"{n} {w:.0%}" for n, w in shares])
        text = ("**Who decided**: the ensemble, a weighted mean of the models' "
                f"probabilities, with the weights {said}. The weights are the "
                "average of all the weightings that scored about as well as the best one "
                "(within one standard error) on songs the models had not seen; the Models "
                "page shows them and how this rule does on songs whose weights were chosen "
                "without them.")
    if ignored:
        one = len(ignored) == 1
        text += (f" {and_list(ignored)} {'has' if one else 'have'} no weight: "
                 f"{'its answer is' if one else 'their answers are'} shown for comparison "
                 f"but {'does' if one else 'do'} not change the verdict.")
    return text + (" Each model pools its 3-second segments by the mean of their "
                   "log-probabilities.")


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


class ResultStore:
    """The results of the process, least recently used dropped first (thread-safe).

    Parameters
    ----------
    max_entries : int
    """

    def __init__(self, max_entries: int = _RESULT_ENTRIES) -> None:
        self.max_entries = int(max_entries)
        self._items: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple):  # noqa: ANN201 - classify.Result or None
        """The result stored under ``key`` (now the most recently used), or ``None``."""
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: tuple, result) -> None:  # noqa: ANN001
        """Store ``result`` under ``key``, dropping the least recently used beyond the limit."""
        with self._lock:
            self._items[key] = result
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)


@st.cache_resource(show_spinner=False)
def result_store() -> ResultStore:
    """The process's :class:`ResultStore`, shared by every session."""
    return ResultStore()


#: Models whose per-segment inputs a stored result keeps: "Sounds like" compares them with
#: the GTZAN clips without running the networks again (``ui.similar.music_vectors``).
KEPT_INPUTS = ("knn", "transfer")


def cached_result(key: str):  # noqa: ANN201 - classify.Result or None
    """The stored result of the audio whose content key is ``key``, with today's models."""
    return result_store().get((key, classify_settings()))


def run_classify(key: str, _audio, *, progress=None):  # noqa: ANN001, ANN201
    """Classify the audio whose content key is ``key`` with every bundled model (stored).

    The result is stored by the audio's content and :func:`classify_settings` (the assets
    folder and the manifest's sha256 of every file used), so a result computed with one
    folder's models is never shown for another's, whose files may be missing or altered.

    Parameters
    ----------
    key : str
        The audio's content key (``Audio.key``).
    _audio : mgc_core.audio.Audio
    progress : callable ``(step, done, total)``, optional
        Passed to :func:`mgc_core.analysis.classify.classify` when the result is computed
        (not when it is already stored).

    Returns
    -------
    mgc_core.analysis.classify.Result
    """
    from mgc_core.analysis.classify import classify

    settings = classify_settings()
    store = result_store()
    result = store.get((key, settings))
    if result is None:
        result = classify(_audio, models=settings.names, assets_dir=settings.assets_dir,
                          loaded=loaded_models(settings), progress=progress,
                          keep_inputs=[n for n in KEPT_INPUTS if n in settings.names])
        store.put((key, settings), result)
    return result


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
