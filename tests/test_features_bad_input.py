"""Every ParameterError that mgc_core.features raises: its type and the message fragment."""

from __future__ import annotations

import numpy as np
import pytest

from mgc_core import features as F
from mgc_core.errors import MGCError, ParameterError

SR = 22050
Y = np.sin(2 * np.pi * 440 * np.arange(SR) / SR).astype(np.float32)  # 1 s
S_Y = F.stft_power(Y, sr=SR)  # (1025, 44): the power spectrogram of Y
M_Y = F.mel_power(S=S_Y, sr=SR, n_mels=40)  # (40, 44)

# Every public function that takes audio, called with valid defaults around ``y``.
AUDIO_FUNCS = {
    "window": lambda y: F.window(y, sr=SR),
    "waveform_envelope": lambda y: F.waveform_envelope(y, sr=SR),
    "spectrum": lambda y: F.spectrum(y, sr=SR),
    "stft_power": lambda y: F.stft_power(y, sr=SR),
    "stft_db": lambda y: F.stft_db(y, sr=SR),
    "mel_power": lambda y: F.mel_power(y, sr=SR),
    "mel_db": lambda y: F.mel_db(y, sr=SR),
    "log_mel": lambda y: F.log_mel(y, sr=SR),
    "mfcc": lambda y: F.mfcc(y, sr=SR),
    "chroma": lambda y: F.chroma(y, sr=SR),
    "tonnetz": lambda y: F.tonnetz(y, sr=SR),
    "spectral_features": lambda y: F.spectral_features(y, sr=SR),
    "pooled_power": lambda y: F.pooled_power(y, sr=SR),
    "tempo_beats": lambda y: F.tempo_beats(y, sr=SR),
    "hpss": lambda y: F.hpss(y),
}

BAD_Y = [
    (np.array([1, 2, 3], dtype=np.int16), "floating-point samples; got dtype int16"),
    (np.zeros((2, 100), dtype=np.float32), "must be mono, a 1-D array"),
    (np.zeros(0, dtype=np.float32), "y is empty"),
    (np.array([0.0, np.nan, 0.0], dtype=np.float32), "sample 1 is nan"),
    (np.array([0.0, 0.0, np.inf]), "sample 2 is inf"),
    (["a", "b"], "floating-point samples"),
]


@pytest.mark.parametrize("func", list(AUDIO_FUNCS), ids=str)
@pytest.mark.parametrize(("y", "fragment"), BAD_Y, ids=[f for _, f in BAD_Y])
def test_every_function_rejects_bad_audio(func, y, fragment):
    with pytest.raises(ParameterError, match=fragment):
        AUDIO_FUNCS[func](y)


def test_integer_audio_error_says_how_to_convert():
    with pytest.raises(ParameterError, match=r"y.astype\(np.float32\) / 32768"):
        F.stft_db(np.zeros(10, dtype=np.int16), sr=SR)


def test_parameter_error_is_an_mgc_error_and_a_value_error():
    with pytest.raises(MGCError):
        F.stft_db(Y, sr=SR, n_fft=1000)
    with pytest.raises(ValueError):
        F.stft_db(Y, sr=SR, n_fft=1000)


