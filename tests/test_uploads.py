"""Tests of mgc_core.audio.uploads and of how the app treats hostile uploads.

Unit tests of the pure helpers (:func:`display_name`, :func:`extension`, the size and
format checks), of the Markdown escaping and the batch rows of ``ui/``, and AppTest
runs of the Audio features page with hostile file names and an upload over the size
limit: each gets a clear label or message, the app keeps running, and nothing is
written to disk (an audit hook records every file opened for writing, created,
renamed or removed while the uploads are handled).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf
from _apptest import app_on, messages

from mgc_core.audio import SUPPORTED_EXTENSIONS
from mgc_core.audio.uploads import (
    BYTES_PER_MB,
    MAX_NAME_CHARS,
    check_extension,
    check_upload,
    check_upload_size,
    display_name,
    extension,
)
from mgc_core.errors import AudioError, ParameterError

PAGE = "audio_features"

# name as received -> label shown
HOSTILE_NAMES: dict[str, str] = {
    "../../etc/passwd.wav": "passwd.wav",
    "/etc/cron.d/evil.wav": "evil.wav",
    "a/b\\c.mp3": "c.mp3",
    "C:\\Users\\me\\Music\\song.wav": "song.wav",
    "..\\..\\windows\\win.ini.wav": "win.ini.wav",
    "line\r\nbreak\tand\x0bcontrols\x1b[31m.wav": "line break and controls[31m.wav",
    "bell\x07del\x7fc1\x85.wav": "belldelc1.wav",
    "\u202egnp.wav": "gnp.wav",  # right-to-left override
    "zero\u200bwidth\ufeff.wav": "zerowidth.wav",
    "bad\ufffdutf8.wav": "bad\ufffdutf8.wav",  # what a name that is not UTF-8 arrives as
    "lone\udcffsurrogate.wav": "lone\ufffdsurrogate.wav",
    "  spaced   out  .wav": "spaced out .wav",
    "**bold** [x](javascript:alert(1)) :red[hi] $x$ `c` <b>.wav":
        "**bold** [x](javascript:alert(1)) :red[hi] $x$ `c` <b>.wav",
    "cafe\u0301.flac": "caf\u00e9.flac",  # NFC
}


def _wav(seconds: float = 2.0, sr: int = 8000) -> bytes:
    t = np.arange(int(seconds * sr)) / sr
    buf = io.BytesIO()
    sf.write(buf, 0.3 * np.sin(2 * np.pi * 440 * t), sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def _printable(text: str) -> bool:
    return all(unicodedata.category(ch)[0] != "C" and ch not in "\u2028\u2029" for ch in text)


# --------------------------------------------------------------------------- display_name


@pytest.mark.parametrize("name", list(HOSTILE_NAMES))
def test_display_name_of_hostile_names(name):
    label = display_name(name)
    assert label == HOSTILE_NAMES[name]
    assert _printable(label) and "/" not in label and "\\" not in label
    assert display_name(label) == label  # idempotent


def test_display_name_of_names_that_are_not_text():
    assert display_name(b"caf\xe9.flac") == "caf\ufffd.flac"  # Latin-1 bytes
    assert display_name("caf\udce9.flac".encode("utf-8", "surrogateescape")) == "caf\ufffd.flac"
    assert display_name(os.fsdecode(b"caf\xe9.flac")) == "caf\ufffd.flac"  # surrogateescape
    assert display_name(None) == "unnamed file"
    for empty in ("", "   ", "/", "\\", "..", ".", "../..", "\x00\x00", "\u202e"):
        assert display_name(empty) == "unnamed file", repr(empty)


def test_display_name_shortens_long_names_but_keeps_the_extension():
    for name in ("x" * 10_000 + ".wav", "é" * 10_000 + ".flac", "a b " * 5_000 + "end.mp3"):
        label = display_name(name)
        assert len(label) <= MAX_NAME_CHARS and "…" in label
        assert label.endswith(name[-8:]) and label.startswith(name[:20].strip())
    assert display_name("x" * 80) == "x" * 80  # exactly the limit: untouched
    assert len(display_name("y" * 81)) == 80
    assert len(display_name("z" * 500, max_chars=20)) == 20
    for bad in (9, 0, -1, 2.5, True, "80"):
        with pytest.raises(ParameterError, match="max_chars must be an integer >= 10"):
            display_name("a.wav", max_chars=bad)


def test_display_name_of_combining_marks_is_bounded():
    zalgo = "a" + "\u0301" * 5000 + ".wav"
    assert len(display_name(zalgo)) <= MAX_NAME_CHARS


# --------------------------------------------------------------------------- extension


@pytest.mark.parametrize(
    "name, ext",
    [
        ("song.MP3", "mp3"), ("a.b.c.FlAc", "flac"), ("README", ""), (".wav", "wav"),
        ("trailing.", ""), ("x.wav\x00.exe", "exe"), ("x.exe\x00.wav", "wav"),
        ("dir.wav/notes", ""), ("dir/evil.wav/", "wav"), ("a.w av", ""), ("a.wav ", "wav"),
        ("a.\uff57av", ""),  # fullwidth letters are not an extension
        ("x" * 10_000 + ".OGG", "ogg"), (None, ""), (b"b\xffd.wav", "wav"),
    ],
)
def test_extension(name, ext):
    assert extension(name) == ext


@pytest.mark.parametrize("ext", SUPPORTED_EXTENSIONS)
def test_every_supported_extension_is_accepted(ext):
    assert check_extension(f"song.{ext}") == ext
    assert check_extension(f"SONG.{ext.upper()}") == ext


@pytest.mark.parametrize(
    "name, what",
    [
        ("notes.txt", "a .txt file"), ("song.mid", "a .mid file"), ("movie.avi", "a .avi file"),
        ("README", "a file without an extension"), ("x.wav.exe", "a .exe file"),
        ("x.wav\x00.exe", "a .exe file"), ("", "a file without an extension"),
    ],
)
def test_unsupported_formats_say_what_to_upload(name, what):
    with pytest.raises(AudioError) as info:
        check_extension(name)
    message = str(info.value)
    assert message.startswith(f"{what} is not a format mgc accepts")
    assert "wav, au, snd" in message and "convert it to WAV or MP3" in message


def test_a_long_bogus_extension_is_cut_in_the_message():
    with pytest.raises(AudioError) as info:
        check_extension("x." + "q" * 5000)
    assert len(str(info.value)) < 300


# --------------------------------------------------------------------------- size


def test_size_limit_counts_mib_like_streamlit():
    assert BYTES_PER_MB == 1024 * 1024
    check_upload_size(0, 200)
    check_upload_size(200 * BYTES_PER_MB, 200)  # exactly at the limit
    with pytest.raises(AudioError) as info:
        check_upload_size(200 * BYTES_PER_MB + 1, 200)
    message = str(info.value)
    assert "the file is 200.0 MB (209,715,201 bytes), more than the 200 MB limit" in message
    assert "Upload a shorter excerpt, or compress it" in message


def test_size_message_of_a_small_limit():
    with pytest.raises(AudioError, match=r"1\.5 MB \(1,572,864 bytes\), more than the 1 MB limit"):
        check_upload_size(3 * BYTES_PER_MB // 2, 1)
    with pytest.raises(AudioError, match=r"more than the 0\.5 MB limit"):
        check_upload_size(BYTES_PER_MB, 0.5)


@pytest.mark.parametrize(
    "n_bytes, limit_mb, fragment",
    [
        (-1, 200, "n_bytes must be a whole number of bytes"),
        (1.5, 200, "n_bytes must be a whole number of bytes"),
        (True, 200, "n_bytes must be a whole number of bytes"),
        ("10", 200, "n_bytes must be a whole number of bytes"),
        (10, 0, "limit_mb must be a positive number of MB"),
        (10, -5, "limit_mb must be a positive number of MB"),
        (10, float("nan"), "limit_mb must be a positive number of MB"),
        (10, float("inf"), "limit_mb must be a positive number of MB"),
        (10, None, "limit_mb must be a positive number of MB"),
        (10, "200", "limit_mb must be a positive number of MB"),
    ],
)
def test_bad_size_arguments(n_bytes, limit_mb, fragment):
    with pytest.raises(ParameterError, match=fragment):
        check_upload_size(n_bytes, limit_mb)


def test_check_upload_checks_the_format_then_the_size():
    assert check_upload("../../x.WAV", 10, limit_mb=1) == "wav"
    with pytest.raises(AudioError, match="a .txt file is not a format"):
        check_upload("x.txt", 10 * BYTES_PER_MB, limit_mb=1)
    with pytest.raises(AudioError, match="more than the 1 MB limit"):
        check_upload("x.wav", 10 * BYTES_PER_MB, limit_mb=1)


def test_the_module_examples_run():
    import doctest

    import mgc_core.audio.uploads

    result = doctest.testmod(mgc_core.audio.uploads)
    assert result.attempted >= 8 and result.failed == 0


# --------------------------------------------------------------------------- ui helpers


def test_md_escape_neutralises_markdown_and_streamlit_directives():
    from ui.input_panel import md_escape

    assert md_escape("notes.mp3") == "notes.mp3"
    assert md_escape("my_song (live) - take 2!.wav") == "my\\_song (live) - take 2!.wav"
    escaped = md_escape("**b** [x](http://e) :red[hi] $x$ `c` <b> |t| ~~s~~ \\")
    for special in "*[]:$`<>|~":
        assert special not in escaped.replace("\\" + special, "")
    assert escaped.endswith("\\\\")


#: The gate's answer for music, as far as summary_row reads it.
_music = SimpleNamespace(kind="music", music_probability=0.93456, is_music=True)


class _Upload:
    """What st.file_uploader returns, as far as ui.batch uses it."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name, self._data = name, data

    def getvalue(self) -> bytes:
        return self._data


