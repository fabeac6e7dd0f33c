"""How fast musicnn runs, and whether another runtime would run it faster.

The transfer model's two musicnn networks (MSD and MTT) cost most of a
classification. This module measures that cost against the machine's arithmetic
limit and compares runtimes for the same network:

- :func:`musicnn_macs` counts the multiply-adds of one 3-s patch from the layers'
  shapes (1.40 G per network: 1 398 553 584 for the bundled MSD and MTT networks);
- :func:`matmul_gflops` measures what a large float32 matrix product (NumPy's BLAS on
  every core) reaches: the practical arithmetic limit of this CPU;
- :func:`compare_runtimes` times TensorFlow (oneDNN), ONNX Runtime (the network
  converted with tf2onnx) and LiteRT (the TFLite converter, XNNPACK; what the app
  runs, :mod:`mgc_core.models.musicnn_lite`) on batches of patches, with the memory
  each leaves the process holding, and checks that they agree with TensorFlow.

tf2onnx and ONNX Runtime are development tools (``requirements-dev.txt``);
``python -m mgc_core bench --runtimes`` runs the comparison.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from mgc_core.errors import MGCError, ParameterError
from mgc_devtools._common import rss_mb, time_calls, timing_stats

__all__ = ["musicnn_macs", "matmul_gflops", "compare_runtimes", "RUNTIMES"]

#: The runtimes :func:`compare_runtimes` knows.
RUNTIMES = ("tensorflow", "onnxruntime", "litert")


def musicnn_macs(model: Any) -> int:
    """Multiply-adds of one patch through a Keras network (convolutions and dense layers).

    Parameters
    ----------
    model : keras.Model
        Built for one input; batch dimension ``None``.

    Returns
    -------
    int
        Sum over ``Conv1D``/``Conv2D`` layers of output positions times kernel size,
        plus the kernel sizes of ``Dense`` layers (times their positions). Biases,
        batch normalisation, pooling and activations are not counted.

    Examples
    --------
    >>> from mgc_core.models import musicnn as mn
    >>> musicnn_macs(mn.load_musicnn(mn.bundled_model_path("MSD_musicnn")))  # doctest: +SKIP
    1398553584
    """
    total = 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind not in ("Conv1D", "Conv2D", "Dense"):
            continue
        positions = int(np.prod(layer.output.shape[1:-1])) if len(layer.output.shape) > 2 else 1
        total += positions * int(np.prod(layer.kernel.shape))
    return total


def matmul_gflops(*, n: int = 2048, repeats: int = 5) -> float:
    """Median GFLOP/s of an ``n`` x ``n`` float32 matrix product (``2 n^3`` FLOP).

    NumPy's BLAS uses every core: this is about as close to the CPU's arithmetic
    limit as float32 code gets.

    Parameters
    ----------
    n : int
        Size of the square matrices (16 to 16384).
    repeats : int
        Timed products after one warm-up (1 to 100).

    Raises
    ------
    ParameterError
        If ``n`` or ``repeats`` is out of range.
    """
    _check_int("n", n, 16, 16384)
    _check_int("repeats", repeats, 1, 100)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    return 2 * n**3 / timing_stats(time_calls(lambda: a @ b, repeats))["median_s"] / 1e9


def _check_int(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not (
        low <= value <= high
    ):
        raise ParameterError(f"{name} must be an integer from {low} to {high}; got {value!r}.")


def _tensorflow(model: Any, batch: int) -> Callable[[np.ndarray], list[np.ndarray]]:
    from mgc_core.models.musicnn import predict_patches

    def run(x: np.ndarray) -> list[np.ndarray]:
        out = predict_patches(model, x, batch_size=batch)
        return [out["penultimate"], out["taggram"]]

    return run


def _chunked(run_batch: Callable[[np.ndarray], list[np.ndarray]], batch: int
             ) -> Callable[[np.ndarray], list[np.ndarray]]:
    """Run ``run_batch`` on chunks of ``batch`` patches and stack the outputs."""

    def run(x: np.ndarray) -> list[np.ndarray]:
        parts = [run_batch(x[i:i + batch]) for i in range(0, len(x), batch)]
        return [np.concatenate([p[k] for p in parts]) for k in range(len(parts[0]))]

    return run


def _onnxruntime(model: Any, threads: int, tmp: Path, batch: int
                 ) -> Callable[[np.ndarray], list[np.ndarray]]:
    import onnxruntime as ort
    import tensorflow as tf
    import tf2onnx

    path = tmp / "musicnn.onnx"
    spec = (tf.TensorSpec((None, *model.inputs[0].shape[1:]), tf.float32, name="x"),)
    tf2onnx.convert.from_keras(model, input_signature=spec, opset=17, output_path=str(path))
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    order = [names.index("penultimate"), names.index("taggram")]

    def run_batch(x: np.ndarray) -> list[np.ndarray]:
        out = session.run(None, {"x": x})
        return [out[i] for i in order]

    return _chunked(run_batch, batch)


def _litert(keras_path: Path, threads: int, tmp: Path, batch: int
            ) -> Callable[[np.ndarray], list[np.ndarray]]:
    from mgc_core.models.musicnn_lite import LiteMusicnn, convert_to_tflite

    lite = LiteMusicnn(convert_to_tflite(keras_path, tmp / "musicnn.tflite").read_bytes(),
                       batch=batch, threads=threads)

    def run(x: np.ndarray) -> list[np.ndarray]:
        out = lite.predict(x)
        return [out["penultimate"], out["taggram"]]

    return run


def compare_runtimes(
    *,
    n_patches: tuple[int, ...] = (10, 100),
    repeats: int = 5,
    threads: int | None = None,
    runtimes: tuple[str, ...] = RUNTIMES,
    tf_batch: int = 32,
    batch: int | None = None,
) -> dict[str, Any]:
    """Time the MSD musicnn network in each runtime on random log-mel patches.

    Parameters
    ----------
    n_patches : tuple of int
        Batch sizes to time: 10 patches is a 30-s clip, 100 a 5-minute song.
    repeats : int
        Timed runs after one warm-up; the median is reported.
    threads : int, optional
        Threads for ONNX Runtime and LiteRT (TensorFlow keeps its own setting);
        every core by default.
    runtimes : tuple of str
        Among :data:`RUNTIMES`.
    tf_batch : int
        Patches per TensorFlow call (what the app used with TensorFlow).
    batch : int, optional
        Patches per ONNX Runtime or LiteRT call; the app's
        :data:`~mgc_core.models.musicnn_lite.LITE_BATCH` by default. Small batches keep
        their memory low (ONNX Runtime held 11 GB after one call on 100 patches).

    Returns
    -------
    dict
        ``macs_per_patch``, ``matmul_gflops`` (the measured limit), and per runtime:
        ``convert_s``, ``max_abs_diff`` (against TensorFlow), ``rss_added_mb`` (resident
        memory the process gained from creating and running it; the runtimes run one
        after another in this process, TensorFlow first), and per batch size the
        timing ``{"median_s", "min_s", "max_s", "n"}`` with ``gflops`` (achieved) and
        ``share_of_matmul``.

    Raises
    ------
    ParameterError
        If a runtime's name is unknown, or a count is out of range.
    MGCError
        If a runtime's package is not installed (``pip install -r requirements-dev.txt``).
    AssetError
        If the bundled MSD network is missing or altered.
    """
    if isinstance(runtimes, str):
        runtimes = (runtimes,)
    unknown = [r for r in runtimes if r not in RUNTIMES]
    if unknown or not runtimes:
        raise ParameterError(
            f"unknown runtime {', '.join(map(repr, unknown)) or '(none given)'}: runtimes must "
            f"be among {', '.join(RUNTIMES)}; got {tuple(runtimes)!r}."
        )
    if not n_patches:
        raise ParameterError("n_patches must name at least one batch size; got ().")
    for n in n_patches:
        _check_int("each of n_patches", n, 1, 10000)
    _check_int("repeats", repeats, 1, 100)
    for name, value in (("threads", threads), ("tf_batch", tf_batch), ("batch", batch)):
        if value is not None:
            _check_int(name, value, 1, 4096)

    from mgc_core.assets import verify
    from mgc_core.models.musicnn import bundled_model_path, load_musicnn
    from mgc_core.models.musicnn_lite import LITE_BATCH

    batch = batch or LITE_BATCH
    threads = threads or os.cpu_count() or 1
    keras_path = verify(bundled_model_path("MSD_musicnn"))
    model = load_musicnn(keras_path)
    macs = musicnn_macs(model)
    limit = matmul_gflops()
    rng = np.random.default_rng(0)
    batches = {n: rng.standard_normal((n, *model.inputs[0].shape[1:])).astype(np.float32)
               for n in n_patches}
    out: dict[str, Any] = {"macs_per_patch": macs, "matmul_gflops": limit, "threads": threads,
                           "runtimes": {}}
    reference: dict[int, list[np.ndarray]] = {}
    with tempfile.TemporaryDirectory(prefix="mgc_runtimes_") as tmp:
        for name in ("tensorflow", *[r for r in runtimes if r != "tensorflow"]):
            rss_before = rss_mb()
            start = time.perf_counter()
            try:
                if name == "tensorflow":
                    run = _tensorflow(model, tf_batch)
                elif name == "onnxruntime":
                    run = _onnxruntime(model, threads, Path(tmp), batch)
                else:
                    run = _litert(keras_path, threads, Path(tmp), batch)
            except ImportError as err:
                raise MGCError(f"{name} is not installed ({err}); install the development "
                               "tools with `pip install -r requirements-dev.txt`.") from err
            entry: dict[str, Any] = {"convert_s": time.perf_counter() - start}
            diffs = []
            for n, x in batches.items():
                got = run(x)
                reference.setdefault(n, got)
                diffs += [float(np.abs(a - b).max())
                          for a, b in zip(got, reference[n], strict=True)]
                times = []
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    run(x)
                    times.append(time.perf_counter() - t0)
                timing = timing_stats(times)
                gflops = 2 * macs * n / timing["median_s"] / 1e9
                entry[str(n)] = {**timing, "gflops": gflops, "share_of_matmul": gflops / limit}
            entry["max_abs_diff"] = max(diffs)
            entry["rss_added_mb"] = rss_mb() - rss_before
            if name in runtimes:
                out["runtimes"][name] = entry
    return out
