"""Command-line interface: ``python -m mgc_core <command> ...``.

The only module of :mod:`mgc_core` that prints. Every :class:`~mgc_core.errors.MGCError`
is printed as ``error: <message>`` and ends the command with exit status 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mgc_core.errors import AssetError, MGCError, ParameterError
from mgc_core.models.registry import ENSEMBLE, RESULT_NAMES

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.evaluation.records import Evaluation

__all__ = ["main"]


def _cmd_warmup(args: argparse.Namespace) -> int:
    """Fill numba's on-disk cache so the app's first analysis is fast."""
    from mgc_core import features

    start = time.perf_counter()
    features.warm_up()
    print(f"warm-up done in {time.perf_counter() - start:.1f} s (numba cache filled)")
    return 0


def _cmd_convert_musicnn(args: argparse.Namespace) -> int:
    """Convert musicnn's TF1 checkpoints into our own ``.keras`` files."""
    from mgc_core import assets
    from mgc_core.models import musicnn, musicnn_lite

    out_dir = Path(args.out) if args.out is not None else assets.ASSETS_DIR / "models"
    out_dir.mkdir(parents=True, exist_ok=True)
    bundled = out_dir.resolve() == (assets.ASSETS_DIR / "models").resolve()
    for which, filename in musicnn.CHECKPOINTS.items():
        keras_path = out_dir / filename
        if not args.tflite_only:
            keras_path = musicnn.convert_musicnn(which, keras_path)
            print(f"{which} -> {keras_path} ({keras_path.stat().st_size / 1e6:.1f} MB)")
        elif bundled:
            assets.verify(keras_path)  # convert only what the manifest vouches for
        lite = musicnn_lite.convert_to_tflite(keras_path, out_dir / musicnn_lite.LITE_FILES[which])
        print(f"{which} -> {lite} ({lite.stat().st_size / 1e6:.1f} MB, LiteRT)")
        if bundled:
            assets.record([lite], command="python -m mgc_core convert-musicnn --tflite-only",
                          data=f"assets/models/{filename} converted with TensorFlow's LiteRT "
                               "converter (float32, no quantisation)")
    return 0


def _cmd_convert_models(args: argparse.Namespace) -> int:
    """Rebuild the files the app serves (.tflite, .npz) from the bundled trained models."""
    from mgc_core.training.jobs import convert_trained

    for name, path in convert_trained(args.models).items():
        kind = "LiteRT" if path.suffix == ".tflite" else "arrays"
        print(f"{name} -> {path} ({path.stat().st_size / 1e6:.2f} MB, {kind})")
    return 0


def _cmd_convert_efficientat(args: argparse.Namespace) -> int:
    """Convert the shared EfficientAT mn04 weights into the LiteRT network mgc serves."""
    import tempfile

    from mgc_core import assets
    from mgc_core.models.efficientat import convert_mn04

    out_dir = Path(args.out) if args.out is not None else assets.ASSETS_DIR / "models"
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mgc_mn04_") as tmp:
        made = convert_mn04(args.weights, tmp)
        kept = []
        for key in ("tflite", "license", "labels"):  # the .keras is only a step on the way
            target = out_dir / made[key].name
            target.write_bytes(made[key].read_bytes())
            kept.append(target)
            print(f"{key:<8} -> {target} ({target.stat().st_size / 1e6:.2f} MB)")
    if out_dir.resolve() == (assets.ASSETS_DIR / "models").resolve():
        assets.record(kept, command="python -m mgc_core convert-efficientat",
                      data="EfficientAT mn04_as (AudioSet, MIT licence): "
                           "shared/models/efficientat_mn04/weights.npz, converted with "
                           "TensorFlow's LiteRT converter (float32, no quantisation)")
    return 0


#: Where the EfficientAT weights live beside a checkout (the repo's sibling ``shared/``).
_SHARED_MN04 = Path(__file__).resolve().parents[2] / "shared" / "models" / "efficientat_mn04"