def test_batch_rows_label_hostile_names_and_refuse_oversize(monkeypatch):
    from mgc_core.models import MODEL_NAMES
    from ui import batch

    classified = []

    def fake_classify(key, audio):
        classified.append(audio.duration)
        top = SimpleNamespace(top=lambda k: [("jazz", 0.9)])
        return SimpleNamespace(duration_s=audio.duration, models=dict.fromkeys(MODEL_NAMES, top),
                               genre="jazz", ensemble=np.array([0.1, 0.9]),
                               content=_music, audioset_genres=(("Swing music", 0.61),))

    monkeypatch.setattr(batch, "run_classify", fake_classify)
    monkeypatch.setattr(batch, "upload_limit_mb", lambda: 1)
    big = _wav(seconds=70.0)  # 1.1 MB
    files = [
        _Upload("../../etc/passwd.wav", _wav()),
        _Upload("x" * 10_000 + ".wav", _wav()),
        _Upload("ctl\x1b[2J\r\n.wav", _wav()),
        _Upload("notes.txt", b"hello"),
        _Upload("huge.wav", big),
    ]
    rows = batch.batch_rows(files)
    assert [r["file"] for r in rows] == [display_name(f.name) for f in files]
    assert all(len(r["file"]) <= MAX_NAME_CHARS and _printable(r["file"]) for r in rows)
    assert [bool(r["error"]) for r in rows] == [False, False, False, True, True]
    assert rows[3]["error"].startswith("a .txt file is not a format mgc accepts")
    assert "more than the 1 MB limit for uploads" in rows[4]["error"]
    assert len(classified) == 3 and rows[0]["genre"] == "jazz"
    assert rows[0]["content"] == "music" and rows[0]["audioset_genre"] == "Swing music"
    assert rows[3]["content"] is None and rows[3]["genre"] == ""


