"""The interface every genre model follows.

A model reads its per-segment inputs from the shared :class:`~mgc_core.models.frontend.Frontend`
(:meth:`GenreModel.inputs`), is trained on segments (:meth:`GenreModel.fit`), returns
segment probabilities with columns in :data:`~mgc_core.genres.GENRES` order
(:meth:`GenreModel.predict_proba`) and pools them into a clip verdict with
:func:`~mgc_core.models.frontend.pool_segments`. scikit-learn conventions: ``__init__``
stores parameters only, ``fit`` returns ``self``, fitted attributes end in ``_``.
Audio reaches a model only through :func:`~mgc_core.models.frontend.analyse_audio`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

import numpy as np

from mgc_core.genres import GENRES
from mgc_core.models.frontend import Frontend

__all__ = ["GenreModel"]


class GenreModel:
    """Base class of the four genre models.

    Subclasses set :attr:`name` and :attr:`file_name` and implement :meth:`inputs`,
    :meth:`fit`, :meth:`predict_proba`, :meth:`save` and :meth:`load`.
    """

    #: Short id used in results and files: "knn", "cnn", "lstm" or "transfer".
    name: ClassVar[str] = ""
    #: Bundled file name under ``assets/models/``.
    file_name: ClassVar[str] = ""
    #: Whether it learns from GTZAN (``fit`` changes it, ``train`` writes its file);
    #: False for a zero-shot model.
    trainable: ClassVar[bool] = True
    #: Suffix of the lighter file the app serves, written beside the trained one by
    #: :meth:`save_served` (``None``: the trained file is served as it is).
    served_suffix: ClassVar[str | None] = None
    classes_: tuple[str, ...] = GENRES

    def inputs(self, front: Frontend) -> np.ndarray:
        """Per-segment model inputs, first axis ``front.n_segments``."""
        raise NotImplementedError

    def fit(self, X: np.ndarray, y: np.ndarray, *, groups: np.ndarray | None = None) -> GenreModel:
        """Train on segment inputs ``X`` with integer labels ``y`` (GENRES indices).

        ``groups`` (one group id per segment, e.g. the artist) is given so that any
        inner validation split used for model selection keeps groups apart.
        """
        raise NotImplementedError

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Segment probabilities, shape ``(n_segments, 10)``, columns in GENRES order."""
        raise NotImplementedError

    def save(self, path: str | os.PathLike) -> None:
        """Write the fitted model (``.keras`` or ``.skops``; never pickle)."""
        raise NotImplementedError

    @classmethod
    def saved_files(cls, path: str | os.PathLike) -> list[Path]:
        """The files :meth:`save` writes for ``path``: ``path`` itself, and its served
        file beside it if it has one (:meth:`served_path`)."""
        served = cls.served_path(path)
        return [Path(path)] + ([served] if served != Path(path) else [])

    @classmethod
    def served_path(cls, path: str | os.PathLike) -> Path:
        """The file the app and ``classify`` load for a model saved at ``path``.

        ``path`` itself by default; a trained file that needs a heavy library (a
        ``.keras`` network, a ``.skops`` pipeline) is served from a file beside it with
        the suffix :attr:`served_suffix` (``.tflite``, ``.npz``), written by
        :meth:`save_served`.
        """
        return Path(path).with_suffix(cls.served_suffix) if cls.served_suffix else Path(path)

    @classmethod
    def _served_rebuild(cls) -> str:
        """The commands that rebuild the served file, for messages (inside backticks)."""
        return (f"python -m mgc_core convert-models --models {cls.name}` (or `python -m "
                f"mgc_core train --gtzan DIR --models {cls.name}")

    def save_served(self, path: str | os.PathLike) -> None:
        """Write the served form of the fitted model (see :meth:`served_path`)."""
        raise NotImplementedError

    @classmethod
    def load(cls, path: str | os.PathLike) -> GenreModel:
        """Read a model written by :meth:`save` (safe loading only)."""
        raise NotImplementedError
