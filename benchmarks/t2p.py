"""Benchmark of the text-to-pose transformer (signkit.transformer); prints its figures.

    python benchmarks/t2p.py [--steps 20] [--frames 300]

On the 5 training sequences of ../shared/data/phoenix14t/sample (text to pose, 636 target
frames a step in one batch: batch size 8 holds them all), at Progressive Transformers' base size
(Configs/Base.yaml: 2 + 2 layers, 512 wide, 4 heads, 2048 feed-forward, 150 + 1 target values)
and at a small size (128 wide, 512 feed-forward), with signkit's defaults (future prediction 10,
Gaussian noise, masked loss, Scale-Adjusted loss), the same in bf16 mixed precision
(``--mixed-precision bf16``), and with Progressive Transformers' base settings (none of the
additions), prints:

1. training: seconds a step (forward, backward, gradient clipping, AdamW; the shared loop's work)
   and real target frames a second;
2. decoding: frames a second of batched greedy decoding of the 5 sentences, each to --frames
   frames (the counter stop is switched off: an untrained counter stops anywhere), and of 30
   sentences at once (the 5, six times); in bfloat16 (``t2p --dtype bfloat16``) for the bf16 rows;
3. the model folder's size, and the process's peak resident memory at the end.

Reference, Progressive Transformers' own code on this data and machine (2 threads), base size:
0.276 s a step = 2,284 real target frames/s; greedy decoding 150 frames/s; 4.25 GB peak; 843 MiB
a checkpoint. Targets: 4,600 frames/s in training, 1,500 in decoding, under 1.5 GB, under 80 MB.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import torch

from signkit.pose.io import read_sequences
from signkit.transformer import model as t2p
from signkit.transformer.data import Vocabulary, collate, examples

SAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "phoenix14t" / "sample"
SIZES = {"base": dict(d_model=512, heads=4, feed_forward=2048), "small": dict(d_model=128, heads=4, feed_forward=512)}
PT_BASE = dict(future_prediction=0, gaussian_noise=0.0, masked_loss=False, loss_scale=1.0, weight_norm_lambda=0.0)
# name: (config switches, bf16 autocast in training as --mixed-precision bf16 does)
SETTINGS = {"defaults": ({}, False), "defaults, bf16": ({}, True), "PT base settings": (PT_BASE, False)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="timed training steps")
    parser.add_argument("--frames", type=int, default=300, help="frames each sentence is decoded to")
    args = parser.parse_args()
    if not SAMPLE.is_dir():
        raise SystemExit(f"the PHOENIX14T sample is not at {SAMPLE}")
    sequences = list(read_sequences(SAMPLE / "train.skels"))
    vocabulary = Vocabulary.build([s.text for s in sequences], "text")
    batch = collate(examples(sequences, vocabulary, "text", 150))
    frames = int(batch["lengths"].sum())
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {len(sequences)} sequences, "
          f"{frames} target frames a step")  # fmt: skip
    for size, dims in SIZES.items():
        for setting, (switches, bf16) in SETTINGS.items():
            config = t2p.T2PConfig(vocabulary=len(vocabulary), **dims, **switches)
            torch.manual_seed(0)
            model = t2p.ProgressiveTransformer(config).train()
            model.vocabulary, model.header = vocabulary, sequences[0].pose.header
            optimiser = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)  # as signkit.train

            def step():
                optimiser.zero_grad(set_to_none=True)
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                    loss = model(batch).loss
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimiser.step()

            for _ in range(3):
                step()
            start = time.perf_counter()
            for _ in range(args.steps):
                step()
            seconds = (time.perf_counter() - start) / args.steps
            parameters = sum(p.numel() for p in model.parameters()) / 1e6
            print(f"{size:5s} {setting:16s} {parameters:5.1f} M parameters  train {seconds:.3f} s/step = "
                  f"{frames / seconds:7.0f} target frames/s", end="")  # fmt: skip
            with tempfile.TemporaryDirectory() as folder:
                model.save_pretrained(folder, {"source": "text"})
                megabytes = sum(p.stat().st_size for p in Path(folder).iterdir()) / 2**20
            model.eval().to(torch.bfloat16 if bf16 else torch.float32)  # t2p --dtype
            speeds = []
            with torch.no_grad():
                model.output.bias[-1] = -1e3  # no counter stop: every sentence decodes to --frames
                for copies in (1, 6):  # the 5 sentences, then 30 at once
                    source, mask = batch["source"].repeat(copies, 1), batch["source_mask"].repeat(copies, 1)
                    model.decode(source, mask, 10)
                    start = time.perf_counter()
                    _, lengths = model.decode(source, mask, args.frames)
                    speeds.append(int(lengths.sum()) / (time.perf_counter() - start))
            print(f"  decode {speeds[0]:6.0f} frames/s ({speeds[1]:6.0f} for 30 sentences)  folder {megabytes:5.1f} MiB")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak resident memory of this process: {peak:.2f} GiB")


if __name__ == "__main__":
    main()
