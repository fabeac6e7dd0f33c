"""Plain-language verdicts: do the models agree, and are they sure at all?

Pure functions on :class:`~mgc_core.analysis.classify.Result`, so the app and the CLI say the
same thing and tests can check it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from mgc_core.genres import GENRES
from mgc_core.models.registry import short_label

__all__ = ["UNSURE_BELOW", "NO_SAY_BELOW", "Verdict", "verdict", "and_list", "weight_shares"]

#: A model whose top genre has a probability below this is "unsure".
UNSURE_BELOW = 0.5
#: An ensemble weight below this (it rounds to 0%) counts as no say at all.
NO_SAY_BELOW = 0.005


@dataclass(frozen=True)
class Verdict:
    """What to tell the user about one classification.

    Attributes
    ----------
    genre : str
        The ensemble's genre.
    confidence : float
        The ensemble's probability of that genre.
    votes : dict of str to str
        Each model's top genre.
    agree : bool
        True when every model has the same top genre.
    unsure : bool
        True when the ensemble, or every model, is unsure (top probability below
        :data:`UNSURE_BELOW`): the models pull apart, or the music may be outside the ten
        genres they know. The summary says which.
    summary : str
        One or two plain sentences saying all of the above.
    """

    genre: str
    confidence: float
    votes: dict[str, str]
    agree: bool
    unsure: bool
    summary: str


def and_list(words: list[str]) -> str:
    """Words joined as a sentence lists them.

    Examples
    --------
    >>> and_list(["a", "b", "c"]), and_list(["a", "b"]), and_list(["a"])
    ('a, b and c', 'a and b', 'a')
    """
    return " and ".join([", ".join(words[:-1]), words[-1]] if len(words) > 2 else words)


def weight_shares(weights: Mapping[str, float]) -> tuple[list[tuple[str, float]], list[str]]:
    """The ensemble's members with a say, largest first, and those without.

    Parameters
    ----------
    weights : mapping of str to float
        Model name -> ensemble weight.

    Returns
    -------
    shares : list of (str, float)
        Short label and weight of each model with weight at least :data:`NO_SAY_BELOW`.
    silent : list of str
        Short labels of the others.

    Examples
    --------
    >>> weight_shares({"knn": 0.001, "cnn": 0.2, "transfer": 0.799})
    ([('Transfer', 0.799), ('CNN', 0.2)], ['KNN'])
    """
    ranked = sorted(weights.items(), key=lambda kv: -kv[1])
    return ([(short_label(n), w) for n, w in ranked if w >= NO_SAY_BELOW],
            [short_label(n) for n, w in ranked if w < NO_SAY_BELOW])


def _deciders(weights: Mapping[str, float]) -> str:
    """Who decides the ensemble's answer, by weight, and who has no say (a sentence end)."""
    if not weights:
        return "the mean of the models' probabilities."
    shares, silent = weight_shares(weights)
    if len(shares) == 1:
        text = f"{shares[0][0]} alone decides it"
    else:
        say = and_list([f"{n} {w:.0%}" for n, w in shares])
        text = f"a weighted vote giving {say} of the say"
    if silent:
        text += f"; {and_list(silent)} {'has' if len(silent) == 1 else 'have'} none"
    return text + "."


def verdict(result) -> Verdict:  # noqa: ANN001 - mgc_core.analysis.classify.Result
    """Summarise a :class:`~mgc_core.analysis.classify.Result` in words.

    Examples
    --------
    The summary names the ensemble genre and, when models differ, who says what.
    """
    votes = {name: r.genre for name, r in result.models.items()}
    tops = {name: float(np.max(r.probabilities)) for name, r in result.models.items()}
    genre = GENRES[int(np.argmax(result.ensemble))]
    confidence = float(np.max(result.ensemble))
    agree = len(set(votes.values())) == 1
    # Unsure: the verdict itself is below the bar, or every model is.
    every_model_unsure = all(p < UNSURE_BELOW for p in tops.values())
    unsure = bool(tops) and (confidence < UNSURE_BELOW or every_model_unsure)
    if agree:
        summary = f"All {len(votes)} models agree: **{genre}**."
    else:
        counts: dict[str, list[str]] = {}
        for name, g in votes.items():
            counts.setdefault(g, []).append(short_label(name))
        parts = [f"{', '.join(who)} say{'s' if len(who) == 1 else ''} {g}"
                 for g, who in sorted(counts.items(), key=lambda kv: -len(kv[1]))]
        summary = (f"The models disagree: {'; '.join(parts)}. The verdict, **{genre}** "
                   f"({confidence:.0%}), is the ensemble's: "
                   + _deciders(getattr(result, "ensemble_weights", None) or {}))
    if unsure and every_model_unsure:
        summary += (
            " Every model is unsure (none gives its top genre even "
            f"{UNSURE_BELOW:.0%}): this may be speech, silence or music outside the ten "
            "genres the models know (blues, classical, country, disco, hip-hop, jazz, "
            "metal, pop, reggae, rock), so take the verdict with a grain of salt."
        )
    elif unsure:
        sure = [short_label(n) for n, p in tops.items() if p >= UNSURE_BELOW]
        summary += (
            f" The ensemble itself is unsure (it gives **{genre}** only {confidence:.0%}, "
            f"below {UNSURE_BELOW:.0%}), although {and_list(sure)} "
            f"{'is' if len(sure) == 1 else 'are'} surer of {'its' if len(sure) == 1 else 'their'} "
            "own answer: the models pull in different directions, so take the verdict with "
            "a grain of salt."
        )
    return Verdict(genre, confidence, votes, agree, unsure, summary)
