"""Evaluation protocols: how a model is fitted and scored without seeing its test clips.

1. :func:`choose_protocol`: when every id of the fault-filtered split's three lists
   is present, train on ``train``, select on ``valid`` and report ``test``;
   otherwise artist-grouped, stratified 5-fold cross-validation, repeated for fold
   seeds 0, 1 and 2.
2. :func:`cross_validate`: out-of-fold segment and clip predictions of each model.
   A clip's segments always stay with their clip, and a clip with its artist, so no
   track and no artist is on both sides of a split.
3. :func:`leaky_cross_validate` runs the *same* pipeline with the split done the way
   many tutorials do it (random folds of 3-s segments), to show how much that
   inflates the scores.

Models are fitted for evaluation in one place (``_run_folds``): the honest and the
leaky protocols differ only in the splits they pass. Nothing here prints; long steps
report through a ``progress(stage, done, total)`` callback.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from mgc_core.datasets.clips import ClipTable
from mgc_core.errors import MGCError, ParameterError
from mgc_core.evaluation.splits import N_SPLITS, grouped_folds
from mgc_core.genres import GENRES

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.datasets.gtzan import GTZAN
    from mgc_core.evaluation.fitcache import FitCache

__all__ = [
    "FOLD_SEEDS",
    "N_SPLITS",
    "Progress",
    "choose_protocol",
    "CVResult",
    "stack_inputs",
    "cross_validate",
    "leaky_cross_validate",
]


#: Fold seeds of the repeated cross-validation.
FOLD_SEEDS: tuple[int, ...] = (0, 1, 2)

#: ``progress(stage, done, total)``, called as long steps advance.
Progress = Callable[[str, int, int], None]


def _noop(stage: str, done: int, total: int) -> None:
    return None


def _check_models(models: Sequence[str]) -> tuple[str, ...]:
    from mgc_core.models.registry import check_names

    return check_names(models)


def _model_class(name: str) -> type:
    from mgc_core.models import model_class

    return model_class(name)


# --------------------------------------------------------------------------- protocol


def choose_protocol(
    dataset: GTZAN,
    *,
    n_splits: int = N_SPLITS,
    fold_seeds: Sequence[int] = FOLD_SEEDS,
) -> dict[str, Any]:
    """Pick the evaluation protocol that the data allows, and describe it.

    Parameters
    ----------
    dataset : mgc_core.datasets.GTZAN
    n_splits : int >= 2
        Folds of the cross-validation.
    fold_seeds : sequence of int
        Seeds of the repeated cross-validation.

    Returns
    -------
    dict
        ``{"name", "description", "n_splits", "fold_seeds", "groups"}``; ``name`` is
        ``"filtered-split"`` when every id of the fault-filtered split's three lists
        is present (then also ``"split"``: ids per part), else ``"grouped-cv"``.
    """
    from mgc_core.evaluation.records import GROUPS

    if not isinstance(n_splits, int) or n_splits < 2:
        raise ParameterError(f"n_splits must be an integer >= 2; got {n_splits!r}.")
    seeds = [int(s) for s in fold_seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise ParameterError(f"fold_seeds must be distinct integers; got {list(fold_seeds)!r}.")
    parts = dataset.split_ids()
    if all(parts.values()) and all(t in dataset.tracks for ids in parts.values() for t in ids):
        return {
            "name": "filtered-split",
            "description": (
                "The fault-filtered split of Kereliuk, Sturm and Larsen (2015): each model "
                "is trained on the 'train' clips, its settings are chosen on the 'valid' "
                "clips, and it is scored once on the 'test' clips, which it never saw. The "
                "split keeps each artist on one side only and leaves out faulty clips."
            ),
            "n_splits": 1,
            "fold_seeds": seeds[:1],
            "groups": GROUPS,
            "split": {k: len(v) for k, v in parts.items()},
        }
    held = sum(t in dataset.tracks for ids in parts.values() for t in ids)
    total = sum(len(v) for v in parts.values())
    return {
        "name": "grouped-cv",
        "description": (
            f"Artist-grouped {n_splits}-fold cross-validation. The usable clips are dealt "
            f"into {n_splits} parts so that every artist's songs stay in one part and each "
            f"part keeps about the same mix of genres. Each model is trained {n_splits} "
            "times, each time on four parts, and predicts the clips of the part it did not "
            "see; so every clip gets a prediction from a model that never heard that clip "
            "or its artist. The 3-second segments of a clip always stay with their clip. "
            f"The whole procedure is repeated with {len(seeds)} different shuffles (fold "
            "seeds) to show how much the scores move by chance. (The standard fault-filtered "
            f"split cannot be used: only {held} of its {total} clips are present.)"
        ),
        "n_splits": n_splits,
        "fold_seeds": seeds,
        "groups": GROUPS,
    }


def stack_inputs(per_clip: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate per-clip inputs into segments.

    Returns
    -------
    X : np.ndarray [shape=(n_segments, ...)]
    clip_of : np.ndarray [shape=(n_segments,), dtype=int]
        Index (into the clip table) of each segment's clip.
    """
    if not per_clip:
        raise ParameterError("per_clip is empty: there are no clips to stack.")
    X = np.concatenate([np.asarray(x) for x in per_clip], axis=0)
    clip_of = np.repeat(np.arange(len(per_clip)), [len(x) for x in per_clip])
    return X, clip_of


