"""Scores of genre models over clips, and the evaluation files the app shows.

Every figure is computed over **clips** (a clip's verdict pools its segments with
:func:`~mgc_core.models.frontend.pool_segments`), in :data:`~mgc_core.genres.GENRES`
order:

- :func:`clip_metrics`: accuracy, balanced accuracy (the mean of the per-genre
  recalls, over the genres present) and macro-F1 (over the same genres);
- :func:`bootstrap_ci`: a 95 % percentile interval of each, from a seeded bootstrap
  that resamples clips (1000 resamples by default);
- :func:`per_genre` and :func:`confusion_matrix` (rows true, columns predicted).

:func:`evaluation_record` assembles one ``assets/evaluation/<model>.json`` record
(schema :data:`SCHEMA`), :func:`validate_evaluation` checks one, and
:func:`write_evaluation` writes it and records it in ``assets/manifest.json``.

Examples
--------
>>> import numpy as np
>>> m = clip_metrics(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]))
>>> round(m["accuracy"], 2), round(m["balanced_accuracy"], 2)
(0.75, 0.75)
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mgc_core.errors import AssetError, ParameterError
from mgc_core.genres import GENRES

__all__ = [
    "SCHEMA",
    "METRICS",
    "GROUPS",
    "N_RESAMPLES",
    "clip_metrics",
    "bootstrap_ci",
    "metrics_with_ci",
    "per_genre",
    "confusion_matrix",
    "seed_summary",
    "evaluation_record",
    "validate_evaluation",
    "write_evaluation",
    "read_evaluation",
]

#: Version tag stored in every evaluation file.
SCHEMA = "mgc.evaluation/1"
#: The three headline metrics, in display order.
METRICS: tuple[str, ...] = ("accuracy", "balanced_accuracy", "macro_f1")
#: What the cross-validation groups by.
GROUPS = "artist (Sturm 2012 index)"
#: Bootstrap resamples for the confidence intervals.
N_RESAMPLES = 1000

_N = len(GENRES)


# --------------------------------------------------------------------------- metrics


def _labels(y: Any, name: str) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 1 or arr.size == 0:
        raise ParameterError(f"{name} must be a non-empty 1-D array of genre indices; "
                             f"got shape {arr.shape}.")
    if not np.issubdtype(arr.dtype, np.integer) or arr.min() < 0 or arr.max() >= _N:
        raise ParameterError(f"{name} must hold integer genre indices 0..{_N - 1} "
                             "(positions in GENRES).")
    return arr.astype(np.int64)


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    t, p = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ParameterError(f"y_true and y_pred differ in length: {t.size} vs {p.size}.")
    return t, p


def confusion_matrix(y_true: Any, y_pred: Any) -> np.ndarray:
    """Counts of (true, predicted) genre pairs.

    Parameters
    ----------
    y_true, y_pred : np.ndarray [shape=(n,), dtype=int]
        Genre indices (positions in GENRES).

    Returns
    -------
    np.ndarray [shape=(10, 10), dtype=int64]
        Rows are the true genres, columns the predicted ones, both in GENRES order.
    """
    t, p = _pair(y_true, y_pred)
    return np.bincount(t * _N + p, minlength=_N * _N).reshape(_N, _N)


def _scores(cm: np.ndarray, present: np.ndarray) -> dict[str, float]:
    """Metrics from a (…, 10, 10) stack of confusion matrices over the ``present`` genres."""
    tp = np.diagonal(cm, axis1=-2, axis2=-1).astype(np.float64)
    support = cm.sum(axis=-1).astype(np.float64)
    predicted = cm.sum(axis=-2).astype(np.float64)
    total = support.sum(axis=-1)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return {
        "accuracy": tp.sum(axis=-1) / total,
        "balanced_accuracy": recall[..., present].mean(axis=-1),
        "macro_f1": f1[..., present].mean(axis=-1),
    }


def clip_metrics(y_true: Any, y_pred: Any) -> dict[str, float]:
    """Accuracy, balanced accuracy and macro-F1.

    Balanced accuracy is the mean recall, and macro-F1 the mean F1, over the genres
    that occur in ``y_true`` (a genre absent from the data has no recall).

    Parameters
    ----------
    y_true, y_pred : np.ndarray [shape=(n,), dtype=int]
        Genre indices (positions in GENRES).

    Returns
    -------
    dict
        ``{"accuracy": float, "balanced_accuracy": float, "macro_f1": float}``.
    """
    t, p = _pair(y_true, y_pred)
    present = np.flatnonzero(np.bincount(t, minlength=_N))
    return {k: float(v) for k, v in _scores(confusion_matrix(t, p), present).items()}


def bootstrap_ci(
    y_true: Any,
    y_pred: Any,
    *,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, list[float]]:
    """Percentile bootstrap intervals of :func:`clip_metrics`, resampling clips.

    Parameters
    ----------
    y_true, y_pred : np.ndarray [shape=(n,), dtype=int]
        Genre indices of the clips.
    n_resamples : int > 0
        Number of resamples (with replacement, ``n`` clips each).
    seed : int
        Seed of the resampling, so that intervals are reproducible.
    level : float in (0, 1)
        Coverage of the interval.

    Returns
    -------
    dict
        ``{metric: [low, high]}`` for each of :data:`METRICS`. The genres averaged
        over are those of the full sample, so every resample scores the same genres.
    """
    t, p = _pair(y_true, y_pred)
    if not isinstance(n_resamples, int) or n_resamples < 1:
        raise ParameterError(f"n_resamples must be a positive integer; got {n_resamples!r}.")
    if not 0 < level < 1:
        raise ParameterError(f"level must lie strictly between 0 and 1; got {level!r}.")
    rng = np.random.default_rng(seed)
    present = np.flatnonzero(np.bincount(t, minlength=_N))
    idx = rng.integers(0, t.size, size=(n_resamples, t.size))
    codes = t[idx] * _N + p[idx]
    offsets = (np.arange(n_resamples) * _N * _N)[:, None]
    cms = np.bincount((codes + offsets).ravel(), minlength=n_resamples * _N * _N)
    cms = cms.reshape(n_resamples, _N, _N)
    with np.errstate(invalid="ignore"):
        scores = _scores(cms, present)
    alpha = (1 - level) / 2
    out = {}
    for name in METRICS:
        lo, hi = np.nanquantile(scores[name], [alpha, 1 - alpha])
        out[name] = [float(lo), float(hi)]
    return out


def metrics_with_ci(
    y_true: Any, y_pred: Any, *, n_resamples: int = N_RESAMPLES, seed: int = 0
) -> dict[str, dict[str, Any]]:
    """``{metric: {"value": float, "ci95": [low, high]}}`` for each of :data:`METRICS`."""
    values = clip_metrics(y_true, y_pred)
    ci = bootstrap_ci(y_true, y_pred, n_resamples=n_resamples, seed=seed)
    return {k: {"value": values[k], "ci95": ci[k]} for k in METRICS}


def per_genre(y_true: Any, y_pred: Any) -> dict[str, dict[str, float | int]]:
    """Precision, recall, F1 and support of each genre, in GENRES order.

    A genre never predicted has precision 0; one absent from ``y_true`` has recall 0
    and support 0.
    """
    cm = confusion_matrix(y_true, y_pred)
    tp = np.diag(cm).astype(np.float64)
    support, predicted = cm.sum(axis=1), cm.sum(axis=0)
    out = {}
    for i, genre in enumerate(GENRES):
        precision = tp[i] / predicted[i] if predicted[i] else 0.0
        recall = tp[i] / support[i] if support[i] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[genre] = {"precision": float(precision), "recall": float(recall),
                      "f1": float(f1), "support": int(support[i])}
    return out


def seed_summary(values_by_seed: Mapping[int, Mapping[str, float]]) -> dict[str, Any]:
    """Per-seed metric values with their mean and standard deviation.

    Parameters
    ----------
    values_by_seed : mapping of int to dict
        Fold seed -> :func:`clip_metrics` of that seed's out-of-fold predictions.

    Returns
    -------
    dict
        ``{"fold_seeds": [...], metric: {"values": [...], "mean": m, "std": s}}``;
        ``std`` is the sample standard deviation (``ddof=1``), 0 for a single seed.
    """
    if not values_by_seed:
        raise ParameterError("values_by_seed is empty: give the metrics of at least one seed.")
    seeds = sorted(values_by_seed)
    out: dict[str, Any] = {"fold_seeds": [int(s) for s in seeds]}
    for name in METRICS:
        vals = np.array([values_by_seed[s][name] for s in seeds], dtype=np.float64)
        out[name] = {
            "values": [float(v) for v in vals],
            "mean": float(vals.mean()),
            "std": float(vals.std(ddof=1)) if vals.size > 1 else 0.0,
        }
    return out


# --------------------------------------------------------------------------- record


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _probabilities(p: Any, where: str) -> np.ndarray:
    if isinstance(p, Mapping):
        missing = [g for g in GENRES if g not in p]
        if missing:
            raise ParameterError(f"{where}: probabilities lack {', '.join(missing)}.")
        p = [p[g] for g in GENRES]
    arr = np.asarray(p, dtype=np.float64)
    if arr.shape != (_N,) or not np.all(np.isfinite(arr)):
        raise ParameterError(f"{where}: probabilities must be {_N} finite numbers in GENRES "
                             f"order; got shape {arr.shape}.")
    return arr


def evaluation_record(
    model: str,
    protocol: Mapping[str, Any],
    clips: Sequence[Mapping[str, Any]],
    *,
    seeds: Mapping[int, np.ndarray] | None = None,
    data: Mapping[str, Any] | None = None,
    command: str = "python -m mgc_core evaluate --gtzan DIR",
    n_resamples: int = N_RESAMPLES,
    bootstrap_seed: int = 0,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Assemble the evaluation record of one model (or of the ensemble).

    Parameters
    ----------
    model : str
        ``"knn"``, ``"cnn"``, ``"lstm"``, ``"transfer"`` or ``"ensemble"``.
    protocol : mapping
        ``{"name", "description", "n_splits", "fold_seeds", "groups"}``, see
        :func:`mgc_core.training.choose_protocol`.
    clips : sequence of mapping
        One entry per evaluated clip: ``{"id", "genre", "probabilities", "fold"}``;
        ``probabilities`` is a (10,) array in GENRES order or a ``{genre: p}`` dict.
        These are the predictions the headline metrics and intervals are computed from
        (out-of-fold predictions of the first fold seed under cross-validation).
    seeds : mapping of int to np.ndarray [shape=(n_clips, 10)], optional
        Fold seed -> clip probabilities in the order of ``clips``, for the seed spread.
        Defaults to ``clips`` alone under ``protocol["fold_seeds"][0]``.
    data : mapping, optional
        Data summary; ``n_clips`` and ``clips_per_genre`` are filled in from ``clips``
        and ``excluded`` (clips left out as faulty) with 0 when absent.
    command : str
        The command that produced the record.
    n_resamples, bootstrap_seed : int
        Bootstrap settings of the confidence intervals.
    extra : mapping, optional
        More top-level keys (``"leaky"`` for the KNN, ``"rule"`` for the ensemble).

    Returns
    -------
    dict
        A record that passes :func:`validate_evaluation`; JSON-serialisable.
    """
    if not clips:
        raise ParameterError("clips is empty: an evaluation needs at least one clip.")
    probs = np.stack([_probabilities(c.get("probabilities"), f"clip {c.get('id')!r}")
                      for c in clips])
    try:
        y_true = np.array([GENRES.index(c["genre"]) for c in clips])
    except (KeyError, ValueError) as err:
        raise ParameterError(f"every clip needs a 'genre' among GENRES ({err}).") from err
    y_pred = probs.argmax(axis=1)
    fold_seeds = list(protocol.get("fold_seeds") or [0])
    if seeds is None:
        seeds = {int(fold_seeds[0]): probs}
    by_seed = {}
    for s, p in seeds.items():
        p = np.asarray(p)
        if p.shape != probs.shape:
            raise ParameterError(f"seed {s}: probabilities of shape {p.shape}, expected "
                                 f"{probs.shape} (one row per clip, in the order of clips).")
        by_seed[int(s)] = clip_metrics(y_true, p.argmax(axis=1))

    counts = np.bincount(y_true, minlength=_N)
    summary = dict(data or {})
    summary.setdefault("n_clips", len(clips))
    summary.setdefault("clips_per_genre", {g: int(n) for g, n in zip(GENRES, counts)})
    summary.setdefault("excluded", 0)
    record: dict[str, Any] = {
        "schema": SCHEMA,
        "model": model,
        "protocol": dict(protocol),
        "data": summary,
        "clips": [
            {
                "id": str(c["id"]),
                "genre": str(c["genre"]),
                "probabilities": {g: round(float(v), 6) for g, v in zip(GENRES, p)},
                "predicted": GENRES[int(k)],
                "fold": c.get("fold"),
            }
            for c, p, k in zip(clips, probs, y_pred)
        ],
        **metrics_with_ci(y_true, y_pred, n_resamples=n_resamples, seed=bootstrap_seed),
        "bootstrap": {"n_resamples": n_resamples, "seed": bootstrap_seed, "unit": "clip",
                      "interval": "95% percentile"},
        "seeds": seed_summary(by_seed),
        "per_genre": per_genre(y_true, y_pred),
        "confusion_matrix": confusion_matrix(y_true, y_pred).tolist(),
        "created": _now(),
        "command": command,
    }
    record.update(extra or {})
    validate_evaluation(record)
    return record


