"""Benchmarks of the library's hot paths: decoding, features, each model, ``classify``.

:func:`run_benchmarks` times, on synthesised music-like audio (a drum beat over a
C major chord, deterministic), of 30 s and of 5 minutes:

- decoding WAV (PCM_16) and MP3 bytes with :func:`~mgc_core.audio.load_audio`;
- the Audio features page's work on a 30-s window, with the page's default settings
  (:func:`mgc_devtools._common.features_page_steps`, each step timed on its own);
- each model's prediction (the per-model seconds :func:`~mgc_core.analysis.classify.classify`
  reports), the shared analysis and the whole ``classify``;
- a cold start in a fresh Python process (import, load every model, decode and
  classify a 30-s clip; wall time from the process's start);
- the memory of that serving process with every model loaded: resident memory after
  loading, after the 30-s clip, after classifying the 5-minute song twice (decoded from
  an MP3 file each time, as an upload is: that process never synthesises audio), and its
  peak;
- the Audio features page's work on a 240-s window of the long clip (``features_240s``);
- the arithmetic floor of ``classify``: every LiteRT network of every model in the
  registry is watched during the timed runs (which file, input shapes, seconds per
  invocation), its multiply-adds are counted from its graph
  (:func:`mgc_devtools.macs.count_macs`), and ``floor_30s_s`` / ``floor_5min_s`` are
  2 x the multiply-adds of one input per 3-s segment per network / the float32 matmul
  rate measured in the same run (:func:`mgc_devtools.runtimes.matmul_gflops`, before
  and after the classifications; the better of the two, so that the floor stays a
  lower bound on a busy machine); each network's measured rate is reported as a share
  of that matmul rate;
- the transfer model's share of ``classify`` and the arithmetic rate of its two musicnn
  networks.

Each timing runs once as a warm-up, then ``repeats`` times; it is reported as
``{"median_s", "min_s", "max_s", "n"}``. The function returns data and prints
nothing; ``python -m mgc_core bench`` prints it.

Examples
--------
>>> from mgc_devtools.bench import run_benchmarks
>>> report = run_benchmarks(quick=True, repeats=1)          # doctest: +SKIP
>>> report["classify_30s"]["median_s"] > 0                  # doctest: +SKIP
True
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from mgc_core.errors import MGCError, ParameterError
from mgc_devtools._common import (
    SR,
    PageSettings,
    features_page_steps,
    music_like,
    peak_rss_mb,
    time_calls,
    timing_stats,
)

__all__ = ["run_benchmarks", "profile_classify", "machine_info", "tflite_networks",
           "SHORT_S", "LONG_S", "QUICK_LONG_S", "FEATURES_LONG_WINDOW_S", "ISA_FLAGS", "SR"]

#: Length of the short clip (and of the features page's window), in seconds.
SHORT_S = 30.0
#: Length of the long clip, in seconds.
LONG_S = 300.0
#: Length of the "long" clip with ``quick=True``, in seconds.
QUICK_LONG_S = 60.0
#: The Audio features page's long window (``features_240s``), in seconds (the whole
#: "long" clip when it is shorter, with ``quick=True``).
FEATURES_LONG_WINDOW_S = 240.0
#: The CPU's instruction-set extensions that LiteRT's XNNPACK, oneDNN and OpenBLAS choose
#: their kernels by (``/proc/cpuinfo`` flags): 256- and 512-bit vectors, fused
#: multiply-add, half-precision conversion, int8 dot products (VNNI), bf16/fp16 and AMX.
ISA_FLAGS = ("avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx_vnni",
             "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_int8", "amx_bf16")

Progress = Callable[[str, int, int], None]

# The cold start: runs in a fresh interpreter, prints one JSON line with its timings.
# ``t0`` is the parent's time.time() just before the process was spawned.
_COLD_START = r"""
import json, sys, time
t0 = float(sys.argv[1])
import mgc_core
from mgc_core.audio import load_audio
from mgc_devtools._common import peak_rss_mb, rss_mb
from mgc_core.analysis.classify import classify, load_models
t_import = time.time()
models = load_models()
t_load = time.time()
rss_loaded = rss_mb()
result = classify(load_audio(sys.argv[2]), loaded=models)
t_end = time.time()
rss_30s = rss_mb()
for _ in range(2):  # decoded from its file each time, as a served upload is
    classify(load_audio(sys.argv[3]), loaded=models)
