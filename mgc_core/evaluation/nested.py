"""The nested evaluation of the ensemble rule.

Inside each outer training part, the ensemble's weights are chosen on predictions
from models that saw neither the outer test fold nor the clip being predicted
(:func:`inner_predictions`); :func:`ensemble_record` scores the rule that way and
builds ``assets/evaluation/ensemble.json``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from mgc_core.datasets.clips import ClipTable
from mgc_core.errors import ParameterError
from mgc_core.evaluation.protocols import (
    Progress,
    _data_key,
    _noop,
    _pool,
    _run_folds,
    stack_inputs,
)
from mgc_core.evaluation.records import EVALUATE_COMMAND
from mgc_core.evaluation.splits import grouped_folds
from mgc_core.genres import GENRES

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.evaluation.fitcache import FitCache

__all__ = [
    "inner_predictions",
    "ensemble_record",
]


def inner_predictions(
    table: ClipTable,
    inputs: Mapping[str, Sequence[np.ndarray]],
    *,
    models: Sequence[str],
    folds: np.ndarray,
    evaluated: np.ndarray,
    split_ids: Mapping[str, list[str]] | None = None,
    progress: Progress | None = None,
    fit_cache: FitCache | None = None,
) -> tuple[dict[int, list[np.ndarray]], dict[int, np.ndarray]]:
    """Predictions of each outer training part by models that did not see them.

    What :func:`mgc_core.evaluation.ensemble.nested_ensemble` chooses its weights on. Under
    grouped cross-validation (``folds`` >= 0) each model is fitted once per pair of
    folds ``(a, b)`` on the other folds; that fit predicts fold ``b`` for outer fold
    ``a`` and fold ``a`` for outer fold ``b``. Under the fixed split (``folds`` all
    -1) each model is fitted on the ``train`` clips and predicts the ``valid`` ones.

    Parameters
    ----------
    table : ClipTable
    inputs : mapping of str to list of np.ndarray
        From :func:`extract_inputs`.
    models : sequence of str
    folds : np.ndarray [shape=(m,)]
        Outer fold of each evaluated clip.
    evaluated : np.ndarray [shape=(m,)]
        Clip indices (into the table) of the evaluated clips.
    split_ids : mapping, optional
        ``dataset.split_ids()``; needed under the fixed split.
    progress : callable, optional
    fit_cache : FitCache, optional
        Fits already made with the same code, data and split are read from it.

    Returns
    -------
    inner : dict of int to list of np.ndarray [shape=(m_f, 10)]
        Outer fold -> one array per model (in ``models`` order).
    inner_y : dict of int to np.ndarray [shape=(m_f,)]
        Outer fold -> true genres of those clips.
    """
    progress = progress or _noop
    folds, evaluated = np.asarray(folds), np.asarray(evaluated)
    if (folds < 0).all():
        position = {t: i for i, t in enumerate(table.ids)}
        parts = {k: np.array([position[t] for t in (split_ids or {}).get(k, []) if t in position],
                             dtype=np.int64) for k in ("train", "valid")}
        if not parts["train"].size or not parts["valid"].size:
            raise ParameterError("The fixed split needs 'train' and 'valid' clips to choose "
                                 "the ensemble's weights; pass split_ids=dataset.split_ids().")
        jobs = [(parts["train"], {-1: parts["valid"]})]
    else:
        ks = np.unique(folds)
        jobs = [(evaluated[~np.isin(folds, (a, b))],
                 {int(a): evaluated[folds == b], int(b): evaluated[folds == a]})
                for a, b in itertools.combinations(ks, 2)]
    inner: dict[int, list[np.ndarray]] = {}
    inner_clips: dict[int, list[np.ndarray]] = {}
    for name in models:
        X, clip_of = stack_inputs(inputs[name])
        y = table.labels[clip_of]
        arrays = {"groups": np.asarray(table.groups, dtype=object)[clip_of],
                  "clips": np.asarray(table.ids, dtype=object)[clip_of]}
        preds: dict[int, list[np.ndarray]] = {}
        clips_of_fold: dict[int, list[np.ndarray]] = {}
        data_key = _data_key(X, y, arrays) if fit_cache is not None else None
        stage = f"ensemble weights: inner {name}"
        progress(stage, 0, len(jobs))
        for k, (fit_clips, targets) in enumerate(jobs):
            test_clips = np.concatenate(list(targets.values()))
            split = (np.flatnonzero(np.isin(clip_of, fit_clips)),
                     np.flatnonzero(np.isin(clip_of, test_clips)))
            seg = _run_folds(name, X, y, arrays, [split], stage=stage, progress=_noop,
                             cache=fit_cache, data_key=data_key)
            for f, clips in targets.items():
                preds.setdefault(f, []).append(_pool(seg, clip_of, clips))
                clips_of_fold.setdefault(f, []).append(clips)
            progress(stage, k + 1, len(jobs))
        for f in preds:
            inner.setdefault(f, []).append(np.concatenate(preds[f]))
            inner_clips[f] = np.concatenate(clips_of_fold[f])
    inner_y = {f: table.labels[c] for f, c in inner_clips.items()}
    return inner, inner_y


def _member_predictions(
    table: ClipTable, records: Mapping[str, Mapping[str, Any]], members: Sequence[str]
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Outer probabilities, folds and clip indices read from the members' records."""
    position = {t: i for i, t in enumerate(table.ids)}
    first = records[members[0]]["clips"]
    ids = [c["id"] for c in first]
    unknown = [t for t in ids if t not in position]
    if unknown:
        raise ParameterError(f"The stored evaluation lists clips this dataset lacks "
                             f"({', '.join(unknown[:3])}); evaluate the models again.")
    folds = np.array([-1 if c["fold"] == "test" else int(c["fold"]) for c in first])
    outer = []
    for m in members:
        clips = records[m]["clips"]
        if [c["id"] for c in clips] != ids or [c["fold"] for c in clips] != [c["fold"]
                                                                         for c in first]:
            raise ParameterError(
                f"The stored evaluations of {members[0]} and {m} cover different clips or "
                "folds; evaluate every model with the same command before the ensemble."
            )
        outer.append(np.array([[c["probabilities"][g] for g in GENRES] for c in clips]))
    return outer, folds, np.array([position[t] for t in ids], dtype=np.int64)


