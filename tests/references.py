"""Reference computations the tests compare signkit with, written without signkit: the
Progressive Transformers' .skels read as plain text, DTW by a plain dynamic program, and the Sign
Language Transformers' BLEU and ROUGE-L set on sacrebleu and rouge-score."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rouge_score import rouge_scorer
from sacrebleu.metrics import BLEU


def slt_bleu(hypotheses: list[str], references: list[str], order: int = 4) -> float:
    """Corpus BLEU with Sign Language Transformers' evaluator's settings, set on sacrebleu here: no
    tokenisation, lower-case, no smoothing, effective order."""
    own = BLEU(max_ngram_order=order, tokenize="none", lowercase=True, smooth_method="none", effective_order=True)
    return own.corpus_score(hypotheses, [references]).score


class _Split:
    def tokenize(self, text):
        return text.split()


def slt_rouge(hypotheses: list[str], references: list[str]) -> float:
    """Sentence-averaged ROUGE-L on 0-100 with Sign Language Transformers' settings (the MS-COCO
    ROUGE-L): whitespace tokens, lower-case, F-beta with beta 1.2 from rouge-score's P and R."""
    scorer, total = rouge_scorer.RougeScorer(["rougeL"], tokenizer=_Split()), 0.0
    for h, r in zip(hypotheses, references):
        s = scorer.score(r.lower(), h.lower())["rougeL"]
        if s.precision and s.recall:
            total += (1 + 1.2**2) * s.precision * s.recall / (s.recall + 1.2**2 * s.precision)
    return 100 * total / len(hypotheses)


def read_skels(path: Path) -> list[np.ndarray]:
    """A .skels file read as plain text, without signkit: per sequence the joints (frames - 1, 50,
    3), the counter column dropped and the last frame too (where the counter peaks: Progressive
    Transformers' evaluator cuts there; a single frame is kept)."""
    sequences = []
    for line in path.read_text(encoding="utf-8").splitlines():
        frames = np.array(line.split(), dtype=np.float64).reshape(-1, 151)
        sequences.append(frames[: max(1, len(frames) - 1), :150].reshape(-1, 50, 3))
    return sequences


def plain_dtw(cost: np.ndarray) -> tuple[float, list[tuple[int, int]]]:
    """Dynamic time warping on a frame cost matrix (R, H), written plainly: the least sum of costs
    over paths from (0, 0) to (R - 1, H - 1) with steps (1, 1), (1, 0), (0, 1), and that path."""
    rows, columns = cost.shape
    table, inf = cost.tolist(), float("inf")
    accumulated = [[0.0] + [inf] * columns] + [[inf] * (columns + 1) for _ in range(rows)]
    for i in range(1, rows + 1):
        above, here = accumulated[i - 1], accumulated[i]
        for j in range(1, columns + 1):
            here[j] = table[i - 1][j - 1] + min(above[j - 1], above[j], here[j - 1])
    path, i, j = [(rows - 1, columns - 1)], rows, columns
    while (i, j) != (1, 1):
        i, j = min(((i - 1, j - 1), (i - 1, j), (i, j - 1)), key=lambda cell: accumulated[cell[0]][cell[1]])
        path.append((i - 1, j - 1))
    return accumulated[rows][columns], path[::-1]


def plain_dtw_score(reference: np.ndarray, hypothesis: np.ndarray) -> float:
    """Progressive Transformers' DTW of one pair of (frames, joints, 3): L1 frame cost, / |R|."""
    cost = np.abs(reference.reshape(len(reference), 1, -1) - hypothesis.reshape(1, len(hypothesis), -1)).sum(-1)
    return plain_dtw(cost)[0] / len(reference)


def plain_dtw_mje(reference: np.ndarray, hypothesis: np.ndarray) -> float:
    """SLRTP 2025's DTW-MJE of one pair: frame cost the mean joint distance, its mean on the path."""
    cost = np.linalg.norm(reference[:, None] - hypothesis[None], axis=-1).mean(-1)
    return float(np.mean([cost[i, j] for i, j in plain_dtw(cost)[1]]))
