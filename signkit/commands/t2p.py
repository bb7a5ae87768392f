"""Text to signing poses: English sentences (one a line) to PT-50 skeletons, one sequence a line.

The embedded default needs no training and no download: each sentence becomes ASL glosses by
rules, each gloss a sign from the lexicons (exact gloss, then lemma), fingerspelled letter by
letter where no sign exists, and the signs are joined into one fluent sequence with a rest pose
at start and end. With --model DIR, a text-to-pose transformer from `signkit train-t2p` produces
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

import os
from typing import Optional

import typer

from signkit import log
from signkit.commands.options import Device, Dtype, Fps, Input, Lexicons, Output, Quiet, To, Verbose, one_of, torch_device

NAME = "t2p"
EXAMPLES = [
    'echo "hello" | signkit t2p | signkit render > hello.mp4',
    'echo "Hello, thank you. My mother is happy today." | signkit t2p -v --lexicon ../shared/data/asl-lexicon -o sentence.pose',
    'echo "HELLO THANK-YOU" | signkit t2p --from gloss --lexicon ../shared/data/asl-lexicon > glosses.skels',
    'head -n 20 ../shared/data/how2sign-text/test.en.txt | signkit t2p --lexicon ../shared/data/asl-lexicon -o how2sign.h5',
    "printf '1\\n00:00:01,000 --> 00:00:04,000\\nHello, thank you.\\n\\n2\\n00:00:06,500 --> 00:00:09,000\\nMy mother is happy.\\n' "
    "> talk.srt && signkit t2p talk.srt --lexicon ../shared/data/asl-lexicon -o talk.pose && signkit render talk.pose > talk.mp4",
    "signkit train-t2p ../shared/data/phoenix14t/sample/train.skels -o t2p-phoenix --d-model 64 --feed-forward 128 "
    "--max-steps 40 --batch-size 5",
    'echo "am tag regen im norden" | signkit t2p --model t2p-phoenix | signkit render > weather.mp4',
    "head -n 65 ../shared/data/phoenix14t/annotations/train.csv > weather.csv && "
    "signkit train-t2g weather.csv -o t2g-phoenix --d-model 64 --feed-forward 128 --layers 2 --max-steps 30 "
    "--batch-size 16 --learning-rate 3e-3",
    "signkit train-g2p ../shared/data/dgs-sentences/train -o g2p-dgs --max-steps 10 --batch-size 4",
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
    fingerspell: bool = typer.Option(True, "--fingerspell/--no-fingerspell", help="Fingerspell glosses missing from the lexicons."),
    join: str = typer.Option("stitch", "--join", callback=one_of("stitch", "concat"), metavar="stitch|concat",
                             help="Lexicon: stitch the signs (retargeted, eased transitions, rest at both ends) or concat the clips as recorded."),
    pipeline: str = typer.Option("direct", "--pipeline", callback=one_of("direct", "hierarchical"), metavar="direct|hierarchical",
                                 help="direct: the lexicon or a --model; hierarchical: --gloss-model then --g2p-model."),
    gloss_model: Optional[str] = typer.Option(None, "--gloss-model", metavar="DIR", show_default=False,
                                              help="Hierarchical: a text-to-gloss model folder from signkit train-t2g."),
    g2p_model: Optional[str] = typer.Option(None, "--g2p-model", metavar="DIR", show_default=False,
                                            help="Hierarchical: a gloss-to-pose model folder from signkit train-g2p."),
    beam: int = typer.Option(4, "--beam", min=1, help="Hierarchical: beam width of the text-to-gloss model."),
    signed_language: str = typer.Option("ase", "--signed-language", help="Signed language code of the lexicon entries to use."),
    fps: Fps = None,
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
    from signkit.pose.io import read_bytes, write_sequences

    log.configure(quiet, verbose)
    read = {}

    def read_lines() -> tuple[list[str], str]:
        """The input's lines (one a cue for subtitles), read after the options are checked."""
        content, read["name"] = read_bytes(file, "sentences")
        lines, read["cues"] = _lines(content, read["name"])
        return lines, read["name"]

    def write(sequences) -> None:
        """Write the sequences; for subtitles, one sequence of the programme with each cue's
        signing at its cue."""
        if read["cues"] is not None:
            from pathlib import Path

            from signkit.pipelines.timeline import timed_sequence

            name = read["name"]
            stem = Path(name).stem if name != "<stdin>" else "subtitles"
            sequences = [timed_sequence(sequences, read["cues"], stem, report=lambda line: log.info(f"{name}: {line}"))]
        write_sequences(sequences, output, target_format)

    if pipeline == "hierarchical":
        if model is not None or lexicon:
            raise typer.BadParameter("the hierarchical pipeline takes --gloss-model and --g2p-model, not --model or "
                                     "--lexicon", param_hint="--pipeline")  # fmt: skip
        if g2p_model is None:
            raise typer.BadParameter("the hierarchical pipeline needs --g2p-model DIR", param_hint="--g2p-model")
        if gloss_model is None and source != "gloss":
            raise typer.BadParameter("the hierarchical pipeline needs --gloss-model DIR (or --from gloss)",
                                     param_hint="--gloss-model")  # fmt: skip
        if fps is not None:
            raise typer.BadParameter("the hierarchical pipeline makes the g2p model's frame rate", param_hint="--fps")
        lines, name = read_lines()
        write(t2p_hierarchical(lines, g2p_model, gloss_model=None if source == "gloss" else gloss_model, beam=beam,
                               batch_size=batch_size, device=torch_device(device), name=name))  # fmt: skip
        return
    if gloss_model is not None or g2p_model is not None:
        raise typer.BadParameter("--gloss-model and --g2p-model belong to --pipeline hierarchical", param_hint="--pipeline")
    if model is not None:
        if lexicon:
            raise typer.BadParameter("--lexicon is for the lexicon t2p; a --model needs none", param_hint="--lexicon")
        lines, name = read_lines()
        write(t2p_model(lines, model, source=source, fps=fps, max_frames=max_frames, batch_size=batch_size,
                        device=torch_device(device), dtype=dtype, name=name))  # fmt: skip
        return
    from signkit.lexicons.lexicon import Lexicon, builtin_lexicon_path
    from signkit.lexicons.pipeline import t2p

    source = source or "text"
    folders = lexicon or [part for part in os.environ.get("SIGNKIT_LEXICON", "").split(os.pathsep) if part]
    lexicons = Lexicon.read([*folders, builtin_lexicon_path()], signed_language=signed_language)
    lines, name = read_lines()
    with log.progress("t2p", total=len(lines), unit="lines") as advance:

        def show(number: int, glosses: list[str]) -> None:
            log.detail(f"{name}:{number}: {' '.join(glosses)}")
            advance(1)

        sequences = t2p(lines, lexicons, source=source, fingerspell=fingerspell, fps=fps or 25.0, name=name,
                        on_glosses=show, join=join)  # fmt: skip
        write(sequences)


