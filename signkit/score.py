"""The field's evaluation measures, each named with every setting (``signkit score``).

Text measures compare back-translated text with the input sentences; pose measures compare
produced with real skeletons. Every :class:`Score` carries a signature string that names the
library, version and settings that made it, so two numbers are comparable exactly when their
signatures are equal.
"""

from __future__ import annotations

from collections.abc import Sequence as Seq
from dataclasses import dataclass, field

import numpy as np

from signkit import __version__
from signkit.errors import SignkitError
from signkit.pose.sequence import Sequence, person0

TEXT_METRICS = ("bleu", "rouge")
POSE_METRICS = ("dtw", "dtw-mje")
METRICS = TEXT_METRICS + POSE_METRICS
# ROUGE-L's F-beta in Sign Language Transformers' evaluator (the MS-COCO caption ROUGE-L).
SLT_ROUGE_BETA = 1.2


@dataclass
class Score:
    """One measure over a corpus.

    Attributes:
        metric: its name (``bleu``, ``rouge``, ``dtw``, ``dtw-mje``).
        score: the headline number (BLEU-4, ROUGE-L, DTW or DTW-MJE).
        values: every number it reports (e.g. ``bleu1`` .. ``bleu4``).
        signature: library, version and settings, ``key:value`` pairs joined by ``|``.
        count: sentences or sequences scored.
    """

    metric: str
    score: float
    values: dict[str, float] = field(default_factory=dict)
    signature: str = ""
    count: int = 0

    def as_json(self) -> dict:
        """The score as a JSON-ready dict."""
        return {"metric": self.metric, "score": self.score, **self.values, "count": self.count,
                "signature": self.signature}  # fmt: skip


def _check_parallel(hypotheses: Seq, references: list[Seq], what: str = "lines") -> None:
    for i, reference in enumerate(references):
        if len(reference) != len(hypotheses):
            raise SignkitError(f"reference {i + 1} has {len(reference)} {what}, the hypotheses {len(hypotheses)}")
    if not hypotheses:
        raise SignkitError(f"no hypothesis {what} to score")


def bleu(hypotheses: list[str], references: list[list[str]], slt: bool = False) -> Score:
    """Corpus BLEU-1 to BLEU-4 with sacrebleu (Post, 2018).

    BLEU-n = BP * exp(1/n * sum_{k<=n} log p_k), p_k the corpus-level modified k-gram
    precision and BP = min(1, exp(1 - ref_len / hyp_len)); each BLEU-n is sacrebleu's BLEU with
    ``max_ngram_order=n``, so BLEU-4 is sacrebleu's standard BLEU.

    Args:
        hypotheses: one sentence per sequence.
        references: one or more reference streams, each parallel to ``hypotheses``.
        slt: the settings of Sign Language Transformers' evaluator (Camgoz et al., 2020,
            ``signjoey/metrics.py``), which SLP papers report back-translation with: no
            tokenisation, lower-case, no smoothing, effective order. Otherwise sacrebleu's
            standard settings (13a tokenisation, case kept, exponential smoothing).

    Returns:
        ``score`` BLEU-4 and ``values`` ``bleu1`` .. ``bleu4`` on sacrebleu's 0-100 scale, with
        sacrebleu's own signature.

    Raises:
        SignkitError: streams of different lengths, or no hypotheses.
    """
    from sacrebleu.metrics import BLEU

    _check_parallel(hypotheses, references)
    settings = dict(tokenize="none", lowercase=True, smooth_method="none", effective_order=True) if slt else {}
    values, signature = {}, ""
    for order in range(1, 5):
        metric = BLEU(max_ngram_order=order, **settings)
        values[f"bleu{order}"] = metric.corpus_score(hypotheses, references).score
        signature = str(metric.get_signature())
    signature = f"signkit:{__version__}|{'slt' if slt else 'sacrebleu'}|{signature}|orders:1-4"
    return Score("bleu", values["bleu4"], values, signature, len(hypotheses))


class _WhitespaceTokenizer:
    """rouge-score tokenizer that splits on whitespace only, as Sign Language Transformers does."""

    def tokenize(self, text: str) -> list[str]:
        return text.split()


def rouge(hypotheses: list[str], references: list[list[str]], slt: bool = False) -> Score:
    """ROUGE-L (Lin, 2004) with rouge-score, averaged over sentences, on a 0-100 scale.

    Per sentence, with LCS the longest common subsequence of tokens, P = LCS / len(hypothesis)
    and R = LCS / len(reference): F_beta = (1 + beta^2) P R / (R + beta^2 P). With several
    reference streams a sentence takes its best reference (rouge-score's ``score_multi``).

    Args:
        hypotheses: one sentence per sequence.
        references: one or more reference streams, parallel to ``hypotheses``.
        slt: Sign Language Transformers' settings (its MS-COCO ROUGE-L): whitespace tokens,
            lower-case, beta = 1.2. Otherwise rouge-score's defaults: its tokenizer (lower-case,
            non-alphanumerics removed), no stemming, F1 (beta = 1).

    Raises:
        SignkitError: streams of different lengths, or no hypotheses.
    """
    from importlib.metadata import version

    from rouge_score import rouge_scorer

    _check_parallel(hypotheses, references)
    if slt:
        scorer = rouge_scorer.RougeScorer(["rougeL"], tokenizer=_WhitespaceTokenizer())
        hypotheses = [h.lower() for h in hypotheses]
        references = [[r.lower() for r in stream] for stream in references]
        beta = SLT_ROUGE_BETA
    else:
        scorer, beta = rouge_scorer.RougeScorer(["rougeL"]), 1.0
    total = 0.0
    for i, hypothesis in enumerate(hypotheses):
        result = scorer.score_multi([stream[i] for stream in references], hypothesis)["rougeL"]
        p, r = result.precision, result.recall
        total += 0.0 if p == 0 or r == 0 else (1 + beta**2) * p * r / (r + beta**2 * p)
    value = 100 * total / len(hypotheses)
    tokens = "whitespace|case:lc" if slt else "rouge-score-default|stemmer:no"
    signature = (f"signkit:{__version__}|{'slt' if slt else 'rouge-score'}|rouge-score:{version('rouge-score')}|"
                 f"rougeL|tok:{tokens}|fbeta:{beta}|nrefs:{len(references)}|average:sentence")  # fmt: skip
    return Score("rouge", value, {"rougeL": value}, signature, len(hypotheses))


