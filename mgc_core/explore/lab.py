"""The Lab: train a small genre classifier in seconds on stored numbers of the GTZAN clips.

Every usable GTZAN clip is cut into 3-second segments (ten per clip), and each segment
is described three ways, the spaces of :mod:`mgc_core.explore.similar`:

- ``features``: the KNN model's 91 hand-made features of the segment, standardised;
- ``musicnn``: the musicnn networks' 500 numbers of the segment, standardised and
  reduced to their :data:`N_COMPONENTS` main directions (PCA);
- ``audioset``: the AudioSet network's 911 numbers of the segment, likewise.

The reduction keeps the stored file small (``assets/maps/gtzan_segments.npz``, float16,
built by ``python -m mgc_core map --gtzan DIR`` from the models' cached inputs); the
share of the spread each space keeps is stored with it. Standardisation and PCA are
fit on all the segments without looking at their genres. No audio is stored: the Lab
works without the dataset.

:func:`train_and_test` holds out one fifth of the segments, trains a classifier (KNN,
logistic regression or a random forest) on the rest and judges every held-out segment.
How the fifth is chosen is the lesson:

- ``"random"``: segments at random, so the other segments of a test segment's song (and
  the artist's other songs) are almost all in the training part: the classifier can
  recognise the *recording* instead of the genre, and the score is inflated (**leak**);
- ``"artist"``: whole artists, so every test segment comes from an artist the classifier
  never heard, as for a new song: the honest score.

Example
-------
>>> store = read_segment_store()                                          # doctest: +SKIP
>>> leaky = train_and_test(store, features=["musicnn"], classifier="knn", split="random")
>>> honest = train_and_test(store, features=["musicnn"], classifier="knn", split="artist")
>>> leaky.accuracy > honest.accuracy                                     # doctest: +SKIP
True
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from mgc_core.errors import AssetError, ParameterError
from mgc_core.explore import maps as datamap
from mgc_core.explore.similar import SPACES

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.datasets.clips import ClipTable

__all__ = [
    "SEGMENTS_FILE",
    "N_COMPONENTS",
    "FEATURE_SETS",
    "CLASSIFIERS",
    "SPLITS",
    "SegmentStore",
    "LabResult",
    "build_segment_store",
    "read_segment_store",
    "split_segments",
    "train_and_test",
]

#: The per-segment vectors, relative to the assets folder.
SEGMENTS_FILE = "maps/gtzan_segments.npz"
#: Main directions (PCA) kept of each network's numbers per segment.
N_COMPONENTS = 32
#: The feature sets one may choose, as :data:`mgc_core.explore.similar.SPACES`.
FEATURE_SETS: tuple[str, ...] = tuple(SPACES)
#: The classifiers: name -> title.
CLASSIFIERS: dict[str, str] = {"knn": "k nearest neighbours", "logistic": "logistic regression",
                               "forest": "random forest"}
#: The splits: name -> title.
SPLITS: dict[str, str] = {"random": "random 3-second segments (leaky)",
                          "artist": "by artist (honest)"}
#: One part in this many is held out for the test.
HOLD_OUT = 5
#: Trees of the random forest.
N_TREES = 100
#: Most steps of the logistic regression's solver.
MAX_ITER = 300
_FORMAT = 1


@dataclass(frozen=True, eq=False)
class SegmentStore:
    """The GTZAN segments as the Lab trains on them (read-only arrays).

    Attributes
    ----------
    x : mapping of str to np.ndarray [shape=(n_segments, d), dtype=float32]
        By feature set.
    kept : mapping of str to float
        The share of each set's spread the stored numbers keep (1.0 for ``features``).
    widths : mapping of str to int
        How many numbers each set had per segment before any reduction.
    labels : np.ndarray [shape=(n_segments,), dtype=int]
        Genre index of each segment (its clip's).
    clips : np.ndarray [shape=(n_segments,), dtype=int]
        Index of each segment's clip in ``ids``.
    groups : np.ndarray [shape=(n_segments,), dtype=int]
        Artist group of each segment's clip (a clip with no known artist is its own).
    ids : tuple of str
        The clips.
    """

    x: Mapping[str, np.ndarray]
    kept: Mapping[str, float]
    widths: Mapping[str, int]
    labels: np.ndarray
    clips: np.ndarray
    groups: np.ndarray
    ids: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.labels.size)

    @property
    def clips_per_genre(self) -> dict[str, int]:
        """How many clips of each genre the segments come from, in GENRES order."""
        from mgc_core.genres import GENRES

        first = np.unique(self.clips, return_index=True)[1]
        counts = np.bincount(self.labels[first], minlength=len(GENRES))
        return dict(zip(GENRES, (int(c) for c in counts), strict=True))


@dataclass(frozen=True, eq=False)
class LabResult:
    """One Lab run: what was trained, how it did on the held-out segments.

    Attributes
    ----------
    features, classifier, split : the choices made; params : their settings.
    accuracy, balanced_accuracy : float
        Over the held-out segments (balanced: the mean of the per-genre recalls, over
        the genres held out).
    confusion : np.ndarray [shape=(10, 10), dtype=int]
        Held-out segments, rows true genre, columns predicted, in GENRES order.
    n_train, n_test : int
        Segments trained on and held out.
    songs_seen, artists_seen : float
        Share of the held-out segments whose song, or whose artist, also had segments in
        the training part: the leak.
    seconds : float
        Time to train and test.
    notes : tuple of str
        Anything worth saying about the run (a solver that stopped early).
    """

    features: tuple[str, ...]
    classifier: str
    split: str
    params: Mapping[str, Any]
    accuracy: float
    balanced_accuracy: float
    confusion: np.ndarray
    n_train: int
    n_test: int
    songs_seen: float
    artists_seen: float
    seconds: float
    notes: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------- the stored segments


def build_segment_store(
    table: ClipTable, inputs: Mapping[str, Sequence[np.ndarray]], *,
    n_components: int = N_COMPONENTS, seed: int = 0,
) -> dict[str, np.ndarray]:
    """The arrays of ``maps/gtzan_segments.npz``: every segment of every clip, three ways.

    Parameters
    ----------
    table : ClipTable
        The clips (their ids, labels and artist groups).
    inputs : mapping of str to sequence of np.ndarray
        ``"knn"`` and ``"transfer"`` per-segment inputs of every clip, in ``table`` order
        (:func:`mgc_core.training.inputs.extract_inputs`).
    n_components : int
        Main directions kept of each network's numbers.
    seed : int
        ``random_state`` of the PCA.

    Returns
    -------
    dict of str to np.ndarray
        ``ids``, ``labels`` and ``groups`` per clip; ``clip`` per segment; ``x_<set>``
        (float16), ``kept_<set>`` and ``width_<set>`` per feature set.

    Raises
    ------
    ParameterError
        If the inputs do not match the table.
    """
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    n = len(table)
    for model in {spec["model"] for spec in SPACES.values()}:
        if len(inputs.get(model, ())) != n:
            raise ParameterError(f"inputs[{model!r}] must hold one array per clip of the table "
                                 f"({n}); extract the inputs from the same table.")
    sizes = np.array([len(x) for x in inputs["knn"]])
    _, groups = np.unique(np.asarray(table.groups), return_inverse=True)
    arrays: dict[str, np.ndarray] = {
        "format": np.array(_FORMAT), "ids": np.array(table.ids),
        "labels": np.asarray(table.labels, dtype=np.int8), "groups": groups.astype(np.int32),
        "clip": np.repeat(np.arange(n), sizes).astype(np.int32),
    }
    for name, spec in SPACES.items():
        start, stop = spec["columns"]
        X = np.concatenate([np.asarray(x)[:, start:stop] for x in inputs[spec["model"]]])
        if X.shape[0] != sizes.sum():
            raise ParameterError(f"The {spec['model']} inputs have {X.shape[0]} segments but "
                                 f"the knn inputs {sizes.sum()}: extract them together.")
        Z = StandardScaler().fit_transform(X.astype(np.float64))
        kept = 1.0
        if name != "features" and Z.shape[1] > n_components:
            pca = PCA(n_components=n_components, svd_solver="full", random_state=seed)
            Z = pca.fit_transform(Z)
            kept = float(np.sum(pca.explained_variance_ratio_))
        arrays[f"x_{name}"] = Z.astype(np.float16)
        arrays[f"kept_{name}"] = np.array(kept)
        arrays[f"width_{name}"] = np.array(X.shape[1])
    return arrays


def read_segment_store(*, assets_dir: str | os.PathLike | None = None) -> SegmentStore:
    """The stored segments (``maps/gtzan_segments.npz``), verified against the manifest.

    Raises
    ------
    AssetError
        If the file is missing, altered or malformed; the message names the command that
        rebuilds it.
    """
    arrays = datamap.read_arrays(SEGMENTS_FILE, assets_dir=assets_dir)
    try:
        clips = arrays["clip"].astype(np.int64)
        x = {s: arrays[f"x_{s}"].astype(np.float32) for s in FEATURE_SETS}
        store = SegmentStore(
            x=MappingProxyType(x),
            kept=MappingProxyType({s: float(arrays[f"kept_{s}"]) for s in FEATURE_SETS}),
            widths=MappingProxyType({s: int(arrays[f"width_{s}"]) for s in FEATURE_SETS}),
            labels=arrays["labels"].astype(np.int64)[clips],
            clips=clips, groups=arrays["groups"].astype(np.int64)[clips],
            ids=tuple(str(i) for i in arrays["ids"]),
        )
        ok = all(v.ndim == 2 and v.shape[0] == clips.size for v in x.values())
    except (KeyError, ValueError, IndexError) as err:
        raise AssetError(f"assets/{SEGMENTS_FILE} is malformed ({err}); rebuild it with "
                         f"`{datamap.MAP_COMMAND}`.") from err
    if not ok:
        raise AssetError(f"assets/{SEGMENTS_FILE} is malformed (its arrays disagree in "
                         f"length); rebuild it with `{datamap.MAP_COMMAND}`.")
    for v in (store.labels, store.clips, store.groups, *x.values()):
        v.flags.writeable = False
    return store


# --------------------------------------------------------------------------- train and test


def split_segments(store: SegmentStore, split: str, *, seed: int = 0
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Training and held-out segment indices: one fifth held out, genre-stratified.

    ``"random"`` draws segments (:class:`~sklearn.model_selection.StratifiedKFold`);
    ``"artist"`` draws whole artists (:func:`mgc_core.evaluation.splits.grouped_kfold`).

    Raises
    ------
    ParameterError
        For an unknown split.
    """
    from mgc_core.evaluation.splits import grouped_kfold

    if split not in SPLITS:
        raise ParameterError(f"Unknown split {split!r}: use one of {', '.join(SPLITS)}.")
    groups = store.groups if split == "artist" else None
    return grouped_kfold(store.labels, groups, n_splits=HOLD_OUT, seed=int(seed))[0]


def _classifier(name: str, *, k: int, C: float, seed: int, n_train: int) -> Any:  # noqa: ANN401
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if name == "knn":
        if not isinstance(k, int | np.integer) or not 1 <= k <= n_train:
            raise ParameterError(f"k must be an integer from 1 to {n_train}; got {k!r}.")
        return KNeighborsClassifier(n_neighbors=int(k))
    if name == "logistic":
        if not isinstance(C, int | float) or not np.isfinite(C) or C <= 0:
            raise ParameterError(f"C must be a positive number; got {C!r}.")
        return make_pipeline(StandardScaler(), LogisticRegression(
            C=float(C), class_weight="balanced", solver="newton-cg", tol=1e-3,
            max_iter=MAX_ITER))
    if name == "forest":
        return RandomForestClassifier(n_estimators=N_TREES, class_weight="balanced",
                                      random_state=int(seed), n_jobs=2)
    raise ParameterError(f"Unknown classifier {name!r}: use one of {', '.join(CLASSIFIERS)}.")


def train_and_test(
    store: SegmentStore, *, features: Sequence[str], classifier: str, split: str,
    k: int = 5, C: float = 1.0, seed: int = 0,
) -> LabResult:
    """Train a classifier on four fifths of the segments and judge the held-out fifth.

    Parameters
    ----------
    store : SegmentStore
        From :func:`read_segment_store`.
    features : sequence of str
        One or more of :data:`FEATURE_SETS`, side by side.
    classifier : {"knn", "logistic", "forest"}
        :class:`~sklearn.neighbors.KNeighborsClassifier` with ``k`` neighbours; a
        standardised :class:`~sklearn.linear_model.LogisticRegression` with inverse
        regularisation ``C`` and balanced class weights; a
        :class:`~sklearn.ensemble.RandomForestClassifier` of :data:`N_TREES` trees with
        balanced class weights.
    split : {"random", "artist"}
        See :func:`split_segments`.
    k : int
        KNN only.
    C : float
        Logistic regression only.
    seed : int
        Seed of the split (and of the forest).

    Returns
    -------
    LabResult

    Raises
    ------
    ParameterError
        For no or unknown features, an unknown classifier or split, or a bad ``k``/``C``.
    """
    from mgc_core.evaluation.metrics import clip_metrics, confusion_matrix

    features = tuple(dict.fromkeys(features))
    if not features or set(features) - set(FEATURE_SETS):
        raise ParameterError(f"Choose one or more feature sets of {', '.join(FEATURE_SETS)}; "
                             f"got {list(features)!r}.")
    if classifier not in CLASSIFIERS:
        raise ParameterError(f"Unknown classifier {classifier!r}: use one of "
                             f"{', '.join(CLASSIFIERS)}.")
    start = time.perf_counter()
    train, test = split_segments(store, split, seed=seed)
    model = _classifier(classifier, k=k, C=C, seed=seed, n_train=train.size)
    X = np.concatenate([store.x[f] for f in features], axis=1)
    y = store.labels
    notes = []
    model.fit(X[train], y[train])
    if classifier == "logistic" and np.max(model[-1].n_iter_) >= MAX_ITER:
        notes.append(f"The logistic regression stopped after {MAX_ITER} steps before it "
                     "fully settled; a smaller C settles faster.")
    predicted = model.predict(X[test]).astype(np.int64)
    scores = clip_metrics(y[test], predicted)
    confusion = confusion_matrix(y[test], predicted)
    confusion.flags.writeable = False
    params = {"k": int(k)} if classifier == "knn" else {"C": float(C)} \
        if classifier == "logistic" else {"trees": N_TREES}
    return LabResult(
        features=features, classifier=classifier, split=split,
        params=MappingProxyType({**params, "seed": int(seed)}),
        accuracy=scores["accuracy"], balanced_accuracy=scores["balanced_accuracy"],
        confusion=confusion,
        n_train=int(train.size), n_test=int(test.size),
        songs_seen=float(np.isin(store.clips[test], store.clips[train]).mean()),
        artists_seen=float(np.isin(store.groups[test], store.groups[train]).mean()),
        seconds=time.perf_counter() - start, notes=tuple(notes),
    )
