"""Where the serving process's memory goes: resident memory after each step, in a fresh process.

The benchmark (``python -m mgc_core bench``) reports the serving process's peak; this
tool says what makes it up::

    python -m mgc_devtools.memory [--seconds 30] [--long-seconds 300] [--json]

A child interpreter (nothing imported before it starts) goes through the steps of a
served classification, the models' steps in the order :func:`classify` runs them, and
reads its resident set size (RSS) and peak after each (:data:`STEPS`):

- the libraries: NumPy, SciPy's signal module, numba (librosa's), LiteRT (scikit-learn is
  not imported: the KNN and the transfer head are served from arrays,
  :mod:`mgc_core.models.heads`);
- loading every bundled model (:func:`~mgc_core.analysis.classify.load_models`);
- decoding a synthesised clip (written as WAV) and the shared analysis
  (:func:`~mgc_core.models.frontend.analyse_audio`, librosa's first use);
- each model's inputs and prediction on that clip, then the AudioSet tagger; the first
  call of a LiteRT network sets up XNNPACK's buffers, so this is where they show;
- a whole classification of a long clip (MP3), the most memory any request needs.

Each step's cost is its RSS minus the previous step's: memory that a later step would
have needed anyway is charged to the first step that touched it. Readings vary by a few
MB from run to run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mgc_core.errors import MGCError

__all__ = ["STEPS", "measure", "format_table", "main"]

#: The steps, in order, as the child reports them.
STEPS = ("start", "numpy", "scipy.signal", "numba", "litert", "load models",
         "decode 30 s", "analysis", "knn", "cnn", "lstm", "transfer", "audioset",
         "AudioSet tags", "classify long")

_CHILD = r"""
import json, sys
from mgc_devtools._common import peak_rss_mb, rss_mb
rows = []
def step(name):
    rows.append({"step": name, "rss_mb": rss_mb(), "peak_mb": peak_rss_mb()})
step("start")
import numpy; step("numpy")
import scipy.signal; step("scipy.signal")
import numba; step("numba")
import ai_edge_litert.interpreter; step("litert")
from mgc_core.audio import load_audio
from mgc_core.analysis.classify import classify, load_models, _tagger
from mgc_core.models.frontend import analyse_audio
models = load_models(); step("load models")
audio = load_audio(sys.argv[1]); step("decode 30 s")
front = analyse_audio(audio); step("analysis")
for name, model in models.items():
    model.predict_proba(model.inputs(front)); step(name)
_tagger(models, assets_dir=None).tag(front); step("AudioSet tags")
del audio, front
classify(load_audio(sys.argv[2]), loaded=models); step("classify long")
print("MGC_MEMORY " + json.dumps(rows), flush=True)
"""


def measure(*, seconds: float = 30.0, long_seconds: float = 300.0) -> list[dict[str, Any]]:
    """Run the steps in a fresh interpreter; one ``{"step", "rss_mb", "peak_mb",
    "delta_mb"}`` per step.

    Raises
    ------
    MGCError
        If the child process fails (its last lines are in the message).
    """
    from mgc_devtools._common import SR, music_like
    from mgc_devtools.bench import _encode

    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory(prefix="mgc_memory_") as tmp:
        short, long_ = Path(tmp) / "clip.wav", Path(tmp) / "song.mp3"
        short.write_bytes(_encode(music_like(duration=seconds), sr=SR, fmt="WAV"))
        long_.write_bytes(_encode(music_like(duration=long_seconds), sr=SR, fmt="MP3"))
        proc = subprocess.run([sys.executable, "-c", _CHILD, str(short), str(long_)],
                              capture_output=True, text=True, env=env, cwd=tmp,
                              timeout=900, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("MGC_MEMORY ")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise MGCError(f"the memory child process failed (exit {proc.returncode}): "
                       + " | ".join(tail))
    rows = json.loads(lines[-1].removeprefix("MGC_MEMORY "))
    previous = 0.0
    for row in rows:
        row["delta_mb"] = row["rss_mb"] - previous
        previous = row["rss_mb"]
    return rows


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """The steps as a plain-text table: RSS, its growth and the peak, in MB."""
    lines = [f"{'step':16s} {'rss':>6s} {'+':>6s} {'peak':>6s}"]
    lines += [f"{r['step']:16s} {r['rss_mb']:6.0f} {r['delta_mb']:+6.0f} {r['peak_mb']:6.0f}"
              for r in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table (or JSON); exit 2 on a mgc error."""
    p = argparse.ArgumentParser(prog="python -m mgc_devtools.memory",
                                description="The serving process's memory, step by step.")
    p.add_argument("--seconds", type=float, default=30.0, help="the short clip (s)")
    p.add_argument("--long-seconds", type=float, default=300.0, help="the long clip (s)")
    p.add_argument("--json", action="store_true", help="print JSON")
    args = p.parse_args(argv)
    if not (0 < args.seconds <= 600 and 0 < args.long_seconds <= 3600):
        p.error("--seconds must be in (0, 600] and --long-seconds in (0, 3600]")
    try:
        rows = measure(seconds=args.seconds, long_seconds=args.long_seconds)
    except MGCError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(rows, indent=2) if args.json else format_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
