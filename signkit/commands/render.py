"""Render signing to video: any pose file (or standard input) to an H.264 MP4 or PNG frames, as a skeleton or a photo-realistic signer.

--style skeleton (the default) draws the signer as a skeleton in OpenPose colours, anti-aliased,
centred and scaled so the whole signer stays in view for the whole sequence. --style diffusion
--model DIR renders a signer with a renderer trained by `signkit train-diff` (SignDiff's
dual-condition ControlNet on Stable Diffusion): each frame's pose is drawn where the training
signer stood, frames are denoised in batches of --batch-size from one shared initial latent
(--seed) for temporal stability, with --prompt or a named --preset style (studio, news,
outdoor, cartoon, sketch; default: the training prompt); --frnet previous conditions each frame
on the FR-Net image of the frame before (frame by frame), none leaves FR-Net out. Several
sequences play one after another. --overlay VIDEO composites the signer picture-in-picture onto
a programme (--corner, --overlay-size, --margin): the output has the programme's length, frame
rate and sound (AAC), the signer's frame of the same time in the corner (the last one held when
the signing ends first), as for a `signkit t2p talk.srt` sequence that starts at 0 s. MP4 goes to
standard output (fragmented, for pipes) or to a file (-o x.mp4, faststart); PNG frames go to a
folder (-o FOLDER or --to png).
"""

from __future__ import annotations

from typing import Optional

import typer

from signkit import log
from signkit.commands.examples import MAIN_JOB, TRAIN_DIFF
from signkit.commands.options import (
    Device,
    Dtype,
    Fps,
    From,
    Input,
    Output,
    Quiet,
    Seed,
    Verbose,
    VideoTo,
    check_video_output,
    import_in_background,
    one_of,
)

from signkit.renderer.prompts import STYLES

PRESETS = tuple(STYLES)

EXAMPLES = [
    MAIN_JOB,
    'signkit render ../shared/data/phoenix14t/sample/dev.skels -o dev.mp4 --size 640x480 --background black',
    'signkit render ../shared/data/asl-lexicon/ase/hello.pose -o hello-frames --to png',
    TRAIN_DIFF,
    'echo "hello" | signkit t2p | signkit render --style diffusion --model renderer --preset studio --steps 2 > hello-signer.mp4',
    "signkit render ../shared/data/asl-lexicon/ase/hello.pose --overlay ../shared/data/videos/signer_test_video.mp4 "
    "--corner top-left -o programme-with-signer.mp4",
]


COLOURS = {"white": (255, 255, 255), "black": (0, 0, 0), "grey": (128, 128, 128), "gray": (128, 128, 128),
           "green": (0, 177, 64), "blue": (0, 71, 187)}  # green and blue: chroma-key screens


def _colour(value: str) -> tuple[int, int, int]:
    """A colour name of COLOURS, ``#rrggbb`` or ``R,G,B`` as an RGB tuple (usage error otherwise)."""
    text = value.strip().lower()
    try:
        if text in COLOURS:
            return COLOURS[text]
        if text.startswith("#") and len(text) == 7:
            return tuple(int(text[i : i + 2], 16) for i in (1, 3, 5))
        parts = tuple(int(part) for part in text.split(","))
        if len(parts) == 3 and all(0 <= part <= 255 for part in parts):
            return parts
    except ValueError:
        pass
    raise typer.BadParameter(f"{value!r} is not a colour ({', '.join(COLOURS)}, #rrggbb or R,G,B)",
                             param_hint="--background")  # fmt: skip