def _fit_kwargs(cls: type, available: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``available`` that ``cls.fit`` accepts (always ``groups``)."""
    params = inspect.signature(cls.fit).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    return {k: v for k, v in available.items()
            if k == "groups" or takes_any or k in params}


def _run_folds(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    fit_arrays: Mapping[str, np.ndarray],
    splits: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    fixed: Mapping[str, Any] | None = None,
    stage: str,
    progress: Progress,
    cache: FitCache | None = None,
    data_key: str | None = None,
) -> np.ndarray:
    """Out-of-fold segment probabilities of model ``name`` over the given splits.

    This is the one place models are fitted for evaluation: the honest and the leaky
    evaluations differ only in the ``splits`` they pass. ``fit_arrays`` holds
    per-segment arrays (``groups``, ``clips``) passed to ``fit`` restricted to the
    training segments, when ``fit`` accepts them; ``fixed`` holds arguments passed as
    they are (``validation`` under the filtered split), when ``fit`` accepts them.

    With a ``cache`` (:class:`~mgc_core.evaluation.fitcache.FitCache`), each split's
    predictions are read from it when present and stored after fitting otherwise;
    ``data_key`` is the :func:`~mgc_core.evaluation.fitcache.data_digest` of ``X``,
    ``y``, ``fit_arrays`` and ``fixed`` (computed here when not given).
    """
    cls = _model_class(name)
    kwargs = _fit_kwargs(cls, fit_arrays)
    constant = _fit_kwargs(cls, fixed or {})
    if cache is not None and data_key is None:
        data_key = _data_key(X, y, fit_arrays, fixed)
    oof = np.full((len(y), len(GENRES)), np.nan, dtype=np.float64)
    progress(stage, 0, len(splits))
    for k, (train, test) in enumerate(splits):
        key = (cache.key(name, data_key, train, test, model_class=cls)
               if cache is not None else "")
        p = cache.get(name, key, (len(test), len(GENRES))) if cache is not None else None
        if p is None:
            model = cls().fit(X[train], y[train], **{a: v[train] for a, v in kwargs.items()},
                              **constant)
            p = np.asarray(model.predict_proba(X[test]), dtype=np.float64)
            if p.shape != (len(test), len(GENRES)):
                raise MGCError(f"The {name} model's predict_proba returned shape {p.shape}; "
                               f"expected ({len(test)}, {len(GENRES)}) (a bug in the model "
                               "class).")
            if cache is not None and np.isfinite(p).all():
                cache.put(name, key, p)
        oof[test] = p
        progress(stage, k + 1, len(splits))
    tested = np.concatenate([np.asarray(test) for _, test in splits])
    if np.isnan(oof[tested]).any():
        raise MGCError(f"The {name} model returned NaN probabilities; check its inputs and fit.")
    return oof


def _data_key(
    X: np.ndarray, y: np.ndarray, fit_arrays: Mapping[str, np.ndarray],
    fixed: Mapping[str, Any] | None = None,
) -> str:
    """The :class:`FitCache` digest of one model's evaluation data."""
    from mgc_core.evaluation.fitcache import data_digest

    return data_digest(X, y, dict(fit_arrays), dict(fixed or {}))


def _pool(seg_probs: np.ndarray, clip_of: np.ndarray, clips: np.ndarray) -> np.ndarray:
    from mgc_core.models.frontend import pool_segments

    return np.stack([pool_segments(seg_probs[clip_of == c]) for c in clips]).astype(np.float64)


@dataclass(frozen=True, eq=False)
class CVResult:
    """Out-of-fold predictions of one model.

    Attributes
    ----------
    model : str
    protocol : dict
        From :func:`choose_protocol`.
    evaluated : np.ndarray [shape=(m,), dtype=int]
        Clip indices (into the table) that have predictions: all clips under
        cross-validation, the test clips under the fixed split.
    folds : dict of int to np.ndarray [shape=(m,)]
        Fold seed -> fold of each evaluated clip (``-1`` marks the fixed test part).
    clip_probabilities : dict of int to np.ndarray [shape=(m, 10)]
        Fold seed -> pooled out-of-fold clip probabilities.
    segment_probabilities : dict of int to np.ndarray [shape=(n_segments, 10)]
        Fold seed -> out-of-fold segment probabilities (NaN for segments not evaluated).
    clip_of : np.ndarray [shape=(n_segments,)]
        Clip index of each segment.
    seconds : float
        Wall time of the fits and predictions.
    """

    model: str
    protocol: dict[str, Any]
    evaluated: np.ndarray
    folds: dict[int, np.ndarray]
    clip_probabilities: dict[int, np.ndarray]
    segment_probabilities: dict[int, np.ndarray]
    clip_of: np.ndarray
    seconds: float


def _honest_splits(
    table: ClipTable, clip_of: np.ndarray, protocol: Mapping[str, Any], seed: int,
    dataset_parts: Mapping[str, list[str]] | None,
) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray, np.ndarray]:
    """Segment splits, evaluated clips and their folds for one fold seed."""
    if protocol["name"] == "filtered-split":
        position = {t: i for i, t in enumerate(table.ids)}
        parts = {k: np.array([position[t] for t in v if t in position], dtype=np.int64)
                 for k, v in (dataset_parts or {}).items()}
        train = np.flatnonzero(np.isin(clip_of, parts["train"]))
        test = np.flatnonzero(np.isin(clip_of, parts["test"]))
        evaluated = np.sort(parts["test"])
        return [(train, test)], evaluated, np.full(len(evaluated), -1)
    folds = grouped_folds(table, n_splits=int(protocol["n_splits"]), seed=seed)
    seg_folds = folds[clip_of]
    splits = [(np.flatnonzero(seg_folds != k), np.flatnonzero(seg_folds == k))
              for k in range(int(protocol["n_splits"]))]
    return splits, np.arange(len(table)), folds


