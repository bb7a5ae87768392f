"""Text to signing poses: English sentences (one a line) to skeletons, one sequence a line.

The embedded default needs no training and no download: each sentence becomes ASL glosses by
rules, each gloss a sign from the lexicons (exact gloss, then lemma), fingerspelled letter by
letter where no sign exists in ASL (with --signed-language other than ase, a gloss the lexicons
lack is a 0.18 s pause in the neutral signing space: DGS Corpus glosses are German names, not words a signer
spells), and the signs are joined into one fluent sequence with a rest pose
at start and end. The lexicon's poses are slrtp178 (body, hands and the face: each sign's own face,
its untracked points filled from a face template) when its signs carry a face, else PT-50 (body and
hands); --layout chooses. With --model DIR, a text-to-pose transformer from `signkit train-t2p` produces
the poses instead (batched greedy decoding, stopped by its counter or --max-frames), in the
layout and language it was trained on. With --pipeline hierarchical, Stable Signer's two learned
stages: SLUL (--gloss-model, from `signkit train-t2g`) writes the glosses, SLP-MoE (--g2p-model,
from `signkit train-g2p`) signs them from its pose prior database; --from gloss skips the first.
--join concat lays the lexicon's clips end to end as recorded (no retargeting, no transitions),
the baseline the stitching improves on. Writes .skels to standard output, or .skels/.pose/.h5 with -o.
Subtitles (an .srt or .vtt file, or SRT/WebVTT on standard input) become one sequence of the
whole programme from 0 s: each cue's signing starts on the frame of the cue's start, its speed
fitted to the cue within 0.75x to 1.5x; signing that cannot fit runs on into the gap (and a cue
it reaches starts late), each such case named on standard error; the rest pose between cues.
Malformed cues are named: bad timestamps are errors, overlaps, empty cues and non-UTF-8 text warnings.
"""

from __future__ import annotations

from typing import Optional

import typer

from signkit import log
from signkit.commands.examples import MAIN_JOB, TRAIN_G2P, TRAIN_T2G, TRAIN_T2P
from signkit.commands.options import (Device, Dtype, Fps, Input, Layout, Lexicons, Output, Quiet, To, Verbose, one_of,
                                     torch_device)  # fmt: skip

EXAMPLES = [
    MAIN_JOB,
    'echo "Hello, thank you. My mother is happy today." | signkit t2p -v --lexicon ../shared/data/asl-lexicon -o sentence.pose',
    'echo "HELLO THANK-YOU" | signkit t2p --from gloss --lexicon ../shared/data/asl-lexicon > glosses.skels',
    'head -n 20 ../shared/data/how2sign-text/test.en.txt | signkit t2p --lexicon ../shared/data/asl-lexicon -o how2sign.h5',
    "printf '1\\n00:00:01,000 --> 00:00:04,000\\nHello, thank you.\\n\\n2\\n00:00:06,500 --> 00:00:09,000\\nMy mother is happy.\\n' "
    "> talk.srt && signkit t2p talk.srt --lexicon ../shared/data/asl-lexicon -o talk.pose && signkit render talk.pose > talk.mp4",
    TRAIN_T2P,
    'echo "am tag regen im norden" | signkit t2p --model t2p-phoenix | signkit render > weather.mp4',
    TRAIN_T2G,
    TRAIN_G2P,
    'echo "am tag regen im norden" | signkit t2p --pipeline hierarchical --gloss-model t2g-phoenix --g2p-model g2p-dgs '
    "| signkit render > weather.mp4",
]