# --------------------------------------------------------------------------- validation


def _fail(what: str) -> AssetError:
    return AssetError(
        f"Invalid evaluation record: {what}. Rebuild the evaluation files with "
        "`python -m mgc_core evaluate --gtzan DIR`."
    )


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _check_metric_block(d: Mapping[str, Any], name: str, where: str = "") -> None:
    block = d.get(name)
    if not isinstance(block, Mapping) or not _number(block.get("value")):
        raise _fail(f"{where}{name!r} must be {{'value': number, 'ci95': [low, high]}}")
    ci = block.get("ci95")
    if (not isinstance(ci, list) or len(ci) != 2 or not all(_number(v) for v in ci)
            or ci[0] > ci[1]):
        raise _fail(f"{where}{name}.ci95 must be [low, high] with low <= high; got {ci!r}")
    if not 0 <= block["value"] <= 1:
        raise _fail(f"{where}{name}.value must lie in [0, 1]; got {block['value']!r}")


def _check_plain_metrics(block: Any, where: str) -> None:
    if not isinstance(block, Mapping) or not all(_number(block.get(m)) for m in METRICS):
        raise _fail(f"{where} must hold numbers for {', '.join(METRICS)}")


def validate_evaluation(d: Any) -> dict[str, Any]:
    """Check an evaluation record against the schema of :func:`evaluation_record`.

    Parameters
    ----------
    d : dict
        A record, e.g. ``json.load`` of ``assets/evaluation/knn.json``.

    Returns
    -------
    dict
        ``d``, unchanged.

    Raises
    ------
    AssetError
        Naming the first key that is missing or malformed, and the command that
        rebuilds the file.
    """
    if not isinstance(d, Mapping):
        raise _fail(f"expected a JSON object, got {type(d).__name__}")
    required = ("model", "protocol", "data", "clips", *METRICS, "seeds", "per_genre",
                "confusion_matrix", "created", "command")
    missing = [k for k in required if k not in d]
    if missing:
        raise _fail(f"missing key(s) {', '.join(missing)}")
    if not isinstance(d["model"], str) or not d["model"]:
        raise _fail("'model' must be a non-empty string")
    protocol = d["protocol"]
    if not isinstance(protocol, Mapping):
        raise _fail("'protocol' must be an object")
    for key in ("name", "description", "n_splits", "fold_seeds", "groups"):
        if key not in protocol:
            raise _fail(f"protocol lacks {key!r}")
    if not isinstance(protocol["fold_seeds"], list) or not protocol["fold_seeds"]:
        raise _fail("protocol.fold_seeds must be a non-empty list")
    data = d["data"]
    if not isinstance(data, Mapping) or not isinstance(data.get("clips_per_genre"), Mapping):
        raise _fail("data.clips_per_genre must be an object {genre: count}")
    if "excluded" not in data:
        raise _fail("data lacks 'excluded' (the number of clips left out as faulty)")
    clips = d["clips"]
    if not isinstance(clips, list) or not clips:
        raise _fail("'clips' must be a non-empty list")
    for i, c in enumerate(clips):
        if not isinstance(c, Mapping):
            raise _fail(f"clips[{i}] must be an object")
        for key in ("id", "genre", "probabilities", "predicted", "fold"):
            if key not in c:
                raise _fail(f"clips[{i}] lacks {key!r}")
        if c["genre"] not in GENRES or c["predicted"] not in GENRES:
            raise _fail(f"clips[{i}] has a genre outside GENRES")
        p = c["probabilities"]
        if (not isinstance(p, Mapping) or list(p) != list(GENRES)
                or not all(_number(v) for v in p.values())):
            raise _fail(f"clips[{i}].probabilities must map the ten GENRES, in order, to numbers")
    for name in METRICS:
        _check_metric_block(d, name)
    seeds = d["seeds"]
    if not isinstance(seeds, Mapping) or not isinstance(seeds.get("fold_seeds"), list):
        raise _fail("'seeds' must hold 'fold_seeds' and the per-seed values of each metric")
    for name in METRICS:
        block = seeds.get(name)
        if (not isinstance(block, Mapping) or not _number(block.get("mean"))
                or not _number(block.get("std"))
                or not isinstance(block.get("values"), list)
                or len(block["values"]) != len(seeds["fold_seeds"])):
            raise _fail(f"seeds.{name} must be {{'values': [one per seed], 'mean', 'std'}}")
    pg = d["per_genre"]
    if not isinstance(pg, Mapping) or list(pg) != list(GENRES):
        raise _fail("'per_genre' must have the ten GENRES as keys, in order")
    for genre, block in pg.items():
        if not isinstance(block, Mapping) or not all(
            _number(block.get(k)) for k in ("precision", "recall", "f1", "support")
        ):
            raise _fail(f"per_genre.{genre} must hold precision, recall, f1 and support")
    cm = d["confusion_matrix"]
    if (not isinstance(cm, list) or len(cm) != _N
            or not all(isinstance(r, list) and len(r) == _N for r in cm)
            or not all(isinstance(v, int) and v >= 0 for r in cm for v in r)):
        raise _fail("'confusion_matrix' must be 10 rows of 10 non-negative integer counts")
    if sum(map(sum, cm)) != len(clips):
        raise _fail(f"the confusion matrix counts {sum(map(sum, cm))} clips but 'clips' "
                    f"lists {len(clips)}")
    if "leaky" in d:
        leaky = d["leaky"]
        if not isinstance(leaky, Mapping):
            raise _fail("'leaky' must be an object")
        for key in ("segment_level", "clip_level", "honest_segment_level"):
            _check_plain_metrics(leaky.get(key), f"leaky.{key}")
    if d["model"] == "ensemble":
        if not isinstance(d.get("rule"), str):
            raise _fail("the ensemble record needs a 'rule' describing how it votes")
        weights = d.get("weights")
        if (not isinstance(weights, Mapping) or not weights
                or not all(_number(v) and v >= 0 for v in weights.values())
                or not sum(weights.values()) > 0):
            raise _fail("the ensemble record needs 'weights': {model: non-negative number}")
    return d


