"""SLUL, Stable Signer's text-to-gloss stage: a T5 encoder-decoder that turns a sentence into glosses.

Fang et al., "Stable Signer" (Sign Language Understanding Linker). The model is
``transformers.T5ForConditionalGeneration`` built from a :class:`SLULConfig` (no download). Its
:class:`Vocabulary` has two parts in one id space: ``<pad>`` 0 (also T5's decoder start),
``</s>`` 1, ``<unk>`` 2, ``<mask>`` 3, then one id for each gloss of the training glosses
(word-level: a gloss is one token, as PHOENIX14T's 1,085 gloss types allow), then a byte-level
BPE (Hugging Face ``tokenizers``) trained on the training sentences. Sentences are read as
written, glosses as written (PHOENIX14T: lower-case German in, upper-case DGS glosses out). The
encoder and the decoder's input share one embedding of the whole vocabulary; the output layer
(untied) scores only the special tokens and the glosses, which costs a seventh of a joint
8,000-token output and can write nothing but a training gloss. Decoded glosses are joined by
single spaces.

Training loss, each term but the first switchable by its weight (:class:`SLULConfig`)::

    L = CE(glosses | sentence) + sagm * CE(glosses | masked sentence)
        + kl * KL(p(. | sentence) || p(. | masked sentence)) + contrastive * InfoNCE(sentence, glosses)

- CE: token cross-entropy of the gloss sequence (teacher forcing), optionally label-smoothed.
- SAGM, Semantic-Aware Gloss Masking (Stable Signer names it without a rule; this one is ours):
  each source word w gets a semantic weight s(w) in [0, 1], how strongly it carries one of the
  sentence's glosses: the longest common prefix of w and a gloss, both lower-cased with umlauts
  and ß spelt as PHOENIX14T's glosses spell them (ae, oe, ue, ss) and compound glosses split at
  "-", divided by the longer of the two, maximised over the glosses, and 0 below 3 letters
  (regnet ~ REGEN 0.50, nordwesten ~ NORDWEST 0.80, morgen ~ MORGEN 1). Each word is replaced
  by one ``<mask>`` token with probability ``mask_rate * s(w)``, drawn anew every step, and the
  model must still write all the glosses: it learns to recover a gloss from the context when
  the word that names it is gone.
- KL: the divergence of the masked sentence's gloss-token distributions from the unmasked
  ones (held fixed), averaged over gloss tokens: the two predictions are kept consistent.
- Contrastive: InfoNCE over the batch (symmetric, ``temperature``) between the mean-pooled
  encoder states of each sentence and of its gloss sequence read by the same encoder, so
  that a sentence and its glosses meet in one semantic space.

Sentences, masked sentences and gloss sequences go through the encoder as one batch, the
sentences and masked sentences on through the decoder (the contrastive loss reads only the
gloss sequences' encoder states), in one call of the model per step (as distributed training
needs). Decoding: :func:`beam_search`, ``transformers``' ``generate`` step for step, of one model or
an ensemble of several (their probabilities averaged), with a length penalty and a word reward.

A model folder holds ``config.json`` (``{"model": "t2g", "config": SLULConfig, "signkit":
version, "options": ...}``), ``model.safetensors`` (the T5 model's weights), ``tokenizer.json``
(the sentences' BPE) and ``glosses.txt`` (the glosses in id order, one a line), written and read
by :class:`SLUL`'s ``save_pretrained`` / ``from_pretrained``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from signkit import log
from signkit.errors import SignkitError
from signkit.modelfolder import ModelFolderMixin
from signkit.train import Output

SPECIALS = ("<pad>", "</s>", "<unk>", "<mask>")  # ids 0-3


@dataclass
class SLULConfig:
    """Size of the SLUL model (a T5 configuration) and its training switches.

    Attributes:
        vocabulary: ids of the whole :class:`Vocabulary` (the encoder's and decoder's inputs).
        outputs: ids the decoder writes: the four special tokens and the glosses.
        d_model: width of embeddings and states.
        feed_forward: inner width of the feed-forward blocks.
        heads: attention heads (each ``d_model / heads`` wide).
        encoder_layers: encoder layers.
        decoder_layers: decoder layers.
        dropout: dropout rate.
        label_smoothing: label smoothing of the cross-entropy.
        sagm: weight of the Semantic-Aware Gloss Masking loss (0: off).
        mask_rate: SAGM's masking probability of a word of semantic weight 1.
        kl: weight of the KL term between the masked and unmasked predictions (0: off).
        contrastive: weight of the sentence-gloss contrastive loss (0: off).
        temperature: temperature of the contrastive loss.
        max_source: longest sentence (tokens; longer ones are cut).
        max_glosses: longest gloss sequence (tokens) decoded.
    """

    vocabulary: int
    outputs: int
    d_model: int = 256
    feed_forward: int = 1024
    heads: int = 4
    encoder_layers: int = 3
    decoder_layers: int = 3
    dropout: float = 0.1
    label_smoothing: float = 0.1
    sagm: float = 0.0
    mask_rate: float = 0.5
    kl: float = 0.0
    contrastive: float = 0.0
    temperature: float = 0.1
    max_source: int = 128
    max_glosses: int = 64


class SLUL(ModelFolderMixin, nn.Module):
    """SLUL: ``transformers.T5ForConditionalGeneration`` built from a :class:`SLULConfig` (randomly
    initialised, nothing downloaded) as ``t5``, its output layer scoring the ``outputs`` first ids
    only, and its training loss (see the module docstring).

    Saved beside the weights: ``vocabulary`` (a :class:`Vocabulary`: ``tokenizer.json`` and
    ``glosses.txt``); set it before :meth:`save_pretrained`.
    """

    kind, description, config_class = "t2g", "text-to-gloss model", SLULConfig

    def __init__(self, config: SLULConfig):
        from transformers import T5Config, T5ForConditionalGeneration

        super().__init__()
        self.config = config
        self.vocabulary = None
        t5 = T5Config(vocab_size=config.vocabulary, d_model=config.d_model, d_kv=config.d_model // config.heads,
                      d_ff=config.feed_forward, num_layers=config.encoder_layers,
                      num_decoder_layers=config.decoder_layers, num_heads=config.heads, dropout_rate=config.dropout,
                      pad_token_id=0, eos_token_id=1, decoder_start_token_id=0, tie_word_embeddings=False)  # fmt: skip
        self.t5 = T5ForConditionalGeneration(t5)
        # the decoder writes glosses only: its output layer scores the specials and the glosses
        self.t5.lm_head = nn.Linear(config.d_model, config.outputs, bias=False)
        self.t5.lm_head.weight.data.normal_(0.0, config.d_model**-0.5)

    def weights_module(self):
        """The T5 model: ``model.safetensors`` holds its weights under T5's own names."""
        return self.t5

    def forward(self, batch: dict) -> Output:
        """The training loss of a batch from :func:`collate`: sentences, masked sentences and
        glosses stacked into one batch through T5's encoder, the sentences and masked sentences
        on through its decoder (the gloss sequences' encoder states are all the contrastive
        loss reads), in one call of this module (as distributed training needs).

        Returns:
            ``loss`` the scalar, ``parts`` ``{"cross_entropy", "sagm", "kl", "contrastive"}``
            (the terms that are on) as floats, ``outputs`` T5's output on the decoded sources
            (logits (D * B, L, outputs), D 1 or 2: sentences, then masked sentences).
        """
        config, labels = self.config, batch["labels"]
        sources = [batch["input_ids"]] + [batch[k] for k in ("masked_ids", "gloss_ids") if k in batch]
        width = max(x.shape[1] for x in sources)
        input_ids = torch.cat([F.pad(x, (0, width - x.shape[1])) for x in sources])
        attention_mask = input_ids != 0
        states = self.t5.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        decoded = (len(sources) - ("gloss_ids" in batch)) * len(labels)
        # T5's decoder input: the decoder start (<pad>), then the labels shifted right
        decoder_input_ids = torch.cat([torch.zeros_like(labels[:, :1]), labels[:, :-1].clamp(min=0)], dim=1)
        output = self.t5(encoder_outputs=(states[:decoded],), attention_mask=attention_mask[:decoded],
                         decoder_input_ids=decoder_input_ids.repeat(decoded // len(labels), 1))  # fmt: skip
        logits = output.logits.float().split(len(labels))
        real = labels != -100

        def cross_entropy(part):
            return F.cross_entropy(part.flatten(0, 1), labels.flatten(), ignore_index=-100,
                                   label_smoothing=config.label_smoothing)  # fmt: skip

        total = cross_entropy(logits[0])
        parts = {"cross_entropy": total.item()}
        if "masked_ids" in batch:
            if config.sagm > 0:
                sagm = cross_entropy(logits[1])
                total = total + config.sagm * sagm
                parts["sagm"] = sagm.item()
            if config.kl > 0:
                full, masked = logits[0].log_softmax(-1).detach(), logits[1].log_softmax(-1)
                kl = (full.exp() * (full - masked)).sum(-1)[real].mean()
                total = total + config.kl * kl
                parts["kl"] = kl.item()
        if "gloss_ids" in batch:
            states = states.float().split(len(labels))
            mask = attention_mask.split(len(labels))

            def pooled(i):
                weights = mask[i][..., None].float()
                return F.normalize((states[i] * weights).sum(1) / weights.sum(1), dim=-1)

            similarity = pooled(0) @ pooled(len(sources) - 1).T / config.temperature
            targets = torch.arange(len(labels), device=similarity.device)
            contrastive = (F.cross_entropy(similarity, targets) + F.cross_entropy(similarity.T, targets)) / 2
            total = total + config.contrastive * contrastive
            parts["contrastive"] = contrastive.item()
        return Output(total, parts, output)

    def save_assets(self, folder: Path) -> dict:
        """Write the vocabulary: ``tokenizer.json`` and ``glosses.txt``."""
        self.vocabulary.save(folder)
        return {}

    def load_assets(self, folder: Path, meta: dict, device: str) -> None:
        """Read the vocabulary: ``tokenizer.json`` and ``glosses.txt``."""
        self.vocabulary = Vocabulary.load(folder)


class Vocabulary:
    """SLUL's ids: ``<pad>`` 0, ``</s>`` 1, ``<unk>`` 2, ``<mask>`` 3, then one id a gloss (4 ..
    ``outputs`` - 1, in the order of ``glosses``), then the sentences' byte-level BPE (its tokens
    above its own four specials, shifted past the glosses).

    Args:
        sentences: the BPE, a ``tokenizers.Tokenizer`` with the four specials as ids 0-3.
        glosses: the gloss vocabulary in id order.

    Attributes:
        outputs: 4 + the number of glosses: the ids the decoder writes.
        size: every id (the embedding's rows).
    """

    def __init__(self, sentences, glosses: list[str]):
        self.sentences, self.glosses = sentences, list(glosses)
        self.outputs = len(SPECIALS) + len(self.glosses)
        self.size = self.outputs + sentences.get_vocab_size() - len(SPECIALS)
        self._ids = {gloss: i for i, gloss in enumerate(self.glosses, len(SPECIALS))}

    @classmethod
    def train(cls, pairs: list[tuple[str, str]], size: int = 8000) -> "Vocabulary":
        """The vocabulary of (sentence, glosses) pairs: a BPE of at most ``size`` tokens trained on
        the sentences, and every gloss written in them (the most frequent first, ties by name)."""
        from collections import Counter

        from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

        tokenizer = Tokenizer(models.BPE())
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
        tokenizer.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=size, special_tokens=list(SPECIALS), show_progress=False,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet())  # fmt: skip
        tokenizer.train_from_iterator([text for text, _ in pairs], trainer)
        counts = Counter(gloss for _, glosses in pairs for gloss in glosses.split())
        return cls(tokenizer, sorted(counts, key=lambda gloss: (-counts[gloss], gloss)))

    def _shift(self, ids: list[int]) -> list[int]:
        return [i + len(self.glosses) if i >= len(SPECIALS) else i for i in ids]

    def encode_words(self, words: list[str]) -> list[list[int]]:
        """The ids of each word of a sentence (a list of ids a word)."""
        return [self._shift(encoding.ids) for encoding in self.sentences.encode_batch(words)]

    def encode_sentence(self, sentence: str) -> list[int]:
        """The ids of a sentence."""
        return self._shift(self.sentences.encode(sentence).ids)

    def encode_glosses(self, line: str) -> list[int]:
        """The ids of a line of space-separated glosses (``<unk>`` for a gloss not in the vocabulary)."""
        return [self._ids.get(gloss, 2) for gloss in line.split()]

    def decode_glosses(self, ids: list[int]) -> str:
        """Gloss ids to a line of glosses joined by single spaces (other ids are left out)."""
        return " ".join(self.glosses[i - len(SPECIALS)] for i in ids if len(SPECIALS) <= i < self.outputs)

    def save(self, folder: Path) -> None:
        """Write ``folder/tokenizer.json`` and ``folder/glosses.txt``."""
        self.sentences.save(str(folder / "tokenizer.json"))
        (folder / "glosses.txt").write_text("".join(f"{gloss}\n" for gloss in self.glosses), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "Vocabulary":
        """Read what :meth:`save` wrote.

        Raises:
            OSError, ValueError: a missing or unreadable file (the model folder's reader names it).
        """
        from tokenizers import Tokenizer

        return cls(Tokenizer.from_file(str(folder / "tokenizer.json")),
                   (folder / "glosses.txt").read_text(encoding="utf-8").split())  # fmt: skip


def read_pairs(path: str | Path) -> list[tuple[str, str]]:
    """(sentence, glosses) pairs of a PHOENIX14T annotation CSV (``id|signer|annotation|translation``).

    Raises:
        SignkitError: an unreadable file, other columns, or a row without glosses or sentence.
    """
    from signkit.text.annotations import read_texts

    pairs = []
    for name, (text, gloss) in read_texts(Path(path)).items():
        if not text or not text.strip() or not gloss or not gloss.strip():
            raise SignkitError(f"{path}: sentence {name} has no {'glosses' if text else 'text'}; "
                               "text-to-gloss needs PHOENIX14T-style rows with both")  # fmt: skip
        pairs.append((text.strip(), " ".join(gloss.split())))
    if not pairs:
        raise SignkitError(f"{path}: no sentences")
    return pairs


_SPELLING = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def semantic_weights(sentence: str, glosses: str) -> list[float]:
    """SAGM's semantic weight of each whitespace word of ``sentence`` (see the module docstring)."""
    parts = [part for gloss in glosses.lower().split() for part in gloss.split("-") if part]
    weights = []
    for word in sentence.lower().translate(_SPELLING).split():
        best = 0.0
        for part in parts:
            common = len(os.path.commonprefix([word, part]))
            if common >= 3:
                best = max(best, common / max(len(word), len(part)))
        weights.append(best)
    return weights


@dataclass
class Example:
    """One training pair: the sentence's words as token ids (one list a word), their SAGM
    weights, the gloss token ids (ending in ``</s>``), and the glosses read as a source."""

    words: list[list[int]]
    weights: list[float]
    target: list[int]
    gloss_source: list[int]


def examples(pairs: list[tuple[str, str]], vocabulary: Vocabulary, config: SLULConfig) -> list[Example]:
    """Training examples of (sentence, glosses) pairs, cut to the config's lengths."""
    out = []
    for text, gloss in pairs:
        words = vocabulary.encode_words(text.split())
        target = vocabulary.encode_glosses(gloss)[: config.max_glosses - 1] + [1]
        out.append(Example(words, semantic_weights(text, gloss), target, target[:-1][: config.max_source - 1] + [1]))
    return out


def _source(words: list[list[int]], config: SLULConfig) -> list[int]:
    return [t for word in words for t in word][: config.max_source - 1] + [1]


def _pad(rows: list[list[int]], value: int):
    """Rows of ids as a (len(rows), longest) long tensor, ``value`` after each row."""
    out = torch.full((len(rows), max(len(r) for r in rows)), value, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, : len(row)] = torch.tensor(row)
    return out


def collate(batch: list[Example], config: SLULConfig) -> dict:
    """Pad a batch: ``input_ids`` and ``attention_mask`` (B, S), ``labels`` (B, L) with -100 on
    padding; with SAGM or KL on, ``masked_ids`` (B, S'), each word replaced by ``<mask>`` with
    probability ``mask_rate`` times its weight (torch's random state); with the contrastive loss
    on, ``gloss_ids`` (B, L') the glosses as a source."""
    out = {"input_ids": _pad([_source(e.words, config) for e in batch], 0),
           "labels": _pad([e.target for e in batch], -100)}  # fmt: skip
    out["attention_mask"] = out["input_ids"] != 0
    if config.sagm > 0 or config.kl > 0:
        masked = []
        for e in batch:
            draw = torch.rand(len(e.words)).tolist()
            masked.append(_source([[3] if r < config.mask_rate * w else word for word, w, r in zip(e.words, e.weights, draw)],
                                  config))  # fmt: skip
        out["masked_ids"] = _pad(masked, 0)
    if config.contrastive > 0:
        out["gloss_ids"] = _pad([e.gloss_source for e in batch], 0)
    return out


def beam_search(models: list[SLUL], input_ids: torch.Tensor, *, beam: int = 4, length_penalty: float = 1.0,
                word_reward: float = 0.0, max_glosses: int = 64) -> list[list[int]]:  # fmt: skip
    """Beam search of one model or an ensemble: at each step the models' next-gloss distributions
    are averaged (the mean of their probabilities, as fairseq's ensembles average them) and
    searched as ``transformers``' ``generate`` searches one model, step for step (its
    ``_beam_search``: the 2 x ``beam`` best continuations, a hypothesis finished by ``</s>`` kept
    among the ``beam`` best finished ones with its log-probability divided by its length (glosses
    + ``</s>``) to the power ``length_penalty``, a sentence done once no running hypothesis can
    beat its worst finished one at the current length, every hypothesis finished at
    ``max_glosses``), so that one model decodes exactly as ``generate`` decodes it. ``beam`` 1 is
    greedy search (no length penalty). A word reward (Murray & Chiang, "Correcting Length Bias in
    Neural Machine Translation", WMT 2018) adds ``word_reward`` nats to every continuation but
    ``</s>``: a hypothesis scores ``log p + word_reward * glosses``, which counters the short
    output of a model that ends too early.

    Args:
        models: one or more SLUL models of one vocabulary, in evaluation mode on one device.
        input_ids: (sentences, tokens) source ids ending in ``</s>`` (1), padded with 0.
        beam: beam width (1: greedy).
        length_penalty: exponent of the length normalisation of finished hypotheses (beam > 1).
        word_reward: nats added for each gloss written (0: none).
        max_glosses: most tokens written, ``</s>`` included.

    Returns:
        The ids each sentence's best hypothesis writes (its glosses, then ``</s>`` unless it
        reached ``max_glosses``), one list a sentence.
    """
    from transformers.cache_utils import DynamicCache, EncoderDecoderCache

    sentences, width = input_ids.shape[0], 2 * beam
    penalty = length_penalty if beam > 1 else 0.0
    attention = (input_ids != 0).repeat_interleave(beam, 0)
    encoded = [(m.t5.get_encoder()(input_ids=input_ids, attention_mask=input_ids != 0).last_hidden_state
                .repeat_interleave(beam, 0),) for m in models]  # fmt: skip
    caches = [EncoderDecoderCache(DynamicCache(), DynamicCache()) for _ in models]
    running = torch.zeros(sentences, beam, max_glosses + 1, dtype=torch.long)  # position 0: the decoder start
    scores = torch.zeros(sentences, beam)
    scores[:, 1:] = -1.0e9  # the beams start as one hypothesis
    finished = running.clone()
    finished_scores = torch.full((sentences, beam), -1.0e9)
    is_finished = torch.zeros(sentences, beam, dtype=torch.bool)
    improvable = torch.ones(sentences, 1, dtype=torch.bool)
    top = torch.arange(width) < beam  # only the beam best continuations may finish
    offset = torch.arange(sentences)[:, None] * beam
    for length in range(1, max_glosses + 1):  # glosses written after this step, </s> included
        last = running[:, :, length - 1].reshape(-1, 1).to(input_ids.device)
        steps = [F.log_softmax(m.t5(encoder_outputs=e, attention_mask=attention, decoder_input_ids=last,
                                    cache=c, use_cache=True).logits[:, -1].float(), dim=-1)
                 for m, e, c in zip(models, encoded, caches)]  # fmt: skip
        log_probs = (torch.logsumexp(torch.stack(steps), 0) - math.log(len(models))).cpu()
        if word_reward:
            log_probs[:, 2:] += word_reward
            log_probs[:, 0] += word_reward
        outputs = log_probs.shape[-1]
        totals = (scores[:, :, None] + log_probs.view(sentences, beam, outputs)).view(sentences, -1)
        top_scores, top_ids = totals.topk(width)
        sources, tokens = top_ids // outputs, top_ids % outputs
        candidates = running.gather(1, sources[:, :, None].expand(-1, -1, running.shape[-1])).clone()
        candidates[:, :, length] = tokens
        ends = (tokens == 1) | (length == max_glosses)
        # the running hypotheses of the next step: the best continuations that did not end
        keep = (top_scores - ends.float() * 1.0e9).topk(beam).indices
        running = candidates.gather(1, keep[:, :, None].expand(-1, -1, running.shape[-1]))
        scores = (top_scores - ends.float() * 1.0e9).gather(1, keep)
        # the finished ones: the best beam of the old and the just ended, length-normalised
        normalised = top_scores / length**penalty - (~(ends & top & improvable)).float() * 1.0e9
        merged = torch.cat((finished_scores, normalised), 1).topk(beam).indices
        finished = torch.cat((finished, candidates), 1).gather(1, merged[:, :, None].expand(-1, -1, running.shape[-1]))
        finished_scores = torch.cat((finished_scores, normalised), 1).gather(1, merged)
        is_finished = torch.cat((is_finished, ends & top), 1).gather(1, merged)
        beams = (sources.gather(1, keep) + offset).view(-1).to(input_ids.device)
        for cache in caches:
            cache.reorder_cache(beams)
        worst = torch.where(is_finished, finished_scores.min(1, keepdim=True).values, -1.0e9)
        improvable &= (scores[:, :1] / length**penalty > worst).any(1, keepdim=True)
        if not improvable.any() or bool(ends.all()):
            break
    best = finished[:, 0, 1:].tolist()
    return [ids[: ids.index(1) + 1] if 1 in ids else ids for ids in best]


def translate(models: SLUL | list[SLUL], sentences: list[str], *, beam: int = 4, length_penalty: float = 1.0,
              word_reward: float = 0.0, batch_size: int = 32, device: str = "cpu",
              on_batch=None) -> list[str]:  # fmt: skip
    """Sentences to gloss lines with :func:`beam_search` of one model or an ensemble, batched.

    Args:
        models: a model from :meth:`SLUL.from_pretrained` (or training), with its vocabulary, or
            several of one vocabulary (an ensemble: :func:`ensemble`).
        sentences: one sentence each; an empty one gives an empty gloss line.
        beam: beam width (1: greedy).
        length_penalty: exponent of the length normalisation of beam scores (beam > 1 only).
        word_reward: nats added to a hypothesis's score for each gloss it writes (0: none).
        batch_size: sentences decoded together.
        device: torch device.
        on_batch: called with the number of sentences of each decoded batch.

    Returns:
        One line of space-separated glosses per sentence, in order.
    """
    models = [models] if isinstance(models, SLUL) else list(models)
    config, vocabulary = models[0].config, models[0].vocabulary
    for model in models:
        model.eval().to(device)
    out = []
    for first in range(0, len(sentences), batch_size):
        chunk = sentences[first : first + batch_size]
        sources = [vocabulary.encode_sentence(s.strip())[: config.max_source - 1] + [1] for s in chunk]
        with torch.no_grad():
            written = beam_search(models, _pad(sources, 0).to(device), beam=beam, length_penalty=length_penalty,
                                  word_reward=word_reward, max_glosses=config.max_glosses)  # fmt: skip
        for sentence, ids in zip(chunk, written):
            out.append(vocabulary.decode_glosses(ids) if sentence.strip() else "")
        if on_batch is not None:
            on_batch(len(chunk))
    return out


def ensemble(folders: list[str | Path], device: str = "cpu") -> list[SLUL]:
    """The models of several ``train-t2g`` folders, checked to share one vocabulary (the same
    sentence BPE and glosses in the same order, as trainings on the same data with different
    seeds write them), for :func:`translate` to decode as an ensemble.

    Raises:
        SignkitError: a folder is not a text-to-gloss model, or its vocabulary differs from the
            first folder's (naming both).
    """
    models = [SLUL.from_pretrained(folder, device) for folder in folders]
    first = models[0].vocabulary
    for folder, model in zip(folders[1:], models[1:]):
        other = model.vocabulary
        if other.glosses != first.glosses or other.sentences.to_str() != first.sentences.to_str():
            raise SignkitError(f"{folder}: its vocabulary differs from {folders[0]}'s: an ensemble's models must "
                               "share one (trained on the same sentences and glosses)")
    return models


def t2g(sentences: list[str], model_folders: str | Path | list[str | Path], *, beam: int = 4,
        length_penalty: float = 1.0, word_reward: float = 0.0, batch_size: int = 32,
        device: str = "cpu") -> list[str]:  # fmt: skip
    """Sentences to gloss lines with a model folder from ``train-t2g``, or an ensemble of several
    (see :func:`translate`), with a progress bar on standard error.

    Args:
        sentences: spoken-language sentences, one per item.
        model_folders: a folder written by :func:`train_t2g`, or a list of them (an ensemble).
        beam: beam width. length_penalty: exponent of the length normalisation of beam scores.
        word_reward: nats a written gloss adds to a hypothesis's score (:func:`beam_search`).
        batch_size: sentences decoded together.
        device: torch device.

    Returns:
        One line of space-separated glosses per sentence, in order.

    Raises:
        SignkitError: not a text-to-gloss model folder, unreadable files, or an ensemble's
            vocabularies differ.
    """
    folders = model_folders if isinstance(model_folders, list) else [model_folders]
    models = ensemble(folders, device)
    with log.progress("t2g", total=len(sentences), unit="sentences") as advance:
        return translate(models, sentences, beam=beam, length_penalty=length_penalty, word_reward=word_reward,
                         batch_size=batch_size, device=device, on_batch=advance)  # fmt: skip


def train_t2g(files: list[str], dev: str | None, model_config: SLULConfig, config, *, vocabulary: int = 8000,
              options: dict | None = None) -> dict:  # fmt: skip
    """Train SLUL on sentence-gloss pairs and write its model folder.

    Args:
        files: PHOENIX14T-style annotation CSVs (``id|signer|annotation|translation``).
        dev: a development CSV (greedy decoding, corpus BLEU-4 of the glosses with sacrebleu's
            defaults picks the best model), or None.
        model_config: the :class:`SLULConfig`; its ``vocabulary`` and ``outputs`` are set from
            the :class:`Vocabulary` of the training pairs.
        config: the shared loop's :class:`signkit.train.TrainConfig` (``output_dir`` is the folder).
        vocabulary: largest BPE vocabulary of the sentences.
        options: the resolved options, saved in ``config.json``.

    Returns:
        :func:`signkit.train.train`'s result; ``best`` is the best dev BLEU-4.

    Raises:
        SignkitError: unreadable or gloss-less files.
    """
    from dataclasses import replace
    from functools import partial

    from signkit.evaluate.scores import bleu
    from signkit.train import train

    pairs = [pair for file in files for pair in read_pairs(file)]
    dev_pairs = read_pairs(dev) if dev else []
    vocabulary = Vocabulary.train(pairs, vocabulary)
    model_config = replace(model_config, vocabulary=vocabulary.size, outputs=vocabulary.outputs)
    torch.manual_seed(config.seed)
    model = SLUL(model_config)
    model.vocabulary = vocabulary

    def validate(model):
        device = next(model.parameters()).device.type
        hypotheses = translate(model, [t for t, _ in dev_pairs], beam=1, batch_size=config.batch_size,
                               device=device)  # fmt: skip
        return {"bleu4": bleu(hypotheses, [[g for _, g in dev_pairs]]).score}

    def save(model, folder):
        model.save_pretrained(folder, options or {})

    train_examples = examples(pairs, vocabulary, model_config)
    lengths = [sum(map(len, e.words)) + len(e.target) for e in train_examples]
    return train(config, model, train_examples, partial(collate, config=model_config),
                 validate=validate if dev_pairs else None, save=save, metric="bleu4", greater_is_better=True,
                 lengths=lengths)  # fmt: skip