def command(
    file: Input = None,
    output: Output = None,
    target_format: To = None,
    source: Optional[str] = typer.Option(None, "--from", callback=one_of("text", "gloss"), metavar="TEXT|GLOSS", show_default=False,
                                         help="What the lines hold: text (English) or gloss (default: text, or what --model reads)."),
    lexicon: Lexicons = None,
    fingerspell: bool = typer.Option(True, "--fingerspell/--no-fingerspell", help="Sign glosses missing from the lexicons (ASL: fingerspelled; others: a pause in the neutral signing space), else stop."),
    join: str = typer.Option("stitch", "--join", callback=one_of("stitch", "concat"), metavar="stitch|concat",
                             help="Lexicon: stitch the signs (retargeted, eased transitions, rest at both ends) or concat the clips as recorded."),
    pipeline: str = typer.Option("direct", "--pipeline", callback=one_of("direct", "hierarchical"), metavar="direct|hierarchical",
                                 help="direct: the lexicon or a --model; hierarchical: --gloss-model then --g2p-model."),
    gloss_model: Optional[list[str]] = typer.Option(None, "--gloss-model", metavar="DIR", show_default=False,
                                                    help="Hierarchical: a text-to-gloss model folder from signkit "
                                                         "train-t2g; repeated: an ensemble (see signkit t2g)."),
    g2p_model: Optional[str] = typer.Option(None, "--g2p-model", metavar="DIR", show_default=False,
                                            help="Hierarchical: a gloss-to-pose model folder from signkit train-g2p."),
    beam: int = typer.Option(4, "--beam", min=1, help="Hierarchical: beam width of the text-to-gloss model."),
    signed_language: str = typer.Option("ase", "--signed-language", help="Signed language code of the lexicon entries to use."),
    fps: Fps = None,
    layout: Layout = None,
    model: Optional[str] = typer.Option(None, "--model", metavar="DIR", show_default=False,
                                        help="A model folder from signkit train-t2p (instead of the lexicon)."),
    max_frames: Optional[int] = typer.Option(None, "--max-frames", min=1, show_default=False,
                                             help="With --model: longest sequence (default: the model's, 1.5 x its longest training sequence)."),
    batch_size: int = typer.Option(32, "--batch-size", min=1, help="With --model or --gloss-model: sentences decoded together."),
    device: Device = None,
    dtype: Dtype = "float32",
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    from signkit.pipelines.t2p import t2p_stream
    from signkit.pose.io import read_bytes, write_sequences

    log.configure(quiet, verbose)
    if pipeline == "hierarchical":
        if model is not None or lexicon:
            raise typer.BadParameter("the hierarchical pipeline takes --gloss-model and --g2p-model, not --model or "
                                     "--lexicon", param_hint="--pipeline")  # fmt: skip
        if g2p_model is None:
            raise typer.BadParameter("the hierarchical pipeline needs --g2p-model DIR", param_hint="--g2p-model")
        if not gloss_model and source != "gloss":
            raise typer.BadParameter("the hierarchical pipeline needs --gloss-model DIR (or --from gloss)",
                                     param_hint="--gloss-model")  # fmt: skip
        if fps is not None:
            raise typer.BadParameter("the hierarchical pipeline makes the g2p model's frame rate", param_hint="--fps")
    elif gloss_model or g2p_model is not None:
        raise typer.BadParameter("--gloss-model and --g2p-model belong to --pipeline hierarchical", param_hint="--pipeline")
    elif model is not None and lexicon:
        raise typer.BadParameter("--lexicon is for the lexicon t2p; a --model needs none", param_hint="--lexicon")
    content, name = read_bytes(file, "sentences")
    lines, cues = _lines(content, name)
    learned = model is not None or g2p_model is not None
    sequences = t2p_stream(lines, source=source, lexicons=lexicon, signed_language=signed_language, fingerspell=fingerspell,
                    join=join, fps=fps, model=model, max_frames=max_frames, g2p_model=g2p_model, gloss_model=gloss_model or None,
                    beam=beam, batch_size=batch_size, device=torch_device(device) if learned else "cpu", dtype=dtype,
                    cues=cues, layout=layout, name=name)  # fmt: skip
    write_sequences(sequences, output, target_format)


def _lines(content: bytes, name: str) -> tuple[list[str], list | None]:
    """The input's lines, and its cues when it is subtitles (SRT or WebVTT: one line per cue)."""
    from signkit.pose.io import decode_text
    from signkit.text.subtitles import is_subtitles, read_subtitles

    if not is_subtitles(name, content):
        return decode_text(content, name).splitlines(), None
    cues = read_subtitles(content, name, warn=log.info)
    return [cue.text for cue in cues], cues