def write_evaluation(
    record: Mapping[str, Any], *, assets_dir: str | os.PathLike | None = None
) -> Path:
    """Validate ``record``, write ``<assets_dir>/evaluation/<model>.json`` and record it.

    Parameters
    ----------
    record : mapping
        From :func:`evaluation_record`.
    assets_dir : path-like, optional
        The assets folder holding ``manifest.json``; defaults to the bundled one.

    Returns
    -------
    Path
        The file written.
    """
    from mgc_core import assets

    validate_evaluation(record)
    root = Path(assets_dir) if assets_dir is not None else assets.ASSETS_DIR
    path = root / "evaluation" / f"{record['model']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    assets.record([path], command=record["command"], root=root,
                  data={"protocol": record["protocol"]["name"], **{
                      k: v for k, v in record["data"].items()}})
    return path


def read_evaluation(model: str, *, assets_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """Read and check ``<assets_dir>/evaluation/<model>.json`` (verified against the manifest).

    Raises
    ------
    AssetError
        If the file is missing, altered or does not follow the schema.
    """
    from mgc_core import assets

    root = Path(assets_dir) if assets_dir is not None else assets.ASSETS_DIR
    path = root / "evaluation" / f"{model}.json"
    if not path.is_file():
        raise AssetError(
            f"No evaluation of {model!r} is bundled (assets/evaluation/{model}.json is "
            f"missing). Build it with "
            f"`{assets.rebuild_command(f'evaluation/{model}.json', root=root)}`."
        )
    assets.verify(path, root=root)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as err:
        raise _fail(f"assets/evaluation/{model}.json is not valid JSON ({err})") from err
    return validate_evaluation(record)
