"""Tests of mgc_core.evaluation.calibration and of the words the pages build from it.

Synthetic answers with a known calibration (a seeded rng): calibrated ones give an ECE
near 0 and no flag, overconfident ones the flag, modest ones none; bad inputs raise
ParameterError naming the value. Then the stored evaluations: the KNN, which says
"100% sure" on clips it gets wrong, is flagged, and the Classify page's hint says so.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from mgc_core import assets
from mgc_core import evaluation as ev
from mgc_core.errors import ParameterError
from mgc_core.evaluation.calibration import (
    MIN_SURE,
    SURE,
    calibration_of,
    expected_calibration_error,
    is_overconfident,
    reliability,
)
from mgc_core.genres import GENRES

REAL = assets.ASSETS_DIR


def _answers(confidence: np.ndarray, right: np.ndarray, k: int = 10) -> tuple[np.ndarray, ...]:
    """Probabilities whose top class has ``confidence`` and is right where ``right``."""
    P = np.tile(((1 - confidence) / (k - 1))[:, None], (1, k))
    P[:, 0] = confidence
    truth = np.where(right, 0, 1)
    return P, truth


@pytest.fixture(scope="module")
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def test_calibrated_answers_have_a_small_error_and_no_flag(rng):
    conf = rng.uniform(0.2, 1.0, 20_000)
    P, truth = _answers(conf, rng.uniform(size=conf.size) < conf)  # right as often as it says
    rel = reliability(P, truth)
    assert rel.ece < 0.02 and not is_overconfident(rel)
    filled = rel.counts > 0
    np.testing.assert_allclose(rel.accuracy[filled], rel.confidence[filled], atol=0.03)
    assert rel.counts.sum() == rel.n == conf.size and rel.counts[0] == 0


def test_overconfident_answers_are_flagged(rng):
    conf = rng.uniform(0.9, 1.0, 1000)  # says 95%...
    P, truth = _answers(conf, rng.uniform(size=conf.size) < 0.6)  # ...is right 60%
    rel = reliability(P, truth)
    assert rel.ece == pytest.approx(0.35, abs=0.04)
    assert rel.n_sure == 1000 and rel.sure_confidence == pytest.approx(0.95, abs=0.01)
    assert rel.sure_accuracy == pytest.approx(0.6, abs=0.05)
    assert is_overconfident(rel)
    assert rel.mean_confidence - rel.overall_accuracy == pytest.approx(0.35, abs=0.05)


def test_modest_answers_are_not_flagged(rng):
    conf = rng.uniform(0.3, 0.85, 1000)
    P, truth = _answers(conf, rng.uniform(size=conf.size) < 0.97)
    rel = reliability(P, truth)
    assert rel.ece > 0.2 and not is_overconfident(rel)
    assert rel.overall_accuracy > rel.mean_confidence


def test_too_few_sure_answers_are_no_evidence():
    P, truth = _answers(np.full(MIN_SURE - 1, 0.99), np.zeros(MIN_SURE - 1, bool))
    rel = reliability(P, truth)
    assert rel.sure_accuracy == 0 and not is_overconfident(rel)
    assert is_overconfident(rel, min_sure=MIN_SURE - 1)


def test_bins_hold_their_edges_and_full_confidence():
    P = np.array([[1.0, 0.0], [0.5, 0.5], [0.7, 0.3], [0.3, 0.7]])
    rel = reliability(P, np.array([0, 0, 1, 1]), n_bins=4)
    np.testing.assert_allclose(rel.edges, [0, 0.25, 0.5, 0.75, 1.0])
    assert rel.counts.tolist() == [0, 0, 3, 1]  # 1.0 lands in the last bin
    assert math.isnan(rel.confidence[0]) and math.isnan(rel.accuracy[1])
    np.testing.assert_allclose(rel.confidence[2:], [1.9 / 3, 1.0])
    np.testing.assert_allclose(rel.accuracy[2:], [2 / 3, 1.0])
    assert rel.ece == pytest.approx(3 / 4 * abs(2 / 3 - 1.9 / 3))
    assert expected_calibration_error(P, np.array([0, 0, 1, 1]), n_bins=4) == rel.ece
    assert rel.sure == SURE and rel.n_sure == 1


def test_no_sure_answer_gives_nan_not_an_error():
    rel = reliability(np.array([[0.6, 0.4], [0.4, 0.6]]), np.array([0, 0]))
    assert rel.n_sure == 0 and math.isnan(rel.sure_confidence) and math.isnan(rel.sure_accuracy)
    assert not is_overconfident(rel, min_sure=1)


@pytest.mark.parametrize("probabilities, truth, kwargs, match", [
    (np.zeros((0, 10)), np.zeros(0, int), {}, "2-D array"),
    (np.ones(10) / 10, np.zeros(1, int), {}, "2-D array"),
    (np.ones((3, 1)), np.zeros(3, int), {}, "2-D array"),
    (np.full((2, 2), np.nan), np.zeros(2, int), {}, r"finite numbers in \[0, 1\]"),
    (np.array([[1.5, -0.5]]), np.zeros(1, int), {}, r"finite numbers in \[0, 1\]"),
    (np.full((2, 2), 0.5), np.zeros(3, int), {}, "one class index"),
    (np.full((2, 2), 0.5), np.array([0, 2]), {}, "one class index"),
    (np.full((2, 2), 0.5), np.array([0.0, 1.0]), {}, "one class index"),
    (np.full((2, 2), 0.5), np.array([0, 1]), {"n_bins": 0}, "n_bins"),
    (np.full((2, 2), 0.5), np.array([0, 1]), {"n_bins": 2.5}, "n_bins"),
    (np.full((2, 2), 0.5), np.array([0, 1]), {"sure": 0}, r"sure must be a number in \(0, 1\]"),
    (np.full((2, 2), 0.5), np.array([0, 1]), {"sure": float("nan")}, "sure"),
])
def test_bad_inputs(probabilities, truth, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        reliability(probabilities, truth, **kwargs)


def test_bad_flag_settings():
    rel = reliability(np.array([[0.9, 0.1]]), np.array([0]))
    with pytest.raises(ParameterError, match="gap"):
        is_overconfident(rel, gap=-0.1)
    with pytest.raises(ParameterError, match="min_sure"):
        is_overconfident(rel, min_sure=0)


def test_calibration_of_a_stored_record_uses_its_clips():
    rng = np.random.default_rng(1)
    probs = rng.dirichlet(np.ones(10) * 0.3, size=40)
    clips = [{"id": f"{GENRES[i % 10]}.{i:05d}", "genre": GENRES[i % 10], "probabilities": p,
              "fold": i % 5} for i, p in enumerate(probs)]
    protocol = {"name": "grouped-cv", "description": "toy", "n_splits": 5, "fold_seeds": [0],
                "groups": ev.GROUPS}
    record = ev.evaluation_record("knn", protocol, clips, n_resamples=20)
    rel = calibration_of(ev.Evaluation.from_record(record))
    expected = reliability(np.round(probs, 6), np.arange(40) % 10)  # stored to 6 decimals
    np.testing.assert_array_equal(rel.counts, expected.counts)
    assert rel.ece == pytest.approx(expected.ece)


def test_the_module_examples_run():
    import doctest

    import mgc_core.evaluation.calibration as module

    result = doctest.testmod(module)
    assert result.attempted >= 4 and result.failed == 0


# --------------------------------------------------------------------------- stored, in words

needs_real = pytest.mark.skipif(
    not all((REAL / "evaluation" / f"{n}.json").is_file() for n in ("knn", "transfer")),
    reason="assets/evaluation not built: run `python -m mgc_core evaluate --gtzan DIR`")


@needs_real
def test_the_stored_knn_is_flagged_overconfident():
    rel = calibration_of(ev.load_evaluation("knn"))
    assert is_overconfident(rel)
    assert rel.sure_confidence - rel.sure_accuracy > 0.1  # says ~96%, right ~75%
    assert not is_overconfident(calibration_of(ev.load_evaluation("transfer")))


@needs_real
def test_the_classify_hint_names_the_overconfident_models_only():
    from ui.evaluations import calibration, confidence_hint

    hint = confidence_hint("knn")
    rel = calibration("knn")
    assert hint == (f"KNN is often overconfident: when it says 80% or more (on average "
                    f"{rel.sure_confidence:.0%}), it is right only about {rel.sure_accuracy:.0%} "
                    "of the time on songs it was not trained on (see the Models page).")
    assert confidence_hint("transfer") is None


def test_no_hint_without_a_stored_evaluation(monkeypatch, tmp_path):
    from ui.evaluations import confidence_hint

    monkeypatch.setattr(assets, "ASSETS_DIR", tmp_path)
    assert confidence_hint("knn") is None


def test_words_for_each_kind_of_model(rng):
    from ui.evaluations import calibration_in_words, calibration_kind

    conf = rng.uniform(0.9, 1.0, 500)
    over = reliability(*_answers(conf, rng.uniform(size=500) < 0.6))
    modest = reliability(*_answers(conf * 0.6, np.ones(500, bool)))
    fair = reliability(*_answers(conf, rng.uniform(size=500) < conf))
    assert [calibration_kind(r) for r in (over, modest, fair)] == [
        "overconfident", "modest", "about right"]
    assert calibration_in_words("knn", over).startswith("KNN is often overconfident: when it "
                                                        "says 80% or more")
    assert calibration_in_words("ensemble", modest).startswith("Ensemble is modest")
    assert calibration_in_words("cnn", fair).startswith("CNN's confidence is about right")