def cross_validate(
    table: ClipTable,
    inputs: Mapping[str, Sequence[np.ndarray]],
    *,
    protocol: Mapping[str, Any],
    models: Sequence[str] | None = None,
    split_ids: Mapping[str, list[str]] | None = None,
    progress: Progress | None = None,
    fit_cache: FitCache | None = None,
) -> dict[str, CVResult]:
    """Out-of-fold predictions of each model under ``protocol``.

    Under ``"grouped-cv"``, for each fold seed the clips are dealt into folds by
    :func:`grouped_folds`; each fold's model (``model_class(name)()``) is fitted on the
    other folds' segments with their labels, ``groups`` (the artist group of each
    segment's clip) and, if its ``fit`` accepts it, ``clips`` (the clip id of each
    segment); its segment probabilities on the held-out fold are pooled per clip with
    :func:`~mgc_core.models.frontend.pool_segments`. Under ``"filtered-split"`` the
    model is fitted on the ``train`` clips (given ``validation=(X, y)`` of the
    ``valid`` clips if its ``fit`` accepts it) and predicts the ``test`` clips.

    Parameters
    ----------
    table : ClipTable
    inputs : mapping of str to list of np.ndarray
        From :func:`extract_inputs`.
    protocol : mapping
        From :func:`choose_protocol`.
    models : sequence of str, optional
        Defaults to every model in ``inputs``.
    split_ids : mapping, optional
        ``dataset.split_ids()``; needed by the ``"filtered-split"`` protocol.
    progress : callable, optional
        ``progress("cv <model> seed <s>", done_folds, n_folds)``.
    fit_cache : FitCache, optional
        Fits already made with the same code, data and split are read from it.

    Returns
    -------
    dict of str to CVResult
    """
    models = _check_models(models if models is not None else list(inputs))
    progress = progress or _noop
    if protocol["name"] == "filtered-split" and not split_ids:
        raise ParameterError("The filtered-split protocol needs split_ids "
                             "(dataset.split_ids()).")
    results = {}
    for name in models:
        start = time.perf_counter()
        X, clip_of = stack_inputs(inputs[name])
        y = table.labels[clip_of]
        arrays = {"groups": np.asarray(table.groups, dtype=object)[clip_of],
                  "clips": np.asarray(table.ids, dtype=object)[clip_of]}
        fixed = (_validation(table, X, y, clip_of, split_ids)
                 if protocol["name"] == "filtered-split" else {})
        folds, clip_probs, seg_probs = {}, {}, {}
        evaluated = np.arange(len(table))
        data_key = _data_key(X, y, arrays, fixed) if fit_cache is not None else None
        for seed in protocol["fold_seeds"]:
            splits, evaluated, clip_folds = _honest_splits(table, clip_of, protocol, seed,
                                                           split_ids)
            oof = _run_folds(name, X, y, arrays, splits, fixed=fixed,
                             stage=f"cv {name} seed {seed}", progress=progress,
                             cache=fit_cache, data_key=data_key)
            folds[int(seed)] = clip_folds
            seg_probs[int(seed)] = oof
            clip_probs[int(seed)] = _pool(oof, clip_of, evaluated)
        results[name] = CVResult(
            model=name, protocol=dict(protocol), evaluated=evaluated, folds=folds,
            clip_probabilities=clip_probs, segment_probabilities=seg_probs, clip_of=clip_of,
            seconds=time.perf_counter() - start,
        )
    return results


