"""Tests of mgc_core.analysis.classify with small fake models in a tmp assets folder, and the
real bundled models when they are present."""

from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

import mgc_core.models
from mgc_core import assets
from mgc_core.analysis import classify
from mgc_core.analysis.rows import to_json_dict
from mgc_core.audio import Audio
from mgc_core.errors import AssetError, ParameterError
from mgc_core.genres import GENRES
from mgc_core.models import MODEL_NAMES, registry
from mgc_core.models.base import GenreModel
from mgc_core.models.efficientat_lite import LABELS_FILE, TFLITE_FILE
from mgc_core.models.frontend import SEGMENT_SECONDS

SR = 22050


class ConstantModel(GenreModel):
    """Predicts the same probabilities for every segment; counts loads and inputs calls."""

    name: ClassVar[str] = "fake"
    file_name: ClassVar[str] = "fake.json"
    loads: ClassVar[int] = 0
    fronts: ClassVar[list] = []

    def inputs(self, front):  # noqa: ANN001, ANN201
        type(self).fronts.append(id(front))
        return np.zeros((front.n_segments, 1), np.float32)

    def predict_proba(self, X):  # noqa: ANN001, ANN201
        return np.tile(self.p_, (len(X), 1))

    def save(self, path):  # noqa: ANN001, ANN201
        Path(path).write_text(json.dumps(list(self.p_)))

    @classmethod
    def load(cls, path):  # noqa: ANN001, ANN201
        ConstantModel.loads += 1
        m = cls()
        m.p_ = np.array(json.loads(Path(path).read_text()))
        return m


def _fake_class(name: str) -> type:
    return type(f"Fake_{name}", (ConstantModel,), {"name": name, "file_name": f"{name}.json"})


FAKES = {name: _fake_class(name) for name in MODEL_NAMES}
#: Fake model i favours genre i strongly.
FAKE_P = {name: np.full(10, 0.02) + np.eye(10)[i] * 0.8 for i, name in enumerate(MODEL_NAMES)}


def make_fake_assets(root: Path, names=MODEL_NAMES) -> Path:  # noqa: ANN001
    """Bundle fake models under ``root/models`` and record them in ``root/manifest.json``."""
    (root / "models").mkdir(parents=True, exist_ok=True)
    for name in names:
        m = FAKES[name]()
        m.p_ = FAKE_P[name]
        m.save(root / "models" / FAKES[name].file_name)
        assets.record([root / "models" / FAKES[name].file_name],
                      command=f"python -m mgc_core train --gtzan DIR --models {name}",
                      data="fake", root=root)
    copy_audioset_network(root)
    write_fake_ensemble(root)
    return root


def copy_audioset_network(root: Path) -> None:
    """The real AudioSet network and class list, which the gate reads whatever models run."""
    for name in (TFLITE_FILE, LABELS_FILE):
        target = root / "models" / name
        target.write_bytes((assets.BUNDLED_DIR / "models" / name).read_bytes())
        assets.record([target], command="python -m mgc_core convert-efficientat", data="copy",
                      root=root)


#: Ensemble weights of the fake assets (unequal, so the tests see them applied).
FAKE_WEIGHTS = {"knn": 0.1, "cnn": 0.2, "lstm": 0.2, "transfer": 0.4, "audioset": 0.1}


def write_fake_ensemble(root: Path, weights=FAKE_WEIGHTS) -> None:  # noqa: ANN001
    """A valid ``evaluation/ensemble.json`` holding ``weights``, recorded in the manifest."""
    from mgc_core import evaluation as ev

    protocol = {"name": "grouped-cv", "description": "fake", "n_splits": 5,
                "fold_seeds": [0], "groups": ev.GROUPS}
    clips = [{"id": f"{g}.00000", "genre": g, "probabilities": np.eye(10)[i], "fold": i % 5}
             for i, g in enumerate(GENRES)]
    record = ev.evaluation_record("ensemble", protocol, clips, n_resamples=10, extra={
        "rule": "fake", "members": list(MODEL_NAMES), "weights": dict(weights)})
    ev.write_evaluation(record, assets_dir=root)


