"""Score produced sign language against references: text (BLEU, ROUGE, WER), poses (DTW, DTW-MJE) and video (SSIM, hand SSIM, hand pose, FID).

Hypotheses come from standard input (or -i FILE), references are the arguments, in the same
order. Text measures (bleu, rouge, wer) read one sentence a line, any number of reference files
(wer: one);
pose measures (dtw, dtw-mje) read one pose file each (.skels, .pose, .h5) and pair sequences
by order; video measures (ssim, hand-ssim, hand-pose, fid) take -i VIDEO and one reference,
each an MP4 or a PNG frame folder (the same length and size, except for fid). Prints JSON with
the numbers and a signature naming the library, version and every setting; -b prints the
headline number alone. --slt uses the settings of Sign Language Transformers' evaluator, which
SLP papers report back-translation with; without it, sacrebleu's and rouge-score's standard ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from signkit import log
from signkit.commands.options import Device, From, Quiet, Verbose, torch_device

EXAMPLES = [
    "cut -d'|' -f4 ../shared/data/phoenix14t/annotations/dev.csv | tail -n +2 > dev.de  # the German sentences",
    "signkit score bleu dev.de < dev.de",
    "signkit score rouge --slt dev.de -i dev.de -b",
    "signkit score dtw ../shared/data/phoenix14t/sample/dev.skels -i ../shared/data/phoenix14t/sample/dev.skels",
    "signkit render ../shared/data/phoenix14t/sample/dev.skels --size 256x256 -o dev.mp4",
    "signkit score ssim dev.mp4 -i dev.mp4 -b",
    "signkit score dtw-mje ../shared/data/phoenix14t/sample/dev.skels -i ../shared/data/phoenix14t/sample/test.skels  # five other sentences: a floor",
    "signkit score wer ../shared/data/phoenix14t/sample/dev.gloss -i ../shared/data/phoenix14t/sample/test.gloss -b",
]


def _metric(value: str) -> str:
    from signkit.evaluate.scores import METRICS

    if value not in METRICS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(METRICS)}")
    return value


def command(
    metric: str = typer.Argument(..., metavar="METRIC", callback=_metric, help="bleu, rouge, wer, dtw, dtw-mje, ssim, hand-ssim, hand-pose or fid."),
    references: list[str] = typer.Argument(..., metavar="REFERENCE...", help="Reference files, parallel to the hypotheses."),
    hypotheses: str = typer.Option("-", "-i", "--input", metavar="FILE", help="Hypotheses; '-': standard input."),
    slt: bool = typer.Option(False, "--slt", help="Sign Language Transformers' evaluator settings (text measures; wer: lower-case)."),
    number: bool = typer.Option(False, "-b", "--score-only", help="Print the headline number alone."),
    inception: Optional[Path] = typer.Option(None, "--inception", metavar="PATH", show_default=False,
                                             help="fid: a TorchScript Inception feature network instead of the built-in one."),
    device: Device = None,
    source_format: From = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    from signkit.evaluate import scores
    from signkit.errors import SignkitError

    log.configure(quiet, verbose)
    if metric not in scores.TEXT_METRICS:
        if len(references) != 1:
            raise typer.BadParameter(f"{metric} takes one reference, not {len(references)}")
        if slt:
            raise typer.BadParameter("--slt applies to bleu, rouge and wer only")
    if metric in scores.VIDEO_METRICS and hypotheses == "-":
        raise typer.BadParameter(f"{metric} reads the produced video from -i VIDEO (an MP4 or a PNG folder)")
    if metric in scores.TEXT_METRICS:
        produced, real, options = _lines(hypotheses), [_lines(reference) for reference in references], {"slt": slt}
    elif metric in scores.VIDEO_METRICS:
        produced, real, options = hypotheses, references[0], {}
        if metric == "fid":
            options = {"inception": inception, "device": torch_device(device)}
    else:
        from signkit.pose.io import read_sequences

        produced = list(read_sequences(hypotheses, source_format))
        real, options = list(read_sequences(references[0], source_format)), {}
    try:
        result = scores.score(metric, produced, real, **options)
    except SignkitError as error:
        raise SignkitError(f"{hypotheses} against {', '.join(references)}: {error}") from None
    print(f"{result.score:.4f}" if number else json.dumps(result.as_json(), indent=1))


def _lines(path: str) -> list[str]:
    """The lines of a text file (or standard input); a line of more than
    :data:`signkit.evaluate.scores.MAX_LINE_WORDS` words is an error naming it."""
    from signkit.errors import SignkitError
    from signkit.evaluate.scores import MAX_LINE_WORDS
    from signkit.pose.io import decode_text, read_bytes

    content, name = read_bytes(path, "sentences")
    lines = decode_text(content, name).splitlines()
    for number, line in enumerate(lines, 1):
        if len(line.split(maxsplit=MAX_LINE_WORDS)) > MAX_LINE_WORDS:
            raise SignkitError(f"{name}:{number}: more than {MAX_LINE_WORDS:,} words, not one sentence")
    return lines
