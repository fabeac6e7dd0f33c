"""Bundled assets (models, evaluations, maps) and their manifest of checksums.

``assets/manifest.json`` lists every asset file with its sha256 and size, and for
each the command, data summary, library versions and date that produced it. A file
is verified against the manifest before it is loaded (:func:`verify`): a missing,
unlisted, altered (one byte changed, added or cut) file raises
:class:`~mgc_core.errors.AssetError` naming the file and the command that rebuilds it.
Every reader of a bundled file verifies it first: :func:`mgc_core.analysis.classify.load_model`
(every file of a model), :func:`mgc_core.models.transfer.embedding_networks` (the musicnn
networks), :func:`mgc_core.models.audioset.bundled_tagger` (the AudioSet network and its
class list), :func:`mgc_core.evaluation.read_evaluation`,
:func:`mgc_core.explore.maps.read_map`, and the About page for the licence notices
(``models/MUSICNN_LICENSE.md``, ``models/EFFICIENTAT_LICENSE.md``). None of them caches what it read:
a caller that needs a file many times keeps what it loaded (the app caches it, keyed by
the sha256 the manifest lists, :func:`listed_sha256`).

Settings
--------
MGC_ASSETS_DIR
    The assets folder (holding ``manifest.json``) to use instead of the repository's
    ``assets/``, e.g. ``MGC_ASSETS_DIR=/srv/mgc-assets make run``. Read once, when this
    module is imported, into :data:`ASSETS_DIR`; a relative path is taken from the
    current directory. Unset or empty: the repository's ``assets/``. Every reader takes
    its default folder from ``assets.ASSETS_DIR`` when it is called, never a copy made
    at import, so tests may point the library and the app elsewhere by patching it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from mgc_core.errors import AssetError

__all__ = [
    "ASSETS_DIR",
    "BUNDLED_DIR",
    "MANIFEST",
    "sha256_file",
    "read_manifest",
    "rebuild_command",
    "verify",
    "read_verified",
    "listed_sha256",
    "record",
    "library_versions",
]

#: The repository's own assets folder.
BUNDLED_DIR = Path(__file__).resolve().parents[1] / "assets"
#: The assets folder in use: ``$MGC_ASSETS_DIR`` if set, else :data:`BUNDLED_DIR`.
ASSETS_DIR = Path(os.environ.get("MGC_ASSETS_DIR") or BUNDLED_DIR).expanduser().resolve()
#: The manifest's file name, inside the assets folder.
MANIFEST = "manifest.json"
#: How to rebuild a file the manifest does not list (first matching prefix wins).
_REBUILD_BY_PREFIX = (
    ("evaluation/ensemble.", "python -m mgc_core evaluate --gtzan DIR --models ensemble"),
    ("evaluation/", "python -m mgc_core evaluate --gtzan DIR"),
    ("maps/", "python -m mgc_core map --gtzan DIR"),
    ("models/musicnn_", "python -m mgc_core convert-musicnn --out assets/models"),
    ("models/efficientat_mn04", "python -m mgc_core convert-efficientat"),
    ("models/EFFICIENTAT_LICENSE", "python -m mgc_core convert-efficientat"),
    ("models/MUSICNN_LICENSE", "copied from the musicnn 0.1.0 wheel's dist-info/LICENSE.md "
                               "(by hand, with attribution)"),
    ("", "python -m mgc_core train --gtzan DIR"),
)
_TRACKED_PACKAGES = (
    "numpy", "scipy", "librosa", "scikit-learn", "skops", "tensorflow-cpu", "keras", "soxr",
    "ai-edge-litert",
)


def sha256_file(path: str | os.PathLike) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(manifest: str | os.PathLike | None = None) -> dict[str, Any]:
    """Read the manifest (default: the one in :data:`ASSETS_DIR`); an absent one reads as empty."""
    path = Path(manifest) if manifest is not None else ASSETS_DIR / MANIFEST
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


def rebuild_command(name: str, *, root: str | os.PathLike | None = None) -> str:
    """The command that rebuilds the asset ``name`` (relative to the assets folder).

    The manifest entry's ``command`` when the file is listed, else the usual command for
    that kind of file (evaluations, maps, musicnn networks, trained models).
    """
    root = Path(root) if root is not None else ASSETS_DIR
    return _rebuild(name, read_manifest(root / MANIFEST)["files"].get(name))


def _rebuild(name: str, entry: dict[str, Any] | None) -> str:
    if entry and entry.get("command"):
        return str(entry["command"])
    if name.startswith("models/musicnn_") and name.endswith(".tflite"):
        return "python -m mgc_core convert-musicnn --tflite-only"
    return next(cmd for prefix, cmd in _REBUILD_BY_PREFIX if name.startswith(prefix))


def verify(path: str | os.PathLike, *, root: str | os.PathLike | None = None) -> Path:
    """Check a bundled file against the manifest before it is loaded.

    The size is compared first (a byte added or cut), then the sha256 (a byte changed).

    Parameters
    ----------
    path : path-like
        The asset file, inside ``root``.
    root : path-like, optional
        The assets folder holding ``manifest.json``; defaults to :data:`ASSETS_DIR`
        (read when called).

    Returns
    -------
    Path
        ``path``, verified.

    Raises
    ------
    AssetError
        If the file is missing, not listed, or its size or sha256 differs from the
        manifest's. The message names the file and the command that rebuilds it, and
        the assets folder when it is not the repository's.
    """
    _check(Path(path), root, content=None)
    return Path(path)


def read_verified(path: str | os.PathLike, *, root: str | os.PathLike | None = None) -> bytes:
    """Read a bundled file once and check those bytes against the manifest.

    Like :func:`verify`, but the bytes returned are the ones checked: hand them to
    the loader (nothing can change the file between the check and the load).

    Raises
    ------
    AssetError
        As :func:`verify`.
    """
    path = Path(path)
    content = path.read_bytes() if path.is_file() else None
    _check(path, root, content=content if content is not None else b"")
    return content  # type: ignore[return-value]


def listed_sha256(
    names: Sequence[str], *, root: str | os.PathLike | None = None
) -> tuple[str | None, ...]:
    """The sha256 the manifest lists for each asset, without reading the assets themselves.

    A key for caching what is loaded from the files: it changes when an asset is
    rebuilt (and recorded). It vouches for nothing: load through :func:`verify` or
    :func:`read_verified`, which check the files' bytes.

    Parameters
    ----------
    names : sequence of str
        Asset names relative to the assets folder, e.g. ``["models/knn.skops"]``.
    root : path-like, optional
        The assets folder holding ``manifest.json``; defaults to :data:`ASSETS_DIR`
        (read when called).

    Returns
    -------
    tuple of (str or None)
        One per name, ``None`` for a name the manifest does not list.

    Raises
    ------
    AssetError
        If the manifest is unreadable.
    """
    root = Path(root) if root is not None else ASSETS_DIR
    files = read_manifest(root / MANIFEST)["files"]
    return tuple((files.get(name) or {}).get("sha256") for name in names)


def _check(path: Path, root: str | os.PathLike | None, *, content: bytes | None) -> None:
    """Raise AssetError unless ``path`` (or ``content``, its bytes) matches the manifest."""
    root = Path(root) if root is not None else ASSETS_DIR
    name = _relative(path, root)
    entry = read_manifest(root / MANIFEST)["files"].get(name)
    rebuild = _rebuild(name, entry)
    where = "" if root.resolve() == BUNDLED_DIR else f" (assets folder in use: {root})"
    restore = f"Restore it with `git checkout assets/{name}` or rebuild it with `{rebuild}`"
    if not path.is_file():
        raise AssetError(f"The bundled file assets/{name} is missing{where}. {restore}.")
    if entry is None:
        raise AssetError(
            f"assets/{name} is not listed in assets/manifest.json{where}, so it cannot be "
            f"trusted and was not loaded. Restore the manifest with `git checkout "
            f"assets/manifest.json`, or rebuild the file with `{rebuild}`, which records it."
        )
    size = len(content) if content is not None else path.stat().st_size
    if "size" in entry and size != entry["size"]:
        raise AssetError(
            f"assets/{name} has been altered{where}: it is {size} bytes, the manifest says "
            f"{entry['size']}. It was not loaded. {restore}."
        )
    actual = (hashlib.sha256(content).hexdigest() if content is not None
              else sha256_file(path))
    if actual != entry["sha256"]:
        raise AssetError(
            f"assets/{name} has been altered{where}: its sha256 is {actual[:12]}…, the "
            f"manifest says {entry['sha256'][:12]}…. It was not loaded. {restore}."
        )


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
    root: str | os.PathLike | None = None,
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
    root : path-like, optional
        The assets folder holding ``manifest.json``; defaults to :data:`ASSETS_DIR`.
    extra : dict, optional
        More provenance to store with each entry.

    Returns
    -------
    dict
        The updated manifest.
    """
    root = Path(root) if root is not None else ASSETS_DIR
    manifest = read_manifest(root / MANIFEST)
    now = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
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
    tmp = root / f"{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    tmp.replace(root / MANIFEST)
    return manifest
