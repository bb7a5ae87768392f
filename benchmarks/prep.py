"""Benchmark of data preparation; prints its figures.

    python benchmarks/prep.py

1. MediaPipe Holistic's own frames per second (mp.solutions.holistic, model_complexity 1, on
   frames decoded beforehand, one process) beside `signkit extract`'s in the same process
   (target: within 10%); then the `signkit extract` command on two videos with 1 and 2 workers,
   start-up included, with the cores each run kept busy (target: 2 workers at least 1.7x one,
   which needs two cores free for MediaPipe, whose one instance already keeps more than one
   core busy);
2. `signkit lift3d` frames per second: the PHOENIX14T sample's x, y (all splits, repeated to
   about 10,000 frames) lifted in batches of 20,000 frames, on the CPU, and on CUDA when
   there is one; and its accuracy: MPJPE against the sample's true 3D beside a constant-depth
   baseline;
3. `signkit clean` frames per second on the PHOENIX14T sample repeated to about 20,000 frames.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
VIDEOS = ["asl_house.mp4", "asl_different.mp4"]  # 73 and 64 frames


def mediapipe_alone(videos: list[Path]) -> tuple[int, float]:
    """Frames and seconds of MediaPipe Holistic alone on the videos' decoded frames."""
    import mediapipe as mp

    from signkit.video import read_frames

    decoded = [list(read_frames(video)[0]) for video in videos]
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # MediaPipe's C++ logs
    try:
        start = time.perf_counter()
        for frames in decoded:
            with mp.solutions.holistic.Holistic(static_image_mode=False, model_complexity=1) as holistic:
                for frame in frames:
                    holistic.process(frame)
        seconds = time.perf_counter() - start
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return sum(len(frames) for frames in decoded), seconds


def phoenix_sample():
    from signkit.pose.io import read_sequences

    sample = []
    for split in ("train", "dev", "test"):
        sample += list(read_sequences(DATA / "phoenix14t" / "sample" / f"{split}.skels"))
    return sample


def main() -> None:
    if not DATA.is_dir():
        sys.exit(f"benchmarks need the real data at {DATA}")
    from signkit.prep.extract import extract
    from signkit.prep.clean import CleanReport, clean
    from signkit.prep.lift import lift3d, mpjpe
    from signkit.pose.sequence import make_pose, person0

    videos = [DATA / "videos" / name for name in VIDEOS]
    count, seconds = mediapipe_alone(videos)
    alone = count / seconds
    print(f"MediaPipe Holistic alone: {count} frames in {seconds:.2f} s = {alone:.1f} frames/s")
    start = time.perf_counter()
    frames = sum(result.frames for _, result in extract([str(v) for v in videos]))
    seconds = time.perf_counter() - start
    print(f"signkit extract in process, 1 worker: {frames} frames in {seconds:.2f} s = {frames / seconds:.1f} frames/s "
          f"({frames / seconds / alone:.0%} of MediaPipe alone)")  # fmt: skip
    walls = {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as folder:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "signkit", "extract", *map(str, videos), "-o", folder, "--workers",
                            str(workers)], check=True)  # fmt: skip
            walls[workers] = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        print(f"signkit extract command, {workers} worker(s), {len(videos)} videos: {frames} frames in {walls[workers]:.2f} s "
              f"= {frames / walls[workers]:.1f} frames/s, {cpu / walls[workers]:.2f} cores busy")  # fmt: skip
    print(f"2 workers / 1 worker: {walls[1] / walls[2]:.2f}x on {os.cpu_count()} cores")

    sample = phoenix_sample()
    flat = []
    for sequence in sample:
        points, confidence = person0(sequence.pose)
        flat.append(replace(sequence, pose=make_pose(sequence.pose.header, points[..., :2], confidence, sequence.fps)))
    import torch

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    sequences = flat * 5
    frames = sum(s.frames for s in sequences)
    for device in devices:
        list(lift3d(flat[:2], device=device))  # warm-up
        start = time.perf_counter()
        lifted = list(lift3d(sequences, device=device))
        seconds = time.perf_counter() - start
        print(f"signkit lift3d ({device}): {len(lifted)} sequences, {frames} frames in {seconds:.2f} s = "
              f"{frames / seconds:,.0f} frames/s")  # fmt: skip
    truth = np.concatenate([person0(s.pose)[0] for s in sample])
    estimate = np.concatenate([person0(s.pose)[0] for s in lifted[: len(sample)]])
    constant = truth.copy()
    constant[..., 2] = 0.0
    print(f"lift3d MPJPE on the PHOENIX14T sample's true 3D ({len(truth)} frames, x and y in, translation and scale "
          f"aligned per frame; shoulder width = 0.333): lifted {mpjpe(estimate, truth):.4f}, "
          f"constant depth {mpjpe(constant, truth):.4f}")  # fmt: skip

    sequences = sample * 10
    frames = sum(s.frames for s in sequences)
    start = time.perf_counter()
    written = list(clean(sequences, CleanReport()))
    seconds = time.perf_counter() - start
    print(f"signkit clean: {len(written)} sequences, {frames} frames in {seconds:.2f} s = {frames / seconds:,.0f} frames/s")


if __name__ == "__main__":
    main()
