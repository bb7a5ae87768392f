"""Choose SLUL's beam width, length penalty and word reward on dev: decode the dev sentences with
every combination (one model, or an ensemble of several), score corpus BLEU-4 against the dev
glosses (as the table scores), print the grid and write the best as t2g options (``--beam B
--length-penalty P --word-reward R``) to OUTPUT. Test is never decoded here.

    python decoding.py DEV.de DEV.gloss OUTPUT MODEL [MODEL ...] [--beams 1 4 8]
                       [--penalties 0.0 1.0] [--rewards 0.0 0.5 1.0]

Ties keep the first combination in the order given (the smaller beam, then the smaller penalty,
then the smaller reward). Greedy decoding has no length penalty: it is tried with the first.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sentences")
    parser.add_argument("glosses")
    parser.add_argument("output")
    parser.add_argument("models", nargs="+", help="a model folder, or several: an ensemble")
    parser.add_argument("--beams", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--penalties", type=float, nargs="+", default=[0.0, 1.0])
    parser.add_argument("--rewards", type=float, nargs="+", default=[0.0, 0.5, 1.0])
    options = parser.parse_args()

    from signkit.evaluate.scores import bleu
    from signkit.gloss.slul import ensemble, translate

    models = ensemble(options.models)
    sentences = Path(options.sentences).read_text(encoding="utf-8").splitlines()
    references = [Path(options.glosses).read_text(encoding="utf-8").splitlines()]
    best = None
    print(f"{'beam':>4} {'penalty':>7} {'reward':>6} {'dev BLEU-4':>10}")
    for beam in options.beams:
        for penalty in options.penalties if beam > 1 else options.penalties[:1]:
            for reward in options.rewards:
                glosses = translate(models, sentences, beam=beam, length_penalty=penalty, word_reward=reward)
                score = bleu(glosses, references).score
                print(f"{beam:>4} {penalty:>7} {reward:>6} {score:>10.2f}", flush=True)
                if best is None or score > best[0]:
                    best = score, beam, penalty, reward
    score, beam, penalty, reward = best
    print(f"chosen on dev: beam {beam}, length penalty {penalty}, word reward {reward} (dev BLEU-4 {score:.2f})")
    Path(options.output).write_text(f"--beam {beam} --length-penalty {penalty} --word-reward {reward}\n",
                                    encoding="utf-8")


if __name__ == "__main__":
    main()
