"""musicnn, the pretrained music-tagging network of Pons & Serra, ported to Keras 3.

musicnn [1]_ is a convolutional network trained to tag 3-second log-mel patches of
music with 50 tags. The ``musicnn`` 0.1.0 wheel (ISC licence) ships two trained
checkpoints of the same architecture: ``MSD_musicnn`` (Million Song Dataset tags)
and ``MTT_musicnn`` (MagnaTagATune tags). Its code is TensorFlow 1 and breaks under
NumPy 2, so this module rebuilds the network with Keras 3 layers and copies the
checkpoint's variables into it. musicnn's own code is never imported or run; the
wheel is only read as data.

Architecture (``build_musicnn``), for a patch of ``T = 187`` frames x 96 mel bands:

- **input**: batch norm with one channel (a scalar affine map of the log-mel).
- **front end**: two *timbral* blocks, ``Conv2D`` with kernels (7, 38) and (7, 67)
  over (time, frequency), 204 filters each, "valid" in frequency and zero-padded by
  3 frames in time; and three *temporal* blocks, ``Conv2D`` with kernels (128, 1),
  (64, 1) and (32, 1), 51 filters each, "same" padding (TF's asymmetric "same" for
  even kernels). Each is ReLU -> batch norm -> max over all remaining frequency bins.
  Concatenated: ``(T, 561)``.
- **mid end**: three ``Conv1D`` layers (64 filters, width 7, "same"), each ReLU ->
  batch norm; the second and third add residual connections. The front end and the
  three mid-end outputs are concatenated (dense connection): ``(T, 753)``.
- **back end**: max and mean over time, interleaved feature by feature
  (``[max_0, mean_0, max_1, mean_1, ...]``, the order of TF1's flatten of a
  ``(753, 2)`` tensor) -> batch norm -> dropout -> ``Dense(200, relu)`` -> batch norm
  (**this is "penultimate"**, the 200-d embedding musicnn's ``extractor`` returns)
  -> dropout -> ``Dense(n_tags)`` -> sigmoid (**"taggram"**).

All batch norms use TF1's defaults, ``epsilon=1e-3`` and ``momentum=0.99``, which are
Keras's too. The network is meant for inference: ``predict``/``predict_on_batch``
run batch norm on its moving statistics and dropout off.

Log-mel input (``musicnn_logmel``): audio at 16 kHz, ``n_fft=512``, ``hop=256``, 96
Slaney mel bands of the power spectrogram, ``log10(1 + 10000 * mel)``, in float32
(musicnn 0.1.0 casts to float16 first, which overflows under NumPy 2).

References
----------
.. [1] Jordi Pons and Xavier Serra, "musicnn: pre-trained convolutional neural
   networks for music audio tagging", Late-Breaking/Demo session of ISMIR 2019.
   https://github.com/jordipons/musicnn (ISC licence; see
   ``assets/models/MUSICNN_LICENSE.md``).
"""

from __future__ import annotations

import importlib.util
import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mgc_core.errors import AssetError, AudioError, ParameterError

if TYPE_CHECKING:  # pragma: no cover
    import keras

__all__ = [
    "SR",
    "N_FFT",
    "HOP",
    "N_MELS",
    "PATCH_FRAMES",
    "N_TAGS",
    "PENULTIMATE_UNITS",
    "MSD_TAGS",
    "MTT_TAGS",
    "CHECKPOINTS",
    "musicnn_logmel",
    "logmel_patches",
    "build_musicnn",
    "checkpoint_dir",
    "load_tf1_checkpoint",
    "convert_musicnn",
    "bundled_model_path",
    "load_musicnn",
    "predict_patches",
]

# --- Signal processing (musicnn/configuration.py) -----------------------------------
SR = 16000
N_FFT = 512
HOP = 256
N_MELS = 96
PATCH_FRAMES = 187  # 3 s: librosa.time_to_frames(3, sr=16000, n_fft=512, hop_length=256) + 1
LOG_GAIN = 10000.0  # log10(1 + LOG_GAIN * mel)

