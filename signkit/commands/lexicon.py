"""Build a pose prior database: a sign lexicon cut from sentences with gloss timings.

Reads sentences of continuous signing whose glosses carry start and end times (the DGS Corpus
layout: NAME_original.pose beside NAME_metadata.json; folders are searched for
*_metadata.json), brings each to PT-50 (repaired as `signkit clean` does, untrimmed) and cuts
one clip per gloss annotation into a lexicon folder in sign.mt's layout (index.csv + clips/),
the gloss as written and its lemma as the spoken word. `signkit t2p --from gloss --lexicon DIR`
signs with it by rules (exact gloss, then another variant of the same lemma, then
fingerspelling); `signkit train-g2p` builds the same database into its model folder.
"""

from __future__ import annotations

import typer

from signkit import log
from signkit.commands.options import Quiet, Verbose, check_output_folder

EXAMPLES = [
    "signkit lexicon ../shared/data/dgs-sentences/train -o dgs-lexicon",
    'echo "ICH1 VORTRAG1" | signkit t2p --from gloss --lexicon dgs-lexicon --signed-language gsg -o talk.pose',
]


def command(
    sentences: list[str] = typer.Argument(..., metavar="SENTENCES...",
                                          help="Sentences with gloss timings: NAME_metadata.json (or NAME_original.pose) files, or folders of them."),
    output: str = typer.Option(..., "-o", "--output", metavar="DIR", help="The lexicon folder to write."),
    signed_language: str = typer.Option("gsg", "--signed-language", help="Signed language code of the entries."),
    spoken_language: str = typer.Option("de", "--spoken-language", help="Spoken language code of the entries."),
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    from signkit.lexicons.corpus import lexicon

    log.configure(quiet, verbose)
    check_output_folder(output)
    lexicon(sentences, output, signed_language=signed_language, spoken_language=spoken_language)
