"""EfficientAT ``mn04_as`` for serving: its numpy front end and the network on LiteRT.

EfficientAT [1]_ ``mn04_as`` is a MobileNetV3 (width 0.4, 0.98 M parameters) trained on
AudioSet by knowledge distillation from PaSST transformers. It tags any length of 32-kHz
audio with the 527 AudioSet classes (multi-label: probability = sigmoid(logit), per
class) and gives a 384-d embedding, the global mean of its last convolution, which a
genre head can be trained on.

This module needs neither TensorFlow nor PyTorch:

- :func:`to_mn04_rate` resamples mono audio to 32 kHz (soxr "HQ", which is what
  upstream's ``librosa.load(path, sr=32000)`` does);
- :func:`mn04_logmel` is the front end, rebuilt in numpy: pre-emphasis, a reflect-padded
  STFT with a symmetric Hann window of 800 samples centred in a 1024-sample frame (hop
  320), the power spectrum, a Kaldi-style mel bank (128 bands, 0-15000 Hz,
  :func:`kaldi_mel_bank`), ``ln(M + 1e-5)`` and ``(L + 4.5) / 5``;
- :class:`LiteMN04` runs the network converted to ``.tflite`` by
  :func:`mgc_core.models.efficientat.convert_mn04` with LiteRT (XNNPACK). The time axis
  of the converted network is resizable: one call may take any number of frames;
- :func:`read_class_labels` reads the class list, and constants name the classes that
  matter for genre work (:data:`GTZAN_CLASSES`, :data:`MUSIC`, :data:`SPEECH`, ...).

The numbers follow the porting spec kept with the weights
(``shared/models/efficientat_mn04/README.md``); the tests check the front end and the
network against outputs of the original code.

The model and its weights are under the MIT licence, the class names come from the
AudioSet ontology (CC BY-SA 4.0): :data:`ATTRIBUTION` must be shown wherever class names
are shown, and :data:`LICENSE_NOTICE` kept with every copy of the converted model.

References
----------
.. [1] Florian Schmid, Khaled Koutini and Gerhard Widmer, "Efficient Large-Scale Audio
   Tagging via Transformer-to-CNN Knowledge Distillation", ICASSP 2023
   (arXiv:2211.04772). https://github.com/fschmid56/EfficientAT (MIT licence).
"""

from __future__ import annotations

import csv
import functools
import io
import math
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from mgc_core.errors import AssetError, ParameterError

__all__ = [
    "SR",
    "N_FFT",
    "WIN_LENGTH",
    "HOP",
    "N_MELS",
    "FMIN",
    "FMAX",
    "MIN_SAMPLES",
    "N_CLASSES",
    "EMBEDDING_DIM",
    "HIDDEN_DIM",
    "STEM_WIDTH",
    "LAST_CONV_WIDTH",
    "Block",
    "BLOCKS",
    "KERAS_FILE",
    "TFLITE_FILE",
    "LICENSE_FILE",
    "LABELS_FILE",
    "LABELS_SHA256",
    "MUSIC",
    "SPEECH",
    "SILENCE",
    "NOISE",
    "NOISE_CLASSES",
    "GENRE_CLASSES",
    "GTZAN_CLASSES",
    "LICENSE_NOTICE",
    "ATTRIBUTION",
    "n_frames",
    "to_mn04_rate",
    "kaldi_mel_bank",
    "mn04_logmel",
    "read_class_labels",
    "network_macs",
    "macs_per_second",
    "LiteMN04",
]

# --- Front end (EfficientAT's AugmentMelSTFT in evaluation mode) ------------------------
SR = 32000
N_FFT = 1024
WIN_LENGTH = 800
HOP = 320
N_MELS = 128
FMIN = 0.0
#: Upstream leaves fmax unset and then uses sr/2 - 2000/2 = 15000 Hz (not 16000).
FMAX = 15000.0
PREEMPHASIS = 0.97
LOG_OFFSET = 1e-5
NORM_SHIFT = 4.5
NORM_SCALE = 5.0
#: Shortest input: the reflection padding (512) needs 513 samples after pre-emphasis.
MIN_SAMPLES = N_FFT // 2 + 2
_STFT_CHUNK = 4096  # frames per FFT batch: bounds the memory of long clips

# --- Network ---------------------------------------------------------------------------
N_CLASSES = 527
EMBEDDING_DIM = 384
HIDDEN_DIM = 512
#: Multiply-accumulates of the two dense layers of the head, independent of length.
_HEAD_MACS = 384 * 512 + 512 * 527


