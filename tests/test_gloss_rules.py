"""Tests of the rule-based English -> ASL gloss step (signkit.text.gloss)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from functools import lru_cache, partial
from pathlib import Path

import pytest
import simplemma
from simplemma.strategies.dictionaries import dictionary_factory

import signkit.text.gloss as rules
from conftest import shared_data
from signkit.text.gloss import lemma, normalise, text_to_glosses


@pytest.fixture(scope="module")
def asl_vocabulary() -> dict[str, str]:
    """The real 100-sign ASL lexicon's words -> glosses (``../shared/data/asl-lexicon/index.csv``)."""
    with (shared_data() / "asl-lexicon" / "index.csv").open(newline="", encoding="utf-8") as f:
        return {row["words"]: row["glosses"] for row in csv.DictReader(f)}


# --- the reference sentence ---------------------------------------------------------


def test_reference_sentence_with_real_lexicon(asl_vocabulary):
    assert text_to_glosses("Hello, thank you. My mother is happy today.", asl_vocabulary) == [
        "HELLO", "THANK-YOU", "MY", "MOTHER", "HAPPY", "TODAY",
    ]


def test_single_word_without_vocabulary():
    assert text_to_glosses("hello") == ["HELLO"]
    assert text_to_glosses("hello", {}) == ["HELLO"]
    assert text_to_glosses("Hello!", None) == ["HELLO"]


# --- rule 4: dropped words -------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The cat is on a mat.", ["CAT", "ON", "MAT"]),
        ("An apple was on the table", ["APPLE", "ON", "TABLE"]),
        ("They were being good.", ["THEY", "GOOD"]),
        ("I am here, you are there, it has been fun, we will be fine",
         ["ME", "HERE", "YOU", "THERE", "IT", "HAVE", "FUN", "WE", "WILL", "FINE"]),
        ("I want to go to school.", ["ME", "WANT", "GO", "SCHOOL"]),
    ],
)
def test_articles_be_forms_and_to_are_dropped(sentence, expected):
    assert text_to_glosses(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Where did you go?", ["WHERE", "YOU", "GO"]),
        ("What do you want?", ["WHAT", "YOU", "WANT"]),
        ("Do you like it?", ["YOU", "LIKE", "IT"]),
        ("Does it hurt?", ["IT", "HURT"]),
        ("Did the kids eat?", ["KID", "EAT"]),
        ("I did not see him.", ["ME", "NOT", "SEE", "HE"]),
        ("Do it now.", ["DO", "IT", "NOW"]),
        ("I did the dishes.", ["ME", "DO", "DISH"]),
        ("What did you do?", ["WHAT", "YOU", "DO"]),
    ],
)
def test_auxiliary_do_is_dropped_main_verb_do_is_kept(sentence, expected):
    assert text_to_glosses(sentence) == expected


def test_not_and_no_are_kept():
    assert text_to_glosses("No, I am not hungry.") == ["NO", "ME", "NOT", "HUNGRY"]


# --- rule 1: normalisation and contractions ---------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("I don't know.", ["ME", "NOT", "KNOW"]),
        ("I can't swim", ["ME", "CAN", "NOT", "SWIM"]),
        ("You cannot swim", ["YOU", "CAN", "NOT", "SWIM"]),
        ("He won't eat", ["HE", "WILL", "NOT", "EAT"]),
        ("I'm hungry", ["ME", "HUNGRY"]),
        ("It's cold", ["IT", "COLD"]),
        ("That's my mother's book", ["THAT", "MY", "MOTHER", "BOOK"]),
        ("We'll see, they've left, you're late, she'd come",
         ["WE", "WILL", "SEE", "THEY", "HAVE", "LEFT", "YOU", "LATE", "SHE", "WOULD", "COME"]),
        ("I\u2019m sure you don\u2019t \u201cknow\u201d", ["ME", "SURE", "YOU", "NOT", "KNOW"]),
        ("My parents' car", ["MY", "PARENT", "CAR"]),
        ("We're gonna eat", ["WE", "GO", "EAT"]),
        # How2Sign writes some apostrophes as UTF-8 read as Latin-1
        ("I\u00e2\u0080\u0099m happy", ["ME", "HAPPY"]),
        # NFKC folds full-width letters and digits
        ("\uff28\uff25\uff2c\uff2c\uff2f \uff13", ["HELLO", "THREE"]),
    ],
)
def test_contractions_and_normalisation(sentence, expected):
    assert text_to_glosses(sentence) == expected


def test_normalise_is_lower_case_ascii_punctuation():
    assert normalise("Don\u2019t \u2014 STOP") == "do not  ;  stop"


