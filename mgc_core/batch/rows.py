"""One row per file: what a library run writes, and what the app's several-files table shows.

:func:`file_row` is the one way from a classification to a batch row. It reads the result
through :func:`mgc_core.analysis.rows.summary_row` (the verdict, the gate, each model's top
genre), so a row says exactly what the Classify page says about the same file. The CLI's
CSV/JSONL (``python -m mgc_core classify PATH... --out``), the local and the Ray engines and
the app's table all build their rows here, with the columns :data:`ROW_COLUMNS` in that
order: the verdict, its confidence, the gate and the error first.

Examples
--------
>>> from mgc_core.batch.rows import ROW_COLUMNS, error_row
>>> ROW_COLUMNS[:6]
('file', 'genre', 'confidence', 'content', 'music_p', 'error')
>>> error_row("x.mp3", "file not found")["error"]
'file not found'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mgc_core.models.registry import MODEL_NAMES

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.analysis.classify import Result

__all__ = [
    "ROW_COLUMNS", "KEY_COLUMNS", "WARNING_SEPARATOR", "PROBABILITY_DECIMALS",
    "file_row", "error_row", "one_line", "same_row",
]

#: Probabilities in a row are rounded to this many decimals; durations to 3.
PROBABILITY_DECIMALS = 4
#: Between two warnings of one file in the ``warnings`` column.
WARNING_SEPARATOR = " | "
#: What identifies a row's work: the file, its content and the models that judged it.
KEY_COLUMNS: tuple[str, ...] = ("file", "sha256", "models_sha256")


def _model_columns(models: Sequence[str]) -> list[str]:
    return [c for name in models for c in (name, f"{name}_p")]


#: Columns of a row, in order. ``genre`` is the app's verdict (empty when the gate says the
#: file is not music), ``confidence`` its probability; ``content`` and ``music_p`` are the
#: gate (music, speech, silence or noise, and AudioSet's probability of music); ``<model>``
#: and ``<model>_p`` each model's top genre; ``tags`` what ``--write-tags`` did.
ROW_COLUMNS: tuple[str, ...] = (
    "file", "genre", "confidence", "content", "music_p", "error", "warnings", "duration_s",
    *_model_columns(MODEL_NAMES), "audioset_genre", "tags", "sha256", "models_sha256",
)


def one_line(text: object) -> str:
    """``text`` on one line (control characters as spaces): every record of a CSV or JSONL
    output is then exactly one line, which is what lets a half-written last line be found."""
    return "".join(" " if (ch < " " or ch == "\x7f") else ch for ch in str(text)).strip()


def _round(value: Any, decimals: int) -> float | None:
    return None if value is None else round(float(value), decimals)


def _empty(file: str, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(ROW_COLUMNS)
    row.update({"file": file, "genre": "", "error": "", "warnings": "", "tags": ""})
    row.update(extra)
    return row


def file_row(
    result: Result,
    *,
    file: str,
    warnings: Iterable[str] = (),
    sha256: str | None = None,
    models_sha256: str | None = None,
) -> dict[str, Any]:
    """The batch row of one classified file.

    Parameters
    ----------
    result : Result
        From :func:`~mgc_core.analysis.classify.classify`.
    file : str
        The ``file`` column: a path (CLI) or a display name (app).
    warnings : iterable of str
        The loader's warnings (:attr:`mgc_core.audio.Audio.warnings`).
    sha256, models_sha256 : str, optional
        The file's content hash and the models' (:func:`mgc_core.batch.engine.models_sha256`).

    Returns
    -------
    dict
        Keys :data:`ROW_COLUMNS`. ``genre`` is the verdict and ``confidence`` its probability
        when the gate hears music; both are empty (``""`` and ``None``) otherwise, while each
        model's guess stays. Models not run have ``None``.
    """
    from mgc_core.analysis.rows import summary_row

    summary = summary_row(result, file=file)
    row = _empty(file, sha256=sha256, models_sha256=models_sha256)
    row["genre"] = summary["verdict"]
    row["confidence"] = _round(summary["verdict p"], PROBABILITY_DECIMALS)
    row["content"] = summary["content"]
    row["music_p"] = _round(summary["music p"], PROBABILITY_DECIMALS)
    row["warnings"] = WARNING_SEPARATOR.join(one_line(w) for w in warnings)
    row["duration_s"] = round(float(summary["duration_s"]), 3)
    for name in result.models:
        row[name] = summary[name]
        row[f"{name}_p"] = _round(summary[f"{name} p"], PROBABILITY_DECIMALS)
    row["audioset_genre"] = summary["audioset genre"]
    return row


def error_row(file: str, error: str, *, sha256: str | None = None,
              models_sha256: str | None = None, warnings: Iterable[str] = ()) -> dict[str, Any]:
    """The row of a file that could not be classified: its ``error`` and nothing else.

    Text columns are empty strings, numbers ``None``: no column says "None".
    """
    return _empty(file, error=one_line(error) or "failed", sha256=sha256,
                  models_sha256=models_sha256,
                  warnings=WARNING_SEPARATOR.join(one_line(w) for w in warnings))


def same_row(a: Mapping[str, Any], b: Mapping[str, Any], *, tol: float = 1e-3) -> bool:
    """Whether two rows say the same (numbers within ``tol``): engines are compared with it."""
    for column in ROW_COLUMNS:
        x, y = a.get(column), b.get(column)
        if isinstance(x, float) and isinstance(y, float):
            if abs(x - y) > tol:
                return False
        elif x != y:
            return False
    return True
