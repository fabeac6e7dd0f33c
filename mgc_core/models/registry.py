"""The one list of mgc's models: names, titles, short labels, files, loaders, descriptions.

The CLI, the pages, About and the evaluation read every fact about a model from here,
so adding a model is one entry. Nothing heavy is imported: a model's class is imported
only when :meth:`ModelInfo.model_class` is called.

Examples
--------
>>> from mgc_core.models.registry import MODEL_NAMES, info, short_label
>>> MODEL_NAMES
('knn', 'cnn', 'lstm', 'transfer', 'audioset')
>>> info("cnn").files
('cnn.tflite',)
>>> short_label("ensemble")
'Ensemble'
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass

from mgc_core.errors import ParameterError

__all__ = [
    "ModelInfo",
    "MODELS",
    "MODEL_NAMES",
    "ENSEMBLE",
    "RESULT_NAMES",
    "info",
    "title",
    "short_label",
    "check_names",
]


@dataclass(frozen=True)
class ModelInfo:
    """What mgc knows about one bundled model.

    Attributes
    ----------
    name : str
        Id used in results, files and the CLI (``"knn"``).
    title : str
        Display title (``"KNN on hand-made features"``).
    short : str
        Short label for tables and legends (``"KNN"``).
    files : tuple of str
        Its bundled files under ``assets/models/``, the first being its own.
    module, class_name : str
        Where its :class:`~mgc_core.models.base.GenreModel` subclass lives.
    description : str
        One line: what it reads and how it decides.
    details : str
        A classroom paragraph (About page).
    """

    name: str
    title: str
    short: str
    files: tuple[str, ...]
    module: str
    class_name: str
    description: str
    details: str

    def model_class(self) -> type:
        """Import and return the model's class (lazily: TensorFlow only when needed)."""
        return getattr(importlib.import_module(self.module), self.class_name)


_SEG = "3-second"

#: The bundled models, in display order.
MODELS: dict[str, ModelInfo] = {
    m.name: m
    for m in (
        ModelInfo(
            name="knn", title="KNN on hand-made features", short="KNN",
            files=("knn.npz",), module="mgc_core.models.knn", class_name="KNNModel",
            description="k-nearest neighbours on 91 hand-made summary features per segment.",
            details=(
                f"Each {_SEG} segment is summarised by 91 hand-made numbers (the average "
                "and spread of MFCCs, chroma, brightness, noisiness, loudness, spectral "
                "contrast, and the tempo); a new segment gets the genres of the training "
                "segments closest to it (k-nearest neighbours, scikit-learn)."
            ),
        ),
        ModelInfo(
            name="cnn", title="CNN on log-mel spectrograms", short="CNN",
            files=("cnn.tflite",), module="mgc_core.models.cnn", class_name="CNNModel",
            description="A small convolutional network on each segment's log-mel spectrogram.",
            details=(
                f"A small convolutional network (Keras) that reads the {_SEG} log-mel "
                "spectrogram, a picture of the sound, and learns its own patterns in it. "
                "Trained from scratch."
            ),
        ),
        ModelInfo(
            name="lstm", title="LSTM on MFCC sequences", short="LSTM",
            files=("lstm.tflite",), module="mgc_core.models.lstm", class_name="LSTMModel",
            description="A bidirectional LSTM on each segment's MFCC sequence.",
            details=(
                "A small recurrent network (a bidirectional LSTM, Keras) that reads the "
                "sequence of MFCCs, the sound's timbre frame by frame, and learns how it "
                f"evolves over a {_SEG} segment. Trained from scratch."
            ),
        ),
        ModelInfo(
            name="transfer", title="Transfer (musicnn and AudioSet embeddings)",
            short="Transfer",
            files=("transfer_head.npz", "musicnn_msd.tflite", "musicnn_mtt.tflite",
                   "efficientat_mn04.tflite", "efficientat_mn04_labels.csv"),
            module="mgc_core.models.transfer", class_name="TransferModel",
            description="Logistic regression on the embeddings of two pretrained music "
                        "taggers (musicnn) and an AudioSet network (EfficientAT).",
            details=(
                "Three pretrained networks listen to each segment: musicnn's two taggers "
                "(Pons & Serra; tags such as *rock*, *guitar*, *female vocalists* or "
                "*80s*) and an AudioSet network (EfficientAT mn04, trained on about two "
                "million YouTube clips for 527 kinds of sound). Together they turn the "
                "segment into 1411 numbers; a logistic regression (scikit-learn) learns "
                "the ten genres from them, giving the AudioSet network's own ten genre "
                "outputs as much extra say as cross-validation finds helpful. Only that "
                "last, small part is trained here."
            ),
        ),
        ModelInfo(
            name="audioset", title="AudioSet (never saw GTZAN)", short="AudioSet",
            files=("efficientat_mn04_labels.csv", "efficientat_mn04.tflite"),
            module="mgc_core.models.audioset", class_name="AudioSetModel",
            description="The AudioSet network's own outputs for the ten genres; never "
                        "trained on GTZAN.",
            details=(
                "The AudioSet network (EfficientAT mn04) already knows Blues, Classical "
                "music, Country, Disco, Hip hop music, Jazz, Heavy metal, Pop music, "
                "Reggae and Rock music among its 527 classes. This model just reads "
                "those ten outputs and compares them: it learned nothing from GTZAN, so "
                "it shows how a model trained on entirely different music judges ours."
            ),
        ),
    )
}

#: The bundled models' names, in display order.
MODEL_NAMES: tuple[str, ...] = tuple(MODELS)
#: The name of the ensemble's result (a rule over the models, not a model).
ENSEMBLE = "ensemble"
#: Everything that has a verdict and a stored evaluation: the models, then the ensemble.
RESULT_NAMES: tuple[str, ...] = (*MODEL_NAMES, ENSEMBLE)

_ENSEMBLE_TITLE = "Ensemble (weighted soft vote of the models)"


def info(name: str) -> ModelInfo:
    """The :class:`ModelInfo` of model ``name``.

    Raises
    ------
    ParameterError
        If ``name`` is not a bundled model.
    """
    try:
        return MODELS[name]
    except (KeyError, TypeError):
        raise ParameterError(
            f"Unknown model {name!r}: use one of {', '.join(MODEL_NAMES)}."
        ) from None


def title(name: str) -> str:
    """Display title of a model or of the ensemble."""
    return _ENSEMBLE_TITLE if name == ENSEMBLE else info(name).title


def short_label(name: str) -> str:
    """Short label of a model or of the ensemble (``"KNN"``, ``"Ensemble"``)."""
    return "Ensemble" if name == ENSEMBLE else info(name).short


def check_names(names: Iterable[str] | str | None, *, ensemble: bool = False) -> tuple[str, ...]:
    """Validate model names and drop repeats, keeping their order.

    Parameters
    ----------
    names : iterable of str, str or None
        ``None`` means every model (and the ensemble if ``ensemble``).
    ensemble : bool
        Whether ``"ensemble"`` is accepted.

    Returns
    -------
    tuple of str

    Raises
    ------
    ParameterError
        If ``names`` is empty or holds an unknown name.
    """
    allowed = RESULT_NAMES if ensemble else MODEL_NAMES
    if names is None:
        return allowed
    names = (names,) if isinstance(names, str) else tuple(names)
    if not names:
        raise ParameterError(f"No model given: choose among {', '.join(allowed)}.")
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise ParameterError(f"Unknown model(s) {', '.join(map(repr, unknown))}: use "
                             f"{', '.join(allowed)}.")
    return tuple(dict.fromkeys(names))
