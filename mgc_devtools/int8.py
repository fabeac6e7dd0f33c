"""int8 musicnn: quantised LiteRT versions of the two musicnn networks, measured.

The issue's bar: adopt int8 versions of the musicnn networks if, on GTZAN, the
transfer model's balanced accuracy stays within :data:`MAX_POINTS_LOST` points and its
clip verdicts agree with the float32 networks' on at least :data:`MIN_AGREEMENT` of the
clips, so that a classification can run below the float32 arithmetic floor. This tool
measures it and changes nothing the app serves:

- :func:`quantize_musicnn` converts a bundled musicnn ``.keras`` network with TensorFlow's
  LiteRT converter and ``optimizations=[tf.lite.Optimize.DEFAULT]``: ``"dynamic"``
  (dynamic-range: int8 weights, activations quantised on the fly) or ``"full"``
  (full-integer: int8 weights and activations, ranges calibrated on
  :func:`calibration_patches`; float input and output);
- :func:`time_variants` times float32 and each variant on the same log-mel patches of
  the test music (both networks, as the transfer model runs them) against the float32
  floor of those patches (their multiply-adds x 2 / the float32 matmul rate measured in
  the same run);
- :func:`compare_on_gtzan` runs every usable GTZAN clip through the bundled transfer model
  with float32 networks and with each variant's (the musicnn part of its input swapped,
  the AudioSet part and the head unchanged): verdict agreement, embedding differences,
  and, unless ``cv=False``, the artist-grouped cross-validated balanced accuracy of the
  transfer model retrained on each variant's inputs (the protocol of
  ``python -m mgc_core evaluate``: :func:`mgc_core.evaluation.protocols.cross_validate`).

Run ``python -m mgc_devtools.int8 --gtzan DIR --out int8.json`` (TensorFlow needed to
convert; 30 to 60 minutes on two cores for 561 clips, both variants and one fold seed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mgc_core.errors import ParameterError
from mgc_devtools._common import SR, music_like, timing_stats

__all__ = ["VARIANTS", "MAX_POINTS_LOST", "MIN_AGREEMENT", "NETWORKS", "quantize_musicnn",
           "calibration_patches", "time_variants", "compare_on_gtzan", "adoption", "main"]

#: The int8 variants :func:`quantize_musicnn` makes.
VARIANTS = ("dynamic", "full")
#: Most balanced-accuracy points an int8 variant may lose against float32.
MAX_POINTS_LOST = 0.5
#: Least share of GTZAN clips on which its verdict must equal float32's.
MIN_AGREEMENT = 0.99
#: The two musicnn networks of the transfer model, in its order.
NETWORKS = ("MSD_musicnn", "MTT_musicnn")

Progress = Callable[[str, int, int], None]


def _check_variant(variant: str) -> None:
    if variant not in VARIANTS:
        raise ParameterError(f"variant must be one of {', '.join(VARIANTS)}; got {variant!r}.")


def quantize_musicnn(which: str, *, variant: str = "dynamic",
                     calibration: np.ndarray | None = None) -> bytes:
    """An int8 ``.tflite`` file of a bundled musicnn network (needs TensorFlow).

    Converted by :func:`mgc_core.models.lite.convert_keras` (as the float32 files are),
    with
    ``optimizations=[tf.lite.Optimize.DEFAULT]`` and, for ``"full"``, a representative
    dataset of ``calibration`` patches.

    Parameters
    ----------
    which : str
        ``"MSD_musicnn"`` or ``"MTT_musicnn"``.
    variant : str
        ``"dynamic"`` (dynamic-range) or ``"full"`` (full-integer, float input/output).
    calibration : np.ndarray [shape=(n, 187, 96)], optional
        Log-mel patches to calibrate the activations' ranges (``"full"`` only).

    Returns
    -------
    bytes
    """
    _check_variant(variant)
    if which not in NETWORKS:
        raise ParameterError(f"which must be one of {', '.join(NETWORKS)}; got {which!r}.")
    if variant == "full" and (calibration is None or len(calibration) == 0):
        raise ParameterError("full-integer quantisation needs calibration patches: "
                             "pass calibration=calibration_patches().")
    import tensorflow as tf

    from mgc_core.models.lite import convert_keras
    from mgc_core.models.musicnn import bundled_model_path, load_musicnn

    def quantised(converter: Any) -> None:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        if variant == "full":
            patches = np.asarray(calibration, dtype=np.float32)
            converter.representative_dataset = lambda: ([p[np.newaxis]] for p in patches)

    return convert_keras(load_musicnn(bundled_model_path(which)), configure=quantised)


def _patches(y: np.ndarray, sr: int) -> np.ndarray:
    """musicnn's log-mel patches of mono audio at ``sr``, as the transfer model cuts them."""
    from mgc_core.audio import Audio
    from mgc_core.models.frontend import analyse_audio

    front = analyse_audio(Audio(np.asarray(y, dtype=np.float32), sr=sr))
    return front.segments(front.logmel).astype(np.float32)


