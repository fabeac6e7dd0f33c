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

:func:`plain_message` rewrites what :func:`~mgc_core.audio.load_audio` says (its errors
and :attr:`~mgc_core.audio.Audio.warnings`, written for people who call it from code)
for people who upload a file: what happened and what they can do, without the
parameters, decoder names and units meant for programmers.
"""

from __future__ import annotations

import numbers
import re
import unicodedata
from collections.abc import Callable

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
    "plain_message",
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


# --------------------------------------------------------------------------- plain words


def _duration(seconds: float) -> str:
    """Seconds in words for a message: 45 -> '45 s', 600 -> '10 minutes', 752 -> '12 min 32 s'."""
    whole = round(seconds)
    if whole < 60:
        return f"{seconds:g} s"
    minutes, rest = divmod(whole, 60)
    if rest:
        return f"{minutes} min {rest} s"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _cut(match: re.Match[str]) -> str:
    kept = _duration(float(match["kept"]))
    total = ""
    if match["total"]:
        about = "about " if match["about"] else ""
        total = f" of this recording ({about}{_duration(float(match['total']))} long)"
    return (
        f"only the first {kept}{total} are analysed: mgc listens to at most {kept} of each file. "
        "To analyse a later part, cut that part out with an audio editor and upload it."
    )


def _low_rate(match: re.Match[str]) -> str:
    return (
        f"this recording is of low quality ({int(match['sr']) / 1000:g} kHz: "
        f"{int(match['sr']):,} samples a second, where a CD has 44,100), so sounds above {match['khz']} kHz are missing and the results may be "
        "off. A better-quality copy of the song gives more reliable results."
    )


# (pattern, replacement) pairs, applied in order, each to every match in the message.
_PLAIN: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    # bytes have no name: the app names the file in front of the message
    (re.compile(r"\bthe audio data\b"), "the file"),
    (re.compile(r"cut to the first (?P<kept>[\d.]+) s(?: of (?P<about>about )?(?P<total>[\d.]+) s)?"
                r"; the rest was not decoded \(raise max_seconds to keep more\)\."), _cut),
    (re.compile(r"the original sample rate is only (?P<sr>\d+) Hz, so high frequencies above "
                r"(?P<khz>[\d.]+) kHz are missing; features and predictions may be off\."),
     _low_rate),
    (re.compile(r"the audio is silent \(peak below -80 dBFS\); results on it are meaningless\."),
     "the audio is silent (or nearly), so any genre it gets means nothing. Check that the "
     "recording is not muted, or choose another file."),
    # the decoders' own error messages: useful in a bug report, noise on screen
    (re.compile(r" \(soundfile: .*; FFmpeg: .*\)(?=\. Check that it plays)", re.DOTALL), ""),
    (re.compile(r"NaN or infinite sample values"), "invalid values instead of sound"),
    (re.compile(r"absurdly large sample values \(up to [^;]*; audio lies within ±1\)"),
     "values far too large to be sound"),
    (re.compile(r"a codec that FFmpeg cannot decode"), "a codec that mgc cannot decode"),
    (re.compile(r"cannot read (?P<what>.+?): .*\. Check that the file is still there", re.DOTALL),
     r"cannot read \g<what>. Check that the file is still there"),
    (re.compile(r"(?P<n>\d+) damaged audio packet\(s\) were skipped"),
     r"\g<n> damaged piece(s) of the audio were skipped"),
)


def plain_message(text: str) -> str:
    """Rewrite a :func:`~mgc_core.audio.load_audio` error or warning for the person uploading.

    The library's messages are written for programmers: they name parameters
    (``max_seconds``), decoders and their error codes, and units such as dBFS. This
    keeps what happened and what the person can do, in plain words; text it does
    not recognise is returned as it is (first letter capitalised).

    Parameters
    ----------
    text : str
        ``str(err)`` of an :class:`~mgc_core.errors.AudioError` from ``load_audio``
        given bytes, or one of :attr:`Audio.warnings <mgc_core.audio.Audio.warnings>`.

    Returns
    -------
    str

    Examples
    --------
    >>> plain_message("cut to the first 600 s of 720 s; the rest was not decoded "
    ...               "(raise max_seconds to keep more).")[:68]
    'Only the first 10 minutes of this recording (12 minutes long) are an'
    >>> plain_message("the audio data is empty (0 bytes): there is no sound in it.")
    'The file is empty (0 bytes): there is no sound in it.'
    """
    for pattern, replacement in _PLAIN:
        text = pattern.sub(replacement, text)
    return text[:1].upper() + text[1:]
