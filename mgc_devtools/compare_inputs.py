"""Which segment inputs should the transfer model read? Measured on GTZAN, rerunnable.

The docstring of :mod:`mgc_core.models.transfer` compares inputs for its head; this
tool is the command its numbers come from::

    python -m mgc_devtools.compare_inputs --gtzan DIR [--limit N] [--seeds 0 1 2] \\
        [--out results.json]

For every usable GTZAN clip (:func:`~mgc_core.datasets.clips.clip_table`) it computes,
on each 3-s segment of the shared front end (:mod:`mgc_core.models.frontend`), the
parts below (:data:`PARTS`), and caches them per clip in
``.mgc_cache/compare_inputs/`` keyed by the clip file's sha256, the front end's version
and the networks' manifest sha256s, so a rerun only re-scores:

==========================  ====================================================
part                        what
==========================  ====================================================
``musicnn``                 the transfer model's musicnn part (500 values)
``audioset_embedding``,     the AudioSet tagger on the segment of the 16-kHz
``audioset_logits``         analysis, as the app runs it (384 + 527)
``window_embedding``,       the tagger on a 10-s window centred on the segment,
``window_logits``           cut from the same band-limited signal, reflect-padded
                            at the clip's ends (:func:`centred_windows`)
``full_band_embedding``,    the tagger on the segment cut from the file decoded
``full_band_logits``        straight to 32 kHz: the recording's original bandwidth
==========================  ====================================================

A variant (:data:`VARIANTS`) joins some parts; ``both`` is exactly the shipped input
(:meth:`TransferModel.inputs <mgc_core.models.transfer.TransferModel.inputs>`). Each
is scored by :func:`cross_validate`: the head the transfer model ships (a
``StandardScaler`` and a ``LogisticRegression(class_weight="balanced")``) trained on
each clip's mean input, at each fixed ``C``, over artist-grouped stratified k-fold
splits (:func:`~mgc_core.evaluation.splits.grouped_kfold`) for each fold seed; the
score of a seed is the balanced accuracy of the out-of-fold verdicts on every clip,
and a ``C``'s score is its mean over the seeds. ``zero_shot`` trains nothing: the
argmax of AudioSet's ten genre logits (:data:`~mgc_core.models.audioset.GENRE_INDEX`)
averaged over the clip's segments (:func:`zero_shot_accuracy`).

The "best" ``C`` is picked after seeing these same scores, so it flatters every
variant a little: it is for comparing inputs, not an estimate of the model's accuracy
(the shipped model chooses ``C`` by an inner CV; ``python -m mgc_core evaluate``
measures it). ``both_full_band`` is the dishonest alternative: 30 clips of small genres
exist only at 16 kHz, so bandwidth alone can name their genre.

Features take about 1-2 s a clip on one CPU; ``--limit N`` scores a genre-balanced
subset (:func:`balanced_subset`) to try the tool quickly, with fewer folds when the
subset cannot fill five (said in the output and the JSON's ``note``): a smoke test,
not numbers to quote.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
import warnings
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mgc_core.errors import AudioError, MGCError, ParameterError
from mgc_core.genres import GENRES

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.datasets.clips import ClipTable
    from mgc_core.models.transfer import TransferModel

__all__ = [
    "PARTS",
    "VARIANTS",
    "ZERO_SHOT",
    "C_VALUES",
    "SEEDS",
    "N_SPLITS",
    "WINDOW_SECONDS",
    "centred_windows",
    "segment_grid",
    "clip_parts",
    "clip_features",
    "clip_means",
    "balanced_subset",
    "max_folds",
    "cross_validate",
    "zero_shot_accuracy",
    "compare",
    "format_table",
    "main",
]

#: Width of each per-segment part kept in the cache, in the order they are stored.
PARTS: dict[str, int] = {
    "musicnn": 500,
    "audioset_embedding": 384,
    "audioset_logits": 527,
    "window_embedding": 384,
    "window_logits": 527,
    "full_band_embedding": 384,
    "full_band_logits": 527,
}
#: The segment-input variants: the parts each joins, in column order.
VARIANTS: dict[str, tuple[str, ...]] = {
    "musicnn": ("musicnn",),
    "audioset": ("audioset_embedding", "audioset_logits"),
    "both": ("musicnn", "audioset_embedding", "audioset_logits"),
    "audioset_10s": ("window_embedding", "window_logits"),
    "both_10s": ("musicnn", "window_embedding", "window_logits"),
    "both_full_band": ("musicnn", "full_band_embedding", "full_band_logits"),
}
#: The variant that trains nothing: AudioSet's own genre outputs.
ZERO_SHOT = "zero_shot"
#: Fixed inverse regularisation strengths of the head.
C_VALUES: tuple[float, ...] = (3e-4, 1e-3, 3e-3)
#: Folds of the grouped CV (fewer by default when ``--limit`` leaves too few clips).
N_SPLITS = 5
#: Seeds of the outer folds.
SEEDS: tuple[int, ...] = (0, 1, 2)
#: Length of the window centred on each segment (s).
WINDOW_SECONDS = 10.0
#: Version of this tool's feature code; part of every cache key. Bump it when
#: :func:`clip_parts` changes.
VERSION = "1"
#: The bundled networks the parts come from (their manifest sha256s key the cache).
NETWORK_FILES = ("models/musicnn_msd.tflite", "models/musicnn_mtt.tflite",
                 "models/efficientat_mn04.tflite", "models/efficientat_mn04_labels.csv")

Progress = Callable[[int, int], None]


# --------------------------------------------------------------------------- segments


def segment_grid(y: np.ndarray, *, n_segments: int, segment: int) -> np.ndarray:
    """Cut ``y`` into ``n_segments`` consecutive segments, the last zero-padded if short.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
    n_segments, segment : int > 0
        Number and length (samples) of the segments.

    Returns
    -------
    np.ndarray [shape=(n_segments, segment), dtype=float32]

    Examples
    --------
    >>> segment_grid(np.arange(5.0), n_segments=2, segment=3).tolist()
    [[0.0, 1.0, 2.0], [3.0, 4.0, 0.0]]
    """
    y = _check_signal(y)
    _check_positive_int("n_segments", n_segments)
    _check_positive_int("segment", segment)
    need = n_segments * segment
    y = np.pad(y, (0, max(0, need - y.size)))[:need]
    return y.reshape(n_segments, segment)


def centred_windows(y: np.ndarray, *, n_segments: int, segment: int, window: int) -> np.ndarray:
    """A ``window``-sample window centred on each segment, reflect-padded at the ends.

    Segment ``k`` covers ``y[k * segment:(k + 1) * segment]``; its window covers
    ``window`` samples around that segment's centre, ``y`` being mirrored (without
    repeating its edge samples, numpy's ``"reflect"``) where the window passes an end.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)], n >= 2
    n_segments, segment, window : int > 0

    Returns
    -------
    np.ndarray [shape=(n_segments, window), dtype=float32]

    Examples
    --------
    >>> centred_windows(np.arange(6.0), n_segments=2, segment=3, window=5).tolist()
    [[1.0, 0.0, 1.0, 2.0, 3.0], [2.0, 3.0, 4.0, 5.0, 4.0]]
    """
    y = _check_signal(y)
    _check_positive_int("n_segments", n_segments)
    _check_positive_int("segment", segment)
    _check_positive_int("window", window)
    if y.size < 2:
        raise ParameterError(f"y needs at least 2 samples to be reflected; got {y.size}.")
    half = window // 2
    right = window - half + max(0, n_segments * segment - y.size)
    padded = np.pad(y, (half, right), mode="reflect")
    # segment k's centre c = k * segment + segment // 2 sits at c + half in padded
    starts = np.arange(n_segments) * segment + segment // 2
    return np.stack([padded[s:s + window] for s in starts])


# --------------------------------------------------------------------------- features


def _tag_windows(model: TransferModel, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The AudioSet tagger's (embedding, logits) of 32-kHz windows of one length."""
    from mgc_core.models.efficientat_lite import mn04_logmel

    out = model.tagger().network.predict(np.stack([mn04_logmel(w) for w in windows]))
    return (np.asarray(out["embedding"], dtype=np.float32),
            np.asarray(out["logits"], dtype=np.float32))