def calibration_patches(gtzan: str | os.PathLike | None = None, *,
                        n_clips: int = 20) -> np.ndarray:
    """Patches to calibrate full-integer quantisation: the test music, and GTZAN if given.

    60 s of :func:`~mgc_devtools._common.music_like` (20 patches) and, with ``gtzan``,
    every third patch of ``n_clips`` usable clips evenly spread over the sorted ids
    (those clips are also in the evaluation: calibration sets activation ranges only).
    """
    parts = [_patches(music_like(duration=60.0), SR)]
    if gtzan is not None:
        from mgc_core.audio import load_audio
        from mgc_core.datasets import GTZAN
        from mgc_core.datasets.clips import clip_table

        table = clip_table(GTZAN(gtzan))
        for i in np.linspace(0, len(table) - 1, min(n_clips, len(table))).astype(int):
            audio = load_audio(table.paths[i], sr=SR)
            parts.append(_patches(audio.samples, audio.sr)[::3])
    return np.concatenate(parts)


def _bundled_fp32() -> dict[str, bytes]:
    from mgc_core import assets
    from mgc_core.models.musicnn_lite import bundled_lite_path

    return {w: assets.read_verified(bundled_lite_path(w)) for w in NETWORKS}


def _networks(contents: Mapping[str, bytes]) -> tuple[Any, Any]:
    from mgc_core.models.musicnn_lite import LiteMusicnn

    return tuple(LiteMusicnn(contents[w]) for w in NETWORKS)  # type: ignore[return-value]


def time_variants(variants: Mapping[str, Mapping[str, bytes]], *,
                  n_patches: Sequence[int] = (10, 100), repeats: int = 5) -> dict[str, Any]:
    """Time float32 and each variant on the same patches of the test music.

    Parameters
    ----------
    variants : mapping
        Variant name -> ``{"MSD_musicnn": bytes, "MTT_musicnn": bytes}``.
    n_patches : sequence of int
        Patch counts (10: a 30-s clip; 100: a 5-minute song).
    repeats : int
        Timed runs after one warm-up.

    Returns
    -------
    dict
        ``matmul_gflops``, ``macs_per_patch`` (per network), per count the float32
        ``floor_s`` of both networks, and per network set (``"fp32"`` and each variant)
        and count the timing with ``over_fp32`` (time / float32's) and ``over_floor``.
    """
    from mgc_core.models.transfer import embed_patches
    from mgc_devtools.macs import count_macs
    from mgc_devtools.runtimes import matmul_gflops

    fp32 = _bundled_fp32()
    x = _patches(music_like(duration=3.0 * max(n_patches) + 3.0), SR)[:max(n_patches)]
    macs = count_macs(fp32[NETWORKS[0]]).total
    sets = {"fp32": fp32, **variants}
    out: dict[str, Any] = {"macs_per_patch": macs, "sizes_bytes": {
        name: {w: len(contents[w]) for w in NETWORKS} for name, contents in sets.items()}}
    nets = {name: _networks(contents) for name, contents in sets.items()}
    times: dict[tuple[str, int], list[float]] = {(name, n): [] for name in sets for n in n_patches}
    for _ in range(repeats + 1):  # the first round warms up; interleaved, so that a busy
        for (name, n), got in times.items():  # spell of the machine hits every set alike
            start = time.perf_counter()
            embed_patches(x[:n], networks=nets[name])
            got.append(time.perf_counter() - start)
    for name in sets:
        out[name] = {str(n): timing_stats(times[(name, n)][1:]) for n in n_patches}
    limit = matmul_gflops()
    out["matmul_gflops"] = limit
    out["floor_s"] = {str(n): 2 * len(NETWORKS) * macs * n / (limit * 1e9) for n in n_patches}
    for name in sets:
        for n in n_patches:
            t = out[name][str(n)]
            t["over_fp32"] = t["median_s"] / out["fp32"][str(n)]["median_s"]
            t["over_floor"] = t["median_s"] / out["floor_s"][str(n)]
    return out


