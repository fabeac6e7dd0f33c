"""Tests of mgc_core.audio on good input: each format, layout, rate and kind of source."""

from __future__ import annotations

import dataclasses
import io
import pickle
import tempfile
import time
import tracemalloc
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf

from mgc_core.audio import DEFAULT_SR, SUPPORTED_EXTENSIONS, Audio, load_audio, to_wav_bytes
from mgc_core.audio._decode import _frame_to_float

SR = 44100
SECONDS = 3.0
OPUS_SR = 48000  # Opus only runs at 8/12/16/24/48 kHz

# name -> (writer, kwargs, sr written, channels, expected original_format, duration tolerance s)
FORMATS: dict[str, tuple[str, dict, int, int, str, float]] = {
    "wav16": ("sf", dict(format="WAV", subtype="PCM_16"), SR, 2, "WAV (PCM_16)", 0.002),
    "wav_u8": ("sf", dict(format="WAV", subtype="PCM_U8"), SR, 1, "WAV (PCM_U8)", 0.002),
    "wav24": ("sf", dict(format="WAV", subtype="PCM_24"), SR, 2, "WAV (PCM_24)", 0.002),
    "wav_float": ("sf", dict(format="WAV", subtype="FLOAT"), SR, 2, "WAV (FLOAT)", 0.002),
    "aiff_s8": ("sf", dict(format="AIFF", subtype="PCM_S8"), SR, 1, "AIFF (PCM_S8)", 0.002),
    "aiff": ("sf", dict(format="AIFF", subtype="PCM_16"), SR, 2, "AIFF (PCM_16)", 0.002),
    "au": ("sf", dict(format="AU", subtype="PCM_16"), SR, 2, "AU (PCM_16)", 0.002),
    "flac": ("sf", dict(format="FLAC", subtype="PCM_24"), SR, 2, "FLAC", 0.002),
    "vorbis": ("sf", dict(format="OGG", subtype="VORBIS"), SR, 2, "OGG Vorbis", 0.002),
    "opus": ("sf", dict(format="OGG", subtype="OPUS"), OPUS_SR, 2, "Opus", 0.002),
    "mp3": ("sf", dict(format="MP3"), SR, 2, "MP3", 0.03),
    "m4a": ("av", dict(container="ipod", codec="aac"), SR, 2, "AAC (M4A)", 0.05),
    "m4a_6ch": ("av", dict(container="ipod", codec="aac"), SR, 6, "AAC (M4A)", 0.05),
    "adts": ("av", dict(container="adts", codec="aac"), SR, 2, "AAC (ADTS)", 0.05),
    "wma": ("av", dict(container="asf", codec="wmav2", bit_rate=128_000), SR, 2, "WMA", 0.05),
    "webm": ("av", dict(container="webm", codec="libopus"), OPUS_SR, 2, "Opus (WebM)", 0.03),
    "mp4_video": (
        "av", dict(container="mp4", codec="aac", video=True), SR, 2, "AAC (MP4 video)", 0.05,
    ),
    "mov": ("av", dict(container="mov", codec="aac"), SR, 2, "AAC (MOV)", 0.05),
    "mkv_pcm": ("av", dict(container="matroska", codec="pcm_s16le"), SR, 2, "PCM (Matroska)", 2e-3),
    "mkv_u8": ("av", dict(container="matroska", codec="pcm_u8"), SR, 1, "PCM (Matroska)", 0.002),
    "mkv_s32": ("av", dict(container="matroska", codec="pcm_s32le"), SR, 6, "PCM (Matroska)", 2e-3),
    "mka_flac": ("av", dict(container="matroska", codec="flac"), SR, 2, "FLAC (Matroska)", 0.002),
}