class Block(NamedTuple):
    """One inverted-residual block of the network (``features.1`` .. ``features.15``)."""

    expanded: int  #: width of the expansion (no expansion when equal to the input width)
    out: int  #: output width
    kernel: int  #: side of the square depthwise kernel
    stride: int  #: stride of the depthwise conv, on both axes
    activation: str  #: "relu" or "hard_swish"
    se: int  #: width of the squeeze-excitation bottleneck, 0 for none


#: Width after the stem (3x3 conv 1 -> 8, stride 2, hardswish) and of the last conv.
STEM_WIDTH = 8
LAST_CONV_WIDTH = EMBEDDING_DIM
#: The 15 inverted-residual blocks, in order (the spec's layer table). A block adds its
#: input to its output when its stride is 1 and its input and output widths are equal.
BLOCKS: tuple[Block, ...] = (
    Block(8, 8, 3, 1, "relu", 0),
    Block(24, 16, 3, 2, "relu", 0),
    Block(32, 16, 3, 1, "relu", 0),
    Block(32, 16, 5, 2, "relu", 8),
    Block(48, 16, 5, 1, "relu", 16),
    Block(48, 16, 5, 1, "relu", 16),
    Block(96, 32, 3, 2, "hard_swish", 0),
    Block(80, 32, 3, 1, "hard_swish", 0),
    Block(72, 32, 3, 1, "hard_swish", 0),
    Block(72, 32, 3, 1, "hard_swish", 0),
    Block(192, 48, 3, 1, "hard_swish", 48),
    Block(272, 48, 3, 1, "hard_swish", 72),
    Block(272, 64, 5, 2, "hard_swish", 72),
    Block(384, 64, 5, 1, "hard_swish", 96),
    Block(384, 64, 5, 1, "hard_swish", 96),
)


# --- Files written by mgc_core.models.efficientat.convert_mn04 ------------------------
KERAS_FILE = "efficientat_mn04.keras"
TFLITE_FILE = "efficientat_mn04.tflite"
LICENSE_FILE = "EFFICIENTAT_LICENSE.md"
LABELS_FILE = "efficientat_mn04_labels.csv"
#: sha256 of the class list (``index,mid,display_name``, 527 rows) as distributed.
LABELS_SHA256 = "fb5c4a6cdb124ebce2840afbe56b53b72b71f3366c507cea9336b58d05f218a5"
_REBUILD_HINT = "rebuild it with `python -m mgc_core convert-efficientat`"

# --- AudioSet classes (indices into the 527 outputs; checked against the csv by tests) --
#: "Music", the root of AudioSet's music branch.
MUSIC = 137
#: "Speech" (its children 1-7 are kinds of speech).
SPEECH = 0
#: "Silence".
SILENCE = 500
#: "Noise", the root of AudioSet's noise branch (513-523).
NOISE = 513
#: Classes of plain noise (not sounds that happen to be noisy).
NOISE_CLASSES: dict[int, str] = {
    513: "Noise",
    514: "Environmental noise",
    515: "Static",
    516: "Mains hum",
    520: "White noise",
    521: "Pink noise",
}
#: AudioSet's music genres that matter for genre work.
GENRE_CLASSES: dict[int, str] = {
    216: "Pop music",
    217: "Hip hop music",
    219: "Rock music",
    220: "Heavy metal",
    226: "Rhythm and blues",
    227: "Soul music",
    228: "Reggae",
    229: "Country",
    232: "Funk",
    233: "Folk music",
    235: "Jazz",
    236: "Disco",
    237: "Classical music",
    239: "Electronic music",
    251: "Blues",
}
#: The AudioSet class of each GTZAN genre, in the order of :data:`mgc_core.genres.GENRES`.
GTZAN_CLASSES: dict[str, int] = {
    "blues": 251,
    "classical": 237,
    "country": 229,
    "disco": 236,
    "hiphop": 217,
    "jazz": 235,
    "metal": 220,
    "pop": 216,
    "reggae": 228,
    "rock": 219,
}

