"""The genre models of mgc and their shared parts.

:mod:`mgc_core.models.registry`
    The one list of models: names, titles, short labels, files, loaders, descriptions.
:mod:`mgc_core.models.frontend`
    16-kHz front end shared by all models: one STFT/mel per clip, the 3-s segment grid,
    segment pooling.
:mod:`mgc_core.models.base`
    :class:`~mgc_core.models.base.GenreModel`, the interface of every model.
:mod:`mgc_core.models.knn`, :mod:`~mgc_core.models.cnn`, :mod:`~mgc_core.models.lstm`,
:mod:`~mgc_core.models.transfer`
    The four bundled classifiers.
:mod:`mgc_core.models.musicnn`, :mod:`~mgc_core.models.efficientat`
    Keras 3 ports of pretrained networks (musicnn, Pons & Serra 2019; EfficientAT mn04,
    Schmid et al. 2023), run at serving time on LiteRT (``*_lite`` modules).

Nothing heavy is imported here: TensorFlow and Keras are imported only by the
functions that need them.
"""

from __future__ import annotations

from mgc_core.models.efficientat_lite import ATTRIBUTION as AUDIOSET_ATTRIBUTION
from mgc_core.models.frontend import SETTINGS as FRONTEND
from mgc_core.models.registry import MODEL_NAMES, MODELS, RESULT_NAMES, info

__all__ = ["MODEL_NAMES", "MODEL_TITLES", "RESULT_NAMES", "FRONTEND", "AUDIOSET_ATTRIBUTION",
           "model_class"]

#: Display title of each model, by name.
MODEL_TITLES: dict[str, str] = {name: m.title for name, m in MODELS.items()}


def model_class(name: str) -> type:
    """Return the :class:`~mgc_core.models.base.GenreModel` subclass called ``name``."""
    return info(name).model_class()
