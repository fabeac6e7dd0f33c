"""Tests of ui/batch.py, the app's several-files table: the library run's rows, verdict and
error first, no "None" for a bad file, the loader's warnings kept, any row opened on Classify."""

from __future__ import annotations

import io
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf
from streamlit.testing.v1 import AppTest

from mgc_core.batch.rows import ROW_COLUMNS
from mgc_core.models import MODEL_NAMES

_MUSIC = SimpleNamespace(kind="music", music_probability=0.93456, is_music=True)


def _wav(seconds: float = 2.0, sr: int = 22050, amp: float = 0.3) -> bytes:
    t = np.arange(int(seconds * sr)) / sr
    buf = io.BytesIO()
    sf.write(buf, (amp * np.sin(2 * np.pi * 220 * t)).astype(np.float32), sr, format="WAV")
    return buf.getvalue()


def _fake_classify(key, audio):  # noqa: ANN001, ANN202 - ui.results.run_classify's signature
    top = SimpleNamespace(top=lambda k: [("jazz", 0.9)])
    return SimpleNamespace(duration_s=audio.duration, models=dict.fromkeys(MODEL_NAMES, top),
                           genre="jazz", ensemble=np.array([0.1, 0.9]), content=_MUSIC,
                           audioset_genres=(("Swing music", 0.61),))


class _Upload:
    def __init__(self, name: str, data: bytes) -> None:
        self.name, self._data = name, data

    def getvalue(self) -> bytes:
        return self._data


@pytest.fixture()
def fake_classify(monkeypatch):
    from ui import batch

    monkeypatch.setattr(batch, "run_classify", _fake_classify)


def test_rows_are_the_library_run_s(fake_classify):
    from ui import batch

    rows = batch.batch_rows([_Upload("one.wav", _wav()), _Upload("bad.mp3", b"hello" * 40),
                             _Upload("quiet.wav", _wav(amp=0.0))])
    assert [list(r) for r in rows] == [list(ROW_COLUMNS)] * 3
    good, bad, quiet = rows
    assert good["genre"] == "jazz" and good["confidence"] == 0.9 and good["error"] == ""
    assert good["content"] == "music" and good["music_p"] == 0.9346 and good["knn"] == "jazz"
    assert len(good["sha256"]) == 64 and good["warnings"] == ""
    assert "looks like" in bad["error"] and bad["genre"] == "" and bad["warnings"] == ""
    assert "silent" in quiet["warnings"]  # the loader's warnings are kept
    table = batch._shown(rows)
    shown = table.iloc[1][[c for c in batch.SHOWN_COLUMNS if table[c].dtype == object]]
    assert not any(v is None for v in shown)  # a bad file's row shows no "None"


def _script() -> None:
    import streamlit as st

    from ui.batch import batch_section
    from ui.input_panel import current_selection

    batch_section()
    chosen = current_selection()
    st.markdown(f"chosen: {chosen.label if chosen else 'none'}")


def test_the_table_puts_the_verdict_first_and_opens_any_row(fake_classify):
    at = AppTest.from_function(_script, default_timeout=60)
    at.run()
    at.file_uploader(key="batch_upload").set_value([
        ("one.wav", _wav(), "audio/wav"),
        ("broken.mp3", b"hello, not audio" * 10, "audio/mpeg"),
        ("two.wav", _wav(3.0), "audio/wav"),
    ])
    at.run()
    assert not at.exception, at.exception
    table = at.dataframe[0]
    assert list(table.proto.column_order)[:7] == ["file", "genre", "confidence", "content",
                                                  "music_p", "error", "warnings"]
    assert "sha256" not in table.proto.column_order
    assert list(table.value["file"]) == ["one.wav", "broken.mp3", "two.wav"]
    pick = at.selectbox(key="batch_open")
    assert pick.options == ["one.wav", "two.wav"]  # only files that could be classified
    assert at.markdown[-1].value == "chosen: none"
    pick.set_value(2)
    at.button(key="batch_open_go").click()
    at.run()
    assert not at.exception, at.exception
    assert at.markdown[-1].value == "chosen: two.wav"
    csv = [b for b in at.get("download_button") if "batch" in b.proto.id]
    assert csv