def _balanced_accuracy(table: Any, per_clip: list[np.ndarray], protocol: dict) -> dict:
    from mgc_core.evaluation.metrics import clip_metrics
    from mgc_core.evaluation.protocols import cross_validate

    result = cross_validate(table, {"transfer": per_clip}, protocol=protocol,
                            models=["transfer"])["transfer"]
    by_seed = {seed: clip_metrics(table.labels[result.evaluated], p.argmax(axis=1))
               ["balanced_accuracy"] for seed, p in result.clip_probabilities.items()}
    verdicts = {seed: p.argmax(axis=1).tolist() for seed, p in result.clip_probabilities.items()}
    return {"by_seed": {str(k): v for k, v in by_seed.items()},
            "mean": float(np.mean(list(by_seed.values()))), "seconds": result.seconds,
            "_verdicts": verdicts}


def compare_on_gtzan(variants: Mapping[str, Mapping[str, bytes]], *,
                     gtzan: str | os.PathLike | None = None, limit: int | None = None,
                     cv: bool = True, cv_seeds: Sequence[int] = (0,),
                     progress: Progress | None = None) -> dict[str, Any]:
    """The bundled transfer model on every usable GTZAN clip, float32 against each variant.

    Parameters
    ----------
    variants : mapping
        Variant name -> ``{"MSD_musicnn": bytes, "MTT_musicnn": bytes}``.
    gtzan : path-like, optional
        The GTZAN folder (default: ``$MGC_GTZAN_DIR``).
    limit : int, optional
        Use only this many clips, evenly spread over the sorted ids (a quick look).
    cv : bool
        Also cross-validate the transfer model on float32's and on each variant's inputs
        (grouped 5-fold) when the variant's verdicts meet :data:`MIN_AGREEMENT` (else it
        fails the bar anyway); 5 to 20 minutes per fold seed and input set on two cores.
    cv_seeds : sequence of int
        Fold seeds of that cross-validation (the bundled evaluation uses 0, 1 and 2).
    progress : callable ``(stage, done, total)``, optional

    Returns
    -------
    dict
        ``n_clips``, ``n_segments``; per variant: ``verdict_agreement`` (share of clips
        whose bundled-head verdict equals float32's), ``segment_agreement``,
        ``disagreements`` (clip ids), ``embedding`` (max and mean absolute difference of
        the 500 musicnn values, and the mean absolute float32 value, overall and per
        part), and with ``cv`` ``balanced_accuracy`` (per seed and mean, ``None`` when
        skipped), ``points_vs_fp32`` and ``cv_verdict_agreement``;
        ``fp32_balanced_accuracy`` and ``stored_fp32_balanced_accuracy`` (the bundled
        evaluation's per seed, for comparison).
    """
    from mgc_core.analysis.classify import load_model
    from mgc_core.audio import load_audio
    from mgc_core.datasets import GTZAN
    from mgc_core.datasets.clips import clip_table
    from mgc_core.evaluation.protocols import choose_protocol
    from mgc_core.models.frontend import SR as MODEL_SR
    from mgc_core.models.frontend import analyse, pool_segments
    from mgc_core.models.transfer import MUSICNN_PARTS, N_MUSICNN

    progress = progress or (lambda *a: None)
    dataset = GTZAN(gtzan)
    table = clip_table(dataset)
    if limit is not None:
        keep = np.unique(np.linspace(0, len(table) - 1, min(int(limit), len(table))).astype(int))
        table = type(table)(ids=tuple(table.ids[i] for i in keep), labels=table.labels[keep],
                            groups=tuple(table.groups[i] for i in keep),
                            paths=tuple(table.paths[i] for i in keep), excluded=table.excluded)
    models = {"fp32": load_model("transfer")}
    for name, contents in variants.items():
        models[name] = load_model("transfer")
        models[name].networks_ = _networks(contents)
    inputs: dict[str, list[np.ndarray]] = {name: [] for name in models}
    verdicts: dict[str, list[int]] = {name: [] for name in models}
    segments: dict[str, list[np.ndarray]] = {name: [] for name in models}
    for i, path in enumerate(table.paths):
        progress("clips", i, len(table))
        front = analyse(load_audio(path, sr=MODEL_SR).samples, sr=MODEL_SR)
        for name, model in models.items():
            x = model.inputs(front)  # the AudioSet part is computed once per clip
            p = np.asarray(model.predict_proba(x), dtype=np.float64)
            inputs[name].append(x)
            segments[name].append(p.argmax(axis=1))
            verdicts[name].append(int(pool_segments(p).argmax()))
    progress("clips", len(table), len(table))

    ref = np.concatenate(inputs["fp32"])[:, :N_MUSICNN]
    out: dict[str, Any] = {"n_clips": len(table), "n_segments": int(len(ref)), "variants": {}}
    bounds = np.cumsum([0] + [w for _, w in MUSICNN_PARTS])
    protocol = choose_protocol(dataset, fold_seeds=cv_seeds) if cv else None
    if cv:
        from mgc_core.evaluation.records import read_evaluation

        stored = read_evaluation("transfer")["seeds"]
        out["stored_fp32_balanced_accuracy"] = dict(zip(
            map(str, stored["fold_seeds"]), stored["balanced_accuracy"]["values"], strict=True))
        progress("cross-validation fp32", 0, 1)
        fp32_ba = _balanced_accuracy(table, inputs["fp32"], protocol)
        progress("cross-validation fp32", 1, 1)
        out["fp32_balanced_accuracy"] = {k: v for k, v in fp32_ba.items() if k != "_verdicts"}
        out["protocol"] = {"name": protocol["name"], "fold_seeds": list(cv_seeds)}
    for name in variants:
        got = np.concatenate(inputs[name])[:, :N_MUSICNN]
        diff = np.abs(got - ref)
        same = np.array(verdicts[name]) == np.array(verdicts["fp32"])
        entry: dict[str, Any] = {
            "verdict_agreement": float(same.mean()),
            "segment_agreement": float(np.mean(np.concatenate(segments[name])
                                               == np.concatenate(segments["fp32"]))),
            "disagreements": [t for t, s in zip(table.ids, same, strict=True) if not s],
            "embedding": {"max_abs_diff": float(diff.max()), "mean_abs_diff": float(diff.mean()),
                          "mean_abs_fp32": float(np.abs(ref).mean()),
                          "parts": {part: {"max_abs_diff": float(diff[:, a:b].max()),
                                           "mean_abs_diff": float(diff[:, a:b].mean()),
                                           "mean_abs_fp32": float(np.abs(ref[:, a:b]).mean())}
                                    for (part, _), a, b in zip(MUSICNN_PARTS, bounds[:-1],
                                                               bounds[1:], strict=True)}},
        }
        if cv and entry["verdict_agreement"] < MIN_AGREEMENT:
            entry["balanced_accuracy"] = None  # fails the bar already
        elif cv:
            progress(f"cross-validation {name}", 0, 1)
            ba = _balanced_accuracy(table, inputs[name], protocol)
            progress(f"cross-validation {name}", 1, 1)
            entry["balanced_accuracy"] = {k: v for k, v in ba.items() if k != "_verdicts"}
            entry["points_vs_fp32"] = 100 * (ba["mean"] - fp32_ba["mean"])
            entry["cv_verdict_agreement"] = float(np.mean(
                [np.mean(np.array(ba["_verdicts"][s]) == np.array(fp32_ba["_verdicts"][s]))
                 for s in ba["_verdicts"]]))
        out["variants"][name] = entry
    return out