def _lines(content: bytes, name: str) -> tuple[list[str], list | None]:
    """The input's lines, and its cues when it is subtitles (SRT or WebVTT: one line per cue)."""
    from signkit.pose.io import decode_text
    from signkit.text.subtitles import is_subtitles, read_subtitles

    if not is_subtitles(name, content):
        return decode_text(content, name).splitlines(), None
    cues = read_subtitles(content, name, warn=log.info)
    return [cue.text for cue in cues], cues


def t2p_model(lines: list[str], folder: str, *, source: str | None = None, fps: float | None = None,
              max_frames: int | None = None, batch_size: int = 32, device: str = "cpu", dtype: str = "float32",
              name: str = "<stdin>") -> list:  # fmt: skip
    """Lines to sequences with a model folder from train-t2p (see :func:`signkit.transformer.model.produce`).

    Raises:
        SignkitError: the folder is not a t2p model; ``source`` or ``fps`` differ from the model's.
    """
    from signkit.errors import SignkitError
    from signkit.transformer import model as t2p

    network, vocabulary, model_source, header = t2p.load(folder, device)
    if source is not None and source != model_source:
        raise SignkitError(f"{folder} reads {model_source}, not {source} (--from)")
    if fps is not None and fps != network.config.fps:
        raise SignkitError(f"{folder} makes {network.config.fps:g} fps, not {fps:g} (--fps)")

    def unknown(number: int, tokens: list[str]) -> None:
        log.info(f"{name}:{number}: unknown to the model, read as <unk>: {' '.join(tokens)}")

    with log.progress("t2p", total=len(lines), unit="lines") as advance:
        return t2p.produce(network, vocabulary, model_source, header, lines, batch_size=batch_size,
                           max_frames=max_frames, device=device, dtype=dtype, on_unknown=unknown,
                           on_batch=advance)  # fmt: skip


def t2p_hierarchical(lines: list[str], g2p_model: str, *, gloss_model: str | None = None, beam: int = 4,
                     batch_size: int = 32, device: str = "cpu", name: str = "<stdin>") -> list:  # fmt: skip
    """Lines to sequences with Stable Signer's hierarchy: SLUL glosses, then SLP-MoE poses.

    Args:
        lines: sentences, or gloss lines when ``gloss_model`` is None.
        g2p_model: a model folder from train-g2p.
        gloss_model: a model folder from train-t2g, or None for gloss input.
        beam, batch_size: SLUL's beam width and sentences decoded together.
        device: torch device.
        name: the input's name for messages.

    Returns:
        PT-50 sequences named by line number, with ``text`` (sentence input) and ``gloss``.

    Raises:
        SignkitError: a folder is not a model of its kind.
    """
    from signkit.gloss import slul
    from signkit.moe import model as moe

    network, database = moe.load(g2p_model, device)
    texts = [line.strip() for line in lines]
    if gloss_model is not None:
        t2g, tokenizer = slul.load(gloss_model, device)
        with log.progress("t2g", total=len(texts), unit="sentences") as advance:
            glosses = slul.translate(t2g, tokenizer, texts, beam=beam, batch_size=batch_size, device=device,
                                     on_batch=advance)  # fmt: skip
    else:
        glosses, texts = texts, [None] * len(texts)
    sequences = []
    with log.progress("g2p", total=len(texts), unit="lines") as advance:
        for number, (text, line) in enumerate(zip(texts, glosses), start=1):
            log.detail(f"{name}:{number}: {line}")
            points = moe.produce(network, database, line.split(), text or None)
            sequences.append(moe.as_sequence(points, network.config.fps, f"{number:06d}", text=text, gloss=line))
            advance(1)
    return sequences
