"""Rule-based English -> ASL gloss transcription (the ``t2g`` step of ``signkit t2p``).

``text_to_glosses(sentence, vocabulary)`` turns one English sentence into a list of
ASL glosses that the lexicon stage (lookup, fingerspelling, stitching) can resolve.
It is a transparent baseline, not a translation model: English word order is kept
(no topicalisation, no wh-word movement, no non-manual markers), which makes the
output close to the glosses of rule-based corpora such as ASLG-PC12.

Conventions followed
--------------------
Gloss notation follows the common ASL transcription tradition (Baker-Shenk & Cokely,
*American Sign Language: A Teacher's Resource Text on Grammar and Culture*, 1980; the
ASLLRP/SignStream conventions of Neidle et al.): a gloss is an upper-case English word
naming the sign; one sign written with several English words is hyphenated
(THANK-YOU); function words that ASL has no sign for (articles, the copula, the
infinitive marker, auxiliary DO) are not glossed; pronouns are glossed by person, not
by case, because ASL's pointing pronouns have no case (ME for I/me, as in Baker-Shenk &
Cokely, rather than IX-1). Plain English pronoun glosses are used instead of IX-1/IX-2/
IX-3 (ASLLRP) or ASLG-PC12's ``X-`` prefixes because sign lexicons such as sign.mt's
index their entries with plain English glosses and words. The same family of rules
(lower-case, lemmatise, drop stop words) is the usual text-to-gloss baseline, e.g. in
Moryossef et al., *Data Augmentation for Sign Language Gloss Translation* (2021).

Rules, applied in this order
----------------------------
1. **Normalise**: UTF-8 text mis-decoded as Latin-1/cp1252 repaired (How2Sign has
   ``I'm`` with its apostrophe as the three characters U+00E2 U+0080 U+0099); NFKC;
   typographic quotes to ``'``/``"``; hyphen-like dashes (U+2010-2012, en dash,
   minus) to ``-``; em dash and ``--`` to a clause break;
   lower-case; expand contractions (``n't`` -> ``not`` with can't -> can not,
   won't -> will not, shan't -> shall not, ain't -> is not, cannot -> can not;
   ``'m`` am, ``'re`` are, ``'ve`` have, ``'ll`` will, ``'d`` would; ``'s`` -> ``is``
   after pronouns, wh-words, demonstratives and indefinite pronouns (it's, that's,
   what's, somebody's), otherwise the possessive ``'s`` and a plural possessive's
   trailing ``'`` are dropped (mother's -> mother); let's -> let us, 'em -> them,
   y'all -> you all, gonna/gon na -> going to, wanna/wan na -> want to;
   ``&`` -> and). Apostrophes left inside a word are removed (o'clock -> oclock).
2. **Tokenise** into words (runs of Unicode letters) and numbers; other punctuation
   is dropped, sentence/clause punctuation (``. , ; : ! ? ( ) "``) is remembered as a
   clause break; hyphenated words are split (well-known -> well, known). Numbers:
   ``1,000`` -> ``1000``; an ordinal suffix is dropped (1st -> 1); decimals are kept
   (``3.5``); whole numbers 0..10 become the words zero..ten (so the lexicon's ONE..TEN
   can match); every other number stays a digit string (``25``, ``2024``) so later
   stages can sign or fingerspell its digits.
3. **Multi-word vocabulary phrases** (2 to 4 words), longest first, greedy left to
   right, never across a clause break: a span matches when its surface words, or
   else its lemmas (rule 6), joined by single spaces are a key of ``vocabulary``;
   the span becomes that key's gloss.
4. **Drop** what ASL glossing does not write: articles (a, an, the), forms of BE
   (am, is, are, was, were, be, been, being), ``to`` (the infinitive marker, and
   also the directional preposition: ASL marks direction in the verb's movement, so
   ``go to school`` -> GO SCHOOL; telling the two apart needs a parser), and
   auxiliary do/does/did: before ``not``; or at the start of a clause / right after
   a wh-word (what, where, when, why, who, whom, whose, how, which) when followed by a
   subject pronoun (i, you, we, they, he, she; also ``it``/``there`` after does/did)
   or, for does/did and after a wh-word, by a determiner (the, a, your, this, ...).
   ``do`` as a main verb stays (``do it now`` -> DO IT NOW). ``not``/``no`` stay as
   NOT/NO.
5. **Pronouns** by person, not case (fixed, before the single-word vocabulary, so the
   pronoun I never becomes the letter I of a fingerspelling lexicon):
   I/me -> ME, my/mine -> MY, you -> YOU, your/yours -> YOUR, we/us -> WE,
   our/ours -> OUR, he/him -> HE, his -> HIS, she -> SHE, her/hers -> HER
   (object and possessive ``her`` are not told apart), it -> IT, its -> ITS,
   they/them -> THEY, their/theirs -> THEIR. If ``vocabulary`` has an entry for the
   gloss's own word (``me``, ``we``, ...), that entry's gloss is used instead.
6. **Lemmatise** remaining words with simplemma (lang ``en``; mothers -> MOTHER,
   running -> RUN, went -> GO). Words of one or two letters and digit strings are
   not lemmatised; a small override table keeps words ASL signs separately (better,
   best, worse, worst, later) and corrects bad dictionary entries (gone -> GO, not
   "gan"); spurious silent-e lemmas are repaired (playing -> PLAY, not "playe";
   hoping -> HOPE stays). If the surface form is a key of ``vocabulary`` its gloss
   wins (finished -> FINISHED), else the lemma's entry, else the upper-cased lemma.
7. **Output**: glosses upper-cased, internal whitespace of a multi-word gloss
   replaced by ``-`` (thank you -> THANK-YOU). Empty or punctuation-only input -> [].

Importing this module is cheap (simplemma is imported on first use) and lemmas are
memoised: the 2,328 How2Sign test sentences gloss in about 0.5 s in a fresh process
(0.3 s of it loading simplemma's English dictionary) and 0.2 s warm. simplemma's answers are
also kept between processes in the user's cache folder (:func:`simplemma_cache_path`), so that
a short sentence signed again (``echo hello | signkit t2p``) needs no dictionary at all.
The functions are deterministic and never print.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

__all__ = ["text_to_glosses", "normalise", "tokenise", "lemma"]

_EMPTY: Mapping[str, str] = MappingProxyType({})

MAX_PHRASE_WORDS = 4

# --- rule 1: normalisation -------------------------------------------------------

_CHAR_MAP = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u02bc": "'", "\u00b4": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"', "\u2039": '"', "\u203a": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2212": "-",
        "\u2014": " ; ", "\u2015": " ; ", "&": " and ",
    }
)

_S_IS_HOSTS = (
    "it|he|she|that|this|what|where|when|why|who|how|there|here|everything|everyone|"
    "everybody|something|someone|somebody|nothing|nobody|anything|anyone|anybody"
)

# (trigger, pattern, replacement): a pattern is tried only when its trigger occurs.
_CONTRACTIONS: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (trigger, re.compile(pattern), repl)
    for trigger, pattern, repl in (
        ("--", r"-{2,}", " ; "),
        ("cannot", r"\bcannot\b", "can not"),
        ("na", r"\bgon ?na\b", "going to"),
        ("na", r"\bwan ?na\b", "want to"),
        ("'", r"\bcan't\b", "can not"),
        ("'", r"\bwon't\b", "will not"),
        ("'", r"\bshan't\b", "shall not"),
        ("'", r"\bain't\b", "is not"),
        ("'", r"n't\b", " not"),
        ("'", r"\blet's\b", "let us"),
        ("'", r"\by'all\b", "you all"),
        ("'", r"\bma'am\b", "madam"),
        ("'", r"(?<![\w'])'em\b", "them"),
        ("'", r"'m\b", " am"),
        ("'", r"'re\b", " are"),
        ("'", r"'ve\b", " have"),
        ("'", r"'ll\b", " will"),
        ("'", r"'d\b", " would"),
        ("'", rf"\b({_S_IS_HOSTS})'s\b", r"\1 is"),
        ("'", r"(?<=\w)'s\b", ""),
        ("'", r"(?<=s)'(?!\w)", ""),
        ("'", r"(?<=\w)'(?=\w)", ""),
    )
)


def _unmojibake(text: str) -> str:
    """Repair UTF-8 text that was decoded as Latin-1/cp1252 (U+00E2 U+0080 U+0099 back
    to U+2019), as in How2Sign's transcripts; text that does not round-trip is kept."""
    if "\u00e2" not in text and "\u00c3" not in text:
        return text
    for codec in ("latin-1", "cp1252"):
        try:
            return text.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
    return text


