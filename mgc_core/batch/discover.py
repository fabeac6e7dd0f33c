"""Find the audio files of a library: paths and folders in, audio files out, nothing lost.

:func:`discover` walks the paths given (folders only one level deep unless
``recursive=True``) and returns a :class:`Discovery`: the audio files in a stable order
(sorted names, a folder's files before its subfolders), the paths that should have been
audio but cannot be used (each becomes an error row), one line for each folder that could
not be read or was reached a second time (a symlink loop), and how many other entries were
skipped and why. Nothing is opened: only names and ``stat``.

An audio file is a regular file whose extension is one of
:data:`mgc_core.audio.SUPPORTED_EXTENSIONS` (any case). Hidden entries (a name starting
with ``.``: macOS's ``._song.mp3`` resource forks, our own temporary files) are skipped, and
a file reached twice (a second link to it) is taken once.

Examples
--------
>>> from mgc_core.batch.discover import discover
>>> found = discover(["/nonexistent/song.mp3"])
>>> found.files, found.failed[0][1][:14]
([], 'file not found')
"""

from __future__ import annotations

import errno
import os
import stat
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mgc_core.audio import SUPPORTED_EXTENSIONS

__all__ = ["Discovery", "discover", "is_audio_name"]

_EXTENSIONS = frozenset(SUPPORTED_EXTENSIONS)

#: Reasons an entry is skipped without a row (the keys of :attr:`Discovery.skipped`).
NOT_AUDIO = "not audio (by extension)"
HIDDEN = "hidden (name starts with '.')"
DUPLICATE = "the same file reached twice"
NOT_REGULAR = "not a regular file (device, pipe, socket)"
NOT_ENTERED = "folders not entered (no --recursive)"
VANISHED = "vanished while listing"


def is_audio_name(name: str) -> bool:
    """Whether a file name has one of the supported audio extensions (any case)."""
    stem, dot, ext = name.rpartition(".")
    return bool(dot and stem) and ext.lower() in _EXTENSIONS


@dataclass
class Discovery:
    """What :func:`discover` found.

    Attributes
    ----------
    files : list of Path
        The audio files, in the order they are to be classified.
    failed : list of (str, str)
        Paths that should be audio but cannot be used, with the reason: each becomes an
        error row (a path given that does not exist, a broken link named like audio).
    notes : list of str
        One line each for a folder that could not be read or was reached twice (a symlink
        loop), for the summary.
    skipped : Counter
        Entries skipped without a row, by reason (not audio, hidden, duplicates, ...).
    """

    files: list[Path] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)

    @property
    def unreadable_folders(self) -> int:
        """Folders that could not be listed."""
        return sum(1 for n in self.notes if "cannot read this folder" in n)


class _Walker:
    def __init__(self, recursive: bool) -> None:
        self.recursive = recursive
        self.found = Discovery()
        self._files: set[tuple[int, int]] = set()
        self._dirs: set[tuple[int, int]] = set()

    def add_file(self, path: Path, st: os.stat_result) -> None:
        if not is_audio_name(path.name):
            self.found.skipped[NOT_AUDIO] += 1
            return
        key = (st.st_dev, st.st_ino)
        if key in self._files:
            self.found.skipped[DUPLICATE] += 1
            return
        self._files.add(key)
        self.found.files.append(path)

    def entry(self, path: Path, *, named: bool) -> Path | None:
        """Sort one path: a file is added, a folder returned to be listed, the rest noted."""
        try:
            st = path.stat()  # follows links
        except FileNotFoundError:
            if path.is_symlink():
                if is_audio_name(path.name):
                    self.found.failed.append(
                        (str(path), "broken link: what it points to does not exist"))
                else:
                    self.found.skipped[NOT_AUDIO] += 1
            elif named:
                self.found.failed.append(
                    (str(path), "file not found: check the path and that it was not moved"))
            else:
                self.found.skipped[VANISHED] += 1
            return None
        except OSError as err:
            if err.errno == errno.ELOOP:
                self.found.notes.append(f"{path}: a symlink loop (the link leads back to "
                                        "itself); skipped")
            elif is_audio_name(path.name) or named:
                self.found.failed.append((str(path), f"cannot read: {err.strerror or err}"))
            else:
                self.found.notes.append(f"{path}: cannot read ({err.strerror or err}); skipped")
            return None
        if stat.S_ISDIR(st.st_mode):
            if named or self.recursive:
                return path
            self.found.skipped[NOT_ENTERED] += 1
            return None
        if stat.S_ISREG(st.st_mode):
            self.add_file(path, st)
        else:
            self.found.skipped[NOT_REGULAR] += 1
        return None

    def walk(self, top: Path) -> None:
        stack = [top]
        while stack:
            folder = stack.pop()
            try:
                st = folder.stat()
                key = (st.st_dev, st.st_ino)
                if key in self._dirs:
                    self.found.notes.append(
                        f"{folder}: a folder reached again through a link (a symlink loop or "
                        "a second link to it); not entered twice")
                    continue
                self._dirs.add(key)
                with os.scandir(folder) as it:
                    names = sorted(e.name for e in it)
            except OSError as err:
                self.found.notes.append(
                    f"{folder}: cannot read this folder ({err.strerror or err}); skipped")
                continue
            subfolders = []
            for name in names:
                if name.startswith("."):
                    self.found.skipped[HIDDEN] += 1
                    continue
                sub = self.entry(folder / name, named=False)
                if sub is not None:
                    subfolders.append(sub)
            stack.extend(reversed(subfolders))


def discover(paths: Iterable[str | os.PathLike], *, recursive: bool = False) -> Discovery:
    """The audio files under ``paths``, and an account of everything else.

    Parameters
    ----------
    paths : iterable of path-like
        Files and folders. A folder's own files are taken; its subfolders only with
        ``recursive``. A file named explicitly is still taken only if it has an audio
        extension (others count as skipped).
    recursive : bool
        Walk subfolders, following links to folders; a folder reached twice is entered
        once (a symlink loop ends there, with a note).

    Returns
    -------
    Discovery
    """
    walker = _Walker(recursive)
    for raw in paths:
        path = Path(raw)
        folder = walker.entry(path, named=True)
        if folder is not None:
            walker.walk(folder)
    return walker.found
