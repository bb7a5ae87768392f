"""FR-Net images: the binary silhouette of each frame of a video, SignDiff's second ControlNet condition.

Each frame's luma is thresholded against the Gaussian-weighted mean of its --block-size x
--block-size neighbourhood less --constant (OpenCV's adaptive threshold), then eroded with a
--kernel x --kernel square (SignDiff: 5), which thickens the dark outlines of the body and
hands. Input is a video file or a folder of PNG frames; output an MP4 (standard output or -o
x.mp4) or a folder of PNG frames (-o FOLDER). `signkit train-diff` and `signkit render --style
diffusion` make their FR-Net images with the same function and defaults.
"""

from __future__ import annotations

from typing import Optional

import typer

from signkit import log
from signkit.commands.options import (
    FRNET_DEFAULTS,
    FRNetBlockSize,
    FRNetConstant,
    FRNetKernel,
    Output,
    Quiet,
    Verbose,
    VideoTo,
    check_video_output,
)

EXAMPLES = [
    "signkit frnet ../shared/data/videos/asl_house.mp4 -o house-frnet.mp4",
    "signkit frnet ../shared/data/videos/phoenix14t-frames/09April_2010_Friday_tagesschau-7631 -o frnet-frames --to png",
]


def command(
    video: str = typer.Argument("-", metavar="[VIDEO]", help="A video file, or a folder of PNG frames; '-' or none: standard input."),
    output: Output = None,
    to: VideoTo = None,
    block_size: FRNetBlockSize = FRNET_DEFAULTS.block_size,
    constant: FRNetConstant = FRNET_DEFAULTS.constant,
    kernel: FRNetKernel = FRNET_DEFAULTS.kernel,
    fps: Optional[float] = typer.Option(None, "--fps", min=0.1, show_default=False,
                                        help="Frame rate of the output (default: the video's; 25 for PNG frames)."),
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    from signkit.renderer.frnet import FRNetConfig, frnet_frames
    from signkit.renderer.render import write_frames
    from signkit.video import read_frames, spooled

    log.configure(quiet, verbose)
    check_video_output(to, output)
    config = FRNetConfig(block_size=block_size, constant=constant, kernel=kernel)
    with spooled(video) as path, log.progress("frnet", unit="frames") as advance:
        frames, video_fps = read_frames(path)
        count = write_frames(frnet_frames(frames, config, video), output, fps or video_fps or 25.0, fmt=to,
                             on_frame=advance)  # fmt: skip
    log.detail(f"{video}: {count} FR-Net frames")
