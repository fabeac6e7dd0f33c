"""The library job on Ray Data: paths -> decode -> classify in an actor pool -> rows.

:func:`ray_outcomes` gives the same :class:`~mgc_core.batch.work.Outcome` stream as the
local engine, from a Ray cluster: a dataset of the paths, a ``map`` that runs
:func:`~mgc_core.batch.work.prepare` (hash, skip when done, decode) as Ray tasks, and a
``map_batches`` over a pool of :class:`_Classifier` actors, each loading the models once and
classifying with :func:`~mgc_core.batch.work.classify_prepared`, the local engine's own
function. Rows come back in the order of the paths (``preserve_order``), so both engines
write the same file.

Without an address a local Ray instance is started (every core, no dashboard) and stopped
at the end; with one (``ray start --head`` on one machine, ``ray start --address HEAD:6379``
on the others) the job runs on that cluster. Every node needs mgc and its ``assets/`` (the
same checkout and ``pip install -e .[ray]``) and the audio files at the same paths (a shared
mount); an actor whose models differ from the driver's stops the run
(:class:`~mgc_core.errors.AssetError`).

Ray is an optional extra (``pip install .[ray]``); the app never imports this module.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from mgc_core.batch.work import Outcome, Prepared, classify_prepared, models_sha256, prepare
from mgc_core.errors import AssetError, MGCError, ParameterError

__all__ = ["ray_outcomes", "connect"]

#: Files per batch handed to a classifier actor.
BATCH_FILES = 2
#: CPUs Ray reserves for one decode task.
DECODE_CPUS = 0.5
_REPO = str(Path(__file__).resolve().parents[2])


def _ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401 - Ray Data is what runs the job
    except ImportError as err:
        raise ParameterError("--engine ray needs Ray: pip install '.[ray]' (or "
                             "`pip install -r requirements-dev.txt`).") from err
    return ray


def connect(address: str | None = None) -> bool:
    """Connect to the Ray cluster at ``address``, or start a local one; True if started here.

    A Ray already initialised in this process is used as it is.
    """
    ray = _ray()
    if ray.is_initialized():
        return False
    quiet = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
    if address:
        ray.init(address=address, **quiet)
    else:  # a checkout that is not installed: let the local workers import mgc_core too
        path = os.pathsep.join(p for p in (_REPO, os.environ.get("PYTHONPATH")) if p)
        ray.init(num_cpus=os.cpu_count() or 1, runtime_env={"env_vars": {"PYTHONPATH": path}},
                 **quiet)
    return True


def _prepare_row(item: dict[str, Any], *, done: frozenset, max_seconds: float
                 ) -> dict[str, Any]:
    """The decode step (a Ray task): :func:`prepare`, flattened into a row of plain values."""
    p = prepare(item["path"], done=done, max_seconds=max_seconds)
    audio = p.audio
    return {
        "path": item["path"], "file": p.file, "sha256": p.sha256 or "", "done": p.done,
        "error": p.error if p.error is not None else "",
        "samples": audio.samples.tobytes() if audio is not None else b"",
        "sr": audio.sr if audio is not None else 0,
        "warnings": json.dumps(list(audio.warnings) if audio is not None else []),
    }


class _Classifier:
    """A Ray actor: loads the models once, then classifies batches of decoded files."""

    def __init__(self, names: tuple[str, ...], models_key: str) -> None:
        from mgc_core.analysis.classify import load_models

        if models_sha256(names) != models_key:
            raise AssetError("the models on this Ray worker differ from the driver's (another "
                             "assets/ or manifest): give every node the same checkout.")
        self.models = load_models(names)
        self.key = models_key

    def __call__(self, batch: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        from mgc_core.audio import Audio

        out = []
        for i in range(len(batch["file"])):
            file, sha = str(batch["file"][i]), str(batch["sha256"][i]) or None
            if bool(batch["done"][i]):
                out.append(json.dumps({"file": file, "sha256": sha, "row": None}))
                continue
            error = str(batch["error"][i]) or None
            audio = None
            if error is None:
                try:
                    samples = np.frombuffer(bytes(batch["samples"][i]), dtype=np.float32)
                    audio = Audio(samples, sr=int(batch["sr"][i]),
                                  warnings=tuple(json.loads(str(batch["warnings"][i]))))
                except MGCError as err:
                    error = str(err)
            row = classify_prepared(Prepared(file, sha, audio=audio, error=error), self.models,
                                    models_key=self.key)
            out.append(json.dumps({"file": file, "sha256": sha, "row": row}))
        return {"outcome": np.array(out, dtype=object)}


def ray_outcomes(files: Iterable[str | os.PathLike], *, names: tuple[str, ...],
                 models_key: str, done: Mapping[tuple[str, str], Any] | frozenset = (),
                 address: str | None = None, actors: int | None = None,
                 max_seconds: float = 600.0) -> Iterator[Outcome]:
    """Rows of ``files`` in their order, computed on Ray (see the module's description).

    Parameters
    ----------
    actors : int, optional
        Classifier actors (each loads the models once); default one per 2 CPUs of the
        cluster, at least one.

    Raises
    ------
    AssetError
        A model is missing or altered on a worker, or differs from the driver's.
    """
    paths = [str(f) for f in files]
    if not paths:
        return
    ray = _ray()
    started = connect(address)
    data_log = logging.getLogger("ray.data")
    level = data_log.level
    data_log.setLevel(logging.ERROR)  # its notes would break the CLI's progress line
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        ctx.enable_progress_bars = False
        ctx.print_on_execution_start = False
        n_actors = actors or max(1, int(ray.cluster_resources().get("CPU", 2)) // 2)
        ds = ray.data.from_items([{"path": p} for p in paths],
                                 override_num_blocks=min(len(paths), 200))
        # Decoding as tasks of half a CPU (so Ray does not fuse them into the actors: they
        # spread over every node while the actors classify), then the actor pool.
        ds = ds.map(_prepare_row, fn_kwargs={"done": frozenset(done),
                                             "max_seconds": float(max_seconds)},
                    num_cpus=DECODE_CPUS)
        ds = ds.map_batches(_Classifier, fn_constructor_kwargs={
            "names": tuple(names), "models_key": models_key}, batch_size=BATCH_FILES,
            batch_format="numpy", compute=ray.data.ActorPoolStrategy(size=n_actors),
            num_cpus=1)
        try:
            for item in ds.iter_rows():
                outcome = json.loads(item["outcome"])
                yield Outcome(outcome["file"], outcome["sha256"], outcome["row"])
        except ray.exceptions.RayError as err:
            cause = getattr(err, "cause", None)
            if isinstance(cause, MGCError):
                raise cause from err
            text = str(err)
            if "AssetError" in text:
                raise AssetError(text.splitlines()[-1]) from err
            raise
    finally:
        data_log.setLevel(level)
        if started:
            ray.shutdown()