class _ProgressBar:
    """A one-line text progress bar on stderr, redrawn in place: ``stage [#####.....] 5/10``."""

    def __init__(self, stream=None, width: int = 30) -> None:  # noqa: ANN001
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.stage: str | None = None
        self.started = time.perf_counter()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            if self.stage is not None:
                self.stream.write("\n")
            self.stage, self.started = stage, time.perf_counter()
        filled = int(self.width * done / total) if total else self.width
        elapsed = time.perf_counter() - self.started
        self.stream.write(
            f"\r{stage:<22} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} "
            f"{elapsed:6.1f} s"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.stage is not None:
            self.stream.write("\n")
            self.stream.flush()
            self.stage = None


def _print_timings(timings: dict[str, float], total: float) -> None:
    print("timings:")
    for stage, seconds in timings.items():
        print(f"  {stage:<36} {seconds:8.1f} s")
    print(f"  {'total':<36} {total:8.1f} s")


def _command_line(name: str, args: argparse.Namespace, *, defaults: dict[str, object]) -> str:
    """The command recorded in the manifest: the GTZAN path written as DIR."""
    parts = ["python -m mgc_core", name, "--gtzan DIR"]
    for key, default in defaults.items():
        value = getattr(args, key, None)
        if value is None or value == default:
            continue
        flag = "--" + key.replace("_", "-")
        if value is True:
            parts.append(flag)
        elif isinstance(value, (list, tuple)):
            parts.append(f"{flag} {' '.join(map(str, value))}")
        else:
            parts.append(f"{flag} {value}")
    return " ".join(parts)


def _cmd_train(args: argparse.Namespace) -> int:
    """Fit every model on all usable GTZAN clips and bundle them."""
    from mgc_core.datasets import GTZAN
    from mgc_core.training.jobs import train_all

    start = time.perf_counter()
    dataset = GTZAN(args.gtzan)
    bar = _ProgressBar()
    try:
        report = train_all(
            dataset, models=args.models, cache_dir=args.cache, assets_dir=args.out,
            command=_command_line("train", args, defaults={"out": None, "models": None}),
            progress=bar,
        )
    finally:
        bar.close()
    data = report.data
    print(f"trained on {data['n_clips']} clips ({data['excluded']} excluded as faulty; "
          f"{data['n_groups']} artist groups)")
    for name, path in report.paths.items():
        print(f"  {name:<9} -> {path} ({path.stat().st_size / 1e6:.2f} MB)")
    _print_timings(report.timings, time.perf_counter() - start)
    return 0


def _print_evaluation_table(records: Mapping[str, Evaluation], *, markdown: bool = False
                            ) -> None:
    """Print the headline figures of stored evaluations (as written to assets/evaluation).

    With ``markdown=True`` the table is a Markdown table (the README's is made this way).
    """
    first = next(iter(records.values()))
    protocol, data = first.protocol, first.data
    print(f"protocol: {protocol['name']} ({protocol['n_splits']} folds, fold seeds "
          f"{', '.join(map(str, protocol['fold_seeds']))}; groups: {protocol['groups']})")
    print(f"data: {data['n_clips']} clips, {data['excluded']} excluded as faulty")
    print()
    header = ("model", "balanced acc.", "95% CI", "seeds mean ± std", "accuracy", "macro-F1")
    rows = []
    for name, rec in records.items():
        ba, spread = rec.balanced_accuracy, rec.seeds["balanced_accuracy"]
        rows.append((
            name, f"{ba.value:.3f}", f"[{ba.low:.3f}, {ba.high:.3f}]",
            (f"{spread.mean:.3f} ± {spread.std:.3f}" if len(spread.values) > 1
             else "one seed"),
            f"{rec.scores['accuracy'].value:.3f}", f"{rec.scores['macro_f1'].value:.3f}",
        ))
    _print_table(header, rows, markdown=markdown, widths=(10, 13, 15, 18, 9, 9))
    weights = records[ENSEMBLE].weights if ENSEMBLE in records else None
    if weights:
        print()
        print("ensemble weights the app uses (chosen on every clip's out-of-fold "
              "predictions): " + ", ".join(f"{m} {w:.0%}" for m, w in weights.items()))
    leaky = records["knn"].leaky if "knn" in records else None
    if leaky:
        print()
        print("knn, leaky random split of segments vs artist-grouped split (balanced accuracy):")
        print(f"  segments: leaky {leaky['segment_level']['balanced_accuracy']:.3f}, honest "
              f"{leaky['honest_segment_level']['balanced_accuracy']:.3f}; clips: leaky "
              f"{leaky['clip_level']['balanced_accuracy']:.3f}, honest "
              f"{leaky['honest_clip_level']['balanced_accuracy']:.3f}")


def _cmd_report(args: argparse.Namespace) -> int:
    """Print the stored evaluations (assets/evaluation/*.json) as a table."""
    from mgc_core.evaluation import load_evaluation

    records = {name: load_evaluation(name, assets_dir=args.assets) for name in RESULT_NAMES}
    _print_evaluation_table(records, markdown=args.markdown)
    if args.per_genre:
        print()
        _print_recalls(records, markdown=args.markdown)
    if args.calibration:
        print()
        _print_calibration(records, markdown=args.markdown)
    return 0


def _print_calibration(records: Mapping[str, Evaluation], *, markdown: bool = False) -> None:
    """How far each model's confidence is from how often it is right (first seed)."""
    from mgc_core.analysis.verdict import UNSURE_BELOW
    from mgc_core.evaluation.calibration import calibration_of

    header = ("model", "calibration error", "mean confidence", "accuracy",
              "answers >= 80% sure", "right when >= 80% sure",
              f"clips below {UNSURE_BELOW:.0%}")
    rows = []
    for name, rec in records.items():
        r = calibration_of(rec)
        unsure = sum(max(c.probabilities.values()) < UNSURE_BELOW for c in rec.clips)
        rows.append((name, f"{r.ece:.3f}", f"{r.mean_confidence:.3f}",
                     f"{r.overall_accuracy:.3f}", str(r.n_sure), f"{r.sure_accuracy:.3f}",
                     str(unsure)))
    _print_table(header, rows, markdown=markdown, sep="  ")


def _print_recalls(records: Mapping[str, Evaluation], *, markdown: bool = False) -> None:
    """Each model's recall of each genre (share of the genre's clips it named), first seed."""
    from mgc_core.genres import GENRES

    header = ("genre", "clips", *records)
    first = next(iter(records.values()))
    rows = [(g, str(int(first.per_genre[g]["support"])),
             *(f"{rec.per_genre[g]['recall']:.2f}" for rec in records.values()))
            for g in GENRES]
    _print_table(header, rows, markdown=markdown, widths=(10, *[9] * (len(header) - 1)))


def _print_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, markdown: bool,
                 widths: Sequence[int] | None = None, sep: str = " ") -> None:
    """Print ``rows`` under ``header``: a Markdown table, or columns of ``widths``
    (the widest cell of each column by default), the first left-aligned."""
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(row) + " |")
        return
    widths = widths or [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print(sep.join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}"
                       for i, (c, w) in enumerate(zip(row, widths, strict=True))))