# --- Network (musicnn/models.py: build_musicnn with num_filt=1.6, midend 64, backend 200)
N_TAGS = 50
TIMBRAL_FILTERS = int(1.6 * 128)  # 204
TEMPORAL_FILTERS = int(1.6 * 32)  # 51
TIMBRAL_KERNELS = ((7, int(0.4 * N_MELS)), (7, int(0.7 * N_MELS)))  # (7, 38), (7, 67)
TEMPORAL_KERNELS = (128, 64, 32)
MIDEND_FILTERS = 64
MIDEND_KERNEL = 7
PENULTIMATE_UNITS = 200
DROPOUT = 0.5
BN_EPSILON = 1e-3  # tf.compat.v1.layers.batch_normalization default
BN_MOMENTUM = 0.99

# --- Checkpoints in the musicnn 0.1.0 wheel and the bundled Keras files --------------
MUSICNN_PIN = "musicnn==0.1.0"
INSTALL_HINT = f"run `.venv/bin/pip install --no-deps {MUSICNN_PIN}`"
CHECKPOINTS = {"MSD_musicnn": "musicnn_msd.keras", "MTT_musicnn": "musicnn_mtt.keras"}

# Tag names, in the order of the network's outputs (musicnn/configuration.py, ISC).
MSD_TAGS = (
    "rock", "pop", "alternative", "indie", "electronic", "female vocalists", "dance",
    "00s", "alternative rock", "jazz", "beautiful", "metal", "chillout",
    "male vocalists", "classic rock", "soul", "indie rock", "Mellow", "electronica",
    "80s", "folk", "90s", "chill", "instrumental", "punk", "oldies", "blues",
    "hard rock", "ambient", "acoustic", "experimental", "female vocalist", "guitar",
    "Hip-Hop", "70s", "party", "country", "easy listening", "sexy", "catchy", "funk",
    "electro", "heavy metal", "Progressive rock", "60s", "rnb", "indie pop", "sad",
    "House", "happy",
)  # fmt: skip
MTT_TAGS = (
    "guitar", "classical", "slow", "techno", "strings", "drums", "electronic", "rock",
    "fast", "piano", "ambient", "beat", "violin", "vocal", "synth", "female", "indian",
    "opera", "male", "singing", "vocals", "no vocals", "harpsichord", "loud", "quiet",
    "flute", "woman", "male vocal", "no vocal", "pop", "soft", "sitar", "solo", "man",
    "classic", "choir", "voice", "new age", "dance", "male voice", "female vocal",
    "beats", "harp", "cello", "no voice", "weird", "country", "metal", "female voice",
    "choral",
)  # fmt: skip

# Keras layer name -> TF1 variable scope in the checkpoint, in the order TF1 created
# them. Variables inside match by their short names (kernel, bias, gamma, beta,
# moving_mean, moving_variance).
LAYER_MAP = {
    "input_bn": "batch_normalization",
    "timbral_7x38_conv": "conv2d",
    "timbral_7x38_bn": "batch_normalization_1",
    "timbral_7x67_conv": "conv2d_1",
    "timbral_7x67_bn": "batch_normalization_2",
    "temporal_128_conv": "conv2d_2",
    "temporal_128_bn": "batch_normalization_3",
    "temporal_64_conv": "conv2d_3",
    "temporal_64_bn": "batch_normalization_4",
    "temporal_32_conv": "conv2d_4",
    "temporal_32_bn": "batch_normalization_5",
    "midend_conv1": "conv2d_5",
    "midend_bn1": "batch_normalization_6",
    "midend_conv2": "conv2d_6",
    "midend_bn2": "batch_normalization_7",
    "midend_conv3": "conv2d_7",
    "midend_bn3": "batch_normalization_8",
    "pool_bn": "batch_normalization_9",
    "penultimate_dense": "dense",
    "penultimate": "batch_normalization_10",
    "tag_logits": "dense_1",
}
# The mid end's TF1 Conv2D kernels (7, C, 1, 64) are Keras Conv1D kernels (7, C, 64).
_CONV1D_LAYERS = frozenset({"midend_conv1", "midend_conv2", "midend_conv3"})
# Training state in the checkpoint that the network does not use (Adam's slots).
_OPTIMIZER_SUFFIXES = ("/Adam", "/Adam_1")
_OPTIMIZER_NAMES = frozenset({"beta1_power", "beta2_power", "global_step"})


# --- Input: log-mel and patches ------------------------------------------------------


