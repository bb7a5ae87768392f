"""Train the diffusion renderer: SignDiff's dual-condition ControlNet (pose image + FR-Net image) on a Stable Diffusion base.

Builds training pairs from videos of a signer and their keypoints (one --keypoints file per
video, in order; without them MediaPipe Holistic runs on the frames): each frame squared to
--resolution (shorter side scaled, centre crop), its PT-50 pose drawn where the signer stands,
its FR-Net image, and --prompt, written to OUT/pairs in diffusers' image folder layout
(metadata.jsonl beside image/, pose/, frnet/). A folder holding metadata.jsonl is taken as pairs
already built. --hold-out F keeps the last F of every video out of training, as OUT/dev-pairs,
for validation (or give --dev PAIRS): dev frames are rendered from their poses and scored by SSIM
against the real ones (dev_ssim with FR-Net left out picks the best model; dev_ssim_previous
conditions on the previous generated frame's FR-Net).

Trains a ControlNet copied from the base UNet, with a second condition embedding for the FR-Net
image added through a zero convolution (eq. 4), base model frozen, FR-Net left out of a pair with
probability --frnet-dropout, on the shared Accelerate loop (`accelerate launch -m signkit
train-diff ...` on several GPUs). --base is a local Stable Diffusion 1.5 folder in diffusers'
layout (nothing is downloaded). Writes a renderer folder for `signkit render --style diffusion
--model DIR`: config.json and controlnet/.
"""

from __future__ import annotations

from typing import Optional

import typer

from signkit import log
from signkit.commands.examples import TRAIN_DIFF
from signkit.commands.options import (
    FRNET_DEFAULTS,
    FRNetBlockSize,
    FRNetConstant,
    FRNetKernel,
    Quiet,
    Verbose,
    training_command,
)

EXAMPLES = [
    TRAIN_DIFF,
    "signkit render ../shared/data/videos/autsl_signer0_sample1000.holistic.pose --style diffusion --model renderer "
    "--steps 2 -o signer.mp4",
]


def _hold_out(value: float) -> float:
    if not 0 <= value < 1:
        raise typer.BadParameter(f"{value} is not a fraction from 0 to under 1")
    return value


@training_command(max_steps=1000, batch_size=4, learning_rate=1e-5, checkpointing_steps=500, validation_steps=500,
                  metric="dev SSIM {:.4f}", writes="renderer")
def command(
    config,
    inputs: list[str] = typer.Argument(..., metavar="VIDEO...", help="Videos or PNG frame folders of signers, or one pair folder."),
    base: str = typer.Option(..., "--base", metavar="DIR|tiny|sd15",
                             help="A local Stable Diffusion folder (diffusers' layout); tiny or sd15 (when no such folder "
                                  "exists): random weights of that size built from configs into OUT/base, to try the "
                                  "pipeline or time it (its renders mean nothing until a real base is used)."),
    keypoints: Optional[list[str]] = typer.Option(None, "--keypoints", metavar="FILE", show_default=False,
                                                  help="Keypoints of each video in order (.pose/.h5, in the video's pixels); "
                                                       "none: extracted with MediaPipe Holistic."),
    dev: Optional[str] = typer.Option(None, "--dev", metavar="PAIRS", show_default=False, help="A pair folder for validation."),
    hold_out: float = typer.Option(0.0, "--hold-out", callback=_hold_out, metavar="F",
                                   help="Keep the last fraction F of every video for validation (OUT/dev-pairs)."),
    resolution: int = typer.Option(512, "--resolution", min=8, help="Side of the square training frames in pixels."),
    prompt: str = typer.Option("a person signing, photo", "--prompt", help="The prompt of every training frame."),
    every: int = typer.Option(1, "--every", min=1, help="Keep every n-th frame of the videos."),
    frnet_dropout: float = typer.Option(0.5, "--frnet-dropout", min=0.0, max=1.0, metavar="P",
                                        help="Probability of leaving a pair's FR-Net condition out."),
    block_size: FRNetBlockSize = FRNET_DEFAULTS.block_size,
    constant: FRNetConstant = FRNET_DEFAULTS.constant,
    kernel: FRNetKernel = FRNET_DEFAULTS.kernel,
    gradient_checkpointing: bool = typer.Option(False, "--gradient-checkpointing", help="Recompute activations: less memory, slower."),
    inference_steps: int = typer.Option(20, "--inference-steps", min=1, help="DDIM steps of validation renders."),
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> dict:
    from signkit.renderer.frnet import FRNetConfig
    from signkit.renderer.training import is_pair_folder, train_diff

    log.configure(quiet, verbose)
    if resolution % 8:
        raise typer.BadParameter(f"{resolution} is not a multiple of 8", param_hint="--resolution")
    if dev and hold_out:
        raise typer.BadParameter("give --dev or --hold-out, not both", param_hint="--hold-out")
    try:
        is_pair_folder(inputs, keypoints, hold_out)  # a usage error, before any work
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    return train_diff(inputs, config, base=base, keypoints=keypoints, dev=dev, hold_out=hold_out, resolution=resolution,
                      prompt=prompt, every=every, frnet=FRNetConfig(block_size=block_size, constant=constant, kernel=kernel),
                      frnet_dropout=frnet_dropout, gradient_checkpointing=gradient_checkpointing,
                      inference_steps=inference_steps)  # fmt: skip
