"""Score produced sign language against references: text (BLEU, ROUGE, WER), poses (DTW, DTW-MJE, distances that tell signs apart, retrieval) and video (SSIM, hand SSIM, hand pose, FID).

Hypotheses come from standard input (or -i FILE), references are the arguments, in the same
order. Text measures (bleu, rouge, wer) read one sentence a line, any number of reference files
(wer: one);
pose measures read one pose file each (.skels, .pose, .h5) and pair sequences by order: dtw
(Progressive Transformers) and dtw-mje (SLRTP 2025) as published, on PT-50 with missing points
as zeros, and the distances that tell signs apart (signkit.evaluate.distances; one per
combination of points kept, hands relative to their wrists, missing points masked, rest frames
trimmed, frame rate and DTW). The default, upper-shape-ndtw (upper body, hand shapes apart from where the hands
are and scaled to one hand size, missing points masked, rest frames trimmed, DTW normalised by its
path), was chosen by benchmarks/discriminate.py on real signing: it ranks asl_house.mp4 (another
signer) as the lexicon's HOUSE, first of 102 signs (dtw: 92nd, dtw-mje: 94th), and t2p's signing
of the 81 glosses of the DGS lexicon as the intended gloss 84% of the time (hands-mje, the
hands-only choice of pose-evaluation: 15%); on the DGS Corpus gloss segments (median 3 frames)
no distance is far from chance (mean average precision: 0.086; dtw 0.107, dtw-mje 0.079, the
segments' durations alone 0.094, chance 0.070). retrieval QUERY --lexicon REF ranks, for
each produced sign of QUERY (a lexicon folder, or pose files whose sequences carry one gloss:
.skels/.h5 with their glosses, x.pose with x.gloss beside it), its intended gloss among all of
REF's by --distance: top-1 and top-5 (fractions), mean rank; video measures (ssim, hand-ssim, hand-pose, fid) take -i VIDEO and one reference,
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
    "signkit score upper-shape-ndtw ../shared/data/phoenix14t/sample/dev.skels -i ../shared/data/phoenix14t/sample/test.skels -b",
    "signkit lexicon ../shared/data/dgs-sentences/train -o dgs-lexicon",
    "cut -d, -f7 dgs-lexicon/index.csv | tail -n +2 | sort -u | signkit t2p --from gloss --lexicon dgs-lexicon "
    "--signed-language gsg -o signed.skels",
    "signkit score retrieval signed.skels --lexicon dgs-lexicon  # is each produced sign its intended gloss?",
]


def _metric(value: str) -> str:
    from signkit.evaluate.scores import METRICS

    if value not in METRICS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(METRICS)}")
    return value


def command(
    metric: str = typer.Argument(..., metavar="METRIC", callback=_metric,
                                 help="bleu, rouge, wer, dtw, dtw-mje, a distance (signkit.evaluate.distances), retrieval, "
                                      "ssim, hand-ssim, hand-pose or fid."),
    references: list[str] = typer.Argument(..., metavar="REFERENCE...",
                                           help="Reference files, parallel to the hypotheses (retrieval: the QUERY signs)."),
    hypotheses: str = typer.Option("-", "-i", "--input", metavar="FILE", help="Hypotheses; '-': standard input."),
    slt: bool = typer.Option(False, "--slt", help="Sign Language Transformers' evaluator settings (text measures; wer: lower-case)."),
    number: bool = typer.Option(False, "-b", "--score-only", help="Print the headline number alone."),
    inception: Optional[Path] = typer.Option(None, "--inception", metavar="PATH", show_default=False,
                                             help="fid: a TorchScript Inception feature network instead of the built-in one."),
    lexicon: Optional[Path] = typer.Option(None, "--lexicon", metavar="DIR", show_default=False,
                                           help="retrieval: the lexicon of real recordings to rank the glosses of (REF)."),
    distance: Optional[str] = typer.Option(None, "--distance", metavar="NAME", show_default=False,
                                           help="retrieval: the distance (default: upper-shape-ndtw)."),
    device: Device = None,
    source_format: From = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    from signkit.evaluate import scores
    from signkit.errors import SignkitError

    log.configure(quiet, verbose)
    if (lexicon is not None or distance is not None) and metric != "retrieval":
        raise typer.BadParameter("--lexicon and --distance are options of retrieval", param_hint="--lexicon")
    if metric == "retrieval":
        if lexicon is None:
            raise typer.BadParameter("retrieval ranks against a lexicon: give --lexicon DIR", param_hint="--lexicon")
        if distance is not None and distance not in scores.DISTANCES:
            raise typer.BadParameter(f"{distance!r} is not one of {', '.join(scores.DISTANCES)}", param_hint="--distance")
        from signkit.lexicons.lexicon import lexicon_sequences

        result = scores.retrieval(_glossed(references, source_format), lexicon_sequences(lexicon),
                                  distance or scores.DEFAULT_DISTANCE)  # fmt: skip
        print(f"{result.score:.4f}" if number else json.dumps(result.as_json(), indent=1))
        return
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


def _glossed(paths: list[str], source_format: str | None) -> list:
    """Retrieval's queries: a lexicon folder's recordings, or the sequences of pose files with
    their glosses (a .pose file's from the x.gloss file beside it)."""
    from signkit.lexicons.lexicon import lexicon_sequences
    from signkit.pose.io import read_sequences

    if len(paths) == 1 and (Path(paths[0]) / "index.csv").is_file():
        return lexicon_sequences(Path(paths[0]))
    queries = []
    for path in paths:
        sibling = Path(path).with_suffix(".gloss")
        for sequence in read_sequences(path, source_format):
            if sequence.gloss is None and path != "-" and sibling.is_file():
                sequence.gloss = sibling.read_text(encoding="utf-8").strip()
            queries.append(sequence)
    return queries


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
