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
  loading, after the 30-s clip, after classifying the 5-minute song twice, and its peak;
- the transfer model's share of ``classify`` and the arithmetic rate of its two musicnn
  networks against what a large float32 matrix product reaches on this CPU.

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

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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

__all__ = ["run_benchmarks", "profile_classify", "machine_info", "SHORT_S", "LONG_S",
           "QUICK_LONG_S", "SR"]

#: Length of the short clip (and of the features page's window), in seconds.
SHORT_S = 30.0
#: Length of the long clip, in seconds.
LONG_S = 300.0
#: Length of the "long" clip with ``quick=True``, in seconds.
QUICK_LONG_S = 60.0

Progress = Callable[[str, int, int], None]

# The cold start: runs in a fresh interpreter, prints one JSON line with its timings.
# ``t0`` is the parent's time.time() just before the process was spawned.
_COLD_START = r"""
import json, sys, time
t0 = float(sys.argv[1])
import mgc_core
from mgc_core.audio import Audio, load_audio
from mgc_devtools._common import music_like, peak_rss_mb, rss_mb
from mgc_core.analysis.classify import classify, load_models
t_import = time.time()
models = load_models()
t_load = time.time()
rss_loaded = rss_mb()
result = classify(load_audio(sys.argv[2]), loaded=models)
t_end = time.time()
rss_30s = rss_mb()
long = Audio(music_like(duration=float(sys.argv[3])), sr=22050)
classify(long, loaded=models)
classify(long, loaded=models)
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


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict[str, Any]:
    """The machine and software a benchmark ran on.

    Returns
    -------
    dict
        ``cores`` (:func:`os.cpu_count`), ``cpu`` (``/proc/cpuinfo``'s model name),
        ``platform``, and the ``python``, ``numpy``, ``librosa`` and ``tensorflow``
        versions (``None`` where not installed).
    """
    return {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "librosa": _package_version("librosa"),
        "tensorflow": _package_version("tensorflow", "tensorflow-cpu"),
    }


def _cold_start(wav_30s: bytes, long_s: float) -> dict[str, Any]:
    """Spawn a fresh interpreter: import mgc_core, load every model, classify 30 s, then
    a ``long_s`` clip twice, reporting times and memory."""
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory(prefix="mgc_bench_") as tmp:
        clip = Path(tmp) / "clip_30s.wav"
        clip.write_bytes(wav_30s)
        t0 = time.time()
        proc = subprocess.run(
            [sys.executable, "-c", _COLD_START, repr(t0), str(clip), repr(float(long_s))],
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
        JSON-ready. ``machine`` (:func:`machine_info`), ``clips``, ``repeats``;
        ``cold_start_s`` and ``cold_start`` (its breakdown); ``peak_rss_mb`` (the
        fresh serving process's peak, every model loaded, after 30 s and the long
        clip twice) and ``memory`` (its resident memory at each step, and this
        benchmark process's own peak); ``transfer`` (share and GFLOP/s);
        ``classify_30s`` and ``classify_5min``; ``decode``, ``features``,
        ``models`` and ``analysis`` holding timings. Each timing is
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
        "repeats": repeats,
        "quick": bool(quick),
        "clips": {"short_s": SHORT_S, "long_s": long_s, "sr": SR,
                  "signal": "0.6 drum_pattern(120 BPM) + 0.4 major_chord(C), peak 0.8"},
    }

    # Cold start first, while this process is small (the child runs alone).
    report("cold start", 0, 1)
    cold = _cold_start(encoded[("short", "WAV")], long_s)
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

    # Models and classify, with the models loaded once (as the app keeps them).
    report("loading models", 0, 1)
    models = load_models()
    report("loading models", 1, 1)
    out["models"] = {}
    out["analysis"] = {}
    for label, key in (("short", "30s"), ("long", "5min")):
        audio = audio_long if label == "long" else load_audio(encoded[("short", "WAV")], sr=SR)
        stage = f"classify {key}"
        report(stage, 0, repeats + 1)
        classify(audio, loaded=models)  # warm-up
        totals, analysis, per_model = [], [], {name: [] for name in models}
        for r in range(repeats):
            report(stage, r + 1, repeats + 1)
            start = time.perf_counter()
            result = classify(audio, loaded=models)
            totals.append(time.perf_counter() - start)
            analysis.append(result.analysis_seconds)
            for name, m in result.models.items():
                per_model[name].append(m.seconds)
        report(stage, repeats + 1, repeats + 1)
        out[f"classify_{key}"] = timing_stats(totals)
        out.setdefault("n_segments", {})[key] = len(result.segment_times)
        out["analysis"][key] = timing_stats(analysis)
        out["models"][key] = {name: timing_stats(s) for name, s in per_model.items()}

    out["memory"]["bench_process_peak_rss_mb"] = peak_rss_mb()
    out["transfer"] = _transfer_share(out)
    return out


def _transfer_share(out: dict[str, Any]) -> dict[str, Any]:
    """The transfer model's share of classify, and its arithmetic rate against the limit.

    Its two musicnn networks cost :func:`mgc_devtools.runtimes.musicnn_macs` multiply-adds
    per 3-s patch each (2 FLOP per multiply-add); the limit is a large float32 matrix
    product on every core (:func:`mgc_devtools.runtimes.matmul_gflops`).
    """
    from mgc_core.models import musicnn as mn
    from mgc_devtools.runtimes import matmul_gflops, musicnn_macs

    macs = musicnn_macs(mn.load_musicnn(mn.bundled_model_path("MSD_musicnn")))
    limit = matmul_gflops()
    share: dict[str, Any] = {"macs_per_patch_per_network": macs, "matmul_gflops": limit}
    for key in ("30s", "5min"):
        t = out["models"][key]["transfer"]["median_s"]
        patches = out["n_segments"][key]  # one musicnn patch per 3-s segment
        gflops = 2 * 2 * macs * patches / t / 1e9
        share[key] = {"share_of_classify": t / out[f"classify_{key}"]["median_s"],
                      "gflops": gflops, "share_of_matmul": gflops / limit}
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