def use_fakes(monkeypatch) -> None:
    """Route model names to the fakes: their classes, and one file each in the registry."""
    monkeypatch.setattr(mgc_core.models, "model_class", lambda name: FAKES[name])
    for name in MODEL_NAMES:
        monkeypatch.setitem(registry.MODELS, name, dataclasses.replace(
            registry.MODELS[name], files=(FAKES[name].file_name,)))


@pytest.fixture()
def fakes(monkeypatch, tmp_path) -> Path:
    """Route model names to the fakes and bundle them in a tmp assets folder (the default)."""
    use_fakes(monkeypatch)
    monkeypatch.setattr(assets, "ASSETS_DIR", tmp_path)
    ConstantModel.loads = 0
    ConstantModel.fronts.clear()
    return make_fake_assets(tmp_path)


def _audio(seconds: float = 7.0) -> Audio:
    t = np.arange(int(seconds * SR)) / SR
    return Audio((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), sr=SR)


def test_result_shape_and_ensemble(fakes):
    result = classify.classify(_audio(7.0))
    assert result.duration_s == pytest.approx(7.0)
    assert result.segment_times.shape == (2, 2)
    assert result.segment_times[1, 0] == pytest.approx(SEGMENT_SECONDS)
    assert list(result.models) == list(MODEL_NAMES)
    for i, name in enumerate(MODEL_NAMES):
        r = result.models[name]
        assert r.probabilities.shape == (10,) and r.segment_probabilities.shape == (2, 10)
        assert r.genre == GENRES[i] and r.seconds >= 0
        assert r.top(2)[0] == (GENRES[i], pytest.approx(r.probabilities[i]))
    members = sum(FAKE_WEIGHTS[n] * result.models[n].probabilities for n in MODEL_NAMES)
    np.testing.assert_allclose(result.ensemble, members, rtol=1e-6)
    assert dict(result.ensemble_weights) == pytest.approx(FAKE_WEIGHTS)
    assert to_json_dict(result)["ensemble"]["weights"] == pytest.approx(FAKE_WEIGHTS)
    assert result.seconds >= result.analysis_seconds > 0
    # One analysis shared by all models.
    assert len(set(ConstantModel.fronts)) == 1 and len(ConstantModel.fronts) == len(MODEL_NAMES)


def test_a_subset_of_models_renormalises_the_weights(fakes):
    result = classify.classify(_audio(), models=("cnn", "transfer"))
    assert dict(result.ensemble_weights) == pytest.approx({"cnn": 1 / 3, "transfer": 2 / 3})
    models = result.models
    expected = (models["cnn"].probabilities + 2 * models["transfer"].probabilities) / 3
    np.testing.assert_allclose(result.ensemble, expected, rtol=1e-6)


def test_missing_ensemble_weights_say_how_to_rebuild(fakes):
    (fakes / "evaluation" / "ensemble.json").unlink()
    with pytest.raises(AssetError, match="ensemble.json"):
        classify.classify(_audio(), models=("knn",))


def test_result_is_frozen(fakes):
    result = classify.classify(_audio(), models=("knn",))
    with pytest.raises(AttributeError):
        result.duration_s = 1.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        result.ensemble[0] = 1.0
    with pytest.raises(TypeError):
        result.models["cnn"] = result.models["knn"]  # type: ignore[index]


def test_nothing_is_cached_between_calls(fakes):
    """The library keeps no cache: each load reads the files again (callers keep models)."""
    classify.classify(_audio(), models=("knn", "cnn"))
    classify.classify(_audio(), models=("knn", "cnn", "lstm"))
    assert ConstantModel.loads == 5
    assert classify.load_model("knn") is not classify.load_model("knn")


def test_loaded_models_are_used_and_not_read_again(fakes):
    models = classify.load_models(("knn", "cnn"))
    assert list(models) == ["knn", "cnn"] and ConstantModel.loads == 2
    first = classify.classify(_audio(), loaded=models)
    again = classify.classify(_audio(4.0), loaded=models)
    assert ConstantModel.loads == 2  # models loaded once, for both clips
    assert list(first.models) == list(again.models) == ["knn", "cnn"]
    assert dict(first.ensemble_weights) == pytest.approx({"knn": 1 / 3, "cnn": 2 / 3})
    # A model asked for but not given is loaded for that call; the order is `models`'.
    result = classify.classify(_audio(), models=("lstm", "knn"), loaded=models)
    assert list(result.models) == ["lstm", "knn"] and ConstantModel.loads == 3
    same = classify.classify(_audio(), models=("knn", "cnn"))
    for name in ("knn", "cnn"):
        np.testing.assert_array_equal(first.models[name].probabilities,
                                      same.models[name].probabilities)


