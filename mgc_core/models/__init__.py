"""The genre models of mgc and their shared parts.

:mod:`mgc_core.models.frontend`
    16-kHz front end shared by all models: one STFT/mel per clip, the 3-s segment grid,
    segment pooling.
:mod:`mgc_core.models.base`
    :class:`~mgc_core.models.base.GenreModel`, the interface of every model.
:mod:`mgc_core.models.knn`, :mod:`~mgc_core.models.cnn`, :mod:`~mgc_core.models.lstm`,
:mod:`~mgc_core.models.transfer`
    The four bundled classifiers.
:mod:`mgc_core.models.musicnn`
    A Keras 3 port of the pretrained musicnn taggers (Pons & Serra, 2019).

Nothing heavy is imported here: TensorFlow and Keras are imported only by the
functions that need them.
"""

from __future__ import annotations

import importlib

__all__ = ["MODEL_NAMES", "MODEL_TITLES", "model_class"]

#: The four bundled models, in display order.
MODEL_NAMES: tuple[str, ...] = ("knn", "cnn", "lstm", "transfer")
MODEL_TITLES: dict[str, str] = {
    "knn": "KNN on hand-made features",
    "cnn": "CNN on log-mel spectrograms",
    "lstm": "LSTM on MFCC sequences",
    "transfer": "Transfer (musicnn embeddings)",
}
_CLASSES = {
    "knn": ("mgc_core.models.knn", "KNNModel"),
    "cnn": ("mgc_core.models.cnn", "CNNModel"),
    "lstm": ("mgc_core.models.lstm", "LSTMModel"),
    "transfer": ("mgc_core.models.transfer", "TransferModel"),
}


def model_class(name: str) -> type:
    """Return the :class:`~mgc_core.models.base.GenreModel` subclass called ``name``."""
    from mgc_core.errors import ParameterError

    if name not in _CLASSES:
        raise ParameterError(f"Unknown model {name!r}: use one of {', '.join(MODEL_NAMES)}.")
    module, cls = _CLASSES[name]
    return getattr(importlib.import_module(module), cls)