def normalise(sentence: str) -> str:
    """Rule 1: NFKC, ASCII quotes/dashes, lower-case, contractions expanded.

    Args:
        sentence: any string (mis-decoded UTF-8, as in How2Sign's transcripts, is repaired).

    Returns:
        The normalised string (punctuation still present).

    Raises:
        TypeError: ``sentence`` is not a ``str``.
    """
    if not isinstance(sentence, str):
        raise TypeError(f"sentence must be str, not {type(sentence).__name__}")
    text = unicodedata.normalize("NFKC", _unmojibake(sentence)).translate(_CHAR_MAP).lower()
    for trigger, pattern, repl in _CONTRACTIONS:
        if trigger in text:
            text = pattern.sub(repl, text)
    return text


# --- rule 2: tokenisation ---------------------------------------------------------

_TOKEN_RE = re.compile(
    r"(?P<num>\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?)(?:(?:st|nd|rd|th)(?![^\W\d_]))?"
    r"|(?P<word>[^\W\d_]+)"
    r"|(?P<brk>[.,;:!?()\[\]{}\"])"
)

_SMALL_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven",
                  "eight", "nine", "ten")


def _number_token(text: str) -> str:
    digits = "".join(str(int(c)) if c.isdigit() else c for c in text.replace(",", ""))
    if digits.isdigit() and (digits == "0" or not digits.startswith("0")):
        value = int(digits)
        if value <= 10:
            return _SMALL_NUMBERS[value]
    return digits