def _gated_rows(monkeypatch, content) -> list[dict]:
    """Batch rows of one file whose (fake) classification has the gate's ``content``."""
    from mgc_core.models import MODEL_NAMES
    from ui import batch

    def fake_classify(key, audio):
        top = SimpleNamespace(top=lambda k: [("pop", 0.4)])
        return SimpleNamespace(duration_s=audio.duration, models=dict.fromkeys(MODEL_NAMES, top),
                               genre="pop", ensemble=np.array([0.6, 0.4]), content=content,
                               audioset_genres=(("Electronic music", 0.0004),))

    monkeypatch.setattr(batch, "run_classify", fake_classify)
    return batch.batch_rows([_Upload("memo.wav", _wav())])


def test_batch_rows_show_the_gate_and_audiosets_genre(monkeypatch):
    from mgc_core.batch.rows import ROW_COLUMNS

    (row,) = _gated_rows(monkeypatch, _music)
    assert list(row) == list(ROW_COLUMNS)  # the library run's rows (mgc_core.batch.rows)
    assert row["content"] == "music" and row["music_p"] == 0.9346  # rounded to 0.0001
    assert row["genre"] == "pop" and row["confidence"] == 0.6
    assert row["audioset_genre"] == "Electronic music"


def test_batch_rows_of_non_music_have_no_verdict_and_say_why(monkeypatch):
    from mgc_core.analysis.content import Content

    speech = Content(kind="speech", music_probability=0.0123,
                     scores={"music": 0.0123, "speech": 0.9, "silence": 0.0, "noise": 0.01},
                     heard="Speech")
    (row,) = _gated_rows(monkeypatch, speech)
    assert row["error"] == "" and row["content"] == "speech" and row["music_p"] == 0.0123
    assert row["genre"] == "" and row["confidence"] is None
    assert row["knn"] == "pop" and row["knn_p"] == 0.4  # the guesses stay in the table