print("MGC_BENCH " + json.dumps({
    "total_s": t_end - t0,
    "import_s": t_import - t0,
    "load_models_s": t_load - t_import,
    "first_classify_s": t_end - t_load,
    "n_segments": len(result.segment_times),
    "rss_models_loaded_mb": rss_loaded,
    "rss_after_30s_mb": rss_30s,
    "rss_after_long_mb": rss_mb(),
    "peak_rss_mb": peak_rss_mb(),
}), flush=True)
"""


def _encode(y: np.ndarray, *, sr: int, fmt: str) -> bytes:
    """``y`` as WAV (PCM_16) or MP3 bytes, written in memory by soundfile."""
    import io

    import soundfile as sf

    subtype = {"WAV": "PCM_16", "MP3": "MPEG_LAYER_III"}[fmt]
    buf = io.BytesIO()
    sf.write(buf, y, sr, format=fmt, subtype=subtype)
    return buf.getvalue()


def _package_version(*names: str) -> str | None:
    from importlib import metadata

    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def _cpuinfo_field(name: str) -> str | None:
    """The first value of ``name`` in ``/proc/cpuinfo`` (Linux), else ``None``."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.split(":", 1)[0].strip() == name:
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def _cpu_model() -> str:
    return _cpuinfo_field("model name") or platform.processor() or platform.machine()


def _blas() -> str | None:
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas['name']} {blas.get('version', '')}".strip()
    except (KeyError, TypeError, ValueError):
        return None


def machine_info() -> dict[str, Any]:
    """The machine and software a benchmark ran on.

    Returns
    -------
    dict
        ``cores`` (:func:`os.cpu_count`), ``usable_cores`` (this process's CPU
        affinity), ``cpu`` (``/proc/cpuinfo``'s model name), ``isa`` (which of
        :data:`ISA_FLAGS` the CPU has, in that order; ``None`` where ``/proc/cpuinfo``
        is missing), ``platform``, ``blas`` (NumPy's, which the matmul rate measures),
        and the ``python``, ``numpy``, ``librosa``, ``litert`` and ``tensorflow``
        versions (``None`` where not installed).
    """
    flags = _cpuinfo_field("flags")
    have = set(flags.split()) if flags is not None else None
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "cpu": _cpu_model(),
        "isa": [f for f in ISA_FLAGS if f in have] if have is not None else None,
        "platform": platform.platform(),
        "blas": _blas(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "librosa": _package_version("librosa"),
        "litert": _package_version("ai-edge-litert"),
        "tensorflow": _package_version("tensorflow", "tensorflow-cpu"),
    }


