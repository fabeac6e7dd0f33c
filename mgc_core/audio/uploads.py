"""Checks for files that users upload: a safe label, the extension, the size.

An uploaded file's name comes from the user's machine (or from whoever crafts the
request), so it is only ever used as a label on screen and to guess a MIME type
from its extension, never as a path: nothing is written, and the audio is told
from its bytes (see :func:`mgc_core.audio.load_audio`). :func:`display_name` makes
any name safe to show: the last path component only, no control or invisible
characters, at most :data:`MAX_NAME_CHARS` characters.

Example
-------
>>> display_name("../../etc/passwd.wav")
'passwd.wav'
>>> check_upload("song.MP3", 3_000_000, limit_mb=200)
'mp3'
"""

from __future__ import annotations

import numbers
import unicodedata

from mgc_core.audio.load import SUPPORTED_EXTENSIONS
from mgc_core.errors import AudioError, ParameterError

__all__ = [
    "MAX_NAME_CHARS",
    "BYTES_PER_MB",
    "display_name",
    "extension",
    "check_upload_size",
    "check_extension",
    "check_upload",
]

#: Longest label :func:`display_name` returns (characters, the ellipsis included).
MAX_NAME_CHARS = 80

#: Bytes in one "MB" of ``server.maxUploadSize``: Streamlit's server counts MiB.
BYTES_PER_MB = 1024 * 1024

_UNNAMED = "unnamed file"
_ELLIPSIS = "…"
# Unicode categories dropped from names: controls (NUL, ESC, newlines, DEL, C1), format
# characters (bidi overrides that reverse text, zero-width joiners), surrogates,
# private-use and unassigned code points, and line/paragraph separators.
_DROPPED = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def display_name(name: object, *, max_chars: int = MAX_NAME_CHARS) -> str:
    """A short, printable label for a user-supplied file name; never a path.

    Parameters
    ----------
    name : str, bytes or None
        The name as received. Bytes (e.g. a name that is not valid UTF-8) are decoded
        with replacement characters; ``None`` or an empty name gives ``'unnamed file'``.
    max_chars : int >= 10
        Longest result; a longer name keeps its start and its end (with the
        extension) around an ellipsis ``'…'``.

    Returns
    -------
    str
        The last component after any ``/`` or ``\\``, NFC-normalised, with control
        and invisible characters removed (tabs and newlines become spaces, lone
        surrogates ``'\ufffd'``), runs of spaces collapsed, and at most ``max_chars``
        characters.

    Raises
    ------
    ParameterError
        If ``max_chars`` is not an integer >= 10.

    Examples
    --------
    >>> display_name("a/b\\\\c.mp3")
    'c.mp3'
    >>> display_name("evil\\x00\\x1b[31m\\u202eld.wav")
    'evil[31mld.wav'
    >>> display_name(b"caf\\xe9.flac") == "caf\\ufffd.flac"
    True
    >>> len(display_name("x" * 10_000 + ".wav"))
    80
    """
    if isinstance(max_chars, bool) or not isinstance(max_chars, numbers.Integral) or max_chars < 10:
        raise ParameterError(
            f"max_chars must be an integer >= 10 (room for an ellipsis and an extension); "
            f"got {max_chars!r}."
        )
    if name is None:
        return _UNNAMED
    if isinstance(name, (bytes, bytearray)):
        text = bytes(name).decode("utf-8", errors="replace")
    else:
        text = str(name)
    text = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)
    text = unicodedata.normalize("NFC", text)
    text = "".join(
        " " if ch in "\t\n\r\v\f" else ch
        for ch in text
        if ch in "\t\n\r\v\f" or unicodedata.category(ch) not in _DROPPED
    )
    text = " ".join(text.split())
    base = text.replace("\\", "/").rstrip("/ ").rsplit("/", 1)[-1].strip()
    if base in ("", ".", ".."):
        return _UNNAMED
    if len(base) <= max_chars:
        return base
    keep = max_chars - len(_ELLIPSIS)
    tail = keep // 3
    return base[: keep - tail].rstrip() + _ELLIPSIS + base[len(base) - tail :].lstrip()