# --------------------------------------------------------------------------- the app

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_CHANGES = {
    "os.mkdir", "os.rename", "os.replace", "os.remove", "os.rmdir", "os.symlink", "os.link",
    "os.truncate", "os.chmod", "os.chown", "os.utime", "shutil.copyfile", "shutil.copytree",
    "shutil.move", "shutil.rmtree", "shutil.make_archive", "tempfile.mkstemp",
    "tempfile.mkdtemp",
}
_recording: list[tuple[str, str]] | None = None
_hooked = False


def _audit(event: str, args: tuple) -> None:
    record = _recording
    if record is None:
        return
    if event == "open":
        path, mode, flags = args
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            mode is None and isinstance(flags, int) and flags >= 0 and flags & _WRITE_FLAGS
        )
        if writes and not isinstance(path, int):
            record.append((event, os.fsdecode(os.fspath(path))))
    elif event in _CHANGES and args and not isinstance(args[0], int):
        record.append((event, os.fsdecode(os.fspath(args[0]))))


@contextlib.contextmanager
def recorded_writes() -> Iterator[list[tuple[str, str]]]:
    """Record (event, path) for every file written, created, moved or removed meanwhile.

    Uses a Python audit hook (PEP 578), which sees every ``open`` in a writing mode and
    every ``os``/``shutil``/``tempfile`` call that changes the file system. Hooks cannot
    be removed, so one is installed per process and only records inside this block.
    """
    global _recording, _hooked
    if not _hooked:
        sys.addaudithook(_audit)
        _hooked = True
    _recording = record = []
    try:
        yield record
    finally:
        _recording = None