def _frames(sequence: Sequence) -> np.ndarray:
    """(frames, points, dims) float64 with missing points as 0, cut at the counter's end.

    Progressive Transformers' evaluator keeps the frames before the counter's maximum; in
    signkit's poses the counter (t/T, written by the .skels format) reaches its maximum in the
    last frame, so the last frame is dropped (a single frame is kept).
    """
    points = np.nan_to_num(person0(sequence.pose)[0].astype(np.float64))
    return points[: max(1, len(points) - 1)]


def _aligned(hypotheses: list[Sequence], references: list[Sequence]):
    if len(hypotheses) != len(references):
        raise SignkitError(f"{len(hypotheses)} hypothesis sequences but {len(references)} reference sequences")
    if not hypotheses:
        raise SignkitError("no sequences to score")
    for hypothesis, reference in zip(hypotheses, references):
        shape_h, shape_r = hypothesis.pose.body.data.shape[2:], reference.pose.body.data.shape[2:]
        if shape_h != shape_r:
            raise SignkitError(f"sequence {hypothesis.name} has {shape_h[0]} x {shape_h[1]} values a frame, its "
                               f"reference {reference.name} {shape_r[0]} x {shape_r[1]}; convert both with "
                               "--layout pt50")  # fmt: skip
        yield hypothesis, _frames(hypothesis), _frames(reference)


def dtw_cost(reference: np.ndarray, hypothesis: np.ndarray) -> float:
    """Progressive Transformers' DTW score of one pair (Saunders et al., 2020, ``helpers.py``).

    DTW(R, H) = min over warping paths W of sum_{(i, j) in W} ||R_i - H_j||_1, with steps
    (i-1, j-1), (i-1, j), (i, j-1) of weight 1, divided by the reference length |R|.

    Args:
        reference: (frames R, values) reference frames, flattened joints.
        hypothesis: (frames H, values) produced frames.

    Returns:
        The normalised path cost (units of the joint values per reference frame).
    """
    from dtw import dtw, symmetric1

    alignment = dtw(reference, hypothesis, dist_method="cityblock", step_pattern=symmetric1, distance_only=True)
    return float(alignment.distance) / len(reference)


def dtw(hypotheses: list[Sequence], references: list[Sequence]) -> Score:
    """DTW of Progressive Transformers, the mean of :func:`dtw_cost` over sequence pairs.

    Frames are the joint values flattened (PT-50: 150 values), the counter column removed and
    frames from the counter's maximum on removed (:func:`_frames`); sequences pair by order.
    The DP is dtw-python's (Giorgino, 2009), step pattern symmetric1, on L1 frame costs.

    Raises:
        SignkitError: different numbers of sequences, or of values per frame.
    """
    from importlib.metadata import version

    costs = [dtw_cost(r.reshape(len(r), -1), h.reshape(len(h), -1)) for _, h, r in _aligned(hypotheses, references)]
    signature = (f"signkit:{__version__}|dtw:progressive-transformers|cost:l1|steps:symmetric1|norm:ref-length|"
                 f"cut:counter|average:sequence|dtw-python:{version('dtw-python')}")  # fmt: skip
    return Score("dtw", float(np.mean(costs)), {"dtw": float(np.mean(costs))}, signature, len(costs))


def dtw_mje(hypotheses: list[Sequence], references: list[Sequence]) -> Score:
    """DTW-MJE, the SLRTP 2025 challenge's measure: mean per-joint Euclidean error after DTW.

    Per pair, frames are aligned by DTW with frame cost c(i, j) = 1/J sum_k ||R_ik - H_jk||_2
    (J joints, each a point of ``dims`` values); DTW-MJE = the mean of c(i, j) over the pairs
    (i, j) of the optimal path; the corpus figure is the mean over sequences, in the joint
    values' units (PT-50: normalised units, shoulder width 1/3).

    Raises:
        SignkitError: different numbers of sequences, or of values per frame.
    """
    from importlib.metadata import version

    from dtw import dtw as align
    from dtw import symmetric1

    errors = []
    for _, hypothesis, reference in _aligned(hypotheses, references):
        cost = np.linalg.norm(reference[:, None] - hypothesis[None], axis=-1).mean(-1)  # (R, H)
        path = align(cost, step_pattern=symmetric1)
        errors.append(float(cost[path.index1, path.index2].mean()))
    signature = (f"signkit:{__version__}|dtw-mje:slrtp2025|cost:mean-joint-l2|steps:symmetric1|average:path,sequence|"
                 f"cut:counter|dtw-python:{version('dtw-python')}")  # fmt: skip
    return Score("dtw-mje", float(np.mean(errors)), {"dtw_mje": float(np.mean(errors))}, signature, len(errors))
