"""Tests of mgc_core.audio on bad input: each case raises a typed error that says what to do."""

from __future__ import annotations

import io
import struct
import zipfile

import numpy as np
import pytest

from mgc_core.audio import load_audio, to_wav_bytes
from mgc_core.errors import AudioError, MGCError, ParameterError

SR = 44100


def wav_bytes(samples: bytes, *, sr: int, channels: int = 1, bits: int = 16, fmt_tag: int = 1):
    """A canonical WAV file around raw sample bytes, with any header values."""
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", fmt_tag, channels, sr, sr * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(samples)) + samples
    return b"RIFF" + struct.pack("<I", len(body)) + body


@pytest.fixture(scope="module")
def tone_wav(synth) -> bytes:
    return synth.sf_bytes(synth.tone(3.0, SR, channels=2), SR, format="WAV", subtype="PCM_16")


# ----------------------------------------------------------------------------- arguments


@pytest.mark.parametrize("sr", [0, -22050, 22050.5, True, "22050", 999, 10**7, float("nan")])
def test_bad_sr(tone_wav, sr):
    with pytest.raises(ParameterError, match="sr must be a whole number of Hz"):
        load_audio(tone_wav, sr=sr)


@pytest.mark.parametrize("max_seconds", [0, -5, 0.5, float("nan"), float("inf"), "60", None])
def test_bad_max_seconds(tone_wav, max_seconds):
    with pytest.raises(ParameterError, match="max_seconds must be a finite number of seconds >= 1"):
        load_audio(tone_wav, max_seconds=max_seconds)


@pytest.mark.parametrize("source", [None, 123, 4.5, ["a.wav"]])
def test_bad_source_type(source):
    with pytest.raises(ParameterError, match="source must be a path"):
        load_audio(source)


def test_array_source_points_to_audio():
    with pytest.raises(ParameterError, match=r"use Audio\(samples, sr=...\)"):
        load_audio(np.zeros(22050, np.float32))


def test_text_mode_file_object(tmp_path):
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF")
    with path.open("r") as handle, pytest.raises(ParameterError, match="binary mode"):
        load_audio(handle)


def test_to_wav_bytes_needs_audio():
    with pytest.raises(ParameterError, match="needs an Audio"):
        to_wav_bytes(np.zeros(10))


# ----------------------------------------------------------------------------- missing, empty


def test_missing_path(tmp_path):
    missing = tmp_path / "nope.wav"
    for source in (missing, str(missing)):
        with pytest.raises(AudioError, match="file not found: .*nope.wav"):
            load_audio(source)


def test_folder_path(tmp_path):
    with pytest.raises(AudioError, match="is a folder, not a file"):
        load_audio(tmp_path)


def test_empty_inputs(tmp_path):
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    with pytest.raises(AudioError, match=r"'empty.mp3' is empty \(0 bytes\)"):
        load_audio(empty)
    for source in (b"", bytearray(), io.BytesIO()):
        with pytest.raises(AudioError, match=r"is empty \(0 bytes\)"):
            load_audio(source)


def test_file_object_already_read_to_its_end(tone_wav):
    stream = io.BytesIO(tone_wav)
    stream.read()
    with pytest.raises(AudioError, match=r"call \.seek\(0\) first"):
        load_audio(stream)


# ----------------------------------------------------------------------------- not audio


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("song.txt", "not a song")
    return buf.getvalue()


NOT_AUDIO = {
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "a PNG image"),
    "jpeg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200), "a JPEG image"),
    "gif": (b"GIF89a" + bytes(100), "a GIF image"),
    "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "a PDF document"),
    "zip": (_zip_bytes(), "a ZIP archive"),
    "gzip": (b"\x1f\x8b\x08\x00" + bytes(50), "a gzip archive"),
    "midi": (b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0MTrk", "a MIDI file"),
    "webp": (b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(40), "a WebP image"),
    "text": ("Lyrics: la la la\nsecond line, café\n".encode() * 20, "a text file"),
    "html": (b"<!DOCTYPE html><html><body>404 Not Found</body></html>", "an HTML web page"),
}


