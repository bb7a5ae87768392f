"""Benchmark: how near real signing is what signkit's rule-based signer makes? Prints its figures.

    python benchmarks/quality.py

DGS Corpus sentences (``../shared/data/dgs-sentences``, 32 sentences of continuous signing, 25
fps), left out one at a time: the lexicon is built from the other 31 sentences (``signkit
lexicon``'s cut: one PT-50 clip per gloss annotation), the held-out sentence's glosses are signed
by the rule-based signer (``t2p --from gloss``: exact gloss, else another variant of its lemma,
else the signer's choice for an uncovered gloss), and the result is compared with the sentence's
real signing (PT-50, repaired, untrimmed):

- per sentence: the duration ratio (produced frames / real frames), the wrist jerk ratio (mean
  magnitude of the wrists' third derivative, produced / real, in shoulder widths per s^3), DTW-MJE
  (SLRTP 2025, as ``score dtw-mje``) and signkit's default distance (``score upper-shape-ndtw``)
  against the real signing, beside the still pose: the other 31 sentences' mean pose held for the
  real sentence's length (a trivial baseline: a result that does not beat it is a finding);
- per covered gloss segment (a sign of the same gloss, or of its lemma, in the other sentences):
  the produced sign's duration against the real segment's;
- coverage: the share of glosses with an exact match and with a lemma match.

Medians over sentences (and segments); the figure to reach for each ratio is 1.

Measured on the 2-core AMD EPYC machine (190 glosses: exact match 27%, lemma match 42%):

    uncovered glosses          duration  jerk  covered  DTW-MJE (still 0.1333)  upper-shape-ndtw (still 0.2256)
    spelled letter by letter       6.83  2.14     1.00                  0.2547                           0.3178
    held 0.18 s                    1.62  0.40     1.00                  0.2646                           0.2963
    held, measured transitions     1.76  0.34     1.00                  0.2625                           0.2957
      (0.10 s + travel / 0.9 units/s, minimum jerk; was 0.08 s + travel / 1.2, smoothstep)

The still pose stays nearer the real signing by both distances (in 30 of 32 sentences by DTW-MJE).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def jerk(points: np.ndarray, fps: float) -> float:
    """Mean magnitude of the wrists' third derivative: (frames, 50, 3) PT-50 normalised units at
    ``fps`` -> shoulder widths per s^3 (0 for fewer than 4 frames)."""
    from signkit.pose.layouts import PT50_LWRIST, PT50_RWRIST

    wrists = points[:, [PT50_LWRIST, PT50_RWRIST]].astype(np.float64) * 3
    if len(wrists) < 4:
        return 0.0
    return float(np.linalg.norm(np.diff(wrists, n=3, axis=0) * fps**3, axis=-1).mean())


def main() -> None:
    from signkit.evaluate.distances import DEFAULT, DISTANCES
    from signkit.lexicons.corpus import read_sentences
    from signkit.lexicons.pipeline import SPELLED_LANGUAGES

    distance = DISTANCES[DEFAULT]
    sentences = read_sentences([DATA / "dgs-sentences" / "train", DATA / "dgs-sentences" / "test"])
    for spell in (True, False):
        what = "spelled letter by letter" if spell else "held"
        default = "  (t2p's choice for DGS)" if spell == ("gsg" in SPELLED_LANGUAGES) else ""
        print(f"\nrule-based signer (t2p --from gloss), uncovered glosses {what}{default}:")
        report(sentences, spell, distance)


def report(sentences: list, spell: bool, distance) -> None:
    """Sign each held-out sentence with the lexicon of the others and print the medians."""
    from signkit.evaluate.scores import mje_cost
    from signkit.lexicons.corpus import build_database
    from signkit.lexicons.lexicon import Lexicon, builtin_lexicon_path, gloss_lemma
    from signkit.lexicons.pipeline import Signer
    from signkit.pose.layouts import pt50_header
    from signkit.pose.sequence import Sequence, make_pose

    rows, segments, exact, lemma, total = [], [], 0, 0, 0
    start = time.perf_counter()
    for i, held in enumerate(sentences):
        others = sentences[:i] + sentences[i + 1 :]
        with tempfile.TemporaryDirectory() as folder:
            build_database(others, folder)
            lexicon = Lexicon.read([Path(folder), builtin_lexicon_path()], signed_language="gsg")
            signer = Signer(lexicon, fps=held.fps, spell=spell)
            produced = signer.sign(held.glosses, held.name)
            for gloss, (first, last) in zip(held.glosses, held.spans):
                total += 1
                entry = lexicon.find(gloss)
                if entry is None or entry.is_letter:
                    continue
                exact += entry.gloss.upper() == gloss.upper()
                lemma += gloss_lemma(entry.gloss) == gloss_lemma(gloss)
                segments.append(len(signer.clip(entry)) / (last - first))
        real = held.points
        still = np.repeat(np.concatenate([s.points for s in others]).mean(0, keepdims=True), len(real), 0)

        def sequence(points):
            return Sequence(held.name, make_pose(pt50_header(), points, None, held.fps))

        row = {"duration": len(produced) / len(real), "jerk": jerk(produced, held.fps) / max(jerk(real, held.fps), 1e-9)}
        for name, points in (("produced", produced), ("still", still)):
            row[f"mje {name}"] = mje_cost(real.astype(np.float64), points.astype(np.float64))
            row[f"distance {name}"] = distance(sequence(real), sequence(points))
        rows.append(row)
    seconds = time.perf_counter() - start
    median = {key: float(np.median([row[key] for row in rows])) for key in rows[0]}
    print(f"DGS leave-one-out: {len(rows)} sentences, {total} glosses; exact match {exact / total:.0%}, lemma match "
          f"{lemma / total:.0%}; {seconds:.0f} s; medians over sentences (a ratio of 1 is real signing's)")  # fmt: skip
    print(f"  duration ratio          {median['duration']:.2f}")
    print(f"  wrist jerk ratio        {median['jerk']:.2f}")
    print(f"  covered gloss segments  {np.median(segments):.2f} (duration ratio, {len(segments)} segments)")
    print(f"  DTW-MJE                 {median['mje produced']:.4f}   still pose {median['mje still']:.4f}")
    print(f"  {distance.name:<22}  {median['distance produced']:.4f}   still pose {median['distance still']:.4f}")
    nearer = sum(row["mje produced"] < row["mje still"] for row in rows)
    print(f"  nearer the real signing than the still pose (DTW-MJE) in {nearer} of {len(rows)} sentences")


if __name__ == "__main__":
    main()
