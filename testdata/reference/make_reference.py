#!/usr/bin/python3
"""Reference fixtures for Hark's features and audio tests, from an independent NumPy/SciPy implementation.

Run with Debian's Python (the one with numpy and scipy), from anywhere:

    /usr/bin/python3 testdata/reference/make_reference.py

It writes, next to itself, little-endian float32 files (*.f32, no header) and manifest.json, which gives the
shapes, rates and the log-mel configuration. The Go tests read only those; they never need Python.

Inputs:
  chirp    1 s logarithmic chirp 50 Hz -> 7.9 kHz at 16 kHz
  noise    8123 samples of Gaussian white noise (not a whole number of hops, so the tail is dropped)
  speech   speech.wav, espeak-ng reading a sentence, made once with espeak-ng and sox if it is missing (kept in
           the repository so that a different espeak-ng version does not change the fixture)
  silence  2000 zero samples: every band sits at the log floor
  sweep8k  1 s logarithmic sweep 50 Hz -> 3 kHz at 8 kHz, resampled to 16 kHz
  sweep44k 1 s logarithmic sweep 50 Hz -> 6 kHz at 44.1 kHz, resampled to 16 kHz

Log-mel definition (the one features.Extractor implements):
  frame i = x[i*hop : i*hop+frame_length], only whole frames; times a periodic Hann window of frame_length
  (scipy.signal.get_window('hann', n, fftbins=True)); zero-padded to fft_size; power |rfft|^2 of bins
  0..fft_size/2; mel energies through triangular filters on the HTK mel scale, mel(f) = 2595 log10(1 + f/700):
  num_mels+2 edges equally spaced in mel from fmin to fmax, filter b rising linearly in mel from edge b to edge
  b+1 (weight 1) and falling to edge b+2, weight evaluated at each bin's mel value, no area normalisation;
  finally natural log of max(energy, log_floor).

Resampling reference: scipy.signal.resample_poly with an explicit, long linear-phase FIR low-pass (firwin with
a Kaiser window, beta 12, 40 zero crossings a side, cutoff at the lower Nyquist frequency), which is time-aligned
with its input like Hark's resampler. The sweeps fade in and out over 20 ms, so that two different (both
correct) filters agree at the ends too: `edge`, the number of output samples the tests leave out at each end,
is 0.
"""
import json
import os
import shutil
import subprocess
import tempfile

import numpy as np
import scipy.io.wavfile
import scipy.signal

HERE = os.path.dirname(os.path.abspath(__file__))

CONFIG = {
    "sample_rate": 16000,
    "frame_length": 400,
    "hop": 160,
    "fft_size": 512,
    "num_mels": 80,
    "fmin": 0.0,
    "fmax": 8000.0,
    "log_floor": 1e-10,
}

SPEECH_TEXT = "Hark listens to the quiet voice."


def hz_to_mel(f):
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def mel_filterbank(c):
    bins = c["fft_size"] // 2 + 1
    edges = np.linspace(hz_to_mel(c["fmin"]), hz_to_mel(c["fmax"]), c["num_mels"] + 2)
    bin_mel = hz_to_mel(np.arange(bins) * c["sample_rate"] / c["fft_size"])
    fb = np.zeros((c["num_mels"], bins))
    for b in range(c["num_mels"]):
        lo, mid, hi = edges[b], edges[b + 1], edges[b + 2]
        rise = (bin_mel - lo) / (mid - lo)
        fall = (hi - bin_mel) / (hi - mid)
        fb[b] = np.maximum(0.0, np.minimum(rise, fall))
    return fb


def log_mel(x, c):
    x = np.asarray(x, dtype=np.float64)
    fl, hop = c["frame_length"], c["hop"]
    n = 1 + (len(x) - fl) // hop if len(x) >= fl else 0
    window = scipy.signal.get_window("hann", fl, fftbins=True)
    frames = np.stack([x[i * hop:i * hop + fl] for i in range(n)]) * window
    power = np.abs(np.fft.rfft(frames, n=c["fft_size"], axis=1)) ** 2
    mel = power @ mel_filterbank(c).T
    return np.log(np.maximum(mel, c["log_floor"])).astype(np.float32)


def write_f32(name, x):
    np.asarray(x, dtype="<f4").tofile(os.path.join(HERE, name))


def sweep(rate, f1, seconds=1.0, fade=0.02):
    t = np.arange(int(rate * seconds)) / rate
    x = 0.5 * scipy.signal.chirp(t, f0=50.0, t1=seconds, f1=f1, method="logarithmic")
    nf = int(rate * fade)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(nf) / nf)
    x[:nf] *= ramp
    x[-nf:] *= ramp[::-1]
    return x.astype(np.float32)


def reference_resample(x, in_rate, out_rate):
    g = np.gcd(in_rate, out_rate)
    up, down = out_rate // g, in_rate // g
    max_rate = max(up, down)
    half_len = 40 * max_rate
    h = scipy.signal.firwin(2 * half_len + 1, 1.0 / max_rate, window=("kaiser", 12.0))
    return scipy.signal.resample_poly(np.asarray(x, dtype=np.float64), up, down, window=h).astype(np.float32)


def speech():
    path = os.path.join(HERE, "speech.wav")
    if not os.path.exists(path):
        with tempfile.TemporaryDirectory() as tmp:
            raw = os.path.join(tmp, "espeak.wav")
            out = os.path.join(tmp, "speech.wav")
            subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", raw, SPEECH_TEXT], check=True)
            subprocess.run(["sox", raw, "-r", "16000", "-c", "1", "-b", "16", out], check=True)
            shutil.move(out, path)
    rate, data = scipy.io.wavfile.read(path)
    assert rate == 16000 and data.dtype == np.int16 and data.ndim == 1, (rate, data.dtype, data.shape)
    return (data.astype(np.float64) / 32768.0).astype(np.float32)


def main():
    c = CONFIG
    sr = c["sample_rate"]
    t = np.arange(sr) / sr
    rng = np.random.default_rng(2)
    inputs = {
        "chirp": (0.5 * scipy.signal.chirp(t, f0=50.0, t1=1.0, f1=7900.0, method="logarithmic")).astype(np.float32),
        "noise": (0.1 * rng.standard_normal(8123)).astype(np.float32),
        "speech": speech(),
        "silence": np.zeros(2000, dtype=np.float32),
    }
    manifest = {"config": c, "logmel": [], "resample": []}
    for name, x in inputs.items():
        m = log_mel(x, c)
        write_f32(name + ".f32", x)
        write_f32("logmel_" + name + ".f32", m)
        manifest["logmel"].append({"name": name, "input": name + ".f32", "output": "logmel_" + name + ".f32",
                                   "rows": int(m.shape[0]), "cols": int(m.shape[1])})
    for name, in_rate, f1 in [("sweep8k", 8000, 3000.0), ("sweep44k", 44100, 6000.0)]:
        x = sweep(in_rate, f1)
        y = reference_resample(x, in_rate, 16000)
        write_f32(name + ".f32", x)
        write_f32(name + "_16k.f32", y)
        manifest["resample"].append({"name": name, "in_rate": in_rate, "out_rate": 16000, "input": name + ".f32",
                                     "output": name + "_16k.f32", "edge": 0})
    tmp = os.path.join(HERE, "manifest.json.tmp")
    with open(tmp, "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    os.replace(tmp, os.path.join(HERE, "manifest.json"))


if __name__ == "__main__":
    main()