def _unexpected(writes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The writes that are not numba's cache of compiled librosa kernels.

    numba (librosa) stores what it compiles under ``NUMBA_CACHE_DIR`` (set by
    ``mgc_core``) the first time a kernel runs, whatever the audio's name.
    """
    cache = os.environ.get("NUMBA_CACHE_DIR")
    allowed = [Path(cache).resolve()] if cache else []
    return [
        (event, path) for event, path in writes
        if not any(Path(path).resolve().is_relative_to(root) for root in allowed)
    ]


@pytest.fixture
def scratch_tmp(tmp_path, monkeypatch) -> Path:
    """Point every temporary-file location at an empty folder, removed afterwards."""
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    for var in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.setenv(var, str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    yield scratch
    assert list(scratch.iterdir()) == [], "temporary files were left behind"


@pytest.fixture
def upload_limit_mb():
    """Set Streamlit's server.maxUploadSize for the test (the app reads it per run)."""
    from streamlit import config

    before = config.get_option("server.maxUploadSize")

    def set_limit(mb: int) -> None:
        config.set_option("server.maxUploadSize", mb)

    yield set_limit
    config.set_option("server.maxUploadSize", before)


@pytest.fixture(autouse=True)
def _no_dataset(monkeypatch):
    monkeypatch.delenv("MGC_GTZAN_DIR", raising=False)


def _now_analysing(at) -> str | None:
    found = [m.value for m in at.markdown if m.value.startswith("**Now analysing:**")]
    return found[0] if found else None


def _upload(at, name: str, data: bytes) -> None:
    at.file_uploader(key="input_upload").set_value((name, data, "audio/wav"))
    at.run()


def test_hostile_names_are_labels_only_and_nothing_is_written(scratch_tmp):
    from ui.input_panel import md_escape

    at = app_on(PAGE)
    data = _wav()
    with recorded_writes() as writes:
        for name, label in HOSTILE_NAMES.items():
            if "\udcff" in name:  # a browser cannot send a lone surrogate (nor can AppTest)
                continue
            _upload(at, name, data)
            assert not at.exception, (name, at.exception)
            assert not messages(at, "error"), (name, messages(at, "error"))
            assert at.session_state["selection"].label == label
            shown = _now_analysing(at)
            assert shown == f"**Now analysing:** {md_escape(label)}"
            assert _printable(shown)
    assert _unexpected(writes) == [], "the app wrote to disk while handling uploads"
    for name in HOSTILE_NAMES:  # no file named after an upload appeared anywhere near
        for base in (Path.cwd(), scratch_tmp, Path(__file__).resolve().parents[1]):
            assert not (base / name).exists(), name


def test_a_10000_character_name_is_shortened_on_screen(scratch_tmp):
    at = app_on(PAGE)
    name = "a" * 10_000 + ".wav"
    with recorded_writes() as writes:
        _upload(at, name, _wav())
    assert not at.exception
    label = at.session_state["selection"].label
    assert len(label) == MAX_NAME_CHARS and label.endswith("aaa.wav") and "…" in label
    assert _now_analysing(at) == f"**Now analysing:** {label}"
    assert _unexpected(writes) == []


def test_an_upload_over_the_limit_gets_a_clear_error_and_the_app_keeps_going(
    scratch_tmp, upload_limit_mb
):
    upload_limit_mb(1)
    at = app_on(PAGE)
    assert any("Up to 1 MB" in w.proto.help for w in at.get("file_uploader"))
    _upload(at, "small.wav", _wav(2.0))
    assert at.session_state["selection"].label == "small.wav"
    with recorded_writes() as writes:
        _upload(at, "../big [1].wav", _wav(70.0))  # 1.1 MB, over the 1 MB limit
    assert not at.exception
    errors = messages(at, "error")
    assert len(errors) == 1
    assert errors[0].startswith("Could not use **big \\[1\\].wav**: the file is 1.1 MB")
    assert "more than the 1 MB limit for uploads" in errors[0]
    assert "compress it" in errors[0]
    assert at.session_state["selection"].label == "small.wav"  # the previous music stays
    assert _now_analysing(at) == "**Now analysing:** small.wav"
    assert _unexpected(writes) == []
    _upload(at, "next.wav", _wav(3.0))  # and the next upload works
    assert not at.exception and not messages(at, "error")
    assert at.session_state["selection"].label == "next.wav"


def test_renamed_non_audio_says_what_it_is(scratch_tmp):
    at = app_on(PAGE)
    _upload(at, "../../etc/passwd.mp3", b"root:x:0:0:root:/root:/bin/bash\n" * 20)
    assert not at.exception
    errors = messages(at, "error")
    assert errors and errors[0].startswith("Could not use **passwd.mp3**:")
    assert "looks like a text file, not audio" in errors[0]


@pytest.mark.parametrize(
    "name, refusal",
    [
        ("evil\x00.wav", "Filename cannot contain null bytes"),
        ("notes.txt", "Invalid file extension: `.txt`"),
        ("passwd", "Invalid file extension"),
    ],
)
def test_names_streamlit_refuses_end_only_that_run(scratch_tmp, name, refusal):
    # The browser only offers the listed extensions and no file name holds a NUL, so
    # only a forged request gets here. Streamlit refuses it itself, while it reads the
    # widget's value and before any app code runs (so the app cannot word the message);
    # nothing is decoded or written, and the next run of the session works again.
    at = app_on(PAGE)
    with recorded_writes() as writes:
        _upload(at, name, _wav())
    assert at.exception and refusal in at.exception[0].value
    assert _unexpected(writes) == []
    at.run()
    assert not at.exception
    _upload(at, "fine.wav", _wav())
    assert not at.exception and at.session_state["selection"].label == "fine.wav"


def test_html_in_a_name_stays_text_in_the_waveform_title(scratch_tmp):
    at = app_on(PAGE)
    _upload(at, "<b>bold<i>.wav", _wav())
    assert not at.exception
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    wave = [t for t in titles if t.startswith("Waveform of")]
    assert wave == ["Waveform of &lt;b&gt;bold&lt;i&gt;.wav"]


# --------------------------------------------------------------------------- plain words

# Words meant for programmers that no message on screen may hold.
PROGRAMMER_WORDS = ("max_seconds", ".seek", "soundfile", "FFmpeg", "NaN", "dBFS", "±1",
                    "the audio data", "Errno", "features and predictions")


def _wav_of(x: np.ndarray, sr: int = 22050, subtype: str = "PCM_16", fmt: str = "WAV") -> bytes:
    buf = io.BytesIO()
    sf.write(buf, x, sr, format=fmt, subtype=subtype)
    return buf.getvalue()


def _tone(seconds: float, sr: int = 22050) -> np.ndarray:
    return 0.3 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * sr)) / sr)


