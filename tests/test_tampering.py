"""Tampered assets are refused before anything is deserialised, and the app says so.

Every test works on a copy of ``assets/`` in ``tmp_path``. For every file of the
manifest, one byte changed, one byte added, the file cut in half, the file missing, and
its manifest entry removed must each make the file's own loader raise
:class:`~mgc_core.errors.AssetError` from the manifest check, naming the file and the
command that rebuilds it (the manifest entry's ``command``):

=========================  ====================================================
file                       loader
=========================  ====================================================
``models/<model file>``    :func:`mgc_core.analysis.classify.load_model`
``models/musicnn_*.tflite`` :func:`mgc_core.analysis.classify.load_model` of the transfer
                           model, and :func:`mgc_core.models.transfer.embedding_networks`
``evaluation/*.json``      :func:`mgc_core.evaluation.read_evaluation`
``maps/gtzan_map.json``    :func:`mgc_core.explore.maps.read_map`
anything else              :func:`mgc_core.assets.verify` (the About page's licence)
=========================  ====================================================

A file whose checksum is right but whose content is unsafe (a ``.skops`` holding an
untrusted type, a served ``.npz`` holding a pickled object, a ``.keras`` holding a
``Lambda`` layer) is refused by the loader.

The pages that read assets (Classify, Models, Dataset, About) are then run on a tampered
copy with ``AppTest``: each shows an ``st.error`` naming the file and how to restore it,
and goes on rendering. ``MGC_ASSETS_DIR`` sets ``mgc_core.assets.ASSETS_DIR`` when the
library is imported (tested in a subprocess in tests/test_assets.py and here through the
CLI); in this process the tests patch ``assets.ASSETS_DIR`` itself, which every reader
reads when called.

The library caches no loaded model: every load verifies the files again. The app's caches
(``ui/results.py``) are keyed by the assets folder and the manifest's sha256, so what a test
loads from its copy is never served for another folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _apptest import ROOT, TIMEOUT, messages
from streamlit.testing.v1 import AppTest

from mgc_core import assets
from mgc_core.analysis.classify import load_model, model_path
from mgc_core.errors import AssetError
from mgc_core.evaluation import read_evaluation
from mgc_core.explore import maps as datamap
from mgc_core.models import MODEL_NAMES, efficientat_lite, model_class, musicnn_lite, transfer
from mgc_core.models import registry
from mgc_core.models.audioset import AudioSetModel, bundled_tagger

REAL = assets.BUNDLED_DIR
MANIFEST = assets.read_manifest(REAL / assets.MANIFEST)["files"]
FILES = sorted(MANIFEST)
#: Each model's own served file (the registry's first: the CNN's and LSTM's .tflite).
MODEL_OF_FILE = {f"models/{registry.info(m).files[0]}": m for m in MODEL_NAMES}
MUSICNN_FILES = {f"models/{f}" for f in musicnn_lite.LITE_FILES.values()}
#: The networks LiteRT runs, given the verified bytes (the transfer model holds all three).
NETWORK_FILES = MUSICNN_FILES | {f"models/{efficientat_lite.TFLITE_FILE}"}

if not FILES or not all((REAL / name).is_file() for name in FILES):
    pytest.skip("the bundled assets are not all present: run `python -m mgc_core train "
                "--gtzan DIR` and `python -m mgc_core evaluate --gtzan DIR`",
                allow_module_level=True)


# --------------------------------------------------------------------------- helpers


@pytest.fixture()
def copy(tmp_path) -> Path:
    """A full copy of the bundled assets folder."""
    return Path(shutil.copytree(REAL, tmp_path / "assets"))


@pytest.fixture()
def deserialised(copy, monkeypatch) -> list[Path]:
    """Model deserialisers that only record what they are given.

    Returns the list of paths handed to a deserialiser: a tampered file must never be in it.
    """
    loaded: list[Path] = []

    def fake_load(cls, path):  # noqa: ANN001, ANN202
        loaded.append(Path(path))
        model = cls()  # unfitted; the transfer model takes its networks' bytes (load_parts)
        if isinstance(model, AudioSetModel):  # its own file is the class list it reads
            model.labels_ = Path(path).read_bytes()
        return model

    for name in MODEL_NAMES:
        monkeypatch.setattr(model_class(name), "load", classmethod(fake_load))

    def fake_lite(content, **kwargs):  # noqa: ANN001, ANN003, ANN202
        # LiteRT gets the verified bytes, not a path: record the copy's file they came from.
        for name in sorted(NETWORK_FILES):
            path = copy / name
            if path.is_file() and path.read_bytes() == content:
                loaded.append(path)
                break
        else:
            loaded.append(Path("<bytes of no network file>"))
        return object()

    monkeypatch.setattr(musicnn_lite, "LiteMusicnn", fake_lite)
    monkeypatch.setattr(efficientat_lite, "LiteMN04", fake_lite)
    return loaded


def _load(name: str, root: Path, monkeypatch) -> object:
    """Read ``name`` (relative to ``root``) with the loader the library uses for it."""
    if name in MODEL_OF_FILE:
        return load_model(MODEL_OF_FILE[name], assets_dir=root)
    if name in NETWORK_FILES:  # the transfer model's networks, loaded with its head
        return load_model("transfer", assets_dir=root)
    if name.startswith("evaluation/"):
        return read_evaluation(Path(name).stem, assets_dir=root)
    if name == datamap.MAP_FILE:
        return datamap.read_map(assets_dir=root)
    return assets.verify(root / name, root=root)


def _rewrite(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "flipped byte":
        data[len(data) // 2] ^= 0xFF
    elif how == "appended byte":
        data += b"\0"
    elif how == "truncated":
        del data[len(data) // 2:]
    path.write_bytes(bytes(data))


def _unlist(root: Path, name: str) -> None:
    manifest = json.loads((root / assets.MANIFEST).read_text(encoding="utf-8"))
    del manifest["files"][name]
    (root / assets.MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def _raised_in(info: pytest.ExceptionInfo) -> tuple[str, str]:
    """(file name, function) of the frame that raised."""
    entry = info.traceback[-1]
    return Path(str(entry.path)).name, entry.name


def _names_file_and_command(message: str, name: str) -> None:
    assert f"assets/{name}" in message, message
    assert MANIFEST[name]["command"] in message, message


# --------------------------------------------------------------------------- every file


def test_the_intact_copy_passes_the_checks(copy, deserialised, monkeypatch):
    """Every file of the copy verifies and every model loads (the failures below are the
    tampering's). The evaluations' and map's schemas are tested in their own test files."""
    for name in FILES:
        assets.verify(copy / name, root=copy)
        if name in MODEL_OF_FILE or name in NETWORK_FILES:
            _load(name, copy, monkeypatch)
    wanted = {copy / n for n in FILES if n in MODEL_OF_FILE or n in NETWORK_FILES}
    assert set(deserialised) == wanted


def test_the_transfer_model_holds_the_networks_of_its_folder(copy, deserialised):
    """Loading the transfer model verifies its head and both networks, which it then holds."""
    model = load_model("transfer", assets_dir=copy)
    assert deserialised[0] == copy / "models/transfer_head.npz"
    assert sorted(deserialised[1:]) == [copy / n for n in sorted(NETWORK_FILES)]
    assert len(model.networks_) == 2 and model.networks() is model.networks_
    assert model.tagger() is model.tagger_


@pytest.mark.parametrize("name", sorted(NETWORK_FILES))
def test_an_altered_network_stops_the_transfer_model_before_anything_loads(
    copy, deserialised, name
):
    _rewrite(copy / name, "flipped byte")
    with pytest.raises(AssetError, match=f"assets/{name} has been altered"):
        load_model("transfer", assets_dir=copy)
    with pytest.raises(AssetError, match=f"assets/{name} has been altered"):
        if name in MUSICNN_FILES:
            transfer.embedding_networks(assets_dir=copy)
        else:
            bundled_tagger(assets_dir=copy)
    assert not deserialised  # not even the intact head


@pytest.mark.parametrize("how", ["flipped byte", "appended byte", "truncated"])
@pytest.mark.parametrize("name", FILES)
def test_altered_file_is_refused_before_loading(copy, deserialised, monkeypatch, name, how):
    _rewrite(copy / name, how)
    with pytest.raises(AssetError, match="has been altered") as info:
        _load(name, copy, monkeypatch)
    assert _raised_in(info) == ("assets.py", "_check")
    assert copy / name not in deserialised
    _names_file_and_command(str(info.value), name)
    assert f"git checkout assets/{name}" in str(info.value)


@pytest.mark.parametrize("name", FILES)
def test_missing_file_is_refused(copy, deserialised, monkeypatch, name):
    (copy / name).unlink()
    with pytest.raises(AssetError, match="missing") as info:
        _load(name, copy, monkeypatch)
    assert _raised_in(info)[0] in ("assets.py", "records.py", "maps.py")
    assert copy / name not in deserialised
    _names_file_and_command(str(info.value), name)


@pytest.mark.parametrize("name", FILES)
def test_unlisted_file_is_refused(copy, deserialised, monkeypatch, name):
    _unlist(copy, name)
    with pytest.raises(AssetError, match="not listed") as info:
        _load(name, copy, monkeypatch)
    assert _raised_in(info)[0] in ("assets.py", "maps.py")
    assert copy / name not in deserialised
    # Unlisted, its recorded command is gone: the message names the usual one for its kind.
    message = str(info.value)
    assert f"assets/{name}" in message, message
    assert assets.rebuild_command(name, root=copy) in message, message


def test_the_default_folder_is_read_when_called(copy, deserialised, monkeypatch):
    """Without an explicit folder, every reader uses assets.ASSETS_DIR as it is now."""
    for name in ("models/knn.npz", "evaluation/knn.json", datamap.MAP_FILE,
                 "models/MUSICNN_LICENSE.md"):
        _rewrite(copy / name, "flipped byte")
    monkeypatch.setattr(assets, "ASSETS_DIR", copy)
    for read, name in ((lambda: load_model("knn"), "models/knn.npz"),
                       (lambda: read_evaluation("knn"), "evaluation/knn.json"),
                       (datamap.read_map, datamap.MAP_FILE),
                       (lambda: assets.verify(copy / "models/MUSICNN_LICENSE.md"),
                        "models/MUSICNN_LICENSE.md")):
        with pytest.raises(AssetError, match=f"assets/{name} has been altered"):
            read()
    assert assets.read_manifest() == assets.read_manifest(copy / assets.MANIFEST)
    assert not deserialised


def test_networks_follow_the_assets_folder(copy, deserialised, monkeypatch):
    monkeypatch.setattr(assets, "ASSETS_DIR", copy)
    transfer.embedding_networks()
    bundled_tagger()
    assert set(deserialised) == {copy / n for n in NETWORK_FILES}


# --------------------------------------------------------------------------- unsafe content


class Untrusted:
    """A type no model file may hold; running any of its code on load would be a breach."""

    ran = False

    def __init__(self) -> None:
        self.payload = "anything"

    def __setstate__(self, state) -> None:  # noqa: ANN001
        Untrusted.ran = True


@pytest.mark.parametrize("model", ["knn", "transfer"])
def test_skops_with_an_untrusted_type_is_refused_though_its_checksum_passes(
    copy, monkeypatch, model
):
    """The manifest vouches for the bytes, not their safety: the skops allow-list still holds
    for the trained file (what ``convert-models`` reads; the app serves the ``.npz``)."""
    import skops.io as sio

    from mgc_core.training.jobs import convert_trained

    path = copy / "models" / model_class(model).file_name
    assert path.suffix == ".skops"
    name = path.relative_to(copy).as_posix()
    sio.dump({"model": model, "format": 1, "pipeline": Untrusted(), "best_params": {}}, path)
    assets.record([path], command=MANIFEST[name]["command"], data=MANIFEST[name]["data"],
                  root=copy)
    assets.verify(path, root=copy)
    for load in (lambda: model_class(model).load(path),
                 lambda: convert_trained([model], assets_dir=copy)):
        with pytest.raises(AssetError, match="does not trust") as info:
            load()
        assert f"{Untrusted.__module__}.{Untrusted.__qualname__}" in str(info.value)
    assert not Untrusted.ran


@pytest.mark.parametrize("model", ["knn", "transfer"])
def test_served_head_holding_a_pickle_is_refused_though_its_checksum_passes(copy, model):
    """The served ``.npz`` is read without pickle: an object array in it is refused, unrun."""
    import io

    import numpy as np

    path = model_path(model, assets_dir=copy)
    assert path.suffix == ".npz"
    name = path.relative_to(copy).as_posix()
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["classes"] = np.array([Untrusted()], dtype=object)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path.write_bytes(buf.getvalue())
    assets.record([path], command=MANIFEST[name]["command"], data=MANIFEST[name]["data"],
                  root=copy)
    assets.verify(path, root=copy)
    with pytest.raises(AssetError, match="not a readable mgc head file") as info:
        load_model(model, assets_dir=copy)
    assert "allow_pickle" in str(info.value)
    assert not Untrusted.ran


@pytest.mark.slow
def test_keras_with_a_lambda_layer_is_refused_though_its_checksum_passes(copy, monkeypatch):
    """Safe mode refuses a Lambda layer (arbitrary Python bytecode) in a bundled .keras
    (the reference network that training and ``convert-models`` read; the app serves the
    converted .tflite)."""
    keras = pytest.importorskip("keras")

    inputs = keras.Input(shape=(187, 96), name="logmel")
    x = keras.layers.Lambda(lambda t: t * 2.0, name="code")(inputs)
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(x))
    path = copy / "models" / model_class("cnn").file_name
    assert path.suffix == ".keras"
    keras.Model(inputs, outputs, name="cnn").save(path)
    assets.record([path], command=MANIFEST["models/cnn.keras"]["command"],
                  data=MANIFEST["models/cnn.keras"]["data"], root=copy)
    assets.verify(path, root=copy)  # the checksum passes
    with pytest.raises(AssetError, match="(?i)lambda") as info:
        model_class("cnn").load(path)
    assert "could not be loaded safely" in str(info.value)
    from mgc_core.training.jobs import convert_trained

    with pytest.raises(AssetError, match="(?i)lambda"):
        convert_trained(["cnn"], assets_dir=copy)