def musicnn_logmel(y: np.ndarray, *, sr: int = SR) -> np.ndarray:
    """Compute musicnn's log-compressed mel spectrogram.

    ``log10(1 + 10000 * melspectrogram(y, sr=16000, n_fft=512, hop_length=256,
    n_mels=96))`` with librosa's other defaults (power 2, Slaney mel, centred
    frames), in float32, frames first: the input the network was trained on.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio at 16 kHz.
    sr : int
        Sampling rate of ``y``. Must be 16000: resample first, e.g.
        ``librosa.load(path, sr=16000)`` or ``librosa.resample``.

    Returns
    -------
    logmel : np.ndarray [shape=(1 + n // 256, 96), dtype=float32]

    Raises
    ------
    ParameterError
        If ``sr`` is not 16000 or ``y`` is not one-dimensional.
    AudioError
        If ``y`` is empty or holds NaN or infinity.

    Examples
    --------
    >>> import librosa
    >>> y = librosa.tone(440, sr=16000, duration=3.0)
    >>> musicnn_logmel(y).shape
    (188, 96)
    """
    if sr != SR:
        raise ParameterError(
            f"musicnn needs audio at {SR} Hz, got sr={sr}: resample it first, "
            f"e.g. librosa.load(path, sr={SR}) or librosa.resample(y, orig_sr={sr}, "
            f"target_sr={SR})."
        )
    y = np.asarray(y)
    if y.ndim != 1:
        raise ParameterError(
            f"musicnn needs mono audio of shape (n,), got shape {y.shape}: mix it down "
            "first, e.g. librosa.to_mono(y)."
        )
    if y.size == 0:
        raise AudioError("The audio is empty: musicnn needs at least one sample.")
    if not np.issubdtype(y.dtype, np.floating):
        raise ParameterError(
            f"musicnn needs floating-point audio in [-1, 1], got dtype {y.dtype}: "
            "load it with librosa.load or divide integer PCM by its full scale."
        )
    y = y.astype(np.float32, copy=False)
    if not np.all(np.isfinite(y)):
        raise AudioError("The audio holds NaN or infinite samples: it is corrupt.")

    import librosa

    mel = librosa.feature.melspectrogram(
        y=y, sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS
    ).T
    return np.log10(np.float32(1.0) + np.float32(LOG_GAIN) * mel).astype(np.float32)