# --- Licence and attribution (keep with every copy; show with class names) -------------
LICENSE_NOTICE = """\
MIT License

Copyright (c) 2022 Florian Schmid

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""
ATTRIBUTION = (
    "Class names: AudioSet, Google Inc. (dataset CC BY 4.0, ontology CC BY-SA 4.0); "
    "J. F. Gemmeke, D. P. W. Ellis, D. Freedman, A. Jansen, W. Lawrence, R. C. Moore, "
    'M. Plakal, M. Ritter, "Audio Set: An ontology and human-labeled dataset for audio '
    'events", ICASSP 2017.'
)


# --- Input checks -------------------------------------------------------------------------


def _check_sr(sr: object, *, what: str) -> int:
    if isinstance(sr, bool) or not isinstance(sr, int | np.integer) or sr <= 0:
        raise ParameterError(f"{what} must be a positive int (Hz), got {sr!r}.")
    return int(sr)


def _check_mono(y: object, *, what: str = "y") -> np.ndarray:
    """Return ``y`` as finite float32 mono samples, or raise a ParameterError saying why."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ParameterError(
            f"{what} must be mono audio of shape (n,), got shape {y.shape}: mix the "
            "channels down first, e.g. y.mean(axis=1) for an (n, channels) array."
        )
    if y.size == 0:
        raise ParameterError(f"{what} is empty: EfficientAT needs some audio.")
    if not np.issubdtype(y.dtype, np.floating):
        raise ParameterError(
            f"{what} must hold float samples in [-1, 1], got dtype {y.dtype}: divide "
            "integer PCM by its full scale (e.g. int16 by 32768) first."
        )
    y = y.astype(np.float32, copy=False)
    if not np.all(np.isfinite(y)):
        raise ParameterError(
            f"{what} holds NaN or infinite samples: the audio is corrupt; decode it again."
        )
    return y


# --- Front end ------------------------------------------------------------------------------


