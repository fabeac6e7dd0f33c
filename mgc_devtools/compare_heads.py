"""Which head should the transfer model put on its inputs? Measured on GTZAN, rerunnable.

The transfer model (:mod:`mgc_core.models.transfer`) trains a scaled logistic
regression on each clip's mean input. This tool scores other heads on exactly the same
inputs (the training cache of :func:`~mgc_core.training.inputs.extract_inputs`, so
``python -m mgc_core train`` or ``evaluate`` has usually computed them) and the same
artist-grouped folds::

    python -m mgc_devtools.compare_heads --gtzan DIR [--seeds 0 1 2] [--heads ...] \\
        [--limit N] [--out results.json]

=======================  ============================================================
head                     what
=======================  ============================================================
``logistic``             the transfer model's head without a prior (``StandardScaler``
                         + balanced ``LogisticRegression`` on clip means), at each ``C``
``genre_prior``          the same, with AudioSet's own ten genre logits
                         (:data:`~mgc_core.models.transfer.GENRE_COLUMNS`) multiplied by
                         ``w`` after scaling: less shrunk than the other 1401 columns
                         (the shipped head does this, ``w`` chosen by inner CV)
``audioset_weight``      ``genre_prior`` at ``w`` = 10, with the AudioSet network's other
                         901 columns multiplied by ``a`` (< 1: shrunk more than musicnn's
                         500; what the shipped head now does, ``a`` chosen by inner CV)
``mean_std``             logistic on the mean and the standard deviation over segments
``segments``             logistic trained on every segment; a clip's verdict is the
                         mean of its segments' log-probabilities
``lda``                  linear discriminant analysis with shrinkage, equal priors
``linear_svm``           a balanced linear SVM
=======================  ============================================================

Every head is scored at each setting of a small fixed grid (:data:`HEADS`): per fold
seed, the balanced accuracy of the out-of-fold clip verdicts; a setting's score is the
mean over the seeds. The best setting is picked after seeing these scores, so every
head is flattered a little: this compares heads; it does not estimate the shipped
model's accuracy (``python -m mgc_core evaluate`` does, choosing the settings inside
the training folds).

On the 561 usable clips (fold seeds 0-2, 2026-12-02), best setting of each head:
``logistic`` 0.805 (the head shipped then), ``genre_prior`` 0.816 (``w`` = 10),
``mean_std`` 0.809, ``segments`` 0.799, ``lda`` 0.793, ``linear_svm`` 0.769. The
``genre_prior`` head led, so the transfer model chose ``w`` (1, 3 or 10) with ``C`` by its
inner cross-validation; ``evaluate`` measures that honestly (README). Then (same day, same
clips and seeds) ``audioset_weight``: ``a`` = 1 0.816, 0.5 0.833, 0.3 0.833 (at ``C`` =
0.003), so the transfer model now also chooses ``a`` (1 or 0.5) by its inner CV.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mgc_core.errors import MGCError, ParameterError

__all__ = ["HEADS", "Head", "clip_rows", "score_head", "compare_heads", "format_table", "main"]

#: Fold seeds scored by default.
SEEDS: tuple[int, ...] = (0, 1, 2)
#: Folds of the grouped CV.
N_SPLITS = 5
#: Factor of the AudioSet genre columns in ``genre_prior``.
PRIOR_WEIGHTS: tuple[float, ...] = (3.0, 10.0, 30.0)
#: Factor of the AudioSet network's other columns in ``audioset_weight``.
AUDIOSET_WEIGHTS: tuple[float, ...] = (1.0, 0.5, 0.3)


@dataclass(frozen=True)
class Head:
    """A head to score: its rows (``"mean"``, ``"mean_std"`` or ``"segments"``), the
    settings it is tried at and how to build it for one setting."""

    rows: str
    grid: tuple[dict[str, Any], ...]
    make: Callable[[dict[str, Any]], Any]


def _logistic(C: float, *, prior: float = 1.0, audioset: float = 1.0) -> Any:  # noqa: N803
    """The transfer model's own head: AudioSet's genre columns scaled by ``prior``, its
    other columns by ``audioset``."""
    from mgc_core.models.transfer import TransferModel

    return TransferModel()._head(C, prior=prior, audioset=audioset)


def _lda(shrinkage: float | str) -> Any:
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    class EqualPriorsLDA(LinearDiscriminantAnalysis):
        """Equal priors for the genres of the training rows (balanced, like the rest)."""

        def fit(self, X, y):  # noqa: ANN001, ANN201, N803 - sklearn's signature
            self.priors = np.full(np.unique(y).size, 1 / np.unique(y).size)
            return super().fit(X, y)

    return make_pipeline(StandardScaler(), EqualPriorsLDA(solver="lsqr", shrinkage=shrinkage))


def _linear_svm(C: float) -> Any:  # noqa: N803
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    return make_pipeline(StandardScaler(), LinearSVC(C=C, class_weight="balanced",
                                                     max_iter=5000))


_C = (1e-3, 3e-3, 1e-2)
#: The heads and the settings each is tried at.
HEADS: dict[str, Head] = {
    "logistic": Head("mean", tuple({"C": c} for c in _C), lambda p: _logistic(p["C"])),
    "genre_prior": Head("mean", tuple({"C": c, "w": w} for w in PRIOR_WEIGHTS for c in _C[:2]),
                        lambda p: _logistic(p["C"], prior=p["w"])),
    "audioset_weight": Head("mean", tuple({"C": c, "w": 10.0, "a": a} for a in AUDIOSET_WEIGHTS
                                          for c in _C),
                            lambda p: _logistic(p["C"], prior=p["w"], audioset=p["a"])),
    "mean_std": Head("mean_std", tuple({"C": c} for c in _C), lambda p: _logistic(p["C"])),
    "segments": Head("segments", tuple({"C": c} for c in (1e-4, 3e-4, 1e-3)),
                     lambda p: _logistic(p["C"])),
    "lda": Head("mean", tuple({"shrinkage": s} for s in ("auto", 0.3, 0.6)),
                lambda p: _lda(p["shrinkage"])),
    "linear_svm": Head("mean", tuple({"C": c} for c in (1e-3, 1e-2)),
                       lambda p: _linear_svm(p["C"])),
}


def clip_rows(inputs: Sequence[np.ndarray], rows: str) -> tuple[np.ndarray, np.ndarray]:
    """The rows a head trains on, and the clip of each row.

    Parameters
    ----------
    inputs : sequence of np.ndarray [shape=(n_segments, d)]
        Each clip's segment inputs.
    rows : {"mean", "mean_std", "segments"}

    Returns
    -------
    X : np.ndarray
    clip : np.ndarray [shape=(len(X),), dtype=int]

    Examples
    --------
    >>> X, clip = clip_rows([np.ones((2, 3)), np.zeros((1, 3))], "segments")
    >>> X.shape, clip.tolist()
    ((3, 3), [0, 0, 1])
    """
    arrays = [np.asarray(x, dtype=np.float64) for x in inputs]
    if not arrays or any(a.ndim != 2 or a.shape[0] == 0 for a in arrays):
        raise ParameterError("inputs must be one non-empty (n_segments, d) array per clip.")
    if rows == "mean":
        return np.stack([a.mean(axis=0) for a in arrays]), np.arange(len(arrays))
    if rows == "mean_std":
        return (np.stack([np.concatenate([a.mean(axis=0), a.std(axis=0)]) for a in arrays]),
                np.arange(len(arrays)))
    if rows == "segments":
        return (np.concatenate(arrays),
                np.repeat(np.arange(len(arrays)), [len(a) for a in arrays]))
    raise ParameterError(f"rows must be 'mean', 'mean_std' or 'segments'; got {rows!r}.")


def score_head(head: Head, inputs: Sequence[np.ndarray], y: np.ndarray, groups: np.ndarray,
               *, seeds: Sequence[int] = SEEDS, n_splits: int = N_SPLITS) -> list[dict[str, Any]]:
    """Mean balanced accuracy over ``seeds`` of ``head`` at each of its settings.

    Returns
    -------
    list of dict
        ``{"params", "balanced_accuracy", "per_seed"}`` per setting, in grid order.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import balanced_accuracy_score

    from mgc_core.evaluation.splits import grouped_kfold

    y, groups = np.asarray(y), np.asarray(groups).astype(str)
    X, clip = clip_rows(inputs, head.rows)
    splits = {s: grouped_kfold(y, groups, n_splits=n_splits, seed=s) for s in seeds}
    out = []
    for params in head.grid:
        per_seed = []
        for seed in seeds:
            pred = np.empty_like(y)
            for train, test in splits[seed]:
                fit_rows, test_rows = np.isin(clip, train), np.isin(clip, test)
                model = head.make(params)
                with warnings.catch_warnings():  # unconverged fits score as they are
                    warnings.filterwarnings("ignore", category=ConvergenceWarning)
                    model.fit(X[fit_rows], y[clip[fit_rows]])
                if head.rows == "segments":
                    logp = model.predict_log_proba(X[test_rows])
                    owner = clip[test_rows]
                    for c in test:
                        pred[c] = int(np.argmax(logp[owner == c].mean(axis=0)))
                else:
                    pred[test] = model.predict(X[test])
            per_seed.append(float(balanced_accuracy_score(y, pred)))
        out.append({"params": params, "balanced_accuracy": float(np.mean(per_seed)),
                    "per_seed": per_seed})
    return out


