"""Words for a library run: the progress line and the summary, as text (the CLI prints them).

:class:`RateMeter` turns :class:`~mgc_core.batch.engine.Progress` updates into a one-line bar
with files per second and the time left; :func:`summary_lines` says what a run did;
:func:`undo_lines` what ``--undo-tags`` did. Nothing here prints.

Examples
--------
>>> from mgc_core.batch.report import duration
>>> duration(3725.0)
'1 h 02 min'
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.batch.engine import Progress, Summary
    from mgc_core.batch.tags import UndoOutcome

__all__ = ["RateMeter", "duration", "printable", "summary_lines", "undo_lines"]

#: Failed files listed by name in the summary (the rest are counted).
MAX_LISTED = 20


def printable(text: str) -> str:
    """``text`` safe to print: a file name's bytes that are not UTF-8 shown as U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def duration(seconds: float) -> str:
    """``42 s``, ``3 min 05 s``, ``1 h 02 min``."""
    s = int(round(max(0.0, seconds)))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


class RateMeter:
    """Files per second and time left of a run, as one line: ``[####....] 40/100 ...``.

    The rate counts the files classified in this run only (files done by an earlier run
    pass at once and would flatter it).
    """

    def __init__(self, *, width: int = 24, clock=time.monotonic) -> None:  # noqa: ANN001
        self.width, self._clock = width, clock
        self.started = clock()
        self._first: tuple[float, int] | None = None

    def line(self, p: Progress) -> str:
        now = self._clock()
        if self._first is None and p.classified:
            self._first = (now, p.classified)  # after the models' warm-up on the first file
        rate = 0.0
        if self._first is not None and p.classified > self._first[1]:
            rate = (p.classified - self._first[1]) / max(now - self._first[0], 1e-9)
        filled = int(self.width * p.done / p.total) if p.total else self.width
        left = p.total - p.done
        eta = duration(left / rate) if rate > 0 else "?"
        return (f"[{'#' * filled}{'.' * (self.width - filled)}] {p.done}/{p.total} files"
                f"  {rate:.2f} files/s  ETA {eta if left else '0 s'}  {p.failed} failed"
                f"  {duration(now - self.started)}")


def _counted(pairs: Iterable[tuple[str, int]]) -> str:
    return ", ".join(f"{n} {what}" for what, n in pairs)


def summary_lines(s: Summary, *, failures: Sequence[tuple[str, str]] = ()) -> list[str]:
    """What a run did, a line each (``failures``: (file, error) of this run's error rows)."""
    lines = [
        f"{s.classified} of {s.found} audio files classified in {duration(s.seconds)} "
        f"({s.files_per_minute:.1f} files/min, {s.engine} engine); {s.failed} failed; "
        f"{s.already_done} already done (skipped"
        + (f"; {s.already_failed} of them failed then: see their error rows)"
           if s.already_failed else ")")
    ]
    if s.genres:
        lines.append("verdicts: " + ", ".join(f"{g} {n}" for g, n in s.genres.most_common()))
    if s.skipped:
        lines.append("not classified: " + _counted(s.skipped.most_common()))
    lines.extend(f"note: {n}" for n in s.notes)
    for file, error in failures[:MAX_LISTED]:
        lines.append(f"failed: {file}: {error}")
    if len(failures) > MAX_LISTED:
        lines.append(f"... and {len(failures) - MAX_LISTED} more failed: see the error column")
    if s.tags:
        lines.append("tags: " + _counted(sorted(s.tags.items())) +
                     (f" (log: {s.tag_log})" if s.tag_log else ""))
    for file, error in s.tag_errors[:MAX_LISTED]:
        lines.append(f"tag not written: {file}: {error}")
    wrote = f"results: {s.out}"
    if s.repaired_bytes:
        wrote += f" (a half-written last line of {s.repaired_bytes} bytes was cut off)"
    if s.retried:
        wrote += f" ({s.retried} files that could not be read before were tried again)"
    lines.append(wrote)
    return [printable(line) for line in lines]


def undo_lines(outcomes: Sequence[UndoOutcome]) -> list[str]:
    """What ``--undo-tags`` did: a line per file not simply restored, then the counts."""
    from collections import Counter

    lines = [f"{o.status}: {o.file}" + (f": {o.message}" if o.message else "")
             for o in outcomes if o.status not in ("restored", "already as before")]
    counts = Counter(o.status for o in outcomes)
    lines.append("undo: " + (_counted(sorted(counts.items())) or "nothing logged"))
    return [printable(line) for line in lines]
