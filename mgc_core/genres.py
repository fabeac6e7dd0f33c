"""The ten GTZAN genres, in the one order used everywhere in mgc, and their colours."""

from __future__ import annotations

import numpy as np

__all__ = ["GENRES", "GENRE_COLORS", "genre_index", "top_genres"]

#: The ten genres, in the order of every probability vector and matrix in mgc.
GENRES: tuple[str, ...] = (
    "blues",
    "classical",
    "country",
    "disco",
    "hiphop",
    "jazz",
    "metal",
    "pop",
    "reggae",
    "rock",
)

#: One colour per genre, the same on every page and plot. Paul Tol's "muted"
#: qualitative scheme (designed to stay distinguishable with colour-vision
#: deficiencies), extended with a neutral grey for the tenth genre.
GENRE_COLORS: dict[str, str] = {
    "blues": "#332288",
    "classical": "#88CCEE",
    "country": "#44AA99",
    "disco": "#117733",
    "hiphop": "#999933",
    "jazz": "#DDCC77",
    "metal": "#CC6677",
    "pop": "#882255",
    "reggae": "#AA4499",
    "rock": "#7F7F7F",
}


def genre_index(genre: str) -> int:
    """Return the position of ``genre`` in :data:`GENRES`.

    Parameters
    ----------
    genre : str
        A genre name, case-insensitive.

    Returns
    -------
    int
        Its index in :data:`GENRES`.

    Raises
    ------
    ParameterError
        If ``genre`` is not one of the ten genres.
    """
    from mgc_core.errors import ParameterError

    key = genre.strip().lower()
    if key not in GENRES:
        raise ParameterError(
            f"Unknown genre {genre!r}: use one of {', '.join(GENRES)}."
        )
    return GENRES.index(key)


def top_genres(probabilities: np.ndarray, *, k: int = 3) -> list[tuple[str, float]]:
    """The ``k`` most probable genres with their probabilities, best first (ties: GENRES order).

    Parameters
    ----------
    probabilities : np.ndarray [shape=(10,)]
        In GENRES order.
    k : int
        How many.

    Returns
    -------
    list of (str, float)
    """
    p = np.asarray(probabilities)
    order = np.argsort(-p, kind="stable")[:k]
    return [(GENRES[i], float(p[i])) for i in order]