def tokenise(normalised: str) -> list[tuple[str, bool]]:
    """Rule 2: split normalised text into ``(token, starts_clause)`` pairs.

    Args:
        normalised: text as :func:`normalise` returns it.

    Returns:
        The tokens in order: lower-case words, number words zero..ten, or digit strings; the
        flag says whether a clause break (or the start of the text) precedes the token.
    """
    tokens: list[tuple[str, bool]] = []
    clause_start = True
    for m in _TOKEN_RE.finditer(normalised):
        kind = m.lastgroup
        if kind == "brk":
            clause_start = True
            continue
        if kind == "num":
            tokens.append((_number_token(m.group("num")), clause_start))
        else:
            tokens.append((m.group("word"), clause_start))
        clause_start = False
    return tokens


# --- rule 6: lemmas ---------------------------------------------------------------

# Words ASL signs separately from their base form, and corrections of entries of
# simplemma's English dictionary that are wrong for everyday text (gone -> "gan",
# weed -> "wee", later -> "late", least -> "less", ...).
_LEMMA_OVERRIDES: Mapping[str, str] = MappingProxyType({
    "better": "better", "best": "best", "worse": "worse", "worst": "worst",
    "later": "later", "least": "least", "gone": "go", "weed": "weed", "weeds": "weed",
    "greed": "greed", "bare": "bare", "span": "span", "dice": "dice", "etc": "etc",
    "neighborhood": "neighborhood", "neighborhoods": "neighborhood", "hasta": "hasta",
    "laying": "lay", "donning": "don", "spaded": "spade", "tori": "tori",
    "creamers": "creamer", "lowering": "lower", "data": "data", "media": "media",
    "developed": "develop",
})
# Stem endings that an English base form never follows with a silent e: so when
# simplemma's dictionary lemmatises "mixing" to "mixe" or "crafted" to "crafte", the
# e is spurious (orthographic rule; loanwords such as "ante" are rare enough to ignore).
_NO_SILENT_E_AFTER = (
    "w", "x", "y", "ck", "ct", "ft", "gh", "ld", "lf", "lk", "lm", "lp", "lt", "mp",
    "nd", "nk", "nt", "pt", "rb", "rd", "rf", "rk", "rl", "rm", "rn", "rp", "rt", "sh",
    "sk", "sp", "wn", "nch", "rch", "lch",
)
# -ng verbs whose -ing/-ed forms simplemma maps to singe/swinge/...; other -nge words
# (change, lunge, hinge, binge, range) are real base forms.
_NG_VERBS = frozenset({
    "sing", "swing", "spring", "sting", "cling", "fling", "sling", "bring", "ring",
    "wring", "hang", "bang", "belong", "long",
})


def _repair_e(word: str, lem: str) -> str:
    """Undo simplemma's spurious silent-e lemmas (playing -> "playe", mixed -> "mixe",
    thinking -> "thinke", crafted -> "crafte"): when the word is exactly
    ``stem + ing/ed``, the lemma is ``stem + e``, the stem ends in a way no English
    base form with a silent e does (``_NO_SILENT_E_AFTER``, ``_NG_VERBS``), and
    simplemma knows the stem as its own lemma, the stem is the lemma."""
    if lem == word or not lem.endswith("e") or len(lem) < 4:
        return lem
    stem = lem[:-1]
    # "eyeing", "seeing" keep their e; for -ed the e-lemma is always a prefix of the word
    if word != stem + "ed" and (word != stem + "ing" or word.startswith(lem)):
        return lem
    if not (stem.endswith(_NO_SILENT_E_AFTER) or stem in _NG_VERBS):
        return lem
    if is_english_word(stem) and english_lemma(stem) == stem:
        return stem
    return lem