# what the person uploads -> what they must be told (each is a message load_audio gives)
_BAD_UPLOADS = {
    "empty": (lambda: b"", "The file is empty (0 bytes)"),
    "image": (lambda: b"\x89PNG\r\n\x1a\n" + bytes(2000), "The file looks like a PNG image"),
    "noise bytes": (lambda: np.random.default_rng(0).integers(0, 256, 8192, np.uint8).tobytes(),
                    "The file could not be decoded as audio: it is corrupt, truncated, or in a "
                    "format mgc cannot read. Check that it plays"),
    "NaN samples": (lambda: _wav_of(np.where(_tone(3) > 0.2, np.nan, _tone(3)), subtype="FLOAT"),
                    "The file contains invalid values instead of sound"),
    "huge samples": (lambda: _wav_of(_tone(3) * 1e6, subtype="FLOAT"),
                     "The file contains values far too large to be sound"),
    "too short": (lambda: _wav_of(_tone(0.3)), "The file is too short: mgc needs at least 1 s"),
    "absurd rate": (lambda: _wav_of(np.zeros(50), sr=5), "The file declares a sample rate of 5 Hz"),
}
_WARNED_UPLOADS = {
    "long": (lambda: _wav_of(_tone(3.0)), "Only the first 2 s of this recording (3 s long) are "
             "analysed: mgc listens to at most 2 s of each file. To analyse a later part, cut"),
    "low rate": (lambda: _wav_of(_tone(3.0, 8000), sr=8000), "This recording is of low quality "
                 "(8 kHz: 8,000 samples a second, where a CD has 44,100), so sounds above 4 kHz"),
    "silent": (lambda: _wav_of(np.zeros(3 * 22050)), "The audio is silent (or nearly)"),
    "truncated": (lambda: _wav_of(_tone(6.0), fmt="FLAC")[:25_000], "The file ends early"),
}