EXTENSION_FORMAT = {
    "wav": "wav16", "au": "au", "snd": "au", "aif": "aiff", "aiff": "aiff", "flac": "flac",
    "ogg": "vorbis", "oga": "vorbis", "opus": "opus", "mp3": "mp3", "m4a": "m4a", "aac": "adts",
    "mp4": "mp4_video", "wma": "wma", "webm": "webm", "mkv": "mkv_pcm", "mka": "mka_flac",
    "mov": "mov",
}


def peak_hz(audio: Audio) -> float:
    """Frequency of the largest FFT bin (Hann window)."""
    y = audio.samples * np.hanning(audio.samples.size)
    return float(np.argmax(np.abs(np.fft.rfft(y)))) * audio.sr / audio.samples.size


@pytest.fixture(scope="module")
def encoded(synth) -> dict[str, bytes]:
    """A 3 s 440 Hz sine in every format of FORMATS."""
    out = {}
    for name, (writer, kwargs, sr, channels, _, _) in FORMATS.items():
        y = synth.tone(SECONDS, sr, channels=channels)
        write = synth.sf_bytes if writer == "sf" else synth.av_bytes
        out[name] = write(y, sr, **kwargs)
    return out


@pytest.fixture(scope="module")
def long_files(tmp_path_factory, synth) -> dict[str, Path]:
    """20 minutes of 8 kHz mono noise, as WAV (soundfile) and as Matroska PCM (PyAV)."""
    rng = np.random.default_rng(20)
    y = (0.1 * rng.standard_normal(20 * 60 * 8000)).astype(np.float32)
    folder = tmp_path_factory.mktemp("long")
    wav = folder / "long.wav"
    sf.write(wav, y, 8000, subtype="PCM_16")
    mkv = folder / "long.mkv"
    mkv.write_bytes(synth.av_bytes(y, 8000, container="matroska", codec="pcm_s16le"))
    return {"wav": wav, "mkv": mkv}


# ----------------------------------------------------------------------------- content


def test_stereo_wav_sine_content(synth):
    data = synth.sf_bytes(synth.tone(SECONDS, SR, channels=2), SR, format="WAV", subtype="PCM_16")
    audio = load_audio(data)
    assert audio.sr == DEFAULT_SR == 22050
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert abs(audio.duration - SECONDS) < 0.002
    assert abs(peak_hz(audio) - 440) < 1.0
    assert 0.48 < np.abs(audio.samples).max() < 0.52  # the mean of two equal channels
    assert (audio.original_sr, audio.original_channels) == (SR, 2)
    assert audio.original_format == "WAV (PCM_16)"
    assert audio.warnings == () and audio.name is None


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_format_decodes_to_the_sine(encoded, name):
    _, _, sr, channels, label, tolerance = FORMATS[name]
    audio = load_audio(encoded[name])
    assert audio.original_format == label
    assert (audio.original_sr, audio.original_channels) == (sr, channels)
    assert audio.sr == DEFAULT_SR
    assert abs(audio.duration - SECONDS) < tolerance
    assert abs(peak_hz(audio) - 440) < 1.0
    assert 0.4 < np.abs(audio.samples).max() < 0.6
    assert audio.warnings == ()


def test_six_channels_are_downmixed_by_the_mean(synth):
    y = np.zeros((round(2 * SR), 6), np.float32)
    y[:, 0] = synth.tone(2.0, SR, amp=0.6)[:, 0]
    audio = load_audio(synth.sf_bytes(y, SR, format="WAV", subtype="FLOAT"), sr=None)
    assert audio.original_channels == 6
    np.testing.assert_allclose(audio.samples, y[:, 0] / 6, atol=1e-6)


def test_opposite_channels_cancel_in_the_downmix(synth):
    y = synth.tone(2.0, SR, channels=2)
    y[:, 1] *= -1
    audio = load_audio(synth.sf_bytes(y, SR, format="WAV", subtype="PCM_16"))
    assert any("silent" in w for w in audio.warnings)


