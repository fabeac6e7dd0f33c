"""The work on one file of a library run, shared by the local and the Ray engines.

:func:`prepare` hashes a file, skips it when the results already hold it, and decodes it
(what a decode worker runs); :func:`classify_prepared` turns a prepared file into its row
(:func:`~mgc_core.batch.rows.file_row`, or :func:`~mgc_core.batch.rows.error_row`);
:func:`models_sha256` is the hash of the models that a row's work depends on. Neither
function raises for a bad file: only a missing or altered model
(:class:`~mgc_core.errors.AssetError`) stops a run, since it would fail every file.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mgc_core.audio import DEFAULT_MAX_SECONDS
from mgc_core.batch.rows import error_row, file_row
from mgc_core.batch.tags import sha256_file
from mgc_core.errors import AssetError, MGCError
from mgc_core.models import registry

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.audio import Audio
    from mgc_core.models.base import GenreModel

__all__ = ["Prepared", "Outcome", "models_sha256", "prepare", "classify_prepared"]


def _sr() -> int:
    from mgc_core.models.frontend import SR

    return SR


def models_sha256(names: Iterable[str] | str | None = None, *,
                  assets_dir: str | os.PathLike | None = None) -> str:
    """One hash of everything that decides a row: the models run and their bundled files.

    The sha256 of the model names and of the sha256 that the manifest lists for each of
    their files, the gate's AudioSet network and ``evaluation/ensemble.json`` (the ensemble's
    weights). A rebuilt model, new weights or another ``--models`` give another hash, so
    the files are classified again.

    Raises
    ------
    ParameterError
        An unknown model name.
    AssetError
        The manifest cannot be read.
    """
    from mgc_core import assets

    chosen = registry.check_names(names)
    files = sorted({f"models/{f}" for name in (*chosen, "audioset")
                    for f in registry.info(name).files} | {"evaluation/ensemble.json"})
    root = Path(assets_dir) if assets_dir is not None else assets.ASSETS_DIR
    listed = assets.listed_sha256(files, root=root)
    text = json.dumps({"models": list(chosen), "files": dict(zip(files, listed, strict=True))},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Prepared:
    """A file ready for the models, or why it is not.

    Attributes
    ----------
    file : str
        Its absolute path (the ``file`` column).
    sha256 : str or None
        Its content hash (None when it could not be read).
    audio : Audio or None
        Decoded, when it is to be classified.
    error : str or None
        Why it cannot be classified.
    done : bool
        Already in the results (same content and models): nothing more to do.
    """

    file: str
    sha256: str | None = None
    audio: Audio | None = None
    error: str | None = None
    done: bool = False


def _unexpected(err: Exception) -> str:
    return f"unexpected {type(err).__name__}: {err}"


def prepare(path: str | os.PathLike, *, done: Mapping[tuple[str, str], Any] | frozenset = (),
            sr: int | None = None, max_seconds: float = DEFAULT_MAX_SECONDS) -> Prepared:
    """Hash one file, skip it when done, else decode it (what a decode worker runs).

    Never raises for a bad file: the reason is in :attr:`Prepared.error`.
    """
    from mgc_core.audio import load_audio

    file = os.path.abspath(path)
    try:
        sha = sha256_file(path)
    except FileNotFoundError:
        return Prepared(file, error="file not found: it disappeared after it was listed")
    except IsADirectoryError:
        return Prepared(file, error="a folder, not a file")
    except OSError as err:
        return Prepared(file, error=f"cannot read the file: {err.strerror or err}")
    if (os.path.realpath(path), sha) in done:
        return Prepared(file, sha, done=True)
    try:
        audio = load_audio(path, sr=sr if sr is not None else _sr(), max_seconds=max_seconds)
    except MGCError as err:
        return Prepared(file, sha, error=str(err))
    except Exception as err:  # a decoder's bug must not end a library run: one error row
        return Prepared(file, sha, error=_unexpected(err))
    return Prepared(file, sha, audio=audio)


def classify_prepared(p: Prepared, models: Mapping[str, GenreModel], *, models_key: str
                      ) -> dict[str, Any]:
    """The row of a prepared file: classified, or its error.

    Raises
    ------
    AssetError
        A model or the ensemble's weights are missing or altered (it would fail every file).
    """
    from mgc_core.analysis.classify import classify

    if p.error is not None or p.audio is None:
        return error_row(p.file, p.error or "not decoded", sha256=p.sha256,
                         models_sha256=models_key)
    try:
        result = classify(p.audio, loaded=models)
    except AssetError:
        raise
    except MGCError as err:
        return error_row(p.file, str(err), sha256=p.sha256, models_sha256=models_key,
                         warnings=p.audio.warnings)
    except Exception as err:  # one strange file must not end a library run
        return error_row(p.file, _unexpected(err), sha256=p.sha256, models_sha256=models_key,
                         warnings=p.audio.warnings)
    return file_row(result, file=p.file, warnings=p.audio.warnings, sha256=p.sha256,
                    models_sha256=models_key)


@dataclass(frozen=True)
class Outcome:
    """One file's end: its new row, or ``row=None`` when it was already done."""

    file: str
    sha256: str | None
    row: dict[str, Any] | None