def _cmd_evaluate(args: argparse.Namespace) -> int:
    """Cross-validate the models and write assets/evaluation/*.json."""
    from mgc_core.datasets import GTZAN
    from mgc_core.evaluation.protocols import FOLD_SEEDS
    from mgc_core.evaluation.records import Evaluation
    from mgc_core.training.jobs import evaluate_all

    start = time.perf_counter()
    dataset = GTZAN(args.gtzan)
    bar = _ProgressBar()
    try:
        report = evaluate_all(
            dataset, models=args.models, fold_seeds=args.seeds, cache_dir=args.cache,
            assets_dir=args.out, ensemble_every_seed=args.ensemble_every_seed,
            reuse_fits=not args.refit,
            command=_command_line("evaluate", args, defaults={
                "out": None, "models": None, "seeds": list(FOLD_SEEDS),
                "ensemble_every_seed": False}),
            progress=bar,
        )
    finally:
        bar.close()
    _print_evaluation_table({name: Evaluation.from_record(r)
                             for name, r in report.records.items()})
    print()
    for path in report.paths.values():
        print(f"wrote {path}")
    if report.fits_reused:
        print(f"{report.fits_reused} of {report.fits_reused + report.fits_made} fits were read "
              "from the fit cache (same code, libraries, data and split); --refit fits all")
    _print_timings(report.timings, time.perf_counter() - start)
    return 0


