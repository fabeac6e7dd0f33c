"""Tests of mgc_devtools/batch_bench.py on a tiny library (the real sizes run by hand)."""

from __future__ import annotations

import pytest

from mgc_devtools import batch_bench


@pytest.mark.slow
def test_the_report_compares_the_engine_with_a_plain_loop(capsys):
    report = batch_bench.run_batch_bench(scenarios={"clips": (3, 3.0)}, models=["knn"],
                                         fmt="wav")
    assert report["cores"] >= 1 and report["format"] == "wav" and report["models"] == ["knn"]
    clips = report["scenarios"]["clips"]
    assert clips["files"] == clips["classified"] == 3 and clips["seconds_each"] == 3.0
    for method in ("loop", "engine"):
        assert clips[method]["seconds"] > 0 and clips[method]["files_per_min"] > 0
    assert clips["speedup"] == pytest.approx(
        clips["engine"]["files_per_min"] / clips["loop"]["files_per_min"], rel=0.02)
    batch_bench.print_report(report)
    assert "plain loop" in capsys.readouterr().out


def test_the_issue_s_libraries():
    assert batch_bench.SCENARIOS == {"clips": (100, 30.0), "songs": (20, 300.0)}
