"""mgc_devtools.memory: the serving process's memory, step by step, in a fresh process."""

from __future__ import annotations

import pytest

from mgc_devtools.memory import STEPS, format_table, main, measure


@pytest.fixture(scope="module")
def rows():
    return measure(seconds=4.0, long_seconds=8.0)


def test_every_step_is_measured_in_order_and_adds_up(rows):
    assert [r["step"] for r in rows] == list(STEPS)
    assert sum(r["delta_mb"] for r in rows) == pytest.approx(rows[-1]["rss_mb"])
    assert all(r["peak_mb"] >= r["rss_mb"] * 0.99 for r in rows)
    # a fresh interpreter: its own peak, not the test process's (which holds far more)
    assert rows[0]["peak_mb"] < 100
    loaded = {r["step"]: r for r in rows}["load models"]
    assert loaded["rss_mb"] > rows[0]["rss_mb"]


def test_the_table_names_each_step(rows):
    text = format_table(rows)
    assert all(step in text for step in STEPS)


def test_bad_lengths_are_refused(capsys):
    with pytest.raises(SystemExit):
        main(["--seconds", "0"])
    assert "--seconds must be" in capsys.readouterr().err