def n_frames(n_samples: int) -> int:
    """Frames of the front end for ``n_samples`` samples at 32 kHz.

    ``1 + (n_samples - 1) // 320`` (pre-emphasis drops one sample; frames are centred).

    Examples
    --------
    >>> n_frames(320000), n_frames(96000)
    (1000, 300)
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, int | np.integer):
        raise ParameterError(f"n_samples must be an int, got {n_samples!r}.")
    if n_samples < MIN_SAMPLES:
        raise ParameterError(
            f"EfficientAT needs at least {MIN_SAMPLES} samples at {SR} Hz, got {n_samples}."
        )
    return 1 + (int(n_samples) - 1) // HOP


def to_mn04_rate(y: np.ndarray, sr: int) -> np.ndarray:
    """Resample mono audio to 32 kHz, EfficientAT's rate (soxr "HQ").

    Resample straight from the file's own rate: this is what upstream's
    ``librosa.load(path, sr=32000, mono=True)`` does, bit for bit.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono float samples in [-1, 1].
    sr : int > 0
        Sampling rate of ``y``.

    Returns
    -------
    y32k : np.ndarray [shape=(m,), dtype=float32]
        ``y`` itself (as float32) when ``sr`` is already 32000.

    Raises
    ------
    ParameterError
        If ``sr`` is not a positive int, or ``y`` is not finite float mono audio.

    Examples
    --------
    >>> import librosa
    >>> to_mn04_rate(librosa.tone(440, sr=22050, duration=1.0), 22050).shape
    (32000,)
    """
    sr = _check_sr(sr, what="sr")
    y = _check_mono(y)
    if sr == SR:
        return y
    import soxr

    return np.asarray(soxr.resample(y, sr, SR, quality="HQ"), dtype=np.float32)


def _hz_to_kaldi_mel(f: np.ndarray | float) -> np.ndarray:
    return 1127.0 * np.log1p(np.asarray(f, dtype=np.float64) / 700.0)


@functools.cache
def kaldi_mel_bank() -> np.ndarray:
    """The front end's mel filter bank, Kaldi style (computed once, read-only).

    128 triangles that are straight lines on the mel scale ``1127 ln(1 + f / 700)``,
    with edges equally spaced in mel from 0 to 15000 Hz, peak at most 1 and no area
    normalisation; the Nyquist bin (column 512) is a zero column. This is
    ``torchaudio.compliance.kaldi.get_mel_banks`` as EfficientAT uses it, which
    ``librosa.filters.mel`` cannot reproduce (its triangles are straight in Hz).

    Returns
    -------
    bank : np.ndarray [shape=(128, 513), dtype=float32]
        Row 0 is the lowest band; 947 weights are non-zero.
    """
    mel_lo, mel_hi = _hz_to_kaldi_mel(FMIN), _hz_to_kaldi_mel(FMAX)
    delta = (mel_hi - mel_lo) / (N_MELS + 1)
    left = mel_lo + np.arange(N_MELS, dtype=np.float64)[:, None] * delta
    centre, right = left + delta, left + 2.0 * delta
    freqs = np.arange(N_FFT // 2) * (SR / N_FFT)
    mel = _hz_to_kaldi_mel(freqs)[None, :]
    up = (mel - left) / (centre - left)
    down = (right - mel) / (right - centre)
    weights = np.maximum(0.0, np.minimum(up, down))
    # Bin 480 lies exactly on the top edge (15000 Hz), where float64 round-off leaves
    # 1.7e-14 that Kaldi's float32 arithmetic does not: nothing at or above fmax counts.
    weights[:, freqs >= FMAX] = 0.0
    bank = np.zeros((N_MELS, N_FFT // 2 + 1), dtype=np.float32)
    bank[:, : N_FFT // 2] = weights
    bank.flags.writeable = False
    return bank


@functools.cache
def _window() -> np.ndarray:
    """Symmetric Hann of length 800 (``0.5 - 0.5 cos(2 pi n / 799)``), float32, read-only."""
    n = np.arange(WIN_LENGTH, dtype=np.float64)
    w = (0.5 - 0.5 * np.cos(2.0 * np.pi * n / (WIN_LENGTH - 1))).astype(np.float32)
    w.flags.writeable = False
    return w


def mn04_logmel(y32k: np.ndarray, *, sr: int = SR) -> np.ndarray:
    """EfficientAT's log-mel front end: 32-kHz waveform to network input.

    Steps (all float32): pre-emphasis ``e[n] = x[n+1] - 0.97 x[n]``; STFT of ``e`` with
    512 samples of reflection padding at each end, frames of 1024 every 320 samples, a
    symmetric Hann window of 800 samples centred in each frame and a 1024-point real
    FFT; power; :func:`kaldi_mel_bank`; ``L = ln(M + 1e-5)``; ``(L + 4.5) / 5``.
    The window's 112 zeros on either side are not multiplied: each frame's 800 windowed
    samples are transformed with zero padding to 1024, a circular shift of the centred
    frame that leaves the power unchanged.

    The result depends on the level of the audio (the log has a fixed offset): pass
    samples scaled as decoded, in [-1, 1].

    Parameters
    ----------
    y32k : np.ndarray [shape=(n,)]
        Mono float audio at 32 kHz, ``n >= 514`` (:func:`to_mn04_rate` resamples).
    sr : int
        Sampling rate of ``y32k``; must be 32000.

    Returns
    -------
    logmel : np.ndarray [shape=(128, 1 + (n - 1) // 320), dtype=float32]
        Band first (row 0 is the lowest band), frame second: the input of
        :class:`LiteMN04` and of the Keras network (with a channel axis added).

    Raises
    ------
    ParameterError
        If ``sr`` is not 32000, or ``y32k`` is not finite float mono audio of at least
        514 samples.

    Examples
    --------
    >>> import librosa
    >>> y = librosa.tone(440, sr=32000, duration=10.0)
    >>> mn04_logmel(y).shape
    (128, 1000)
    """
    if _check_sr(sr, what="sr") != SR:
        raise ParameterError(
            f"EfficientAT needs audio at {SR} Hz, got sr={sr}: resample it first with "
            f"to_mn04_rate(y, {sr})."
        )
    x = _check_mono(y32k, what="y32k")
    if x.size < MIN_SAMPLES:
        raise ParameterError(
            f"y32k has {x.size} samples; EfficientAT's front end needs at least "
            f"{MIN_SAMPLES} ({MIN_SAMPLES / SR * 1000:.0f} ms at {SR} Hz): use longer audio "
            "or pad it."
        )
    emphasised = x[1:] - np.float32(PREEMPHASIS) * x[:-1]
    padded = np.pad(emphasised, N_FFT // 2, mode="reflect")
    total = 1 + (x.size - 1) // HOP
    offset = (N_FFT - WIN_LENGTH) // 2  # the window starts 112 samples into each frame
    frames = np.lib.stride_tricks.sliding_window_view(padded[offset:], WIN_LENGTH)[::HOP]
    bank_t = np.ascontiguousarray(kaldi_mel_bank().T)  # (513, 128)
    window = _window()
    out = np.empty((total, N_MELS), dtype=np.float32)
    for start in range(0, total, _STFT_CHUNK):
        stop = min(start + _STFT_CHUNK, total)
        spectrum = np.fft.rfft(frames[start:stop] * window, n=N_FFT, axis=1)
        power = spectrum.real**2 + spectrum.imag**2
        np.matmul(power.astype(np.float32, copy=False), bank_t, out=out[start:stop])
    logmel = np.log(out + np.float32(LOG_OFFSET))
    logmel += np.float32(NORM_SHIFT)
    logmel /= np.float32(NORM_SCALE)
    return np.ascontiguousarray(logmel.T)


# --- Classes ----------------------------------------------------------------------------------


def read_class_labels(source: bytes | str | os.PathLike) -> tuple[str, ...]:
    """Read the 527 AudioSet class names, in the order of the network's outputs.

    Parameters
    ----------
    source : bytes or path-like
        The content of a class list (``index,mid,display_name`` with a header row), or
        the path of one, e.g. ``<out_dir>/efficientat_mn04_labels.csv``.

    Returns
    -------
    names : tuple of str [length=527]
        Display names; show :data:`ATTRIBUTION` wherever they are shown.

    Raises
    ------
    AssetError
        If the file is missing or is not a list of 527 classes in output order.
    """
    if isinstance(source, bytes):
        content, label = source, "the class list"
    else:
        path = Path(source)
        label = repr(str(path))
        try:
            content = path.read_bytes()
        except OSError as err:
            raise AssetError(
                f"The EfficientAT class list {label} cannot be read ({err}): {_REBUILD_HINT}."
            ) from err
    try:
        rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))
    except (UnicodeDecodeError, csv.Error) as err:
        raise AssetError(
            f"{label} is not a UTF-8 CSV class list ({err}): {_REBUILD_HINT}."
        ) from err
    if not rows or rows[0] != ["index", "mid", "display_name"]:
        raise AssetError(
            f"{label} lacks the header index,mid,display_name: it is not EfficientAT's "
            f"class list; {_REBUILD_HINT}."
        )
    body = rows[1:]
    bad = [i for i, row in enumerate(body) if len(row) != 3 or row[0] != str(i) or not row[2]]
    if len(body) != N_CLASSES or bad:
        raise AssetError(
            f"{label} should list {N_CLASSES} classes numbered 0-{N_CLASSES - 1} in order; "
            f"it has {len(body)} rows"
            + (f", the first bad one being data row {bad[0]}" if bad else "")
            + f": {_REBUILD_HINT}."
        )
    return tuple(row[2] for row in body)


# --- Cost -------------------------------------------------------------------------------------


def network_macs(frames: int) -> int:
    """Multiply-accumulates of one pass of the network over ``frames`` frames.

    Convolutions and dense layers, the squeeze-excitation layers included (batch norm,
    activations, pooling and the SE rescaling excluded), as in the spec's layer table;
    the front end is not included (its dense mel product adds ~6.6 M per second).

    Parameters
    ----------
    frames : int > 0
        Time frames of the input (1000 for 10 s).

    Returns
    -------
    macs : int

    Examples
    --------
    >>> round(network_macs(1000) / 1e6, 1)
    110.6
    """
    if isinstance(frames, bool) or not isinstance(frames, int | np.integer) or frames < 1:
        raise ParameterError(f"frames must be a positive int, got {frames!r}.")
    f, t = math.ceil(N_MELS / 2), math.ceil(int(frames) / 2)
    macs = f * t * 9 * STEM_WIDTH  # stem: 3x3 conv 1 -> 8, stride 2
    c_in = STEM_WIDTH
    for expanded, c_out, k, stride, _, se in BLOCKS:
        if expanded != c_in:
            macs += f * t * c_in * expanded
        f, t = math.ceil(f / stride), math.ceil(t / stride)
        macs += f * t * k * k * expanded + f * t * expanded * c_out
        macs += 2 * expanded * se
        c_in = c_out
    macs += f * t * c_in * LAST_CONV_WIDTH
    return macs + _HEAD_MACS


def macs_per_second() -> float:
    """Network multiply-accumulates per second of audio (about 11.1 M).

    Taken over a 10-s clip (1000 frames; 110.6 M MACs, upstream's "0.11 GMACs"): the
    cost grows linearly with length, plus a fixed 0.47 M for the head.
    """
    return network_macs(1000) / 10.0


# --- LiteRT -------------------------------------------------------------------------------------


class LiteMN04:
    """The converted ``mn04_as`` network, run by LiteRT (XNNPACK).

    The time axis is resizable: each call takes log-mel windows of any one length
    (the interpreter is resized when the batch or length changes, which costs a few
    milliseconds). Thread-safe: calls from several sessions go through the process's
    inference service (:class:`~mgc_core.models.lite.LiteNetwork`).

    Parameters
    ----------
    content : bytes
        The ``.tflite`` file's bytes (already verified against the manifest).
    batch : int > 0
        Windows per invocation; longer inputs are processed in chunks of this size.
    threads : int, optional
        XNNPACK threads; every core by default.

    Raises
    ------
    AssetError
        If LiteRT is not installed or ``content`` is not the converted network.

    Examples
    --------
    >>> net = LiteMN04(Path("assets/models/efficientat_mn04.tflite").read_bytes())  # doctest: +SKIP
    >>> out = net.predict(mn04_logmel(y32k)[np.newaxis])  # doctest: +SKIP
    >>> out["logits"].shape, out["embedding"].shape  # doctest: +SKIP
    ((1, 527), (1, 384))
    """

    def __init__(self, content: bytes, *, batch: int = 4, threads: int | None = None):
        if not isinstance(content, bytes | bytearray | memoryview):
            raise ParameterError(
                f"content must be the .tflite file's bytes, got {type(content).__name__}: "
                "pass Path(...).read_bytes()."
            )
        if isinstance(batch, bool) or not isinstance(batch, int | np.integer) or batch < 1:
            raise ParameterError(f"batch must be a positive int, got {batch!r}.")
        if threads is not None and (
            isinstance(threads, bool) or not isinstance(threads, int | np.integer) or threads < 1
        ):
            raise ParameterError(f"threads must be a positive int or None, got {threads!r}.")
        from mgc_core.models.lite import LiteNetwork

        self.batch = int(batch)
        self._net = LiteNetwork(bytes(content), name="EfficientAT mn04",
                                rebuild="python -m mgc_core convert-efficientat",
                                batch=self.batch, threads=threads)
        widths = self._net.output_widths
        signature = self._net.item_shape
        if (
            len(signature) != 3
            or signature[0] != N_MELS
            or signature[1] != -1
            or not {N_CLASSES, EMBEDDING_DIM, HIDDEN_DIM} <= set(widths)
        ):
            raise AssetError(
                "The .tflite file is not the converted EfficientAT mn04 network (input "
                f"(batch, {N_MELS}, frames, 1) with a free time axis; outputs of width "
                f"{N_CLASSES}, {EMBEDDING_DIM} and {HIDDEN_DIM}): {_REBUILD_HINT}."
            )
        self._outputs = {
            "logits": widths.index(N_CLASSES),
            "embedding": widths.index(EMBEDDING_DIM),
            "hidden": widths.index(HIDDEN_DIM),
        }

    def predict(self, logmel_batch: np.ndarray) -> dict[str, np.ndarray]:
        """Run the network on log-mel windows of one length.

        Parameters
        ----------
        logmel_batch : np.ndarray [shape=(n, 128, frames)]
            Outputs of :func:`mn04_logmel` stacked (all with the same frames); one clip
            is ``mn04_logmel(y)[np.newaxis]``.

        Returns
        -------
        outputs : dict of np.ndarray (float32)
            ``"logits"`` ``(n, 527)`` (probabilities are their sigmoid, per class),
            ``"embedding"`` ``(n, 384)`` and ``"hidden"`` ``(n, 512)``.

        Raises
        ------
        ParameterError
            If ``logmel_batch`` is not ``(n, 128, frames)`` with finite values.
        """
        x = np.asarray(logmel_batch)
        if x.ndim != 3 or x.shape[1] != N_MELS or x.shape[2] < 1:
            raise ParameterError(
                f"logmel_batch must have shape (n, {N_MELS}, frames), got {x.shape}: stack "
                "mn04_logmel(y) outputs of one length, e.g. mn04_logmel(y)[np.newaxis]."
            )
        if not np.issubdtype(x.dtype, np.floating) or not np.all(np.isfinite(x)):
            raise ParameterError(
                "logmel_batch must hold finite floats: compute it with mn04_logmel(y)."
            )
        out = self._net.run(x.astype(np.float32, copy=False)[..., np.newaxis])
        return {key: out[i] for key, i in self._outputs.items()}