def _cmd_classify(args: argparse.Namespace) -> int:
    """Classify audio files with the bundled models (loaded once for all the files).

    With ``--out`` (or ``--undo-tags``): a library run into a results file (mgc_core.batch).
    """
    import json

    if args.out is not None or args.undo_tags is not None:
        return _classify_library(args)
    if not args.files or args.recursive or args.write_tags or args.engine != "local":
        raise ParameterError("give audio files, or add --out results.csv|.jsonl for "
                             "folders, --recursive, --write-tags and --engine ray.")

    from mgc_core.analysis.classify import classify, load_models
    from mgc_core.analysis.rows import to_json_dict
    from mgc_core.audio import load_audio
    from mgc_core.models.frontend import SR

    models = load_models(args.models)  # a missing or altered model stops the run at once
    failed = False
    results = []
    for file in args.files:
        try:
            result = classify(load_audio(file, sr=SR), loaded=models)
        except AssetError:
            raise  # e.g. the ensemble's weights: they fail every file, stop at once
        except MGCError as err:
            print(f"error: {file}: {err}", file=sys.stderr)
            failed = True
            continue
        if args.json:
            results.append(to_json_dict(result, file=str(file)))
        else:
            _print_result(result, file=str(file))
    if args.json:
        print(json.dumps(results, indent=1))
    return 2 if failed else 0


def _classify_library(args: argparse.Namespace) -> int:
    """``classify PATH... --out FILE``: every audio file into a resumable results file."""
    from mgc_core.batch import report
    from mgc_core.batch.engine import run_batch

    if args.undo_tags is not None:
        from mgc_core.batch.tags import undo_tags

        outcomes = undo_tags(args.undo_tags, dry_run=args.dry_run)
        print("\n".join(report.undo_lines(outcomes)))
        return 2 if any(o.status == "error" for o in outcomes) else 0
    if not args.files:
        raise ParameterError("give the files or folders to classify (PATH...).")
    meter, failures, tty = report.RateMeter(), [], sys.stderr.isatty()
    shown = [0.0]

    def progress(p) -> None:  # noqa: ANN001 - mgc_core.batch.engine.Progress
        if p.row is not None and p.row["error"]:
            failures.append((p.file, p.row["error"]))
        if args.dry_run and p.tag.startswith("would"):
            print(report.printable(f"{p.file}: {p.tag}"))
        if p.done == p.total or time.monotonic() - shown[0] > (0.2 if tty else 10.0):
            shown[0] = time.monotonic()
            sys.stderr.write(("\r" if tty else "") + meter.line(p) + ("" if tty else "\n"))
            sys.stderr.flush()

    try:
        summary = run_batch(args.files, out=args.out, recursive=args.recursive,
                            models=args.models, engine=args.engine, address=args.address,
                            workers=args.workers, inflight=args.inflight,
                            write_tags=args.write_tags,
                            dry_run=args.dry_run, progress=progress)
    except KeyboardInterrupt:
        sys.stderr.write(f"\ninterrupted: the rows so far are in {args.out}; run the same "
                         "command again to go on where it stopped.\n")
        return 130
    finally:
        if tty and shown[0]:
            sys.stderr.write("\n")
    print("\n".join(report.summary_lines(summary, failures=failures)))
    return summary.exit_status


