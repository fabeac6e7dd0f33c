"""The evaluation files the app shows: their JSON schema, checks, reading and writing.

:func:`evaluation_record` assembles one ``assets/evaluation/<model>.json`` record
(schema :data:`SCHEMA`), :func:`validate_evaluation` checks one, and
:func:`write_evaluation` writes it and records it in ``assets/manifest.json``.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from mgc_core.errors import AssetError, ParameterError
from mgc_core.evaluation.metrics import (
    _N,
    METRICS,
    N_RESAMPLES,
    clip_metrics,
    confusion_matrix,
    metrics_with_ci,
    per_genre,
    seed_summary,
)
from mgc_core.genres import GENRES

__all__ = [
    "Score",
    "SeedSpread",
    "ClipPrediction",
    "Evaluation",
    "evaluation_path",
    "load_evaluation",
    "SCHEMA",
    "GROUPS",
    "EVALUATE_COMMAND",
    "evaluation_record",
    "validate_evaluation",
    "write_evaluation",
    "read_evaluation",
]

#: Version tag stored in every evaluation file.
SCHEMA = "mgc.evaluation/1"
#: The command that writes the evaluation files (recorded in each one).
EVALUATE_COMMAND = "python -m mgc_core evaluate --gtzan DIR"
#: What the cross-validation groups by.
GROUPS = "artist (Sturm 2012 index)"


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
        :func:`mgc_core.evaluation.protocols.choose_protocol`.
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
    path = evaluation_path(record["model"], assets_dir=root)
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
    path = evaluation_path(model, assets_dir=root)
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


# --------------------------------------------------------------------------- typed view


@dataclass(frozen=True)
class Score:
    """One headline metric with its 95 % bootstrap interval."""

    value: float
    low: float
    high: float


@dataclass(frozen=True)
class SeedSpread:
    """One metric over the fold seeds of the repeated cross-validation."""

    values: tuple[float, ...]
    mean: float
    std: float


@dataclass(frozen=True)
class ClipPrediction:
    """A model's stored out-of-fold prediction for one clip.

    ``fold`` is the clip's fold (``"test"`` under a fixed split).
    """

    id: str
    genre: str
    predicted: str
    probabilities: Mapping[str, float]
    fold: int | str | None

    @property
    def right(self) -> bool:
        """Whether the prediction is the clip's genre."""
        return self.predicted == self.genre


@dataclass(frozen=True, eq=False)
class Evaluation:
    """A stored evaluation, checked and typed: what the pages and the CLI read.

    Build one with :meth:`from_record` (or :func:`load_evaluation`); the JSON record
    it came from stays available as :attr:`record` (read-only).

    Attributes
    ----------
    model : str
        A model name or ``"ensemble"``.
    protocol : mapping
        ``{"name", "description", "n_splits", "fold_seeds", "groups"}``.
    data : mapping
        ``{"n_clips", "clips_per_genre", "excluded", ...}``.
    clips : tuple of ClipPrediction
        The out-of-fold predictions the scores come from.
    scores : mapping of str to Score
        :data:`~mgc_core.evaluation.metrics.METRICS` -> value and interval.
    fold_seeds : tuple of int
    seeds : mapping of str to SeedSpread
        Each metric over the fold seeds.
    per_genre : mapping
        Genre -> ``{"precision", "recall", "f1", "support"}``, in GENRES order.
    confusion : np.ndarray [shape=(10, 10), dtype=int]
        Rows true, columns predicted (read-only).
    created, command : str
        When and by what command the file was made.
    leaky : mapping or None
        The leaky protocol's figures (KNN only).
    rule : str or None
        The ensemble's rule (ensemble only).
    weights : mapping of str to float or None
        The ensemble's weights used by the app (ensemble only).
    weights_by_fold : mapping of str to mapping, or None
        The weights chosen inside each outer training part (ensemble only).
    """

    model: str
    protocol: Mapping[str, Any]
    data: Mapping[str, Any]
    clips: tuple[ClipPrediction, ...]
    scores: Mapping[str, Score]
    fold_seeds: tuple[int, ...]
    seeds: Mapping[str, SeedSpread]
    per_genre: Mapping[str, Mapping[str, float]]
    confusion: np.ndarray
    created: str
    command: str
    leaky: Mapping[str, Any] | None
    rule: str | None
    weights: Mapping[str, float] | None
    weights_by_fold: Mapping[str, Mapping[str, float]] | None
    record: Mapping[str, Any]

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Evaluation:
        """Check ``record`` (:func:`validate_evaluation`) and type it.

        Raises
        ------
        AssetError
            If the record does not follow the schema.
        """
        d = validate_evaluation(record)
        confusion = np.array(d["confusion_matrix"], dtype=np.int64)
        confusion.flags.writeable = False
        ro = MappingProxyType
        return cls(
            model=d["model"],
            protocol=ro(dict(d["protocol"])),
            data=ro(dict(d["data"])),
            clips=tuple(ClipPrediction(id=c["id"], genre=c["genre"], predicted=c["predicted"],
                                       probabilities=ro(dict(c["probabilities"])),
                                       fold=c["fold"]) for c in d["clips"]),
            scores=ro({m: Score(float(d[m]["value"]), float(d[m]["ci95"][0]),
                                float(d[m]["ci95"][1])) for m in METRICS}),
            fold_seeds=tuple(int(s) for s in d["seeds"]["fold_seeds"]),
            seeds=ro({m: SeedSpread(tuple(float(v) for v in d["seeds"][m]["values"]),
                                    float(d["seeds"][m]["mean"]), float(d["seeds"][m]["std"]))
                      for m in METRICS}),
            per_genre=ro({g: ro(dict(v)) for g, v in d["per_genre"].items()}),
            confusion=confusion,
            created=str(d["created"]),
            command=str(d["command"]),
            leaky=ro(dict(d["leaky"])) if "leaky" in d else None,
            rule=d.get("rule"),
            weights=ro({k: float(v) for k, v in d["weights"].items()}) if "weights" in d
            else None,
            weights_by_fold=ro({str(f): ro(dict(w)) for f, w in d["weights_by_fold"].items()})
            if "weights_by_fold" in d else None,
            record=ro(dict(d)),
        )

    @property
    def balanced_accuracy(self) -> Score:
        """The headline figure: balanced accuracy (mean per-genre recall) with its interval."""
        return self.scores["balanced_accuracy"]

    def clip(self, clip_id: str) -> ClipPrediction | None:
        """The stored prediction for ``clip_id``, or None when the clip was not evaluated."""
        return self._by_id.get(clip_id)

    @property
    def _by_id(self) -> dict[str, ClipPrediction]:
        by_id = self.__dict__.get("_by_id_cache")
        if by_id is None:
            by_id = {c.id: c for c in self.clips}
            object.__setattr__(self, "_by_id_cache", by_id)
        return by_id


def evaluation_path(model: str, *, assets_dir: str | os.PathLike | None = None) -> Path:
    """Path of the evaluation of ``model`` (or ``"ensemble"``): ``<assets>/evaluation/<name>.json``."""
    from mgc_core import assets

    root = Path(assets_dir) if assets_dir is not None else assets.ASSETS_DIR
    return root / "evaluation" / f"{model}.json"


def load_evaluation(model: str, *, assets_dir: str | os.PathLike | None = None) -> Evaluation:
    """Read, verify and type the evaluation of ``model`` (see :func:`read_evaluation`).

    Raises
    ------
    AssetError
        If the file is missing, altered or does not follow the schema; the message
        names the file and the command that rebuilds it.
    """
    return Evaluation.from_record(read_evaluation(model, assets_dir=assets_dir))
