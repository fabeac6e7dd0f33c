"""AudioSet's view of a piece of music, and a genre model that never saw GTZAN.

The AudioSet tagger is EfficientAT's ``mn04_as`` (:mod:`mgc_core.models.efficientat_lite`,
run on LiteRT), trained on about two million YouTube clips for 527 sound classes. It
hears each 3-s segment of the shared 16-kHz analysis (:class:`~mgc_core.models.frontend.
Frontend`), upsampled to its 32 kHz: the same band-limited signal the other models get,
so bandwidth gives nothing away (GTZAN holds nothing above 11 kHz, and 30 of its clips
nothing above 8 kHz). Its segment outputs (:class:`TagOutputs`) are computed once per
analysis (:meth:`Frontend.shared <mgc_core.models.frontend.Frontend.shared>`) and read
by the transfer model, :class:`AudioSetModel` and the music/speech gate
(:mod:`mgc_core.analysis.content`).

:class:`AudioSetModel` is a zero-shot genre model: AudioSet's own outputs for the ten
GTZAN genres (:data:`~mgc_core.models.efficientat_lite.GTZAN_CLASSES`), normalised by a
softmax. It learns nothing from GTZAN: fitting it changes nothing, so its
cross-validated scores are its scores on every clip.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from mgc_core.errors import AssetError, ParameterError
from mgc_core.genres import GENRES
from mgc_core.models.base import GenreModel
from mgc_core.models.efficientat_lite import (
    GENRE_CLASSES,
    GTZAN_CLASSES,
    LABELS_FILE,
    TFLITE_FILE,
    mn04_logmel,
    read_class_labels,
    to_mn04_rate,
)
from mgc_core.models.frontend import SR, Frontend

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.models.efficientat_lite import LiteMN04

__all__ = [
    "TagOutputs",
    "AudioSetTagger",
    "AudioSetModel",
    "GENRE_INDEX",
    "MUSIC_GENRE_CLASSES",
    "CONVERT_COMMAND",
    "segment_logmels",
]

#: The command that makes the bundled network files from the shared weights.
CONVERT_COMMAND = "python -m mgc_core convert-efficientat"
#: AudioSet's output index of each GTZAN genre, in GENRES order.
GENRE_INDEX: np.ndarray = np.array([GTZAN_CLASSES[g] for g in GENRES])
#: AudioSet's "Music genre" branch of the ontology: Pop music (216) to Independent music
#: (265), without Beatboxing (218, a technique), by output index.
MUSIC_GENRE_CLASSES: tuple[int, ...] = tuple(i for i in range(216, 266) if i != 218)


@dataclass(frozen=True, eq=False)
class TagOutputs:
    """The tagger's outputs for each segment of one clip.

    Attributes
    ----------
    embedding : np.ndarray [shape=(n_segments, 384), dtype=float32]
        The network's global-pooled last feature map.
    logits : np.ndarray [shape=(n_segments, 527), dtype=float32]
        AudioSet logits; a class's probability is their sigmoid.
    """

    embedding: np.ndarray
    logits: np.ndarray

    @property
    def probabilities(self) -> np.ndarray:
        """Per-class sigmoid of the logits, shape ``(n_segments, 527)``."""
        return 1.0 / (1.0 + np.exp(-self.logits.astype(np.float64)))


def segment_logmels(front: Frontend) -> np.ndarray:
    """The tagger's input for each segment: its 16-kHz samples at 32 kHz, as log-mel.

    Returns
    -------
    np.ndarray [shape=(n_segments, 128, frames), dtype=float32]
    """
    return np.stack([mn04_logmel(to_mn04_rate(front.segment_samples(i), SR))
                     for i in range(front.n_segments)])


class AudioSetTagger:
    """The AudioSet network with its class names, tagging the segments of an analysis.

    Parameters
    ----------
    network : LiteMN04
        The converted network.
    labels : tuple of str
        The 527 class names, in output order.
    key : str
        Identifies the network's content (its sha256): outputs are shared within an
        analysis under this key.
    """

    def __init__(self, network: LiteMN04, labels: tuple[str, ...], *, key: str) -> None:
        self.network = network
        self.labels = labels
        self.key = key

    @classmethod
    def from_contents(cls, network: bytes, labels: bytes) -> AudioSetTagger:
        """Build it from the verified bytes of the ``.tflite`` file and the class list.

        Raises
        ------
        AssetError
            If either is not what :data:`CONVERT_COMMAND` writes.
        """
        from mgc_core.models.efficientat_lite import LiteMN04

        names = read_class_labels(labels)
        for index, expected in GENRE_CLASSES.items():
            if names[index] != expected:
                raise AssetError(f"{LABELS_FILE} does not list the AudioSet classes in output "
                                 f"order (class {index} is {names[index]!r}, not "
                                 f"{expected!r}): rebuild it with `{CONVERT_COMMAND}`.")
        return cls(LiteMN04(network, batch=8), names,
                   key=f"mn04:{hashlib.sha256(network).hexdigest()}")

    def music_genres(self, tags: TagOutputs, *, k: int = 5) -> tuple[tuple[str, float], ...]:
        """AudioSet's ``k`` most probable music genres for a clip, best first.

        From the "Music genre" branch (:data:`MUSIC_GENRE_CLASSES`: Electronic music,
        House music, Funk, Soul music, Folk music, ...), by the mean over the segments of
        each class's probability, so music outside the ten GTZAN genres gets a name.
        """
        p = tags.probabilities[:, MUSIC_GENRE_CLASSES].mean(axis=0)
        order = np.argsort(-p, kind="stable")[:k]
        return tuple((self.labels[MUSIC_GENRE_CLASSES[i]], float(p[i])) for i in order)

    def tag(self, front: Frontend) -> TagOutputs:
        """The outputs for every segment of ``front`` (computed once per analysis)."""
        return front.shared(self.key, lambda: self._tag(front))

    def _tag(self, front: Frontend) -> TagOutputs:
        out = self.network.predict(segment_logmels(front))
        for part in out.values():
            part.flags.writeable = False
        return TagOutputs(embedding=out["embedding"], logits=out["logits"])


def bundled_tagger(*, assets_dir: str | os.PathLike | None = None) -> AudioSetTagger:
    """The bundled tagger, its two files verified against the manifest (read at each call).

    Raises
    ------
    AssetError
        If a file is missing, altered or unlisted; the message says how to rebuild it.
    """
    from pathlib import Path

    from mgc_core import assets

    root = Path(assets_dir) if assets_dir is not None else assets.ASSETS_DIR
    contents = {name: assets.read_verified(root / "models" / name, root=root)
                for name in (TFLITE_FILE, LABELS_FILE)}
    return AudioSetTagger.from_contents(contents[TFLITE_FILE], contents[LABELS_FILE])


def _softmax(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class AudioSetModel(GenreModel):
    """Zero-shot genres: AudioSet's ten GTZAN-genre outputs, normalised by a softmax.

    Its inputs are the tagger's logits of the ten classes for each segment; fitting it
    learns nothing (it never sees GTZAN), so it needs no file of its own beyond the
    network and the class list.

    Examples
    --------
    >>> m = AudioSetModel().fit(np.zeros((2, 10)), np.array([0, 1]))
    >>> m.predict_proba(np.zeros((1, 10))).round(2).tolist()
    [[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]]
    """

    name: ClassVar[str] = "audioset"
    file_name: ClassVar[str] = LABELS_FILE
    #: Whether ``train`` writes a file for it: no, it learns nothing.
    trainable: ClassVar[bool] = False

    def __init__(self) -> None:
        self.tagger_: AudioSetTagger | None = None

    def tagger(self) -> AudioSetTagger:
        """The tagger this model reads (given by :meth:`load_parts`, else the bundled one)."""
        if self.tagger_ is None:
            self.tagger_ = bundled_tagger()
        return self.tagger_

    def inputs(self, front: Frontend) -> np.ndarray:
        """AudioSet's logits of the ten genres for each segment, ``(n_segments, 10)``."""
        return np.ascontiguousarray(self.tagger().tag(front).logits[:, GENRE_INDEX],
                                    dtype=np.float32)

    def fit(self, X: np.ndarray, y: np.ndarray, **_: object) -> AudioSetModel:
        """Nothing to learn: checks the shapes and returns ``self``."""
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != len(GENRES) or len(X) != len(np.asarray(y)):
            raise ParameterError(f"X must be (n_segments, {len(GENRES)}) AudioSet genre "
                                 f"logits with one label each; got {X.shape}.")
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Softmax of the ten genre logits, ``(n_segments, 10)`` in GENRES order."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(GENRES) or not np.all(np.isfinite(X)):
            raise ParameterError(f"X must be (n_segments, {len(GENRES)}) finite AudioSet "
                                 f"genre logits; got shape {X.shape}.")
        return _softmax(X).astype(np.float32)

    def save(self, path: str | os.PathLike) -> None:
        """Nothing is trained, so nothing is written."""
        raise ParameterError("The AudioSet model learns nothing from GTZAN and has no file "
                             f"to save; its network comes from `{CONVERT_COMMAND}`.")

    @classmethod
    def load(cls, path: str | os.PathLike) -> AudioSetModel:
        """Read the class list at ``path`` (verified by the caller); the network comes next.

        :func:`mgc_core.analysis.classify.load_model` then hands over the network's
        verified bytes (:meth:`load_parts`).
        """
        from pathlib import Path

        model = cls()
        model.labels_ = Path(path).read_bytes()
        return model

    def load_parts(self, contents: Mapping[str, bytes]) -> AudioSetModel:
        """Use the network given as verified bytes, with the class list read by :meth:`load`."""
        labels = getattr(self, "labels_", None)
        if TFLITE_FILE not in contents or labels is None:
            raise AssetError(f"The AudioSet model needs {TFLITE_FILE} and {LABELS_FILE}; "
                             f"rebuild them with `{CONVERT_COMMAND}`.")
        self.tagger_ = AudioSetTagger.from_contents(contents[TFLITE_FILE], labels)
        return self
