"""One way from a classification :class:`~mgc_core.analysis.classify.Result` to rows.

Every table, file and printout of a result is made here, from the same values:

:func:`segment_rows`
    Long format, one row per model and segment (and one per model for the whole
    clip, segment ``"all"``), then the ensemble's; :func:`segment_csv` writes them
    (the Classify page's CSV download).
:func:`summary_row`
    One row per file: each model's top genre and its probability, and the verdict
    (the several-files table).
:func:`top_rows`
    Each model's and the ensemble's most probable genres (``python -m mgc_core
    classify``'s printout).
:func:`to_json_dict`
    The nested JSON of ``python -m mgc_core classify --json``, the Classify page's
    JSON download and :meth:`Result.to_dict <mgc_core.analysis.classify.Result.to_dict>`,
    built from :func:`segment_rows`.

The functions are pure: they read the result and return new lists and dicts.
Probabilities are left as they are in the rows (a writer rounds them); times are
rounded to :data:`TIME_DECIMALS`.

Examples
--------
>>> import numpy as np
>>> from mgc_core.analysis.rows import top_genres
>>> top_genres(np.eye(10)[3] * 0.7 + 0.03, k=2)
[('disco', 0.73), ('blues', 0.03)]
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from mgc_core.genres import GENRES, top_genres
from mgc_core.models.registry import ENSEMBLE, MODEL_NAMES

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.analysis.classify import Result

__all__ = [
    "SEGMENT_COLUMNS",
    "ALL_SEGMENTS",
    "TIME_DECIMALS",
    "PROBABILITY_DECIMALS",
    "top_genres",
    "segment_rows",
    "segment_csv",
    "summary_columns",
    "summary_row",
    "top_rows",
    "to_json_dict",
]

#: Columns of :func:`segment_rows`, in order (one per genre at the end).
SEGMENT_COLUMNS: tuple[str, ...] = ("file", "model", "segment", "start_s", "end_s", "genre",
                                    *GENRES)
#: The ``segment`` of a row about the whole clip.
ALL_SEGMENTS = "all"
#: Decimals of times (s) in every row.
TIME_DECIMALS = 3
#: Decimals of probabilities in the CSV and the JSON.
PROBABILITY_DECIMALS = 6
_SECONDS_DECIMALS = 4


def _time(t: float) -> float:
    return round(float(t), TIME_DECIMALS)


def _genre_values(p: np.ndarray) -> dict[str, float]:
    return {g: float(v) for g, v in zip(GENRES, p, strict=True)}


def segment_rows(result: Result, *, file: str | None = None) -> list[dict[str, Any]]:
    """The result in long format: one row per model and segment, then the ensemble's.

    For each model in the order run: a row for the whole clip (``segment`` is
    :data:`ALL_SEGMENTS`, from 0 to the clip's duration, its clip probabilities),
    then one per segment (``segment`` its index). Last, the ensemble's row for the
    whole clip. ``genre`` is the row's most probable genre.

    Parameters
    ----------
    result : Result
        From :func:`~mgc_core.analysis.classify.classify`.
    file : str, optional
        The value of the ``file`` column (e.g. the file's name).

    Returns
    -------
    list of dict
        Keys :data:`SEGMENT_COLUMNS`; probabilities as floats, times in seconds
        rounded to :data:`TIME_DECIMALS`.
    """
    end = _time(result.duration_s)

    def row(model: str, segment: int | str, t0: float, t1: float, genre: str,
            p: np.ndarray) -> dict[str, Any]:
        return {"file": file, "model": model, "segment": segment, "start_s": t0, "end_s": t1,
                "genre": genre, **_genre_values(p)}

    rows = []
    for name, r in result.models.items():
        rows.append(row(name, ALL_SEGMENTS, 0.0, end, r.genre, r.probabilities))
        for i, ((t0, t1), p) in enumerate(zip(result.segment_times, r.segment_probabilities,
                                              strict=True)):
            rows.append(row(name, i, _time(t0), _time(t1), GENRES[int(np.argmax(p))], p))
    rows.append(row(ENSEMBLE, ALL_SEGMENTS, 0.0, end, result.genre, result.ensemble))
    return rows


def segment_csv(result: Result, *, file: str | None = None) -> str:
    """:func:`segment_rows` as CSV text, probabilities with :data:`PROBABILITY_DECIMALS` decimals.

    Returns
    -------
    str
        A header (:data:`SEGMENT_COLUMNS`) and one line per row.
    """
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(SEGMENT_COLUMNS)
    genres = frozenset(GENRES)
    for row in segment_rows(result, file=file):
        writer.writerow([f"{row[c]:.{PROBABILITY_DECIMALS}f}" if c in genres else row[c]
                         for c in SEGMENT_COLUMNS])
    return buf.getvalue()


def summary_columns(models: Sequence[str] = MODEL_NAMES) -> tuple[str, ...]:
    """Columns of :func:`summary_row` for ``models``: ``file``, ``duration_s``, the gate's
    ``content`` and ``music p``, then ``<model>`` and ``<model> p`` for each model,
    ``verdict``, ``verdict p`` and AudioSet's own top genre."""
    per_model = [c for name in models for c in (name, f"{name} p")]
    return ("file", "duration_s", "content", "music p", *per_model, "verdict", "verdict p",
            "audioset genre")


def summary_row(result: Result, *, file: str | None = None) -> dict[str, Any]:
    """One row for a whole file: each model's top genre and probability, and the verdict.

    Parameters
    ----------
    result : Result
        From :func:`~mgc_core.analysis.classify.classify`.
    file : str, optional
        The value of the ``file`` column.

    Returns
    -------
    dict
        Keys :func:`summary_columns` of the models in ``result`` (in the order run):
        ``duration_s`` (s), ``content`` (music, speech, silence or noise) and ``music p``
        (AudioSet's probability of music), ``<model>`` (top genre), ``<model> p`` (its
        probability), ``verdict`` (the ensemble's genre; empty when the clip is not
        music), ``verdict p`` (its probability; None when not music) and ``audioset genre`` (AudioSet's own
        top music genre).
    """
    row: dict[str, Any] = {"file": file, "duration_s": float(result.duration_s)}
    content = result.content
    row["content"] = content.kind if content is not None else None
    row["music p"] = content.music_probability if content is not None else None
    for name, r in result.models.items():
        row[name], row[f"{name} p"] = r.top(1)[0]
    music = content is None or content.is_music
    row["verdict"] = result.genre if music else ""
    row["verdict p"] = float(np.max(result.ensemble)) if music else None
    row["audioset genre"] = result.audioset_genres[0][0] if result.audioset_genres else None
    return row


def top_rows(result: Result, *, k: int = 3) -> list[dict[str, Any]]:
    """Each model's and then the ensemble's ``k`` most probable genres.

    Returns
    -------
    list of dict
        ``model`` (name), ``top`` (list of (genre, probability), best first) and
        ``seconds`` (the model's time; ``None`` for the ensemble).
    """
    rows = [{"model": name, "top": r.top(k), "seconds": float(r.seconds)}
            for name, r in result.models.items()]
    rows.append({"model": ENSEMBLE, "top": top_genres(result.ensemble, k=k), "seconds": None})
    return rows


def _grouped(rows: list[dict[str, Any]]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """The rows of :func:`segment_rows` by model, in order."""
    by_model: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_model.setdefault(row["model"], []).append(row)
    yield from by_model.items()


def to_json_dict(result: Result, *, file: str | None = None) -> dict[str, Any]:
    """The result as a JSON-ready dict (what ``python -m mgc_core classify --json`` prints).

    Built from :func:`segment_rows`: ``file`` (when given), ``duration_s``, ``models``
    (by name: ``genre``, ``probabilities`` by genre, ``segments`` with ``start_s``,
    ``end_s`` and ``probabilities``, ``seconds``), ``ensemble`` (``genre``,
    ``probabilities``, ``weights`` by model), ``content`` (the gate: ``{"kind":
    "music"|"speech"|"silence"|"noise", "music_probability": p}``), ``audioset_genres``
    (AudioSet's own top music genres, ``{"name", "probability"}``) and ``seconds``.
    Probabilities are rounded to :data:`PROBABILITY_DECIMALS` decimals.

    Returns
    -------
    dict
    """

    def named(row: dict[str, Any]) -> dict[str, float]:
        return {g: round(row[g], PROBABILITY_DECIMALS) for g in GENRES}

    out: dict[str, Any] = {} if file is None else {"file": file}
    out["duration_s"] = _time(result.duration_s)
    out["models"] = {}
    for name, rows in _grouped(segment_rows(result, file=file)):
        whole, segments = rows[0], rows[1:]
        if name == ENSEMBLE:
            out["ensemble"] = {
                "genre": whole["genre"], "probabilities": named(whole),
                "weights": {m: round(float(w), PROBABILITY_DECIMALS)
                            for m, w in result.ensemble_weights.items()},
            }
            continue
        out["models"][name] = {
            "genre": whole["genre"],
            "probabilities": named(whole),
            "segments": [{"start_s": s["start_s"], "end_s": s["end_s"], "probabilities": named(s)}
                         for s in segments],
            "seconds": round(result.models[name].seconds, _SECONDS_DECIMALS),
        }
    if result.content is not None:
        out["content"] = result.content.to_dict()
    if result.audioset_genres:
        out["audioset_genres"] = [{"name": n, "probability": round(p, PROBABILITY_DECIMALS)}
                                  for n, p in result.audioset_genres]
    out["seconds"] = round(result.seconds, _SECONDS_DECIMALS)
    return out