def test_loaded_models_with_unknown_names_are_refused(fakes):
    with pytest.raises(ParameterError, match="Unknown model"):
        classify.classify(_audio(), loaded={"nope": object()})


def test_an_altered_model_is_refused_at_each_load(fakes):
    """What was loaded stays usable; a later load of the altered file is refused."""
    models = classify.load_models(("cnn",))
    path = fakes / "models" / "cnn.json"
    path.write_text(path.read_text().replace("0.02", "0.03", 1))
    assert classify.classify(_audio(), loaded=models).models["cnn"].genre == GENRES[1]
    with pytest.raises(AssetError, match="has been altered"):
        classify.load_models(("cnn",))


def test_model_checksums_are_the_manifest_s(fakes):
    manifest = assets.read_manifest()["files"]
    assert classify.model_checksums("knn") == (manifest["models/knn.json"]["sha256"],)
    (fakes / "models" / "knn.json").write_text("[]")  # read from the manifest, not the file
    assert classify.model_checksums("knn") == (manifest["models/knn.json"]["sha256"],)
    assert classify.model_checksums("knn", assets_dir=fakes / "elsewhere") == (None,)


def test_a_model_s_other_files_are_verified_first_and_handed_to_it(fakes, monkeypatch):
    """As the transfer model's musicnn networks: checked bytes in, nothing loaded if altered."""
    extra = fakes / "models" / "extra.bin"
    extra.write_bytes(b"network")
    assets.record([extra], command="make extra", data="fake", root=fakes)
    monkeypatch.setitem(registry.MODELS, "knn", dataclasses.replace(
        registry.MODELS["knn"], files=("knn.json", "extra.bin")))
    given = []
    monkeypatch.setattr(FAKES["knn"], "load_parts",
                        lambda self, contents: given.append(dict(contents)) or self, raising=False)
    assert isinstance(classify.load_model("knn"), FAKES["knn"])
    assert given == [{"extra.bin": b"network"}] and ConstantModel.loads == 1
    manifest = assets.read_manifest()["files"]
    assert classify.model_checksums("knn") == (manifest["models/knn.json"]["sha256"],
                                               manifest["models/extra.bin"]["sha256"])
    extra.write_bytes(b"altered")
    with pytest.raises(AssetError, match="assets/models/extra.bin has been altered"):
        classify.load_model("knn")
    assert ConstantModel.loads == 1 and len(given) == 1  # refused before anything was loaded


def test_result_pickles_and_stays_read_only(fakes):
    """The app's st.cache_data pickles results: a copy is equal and as immutable."""
    result = classify.classify(_audio(7.0), models=("knn", "transfer"))
    copy = pickle.loads(pickle.dumps(result))
    assert to_json_dict(copy, file="a") == to_json_dict(result, file="a")
    assert list(copy.models) == ["knn", "transfer"] and copy.genre == result.genre
    with pytest.raises(ValueError):
        copy.ensemble[0] = 1.0
    with pytest.raises(ValueError):
        copy.segment_times[0, 0] = 1.0
    with pytest.raises(ValueError):
        copy.models["knn"].segment_probabilities[0, 0] = 1.0
    with pytest.raises(TypeError):
        copy.models["cnn"] = copy.models["knn"]  # type: ignore[index]
    with pytest.raises(TypeError):
        copy.ensemble_weights["cnn"] = 1.0  # type: ignore[index]


