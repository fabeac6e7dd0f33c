"""AppTest runs of the About page: data summary from the manifest, protocol, licence, privacy.

The page is pointed at a temporary assets folder by patching ``mgc_core.assets.ASSETS_DIR``
(read at run time) and runs on its own (``AppTest.from_file``).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from _apptest import ROOT, TIMEOUT, app_on, figures, messages
from streamlit.testing.v1 import AppTest

from mgc_core import assets
from mgc_core import evaluation as ev
from mgc_core.genres import GENRES
from mgc_core.models.efficientat_lite import ATTRIBUTION

PAGE = ROOT / "pages" / "about.py"
REAL = assets.ASSETS_DIR
LICENSE = "models/MUSICNN_LICENSE.md"
MIT_LICENSE = "models/EFFICIENTAT_LICENSE.md"
COUNTS = dict(zip(GENRES, (100, 99, 98, 17, 15, 22, 85, 22, 15, 22), strict=True))
DATA = {"n_clips": sum(COUNTS.values()), "clips_per_genre": COUNTS, "excluded": 26,
        "n_groups": 175, "protocol": "grouped-cv", "trained_on": "toy clips"}


@pytest.fixture(autouse=True)
def _path(monkeypatch):
    monkeypatch.setattr(sys, "path", [str(ROOT), *sys.path])  # `ui` for the page run alone


def _assets(root: Path, *, models: bool = True, evaluation: bool = True) -> Path:
    """A temporary assets folder: the licences, model entries in the manifest, a knn record."""
    (root / "models").mkdir(parents=True)
    for notice in (LICENSE, MIT_LICENSE):
        shutil.copy(REAL / notice, root / notice)
        assets.record([root / notice], command="copied", data="upstream notice", root=root)
    if models:
        for name in ("knn.skops", "knn.npz", "cnn.keras", "cnn.tflite", "lstm.keras",
                     "lstm.tflite", "transfer_head.skops", "transfer_head.npz"):
            (root / "models" / name).write_bytes(b"toy " + name.encode())
            assets.record([root / "models" / name], command="train", data=DATA, root=root)
    if evaluation:
        clips = [{"id": f"{g}.00000", "genre": g, "probabilities": np.eye(10)[i], "fold": 0}
                 for i, g in enumerate(GENRES)]
        protocol = {"name": "grouped-cv", "description": "Toy protocol: artists stay together.",
                    "n_splits": 5, "fold_seeds": [0], "groups": ev.GROUPS}
        ev.write_evaluation(ev.evaluation_record("knn", protocol, clips, n_resamples=50),
                            assets_dir=root)
    return root


def _run(monkeypatch, root: Path) -> AppTest:
    monkeypatch.setattr(assets, "ASSETS_DIR", Path(root))
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    at.run()
    return at


def _text(at: AppTest) -> str:
    return "\n".join(el.value for kind in ("markdown", "caption", "subheader", "info", "error")
                     for el in getattr(at, kind))


def test_data_protocol_licence_and_privacy(monkeypatch, tmp_path):
    at = _run(monkeypatch, _assets(tmp_path))
    assert not at.exception and not messages(at, "error") and not messages(at, "info")
    assert at.title[0].value == "About mgc"
    assert [m.value for m in at.metric] == ["521", "26", "495", "175"]
    assert [m.label for m in at.metric] == ["GTZAN clips held", "Left out as faulty", "Usable",
                                            "Artist groups"]
    bars = figures(at)["fig_clips_per_genre"]["data"][0]
    assert list(bars["x"]) == list(GENRES) and list(bars["y"]) == list(COUNTS.values())
    text = _text(at)
    # the same words as the Dataset page, which counts the clips held as well
    assert ("blues has 100 clips usable (after removing known faults), hiphop only 15 "
            "(6.7 times fewer)") in text
    assert "The Dataset page counts the clips held as well" in text
    assert (figures(at)["fig_clips_per_genre"]["layout"]["title"]["text"]
            == "Clips usable (after removing known faults) per genre")
    assert "Trained on toy clips." in text
    assert "Toy protocol: artists stay together." in text
    assert "16 kHz" in text and "Ten genres only" in text
    for cited in ("Tzanetakis and P. Cook", "arXiv:1306.1461", "MIRUM", "Kereliuk",
                  "IEEE Transactions on Multimedia", "Pons and X. Serra", "librosa",
                  "scikit-learn", "Keras", "Streamlit", "Million Song Dataset",
                  "MagnaTagATune"):
        assert cited in text, cited
    assert "Permission to use, copy, modify" in at.expander[0].markdown[0].value
    assert "never stored on disk" in text


def test_audioset_attribution_and_efficientat_notice(monkeypatch, tmp_path):
    at = _run(monkeypatch, _assets(tmp_path))
    assert not at.exception and not messages(at, "error")
    text = _text(at)
    for cited in ("Schmid", "Koutini", "Widmer", "ICASSP", "arXiv:2211.04772",
                  "github.com/fschmid56/EfficientAT", "Gemmeke", "CC BY 4.0", "CC BY-SA 4.0"):
        assert cited in text, cited
    assert ATTRIBUTION in [c.value for c in at.caption]
    assert "The five models" in [h.value for h in at.subheader]
    assert "AudioSet (never saw GTZAN)" in text  # the registry's fifth model is listed
    assert "**The music check can be wrong**" in text  # the gate in "Known limits"
    notice = at.expander[1]
    assert "EfficientAT" in notice.label and "MIT" in notice.label
    shown = notice.markdown[0].value
    assert "Permission is hereby granted, free of charge" in shown
    assert shown.strip() == (REAL / MIT_LICENSE).read_text(encoding="utf-8").strip()
    assert "four" not in text.lower().split()


def test_without_evaluation_the_page_says_how_to_build_it(monkeypatch, tmp_path):
    at = _run(monkeypatch, _assets(tmp_path, evaluation=False))
    assert not at.exception and not messages(at, "error")
    info = messages(at, "info")
    assert len(info) == 1 and "python -m mgc_core evaluate --gtzan DIR" in info[0]
    assert [m.value for m in at.metric] == ["521", "26", "495", "175"]


def test_without_trained_models_the_page_still_shows(monkeypatch, tmp_path):
    at = _run(monkeypatch, _assets(tmp_path, models=False, evaluation=False))
    assert not at.exception and not figures(at)
    info = messages(at, "info")
    assert len(info) == 1 and "python -m mgc_core train --gtzan DIR" in info[0]
    assert "never stored on disk" in _text(at)


@pytest.mark.parametrize("notice", [LICENSE, MIT_LICENSE])
def test_altered_licence_shows_the_error(monkeypatch, tmp_path, notice):
    root = _assets(tmp_path)
    (root / notice).write_text("tampered", encoding="utf-8")
    at = _run(monkeypatch, root)
    assert not at.exception
    errors = messages(at, "error")
    assert len(errors) == 1 and f"{Path(notice).name} has been altered" in errors[0]


def test_real_assets(monkeypatch):
    files = assets.read_manifest(REAL / "manifest.json")["files"]
    if "models/knn.npz" not in files:
        pytest.skip("bundled models not recorded: run `python -m mgc_core train --gtzan DIR`")
    data = files["models/knn.npz"]["data"]
    at = _run(monkeypatch, REAL)
    assert not at.exception and not messages(at, "error")
    assert at.metric[0].value == str(data["n_clips"] + data["excluded"])
    assert at.metric[2].value == str(data["n_clips"])
    bars = figures(at)["fig_clips_per_genre"]["data"][0]
    assert list(bars["y"]) == [data["clips_per_genre"][g] for g in GENRES]
    assert "Permission to use, copy, modify" in at.expander[0].markdown[0].value
    assert "Permission is hereby granted" in at.expander[1].markdown[0].value
    if (REAL / "evaluation" / "knn.json").is_file():
        protocol = json.loads((REAL / "evaluation" / "knn.json").read_text())["protocol"]
        assert protocol["description"] in _text(at)


def test_in_the_whole_app(monkeypatch, tmp_path):
    monkeypatch.setattr(assets, "ASSETS_DIR", _assets(tmp_path))
    at = app_on("about")
    assert not at.exception and at.title[0].value == "About mgc"
