"""How often the models agree with each other, from their stored per-clip predictions.

The evaluation records (:func:`mgc_core.evaluation.read_evaluation`) list, for every
evaluated clip, the genre each model predicted when that clip was in a test fold.
From those lists:

- :func:`common_clips`: the clips every record evaluated, with their true genre and
  each model's guess, in one table;
- :func:`pairwise_agreement`: the fraction of clips on which two models name the same
  genre;
- :func:`pairwise_kappa`: Cohen's kappa of two models, their agreement corrected for
  the agreement expected by chance (:func:`sklearn.metrics.cohen_kappa_score`);
- :func:`disagreements`: the clips on which the models do not all agree.

Pure functions of the predictions: nothing is read or written here.

Examples
--------
>>> from mgc_core.evaluation.agreement import pairwise_agreement
>>> names, m = pairwise_agreement({"a": ["rock", "pop"], "b": ["rock", "jazz"]})
>>> names, float(m[0, 1])
(['a', 'b'], 0.5)
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from mgc_core.errors import ParameterError
from mgc_core.genres import GENRES

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.evaluation.records import ClipPrediction

__all__ = ["common_clips", "pairwise_agreement", "pairwise_kappa", "disagreements"]


def _check(predicted: Mapping[str, Sequence[str]]) -> tuple[list[str], list[np.ndarray]]:
    """Names and label arrays of ``predicted``, checked: two or more, equal lengths, GENRES."""
    if not isinstance(predicted, Mapping) or len(predicted) < 2:
        raise ParameterError("predicted must map at least two model names to their "
                             "predicted genres, one per clip.")
    names = list(predicted)
    arrays = [np.asarray(predicted[n], dtype=object) for n in names]
    lengths = {a.shape for a in arrays}
    if len(lengths) != 1 or arrays[0].ndim != 1 or arrays[0].size == 0:
        raise ParameterError(
            "every model needs one predicted genre per clip, for the same non-empty list "
            f"of clips; got lengths {', '.join(f'{n}: {a.size}' for n, a in zip(names, arrays))}."
        )
    for n, a in zip(names, arrays):
        unknown = sorted(set(a.tolist()) - set(GENRES))
        if unknown:
            raise ParameterError(f"model {n!r} predicts genres outside GENRES: "
                                 f"{', '.join(map(str, unknown))}.")
    return names, arrays


def common_clips(clips_by_model: Mapping[str, Sequence[ClipPrediction]]) -> dict[str, Any]:
    """The clips that every evaluation lists, with the truth and every guess.

    Parameters
    ----------
    clips_by_model : mapping of str to sequence of ClipPrediction
        Model name -> its stored predictions, e.g. ``load_evaluation(name).clips``.

    Returns
    -------
    dict
        ``{"ids": [str], "truth": [str], "predicted": {model: [str]}}``, the clips in
        the order of the first record, the models in the order of ``records``.

    Raises
    ------
    ParameterError
        If ``records`` is empty, the records share no clip, or two records disagree
        on a clip's true genre (they come from different data).
    """
    if not clips_by_model:
        raise ParameterError("clips_by_model is empty: give at least one model's clips.")
    by_model = {name: {c.id: c for c in clips} for name, clips in clips_by_model.items()}
    first = next(iter(by_model.values()))
    ids = [i for i in first if all(i in clips for clips in by_model.values())]
    if not ids:
        raise ParameterError("the evaluation records share no clip; rebuild them together "
                             "with `python -m mgc_core evaluate --gtzan DIR`.")
    truth = [first[i].genre for i in ids]
    for name, clips in by_model.items():
        differ = [i for i, t in zip(ids, truth) if clips[i].genre != t]
        if differ:
            raise ParameterError(
                f"the records disagree on the true genre of {differ[0]} ({name!r} says "
                f"{clips[differ[0]].genre!r}); they come from different data. Rebuild "
                "them together with `python -m mgc_core evaluate --gtzan DIR`."
            )
    return {
        "ids": ids,
        "truth": truth,
        "predicted": {name: [clips[i].predicted for i in ids]
                      for name, clips in by_model.items()},
    }


def pairwise_agreement(predicted: Mapping[str, Sequence[str]]) -> tuple[list[str], np.ndarray]:
    """Fraction of clips on which each pair of models predicts the same genre.

    Parameters
    ----------
    predicted : mapping of str to sequence of str
        Model name -> predicted genre of each clip (the same clips, in the same order).

    Returns
    -------
    names : list of str
        The models, in the order of ``predicted``.
    agreement : np.ndarray [shape=(n_models, n_models)]
        ``agreement[i, j]`` is the share of clips on which models ``i`` and ``j`` agree;
        symmetric, with ones on the diagonal.

    Examples
    --------
    >>> names, m = pairwise_agreement({"a": ["rock", "pop", "jazz", "jazz"],
    ...                                "b": ["rock", "pop", "pop", "jazz"]})
    >>> float(m[0, 1])
    0.75
    """
    names, arrays = _check(predicted)
    n = len(names)
    out = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            out[i, j] = out[j, i] = float(np.mean(arrays[i] == arrays[j]))
    return names, out


def pairwise_kappa(predicted: Mapping[str, Sequence[str]]) -> tuple[list[str], np.ndarray]:
    """Cohen's kappa of each pair of models: agreement beyond what chance would give.

    ``kappa = (p_o - p_e) / (1 - p_e)``, where ``p_o`` is the observed agreement and
    ``p_e`` the agreement expected if the two models guessed independently, each with
    its own genre frequencies. 1 is perfect agreement, 0 no better than chance.

    Parameters
    ----------
    predicted : mapping of str to sequence of str
        Model name -> predicted genre of each clip (the same clips, in the same order).

    Returns
    -------
    names : list of str
        The models, in the order of ``predicted``.
    kappa : np.ndarray [shape=(n_models, n_models)]
        Symmetric. NaN where kappa is undefined (``p_e = 1``: both models always name
        the same single genre).

    Examples
    --------
    >>> names, k = pairwise_kappa({"a": ["rock", "rock", "pop", "pop"],
    ...                            "b": ["rock", "pop", "pop", "pop"]})
    >>> round(float(k[0, 1]), 3)  # p_o = 3/4, p_e = 1/2 * 1/4 + 1/2 * 3/4 = 1/2
    0.5
    """
    from sklearn.metrics import cohen_kappa_score

    names, arrays = _check(predicted)
    n = len(names)
    out = np.empty((n, n))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # undefined kappa: reported as NaN, documented
        for i in range(n):
            for j in range(i, n):
                k = cohen_kappa_score(arrays[i].astype(str), arrays[j].astype(str),
                                      labels=list(GENRES), replace_undefined_by=np.nan)
                out[i, j] = out[j, i] = float(k)
    return names, out


def disagreements(
    ids: Sequence[str], truth: Sequence[str], predicted: Mapping[str, Sequence[str]]
) -> list[dict[str, Any]]:
    """The clips on which the models do not all predict the same genre.

    Parameters
    ----------
    ids : sequence of str
        Clip ids.
    truth : sequence of str
        True genre of each clip.
    predicted : mapping of str to sequence of str
        Model name -> predicted genre of each clip, in the order of ``ids``.

    Returns
    -------
    list of dict
        One row per clip with differing predictions, in the order of ``ids``:
        ``{"clip": id, "truth": genre, <model>: guess, ..., "right": k}`` where ``k``
        counts the models that named the true genre.

    Examples
    --------
    >>> disagreements(["x", "y"], ["rock", "pop"], {"a": ["rock", "pop"], "b": ["jazz", "pop"]})
    [{'clip': 'x', 'truth': 'rock', 'a': 'rock', 'b': 'jazz', 'right': 1}]
    """
    names, arrays = _check(predicted)
    if len(ids) != arrays[0].size or len(truth) != arrays[0].size:
        raise ParameterError(f"ids ({len(ids)}), truth ({len(truth)}) and the predictions "
                             f"({arrays[0].size}) must have one entry per clip.")
    rows = []
    for k, (clip, true) in enumerate(zip(ids, truth)):
        guesses = [a[k] for a in arrays]
        if len(set(guesses)) > 1:
            rows.append({"clip": clip, "truth": true, **dict(zip(names, guesses)),
                         "right": sum(g == true for g in guesses)})
    return rows