@pytest.mark.parametrize("kind", list(NOT_AUDIO))
def test_not_audio_renamed_mp3_says_what_it_is(tmp_path, kind):
    data, what = NOT_AUDIO[kind]
    path = tmp_path / "song.mp3"
    path.write_bytes(data)
    with pytest.raises(AudioError, match=f"'song.mp3' looks like {what}.*, not audio"):
        load_audio(path)
    with pytest.raises(AudioError, match="Choose an audio file"):
        load_audio(data)


@pytest.mark.timeout(20)
@pytest.mark.parametrize("size", [1, 7, 100, 4096, 300_000])
def test_random_bytes_are_rejected_quickly(size):
    data = np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8).tobytes()
    with pytest.raises(AudioError, match="could not be decoded as audio") as info:
        load_audio(data)
    assert "convert it to WAV or FLAC" in str(info.value)


# ----------------------------------------------------------------------------- corrupt


def test_wav_cut_inside_its_header(tone_wav):
    with pytest.raises(AudioError, match="could not be decoded as audio: it is corrupt, truncated"):
        load_audio(tone_wav[:30])


def test_m4a_without_its_index(synth):
    # PyAV writes the MP4 index (moov) last, so a half file cannot be played at all.
    data = synth.av_bytes(synth.tone(3.0, SR), SR, container="ipod", codec="aac")
    with pytest.raises(AudioError, match="could not be decoded as audio"):
        load_audio(data[: len(data) // 2])


@pytest.mark.parametrize(
    "writer, kwargs, fragment",
    [
        ("sf", dict(format="MP3"), "the file ends early"),
        ("sf", dict(format="FLAC"), "damaged audio packet"),
        ("av", dict(container="adts", codec="aac"), "damaged audio packet"),
    ],
)
def test_truncated_but_usable_loads_with_a_warning(synth, writer, kwargs, fragment):
    y = synth.tone(6.0, SR, channels=2)
    data = (synth.sf_bytes if writer == "sf" else synth.av_bytes)(y, SR, **kwargs)
    audio = load_audio(data[: int(len(data) * 0.6)])
    assert 2.0 < audio.duration < 5.0
    assert any(fragment in w for w in audio.warnings), audio.warnings


def test_mutated_files_raise_only_audio_errors(synth):
    # Truncate, overwrite and splice good files at random places: the loader must
    # either return audio or raise an AudioError, never anything else, and not hang.
    y = synth.tone(2.0, SR, channels=2)
    goods = [
        synth.sf_bytes(y, SR, format="WAV", subtype="PCM_16"),
        synth.sf_bytes(y, SR, format="FLAC"),
        synth.sf_bytes(y, SR, format="OGG", subtype="VORBIS"),
        synth.sf_bytes(y, SR, format="MP3"),
        synth.av_bytes(y, SR, container="ipod", codec="aac"),
        synth.av_bytes(y, SR, container="asf", codec="wmav2", bit_rate=128_000),
        synth.av_bytes(y, 48000, container="webm", codec="libopus"),
    ]
    rng = np.random.default_rng(7)
    outcomes = {"audio": 0, "error": 0}
    for trial in range(140):
        data = bytearray(goods[trial % len(goods)])
        at = int(rng.integers(0, len(data)))
        if trial % 3 == 0:
            data = data[:at]
        elif trial % 3 == 1:
            data[at : at + 64] = rng.integers(0, 256, 64, dtype=np.uint8).tobytes()
        else:
            data[at:at] = rng.integers(0, 256, 512, dtype=np.uint8).tobytes()
        try:
            audio = load_audio(bytes(data))
        except AudioError as err:
            assert str(err).strip()
            outcomes["error"] += 1
        else:
            assert np.isfinite(audio.samples).all() and audio.duration >= 1.0
            outcomes["audio"] += 1
    assert outcomes["audio"] and outcomes["error"]


def test_video_without_sound(synth):
    data = synth.av_bytes(None, SR, container="mp4", codec=None, video=True)
    with pytest.raises(AudioError, match=r"has no audio stream \(it contains video only\)"):
        load_audio(data)


# ----------------------------------------------------------------------------- unusable audio


def test_zero_length_wav(synth):
    data = synth.sf_bytes(np.zeros((0, 2), np.float32), SR, format="WAV", subtype="PCM_16")
    with pytest.raises(AudioError, match=r"contains no audio samples \(0 s\)"):
        load_audio(data)


@pytest.mark.parametrize(
    "writer, kwargs",
    [
        ("sf", dict(format="WAV", subtype="PCM_16")),
        ("sf", dict(format="OGG", subtype="VORBIS")),
        ("av", dict(container="ipod", codec="aac")),
    ],
)
def test_shorter_than_one_second(synth, writer, kwargs):
    data = (synth.sf_bytes if writer == "sf" else synth.av_bytes)(synth.tone(0.4, SR), SR, **kwargs)
    with pytest.raises(AudioError, match=r"needs at least 1 s of audio; this is 0\.4\d* s"):
        load_audio(data)


def test_half_second_named(tmp_path, synth):
    path = tmp_path / "blip.wav"
    path.write_bytes(synth.sf_bytes(synth.tone(0.5, SR), SR, format="WAV", subtype="PCM_16"))
    with pytest.raises(AudioError, match=r"'blip.wav' is too short.*this is 0.5 s\. Choose"):
        load_audio(path)


@pytest.mark.parametrize("rate", [1, 500, 999, 1_000_000, 4_000_000])
def test_implausible_original_sample_rate(rate):
    data = wav_bytes(bytes(2 * 20_000), sr=rate)
    with pytest.raises(AudioError, match=f"sample rate of {rate} Hz, which is not plausible"):
        load_audio(data)


@pytest.mark.parametrize(
    "bad, fragment",
    [
        (np.nan, "contains NaN or infinite sample values"),
        (np.inf, "contains NaN or infinite sample values"),
        (-np.inf, "contains NaN or infinite sample values"),
        (3e38, r"contains absurdly large sample values \(up to 3e\+38"),
    ],
)
def test_non_finite_or_absurd_samples(synth, bad, fragment):
    y = synth.tone(2.0, SR, channels=2)
    y[SR, 1] = bad
    data = synth.sf_bytes(y, SR, format="WAV", subtype="FLOAT")
    with pytest.raises(AudioError, match=fragment) as info:
        load_audio(data)
    assert "Re-export it" in str(info.value)


def test_float_headroom_above_full_scale_is_kept(synth):
    y = synth.tone(2.0, SR, amp=2.0)
    audio = load_audio(synth.sf_bytes(y, SR, format="WAV", subtype="FLOAT"), sr=None)
    assert audio.samples.max() == pytest.approx(2.0, rel=1e-4)


def test_only_mgc_errors_escape(tmp_path):
    for source in (b"\x00" * 10, b"RIFF", b"OggS" + bytes(100), b"fLaC" + bytes(100), tmp_path):
        with pytest.raises(MGCError):
            load_audio(source)


# ----------------------------------------------------------------------------- found by fuzzing
# tests/test_audio_fuzz.py feeds random and mutated files to load_audio; the exact inputs
# it found a problem with are kept here.


def test_aiff_cut_inside_comm_makes_no_callback_error(monkeypatch):
    # libsndfile asks its virtual I/O to seek to offset -1 on this 22-byte AIFF (the COMM
    # chunk promises 18 bytes and gets 2). BytesIO.seek raised ValueError inside soundfile's
    # cffi callback, which printed "Exception ignored from cffi callback" and told
    # libsndfile the seek had worked. Now the seek fails as lseek does, silently.
    import sys

    data = b"FORM\x00\x00\x00\x00AIFFCOMM\x00\x00\x00\x12\x00\x02"
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    with pytest.raises(AudioError, match="could not be decoded as audio") as info:
        load_audio(data)
    assert "convert it to WAV or FLAC" in str(info.value)
    assert not unraisable, [u.exc_value for u in unraisable]


class _FailingStream(io.BytesIO):
    """A seekable file object whose reads fail past ``fail_at`` bytes (a drive unplugged)."""

    def __init__(self, data: bytes, fail_at: int) -> None:
        super().__init__(data)
        self.fail_at = fail_at

    def read(self, size=-1):
        if self.tell() >= self.fail_at:
            raise OSError("Input/output error")
        return super().read(size)

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@pytest.mark.parametrize("fail_at", [0, 100, 5000])
def test_a_file_object_that_fails_to_read_gives_an_audio_error(tone_wav, monkeypatch, fail_at):
    import sys

    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    stream = _FailingStream(tone_wav, fail_at)
    with pytest.raises(AudioError, match="Input/output error"):
        load_audio(stream)
    assert not unraisable, [u.exc_value for u in unraisable]
