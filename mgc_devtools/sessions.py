"""Many sessions at once: the time each waits for its result when all upload together.

The app serves every session from one process. :func:`run_sessions` plays ``n``
sessions that each hand a different music-like clip to
:func:`~mgc_core.analysis.classify.classify` at the same moment (one thread each, the
models loaded once and shared, as the app's cache shares them) and reports each
session's time to result. The same clips classified one after another give the
reference: the *total work*. With one inference service per process
(:mod:`mgc_core.models.service`: a bounded queue, one worker using every core, batches
merged across sessions), the last session should finish about when the total work is
done (``worst_over_total`` near 1), not ``n`` times later than one session alone.

Examples
--------
>>> from mgc_devtools.sessions import run_sessions
>>> report = run_sessions(4, seconds=6.0)                   # doctest: +SKIP
>>> report["worst_over_total"] < 1.5                        # doctest: +SKIP
True
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from mgc_core.errors import ParameterError
from mgc_devtools._common import SR, music_like

__all__ = ["run_sessions"]


def _clips(n: int, seconds: float) -> list[np.ndarray]:
    """``n`` different music-like clips (each a different gain and start in a longer one)."""
    base = music_like(duration=seconds + n * 0.5)
    hop = int(0.5 * SR)
    return [(0.5 + 0.05 * i) * base[i * hop:i * hop + int(seconds * SR)] for i in range(n)]


def run_sessions(n: int = 10, *, seconds: float = 30.0) -> dict[str, Any]:
    """Classify ``n`` clips at once (one thread each) and one after another.

    Parameters
    ----------
    n : int
        Sessions (2 to 64).
    seconds : float
        Length of each clip.

    Returns
    -------
    dict
        ``n``, ``seconds``; ``alone_s`` (median of the clips classified one at a time),
        ``total_work_s`` (their sum); ``together`` with ``median_s``, ``worst_s`` and
        ``times_s`` (each session's time to result when all start together);
        ``worst_over_total`` and ``median_over_alone``; ``service`` (the inference
        service's counts during the run: requests, invocations, merged, max_depth);
        ``same_answers`` (every session got the verdicts it gets alone).

    Raises
    ------
    ParameterError
        If ``n`` is not from 2 to 64 or ``seconds`` is not positive.
    """
    from mgc_core.analysis.classify import classify, load_models
    from mgc_core.audio import Audio
    from mgc_core.models.service import service

    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= 64:
        raise ParameterError(f"n must be an integer from 2 to 64; got {n!r}.")
    if not seconds > 0:
        raise ParameterError(f"seconds must be positive; got {seconds!r}.")
    models = load_models()
    audio = [Audio(y, sr=SR) for y in _clips(n, float(seconds))]
    classify(audio[0], loaded=models)  # warm-up: first runs of the networks and kernels

    alone, verdicts = [], []
    for a in audio:
        t0 = time.perf_counter()
        verdicts.append(classify(a, loaded=models).genre)
        alone.append(time.perf_counter() - t0)

    before = service().stats()
    start = threading.Barrier(n + 1)
    times: list[float] = [0.0] * n
    answers: list[str | None] = [None] * n
    errors: list[BaseException] = []

    def session(i: int) -> None:
        start.wait()
        t0 = time.perf_counter()
        try:
            answers[i] = classify(audio[i], loaded=models).genre
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)
        times[i] = time.perf_counter() - t0

    threads = [threading.Thread(target=session, args=(i,), name=f"session-{i}")
               for i in range(n)]
    for t in threads:
        t.start()
    start.wait()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    after = service().stats()
    total = float(sum(alone))
    return {
        "n": n,
        "seconds": float(seconds),
        "alone_s": float(np.median(alone)),
        "total_work_s": total,
        "together": {"median_s": float(np.median(times)), "worst_s": float(max(times)),
                     "times_s": [round(t, 3) for t in times]},
        "worst_over_total": float(max(times)) / total,
        "median_over_alone": float(np.median(times)) / float(np.median(alone)),
        "service": {k: after[k] - before.get(k, 0) if k != "max_depth" else after[k]
                    for k in ("requests", "invocations", "merged", "max_depth")},
        "same_answers": answers == verdicts,
    }


def main() -> int:  # pragma: no cover - a thin command line
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="python -m mgc_devtools.sessions",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=10, help="sessions (default 10)")
    parser.add_argument("--seconds", type=float, default=30.0, help="clip length (default 30)")
    args = parser.parse_args()
    print(json.dumps(run_sessions(args.n, seconds=args.seconds), indent=1))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
