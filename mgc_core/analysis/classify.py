"""Classify audio with the bundled models: one analysis, every model, one verdict each.

:func:`classify` resamples the audio to 16 kHz and analyses it **once**
(:func:`~mgc_core.models.frontend.analyse_audio`); every model reads its inputs from
that front end, predicts segment probabilities and pools them into a clip verdict
(:func:`~mgc_core.models.frontend.pool_segments`). The ensemble is the weighted soft
vote of the models run (:mod:`mgc_core.evaluation.ensemble`), with the weights stored in
``assets/evaluation/ensemble.json`` beside the nested evaluation that scores the rule.

Bundled models are loaded by :func:`load_model`, which checks every file of the model
against ``assets/manifest.json`` (:func:`mgc_core.assets.verify`,
:func:`~mgc_core.assets.read_verified`) before anything is deserialised. Nothing is
cached here: load the models once with :func:`load_models` and pass them to every
:func:`classify` call (``loaded=``); the app keeps them in its own cache, keyed by the
sha256 the manifest lists for their files (:func:`model_checksums`).

Examples
--------
>>> import librosa
>>> from mgc_core.audio import Audio
>>> audio = Audio(librosa.tone(440, sr=22050, duration=7.0), sr=22050)
>>> models = load_models(["knn"])                          # doctest: +SKIP
>>> result = classify(audio, loaded=models)                # doctest: +SKIP
>>> result.models["knn"].genre, result.segment_times.shape   # doctest: +SKIP
('classical', (2, 2))
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from mgc_core.errors import AssetError, ParameterError
from mgc_core.genres import GENRES, top_genres
from mgc_core.models import registry  # light: the model modules load on demand

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.analysis.content import Content
    from mgc_core.audio import Audio
    from mgc_core.models.audioset import AudioSetTagger
    from mgc_core.models.base import GenreModel

#: ``progress(step, done, total)``: what :func:`classify` reports after each step.
Progress = Callable[[str, int, int], None]

__all__ = [
    "Progress", "ModelResult", "Result", "classify", "load_model", "load_models", "model_path",
    "model_checksums", "ensemble_weights",
]


def _readonly(x: np.ndarray) -> np.ndarray:
    x = np.array(x, dtype=np.float32)
    x.flags.writeable = False
    return x


def _lock(x: np.ndarray) -> np.ndarray:
    x.flags.writeable = False
    return x


@dataclass(frozen=True, eq=False)
class ModelResult:
    """One model's verdict on a clip.

    Attributes
    ----------
    name : str
        ``"knn"``, ``"cnn"``, ``"lstm"`` or ``"transfer"``.
    probabilities : np.ndarray [shape=(10,)]
        Clip probabilities in GENRES order (pooled segments).
    segment_probabilities : np.ndarray [shape=(n_segments, 10)]
        Probabilities of each 3-s segment.
    genre : str
        The most probable genre.
    seconds : float
        Time this model took (inputs and prediction; the shared analysis excluded).
    """

    name: str
    probabilities: np.ndarray
    segment_probabilities: np.ndarray
    genre: str
    seconds: float

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Unpickling (the app's st.cache_data does it) rebuilds writeable arrays: lock them.
        self.__dict__.update(state)
        _lock(self.probabilities)
        _lock(self.segment_probabilities)

    def top(self, k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` most probable genres with their probabilities, best first."""
        return top_genres(self.probabilities, k=k)


