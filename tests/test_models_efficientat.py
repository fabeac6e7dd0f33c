"""Tests of the EfficientAT mn04 port: numpy front end, Keras network, LiteRT conversion.

Reference outputs of the original network live in ``../shared/fixtures/efficientat_reference``
and the weights in ``../shared/models/efficientat_mn04``; tests that need them skip when
they are absent. The fixture's GTZAN rows are only read from ``shared/``, never copied.
The synthetic row is regenerated here from its formula, so the front end, the network and
the LiteRT conversion are also exercised on it without the fixture.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soxr

from mgc_core.errors import AssetError, ParameterError
from mgc_core.genres import GENRES
from mgc_core.models import efficientat_lite as lite_mod
from mgc_core.models.efficientat_lite import (
    GENRE_CLASSES,
    GTZAN_CLASSES,
    MUSIC,
    NOISE,
    NOISE_CLASSES,
    SILENCE,
    SPEECH,
    LiteMN04,
    kaldi_mel_bank,
    macs_per_second,
    mn04_logmel,
    n_frames,
    network_macs,
    read_class_labels,
    to_mn04_rate,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"
WEIGHTS = SHARED / "models" / "efficientat_mn04" / "weights.npz"
LABELS = SHARED / "models" / "efficientat_mn04" / "class_labels.csv"
REFERENCE = SHARED / "fixtures" / "efficientat_reference" / "efficientat_mn04_reference.npz"
SYNTHETIC_SHA256 = "cda5e3bf70a86c830ccf73e1e5dabddbf873a942e76fc84cd9c23c5f89ef0e4e"
STAGES = ("stem", "block05", "block10", "lastconv")
#: Tolerances of the fixture's README.
TOL_STAGE, TOL_LOGITS = 1e-4, 1e-3


def synthetic_wave() -> np.ndarray:
    """The fixture's ``synthetic`` row from its formula: 20 harmonic notes with clicks.

    The phase is computed as a fraction of a cycle first, ``2 pi (h r / P)``: other
    orders change the sign of a few hundred zero samples (-0.0 vs 0.0) and so the sha256.
    """
    sr, note = 32000, 16000
    m = np.arange(note)
    wave = np.empty(20 * note)
    for k in range(20):
        period = round(800 * 2 ** (-k / 4))
        h = np.arange(1, 15000 * period // 32000 + 1, dtype=np.float64)
        r = np.arange(period, dtype=np.float64)
        cycle = (2 / np.pi) * 0.25 * (np.sin(2 * np.pi * (np.outer(r, h) / period)) / h).sum(1)
        amp = 0.5 if k % 4 == 0 else 0.25
        click = np.where(m < 960, amp * np.exp(-m / 96) * np.sin(2 * np.pi * 2000 * m / sr), 0.0)
        wave[k * note : (k + 1) * note] = cycle[m % period] + click
    return (np.clip(np.round(wave * 32768), -32768, 32767) / 32768).astype(np.float32)


@pytest.fixture(scope="module")
def synthetic() -> np.ndarray:
    return synthetic_wave()


@pytest.fixture(scope="module")
def reference():
    if not REFERENCE.is_file():
        pytest.skip(f"reference outputs {REFERENCE} are absent (shared fixtures not checked out)")
    with np.load(REFERENCE, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


# --- Front end (numpy only) ------------------------------------------------------------------


def test_synthetic_wave_regenerates_exactly(synthetic):
    assert synthetic.shape == (320000,) and synthetic.dtype == np.float32
    assert hashlib.sha256(synthetic.tobytes()).hexdigest() == SYNTHETIC_SHA256
    np.testing.assert_array_equal(synthetic[:6] * 32768, [0, 15811, 18765, 23250, 23537, 22640])
    assert round(float(np.abs(synthetic).max()), 3) == 0.718
    assert round(float(np.sqrt(np.mean(synthetic.astype(np.float64) ** 2))), 3) == 0.144


def test_kaldi_bank_has_the_documented_shape():
    bank = kaldi_mel_bank()
    assert bank.shape == (128, 513) and bank.dtype == np.float32
    assert np.count_nonzero(bank) == 947
    assert not bank[:, 512].any(), "the Nyquist column must be zero"
    assert not bank[:, 0].any() and not bank[:, 480:].any(), "DC and >= 15 kHz get no weight"
    assert 0.99 < bank.max() <= 1.0 and bank.min() == 0.0
    assert list(np.nonzero(bank[0])[0]) == [1] and list(np.nonzero(bank[1])[0]) == [1]
    assert sum(np.count_nonzero(row) == 1 for row in bank[:20]) == 13
    assert kaldi_mel_bank() is bank and not bank.flags.writeable


@pytest.mark.parametrize("row", [0, 1, 2])
def test_front_end_matches_the_original(reference, row):
    got = mn04_logmel(reference["wave"][row])
    assert got.shape == (128, 1000) and got.dtype == np.float32
    diff = np.abs(got - reference["mel"][row])
    assert diff.max() < 1e-3, reference["names"][row]
    assert diff.mean() < 1e-5, reference["names"][row]


def test_synthetic_row_is_the_regenerated_wave(reference, synthetic):
    assert reference["names"][0] == "synthetic"
    np.testing.assert_array_equal(reference["wave"][0], synthetic)


@pytest.mark.parametrize("n", [514, 515, 834, 835, 96000, 320001])
def test_front_end_frames(n):
    y = np.random.default_rng(n).uniform(-0.5, 0.5, n).astype(np.float32)
    out = mn04_logmel(y)
    assert out.shape == (128, 1 + (n - 1) // 320) == (128, n_frames(n))
    assert out.dtype == np.float32 and np.all(np.isfinite(out))


def test_front_end_chunks_do_not_change_frames(monkeypatch, synthetic):
    whole = mn04_logmel(synthetic[:64000])
    monkeypatch.setattr(lite_mod, "_STFT_CHUNK", 7)
    # BLAS may sum a smaller product in another order: equal to float32 round-off
    np.testing.assert_allclose(mn04_logmel(synthetic[:64000]), whole, rtol=0, atol=1e-6)


def test_to_mn04_rate_is_soxr_hq():
    y = np.random.default_rng(0).uniform(-0.5, 0.5, 22050).astype(np.float32)
    got = to_mn04_rate(y, 22050)
    assert got.shape == (32000,) and got.dtype == np.float32
    np.testing.assert_array_equal(got, soxr.resample(y, 22050, 32000, quality="HQ"))
    np.testing.assert_array_equal(to_mn04_rate(y, 32000), y)


@pytest.mark.parametrize(
    ("call", "hint"),
    [
        (lambda: mn04_logmel(np.zeros(32000, np.float32), sr=22050), "to_mn04_rate"),
        (lambda: mn04_logmel(np.zeros(0, np.float32)), "empty"),
        (lambda: mn04_logmel(np.full(32000, np.nan, np.float32)), "NaN"),
        (lambda: mn04_logmel(np.array([0.0, np.inf] * 1000)), "NaN or infinite"),
        (lambda: mn04_logmel(np.zeros((32000, 2), np.float32)), "mix the channels down"),
        (lambda: mn04_logmel(np.zeros(32000, np.int16)), "divide integer PCM"),
        (lambda: mn04_logmel(np.zeros(513, np.float32)), "at least 514"),
        (lambda: to_mn04_rate(np.zeros(100, np.float32), 0), "positive int"),
        (lambda: to_mn04_rate(np.zeros(100, np.float32), 44100.0), "positive int"),
        (lambda: to_mn04_rate(np.zeros((100, 2), np.float32), 44100), "mix the channels down"),
        (lambda: to_mn04_rate(np.zeros(0, np.float32), 44100), "empty"),
        (lambda: n_frames(100), "at least 514"),
        (lambda: network_macs(0), "positive int"),
    ],
)
def test_bad_inputs_raise_parameter_errors_that_say_what_to_do(call, hint):
    with pytest.raises(ParameterError, match=hint):
        call()


def test_serving_side_does_not_import_tensorflow():
    code = (
        "import sys, mgc_core.models.efficientat_lite; "
        "sys.exit(any(m in sys.modules for m in ('tensorflow', 'keras', 'torch')))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --- Classes, cost ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def class_names() -> tuple[str, ...]:
    if not LABELS.is_file():
        pytest.skip(f"class list {LABELS} is absent (shared models not checked out)")
    return read_class_labels(LABELS)


def test_class_constants_match_the_class_list(class_names):
    assert len(class_names) == 527
    assert class_names[MUSIC] == "Music"
    assert class_names[SPEECH] == "Speech"
    assert class_names[SILENCE] == "Silence"
    assert class_names[NOISE] == "Noise"
    for index, name in {**GENRE_CLASSES, **NOISE_CLASSES}.items():
        assert class_names[index] == name
    assert tuple(GTZAN_CLASSES) == GENRES
    assert set(GTZAN_CLASSES.values()) <= set(GENRE_CLASSES)
    assert hashlib.sha256(LABELS.read_bytes()).hexdigest() == lite_mod.LABELS_SHA256


@pytest.mark.parametrize(
    "content",
    [b"", b"a,b,c\n0,x,y\n", b"index,mid,display_name\n0,/m/x,Speech\n", b"\xff\xfe\x00"],
)
def test_read_class_labels_rejects_other_files(content, tmp_path):
    with pytest.raises(AssetError, match="convert-efficientat"):
        read_class_labels(content)
    with pytest.raises(AssetError, match="cannot be read"):
        read_class_labels(tmp_path / "missing.csv")


def test_network_cost_matches_the_spec_table():
    assert [round(network_macs(t) / 1e6, 1) for t in (300, 1000, 3000)] == [34.1, 110.6, 328.5]
    assert 11.0e6 < macs_per_second() < 11.1e6


def test_lite_rejects_what_is_not_a_network():
    with pytest.raises(AssetError, match="convert-efficientat"):
        LiteMN04(b"not a flatbuffer")
    with pytest.raises(ParameterError, match="read_bytes"):
        LiteMN04("efficientat_mn04.tflite")


# --- Keras and LiteRT (TensorFlow) ------------------------------------------------------------


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, Path]:
    """The converted files; without the shared weights, a seeded untrained network's.

    The untrained network still checks the Keras build, the ``.keras`` round trip and the
    LiteRT conversion; tests of pretrained outputs, licence and labels need the weights.
    """
    from mgc_core.models import efficientat

    out = tmp_path_factory.mktemp("efficientat")
    if WEIGHTS.is_file():
        return {**efficientat.convert_mn04(WEIGHTS, out), "pretrained": True}
    import keras

    keras.utils.set_random_seed(0)
    model = efficientat.build_mn04()
    model.save(out / "untrained.keras")
    return {
        "keras": out / "untrained.keras",
        "tflite": efficientat.export_tflite(model, out / "untrained.tflite"),
        "pretrained": False,
    }


def _need_weights(converted) -> None:
    if not converted["pretrained"]:
        pytest.skip(f"weights {WEIGHTS} are absent (shared models not checked out)")


@pytest.fixture(scope="module")
def keras_model(converted):
    from mgc_core.models.efficientat import load_mn04

    return load_mn04(converted["keras"])


@pytest.fixture(scope="module")
def lite(converted) -> LiteMN04:
    return LiteMN04(converted["tflite"].read_bytes(), batch=2, threads=2)


@pytest.fixture(scope="module")
def keras_on_reference(keras_model, converted, reference) -> dict[str, np.ndarray]:
    _need_weights(converted)
    from mgc_core.models.efficientat import build_mn04_stages

    out = build_mn04_stages(keras_model).predict_on_batch(reference["mel"][..., np.newaxis])
    return {key: np.asarray(value) for key, value in out.items()}


def _keras(model, logmel: np.ndarray) -> dict[str, np.ndarray]:
    out = model.predict_on_batch(logmel[..., np.newaxis])
    return {key: np.asarray(value) for key, value in out.items()}


@pytest.mark.slow
@pytest.mark.parametrize("stage", STAGES)
def test_keras_stages_match_the_original(keras_on_reference, reference, stage):
    full = keras_on_reference[stage]
    ref = reference[stage]
    assert full.shape[:2] == ref.shape[:2] and full.shape[3] == ref.shape[3]
    assert np.abs(full[:, :, : ref.shape[2], :] - ref).max() < TOL_STAGE
    means = full.mean(axis=(1, 2), dtype=np.float64)
    assert np.abs(means - reference[f"{stage}_chanmean"]).max() < TOL_STAGE


@pytest.mark.slow
@pytest.mark.parametrize(("key", "tol"), [("embedding", 1e-4), ("hidden", 1e-4), ("logits", 1e-3)])
def test_keras_outputs_match_the_original(keras_on_reference, reference, key, tol):
    assert np.abs(keras_on_reference[key] - reference[key]).max() < tol


@pytest.mark.slow
def test_wave_to_logits_end_to_end(keras_model, converted, reference):
    _need_weights(converted)
    logmel = np.stack([mn04_logmel(w) for w in reference["wave"]])
    assert np.abs(_keras(keras_model, logmel)["logits"] - reference["logits"]).max() < TOL_LOGITS


@pytest.mark.slow
def test_lite_matches_keras_and_the_original(lite, keras_on_reference, reference):
    got = lite.predict(reference["mel"])
    for key, width in (("logits", 527), ("embedding", 384), ("hidden", 512)):
        assert got[key].shape == (3, width) and got[key].dtype == np.float32
        assert np.abs(got[key] - keras_on_reference[key]).max() < 1e-4, key
    assert np.abs(got["logits"] - reference["logits"]).max() < TOL_LOGITS
    assert np.abs(got["embedding"] - reference["embedding"]).max() < 1e-4


@pytest.mark.slow
def test_synthetic_runs_without_the_fixture(lite, keras_model, converted, synthetic):
    logmel = mn04_logmel(synthetic)[np.newaxis]
    got, ref = lite.predict(logmel), _keras(keras_model, logmel)
    assert got["logits"].shape == (1, 527) and got["embedding"].shape == (1, 384)
    assert all(np.all(np.isfinite(v)) for v in got.values())
    for key in got:
        assert np.abs(got[key] - ref[key]).max() < 1e-4, key
    if converted["pretrained"]:
        assert int(np.argmax(got["logits"][0])) == MUSIC  # the original: Music 0.66, first


@pytest.mark.slow
@pytest.mark.parametrize(("n", "frames"), [(1, 1), (1, 257), (3, 300), (5, 1000)])
def test_lite_time_axis_is_resizable(lite, keras_model, synthetic, n, frames):
    logmel = mn04_logmel(synthetic)
    x = np.stack([np.roll(logmel, 97 * i, axis=1)[:, :frames] for i in range(n)])
    got, ref = lite.predict(x), _keras(keras_model, x)
    for key in got:
        assert got[key].shape[0] == n
        assert np.abs(got[key] - ref[key]).max() < 1e-4, key
    np.testing.assert_allclose(lite.predict(x[-1:])["logits"], got["logits"][-1:], atol=1e-5)


@pytest.mark.slow
def test_lite_concurrent_calls_get_their_own_answers(lite, synthetic):
    logmel = mn04_logmel(synthetic)
    inputs = [logmel[np.newaxis, :, 100 * i : 100 * i + 300 + 10 * i] for i in range(4)]
    expected = [lite.predict(x)["logits"] for x in inputs]
    results: dict[int, np.ndarray] = {}

    def work(i: int) -> None:
        for _ in range(3):
            results[i] = lite.predict(inputs[i])["logits"]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, want in enumerate(expected):
        np.testing.assert_array_equal(results[i], want)


@pytest.mark.slow
@pytest.mark.parametrize(
    "bad", [np.zeros((128, 300)), np.zeros((1, 64, 300)), np.full((1, 128, 300), np.nan)]
)
def test_lite_rejects_bad_log_mels(lite, bad):
    with pytest.raises(ParameterError, match="mn04_logmel"):
        lite.predict(bad)
    assert lite.predict(np.zeros((0, 128, 300), np.float32))["embedding"].shape == (0, 384)


@pytest.mark.slow
def test_keras_file_is_safe_and_complete(keras_model, converted):
    import keras

    model = keras.saving.load_model(converted["keras"], compile=False, safe_mode=True)
    assert model.count_params() == 993_439  # the spec's count, BN statistics included
    assert not any(type(layer).__name__ == "Lambda" for layer in model.layers)
    assert tuple(model.input.shape) == (None, 128, None, 1)
    assert set(model.output) == {"logits", "embedding", "hidden"}
    assert converted["tflite"].stat().st_size < 5_000_000


@pytest.mark.slow
def test_converted_folder_carries_licence_and_labels(converted):
    _need_weights(converted)
    notice = converted["license"].read_text(encoding="utf-8")
    for needed in ("MIT License", "Copyright (c) 2022 Florian Schmid", "AudioSet",
                   "CC BY-SA 4.0", "Gemmeke"):  # fmt: skip
        assert needed in notice
    assert converted["labels"].read_bytes() == LABELS.read_bytes()
    assert len(read_class_labels(converted["labels"])) == 527


@pytest.mark.slow
def test_load_mn04_refuses_missing_or_corrupt_files(tmp_path):
    from mgc_core.models.efficientat import load_mn04

    with pytest.raises(AssetError, match="convert_mn04"):
        load_mn04(tmp_path / "missing.keras")
    corrupt = tmp_path / "corrupt.keras"
    with zipfile.ZipFile(corrupt, "w") as z:
        z.writestr("config.json", "{not json")
    with pytest.raises(AssetError, match="convert_mn04"):
        load_mn04(corrupt)


@pytest.mark.slow
def test_weights_must_map_one_to_one(tmp_path, converted):
    _need_weights(converted)
    from mgc_core.models.efficientat import build_mn04, convert_mn04, load_npz_weights

    with np.load(WEIGHTS) as npz:
        tensors = {key: npz[key] for key in npz.files}
    model = build_mn04(frames=100)
    before = model.get_layer("features_0_0").get_weights()[0].copy()
    short = dict(tensors)
    del short["classifier.5.bias"]
    np.savez(tmp_path / "short.npz", **short)
    with pytest.raises(AssetError, match="classifier.5.bias"):
        load_npz_weights(model, tmp_path / "short.npz")
    bent = dict(tensors, **{"features.0.0.weight": np.zeros((8, 1, 5, 5), np.float32)})
    np.savez(tmp_path / "bent.npz", **bent)
    with pytest.raises(AssetError, match="features_0_0"):
        load_npz_weights(model, tmp_path / "bent.npz")
    np.testing.assert_array_equal(model.get_layer("features_0_0").get_weights()[0], before)
    extra = dict(tensors, **{"features.17.0.weight": np.zeros(1, np.float32)})
    np.savez(tmp_path / "extra.npz", **extra)
    with pytest.raises(AssetError, match="features.17.0.weight"):
        load_npz_weights(model, tmp_path / "extra.npz")
    with pytest.raises(AssetError, match="sha256"):
        convert_mn04(tmp_path / "extra.npz", tmp_path / "out", labels_path=LABELS)
