"""Benchmark of evaluation; prints its figures.

    python benchmarks/evaluate.py

DTW (Progressive Transformers' definition, `signkit score dtw`) on sequence pairs of 300
frames x 150 values (PT-50), against the same dynamic program in pure Python (target: at least
50 times faster).
"""

from __future__ import annotations

import time

import numpy as np

from signkit.score import dtw_cost


def pure_python_dtw(reference: np.ndarray, hypothesis: np.ndarray) -> float:
    """The DP as plain Python loops: L1 frame cost, steps (1,1), (1,0), (0,1), / |R|."""
    reference, hypothesis = reference.tolist(), hypothesis.tolist()
    inf = float("inf")
    previous = [0.0] + [inf] * len(hypothesis)
    for r in reference:
        current = [inf] * (len(hypothesis) + 1)
        for j, h in enumerate(hypothesis, start=1):
            cost = sum(abs(a - b) for a, b in zip(r, h))
            current[j] = cost + min(previous[j - 1], previous[j], current[j - 1])
        previous = current
    return previous[-1] / len(reference)


def main() -> None:
    rng = np.random.default_rng(0)
    pairs = [(rng.normal(size=(300, 150)), rng.normal(size=(300, 150))) for _ in range(50)]
    start = time.perf_counter()
    fast = [dtw_cost(r, h) for r, h in pairs]
    seconds = time.perf_counter() - start
    fast_rate = len(pairs) / seconds
    print(f"signkit DTW: {len(pairs)} pairs of 300 frames x 150 values in {seconds:.3f} s = {fast_rate:.1f} pairs/s")
    start = time.perf_counter()
    slow = [pure_python_dtw(r, h) for r, h in pairs[:2]]
    seconds = time.perf_counter() - start
    slow_rate = 2 / seconds
    assert np.allclose(slow, fast[:2])
    print(f"pure-Python DP: 2 pairs in {seconds:.2f} s = {slow_rate:.2f} pairs/s; signkit is {fast_rate / slow_rate:.0f}x faster")


if __name__ == "__main__":
    main()
