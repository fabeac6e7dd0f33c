"""Tests of mgc_core.assets: the manifest catches a missing, unlisted or altered asset."""

from __future__ import annotations

import shutil
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
