"""Benchmark of the rule-based English -> ASL gloss step (signkit.text.gloss); prints its figures.

    python benchmarks/gloss_rules.py [--repeat 3]

On the 2,328 English sentences of the How2Sign test split (../shared/data/how2sign-text) with the
real 100-sign ASL lexicon (../shared/data/asl-lexicon), ``text_to_glosses`` on every line:

1. cold, in a fresh process with no lemma cache (``SIGNKIT_CACHE=off``): simplemma's English
   dictionary loads on first use (its load timed apart) and every distinct word goes to it once;
2. cold with the lemma cache file filled by a first process (simplemma's answers read from it,
   the dictionary needed only for words not seen before);
3. warm, a second pass in the same process (``lemma``'s memo answers).

Figures are medians over ``--repeat`` runs, without the interpreter's start-up and imports.
Targets (module docstring of signkit.text.gloss): about 0.5 s cold (0.3 s of it the
dictionary), 0.2 s warm.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TEXT = DATA / "how2sign-text" / "test.en.txt"
INDEX = DATA / "asl-lexicon" / "index.csv"

# Run in a fresh process: prints {"load": s, "cold": s, "warm": s, "simplemma": calls}.
_ONE_RUN = """
import csv, json, sys, time
import simplemma
from simplemma.strategies.dictionaries.dictionary_factory import DEFAULT_DICTIONARY_FACTORY
from signkit.text.gloss import text_to_glosses
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
vocabulary = {row["words"]: row["glosses"] for row in csv.DictReader(open(sys.argv[2], newline="", encoding="utf-8"))}
calls = 0
def counted(function):
    def wrapper(*args, **kwargs):
        global calls
        calls += 1
        return function(*args, **kwargs)
    return wrapper
simplemma.lemmatize, simplemma.is_known = counted(simplemma.lemmatize), counted(simplemma.is_known)
start = time.perf_counter()
for line in lines:
    text_to_glosses(line, vocabulary)
cold = time.perf_counter() - start
start = time.perf_counter()
for line in lines:
    text_to_glosses(line, vocabulary)
warm = time.perf_counter() - start
DEFAULT_DICTIONARY_FACTORY._get_dictionary.cache_clear()
start = time.perf_counter()
DEFAULT_DICTIONARY_FACTORY.get_dictionary("en")
load = time.perf_counter() - start
print(json.dumps({"load": load, "cold": cold, "warm": warm, "simplemma": calls}))
"""


def one_run(cache: str) -> dict:
    """Gloss every line in a fresh process with ``SIGNKIT_CACHE=cache``; its figures."""
    environment = {**os.environ, "SIGNKIT_CACHE": cache}
    result = subprocess.run([sys.executable, "-c", _ONE_RUN, str(TEXT), str(INDEX)], env=environment,
                            capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not TEXT.is_file() or not INDEX.is_file():
        sys.exit(f"the How2Sign test text and the ASL lexicon are not under {DATA}")
    lines = TEXT.read_text(encoding="utf-8").splitlines()
    with INDEX.open(newline="", encoding="utf-8") as file:
        signs = sum(1 for _ in csv.DictReader(file))
    print(f"text_to_glosses on {len(lines)} How2Sign test sentences with the {signs}-sign ASL lexicon, "
          f"median of {args.repeat} fresh processes")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        one_run(folder)  # fills the lemma cache file
        runs = {"no lemma cache (SIGNKIT_CACHE=off)": [one_run("off") for _ in range(args.repeat)],
                "lemma cache file filled": [one_run(folder) for _ in range(args.repeat)]}  # fmt: skip
    for name, figures in runs.items():
        median = {key: statistics.median(run[key] for run in figures) for key in figures[0]}
        print(f"{name}: cold {median['cold']:.3f} s ({median['simplemma']:.0f} simplemma calls), warm "
              f"{median['warm']:.3f} s; simplemma's English dictionary loads in {median['load']:.3f} s")  # fmt: skip


if __name__ == "__main__":
    main()
