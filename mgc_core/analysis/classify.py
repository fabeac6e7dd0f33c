"""Classify audio with the bundled models: one analysis, every model, one verdict each.

:func:`classify` resamples the audio to 16 kHz and analyses it **once**
(:func:`~mgc_core.models.frontend.analyse`); every model reads its inputs from that
front end, predicts segment probabilities and pools them into a clip verdict
(:func:`~mgc_core.models.frontend.pool_segments`). The ensemble is the weighted
soft vote of the models run (:mod:`mgc_core.evaluation.ensemble`), with the weights stored in
``assets/evaluation/ensemble.json`` beside the nested evaluation that scores the rule.

Bundled models are checked against ``assets/manifest.json``
(:func:`mgc_core.assets.verify`) and loaded once per process (:func:`load_model`).

Examples
--------
>>> import librosa
>>> from mgc_core.audio import Audio
>>> audio = Audio(librosa.tone(440, sr=22050, duration=7.0), sr=22050)
>>> result = classify(audio, models=("knn",))        # doctest: +SKIP
>>> result.models["knn"].genre, result.segment_times.shape   # doctest: +SKIP
('classical', (2, 2))
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from mgc_core.errors import AssetError, ParameterError
from mgc_core.genres import GENRES
from mgc_core.models import MODEL_NAMES  # light: the model modules load on demand

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.audio import Audio
    from mgc_core.models.base import GenreModel

__all__ = [
    "ModelResult", "Result", "classify", "load_model", "model_path", "ensemble_weights",
    "clear_cache",
]

_CACHE: dict[str, Any] = {}
_LOCK = threading.Lock()


def _readonly(x: np.ndarray) -> np.ndarray:
    x = np.array(x, dtype=np.float32)
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

    def top(self, k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` most probable genres with their probabilities, best first."""
        order = np.argsort(-self.probabilities, kind="stable")[:k]
        return [(GENRES[i], float(self.probabilities[i])) for i in order]


@dataclass(frozen=True, eq=False)
class Result:
    """Every model's verdict on one clip, and the ensemble's.

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
    """

    duration_s: float
    segment_times: np.ndarray
    models: Mapping[str, ModelResult]
    ensemble: np.ndarray
    seconds: float
    analysis_seconds: float = 0.0
    ensemble_weights: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def genre(self) -> str:
        """The ensemble's most probable genre."""
        return GENRES[int(np.argmax(self.ensemble))]

    def to_dict(self, *, file: str | None = None) -> dict[str, Any]:
        """A JSON-ready dict (the shape ``python -m mgc_core classify --json`` prints)."""

        def named(p: np.ndarray) -> dict[str, float]:
            return {g: round(float(v), 6) for g, v in zip(GENRES, p)}

        out: dict[str, Any] = {} if file is None else {"file": file}
        out["duration_s"] = round(float(self.duration_s), 3)
        out["models"] = {
            name: {
                "genre": r.genre,
                "probabilities": named(r.probabilities),
                "segments": [
                    {"start_s": round(float(t0), 3), "end_s": round(float(t1), 3),
                     "probabilities": named(p)}
                    for (t0, t1), p in zip(self.segment_times, r.segment_probabilities)
                ],
                "seconds": round(r.seconds, 4),
            }
            for name, r in self.models.items()
        }
        out["ensemble"] = {"genre": self.genre, "probabilities": named(self.ensemble),
                           "weights": {m: round(float(w), 6)
                                       for m, w in self.ensemble_weights.items()}}
        out["seconds"] = round(self.seconds, 4)
        return out


def model_path(name: str, *, assets_dir: str | os.PathLike | None = None) -> Path:
    """Where the bundled model ``name`` lives: ``<assets_dir>/models/<file_name>``."""
    from mgc_core import assets
    from mgc_core.models import model_class

    root = Path(assets_dir) if assets_dir is not None else assets.ASSETS_DIR
    return root / "models" / model_class(name).file_name


