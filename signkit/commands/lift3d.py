"""Lift 2D keypoints with confidence to 3D with a skeletal model (Zelinka & Kanis, as used by Progressive Transformers).

Bone lengths are estimated per sequence (median over frames; left and right limbs share one),
then every frame's depths are found by batched iterative optimisation in PyTorch so that the
projection matches the 2D points (weighted by confidence), bone lengths stay constant and motion
stays smooth; limbs whose depth flips against their neighbouring frames are mirrored back.
Depth from the input (MediaPipe's z) is the starting point where it exists. Input: holistic,
openpose-137 or PT-50 poses; output: PT-50 (default) or, for holistic input, holistic with the
body and hands lifted in place (--layout holistic). A sequence that cannot be lifted (no frame
shows both shoulders) is reported and skipped, the others are written, and the exit status is 1.
"""

from __future__ import annotations


import typer

from signkit import log
from signkit.commands.options import (
    Confidence,
    Device,
    Fps,
    From,
    Output,
    PoseFiles,
    Quiet,
    To,
    Verbose,
    read_inputs,
    some_failed,
    torch_device,
)

EXAMPLES = [
    "signkit lift3d ../shared/data/videos/autsl_signer0_sample1000.holistic.pose -o autsl-3d.skels",
    "signkit extract ../shared/data/videos/asl_house.mp4 | signkit lift3d --layout holistic -o house-3d.pose",
]


def _layout(value: str) -> str:
    if value not in ("pt50", "holistic"):
        raise typer.BadParameter(f"{value!r} is not pt50 or holistic")
    return value


def command(
    files: PoseFiles = None,
    output: Output = None,
    source_format: From = None,
    target_format: To = None,
    layout: str = typer.Option("pt50", "--layout", callback=_layout, metavar="pt50|holistic",
                               help="Output layout: PT-50, or holistic (holistic input only) with body and hands lifted."),
    threshold: Confidence = 0.2,
    use_depth: bool = typer.Option(True, "--depth/--no-depth", help="Start from the input's depth (MediaPipe's z) where it has one."),
    iterations: int = typer.Option(200, "--iterations", min=1, help="Optimisation steps per batch."),
    batch_frames: int = typer.Option(20000, "--batch-frames", min=1, help="Frames optimised together (whole sequences)."),
    device: Device = None,
    fps: Fps = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    from signkit.pose.io import write_sequences
    from signkit.prep.lift import lift3d

    log.configure(quiet, verbose)
    device = torch_device(device)
    failures: list[str] = []  # inputs that cannot be read, named as they happen
    unlifted: list[str] = []  # sequences that cannot be lifted, named as they happen
    reported = 0

    def report_unlifted():
        nonlocal reported
        for error in unlifted[reported:]:
            log.console.print(f"Error: {error}", markup=False)
        reported = len(unlifted)

    def lifted():
        with log.progress("lift3d", unit="frames") as advance:
            inputs = read_inputs(files, source_format, fps, failures)
            for sequence in lift3d(inputs, layout=layout, threshold=threshold, use_depth=use_depth,
                                 batch_frames=batch_frames, iterations=iterations, device=device, failed=unlifted):  # fmt: skip
                report_unlifted()
                advance(sequence.frames)
                yield sequence
        report_unlifted()

    written = write_sequences(lifted(), output, target_format)
    log.detail(f"lift3d: {written} sequences written")
    if failures or unlifted:
        raise some_failed(len(failures) + len(unlifted), written)
