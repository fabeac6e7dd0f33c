"""EfficientAT ``mn04_as`` rebuilt in Keras 3 from its written spec, and converted to LiteRT.

The network (Schmid, Koutini & Widmer, ICASSP 2023; MIT licence) is a MobileNetV3 at
width 0.4 trained on AudioSet. Its PyTorch tensors are kept as data in
``shared/models/efficientat_mn04/weights.npz`` (keyed by their state-dict names) with a
porting spec beside them; no upstream code is used. This module builds the network
(:func:`build_mn04`), copies the tensors into it (:func:`load_npz_weights`) and writes
the ``.keras`` and ``.tflite`` files that :mod:`mgc_core.models.efficientat_lite` serves
(:func:`convert_mn04`).

Architecture (input: log-mel ``(128, frames, 1)`` from
:func:`~mgc_core.models.efficientat_lite.mn04_logmel`; frequency is the first spatial axis):

- **stem** (``features.0``): 3x3 conv 1 -> 8, stride 2, batch norm, hardswish;
- **15 inverted-residual blocks** (``features.1`` .. ``features.15``, table
  :data:`~mgc_core.models.efficientat_lite.BLOCKS`): 1x1 expansion conv + BN + activation
  (skipped when the expansion equals the input width, block 1 only); depthwise k x k conv
  + BN + activation; optional squeeze-excitation (global mean over frequency and time,
  ``Dense(S, relu)``, ``Dense(E, sigmoid)``, channel-wise product); 1x1 projection conv
  + BN without activation; the input is added when the stride is 1 and the widths match;
- **last conv** (``features.16``): 1x1 conv 64 -> 384, BN, hardswish;
- **head**: global mean over frequency and time (**embedding**, 384), ``Dense(512)`` +
  hardswish (**hidden**), ``Dense(527)`` (**logits**; dropout is the identity at inference).

Details that change the numbers, all from the spec: no conv has a bias; batch norm uses
``epsilon=1e-3``; hardswish is ``x * relu6(x + 3) / 6`` (Keras's ``"hard_swish"``); the SE
gate is the logistic sigmoid; and the five stride-2 convs pad ``k // 2`` zeros on **each**
side, written as ``ZeroPadding2D`` + ``padding="valid"`` (TensorFlow's ``"same"`` pads the
extra zero at the end only, which moves the logits by up to 4.4).

Layers that hold weights are named after their PyTorch prefix with dots written as
underscores (``features.4.block.1.0`` -> ``features_4_block_1_0``; an SE layer
``features.4.block.2.conc_se_layers.0.fc1`` -> ``features_4_block_2_se_fc1``), so the
mapping to the state dict is mechanical and checked one to one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mgc_core.errors import AssetError, ParameterError
from mgc_core.models.efficientat_lite import (
    ATTRIBUTION,
    BLOCKS,
    HIDDEN_DIM,
    KERAS_FILE,
    LABELS_FILE,
    LABELS_SHA256,
    LAST_CONV_WIDTH,
    LICENSE_FILE,
    LICENSE_NOTICE,
    N_CLASSES,
    N_MELS,
    STEM_WIDTH,
    TFLITE_FILE,
    read_class_labels,
)

if TYPE_CHECKING:  # pragma: no cover
    import keras

__all__ = [
    "BN_EPSILON",
    "WEIGHTS_SHA256",
    "STAGE_LAYERS",
    "OUTPUTS",
    "build_mn04",
    "build_mn04_stages",
    "torch_prefix",
    "load_npz_weights",
    "load_mn04",
    "export_tflite",
    "convert_mn04",
]

BN_EPSILON = 1e-3  # what the checkpoint was trained with (not PyTorch's default 1e-5)
#: sha256 of ``shared/models/efficientat_mn04/weights.npz`` (266 float32 tensors).
WEIGHTS_SHA256 = "fdab06fc8fc0f4f4eb74767d7e268f01659a3eccfe7471e0049b6080a7799907"
#: The model's outputs.
OUTPUTS = ("logits", "embedding", "hidden")
#: Layers whose outputs the reference fixture stores (the stem, blocks 5 and 10 after
#: their residual adds, the last conv), for :func:`build_mn04_stages`.
STAGE_LAYERS = {
    "stem": "features_0_act",
    "block05": "features_5_add",
    "block10": "features_10_add",
    "lastconv": "features_16_act",
}
_BN_KEYS = ("weight", "bias", "running_mean", "running_var")
_CONVERT_HINT = (
    "convert the weights again with mgc_core.models.efficientat.convert_mn04("
    "'../shared/models/efficientat_mn04/weights.npz', out_dir)"
)


def build_mn04(*, frames: int | None = None, name: str = "efficientat_mn04") -> keras.Model:
    """Build the ``mn04_as`` network (untrained) as a Keras 3 functional model.

    See the module docstring for the architecture; :func:`load_npz_weights` fills in the
    pretrained weights.

    Parameters
    ----------
    frames : int > 0 or None
        Time frames of the input; ``None`` (default) leaves the time axis free, so one
        model takes any length (1000 frames for 10 s).
    name : str
        Name of the model.

    Returns
    -------
    model : keras.Model
        Input ``logmel`` of shape ``(batch, 128, frames, 1)``; outputs a dict with
        ``"logits"`` ``(batch, 527)``, ``"embedding"`` ``(batch, 384)`` and ``"hidden"``
        ``(batch, 512)``.

    Raises
    ------
    ParameterError
        If ``frames`` is neither None nor a positive int.

    Examples
    --------
    >>> model = build_mn04()
    >>> out = model.predict_on_batch(np.zeros((2, 128, 300, 1), np.float32))
    >>> out["logits"].shape, out["embedding"].shape, out["hidden"].shape
    ((2, 527), (2, 384), (2, 512))
    """
    if frames is not None and (
        isinstance(frames, bool) or not isinstance(frames, int | np.integer) or frames < 1
    ):
        raise ParameterError(f"frames must be a positive int or None, got {frames!r}.")
    import keras
    from keras import layers

    def conv_bn(x, prefix, *, filters=None, kernel=1, stride=1, activation=None):
        """Conv (depthwise when ``filters`` is None) named ``prefix_0``, BN ``prefix_1``."""
        padding = "same"
        if stride != 1:  # PyTorch's symmetric k // 2, not TensorFlow's lopsided "same"
            pad = kernel // 2
            x = layers.ZeroPadding2D(((pad, pad), (pad, pad)), name=f"{prefix}_pad")(x)
            padding = "valid"
        if filters is None:
            conv = layers.DepthwiseConv2D(
                kernel, strides=stride, padding=padding, use_bias=False, name=f"{prefix}_0"
            )
        else:
            conv = layers.Conv2D(
                filters,
                kernel,
                strides=stride,
                padding=padding,
                use_bias=False,
                name=f"{prefix}_0",
            )
        x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{prefix}_1")(conv(x))
        if activation is not None:
            x = layers.Activation(activation, name=f"{prefix}_act")(x)
        return x

    def squeeze_excite(x, prefix, *, width, squeeze):
        g = layers.GlobalAveragePooling2D(keepdims=True, name=f"{prefix}_se_pool")(x)
        g = layers.Dense(squeeze, activation="relu", name=f"{prefix}_se_fc1")(g)
        g = layers.Dense(width, activation="sigmoid", name=f"{prefix}_se_fc2")(g)
        return layers.Multiply(name=f"{prefix}_se_scale")([x, g])

    logmel = keras.Input(shape=(N_MELS, frames, 1), name="logmel")
    x = conv_bn(
        logmel, "features_0", filters=STEM_WIDTH, kernel=3, stride=2, activation="hard_swish"
    )
    width = STEM_WIDTH
    for i, block in enumerate(BLOCKS, start=1):
        inputs, j = x, 0
        if block.expanded != width:
            x = conv_bn(
                x, f"features_{i}_block_{j}", filters=block.expanded, activation=block.activation
            )
            j += 1
        x = conv_bn(
            x,
            f"features_{i}_block_{j}",
            kernel=block.kernel,
            stride=block.stride,
            activation=block.activation,
        )
        j += 1
        if block.se:
            x = squeeze_excite(x, f"features_{i}_block_{j}", width=block.expanded, squeeze=block.se)
            j += 1
        x = conv_bn(x, f"features_{i}_block_{j}", filters=block.out)
        if block.stride == 1 and block.out == width:
            x = layers.Add(name=f"features_{i}_add")([inputs, x])
        width = block.out
    x = conv_bn(x, f"features_{len(BLOCKS) + 1}", filters=LAST_CONV_WIDTH, activation="hard_swish")
    embedding = layers.GlobalAveragePooling2D(name="embedding")(x)
    hidden = layers.Dense(HIDDEN_DIM, name="classifier_2")(embedding)
    hidden = layers.Activation("hard_swish", name="hidden")(hidden)
    logits = layers.Dense(N_CLASSES, name="classifier_5")(hidden)
    return keras.Model(
        inputs=logmel,
        outputs={"logits": logits, "embedding": embedding, "hidden": hidden},
        name=name,
    )


def build_mn04_stages(model: keras.Model) -> keras.Model:
    """A view of ``model`` that also returns the stage outputs the reference stores.

    For checking a port: the returned model shares ``model``'s layers and weights and
    adds the outputs of :data:`STAGE_LAYERS` (``"stem"``, ``"block05"``, ``"block10"``,
    ``"lastconv"``, each ``(batch, F, T, C)``) to ``"logits"``, ``"embedding"`` and
    ``"hidden"``.

    Parameters
    ----------
    model : keras.Model
        From :func:`build_mn04` or :func:`load_mn04`.

    Returns
    -------
    keras.Model
    """
    import keras

    outputs = {key: model.output[key] for key in OUTPUTS}
    outputs.update({key: model.get_layer(name).output for key, name in STAGE_LAYERS.items()})
    return keras.Model(inputs=model.input, outputs=outputs, name=f"{model.name}_stages")


def torch_prefix(layer_name: str) -> str:
    """The PyTorch state-dict prefix of a weighted layer of :func:`build_mn04`.

    Examples
    --------
    >>> torch_prefix("features_4_block_1_0")
    'features.4.block.1.0'
    >>> torch_prefix("features_4_block_2_se_fc1")
    'features.4.block.2.conc_se_layers.0.fc1'
    """
    return layer_name.replace("_", ".").replace(".se.", ".conc_se_layers.0.")


def _torch_tensors(layer: keras.layers.Layer, prefix: str) -> dict[str, object]:
    """State-dict names of ``layer``'s weights and how to turn each into Keras layout."""
    from keras import layers

    if isinstance(layer, layers.DepthwiseConv2D):  # (C, 1, kh, kw) -> (kh, kw, C, 1)
        return {f"{prefix}.weight": lambda w: w.transpose(2, 3, 0, 1)}
    if isinstance(layer, layers.Conv2D):  # (out, in, kh, kw) -> (kh, kw, in, out)
        return {f"{prefix}.weight": lambda w: w.transpose(2, 3, 1, 0)}
    if isinstance(layer, layers.BatchNormalization):  # gamma, beta, mean, variance
        return {f"{prefix}.{key}": None for key in _BN_KEYS}
    if isinstance(layer, layers.Dense):  # (out, in) -> (in, out); bias as is
        return {f"{prefix}.weight": lambda w: w.T, f"{prefix}.bias": None}
    raise AssetError(f"layer {layer.name!r} ({type(layer).__name__}) has no weight mapping")