@pytest.mark.parametrize("rate", [8000, 11025, 16000, 22050, 32000, 48000, 96000])
def test_original_rates(synth, rate):
    data = synth.sf_bytes(synth.tone(2.0, rate), rate, format="WAV", subtype="PCM_16")
    audio = load_audio(data)
    assert audio.original_sr == rate and audio.sr == DEFAULT_SR
    assert abs(audio.duration - 2.0) < 0.002
    assert abs(peak_hz(audio) - 440) < 1.0
    low = [w for w in audio.warnings if "high frequencies" in w]
    if rate < 16000:
        assert len(low) == 1 and f"above {rate / 2000:g} kHz are missing" in low[0]
    else:
        assert low == []


def test_sr_none_keeps_the_original_rate(synth):
    data = synth.sf_bytes(synth.tone(2.0, 48000), 48000, format="FLAC")
    audio = load_audio(data, sr=None)
    assert audio.sr == audio.original_sr == 48000
    assert audio.samples.size == 96000


def test_other_target_rate(encoded):
    audio = load_audio(encoded["m4a"], sr=16000)
    assert audio.sr == 16000 and abs(peak_hz(audio) - 440) < 1.0


def test_integer_sample_formats_are_scaled_to_unit_range():
    values = {"u8": [0, 128, 255], "s16": [-32768, 0, 16384], "s32": [-(2**31), 0, 2**30]}
    expected = np.array([-1.0, 0.0, 0.5], np.float32)
    for base, raw in values.items():
        for planar in (False, True):
            fmt = base + ("p" if planar else "")
            dtype = {"u8": np.uint8, "s16": np.int16, "s32": np.int32}[base]
            stereo = np.array([raw, raw], dtype=dtype)  # (channels, n)
            array = stereo if planar else stereo.T.reshape(1, -1)
            array = np.ascontiguousarray(array)
            frame = av.AudioFrame.from_ndarray(array, format=fmt, layout="stereo")
            out = _frame_to_float(frame)
            assert out.shape == (3, 2) and out.dtype == np.float32, fmt
            if base == "u8":
                np.testing.assert_allclose(out[:, 0], [-1.0, 0.0, 127 / 128], err_msg=fmt)
            else:
                np.testing.assert_allclose(out[:, 0], expected, err_msg=fmt)


@pytest.mark.parametrize("fmt", ["flt", "fltp", "dbl", "dblp"])
def test_float_sample_formats_keep_channel_order(fmt):
    left, right = np.array([0.1, 0.2, 0.3]), np.array([-0.5, -0.6, -0.7])
    dtype = np.float64 if fmt.startswith("dbl") else np.float32
    stereo = np.array([left, right], dtype=dtype)
    array = stereo if fmt.endswith("p") else stereo.T.reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(array), format=fmt, layout="stereo")
    np.testing.assert_allclose(_frame_to_float(frame), np.array([left, right]).T, rtol=1e-6)


def _vbr_mp3_without_xing(y: np.ndarray, sr: int) -> bytes:
    """A VBR MP3 with no Xing/Info header (as older encoders and streams write them)."""
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp3", options={"write_xing": "0"}) as out:
        stream = out.add_stream("libmp3lame", rate=sr)
        stream.layout = "mono"
        stream.codec_context.qscale = 4
        stream.codec_context.flags |= 2  # AV_CODEC_FLAG_QSCALE: variable bit rate
        for i in range(0, y.size, 4096):
            chunk = np.ascontiguousarray(y[None, i : i + 4096])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = sr, i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def test_vbr_mp3_without_xing_header_is_decoded_to_its_end(synth):
    # libsndfile 1.2.2 stops at its bit-rate guess of the length (~3.9 s of 5 s here),
    # so MP3 goes to FFmpeg. A quiet stretch makes the bit rate vary.
    y = synth.tone(5.0, SR)[:, 0] + 0.05 * np.random.default_rng(5).standard_normal(5 * SR)
    y[2 * SR : 3 * SR] *= 0.01
    audio = load_audio(_vbr_mp3_without_xing(y.astype(np.float32), SR), sr=None)
    assert audio.original_format == "MP3"
    assert abs(audio.duration - 5.0) < 0.1
    assert audio.warnings == ()


