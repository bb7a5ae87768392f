"""Benchmark of signkit's input bounds: peak memory of `t2p` and `score` on huge inputs; prints its figures.

    python benchmarks/bounds.py [--megabytes 100] [--seconds 120]

Inputs, made in a temporary folder from How2Sign's English test sentences
(../shared/data/how2sign-text/test.en.txt, 2,343 sentences) repeated to --megabytes:

1. one line of 1 MB (the sentences joined by spaces): `signkit t2p` and `signkit score rouge`
   (the file against itself) must refuse it at once, naming the line, exit 1;
2. a file of --megabytes MB of ordinary sentences, one a line: `signkit score rouge`, `bleu` and
   `wer` (the file against itself) to the end; `signkit t2p FILE > /dev/null` for --seconds
   seconds (signing a million sentences takes hours: the figure is how many sequences it wrote
   and its peak memory while streaming them; the peak is reached once the input is read and the
   first lines are signed, and stays flat after).

Each command runs in its own process; its peak resident memory is the kernel's (``VmHWM`` of
/proc, read every 0.2 s until it ends). The target (issue 18): under 2 GB for each.

Measured on the 2-core AMD EPYC machine (100.1 MB, 1,154,688 sentences): t2p and score rouge
refuse the 1 MB line in 0.4 s (30 MB); score rouge 218 s, bleu 369 s, wer 40 s on the file, each
589 MB at its peak (the file read and split into lines); t2p 418 MB after 120 s and 4,059
sequences written (about 34 sentences a second: the whole file would take about 9.5 hours).
Before streaming, t2p held every sequence until the end: 1.3 GB after 10 s of a 2 MB file,
nothing written.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SENTENCES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "how2sign-text" / "test.en.txt"


def run(args: list[str], seconds: float | None = None) -> tuple[str, float, float, int, str]:
    """`python -m signkit ARGS`: (exit status, or "stop" when stopped after ``seconds``; wall
    seconds; peak resident memory in MB; lines it wrote to stdout, counted as they come; the last
    line of stderr)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen([sys.executable, "-m", "signkit", *args], stdout=subprocess.PIPE, stderr=stderr)
        written = [0]

        def count() -> None:
            for chunk in iter(lambda: process.stdout.read(2**20), b""):
                written[0] += chunk.count(b"\n")

        counter = threading.Thread(target=count)
        counter.start()
        peak, stopped = 0.0, False
        while process.poll() is None:
            peak = max(peak, _high_water_mark(process.pid))
            if seconds is not None and time.perf_counter() - start > seconds:
                process.terminate()
                stopped = True
                break
            time.sleep(0.2)
        process.wait()
        counter.join()
        elapsed = time.perf_counter() - start
        stderr.seek(0)
        lines = stderr.read().decode(errors="replace").strip().splitlines()
    status = "stop" if stopped else str(process.returncode)
    return status, elapsed, peak, written[0], lines[-1] if lines else ""


def _high_water_mark(pid: int) -> float:
    """The process's peak resident memory so far (MB), 0 once it has ended."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=120, help="how long t2p signs the big file")
    options = parser.parse_args()
    sentences = SENTENCES.read_text(encoding="utf-8").splitlines()
    with tempfile.TemporaryDirectory() as folder:
        line = Path(folder) / "line.txt"
        line.write_text((" ".join(sentences) * 5)[: 2**20] + "\n", encoding="utf-8")
        big = Path(folder) / "big.txt"
        block = "\n".join(sentences) + "\n"
        with big.open("w", encoding="utf-8") as file:
            for _ in range(int(options.megabytes * 2**20 / len(block.encode())) + 1):
                file.write(block)
        lines = sum(1 for _ in big.open(encoding="utf-8"))
        print(f"inputs: one line of {line.stat().st_size / 2**20:.2f} MB; {big.stat().st_size / 2**20:.1f} MB of "
              f"{lines:,} sentences")  # fmt: skip
        print(f"{'command':<22}{'input':>10}{'exit':>6}{'seconds':>9}{'peak MB':>9}{'lines out':>11}  last message")
        cases = [
            (["t2p"], line, None),
            (["score", "rouge"], line, None),
            (["score", "rouge"], big, None),
            (["score", "bleu"], big, None),
            (["score", "wer"], big, None),
            (["t2p"], big, options.seconds),
        ]
        for command, file, seconds in cases:
            args = [*command, str(file), *(["-i", str(file)] if command[0] == "score" else [])]
            status, elapsed, peak, written, message = run(args, seconds)
            what = "1 MB line" if file == line else f"{big.stat().st_size / 2**20:.0f} MB"
            print(f"{' '.join(['signkit', *command]):<22}{what:>10}{status:>6}{elapsed:>9.1f}{peak:>9.0f}{written:>11,}  "
                  f"{message.replace(str(folder) + '/', '')[:80]}")  # fmt: skip


if __name__ == "__main__":
    main()