def clip_parts(path: str | os.PathLike, *, model: TransferModel) -> dict[str, np.ndarray]:
    """Every part of :data:`PARTS` for each segment of one audio file.

    Parameters
    ----------
    path : path-like
        An audio file.
    model : TransferModel
        Its networks compute the parts (``TransferModel()`` loads the bundled ones).

    Returns
    -------
    dict of str to np.ndarray [shape=(n_segments, width), dtype=float32]

    Raises
    ------
    AudioError
        If the file cannot be decoded.
    AssetError
        If a bundled network is missing or altered.
    """
    from mgc_core.audio import load_audio
    from mgc_core.models.efficientat_lite import SR as MN04_SR
    from mgc_core.models.efficientat_lite import to_mn04_rate
    from mgc_core.models.frontend import SEGMENT_SAMPLES, SR, analyse

    front = analyse(load_audio(path, sr=SR).samples)
    n = front.n_segments
    shipped = np.asarray(model.inputs(front), dtype=np.float32)  # musicnn | embedding | logits
    edges = np.cumsum([PARTS["musicnn"], PARTS["audioset_embedding"]])
    parts = dict(zip(("musicnn", "audioset_embedding", "audioset_logits"),
                     np.split(shipped, edges, axis=1), strict=True))
    segment = SEGMENT_SAMPLES * MN04_SR // SR
    windows = centred_windows(to_mn04_rate(front.y, SR), n_segments=n, segment=segment,
                              window=round(WINDOW_SECONDS * MN04_SR))
    parts["window_embedding"], parts["window_logits"] = _tag_windows(model, windows)
    full_band = load_audio(path, sr=MN04_SR).samples  # the file's own bandwidth
    parts["full_band_embedding"], parts["full_band_logits"] = _tag_windows(
        model, segment_grid(full_band, n_segments=n, segment=segment))
    return {name: np.ascontiguousarray(parts[name]) for name in PARTS}