def test_hyphenated_words_are_split():
    assert text_to_glosses("a well-known e-mail") == ["WELL", "KNOW", "E", "MAIL"]


# --- rule 5: pronouns -------------------------------------------------------------------


def test_pronouns_by_person():
    assert text_to_glosses("I told him about her dog and us and them") == [
        "ME", "TELL", "HE", "ABOUT", "HER", "DOG", "AND", "WE", "AND", "THEY",
    ]
    assert text_to_glosses("Mine, yours, ours, theirs") == ["MY", "YOUR", "OUR", "THEIR"]


def test_pronoun_i_wins_over_letter_i_of_the_lexicon(asl_vocabulary):
    assert asl_vocabulary["i"] == "I"
    assert text_to_glosses("I am hungry", asl_vocabulary) == ["ME", "HUNGRY"]


def test_pronoun_uses_vocabulary_entry_of_its_gloss_word():
    assert text_to_glosses("I see me", {"me": "IX-1"}) == ["IX-1", "SEE", "IX-1"]


def test_article_a_never_becomes_letter_a(asl_vocabulary):
    assert text_to_glosses("A book", asl_vocabulary) == ["BOOK"]


# --- rule 6: lemmas ---------------------------------------------------------------------


def test_plurals_and_verb_forms_are_lemmatised():
    assert text_to_glosses("mothers running went children") == ["MOTHER", "RUN", "GO", "CHILD"]
    assert text_to_glosses("He has gone") == ["HE", "HAVE", "GO"]


def test_spurious_silent_e_lemmas_are_repaired():
    assert [lemma(w) for w in ("playing", "mixed", "thinking", "crafted", "developed")] == [
        "play", "mix", "think", "craft", "develop",
    ]
    assert [lemma(w) for w in ("hoping", "making", "changed", "served", "seeing")] == [
        "hope", "make", "change", "serve", "see",
    ]


def test_surface_form_in_vocabulary_wins_over_lemma(asl_vocabulary):
    assert text_to_glosses("I finished", asl_vocabulary) == ["ME", "FINISHED"]
    assert text_to_glosses("I finished") == ["ME", "FINISH"]
    assert text_to_glosses("so tired", asl_vocabulary) == ["SO", "TIRED"]


def test_lemma_in_vocabulary_gives_its_gloss(asl_vocabulary):
    assert text_to_glosses("Mothers read books", asl_vocabulary) == ["MOTHER", "READ", "BOOK"]
    assert text_to_glosses("friends", {"friend": "FRIEND-2"}) == ["FRIEND-2"]


# --- rule 3: multi-word phrases ---------------------------------------------------------


def test_multi_word_match_through_lemmas():
    vocabulary = {"ice cream": "ICE-CREAM", "wash hand": "WASH-HANDS"}
    assert text_to_glosses("I like ice creams", vocabulary) == ["ME", "LIKE", "ICE-CREAM"]
    assert text_to_glosses("Washing hands", vocabulary) == ["WASH-HANDS"]


def test_longest_phrase_first_and_gloss_formatting():
    vocabulary = {"good": "GOOD", "good morning": "good morning", "morning": "MORNING"}
    assert text_to_glosses("Good morning, good day", vocabulary) == [
        "GOOD-MORNING", "GOOD", "DAY",
    ]
    four = {"as soon as possible": "ASAP", "soon": "SOON"}
    assert text_to_glosses("Come as soon as possible", four) == ["COME", "ASAP"]


def test_phrases_do_not_cross_clause_breaks(asl_vocabulary):
    assert text_to_glosses("Thank. You.", asl_vocabulary) == ["THANK", "YOU"]
    assert text_to_glosses("thank-you", asl_vocabulary) == ["THANK-YOU"]


def test_phrases_can_hold_words_rule_4_would_drop():
    assert text_to_glosses("a lot of the time", {"a lot": "LOT"}) == ["LOT", "OF", "TIME"]


# --- rule 2: numbers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("3 dogs", ["THREE", "DOG"]),
        ("0 and 10", ["ZERO", "AND", "TEN"]),
        ("11 cats", ["11", "CAT"]),
        ("In 2024, 1,000 people", ["IN", "2024", "1000", "PEOPLE"]),
        ("3.5 cups", ["3.5", "CUP"]),
        ("the 1st day", ["ONE", "DAY"]),
        ("three dogs", ["THREE", "DOG"]),
    ],
)
def test_numbers(sentence, expected):
    assert text_to_glosses(sentence) == expected


def test_small_numbers_reach_the_lexicon(asl_vocabulary):
    assert text_to_glosses("7 books", asl_vocabulary) == ["SEVEN", "BOOK"]


