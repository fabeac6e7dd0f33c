"""Throughput of a library run: files per minute of the batch engine against a plain loop.

:func:`run_batch_bench` writes a synthetic library (music-like audio, each file a little
different, MP3 by default so decoding costs what it costs in a real library) of two
shapes, 100 clips of 30 s and 20 songs of 5 minutes, and classifies each twice:

- **loop**: the plain way, ``classify(load_audio(f), loaded=models)`` for each file, one
  after the other, in this process;
- **engine**: :func:`mgc_core.batch.run_batch` into a fresh results file: decoding in its
  worker pool, ahead of the models, rows appended and flushed one by one.

Both include loading the models once (after one untimed warm-up of the imports). The
report gives seconds and files per minute of each, the engine's speed-up and the
machine's usable cores; it prints nothing.
``python -m mgc_devtools.batch_bench [--quick] [--json]`` prints it, and
``python -m mgc_core bench --batch`` adds it to the bench's report as ``report["batch"]``.

Examples
--------
>>> from mgc_devtools.batch_bench import run_batch_bench
>>> report = run_batch_bench(quick=True)                          # doctest: +SKIP
>>> report["scenarios"]["clips"]["engine"]["files_per_min"] > 0   # doctest: +SKIP
True
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mgc_devtools._common import SR, music_like

__all__ = ["run_batch_bench", "print_report", "SCENARIOS", "QUICK_SCENARIOS", "main"]

#: name -> (files, seconds each): the issue's two libraries.
SCENARIOS = {"clips": (100, 30.0), "songs": (20, 300.0)}
#: The same shapes, small enough for a test.
QUICK_SCENARIOS = {"clips": (4, 4.0), "songs": (2, 20.0)}

Progress = Callable[[str, int, int], None]


def _write_library(folder: Path, n: int, seconds: float, *, fmt: str, seed: int) -> list[Path]:
    """``n`` files of ``seconds`` of music-like audio, each with its own gain and noise."""
    import soundfile as sf

    rng = np.random.default_rng(seed)
    base = music_like(duration=seconds, sr=SR)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        y = base * rng.uniform(0.5, 1.0) + rng.normal(0, 0.003, base.size).astype(np.float32)
        path = folder / f"{i:04d}.{fmt}"
        sf.write(path, np.clip(y, -1, 1), SR, format=fmt.upper())
        paths.append(path)
    return paths


def _warm_up(models: Sequence[str] | None) -> None:
    """Import, load and run the models once, untimed: neither method pays the first start."""
    from mgc_core.analysis.classify import classify, load_models
    from mgc_core.audio import Audio

    classify(Audio(music_like(duration=4.0, sr=SR), sr=SR), loaded=load_models(models))


def _loop(paths: Sequence[Path], models: Sequence[str] | None) -> float:
    """Seconds of the plain loop, models loaded first (inside the time)."""
    from mgc_core.analysis.classify import classify, load_models
    from mgc_core.audio import load_audio
    from mgc_core.errors import MGCError
    from mgc_core.models.frontend import SR as MODEL_SR

    start = time.perf_counter()
    loaded = load_models(models)
    for path in paths:
        try:
            classify(load_audio(path, sr=MODEL_SR), loaded=loaded)
        except MGCError:
            pass
    return time.perf_counter() - start


def _engine(paths: Sequence[Path], models: Sequence[str] | None, out: Path,
            workers: int | None) -> tuple[float, int]:
    """Seconds of :func:`run_batch` into a new results file, and the files it classified."""
    from mgc_core.batch import run_batch

    start = time.perf_counter()
    summary = run_batch(paths, out=out, models=models, workers=workers)
    return time.perf_counter() - start, summary.classified


def _rate(n: int, seconds: float) -> dict[str, float]:
    return {"seconds": round(seconds, 2), "files_per_min": round(60.0 * n / seconds, 1)}


def run_batch_bench(*, quick: bool = False, fmt: str = "mp3",
                    models: Sequence[str] | None = None, workers: int | None = None,
                    scenarios: dict[str, tuple[int, float]] | None = None,
                    progress: Progress | None = None) -> dict[str, Any]:
    """Files per minute of the batch engine and of a plain loop over ``classify``.

    Parameters
    ----------
    quick : bool
        Tiny libraries (:data:`QUICK_SCENARIOS`), for tests.
    fmt : {"mp3", "flac", "wav", "ogg"}
        The library's format.
    models : sequence of str, optional
        Models to run (default: all).
    workers : int, optional
        The engine's decode threads (default: its own).
    scenarios : dict, optional
        ``name -> (files, seconds each)`` instead of :data:`SCENARIOS`.
    progress : callable, optional
        ``progress(stage, done, total)`` after each step.

    Returns
    -------
    dict
        ``cores`` (usable), ``format``, ``models``, and ``scenarios``: per name,
        ``files``, ``seconds_each``, ``loop`` and ``engine`` (``seconds``,
        ``files_per_min``) and ``speedup`` (engine files/min over loop files/min).
    """
    chosen = scenarios or (QUICK_SCENARIOS if quick else SCENARIOS)
    report: dict[str, Any] = {
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "format": fmt, "models": list(models) if models else "all", "scenarios": {},
    }
    steps, step = 3 * len(chosen), 0
    _warm_up(models)
    with tempfile.TemporaryDirectory(prefix="mgc_batch_bench_") as tmp:
        for seed, (name, (n, seconds)) in enumerate(chosen.items()):
            paths = _write_library(Path(tmp) / name, n, seconds, fmt=fmt, seed=seed)
            step += 1
            if progress:
                progress(f"batch {name}: library", step, steps)
            loop_s = _loop(paths, models)
            step += 1
            if progress:
                progress(f"batch {name}: loop", step, steps)
            engine_s, classified = _engine(paths, models, Path(tmp) / f"{name}.csv", workers)
            step += 1
            if progress:
                progress(f"batch {name}: engine", step, steps)
            loop, engine = _rate(n, loop_s), _rate(classified, engine_s)
            report["scenarios"][name] = {
                "files": n, "seconds_each": seconds, "classified": classified,
                "loop": loop, "engine": engine,
                "speedup": round(engine["files_per_min"] / loop["files_per_min"], 2),
            }
    return report


def print_report(report: dict[str, Any]) -> None:
    """Print :func:`run_batch_bench`'s report as a table."""
    print(f"library run throughput, {report['cores']} usable cores, {report['format']} files, "
          f"models: {report['models']}")
    print(f"  {'library':<26} {'plain loop':>16} {'batch engine':>16} {'speed-up':>9}")
    for s in report["scenarios"].values():
        label = f"{s['files']} x {s['seconds_each']:g} s"
        print(f"  {label:<26} {s['loop']['files_per_min']:>10.1f} f/min "
              f"{s['engine']['files_per_min']:>10.1f} f/min {s['speedup']:>8.2f}x")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mgc_devtools.batch_bench [--quick] [--json] [--format mp3]``."""
    p = argparse.ArgumentParser(prog="python -m mgc_devtools.batch_bench",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny libraries (for tests)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--format", default="mp3", choices=("mp3", "flac", "wav", "ogg"))
    p.add_argument("--models", nargs="+", default=None, help="models to run (default: all)")
    p.add_argument("--workers", type=int, default=None, help="the engine's decode threads")
    args = p.parse_args(argv)

    def progress(stage: str, done: int, total: int) -> None:
        sys.stderr.write(f"\r{stage:<30} {done}/{total}")
        sys.stderr.flush()

    report = run_batch_bench(quick=args.quick, fmt=args.format, models=args.models,
                             workers=args.workers, progress=progress)
    sys.stderr.write("\n")
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
