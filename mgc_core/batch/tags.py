"""Write a verdict into a file's own genre tag, and take it back: safely, and only the tag.

:func:`write_genre` sets the genre tag with mutagen: ID3 ``TCON`` (MP3), Vorbis comment
``GENRE`` (FLAC, Ogg Vorbis, Opus) or MP4 ``©gen`` (M4A/MP4; an old numeric ``gnre`` atom is
removed with it). Only the tag changes: mutagen rewrites the metadata and leaves the audio
frames as they are (the tests decode before and after and compare). The file is never
written in place: a copy beside it (a hidden temporary file in the same folder) is changed,
synced and then swapped in with one atomic ``os.replace``, so a crash leaves either the old
file or the new one. Permissions and, where allowed, the owner are kept.

Every write is logged first (:class:`TagLog`, JSON Lines): the file, the genre tags it had,
the one written and the file's sha256 before and after. :func:`undo_tags` reads such a log
and puts the previous tags back, newest first, leaving alone any file whose genre has been
changed since. A read-only file (no write bit, even for root), a folder that cannot be
written and a format without these tags (WAV, AIFF, AU, WMA, WebM, ...) raise
:class:`TagError`; the batch run turns it into an error row.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mgc_core.errors import MGCError

__all__ = [
    "TAG_NAMES", "SUPPORTED_FORMATS", "TagError", "TagChange", "TagLog", "tag_name",
    "read_genre", "write_genre", "undo_tags", "UndoOutcome", "log_entries", "sha256_file",
]

#: The tag value written for each of mgc's genres (ID3v1's spelling of the same names).
TAG_NAMES = {"blues": "Blues", "classical": "Classical", "country": "Country",
             "disco": "Disco", "hiphop": "Hip-Hop", "jazz": "Jazz", "metal": "Metal",
             "pop": "Pop", "reggae": "Reggae", "rock": "Rock"}
#: What can be tagged, for messages.
SUPPORTED_FORMATS = "MP3 (ID3 TCON), FLAC, Ogg Vorbis and Opus (GENRE), MP4/M4A (©gen)"
_MP4_GENRE, _MP4_OLD = "\xa9gen", "gnre"


class TagError(MGCError):
    """A genre tag could not be read or written (read-only file, format without tags, ...)."""


def tag_name(genre: str) -> str:
    """The tag value for one of mgc's genres (``"hiphop"`` -> ``"Hip-Hop"``)."""
    return TAG_NAMES.get(genre, genre)


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes, read in 1-MB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------- formats


def _open(path: str | os.PathLike) -> tuple[Any, str]:
    """The mutagen object of a taggable file and its kind: ``"id3"``, ``"vorbis"``, ``"mp4"``."""
    import mutagen
    from mutagen.flac import FLAC
    from mutagen.mp3 import MP3
    from mutagen.mp4 import MP4
    from mutagen.oggopus import OggOpus
    from mutagen.oggvorbis import OggVorbis

    try:
        f = mutagen.File(path)
    except mutagen.MutagenError as err:
        raise TagError(f"cannot read its tags: {err}") from err
    if isinstance(f, MP3):
        return f, "id3"
    if isinstance(f, (FLAC, OggVorbis, OggOpus)):
        return f, "vorbis"
    if isinstance(f, MP4):
        return f, "mp4"
    kind = type(f).__name__ if f is not None else "an unknown format"
    raise TagError(f"{kind} has no genre tag that mgc writes; it writes {SUPPORTED_FORMATS}.")


def _genre_tags(f: Any, kind: str) -> dict[str, list]:
    """The genre tags a file has now, by key (empty when it has none)."""
    tags = f.tags
    if tags is None:
        return {}
    if kind == "id3":
        values = [str(v) for frame in tags.getall("TCON") for v in frame.text]
        return {"TCON": values} if values else {}
    if kind == "vorbis":
        values = list(tags.get("genre", []))
        return {"GENRE": values} if values else {}
    out = {}
    for key in (_MP4_GENRE, _MP4_OLD):
        if key in tags:
            out[key] = [v if isinstance(v, str) else int(v) for v in tags[key]]
    return out


def _set_genre_tags(f: Any, kind: str, values: dict[str, list]) -> None:
    """Make the file's genre tags exactly ``values`` (an empty dict removes them)."""
    if f.tags is None:
        f.add_tags()
    tags = f.tags
    if kind == "id3":
        from mutagen.id3 import TCON

        tags.delall("TCON")
        if values.get("TCON"):
            tags.add(TCON(encoding=3, text=list(values["TCON"])))
    elif kind == "vorbis":
        if "genre" in tags:
            del tags["genre"]
        if values.get("GENRE"):
            tags["genre"] = list(values["GENRE"])
    else:
        for key in (_MP4_GENRE, _MP4_OLD):
            if key in tags:
                del tags[key]
            if values.get(key):
                tags[key] = list(values[key])