def _load_average() -> list[float] | None:
    """The system's 1-, 5- and 15-minute load averages (``None`` where unknown): other
    work on the machine slows every measurement here."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def tflite_networks() -> dict[str, tuple[str, ...]]:
    """Every LiteRT network of every model in the registry, and the models that use it.

    Returns
    -------
    dict of str to tuple of str
        ``.tflite`` file name (under ``assets/models/``) -> model names, in registry
        order; a network shared by several models (the AudioSet network) is listed once.

    Examples
    --------
    >>> tflite_networks()["efficientat_mn04.tflite"]
    ('transfer', 'audioset')
    """
    from mgc_core.models.registry import MODELS

    nets: dict[str, list[str]] = {}
    for name, model in MODELS.items():
        for f in model.files:
            if f.endswith(".tflite"):
                nets.setdefault(f, []).append(name)
    return {f: tuple(names) for f, names in nets.items()}


#: One LiteRT invocation seen by :class:`_LiteRTWatch`: network file, input shapes, seconds.
Call = tuple[str, tuple[tuple[int, ...], ...], float]


class _LiteRTWatch:
    """While active, records every invocation of a bundled LiteRT network.

    Wraps ``ai_edge_litert``'s ``Interpreter.__init__`` (to know which bundled file an
    interpreter runs, by the sha256 of its model bytes) and ``Interpreter.invoke`` (input
    shapes and wall time), and puts them back on exit. Invocations are kept only inside
    :meth:`record`; the wrapper's own cost (reading the input shapes) is outside the time.
    """

    def __init__(self, files: Mapping[str, Path]) -> None:
        self._by_sha = {hashlib.sha256(p.read_bytes()).hexdigest(): name
                        for name, p in files.items() if p.is_file()}
        self._names: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._calls: list[Call] | None = None

    def __enter__(self) -> _LiteRTWatch:
        from ai_edge_litert.interpreter import Interpreter

        self._cls, watch = Interpreter, self
        init, invoke = Interpreter.__init__, Interpreter.invoke
        self._originals = (init, invoke)

        def watched_init(interp, model_path=None, model_content=None, *args, **kwargs):  # noqa: ANN001
            init(interp, model_path, model_content, *args, **kwargs)
            data = (bytes(model_content) if model_content is not None
                    else Path(model_path).read_bytes() if model_path is not None else b"")
            name = watch._by_sha.get(hashlib.sha256(data).hexdigest())
            if name is not None:
                watch._names[interp] = name

        def watched_invoke(interp):  # noqa: ANN001
            name = watch._names.get(interp)
            if watch._calls is None or name is None:
                return invoke(interp)
            shapes = tuple(tuple(int(v) for v in d["shape"]) for d in interp.get_input_details())
            start = time.perf_counter()
            out = invoke(interp)
            watch._calls.append((name, shapes, time.perf_counter() - start))
            return out

        Interpreter.__init__, Interpreter.invoke = watched_init, watched_invoke
        return self

    def __exit__(self, *exc: object) -> None:
        self._cls.__init__, self._cls.invoke = self._originals

    @contextlib.contextmanager
    def record(self) -> Iterator[list[Call]]:
        """Collect the invocations made inside the block into the list yielded."""
        calls: list[Call] = []
        self._calls = calls
        try:
            yield calls
        finally:
            self._calls = None


def _cold_start(wav_30s: bytes, mp3_long: bytes) -> dict[str, Any]:
    """Spawn a fresh interpreter: import mgc_core, load every model, classify 30 s (WAV),
    then the long clip (MP3) twice, each decoded from its file as the app does with an
    upload, reporting times and memory. The serving process never holds a synthesised
    signal: its memory is what serving costs."""
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory(prefix="mgc_bench_") as tmp:
        clip = Path(tmp) / "clip_30s.wav"
        clip.write_bytes(wav_30s)
        song = Path(tmp) / "song_long.mp3"
        song.write_bytes(mp3_long)
        t0 = time.time()
        proc = subprocess.run(
            [sys.executable, "-c", _COLD_START, repr(t0), str(clip), str(song)],
            capture_output=True, text=True, env=env, cwd=tmp, timeout=600, check=False,
        )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("MGC_BENCH ")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise MGCError(
            f"the cold-start benchmark's child process failed (exit {proc.returncode}): "
            + " | ".join(tail)
        )
    return json.loads(lines[-1].removeprefix("MGC_BENCH "))


def run_benchmarks(
    *, repeats: int = 5, quick: bool = False, progress: Progress | None = None
) -> dict[str, Any]:
    """Time decoding, features, each model, ``classify`` and a cold start.

    Parameters
    ----------
    repeats : int
        Timed runs of each measurement, after one untimed warm-up (1 to 100).
    quick : bool
        Use a 60-s "long" clip instead of 5 minutes (for tests); the keys keep
        their names (``*_5min``) and ``clips["long_s"]`` says the length used.
    progress : callable ``(stage, done, total)``, optional
        Called as the benchmark advances (the CLI draws a progress bar).

    Returns
    -------
    dict
        JSON-ready. ``machine`` (:func:`machine_info`), ``load_average`` (the
        system's 1-, 5- and 15-minute load at the ``start`` and ``end``: other work on
        the machine slows every timing), ``clips``, ``repeats``;
        ``cold_start_s`` and ``cold_start`` (``import_s``, ``load_models_s``,
        ``first_classify_s``); ``peak_rss_mb`` (the fresh serving process's peak,
        every model loaded, after 30 s and the long MP3 twice) and ``memory`` (its
        resident memory at each step, and this benchmark process's own peak);
        ``classify_30s`` and ``classify_5min``; ``decode``, ``features`` (30-s
        window), ``features_240s`` (240-s window), ``models`` and ``analysis``
        holding timings, ``features_total_s`` and ``features_240s_total_s`` their
        sums. The arithmetic floor: ``floor_30s_s`` and ``floor_5min_s`` (seconds),
        ``classify_over_floor`` (``{"30s", "5min"}``: median ``classify`` / floor),
        and ``arithmetic`` with ``matmul_gflops`` (the better of ``matmul_gflops_runs``,
        measured before and after the classifications), per clip the totals (``macs``
        needed, ``macs_executed``, ``floor_s``, ``ratio``, ``networks_s`` spent
        inside the networks, ``networks_ratio``, ``outside_networks_s``,
        ``complete``) and per network file (``networks``) its ``models`` and per
        clip whether it was ``observed`` invoked, its ``inputs``, ``invokes``,
        ``input_shapes``, ``macs_per_input``, ``macs``, ``macs_executed``,
        ``seconds`` (timing of its invocations per classify), ``gflops`` and
        ``share_of_matmul``, and once its ``zero_ops`` and ``uncounted`` (see
        :class:`mgc_devtools.macs.MacCount`); ``transfer`` (its share of
        ``classify``, its musicnn networks' time and GFLOP/s). Each timing is
        ``{"median_s", "min_s", "max_s", "n"}``.

    Raises
    ------
    ParameterError
        If ``repeats`` is not an integer from 1 to 100.
    AssetError
        If a bundled model is missing or altered.
    """
    from mgc_core.analysis.classify import classify, load_models
    from mgc_core.audio import load_audio

    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or not (
        1 <= repeats <= 100
    ):
        raise ParameterError(f"repeats must be an integer from 1 to 100; got {repeats!r}.")
    repeats = int(repeats)
    long_s = QUICK_LONG_S if quick else LONG_S
    clips = {"short": SHORT_S, "long": long_s}

    def report(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)

    # Audio, encoded once in memory. The long clip starts with the short one's content.
    report("synthesising audio", 0, 2)
    y = {label: music_like(duration=seconds) for label, seconds in clips.items()}
    report("synthesising audio", 1, 2)
    encoded = {(label, fmt): _encode(y[label], sr=SR, fmt=fmt)
               for label in clips for fmt in ("WAV", "MP3")}
    report("synthesising audio", 2, 2)

    out: dict[str, Any] = {
        "machine": machine_info(),
        "load_average": {"start": _load_average()},
        "repeats": repeats,
        "quick": bool(quick),
        "clips": {"short_s": SHORT_S, "long_s": long_s, "sr": SR,
                  "signal": "0.6 drum_pattern(120 BPM) + 0.4 major_chord(C), peak 0.8"},
    }

    # Cold start first, while this process is small (the child runs alone).
    report("cold start", 0, 1)
    cold = _cold_start(encoded[("short", "WAV")], encoded[("long", "MP3")])
    out["cold_start_s"] = cold["total_s"]
    out["cold_start"] = {
        "import_s": cold["import_s"], "load_models_s": cold["load_models_s"],
        "first_classify_s": cold["first_classify_s"],
    }
    # The serving process's memory: every model loaded, after 30 s and after the long clip.
    out["peak_rss_mb"] = cold["peak_rss_mb"]
    out["memory"] = {
        "rss_models_loaded_mb": cold["rss_models_loaded_mb"],
        "rss_after_30s_mb": cold["rss_after_30s_mb"],
        "rss_after_5min_mb": cold["rss_after_long_mb"],
        "peak_rss_mb": cold["peak_rss_mb"],
    }
    report("cold start", 1, 1)

    # Decoding.
    decode: dict[str, Any] = {}
    jobs = list(encoded.items())
    for i, ((label, fmt), data) in enumerate(jobs):
        report("decode", i, len(jobs))
        key = f"{fmt.lower()}_{'30s' if label == 'short' else '5min'}"
        decode[key] = timing_stats(time_calls(lambda data=data: load_audio(data, sr=SR),
                                              repeats))
    report("decode", len(jobs), len(jobs))
    out["decode"] = decode

    # The Audio features page on a 30-s window of the long clip (envelope: whole clip).
    audio_long = load_audio(encoded[("long", "WAV")], sr=SR)
    feats = features_page_steps(audio_long.samples, sr=SR, settings=PageSettings(end_s=SHORT_S))
    out["features"] = {}
    for i, (name, fn) in enumerate(feats.items()):
        report("features (30-s window)", i, len(feats))
        out["features"][name] = timing_stats(time_calls(fn, repeats))
    report("features (30-s window)", len(feats), len(feats))
    out["features_total_s"] = float(sum(s["median_s"] for s in out["features"].values()))

    # The page on a long window of the long clip (no rhythm tab beyond 60 s).
    window = min(FEATURES_LONG_WINDOW_S, long_s)
    out["clips"]["features_240s_window_s"] = window
    feats = features_page_steps(audio_long.samples, sr=SR, settings=PageSettings(end_s=window))
    out["features_240s"] = {}
    for i, (name, fn) in enumerate(feats.items()):
        report(f"features ({window:g}-s window)", i, len(feats))
        out["features_240s"][name] = timing_stats(time_calls(fn, repeats))
    report(f"features ({window:g}-s window)", len(feats), len(feats))
    out["features_240s_total_s"] = float(
        sum(s["median_s"] for s in out["features_240s"].values()))

    # Models and classify, with the models loaded once (as the app keeps them), every
    # LiteRT invocation of a bundled network watched.
    from mgc_core import assets
    from mgc_devtools.runtimes import matmul_gflops

    rates = [matmul_gflops()]  # before and after classify: the better is the floor's rate
    networks = tflite_networks()
    watch = _LiteRTWatch({f: assets.ASSETS_DIR / "models" / f for f in networks})
    calls: dict[str, list[list[Call]]] = {}
    with watch:
        report("loading models", 0, 1)
        models = load_models()
        report("loading models", 1, 1)
        out["models"] = {}
        out["analysis"] = {}
        for label, key in (("short", "30s"), ("long", "5min")):
            audio = audio_long if label == "long" else load_audio(encoded[("short", "WAV")],
                                                                  sr=SR)
            stage = f"classify {key}"
            report(stage, 0, repeats + 1)
            classify(audio, loaded=models)  # warm-up
            totals, analysis, per_model = [], [], {name: [] for name in models}
            calls[key] = []
            for r in range(repeats):
                report(stage, r + 1, repeats + 1)
                with watch.record() as seen:
                    start = time.perf_counter()
                    result = classify(audio, loaded=models)
                    totals.append(time.perf_counter() - start)
                calls[key].append(seen)
                analysis.append(result.analysis_seconds)
                for name, m in result.models.items():
                    per_model[name].append(m.seconds)
            report(stage, repeats + 1, repeats + 1)
            out[f"classify_{key}"] = timing_stats(totals)
            out.setdefault("n_segments", {})[key] = len(result.segment_times)
            out["analysis"][key] = timing_stats(analysis)
            out["models"][key] = {name: timing_stats(s) for name, s in per_model.items()}

    # The arithmetic floor, against the best matmul rate of this run.
    report("arithmetic floor", 0, 1)
    rates.append(matmul_gflops())
    out["memory"]["bench_process_peak_rss_mb"] = peak_rss_mb()
    out["arithmetic"] = _arithmetic(networks, calls, out, max(rates))
    out["arithmetic"]["matmul_gflops_runs"] = rates
    for key in ("30s", "5min"):
        out[f"floor_{key}_s"] = out["arithmetic"][key]["floor_s"]
    out["classify_over_floor"] = {key: out["arithmetic"][key]["ratio"]
                                  for key in ("30s", "5min")}
    out["transfer"] = _transfer_share(out)
    out["load_average"]["end"] = _load_average()
    report("arithmetic floor", 1, 1)
    return out


def _network_load(path: Path, runs: list[list[Call]], n_segments: int,
                  counts: dict[tuple, Any]) -> dict[str, Any]:
    """What one network computed in one clip's timed classify runs, and how fast.

    The multiply-adds executed are those of every invocation seen in the first run (the
    runs repeat the same work), each counted at its input shapes, padding included.
    Those needed are one input per 3-s segment, the convention of every model here (a
    musicnn patch, an AudioSet window, a CNN or LSTM segment), unless the network saw
    fewer inputs, inputs of several shapes, or more than one batch of padding, in which
    case what it executed is what it needed. A network never seen invoked is counted at
    its input signature, one input per segment, and gets no time.
    """
    from mgc_devtools.macs import count_macs, input_signatures

    def macs(shapes: tuple[tuple[int, ...], ...]) -> Any:
        if (path.name, shapes) not in counts:
            counts[(path.name, shapes)] = count_macs(path, input_shapes=shapes)
        return counts[(path.name, shapes)]

    mine = [[c for c in run if c[0] == path.name] for run in runs]
    if not mine or not mine[0]:  # counted at its signature (batch 1 if free), per input
        signature = input_signatures(path)
        batch = signature[0][0] if signature[0][0] > 0 else 1
        count = macs(tuple((batch, *s[1:]) for s in signature))
        per_input = count.total // batch
        return {"observed": False, "inputs": n_segments, "invokes": 0,
                "input_shapes": [list(s) for s in count.input_shapes],
                "macs_per_input": per_input, "macs": n_segments * per_input,
                "macs_executed": n_segments * per_input, "zero_ops": count.zero_ops,
                "uncounted": count.uncounted}
    first = mine[0]
    counted = {shapes: macs(shapes) for _, shapes, _ in first}
    executed = sum(counted[shapes].total for _, shapes, _ in first)
    batches = [shapes[0][0] for _, shapes, _ in first]
    items = tuple({tuple(s[1:] for s in shapes) for shapes in counted})
    # Items of a batch are independent: one input costs the batch's count / its size.
    shapes, count = next(iter(counted.items()))
    per_input = count.total // shapes[0][0] if len(items) == 1 else None
    needed = (n_segments * per_input
              if per_input is not None and n_segments <= sum(batches) < n_segments + max(batches)
              else executed)
    return {
        "observed": True, "inputs": sum(batches), "invokes": len(first),
        "input_shapes": sorted({str(list(shapes[0])) for shapes in counted}),
        "macs_per_input": per_input, "macs": int(needed), "macs_executed": int(executed),
        "seconds": timing_stats([sum(dt for *_, dt in run) for run in mine]),
        "zero_ops": count.zero_ops,
        "uncounted": {k: v for c in counted.values() for k, v in c.uncounted.items()},
    }


def _arithmetic(networks: Mapping[str, tuple[str, ...]], calls: Mapping[str, list[list[Call]]],
                out: dict[str, Any], limit: float) -> dict[str, Any]:
    """Every network's multiply-adds and rate per clip, and the floor of ``classify``.

    The floor of a clip is 2 FLOP x the multiply-adds its networks need / the float32
    matmul rate ``limit`` (GFLOP/s); ``ratio`` is the median ``classify`` over it, and
    ``networks_s`` the median time inside the networks' invocations.
    """
    from mgc_core import assets

    counts: dict[tuple, Any] = {}
    result: dict[str, Any] = {"matmul_gflops": limit, "networks": {}}
    for f, users in networks.items():
        entry: dict[str, Any] = {"models": list(users), "zero_ops": {}, "uncounted": {}}
        for key in ("30s", "5min"):
            load = _network_load(assets.ASSETS_DIR / "models" / f, calls[key],
                                 out["n_segments"][key], counts)
            entry["zero_ops"] = load.pop("zero_ops")
            entry["uncounted"].update(load.pop("uncounted"))
            if load["observed"]:
                gflops = 2 * load["macs_executed"] / load["seconds"]["median_s"] / 1e9
                load["gflops"], load["share_of_matmul"] = gflops, gflops / limit
            entry[key] = load
        result["networks"][f] = entry
    for key in ("30s", "5min"):
        loads = [entry[key] for entry in result["networks"].values()]
        macs = sum(load["macs"] for load in loads)
        floor = 2 * macs / (limit * 1e9)
        inside = float(np.median([sum(dt for *_, dt in run) for run in calls[key]]))
        classify_s = out[f"classify_{key}"]["median_s"]
        result[key] = {
            "n_segments": out["n_segments"][key], "macs": int(macs),
            "macs_executed": int(sum(load["macs_executed"] for load in loads)),
            "complete": all(not e["uncounted"] for e in result["networks"].values()),
            "floor_s": floor, "classify_s": classify_s, "ratio": classify_s / floor,
            "networks_s": inside, "networks_ratio": inside / floor,
            "outside_networks_s": classify_s - inside,
        }
    return result


def _transfer_share(out: dict[str, Any]) -> dict[str, Any]:
    """The transfer model's share of classify, and its two musicnn networks' arithmetic rate.

    Counted from the networks' graphs (:func:`mgc_devtools.macs.count_macs`, one 3-s
    patch each) and timed inside ``classify`` (their LiteRT invocations, padding of the
    last batch included); the limit is the run's float32 matmul rate.
    """
    from mgc_core.models.musicnn_lite import LITE_FILES

    arith = out["arithmetic"]
    nets = [arith["networks"][f] for f in LITE_FILES.values() if f in arith["networks"]]
    limit = arith["matmul_gflops"]
    share: dict[str, Any] = {"macs_per_patch_per_network": nets[0]["30s"]["macs_per_input"],
                             "matmul_gflops": limit}
    for key in ("30s", "5min"):
        t = out["models"][key]["transfer"]["median_s"]
        seconds = sum(n[key]["seconds"]["median_s"] for n in nets)
        gflops = 2 * sum(n[key]["macs_executed"] for n in nets) / seconds / 1e9
        share[key] = {"share_of_classify": t / out[f"classify_{key}"]["median_s"],
                      "musicnn_s": seconds, "gflops": gflops, "share_of_matmul": gflops / limit}
    return share


def profile_classify(*, seconds: float = SHORT_S, repeats: int = 3) -> str:
    """Where :func:`~mgc_core.analysis.classify.classify` spends its time, as a call tree.

    Profiles ``repeats`` classifications of the music-like clip with pyinstrument, a
    sampling profiler, after loading the models once and one warm-up run.

    Parameters
    ----------
    seconds : float
        Length of the clip, in seconds.
    repeats : int
        Classifications profiled.

    Returns
    -------
    str
        pyinstrument's text report (time per call path, slowest first).

    Raises
    ------
    MGCError
        If pyinstrument is not installed (``pip install -r requirements-dev.txt``).
    """
    from mgc_core.analysis.classify import classify, load_models
    from mgc_core.audio import Audio

    try:
        from pyinstrument import Profiler
    except ImportError as err:
        raise MGCError("pyinstrument is not installed; install the development tools with "
                       "`pip install -r requirements-dev.txt`.") from err
    audio = Audio(music_like(duration=seconds), sr=SR)
    models = load_models()
    classify(audio, loaded=models)  # warm-up: traces the networks
    profiler = Profiler(interval=0.001)
    profiler.start()
    for _ in range(repeats):
        classify(audio, loaded=models)
    profiler.stop()
    return profiler.output_text(unicode=True, color=False, show_all=False)
