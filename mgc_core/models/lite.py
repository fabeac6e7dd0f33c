"""Networks served by LiteRT: one runner for every ``.tflite`` file, and the converter.

The app and the ``classify`` command never import TensorFlow: every network they run
(the CNN, the LSTM, musicnn's two taggers and the AudioSet network) is a ``.tflite``
file run by LiteRT's XNNPACK delegate through a :class:`LiteNetwork`, whose calls go
through the process's :class:`~mgc_core.models.service.InferenceService` (one worker,
every core, batched across sessions). TensorFlow is needed only to make those files
(:func:`convert_keras`, called by ``train`` and the ``convert-*`` commands).

Examples
--------
>>> from pathlib import Path
>>> net = LiteNetwork(Path("assets/models/cnn.tflite").read_bytes(),
...                   name="cnn", rebuild="python -m mgc_core convert-models")  # doctest: +SKIP
>>> net.item_shape                                                          # doctest: +SKIP
(187, 96)
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from mgc_core.errors import AssetError, ParameterError

if TYPE_CHECKING:  # pragma: no cover
    import keras

__all__ = ["LiteNetwork", "convert_keras"]


def _interpreter(content: bytes, threads: int | None) -> Any:
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError as err:  # pragma: no cover - it is in requirements.txt
        raise AssetError("LiteRT is not installed (ai-edge-litert, in requirements.txt): "
                         "run `make setup`.") from err
    return Interpreter(model_content=content, num_threads=threads or os.cpu_count() or 1)


class LiteNetwork:
    """One ``.tflite`` network with a single input, run in batches by LiteRT (XNNPACK).

    Inputs are cut into chunks of at most ``batch`` items. A network converted with a
    fixed batch (the CNN and LSTM, whose recurrent loop needs static shapes) gets its
    last chunk zero-padded; one with a free batch axis is resized to each chunk (which
    costs a few milliseconds when the shape changes), or padded when ``pad`` is set.
    Calls go through :func:`mgc_core.models.service.service` unless ``queued=False``.

    Parameters
    ----------
    content : bytes
        The ``.tflite`` file's bytes (already verified against the manifest).
    name : str
        What the network is, for messages and the service's batching key.
    rebuild : str
        The command that rebuilds the file, for messages.
    batch : int, optional
        Items per invocation; the converted batch size when the network has one.
    pad : bool
        Zero-pad the last chunk to ``batch`` even when the batch axis is free.
    threads : int, optional
        XNNPACK threads; every core by default.
    queued : bool
        Run through the process's inference service (default) or directly.

    Attributes
    ----------
    item_shape : tuple of int
        The shape of one input item (``-1`` where free).
    output_widths : tuple of int
        The last dimension of each output, in the interpreter's output order.

    Raises
    ------
    AssetError
        If LiteRT is missing or ``content`` is not a loadable single-input network.
    """

    def __init__(self, content: bytes, *, name: str, rebuild: str, batch: int | None = None,
                 pad: bool = False, threads: int | None = None, queued: bool = True) -> None:
        if not isinstance(content, bytes | bytearray | memoryview):
            raise ParameterError(f"content must be the .tflite file's bytes; got "
                                 f"{type(content).__name__}: pass Path(...).read_bytes().")
        if batch is not None and (isinstance(batch, bool) or int(batch) < 1):
            raise ParameterError(f"batch must be a positive int; got {batch!r}.")
        self.name = name
        self.rebuild = rebuild
        self._content = bytes(content)  # the interpreter reads from this buffer: keep it
        try:
            self._interpreter = _interpreter(self._content, threads)
            inputs = self._interpreter.get_input_details()
            outputs = self._interpreter.get_output_details()
        except (ValueError, RuntimeError) as err:
            raise AssetError(f"The {name} network could not be loaded ({err}). Rebuild it "
                             f"with `{rebuild}`.") from err
        if len(inputs) != 1:
            raise AssetError(f"The {name} network has {len(inputs)} inputs, not one. "
                             f"Rebuild it with `{rebuild}`.")
        signature = tuple(int(v) for v in inputs[0].get("shape_signature", inputs[0]["shape"]))
        self._input = inputs[0]["index"]
        self._outputs = [d["index"] for d in outputs]
        self.item_shape = signature[1:]
        self.output_widths = tuple(int(d["shape"][-1]) for d in outputs)
        self.fixed_batch = signature[0] if signature[0] > 0 else None
        self.batch = int(self.fixed_batch or batch or 8)
        self.pad = bool(pad) or self.fixed_batch is not None
        self.queued = bool(queued)
        self._shape: tuple[int, ...] | None = tuple(int(v) for v in inputs[0]["shape"])
        self._allocated = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (f"LiteNetwork({self.name!r}, item_shape={self.item_shape}, "
                f"batch={self.batch}, outputs={self.output_widths})")

    def check_item_shape(self, shape: Sequence[int]) -> None:
        """Raise :class:`AssetError` unless items of ``shape`` fit the network's input."""
        shape = tuple(shape)
        if len(shape) != len(self.item_shape) or any(
                want not in (-1, got) for want, got in zip(self.item_shape, shape, strict=True)):
            raise AssetError(f"The {self.name} network takes items of shape {self.item_shape}, "
                             f"not {shape}. Rebuild it with `{self.rebuild}`.")

    def run(self, x: np.ndarray) -> list[np.ndarray]:
        """Every output of the network for the items ``x``, float32, in output order.

        Parameters
        ----------
        x : np.ndarray [shape=(n, *item_shape)]

        Returns
        -------
        list of np.ndarray
            One array per output, ``n`` rows each.
        """
        x = np.ascontiguousarray(x, dtype=np.float32)
        self.check_item_shape(x.shape[1:])
        if len(x) == 0:
            return [np.zeros((0, w), np.float32) for w in self.output_widths]
        if not self.queued:
            return self._invoke_all(x)
        from mgc_core.models.service import service

        return service().run(self._invoke_all, x, key=(id(self),))

    def _resize(self, shape: tuple[int, ...]) -> None:
        if shape != self._shape or not self._allocated:
            if shape != self._shape:
                self._interpreter.resize_tensor_input(self._input, shape)
            self._interpreter.allocate_tensors()
            self._shape, self._allocated = shape, True

    def _invoke_all(self, x: np.ndarray) -> list[np.ndarray]:
        """Run ``x`` chunk by chunk on this thread (the service's worker, or a direct call)."""
        parts: list[list[np.ndarray]] = [[] for _ in self._outputs]
        with self._lock:
            for start in range(0, len(x), self.batch):
                chunk = x[start:start + self.batch]
                n = len(chunk)
                if self.pad and n < self.batch:
                    chunk = np.concatenate(
                        [chunk, np.zeros((self.batch - n, *chunk.shape[1:]), np.float32)])
                self._resize(tuple(chunk.shape))
                self._interpreter.set_tensor(self._input, chunk)
                self._interpreter.invoke()
                for part, index in zip(parts, self._outputs, strict=True):
                    part.append(self._interpreter.get_tensor(index)[:n].copy())
        return [np.concatenate(p) for p in parts]