CASES = [
    # sr
    pytest.param(
        lambda: F.stft_db(Y, sr=100),
        "sr must be a sample rate between 4000 and 192000 Hz; got 100",
        id="sr too low",
    ),
    pytest.param(
        lambda: F.stft_db(Y, sr=22050.5),
        "sr must be an integer; got 22050.5",
        id="sr not integral",
    ),
    pytest.param(
        lambda: F.stft_db(Y, sr="22050"),
        "sr must be an integer; got '22050'",
        id="sr string",
    ),
    pytest.param(
        lambda: F.frame_times(3, sr=True, hop_length=1),
        "sr must be an integer; got True",
        id="sr bool",
    ),
    # n_fft
    pytest.param(
        lambda: F.stft_db(Y, sr=SR, n_fft=1000),
        "n_fft must be a power of two between 64 and 16384; got 1000",
        id="n_fft not power of two",
    ),
    pytest.param(
        lambda: F.mel_db(Y, sr=SR, n_fft=32, hop_length=16),
        "n_fft must be a power of two between 64 and 16384; got 32",
        id="n_fft too small",
    ),
    pytest.param(
        lambda: F.spectrum(Y, sr=SR, n_fft=32768),
        "got 32768",
        id="n_fft too big",
    ),
    pytest.param(
        lambda: F.chroma(Y, sr=SR, n_fft=2048.5),
        "n_fft must be an integer; got 2048.5",
        id="n_fft float",
    ),
    pytest.param(
        lambda: F.spectral_features(Y, sr=SR, n_fft=64, hop_length=32),
        "use n_fft >= 128",
        id="n_fft too small for contrast",
    ),
    # hop_length
    pytest.param(
        lambda: F.stft_db(Y, sr=SR, hop_length=0),
        "hop_length must be between 1 and n_fft (2048); got 0",
        id="hop 0",
    ),
    pytest.param(
        lambda: F.mfcc(Y, sr=SR, n_fft=512, hop_length=1024),
        "hop_length must be between 1 and n_fft (512); got 1024",
        id="hop above n_fft",
    ),
    pytest.param(
        lambda: F.tonnetz(Y, sr=SR, hop_length=20000),
        "hop_length must be between 1 and 16384; got 20000",
        id="hop above limit",
    ),
    pytest.param(
        lambda: F.tempo_beats(Y, sr=SR, hop_length=-1),
        "hop_length must be between 1",
        id="hop negative for tempo",
    ),
    pytest.param(
        lambda: F.frame_times(3, sr=SR, hop_length=0),
        "hop_length must be between 1",
        id="hop for frame_times",
    ),
    # n_mels
    pytest.param(
        lambda: F.mel_db(Y, sr=SR, n_mels=0),
        "n_mels must be between 1 and 256; got 0",
        id="n_mels 0",
    ),
    pytest.param(
        lambda: F.mfcc(Y, sr=SR, n_mels=300),
        "n_mels must be between 1 and 256; got 300",
        id="n_mels 300",
    ),
    pytest.param(
        lambda: F.mel_db(Y, sr=SR, n_fft=256, hop_length=128, n_mels=128),
        "n_mels=128 is too many for n_fft=256 at sr=22050 Hz",
        id="n_mels vs n_fft",
    ),
    pytest.param(
        lambda: F.mel_db(Y, sr=SR, n_mels=128, fmin=1000, fmax=1200),
        "some mel bands would contain no FFT bin",
        id="n_mels vs narrow range",
    ),
    pytest.param(
        lambda: F.mel_frequencies(0),
        "n_mels must be between 1 and 256",
        id="mel_frequencies n_mels",
    ),
    # n_mfcc
    pytest.param(
        lambda: F.mfcc(Y, sr=SR, n_mfcc=0),
        "n_mfcc must be between 1 and n_mels (128); got 0",
        id="n_mfcc 0",
    ),
    pytest.param(
        lambda: F.mfcc(Y, sr=SR, n_mels=40, n_mfcc=41),
        "n_mfcc must be between 1 and n_mels (40); got 41",
        id="n_mfcc above n_mels",
    ),
    # fmin / fmax
    pytest.param(
        lambda: F.mel_db(Y, sr=SR, fmin=-5.0),
        "fmin must be at least 0 and below fmax (11025 Hz); got -5",
        id="fmin negative",
    ),
    pytest.param(
        lambda: F.mfcc(Y, sr=SR, fmin=5000.0, fmax=4000.0),
        "fmin must be at least 0 and below fmax (4000 Hz); got 5000",
        id="fmin above fmax",
    ),
    pytest.param(
        lambda: F.mel_db(Y, sr=SR, fmin=4000.0, fmax=4000.0),
        "fmin must be at least 0 and below fmax",
        id="fmin equals fmax",
    ),
    pytest.param(
        lambda: F.mel_db(Y, sr=SR, fmax=20000.0),
        "fmax must be above 0 and at most sr/2 (11025 Hz); got 20000",
        id="fmax above nyquist",
    ),
    pytest.param(
        lambda: F.mel_frequencies(10, 0.0, 0.0),
        "fmax must be above 0",
        id="fmax zero",
    ),
    pytest.param(
        lambda: F.mel_db(Y, sr=SR, fmin=float("nan")),
        "fmin must be a finite number; got nan",
        id="fmin nan",
    ),
    pytest.param(
        lambda: F.mel_db(Y, sr=SR, fmax="high"),
        "fmax must be a number; got 'high'",
        id="fmax string",
    ),
    pytest.param(
        lambda: F.max_n_mels(sr=SR, n_fft=2048, fmax=1e6),
        "fmax must be above 0 and at most sr/2",
        id="max_n_mels fmax",
    ),
    # start_s / end_s
    pytest.param(
        lambda: F.window(Y, sr=SR, start_s=-1.0),
        "start_s must be at least 0 and before the end of the audio (1.000 s); got -1",
        id="start negative",
    ),
    pytest.param(
        lambda: F.spectrum(Y, sr=SR, start_s=1.0),
        "start_s must be at least 0 and before the end",
        id="start past end",
    ),
    pytest.param(
        lambda: F.window(Y, sr=SR, start_s=0.5, end_s=0.4),
        "end_s must be after start_s (0.5 s) and at most the duration of the audio (1.000 s); "
        "got 0.4",
        id="end before start",
    ),
    pytest.param(
        lambda: F.waveform_envelope(Y, sr=SR, end_s=2.0),
        "end_s must be after start_s (0 s) and at most the duration",
        id="end past duration",
    ),
    pytest.param(
        lambda: F.window(Y, sr=SR, start_s=0.0, end_s=1e-6),
        "holds no whole sample",
        id="window without samples",
    ),
    pytest.param(
        lambda: F.window(Y, sr=SR, start_s="0"),
        "start_s must be a number",
        id="start string",
    ),
    # n_columns, n_frames
    pytest.param(
        lambda: F.waveform_envelope(Y, sr=SR, n_columns=0),
        "n_columns must be between 1 and 100000; got 0",
        id="n_columns 0",
    ),
    pytest.param(
        lambda: F.waveform_envelope(Y, sr=SR, n_columns=10**6),
        "n_columns must be between 1 and 100000",
        id="n_columns huge",
    ),
    pytest.param(
        lambda: F.frame_times(-1, sr=SR, hop_length=512),
        "n_frames must be 0 or more; got -1",
        id="n_frames negative",
    ),
    pytest.param(
        lambda: F.frame_times(2.5, sr=SR, hop_length=512),
        "n_frames must be an integer; got 2.5",
        id="n_frames float",
    ),
    # deltas
    pytest.param(
        lambda: F.mfcc(Y[:600], sr=SR, n_fft=512, hop_length=512, deltas=True),
        "deltas=True needs at least 3 frames; this audio gives 2",
        id="deltas on too few frames",
    ),
    # contrast_band_edges
    pytest.param(
        lambda: F.contrast_band_edges(sr=0),
        "sr must be a sample rate between",
        id="contrast edges sr",
    ),
    # inputs: exactly one of y, S and M
    pytest.param(
        lambda: F.stft_db(sr=SR),
        "Pass one input: y (the samples); S (a power spectrogram, e.g. from stft_power). "
        "None of y or S was given.",
        id="stft_db without input",
    ),
    pytest.param(
        lambda: F.mfcc(sr=SR),
        "None of y, S or M was given",
        id="mfcc without input",
    ),
    pytest.param(
        lambda: F.mel_db(Y, sr=SR, S=S_Y),
        "Pass only one of y, S or M; got both y and S. They are alternatives "
        "(S would be computed from y)",
        id="y and S",
    ),
    pytest.param(
        lambda: F.log_mel(sr=SR, S=S_Y, M=M_Y),
        "got both S and M",
        id="S and M",
    ),
    pytest.param(
        lambda: F.chroma(Y, sr=SR, S=S_Y),
        "Pass only one of y or S; got both y and S",
        id="chroma y and S",
    ),
    pytest.param(
        lambda: F.mel_power(Y, sr=SR, S=S_Y),
        "got both y and S",
        id="mel_power y and S",
    ),
    pytest.param(
        lambda: F.spectral_features(None, sr=SR, S=S_Y),
        "y is missing: pass the samples as a 1-D float array; they are needed even with S",
        id="spectral_features without y",
    ),
    # S: a power spectrogram at n_fft
    pytest.param(
        lambda: F.stft_db(S=S_Y, sr=SR, n_fft=1024),
        "S has 1025 frequency rows but n_fft=1024 gives 513: pass the n_fft that S was "
        "computed with (n_fft=2048 gives 1025).",
        id="S rows vs n_fft",
    ),
    pytest.param(
        lambda: F.mel_db(S=F.stft_db(Y, sr=SR), sr=SR),
        "S must be a power spectrogram, which is never negative; got -80. Pass power, not "
        "decibels: np.abs(D) ** 2 of an STFT D, as stft_power gives.",
        id="S in dB",
    ),
    pytest.param(
        lambda: F.chroma(S=np.zeros((1025, 4), dtype=np.complex64), sr=SR),
        "S must be a real power spectrogram; got complex values",
        id="S complex",
    ),
    pytest.param(
        lambda: F.mel_power(S=S_Y[:, 0], sr=SR),
        "S must be a power spectrogram, a non-empty 2-D array (bands, frames); got shape (1025,)",
        id="S 1-D",
    ),
    pytest.param(
        lambda: F.mel_power(S=S_Y[:, :0], sr=SR),
        "a non-empty 2-D array",
        id="S without frames",
    ),
    pytest.param(
        lambda: F.stft_db(S=np.ones((1025, 3), dtype=np.int64), sr=SR),
        "S must be a power spectrogram of floating-point values; got dtype int64",
        id="S integer",
    ),
    pytest.param(
        lambda: F.stft_db(S=np.full((1025, 3), np.nan), sr=SR),
        "S must hold finite values",
        id="S nan",
    ),
    pytest.param(
        lambda: F.spectral_features(Y[: SR // 2], sr=SR, S=S_Y),
        "S has 44 frames but y gives only 22 at hop_length=512",
        id="S longer than y",
    ),
    # M: a mel power spectrogram
    pytest.param(
        lambda: F.mfcc(M=F.mel_db(Y, sr=SR), sr=SR),
        "M must be a mel power spectrogram, which is never negative",
        id="M in dB",
    ),
    pytest.param(
        lambda: F.mfcc(M=M_Y[:10], sr=SR, n_mfcc=13),
        "n_mfcc must be between 1 and the number of mel bands in M (10); got 13",
        id="n_mfcc above the bands of M",
    ),
    pytest.param(
        lambda: F.log_mel(M=M_Y[0], sr=SR),
        "M must be a mel power spectrogram, a non-empty 2-D array",
        id="M 1-D",
    ),
    # tuning, gain, rms_from, dtype
    pytest.param(
        lambda: F.chroma(Y, sr=SR, tuning=0.7),
        "tuning must be between -0.5 and 0.5 (a fraction of a semitone), or None to estimate "
        "it from the audio; got 0.7",
        id="tuning out of range",
    ),
    pytest.param(
        lambda: F.chroma(Y, sr=SR, tuning="A440"),
        "tuning must be a number; got 'A440'",
        id="tuning string",
    ),
    pytest.param(
        lambda: F.log_mel(Y, sr=SR, gain=0.0),
        "gain must be above 0; got 0",
        id="gain zero",
    ),
    pytest.param(
        lambda: F.spectral_features(Y, sr=SR, rms_from="frames"),
        "rms_from must be 'samples' or 'spectrum'; got 'frames'",
        id="rms_from",
    ),
    pytest.param(
        lambda: F.spectral_features(Y, sr=SR, dtype=np.int16),
        "dtype must be np.float32 or np.float64",
        id="dtype int",
    ),
    pytest.param(
        lambda: F.spectral_features(Y, sr=SR, dtype=None),
        "dtype must be np.float32 or np.float64; got None",
        id="dtype None",
    ),
    # the frames of a plot: frame_grid, pooled_power, pool_frames, pool
    pytest.param(
        lambda: F.frame_grid(0, n_fft=2048, hop_length=512),
        "n_samples must be 1 or more; got 0",
        id="frame_grid no samples",
    ),
    pytest.param(
        lambda: F.frame_grid(SR, n_fft=2048, hop_length=4096),
        "hop_length must be between 1 and n_fft (2048); got 4096",
        id="frame_grid hop above n_fft",
    ),
    pytest.param(
        lambda: F.frame_grid(SR, n_fft=2048, hop_length=512, max_frames=0),
        "max_frames must be between 1 and 100000 (the frames a plot can draw); got 0",
        id="max_frames zero",
    ),
    pytest.param(
        lambda: F.pooled_power(Y, sr=SR, max_frames=100_001),
        "max_frames must be between 1 and 100000",
        id="max_frames too many",
    ),
    pytest.param(
        lambda: F.tonnetz_grid(SR, hop_length=512, max_frames=1.5),
        "max_frames must be an integer; got 1.5",
        id="max_frames not integral",
    ),
    pytest.param(
        lambda: F.pool_frames(np.ones(4), pool=0),
        "pool must be 1 or more (the frames averaged into each frame); got 0",
        id="pool zero",
    ),
    pytest.param(
        lambda: F.pool_frames(np.ones(4), pool=True),
        "pool must be an integer; got True",
        id="pool bool",
    ),
    pytest.param(
        lambda: F.pool_frames(np.ones(4), pool=2, how="max"),
        "how must be 'mean' or 'rms'; got 'max'",
        id="pool_frames how",
    ),
    pytest.param(
        lambda: F.pool_frames(np.ones((3, 0)), pool=2),
        "X must be a real array with at least one frame on its last axis; got shape (3, 0)",
        id="pool_frames no frames",
    ),
    pytest.param(
        lambda: F.pool_frames(np.ones(4, dtype=complex), pool=2),
        "X must be a real array",
        id="pool_frames complex",
    ),
    pytest.param(
        lambda: F.tonnetz(Y, sr=SR, pool=-1),
        "pool must be 1 or more",
        id="tonnetz pool",
    ),
    pytest.param(
        lambda: F.spectral_features(Y, sr=SR, S=S_Y[:, :23], pool=2),
        "S has 23 frames but y gives only 22 at hop_length=512 averaged in runs of pool=2",
        id="pooled S too long",
    ),
]


@pytest.mark.parametrize(("call", "fragment"), CASES)
def test_bad_parameters_raise_parameter_error_naming_value_and_fix(call, fragment):
    with pytest.raises(ParameterError) as info:
        call()
    assert fragment in str(info.value)


def test_integral_floats_are_accepted_for_integer_parameters():
    assert F.stft_db(Y, sr=22050.0, n_fft=1024.0, hop_length=256.0).shape == (513, 87)
