"""The process's inference service: one worker, a bounded queue, batching across callers."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from mgc_core.errors import ServiceBusyError
from mgc_core.models.service import InferenceService, cpu_slot, service


class _Recorder:
    """A fake network: doubles its input, records each batch it ran, can be held."""

    def __init__(self) -> None:
        self.batches: list[int] = []
        self.gate = threading.Event()
        self.gate.set()
        self.threads: set[str] = set()

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        self.gate.wait(10)
        self.batches.append(len(x))
        self.threads.add(threading.current_thread().name)
        return [2 * x, x.sum(axis=1, keepdims=True)]


def test_each_caller_gets_its_own_rows_from_one_worker_thread():
    svc, net = InferenceService(), _Recorder()
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    doubled, sums = svc.run(net, x, key=("net",))
    np.testing.assert_array_equal(doubled, 2 * x)
    np.testing.assert_array_equal(sums[:, 0], x.sum(axis=1))
    assert net.threads == {"mgc-inference"}
    assert svc.stats()["requests"] == 1 and svc.stats()["pending"] == 0


def test_waiting_requests_for_the_same_network_are_batched_together():
    svc, net, other = InferenceService(), _Recorder(), _Recorder()
    net.gate.clear()  # hold the worker on the first request while others queue up
    results: dict[int, list[np.ndarray]] = {}

    def call(i: int, fn, rows: int) -> None:
        results[i] = svc.run(fn, np.full((rows, 3), i, np.float32), key=(id(fn),))

    threads = [threading.Thread(target=call, args=(0, net, 2))]
    threads[0].start()
    while not net.batches and svc.stats()["requests"] < 1:
        time.sleep(0.01)
    time.sleep(0.05)
    for i, fn, rows in ((1, net, 3), (2, other, 1), (3, net, 4)):
        threads.append(threading.Thread(target=call, args=(i, fn, rows)))
        threads[-1].start()
    while svc.stats()["pending"] < 3:
        time.sleep(0.01)
    net.gate.set()
    for t in threads:
        t.join(10)
    assert net.batches == [2, 7]  # the first alone, then 3 + 4 rows of two sessions at once
    assert other.batches == [1]
    for i, rows in ((0, 2), (1, 3), (2, 1), (3, 4)):
        np.testing.assert_array_equal(results[i][0], np.full((rows, 3), 2 * i))
    assert svc.stats()["merged"] == 1 and svc.stats()["invocations"] == 3


def test_inputs_of_another_shape_are_not_merged():
    svc, net = InferenceService(), _Recorder()
    net.gate.clear()
    threads = [threading.Thread(target=svc.run, args=(net, np.zeros((1, w), np.float32)),
                                kwargs={"key": ("n",)}) for w in (3, 3, 5)]
    threads[0].start()
    time.sleep(0.1)
    for t in threads[1:]:
        t.start()
    while svc.stats()["pending"] < 2:
        time.sleep(0.01)
    net.gate.set()
    for t in threads:
        t.join(10)
    assert sorted(net.batches) == [1, 1, 1]


def test_an_error_reaches_the_caller_and_the_worker_goes_on():
    svc = InferenceService()

    def broken(x):
        raise RuntimeError("network failed")

    with pytest.raises(RuntimeError, match="network failed"):
        svc.run(broken, np.zeros((1, 2), np.float32), key=("b",))
    out = svc.run(_Recorder(), np.ones((1, 2), np.float32), key=("ok",))
    np.testing.assert_array_equal(out[0], [[2, 2]])


def test_a_full_queue_says_the_server_is_busy():
    svc, net = InferenceService(max_pending=1), _Recorder()
    net.gate.clear()
    first = threading.Thread(target=svc.run, args=(net, np.zeros((1, 1), np.float32)),
                             kwargs={"key": ("a",)})
    second = threading.Thread(target=svc.run, args=(net, np.zeros((1, 2), np.float32)),
                              kwargs={"key": ("a",)})
    first.start()
    while not svc.stats()["requests"]:
        time.sleep(0.01)
    time.sleep(0.05)  # the worker holds the first; the second fills the queue
    second.start()
    while svc.stats()["pending"] < 1:
        time.sleep(0.01)
    with pytest.raises(ServiceBusyError, match="server is busy.*Try again"):
        svc.run(net, np.zeros((1, 3), np.float32), key=("a",), timeout=0.2)
    net.gate.set()
    first.join(10)
    second.join(10)


def test_the_process_has_one_service_and_cpu_slots():
    assert service() is service()
    with cpu_slot():
        pass


@pytest.mark.slow
def test_sessions_at_once_get_the_answers_of_one_session_alone():
    """Four threads classifying at once get exactly what one alone gets (batched or not)."""
    from mgc_core.analysis.classify import classify, load_models
    from mgc_core.audio import Audio
    from mgc_core.audio.signals import make_signal

    models = load_models()
    clips = [Audio(make_signal(s, sr=22050, duration=d), sr=22050)
             for s, d in (("drum_pattern", 7.0), ("major_chord", 4.0),
                          ("drum_pattern", 13.0), ("white_noise", 4.0))]
    alone = [classify(a, loaded=models) for a in clips]
    together: dict[int, object] = {}
    threads = [threading.Thread(target=lambda i=i: together.__setitem__(
        i, classify(clips[i], loaded=models))) for i in range(len(clips))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    for i, ref in enumerate(alone):
        for name, m in ref.models.items():
            np.testing.assert_allclose(together[i].models[name].segment_probabilities,
                                       m.segment_probabilities, atol=1e-5)


def _queue_in_order(svc, call, args_list) -> list[threading.Thread]:
    """Start ``call(*args)`` in a thread per item, each once the one before is queued (the
    first is then held by the worker), so the queue holds them in this order."""
    threads = []
    for n, args in enumerate(args_list, start=1):
        threads.append(threading.Thread(target=call, args=args))
        threads[-1].start()
        while svc.stats()["requests"] < n:
            time.sleep(0.01)
        if n == 1:
            time.sleep(0.05)  # the worker has taken it
    return threads


def test_a_request_too_big_to_merge_stays_queued_and_later_ones_still_merge():
    # Regression: the request left waiting (too many rows to ride along) came before the
    # one merged, and taking the merged one out of the queue compared the two by value
    # (their arrays): the worker thread died and every session waited forever.
    svc, net = InferenceService(max_merge=4), _Recorder()
    net.gate.clear()
    done: dict[int, list[np.ndarray]] = {}

    def call(i: int, rows: int) -> None:
        done[i] = svc.run(net, np.full((rows, 3), i, np.float32), key=("n",))

    # after the first: 2 rows, then 3 that do not fit beside them, then 1 that does
    threads = _queue_in_order(svc, call, [(0, 1), (1, 2), (2, 3), (3, 1)])
    net.gate.set()
    for t in threads:
        t.join(10)
    assert not any(t.is_alive() for t in threads)
    assert net.batches == [1, 3, 3]  # alone; 2 + 1 merged; the 3 rows that did not fit
    for i, rows in ((0, 1), (1, 2), (2, 3), (3, 1)):
        np.testing.assert_array_equal(done[i][0], np.full((rows, 3), 2 * i))
    assert svc.stats()["pending"] == 0


class _Unequal:
    """A key part that cannot be compared (as two arrays could not be)."""

    def __eq__(self, other):
        raise ValueError("cannot compare")

    __hash__ = object.__hash__


def test_a_request_that_cannot_be_grouped_fails_alone_and_the_worker_goes_on():
    svc, net = InferenceService(), _Recorder()
    net.gate.clear()
    errors: dict[int, BaseException] = {}
    done: dict[int, list[np.ndarray]] = {}

    def call(i: int, key: tuple) -> None:
        try:
            done[i] = svc.run(net, np.full((1, 2), i, np.float32), key=key)
        except ValueError as err:
            errors[i] = err

    # behind the first, two queued requests whose keys raise when compared
    threads = _queue_in_order(svc, call, [(0, ("n",)), (1, (_Unequal(),)), (2, (_Unequal(),))])
    net.gate.set()
    for t in threads:
        t.join(20)
    assert not any(t.is_alive() for t in threads)
    assert set(errors) == {1} and "cannot compare" in str(errors[1])
    assert set(done) == {0, 2}  # the one after it ran: the worker lived on
    np.testing.assert_array_equal(done[2][0], [[4, 4]])


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_dead_worker_is_replaced_while_callers_wait(monkeypatch):
    import mgc_core.models.service as service_module

    monkeypatch.setattr(service_module, "_CHECK_S", 0.05)
    svc = InferenceService()
    real_take, failed = svc._take, []

    def take_with_a_bug():  # the first worker dies before taking anything
        if not failed:
            failed.append(True)
            raise RuntimeError("a bug in the worker")
        return real_take()

    svc._take = take_with_a_bug
    out = svc.run(_Recorder(), np.ones((1, 2), np.float32), key=("after",))
    np.testing.assert_array_equal(out[0], [[2, 2]])
    assert failed  # the request waited in the queue for the replacement worker
