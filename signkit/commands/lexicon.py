"""Build a sign lexicon (sign.mt's layout): from your own recordings of isolated signs, or cut from sentences with gloss timings.

Recordings: videos (.mp4, .mov, .m4v, .mkv, .webm, .avi) or .pose files named by their gloss
(thank_you.mp4 is THANK-YOU), folders of them, a CSV with the columns path,gloss and optionally
words,spoken_language,signed_language (paths relative to the CSV), WLASL's JSON (gloss,
instances[].video_id, frame_start, frame_end; VIDEO_ID.mp4 in videos/ beside it) or ASL Citizen's
CSV (Participant ID,Video file,Gloss,ASL-LEX Code; its videos/ folder). Keypoints are
extracted from the videos with MediaPipe Holistic (--workers processes), each sign is found
between its rest frames by hand speed (its span is the entry's start and end), and several
recordings of one gloss become variants (priority 0, 1, ... in input order). A recording that
cannot be read is named and skipped, the others written, and the exit status is 1. --append adds
to an existing lexicon and keeps every entry it has. --shard I/N builds the lexicon of the I-th of
N shares of the sorted glosses, every variant of a gloss in one share: N jobs (on N machines)
build N lexicons that `t2p --lexicon DIR1 --lexicon DIR2 ...` signs with as with one.

Sentences of continuous signing whose glosses carry start and end times (the DGS Corpus layout:
NAME_original.pose beside NAME_metadata.json; folders are searched for *_metadata.json) are
brought to slrtp178 with the signer's face, or PT-50 without one (repaired as `signkit clean`
does, untrimmed) and cut into one clip per gloss annotation, the gloss as written and its lemma
as the spoken word; `signkit train-g2p` builds the
same database into its model folder.

`signkit t2p --lexicon DIR` signs with either (exact gloss, then another variant of the same
lemma, then fingerspelling).
"""

from __future__ import annotations

from typing import Optional

import typer

from signkit import log
from signkit.commands.options import Quiet, Verbose, Workers, check_output_folder, shard_option

EXAMPLES = [
    "signkit lexicon ../shared/data/dgs-sentences/train -o dgs-lexicon",
    'echo "ICH1 VORTRAG1" | signkit t2p --from gloss --lexicon dgs-lexicon --signed-language gsg -o talk.pose',
    "signkit lexicon ../shared/data/videos/asl_house.mp4 ../shared/data/videos/asl_different.mp4 -o my-lexicon",
    'echo "ASL-HOUSE ASL-DIFFERENT" | signkit t2p --from gloss --lexicon my-lexicon -o mine.pose',
]


def command(
    inputs: list[str] = typer.Argument(..., metavar="INPUT...",
                                       help="Recordings (videos, .pose files, folders of them, a CSV, WLASL's JSON, ASL "
                                            "Citizen's CSV), or sentences with gloss timings (NAME_metadata.json files or "
                                            "folders of them)."),
    output: str = typer.Option(..., "-o", "--output", metavar="DIR", help="The lexicon folder to write."),
    signed_language: Optional[str] = typer.Option(None, "--signed-language", show_default=False,
                                                  help="Signed language code of the entries (default: ase for recordings, gsg for sentences)."),
    spoken_language: Optional[str] = typer.Option(None, "--spoken-language", show_default=False,
                                                  help="Spoken language code of the entries (default: en for recordings, de for sentences)."),
    append: bool = typer.Option(False, "--append", help="Recordings: add to the lexicon in DIR, keeping its entries."),
    workers: Workers = 1,
    share: Optional[str] = shard_option("the recordings' glosses, sorted"),
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    from signkit.errors import SignkitError
    from signkit.lexicons.corpus import is_sentence_input, lexicon
    from signkit.lexicons.recordings import build_lexicon, recordings_of, shard_by_gloss

    log.configure(quiet, verbose)
    check_output_folder(output)
    sentences = [is_sentence_input(item) for item in inputs]
    if any(sentences):
        if not all(sentences):
            raise typer.BadParameter("give recordings or sentences with gloss timings, not both", param_hint="INPUT")
        for given, flag in ((append, "--append"), (share, "--shard")):
            if given:
                raise typer.BadParameter(f"{flag} is for recordings; a lexicon of sentences is built whole",
                                         param_hint=flag)  # fmt: skip
        lexicon(inputs, output, signed_language=signed_language or "gsg", spoken_language=spoken_language or "de")
        return
    recordings = recordings_of(inputs)
    if share is not None:
        glosses = len({r.gloss.upper() for r in recordings})
        recordings = shard_by_gloss(recordings, *share)
        if not recordings:
            raise SignkitError(f"shard {share[0]}/{share[1]} holds no gloss: the recordings have {glosses}")
    written, failed = build_lexicon(recordings, output, signed_language=signed_language or "ase",
                                    spoken_language=spoken_language or "en", append=append, workers=workers,
                                    on_failure=lambda error: log.console.print(f"Error: {error}", markup=False))  # fmt: skip
    log.info(f"lexicon: {written} signs {'added to' if append else 'in'} {output}")
    if failed:
        raise SignkitError(f"{failed} of {len(recordings)} recordings failed (each named above); the others were written")