def test_cut_of_a_file_whose_length_is_a_guess_says_about(synth):
    data = synth.av_bytes(synth.tone(8.0, SR), SR, container="adts", codec="aac")
    audio = load_audio(data, max_seconds=3)
    assert audio.duration == pytest.approx(3.0, abs=1e-3)
    assert any("cut to the first 3 s of about 8 s" in w for w in audio.warnings), audio.warnings


# ----------------------------------------------------------------------------- sources


def test_sources_bytes_bytearray_memoryview_path_str_and_file(encoded, tmp_path):
    data = encoded["flac"]
    path = tmp_path / "song.flac"
    path.write_bytes(data)
    reference = load_audio(data)
    with path.open("rb") as handle:
        from_handle = load_audio(handle)
    for audio in (
        load_audio(bytearray(data)),
        load_audio(memoryview(data)),
        load_audio(path),
        load_audio(str(path)),
        load_audio(io.BytesIO(data)),
        from_handle,
    ):
        assert audio.key == reference.key
    assert load_audio(path).name == load_audio(str(path)).name == "song.flac"
    assert from_handle.name == "song.flac"


class UploadedFileLike(io.BytesIO):
    """Like Streamlit's UploadedFile: a BytesIO with a name."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name


def test_uploaded_file_keeps_name_and_position(encoded):
    upload = UploadedFileLike(encoded["m4a"], "take 1.m4a")
    first = load_audio(upload)
    assert first.name == "take 1.m4a" and upload.tell() == 0 and not upload.closed
    assert load_audio(upload).key == first.key  # a Streamlit rerun loads it again


def test_file_object_is_read_from_its_current_position(encoded):
    stream = io.BytesIO(b"JUNK" + encoded["wav16"])
    stream.seek(4)
    assert load_audio(stream).original_format == "WAV (PCM_16)"
    assert stream.tell() == 4


class ReadOnlyStream:
    """A pipe-like object: read() only, no seek."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._inner.read(size)


@pytest.mark.parametrize("name", ["wav16", "webm"])
def test_unseekable_stream(encoded, name):
    audio = load_audio(ReadOnlyStream(encoded[name]))
    assert abs(peak_hz(audio) - 440) < 1.0


def test_every_supported_extension_loads_from_a_path(encoded, tmp_path):
    assert len(set(SUPPORTED_EXTENSIONS)) == len(SUPPORTED_EXTENSIONS)
    assert all(ext == ext.lower() and "." not in ext for ext in SUPPORTED_EXTENSIONS)
    assert set(SUPPORTED_EXTENSIONS) == set(EXTENSION_FORMAT)
    for ext in SUPPORTED_EXTENSIONS:
        path = tmp_path / f"tone.{ext}"
        path.write_bytes(encoded[EXTENSION_FORMAT[ext]])
        audio = load_audio(path)
        assert audio.name == f"tone.{ext}"
        assert abs(peak_hz(audio) - 440) < 1.0, ext


def test_no_temporary_files_are_written(encoded, monkeypatch, tmp_path):
    # Point Python's and C libraries' temp dir at an empty folder (a listing of the
    # shared /tmp would race with other processes), and make tempfile unusable.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert tempfile.gettempdir() == str(scratch)

    def forbidden(*args, **kwargs):
        raise AssertionError("load_audio must not create temporary files")

    for function in ("mkstemp", "mkdtemp", "NamedTemporaryFile", "TemporaryFile",
                     "SpooledTemporaryFile", "TemporaryDirectory"):
        monkeypatch.setattr(tempfile, function, forbidden)
    for name, data in encoded.items():
        load_audio(data)
        load_audio(UploadedFileLike(data, f"{name}.bin"))
    assert list(scratch.iterdir()) == []