# --- rule 7: output ---------------------------------------------------------------------


@pytest.mark.parametrize("sentence", ["", "   ", "...!?", "\u2014", "\n", "- , ;"])
def test_empty_or_punctuation_only_input(sentence):
    assert text_to_glosses(sentence) == []


def test_non_string_raises_type_error():
    with pytest.raises(TypeError):
        text_to_glosses(None)  # type: ignore[arg-type]


def test_import_does_not_load_simplemma():
    code = "import sys, signkit.text.gloss; print('simplemma' in sys.modules)"
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=root, check=True)
    assert result.stdout.strip() == "False"
    assert result.stderr == ""


# --- How2Sign ---------------------------------------------------------------------------


@pytest.fixture
def simplemma_counted(monkeypatch) -> tuple[Counter, list[str]]:
    """A fresh start for the lemma step in this process, counted: ``lemma``'s memo emptied, no
    simplemma answer known, simplemma's dictionaries not loaded. Yields the words asked of
    simplemma (``Counter`` of ``(function, word)``) and the languages whose dictionary it loads."""
    asked, loaded = Counter(), []

    def counted(kind, function, word, **options):
        asked[kind, word] += 1
        return function(word, **options)

    def load(language, original=dictionary_factory._load_dictionary_from_disk):
        loaded.append(language)
        return original(language)

    for kind in ("lemmatize", "is_known"):
        monkeypatch.setattr(simplemma, kind, partial(counted, kind, getattr(simplemma, kind)))
    monkeypatch.setattr(rules, "_simplemma_cache", {"lemma": {}, "known": {}})
    monkeypatch.setattr(dictionary_factory, "_load_dictionary_from_disk", load)
    factory = dictionary_factory.DEFAULT_DICTIONARY_FACTORY
    monkeypatch.setattr(factory, "_get_dictionary", lru_cache(maxsize=8)(factory._get_dictionary_uncached))
    lemma.cache_clear()
    yield asked, loaded
    lemma.cache_clear()


def test_all_how2sign_test_lines(asl_vocabulary, simplemma_counted):
    """Every How2Sign test line glosses, deterministically; and what makes the 2,328 lines gloss in
    about 0.5 s cold and 0.2 s warm (benchmarks/gloss_rules.py prints the figures) holds: each
    distinct word reaches simplemma once at most (``lemma``'s memo, then the answers kept) and
    simplemma's English dictionary is loaded once."""
    asked, loaded = simplemma_counted
    lines = (shared_data() / "how2sign-text" / "test.en.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2328
    glossed = [text_to_glosses(line, asl_vocabulary) for line in lines]
    for line, glosses in zip(lines, glossed):
        if any(c.isalnum() for c in line):
            assert glosses, line
        for gloss in glosses:
            assert gloss and gloss == gloss.upper() and not any(c.isspace() for c in gloss)
    assert asked and max(asked.values()) == 1, asked.most_common(3)
    assert loaded == ["en"]
    memo = lemma.cache_info()
    assert memo.hits > memo.misses  # How2Sign repeats its words: most lookups are answered by the memo
    # deterministic, and a second pass asks simplemma nothing
    asked.clear()
    assert [text_to_glosses(line, asl_vocabulary) for line in lines[:200]] == glossed[:200]
    assert not asked and loaded == ["en"]


def test_simplemma_answers_are_kept_between_processes(tmp_path):
    """A second process takes simplemma's answers from the cache file and glosses the same; a
    damaged cache file is ignored and rewritten; SIGNKIT_CACHE=off keeps none."""
    from conftest import signkit

    sentence = "My mothers were baking cookies and mixing colours yesterday."
    cache = {"SIGNKIT_CACHE": str(tmp_path)}
    first = signkit("t2p", "-v", input=sentence, env=cache)
    (path,) = tmp_path.glob("simplemma-en-*.json")
    kept = json.loads(path.read_text())
    assert kept["lemma"]["mothers"] == "mother" and kept["lemma"]["cookies"] == "cookie"
    assert kept["known"]["mix"] is True  # asked by the silent-e repair of "mixing"
    second = signkit("t2p", "-v", input=sentence, env=cache)
    assert first.returncode == second.returncode == 0
    assert second.stdout == first.stdout and second.stderr == first.stderr
    assert json.loads(path.read_text()) == kept  # nothing new to add
    path.write_text("{not json")
    damaged = signkit("t2p", "-v", input=sentence, env=cache)
    assert damaged.stdout == first.stdout and json.loads(path.read_text()) == kept  # rewritten whole
    off = signkit("t2p", "-v", input=sentence, env={"SIGNKIT_CACHE": "off"})
    assert off.stdout == first.stdout