def _validation(table, X, y, clip_of, split_ids):  # noqa: ANN001, ANN202
    """``{"validation": (X_valid, y_valid)}`` of the filtered split's valid clips, or {}."""
    position = {t: i for i, t in enumerate(table.ids)}
    valid = np.array([position[t] for t in split_ids.get("valid", []) if t in position])
    if valid.size == 0:
        return {}
    seg = np.flatnonzero(np.isin(clip_of, valid))
    return {"validation": (X[seg], y[seg])}


def leaky_cross_validate(
    table: ClipTable,
    inputs: Sequence[np.ndarray],
    *,
    model: str = "knn",
    honest: CVResult,
    n_splits: int = N_SPLITS,
    seed: int = 0,
    progress: Progress | None = None,
    fit_cache: FitCache | None = None,
) -> dict[str, Any]:
    """The same pipeline with the split done the leaky way: random folds of segments.

    :class:`sklearn.model_selection.KFold` (``shuffle=True, random_state=seed``) over
    the 3-s segments, as many tutorials do, so segments of one song land on both sides.
    Everything else (model, inputs, labels, ``fit`` arguments) is what
    :func:`cross_validate` used for ``honest``.

    Parameters
    ----------
    table : ClipTable
    inputs : list of np.ndarray
        ``extract_inputs(...)[model]``.
    model : str
    honest : CVResult
        The honest result of ``model``, for the figures shown next to the leaky ones.
    n_splits, seed : int
        Folds and seed of the random segment split.
    progress : callable, optional
    fit_cache : FitCache, optional
        Fits already made with the same code, data and split are read from it.

    Returns
    -------
    dict
        ``{"description", "split", "fold_seed", "n_segments", "segment_level",
        "clip_level", "honest_segment_level", "honest_clip_level",
        "segments_sharing_a_clip_across_the_split"}``; each ``*_level`` holds accuracy,
        balanced_accuracy and macro_f1.
    """
    from sklearn.model_selection import KFold

    from mgc_core.evaluation.metrics import clip_metrics

    progress = progress or _noop
    X, clip_of = stack_inputs(inputs)
    y = table.labels[clip_of]
    arrays = {"groups": np.asarray(table.groups, dtype=object)[clip_of],
              "clips": np.asarray(table.ids, dtype=object)[clip_of]}
    splits = list(KFold(n_splits=n_splits, shuffle=True, random_state=seed).split(X))
    oof = _run_folds(model, X, y, arrays, splits, stage=f"leaky {model}", progress=progress,
                     cache=fit_cache)
    clips = np.arange(len(table))
    leaky_clip = _pool(oof, clip_of, clips).argmax(axis=1)
    shared = sum(np.intersect1d(clip_of[tr], clip_of[te]).size for tr, te in splits)
    honest_seed = seed if seed in honest.segment_probabilities else min(
        honest.segment_probabilities)
    h_seg = honest.segment_probabilities[honest_seed]
    evaluated_segments = np.flatnonzero(~np.isnan(h_seg).any(axis=1))
    return {
        "description": (
            "The same KNN pipeline (same features, same model, same training settings), "
            f"scored with a random {n_splits}-fold split of the 3-second segments instead of "
            "the artist-grouped split. Segments of one song then sit on both sides, so the "
            "model is partly tested on songs it was trained on: the scores go up, but they "
            "no longer say how it does on new music."
        ),
        "split": f"KFold(n_splits={n_splits}, shuffle=True, random_state={seed}) over segments",
        "fold_seed": int(seed),
        "n_segments": int(len(y)),
        "clips_on_both_sides": int(shared),
        "segment_level": clip_metrics(y, oof.argmax(axis=1)),
        "clip_level": clip_metrics(table.labels, leaky_clip),
        "honest_segment_level": clip_metrics(y[evaluated_segments],
                                             h_seg[evaluated_segments].argmax(axis=1)),
        "honest_clip_level": clip_metrics(
            table.labels[honest.evaluated],
            honest.clip_probabilities[honest_seed].argmax(axis=1)),
    }
