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

import hashlib
import io
import math
import numbers
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import IO, Any

import numpy as np
import soundfile as sf
import soxr

from mgc_core.audio._decode import (
    _SNIFF_BYTES,
    MAX_ORIGINAL_SR,
    MIN_ORIGINAL_SR,
    _cannot_read,
    _decode,
    _Decoded,
    _sniff_non_audio,
)
from mgc_core.errors import AudioError, ParameterError

__all__ = [
    "DEFAULT_SR",
    "DEFAULT_MAX_SECONDS",
    "MIN_SECONDS",
    "SUPPORTED_EXTENSIONS",
    "Audio",
    "load_audio",
    "to_wav_bytes",
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
LOW_SR_WARNING = 16_000
SILENCE_PEAK = 1e-4  # -80 dBFS


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
        if not head and start:  # a file object read to its end before: a caller's slip
            raise AudioError(
                f"{label} is empty (0 bytes) from its current position, byte {start:,}: "
                "it was read before; call .seek(0) first."
            )
        if not head:
            raise AudioError(
                f"{label} is empty (0 bytes): there is no sound in it. Upload or choose the "
                "file again; if it is empty on your computer too, export it again from the "
                "program that made it."
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
