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

import numpy as np

from mgc_core.errors import AssetError, ParameterError

__all__ = ["LITE_FILES", "LITE_BATCH", "convert_to_tflite", "bundled_lite_path", "LiteMusicnn"]

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


def convert_to_tflite(keras_path: str | os.PathLike, out_path: str | os.PathLike) -> Path:
    """Convert a musicnn ``.keras`` network to a float32 ``.tflite`` file.

    The network is exported as a SavedModel (serving signature: patches in,
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

    blob = convert_keras(load_musicnn(keras_path))
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