def load_model(name: str, *, assets_dir: str | os.PathLike | None = None) -> GenreModel:
    """The bundled model ``name``, verified against the manifest and loaded once per process.

    Parameters
    ----------
    name : str
        One of :data:`~mgc_core.models.MODEL_NAMES`.
    assets_dir : path-like, optional
        The assets folder; defaults to the bundled one. The cache is keyed by
        ``(name, assets_dir)``.

    Returns
    -------
    GenreModel
        Shared by every caller: do not refit or mutate it.

    Raises
    ------
    AssetError
        If the model is not bundled yet, or its file is missing or altered; the
        message names the file and the command that builds it.
    """
    from mgc_core import assets
    from mgc_core.models import model_class

    cls = model_class(name)
    root = Path(assets_dir) if assets_dir is not None else assets.ASSETS_DIR
    key = f"{name}@{root.resolve()}"
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
        path = root / "models" / cls.file_name
        listed = f"models/{cls.file_name}" in assets.read_manifest(root / "manifest.json")["files"]
        if not path.exists() and not listed:
            raise AssetError(
                f"The {name} model is not bundled yet (assets/models/{cls.file_name} does not "
                f"exist). Build it with `python -m mgc_core train --gtzan DIR --models {name}`."
            )
        assets.verify(path, root=root)
        _CACHE[key] = cls.load(path)
        return _CACHE[key]


def ensemble_weights(
    names: Sequence[str], *, assets_dir: str | os.PathLike | None = None
) -> np.ndarray:
    """The ensemble weights of the models ``names`` (read once per process).

    See :func:`mgc_core.evaluation.ensemble.bundled_weights`.

    Raises
    ------
    AssetError
        If ``assets/evaluation/ensemble.json`` is missing, altered or holds no weights.
    """
    from mgc_core import assets
    from mgc_core.evaluation.ensemble import bundled_weights

    root = Path(assets_dir) if assets_dir is not None else assets.ASSETS_DIR
    key = f"ensemble:{','.join(names)}@{root.resolve()}"
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = bundled_weights(names, assets_dir=root)
        return _CACHE[key]


def clear_cache() -> None:
    """Forget the loaded models (e.g. after retraining in the same process)."""
    with _LOCK:
        _CACHE.clear()


def classify(
    audio: Audio,
    *,
    models: Sequence[str] | None = MODEL_NAMES,
    assets_dir: str | os.PathLike | None = None,
) -> Result:
    """Classify a clip with each bundled model and the ensemble.

    Parameters
    ----------
    audio : mgc_core.audio.Audio
        Mono audio at any rate (resampled to 16 kHz here).
    models : sequence of str, optional
        Models to run, in that order; all of :data:`~mgc_core.models.MODEL_NAMES` by
        default (``None`` means the same).
    assets_dir : path-like, optional
        Where the bundled models are; defaults to ``assets/``.

    Returns
    -------
    Result
        ``duration_s``, ``segment_times`` (n, 2), per model clip and segment
        probabilities, top genre and seconds, the ensemble's probabilities and
        weights, and the total time.

    Raises
    ------
    ParameterError
        If ``audio`` is not an :class:`~mgc_core.audio.Audio` or a model name is unknown.
    AssetError
        If a model or the ensemble's weights are not bundled, or a file is missing or
        altered.
    """
    from mgc_core.audio import Audio
    from mgc_core.evaluation.ensemble import ensemble_probabilities
    from mgc_core.models.frontend import analyse, pool_segments, segment_times, to_model_rate

    start = time.perf_counter()
    if not isinstance(audio, Audio):
        raise ParameterError(
            f"classify needs an Audio (from mgc_core.audio.load_audio); got "
            f"{type(audio).__name__}."
        )
    if isinstance(models, str):
        models = (models,)
    names = tuple(dict.fromkeys(MODEL_NAMES if models is None else models))
    if not names:
        raise ParameterError(f"No model given: choose among {', '.join(MODEL_NAMES)}.")
    loaded = {name: load_model(name, assets_dir=assets_dir) for name in names}
    weights = ensemble_weights(names, assets_dir=assets_dir)
    t0 = time.perf_counter()
    front = analyse(to_model_rate(audio.samples, audio.sr))
    analysis_seconds = time.perf_counter() - t0
    results = {}
    for name, model in loaded.items():
        t0 = time.perf_counter()
        seg = np.asarray(model.predict_proba(model.inputs(front)), dtype=np.float64)
        clip = pool_segments(seg)
        results[name] = ModelResult(
            name=name, probabilities=_readonly(clip), segment_probabilities=_readonly(seg),
            genre=GENRES[int(np.argmax(clip))], seconds=time.perf_counter() - t0,
        )
    ensemble = ensemble_probabilities([r.probabilities for r in results.values()], weights)
    return Result(
        duration_s=float(audio.duration),
        segment_times=_readonly(segment_times(front.n_segments)),
        models=MappingProxyType(results),
        ensemble=_readonly(ensemble),
        seconds=time.perf_counter() - start,
        analysis_seconds=analysis_seconds,
        ensemble_weights=MappingProxyType({n: float(w) for n, w in zip(names, weights)}),
    )
