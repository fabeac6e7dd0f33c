"""mgc_devtools.compare_rules: ensemble weight rules scored nested, beside each model alone."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import mgc_devtools.compare_rules as compare_rules
from mgc_core.errors import ParameterError
from mgc_devtools.compare_rules import CANDIDATES, format_table, main, score_rules


def _members(seed: int = 0):
    """Two folds of 60 clips; A is right on 80% of them, B on the others, C is noise."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(10), 6)
    folds = np.tile([0, 1], 30)
    a_right = rng.random(len(y)) < 0.8
    a = np.eye(10)[np.where(a_right, y, (y + 1) % 10)] * 0.6 + 0.04
    b = np.eye(10)[np.where(~a_right, y, (y + 2) % 10)] * 0.3 + 0.07
    c = rng.dirichlet(np.ones(10), len(y))
    outer = [a, b, c]
    inner = {f: [p[folds != f] for p in outer] for f in (0, 1)}
    inner_y = {f: y[folds != f] for f in (0, 1)}
    return outer, y, folds, inner, inner_y


def test_every_candidate_and_every_model_alone_is_scored():
    out = score_rules(*_members(), members=["a", "b", "c"])
    assert list(out) == [*CANDIDATES, "a alone", "b alone", "c alone"]
    assert out["a alone"]["balanced_accuracy"] == pytest.approx(0.8, abs=0.1)
    # Inner predictions here are the outer ones of the other fold: A scores alike there.
    assert out["a alone"]["inner_balanced_accuracy"] == pytest.approx(0.8, abs=0.1)
    for name in CANDIDATES:
        assert set(out[name]["weights_by_fold"]) == {0, 1}
        assert sum(out[name]["weights_by_fold"][0].values()) == pytest.approx(1, abs=1e-3)
        # A blend that leans on A and lets B's sure answers through beats A alone.
        assert out[name]["balanced_accuracy"] >= out["a alone"]["balanced_accuracy"]


def test_the_scores_are_nested_a_fold_s_weights_ignore_its_own_clips():
    outer, y, folds, inner, inner_y = _members()
    before = score_rules(outer, y, folds, inner, inner_y, members=["a", "b", "c"])
    scrambled = [p.copy() for p in outer]
    for p in scrambled:  # change fold 0's outer predictions: fold 1's weights stay
        p[folds == 0] = p[folds == 0][::-1]
    after = score_rules(scrambled, y, folds, inner, inner_y, members=["a", "b", "c"])
    for name in CANDIDATES:
        assert after[name]["weights_by_fold"] == before[name]["weights_by_fold"]


def test_members_must_name_every_model():
    with pytest.raises(ParameterError, match="2 member names for 3 models"):
        score_rules(*_members(), members=["a", "b"])


def test_the_table_has_a_line_per_candidate_and_the_mean_over_seeds():
    out = score_rules(*_members(), members=["a", "b", "c"])
    text = format_table({3: out, 4: out})
    lines = text.splitlines()
    assert "seed 3" in lines[0] and "seed 4" in lines[0] and "mean" in lines[0]
    assert len(lines) == 1 + len(out) + 2 + 3  # the candidates, then inner -> outer
    assert lines[-3].startswith("a alone") and lines[-3].count("->") == 2
    window = next(line for line in lines if line.startswith("window "))
    value = f"{out['window']['balanced_accuracy']:.3f}"
    assert window.split()[1:] == [value, value, value]


def test_the_examples_run():
    result = doctest.testmod(compare_rules)
    assert result.attempted > 0 and result.failed == 0


def test_a_missing_gtzan_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["--gtzan", str(tmp_path / "nowhere"), "--cache", str(tmp_path)]) == 2
    assert "error:" in capsys.readouterr().err