def logmel_patches(
    logmel: np.ndarray, *, hop_frames: int = PATCH_FRAMES, keep_partial: bool = False
) -> np.ndarray:
    """Cut a log-mel spectrogram into patches of ``PATCH_FRAMES`` (187) frames.

    Patches start at frame 0 and every ``hop_frames`` after (the default gives
    back-to-back patches with no overlap). Frames left after the last full patch are
    dropped, as musicnn's ``extractor`` does, unless ``keep_partial`` is set.

    A clip shorter than one patch is not rejected: it is padded to one patch by
    repeating it in time ("repeat-pad", the ``pad_short`` setting musicnn was trained
    with), so every non-empty clip yields at least one patch. ``keep_partial=True``
    pads the trailing remainder the same way into one more patch.

    Parameters
    ----------
    logmel : np.ndarray [shape=(frames, 96)]
        Output of :func:`musicnn_logmel`.
    hop_frames : int > 0
        Frames between the starts of consecutive patches.
    keep_partial : bool
        Keep the frames after the last full patch as one more, repeat-padded patch.

    Returns
    -------
    patches : np.ndarray [shape=(n, 187, 96), dtype=float32]
        ``n = 1 + (frames - 187) // hop_frames`` for ``frames >= 187`` (plus one with
        ``keep_partial`` when frames remain), else 1.

    Raises
    ------
    ParameterError
        If ``logmel`` is not ``(frames, 96)`` or ``hop_frames`` is not a positive int.
    AudioError
        If ``logmel`` has no frames.

    Examples
    --------
    >>> logmel_patches(np.zeros((563, 96), np.float32)).shape
    (3, 187, 96)
    >>> logmel_patches(np.zeros((50, 96), np.float32)).shape
    (1, 187, 96)
    """
    logmel = np.asarray(logmel)
    if logmel.ndim != 2 or logmel.shape[1] != N_MELS:
        raise ParameterError(
            f"logmel must have shape (frames, {N_MELS}), got {logmel.shape}: compute it "
            "with musicnn_logmel(y, sr=16000)."
        )
    if isinstance(hop_frames, bool) or not isinstance(hop_frames, int | np.integer):
        raise ParameterError(f"hop_frames must be a positive int, got {hop_frames!r}.")
    if hop_frames < 1:
        raise ParameterError(f"hop_frames must be a positive int, got {hop_frames}.")
    n_frames = logmel.shape[0]
    if n_frames == 0:
        raise AudioError("The log-mel has no frames: the audio is empty.")
    logmel = logmel.astype(np.float32, copy=False)

    def _repeat_pad(part: np.ndarray) -> np.ndarray:
        reps = -(-PATCH_FRAMES // part.shape[0])
        return np.tile(part, (reps, 1))[:PATCH_FRAMES]

    if n_frames < PATCH_FRAMES:
        return _repeat_pad(logmel)[np.newaxis]
    starts = range(0, n_frames - PATCH_FRAMES + 1, hop_frames)
    patches = [logmel[s : s + PATCH_FRAMES] for s in starts]
    if keep_partial and starts[-1] + PATCH_FRAMES < n_frames:
        patches.append(_repeat_pad(logmel[starts[-1] + hop_frames :]))
    return np.stack(patches)


# --- Network ---------------------------------------------------------------------------


def build_musicnn(*, n_tags: int = N_TAGS, name: str = "msd_musicnn") -> keras.Model:
    """Build the musicnn network (untrained) as a Keras 3 functional model.

    See the module docstring for the layer-by-layer architecture.

    Parameters
    ----------
    n_tags : int > 0
        Units of the output (tag) layer: 50 for both pretrained checkpoints.
    name : str
        Name of the model.

    Returns
    -------
    model : keras.Model
        Input ``logmel`` of shape ``(batch, 187, 96)``; outputs a dict with
        ``"taggram"`` ``(batch, n_tags)`` sigmoid activations and ``"penultimate"``
        ``(batch, 200)``, the batch-normalised output of the 200-unit ReLU layer.

    Examples
    --------
    >>> model = build_musicnn()
    >>> out = model.predict_on_batch(np.zeros((2, 187, 96), np.float32))
    >>> out["taggram"].shape, out["penultimate"].shape
    ((2, 50), (2, 200))
    """
    if isinstance(n_tags, bool) or not isinstance(n_tags, int | np.integer) or n_tags < 1:
        raise ParameterError(f"n_tags must be a positive int, got {n_tags!r}.")
    import keras
    from keras import layers

    def bn(layer_name: str) -> keras.layers.Layer:
        return layers.BatchNormalization(
            epsilon=BN_EPSILON, momentum=BN_MOMENTUM, name=layer_name
        )

    def freq_block(x, kernel, filters, padding, tag):
        x = layers.Conv2D(
            filters, kernel, padding=padding, activation="relu", name=f"{tag}_conv"
        )(x)
        x = bn(f"{tag}_bn")(x)
        n_freq = x.shape[2]
        x = layers.MaxPooling2D((1, n_freq), name=f"{tag}_freqpool")(x)
        return layers.Reshape((PATCH_FRAMES, filters), name=f"{tag}_squeeze")(x)

    logmel = keras.Input(shape=(PATCH_FRAMES, N_MELS), name="logmel")
    x = layers.Reshape((PATCH_FRAMES, N_MELS, 1), name="add_channel")(logmel)
    x = bn("input_bn")(x)

    # Front end: timbral (time-padded, "valid") and temporal ("same") filters.
    x_pad = layers.ZeroPadding2D(((3, 3), (0, 0)), name="timbral_pad")(x)
    front = [
        freq_block(x_pad, kernel, TIMBRAL_FILTERS, "valid", f"timbral_{kernel[0]}x{kernel[1]}")
        for kernel in TIMBRAL_KERNELS
    ]
    front += [
        freq_block(x, (length, 1), TEMPORAL_FILTERS, "same", f"temporal_{length}")
        for length in TEMPORAL_KERNELS
    ]
    front = layers.Concatenate(axis=-1, name="frontend")(front)

    # Mid end: 1-D convolutions over time with residual and dense connections.
    m1 = layers.Conv1D(
        MIDEND_FILTERS, MIDEND_KERNEL, padding="same", activation="relu", name="midend_conv1"
    )(front)
    m1 = bn("midend_bn1")(m1)
    m2 = layers.Conv1D(
        MIDEND_FILTERS, MIDEND_KERNEL, padding="same", activation="relu", name="midend_conv2"
    )(m1)
    m2 = layers.Add(name="midend_res2")([bn("midend_bn2")(m2), m1])
    m3 = layers.Conv1D(
        MIDEND_FILTERS, MIDEND_KERNEL, padding="same", activation="relu", name="midend_conv3"
    )(m2)
    m3 = layers.Add(name="midend_res3")([bn("midend_bn3")(m3), m2])
    features = layers.Concatenate(axis=-1, name="midend")([front, m1, m2, m3])
    n_features = features.shape[-1]  # 561 + 3 * 64 = 753

    # Back end: temporal max and mean pooling, interleaved per feature as TF1 did.
    max_pool = layers.GlobalMaxPooling1D(name="max_pool")(features)
    mean_pool = layers.GlobalAveragePooling1D(name="mean_pool")(features)
    max_pool = layers.Reshape((n_features, 1), name="max_pool_col")(max_pool)
    mean_pool = layers.Reshape((n_features, 1), name="mean_pool_col")(mean_pool)
    pooled = layers.Concatenate(axis=-1, name="pool_pairs")([max_pool, mean_pool])
    pooled = layers.Flatten(name="pool_flat")(pooled)
    pooled = bn("pool_bn")(pooled)
    pooled = layers.Dropout(DROPOUT, name="pool_dropout")(pooled)
    dense = layers.Dense(PENULTIMATE_UNITS, activation="relu", name="penultimate_dense")(
        pooled
    )
    penultimate = bn("penultimate")(dense)
    dense = layers.Dropout(DROPOUT, name="penultimate_dropout")(penultimate)
    logits = layers.Dense(n_tags, name="tag_logits")(dense)
    taggram = layers.Activation("sigmoid", name="taggram")(logits)
    return keras.Model(
        inputs=logmel, outputs={"taggram": taggram, "penultimate": penultimate}, name=name
    )


# --- Checkpoint conversion --------------------------------------------------------------


def _check_which(which: str) -> None:
    if which not in CHECKPOINTS:
        raise ParameterError(
            f"Unknown musicnn checkpoint {which!r}: choose one of {sorted(CHECKPOINTS)}."
        )


def checkpoint_dir(which: str = "MSD_musicnn") -> Path:
    """Find a TF1 checkpoint folder of the installed ``musicnn`` wheel.

    The wheel is located without importing it (its ``__init__`` would pull in
    TensorFlow 1 code): ``importlib.util.find_spec("musicnn")`` only reads where the
    package lies.

    Parameters
    ----------
    which : {"MSD_musicnn", "MTT_musicnn"}
        Checkpoint to find.

    Returns
    -------
    path : pathlib.Path
        Folder holding ``.index`` and ``.data-00000-of-00001`` (a checkpoint whose
        prefix is the folder itself, ``path / ""``).

    Raises
    ------
    ParameterError
        If ``which`` is not a known checkpoint.
    AssetError
        If the wheel or the checkpoint's files are not installed.
    """
    _check_which(which)
    spec = importlib.util.find_spec("musicnn")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        folder = Path(location) / which
        if (folder / ".index").is_file() and (folder / ".data-00000-of-00001").is_file():
            return folder
    if not locations:
        raise AssetError(
            f"The musicnn wheel is not installed, so its {which} checkpoint cannot be "
            f"converted: {INSTALL_HINT}."
        )
    raise AssetError(
        f"The installed musicnn package at {locations[0]} has no {which} checkpoint "
        f"(.index and .data-00000-of-00001): reinstall it, {INSTALL_HINT}."
    )


def _is_optimizer_state(name: str) -> bool:
    return name in _OPTIMIZER_NAMES or name.endswith(_OPTIMIZER_SUFFIXES)


def load_tf1_checkpoint(model: keras.Model, ckpt_dir: str | os.PathLike) -> keras.Model:
    """Copy the variables of a musicnn TF1 checkpoint into a :func:`build_musicnn` model.

    Every weight of ``model`` must come from the checkpoint and every network
    variable of the checkpoint must go into ``model``, with matching shapes; only
    Adam's optimizer state is skipped. Nothing is assigned unless all of it matches.

    Parameters
    ----------
    model : keras.Model
        A model from :func:`build_musicnn`, modified in place.
    ckpt_dir : str or os.PathLike
        A folder from :func:`checkpoint_dir` (the checkpoint's prefix is the folder
        itself: its files are named ``.index`` and ``.data-00000-of-00001``).

    Returns
    -------
    model : keras.Model
        The same model, for chaining.

    Raises
    ------
    AssetError
        If the checkpoint cannot be read, or its variables and the model's weights
        do not map one to one with equal shapes.
    """
    import tensorflow as tf

    prefix = os.path.join(os.fspath(ckpt_dir), "")
    try:
        reader = tf.compat.v1.train.NewCheckpointReader(prefix)
    except (tf.errors.OpError, ValueError) as err:
        raise AssetError(
            f"Cannot read the TF1 checkpoint at {prefix!r} ({err}): reinstall the wheel, "
            f"{INSTALL_HINT}."
        ) from err
    ckpt_shapes = {
        name: tuple(shape)
        for name, shape in reader.get_variable_to_shape_map().items()
        if not _is_optimizer_state(name)
    }

    problems: list[str] = []
    assignments = []
    used: set[str] = set()
    for variable in model.weights:
        layer_name, _, short = variable.path.rpartition("/")
        layer_name = layer_name.rpartition("/")[2]  # drop any model-name scope
        scope = LAYER_MAP.get(layer_name)
        if scope is None:
            problems.append(f"model weight {variable.path!r} has no checkpoint mapping")
            continue
        ckpt_name = f"{scope}/{short}"
        if ckpt_name not in ckpt_shapes:
            problems.append(f"checkpoint lacks {ckpt_name!r} (for {variable.path!r})")
            continue
        value = reader.get_tensor(ckpt_name)
        if layer_name in _CONV1D_LAYERS and short == "kernel" and value.ndim == 4:
            if value.shape[2] != 1:
                problems.append(
                    f"{ckpt_name!r} has shape {value.shape}, expected (k, C, 1, filters)"
                )
                continue
            value = value[:, :, 0, :]
        if tuple(value.shape) != tuple(variable.shape):
            problems.append(
                f"{ckpt_name!r} has shape {tuple(value.shape)} but {variable.path!r} "
                f"needs {tuple(variable.shape)}"
            )
            continue
        used.add(ckpt_name)
        assignments.append((variable, value))
    unmapped = sorted(set(ckpt_shapes) - used)
    if unmapped:
        problems.append(f"checkpoint variables not mapped to the model: {unmapped}")
    if problems:
        raise AssetError(
            f"The checkpoint at {prefix!r} does not fit model {model.name!r}: "
            + "; ".join(problems)
            + f". Use a model from build_musicnn() and a checkpoint of {MUSICNN_PIN}."
        )
    for variable, value in assignments:
        variable.assign(value.astype(variable.dtype))
    return model


def convert_musicnn(which: str, out_path: str | os.PathLike) -> Path:
    """Convert a pretrained musicnn checkpoint of the installed wheel to a ``.keras`` file.

    Builds the network with :func:`build_musicnn`, loads the checkpoint with
    :func:`load_tf1_checkpoint` and saves the model, weights only in float32 (no
    optimizer, no training state). Backs ``python -m mgc_core convert-musicnn``.

    Parameters
    ----------
    which : {"MSD_musicnn", "MTT_musicnn"}
        Checkpoint to convert.
    out_path : str or os.PathLike
        A ``.keras`` file to write, or a folder (created if need be) in which to
        write the bundled name, ``musicnn_msd.keras`` or ``musicnn_mtt.keras``.

    Returns
    -------
    path : pathlib.Path
        The file written.

    Raises
    ------
    ParameterError
        If ``which`` is unknown.
    AssetError
        If the wheel is not installed or its checkpoint does not fit the network.

    Examples
    --------
    >>> convert_musicnn("MSD_musicnn", "assets/models")  # doctest: +SKIP
    PosixPath('assets/models/musicnn_msd.keras')
    """
    _check_which(which)
    out = Path(out_path)
    if out.suffix != ".keras":
        out = out / CHECKPOINTS[which]
    folder = checkpoint_dir(which)
    model = build_musicnn(name=which.lower())
    load_tf1_checkpoint(model, folder)
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    return out


def bundled_model_path(
    which: str = "MSD_musicnn", *, assets_dir: str | os.PathLike | None = None
) -> Path:
    """Path of the converted model bundled in ``<assets>/models``.

    Parameters
    ----------
    which : {"MSD_musicnn", "MTT_musicnn"}
    assets_dir : path-like, optional
        The assets folder; :data:`mgc_core.assets.ASSETS_DIR` (read when called) by default.

    Returns
    -------
    path : pathlib.Path
    """
    from mgc_core import assets

    _check_which(which)
    root = Path(assets_dir) if assets_dir is not None else assets.ASSETS_DIR
    return root / "models" / CHECKPOINTS[which]


def load_musicnn(path: str | os.PathLike) -> keras.Model:
    """Load a converted musicnn model from a ``.keras`` file, in safe mode.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`convert_musicnn`, e.g. ``bundled_model_path()``.

    Returns
    -------
    model : keras.Model
        Not compiled; call :func:`predict_patches` on it.

    Raises
    ------
    AssetError
        If the file is missing or is not a loadable, safe ``.keras`` musicnn model.
    """
    path = Path(path)
    regenerate = (
        "re-create it with `python -m mgc_core convert-musicnn --out assets/models` "
        f"(needs {MUSICNN_PIN})"
    )
    if not path.is_file():
        raise AssetError(f"The musicnn model {str(path)!r} is missing: {regenerate}.")
    if path.suffix != ".keras":
        raise AssetError(
            f"The musicnn model {str(path)!r} is not a .keras file: {regenerate}."
        )
    import keras

    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except (ValueError, TypeError, KeyError, OSError, zipfile.BadZipFile) as err:
        raise AssetError(
            f"The musicnn model {str(path)!r} is corrupt or unsafe ({err}): {regenerate}."
        ) from err
    if not isinstance(model.output, Mapping) or set(model.output) != {
        "taggram",
        "penultimate",
    }:
        raise AssetError(
            f"{str(path)!r} is not a musicnn model (outputs 'taggram' and 'penultimate'): "
            f"{regenerate}."
        )
    return model


def predict_patches(
    model: keras.Model, patches: np.ndarray | Sequence[Any], *, batch_size: int = 32
) -> dict[str, np.ndarray]:
    """Run musicnn on log-mel patches, in batches.

    Uses ``model.predict_on_batch``, whose compiled graph Keras keeps on the model, so
    repeated calls do not retrace (a last, smaller batch adds at most one trace,
    after which the batch size is generalised).

    Parameters
    ----------
    model : keras.Model
        From :func:`load_musicnn` (or :func:`build_musicnn` with weights).
    patches : np.ndarray [shape=(n, 187, 96)]
        From :func:`logmel_patches`.
    batch_size : int > 0
        Patches per forward pass.

    Returns
    -------
    outputs : dict
        ``"taggram"``: float32 ``(n, n_tags)`` sigmoid activations;
        ``"penultimate"``: float32 ``(n, 200)`` embeddings.

    Raises
    ------
    ParameterError
        If ``patches`` is not ``(n, 187, 96)`` or ``batch_size`` is not a positive int.

    Examples
    --------
    >>> import librosa
    >>> y = librosa.tone(440, sr=16000, duration=6.0)
    >>> model = load_musicnn(bundled_model_path("MSD_musicnn"))
    >>> out = predict_patches(model, logmel_patches(musicnn_logmel(y)))
    >>> out["taggram"].shape
    (2, 50)
    """
    patches = np.asarray(patches, dtype=np.float32)
    if patches.ndim != 3 or patches.shape[1:] != (PATCH_FRAMES, N_MELS):
        raise ParameterError(
            f"patches must have shape (n, {PATCH_FRAMES}, {N_MELS}), got {patches.shape}: "
            "cut them with logmel_patches(musicnn_logmel(y))."
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
        raise ParameterError(f"batch_size must be a positive int, got {batch_size!r}.")
    if batch_size < 1:
        raise ParameterError(f"batch_size must be a positive int, got {batch_size}.")
    n_tags = int(model.output["taggram"].shape[-1])
    chunks: dict[str, list[np.ndarray]] = {"taggram": [], "penultimate": []}
    for start in range(0, patches.shape[0], batch_size):
        out = model.predict_on_batch(patches[start : start + batch_size])
        for key, parts in chunks.items():
            parts.append(np.asarray(out[key], dtype=np.float32))
    if not chunks["taggram"]:
        return {
            "taggram": np.zeros((0, n_tags), np.float32),
            "penultimate": np.zeros((0, PENULTIMATE_UNITS), np.float32),
        }
    return {key: np.concatenate(parts) for key, parts in chunks.items()}