def adoption(timing: Mapping[str, Any] | None, gtzan: Mapping[str, Any] | None
             ) -> dict[str, Any]:
    """Whether each variant meets the issue's bar, with the reasons.

    A variant is adopted when its verdicts agree with float32's on at least
    :data:`MIN_AGREEMENT` of the clips, its cross-validated balanced accuracy is at most
    :data:`MAX_POINTS_LOST` points below float32's, and it is faster than float32 (else
    there is nothing to gain). Unmeasured criteria leave the answer ``None``.
    """
    out = {}
    variants = (gtzan or {}).get("variants", {})
    for name in sorted(set(variants) | {k for k in (timing or {}) if k in VARIANTS}):
        reasons: list[str] = []
        checks: list[bool | None] = []  # agreement, accuracy, speed; None: not measured
        g = variants.get(name, {})
        if "verdict_agreement" in g:
            agree = g["verdict_agreement"]
            reasons.append(f"verdicts agree on {agree:.1%} of clips (bar {MIN_AGREEMENT:.0%})")
        checks.append(g["verdict_agreement"] >= MIN_AGREEMENT if g else None)
        if "points_vs_fp32" in g:
            reasons.append(f"balanced accuracy {g['points_vs_fp32']:+.2f} points "
                           f"(bar -{MAX_POINTS_LOST:g})")
        checks.append(g["points_vs_fp32"] >= -MAX_POINTS_LOST if "points_vs_fp32" in g
                      else None)
        ratios = [t["over_fp32"] for t in (timing or {}).get(name, {}).values()]
        if ratios:
            reasons.append("time " + " / ".join(f"{r:.2f}x" for r in ratios) + " of float32's")
        checks.append(max(ratios) < 1.0 if ratios else None)
        adopt = False if False in checks else None if None in checks else True
        out[name] = {"adopt": adopt, "reasons": reasons or ["not measured"]}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mgc_devtools.int8 [--gtzan DIR] [--out FILE] ...``: the whole measurement."""
    parser = argparse.ArgumentParser(prog="python -m mgc_devtools.int8",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--gtzan", default=None,
                        help="GTZAN folder (default: $MGC_GTZAN_DIR); without it, timing only")
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--limit", type=int, default=None,
                        help="only this many GTZAN clips, evenly spread (a quick look)")
    parser.add_argument("--no-cv", action="store_true",
                        help="skip the cross-validated balanced accuracy")
    parser.add_argument("--cv-seeds", nargs="+", type=int, default=[0],
                        help="fold seeds of the cross-validation (default: 0)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per measurement")
    parser.add_argument("--out", default=None, help="write the JSON report here (else stdout)")
    args = parser.parse_args(argv)
    gtzan = args.gtzan or os.environ.get("MGC_GTZAN_DIR")
    start = time.perf_counter()

    def say(stage: str, done: int, total: int) -> None:
        if done == total or done % 50 == 0:
            print(f"[{time.perf_counter() - start:7.0f} s] {stage} {done}/{total}",
                  file=sys.stderr, flush=True)

    calibration = calibration_patches(gtzan) if "full" in args.variants else None
    variants = {v: {w: quantize_musicnn(w, variant=v, calibration=calibration)
                    for w in NETWORKS} for v in args.variants}
    say("converted", 1, 1)
    report: dict[str, Any] = {"command": "python -m mgc_devtools.int8 " + " ".join(
        sys.argv[1:] if argv is None else argv)}
    from mgc_devtools.bench import machine_info

    report["machine"] = machine_info()
    report["calibration_patches"] = None if calibration is None else int(len(calibration))
    report["timing"] = time_variants(variants, repeats=args.repeats)
    say("timed", 1, 1)
    report["gtzan"] = (compare_on_gtzan(variants, gtzan=gtzan, limit=args.limit,
                                        cv=not args.no_cv, cv_seeds=args.cv_seeds,
                                        progress=say)
                       if gtzan else None)
    timing = {k: v for k, v in report["timing"].items() if k in VARIANTS}
    report["adoption"] = adoption(timing, report["gtzan"])
    report["seconds"] = time.perf_counter() - start
    text = json.dumps(report, indent=1)
    if args.out:
        Path(args.out).write_text(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
