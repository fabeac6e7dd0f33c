"""The two jobs that write the bundled assets from a dataset.

:func:`evaluate_all` cross-validates every model (:mod:`mgc_core.evaluation.protocols`)
and writes ``assets/evaluation/<model>.json`` (and ``ensemble.json``);
:func:`train_all` fits each model on all usable clips and writes
``assets/models/<file_name>``. Both record their files in ``assets/manifest.json``.
The CLI runs them (``python -m mgc_core train|evaluate``); nothing here prints.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mgc_core.datasets.clips import ClipTable, clip_table
from mgc_core.evaluation.fitcache import FitCache
from mgc_core.evaluation.nested import ensemble_record
from mgc_core.evaluation.protocols import (
    FOLD_SEEDS,
    N_SPLITS,
    CVResult,
    Progress,
    _check_models,
    _fit_kwargs,
    _model_class,
    _noop,
    choose_protocol,
    cross_validate,
    leaky_cross_validate,
    stack_inputs,
)
from mgc_core.evaluation.records import EVALUATE_COMMAND
from mgc_core.genres import GENRES
from mgc_core.training.inputs import DEFAULT_CACHE_DIR, extract_inputs

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.datasets.gtzan import GTZAN

__all__ = [
    "EvaluationReport",
    "TrainReport",
    "CONVERT_COMMAND",
    "convert_trained",
    "evaluate_all",
    "train_all",
]


_DEFAULT_TRAIN_COMMAND = "python -m mgc_core train --gtzan DIR"
#: The command that rebuilds the served files from the bundled trained ones (what
#: :func:`convert_trained` records in the manifest).
CONVERT_COMMAND = "python -m mgc_core convert-models"


# --------------------------------------------------------------------------- orchestration


@dataclass(frozen=True)
class EvaluationReport:
    """What :func:`evaluate_all` wrote: records by model, file paths, timings (s).

    ``fits_reused`` and ``fits_made`` count the fits read from the fit cache and those
    made (and stored) in this run; both 0 without the cache.
    """

    records: dict[str, dict[str, Any]]
    paths: dict[str, Path]
    timings: dict[str, float] = field(default_factory=dict)
    fits_reused: int = 0
    fits_made: int = 0


@dataclass(frozen=True)
class TrainReport:
    """What :func:`train_all` wrote: model files by name, data summary, timings (s)."""

    paths: dict[str, Path]
    data: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)


def _clip_entries(table: ClipTable, cv: CVResult, seed: int) -> list[dict[str, Any]]:
    return [
        {"id": table.ids[c], "genre": GENRES[table.labels[c]],
         "probabilities": cv.clip_probabilities[seed][j],
         "fold": "test" if cv.folds[seed][j] < 0 else int(cv.folds[seed][j])}
        for j, c in enumerate(cv.evaluated)
    ]


def _member_seeds(
    table: ClipTable,
    inputs: Mapping[str, Sequence[np.ndarray]],
    results: Mapping[str, CVResult],
    *,
    protocol: Mapping[str, Any],
    split_ids: Mapping[str, list[str]] | None,
    progress: Progress | None,
    fit_cache: FitCache | None = None,
) -> dict[int, dict[str, np.ndarray]]:
    """Every member's out-of-fold clip probabilities on each fold seed after the first.

    Members cross-validated in this run give theirs; the others (read from their stored
    records, which hold the first seed's predictions only) are cross-validated on the
    later seeds now.
    """
    from mgc_core.models.registry import MODEL_NAMES

    later = [int(s) for s in protocol["fold_seeds"][1:]]
    missing = [m for m in MODEL_NAMES if m not in results]
    refit = (cross_validate(table, inputs, protocol={**protocol, "fold_seeds": later},
                            models=missing, split_ids=split_ids, progress=progress,
                            fit_cache=fit_cache)
             if later and missing else {})
    every = {**results, **refit}
    return {s: {m: every[m].clip_probabilities[s] for m in MODEL_NAMES} for s in later}


def evaluate_all(
    dataset: GTZAN,
    *,
    models: Sequence[str] | None = None,
    fold_seeds: Sequence[int] = FOLD_SEEDS,
    n_splits: int = N_SPLITS,
    cache_dir: str | os.PathLike | None = None,
    assets_dir: str | os.PathLike | None = None,
    command: str = EVALUATE_COMMAND,
    n_resamples: int | None = None,
    progress: Progress | None = None,
    ensemble_every_seed: bool = False,
    reuse_fits: bool = True,
) -> EvaluationReport:
    """Cross-validate models and write ``<assets_dir>/evaluation/<model>.json``.

    Writes one record per model (:func:`mgc_core.evaluation.evaluation_record`; the
    clips listed are the out-of-fold predictions of the first fold seed), adds the
    ``leaky`` comparison to the KNN's, and writes ``ensemble.json``
    (:func:`ensemble_record`, nested) when every model was evaluated or ``"ensemble"``
    is asked for; members not evaluated now are read from their stored records. Every
    file is recorded in the manifest.

    Parameters
    ----------
    dataset : mgc_core.datasets.GTZAN
    models : sequence of str, optional
        Models of :data:`~mgc_core.models.MODEL_NAMES` and/or ``"ensemble"``; all of
        them by default. ``["ensemble"]`` alone rebuilds the ensemble from the stored
        evaluations of the four models.
    fold_seeds : sequence of int
    n_splits : int
    cache_dir : path-like, optional
        Input cache (see :func:`extract_inputs`).
    assets_dir : path-like, optional
        Defaults to the bundled ``assets/``.
    command : str
        Recorded as the command that rebuilds the files.
    n_resamples : int, optional
        Bootstrap resamples (default :data:`mgc_core.evaluation.N_RESAMPLES`).
    progress : callable, optional
    ensemble_every_seed : bool
        Score the ensemble's nested weights on every fold seed, not only the first: each
        later seed needs every member's out-of-fold predictions on its folds (members not
        evaluated in this run are cross-validated on the later seeds only, their records
        left as they are) and refits every model once per pair of folds.
    reuse_fits : bool
        Keep every fit's predictions in ``<cache_dir>/fits`` and read back those made
        before with the same code, libraries, data and split
        (:class:`~mgc_core.evaluation.fitcache.FitCache`), so a rerun only fits what
        changed. False fits everything and stores nothing.

    Returns
    -------
    EvaluationReport
    """
    from mgc_core import assets
    from mgc_core.evaluation import (
        N_RESAMPLES,
        evaluation_record,
        read_evaluation,
        write_evaluation,
    )
    from mgc_core.models.registry import MODEL_NAMES, check_names

    requested = check_names(models, ensemble=True)
    with_ensemble = "ensemble" in requested or set(MODEL_NAMES) <= set(requested)
    members = [m for m in requested if m != "ensemble"]
    models = _check_models(members) if members else ()
    root = Path(assets_dir) if assets_dir is not None else assets.ASSETS_DIR
    n_resamples = n_resamples or N_RESAMPLES
    stored = {}
    if with_ensemble:  # fail early, before hours of fitting, if a member is missing
        stored = {m: read_evaluation(m, assets_dir=root) for m in MODEL_NAMES
                  if m not in models}
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    table = clip_table(dataset)
    protocol = choose_protocol(dataset, n_splits=n_splits, fold_seeds=fold_seeds)
    split_ids = dataset.split_ids() if protocol["name"] == "filtered-split" else None
    timings["clip table"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    inputs = extract_inputs(table, models=MODEL_NAMES if with_ensemble else models,
                            cache_dir=cache_dir, progress=progress)
    timings["inputs (decode, analyse, cache)"] = time.perf_counter() - t0
    fit_cache = (FitCache(Path(cache_dir or DEFAULT_CACHE_DIR) / "fits")
                 if reuse_fits else None)
    results = {} if not models else cross_validate(
        table, inputs, protocol=protocol, models=models, split_ids=split_ids,
        progress=progress, fit_cache=fit_cache)
    for name, cv in results.items():
        timings[f"cross-validation {name}"] = cv.seconds
    data = table.summary()
    seed0 = int(protocol["fold_seeds"][0])
    records, paths = {}, {}
    for name, cv in results.items():
        extra = {}
        if name == "knn":
            t0 = time.perf_counter()
            extra["leaky"] = leaky_cross_validate(table, inputs[name], model=name, honest=cv,
                                                  n_splits=n_splits, seed=seed0,
                                                  progress=progress, fit_cache=fit_cache)
            timings["leaky split knn"] = time.perf_counter() - t0
        records[name] = evaluation_record(
            name, protocol, _clip_entries(table, cv, seed0), seeds=cv.clip_probabilities,
            data=data, command=command, n_resamples=n_resamples, extra=extra,
        )
    if with_ensemble:
        t0 = time.perf_counter()
        every_seed = None
        if ensemble_every_seed:
            every_seed = _member_seeds(table, inputs, results, protocol=protocol,
                                       split_ids=split_ids, progress=progress,
                                       fit_cache=fit_cache)
            if refitted := [m for m in MODEL_NAMES if m not in results]:
                timings[f"cross-validation {', '.join(refitted)} (ensemble's later seeds)"] = (
                    time.perf_counter() - t0)
                t0 = time.perf_counter()
        records["ensemble"] = ensemble_record(
            table, inputs, {**stored, **records}, protocol=protocol, split_ids=split_ids, data=data,
            command=command, n_resamples=n_resamples, progress=progress, seeds=every_seed,
            fit_cache=fit_cache)
        timings["ensemble (nested weights)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for name, record in records.items():
        paths[name] = write_evaluation(record, assets_dir=root)
    timings["write records"] = time.perf_counter() - t0
    return EvaluationReport(records=records, paths=paths, timings=timings,
                            fits_reused=fit_cache.hits if fit_cache else 0,
                            fits_made=fit_cache.misses if fit_cache else 0)


def train_all(
    dataset: GTZAN,
    *,
    models: Sequence[str] | None = None,
    cache_dir: str | os.PathLike | None = None,
    assets_dir: str | os.PathLike | None = None,
    command: str = _DEFAULT_TRAIN_COMMAND,
    progress: Progress | None = None,
) -> TrainReport:
    """Fit each model on all usable clips and bundle it as ``assets/models/<file_name>``.

    A model that learns nothing (``trainable = False``, the zero-shot AudioSet model) is
    skipped: its files come from ``python -m mgc_core convert-efficientat``.

    Each model is fitted on the segments of every usable clip with ``groups`` (artist
    group per segment) and ``clips`` when its ``fit`` accepts it, saved with its own
    :meth:`~mgc_core.models.base.GenreModel.save`, and recorded in the manifest with
    the command, a data summary (clips per genre, excluded, the evaluation protocol),
    library versions and the date.

    Parameters
    ----------
    dataset : mgc_core.datasets.GTZAN
    models : sequence of str, optional
        Defaults to all of :data:`~mgc_core.models.MODEL_NAMES`.
    cache_dir : path-like, optional
        Input cache (see :func:`extract_inputs`).
    assets_dir : path-like, optional
        Defaults to the bundled ``assets/``.
    command : str
        Recorded as the command that rebuilds the files.
    progress : callable, optional
        ``progress("inputs", ...)``, then ``progress("fit", done_models, n_models)``.

    Returns
    -------
    TrainReport
    """
    from mgc_core import assets
    from mgc_core.models import MODEL_NAMES

    models = tuple(m for m in _check_models(models if models is not None else MODEL_NAMES)
                   if _model_class(m).trainable)  # zero-shot: nothing to fit
    progress = progress or _noop
    root = Path(assets_dir) if assets_dir is not None else assets.ASSETS_DIR
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    table = clip_table(dataset)
    protocol = choose_protocol(dataset)
    data = {**table.summary(), "protocol": protocol["name"],
            "trained_on": "all usable clips (present minus excluded as faulty)"}
    timings["clip table"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    inputs = extract_inputs(table, models=models, cache_dir=cache_dir, progress=progress)
    timings["inputs (decode, analyse, cache)"] = time.perf_counter() - t0
    paths = {}
    progress("fit", 0, len(models))
    for k, name in enumerate(models):
        t0 = time.perf_counter()
        cls = _model_class(name)
        X, clip_of = stack_inputs(inputs[name])
        arrays = {"groups": np.asarray(table.groups, dtype=object)[clip_of],
                  "clips": np.asarray(table.ids, dtype=object)[clip_of]}
        model = cls().fit(X, table.labels[clip_of], **_fit_kwargs(cls, arrays))
        timings[f"fit {name}"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        path = root / "models" / cls.file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        model.save(path)
        assets.record(cls.saved_files(path), command=command, data=data, root=root)
        timings[f"save {name}"] = time.perf_counter() - t0
        paths[name] = path
        progress("fit", k + 1, len(models))
    return TrainReport(paths=paths, data=data, timings=timings)


def convert_trained(
    models: Sequence[str] | None = None,
    *,
    assets_dir: str | os.PathLike | None = None,
    command: str = CONVERT_COMMAND,
) -> dict[str, Path]:
    """Rebuild the files the app serves from the bundled trained files, without training.

    The CNN and LSTM (``.keras``) are converted to LiteRT (``.tflite``); the KNN and the
    transfer head (``.skops``) to their arrays (``.npz``, :mod:`mgc_core.models.heads`).
    ``train`` writes both files; this rebuilds the served one from a bundled trained
    file (checked against the manifest first) and records it in the manifest with the
    trained file's data summary.

    Parameters
    ----------
    models : sequence of str, optional
        Model names; by default every model served from a converted file.
    assets_dir : path-like, optional
        Defaults to the bundled ``assets/``.
    command : str
        Recorded as the command that rebuilds the files.

    Returns
    -------
    dict of str to Path
        The served file written, by model name.

    Raises
    ------
    ParameterError
        If a model given is not served from a converted file.
    AssetError
        If its trained file is missing or altered.
    """
    from mgc_core import assets
    from mgc_core.errors import ParameterError
    from mgc_core.models import MODEL_NAMES

    root = Path(assets_dir) if assets_dir is not None else assets.ASSETS_DIR
    converted = [m for m in MODEL_NAMES if _model_class(m).served_suffix]
    names = tuple(models) if models is not None else tuple(converted)
    wrong = [m for m in names if m not in converted]
    if wrong:
        raise ParameterError(f"{', '.join(wrong)}: no trained file to convert; choose among "
                             f"{', '.join(converted)}.")
    written = {}
    for name in names:
        cls = _model_class(name)
        source = root / "models" / cls.file_name
        assets.verify(source, root=root)
        entry = assets.read_manifest(root / assets.MANIFEST)["files"][f"models/{source.name}"]
        out = cls.served_path(source)
        cls.load(source).save_served(out)
        assets.record([out], command=command, root=root,
                      data={**entry.get("data", {}), "converted_from": f"models/{source.name}"})
        written[name] = out
    return written