# ----------------------------------------------------------------------------- long input


@pytest.mark.parametrize("kind", ["wav", "mkv"])
def test_long_file_is_cut_without_decoding_it_all(long_files, kind):
    path = long_files[kind]
    tracemalloc.start()
    try:
        start = time.perf_counter()
        audio = load_audio(path, sr=None, max_seconds=60)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert audio.samples.size == 60 * 8000
    assert audio.original_format == {"wav": "WAV (PCM_16)", "mkv": "PCM (Matroska)"}[kind]
    assert any("cut to the first 60 s of 1200 s" in w for w in audio.warnings)
    # The whole file as float32 would take 38 MB; the first minute takes 1.9 MB.
    assert peak < 8e6, f"peak memory {peak / 1e6:.1f} MB: the file was decoded whole"
    assert elapsed < 5


def test_long_file_default_cut_is_600_s(long_files):
    audio = load_audio(long_files["wav"])
    assert audio.duration == pytest.approx(600, abs=1e-3)
    assert audio.sr == DEFAULT_SR
    assert any("cut to the first 600 s of 1200 s" in w for w in audio.warnings)
    assert any("above 4 kHz are missing" in w for w in audio.warnings)


def test_no_cut_warning_when_the_file_fits(encoded):
    audio = load_audio(encoded["wav16"], max_seconds=SECONDS)
    assert audio.warnings == () and abs(audio.duration - SECONDS) < 0.002


# ----------------------------------------------------------------------------- warnings


@pytest.mark.parametrize("amp, silent", [(0.0, True), (5e-5, True), (1e-3, False)])
def test_silence_warning(synth, amp, silent):
    data = synth.sf_bytes(synth.tone(2.0, SR, amp=amp), SR, format="WAV", subtype="FLOAT")
    audio = load_audio(data)
    assert any("silent" in w for w in audio.warnings) is silent


# ----------------------------------------------------------------------------- Audio, WAV out


def test_to_wav_bytes_round_trip(encoded):
    audio = load_audio(encoded["vorbis"])
    wav = to_wav_bytes(audio)
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE"
    again = load_audio(wav)
    assert again.original_format == "WAV (PCM_16)" and again.sr == audio.sr
    np.testing.assert_allclose(again.samples, audio.samples, atol=1 / 16000)


def test_to_wav_bytes_clips_instead_of_wrapping():
    loud = Audio(np.full(22050, 1.5, np.float32), sr=22050)
    samples, _ = sf.read(io.BytesIO(to_wav_bytes(loud)), dtype="float32")
    assert samples.min() > 0.99


def test_audio_is_frozen_read_only_and_keyed_by_content(encoded):
    a, b = load_audio(encoded["wav16"]), load_audio(encoded["wav16"])
    assert a.key == b.key and len(a.key) == 40
    assert load_audio(encoded["wav16"], sr=16000).key != a.key
    assert load_audio(encoded["wav24"]).key != a.key
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.sr = 1
    with pytest.raises(ValueError):
        a.samples[0] = 1.0


def test_audio_copies_a_writeable_array():
    samples = np.zeros(22050, np.float32)
    audio = Audio(samples, sr=22050)
    key = audio.key
    samples[:] = 1.0
    assert audio.key == key and audio.samples.max() == 0.0
    assert audio.original_sr == 22050 and audio.duration == 1.0


def test_audio_survives_pickling_as_st_cache_data_does(encoded):
    audio = load_audio(encoded["m4a"], max_seconds=2)
    assert audio.key  # cached before pickling
    again = pickle.loads(pickle.dumps(audio))
    assert again.key == audio.key and again.warnings == audio.warnings
    assert again.original_format == "AAC (M4A)" and not again.samples.flags.writeable
    np.testing.assert_array_equal(again.samples, audio.samples)
