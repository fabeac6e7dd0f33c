"""Why a model decided: occlusion maps over a log-mel segment.

An occlusion map (Zeiler and Fergus, 2014) hides one patch of the input at a time,
replaces it with a neutral value, and records how much the model's probability for
one genre drops. Regions whose hiding costs the most are the ones the decision
leaned on. The method treats the model as a black box: it needs only
``predict_proba``, and every occluded copy of the segment goes through the model
in **one** batch.

Examples
--------
>>> import numpy as np
>>> class Toy:  # "genre 0" is sure when frames 0-19 of band 0-9 are loud
...     def predict_proba(self, X):
...         p0 = 1 / (1 + np.exp(-(X[:, :20, :10].mean(axis=(1, 2)) - 1)))
...         return np.column_stack([p0, 1 - p0])
>>> x = np.zeros((187, 96), dtype=np.float32); x[:20, :10] = 3.0
>>> m = occlusion_map(Toy(), x)
>>> int(np.unravel_index(np.argmax(m), m.shape)[0]) < 20
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mgc_core.errors import ParameterError
from mgc_core.models.frontend import N_MELS, SEGMENT_FRAMES

__all__ = ["occlusion_map", "PATCH"]

#: Default patch, (frames, mel bands): 17 frames = 0.27 s, 8 bands; tiles 187 x 96 exactly.
PATCH = (17, 8)


def _starts(n: int, size: int, step: int) -> np.ndarray:
    """Patch starts along an axis of length ``n``, the last one flush with the end."""
    starts = list(range(0, n - size + 1, step))
    if starts[-1] != n - size:
        starts.append(n - size)
    return np.asarray(starts)


def occlusion_map(
    model,  # noqa: ANN001 - anything with predict_proba((b, 187, 96)) -> (b, n_classes)
    logmel_segment: np.ndarray,
    *,
    target: int | str | None = None,
    patch: Sequence[int] = PATCH,
    stride: Sequence[int] | None = None,
    baseline: str | float = "mean",
) -> np.ndarray:
    """Occlusion map of one log-mel segment: how much hiding each region lowers a genre.

    A ``patch`` is slid over the segment with steps ``stride``; each position gives
    one copy of the segment with that patch set to ``baseline``. All copies, and the
    unoccluded segment, go through ``model.predict_proba`` in a single batch. The
    value of a cell is the drop in the ``target`` probability,
    ``p(unoccluded) - p(occluded)``, averaged over the patches that cover the cell.

    How to read it: **positive** cells (red on the Classify page) supported the
    decision, since hiding them lowers the model's belief in the genre; **negative**
    cells spoke against it; cells near zero did not matter *on their own*. The map is
    as coarse as the patch, and it measures one region at a time: two regions that
    each suffice for the decision both look unimportant, and the baseline is itself
    an input the model may find strange. It shows what the model used, not what
    makes music belong to the genre.

    Parameters
    ----------
    model : object
        Any object with ``predict_proba(X)`` taking ``X`` of shape ``(b, 187, 96)``
        and returning ``(b, n_classes)`` probabilities, such as
        :class:`~mgc_core.models.cnn.CNNModel`.
    logmel_segment : np.ndarray [shape=(187, 96)]
        One segment of :meth:`CNNModel.inputs <mgc_core.models.cnn.CNNModel.inputs>`
        (frames x mel bands).
    target : int, str or None
        The class whose probability is watched: an index, a genre name of
        :data:`~mgc_core.genres.GENRES`, or ``None`` for the model's top class on the
        unoccluded segment.
    patch : (int, int)
        Patch size in (frames, mel bands), each at least 1 and at most the segment's.
    stride : (int, int) or None
        Steps in (frames, mel bands); ``None`` means ``patch`` (non-overlapping
        tiles). The last patch on each axis is placed flush with the end, so every
        cell is covered.
    baseline : "mean" or float
        What a hidden patch becomes: the segment's mean (``"mean"``) or a fixed value.

    Returns
    -------
    np.ndarray [shape=(187, 96)], float32
        Drop in the target probability, frames x mel bands (like the input).

    Raises
    ------
    ParameterError
        If the segment is not a finite ``(187, 96)`` array, ``patch``, ``stride`` or
        ``baseline`` are invalid, ``target`` is unknown, or the model's output does not
        have one row per input.

    Examples
    --------
    >>> import numpy as np
    >>> class Flat:
    ...     def predict_proba(self, X):
    ...         return np.full((len(X), 10), 0.1)
    >>> occlusion_map(Flat(), np.zeros((187, 96))).shape
    (187, 96)
    """
    from mgc_core.genres import GENRES

    x = np.asarray(logmel_segment, dtype=np.float32)
    if x.shape != (SEGMENT_FRAMES, N_MELS):
        raise ParameterError(
            f"logmel_segment must be one segment of shape ({SEGMENT_FRAMES}, {N_MELS}) "
            f"(frames x mel bands, e.g. CNNModel().inputs(front)[i]); got {x.shape}."
        )
    if not np.all(np.isfinite(x)):
        raise ParameterError("logmel_segment contains NaN or infinite values.")
    if not hasattr(model, "predict_proba"):
        raise ParameterError(
            f"model must have a predict_proba method; got {type(model).__name__}."
        )
    sizes = _pair(patch, "patch")
    steps = sizes if stride is None else _pair(stride, "stride")
    if sizes[0] > x.shape[0] or sizes[1] > x.shape[1]:
        raise ParameterError(f"patch {sizes} is larger than the segment {x.shape}.")
    if isinstance(baseline, str):
        if baseline != "mean":
            raise ParameterError(f"baseline must be 'mean' or a number; got {baseline!r}.")
        fill = float(x.mean())
    elif isinstance(baseline, (int, float, np.number)) and np.isfinite(baseline):
        fill = float(baseline)
    else:
        raise ParameterError(f"baseline must be 'mean' or a finite number; got {baseline!r}.")

    rows, cols = _starts(x.shape[0], sizes[0], steps[0]), _starts(x.shape[1], sizes[1], steps[1])
    positions = [(r, c) for r in rows for c in cols]
    batch = np.repeat(x[None], len(positions) + 1, axis=0)
    for k, (r, c) in enumerate(positions, start=1):
        batch[k, r : r + sizes[0], c : c + sizes[1]] = fill
    p = np.asarray(model.predict_proba(batch), dtype=np.float64)
    if p.ndim != 2 or p.shape[0] != len(batch):
        raise ParameterError(
            f"model.predict_proba must return (n_inputs, n_classes); got {p.shape} for "
            f"{len(batch)} inputs."
        )
    index = _target_index(target, p[0], GENRES)
    drops = p[0, index] - p[1:, index]

    total = np.zeros(x.shape, dtype=np.float64)
    count = np.zeros(x.shape, dtype=np.float64)
    for (r, c), d in zip(positions, drops):
        total[r : r + sizes[0], c : c + sizes[1]] += d
        count[r : r + sizes[0], c : c + sizes[1]] += 1
    return (total / count).astype(np.float32)


def _pair(value: Sequence[int], name: str) -> tuple[int, int]:
    try:
        a, b = (int(v) for v in value)
    except (TypeError, ValueError):
        raise ParameterError(
            f"{name} must be two integers (frames, mel bands); got {value!r}."
        ) from None
    if a < 1 or b < 1:
        raise ParameterError(f"{name} must be at least 1 in each direction; got {(a, b)}.")
    return a, b


def _target_index(target: int | str | None, p: np.ndarray, genres: Sequence[str]) -> int:
    n = p.size
    if target is None:
        return int(np.argmax(p))
    if isinstance(target, str):
        if n != len(genres) or target not in genres:
            raise ParameterError(
                f"target {target!r} is not a genre of this model; use one of "
                f"{', '.join(genres)} or a class index."
            )
        return list(genres).index(target)
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool) and 0 <= target < n:
        return int(target)
    raise ParameterError(
        f"target must be None, a genre name or a class index 0..{n - 1}; got {target!r}."
    )