def compare_heads(inputs: Sequence[np.ndarray], y: np.ndarray, groups: np.ndarray, *,
                  heads: Sequence[str] = tuple(HEADS), seeds: Sequence[int] = SEEDS,
                  n_splits: int = N_SPLITS) -> dict[str, Any]:
    """Score each head of ``heads`` (:func:`score_head`); ``{"heads": {name: {...}}}``."""
    unknown = [h for h in heads if h not in HEADS]
    if unknown or not heads:
        raise ParameterError(f"heads must be some of {', '.join(HEADS)}; got {list(heads)}.")
    if not seeds:
        raise ParameterError("give at least one fold seed.")
    results = {}
    for name in heads:
        scored = score_head(HEADS[name], inputs, y, groups, seeds=seeds, n_splits=n_splits)
        best = max(scored, key=lambda r: r["balanced_accuracy"])
        results[name] = {"rows": HEADS[name].rows, "settings": scored, "best": best}
    return {"protocol": {"n_splits": n_splits, "seeds": list(seeds),
                         "score": "balanced accuracy of out-of-fold clip verdicts, mean over "
                                  "seeds; best setting chosen on these scores (optimistic)"},
            "heads": results}


def format_table(result: dict[str, Any]) -> str:
    """One line per head: its best setting and score, and the spread over seeds."""
    lines = [f"{'head':12s} {'rows':9s} {'best':>6s} {'seeds':>17s}  setting"]
    for name, r in result["heads"].items():
        b = r["best"]
        seeds = " ".join(f"{s:.3f}" for s in b["per_seed"])
        params = ", ".join(f"{k}={v}" for k, v in b["params"].items())
        lines.append(f"{name:12s} {r['rows']:9s} {b['balanced_accuracy']:6.3f} {seeds:>17s}  "
                     f"{params}")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m mgc_devtools.compare_heads",
                                description="Compare heads for the transfer model on GTZAN.")
    p.add_argument("--gtzan", required=True, help="GTZAN folder")
    p.add_argument("--heads", nargs="+", default=list(HEADS), choices=list(HEADS))
    p.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS), help="fold seeds")
    p.add_argument("--limit", type=int, help="only N clips, taken in turn from each genre "
                   "(3-fold CV: a smoke test, not numbers to quote)")
    p.add_argument("--cache-dir", help="the training input cache (default .mgc_cache/)")
    p.add_argument("--out", help="write the results as JSON here")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Score the heads; print the table; exit 2 on a mgc error."""
    from mgc_core.datasets import GTZAN
    from mgc_core.datasets.clips import clip_table
    from mgc_core.training.inputs import extract_inputs
    from mgc_devtools.compare_inputs import balanced_subset

    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    try:
        table = balanced_subset(clip_table(GTZAN(args.gtzan)), args.limit)
        inputs = extract_inputs(table, models=["transfer"], cache_dir=args.cache_dir)
        folds = N_SPLITS if args.limit is None else 3
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, user_api="blas"):  # small fits: threads only slow them
            result = compare_heads(inputs["transfer"], table.labels,
                                   np.asarray(table.groups), heads=args.heads,
                                   seeds=args.seeds, n_splits=folds)
    except MGCError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    result = {"command": " ".join(["python -m mgc_devtools.compare_heads", *argv]),
              "date": time.strftime("%Y-%m-%d"), "data": table.summary(), **result}
    print(f"{len(table)} clips; {result['protocol']['n_splits']}-fold artist-grouped CV, "
          f"seeds {' '.join(map(str, args.seeds))}; mean balanced accuracy")
    print(format_table(result))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
