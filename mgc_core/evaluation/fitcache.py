"""A disk cache of the evaluation's fits: one entry per model, data and split.

Evaluating the ensemble on every fold seed refits each model about 45 times (an hour
on two cores). The predictions of one fit depend only on the model's code, the
libraries, its inputs, labels and fit arguments, and which segments it trains on and
predicts. :class:`FitCache` keys each fit's predictions by a hash of all of these, so
a rerun (after an interruption, or after a change to the ensemble rule alone) reads
them back instead of fitting again, while a change to any model's code, a library
version, the inputs or the split is a miss.

The key covers the source of every module of :mod:`mgc_core.models` and of this
package's protocols, and the versions of NumPy, scikit-learn, TensorFlow and Keras.
Entries are plain ``.npz`` arrays read with ``allow_pickle=False``; an unreadable
entry is a miss and is rewritten.
"""

from __future__ import annotations

import functools
import hashlib
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "FitCache",
    "code_fingerprint",
    "data_digest",
]

_LIBRARIES = ("numpy", "scikit-learn", "tensorflow", "keras")


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the code and library versions that a fit's predictions depend on.

    Returns
    -------
    str
        Hex digest over the source files of :mod:`mgc_core.models`, of
        :mod:`mgc_core.evaluation.protocols` and of this module, and the installed
        versions of NumPy, scikit-learn, TensorFlow and Keras.
    """
    from importlib import metadata

    import mgc_core.models

    digest = hashlib.sha256()
    models_dir = Path(mgc_core.models.__file__).parent
    here = Path(__file__).parent
    sources = sorted(models_dir.rglob("*.py")) + [here / "protocols.py", Path(__file__)]
    for path in sources:
        digest.update(str(path.relative_to(models_dir.parents[1])).encode())
        digest.update(path.read_bytes())
    for lib in _LIBRARIES:
        try:
            version = metadata.version(lib)
        except metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{lib}={version}".encode())
    return digest.hexdigest()


def _update(digest: Any, value: Any) -> None:
    """Feed one value (array, mapping, tuple, scalar or string) into ``digest``."""
    if isinstance(value, Mapping):
        for k in sorted(value):
            digest.update(f"<{k}>".encode())
            _update(digest, value[k])
    elif isinstance(value, tuple | list):
        digest.update(f"[{len(value)}]".encode())
        for v in value:
            _update(digest, v)
    else:
        a = np.asarray(value)
        if a.dtype == object:
            digest.update(f"O{a.shape}".encode())
            digest.update("\x1f".join(map(str, a.ravel())).encode())
        else:
            a = np.ascontiguousarray(a)
            digest.update(f"{a.dtype.str}{a.shape}".encode())
            digest.update(a.data)


def data_digest(*values: Any) -> str:
    """A hash of arrays (and mappings or tuples of them), dtypes and shapes included.

    Parameters
    ----------
    *values
        NumPy arrays (object arrays are hashed through their strings), mappings,
        tuples, lists or scalars.

    Returns
    -------
    str
    """
    digest = hashlib.sha256()
    for v in values:
        _update(digest, v)
    return digest.hexdigest()


class FitCache:
    """Predictions of evaluation fits, stored under ``directory``.

    Parameters
    ----------
    directory : path-like
        Created on the first write.
    """

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory)
        self.hits = 0
        self.misses = 0

    def __repr__(self) -> str:
        return f"FitCache({str(self.directory)!r})"

    def key(self, name: str, data: str, train: np.ndarray, test: np.ndarray, *,
            model_class: type | None = None) -> str:
        """The key of fitting model ``name`` on ``train`` and predicting ``test``.

        Parameters
        ----------
        name : str
            Model name.
        model_class : type, optional
            The class fitted; its module and name are part of the key.
        data : str
            :func:`data_digest` of the inputs, labels and fit arguments.
        train, test : np.ndarray of int
            Segment indices.
        """
        where = "" if model_class is None else (
            f"{model_class.__module__}.{model_class.__qualname__}")
        return data_digest(name, where, code_fingerprint(), data,
                           np.asarray(train, dtype=np.int64), np.asarray(test, dtype=np.int64))

    def _path(self, name: str, key: str) -> Path:
        return self.directory / name / key[:2] / f"{key}.npz"

    def get(self, name: str, key: str, shape: tuple[int, ...]) -> np.ndarray | None:
        """The stored predictions, or None when absent, unreadable or of another shape."""
        path = self._path(name, key)
        try:
            with np.load(path, allow_pickle=False) as data:
                p = np.array(data["probabilities"])
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
            self.misses += 1
            return None
        if p.shape != tuple(shape) or not np.isfinite(p).all():
            self.misses += 1
            return None
        self.hits += 1
        return p

    def put(self, name: str, key: str, probabilities: np.ndarray) -> None:
        """Store one fit's predictions (written to a temporary file, then renamed)."""
        path = self._path(name, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            np.savez(fh, probabilities=np.asarray(probabilities, dtype=np.float64))
        tmp.replace(path)
