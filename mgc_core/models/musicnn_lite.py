"""musicnn on LiteRT: the bundled networks converted to ``.tflite`` and run by XNNPACK.

The transfer model embeds every 3-s patch with two musicnn networks. Run by
TensorFlow (oneDNN) they are fast, but the first inference makes the process keep
about 0.6 GB more, and a 5-minute song another 0.3-1 GB; the memory target of the
app (1.5 GB with every model loaded) is not reachable that way. The same networks
converted with TensorFlow's LiteRT converter and run by LiteRT's XNNPACK delegate in
fixed batches of :data:`LITE_BATCH` patches keep the process near 1 GB at a modest
cost in speed (``python -m mgc_core bench --runtimes`` compares the runtimes;
the README's performance section gives the figures).

:func:`convert_to_tflite` makes ``assets/models/musicnn_{msd,mtt}.tflite`` from the
bundled ``.keras`` networks (``python -m mgc_core convert-musicnn --tflite-only``);
:class:`LiteMusicnn` runs one of them. The ``.keras`` files stay the reference: the
tests check the converted networks against them and against the original musicnn's
outputs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mgc_core.errors import AssetError, ParameterError

if TYPE_CHECKING:  # pragma: no cover
    import keras

__all__ = ["LITE_FILES", "LITE_BATCH", "serving_graph", "convert_to_tflite", "bundled_lite_path",
           "LiteMusicnn"]

#: The converted networks, by musicnn name.
LITE_FILES = {"MSD_musicnn": "musicnn_msd.tflite", "MTT_musicnn": "musicnn_mtt.tflite"}
#: Patches per invocation (the last batch is zero-padded). Small batches keep XNNPACK's
#: workspace small at about the same speed; with 2, the ten segments of a 30-s clip need
#: no padded patch (with 4 they ran 12: ``python -m mgc_core bench`` counts the inputs run).
LITE_BATCH = 2
_PATCH = (187, 96)


def bundled_lite_path(which: str, *, assets_dir: str | os.PathLike | None = None) -> Path:
    """Path of the converted network ``which`` in ``<assets>/models``."""
    from mgc_core import assets

    if which not in LITE_FILES:
        raise ParameterError(f"which must be one of {', '.join(LITE_FILES)}; got {which!r}.")
    root = Path(assets_dir) if assets_dir is not None else assets.ASSETS_DIR
    return root / "models" / LITE_FILES[which]


def serving_graph(reference: keras.Model) -> keras.Model:
    """The same function as the musicnn network ``reference``, arranged for XNNPACK.

    Three exact rewrites of the front end, each tested against the reference:

    - **timbral blocks, frequency unfolded into channels.** A ``(7, k)`` convolution of
      the one-channel log-mel becomes an identity ``(1, k)`` convolution (each output
      channel copies one of ``k`` neighbouring mel bands) followed by a ``(7, 1)``
      convolution over those ``k`` channels with the same weights. XNNPACK keeps one
      pointer per output position and kernel element (its indirection buffer): for the
      two timbral kernels of 266 and 469 elements that is 45 MB a network; unfolded,
      4 MB. The copy adds 3 % to the multiply-adds (``mgc_devtools.macs`` counts a
      selection kernel as none).
    - **temporal blocks, each mel band a sequence of its own.** A ``(n, 1)`` kernel
      slides along time only, so the patch ``(187, 96)`` is turned into 96 sequences of
      187 frames (a batch 96 times larger) and the max over the bands becomes a max-pool
      over them. The indirection buffer then covers one band instead of 96 (32 MB a
      network, now under 1 MB).
    - **batch norm after the frequency max-pool.** Each block is ReLU -> batch norm ->
      max over frequency. Per channel, batch norm is ``s x + b``; for ``s > 0`` it
      commutes with the max, and for ``s < 0`` the max becomes a min, which is the max
      of the negated convolution. So the convolution's filters with ``s < 0`` are
      negated, it runs without ReLU, the max-pool follows, and the small pooled tensor
      gets the sign back, the ReLU (``max(relu(c)) = relu(max(c))``) and the batch
      norm: the large tensors are written once and read once instead of three times.

    Parameters
    ----------
    reference : keras.Model
        A network built by :func:`mgc_core.models.musicnn.build_musicnn` with its
        weights (e.g. :func:`~mgc_core.models.musicnn.load_musicnn`).

    Returns
    -------
    keras.Model
        For inference only (no dropout): input ``logmel`` ``(batch, 187, 96)``, outputs
        ``{"taggram", "penultimate"}``.
    """
    import keras
    from keras import layers, ops

    from mgc_core.models import musicnn as mm

    def copy_bn(name: str, x):  # noqa: ANN001, ANN202 - Keras tensors
        bn = layers.BatchNormalization(epsilon=mm.BN_EPSILON, name=name)
        out = bn(x)
        bn.set_weights(reference.get_layer(name).get_weights())
        return out

    def block(x, kernel: tuple[int, int], filters: int, tag: str):  # noqa: ANN001, ANN202
        w, b = reference.get_layer(f"{tag}_conv").get_weights()  # (kt, kf, 1, filters)
        gamma, _, _, var = reference.get_layer(f"{tag}_bn").get_weights()
        sign = np.where(gamma / np.sqrt(var + mm.BN_EPSILON) < 0, -1.0, 1.0).astype(np.float32)
        w, b = w * sign, b * sign
        kt, kf = kernel
        if kf > 1:  # timbral: "valid" in frequency, time already padded
            unfold = layers.Conv2D(kf, (1, kf), use_bias=False, name=f"{tag}_unfold")
            x = unfold(x)
            unfold.set_weights([np.eye(kf, dtype=np.float32).reshape(1, kf, 1, kf)])
            conv = layers.Conv2D(filters, (kt, 1), name=f"{tag}_conv")
            x = conv(x)
            conv.set_weights([w.reshape(kt, kf, filters)[:, None], b])
            x = layers.MaxPooling2D((1, x.shape[2]), name=f"{tag}_freqpool")(x)
            x = layers.Reshape((mm.PATCH_FRAMES, filters), name=f"{tag}_squeeze")(x)
        else:  # temporal, "same": x holds each mel band of each patch as a sequence
            conv = layers.Conv2D(filters, kernel, padding="same", name=f"{tag}_conv")
            x = conv(x)
            conv.set_weights([w, b])
            x = layers.Lambda(lambda z: ops.reshape(
                z, (-1, mm.N_MELS, mm.PATCH_FRAMES * filters)), name=f"{tag}_patches")(x)
            x = layers.MaxPooling1D(mm.N_MELS, name=f"{tag}_freqpool")(x)
            x = layers.Reshape((mm.PATCH_FRAMES, filters), name=f"{tag}_squeeze")(x)
        x = layers.Rescaling(sign, name=f"{tag}_sign")(x)  # the sign back, per channel
        x = layers.Activation("relu", name=f"{tag}_relu")(x)
        return copy_bn(f"{tag}_bn", x)

    logmel = keras.Input(shape=(mm.PATCH_FRAMES, mm.N_MELS), name="logmel")
    x = layers.Reshape((mm.PATCH_FRAMES, mm.N_MELS, 1), name="add_channel")(logmel)
    x = copy_bn("input_bn", x)
    x_pad = layers.ZeroPadding2D(((3, 3), (0, 0)), name="timbral_pad")(x)
    front = [block(x_pad, k, mm.TIMBRAL_FILTERS, f"timbral_{k[0]}x{k[1]}")
             for k in mm.TIMBRAL_KERNELS]
    # The temporal filters slide along time only: each mel band of each patch becomes a
    # sequence of its own (XNNPACK's buffers then cover one band, not all 96 at once).
    bands = layers.Permute((2, 1, 3), name="bands_first")(x)
    bands = layers.Lambda(lambda z: ops.reshape(z, (-1, mm.PATCH_FRAMES, 1, 1)),
                          name="bands_as_sequences")(bands)
    front += [block(bands, (n, 1), mm.TEMPORAL_FILTERS, f"temporal_{n}")
              for n in mm.TEMPORAL_KERNELS]
    front = layers.Concatenate(axis=-1, name="frontend")(front)
    # Mid and back end: the reference's own layers, applied as build_musicnn does.
    ref = reference.get_layer
    m1 = ref("midend_bn1")(ref("midend_conv1")(front))
    m2 = layers.Add(name="midend_res2")([ref("midend_bn2")(ref("midend_conv2")(m1)), m1])
    m3 = layers.Add(name="midend_res3")([ref("midend_bn3")(ref("midend_conv3")(m2)), m2])
    features = layers.Concatenate(axis=-1, name="midend")([front, m1, m2, m3])
    n = features.shape[-1]
    max_pool = layers.Reshape((n, 1))(layers.GlobalMaxPooling1D()(features))
    mean_pool = layers.Reshape((n, 1))(layers.GlobalAveragePooling1D()(features))
    pooled = ref("pool_bn")(layers.Flatten()(layers.Concatenate(axis=-1)([max_pool, mean_pool])))
    penultimate = ref("penultimate")(ref("penultimate_dense")(pooled))
    taggram = ref("taggram")(ref("tag_logits")(penultimate))
    return keras.Model(inputs=logmel, outputs={"taggram": taggram, "penultimate": penultimate},
                       name=f"{reference.name}_serving")


def convert_to_tflite(keras_path: str | os.PathLike, out_path: str | os.PathLike) -> Path:
    """Convert a musicnn ``.keras`` network to a float32 ``.tflite`` file.

    The network is rearranged for XNNPACK (:func:`serving_graph`: the same outputs,
    less memory and time), exported as a SavedModel (serving signature: patches in,
    ``penultimate`` and ``taggram`` out) and converted with
    :class:`tf.lite.TFLiteConverter`, without quantisation.

    Parameters
    ----------
    keras_path : path-like
        A network saved by :func:`mgc_core.models.musicnn.convert_musicnn`.
    out_path : path-like
        The ``.tflite`` file to write.

    Returns
    -------
    Path
    """
    from mgc_core.models.lite import convert_keras
    from mgc_core.models.musicnn import load_musicnn

    blob = convert_keras(serving_graph(load_musicnn(keras_path)))
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(blob)
    return out


class LiteMusicnn:
    """One converted musicnn network, run by LiteRT (XNNPACK) in fixed-size batches.

    Thread-safe: calls from several sessions go through the process's inference service
    (:class:`~mgc_core.models.lite.LiteNetwork`).

    Parameters
    ----------
    content : bytes
        The ``.tflite`` file's bytes (already verified against the manifest).
    batch : int
        Patches per invocation.
    threads : int, optional
        XNNPACK threads; every core by default.
    """

    def __init__(self, content: bytes, *, batch: int = LITE_BATCH, threads: int | None = None):
        from mgc_core.models.lite import LiteNetwork

        rebuild = "python -m mgc_core convert-musicnn --tflite-only"
        self.batch = int(batch)
        self._net = LiteNetwork(content, name="musicnn", rebuild=rebuild, batch=self.batch,
                                pad=True, threads=threads)
        widths = self._net.output_widths
        if len(widths) != 2 or 200 not in widths:
            raise AssetError("The converted musicnn network does not have the expected "
                             "outputs (200-d penultimate layer and tags); rebuild it with "
                             f"`{rebuild}`.")
        self._net.check_item_shape(_PATCH)
        self._penultimate = widths.index(200)
        self._taggram = 1 - self._penultimate
        self.n_tags = widths[self._taggram]

    def predict(self, patches: np.ndarray) -> dict[str, np.ndarray]:
        """``{"penultimate": (n, 200), "taggram": (n, n_tags)}`` of log-mel patches (n, 187, 96).

        Run through the process's inference service
        (:mod:`mgc_core.models.service`), batched with other sessions' patches.
        """
        x = np.asarray(patches, dtype=np.float32)
        if x.ndim != 3 or x.shape[1:] != _PATCH:
            raise ParameterError(f"patches must have shape (n, {_PATCH[0]}, {_PATCH[1]}); "
                                 f"got {x.shape}.")
        out = self._net.run(x)
        return {"penultimate": out[self._penultimate], "taggram": out[self._taggram]}