def extension(name: object) -> str:
    """The lower-case extension of ``name``'s label (no dot), or ``''`` if it has none.

    Computed on :func:`display_name` of the full name, so ``'x.wav\\x00.exe'`` has the
    extension ``'exe'`` and ``'dir.wav/notes'`` has none. A name that is only an
    extension (``'.wav'``) has that extension.

    Examples
    --------
    >>> extension("Song.MP3"), extension("README"), extension(".wav"), extension("a.b c")
    ('mp3', '', 'wav', '')
    """
    label = display_name(name)
    _, dot, ext = label.rpartition(".")
    return ext.lower() if dot and ext.isascii() and ext.isalnum() else ""


def check_upload_size(n_bytes: int, limit_mb: int | float) -> None:
    """Refuse an upload larger than ``limit_mb`` (Streamlit's ``server.maxUploadSize``).

    Parameters
    ----------
    n_bytes : int >= 0
        Size of the upload in bytes.
    limit_mb : int or float > 0
        The limit in MB as Streamlit counts them (1 MB = 1024 * 1024 bytes).

    Raises
    ------
    AudioError
        If ``n_bytes`` exceeds the limit; the message gives both sizes and what to do.
    ParameterError
        If ``n_bytes`` or ``limit_mb`` is negative, not a number, or ``limit_mb`` is 0.

    Examples
    --------
    >>> check_upload_size(200 * 1024 * 1024, 200)  # exactly the limit is fine
    >>> try:
    ...     check_upload_size(201 * 1024 * 1024, 200)
    ... except AudioError as err:
    ...     print(str(err)[:49])
    the file is 201.0 MB (210,763,776 bytes), more th
    """
    if isinstance(n_bytes, bool) or not isinstance(n_bytes, numbers.Integral) or n_bytes < 0:
        raise ParameterError(f"n_bytes must be a whole number of bytes >= 0; got {n_bytes!r}.")
    if (
        isinstance(limit_mb, bool)
        or not isinstance(limit_mb, numbers.Real)
        or not limit_mb > 0
        or limit_mb == float("inf")
    ):
        raise ParameterError(
            f"limit_mb must be a positive number of MB (server.maxUploadSize); got {limit_mb!r}."
        )
    if n_bytes > limit_mb * BYTES_PER_MB:
        raise AudioError(
            f"the file is {n_bytes / BYTES_PER_MB:.1f} MB ({n_bytes:,} bytes), more than the "
            f"{limit_mb:g} MB limit for uploads. "
            "Upload a shorter excerpt, or compress it (e.g. to MP3, M4A or OGG) and try again."
        )


def check_extension(name: object) -> str:
    """Return the extension of ``name`` if it is one that mgc accepts for uploads.

    Raises
    ------
    AudioError
        If the name has no extension or one outside
        :data:`~mgc_core.audio.SUPPORTED_EXTENSIONS`; the message lists the formats.

    Examples
    --------
    >>> check_extension("take 1.FLAC")
    'flac'
    """
    ext = extension(name)
    if ext in SUPPORTED_EXTENSIONS:
        return ext
    what = f"a .{ext[:16]} file" if ext else "a file without an extension"
    raise AudioError(
        f"{what} is not a format mgc accepts. Upload one of: "
        f"{', '.join(SUPPORTED_EXTENSIONS)} (or convert it to WAV or MP3 first)."
    )


def check_upload(name: object, n_bytes: int, *, limit_mb: int | float) -> str:
    """Check an upload's extension and size before decoding it; return the extension.

    Parameters
    ----------
    name : str, bytes or None
        The file name as received (only its extension is used).
    n_bytes : int
        Its size in bytes.
    limit_mb : int or float
        ``server.maxUploadSize``.

    Raises
    ------
    AudioError
        From :func:`check_extension` or :func:`check_upload_size`.
    """
    ext = check_extension(name)
    check_upload_size(n_bytes, limit_mb)
    return ext
