"""Bundled assets (models, evaluations) and their manifest of checksums.

``assets/manifest.json`` lists every asset file with its sha256 and size, and for
each the command, data summary, library versions and date that produced it. A file
is verified against the manifest before it is loaded (:func:`verify`): a missing or
altered file raises :class:`~mgc_core.errors.AssetError` naming the file and the
command that rebuilds it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from mgc_core.errors import AssetError

__all__ = [
    "ASSETS_DIR",
    "MANIFEST",
    "sha256_file",
    "read_manifest",
    "verify",
    "record",
    "library_versions",
]

ASSETS_DIR = Path(__file__).resolve().parents[1] / "assets"
MANIFEST = ASSETS_DIR / "manifest.json"
_TRACKED_PACKAGES = (
    "numpy", "scipy", "librosa", "scikit-learn", "skops", "tensorflow-cpu", "keras", "soxr",
)


def sha256_file(path: str | os.PathLike) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(manifest: str | os.PathLike = MANIFEST) -> dict[str, Any]:
    """Read the manifest; an absent one reads as empty."""
    path = Path(manifest)
    if not path.exists():
        return {"files": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise AssetError(
            f"The asset manifest {path} is unreadable ({err}). Restore it with "
            "`git checkout assets/manifest.json` or rebuild the assets with "
            "`python -m mgc_core train --gtzan DIR`."
        ) from err
    data.setdefault("files", {})
    return data


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError as err:
        raise AssetError(f"{path} is not inside the assets folder {root}.") from err


def verify(path: str | os.PathLike, *, root: str | os.PathLike = ASSETS_DIR) -> Path:
    """Check a bundled file against the manifest before it is loaded.

    Parameters
    ----------
    path : path-like
        The asset file, inside ``root``.
    root : path-like
        The assets folder holding ``manifest.json``.

    Returns
    -------
    Path
        ``path``, verified.

    Raises
    ------
    AssetError
        If the file is missing, not listed, or its sha256 differs from the manifest's.
    """
    path, root = Path(path), Path(root)
    name = _relative(path, root)
    entry = read_manifest(root / "manifest.json")["files"].get(name)
    rebuild = (entry or {}).get("command") or "python -m mgc_core train --gtzan DIR"
    if not path.is_file():
        raise AssetError(
            f"The bundled file assets/{name} is missing. Restore it with "
            f"`git checkout assets/{name}` or rebuild it with `{rebuild}`."
        )
    if entry is None:
        raise AssetError(
            f"assets/{name} is not listed in assets/manifest.json, so it cannot be trusted. "
            f"Rebuild it with `{rebuild}`, which records it."
        )
    actual = sha256_file(path)
    if actual != entry["sha256"]:
        raise AssetError(
            f"assets/{name} has been altered: its sha256 is {actual[:12]}…, the manifest "
            f"says {entry['sha256'][:12]}…. Restore it with `git checkout assets/{name}` "
            f"or rebuild it with `{rebuild}`."
        )
    return path


def library_versions() -> dict[str, str]:
    """Versions of Python and the libraries that shape a trained asset."""
    versions = {"python": platform.python_version()}
    for name in _TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def record(
    paths: list[str | os.PathLike],
    *,
    command: str,
    data: str | dict[str, Any],
    root: str | os.PathLike = ASSETS_DIR,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Add or refresh manifest entries for ``paths`` (sha256, size, provenance).

    Parameters
    ----------
    paths : list of path-like
        Asset files inside ``root``.
    command : str
        The command that produced them (what rebuilds them).
    data : str or dict
        A summary of the data they were produced from.
    root : path-like
        The assets folder holding ``manifest.json``.
    extra : dict, optional
        More provenance to store with each entry.

    Returns
    -------
    dict
        The updated manifest.
    """
    root = Path(root)
    manifest = read_manifest(root / "manifest.json")
    now = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    versions = library_versions()
    for p in paths:
        p = Path(p)
        manifest["files"][_relative(p, root)] = {
            "sha256": sha256_file(p),
            "size": p.stat().st_size,
            "command": command,
            "data": data,
            "versions": versions,
            "date": now,
            **(extra or {}),
        }
    manifest["files"] = dict(sorted(manifest["files"].items()))
    tmp = root / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    tmp.replace(root / "manifest.json")
    return manifest