# --------------------------------------------------------------------------- the CLI


def test_mgc_assets_dir_points_the_cli_at_the_tampered_copy(copy):
    """End to end through the environment: `report` with MGC_ASSETS_DIR on a tampered copy."""
    _rewrite(copy / "evaluation" / "lstm.json", "flipped byte")
    env = {**os.environ, "MGC_ASSETS_DIR": str(copy)}
    done = subprocess.run([sys.executable, "-m", "mgc_core", "report"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "assets/evaluation/lstm.json has been altered" in done.stderr
    assert str(copy.resolve()) in done.stderr  # the folder in use is named
    assert MANIFEST["evaluation/lstm.json"]["command"] in done.stderr


# --------------------------------------------------------------------------- the pages


@pytest.fixture()
def app_on_copy(copy, monkeypatch):
    """Run one page alone, on the tampered copy (as MGC_ASSETS_DIR=<copy> would)."""
    monkeypatch.setattr(sys, "path", [str(ROOT), *sys.path])  # `ui` for the page run alone
    monkeypatch.setattr(assets, "ASSETS_DIR", copy)
    monkeypatch.delenv("MGC_GTZAN_DIR", raising=False)

    def run(page: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=TIMEOUT)
        at.run()
        return at

    return run


def _one_error_names(at: AppTest, name: str) -> str:
    assert not at.exception, at.exception
    errors = [e for e in messages(at, "error") if f"assets/{name}" in e]
    assert len(errors) == 1, messages(at, "error")
    assert "has been altered" in errors[0] and "git checkout" in errors[0]
    assert MANIFEST[name]["command"] in errors[0]
    return errors[0]


def test_models_page_names_the_altered_evaluation(copy, app_on_copy):
    _rewrite(copy / "evaluation" / "lstm.json", "flipped byte")
    at = app_on_copy("models")
    _one_error_names(at, "evaluation/lstm.json")
    assert at.title[0].value.startswith("Models")


def test_dataset_page_names_the_altered_map_and_still_explains_the_dataset(copy, app_on_copy):
    _rewrite(copy / datamap.MAP_FILE, "truncated")
    at = app_on_copy("dataset")
    _one_error_names(at, datamap.MAP_FILE)
    assert any("No GTZAN dataset is configured" in m for m in messages(at, "info"))
    assert any(h.value == "Maps of the clips" for h in at.subheader)


@pytest.mark.parametrize("name", ["evaluation/knn.json", "models/MUSICNN_LICENSE.md"])
def test_about_page_names_the_altered_file_and_renders_the_rest(copy, app_on_copy, name):
    _rewrite(copy / name, "appended byte")
    at = app_on_copy("about")
    _one_error_names(at, name)
    text = "\n".join(m.value for m in at.markdown)
    assert "never stored on disk" in text and "Tzanetakis and P. Cook" in text
    data = MANIFEST["models/knn.npz"]["data"]  # held, left out as faulty, usable
    assert [m.value for m in at.metric][:3] == [
        str(data["n_clips"] + data["excluded"]), str(data["excluded"]), str(data["n_clips"])]


def test_classify_page_names_the_altered_model_and_keeps_the_input_panel(
    copy, app_on_copy, monkeypatch
):
    knn = model_class("knn")
    real_load = knn.load.__func__
    opened: list[Path] = []
    monkeypatch.setattr(knn, "load", classmethod(
        lambda cls, path: opened.append(Path(path)) or real_load(cls, path)))
    _rewrite(copy / "models" / "knn.npz", "flipped byte")
    at = app_on_copy("classify")
    at.selectbox(key="input_signal").set_value("drum_pattern")
    at.button(key="input_signal_go").click()
    at.run()
    _one_error_names(at, "models/knn.npz")
    assert at.selectbox(key="input_signal").value == "drum_pattern"  # the panel is still there
    assert not any(h.value.startswith("Verdict") for h in at.subheader)
    assert copy / "models" / "knn.npz" not in opened  # refused before it was deserialised


def test_stored_evaluation_errors_name_the_altered_file(copy, monkeypatch):
    """What the Classify page can show for an altered evaluation (it quotes their scores)."""
    monkeypatch.setattr(sys, "path", [str(ROOT), *sys.path])
    from ui import evaluations

    monkeypatch.setattr(assets, "ASSETS_DIR", copy)
    before = evaluations.stored_evaluation_errors()  # the intact copy's (a stale schema, if any)
    assert not any("knn.json" in e or "cnn.json" in e for e in before)
    assert evaluations.stored_balanced_accuracy("knn") is not None
    _rewrite(copy / "evaluation" / "knn.json", "flipped byte")
    (copy / "evaluation" / "cnn.json").unlink()  # not built: not an error
    new = [e for e in evaluations.stored_evaluation_errors() if e not in before]
    assert len(new) == 1 and "assets/evaluation/knn.json has been altered" in new[0]
    assert evaluations.stored_balanced_accuracy("knn") is None  # the good read is not reused
    assert evaluations.stored_balanced_accuracy("cnn") is None