def convert_keras(model: keras.Model, *, batch: int | None = None,
                  configure: Callable[[Any], None] | None = None) -> bytes:
    """Convert a Keras network to a float32 ``.tflite`` file's bytes (needs TensorFlow).

    The network is exported as a SavedModel (serving signature: its input, with the batch
    axis fixed to ``batch`` when given, free otherwise) and converted with
    :class:`tf.lite.TFLiteConverter`, without quantisation. A recurrent layer needs a
    fixed ``batch``: the converter lowers its loop only with static shapes.

    Parameters
    ----------
    model : keras.Model
        A single-input network.
    batch : int, optional
    configure : callable, optional
        Called with the ``TFLiteConverter`` before converting, to set options such as
        quantisation (``mgc_devtools.int8`` does); float32 when not given.

    Returns
    -------
    bytes
    """
    import tensorflow as tf

    signature = None
    if batch is not None:
        shape = (int(batch), *model.input_shape[1:])
        signature = [tf.TensorSpec(shape, tf.float32)]
    with tempfile.TemporaryDirectory(prefix="mgc_tflite_") as tmp:
        path = os.path.join(tmp, "saved")
        model.export(path, format="tf_saved_model", verbose=False, input_signature=signature)
        converter = tf.lite.TFLiteConverter.from_saved_model(path)
        if configure is not None:
            configure(converter)
        return converter.convert()
