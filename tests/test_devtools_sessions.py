"""The many-sessions report: every session gets its own answer, the service counts merges."""

from __future__ import annotations

import pytest

from mgc_core.errors import ParameterError
from mgc_devtools.sessions import run_sessions


@pytest.mark.slow
def test_sessions_at_once_report_times_and_the_same_answers():
    report = run_sessions(3, seconds=4.0)
    assert report["n"] == 3 and report["same_answers"]
    together = report["together"]
    assert len(together["times_s"]) == 3 and together["worst_s"] >= together["median_s"] > 0
    assert report["total_work_s"] >= report["alone_s"] > 0
    assert report["worst_over_total"] == pytest.approx(together["worst_s"] / report["total_work_s"])
    service = report["service"]
    assert service["requests"] >= 3 * 3  # three sessions, each at least three networks
    assert service["invocations"] + service["merged"] == service["requests"]


@pytest.mark.parametrize("n", [1, 65, 2.5, True])
def test_bad_counts_are_refused(n):
    with pytest.raises(ParameterError, match="from 2 to 64"):
        run_sessions(n, seconds=1.0)