def _print_result(result, *, file: str) -> None:  # noqa: ANN001 - classify.Result
    """Each model's and the ensemble's three most probable genres (and the model's time)."""
    from mgc_core.analysis.rows import top_rows

    print(f"{file} ({result.duration_s:.1f} s, {len(result.segment_times)} segments)")
    if result.content is not None and not result.content.is_music:
        print(f"  {result.content.statement}")
    for row in top_rows(result, k=3):
        tops = ", ".join(f"{g} {p:.2f}" for g, p in row["top"])
        took = "" if row["seconds"] is None else f"   ({row['seconds']:.2f} s)"
        print(f"  {row['model']:<9} {tops}{took}")
    if result.audioset_genres:
        print("  AudioSet hears: " + ", ".join(f"{n} {p:.2f}" for n, p in result.audioset_genres))


def _cmd_map(args: argparse.Namespace) -> int:
    """Compute the 2-D maps of the usable GTZAN clips and their stored vectors (assets/maps)."""
    from mgc_core.datasets import GTZAN
    from mgc_core.datasets.clips import clip_table
    from mgc_core.explore import lab, similar
    from mgc_core.explore import maps as datamap
    from mgc_core.training.inputs import extract_inputs

    start = time.perf_counter()
    dataset = GTZAN(args.gtzan)
    table = clip_table(dataset)
    models = [spec["model"] for spec in datamap.SOURCES.values()]
    bar = _ProgressBar()
    try:  # the cached inputs: the networks only run for clips missing from the cache
        inputs = extract_inputs(table, models=models, cache_dir=args.cache,
                                         progress=bar)
    finally:
        bar.close()
    extracted = time.perf_counter()
    record = datamap.build_map(table, inputs, artists=dataset.artist_index(), seed=args.seed)
    arrays = {similar.CLIPS_FILE: similar.build_clip_store(table, inputs, record),
              lab.SEGMENTS_FILE: lab.build_segment_store(table, inputs, seed=args.seed)}
    path = datamap.write_map(
        record, assets_dir=args.out, arrays=arrays,
        command=_command_line("map", args, defaults={"out": None, "seed": 0}),
    )
    print(f"mapped {len(table)} clips ({table.excluded} excluded as faulty)")
    for name, info in record["maps"].items():
        detail = ("explained variance " + " + ".join(f"{v:.1%}" for v in info["explained_variance"])
                  if "explained_variance" in info else f"perplexity {info['perplexity']:g}")
        print(f"  {name:<16} {detail}")
    for written in (path, *(path.parent.parent / name for name in arrays)):
        print(f"wrote {written} ({written.stat().st_size / 1e3:.0f} kB)")
    _print_timings({"inputs (cached)": extracted - start,
                    "projections": time.perf_counter() - extracted},
                   time.perf_counter() - start)
    return 0


def _cmd_similar(args: argparse.Namespace) -> int:
    """The nearest GTZAN clips of each file in each model's feature space."""
    import json

    from mgc_core.analysis.classify import load_models
    from mgc_core.audio import load_audio
    from mgc_core.explore import similar as sim
    from mgc_core.models.frontend import SR

    store, models = sim.read_clip_store(), load_models(["transfer"])  # once, for every file
    if not 1 <= args.k <= len(store):
        raise ParameterError(f"--k must be from 1 to {len(store)}; got {args.k}.")
    found, failed = [], False
    for file in args.files:
        try:
            result = sim.similar(load_audio(file, sr=SR), k=args.k, loaded=models, store=store)
        except AssetError:
            raise  # a missing or altered network fails every file: stop at once
        except MGCError as err:
            print(f"error: {file}: {err}", file=sys.stderr)
            failed = True
            continue
        found.append(result.to_json_dict(file=str(file)))
        if not args.json:
            print("\n".join(sim.report_lines(result, file=str(file))))
    if args.json:
        print(json.dumps(found, indent=1))
    return 2 if failed else 0


