#!/usr/bin/python3
"""Independent reference for Hark's modified Kneser-Ney builder (decoder/lm/build.go).

Written from the definitions (Chen & Goodman 1998; KenLM's lmplz conventions) with plain dictionaries, sharing no
code with the Go builder. Usage:

    /usr/bin/python3 kn_reference.py ORDER PRUNE CORPUS > OUT.arpa

PRUNE is a comma-separated list of per-order thresholds (unigrams first, e.g. 0,0,1); 'none' disables pruning.
Conventions mirrored from the Go documentation:
  * one sentence per line, words split on white space and lower-cased, padded as <s> w1 .. wn </s>;
  * adjusted count = raw count at the highest order and for n-grams starting with <s>, otherwise the number of
    distinct words seen immediately to the left;
  * D1, D2, D3+ from counts of counts of adjusted counts per order; if the formula is degenerate, D = Y for all
    counts (or 0.5 when Y itself is undefined);
  * unigrams interpolate with the uniform distribution over every word except <s>; <unk> has count 0; p(<s>) = -99;
  * an n-gram (n >= 2) is kept when its adjusted count exceeds the threshold and its (n-1)-word prefix was kept;
    pruned n-grams' counts go whole into their context's back-off weight;
  * the lower-order probability in the interpolation is the back-off probability of the pruned lower-order model.
"""
import math
import sys
from collections import defaultdict


def discounts(adj):
    t = defaultdict(int)
    for c in adj.values():
        if 1 <= c <= 4:
            t[c] += 1
    if all(t[i] > 0 for i in (1, 2, 3, 4)):
        y = t[1] / (t[1] + 2 * t[2])
        d = (1 - 2 * y * t[2] / t[1], 2 - 3 * y * t[3] / t[2], 3 - 4 * y * t[4] / t[3])
        if 0 < d[0] < 1 and 0 < d[1] < 2 and 0 < d[2] < 3:
            return d
    y = 0.5
    if t[1] > 0 and t[2] > 0:
        y = t[1] / (t[1] + 2 * t[2])
    return (y, y, y)


def disc(d, c):
    if c == 0:
        return 0.0
    return d[min(c, 3) - 1]


def main():
    order = int(sys.argv[1])
    prune = [] if sys.argv[2] == 'none' else [int(x) for x in sys.argv[2].split(',')]
    sents = []
    with open(sys.argv[3]) as f:
        for line in f:
            w = line.lower().split()
            if w:
                sents.append(['<s>'] + w + ['</s>'])
    vocab = {'<unk>', '<s>', '</s>'}
    raw = defaultdict(int)  # tuple -> raw count, every order
    for s in sents:
        vocab.update(s)
        for n in range(1, order + 1):
            for i in range(len(s) - n + 1):
                raw[tuple(s[i:i + n])] += 1
    left = defaultdict(set)
    for g in raw:
        if len(g) >= 2:
            left[g[1:]].add(g[0])
    adj = [dict() for _ in range(order + 1)]
    for g, c in raw.items():
        n = len(g)
        if n == order or g[0] == '<s>':
            adj[n][g] = c
        else:
            adj[n][g] = len(left[g])
    for w in vocab:
        if (w,) not in adj[1]:
            adj[1][(w,)] = 0
    adj[1][('<s>',)] = 0

    def thr(n):
        if n == 1 or not prune:
            return 0
        return prune[n - 1] if n - 1 < len(prune) else prune[-1]

    prob = {}  # kept n-gram -> log10 p
    bow = {}   # context -> log10 back-off

    def query(g):
        """log10 probability of g[-1] given g[:-1] from the kept model so far."""
        b = 0.0
        while True:
            if g in prob:
                return b + prob[g]
            b += bow.get(g[:-1], 0.0)
            g = g[1:]

    uni = {g: c for g, c in adj[1].items() if g != ('<s>',)}
    d = discounts(uni)
    total = sum(uni.values())
    gamma = sum(disc(d, c) for c in uni.values()) / total
    for g, c in uni.items():
        prob[g] = math.log10((c - disc(d, c)) / total + gamma / len(uni))
    prob[('<s>',)] = -99.0
    for n in range(2, order + 1):
        d = discounts(adj[n])
        groups = defaultdict(list)
        for g, c in adj[n].items():
            groups[g[:-1]].append((g, c))
        new = {}
        for h, items in groups.items():
            if h not in prob:
                continue
            s = sum(c for _, c in items)
            kept = [(g, c) for g, c in items if c > thr(n)]
            gamma = (sum(disc(d, c) for _, c in kept) + sum(c for _, c in items if c <= thr(n))) / s
            bow[h] = math.log10(gamma)
            for g, c in kept:
                lower = 10 ** query(g[1:])
                new[g] = math.log10((c - disc(d, c)) / s + gamma * lower)
        prob.update(new)

    print('\\data\\')
    for n in range(1, order + 1):
        print('ngram %d=%d' % (n, sum(1 for g in prob if len(g) == n)))
    for n in range(1, order + 1):
        print('\n\\%d-grams:' % n)
        for g in sorted(g for g in prob if len(g) == n):
            line = '%.7f\t%s' % (prob[g], ' '.join(g))
            if n < order:
                line += '\t%.7f' % bow.get(g, 0.0)
            print(line)
    print('\n\\end\\')


main()
