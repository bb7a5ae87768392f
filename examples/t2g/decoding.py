"""Choose SLUL's beam width and length penalty on dev: decode the dev sentences with every pair,
score corpus BLEU-4 against the dev glosses (as the table scores), print the grid and write the
best pair as t2g options (``--beam B --length-penalty P``) to OUTPUT. Test is never decoded here.

    python decoding.py MODEL DEV.de DEV.gloss OUTPUT [--beams 1 4 8] [--penalties 0.6 1.0 1.4]

Ties keep the first pair in the order given (the smaller beam, then the smaller penalty).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("sentences")
    parser.add_argument("glosses")
    parser.add_argument("output")
    parser.add_argument("--beams", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--penalties", type=float, nargs="+", default=[0.6, 1.0, 1.4])
    options = parser.parse_args()

    from signkit.evaluate.scores import bleu
    from signkit.gloss.slul import SLUL, translate

    model = SLUL.from_pretrained(options.model)
    sentences = Path(options.sentences).read_text(encoding="utf-8").splitlines()
    references = [Path(options.glosses).read_text(encoding="utf-8").splitlines()]
    best = None
    print(f"{'beam':>4} {'penalty':>7} {'dev BLEU-4':>10}")
    for beam in options.beams:
        for penalty in options.penalties if beam > 1 else options.penalties[:1]:  # greedy has no length penalty
            score = bleu(translate(model, sentences, beam=beam, length_penalty=penalty), references).score
            print(f"{beam:>4} {penalty:>7} {score:>10.2f}", flush=True)
            if best is None or score > best[0]:
                best = score, beam, penalty
    score, beam, penalty = best
    print(f"chosen on dev: beam {beam}, length penalty {penalty} (dev BLEU-4 {score:.2f})")
    Path(options.output).write_text(f"--beam {beam} --length-penalty {penalty}\n", encoding="utf-8")


if __name__ == "__main__":
    main()