def _size(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        width, height = (int(part) for part in value.lower().split("x"))
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not WIDTHxHEIGHT") from None
    if not (16 <= width <= 8192 and 16 <= height <= 8192):
        raise typer.BadParameter(f"{value!r}: width and height must be 16 to 8192 pixels")
    return width, height


def command(
    file: Input = None,
    output: Output = None,
    source_format: From = None,
    to: VideoTo = None,
    style: str = typer.Option("skeleton", "--style", callback=one_of("skeleton", "diffusion"), metavar="skeleton|diffusion",
                              help="A skeleton drawing, or a signer rendered by a diffusion renderer (--model)."),
    model: Optional[str] = typer.Option(None, "--model", metavar="DIR", show_default=False,
                                        help="Diffusion style: the renderer folder of signkit train-diff."),
    base: Optional[str] = typer.Option(None, "--base", metavar="DIR", show_default=False,
                                       help="Diffusion style: the base Stable Diffusion folder (default: the one it was trained on)."),
    prompt: Optional[str] = typer.Option(None, "--prompt", show_default=False, help="Diffusion style: the text prompt."),
    preset: Optional[str] = typer.Option(None, "--preset", callback=one_of(*PRESETS), metavar="STYLE", show_default=False,
                                         help=f"Diffusion style: a named prompt ({', '.join(PRESETS)})."),
    steps: int = typer.Option(20, "--steps", min=1, help="Diffusion style: DDIM denoising steps per frame."),
    guidance: float = typer.Option(1.0, "--guidance", min=1.0, help="Diffusion style: classifier-free guidance scale (1: none)."),
    batch_size: int = typer.Option(8, "--batch-size", min=1, help="Diffusion style: frames denoised together."),
    seed: Seed = 0,
    frnet: str = typer.Option("none", "--frnet", callback=one_of("none", "previous"), metavar="none|previous",
                              help="Diffusion style: FR-Net condition from the previous generated frame, or none."),
    device: Device = None,
    dtype: Dtype = "float32",
    overlay: Optional[str] = typer.Option(None, "--overlay", metavar="VIDEO", show_default=False,
                                          help="Composite the signer picture-in-picture onto this video (its length, "
                                               "frame rate and sound; H.264 + AAC MP4)."),
    corner: str = typer.Option("bottom-right", "--corner", callback=one_of("top-left", "top-right", "bottom-left", "bottom-right"),
                               metavar="CORNER", help="Overlay: top-left, top-right, bottom-left or bottom-right."),
    overlay_size: float = typer.Option(0.3, "--overlay-size", min=0.05, max=1.0, metavar="F",
                                       help="Overlay: the signer's height as a fraction of the video's."),
    margin: float = typer.Option(0.03, "--margin", min=0.0, max=0.45, metavar="F",
                                 help="Overlay: the gap to the edges as a fraction of the video's height."),
    size: Optional[str] = typer.Option(None, "--size", callback=_size, metavar="WxH", show_default=False,
                                       help="Skeleton style: frame size in pixels (default 512x512; diffusion renders at "
                                            "its model's resolution)."),
    background: str = typer.Option("white", "--background", callback=_colour, metavar="COLOUR",
                                   help="Background colour: white, black, grey, green, blue, #rrggbb or R,G,B."),
    fps: Fps = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    from signkit.pose.io import read_sequences
    from signkit.renderer.render import PNG, Overlay, render

    log.configure(quiet, verbose)
    check_video_output(to, output)
    if style == "diffusion":
        if model is None:
            raise typer.BadParameter("the diffusion style needs --model DIR (a renderer of signkit train-diff)", param_hint="--model")
        if size is not None:
            raise typer.BadParameter("the diffusion style renders at its model's resolution", param_hint="--size")
        if prompt is not None and preset is not None:
            raise typer.BadParameter("give --prompt or --preset, not both", param_hint="--preset")
    elif model or base or prompt or preset:
        raise typer.BadParameter("--model, --base, --prompt and --preset are options of --style diffusion", param_hint="--style")
    if overlay is not None and to == PNG:
        raise typer.BadParameter("an overlay is written as MP4", param_hint="--to")
    picture = Overlay(overlay, corner, overlay_size, margin) if overlay is not None else None
    if style == "skeleton":
        import_in_background("cv2", "av")  # drawing and encoding load while the input arrives
    sequences = read_sequences(file, source_format, fps)
    with log.progress("render") as advance:
        if style == "diffusion":
            count = _render_diffusion(sequences, output, to, advance, picture, model, base, prompt, preset, steps,
                                      guidance, batch_size, seed, frnet, device, dtype)  # fmt: skip
        else:
            width, height = size or (512, 512)
            count = render(sequences, output, fmt=to, width=width, height=height, background=background,
                           on_frame=advance, overlay=picture)  # fmt: skip
    log.detail(f"rendered {count} frames")


def _render_diffusion(sequences, output, to, advance, overlay, model, base, prompt, preset, steps, guidance, batch_size,
                      seed, frnet, device, dtype) -> int:  # fmt: skip
    import torch

    from signkit.commands.options import torch_device
    from signkit.renderer.diffusion import DiffusionRenderer
    from signkit.renderer.render import render_diffusion

    renderer = DiffusionRenderer.load(model, base, torch_device(device), getattr(torch, dtype))
    prompt = STYLES[preset] if preset else prompt
    return render_diffusion(sequences, output, renderer, fmt=to, on_frame=advance, overlay=overlay, prompt=prompt,
                            steps=steps, guidance=guidance, batch_size=batch_size, seed=seed, frnet_mode=frnet)  # fmt: skip
