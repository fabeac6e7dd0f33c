"""GTZAN (Tzanetakis and Cook, 2002), declared rather than scripted.

The dataset lives outside the project, at a path given as an argument or in the
environment variable ``MGC_GTZAN_DIR``; nothing here downloads or copies it. Four
layouts are accepted, with any common audio extension::

    <root>/genres/<genre>/<genre>.000NN.<ext>
    <root>/Data/genres_original/<genre>/<genre>.000NN.<ext>   (Kaggle)
    <root>/genres_original/<genre>/<genre>.000NN.<ext>
    <root>/<genre>/<genre>.000NN.<ext>

Next to the audio, ``<root>/splits/`` may hold the published lists (the
fault-filtered split of Kereliuk, Sturm and Larsen 2015, the ids it leaves out,
Sturm's artist/title index, known faults, exact duplicates) and ``<root>/MANIFEST.tsv``
the sha256 and sample rate of each file. A missing list gives an empty result.

Following mirdata's ``gtzan_genre``: a :class:`Track` only holds paths and loads its
audio on demand, and :meth:`GTZAN.validate` reports what is missing or corrupt
instead of raising. Audio is only ever read from files inside the dataset root:
ids are checked against :data:`TRACK_ID_RE` before any look-up, and symbolic links
that lead outside the root are refused.

Example
-------
>>> from mgc_core.datasets import GTZAN, usable_ids
>>> gtzan = GTZAN()                                  # doctest: +SKIP
>>> len(gtzan.tracks), len(usable_ids(gtzan))        # doctest: +SKIP
(521, 495)
>>> y = gtzan.track("blues.00012").audio(sr=16000)  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mgc_core.errors import DatasetNotFoundError, ParameterError
from mgc_core.genres import GENRES, genre_index

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.audio import Audio

__all__ = [
    "ENV_VAR",
    "AUDIO_EXTENSIONS",
    "LAYOUTS",
    "SPLITS",
    "TRACK_ID_RE",
    "Track",
    "GTZAN",
    "ValidationReport",
    "find_root",
    "usable_ids",
]

#: Environment variable that names the GTZAN folder when no path is passed.
ENV_VAR = "MGC_GTZAN_DIR"

#: Audio file extensions recognised, in order of preference when one id has several files.
AUDIO_EXTENSIONS: tuple[str, ...] = (
    "wav", "au", "flac", "ogg", "mp3", "aiff", "aif", "m4a", "opus", "snd",
)

#: Audio folders tried below the root, in this order ("." is the root itself).
LAYOUTS: tuple[str, ...] = ("genres", "Data/genres_original", "genres_original", ".")

#: Names of the three parts of the fault-filtered split.
SPLITS: tuple[str, ...] = ("train", "valid", "test")

#: A GTZAN track id: one of the ten genres, a dot and five ASCII digits.
TRACK_ID_RE = re.compile(r"^(" + "|".join(GENRES) + r")\.[0-9]{5}$")

_FILE_RE = re.compile(r"^(" + "|".join(GENRES) + r")\.([0-9]{5})\.([A-Za-z0-9]+)$")
_EXT_RANK = {ext: i for i, ext in enumerate(AUDIO_EXTENSIONS)}

_MANIFEST = "MANIFEST.tsv"
_SPLIT_FILE = "{}_filtered.txt"
_EXCLUDED_FILE = "gtzan_excluded_by_filtered_split.txt"
_FAULTS_FILE = "gtzan_faults_repetitions_distortions_foleiss.txt"
_DUPLICATES_FILE = "gtzan_exact_duplicate_au_pairs.txt"
_INDEX_FILE = "GTZANindex_sturm2012_artist_title.txt"


# --------------------------------------------------------------------------- root


def _layouts_help() -> str:
    lines = [
        f"  <root>/{'' if layout == '.' else layout + '/'}<genre>/<genre>.000NN.<ext>"
        for layout in LAYOUTS
    ]
    return (
        "Accepted layouts (any of " + ", ".join(AUDIO_EXTENSIONS) + "):\n" + "\n".join(lines)
    )


def _not_found(what: str) -> DatasetNotFoundError:
    return DatasetNotFoundError(
        f"{what} Pass the GTZAN folder as an argument or set {ENV_VAR}, e.g. "
        f"`export {ENV_VAR}=/path/to/gtzan`.\n{_layouts_help()}"
    )


def _scan(audio_dir: Path, root: Path, *, first_only: bool = False) -> dict[str, Path]:
    """Map track id -> resolved file for the audio files of ``audio_dir``.

    Only regular files whose resolved path lies inside ``root`` are kept, so a
    symbolic link (to a file or a genre folder) that leads outside is ignored, and
    so is a link that leads nowhere or in a loop.
    """
    found: dict[str, tuple[int, Path]] = {}
    for genre in GENRES:
        genre_dir = audio_dir / genre
        if not genre_dir.is_dir():
            continue
        try:
            entries = sorted(os.scandir(genre_dir), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            match = _FILE_RE.match(entry.name)
            if match is None or match.group(1) != genre:
                continue
            ext = match.group(3).lower()
            if ext not in _EXT_RANK:
                continue
            resolved = _resolve_inside(Path(entry.path), root)
            if resolved is None or not resolved.is_file():
                continue
            track_id = f"{genre}.{match.group(2)}"
            rank = _EXT_RANK[ext]
            if track_id not in found or rank < found[track_id][0]:
                found[track_id] = (rank, resolved)
            if first_only:
                return {track_id: resolved}
    return {track_id: found[track_id][1] for track_id in sorted(found)}


def _resolve_inside(path: Path, root: Path) -> Path | None:
    """``path`` with every symbolic link followed, or None if that leaves ``root``.

    A link loop (RuntimeError before Python 3.13, OSError since) also gives None.
    """
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        return None
    return resolved if resolved.is_relative_to(root) else None


def _locate(path: str | os.PathLike[str] | None = None) -> tuple[Path, Path]:
    """Return ``(root, audio_dir)``, both resolved; see :func:`find_root`."""
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise ParameterError(
            f"The GTZAN folder must be given as a str or a path; got {type(path).__name__}."
        )
    if path is None or str(path) == "":
        env = os.environ.get(ENV_VAR, "").strip()
        if not env:
            raise _not_found("No GTZAN folder is configured.")
        source = f"{ENV_VAR}={env!r}"
        path = env
    else:
        source = "the path given"
    candidate = Path(path).expanduser()
    if not candidate.exists():
        raise _not_found(f"The GTZAN folder {str(candidate)!r} ({source}) does not exist.")
    if not candidate.is_dir():
        raise _not_found(f"{str(candidate)!r} ({source}) is not a folder.")
    root = candidate.resolve()
    for layout in LAYOUTS:
        audio_dir = root if layout == "." else root / layout
        if audio_dir.is_dir() and _scan(audio_dir, root, first_only=True):
            return root, audio_dir.resolve()
    raise _not_found(f"No GTZAN audio files were found in {str(root)!r} ({source}).")


def find_root(path: str | os.PathLike[str] | None = None) -> Path:
    """Find the GTZAN dataset root.

    Parameters
    ----------
    path : str or path-like, optional
        The GTZAN folder. When ``None`` (or empty), the environment variable
        ``MGC_GTZAN_DIR`` is used.

    Returns
    -------
    pathlib.Path
        The resolved dataset root: the folder that holds ``splits/`` and
        ``MANIFEST.tsv`` if any. The audio folder is one of :data:`LAYOUTS` below it
        (see :attr:`GTZAN.audio_dir`).

    Raises
    ------
    DatasetNotFoundError
        If nothing is configured, the folder does not exist, or no accepted layout
        holds an audio file named ``<genre>.000NN.<ext>``. The message says how to
        set ``MGC_GTZAN_DIR`` and lists the accepted layouts.
    """
    return _locate(path)[0]


# --------------------------------------------------------------------------- lists


def _parse_id(entry: str) -> str | None:
    """``'blues/blues.00012.wav'``, ``'blues.00012.wav'`` or ``'blues.00012'`` -> id."""
    name = entry.strip().replace("\\", "/").rsplit("/", 1)[-1]
    if TRACK_ID_RE.fullmatch(name):
        return name
    stem, dot, _ext = name.rpartition(".")
    if dot and TRACK_ID_RE.fullmatch(stem):
        return stem
    return None


def _content_lines(path: Path) -> list[tuple[int, str]]:
    """Non-blank, non-comment lines of a text file as ``(line number, text)``; [] if absent."""
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8", errors="replace")
    return [
        (number, line.rstrip("\r"))
        for number, line in enumerate(text.split("\n"), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _bad(path: Path, number: int, line: str) -> str:
    return f"{path.name}:{number}: {line.strip()[:80]!r}"


def _read_id_list(path: Path) -> tuple[list[str], list[str]]:
    """Ids of a one-entry-per-line list, in file order without repeats; and bad lines."""
    ids: dict[str, None] = {}
    bad: list[str] = []
    for number, line in _content_lines(path):
        track_id = _parse_id(line.split("\t")[0])
        if track_id is None:
            bad.append(_bad(path, number, line))
        else:
            ids.setdefault(track_id)
    return list(ids), bad


def _read_faults(faults: Path, duplicates: Path) -> tuple[dict[str, str], list[str]]:
    reasons: dict[str, list[str]] = {}
    bad: list[str] = []
    for number, line in _content_lines(faults):
        parts = line.split("\t")
        track_id = _parse_id(parts[0])
        if track_id is None:
            bad.append(_bad(faults, number, line))
            continue
        reason = parts[1].strip() if len(parts) > 1 and parts[1].strip() else "fault"
        reasons.setdefault(track_id, []).append(reason)
    for number, line in _content_lines(duplicates):
        parts = line.split("\t")
        pair = [_parse_id(p) for p in parts[:2]] if len(parts) >= 2 else [None]
        if None in pair:
            bad.append(_bad(duplicates, number, line))
            continue
        a, b = pair
        reasons.setdefault(a, []).append(f"exact duplicate of {b}")
        reasons.setdefault(b, []).append(f"exact duplicate of {a}")
    return {k: "; ".join(reasons[k]) for k in sorted(reasons)}, bad


def _read_artist_index(path: Path) -> tuple[dict[str, tuple[str | None, str | None]], list[str]]:
    index: dict[str, tuple[str | None, str | None]] = {}
    bad: list[str] = []
    for number, line in _content_lines(path):
        parts = line.split(":::", 2)
        track_id = _parse_id(parts[0])
        if track_id is None or len(parts) < 2:
            bad.append(_bad(path, number, line))
            continue
        artist = parts[1].strip() or None
        title = (parts[2].strip() if len(parts) > 2 else "") or None
        index[track_id] = (artist, title)
    return index, bad


def _read_manifest(path: Path) -> tuple[dict[str, dict[str, Any]], list[str]]:
    rows: dict[str, dict[str, Any]] = {}
    bad: list[str] = []
    if not path.is_file():
        return rows, bad
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        for number, row in enumerate(reader, start=2):
            track_id = _parse_id(row.get("id") or "")
            if track_id is None:
                bad.append(_bad(path, number, "\t".join(str(v) for v in row.values())))
                continue
            record: dict[str, Any] = {
                k: (v or "").strip()
                for k, v in row.items()
                if k is not None and k != "id" and not isinstance(v, list)
            }
            for key, kind in (("sample_rate", int), ("duration_s", float)):
                if key in record:
                    try:
                        record[key] = kind(record[key])
                    except ValueError:
                        record[key] = None
            if "sha256" in record:
                record["sha256"] = record["sha256"].lower() or None
            rows[track_id] = record
    return rows, bad


# --------------------------------------------------------------------------- track


@dataclass(frozen=True)
class Track:
    """One GTZAN clip: its id, genre and file, and Sturm's artist and title if known.

    Creating a track reads nothing; :meth:`audio` decodes the file when called.

    Attributes
    ----------
    track_id : str
        ``'<genre>.000NN'``, e.g. ``'blues.00012'``.
    genre : str
        One of :data:`mgc_core.genres.GENRES`.
    path : pathlib.Path
        The resolved audio file.
    artist, title : str or None
        From Sturm's (2012) index, ``None`` where it has no entry.
    """

    track_id: str
    genre: str
    path: Path
    artist: str | None = None
    title: str | None = None

    def audio(self, *, sr: int = 22050) -> Audio:
        """Decode the clip with :func:`mgc_core.audio.load_audio`, resampled to ``sr``.

        Raises
        ------
        AudioError
            If the file cannot be decoded.
        """
        from mgc_core.audio import load_audio

        return load_audio(self.path, sr=sr)


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class ValidationReport:
    """What :meth:`GTZAN.validate` found; every field is empty for a sound copy.

    Attributes
    ----------
    checked : int
        Number of audio files probed.
    missing : list of str
        Ids listed in ``MANIFEST.tsv`` with no audio file.
    unreadable : dict of str to str
        Id -> why its file could not be opened (or decoded, with ``decode=True``).
    checksum_mismatch : list of str
        Ids whose file's sha256 differs from ``MANIFEST.tsv`` (with ``check_checksums``).
    unlisted : list of str
        Ids with a file but no ``MANIFEST.tsv`` row (only when a manifest exists).
    bad_list_entries : list of str
        ``'file:line: text'`` for lines of the lists that could not be parsed.
    """

    checked: int = 0
    missing: list[str] = field(default_factory=list)
    unreadable: dict[str, str] = field(default_factory=dict)
    checksum_mismatch: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)
    bad_list_entries: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is missing, unreadable, altered, unlisted or malformed."""
        return not (
            self.missing
            or self.unreadable
            or self.checksum_mismatch
            or self.unlisted
            or self.bad_list_entries
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _probe(path: Path) -> str | None:
    """Why ``path`` cannot be opened as audio (header only), or None if it can."""
    import soundfile

    try:  # soundfile.LibsndfileError derives from RuntimeError
        info = soundfile.info(str(path))
    except (RuntimeError, OSError, ValueError) as err:
        return f"cannot open: {err}"
    if info.frames <= 0 or info.samplerate <= 0:
        return "no audio frames"
    return None


# --------------------------------------------------------------------------- dataset


class GTZAN:
    """The GTZAN genre dataset, read in place from a folder.

    Parameters
    ----------
    root : str or path-like, optional
        The GTZAN folder; ``None`` uses ``MGC_GTZAN_DIR`` (see :func:`find_root`).
    splits_dir : str or path-like, optional
        Folder of the split and annotation lists; defaults to ``<root>/splits``.
        Lists that are absent give empty results.

    Raises
    ------
    DatasetNotFoundError
        If the root cannot be found (see :func:`find_root`) or an explicit
        ``splits_dir`` does not exist.

    Examples
    --------
    >>> gtzan = GTZAN("/path/to/gtzan")                     # doctest: +SKIP
    >>> gtzan.genre_counts()["blues"]                       # doctest: +SKIP
    100
    >>> train = gtzan.split_ids(present_only=True)["train"]  # doctest: +SKIP
    """

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        *,
        splits_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.root, self.audio_dir = _locate(root)
        if splits_dir is None:
            self.splits_dir = self.root / "splits"
        else:
            try:
                splits: Path | None = Path(splits_dir).expanduser().resolve()
            except (OSError, RuntimeError, ValueError):  # a link loop, a NUL in the name
                splits = None
            if splits is None or not splits.is_dir():
                raise DatasetNotFoundError(
                    f"The GTZAN splits folder {str(splits_dir)!r} does not exist: pass the "
                    f"folder that holds train_filtered.txt etc., or leave splits_dir unset "
                    f"to use {str(self.root / 'splits')!r}."
                )
            self.splits_dir = splits

    def __repr__(self) -> str:
        return f"GTZAN(root={str(self.root)!r}, audio_dir={str(self.audio_dir)!r})"

    # -- tracks -------------------------------------------------------------

    @cached_property
    def _files(self) -> dict[str, Path]:
        return _scan(self.audio_dir, self.root)

    @cached_property
    def tracks(self) -> dict[str, Track]:
        """Every track with an audio file, by id in sorted order (computed once)."""
        index = self.artist_index()
        return {
            track_id: Track(
                track_id=track_id,
                genre=track_id.split(".", 1)[0],
                path=path,
                artist=index.get(track_id, (None, None))[0],
                title=index.get(track_id, (None, None))[1],
            )
            for track_id, path in self._files.items()
        }

    def track(self, track_id: str) -> Track:
        """Return the track ``track_id``.

        Raises
        ------
        ParameterError
            If ``track_id`` is not of the form ``'<genre>.000NN'`` or this copy has no
            file for it.
        """
        if not isinstance(track_id, str) or not TRACK_ID_RE.fullmatch(track_id):
            shown = repr(track_id)
            shown = shown if len(shown) <= 60 else shown[:59] + "…"
            raise ParameterError(
                f"Malformed GTZAN track id {shown}: expected '<genre>.<5 digits>' "
                f"with a genre among {', '.join(GENRES)}, e.g. 'blues.00012'."
            )
        track = self.tracks.get(track_id)
        if track is None:
            raise ParameterError(
                f"Track {track_id!r} is not in the GTZAN copy at {str(self.root)!r} "
                f"({len(self.tracks)} tracks present; see GTZAN.track_ids())."
            )
        if _resolve_inside(track.path, self.root) is None:  # replaced since the scan
            raise ParameterError(
                f"Track {track_id!r} resolves outside the dataset root {str(self.root)!r} "
                "(or into a loop of symbolic links); refusing to read it. Replace the link "
                "with the audio file itself."
            )
        return track

    def track_ids(self, genre: str | None = None) -> list[str]:
        """Sorted ids of the tracks present, optionally of one genre only.

        Raises
        ------
        ParameterError
            If ``genre`` is not one of the ten genres.
        """
        if genre is None:
            return list(self.tracks)
        key = GENRES[genre_index(genre)]
        return [t for t, track in self.tracks.items() if track.genre == key]

    def genre_counts(self) -> dict[str, int]:
        """Number of tracks present per genre, for all ten genres in GENRES order."""
        counts = dict.fromkeys(GENRES, 0)
        for track in self.tracks.values():
            counts[track.genre] += 1
        return counts

    def genres_present(self) -> tuple[str, ...]:
        """The genres with at least one track, in GENRES order."""
        return tuple(g for g, n in self.genre_counts().items() if n)

    # -- lists --------------------------------------------------------------

    def split_ids(self, *, present_only: bool = False) -> dict[str, list[str]]:
        """The fault-filtered split: ``{'train': [...], 'valid': [...], 'test': [...]}``.

        Read from ``<splits_dir>/{train,valid,test}_filtered.txt``; an absent file
        gives an empty list. With ``present_only``, ids without an audio file are
        dropped.
        """
        parts = {
            name: _read_id_list(self.splits_dir / _SPLIT_FILE.format(name))[0]
            for name in SPLITS
        }
        if present_only:
            parts = {k: [t for t in v if t in self.tracks] for k, v in parts.items()}
        return parts

    def excluded_ids(self) -> set[str]:
        """Ids that the fault-filtered split leaves out (all 70, present or not)."""
        return set(_read_id_list(self.splits_dir / _EXCLUDED_FILE)[0])

    def faults(self) -> dict[str, str]:
        """Known faults by id: repetitions and distortions, and exact duplicates.

        Reasons come from the Foleiss list; each member of a byte-identical pair is
        marked ``'exact duplicate of <other id>'``. Several reasons join with ``'; '``.
        """
        return _read_faults(self.splits_dir / _FAULTS_FILE, self.splits_dir / _DUPLICATES_FILE)[0]

    def artist_index(self) -> dict[str, tuple[str | None, str | None]]:
        """Sturm's (2012) ``id -> (artist, title)``; a blank field is ``None``."""
        return _read_artist_index(self.splits_dir / _INDEX_FILE)[0]

    def manifest(self) -> dict[str, dict[str, Any]]:
        """Rows of ``<root>/MANIFEST.tsv`` by id.

        Keys: genre, sample_rate (int), duration_s (float), sha256, origin.

        Empty when there is no manifest. Unparsable numbers are ``None``.
        """
        return _read_manifest(self.root / _MANIFEST)[0]

    # -- validation ---------------------------------------------------------

    def validate(self, *, check_checksums: bool = False, decode: bool = False) -> ValidationReport:
        """Check the copy against its manifest without raising for data problems.

        Parameters
        ----------
        check_checksums : bool
            Also hash every file and compare with the manifest's sha256 (reads all
            the audio bytes).
        decode : bool
            Decode every file with :func:`mgc_core.audio.load_audio` instead of only
            probing its header with ``soundfile.info`` (slow).

        Returns
        -------
        ValidationReport
            ``missing``, ``unreadable``, ``checksum_mismatch``, ``unlisted`` and
            ``bad_list_entries``; ``report.ok`` is True when all are empty.
        """
        bad: list[str] = []

        def read(parse: Any, *paths: Path) -> Any:
            try:
                result, bad_lines = parse(*paths)
            except (OSError, csv.Error) as err:
                bad.append(f"{paths[0].name}: {err}")
                return {}
            bad.extend(bad_lines)
            return result

        manifest = read(_read_manifest, self.root / _MANIFEST)
        for name in SPLITS:
            read(_read_id_list, self.splits_dir / _SPLIT_FILE.format(name))
        read(_read_id_list, self.splits_dir / _EXCLUDED_FILE)
        read(_read_faults, self.splits_dir / _FAULTS_FILE, self.splits_dir / _DUPLICATES_FILE)
        read(_read_artist_index, self.splits_dir / _INDEX_FILE)

        files = self._files
        missing = sorted(t for t in manifest if t not in files)
        unlisted = sorted(t for t in files if manifest and t not in manifest)

        unreadable: dict[str, str] = {}
        mismatch: list[str] = []
        for track_id, path in files.items():
            reason = self._decode_error(path) if decode else _probe(path)
            if reason is not None:
                unreadable[track_id] = reason
            expected = manifest.get(track_id, {}).get("sha256")
            if check_checksums and expected:
                try:
                    if _sha256(path) != expected:
                        mismatch.append(track_id)
                except OSError as err:
                    unreadable.setdefault(track_id, f"cannot read: {err}")
        return ValidationReport(
            checked=len(files),
            missing=missing,
            unreadable=unreadable,
            checksum_mismatch=mismatch,
            unlisted=unlisted,
            bad_list_entries=bad,
        )

    @staticmethod
    def _decode_error(path: Path) -> str | None:
        from mgc_core.audio import load_audio
        from mgc_core.errors import AudioError

        try:
            load_audio(path)
        except AudioError as err:
            return str(err)
        return None


def usable_ids(dataset: GTZAN) -> list[str]:
    """Sorted ids of the tracks present minus those the fault-filtered split excludes.

    This is the pool the evaluation protocol draws from (495 of the 521 clips held).
    """
    excluded = dataset.excluded_ids()
    return [t for t in dataset.tracks if t not in excluded]
