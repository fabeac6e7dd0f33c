"""Plain-language explanations shown under each plot, written for a classroom."""

from __future__ import annotations

EXPLAIN: dict[str, str] = {
    "waveform": (
        "**Waveform** — the air pressure the microphone measured, over time. Tall parts are "
        "loud, flat parts are quiet. Zoom in (drag a box) far enough and you see the actual "
        "vibration. The shaded band is the time window the other plots analyse; change it "
        "with the slider below."
    ),
    "spectrum": (
        "**Spectrum** — how much energy the window holds at each frequency, averaged over "
        "time. Peaks are notes and their overtones: a 440 Hz tuning fork gives one peak at "
        "440 Hz; a sung note gives a row of peaks at whole multiples of its pitch. The "
        "vertical axis is in decibels (dB): every 20 dB is ten times the amplitude."
    ),
    "stft": (
        "**Spectrogram** — the spectrum over time: time runs left to right, frequency "
        "bottom to top, colour is loudness (dB). Horizontal lines are steady notes, "
        "vertical stripes are drum hits and other clicks. A *log* frequency axis gives "
        "every octave the same height, closer to how we hear pitch. A bigger FFT size "
        "sharpens frequency but blurs time; that trade-off cannot be escaped."
    ),
    "mel": (
        "**Mel spectrogram** — the spectrogram squeezed into *mel bands*: many narrow bands "
        "at low frequencies and few wide ones at high frequencies, the way the ear resolves "
        "pitch. This picture (log-scaled) is what the CNN and the transfer model look at."
    ),
    "mfcc": (
        "**MFCC** (mel-frequency cepstral coefficients) — a compact summary of the *shape* "
        "of the mel spectrum in each frame: coefficient 0 follows loudness, the next few "
        "describe the broad tilt and bumps of the spectrum (timbre: is it bright or dark, "
        "a voice or a guitar?). Higher coefficients hold finer detail. Deltas show how "
        "the coefficients change from frame to frame. The LSTM reads these over time."
    ),
    "spectral": (
        "**Spectral shape over time.** The *centroid* is the spectrum's centre of mass "
        "(brightness: cymbals high, bass low); the *bandwidth* is how spread out it is "
        "around the centroid; the *roll-off* is the frequency below which 85% of the "
        "energy lies."
    ),
    "loudness": (
        "**Loudness and noisiness.** *RMS* is the frame's average energy (loudness). The "
        "*zero-crossing rate* counts how often the wave crosses zero: high for noise, "
        "hi-hats and 's' sounds, low for bass and pure tones. *Flatness* is near 1 for "
        "noise (all frequencies equal) and near 0 for clear tones."
    ),
    "contrast": (
        "**Spectral contrast** — in each of seven frequency bands, the difference (dB) "
        "between peaks and valleys. Clear, tonal music has high contrast; dense, noisy "
        "mixes such as distorted guitars have low contrast."
    ),
    "chroma": (
        "**Chroma** — energy folded onto the 12 pitch classes (C, C♯, … B), ignoring the "
        "octave. A C-major chord lights up C, E and G. It shows harmony and key, and "
        "hardly changes with the instrument."
    ),
    "tonnetz": (
        "**Tonnetz** — the chroma mapped onto six harmonic directions (fifths, minor and "
        "major thirds). Stable values mean the harmony stays put; jumps mean a chord "
        "change."
    ),
    "rhythm": (
        "**Tempo and beats** — the estimated beats per minute and where each beat falls "
        "(red lines). Steady pop, disco and rock give a clear beat; classical and free "
        "jazz often do not, and the estimate may double or halve the tempo you feel."
    ),
    "hpss": (
        "**Harmonic / percussive split** — the window separated into its sustained, "
        "pitched part (horizontal lines in the spectrogram) and its short, percussive "
        "part (vertical lines). Listen to each."
    ),
}