def test_inputs_are_kept_only_for_the_models_asked(fakes):
    audio = _audio(7.0)
    assert dict(classify.classify(audio, models=("knn", "cnn")).inputs) == {}
    result = classify.classify(audio, models=("knn", "cnn", "transfer"),
                               keep_inputs=["knn", "transfer"])
    assert list(result.inputs) == ["knn", "transfer"]
    n = len(result.segment_times)
    for x in result.inputs.values():
        assert x.shape == (n, 1) and x.dtype == np.float32
        with pytest.raises(ValueError):
            x[0, 0] = 1.0
    copy = pickle.loads(pickle.dumps(result))
    assert list(copy.inputs) == ["knn", "transfer"] and not copy.inputs["knn"].flags.writeable
    with pytest.raises(TypeError):
        copy.inputs["cnn"] = copy.inputs["knn"]  # type: ignore[index]
    with pytest.raises(ParameterError, match="keep_inputs names models not run"):
        classify.classify(audio, models=("knn",), keep_inputs=["transfer"])


def test_to_dict_matches_the_cli_json(fakes):
    d = to_json_dict(classify.classify(_audio(4.0), models=("knn", "transfer")), file="a.wav")
    assert d["file"] == "a.wav" and set(d["models"]) == {"knn", "transfer"}
    seg = d["models"]["knn"]["segments"][0]
    assert set(seg) == {"start_s", "end_s", "probabilities"}
    assert list(seg["probabilities"]) == list(GENRES)
    # knn favours blues, transfer disco; weights 0.1 : 0.4 make them 0.2 : 0.8.
    assert d["ensemble"]["genre"] == "disco"
    assert d["ensemble"]["probabilities"]["blues"] == pytest.approx(0.2 * 0.82 + 0.8 * 0.02,
                                                                   abs=1e-5)
    assert d["ensemble"]["weights"] == pytest.approx({"knn": 0.2, "transfer": 0.8})
    json.dumps(d)


def test_an_altered_model_is_refused(fakes):
    path = fakes / "models" / "cnn.json"
    path.write_text(path.read_text().replace("0.02", "0.03", 1))
    with pytest.raises(AssetError, match="assets/models/cnn.json has been altered"):
        classify.classify(_audio(), models=("cnn",))


def test_a_model_not_bundled_names_the_command(fakes):
    (fakes / "models" / "lstm.json").unlink()
    manifest = json.loads((fakes / "manifest.json").read_text())
    del manifest["files"]["models/lstm.json"]
    (fakes / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(AssetError, match="train --gtzan DIR --models lstm"):
        classify.classify(_audio(), models=("lstm",))


def test_a_deleted_bundled_model_is_missing(fakes):
    (fakes / "models" / "knn.json").unlink()
    with pytest.raises(AssetError, match="missing"):
        classify.classify(_audio(), models=("knn",))


def test_bad_arguments(fakes):
    with pytest.raises(ParameterError):
        classify.classify(np.zeros(16000), models=("knn",))
    with pytest.raises(ParameterError):
        classify.classify(_audio(), models=())


def _bundled(names=MODEL_NAMES) -> tuple[str, ...]:  # noqa: ANN001
    files = assets.read_manifest()["files"]
    have = []
    for name in names:
        try:
            cls = mgc_core.models.model_class(name)
        except ImportError:
            continue
        if f"models/{cls.file_name}" in files and (assets.ASSETS_DIR / "models" /
                                                   cls.file_name).is_file():
            have.append(name)
    return tuple(have)


@pytest.mark.slow
def test_real_bundled_models():
    names = _bundled()
    if not names:
        pytest.skip("no trained model is bundled yet: run `python -m mgc_core train --gtzan DIR`")
    result = classify.classify(_audio(7.0), models=names)
    for name in names:
        p = result.models[name].probabilities
        assert p.shape == (10,) and p.sum() == pytest.approx(1, abs=1e-4)
        assert result.models[name].segment_probabilities.shape == (2, 10)


def test_progress_reports_every_step_in_order():
    from mgc_core.analysis.classify import classify, load_models
    from mgc_core.audio import Audio
    from mgc_core.audio.signals import make_signal

    steps = []
    audio = Audio(make_signal("drum_pattern", sr=22050, duration=4.0), sr=22050)
    classify(audio, loaded=load_models(["knn", "cnn"]),
             progress=lambda step, done, total: steps.append((step, done, total)))
    assert steps == [("analysis", 1, 4), ("knn", 2, 4), ("cnn", 3, 4), ("content", 4, 4)]