def ensemble_record(
    table: ClipTable,
    inputs: Mapping[str, Sequence[np.ndarray]],
    records: Mapping[str, Mapping[str, Any]],
    *,
    protocol: Mapping[str, Any],
    split_ids: Mapping[str, list[str]] | None = None,
    data: Mapping[str, Any] | None = None,
    command: str = EVALUATE_COMMAND,
    n_resamples: int | None = None,
    progress: Progress | None = None,
    seeds: Mapping[int, Mapping[str, np.ndarray]] | None = None,
    fit_cache: FitCache | None = None,
) -> dict[str, Any]:
    """The evaluation record of the ensemble, scored by nested cross-validation.

    With ``seeds`` (the members' out-of-fold clip probabilities of every fold seed, as
    :func:`~mgc_core.evaluation.protocols.cross_validate` returns them) the nested
    choice is repeated for each fold seed, on that seed's folds, and the record holds
    the spread over seeds like the members'; without it (members read from their
    stored records) the first fold seed alone is scored.

    The members' out-of-fold predictions of the first fold seed come from their
    records; :func:`inner_predictions` refits the members inside each training part
    and :func:`mgc_core.evaluation.ensemble.nested_ensemble` chooses the weights there. The
    record also holds the weights the app uses (``weights``, chosen on every clip)
    and those used on each outer fold (``weights_by_fold``).

    Parameters
    ----------
    table : ClipTable
    inputs : mapping of str to list of np.ndarray
        From :func:`extract_inputs`, for every member.
    records : mapping of str to dict
        The members' evaluation records (every model of
        :data:`~mgc_core.models.MODEL_NAMES`).
    protocol : mapping
        From :func:`choose_protocol`; must be the one the records were made with.
    split_ids, data, command, n_resamples, progress
        As for :func:`evaluate_all`.
    seeds : mapping of int to mapping of str to np.ndarray, optional
        Fold seed -> member -> ``(n_evaluated, 10)`` clip probabilities, in the order of
        the records' clips; the first seed's must equal the records'.
    fit_cache : FitCache, optional
        Passed to :func:`inner_predictions`.

    Returns
    -------
    dict
    """
    from mgc_core.evaluation.ensemble import RULE, WEIGHT_STEP, nested_ensemble
    from mgc_core.evaluation.metrics import N_RESAMPLES
    from mgc_core.evaluation.records import evaluation_record
    from mgc_core.models import MODEL_NAMES

    members = list(MODEL_NAMES)
    missing = [m for m in members if m not in records]
    if missing:
        raise ParameterError(f"The ensemble needs the evaluations of {', '.join(missing)} "
                             "too; evaluate every model first.")
    seed = int(protocol["fold_seeds"][0])
    outer, folds, evaluated = _member_predictions(table, records, members)
    if protocol["name"] != "filtered-split":
        expected = grouped_folds(table, n_splits=int(protocol["n_splits"]), seed=seed)
        if not np.array_equal(expected[evaluated], folds):
            raise ParameterError("The stored evaluations were made with other folds than "
                                 "this dataset gives now; evaluate every model again.")
    y = table.labels[evaluated]
    seed_list = [seed] + ([int(s) for s in protocol["fold_seeds"][1:]] if seeds else [])
    by_seed = {}
    for s in seed_list:
        folds_s = folds if s == seed else grouped_folds(
            table, n_splits=int(protocol["n_splits"]), seed=s)[evaluated]
        outer_s = outer if s == seed else [np.asarray(seeds[s][m]) for m in members]
        inner, inner_y = inner_predictions(table, inputs, models=members, folds=folds_s,
                                           evaluated=evaluated, split_ids=split_ids,
                                           progress=progress, fit_cache=fit_cache)
        by_seed[s] = nested_ensemble(outer_s, y, folds_s, inner, inner_y, step=WEIGHT_STEP)
    nested = by_seed[seed]
    named = lambda w: {m: round(float(v), 6) for m, v in zip(members, w)}  # noqa: E731
    clips = [{"id": table.ids[c], "genre": GENRES[table.labels[c]],
              "probabilities": p, "fold": "test" if f < 0 else int(f)}
             for c, p, f in zip(evaluated, nested.probabilities, folds)]
    return evaluation_record(
        "ensemble", {**protocol, "fold_seeds": seed_list}, clips,
        seeds={s: n.probabilities for s, n in by_seed.items()},
        data=data, command=command, n_resamples=n_resamples or N_RESAMPLES,
        extra={"rule": RULE, "members": members, "weights": named(nested.weights),
               "weights_by_fold": {str(f): named(w)
                                   for f, w in nested.weights_by_fold.items()},
               "weights_by_seed": {str(s): named(n.weights) for s, n in by_seed.items()}},
    )
