"""The LiteRT runner and the converted CNN and LSTM: same answers as Keras, no TensorFlow.

- the bundled ``cnn.tflite`` / ``lstm.tflite`` give the ``.keras`` originals' probabilities
  (to float32 rounding) on a real clip's segments, including a last, padded chunk;
- a model loaded from ``.tflite`` predicts but refuses to save;
- :func:`~mgc_core.training.jobs.convert_trained` rebuilds the converted files and records
  them in the manifest;
- serving (``load_models`` + ``classify``, and the ``classify`` command) never imports
  TensorFlow or Keras (checked in a fresh interpreter).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import librosa
import numpy as np
import pytest

from mgc_core import assets
from mgc_core.audio.signals import make_signal
from mgc_core.errors import AssetError, ParameterError
from mgc_core.models.lite import LiteNetwork

ROOT = Path(__file__).resolve().parents[1]
MODELS = assets.BUNDLED_DIR / "models"
KERAS_MODELS = ("cnn", "lstm")


@pytest.fixture(scope="module")
def front():
    from mgc_core.models.frontend import analyse

    y = make_signal("drum_pattern", sr=16000, duration=31.0)  # 10 segments: 8 + a padded 2
    y = y + 0.3 * librosa.tone(330, sr=16000, length=y.size)
    return analyse(y.astype(np.float32))


@pytest.mark.slow
@pytest.mark.parametrize("name", KERAS_MODELS)
def test_converted_network_gives_the_keras_probabilities(name, front):
    from mgc_core.models import model_class

    cls = model_class(name)
    lite = cls.load(MODELS / f"{name}.tflite")
    reference = cls.load(MODELS / f"{name}.keras")
    X = lite.inputs(front)
    assert X.shape[0] == 10
    p_lite, p_keras = lite.predict_proba(X), reference.predict_proba(X)
    assert p_lite.shape == (10, 10) and p_lite.dtype == np.float32
    np.testing.assert_allclose(p_lite, p_keras, atol=2e-5)
    np.testing.assert_allclose(p_lite.sum(axis=1), 1.0, atol=1e-5)
    # one segment alone (a chunk padded from 1 to the fixed batch) gives the same row
    np.testing.assert_allclose(lite.predict_proba(X[3:4]), p_keras[3:4], atol=2e-5)
    assert lite.predict_proba(X[:0]).shape == (0, 10)


@pytest.mark.parametrize("name", KERAS_MODELS)
def test_a_lite_model_predicts_but_does_not_save(name, tmp_path):
    from mgc_core.models import model_class

    model = model_class(name).load(MODELS / f"{name}.tflite")
    with pytest.raises(ParameterError, match=r"\.tflite file, which only predicts"):
        model.save(tmp_path / f"{name}.keras")
    with pytest.raises(ParameterError, match="segment inputs of shape"):
        model.predict_proba(np.zeros((2, 10, 10), np.float32))


def test_the_other_models_network_is_refused(tmp_path):
    from mgc_core.models import model_class

    with pytest.raises(AssetError, match=r"items of shape \(187, 96\)"):
        model_class("lstm").load(MODELS / "cnn.tflite")
    with pytest.raises(AssetError, match="missing"):
        model_class("cnn").load(tmp_path / "cnn.tflite")
    junk = tmp_path / "cnn.tflite"
    junk.write_bytes(b"not a network")
    with pytest.raises(AssetError, match="convert-models"):
        model_class("cnn").load(junk)


def test_lite_network_checks_its_input():
    net = LiteNetwork((MODELS / "cnn.tflite").read_bytes(), name="cnn", rebuild="x",
                      queued=False)
    assert net.item_shape == (187, 96) and net.output_widths == (10,)
    assert net.fixed_batch == 8 and net.pad
    with pytest.raises(AssetError, match=r"items of shape"):
        net.run(np.zeros((1, 187, 60), np.float32))
    with pytest.raises(ParameterError, match="bytes"):
        LiteNetwork("cnn.tflite", name="cnn", rebuild="x")
    out = net.run(np.zeros((0, 187, 96), np.float32))
    assert out[0].shape == (0, 10)


@pytest.mark.slow
def test_convert_trained_rebuilds_and_records_the_files(tmp_path):
    from mgc_core.training.jobs import CONVERT_COMMAND, convert_trained

    root = tmp_path / "assets"
    (root / "models").mkdir(parents=True)
    for f in ("cnn.keras", "cnn.tflite"):
        shutil.copy(MODELS / f, root / "models" / f)
    manifest = json.loads((assets.BUNDLED_DIR / assets.MANIFEST).read_text())
    manifest["files"] = {k: v for k, v in manifest["files"].items() if k == "models/cnn.keras"}
    (root / assets.MANIFEST).write_text(json.dumps(manifest))
    (root / "models" / "cnn.tflite").write_bytes(b"stale")

    written = convert_trained(["cnn"], assets_dir=root)
    assert written == {"cnn": root / "models" / "cnn.tflite"}
    entry = assets.read_manifest(root / assets.MANIFEST)["files"]["models/cnn.tflite"]
    assert entry["command"] == CONVERT_COMMAND
    assert entry["data"]["converted_from"] == "models/cnn.keras"
    assets.verify(root / "models" / "cnn.tflite", root=root)
    with pytest.raises(ParameterError, match="no trained file to convert"):
        convert_trained(["audioset"], assets_dir=root)


_SERVE = r"""
import json, sys
from mgc_core.analysis.classify import classify, load_models
from mgc_core.audio import Audio
from mgc_core.audio.signals import make_signal
result = classify(Audio(make_signal("drum_pattern", sr=22050, duration=7.0), sr=22050),
                  loaded=load_models())
heavy = sorted(m for m in sys.modules
               if m.split(".")[0] in ("tensorflow", "keras", "tf_keras", "sklearn", "skops"))
print("MGC " + json.dumps({"models": sorted(result.models), "heavy": heavy[:5]}))
"""


@pytest.mark.slow
def test_serving_never_imports_tensorflow_or_scikit_learn(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", _SERVE], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(next(ln for ln in proc.stdout.splitlines() if ln.startswith("MGC "))[4:])
    assert out["models"] == sorted(["knn", "cnn", "lstm", "transfer", "audioset"])
    assert out["heavy"] == [], f"serving imported {out['heavy']}"


@pytest.mark.slow
def test_classify_command_never_imports_tensorflow_or_scikit_learn(tmp_path):
    import soundfile as sf

    clip = tmp_path / "clip.wav"
    sf.write(clip, make_signal("drum_pattern", sr=22050, duration=4.0), 22050)
    code = ("import runpy, sys\n"
            "sys.argv = ['mgc_core', 'classify', sys.argv[1], '--json']\n"
            "try:\n    runpy.run_module('mgc_core', run_name='__main__')\n"
            "except SystemExit as e:\n    code = e.code\n"
            "heavy = [m for m in sys.modules\n"
            "         if m.split('.')[0] in ('tensorflow', 'keras', 'sklearn', 'skops')]\n"
            "print('HEAVY', len(heavy), heavy[:3])\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code, str(clip)], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "HEAVY 0 []" in proc.stdout, proc.stdout[-500:]