def load_npz_weights(model: keras.Model, npz_path: str | os.PathLike) -> keras.Model:
    """Copy the PyTorch tensors of ``weights.npz`` into a :func:`build_mn04` model.

    Every weight of ``model`` must come from the file and every tensor of the file must
    go into ``model``, with matching shapes (conv kernels transposed from PyTorch's
    ``(out, in, kh, kw)``, depthwise kernels from ``(C, 1, kh, kw)``, dense weights from
    ``(out, in)``). Nothing is assigned unless all of it matches.

    Parameters
    ----------
    model : keras.Model
        A model from :func:`build_mn04`, modified in place.
    npz_path : path-like
        ``weights.npz``: 266 float32 arrays keyed by their state-dict names.

    Returns
    -------
    model : keras.Model
        The same model, for chaining.

    Raises
    ------
    AssetError
        If the file cannot be read, or its tensors and the model's weights do not map
        one to one with equal shapes.
    """
    path = Path(npz_path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            tensors = {key: np.asarray(npz[key]) for key in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise AssetError(
            f"The EfficientAT weights {str(path)!r} cannot be read ({err}): use "
            "shared/models/efficientat_mn04/weights.npz (see its README)."
        ) from err

    problems: list[str] = []
    assignments: list[tuple[keras.layers.Layer, list[np.ndarray]]] = []
    used: set[str] = set()
    for layer in model.layers:
        if not layer.weights:
            continue
        try:
            wanted = _torch_tensors(layer, torch_prefix(layer.name))
        except AssetError as err:
            problems.append(str(err))
            continue
        missing = [key for key in wanted if key not in tensors]
        if missing:
            problems.append(f"the file lacks {missing} (for layer {layer.name!r})")
            continue
        values = [
            (convert(tensors[key]) if convert else tensors[key]).astype(np.float32)
            for key, convert in wanted.items()
        ]
        shapes = [tuple(w.shape) for w in layer.weights]
        if len(values) != len(shapes) or any(
            v.shape != s for v, s in zip(values, shapes, strict=True)
        ):
            problems.append(
                f"layer {layer.name!r} needs shapes {shapes}, the file gives "
                f"{[v.shape for v in values]}"
            )
            continue
        used.update(wanted)
        assignments.append((layer, values))
    unused = sorted(set(tensors) - used)
    if unused:
        problems.append(f"tensors in the file that the model does not use: {unused}")
    if problems:
        raise AssetError(
            f"The weights {str(path)!r} do not fit model {model.name!r}: "
            + "; ".join(problems)
            + ". Use a model from build_mn04() and shared/models/efficientat_mn04/weights.npz."
        )
    for layer, values in assignments:
        layer.set_weights(values)
    return model


def load_mn04(path: str | os.PathLike) -> keras.Model:
    """Load the converted network from a ``.keras`` file, in safe mode.

    Parameters
    ----------
    path : path-like
        ``efficientat_mn04.keras`` written by :func:`convert_mn04`.

    Returns
    -------
    model : keras.Model
        Not compiled; outputs ``"logits"``, ``"embedding"`` and ``"hidden"``.

    Raises
    ------
    AssetError
        If the file is missing, corrupt, unsafe or not this network.
    """
    path = Path(path)
    if not path.is_file() or path.suffix != ".keras":
        raise AssetError(
            f"The EfficientAT model {str(path)!r} is not a .keras file: {_CONVERT_HINT}."
        )
    import keras

    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except (ValueError, TypeError, KeyError, OSError, zipfile.BadZipFile) as err:
        raise AssetError(
            f"The EfficientAT model {str(path)!r} is corrupt or unsafe ({err}): {_CONVERT_HINT}."
        ) from err
    if not isinstance(model.output, Mapping) or set(model.output) != set(OUTPUTS):
        raise AssetError(
            f"{str(path)!r} is not the EfficientAT network (outputs {', '.join(OUTPUTS)}): "
            f"{_CONVERT_HINT}."
        )
    return model


def export_tflite(model: keras.Model, out_path: str | os.PathLike) -> Path:
    """Convert a :func:`build_mn04` model to a float32 ``.tflite`` file.

    The model is exported as a SavedModel (``model.export(format="tf_saved_model")``)
    and converted with :class:`tf.lite.TFLiteConverter`, without quantisation. A model
    built with ``frames=None`` gives a network whose batch and time axes LiteRT can
    resize (:class:`~mgc_core.models.efficientat_lite.LiteMN04` needs that).

    Parameters
    ----------
    model : keras.Model
        From :func:`build_mn04` (with weights) or :func:`load_mn04`.
    out_path : path-like
        The ``.tflite`` file to write.

    Returns
    -------
    pathlib.Path
    """
    import tensorflow as tf

    out = Path(out_path)
    with tempfile.TemporaryDirectory(prefix="mgc_efficientat_") as tmp:
        saved = os.path.join(tmp, "saved")
        model.export(saved, format="tf_saved_model", verbose=False)
        blob = tf.lite.TFLiteConverter.from_saved_model(saved).convert()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(blob)
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _license_text(weights_sha256: str) -> str:
    return f"""# EfficientAT `mn04_as`: licence and attribution

`{KERAS_FILE}` and `{TFLITE_FILE}` hold the pretrained EfficientAT network `mn04_as`
(MobileNetV3, width 0.4, trained on AudioSet; AudioSet mAP 0.432), rebuilt in Keras 3 by
mgc from a written spec and converted to LiteRT. The weights are those of the upstream
checkpoint `mn04_as_mAP_432.pt` (release v0.0.1 of github.com/fschmid56/EfficientAT,
sha256 `899a8c6217063f6941793102a2780b3dd788ab11fce468d9cf5f0577c453321c`), taken from
`weights.npz` (sha256 `{weights_sha256}`).

Model: Florian Schmid, Khaled Koutini and Gerhard Widmer, *Efficient Large-Scale Audio
Tagging via Transformer-to-CNN Knowledge Distillation*, ICASSP 2023 (arXiv:2211.04772).
The model and its weights are under the MIT licence; keep this notice with every copy:

```
{LICENSE_NOTICE}```

## Class names

`{LABELS_FILE}` is the AudioSet class list (index, machine id, display name) in the order
of the network's 527 outputs. Google releases the AudioSet dataset under CC BY 4.0 and the
AudioSet ontology, from which the display names come, under CC BY-SA 4.0. Show this
attribution wherever class names are shown:

{ATTRIBUTION}
"""


def convert_mn04(
    npz_path: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    labels_path: str | os.PathLike | None = None,
    expected_sha256: str | None = WEIGHTS_SHA256,
) -> dict[str, Path]:
    """Convert the ``mn04_as`` weights to the ``.keras`` and ``.tflite`` files mgc serves.

    Builds the network with a free time axis (:func:`build_mn04`), loads the weights
    (:func:`load_npz_weights`) and writes into ``out_dir``:

    - ``efficientat_mn04.keras`` (``model.save``; loads with ``safe_mode=True``);
    - ``efficientat_mn04.tflite``: float32, by :func:`export_tflite`. Its input is
      ``(batch, 128, frames, 1)``
      with batch and frames free: LiteRT resizes it to each call's length
      (:class:`~mgc_core.models.efficientat_lite.LiteMN04`);
    - ``EFFICIENTAT_LICENSE.md``: the MIT notice and the AudioSet attribution;
    - ``efficientat_mn04_labels.csv``: the class list, copied unchanged.

    Parameters
    ----------
    npz_path : path-like
        ``shared/models/efficientat_mn04/weights.npz``.
    out_dir : path-like
        Folder to write into (created if need be).
    labels_path : path-like, optional
        The class list; ``class_labels.csv`` beside ``npz_path`` by default.
    expected_sha256 : str or None
        sha256 the weights file must have (:data:`WEIGHTS_SHA256`); None skips the check.

    Returns
    -------
    paths : dict of pathlib.Path
        ``"keras"``, ``"tflite"``, ``"license"`` and ``"labels"``.

    Raises
    ------
    AssetError
        If the weights or the class list are missing, altered or do not fit.

    Examples
    --------
    >>> convert_mn04("../shared/models/efficientat_mn04/weights.npz",
    ...              "assets/models")  # doctest: +SKIP
    {'keras': PosixPath('assets/models/efficientat_mn04.keras'), ...}
    """
    npz_path = Path(npz_path)
    labels = Path(labels_path) if labels_path is not None else npz_path.parent / "class_labels.csv"
    for what, path in (("weights", npz_path), ("class list", labels)):
        if not path.is_file():
            raise AssetError(
                f"The EfficientAT {what} {str(path)!r} is missing: it is kept in "
                "shared/models/efficientat_mn04/ (see its README)."
            )
    digest = _sha256(npz_path)
    if expected_sha256 is not None and digest != expected_sha256:
        raise AssetError(
            f"{str(npz_path)!r} has sha256 {digest}, not {expected_sha256}: it is not the "
            "mn04_as weights; use shared/models/efficientat_mn04/weights.npz, or pass "
            "expected_sha256=None to convert other weights on purpose."
        )
    if _sha256(labels) != LABELS_SHA256:
        read_class_labels(labels)  # raises with the reason if it is not a class list
        raise AssetError(
            f"{str(labels)!r} is not the AudioSet class list distributed with the weights "
            f"(sha256 {LABELS_SHA256}): use shared/models/efficientat_mn04/class_labels.csv."
        )

    model = load_npz_weights(build_mn04(), npz_path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "keras": out / KERAS_FILE,
        "tflite": out / TFLITE_FILE,
        "license": out / LICENSE_FILE,
        "labels": out / LABELS_FILE,
    }
    model.save(paths["keras"])
    export_tflite(model, paths["tflite"])
    paths["license"].write_text(_license_text(digest), encoding="utf-8")
    shutil.copyfile(labels, paths["labels"])
    return paths
