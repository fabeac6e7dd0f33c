"""Tests of mgc_core.analysis.rows: one way from a Result to rows, CSV, JSON and printouts.

The results are built by hand (no model runs), so every expected value is written out.
"""

from __future__ import annotations

import json
from types import MappingProxyType

import numpy as np
import pytest

from mgc_core.analysis import rows
from mgc_core.analysis.classify import ModelResult, Result
from mgc_core.genres import GENRES
from mgc_core.models import MODEL_NAMES

#: Two segments; knn favours blues then classical, cnn jazz.
KNN_SEGMENTS = np.array([np.eye(10)[0] * 0.9 + 0.01, np.eye(10)[1] * 0.5 + 0.05])
CNN_SEGMENTS = np.array([np.eye(10)[5] * 0.6 + 0.04] * 2)


def _model(name: str, segments: np.ndarray, clip: np.ndarray, seconds: float) -> ModelResult:
    return ModelResult(name=name, probabilities=clip.astype(np.float32),
                       segment_probabilities=segments.astype(np.float32),
                       genre=GENRES[int(np.argmax(clip))], seconds=seconds)


@pytest.fixture(scope="module")
def result() -> Result:
    knn_clip = KNN_SEGMENTS.mean(axis=0)
    cnn_clip = CNN_SEGMENTS[0]
    return Result(
        duration_s=6.25,
        segment_times=np.array([[0.0, 2.992], [2.992, 5.984]], dtype=np.float32),
        models=MappingProxyType({"knn": _model("knn", KNN_SEGMENTS, knn_clip, 0.01234),
                                 "cnn": _model("cnn", CNN_SEGMENTS, cnn_clip, 0.5)}),
        ensemble=(0.25 * knn_clip + 0.75 * cnn_clip).astype(np.float32),
        seconds=1.23456, analysis_seconds=0.2,
        ensemble_weights=MappingProxyType({"knn": 0.25, "cnn": 0.75}),
    )


def test_top_genres_best_first_ties_in_genre_order():
    p = np.array([0.1, 0.3, 0.1, 0.3, 0.2, 0, 0, 0, 0, 0])
    assert rows.top_genres(p, k=3) == [("classical", 0.3), ("disco", 0.3), ("hiphop", 0.2)]
    assert rows.top_genres(p, k=1) == [("classical", 0.3)]


def test_segment_rows_long_format(result):
    got = rows.segment_rows(result, file="a.wav")
    assert [(r["model"], r["segment"]) for r in got] == [
        ("knn", "all"), ("knn", 0), ("knn", 1), ("cnn", "all"), ("cnn", 0), ("cnn", 1),
        ("ensemble", "all")]
    assert all(tuple(r) == rows.SEGMENT_COLUMNS and r["file"] == "a.wav" for r in got)
    whole, first, second = got[:3]
    assert (whole["start_s"], whole["end_s"], whole["genre"]) == (0.0, 6.25, "blues")
    assert (first["start_s"], first["end_s"], first["genre"]) == (0.0, 2.992, "blues")
    assert (second["start_s"], second["end_s"], second["genre"]) == (2.992, 5.984, "classical")
    assert [second[g] for g in GENRES] == pytest.approx(KNN_SEGMENTS[1])
    assert got[-1]["genre"] == result.genre == "jazz"
    assert [got[-1][g] for g in GENRES] == pytest.approx(result.ensemble)
    assert rows.segment_rows(result)[0]["file"] is None


def test_segment_csv_text(result):
    lines = rows.segment_csv(result, file="my, song.wav").splitlines()
    assert lines[0] == ",".join(rows.SEGMENT_COLUMNS)
    assert len(lines) == 1 + 7
    assert lines[1] == '"my, song.wav",knn,all,0.0,6.25,blues,' + ",".join(
        f"{v:.6f}" for v in result.models["knn"].probabilities)
    assert lines[3].startswith('"my, song.wav",knn,1,2.992,5.984,classical,0.050000,0.550000,')
    assert lines[-1].startswith('"my, song.wav",ensemble,all,0.0,6.25,jazz,')


def test_summary_row_and_columns(result):
    row = rows.summary_row(result, file="a.wav")
    assert tuple(row) == rows.summary_columns(("knn", "cnn"))
    assert row == {"file": "a.wav", "duration_s": 6.25, "content": None, "music p": None,
                   "knn": "blues", "knn p": pytest.approx(0.48), "cnn": "jazz",
                   "cnn p": pytest.approx(0.64), "verdict": "jazz",
                   "verdict p": pytest.approx(float(result.ensemble.max())),
                   "audioset genre": None}
    assert rows.summary_columns() == ("file", "duration_s", "content", "music p",
                                      *(c for m in MODEL_NAMES for c in (m, f"{m} p")),
                                      "verdict", "verdict p", "audioset genre")


def test_not_music_gets_no_verdict_and_the_json_says_why(result):
    import dataclasses

    from mgc_core.analysis.content import Content

    speech = Content(kind="speech", music_probability=0.04, scores={"music": 0.04},
                     heard="Speech")
    gated = dataclasses.replace(result, content=speech,
                                audioset_genres=(("Pop music", 0.02), ("Jazz", 0.01)))
    row = rows.summary_row(gated, file="talk.wav")
    assert (row["content"], row["music p"], row["verdict"], row["verdict p"]) == (
        "speech", 0.04, "", None)
    assert row["audioset genre"] == "Pop music"
    d = rows.to_json_dict(gated)
    assert d["content"] == {"kind": "speech", "music_probability": 0.04}
    assert d["audioset_genres"][0] == {"name": "Pop music", "probability": 0.02}


def test_top_rows(result):
    got = rows.top_rows(result, k=2)
    assert [r["model"] for r in got] == ["knn", "cnn", "ensemble"]
    assert got[0]["top"] == result.models["knn"].top(2) and got[0]["seconds"] == 0.01234
    assert got[2]["top"][0][0] == "jazz" and got[2]["seconds"] is None


def test_json_dict_is_built_from_the_rows(result):
    d = rows.to_json_dict(result, file="a.wav")
    assert json.loads(json.dumps(d)) == d  # JSON-ready as it is
    assert list(d) == ["file", "duration_s", "models", "ensemble", "seconds"]
    assert d["duration_s"] == 6.25 and d["seconds"] == 1.2346
    knn = d["models"]["knn"]
    assert knn["genre"] == "blues" and knn["seconds"] == 0.0123
    assert knn["segments"] == [
        {"start_s": 0.0, "end_s": 2.992,
         "probabilities": {g: round(float(v), 6) for g, v in zip(GENRES, KNN_SEGMENTS[0].astype(
             np.float32), strict=True)}},
        {"start_s": 2.992, "end_s": 5.984,
         "probabilities": {g: round(float(v), 6) for g, v in zip(GENRES, KNN_SEGMENTS[1].astype(
             np.float32), strict=True)}},
    ]
    assert d["ensemble"]["genre"] == "jazz"
    assert d["ensemble"]["weights"] == {"knn": 0.25, "cnn": 0.75}
    assert "file" not in rows.to_json_dict(result)
    json.dumps(d)