def _cache_version() -> str:
    from mgc_core.assets import listed_sha256
    from mgc_core.training.inputs import FEATURE_VERSION

    networks = hashlib.sha256("|".join(str(s) for s in listed_sha256(NETWORK_FILES)).encode())
    return f"{FEATURE_VERSION}-ci{VERSION}-{networks.hexdigest()[:12]}"


def _read_cached(path: Path) -> dict[str, np.ndarray] | None:
    """The parts stored at ``path``, or ``None`` when absent, unreadable or incomplete."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            parts = {name: np.array(data[name]) for name in PARTS}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
        return None  # recomputed and rewritten
    rows = {p.shape[0] for p in parts.values()}
    if len(rows) != 1 or any(p.shape[1:] != (PARTS[k],) for k, p in parts.items()):
        return None
    return parts


def _write_cached(path: Path, parts: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        np.savez(fh, **parts)
    tmp.replace(path)


def default_cache_dir() -> Path:
    """``.mgc_cache/compare_inputs/`` in the repository (git-ignored)."""
    from mgc_core.training.inputs import DEFAULT_CACHE_DIR

    return DEFAULT_CACHE_DIR / "compare_inputs"


def clip_features(
    table: ClipTable,
    *,
    cache_dir: str | os.PathLike | None = None,
    progress: Progress | None = None,
) -> list[dict[str, np.ndarray]]:
    """:func:`clip_parts` of every clip of ``table``, cached by the file's content.

    Entries are ``<cache_dir>/<sha[:2]>/<sha>.<version>.npz``, ``sha`` being the clip
    file's sha256 and ``version`` naming the front end, this tool's feature code and the
    bundled networks; the networks are loaded only if some clip is not cached.

    Parameters
    ----------
    table : ClipTable
    cache_dir : path-like, optional
        Defaults to :func:`default_cache_dir`.
    progress : callable, optional
        ``progress(done, total)`` after each clip.

    Returns
    -------
    list of dict
        One :func:`clip_parts` result per clip, in ``table`` order.

    Raises
    ------
    AudioError
        If a clip cannot be decoded (the message names it).
    """
    from mgc_core.assets import sha256_file
    from mgc_core.models.transfer import TransferModel

    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    version = _cache_version()
    model: TransferModel | None = None
    out = []
    for i, (track_id, path) in enumerate(zip(table.ids, table.paths, strict=True)):
        sha = sha256_file(path)
        entry = cache / sha[:2] / f"{sha}.{version}.npz"
        parts = _read_cached(entry)
        if parts is None:
            if model is None:
                model = TransferModel()
            try:
                parts = clip_parts(path, model=model)
            except AudioError as err:
                raise AudioError(f"GTZAN clip {track_id} ({path}) could not be decoded: {err}"
                                 ) from err
            _write_cached(entry, parts)
        out.append(parts)
        if progress is not None:
            progress(i + 1, len(table))
    return out


def clip_means(features: Sequence[dict[str, np.ndarray]], parts: Sequence[str]) -> np.ndarray:
    """Each clip's mean over its segments of the named parts, side by side.

    Returns
    -------
    np.ndarray [shape=(n_clips, total width), dtype=float64]
    """
    unknown = [p for p in parts if p not in PARTS]
    if unknown or not parts:
        raise ParameterError(f"parts must name some of {', '.join(PARTS)}; got {list(parts)}.")
    return np.stack([np.concatenate([np.asarray(f[p], dtype=np.float64).mean(axis=0)
                                     for p in parts]) for f in features])


def balanced_subset(table: ClipTable, limit: int | None) -> ClipTable:
    """The first ``limit`` clips taken in turn from each genre, in id order.

    The first clip of every genre, then the second of every genre, and so on, so that a
    small subset still holds every genre; ``None`` keeps every clip.

    Raises
    ------
    ParameterError
        If ``limit`` is not a positive integer.
    """
    from mgc_core.datasets.clips import ClipTable

    if limit is None:
        return table
    _check_positive_int("limit", limit)
    labels = np.asarray(table.labels)
    rank = np.zeros(labels.size, dtype=np.int64)
    for g in np.unique(labels):
        rank[labels == g] = np.arange(np.sum(labels == g))
    keep = np.sort(np.lexsort((labels, rank))[:limit])
    return ClipTable(ids=tuple(table.ids[i] for i in keep), labels=labels[keep],
                     groups=tuple(table.groups[i] for i in keep),
                     paths=tuple(table.paths[i] for i in keep), excluded=table.excluded)


# --------------------------------------------------------------------------- scoring


def max_folds(y: np.ndarray, groups: np.ndarray) -> int:
    """The most folds stratified grouped k-fold can make of these rows.

    Each fold needs a group of its own, and scikit-learn's stratified splitter needs
    some genre with at least one row per fold.

    Examples
    --------
    >>> max_folds(np.array([0, 0, 0, 1, 1]), np.array(["a", "b", "c", "d", "d"]))
    3
    """
    y = np.asarray(y)
    if y.size == 0:
        return 0
    return int(min(np.unique(y, return_counts=True)[1].max(),
                   np.unique(np.asarray(groups).astype(str)).size))


def cross_validate(
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    *,
    c_values: Sequence[float] = C_VALUES,
    seeds: Sequence[int] = SEEDS,
    n_splits: int = N_SPLITS,
) -> dict[str, Any]:
    """Grouped k-fold balanced accuracy of the transfer head at each fixed ``C``.

    For each seed, :func:`~mgc_core.evaluation.splits.grouped_kfold` splits the rows
    (stratified by ``y``, each group on one side); a ``StandardScaler`` and a
    ``LogisticRegression(C, class_weight="balanced")`` trained on each training part
    give the verdicts of its test part, and the seed's score is the balanced accuracy
    of all out-of-fold verdicts.

    Parameters
    ----------
    X : np.ndarray [shape=(n, d)]
        One row per clip (e.g. :func:`clip_means`).
    y : np.ndarray [shape=(n,)]
        Genre indices.
    groups : np.ndarray [shape=(n,)]
        Artist of each row.
    c_values : sequence of float > 0
    seeds : sequence of int
    n_splits : int >= 2

    Returns
    -------
    dict
        ``{"by_C": [{"C", "balanced_accuracy", "per_seed"}, ...], "best": {"C",
        "balanced_accuracy"}, "not_converged": int}``; ``balanced_accuracy`` is the mean
        over the seeds; the best is the first ``C`` of the highest mean.

    Raises
    ------
    ParameterError
        If the shapes disagree, ``X`` is not finite, fewer than 2 genres appear, a ``C``
        is not positive, ``seeds`` is empty or the rows cannot fill ``n_splits`` folds
        (:func:`max_folds`).

    Examples
    --------
    >>> rng = np.random.default_rng(0); y = np.repeat([0, 1], 10)
    >>> X = y[:, None] * 4.0 + rng.normal(size=(20, 3))
    >>> cross_validate(X, y, np.arange(20), c_values=[1.0], seeds=[0])["best"]
    {'C': 1.0, 'balanced_accuracy': 1.0}
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from mgc_core.evaluation.splits import grouped_kfold
    from mgc_core.models.transfer import MAX_ITER

    X, y, groups = _check_Xy(X, y, groups)
    c_values = _check_c_values(c_values)
    seeds = _check_seeds(seeds)
    _check_folds(n_splits, y, groups)
    splits = {seed: grouped_kfold(y, groups, n_splits=n_splits, seed=seed) for seed in seeds}
    by_c, not_converged = [], 0
    for c in c_values:
        per_seed = []
        for seed in seeds:
            pred = np.empty_like(y)
            for train, test in splits[seed]:
                head = make_pipeline(StandardScaler(), LogisticRegression(
                    C=c, class_weight="balanced", max_iter=MAX_ITER))
                with warnings.catch_warnings():  # counted below instead
                    warnings.filterwarnings("ignore", category=ConvergenceWarning)
                    head.fit(X[train], y[train])
                not_converged += int(np.max(head[-1].n_iter_) >= MAX_ITER)
                pred[test] = head.predict(X[test])
            per_seed.append(float(balanced_accuracy_score(y, pred)))
        by_c.append({"C": c, "balanced_accuracy": float(np.mean(per_seed)),
                     "per_seed": per_seed})
    best = max(by_c, key=lambda r: r["balanced_accuracy"])  # ties: the first
    return {"by_C": by_c,
            "best": {"C": best["C"], "balanced_accuracy": best["balanced_accuracy"]},
            "not_converged": not_converged}


