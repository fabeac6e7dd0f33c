"""The results file of a library run: appended a row at a time, valid whenever it is killed.

A :class:`ResultsFile` is a CSV (``.csv``) or JSON Lines (``.jsonl``/``.ndjson``) file of
:data:`~mgc_core.batch.rows.ROW_COLUMNS` rows. Every record is exactly one line (values are
put on one line first), so that:

- each row is written with one ``write`` of a whole line and flushed at once: a process
  killed at any moment (Ctrl-C, ``kill -9``) leaves every finished row in the file and at
  most one half-written last line;
- :meth:`ResultsFile.open` repairs such a line (cuts it off; its file is classified again)
  before anything is appended, and reads the rows already there so a run can resume;
- rows of files that could not even be read (no ``sha256``) are dropped when the file is
  opened again, by an atomic rewrite, so those files are tried again without a second row.

The file is locked (``flock``) while a run writes to it: a second run on the same output
stops with a clear error instead of interleaving its rows.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mgc_core.batch.rows import ROW_COLUMNS, one_line
from mgc_core.errors import ParameterError

__all__ = ["FORMATS", "ResultsFile", "read_rows", "output_format"]

#: Suffix -> format.
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
#: Columns holding numbers (read back from a CSV as float, or None when empty).
_NUMBERS = frozenset(c for c in ROW_COLUMNS
                     if c in ("confidence", "music_p", "duration_s") or c.endswith("_p"))
_FSYNC_EVERY_S = 2.0
#: File names that are not UTF-8 (any bytes but "/" are allowed on Linux) reach Python with
#: their odd bytes as surrogates; written and read back with this handler they stay the same
#: path, so such a file is still found done on resume.
_NAMES = "surrogateescape"


def output_format(path: str | os.PathLike) -> str:
    """``"csv"`` or ``"jsonl"`` from the file's suffix.

    Raises
    ------
    ParameterError
        For any other suffix.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ParameterError(
            f"--out must end in .csv or .jsonl (the format is told by the suffix); got "
            f"'{Path(path).name}'."
        )
    return FORMATS[suffix]


def _csv_line(values: list[Any]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(values)
    return buf.getvalue().encode("utf-8", _NAMES)


def _encode(row: dict[str, Any], fmt: str) -> bytes:
    if fmt == "jsonl":
        clean = {c: one_line(v) if isinstance(v, str) and c != "file" else v
                 for c, v in ((c, row.get(c)) for c in ROW_COLUMNS)}
        line = json.dumps(clean, ensure_ascii=False, allow_nan=False) + "\n"
        return line.encode("utf-8", _NAMES)
    return _csv_line(["" if row.get(c) is None else one_line(row[c]) for c in ROW_COLUMNS])


def _decode_csv(record: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for column in ROW_COLUMNS:
        value = record.get(column, "")
        if column in _NUMBERS:
            row[column] = float(value) if value not in ("", None) else None
        else:
            row[column] = value if value is not None else ""
    return row


def read_rows(path: str | os.PathLike) -> Iterator[dict[str, Any]]:
    """The complete rows of a results file, typed as written (CSV numbers as floats).

    A half-written last line and a line that cannot be parsed are left out.
    """
    fmt = output_format(path)
    data = Path(path).read_bytes()
    end = data.rfind(b"\n") + 1
    text = data[:end].decode("utf-8", _NAMES)
    if fmt == "jsonl":
        for line in text.splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict):
                yield {c: row.get(c) for c in ROW_COLUMNS}
        return
    reader = csv.DictReader(io.StringIO(text))
    for record in reader:
        if None in record or len(record) != len(ROW_COLUMNS):
            continue  # a damaged line (more or fewer fields)
        yield _decode_csv(record)


class ResultsFile:
    """An open, locked results file; use :meth:`open`.

    Attributes
    ----------
    path : Path
    format : str
        ``"csv"`` or ``"jsonl"``.
    rows : list of dict
        The rows already in the file when it was opened (after repair).
    repaired_bytes : int
        Bytes of a half-written last line cut off when it was opened.
    dropped_rows : int
        Error rows without a content hash dropped to try their files again.
    """

    def __init__(self, path: Path, fmt: str, handle: Any) -> None:
        self.path, self.format, self._handle = path, fmt, handle
        self.rows: list[dict[str, Any]] = []
        self.repaired_bytes = 0
        self.dropped_rows = 0
        self._synced = time.monotonic()

    @classmethod
    def open(cls, path: str | os.PathLike) -> ResultsFile:
        """Open ``path`` for appending (made if missing), lock it, repair it, read it.

        Raises
        ------
        ParameterError
            A suffix other than .csv/.jsonl, a CSV with other columns, or another run
            holding the file.
        """
        path = Path(path)
        fmt = output_format(path)
        if path.parent and not path.parent.is_dir():
            raise ParameterError(f"the folder of --out does not exist: '{path.parent}'.")
        handle = cls._locked(path)
        out = cls(path, fmt, handle)
        try:
            out._repair()
            out._read()
        except BaseException:
            handle.close()
            raise
        return out

    @staticmethod
    def _locked(path: Path) -> Any:
        handle = open(path, "ab+")  # noqa: SIM115 - kept open for the run
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise ParameterError(
                f"another run is writing to '{path}' right now; wait for it or choose "
                "another --out.") from None
        return handle

    def _repair(self) -> None:
        self._handle.seek(0, os.SEEK_END)
        size = self._handle.tell()
        if size == 0:
            return
        self._handle.seek(max(0, size - 1))
        if self._handle.read(1) == b"\n":
            return
        self._handle.seek(0)
        data = self._handle.read()
        keep = data.rfind(b"\n") + 1
        os.truncate(self._handle.fileno(), keep)
        self.repaired_bytes = size - keep

    def _read(self) -> None:
        self._handle.seek(0)
        head = self._handle.readline()
        if self.format == "csv" and head:
            header = next(csv.reader([head.decode("utf-8", _NAMES)]), [])
            if tuple(header) != ROW_COLUMNS:
                raise ParameterError(
                    f"'{self.path}' has other columns than mgc writes (another program or "
                    "another version of mgc wrote it); choose another --out.")
        rows = list(read_rows(self.path)) if head else []
        keep = [r for r in rows if r["sha256"] or not r["error"]]
        if len(keep) < len(rows):
            self._rewrite(keep)
            self.dropped_rows = len(rows) - len(keep)
        self.rows = keep
        if self.format == "csv" and not head:
            self._write(_csv_line(list(ROW_COLUMNS)))

    def _rewrite(self, rows: list[dict[str, Any]]) -> None:
        """Replace the file by ``rows`` atomically (temporary file, then ``os.replace``)."""
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                if self.format == "csv":
                    f.write(_csv_line(list(ROW_COLUMNS)))
                for row in rows:
                    f.write(_encode(row, self.format))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._handle.close()
        self._handle = self._locked(self.path)

    def _write(self, line: bytes) -> None:
        self._handle.write(line)
        self._handle.flush()
        now = time.monotonic()
        if now - self._synced >= _FSYNC_EVERY_S:
            os.fsync(self._handle.fileno())
            self._synced = now

    def append(self, row: dict[str, Any]) -> None:
        """Append one row (one line) and flush it to the operating system at once."""
        self._write(_encode(row, self.format))

    def close(self) -> None:
        """Sync, unlock and close."""
        if self._handle.closed:
            return
        try:
            self._handle.flush()
            os.fsync(self._handle.fileno())
        finally:
            self._handle.close()

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
