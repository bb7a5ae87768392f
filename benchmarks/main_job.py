"""Benchmark of the main job and its two commands; prints its figures.

    python benchmarks/main_job.py [--repeat 5]

1. wall time of `echo hello | signkit t2p | signkit render > hello.mp4` in cold processes
   (target on a 2-core machine: under 1.5 s), again with t2p's lemma cache off, and beside
   sign.mt's `text_to_gloss_to_pose` + `visualize_pose` on the same sentence and lexicon,
   alternating in one run (target: signkit 3x faster). sign.mt's `visualize_pose` needs `vidgear`
   and an `ffmpeg` on the PATH, which signkit does not (PyAV); without them that row says so.
   Start-up: `import signkit` with a function named, `signkit --help` and `signkit render
   --help` (targets 0.5 s, 0.3 s, 0.3 s);
2. t2p output frames per second on the whole How2Sign test text (2,328 sentences) with the
   ASL lexicon of ../shared/data, writing .h5 and .skels (whole command, start-up included);
3. render frames per second at 512x512 (drawing + H.264 encoding, in process; target 300);
4. the length of the signing of "Hello, thank you. My mother is happy today." with the ASL
   lexicon (sign.mt's spoken-to-signed: 5.0 s from the same lexicon).

Poses are in the layout t2p makes by default: slrtp178 with the face for the ASL lexicon.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SIGNKIT = f"{shlex.quote(sys.executable)} -m signkit"


def timed(command: str, cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], cwd=cwd, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"benchmarks need the real data at {DATA}")
    from signkit.pose.io import read_sequences
    from signkit.renderer.render import render

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        lexicon = DATA / "asl-lexicon"
        signkit_job = f'echo "hello" | {SIGNKIT} t2p | {SIGNKIT} render > hello.mp4'
        signmt_job = (f"text_to_gloss_to_pose --text hello --glosser simple --spoken-language en --signed-language ase "
                      f"--lexicon {lexicon} --pose signmt.pose && visualize_pose -i signmt.pose -o signmt.mp4")  # fmt: skip
        timed(signkit_job, work)  # warm the disk cache
        signmt = shutil.which("text_to_gloss_to_pose") and shutil.which("visualize_pose") and shutil.which("ffmpeg")
        signmt = signmt and subprocess.run(["bash", "-c", signmt_job], cwd=work, capture_output=True).returncode == 0
        times, uncached, signmt_times = [], [], []
        for _ in range(args.repeat):
            times.append(timed(signkit_job, work))
            uncached.append(timed(f"export SIGNKIT_CACHE=off; {signkit_job}", work))
            if signmt:
                signmt_times.append(timed(signmt_job + " > /dev/null 2>&1", work))
        print(f"main job (echo hello | t2p | render > hello.mp4): median {statistics.median(times):.3f} s, "
              f"min {min(times):.3f} s over {args.repeat} cold runs; with no lemma cache (SIGNKIT_CACHE=off, "
              f"simplemma's dictionary loaded): median {statistics.median(uncached):.3f} s")  # fmt: skip
        if signmt:
            ratio = statistics.median(signmt_times) / statistics.median(times)
            print(f"sign.mt text_to_gloss_to_pose + visualize_pose, same sentence and lexicon: median "
                  f"{statistics.median(signmt_times):.3f} s; signkit {ratio:.2f}x faster")  # fmt: skip
        else:
            print("sign.mt: not measured (needs spoken-to-signed's text_to_gloss_to_pose, and vidgear with an ffmpeg "
                  "on the PATH for pose-format's visualize_pose)")  # fmt: skip
        startup = {
            "import signkit; signkit.t2p": f"{shlex.quote(sys.executable)} -c 'import signkit; signkit.t2p'",
            "signkit --help": f"{SIGNKIT} --help > /dev/null",
            "signkit render --help": f"{SIGNKIT} render --help > /dev/null",
        }
        for name, command in startup.items():
            print(f"{name}: median {statistics.median(timed(command, work) for _ in range(args.repeat)):.3f} s")

        text = DATA / "how2sign-text" / "test.en.txt"
        for suffix in ("h5", "skels"):
            seconds = timed(f"{SIGNKIT} t2p {text} --lexicon {lexicon} -o out.{suffix}", work)
            count, frames, size = _count(work / f"out.{suffix}")
            print(f"t2p How2Sign test text -> .{suffix}: {count} sequences, {frames} frames in {seconds:.2f} s = "
                  f"{frames / seconds:,.0f} frames/s; {size / 2**30:.1f} GiB")  # fmt: skip
            (work / f"out.{suffix}").unlink()  # gigabytes with the face

        timed(f"head -n 40 {text} | {SIGNKIT} t2p --lexicon {lexicon} -o out.h5", work)
        sequences = list(read_sequences(work / "out.h5"))
        frames = sum(s.frames for s in sequences)
        start = time.perf_counter()
        render(sequences, work / "render.mp4", width=512, height=512)
        seconds = time.perf_counter() - start
        print(f"render 512x512 to MP4 (draw + H.264), layout {sequences[0].layout}: {frames} frames in "
              f"{seconds:.2f} s = {frames / seconds:,.0f} frames/s")  # fmt: skip

        sentence = "Hello, thank you. My mother is happy today."
        timed(f'echo "{sentence}" | {SIGNKIT} t2p --lexicon {lexicon} -o sentence.pose', work)
        (signed,) = read_sequences(work / "sentence.pose")
        print(f'"{sentence}": {signed.frames} frames at {signed.fps:g} fps = {signed.frames / signed.fps:.2f} s '
              f"of signing, layout {signed.layout} (sign.mt: 5.0 s)")  # fmt: skip


def _count(path: Path) -> tuple[int, int, int]:
    """Sequences, frames and bytes of a t2p output, read one sequence (one .skels line) at a time:
    the whole How2Sign text is gigabytes."""
    from signkit.pose.formats import parse_skels_line
    from signkit.pose.io import read_sequences

    if path.suffix == ".h5":
        frames = [sequence.frames for sequence in read_sequences(path)]
    else:
        frames, stride = [], None
        with open(path, encoding="utf-8") as file:
            for line in file:
                if stride is None:  # values a frame: the layout's and the counter
                    stride = parse_skels_line(line, str(path))[1].total_points() * 3 + 1
                frames.append((line.count(" ") + 1) // stride)
    return len(frames), sum(frames), path.stat().st_size


if __name__ == "__main__":
    main()
