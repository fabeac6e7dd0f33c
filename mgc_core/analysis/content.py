"""The gate before any genre verdict: is this music, speech, silence or noise?

A genre model always answers with a genre, even for a voice memo or an empty
recording. The gate reads AudioSet's own view of the clip (the tagger's segment
outputs, :mod:`mgc_core.models.audioset`) and the loader's silence check, and says what
kind of sound it is:

- ``"silence"``: the audio is (nearly) silent (peak below :data:`SILENT_PEAK`, -60 dBFS),
  or AudioSet hears mostly silence;
- ``"speech"``: AudioSet hears speech more than music;
- ``"noise"``: AudioSet hears plain noise (noise, static, hum, white or pink noise) more
  than music, or hears little music (below :data:`MIN_MUSIC`: a bare sine tone, a
  metronome's clicks);
- ``"music"`` otherwise.

Scores are the mean over the clip's segments of AudioSet's class probabilities (its
outputs are independent sigmoids, so they need not sum to 1); ``noise`` is the
largest of the plain-noise classes. The thresholds were set so that every usable
GTZAN clip passes as music (``tests/test_analysis_content.py`` checks it on the data
when present) while synthesised speech, silence, white noise and a bare click track
do not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mgc_core.errors import ParameterError
from mgc_core.models.efficientat_lite import MUSIC, NOISE_CLASSES, SILENCE, SPEECH

__all__ = ["KINDS", "Content", "judge_content", "SILENT_PEAK", "MIN_MUSIC"]

#: The kinds of sound the gate tells apart.
KINDS: tuple[str, ...] = ("music", "speech", "silence", "noise")
#: Below this peak (-60 dBFS) the audio counts as silence, whatever AudioSet says.
SILENT_PEAK = 1e-3
#: AudioSet's music probability below which a clip is not called music. The lowest of
#: the 561 usable GTZAN clips is 0.51 (classical.00080); a bare sine tone gets 0.02,
#: a click track 0.05, a drum pattern 0.87.
MIN_MUSIC = 0.25

_NOISE = np.array(sorted(NOISE_CLASSES))
_STATEMENTS = {
    "speech": "This sounds like speech, not music{heard}: the genre guesses below mean little.",
    "silence": "This is (nearly) silent: there is no music to classify, so the genre "
               "guesses below mean nothing.",
    "noise": "This does not sound like music{heard}: the genre guesses below mean little.",
}


@dataclass(frozen=True)
class Content:
    """What kind of sound a clip is.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    music_probability : float
        AudioSet's probability of music, mean over the segments.
    scores : mapping of str to float
        ``{"music", "speech", "silence", "noise"}`` probabilities the decision read.
    heard : str
        The AudioSet class it heard most, other than music ("" when not known).
    """

    kind: str
    music_probability: float
    scores: Mapping[str, float]
    heard: str = ""

    @property
    def is_music(self) -> bool:
        """Whether the clip passed the gate (a genre verdict makes sense)."""
        return self.kind == "music"

    @property
    def statement(self) -> str:
        """A plain sentence for a person when the clip is not music ("" when it is)."""
        heard = f" (AudioSet hears mostly: {self.heard})" if self.heard else ""
        return _STATEMENTS.get(self.kind, "").format(heard=heard)

    def to_dict(self) -> dict[str, object]:
        """``{"kind", "music_probability"}``, as the CLI's JSON and the tables show it."""
        return {"kind": self.kind, "music_probability": round(self.music_probability, 4)}


def judge_content(
    logits: np.ndarray, *, peak: float, labels: Sequence[str] | None = None
) -> Content:
    """Decide whether a clip is music, speech, silence or noise.

    Parameters
    ----------
    logits : np.ndarray [shape=(n_segments, 527)]
        AudioSet logits of each segment (:class:`~mgc_core.models.audioset.TagOutputs`).
    peak : float
        The clip's peak absolute sample value (full scale 1.0).
    labels : sequence of str, optional
        The 527 AudioSet class names, to name what was heard (:attr:`Content.heard`).

    Returns
    -------
    Content

    Examples
    --------
    >>> import numpy as np
    >>> z = np.full((2, 527), -8.0); z[:, 137] = 3.0   # loud music, nothing else
    >>> judge_content(z, peak=0.5).kind
    'music'
    >>> judge_content(z, peak=1e-5).kind
    'silence'
    """
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim != 2 or z.shape[1] != 527 or z.shape[0] == 0 or not np.all(np.isfinite(z)):
        raise ParameterError(f"logits must be (n_segments, 527) finite AudioSet logits; got "
                             f"shape {z.shape}.")
    if not np.isfinite(peak) or peak < 0:
        raise ParameterError(f"peak must be a non-negative number; got {peak!r}.")
    p = (1.0 / (1.0 + np.exp(-z))).mean(axis=0)
    scores = {"music": float(p[MUSIC]), "speech": float(p[SPEECH]),
              "silence": float(p[SILENCE]), "noise": float(p[_NOISE].max())}
    if peak < SILENT_PEAK or scores["silence"] > max(scores["music"], 0.5):
        kind = "silence"
    elif scores["speech"] > scores["music"]:
        kind = "speech"
    elif scores["noise"] > scores["music"] or scores["music"] < MIN_MUSIC:
        kind = "noise"
    else:
        kind = "music"
    heard = ""
    if labels is not None:
        others = p.copy()
        others[MUSIC] = -1.0
        heard = str(labels[int(np.argmax(others))])
    return Content(kind=kind, music_probability=scores["music"], scores=scores, heard=heard)
