"""Classify a whole library: discover, decode in a pool, classify, tag, append, resume.

:func:`run_batch` is the job behind ``python -m mgc_core classify PATH... --out FILE``:

1. :func:`~mgc_core.batch.discover.discover` lists the audio files (and accounts for the
   rest);
2. the results file is opened (:class:`~mgc_core.batch.output.ResultsFile`): locked,
   repaired, read. A file already there with the same content (sha256) and the same models
   (:func:`models_sha256`) is *done* and skipped; so is a file whose only change since is a
   tag mgc wrote (the tag log links its hash before and after);
3. an engine turns the other files into rows, in the order found: the local engine
   (:func:`local_outcomes`) decodes in a pool of worker threads (:func:`prepare`: hash,
   check, ``load_audio``) a few files ahead while the models, loaded once, classify the
   files already decoded; the Ray engine (:mod:`mgc_core.batch.ray_engine`) does the same on
   a Ray cluster;
4. with ``write_tags`` the verdict goes into each file's genre tag
   (:mod:`mgc_core.batch.tags`), also for files done by an earlier run;
5. each row is appended and flushed at once; a bad file is an error row and the run goes
   on. Only a broken model (:class:`~mgc_core.errors.AssetError`) stops it, since it would
   fail every file.

Nothing here prints: progress goes to a callback, the rest is in the returned
:class:`Summary`.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mgc_core.audio import DEFAULT_MAX_SECONDS
from mgc_core.batch.discover import discover
from mgc_core.batch.output import ResultsFile
from mgc_core.batch.rows import error_row
from mgc_core.batch.tags import TagError, TagLog, log_entries, write_genre
from mgc_core.batch.work import Outcome, Prepared, classify_prepared, models_sha256, prepare
from mgc_core.errors import ParameterError
from mgc_core.models import registry

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.models.base import GenreModel

__all__ = [
    "ENGINES", "Prepared", "Outcome", "Progress", "Summary", "models_sha256", "prepare",
    "classify_prepared", "local_outcomes", "run_batch", "tag_log_path", "done_keys",
]

#: The engines :func:`run_batch` knows.
ENGINES = ("local", "ray")
#: Decoded files waiting for the models, beyond one per worker (bounds memory).
PREFETCH = 2


def local_outcomes(files: Iterable[str | os.PathLike], *,
                   models: Mapping[str, GenreModel] | Callable[[], Mapping[str, GenreModel]],
                   models_key: str, done: Mapping[tuple[str, str], Any] | frozenset = (),
                   workers: int = 2, inflight: int | None = None,
                   max_seconds: float = DEFAULT_MAX_SECONDS) -> Iterator[Outcome]:
    """Rows of ``files`` in their order: decoded by a pool, classified a few at a time.

    Two thread pools form a pipeline. ``workers`` threads decode (hash, read, decode,
    resample: :func:`prepare`) ahead of the models; ``inflight`` threads (default: one per
    core, at least 2) each classify one decoded file at a time with the shared ``models``.
    Their network calls meet in the process's inference service, which runs the calls of
    several files waiting together as one batch, while a file's own analysis runs beside
    the networks of another. At most ``inflight + workers +`` :data:`PREFETCH` files are
    in memory; the rows come out in the order of ``files``.

    ``models`` is the loaded models, or a function that loads them, called when the first
    file needs them (a run whose files are all done loads nothing).
    """
    if workers < 1:
        raise ParameterError(f"workers must be at least 1; got {workers}.")
    n_inflight = inflight if inflight is not None else max(2, os.cpu_count() or 1)
    if n_inflight < 1:
        raise ParameterError(f"inflight must be at least 1; got {inflight}.")
    lock = threading.Lock()
    state: dict[str, Any] = {"models": None if callable(models) else models}

    def loaded() -> Mapping[str, GenreModel]:
        with lock:
            if state["models"] is None:
                state["models"] = models()
            return state["models"]

    def classify_when_decoded(decoding: Future) -> Outcome:
        p: Prepared = decoding.result()
        if p.done:
            return Outcome(p.file, p.sha256, None)
        chosen = loaded() if p.audio is not None else {}
        return Outcome(p.file, p.sha256, classify_prepared(p, chosen, models_key=models_key))

    decode = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mgc-decode")
    infer = ThreadPoolExecutor(max_workers=n_inflight, thread_name_prefix="mgc-classify")
    pending: deque[Future] = deque()
    queue = iter(files)
    try:
        while True:
            while len(pending) < n_inflight + workers + PREFETCH:
                path = next(queue, None)
                if path is None:
                    break
                decoding = decode.submit(prepare, path, done=done, max_seconds=max_seconds)
                pending.append(infer.submit(classify_when_decoded, decoding))
            if not pending:
                return
            yield pending.popleft().result()
    finally:
        infer.shutdown(wait=True, cancel_futures=True)
        decode.shutdown(wait=True, cancel_futures=True)


# --------------------------------------------------------------------------- the job


def tag_log_path(out: str | os.PathLike) -> Path:
    """The tag log beside a results file: ``results.csv`` -> ``results.csv.tags.jsonl``."""
    out = Path(out)
    return out.with_name(out.name + ".tags.jsonl")


def done_keys(rows: Iterable[Mapping[str, Any]], *, models_key: str,
              tag_log: str | os.PathLike | None = None) -> dict[tuple[str, str], dict]:
    """``(real path, sha256) -> row`` of the files done with these models.

    A file whose hash changed only because mgc wrote its tag since (the tag log's
    ``sha256_before`` -> ``sha256_after``) is still done, under its new hash too.
    """
    done = {(os.path.realpath(r["file"]), r["sha256"]): dict(r) for r in rows
            if r.get("sha256") and r.get("models_sha256") == models_key}
    if tag_log is not None and Path(tag_log).exists():
        for entry in log_entries(tag_log):
            before = (entry["file"], entry.get("sha256_before"))
            if before in done and entry.get("sha256_after"):
                done[(entry["file"], entry["sha256_after"])] = done[before]
    return done


@dataclass(frozen=True)
class Progress:
    """Where a run is: ``done`` of ``total`` files (``classified`` of them by the models
    in this run, ``failed`` with an error row), the last ``file`` and its ``row`` (None when
    it was done already), and ``tag`` (what ``write_tags`` did to it, if anything)."""

    done: int
    total: int
    classified: int
    failed: int
    file: str
    row: dict[str, Any] | None = None
    tag: str = ""


@dataclass
class Summary:
    """What a run did (the CLI prints it).

    ``found`` audio files; ``classified`` in this run, ``failed`` (error rows written),
    ``already_done`` (skipped, in the results already), ``already_failed`` (of those, with
    an error row); ``skipped`` other entries by
    reason; ``notes`` (folders unreadable or reached twice); ``genres`` (verdicts of this
    run, ``"(not music)"`` for files the gate turned away); ``tags`` (what ``write_tags``
    did, by outcome) and ``tag_errors`` ((file, reason) for files done earlier, which get
    no new row); ``repaired_bytes`` and ``retried`` (results file repairs); ``seconds``.
    """

    out: str = ""
    engine: str = "local"
    found: int = 0
    classified: int = 0
    failed: int = 0
    already_done: int = 0
    already_failed: int = 0
    skipped: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    genres: Counter = field(default_factory=Counter)
    tags: Counter = field(default_factory=Counter)
    tag_errors: list[tuple[str, str]] = field(default_factory=list)
    tag_log: str | None = None
    repaired_bytes: int = 0
    retried: int = 0
    seconds: float = 0.0

    @property
    def exit_status(self) -> int:
        """0 when every file has its verdict (and tag, if asked), else 2: a file failed in
        this run, or in the earlier run whose row it keeps."""
        return 2 if self.failed or self.already_failed or self.tag_errors else 0

    @property
    def files_per_minute(self) -> float:
        """Files classified in this run per minute of the run."""
        return 60.0 * self.classified / self.seconds if self.seconds > 0 else 0.0


_TAG_OUTCOMES = {"would": "would write", "written": "written", "not": "not music"}


def _tag(row: dict[str, Any] | None, *, path: str, sha256: str | None, dry_run: bool,
         log: TagLog) -> str:
    """Write a row's verdict into the file's tag; a one-line description (raises TagError)."""
    if row is None or row.get("error"):
        return ""
    if not row.get("genre"):
        return "not music: no tag written"
    change = write_genre(path, row["genre"], dry_run=dry_run, log=log, sha256_before=sha256)
    if not change.changed:
        return "unchanged"
    return ("would write " if dry_run else "written ") + change.describe()


def run_batch(
    paths: Iterable[str | os.PathLike],
    *,
    out: str | os.PathLike,
    recursive: bool = False,
    models: Iterable[str] | str | None = None,
    engine: str = "local",
    address: str | None = None,
    workers: int | None = None,
    inflight: int | None = None,
    write_tags: bool = False,
    dry_run: bool = False,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    progress: Callable[[Progress], None] | None = None,
) -> Summary:
    """Classify every audio file under ``paths`` into the results file ``out`` (resuming).

    Parameters
    ----------
    paths : iterable of path-like
        Files and folders (see :func:`~mgc_core.batch.discover.discover`).
    out : path-like
        ``.csv`` or ``.jsonl``; made, or resumed when it exists.
    recursive : bool
        Walk subfolders.
    models : iterable of str, optional
        Models to run (default: all).
    engine : {"local", "ray"}
        Where to run; ``address`` is the Ray cluster's (default: a local Ray instance).
    workers : int, optional
        Decode threads of the local engine (default: the number of cores, at most 4) or
        Ray's classifier actors (default: one per 2 CPUs of the cluster).
    inflight : int, optional
        Files the local engine classifies at once (default: one per core, at least 2):
        their network calls are batched together by the inference service.
    write_tags, dry_run : bool
        Write each verdict into the file's genre tag (logged in :func:`tag_log_path`), or
        only say what would change.
    max_seconds : float
        Decode at most this many seconds of each file (a warning says when a file is cut).
    progress : callable, optional
        Called with a :class:`Progress` after each file.

    Returns
    -------
    Summary

    Raises
    ------
    ParameterError
        Bad arguments, an output of the wrong kind, or one another run is writing.
    AssetError
        A model is missing or altered (checked before the first file).
    """
    if engine not in ENGINES:
        raise ParameterError(f"engine must be one of {', '.join(ENGINES)}; got {engine!r}.")
    if dry_run and not write_tags:
        raise ParameterError("--dry-run only applies to --write-tags: add --write-tags.")
    if address is not None and engine != "ray":
        raise ParameterError("--address is the Ray cluster's: add --engine ray.")
    start = time.perf_counter()
    names = registry.check_names(models)
    key = models_sha256(names)
    found = discover(paths, recursive=recursive)
    summary = Summary(out=str(out), engine=engine, found=len(found.files) + len(found.failed),
                      skipped=found.skipped, notes=list(found.notes))
    log = TagLog(tag_log_path(out))
    if write_tags:
        summary.tag_log = str(log.path)
    with ResultsFile.open(out) as results:
        summary.repaired_bytes, summary.retried = results.repaired_bytes, results.dropped_rows
        done = done_keys(results.rows, models_key=key, tag_log=log.path)
        counter = {"done": 0}

        def record(file: str, sha256: str | None, row: dict[str, Any] | None) -> None:
            tag = ""
            if write_tags:
                stored = row if row is not None else done.get((os.path.realpath(file), sha256))
                try:
                    tag = _tag(stored, path=file, sha256=sha256, dry_run=dry_run, log=log)
                except TagError as err:
                    if row is None:  # done earlier: its row stays; the summary says why
                        summary.tag_errors.append((file, str(err)))
                    else:
                        row["error"] = f"tag not written: {err}"
                    tag = "error"
                if row is not None and tag != "error":
                    row["tags"] = tag
                if tag:
                    summary.tags[_TAG_OUTCOMES.get(tag.split(" ")[0], tag)] += 1
            if row is None:
                summary.already_done += 1
                stored = done.get((os.path.realpath(file), sha256))
                if stored is not None and stored.get("error"):
                    summary.already_failed += 1
            else:
                results.append(row)
                if row["error"]:
                    summary.failed += 1
                if row["genre"] or row["content"]:
                    summary.classified += 1
                    summary.genres[row["genre"] or "(not music)"] += 1
            counter["done"] += 1
            if progress is not None:
                progress(Progress(counter["done"], summary.found, summary.classified,
                                  summary.failed, file, row, tag))

        for file, reason in found.failed:
            record(os.path.abspath(file), None, error_row(os.path.abspath(file), reason,
                                                          models_sha256=key))
        if engine == "local":
            from mgc_core.analysis.classify import load_models

            def loader() -> dict[str, GenreModel]:
                return load_models(names)  # a missing or altered model stops the run here

            n = workers if workers is not None else max(1, min(4, os.cpu_count() or 1))
            outcomes = local_outcomes(found.files, models=loader, models_key=key, done=done,
                                      workers=n, inflight=inflight, max_seconds=max_seconds)
        else:
            from mgc_core.batch.ray_engine import ray_outcomes

            outcomes = ray_outcomes(found.files, names=names, models_key=key, done=done,
                                    address=address, actors=workers, max_seconds=max_seconds)
        try:
            for outcome in outcomes:
                record(outcome.file, outcome.sha256, outcome.row)
        finally:
            close = getattr(outcomes, "close", None)
            if close is not None:
                close()
    summary.seconds = time.perf_counter() - start
    return summary
