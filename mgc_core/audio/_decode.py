"""Decoders behind :func:`mgc_core.audio.load_audio`: sniffing what a file is, libsndfile through soundfile, FFmpeg through PyAV, and the mono downmix while streaming.

Everything reads from memory or the open file; nothing is written to disk. Each
decoder returns a :class:`_Decoded` or raises :class:`~mgc_core.errors.AudioError`
with a message that says what is wrong and what to do.
"""

from __future__ import annotations

import codecs
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import av
import numpy as np
import soundfile as sf

from mgc_core.errors import AudioError

MIN_ORIGINAL_SR = 1_000
MAX_ORIGINAL_SR = 768_000
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
