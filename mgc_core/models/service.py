"""One inference service per process: every network call of every session goes through it.

The app serves many sessions from one process on a machine with few cores. If each
session ran its networks itself, ten sessions uploading at once would start ten
multi-threaded LiteRT jobs on two cores and all finish late together. Instead each
:class:`~mgc_core.models.lite.LiteNetwork` hands its input to the process's
:class:`InferenceService`:

- a **bounded queue** of requests (:data:`MAX_PENDING`); a caller that finds it full
  waits up to ``timeout`` seconds, then gets a :class:`~mgc_core.errors.ServiceBusyError`
  that says so in plain words;
- **one worker thread** runs the requests in arrival order, each network with every core
  (XNNPACK's threads), so the cores do one job at a time at full speed; an error fails
  only the requests it concerns, and a waiting caller replaces a worker that died, so no
  session waits forever;
- **batching across sessions**: when the worker takes a request, it also takes every
  other waiting request for the same network with inputs of the same shape (up to
  :data:`MAX_MERGE` items), runs them as one batch and hands each caller its rows.

The shared audio analysis (resampling, STFT, mel) runs in the callers' threads;
:func:`cpu_slot` lets at most one analysis per core run at once, so that it does not
fight the networks for the cores either.

Each process has its own service (a forked worker gets a fresh one); :func:`service`
returns it. :attr:`InferenceService.stats` counts requests, invocations and the deepest
queue seen (the bench's many-sessions report reads them).

Examples
--------
>>> from mgc_core.models.service import service
>>> s = service()
>>> s.stats()["requests"] >= 0
True
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mgc_core.errors import ServiceBusyError

__all__ = ["MAX_PENDING", "MAX_MERGE", "WAIT_S", "InferenceService", "service", "cpu_slot"]

#: Requests that may wait in the queue (each a whole network call of one session).
MAX_PENDING = 256
#: Items (patches, segments) one merged invocation may hold.
MAX_MERGE = 64
#: How long a caller waits for room in a full queue before it is told the server is busy.
WAIT_S = 120.0
#: How often a waiting caller checks that the worker thread is alive.
_CHECK_S = 5.0


@dataclass(eq=False)  # a request is itself only: comparing fields would compare arrays
class _Request:
    run: Callable[[np.ndarray], list[np.ndarray]]
    key: tuple[Any, ...]
    x: np.ndarray
    future: Future = field(default_factory=Future)


class InferenceService:
    """A bounded queue of network calls, run by one worker thread, batched across callers.

    Parameters
    ----------
    max_pending : int
        Requests that may wait at once.
    max_merge : int
        Items one merged invocation may hold.
    """

    def __init__(self, *, max_pending: int = MAX_PENDING, max_merge: int = MAX_MERGE) -> None:
        self.max_pending = int(max_pending)
        self.max_merge = int(max_merge)
        self._queue: deque[_Request] = deque()
        self._cv = threading.Condition()
        self._thread: threading.Thread | None = None
        self._counts = {"requests": 0, "invocations": 0, "merged": 0, "max_depth": 0}

    # -- callers -------------------------------------------------------------
    def run(
        self,
        run: Callable[[np.ndarray], list[np.ndarray]],
        x: np.ndarray,
        *,
        key: tuple[Any, ...],
        timeout: float = WAIT_S,
    ) -> list[np.ndarray]:
        """Run ``run(x)`` on the worker thread, possibly batched with other callers' ``x``.

        Parameters
        ----------
        run : callable
            Takes a batch ``(n, ...)`` and returns a list of arrays with ``n`` rows each
            (the network's outputs).
        x : np.ndarray [shape=(n, ...)]
            This caller's items.
        key : tuple
            Requests with equal keys (the same network) and equal item shapes are merged.
        timeout : float
            Seconds to wait for room in a full queue.

        Returns
        -------
        list of np.ndarray
            ``run``'s outputs for this caller's rows only.

        Raises
        ------
        ServiceBusyError
            If the queue stayed full for ``timeout`` seconds.
        Exception
            Whatever ``run`` raised.
        """
        if threading.current_thread() is self._thread:  # called from a network run: no queue
            return run(x)
        request = _Request(run=run, key=(*key, x.shape[1:], x.dtype.str), x=x)
        deadline = time.monotonic() + timeout
        with self._cv:
            self._ensure_worker()
            while len(self._queue) >= self.max_pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ServiceBusyError(
                        f"The server is busy: {len(self._queue)} analyses are waiting for "
                        "the models. Try again in a minute."
                    )
                self._cv.wait(left)
            self._queue.append(request)
            self._counts["requests"] += 1
            self._counts["max_depth"] = max(self._counts["max_depth"], len(self._queue))
            self._cv.notify_all()
        while True:
            try:
                return request.future.result(timeout=_CHECK_S)
            except FutureTimeout:
                with self._cv:  # a worker that died (a bug) is replaced; the queue goes on
                    self._ensure_worker()

    def stats(self) -> dict[str, int]:
        """Counts since the process started: ``requests``, ``invocations`` (worker runs),
        ``merged`` (requests that rode along in another's run) and ``max_depth``."""
        with self._cv:
            return dict(self._counts, pending=len(self._queue))

    # -- worker --------------------------------------------------------------
    def _ensure_worker(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name="mgc-inference",
                                            daemon=True)
            self._thread.start()

    def _take(self) -> list[_Request]:
        """The oldest request and every waiting one it can be batched with."""
        with self._cv:
            while not self._queue:
                self._cv.wait()
            first = self._queue.popleft()
            group, items, left = [first], len(first.x), deque()
            try:
                for other in self._queue:
                    if other.key == first.key and items + len(other.x) <= self.max_merge:
                        group.append(other)
                        items += len(other.x)
                    else:
                        left.append(other)
            except BaseException as err:  # noqa: BLE001 - a key that cannot be compared
                # fails its own request, never the worker: a dead worker hangs every session
                first.future.set_exception(err)
                self._cv.notify_all()
                return []
            self._queue = left
            self._counts["invocations"] += 1
            self._counts["merged"] += len(group) - 1
            self._cv.notify_all()  # room in the queue
        return group

    def _loop(self) -> None:
        while True:
            group = self._take()
            if not group:
                continue
            live = [r for r in group if r.future.set_running_or_notify_cancel()]
            if not live:
                continue
            try:
                x = live[0].x if len(live) == 1 else np.concatenate([r.x for r in live])
                outputs = live[0].run(x)
            except BaseException as err:  # noqa: BLE001 - handed to the callers
                for r in live:
                    r.future.set_exception(err)
                continue
            start = 0
            for r in live:
                stop = start + len(r.x)
                r.future.set_result([out[start:stop] for out in outputs])
                start = stop


_SERVICE: InferenceService | None = None
_SERVICE_PID: int | None = None
_SERVICE_LOCK = threading.Lock()
_SLOTS: threading.BoundedSemaphore | None = None


def service() -> InferenceService:
    """This process's inference service (a forked child gets its own)."""
    global _SERVICE, _SERVICE_PID, _SLOTS
    with _SERVICE_LOCK:
        if _SERVICE is None or _SERVICE_PID != os.getpid():
            _SERVICE = InferenceService()
            _SERVICE_PID = os.getpid()
            _SLOTS = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))
        return _SERVICE


@contextmanager
def cpu_slot() -> Iterator[None]:
    """Hold one of the process's per-core slots for CPU-bound work outside the networks
    (the shared audio analysis): at most one such job per core runs at once."""
    service()
    assert _SLOTS is not None
    with _SLOTS:
        yield