def _save(f: Any, kind: str, path: str) -> None:
    if kind == "id3":
        version = getattr(f.tags, "version", (2, 4, 0))
        f.save(path, v2_version=3 if version[:2] == (2, 3) else 4)
    else:
        f.save(path)


def read_genre(path: str | os.PathLike) -> dict[str, list]:
    """The genre tags of a file, by key (``{"TCON": ["Rock"]}``; ``{}`` when untagged).

    Raises
    ------
    TagError
        If the format is not one mgc tags, or its tags cannot be read.
    """
    f, kind = _open(path)
    return _genre_tags(f, kind)


# --------------------------------------------------------------------------- the log


class TagLog:
    """An append-only JSON Lines log of tag writes (written before each file is replaced).

    Each line: ``op`` (``"write"`` or ``"undo"``), ``time``, ``file`` (the real path),
    ``previous`` and ``new`` (genre tags by key), ``sha256_before``, ``sha256_after``.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    def append(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry) + "\n"  # ASCII: a file name that is not UTF-8 survives
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())


def log_entries(path: str | os.PathLike) -> Iterator[dict[str, Any]]:
    """The complete entries of a tag log, oldest first (a damaged line is left out).

    Raises
    ------
    TagError
        If the log cannot be read.
    """
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise TagError(f"cannot read the tag log '{path}': {err.strerror or err}.") from err
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict) and {"file", "previous", "new"} <= entry.keys():
            yield entry


# --------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class TagChange:
    """What :func:`write_genre` did, or would do.

    Attributes
    ----------
    file : str
        The file's real path (links resolved).
    previous, new : dict of str to list
        Its genre tags before, and as written (or to be written).
    changed : bool
        False when the file already said exactly this (nothing is written then).
    written : bool
        True when the file was replaced (False for a dry run or no change).
    sha256_before, sha256_after : str or None
        The file's hash before and after (after: only when written).
    """

    file: str
    previous: dict[str, list]
    new: dict[str, list]
    changed: bool
    written: bool
    sha256_before: str | None = None
    sha256_after: str | None = None

    def describe(self) -> str:
        """One line: ``GENRE 'Pop' -> 'Rock'``."""
        def show(tags: dict[str, list]) -> str:
            return "; ".join(f"{k} {', '.join(map(str, v))!r}" for k, v in tags.items()) or "none"

        return f"{show(self.previous)} -> {show(self.new)}"


def _check_writable(real: str) -> os.stat_result:
    try:
        st = os.stat(real)
    except FileNotFoundError:
        raise TagError("the file disappeared before its tag was written.") from None
    except OSError as err:
        raise TagError(f"cannot read the file: {err.strerror or err}.") from err
    if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(
            real, os.W_OK):
        raise TagError("the file is read-only, so its genre tag was not written (make it "
                       "writable to tag it).")
    return st


def _replace_with(real: str, st: os.stat_result, change: Any) -> tuple[str, str]:
    """Copy ``real`` to a temporary file beside it and apply ``change(tmp)``, synced.

    Returns the copy's sha256 and path; :func:`_commit` swaps it in."""
    folder, name = os.path.split(real)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".mgc-tmp", dir=folder or ".")
    except OSError as err:
        raise TagError(f"cannot write in its folder ({err.strerror or err}), so the tag "
                       "was not written.") from err
    try:
        os.close(fd)
        shutil.copyfile(real, tmp)
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        try:
            os.chown(tmp, st.st_uid, st.st_gid)
        except OSError:
            pass  # not allowed (not root): the file is then ours, as any editor would leave it
        change(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        after = sha256_file(tmp)
        return after, tmp
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _commit(tmp: str, real: str) -> None:
    try:
        os.replace(tmp, real)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise TagError(f"cannot replace the file: {err.strerror or err}.") from err
    try:
        dir_fd = os.open(os.path.dirname(real) or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the replace itself is done
    finally:
        os.close(dir_fd)


def _apply(real: str, kind: str, values: dict[str, list]) -> Any:
    def change(tmp: str) -> None:
        import mutagen

        f, _ = _open(tmp)
        _set_genre_tags(f, kind, values)
        try:
            _save(f, kind, tmp)
        except mutagen.MutagenError as err:
            raise TagError(f"cannot write its tags: {err}") from err

    return change


def write_genre(path: str | os.PathLike, genre: str, *, dry_run: bool = False,
                log: TagLog | None = None, sha256_before: str | None = None) -> TagChange:
    """Set the file's genre tag to ``tag_name(genre)``.

    Parameters
    ----------
    path : path-like
        An MP3, FLAC, Ogg Vorbis/Opus or MP4/M4A file. A link is followed: the file it
        points to is changed and the link stays.
    genre : str
        One of mgc's genres (written as :data:`TAG_NAMES` spells it) or any other text.
    dry_run : bool
        Only say what would change.
    log : TagLog, optional
        Where the write is logged, before the file is replaced.
    sha256_before : str, optional
        The file's hash if already known (else it is computed when writing).

    Returns
    -------
    TagChange

    Raises
    ------
    TagError
        Read-only file or folder, a format without these tags, a file that vanished.
    """
    real = os.path.realpath(path)
    f, kind = _open(real) if os.path.exists(real) else (None, None)
    if f is None:
        raise TagError("the file disappeared before its tag was written.")
    previous = _genre_tags(f, kind)
    key = {"id3": "TCON", "vorbis": "GENRE", "mp4": _MP4_GENRE}[kind]
    new = {key: [tag_name(genre)]}
    if previous == new:
        return TagChange(real, previous, new, changed=False, written=False,
                         sha256_before=sha256_before)
    if dry_run:
        _check_writable(real)
        return TagChange(real, previous, new, changed=True, written=False,
                         sha256_before=sha256_before)
    st = _check_writable(real)
    before = sha256_before or sha256_file(real)
    after, tmp = _replace_with(real, st, _apply(real, kind, new))
    if log is not None:
        try:
            log.append({"op": "write", "time": _now(), "file": real, "format": kind,
                        "previous": previous, "new": new, "sha256_before": before,
                        "sha256_after": after})
        except OSError as err:
            Path(tmp).unlink(missing_ok=True)
            raise TagError(f"cannot write the tag log '{log.path}' ({err.strerror or err}); "
                           "the tag was not written.") from err
    _commit(tmp, real)
    return TagChange(real, previous, new, changed=True, written=True,
                     sha256_before=before, sha256_after=after)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- undo


@dataclass(frozen=True)
class UndoOutcome:
    """What :func:`undo_tags` did with one logged write: ``status`` is ``"restored"``,
    ``"would restore"``, ``"already as before"``, ``"changed since"`` (left alone) or
    ``"error"`` (then ``message`` says why)."""

    file: str
    status: str
    message: str = ""


def undo_tags(log_path: str | os.PathLike, *, dry_run: bool = False) -> list[UndoOutcome]:
    """Put back the genre tags a log's writes replaced, newest write first.

    A file whose genre tags are no longer what was written (changed since, by hand or by a
    later run whose write was undone already) is left alone. Each restore goes through a
    temporary file and an atomic replace, like a write, and is logged in the same log as
    ``op: "undo"`` (an undo is never undone by a second undo).

    Raises
    ------
    TagError
        If the log cannot be read. A file that cannot be restored gives an ``"error"``
        outcome instead.
    """
    log = TagLog(log_path)
    writes = [e for e in log_entries(log_path) if e.get("op", "write") == "write"]
    outcomes = []
    simulated: dict[str, dict[str, list]] = {}  # a dry run's restores, as if done
    for entry in reversed(writes):
        real = entry["file"]
        try:
            f, kind = _open(real) if os.path.exists(real) else (None, None)
            if f is None:
                raise TagError("the file no longer exists.")
            current = simulated.get(real, _genre_tags(f, kind))
            if current == entry["previous"]:
                outcomes.append(UndoOutcome(real, "already as before"))
                continue
            if current != entry["new"]:
                outcomes.append(UndoOutcome(real, "changed since",
                                            "its genre was changed after mgc wrote it"))
                continue
            if dry_run:
                _check_writable(real)
                simulated[real] = entry["previous"]
                outcomes.append(UndoOutcome(real, "would restore"))
                continue
            st = _check_writable(real)
            before = sha256_file(real)
            after, tmp = _replace_with(real, st, _apply(real, kind, entry["previous"]))
            log.append({"op": "undo", "time": _now(), "file": real, "format": kind,
                        "previous": current, "new": entry["previous"],
                        "sha256_before": before, "sha256_after": after})
            _commit(tmp, real)
            outcomes.append(UndoOutcome(real, "restored"))
        except (TagError, OSError) as err:
            outcomes.append(UndoOutcome(real, "error", str(err)))
    return outcomes
