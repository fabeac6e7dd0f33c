"""Load audio from a path, bytes or an uploaded file into a checked, mono :class:`Audio`.

:func:`load_audio` is the single door through which audio enters mgc. It decodes
with `soundfile` (libsndfile: WAV, AIFF, AU, FLAC, OGG Vorbis, Opus) and falls
back on PyAV (the FFmpeg bundled with the ``av`` wheel: MP3, M4A/AAC, WMA, WebM,
Matroska and the sound track of video files). Everything is decoded from memory or
from the open file: no temporary file is ever written. Any channel count is
downmixed by the mean, and the result is resampled with soxr (high quality).

Only the first ``max_seconds`` of a long file are decoded. Bad input raises
:class:`~mgc_core.errors.AudioError` with a message that says what is wrong and what
to do; problems that still leave usable audio (silence, a cut, a low original
sample rate, a damaged tail) are listed in :attr:`Audio.warnings` instead.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import math
import numbers
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import IO, Any

import av
import numpy as np
import soundfile as sf
import soxr

from mgc_core.errors import AudioError, ParameterError

__all__ = [
    "Audio",
    "load_audio",
    "to_wav_bytes",
    "SUPPORTED_EXTENSIONS",
    "DEFAULT_SR",
    "DEFAULT_MAX_SECONDS",
    "MIN_SECONDS",
]

DEFAULT_SR = 22050
"""Sample rate (Hz) that :func:`load_audio` resamples to unless told otherwise."""

DEFAULT_MAX_SECONDS = 600.0
"""Longest stretch of audio (s) that :func:`load_audio` decodes by default."""

MIN_SECONDS = 1.0
"""Shortest audio (s) that :func:`load_audio` accepts."""

SUPPORTED_EXTENSIONS: tuple[str, ...] = (
    "wav",
    "au",
    "snd",
    "aif",
    "aiff",
    "flac",
    "ogg",
    "oga",
    "opus",
    "mp3",
    "m4a",
    "aac",
    "mp4",
    "wma",
    "webm",
    "mkv",
    "mka",
    "mov",
)
"""File extensions (lower case, no dot) that the upload widget offers; every one is tested."""

MIN_ORIGINAL_SR = 1_000
MAX_ORIGINAL_SR = 768_000
LOW_SR_WARNING = 16_000
SILENCE_PEAK = 1e-4  # -80 dBFS
MAX_ABS_SAMPLE = 1e4  # +80 dBFS: beyond any headroom a float file may use

_BLOCK_FRAMES = 1 << 16  # frames read from soundfile per call
_SNIFF_BYTES = 4096
_TEXT_SNIFF_BYTES = 1024
_WHAT_TO_DO = (
    "Check that it plays in a media player, or convert it to WAV or FLAC and try again."
)

# Errors that the decoding libraries raise on bad data. PyAV's errors derive from
# FFmpegError; libsndfile's from RuntimeError. Anything else is a bug in mgc and
# is left to surface as such.
_DECODE_ERRORS: tuple[type[BaseException], ...] = (
    av.FFmpegError,
    RuntimeError,
    OSError,
    ValueError,
    EOFError,
    OverflowError,
)


@dataclass(frozen=True, eq=False)
class Audio:
    """Mono audio samples with their rate and where they came from.

    Parameters
    ----------
    samples : np.ndarray [shape=(n,), dtype=float32]
        Mono samples, nominally in ``[-1, 1]``. Stored read-only (copied first if
        the array given is writeable), so that :attr:`key` stays true to them.
    sr : int > 0
        Sample rate of ``samples`` in Hz.
    original_format : str
        Human-readable format of the source, e.g. ``"WAV (PCM_16)"`` or ``"AAC (M4A)"``.
    original_sr : int or None
        Sample rate of the source in Hz; ``None`` means ``sr``.
    original_channels : int
        Channel count of the source before the downmix.
    warnings : tuple of str
        Problems that did not stop loading (silence, a cut, a low original rate, ...).
    name : str or None
        Display name, e.g. the uploaded file's name.

    Examples
    --------
    >>> import numpy as np
    >>> sr = 22050
    >>> tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(2 * sr) / sr)
    >>> audio = Audio(tone.astype(np.float32), sr=sr)
    >>> audio.duration
    2.0
    >>> len(audio.key)
    40
    """

    samples: np.ndarray = field(repr=False)
    sr: int
    original_format: str = "samples in memory"
    original_sr: int | None = None
    original_channels: int = 1
    warnings: tuple[str, ...] = ()
    name: str | None = None

    def __post_init__(self) -> None:
        samples = np.asarray(self.samples)
        if samples.ndim != 1:
            raise ParameterError(
                f"Audio.samples must be 1-D (mono); got shape {samples.shape}. "
                "Downmix first, e.g. samples.mean(axis=0) for a (channels, n) array."
            )
        if not _is_positive_int(self.sr):
            raise ParameterError(f"Audio.sr must be a positive integer (Hz); got {self.sr!r}.")
        if samples.dtype != np.float32 or not samples.flags.c_contiguous:
            samples = np.ascontiguousarray(samples, dtype=np.float32)
        elif samples.flags.writeable:
            samples = samples.copy()
        samples.flags.writeable = False
        object.__setattr__(self, "samples", samples)
        object.__setattr__(self, "sr", int(self.sr))
        if self.original_sr is None:
            object.__setattr__(self, "original_sr", int(self.sr))
        object.__setattr__(self, "warnings", tuple(self.warnings))

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Unpickling (st.cache_data does it) rebuilds a writeable array: lock it again.
        self.__dict__.update(state)
        self.samples.flags.writeable = False

    @property
    def duration(self) -> float:
        """Length of :attr:`samples` in seconds."""
        return self.samples.shape[0] / self.sr

    @cached_property
    def key(self) -> str:
        """Content key (hex SHA-1 of the samples and the rate) for caches."""
        digest = hashlib.sha1(usedforsecurity=False)
        digest.update(memoryview(self.samples).cast("B"))
        digest.update(str(self.sr).encode())
        return digest.hexdigest()


def load_audio(
    source: str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes],
    *,
    sr: int | None = DEFAULT_SR,
    max_seconds: float = DEFAULT_MAX_SECONDS,
) -> Audio:
    """Decode audio to mono float32, resampled, checked and cut to ``max_seconds``.

    Parameters
    ----------
    source : str, os.PathLike, bytes-like or binary file object
        A path; the file's bytes; or an object with ``.read`` (e.g. Streamlit's
        ``UploadedFile``), read from its current position, which is restored
        afterwards when the object can seek. Its ``.name``, if any, becomes
        :attr:`Audio.name`. The format is told from the content, not the name.
    sr : int or None
        Target sample rate in Hz (1000 to 768000), or ``None`` to keep the original.
    max_seconds : float >= 1
        Decode at most this many seconds from the start; a longer file is cut and
        a warning says so. The rest of the file is never decoded.

    Returns
    -------
    Audio
        ``samples`` of shape ``(n,)`` at ``sr``, with ``original_format``,
        ``original_sr``, ``original_channels``, ``name`` and ``warnings``.

    Raises
    ------
    ParameterError
        ``sr`` or ``max_seconds`` is out of range, or ``source`` is of the wrong kind.
    AudioError
        The file is missing or empty; is not audio (an image, a document, text);
        is corrupt or truncated beyond use; has no audio stream; holds no samples,
        or less than :data:`MIN_SECONDS` of them; declares an implausible sample
        rate; or contains NaN or infinite samples.

    Notes
    -----
    soundfile is tried first; PyAV decodes what soundfile cannot open or read, and
    MP3 (libsndfile silently stops early in a VBR MP3 without a Xing header).
    Warnings are given for all-silent audio (peak below -80 dBFS), a cut, an
    original rate below 16 kHz, and a file that ends before its header says.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> import soundfile as sf
    >>> t = np.arange(3 * 44100) / 44100
    >>> stereo = 0.5 * np.sin(2 * np.pi * 440 * t)[:, None].repeat(2, axis=1)
    >>> buf = io.BytesIO()
    >>> sf.write(buf, stereo, 44100, format="WAV", subtype="PCM_16")
    >>> audio = load_audio(buf.getvalue(), sr=22050)
    >>> audio.sr, round(audio.duration, 3), audio.original_format
    (22050, 3.0, 'WAV (PCM_16)')
    >>> audio.original_sr, audio.original_channels, audio.warnings
    (44100, 2, ())
    """
    target_sr = _check_sr(sr)
    max_seconds = _check_max_seconds(max_seconds)
    with _OpenSource(source) as (stream, name):
        label = repr(name) if name else "the audio data"
        try:
            start = stream.tell()
            head = stream.read(_SNIFF_BYTES)
            stream.seek(start)
        except (OSError, ValueError) as err:
            raise _cannot_read(label, err) from err
        if not head:
            raise AudioError(
                f"{label} is empty (0 bytes). Upload or choose the file again; "
                "if it is a file object that was read before, call .seek(0) first."
            )
        kind = _sniff_non_audio(head)
        if kind is not None:
            raise AudioError(
                f"{label} looks like {kind}, not audio. Choose an audio file "
                "(WAV, MP3, FLAC, OGG, M4A, ...)."
            )
        decoded = _decode(stream, start=start, label=label, max_seconds=max_seconds)
    return _finish(decoded, target_sr=target_sr, max_seconds=max_seconds, name=name, label=label)


def to_wav_bytes(audio: Audio) -> bytes:
    """Encode audio as a 16-bit PCM WAV file in memory (for an audio player).

    Parameters
    ----------
    audio : Audio
        The audio to encode; samples outside ``[-1, 1]`` are clipped.

    Returns
    -------
    bytes
        A complete WAV file (RIFF header and data) at ``audio.sr``.

    Examples
    --------
    >>> import numpy as np
    >>> audio = Audio(np.zeros(22050, dtype=np.float32), sr=22050)
    >>> data = to_wav_bytes(audio)
    >>> data[:4], data[8:12], len(data)
    (b'RIFF', b'WAVE', 44144)
    """
    if not isinstance(audio, Audio):
        raise ParameterError(
            f"to_wav_bytes needs an Audio (from load_audio); got {type(audio).__name__}."
        )
    buf = io.BytesIO()
    sf.write(buf, np.clip(audio.samples, -1.0, 1.0), audio.sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


# --------------------------------------------------------------------------- arguments


def _is_positive_int(value: Any) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
        and float(value).is_integer()
    )


def _check_sr(sr: Any) -> int | None:
    if sr is None:
        return None
    if not _is_positive_int(sr) or not MIN_ORIGINAL_SR <= sr <= MAX_ORIGINAL_SR:
        raise ParameterError(
            f"sr must be a whole number of Hz from {MIN_ORIGINAL_SR} to {MAX_ORIGINAL_SR}, "
            f"or None to keep the file's rate; got {sr!r}. mgc's models use {DEFAULT_SR}."
        )
    return int(sr)


def _check_max_seconds(max_seconds: Any) -> float:
    ok = (
        isinstance(max_seconds, numbers.Real)
        and not isinstance(max_seconds, bool)
        and math.isfinite(max_seconds)
        and max_seconds >= MIN_SECONDS
    )
    if not ok:
        raise ParameterError(
            f"max_seconds must be a finite number of seconds >= {MIN_SECONDS:g} (the shortest "
            f"audio mgc accepts); got {max_seconds!r}. The default is {DEFAULT_MAX_SECONDS:g}."
        )
    return float(max_seconds)


# --------------------------------------------------------------------------- sources


class _OpenSource:
    """Give a seekable binary stream and a display name for any kind of source.

    Paths are opened (and closed afterwards); bytes are wrapped in ``BytesIO``; a
    seekable file object is used as it is and its position is restored; an
    unseekable one is read into memory.
    """

    def __init__(self, source: Any) -> None:
        self._source = source
        self._owned: IO[bytes] | None = None
        self._restore: tuple[IO[bytes], int] | None = None

    def __enter__(self) -> tuple[IO[bytes], str | None]:
        source = self._source
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            if not path.exists():
                raise AudioError(
                    f"file not found: '{path}'. Check the path and that the file was not moved."
                )
            if path.is_dir():
                raise AudioError(
                    f"'{path}' is a folder, not a file. Give the path of an audio file."
                )
            try:
                self._owned = path.open("rb")
            except OSError as err:
                raise AudioError(
                    f"cannot open '{path}': {err.strerror or err}. Check its permissions."
                ) from err
            return self._owned, path.name
        if isinstance(source, (bytes, bytearray, memoryview)):
            self._owned = io.BytesIO(source)
            return self._owned, None
        if hasattr(source, "read"):
            name = getattr(source, "name", None)
            name = os.path.basename(name) if isinstance(name, str) and name else None
            try:
                probe = source.read(0)
            except (OSError, ValueError) as err:
                raise AudioError(f"cannot read {name or 'the file object'}: {err}.") from err
            if not isinstance(probe, (bytes, bytearray, memoryview)):
                raise ParameterError(
                    "source is a text-mode file object; open the file in binary mode "
                    "(open(path, 'rb')) or pass its path."
                )
            if _is_seekable(source):
                self._restore = (source, source.tell())
                return source, name
            try:
                self._owned = io.BytesIO(source.read())
            except (OSError, ValueError) as err:
                raise _cannot_read(repr(name) if name else "the file object", err) from err
            return self._owned, name
        hint = (
            " To wrap samples you already have, use Audio(samples, sr=...)."
            if isinstance(source, np.ndarray)
            else ""
        )
        raise ParameterError(
            "source must be a path (str or Path), bytes, or a binary file object with .read(); "
            f"got {type(source).__name__}.{hint}"
        )

    def __exit__(self, *exc_info: object) -> None:
        if self._owned is not None:
            self._owned.close()
        if self._restore is not None:
            stream, position = self._restore
            try:
                stream.seek(position)
            except (OSError, ValueError):
                pass  # closed by the caller's code meanwhile; nothing to restore


def _is_seekable(stream: Any) -> bool:
    try:
        seekable = stream.seekable() if hasattr(stream, "seekable") else hasattr(stream, "seek")
        if seekable:
            stream.tell()
        return bool(seekable)
    except (OSError, ValueError, AttributeError):
        return False


# --------------------------------------------------------------------------- sniffing

_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (0, b"\xff\xd8\xff", "a JPEG image"),
    (0, b"GIF87a", "a GIF image"),
    (0, b"GIF89a", "a GIF image"),
    (0, b"II*\x00", "a TIFF image"),
    (0, b"MM\x00*", "a TIFF image"),
    (0, b"%PDF-", "a PDF document"),
    (0, b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (0, b"PK\x05\x06", "an empty ZIP archive"),
    (0, b"\x1f\x8b", "a gzip archive"),
    (0, b"Rar!\x1a\x07", "a RAR archive"),
    (0, b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (0, b"\xfd7zXZ\x00", "an XZ archive"),
    (0, b"\x7fELF", "a Linux program"),
    (0, b"MZ", "a Windows program"),
    (0, b"SQLite format 3\x00", "an SQLite database"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    (0, b"MThd", "a MIDI file (notes, not recorded sound: render it to WAV first)"),
)


def _sniff_non_audio(head: bytes) -> str | None:
    """Name what ``head`` (a file's first bytes) is if it is surely not audio, else None."""
    for offset, magic, kind in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP image"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"avif"):
        return "a HEIC/AVIF image"
    return _sniff_text(head[:_TEXT_SNIFF_BYTES])


def _sniff_text(head: bytes) -> str | None:
    if b"\x00" in head:
        return None
    text = codecs.getincrementaldecoder("utf-8")(errors="strict")
    try:
        chars = text.decode(head, final=False)
    except UnicodeDecodeError:
        return None
    if not chars or sum(c.isprintable() or c in "\t\r\n" for c in chars) < 0.98 * len(chars):
        return None
    lowered = chars.lstrip("\ufeff \t\r\n").lower()
    if lowered.startswith(("<!doctype html", "<html")):
        return "an HTML web page"
    if lowered.startswith("<svg") or "<svg" in lowered[:200]:
        return "an SVG image"
    if lowered.startswith("<?xml"):
        return "an XML file"
    return "a text file"


# --------------------------------------------------------------------------- decoding


@dataclass
class _Decoded:
    """Raw outcome of a decoder, before the checks of :func:`_finish`."""

    samples: np.ndarray  # mono, float32, at original_sr, at most max_seconds long
    original_sr: int
    original_channels: int
    original_format: str
    cut: bool
    total_seconds: float | None  # full length from metadata, when known
    total_is_estimate: bool = False
    warnings: list[str] = field(default_factory=list)


class _MonoCollector:
    """Check, downmix and keep decoded blocks until ``max_frames`` frames are in."""

    def __init__(self, *, max_frames: int, label: str) -> None:
        self.max_frames = max_frames
        self.label = label
        self.taken = 0
        self.overflow = False
        self._chunks: list[np.ndarray] = []

    def add(self, block: np.ndarray) -> None:
        """Add a float block of shape ``(frames, channels)``."""
        peak = np.abs(block).max(initial=0.0)  # NaN propagates
        if not peak <= MAX_ABS_SAMPLE:
            what = (
                "NaN or infinite sample values"
                if not np.isfinite(block).all()
                else f"absurdly large sample values (up to {peak:.3g}; audio lies within ±1)"
            )
            raise AudioError(
                f"{self.label} contains {what}, so it is corrupt. "
                "Re-export it from the program that made it (as 16-bit or 24-bit WAV)."
            )
        room = self.max_frames - self.taken
        if block.shape[0] > room:
            self.overflow = True
            block = block[:room]
        if block.shape[0] == 0:
            return
        if block.shape[1] == 1:
            mono = np.array(block[:, 0], dtype=np.float32)
        else:
            mono = block.mean(axis=1, dtype=np.float32)
        self._chunks.append(mono)
        self.taken += mono.shape[0]

    @property
    def done(self) -> bool:
        return self.overflow

    def samples(self) -> np.ndarray:
        if not self._chunks:
            return np.zeros(0, dtype=np.float32)
        out = np.concatenate(self._chunks) if len(self._chunks) > 1 else self._chunks[0]
        self._chunks = [out]
        return out


def _decode(stream: IO[bytes], *, start: int, label: str, max_seconds: float) -> _Decoded:
    """Decode with soundfile, then PyAV; raise AudioError when neither gives samples.

    MP3 goes to PyAV even though libsndfile opens it: libsndfile stops at the
    length it estimates for an MP3 without a Xing/Info header, which can drop a
    quarter of a VBR file without any error.
    """
    try:
        decoded = _decode_soundfile(stream, label=label, max_seconds=max_seconds)
    except _DECODE_ERRORS as err:  # AudioError is not among these: it propagates
        sf_problem = _describe(err)
    else:
        if decoded is not None and decoded.samples.size:
            return decoded
        sf_problem = "left to FFmpeg" if decoded is None else "opened, but found no samples"
    try:
        stream.seek(start)
        exact_mp3 = _has_mp3_length_header(stream)
        stream.seek(start)
    except (OSError, ValueError) as err:  # a file object that fails: not the data's fault
        raise _cannot_read(label, err) from err
    try:
        return _decode_pyav(stream, label=label, max_seconds=max_seconds, exact_mp3=exact_mp3)
    except _DECODE_ERRORS as err:
        av_problem = _describe(err)
    raise AudioError(
        f"{label} could not be decoded as audio: it is corrupt, truncated, or in a format "
        f"mgc cannot read (soundfile: {sf_problem}; FFmpeg: {av_problem}). {_WHAT_TO_DO}"
    )


def _cannot_read(label: str, err: BaseException) -> AudioError:
    return AudioError(
        f"cannot read {label}: {_describe(err)}. Check that the file is still there (not on "
        "a drive that was disconnected) and try again."
    )


def _has_mp3_length_header(stream: IO[bytes]) -> bool:
    """Whether an MP3's first frame (after any ID3v2 tag) holds a Xing, Info or VBRI header.

    Only then does FFmpeg know the exact length of an MP3; otherwise it guesses from
    the bit rate of the first frames. Reads a few KB from the current position.
    """
    head = stream.read(10)
    if len(head) == 10 and head[:3] == b"ID3":
        size = 10 + sum((byte & 0x7F) << (7 * (3 - i)) for i, byte in enumerate(head[6:10]))
        size += 10 if head[5] & 0x10 else 0  # footer
        stream.seek(size - 10, io.SEEK_CUR)
        head = b""
    first = head + stream.read(2048)
    sync = next((i for i in range(len(first) - 1) if first[i] == 0xFF and first[i + 1] >= 0xE0), -1)
    if sync < 0:
        return False
    frame_start = first[sync : sync + 200]
    return any(tag in frame_start for tag in (b"Xing", b"Info", b"VBRI"))


def _describe(err: BaseException) -> str:
    text = str(err).strip()
    if isinstance(err, sf.LibsndfileError) and err.error_string:
        text = err.error_string
    elif isinstance(err, av.FFmpegError) and err.strerror:
        text = err.strerror
    return text.rstrip(".") or type(err).__name__


def _check_original_sr(original_sr: float, *, label: str) -> int:
    if not MIN_ORIGINAL_SR <= original_sr <= MAX_ORIGINAL_SR:
        raise AudioError(
            f"{label} declares a sample rate of {original_sr:.0f} Hz, which is not plausible "
            f"for audio (expected {MIN_ORIGINAL_SR // 1000} kHz to {MAX_ORIGINAL_SR // 1000} kHz); "
            f"its header is probably corrupt. {_WHAT_TO_DO}"
        )
    return int(original_sr)


# soundfile ------------------------------------------------------------------

def _soundfile_label(fmt: str, subtype: str) -> str:
    """Human-readable format, e.g. ``WAV (PCM_16)``, ``FLAC``, ``OGG Vorbis``, ``Opus``."""
    if fmt == "OGG":
        return {"VORBIS": "OGG Vorbis", "OPUS": "Opus"}.get(subtype, f"OGG ({subtype})")
    if fmt == "FLAC":
        return "FLAC"
    return f"{'WAV' if fmt == 'WAVEX' else fmt} ({subtype})"


class _VirtualIO:
    """A binary stream as libsndfile's virtual I/O should see it: callbacks never raise.

    soundfile calls ``seek``, ``tell`` and ``readinto`` from C callbacks, where a
    Python exception is printed ("Exception ignored from cffi callback") and replaced
    by 0, which libsndfile takes for a successful seek to the start or an end of file.
    A corrupt header can ask for a seek before the start of the file: here that seek
    fails as ``lseek`` does (the position stays, and -1 is reported). Any other
    error of the underlying stream is kept in :attr:`error` for the caller to raise.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._refused = False
        self.error: BaseException | None = None

    def _keep(self, err: Exception) -> None:
        if self.error is None:
            self.error = err

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        try:
            if whence == io.SEEK_CUR:
                offset += self._stream.tell()
            elif whence == io.SEEK_END:
                offset += self._stream.seek(0, io.SEEK_END)
            elif whence != io.SEEK_SET:
                offset = -1
            if offset < 0:
                self._refused = True  # reported by the tell() that soundfile calls next
                return -1
            return self._stream.seek(offset)
        except Exception as err:  # noqa: BLE001 - carried to the caller, see raise_error
            self._keep(err)
            self._refused = True
            return -1

    def tell(self) -> int:
        if self._refused:
            self._refused = False
            return -1
        try:
            return self._stream.tell()
        except Exception as err:  # noqa: BLE001 - carried to the caller
            self._keep(err)
            return -1

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._stream.read(len(buffer))
        except Exception as err:  # noqa: BLE001 - carried to the caller
            self._keep(err)
            return 0
        buffer[: len(data)] = data
        return len(data)

    def raise_error(self) -> None:
        """Raise the first error of the underlying stream, if there was one."""
        if self.error is not None:
            raise self.error


def _decode_soundfile(stream: IO[bytes], *, label: str, max_seconds: float) -> _Decoded | None:
    """Decode with libsndfile; ``None`` for MP3, which :func:`_decode` leaves to PyAV."""
    vio = _VirtualIO(stream)
    try:
        decoded = _read_soundfile(vio, label=label, max_seconds=max_seconds)
    except _DECODE_ERRORS:
        vio.raise_error()  # a failing stream explains more than libsndfile's error
        raise
    vio.raise_error()
    return decoded


def _read_soundfile(stream: _VirtualIO, *, label: str, max_seconds: float) -> _Decoded | None:
    with sf.SoundFile(stream) as f:
        if f.format == "MP3":
            return None
        original_sr = _check_original_sr(f.samplerate, label=label)
        channels = f.channels
        declared = f.frames if f.frames > 0 else None
        collector = _MonoCollector(max_frames=math.ceil(max_seconds * original_sr), label=label)
        buffer = np.empty((min(_BLOCK_FRAMES, collector.max_frames + 1), channels), np.float32)
        read = 0
        while not collector.done:
            block = f.read(frames=buffer.shape[0], dtype="float32", always_2d=True, out=buffer)
            if block.shape[0] == 0:
                break
            read += block.shape[0]
            collector.add(block)
        decoded = _Decoded(
            samples=collector.samples(),
            original_sr=original_sr,
            original_channels=channels,
            original_format=_soundfile_label(f.format, f.subtype),
            cut=collector.overflow,
            total_seconds=declared / original_sr if declared else None,
        )
    if declared and not collector.overflow and read < declared and read > 0:
        decoded.warnings.append(_ends_early(declared / original_sr, read / original_sr))
    return decoded


def _ends_early(promised: float, got: float) -> str:
    return (
        f"the file ends early: its header promises {promised:.1f} s but only {got:.1f} s "
        "could be decoded; it is probably truncated."
    )


# PyAV -----------------------------------------------------------------------

_AV_CODEC_LABELS = {
    "aac": "AAC",
    "aac_latm": "AAC",
    "mp3": "MP3",
    "mp3float": "MP3",
    "mp2": "MP2",
    "opus": "Opus",
    "libopus": "Opus",
    "vorbis": "Vorbis",
    "libvorbis": "Vorbis",
    "wmav1": "WMA",
    "wmav2": "WMA",
    "wmapro": "WMA Pro",
    "wmalossless": "WMA Lossless",
    "flac": "FLAC",
    "alac": "ALAC",
    "ac3": "AC-3",
    "eac3": "E-AC-3",
    "dts": "DTS",
    "amrnb": "AMR",
    "amrwb": "AMR-WB",
}
_WEBM_CODECS = {"opus", "vorbis", "vp8", "vp9", "av1"}


def _pyav_label(container: Any, audio_stream: Any) -> str:
    """Human-readable format, e.g. ``AAC (M4A)``, ``WMA``, ``Opus (WebM)``."""
    codec = audio_stream.codec_context.name
    codec_label = _AV_CODEC_LABELS.get(codec) or (
        "PCM" if codec.startswith("pcm_") else codec.upper()
    )
    demuxer = set(container.format.name.split(","))
    has_video = any(s.type == "video" for s in container.streams)
    if "asf" in demuxer:
        return codec_label if codec_label.startswith("WMA") else f"{codec_label} (ASF)"
    if "mp4" in demuxer:
        brand = str(container.metadata.get("major_brand", "")).strip().lower()
        kind = "MOV" if brand == "qt" else "MP4 video" if has_video else "M4A"
        return f"{codec_label} ({kind})"
    if "matroska" in demuxer:
        codecs_in = {s.codec_context.name for s in container.streams if s.codec_context}
        kind = "WebM" if codecs_in <= _WEBM_CODECS else "Matroska"
        return f"{codec_label} ({kind}{' video' if has_video else ''})"
    if "aac" in demuxer:
        return "AAC (ADTS)"
    pretty = {"ogg": "Ogg", "avi": "AVI video", "wav": "WAV", "flac": "FLAC", "mp3": "MP3"}
    container_label = pretty.get(container.format.name, container.format.name.upper())
    return codec_label if container_label == codec_label else f"{codec_label} ({container_label})"


_INT_SCALE = {"u8": 128.0, "s16": 32768.0, "s32": 2147483648.0, "s64": 9223372036854775808.0}


def _frame_to_float(frame: Any) -> np.ndarray:
    """Samples of a PyAV ``AudioFrame`` as float32 of shape ``(frames, channels)``.

    Handles packed and planar layouts and the sample formats u8, s16, s32, s64,
    flt and dbl (integers scaled to ``[-1, 1)``).
    """
    fmt = frame.format
    channels = len(frame.layout.channels)
    raw = frame.to_ndarray()
    if fmt.is_planar:
        data = raw.T  # (channels, n) -> (n, channels)
    else:
        data = raw.reshape(-1, channels)
    base = fmt.name.removesuffix("p")
    if base in ("flt", "dbl"):
        return data.astype(np.float32, copy=False)
    scale = _INT_SCALE.get(base)
    if scale is None:
        raise ValueError(f"unsupported sample format {fmt.name!r}")
    out = data.astype(np.float32)
    if base == "u8":
        out -= 128.0
    out /= np.float32(scale)
    return out


def _decode_pyav(
    stream: IO[bytes], *, label: str, max_seconds: float, exact_mp3: bool = False
) -> _Decoded:
    with av.open(stream, mode="r", metadata_errors="ignore") as container:
        audio_streams = list(container.streams.audio)
        if not audio_streams:
            kinds = sorted({s.type for s in container.streams}) or ["nothing"]
            raise AudioError(
                f"{label} has no audio stream (it contains {' and '.join(kinds)} only). "
                "Choose a file with a sound track."
            )
        decodable = [s for s in audio_streams if s.codec_context is not None]
        if not decodable:
            raise AudioError(
                f"{label} has an audio stream in a codec that FFmpeg cannot decode; the file "
                f"is corrupt or uses a rare codec. {_WHAT_TO_DO}"
            )
        audio_stream = decodable[0]
        context = audio_stream.codec_context
        original_sr = context.sample_rate or 0
        channels = len(context.layout.channels) if context.layout else 0
        if original_sr:
            _check_original_sr(original_sr, label=label)
        total, estimate = _pyav_total_seconds(container, audio_stream, exact_mp3=exact_mp3)
        collector: _MonoCollector | None = None
        damaged = 0
        for frame in _pyav_frames(container, audio_stream):
            if frame is None:
                damaged += 1
                continue
            if collector is None:
                original_sr = _check_original_sr(frame.sample_rate or original_sr, label=label)
                channels = channels or len(frame.layout.channels)
                max_frames = math.ceil(max_seconds * original_sr)
                collector = _MonoCollector(max_frames=max_frames, label=label)
            collector.add(_frame_to_float(frame))
            if collector.done:
                break
        decoded = _Decoded(
            samples=collector.samples() if collector else np.zeros(0, np.float32),
            original_sr=_check_original_sr(original_sr, label=label) if original_sr else 0,
            original_channels=channels,
            original_format=_pyav_label(container, audio_stream),
            cut=bool(collector and collector.overflow),
            total_seconds=total,
            total_is_estimate=estimate,
        )
    if not decoded.samples.size:
        if damaged:
            raise AudioError(
                f"{label} is corrupt: none of its {damaged} audio packets could be decoded. "
                f"{_WHAT_TO_DO}"
            )
        return decoded
    if damaged:
        decoded.warnings.append(
            f"{damaged} damaged audio packet(s) were skipped; the file is probably truncated "
            "or corrupt and the audio may have gaps."
        )
    got = decoded.samples.size / decoded.original_sr
    if total and not estimate and not decoded.cut and got < total - max(0.25, 0.02 * total):
        decoded.warnings.append(_ends_early(total, got))
    return decoded


def _pyav_frames(container: Any, audio_stream: Any) -> Iterator[Any]:
    """Decoded frames of one stream; ``None`` stands for a packet that failed to decode.

    A demuxing error (typically a truncated file) ends the stream like an end of
    file, after one ``None`` so that the caller can warn about it.
    """
    packets = container.demux(audio_stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.FFmpegError:
            yield None
            return
        try:
            frames = audio_stream.decode(packet)
        except av.FFmpegError:
            yield None
            continue
        yield from frames


def _pyav_total_seconds(
    container: Any, audio_stream: Any, *, exact_mp3: bool
) -> tuple[float | None, bool]:
    """Full length from metadata, and whether it is a guess from the bit rate.

    Raw ADTS AAC, and MP3 without a Xing/Info/VBRI header, carry no length: FFmpeg
    guesses it. Other containers state it in a header or an index.
    """
    if audio_stream.duration and audio_stream.time_base:
        seconds = float(audio_stream.duration * audio_stream.time_base)
    elif container.duration:
        seconds = container.duration / av.time_base
    else:
        return None, False
    demuxer = container.format.name.split(",")
    estimated = "aac" in demuxer or ("mp3" in demuxer and not exact_mp3)
    return (seconds if seconds > 0 else None), estimated


# --------------------------------------------------------------------------- checks


def _seconds(value: float) -> str:
    """Seconds for a message: 0.4 -> '0.4', 0.999 -> '0.99', 752.0 -> '752'."""
    if value < 10:
        return f"{math.floor(value * 100) / 100:g}"
    return f"{value:.0f}"


def _finish(
    decoded: _Decoded,
    *,
    target_sr: int | None,
    max_seconds: float,
    name: str | None,
    label: str,
) -> Audio:
    """Resample, run the checks that need the samples, and build the :class:`Audio`."""
    samples = decoded.samples
    if samples.size == 0:
        raise AudioError(
            f"{label} contains no audio samples (0 s): it is empty or cut short. "
            "Choose a file that contains sound."
        )
    seconds = samples.size / decoded.original_sr
    if seconds < MIN_SECONDS:
        raise AudioError(
            f"{label} is too short: mgc needs at least {MIN_SECONDS:g} s of audio; this is "
            f"{_seconds(seconds)} s. Choose a longer recording."
        )
    out_sr = target_sr or decoded.original_sr
    if out_sr != decoded.original_sr:
        samples = soxr.resample(samples, decoded.original_sr, out_sr, quality="HQ")
    samples = np.ascontiguousarray(samples, dtype=np.float32)
    samples.flags.writeable = False

    warnings = list(decoded.warnings)
    if decoded.cut:
        total = decoded.total_seconds
        of = ""
        if total and total > max_seconds and decoded.total_is_estimate:
            of = f" of about {total:.0f} s"
        elif total and total > max_seconds:
            of = f" of {_seconds(total)} s"
        warnings.append(
            f"cut to the first {_seconds(max_seconds)} s{of}; the rest was not decoded "
            "(raise max_seconds to keep more)."
        )
    if decoded.original_sr < LOW_SR_WARNING:
        warnings.append(
            f"the original sample rate is only {decoded.original_sr} Hz, so high frequencies "
            f"above {decoded.original_sr / 2000:g} kHz are missing; features and predictions "
            "may be off."
        )
    peak = float(np.max(np.abs(samples)))
    if peak < SILENCE_PEAK:
        warnings.append(
            "the audio is silent (peak below -80 dBFS); results on it are meaningless."
        )
    return Audio(
        samples=samples,
        sr=out_sr,
        original_format=decoded.original_format,
        original_sr=decoded.original_sr,
        original_channels=decoded.original_channels,
        warnings=tuple(warnings),
        name=name,
    )
