"""Benchmark of the diffusion renderer; prints its figures.

    python benchmarks/render_diffusion.py [--preset tiny|sd15] [--resolution R] [--device cpu|cuda]
                                          [--dtype float32|float16|bfloat16] [--steps N] [--batch-size B]

1. training steps per second of the dual-condition ControlNet (``signkit train-diff``'s step:
   VAE encoding, text encoding, ControlNet and frozen UNet forward and backward, AdamW), batches
   of ``--batch-size`` real pairs made from the AUTSL clip in ``../shared/data``;
2. render frames per second (``signkit render --style diffusion``: DDIM with ``--steps``
   steps, no guidance, ``--batch-size`` frames a batch, VAE decoding included), FR-Net left out,
   and frame by frame with FR-Net from the previous frame.

Default: the tiny base from configs at 64 x 64 on the CPU. ``--preset sd15 --resolution 512
--device cuda --dtype float16`` times a random-weight model of Stable Diffusion 1.5's size on a
GPU (the speed does not depend on the weights). Model building and loading are not timed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
VIDEO = DATA / "videos" / "autsl_signer0_sample1000.mp4"
KEYPOINTS = DATA / "videos" / "autsl_signer0_sample1000.holistic.pose"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="tiny", choices=("tiny", "sd15"))
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32", choices=("float32", "float16", "bfloat16"))
    parser.add_argument("--steps", type=int, default=20, help="DDIM steps per frame")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--train-steps", type=int, default=20)
    options = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"real data not found at {DATA}")
    import torch
    from pose_format import Pose

    from signkit.pose.io import read_sequences
    from signkit.renderer.controlnet import build_base, dual_controlnet
    from signkit.renderer.diffusion import Base, DiffusionRenderer, RendererConfig
    from signkit.renderer.pairs import PairDataset, build_pairs, collate_pairs
    from signkit.renderer.training import training_module

    dtype = getattr(torch, options.dtype)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {options.device}, {options.dtype}, "
          f"{options.preset} base at {options.resolution}x{options.resolution}")  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        summary = build_pairs([str(VIDEO)], [str(KEYPOINTS)], Path(scratch) / "pairs", options.resolution)
        base = Base.load(build_base(Path(scratch) / "base", options.preset))
        controlnet = dual_controlnet(base.unet, base.latent_scale)
        data = PairDataset(Path(scratch) / "pairs")
        module = training_module(controlnet, base, 0.5).to(options.device)
        optimiser = torch.optim.AdamW(controlnet.parameters(), lr=1e-5)
        batches = [collate_pairs([data[(i * options.batch_size + j) % len(data)] for j in range(options.batch_size)])
                   for i in range(options.train_steps + 2)]  # fmt: skip
        autocast = torch.autocast(options.device, dtype=dtype, enabled=options.dtype != "float32")

        def step(batch) -> None:
            with autocast:
                loss = module(batch)
            loss.backward()
            optimiser.step()
            optimiser.zero_grad(set_to_none=True)

        for batch in batches[:2]:  # warm-up
            step(batch)
        _sync(options.device)
        start = time.perf_counter()
        for batch in batches[2:]:
            step(batch)
        _sync(options.device)
        seconds = time.perf_counter() - start
        print(f"train: {options.train_steps / seconds:.2f} steps/s ({options.batch_size} pairs a step, "
              f"{options.train_steps * options.batch_size / seconds:.1f} pairs/s)")  # fmt: skip

        config = RendererConfig(resolution=options.resolution, latent_scale=base.latent_scale, placement=summary["placement"])
        renderer = DiffusionRenderer(base, controlnet.eval(), config, options.device, dtype)
        pose = next(read_sequences(KEYPOINTS)).pose
        for mode, frames in (("none", 2 * options.batch_size), ("previous", max(2, options.batch_size // 2))):
            clip = Pose(pose.header, pose.body[:frames])
            list(renderer.render(clip, steps=options.steps, batch_size=options.batch_size, frnet_mode=mode))  # warm-up
            _sync(options.device)
            start = time.perf_counter()
            made = len(list(renderer.render(clip, steps=options.steps, batch_size=options.batch_size, frnet_mode=mode)))
            _sync(options.device)
            seconds = time.perf_counter() - start
            print(f"render, FR-Net {mode}: {made / seconds:.2f} frames/s ({seconds / made:.3f} s a frame, "
                  f"{options.steps} DDIM steps)")  # fmt: skip


def _sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


if __name__ == "__main__":
    main()