@pytest.mark.parametrize("case", list(_BAD_UPLOADS))
def test_load_errors_in_plain_words(case):
    from mgc_core.audio import load_audio
    from mgc_core.audio.uploads import plain_message

    make, expected = _BAD_UPLOADS[case]
    with pytest.raises(AudioError) as info:
        load_audio(make(), sr=22050)
    plain = plain_message(str(info.value))
    assert plain.startswith(expected), plain
    assert not [w for w in PROGRAMMER_WORDS if w in plain], plain


@pytest.mark.parametrize("case", list(_WARNED_UPLOADS))
def test_load_warnings_in_plain_words(case):
    from mgc_core.audio import load_audio
    from mgc_core.audio.uploads import plain_message

    make, expected = _WARNED_UPLOADS[case]
    warnings = load_audio(make(), sr=22050, max_seconds=2.0 if case == "long" else 600).warnings
    plain = [plain_message(w) for w in warnings]
    assert any(p.startswith(expected) for p in plain), plain
    assert not [w for p in plain for w in PROGRAMMER_WORDS if w in p], plain


@pytest.mark.parametrize("text, expected", [
    ("cut to the first 600 s of 720 s; the rest was not decoded (raise max_seconds to keep "
     "more).", "Only the first 10 minutes of this recording (12 minutes long) are analysed"),
    ("cut to the first 600 s of about 752 s; the rest was not decoded (raise max_seconds to "
     "keep more).", "Only the first 10 minutes of this recording (about 12 min 32 s long)"),
    ("the audio data has an audio stream in a codec that FFmpeg cannot decode; the file",
     "The file has an audio stream in a codec that mgc cannot decode; the file"),
    ("cannot read the audio data: [Errno 5] Input/output error (x). Check that the file is "
     "still there", "Cannot read the file. Check that the file is still there"),
    ("3 damaged audio packet(s) were skipped; the file", "3 damaged piece(s) of the audio were "
     "skipped; the file"),
    ("something new", "Something new"),
])
def test_plain_message_of_messages_hard_to_provoke(text, expected):
    from mgc_core.audio.uploads import plain_message

    assert plain_message(text).startswith(expected)


def test_the_app_says_what_happened_to_an_empty_or_long_upload(scratch_tmp, monkeypatch):
    import ui.input_panel

    at = app_on(PAGE)
    _upload(at, "nothing.wav", b"")
    errors = messages(at, "error")
    assert errors == ["Could not use **nothing.wav**: The file is empty (0 bytes): there is no "
                      "sound in it. Upload or choose the file again; if it is empty on your "
                      "computer too, export it again from the program that made it."]
    monkeypatch.setattr(ui.input_panel, "MAX_SECONDS", 2)  # a 12-minute song, in short
    _upload(at, "long.wav", _wav_of(_tone(3.0) * 0.9))
    assert not at.exception and not messages(at, "error")
    shown = messages(at, "warning")
    assert any(w.startswith(_WARNED_UPLOADS["long"][1]) for w in shown), shown
    assert not [w for m in errors + shown for w in PROGRAMMER_WORDS if w in m]
