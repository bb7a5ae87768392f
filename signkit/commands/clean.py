"""Repair and normalise keypoint sequences into PT-50 training data (.skels with siblings, or .h5);
--layout slrtp178 keeps the face (and the hips), repaired the same way.

Points that are NaN, all zero or below the confidence threshold are filled by interpolation in
time across gaps up to --max-gap frames, otherwise by the point's median over the sequence; a
sequence with more than --max-missing of its points missing is dropped and reported; sequences
are normalised to PT-50 (neck at the origin, shoulder width 1/3), leading and trailing rest
frames trimmed, and every --stride-th frame kept. --texts joins sentences (and glosses) from a
How2Sign CSV (SENTENCE_NAME, SENTENCE), a PHOENIX14T CSV (id|signer|annotation|translation) or a
folder of DGS Corpus NAME_metadata.json (English sentence and glosses, for NAME_original.pose).
A short report goes to standard error. An input that cannot be read is reported, the others are
written, and the exit status is 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from signkit import log
from signkit.commands.options import (Confidence, Fps, From, Layout, Output, PoseFiles, Quiet, To, Verbose, read_inputs,
                                     some_failed)  # fmt: skip

EXAMPLES = [
    "signkit clean ../shared/data/phoenix14t/sample/dev.skels -o dev-clean.skels",
    "signkit clean ../shared/data/dgs-sentences/train/train_1_original.pose ../shared/data/dgs-sentences/train/train_2_original.pose "
    "-o dgs.h5 --stride 2",
    "signkit clean ../shared/data/dgs-sentences/test/test_1_original.pose --layout slrtp178 -o test_1-face.skels",
]


def command(
    files: PoseFiles = None,
    output: Output = None,
    source_format: From = None,
    target_format: To = None,
    texts: Optional[Path] = typer.Option(None, "--texts", metavar="CSV|DIR", show_default=False,
                                         help="How2Sign or PHOENIX14T CSV, or a DGS Corpus folder, with the sentences (and glosses) by name."),
    threshold: Confidence = 0.2,
    max_gap: int = typer.Option(10, "--max-gap", min=0, help="Longest gap (frames) filled by interpolation."),
    max_missing: float = typer.Option(0.5, "--max-missing", min=0.0, max=1.0,
                                      help="Drop a sequence with a larger share of missing points."),
    stride: int = typer.Option(1, "--stride", min=1, help="Keep every N-th frame."),
    trim: bool = typer.Option(True, "--trim/--no-trim", help="Trim leading and trailing rest frames."),
    layout: Layout = None,
    fps: Fps = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    from signkit.pose.io import write_sequences
    from signkit.prep.clean import CleanReport, clean
    from signkit.text.annotations import read_texts

    log.configure(quiet, verbose)
    joined = read_texts(texts) if texts else None
    failures: list[str] = []
    report = CleanReport()
    inputs = read_inputs(files, source_format, fps, failures)
    written = write_sequences(
        clean(inputs, report, threshold=threshold, max_gap=max_gap, max_missing=max_missing, stride=stride, trim=trim,
              texts=joined, layout=layout or "pt50"),
        output, target_format,
    )  # fmt: skip
    log.info(f"clean: {report.sequences_in} sequences in, {written} written, {len(report.dropped)} dropped; "
             f"{report.interpolated} points interpolated, {report.median_filled} filled by the median, "
             f"{report.frames_trimmed} rest frames trimmed")  # fmt: skip
    for name, reason in report.dropped:
        log.info(f"clean: dropped {name}: {reason}")
    for error in report.failed:
        log.console.print(f"Error: {error}", markup=False)
    if failures or report.failed:
        raise some_failed(len(failures) + len(report.failed), written)