def _cmd_bench(args: argparse.Namespace) -> int:
    """Time decoding, features, each model, classify, a cold start and peak memory."""
    import json

    from mgc_devtools.bench import run_benchmarks

    if args.profile:
        return _cmd_bench_profile(args)
    if args.runtimes:
        return _cmd_bench_runtimes(args)
    repeats = args.repeats if args.repeats is not None else (2 if args.quick else 5)
    bar = _ProgressBar()
    try:
        report = run_benchmarks(repeats=repeats, quick=args.quick, progress=bar)
        if args.batch:
            from mgc_devtools.batch_bench import run_batch_bench

            report["batch"] = run_batch_bench(quick=args.quick, progress=bar)
    finally:
        bar.close()
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    from mgc_devtools.report import print_bench

    print_bench(report)
    return 0


def _cmd_bench_profile(args: argparse.Namespace) -> int:
    """Print where classify spends its time (pyinstrument)."""
    from mgc_devtools.bench import LONG_S, SHORT_S, profile_classify

    seconds = LONG_S if args.profile == "5min" else SHORT_S
    print(profile_classify(seconds=seconds, repeats=args.repeats or 3))
    return 0


def _cmd_bench_runtimes(args: argparse.Namespace) -> int:
    """Compare musicnn's runtimes (TensorFlow, ONNX Runtime, LiteRT)."""
    import json

    from mgc_devtools.runtimes import compare_runtimes

    report = compare_runtimes(repeats=args.repeats or 5)
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    from mgc_devtools.report import print_runtimes

    print_runtimes(report)
    return 0


