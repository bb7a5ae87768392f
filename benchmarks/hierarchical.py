"""Benchmark of Stable Signer's hierarchy on the CPU; prints its figures.

    python benchmarks/hierarchical.py [--gloss-model DIR [DIR ...]] [--g2p-model DIR]

1. train-t2g sentences per second: SLUL at the size of ``examples/t2g``'s best model trained on
   the PHOENIX14T train split, 64 sentences a step, from the wall time of two runs of the command
   (50 and 250 steps, no validation): their difference over 200 steps, start-up, tokenizer and
   saving left out; in float32, and on a CPU that computes bfloat16 natively (AMX, AVX512-BF16:
   ``signkit.train.native_bf16_cpu``) also with bf16 autocast, what ``--mixed-precision auto``
   picks there;
2. t2g sentences per second: SLUL decoding the 519 PHOENIX14T dev sentences, greedy and beam 4,
   in batches of 32 (``slul.translate``, what ``signkit t2g`` runs), with one model and with an
   ensemble of three (``examples/t2g``'s make best: the given models, or the one model three
   times, which costs what three models cost);
3. g2p frames per second: SLP-MoE signing the 16 DGS Corpus test gloss sequences one by one
   (``signkit.moe.produce.produce``, what ``signkit t2p --pipeline hierarchical`` runs per line), retrieval,
   gating, blending and refinement included.

Model loading is not timed. Without model folders, the benchmark decodes with the 250-step SLUL
of 1. and trains SLP-MoE for 20 steps (the speed does not depend on how well they are trained,
only on the lengths they write). Training runs on OMP_NUM_THREADS threads, as the rest.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PHOENIX = DATA / "phoenix14t" / "annotations"
DGS = DATA / "dgs-sentences"


# examples/t2g's best model (its Makefile's BEST_FLAGS), without validation
T2G = ["--vocabulary", "2000", "--d-model", "256", "--feed-forward", "1024", "--layers", "3", "--dropout", "0.1",
       "--batch-size", "64", "--learning-rate", "3e-4", "--warmup-steps", "100", "--checkpointing-steps", "0",
       "--validation-steps", "0"]  # fmt: skip


def _train(args: list[str]) -> float:
    """Run a signkit training command; returns its wall time in seconds."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "signkit", *args, "-q"], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gloss-model", nargs="+", help="train-t2g model folders of one vocabulary: the first "
                        "decodes alone, all as an ensemble (one folder, or the model trained here without one: three "
                        "times in the ensemble)")
    parser.add_argument("--g2p-model", help="a train-g2p model folder (default: train one)")
    options = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"real data not found at {DATA}")
    import torch

    from signkit.gloss import slul
    from signkit.moe.network import SLPMoE
    from signkit.moe.produce import produce
    from signkit.lexicons.corpus import read_sentences
    from signkit.text.annotations import read_texts
    from signkit.train import native_bf16_cpu

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    precisions = ["no", "bf16"] if native_bf16_cpu() else ["no"]
    with tempfile.TemporaryDirectory() as scratch:
        for precision in precisions:
            seconds = {steps: _train(["train-t2g", str(PHOENIX / "train.csv"), "-o",
                                      f"{scratch}/t2g-{precision}-{steps}", *T2G, "--max-steps", str(steps),
                                      "--mixed-precision", precision])
                       for steps in (50, 250)}  # fmt: skip
            step = (seconds[250] - seconds[50]) / 200
            print(f"train-t2g ({'float32' if precision == 'no' else 'bf16 autocast'}): {step:.3f} s a step of 64 "
                  f"sentences = {64 / step:.0f} sentences/s ({7096 / 64 * step / 60:.2f} min an epoch of the 7,096 "
                  f"training sentences)")  # fmt: skip
        gloss_models = options.gloss_model or [f"{scratch}/t2g-{precisions[-1]}-250"]
        gloss_models = gloss_models * 3 if len(gloss_models) == 1 else gloss_models
        g2p_model = options.g2p_model or f"{scratch}/g2p"
        if not options.g2p_model:
            _train(["train-g2p", str(DGS / "train"), "-o", g2p_model, "--max-steps", "20"])
        models = slul.ensemble(gloss_models)
        sentences = [text for text, _ in read_texts(PHOENIX / "dev.csv").values()]
        for decoder in (models[:1], models):
            for beam in (1, 4):
                start = time.perf_counter()
                glosses = slul.translate(decoder, sentences, beam=beam, batch_size=32)
                seconds = time.perf_counter() - start
                tokens = sum(len(g.split()) for g in glosses) / len(glosses)
                print(f"t2g, {len(decoder)} model{'s' * (len(decoder) > 1)}, beam {beam}: {len(sentences)} sentences "
                      f"in {seconds:.1f} s = {len(sentences) / seconds:.1f} sentences/s ({tokens:.1f} glosses a "
                      "sentence)")  # fmt: skip
        network = SLPMoE.from_pretrained(g2p_model)
        test = read_sentences([DGS / "test"])
        start = time.perf_counter()
        frames = sum(len(produce(network, s.glosses)) for s in test)
        seconds = time.perf_counter() - start
        print(f"g2p: {len(test)} gloss sequences, {frames} frames in {seconds:.2f} s = {frames / seconds:.0f} frames/s "
              f"({len(test) / seconds:.1f} sequences/s)")  # fmt: skip


if __name__ == "__main__":
    main()