@dataclass(frozen=True, eq=False)
class Result:
    """Every model's verdict on one clip, and the ensemble's.

    Immutable (read-only arrays and mappings) and picklable, so a cache may share or
    copy it.

    Attributes
    ----------
    duration_s : float
        Length of the audio classified.
    segment_times : np.ndarray [shape=(n_segments, 2)]
        Start and end (s) of each segment.
    models : mapping of str to ModelResult
        By model name, in the order run (read-only).
    ensemble : np.ndarray [shape=(10,)]
        Weighted mean of the models' clip probabilities (weighted soft vote).
    seconds : float
        Total time, analysis included.
    analysis_seconds : float
        Time of the shared resampling and analysis.
    ensemble_weights : mapping of str to float
        The weight of each model in the ensemble (they sum to 1).
    content : Content or None
        The gate: music, speech, silence or noise (:mod:`mgc_core.analysis.content`).
    audioset_genres : tuple of (str, float)
        AudioSet's own top music genres, best first, with their probabilities.
    inputs : mapping of str to np.ndarray
        The per-segment inputs of the models named in :func:`classify`'s ``keep_inputs``
        (read-only; empty by default), so that what reads them next (the "Sounds like"
        neighbours) need not run the networks again.
    """

    duration_s: float
    segment_times: np.ndarray
    models: Mapping[str, ModelResult]
    ensemble: np.ndarray
    seconds: float
    analysis_seconds: float = 0.0
    ensemble_weights: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    content: Content | None = None
    audioset_genres: tuple[tuple[str, float], ...] = ()
    inputs: Mapping[str, np.ndarray] = field(default_factory=lambda: MappingProxyType({}))

    def __getstate__(self) -> dict[str, Any]:
        # A mappingproxy cannot be pickled: store plain dicts, wrapped again on load.
        return {**self.__dict__, "models": dict(self.models),
                "ensemble_weights": dict(self.ensemble_weights), "inputs": dict(self.inputs)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__["models"] = MappingProxyType(dict(state["models"]))
        self.__dict__["ensemble_weights"] = MappingProxyType(dict(state["ensemble_weights"]))
        self.__dict__["inputs"] = MappingProxyType(
            {name: _lock(x) for name, x in state.get("inputs", {}).items()})
        _lock(self.segment_times)
        _lock(self.ensemble)

    @property
    def genre(self) -> str:
        """The ensemble's most probable genre."""
        return GENRES[int(np.argmax(self.ensemble))]



def _root(assets_dir: str | os.PathLike | None) -> Path:
    from mgc_core import assets

    return Path(assets_dir) if assets_dir is not None else assets.ASSETS_DIR


def model_path(name: str, *, assets_dir: str | os.PathLike | None = None) -> Path:
    """Where the bundled model ``name`` lives: ``<assets_dir>/models/<its own file>``.

    Its own file is the first of its registry entry's ``files``
    (:func:`mgc_core.models.registry.info`).
    """
    return _root(assets_dir) / "models" / registry.info(name).files[0]


def model_checksums(
    name: str, *, assets_dir: str | os.PathLike | None = None
) -> tuple[str | None, ...]:
    """The sha256 the manifest lists for each file of model ``name`` (``None`` if unlisted).

    Read from the manifest alone, without hashing the files: a cache key for a loaded
    model that changes when the model is rebuilt. The files are checked when they are
    loaded (:func:`load_model`).
    """
    from mgc_core import assets

    return assets.listed_sha256([f"models/{f}" for f in registry.info(name).files],
                                root=_root(assets_dir))


def load_model(name: str, *, assets_dir: str | os.PathLike | None = None) -> GenreModel:
    """The bundled model ``name``, every file verified against the manifest, then loaded.

    Every file of the model (its registry entry's ``files``: its own, then any others,
    e.g. the transfer model's musicnn networks) is checked against ``assets/manifest.json``
    before any is deserialised; the other files' checked bytes are handed to the model
    (:meth:`~mgc_core.models.transfer.TransferModel.load_parts`). Each call reads the
    files again: keep the model (:func:`load_models`), or cache it keyed by
    :func:`model_checksums`.

    Parameters
    ----------
    name : str
        One of :data:`~mgc_core.models.MODEL_NAMES`.
    assets_dir : path-like, optional
        The assets folder; defaults to :data:`mgc_core.assets.ASSETS_DIR` (read when
        called).

    Returns
    -------
    GenreModel
        A new object at each call. Whoever keeps it may share it (the app shares one
        between its sessions): do not refit or mutate a shared model.

    Raises
    ------
    ParameterError
        If ``name`` is not a bundled model.
    AssetError
        If the model is not bundled yet, or one of its files is missing or altered; the
        message names the file and the command that builds it.
    """
    from mgc_core import assets
    from mgc_core.models import model_class

    cls = model_class(name)
    root = _root(assets_dir)
    own, *others = (root / "models" / f for f in registry.info(name).files)
    listed = f"models/{own.name}" in assets.read_manifest(root / assets.MANIFEST)["files"]
    if not own.exists() and not listed:
        raise AssetError(
            f"The {name} model is not bundled yet (assets/models/{own.name} does not "
            f"exist). Build it with `python -m mgc_core train --gtzan DIR --models {name}`."
        )
    assets.verify(own, root=root)
    contents = {path.name: assets.read_verified(path, root=root) for path in others}
    model = cls.load(own)
    return model.load_parts(contents) if contents else model


def load_models(
    names: Iterable[str] | str | None = None, *, assets_dir: str | os.PathLike | None = None
) -> dict[str, GenreModel]:
    """Load several bundled models once, to classify many clips with them.

    Parameters
    ----------
    names : iterable of str, optional
        Model names; every bundled model by default.
    assets_dir : path-like, optional
        The assets folder; defaults to :data:`mgc_core.assets.ASSETS_DIR`.

    Returns
    -------
    dict of str to GenreModel
        By name, in the order given: pass it to :func:`classify` as ``loaded``.

    Raises
    ------
    ParameterError, AssetError
        As :func:`load_model`.

    Examples
    --------
    >>> models = load_models(["knn", "cnn"])                        # doctest: +SKIP
    >>> results = [classify(a, loaded=models) for a in clips]      # doctest: +SKIP
    """
    return {name: load_model(name, assets_dir=assets_dir)
            for name in registry.check_names(names)}


def ensemble_weights(
    names: Iterable[str], *, assets_dir: str | os.PathLike | None = None
) -> np.ndarray:
    """The ensemble weights of the models ``names``, read (and verified) at each call.

    See :func:`mgc_core.evaluation.ensemble.bundled_weights`.

    Raises
    ------
    AssetError
        If ``assets/evaluation/ensemble.json`` is missing, altered or holds no weights.
    """
    from mgc_core.evaluation.ensemble import bundled_weights

    return bundled_weights(tuple(names), assets_dir=_root(assets_dir))


def classify(
    audio: Audio,
    *,
    models: Iterable[str] | str | None = None,
    assets_dir: str | os.PathLike | None = None,
    loaded: Mapping[str, GenreModel] | None = None,
    progress: Progress | None = None,
    keep_inputs: Iterable[str] = (),
) -> Result:
    """Classify a clip with each bundled model and the ensemble.

    Parameters
    ----------
    audio : mgc_core.audio.Audio
        Mono audio at any rate (resampled to 16 kHz here).
    models : iterable of str, optional
        Models to run, in that order. By default the models of ``loaded`` when it is
        given, else every one of :data:`~mgc_core.models.MODEL_NAMES`.
    assets_dir : path-like, optional
        Where the bundled models and the ensemble's weights are; defaults to
        :data:`mgc_core.assets.ASSETS_DIR`.
    loaded : mapping of str to GenreModel, optional
        Models already loaded (:func:`load_models`, or the app's cache), by name. A
        model of ``models`` that is not in it is loaded from ``assets_dir`` for this
        call only.
    progress : callable ``(step, done, total)``, optional
        Called after each step: ``"analysis"`` (the shared analysis), then each model's
        name as it finishes, then ``"content"`` (the music/speech/silence gate); ``done``
        counts the steps finished out of ``total`` (the number of models + 2). The app
        shows each model's progress with it.
    keep_inputs : iterable of str
        Models (among those run) whose per-segment inputs the result keeps as
        ``Result.inputs``: the app keeps the KNN's and the transfer model's, which its
        "Sounds like" section compares with the GTZAN clips.

    Returns
    -------
    Result
        ``duration_s``, ``segment_times`` (n, 2), per model clip and segment
        probabilities, top genre and seconds, the ensemble's probabilities and
        weights, and the total time.

    Raises
    ------
    ParameterError
        If ``audio`` is not an :class:`~mgc_core.audio.Audio`, a model name is unknown,
        or ``keep_inputs`` names a model not run.
    AssetError
        If a model or the ensemble's weights are not bundled, or a file is missing or
        altered.
    """
    from mgc_core.analysis.content import judge_content
    from mgc_core.audio import Audio
    from mgc_core.evaluation.ensemble import ensemble_probabilities
    from mgc_core.models.frontend import analyse_audio, pool_segments, segment_times
    from mgc_core.models.service import cpu_slot

    start = time.perf_counter()
    if not isinstance(audio, Audio):
        raise ParameterError(
            f"classify needs an Audio (from mgc_core.audio.load_audio); got "
            f"{type(audio).__name__}."
        )
    loaded = dict(loaded) if loaded is not None else {}
    if loaded:
        registry.check_names(loaded)
    names = registry.check_names(tuple(loaded) if models is None and loaded else models)
    run = {name: loaded[name] if name in loaded else load_model(name, assets_dir=assets_dir)
           for name in names}
    keep = tuple(keep_inputs)
    if not_run := [name for name in keep if name not in run]:
        raise ParameterError(f"keep_inputs names models not run: {not_run}; they must be "
                             f"among {list(run)}.")
    weights = ensemble_weights(names, assets_dir=assets_dir)
    t0 = time.perf_counter()
    with cpu_slot():  # at most one analysis per core; the networks queue in the service
        front = analyse_audio(audio)
    analysis_seconds = time.perf_counter() - t0
    total = len(run) + 2

    def report(step: str, done: int) -> None:
        if progress is not None:
            progress(step, done, total)

    report("analysis", 1)
    results, kept = {}, {}
    for name, model in run.items():
        t0 = time.perf_counter()
        x = model.inputs(front)
        if name in keep:
            kept[name] = _readonly(x)
        seg = np.asarray(model.predict_proba(x), dtype=np.float64)
        clip = pool_segments(seg)
        results[name] = ModelResult(
            name=name, probabilities=_readonly(clip), segment_probabilities=_readonly(seg),
            genre=GENRES[int(np.argmax(clip))], seconds=time.perf_counter() - t0,
        )
        report(name, len(results) + 1)
    ensemble = ensemble_probabilities([r.probabilities for r in results.values()], weights)
    tagger = _tagger(run, assets_dir=assets_dir)
    tags = tagger.tag(front)
    peak = float(np.max(np.abs(audio.samples))) if audio.samples.size else 0.0
    report("content", total)
    return Result(
        duration_s=float(audio.duration),
        segment_times=_readonly(segment_times(front.n_segments)),
        models=MappingProxyType(results),
        ensemble=_readonly(ensemble),
        seconds=time.perf_counter() - start,
        analysis_seconds=analysis_seconds,
        ensemble_weights=MappingProxyType(
            {n: float(w) for n, w in zip(names, weights, strict=True)}),
        content=judge_content(tags.logits, peak=peak, labels=tagger.labels),
        audioset_genres=tagger.music_genres(tags),
        inputs=MappingProxyType(kept),
    )


def _tagger(run: Mapping[str, GenreModel], *, assets_dir: str | os.PathLike | None
            ) -> AudioSetTagger:
    """The AudioSet tagger of a model being run (its outputs are then shared), else the
    bundled one."""
    from mgc_core.models.audioset import bundled_tagger

    for model in run.values():
        tagger = getattr(model, "tagger", None)
        if callable(tagger):
            return tagger()
    return bundled_tagger(assets_dir=assets_dir)
