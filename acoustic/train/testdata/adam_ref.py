#!/usr/bin/python3
"""Reference Adam steps for adam_test.go, computed independently with numpy in float64.

Run with Debian's python3 (it has numpy): /usr/bin/python3 adam_ref.py > adam_ref.json
Two parameters, "a" trainable and "b" frozen; five updates with fixed gradients; global-norm clipping at 1.0;
learning rate: linear warm-up over 2 steps to 0.01, then cosine to 0.001 at step 4, held after it.
"""
import json
import math

import numpy as np

b1, b2, eps, clip = 0.9, 0.999, 1e-8, 1.0
peak, lo, warm, total = 0.01, 0.001, 2, 4


def rate(t):
    if t <= warm:
        return peak * t / warm
    p = min((t - warm) / (total - warm), 1.0)
    return lo + (peak - lo) * 0.5 * (1 + math.cos(math.pi * p))


a = np.array([0.5, -0.25, 1.0, 0.0], dtype=np.float64)
b = np.array([2.0, -3.0], dtype=np.float64)
grads = [
    [0.1, -0.2, 0.3, 0.0],
    [2.0, 1.0, -2.0, 0.5],  # norm 3.04: clipped
    [-0.05, 0.05, 0.01, -0.02],
    [0.0, 0.0, 0.0, 0.0],
    [0.3, 0.3, -0.3, 0.3],
]
m = np.zeros_like(a)
v = np.zeros_like(a)
steps = []
for t, g in enumerate(grads, start=1):
    g = np.array(g)
    norm = float(np.sqrt(np.sum(g * g)))
    if norm > clip:
        g = g * (clip / norm)
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    mh = m / (1 - b1 ** t)
    vh = v / (1 - b2 ** t)
    lr = rate(t)
    a = a - lr * mh / (np.sqrt(vh) + eps)
    steps.append({"norm": norm, "lr": lr, "a": a.tolist(), "b": b.tolist()})
print(json.dumps({"grads": grads, "steps": steps}, indent=1))
