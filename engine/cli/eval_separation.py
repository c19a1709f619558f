"""smartdj eval separation: how well a speech separator lets SmartDJ edit the voice inside a mixture.

Mixtures: each speech clip of the dev set (front, both channels) over ten kinds of background
(looped or cut to the speech's length, kept stereo where the clip is), at -5, 0 and +5 dB SNR,
48 kHz. For each mixture the separator runs once; the outputs are the separation executor's
exact definitions on that target ``t`` (the same arithmetic the executor does, proven
sample-exact by tests/integration/test_separation.py): extract -> ``t``; remove ->
``mix - t``; other ops -> ``(mix - t) + op(t)`` with the composer's op.

Reported per background and as the mean, per SNR: SI-SDR of the extracted voice against the
true voice and of the removed-voice residual against the true background, next to the
unedited mixture's SI-SDR against each. Edits on the voice: volume +6 / -6 dB (the true voice's
and background's gains in the output, by joint least squares) and direction -> left
(interaural lag and level of ``out - background`` against the panner's request).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from smartdj.engine.config import DEV_CLIPS_VARIABLE, dev_clips_dir

SR = 48000
SNRS = (-5.0, 0.0, 5.0)
SPEECH = ("26_woman_speaking_weasels_have_eaten.wav", "27_woman_speaking_you_are_currently.wav",
          "28_woman_speaking_hello_world.wav")
BACKGROUNDS = {"dog": "01_dog_barking.wav", "bees": "05_bee_buzzing.wav", "birds": "09_tropical_birds_singing.wav",
               "rain": "10_rain_falling.wav", "river": "12_river_flowing_water.wav",
               "car engine": "13_car_engine_revving.wav", "jet": "15_jet_airplane_flying_over.wav",
               "siren": "19_fire_truck_siren.wav", "vacuum": "21_vacuum_cleaner.wav", "applause": "25_applause.wav"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--clips", type=Path, default=None, help=f"folder of the dev clips (default: ${DEV_CLIPS_VARIABLE}, "
                   "or shared/audio/dev beside the checkout)")
    p.add_argument("--separator", default=None, help="a speech separator name (default: the one routed for 'voice')")
    p.add_argument("--json", action="store_true")


def _stereo(x: np.ndarray) -> np.ndarray:
    return np.vstack([x, x]) if x.shape[0] == 1 else x[:2]


def _mixture(voice: np.ndarray, background: np.ndarray, snr: float) -> tuple[np.ndarray, np.ndarray]:
    """(voice [2, n], background scaled to ``snr`` [2, n]); the background is looped to the voice's length."""
    n = voice.shape[1]
    reps = -(-n // background.shape[1])
    b = np.tile(background, (1, reps))[:, :n]
    gain = np.sqrt(np.sum(voice.astype(np.float64) ** 2) / max(np.sum(b.astype(np.float64) ** 2), 1e-20))
    return voice, (b * gain * 10 ** (-snr / 20)).astype(np.float32)


def _levels_db(x: np.ndarray, voice: np.ndarray, background: np.ndarray) -> tuple[float, float]:
    """Gains of the true voice and background inside ``x`` (joint least squares), in dB."""
    a = np.stack([voice.reshape(-1), background.reshape(-1)], axis=1).astype(np.float64)
    (gv, gb), *_ = np.linalg.lstsq(a, x.reshape(-1).astype(np.float64), rcond=None)
    return 20 * np.log10(max(gv, 1e-6)), 20 * np.log10(max(gb, 1e-6))


def _interaural(x: np.ndarray, max_lag: int) -> tuple[float, float]:
    """(lag of right behind left in samples, level of right relative to left in dB)."""
    left, right = x[0].astype(np.float64), x[1].astype(np.float64)
    lags = range(-max_lag, max_lag + 1)
    corr = [np.dot(left[: len(left) - k], right[k:]) if k >= 0 else np.dot(left[-k:], right[: len(right) + k])
            for k in lags]
    ild = 10 * np.log10(max(np.sum(right ** 2), 1e-20) / max(np.sum(left ** 2), 1e-20))
    return float(list(lags)[int(np.argmax(corr))]), float(ild)


def _one(sep, voice: np.ndarray, background: np.ndarray) -> dict:
    from smartdj.bridge.language import Step
    from smartdj.engine.compose.mixture import apply_whole
    from smartdj.models.metrics import si_sdr

    mix = (voice + background).astype(np.float32)
    t = np.asarray(sep.separate(mix, SR, "voice"), dtype=np.float32)
    residual = mix - t
    row = {"voice_si_sdr": si_sdr(t, voice), "mix_voice_si_sdr": si_sdr(mix, voice),
           "residual_si_sdr": si_sdr(residual, background), "mix_background_si_sdr": si_sdr(mix, background)}
    for db in (6.0, -6.0):
        out = residual + apply_whole(t, SR, Step("volume", "voice", db=db))
        row[f"volume {db:+g} voice_db"], row[f"volume {db:+g} background_db"] = _levels_db(out, voice, background)
    out = residual + apply_whole(t, SR, Step("direction", "voice", to="left"))
    lag, ild = _interaural(out - background, max_lag=int(0.001 * SR))
    row["left itd_ms"], row["left ild_db"] = 1000 * lag / SR, ild
    return row


def _mean(rows: list[dict]) -> dict:
    return {k: round(float(np.mean([r[k] for r in rows])), 2) for k in rows[0]}


def evaluate(clips: Path, separator: str | None = None, log=None) -> dict:
    from smartdj.engine.audio.io import read_audio
    from smartdj.engine.config import Settings
    from smartdj.engine.execution import separation_registry as reg
    from smartdj.engine.execution.executors import ExecError
    from smartdj.engine.execution.separation import SeparationExecutor

    settings = Settings()
    backend = reg.resolve("voice", separator, {}, settings, allow_editor=False)
    if backend is None:
        raise ExecError("needs_separation", reg.missing_message("voice", separator, settings))
    sep = reg.create(backend, {}, settings)
    voices = [_stereo(read_audio(clips / f, sr=SR)[0][:1]) for f in SPEECH]
    per_bg: dict[str, dict] = {}
    everything: dict[str, list[dict]] = {str(s): [] for s in SNRS}
    for name, f in BACKGROUNDS.items():
        bg = _stereo(read_audio(clips / f, sr=SR)[0])
        per_bg[name] = {}
        for snr in SNRS:
            rows = [_one(sep, *_mixture(v, bg, snr)) for v in voices]
            per_bg[name][str(snr)] = _mean(rows)
            everything[str(snr)] += rows
        if log:
            log(f"{name}: " + ", ".join(f"{s} dB -> voice {per_bg[name][s]['voice_si_sdr']} dB" for s in per_bg[name]))
    left_lag = 0.583  # the panner's request (ms) and level (20 log10 0.6)
    return {"separator": backend.name, "licence": backend.licence, "clips": str(clips), "sample_rate": SR,
            "snrs_db": list(SNRS), "speech": list(SPEECH), "backgrounds": BACKGROUNDS,
            "requested": {"volume_db": [6.0, -6.0], "left itd_ms": left_lag, "left ild_db": round(20 * np.log10(0.6), 2)},
            "mean": {s: _mean(rows) for s, rows in everything.items()}, "per_background": per_bg,
            "executor": SeparationExecutor.name}


def run(args: argparse.Namespace) -> int:
    clips = dev_clips_dir(args.clips)
    if clips is None:
        print("smartdj eval separation: the dev clips were not found; pass --clips DIR", file=sys.stderr)
        return 2
    from smartdj.engine.execution.executors import ExecError

    try:
        result = evaluate(clips, args.separator, log=None if args.json else print)
    except ExecError as e:
        print(f"smartdj eval separation: {e.message}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"separator {result['separator']} ({result['licence']}), mean over {len(BACKGROUNDS)} backgrounds:")
    for snr, m in result["mean"].items():
        print(f"  SNR {snr:>5} dB: voice SI-SDR {m['voice_si_sdr']:6.2f} (mix {m['mix_voice_si_sdr']:6.2f}); "
              f"removed-voice residual {m['residual_si_sdr']:6.2f} (mix {m['mix_background_si_sdr']:6.2f}); "
              f"+6 dB -> {m['volume +6 voice_db']:+.2f} dB; left: lag {m['left itd_ms']:.3f} ms, "
              f"level {m['left ild_db']:+.2f} dB (requested 0.583 ms, -4.44 dB)")
    return 0
