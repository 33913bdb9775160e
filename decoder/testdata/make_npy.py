#!/usr/bin/python3
"""Writes small.npy, a fixture for decoder.ReadNPY: NumPy's own .npy writer, 3 frames × 4 symbols of
log-softmax values, float32 little-endian, C order. Run: /usr/bin/python3 make_npy.py"""
import numpy as np

x = np.array([[1.0, 2.0, 0.5, -1.0], [0.0, 0.0, 3.0, 0.0], [-2.0, 1.5, 1.5, 0.25]])
x = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
np.save('small.npy', x.astype('<f4'))
with open('small.txt', 'w') as f:
    for row in x.astype('<f4'):
        f.write(' '.join(repr(float(v)) for v in row) + '\n')