def zero_shot_accuracy(logits: Sequence[np.ndarray], y: np.ndarray) -> float:
    """Balanced accuracy of AudioSet's genre outputs alone, nothing trained.

    Each clip's verdict is the genre whose AudioSet class
    (:data:`~mgc_core.models.audioset.GENRE_INDEX`) has the highest logit averaged
    over the clip's segments.

    Parameters
    ----------
    logits : sequence of np.ndarray [shape=(n_segments, 527)]
        One array per clip.
    y : np.ndarray [shape=(n_clips,)]
        Genre indices.
    """
    from sklearn.metrics import balanced_accuracy_score

    from mgc_core.models.audioset import GENRE_INDEX

    y = np.asarray(y)
    if len(logits) != y.size or y.size == 0:
        raise ParameterError(f"logits needs one array per label; got {len(logits)} arrays "
                             f"and {y.size} labels.")
    if any(np.ndim(x) != 2 or np.shape(x)[1] != PARTS["audioset_logits"] for x in logits):
        raise ParameterError(f"each clip's logits must be (n_segments, "
                             f"{PARTS['audioset_logits']}) AudioSet logits.")
    pred = np.array([np.asarray(x, dtype=np.float64)[:, GENRE_INDEX].mean(axis=0).argmax()
                     for x in logits])
    return float(balanced_accuracy_score(y, pred))


