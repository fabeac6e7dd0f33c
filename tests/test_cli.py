"""Tests of the command line (``python -m mgc_core ...``), run in-process through main()."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
from test_classify import ConstantModel, make_fake_assets, use_fakes
from test_training import FakeModel, make_tiny_gtzan

from mgc_core import assets
from mgc_core.analysis import classify
from mgc_core.cli import main
from mgc_core.genres import GENRES
from mgc_core.models import MODEL_NAMES


@pytest.fixture()
def fake_assets(monkeypatch, tmp_path):
    use_fakes(monkeypatch)
    monkeypatch.setattr(assets, "ASSETS_DIR", tmp_path / "assets")
    ConstantModel.loads = 0
    return make_fake_assets(tmp_path / "assets")


@pytest.fixture()
def wavs(tmp_path):
    sr = 22050
    good = []
    for i, seconds in enumerate((4.0, 7.0)):
        t = np.arange(int(seconds * sr)) / sr
        path = tmp_path / f"good{i}.wav"
        sf.write(path, (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32), sr)
        good.append(path)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"this is not audio at all, just some text that pretends")
    return good, bad


def test_classify_json_shape_and_exit_2_for_a_bad_file(fake_assets, wavs, capsys):
    good, bad = wavs
    status = main(["classify", str(good[0]), str(bad), str(good[1]), "--json"])
    out, err = capsys.readouterr()
    assert status == 2
    assert "bad.wav" in err and "error:" in err
    results = json.loads(out)
    assert [r["file"] for r in results] == [str(good[0]), str(good[1])]
    for r, n_segments in zip(results, (1, 2), strict=True):
        assert r["duration_s"] == pytest.approx(float(r["duration_s"]))
        assert set(r["models"]) == set(MODEL_NAMES)
        for m in r["models"].values():
            assert m["genre"] in GENRES
            assert list(m["probabilities"]) == list(GENRES)
            assert len(m["segments"]) == n_segments
            assert set(m["segments"][0]) == {"start_s", "end_s", "probabilities"}
        assert r["ensemble"]["genre"] in GENRES
    assert ConstantModel.loads == len(MODEL_NAMES)  # loaded once for the run, not per file


def test_classify_text_output(fake_assets, wavs, capsys):
    good, _ = wavs
    assert main(["classify", str(good[1]), "--models", "knn", "cnn"]) == 0
    out = capsys.readouterr().out
    assert "good1.wav" in out and "knn" in out and "ensemble" in out and "lstm" not in out
    assert "blues 0.8" in out  # the fake knn favours blues
    lines = out.splitlines()
    assert lines[0].endswith("good1.wav (7.0 s, 2 segments)")
    # A sine tone is not music: the gate says so first, then the guesses, then AudioSet's view.
    assert lines[1].startswith("  This does not sound like music (AudioSet hears mostly: ")
    assert [line.split()[0] for line in lines[2:5]] == ["knn", "cnn", "ensemble"]
    assert lines[2].startswith("  knn       blues 0.82, ") and lines[2].endswith(" s)")
    assert lines[5].startswith("  AudioSet hears: ") and len(lines) == 6
    assert ConstantModel.loads == 2


def test_classify_without_bundled_models_exits_2(monkeypatch, tmp_path, wavs, capsys):
    use_fakes(monkeypatch)
    monkeypatch.setattr(assets, "ASSETS_DIR", tmp_path / "empty")
    good, _ = wavs
    assert main(["classify", str(good[0])]) == 2
    assert "python -m mgc_core train" in capsys.readouterr().err


def test_classify_a_folder_into_a_results_file(fake_assets, wavs, tmp_path, capsys):
    """``classify PATH... --out``: rows, a summary, exit 2 for a bad file; then a resume."""
    from mgc_core.batch.output import read_rows

    out = tmp_path / "results.csv"
    assert main(["classify", str(tmp_path), "--out", str(out)]) == 2
    printed = capsys.readouterr()
    assert "2 of 3 audio files classified" in printed.out and "1 failed" in printed.out
    assert "failed: " in printed.out and "bad.wav" in printed.out
    assert "files/s" in printed.err and "ETA" in printed.err  # the progress line
    assert [r["file"].rsplit("/", 1)[1] for r in read_rows(out)] == [
        "bad.wav", "good0.wav", "good1.wav"]
    assert main(["classify", str(tmp_path), "--out", str(out)]) == 2  # its error row stays
    assert "3 already done (skipped; 1 of them failed then" in capsys.readouterr().out


def test_classify_options_of_a_library_run_need_out(fake_assets, wavs, capsys):
    good, _ = wavs
    assert main(["classify", str(good[0]), "--write-tags"]) == 2
    assert "--out" in capsys.readouterr().err


def test_a_missing_gtzan_folder_exits_2(tmp_path, capsys):
    assert main(["evaluate", "--gtzan", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.fixture()
def tiny_fake_training(monkeypatch, tmp_path):
    monkeypatch.setattr("mgc_core.models.model_class", lambda name: FakeModel)
    return make_tiny_gtzan(tmp_path / "gtzan")


def test_evaluate_and_train_commands(tiny_fake_training, tmp_path, capsys):
    out_dir = tmp_path / "assets"
    status = main(["evaluate", "--gtzan", str(tiny_fake_training), "--seeds", "0", "1",
                   "--models", "knn", "cnn", "--out", str(out_dir),
                   "--cache", str(tmp_path / "cache")])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "grouped-cv" in out and "balanced acc." in out and "timings:" in out
    assert "leaky" in out
    assert "inputs" in err and "18/18" in err  # the progress bar
    record = json.loads((out_dir / "evaluation" / "knn.json").read_text())
    assert record["command"] == (f"python -m mgc_core evaluate --gtzan DIR --out {out_dir} "
                                 "--models knn cnn --seeds 0 1")
    assert not (out_dir / "evaluation" / "ensemble.json").exists()  # not all four models

    status = main(["train", "--gtzan", str(tiny_fake_training), "--models", "knn",
                   "--out", str(out_dir), "--cache", str(tmp_path / "cache")])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "trained on 18 clips (1 excluded" in out
    assert assets.verify(out_dir / "models" / "fake.json", root=out_dir)


def test_report_without_evaluations_says_which_command_builds_them(tmp_path, capsys):
    assert main(["report", "--assets", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "knn.json is missing" in err and "python -m mgc_core evaluate" in err


def test_report_prints_the_stored_figures(capsys):
    stored = assets.ASSETS_DIR / "evaluation"
    if not all((stored / f"{m}.json").is_file() for m in (*MODEL_NAMES, "ensemble")):
        pytest.skip("no evaluation bundled yet: run `python -m mgc_core evaluate --gtzan DIR`")
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    for name in (*MODEL_NAMES, "ensemble"):
        record = json.loads((stored / f"{name}.json").read_text())
        line = next(row for row in out.splitlines() if row.startswith(name))
        assert f"{record['balanced_accuracy']['value']:.3f}" in line
    assert main(["report", "--per-genre", "--markdown"]) == 0
    rows = [r for r in capsys.readouterr().out.splitlines() if r.startswith("| ")]
    knn = json.loads((stored / "knn.json").read_text())
    blues = next(r for r in rows if r.startswith("| blues |"))
    assert blues.split(" | ")[2] == f"{knn['per_genre']['blues']['recall']:.2f}"
    assert main(["report", "--calibration"]) == 0
    from mgc_core.evaluation import load_evaluation
    from mgc_core.evaluation.calibration import calibration_of

    lines = capsys.readouterr().out.splitlines()
    header = next(i for i, r in enumerate(lines) if r.startswith("model") and "calibration" in r)
    for name in (*MODEL_NAMES, "ensemble"):
        cells = next(r for r in lines[header:] if r.startswith(name)).split()
        rec = load_evaluation(name)
        tops = [max(c.probabilities.values()) for c in rec.clips]
        assert cells[1] == f"{calibration_of(rec).ece:.3f}"
        assert cells[-1] == str(sum(t < 0.5 for t in tops))


# --------------------------------------------------------------------------- soak


def _soak_report(rss: list[float]):  # noqa: ANN202
    from mgc_devtools.soak import BOUND_MB, SoakReport

    return SoakReport(durations_s=tuple(3.0 + i for i in range(len(rss))), rss_mb=tuple(rss),
                      start_rss_mb=300.0, baseline_after=min(10, len(rss)), bound_mb=BOUND_MB,
                      seconds=12.0, peak_rss_mb=max(rss), figures=20 * len(rss))


@pytest.mark.parametrize(("rss", "status", "word"), [
    ([500.0] * 12, 0, "PASS"), ([500.0] * 11 + [700.0], 1, "FAIL"),
])
def test_soak_prints_the_memory_and_exits_1_on_fail(monkeypatch, capsys, rss, status, word):
    import mgc_devtools.soak

    calls = []
    monkeypatch.setattr(mgc_devtools.soak, "run_soak",
                        lambda n, **kw: calls.append((n, kw)) or _soak_report(rss))
    assert main(["soak", "--n", "12"]) == status
    out = capsys.readouterr().out
    assert calls[0][0] == 12 and calls[0][1]["max_seconds"] == 60.0
    assert "RSS after analysis 10" in out and "RSS after analysis 12 (the last)" in out
    assert f"{rss[-1] - 500.0:+8.1f} MB" in out and out.strip().endswith(word)
    assert main(["soak", "--n", "12", "--json"]) == status
    report = json.loads(capsys.readouterr().out)
    assert report["growth_mb"] == rss[-1] - 500.0 and report["passed"] is (status == 0)


@pytest.mark.slow
@pytest.mark.skipif(not all(classify.model_path(n).is_file() for n in MODEL_NAMES),
                    reason="bundled models missing (python -m mgc_core train --gtzan DIR)")
def test_soak_command_runs_real_analyses(capsys):
    assert main(["soak", "--n", "2", "--max-seconds", "4", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    per_analysis = 2 * len(MODEL_NAMES) + 1 + 11  # bars and timeline per model, saliency, page
    assert report["n_analyses"] == 2 and report["figures"] == 2 * per_analysis
    assert report["passed"]
    assert all(3.0 <= d <= 4.0 for d in report["durations_s"])
    assert all(r > 100 for r in report["rss_mb"])
