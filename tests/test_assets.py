"""Tests of mgc_core.assets: the manifest catches a missing, unlisted or altered asset.

tests/test_tampering.py runs the same checks through every loader and page.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mgc_core import assets
from mgc_core.errors import AssetError


def _bundled_asset() -> Path:
    """A small real bundled asset listed in the manifest (the smallest one)."""
    files = assets.read_manifest()["files"]
    present = [assets.ASSETS_DIR / name for name in files if (assets.ASSETS_DIR / name).is_file()]
    if not present:
        pytest.skip("no bundled asset is present yet")
    return min(present, key=lambda p: p.stat().st_size)


@pytest.fixture()
def copy_root(tmp_path) -> tuple[Path, Path]:
    """A copy of one bundled asset in a tmp assets folder, with its manifest entry."""
    source = _bundled_asset()
    name = source.relative_to(assets.ASSETS_DIR).as_posix()
    target = tmp_path / name
    target.parent.mkdir(parents=True)
    shutil.copyfile(source, target)
    entry = assets.read_manifest()["files"][name]
    assets.record([target], command=entry["command"], data=entry["data"], root=tmp_path)
    return tmp_path, target


def test_bundled_assets_verify():
    path = _bundled_asset()
    assert assets.verify(path) == path


def test_a_flipped_byte_is_caught(copy_root):
    root, target = copy_root
    assets.verify(target, root=root)
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    name = target.relative_to(root).as_posix()
    with pytest.raises(AssetError, match=f"assets/{name} has been altered") as info:
        assets.verify(target, root=root)
    assert "git checkout" in str(info.value)


def test_a_missing_file_is_caught(copy_root):
    root, target = copy_root
    target.unlink()
    with pytest.raises(AssetError, match="missing"):
        assets.verify(target, root=root)


def test_an_unlisted_file_is_refused(tmp_path):
    stray = tmp_path / "models" / "stray.skops"
    stray.parent.mkdir()
    stray.write_bytes(b"x")
    with pytest.raises(AssetError, match="not listed"):
        assets.verify(stray, root=tmp_path)


def test_record_keeps_provenance(tmp_path):
    f = tmp_path / "evaluation" / "knn.json"
    f.parent.mkdir()
    f.write_text("{}")
    manifest = assets.record([f], command="python -m mgc_core evaluate --gtzan DIR",
                             data={"n_clips": 3}, root=tmp_path)
    entry = manifest["files"]["evaluation/knn.json"]
    assert entry["sha256"] == assets.sha256_file(f) and entry["size"] == 2
    assert entry["data"] == {"n_clips": 3} and "numpy" in entry["versions"]
    assert assets.read_manifest(tmp_path / "manifest.json") == manifest


def test_an_unreadable_manifest_is_an_asset_error(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(AssetError, match="manifest"):
        assets.read_manifest(tmp_path / "manifest.json")


def test_a_byte_added_or_cut_is_caught_by_the_size(copy_root):
    root, target = copy_root
    data = target.read_bytes()
    entry_size = len(data)
    for changed in (data + b"\0", data[:-1]):
        target.write_bytes(changed)
        with pytest.raises(AssetError, match=f"it is {len(changed)} bytes, the manifest says "
                                             f"{entry_size}") as info:
            assets.verify(target, root=root)
        assert f"assets folder in use: {root}" in str(info.value)  # not the repository's


def test_the_default_folder_is_read_when_called(copy_root, monkeypatch):
    root, target = copy_root
    monkeypatch.setattr(assets, "ASSETS_DIR", root)
    assert assets.verify(target) == target
    assert assets.read_manifest() == assets.read_manifest(root / "manifest.json")
    target.write_bytes(target.read_bytes() + b"\0")
    with pytest.raises(AssetError, match="has been altered"):
        assets.verify(target)


@pytest.mark.parametrize(("name", "command"), [
    ("evaluation/knn.json", "python -m mgc_core evaluate --gtzan DIR"),
    ("maps/gtzan_map.json", "python -m mgc_core map --gtzan DIR"),
    ("models/musicnn_msd.keras", "python -m mgc_core convert-musicnn --out assets/models"),
    ("models/knn.skops", "python -m mgc_core train --gtzan DIR"),
])
def test_an_unlisted_file_names_the_command_of_its_kind(tmp_path, name, command):
    stray = tmp_path / name
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"x")
    assert assets.rebuild_command(name, root=tmp_path) == command
    with pytest.raises(AssetError, match="not listed") as info:
        assets.verify(stray, root=tmp_path)
    assert f"assets/{name}" in str(info.value) and f"`{command}`" in str(info.value)


def test_rebuild_command_is_the_manifest_entry_s(copy_root):
    root, target = copy_root
    name = target.relative_to(root).as_posix()
    entry = assets.read_manifest(root / "manifest.json")["files"][name]
    assert assets.rebuild_command(name, root=root) == entry["command"]


def test_listed_sha256_reads_the_manifest_not_the_files(copy_root, monkeypatch):
    """The app's cache key for a loaded asset: it follows the manifest, vouches for nothing."""
    root, target = copy_root
    name = target.relative_to(root).as_posix()
    listed = assets.read_manifest(root / "manifest.json")["files"][name]["sha256"]
    assert assets.listed_sha256([name, "models/absent.skops"], root=root) == (listed, None)
    target.write_bytes(target.read_bytes() + b"\0")  # altered: verify refuses it, the key stays
    monkeypatch.setattr(assets, "ASSETS_DIR", root)
    assert assets.listed_sha256([name]) == (listed,)
    assets.record([target], command="rebuilt", data="x", root=root)  # rebuilt: a new key
    assert assets.listed_sha256([name]) == (assets.sha256_file(target),) != (listed,)
    assert assets.listed_sha256([name], root=root / "nowhere") == (None,)


REPO = Path(__file__).resolve().parents[1]


def _assets_dir_with(value: str | None, *, cwd: Path) -> str:
    """``assets.ASSETS_DIR`` in a fresh process started in ``cwd`` with MGC_ASSETS_DIR=value."""
    env = {k: v for k, v in os.environ.items() if k != "MGC_ASSETS_DIR"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    if value is not None:
        env["MGC_ASSETS_DIR"] = value
    code = "from mgc_core import assets; print(assets.ASSETS_DIR)"
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=True)
    return done.stdout.strip()


def test_mgc_assets_dir_sets_the_folder(tmp_path):
    """MGC_ASSETS_DIR is read at import; a relative path is taken from the current folder."""
    (tmp_path / "mine").mkdir()
    expected = str((tmp_path / "mine").resolve())
    assert _assets_dir_with(str(tmp_path / "mine"), cwd=REPO) == expected
    assert _assets_dir_with("mine", cwd=tmp_path) == expected
    assert _assets_dir_with(None, cwd=REPO) == str(assets.BUNDLED_DIR)
    assert _assets_dir_with("", cwd=REPO) == str(assets.BUNDLED_DIR)