# simplemma's answers kept between processes, at most this many of each kind.
SIMPLEMMA_CACHE_SIZE = 200_000
_simplemma_cache: dict[str, dict] | None = None  # {"lemma": word -> lemma, "known": word -> bool}, read on first use
_simplemma_file: Path | None = None  # where it was read from (None: caching off)
_simplemma_new: dict[str, dict] = {"lemma": {}, "known": {}}  # found by this process, written at exit


def simplemma_cache_path() -> Path | None:
    """The file of simplemma's English answers kept between processes, or None when caching is off.

    The folder is ``$SIGNKIT_CACHE`` (``off``: no cache), else ``$XDG_CACHE_HOME/signkit``, else
    ``~/.cache/signkit``; the name carries a hash of the installed simplemma's path and time, so
    another simplemma starts a new file.
    """
    folder = os.environ.get("SIGNKIT_CACHE") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "signkit")
    if folder == "off":
        return None
    import hashlib
    import importlib.util

    spec = importlib.util.find_spec("simplemma")
    if spec is None or spec.origin is None:
        return None
    key = hashlib.sha1(f"{spec.origin}:{os.stat(spec.origin).st_mtime_ns}".encode()).hexdigest()[:16]
    return Path(folder) / f"simplemma-en-{key}.json"


def _read_simplemma_cache(path: Path | None) -> dict[str, dict]:
    """The answers of a cache file; empty ones when there is none or it cannot be read."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8")) if path and path.is_file() else {}
    except (OSError, ValueError):
        loaded = {}
    loaded = loaded if isinstance(loaded, dict) else {}
    return {kind: loaded.get(kind) if isinstance(loaded.get(kind), dict) else {} for kind in ("lemma", "known")}


def _simplemma(kind: str, word: str):
    """simplemma's English ``lemmatize`` (kind ``lemma``) or ``is_known`` (kind ``known``) of
    ``word``, from the cache when it holds it; a new answer is kept for the cache file."""
    global _simplemma_cache, _simplemma_file
    if _simplemma_cache is None:
        _simplemma_file = simplemma_cache_path()
        _simplemma_cache = _read_simplemma_cache(_simplemma_file)
    answer = _simplemma_cache[kind].get(word)
    if answer is None:
        import simplemma  # lazy: keeps ``import signkit.text.gloss`` cheap

        answer = (simplemma.lemmatize if kind == "lemma" else simplemma.is_known)(word, lang="en")
        if not any(_simplemma_new.values()):
            atexit.register(_save_simplemma_cache)
        _simplemma_new[kind][word] = _simplemma_cache[kind][word] = answer
    return answer


def _save_simplemma_cache() -> None:
    """Add this process's new answers to the cache file (written to a temporary file and renamed
    into place); a folder that cannot be written is left alone."""
    path = _simplemma_file
    if path is None:
        return
    kept = _read_simplemma_cache(path)
    for kind, new in _simplemma_new.items():
        kept[kind].update(list(new.items())[: max(0, SIMPLEMMA_CACHE_SIZE - len(kept[kind]))])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_text(json.dumps(kept, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        pass


def english_lemma(word: str) -> str:
    """simplemma's English lemma of one word (``simplemma.lemmatize(word, lang="en")``), kept
    between processes (:func:`simplemma_cache_path`): a word looked up before needs no dictionary.
    Never raises for a ``str``."""
    return _simplemma("lemma", word)


def is_english_word(word: str) -> bool:
    """Whether simplemma's English dictionary knows ``word`` (``simplemma.is_known``), kept
    between processes like :func:`english_lemma`."""
    return _simplemma("known", word)


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """Rule 6: the lower-case English lemma of one lower-case word (simplemma, lang ``en``).

    Digit strings and words of one or two letters (simplemma maps fragments such as
    "m", "na", "ca" to clitics) are returned unchanged; ``_LEMMA_OVERRIDES`` wins over
    the dictionary; a lemma with non-letters (``etc.``, ``pop-up``) is not used;
    spurious silent-e lemmas are repaired (``_repair_e``). Memoised.

    Args:
        word: one lower-case word.

    Returns:
        The lower-case lemma, or ``word`` itself.
    """
    if len(word) <= 2 or word[0].isdigit():
        return word
    override = _LEMMA_OVERRIDES.get(word)
    if override is not None:
        return override
    lem = english_lemma(word).lower()
    if not lem.isalpha():  # "etc." , "pop-up", "za'atar": keep the token one word
        return word
    return _repair_e(word, lem)


# --- rules 4 and 5: function words and pronouns ------------------------------------

_ARTICLES = frozenset({"a", "an", "the"})
_BE = frozenset({"am", "is", "are", "was", "were", "be", "been", "being"})
_DO = frozenset({"do", "does", "did"})
_WH = frozenset({"what", "where", "when", "why", "who", "whom", "whose", "how", "which"})
_SUBJECTS = frozenset({"i", "you", "we", "they", "he", "she"})
_DETERMINERS = frozenset({
    "the", "a", "an", "this", "that", "these", "those", "my", "your", "his", "her",
    "its", "our", "their", "some", "any", "every", "each", "all", "everyone",
    "everybody", "anyone", "anybody", "someone", "somebody",
})

PRONOUNS: Mapping[str, str] = MappingProxyType({
    "i": "me", "me": "me", "my": "my", "mine": "my",
    "you": "you", "your": "your", "yours": "your",
    "we": "we", "us": "we", "our": "our", "ours": "our",
    "he": "he", "him": "he", "his": "his",
    "she": "she", "her": "her", "hers": "her",
    "it": "it", "its": "its",
    "they": "they", "them": "they", "their": "their", "theirs": "their",
})


def _is_aux_do(tokens: list[tuple[str, bool]], i: int) -> bool:
    word = tokens[i][0]
    if i + 1 >= len(tokens) or tokens[i + 1][1]:
        return False
    nxt = tokens[i + 1][0]
    if nxt == "not":
        return True
    after_wh = i > 0 and not tokens[i][1] and tokens[i - 1][0] in _WH
    if not (tokens[i][1] or after_wh):
        return False
    if nxt in _SUBJECTS:
        return True
    if word != "do" and nxt in ("it", "there"):
        return True
    return (word != "do" or after_wh) and nxt in _DETERMINERS


# --- rule 7: output -----------------------------------------------------------------


def _format(gloss: str) -> str:
    return "-".join(gloss.upper().split())


def _lookup(vocabulary: Mapping[str, str], key: str) -> str | None:
    gloss = vocabulary.get(key)
    if gloss and gloss.strip():
        return _format(gloss)
    return None


def text_to_glosses(sentence: str, vocabulary: Mapping[str, str] = _EMPTY) -> list[str]:
    """Gloss one English sentence as ASL glosses by the rules of this module.

    Args:
        sentence: any English text (one sentence or a few).
        vocabulary: a mapping from a normalised spoken phrase (lower-case words joined by
            single spaces, e.g. ``"thank you"``) to a lexicon gloss (``"THANK-YOU"``), usually
            built from a lexicon's ``words``/``glosses`` columns; ``None`` or empty means none.

    Returns:
        A list of upper-case glosses, multi-word glosses hyphenated; ``[]`` for empty or
        punctuation-only text. Deterministic.

    Raises:
        TypeError: ``sentence`` is not a ``str`` (the function is total on text).
    """
    vocab: Mapping[str, str] = vocabulary if vocabulary is not None else _EMPTY
    tokens = tokenise(normalise(sentence))
    if not tokens:
        return []
    words = [t for t, _ in tokens]
    lemmas = [lemma(w) for w in words]
    n = len(words)
    # clause_end[i]: index one past the last token of the clause holding token i
    clause_end = [n] * n
    end = n
    for k in range(n - 1, -1, -1):
        clause_end[k] = end
        if tokens[k][1]:
            end = k

    out: list[str] = []
    i = 0
    while i < n:
        # rule 3: multi-word phrases, longest first, within one clause
        if vocab:
            size = min(MAX_PHRASE_WORDS, clause_end[i] - i)
            gloss = None
            while size > 1:
                gloss = _lookup(vocab, " ".join(words[i:i + size]))
                if gloss is None:
                    span = lemmas[i:i + size]
                    if span != words[i:i + size]:
                        gloss = _lookup(vocab, " ".join(span))
                if gloss is not None:
                    break
                size -= 1
            if gloss is not None:
                out.append(gloss)
                i += size
                continue

        word = words[i]
        # rule 4: drop
        if (word in _ARTICLES or word in _BE or word == "to"
                or (word in _DO and _is_aux_do(tokens, i))):
            i += 1
            continue
        # rule 5: pronouns
        pronoun = PRONOUNS.get(word)
        if pronoun is not None:
            out.append((_lookup(vocab, pronoun) if vocab else None) or _format(pronoun))
            i += 1
            continue
        # rule 6: vocabulary by surface, then by lemma, else the lemma itself
        base = lemmas[i]
        gloss = (_lookup(vocab, word) or _lookup(vocab, base)) if vocab else None
        out.append(gloss or _format(base))
        i += 1
    return out