def _cmd_soak(args: argparse.Namespace) -> int:
    """Run many analyses in this process and check the memory does not grow (a leak check)."""
    import json

    from mgc_devtools.soak import run_soak

    bar = _ProgressBar()
    try:
        report = run_soak(args.n, seed=args.seed, min_seconds=args.min_seconds,
                          max_seconds=args.max_seconds, progress=bar)
    finally:
        bar.close()
    if args.json:
        print(json.dumps(report.to_dict(), indent=1))
        return 0 if report.passed else 1
    from mgc_devtools.report import print_soak

    print_soak(report)
    return 0 if report.passed else 1


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mgc_core",
        description="mgc: music-genre classification library and tools.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("warmup", help="compile librosa's numba kernels into the on-disk cache")
    p.set_defaults(func=_cmd_warmup)

    p = sub.add_parser(
        "convert-musicnn",
        help="convert the musicnn wheel's TF1 checkpoints into .keras files",
        description="Needs the musicnn wheel: pip install --no-deps musicnn==0.1.0",
    )
    p.add_argument("--out", default=None, help="output folder (default: assets/models)")
    p.add_argument("--tflite-only", action="store_true",
                   help="only convert the bundled .keras networks to .tflite (LiteRT, what "
                        "the app runs); needs no musicnn wheel")
    p.set_defaults(func=_cmd_convert_musicnn)

    p = sub.add_parser(
        "convert-models",
        help="rebuild the files the app serves from the bundled trained models: CNN and "
             "LSTM (.keras -> .tflite), KNN and transfer head (.skops -> .npz)",
        description="train writes both; this rebuilds the served files without training.",
    )
    p.add_argument("--models", nargs="+", default=None,
                   choices=("knn", "cnn", "lstm", "transfer"),
                   help="models to convert (default: all four)")
    p.set_defaults(func=_cmd_convert_models)

    p = sub.add_parser(
        "convert-efficientat",
        help="build the AudioSet network (EfficientAT mn04, LiteRT) from its shared weights",
        description="Writes efficientat_mn04.tflite, its class list and its licence notice.",
    )
    p.add_argument("--weights", default=str(_SHARED_MN04 / "weights.npz"),
                   help="the weights.npz of shared/models/efficientat_mn04 (default: %(default)s)")
    p.add_argument("--out", default=None, help="output folder (default: assets/models)")
    p.set_defaults(func=_cmd_convert_efficientat)

    from mgc_core.models import MODEL_NAMES

    models_help = f"models to use (default: all of {' '.join(MODEL_NAMES)})"
    p = sub.add_parser(
        "train",
        help="fit the models on all usable GTZAN clips and bundle them in assets/models",
    )
    p.add_argument("--gtzan", default=None,
                   help="the GTZAN folder (default: $MGC_GTZAN_DIR)")
    p.add_argument("--out", default=None,
                   help="assets folder (default: the assets/ folder of the repository)")
    p.add_argument("--models", nargs="+", choices=MODEL_NAMES, default=None, help=models_help)
    p.add_argument("--cache", default=None,
                   help="cache of per-clip model inputs (default: .mgc_cache/ in the repo)")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser(
        "evaluate",
        help="cross-validate the models by artist and write assets/evaluation/*.json",
    )
    p.add_argument("--gtzan", default=None,
                   help="the GTZAN folder (default: $MGC_GTZAN_DIR)")
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2],
                   help="fold seeds of the repeated cross-validation (default: 0 1 2)")
    p.add_argument("--models", nargs="+", choices=RESULT_NAMES, default=None,
                   help=models_help + "; 'ensemble' alone rebuilds the ensemble (nested "
                   "weights) from the stored evaluations of the models")
    p.add_argument("--ensemble-every-seed", action="store_true",
                   help="score the ensemble's nested weights on every fold seed, not only the "
                        "first (refits every model 10 times more per seed: about 40 min each "
                        "on 2 cores); with --models ensemble, the stored members are "
                        "cross-validated again on the later seeds only")
    p.add_argument("--refit", action="store_true",
                   help="fit every model again instead of reading the predictions of fits "
                        "made before with the same code, libraries, data and split")
    p.add_argument("--out", default=None,
                   help="assets folder (default: the assets/ folder of the repository)")
    p.add_argument("--cache", default=None,
                   help="cache of per-clip model inputs and of the fits' predictions "
                        "(default: .mgc_cache/ in the repo)")
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser(
        "report", help="print the stored evaluations (assets/evaluation/*.json) as a table"
    )
    p.add_argument("--assets", default=None,
                   help="assets folder (default: the assets/ folder of the repository)")
    p.add_argument("--markdown", action="store_true", help="print a Markdown table")
    p.add_argument("--per-genre", action="store_true",
                   help="also print each model's recall of each genre")
    p.add_argument("--calibration", action="store_true",
                   help="also print how far each model's confidence is from how often it is "
                        "right")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser(
        "classify", help="classify audio files, or a whole library into a results file",
        description="Without --out: print each file's verdicts. With --out: one row per "
                    "audio file found into a CSV or JSONL file, resumed when run again "
                    "(exit 0 when every file was classified, 2 when some failed).")
    p.add_argument("files", nargs="*", metavar="PATH", help="audio files (and, with --out, "
                   "folders)")
    p.add_argument("--json", action="store_true",
                   help="print a JSON array, one object per file")
    p.add_argument("--models", nargs="+", choices=MODEL_NAMES, default=None, help=models_help)
    p.add_argument("--out", default=None, metavar="FILE",
                   help="results file, .csv or .jsonl: appended a row at a time; a second "
                        "run with the same --out skips the files already done")
    p.add_argument("--recursive", "-r", action="store_true", help="walk subfolders")
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="local: decode worker threads and the models in this process "
                        "(default); ray: Ray Data (pip install '.[ray]')")
    p.add_argument("--address", default=None,
                   help="the Ray cluster to use, e.g. HEAD:6379 (default: a local Ray)")
    p.add_argument("--workers", type=int, default=None,
                   help="decode threads (local; default: cores, at most 4) or classifier "
                        "actors (ray; default: one per 2 CPUs)")
    p.add_argument("--inflight", type=int, default=None,
                   help="files classified at once by the local engine, their network calls "
                        "batched together (default: cores, at least 2)")
    p.add_argument("--write-tags", action="store_true",
                   help="write each verdict into the file's genre tag (MP3, FLAC, Ogg, "
                        "MP4), logged in FILE.tags.jsonl")
    p.add_argument("--dry-run", action="store_true",
                   help="with --write-tags or --undo-tags: only show what would change")
    p.add_argument("--undo-tags", default=None, metavar="LOG",
                   help="put back the genre tags a tag log (FILE.tags.jsonl) replaced")
    p.set_defaults(func=_cmd_classify)

    p = sub.add_parser(
        "map",
        help="2-D maps (PCA, t-SNE) of the GTZAN clips' features and embeddings, "
             "bundled in assets/maps",
    )
    p.add_argument("--gtzan", default=None,
                   help="the GTZAN folder (default: $MGC_GTZAN_DIR)")
    p.add_argument("--out", default=None,
                   help="assets folder (default: the assets/ folder of the repository)")
    p.add_argument("--cache", default=None,
                   help="cache of per-clip model inputs (default: .mgc_cache/ in the repo)")
    p.add_argument("--seed", type=int, default=0,
                   help="random_state of the projections (default: 0)")
    p.set_defaults(func=_cmd_map)

    p = sub.add_parser("similar", help="the nearest GTZAN clips of audio files, by model")
    p.add_argument("files", nargs="+", metavar="FILE", help="audio files")
    p.add_argument("--k", type=int, default=5, help="neighbours per space (default: 5)")
    p.add_argument("--json", action="store_true", help="print a JSON array, one object per file")
    p.set_defaults(func=_cmd_similar)

    p = sub.add_parser(
        "bench",
        help="time decoding, features, each model and classify; cold start and peak memory",
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--repeats", type=int, default=None,
                   help="timed runs per measurement after one warm-up (default: 5; 2 with --quick)")
    p.add_argument("--quick", action="store_true",
                   help="a 60-s long clip instead of 5 minutes, and 2 runs (for tests)")
    p.add_argument("--profile", choices=("30s", "5min"), default=None,
                   help="instead: profile classify on that clip with pyinstrument")
    p.add_argument("--runtimes", action="store_true",
                   help="instead: compare TensorFlow, ONNX Runtime and LiteRT on musicnn")
    p.add_argument("--batch", action="store_true",
                   help="also time library runs (100 clips of 30 s, 20 songs of 5 min; about "
                        "30 min) with the batch engine against a plain loop")
    p.set_defaults(func=_cmd_bench)

    from mgc_devtools import soak

    p = sub.add_parser(
        "soak",
        help="leak check: many analyses in one process; RSS growth after the "
             f"{soak.BASELINE_AFTER}th within {soak.BOUND_MB:g} MB (exit 1 if not)",
    )
    p.add_argument("--n", type=int, default=200, help="analyses to run (default: 200)")
    p.add_argument("--seed", type=int, default=0, help="seed of the clip lengths (default: 0)")
    p.add_argument("--min-seconds", type=float, default=soak.MIN_SECONDS,
                   help=f"shortest clip (default: {soak.MIN_SECONDS:g})")
    p.add_argument("--max-seconds", type=float, default=soak.MAX_SECONDS,
                   help=f"longest clip (default: {soak.MAX_SECONDS:g})")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(func=_cmd_soak)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 2 on an mgc error)."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except MGCError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