def compare(
    table: ClipTable,
    *,
    variants: Sequence[str] = (*VARIANTS, ZERO_SHOT),
    c_values: Sequence[float] = C_VALUES,
    seeds: Sequence[int] = SEEDS,
    n_splits: int = N_SPLITS,
    cache_dir: str | os.PathLike | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Score every variant on the clips of ``table`` (features from :func:`clip_features`).

    Returns
    -------
    dict
        ``{"data", "protocol", "variants", "versions"}``, ready for JSON: ``variants``
        maps each name to its parts, width and :func:`cross_validate` result (for
        ``zero_shot``, ``{"balanced_accuracy"}``).

    Raises
    ------
    ParameterError
        If a variant is unknown or a setting out of range (before any feature is computed).
    """
    import sklearn

    unknown = [v for v in variants if v not in VARIANTS and v != ZERO_SHOT]
    if unknown or not variants:
        raise ParameterError(f"variants must be some of {', '.join([*VARIANTS, ZERO_SHOT])}; "
                             f"got {list(variants)}.")
    c_values, seeds = _check_c_values(c_values), _check_seeds(seeds)
    y, groups = np.asarray(table.labels), np.asarray(table.groups)
    if any(v != ZERO_SHOT for v in variants):
        _check_folds(n_splits, y, groups)
    features = clip_features(table, cache_dir=cache_dir, progress=progress)
    results: dict[str, Any] = {}
    for name in variants:
        if name == ZERO_SHOT:
            results[name] = {"parts": ["audioset_logits"], "width": len(GENRES),
                             "balanced_accuracy": zero_shot_accuracy(
                                 [f["audioset_logits"] for f in features], y)}
            continue
        parts = VARIANTS[name]
        results[name] = {"parts": list(parts), "width": sum(PARTS[p] for p in parts),
                         **cross_validate(clip_means(features, parts), y, groups,
                                          c_values=c_values, seeds=seeds, n_splits=n_splits)}
    return {
        "data": table.summary(),
        "protocol": {"n_splits": n_splits, "seeds": seeds, "C": c_values,
                     "folds": "artist-grouped stratified k-fold (grouped_kfold)",
                     "head": "clip-mean StandardScaler + LogisticRegression(class_weight="
                             "'balanced')",
                     "score": "balanced accuracy of out-of-fold clip verdicts, mean over seeds"},
        "variants": results,
        "versions": {"features": _cache_version(), "numpy": np.__version__,
                     "scikit-learn": sklearn.__version__},
    }


def format_table(result: dict[str, Any]) -> str:
    """The result of :func:`compare` as a plain-text table, one variant a row."""
    cs = result["protocol"]["C"]
    head = ["variant", "width", *(f"C={c:g}" for c in cs), "best", "best C"]
    rows = [head]
    for name, r in result["variants"].items():
        if "by_C" in r:
            rows.append([name, str(r["width"]),
                         *(f"{x['balanced_accuracy']:.3f}" for x in r["by_C"]),
                         f"{r['best']['balanced_accuracy']:.3f}", f"{r['best']['C']:g}"])
        else:
            rows.append([name, str(r["width"]), *("-" for _ in cs),
                         f"{r['balanced_accuracy']:.3f}", "untrained"])
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
             for row in rows]
    data = result["data"]
    return "\n".join([f"{data['n_clips']} clips, {data['n_groups']} artist groups; "
                      f"{result['protocol']['n_splits']}-fold grouped CV, seeds "
                      f"{' '.join(map(str, result['protocol']['seeds']))}; mean balanced "
                      "accuracy (best C chosen on these scores: optimistic)", *lines])


# --------------------------------------------------------------------------- checks


def _check_positive_int(name: str, value: Any, *, low: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ParameterError(f"{name} must be an integer >= {low}; got {value!r}.")


def _check_folds(n_splits: Any, y: np.ndarray, groups: np.ndarray) -> None:
    _check_positive_int("n_splits", n_splits, low=2)
    most = max_folds(y, groups)
    if n_splits > most:
        raise ParameterError(
            f"{n_splits}-fold stratified grouped CV needs {n_splits} artist groups and a genre "
            f"with {n_splits} clips; these clips allow at most {most} folds. Use more clips "
            "(a larger --limit) or fewer folds (--folds).")


def _check_signal(y: Any) -> np.ndarray:
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1 or y.size == 0:
        raise ParameterError(f"y must be non-empty mono samples (1-D); got shape {y.shape}.")
    return y


def _check_c_values(c_values: Sequence[float]) -> list[float]:
    try:
        cs = [float(c) for c in c_values]
    except (TypeError, ValueError) as err:
        raise ParameterError(f"C values must be positive numbers; got {c_values!r}.") from err
    if not cs or any(not np.isfinite(c) or c <= 0 for c in cs):
        raise ParameterError(f"C values must be positive numbers; got {c_values!r}.")
    return cs


def _check_seeds(seeds: Sequence[int]) -> list[int]:
    seeds = list(seeds)
    if not seeds or any(isinstance(s, bool) or not isinstance(s, int | np.integer) or s < 0
                        for s in seeds):
        raise ParameterError(f"seeds must be non-negative integers, at least one; got {seeds!r}.")
    return [int(s) for s in seeds]


def _check_Xy(X: Any, y: Any, groups: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X, y, groups = np.asarray(X, dtype=np.float64), np.asarray(y), np.asarray(groups)
    if X.ndim != 2 or y.ndim != 1 or groups.ndim != 1 or not (len(X) == y.size == groups.size):
        raise ParameterError(f"X must be (n, d) with n labels and n groups; got X {X.shape}, "
                             f"y {y.shape}, groups {groups.shape}.")
    if not np.all(np.isfinite(X)):
        raise ParameterError("X holds NaN or infinite values.")
    if not np.issubdtype(y.dtype, np.integer) or np.unique(y).size < 2:
        raise ParameterError(f"y must hold integer genre indices of at least 2 genres; got "
                             f"{np.unique(y)[:10].tolist()}.")
    return X, y, groups.astype(str)


# --------------------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m mgc_devtools.compare_inputs",
        description="Compare the transfer head's segment inputs on GTZAN (grouped CV).")
    p.add_argument("--gtzan", required=True, help="GTZAN folder")
    p.add_argument("--limit", type=int, help="score only N clips, taken in turn from each genre")
    p.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS), help="fold seeds")
    p.add_argument("--C", dest="c_values", type=float, nargs="+", default=list(C_VALUES),
                   help="fixed inverse regularisation strengths of the head")
    p.add_argument("--folds", type=int, help=f"folds of the grouped CV (default: {N_SPLITS}, "
                   "or fewer when --limit leaves too few clips a genre)")
    p.add_argument("--variants", nargs="+", default=[*VARIANTS, ZERO_SHOT],
                   choices=[*VARIANTS, ZERO_SHOT], help="variants to score (default: all)")
    p.add_argument("--cache-dir", help="feature cache (default: .mgc_cache/compare_inputs/)")
    p.add_argument("--out", help="write the results as JSON here")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the comparison; print the table (progress on stderr); exit 2 on a mgc error."""
    from mgc_core.datasets import GTZAN
    from mgc_core.datasets.clips import clip_table

    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    start = time.monotonic()

    def progress(done: int, total: int) -> None:
        if done == total or done % 25 == 0:
            print(f"features: {done}/{total} clips ({time.monotonic() - start:.0f} s)",
                  file=sys.stderr, flush=True)

    note = None
    try:
        table = balanced_subset(clip_table(GTZAN(args.gtzan)), args.limit)
        folds = args.folds
        if folds is None:
            folds = N_SPLITS
            most = max_folds(table.labels, np.asarray(table.groups))
            if args.limit is not None and 2 <= most < N_SPLITS:
                folds = most
                note = (f"--limit {args.limit} leaves too few clips for {N_SPLITS} folds: "
                        f"{folds}-fold CV (a smoke test, not the protocol's numbers)")
                print(f"note: {note}", file=sys.stderr)
        result = compare(table, variants=args.variants, c_values=args.c_values,
                         seeds=args.seeds, n_splits=folds, cache_dir=args.cache_dir,
                         progress=progress)
    except MGCError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    result = {"command": " ".join(["python -m mgc_devtools.compare_inputs", *argv]),
              "date": time.strftime("%Y-%m-%d"), "limit": args.limit, "note": note, **result}
    print(format_table(result))
    if note:
        print(f"note: {note}")
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
