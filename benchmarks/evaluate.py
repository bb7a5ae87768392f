"""Benchmark of evaluation; prints its figures.

    python benchmarks/evaluate.py

1. DTW (Progressive Transformers' definition, `signkit score dtw`) on sequence pairs of 300
   frames x 150 values (PT-50), against the same dynamic program in pure Python (target: at
   least 50 times faster);
2. back-translation sentences per second: a model of the default size (d_model 256, 3 + 3
   layers, untrained: the speed does not depend on the weights) decoding PHOENIX14T sample
   sequences greedily in batches of 32, each decoded to 30 tokens; on the CPU, and on CUDA when
   there is one.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from signkit.evaluate.scores import dtw_cost


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
    backtranslation()


def backtranslation() -> None:
    """Greedy back-translation speed of a default-size model on the PHOENIX14T sample."""
    import torch

    from signkit.evaluate import backtranslation as bt
    from signkit.pose.io import read_sequences

    data = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "phoenix14t" / "sample"
    if not data.is_dir():
        print(f"back-translation: skipped, no data at {data}")
        return
    sequences = [s for split in ("train", "dev", "test") for s in read_sequences(data / f"{split}.skels")] * 4
    texts = [s.text or "" for s in sequences]
    tokenizer = bt.train_tokenizer(texts, 1000)
    config = bt.BackTranslationConfig(values=150, vocabulary=tokenizer.get_vocab_size(), max_tokens=30)
    torch.manual_seed(0)
    model = bt.BackTranslator(config)
    model.tokenizer = tokenizer
    with torch.no_grad():
        model.output.bias.fill_(0.0)
        model.output.bias[2] = -1e4  # never stop early: every sentence takes max_tokens steps
    for device in ["cpu"] + (["cuda"] if torch.cuda.is_available() else []):
        bt.translate(model, sequences[:4], device=device)  # warm-up
        start = time.perf_counter()
        bt.translate(model, sequences, batch_size=32, device=device)
        seconds = time.perf_counter() - start
        frames = sum(s.frames for s in sequences)
        print(f"back-translation ({device}, greedy, 30 tokens): {len(sequences)} sequences ({frames} frames) in "
              f"{seconds:.2f} s = {len(sequences) / seconds:.1f} sentences/s")


if __name__ == "__main__":
    main()
