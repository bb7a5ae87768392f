"""Back-translation: a pose-to-text transformer in the style of Sign Language Transformers.

Camgoz et al. (2020), "Sign Language Transformers: Joint End-to-end Sign Language Recognition
and Translation", as SLP papers use it to judge produced poses: frames in (any layout,
flattened and standardised by the training data's per-value mean and spread), a transformer
encoder over them with an optional CTC gloss head on its states (recognition), and a
transformer decoder that writes the spoken-language sentence (translation). The loss is the
text cross-entropy (optionally label-smoothed) plus ``gloss_weight`` times the CTC loss; decoding is
greedy or a beam search with Sign Language Transformers' length penalty.

Text is tokenised by a byte-level BPE trained on the training sentences (Hugging Face
``tokenizers``), so decoding gives back the text exactly, case and punctuation included.

A model folder holds ``config.json`` (:class:`BackTranslationConfig` plus the layout, values per
frame and the signkit version), ``model.safetensors`` (weights and the standardisation
statistics), ``tokenizer.json`` and, with a gloss head, ``glosses.txt`` (one gloss a line, class 1
first), written and read by :class:`BackTranslator`'s ``save_pretrained`` / ``from_pretrained``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from signkit.errors import SignkitError
from signkit.layers import sinusoidal
from signkit.modelfolder import ModelFolderMixin
from signkit.pose.sequence import Sequence, frames_of
from signkit.train import Output, TrainConfig

PAD, BOS, EOS = "<pad>", "<s>", "</s>"


@dataclass
class BackTranslationConfig:
    """Architecture and loss weights of the back-translation model (defaults: Sign Language
    Transformers' size, 3 + 3 layers of width 256 with 8 heads).

    Attributes:
        values: values per frame (PT-50: 150).
        vocabulary: text tokens (BPE, with PAD 0, BOS 1, EOS 2).
        glosses: gloss classes of the CTC head, blank 0 included (0: no gloss head).
        d_model, heads, encoder_layers, decoder_layers, feed_forward, dropout: the transformer's
            width of embeddings and states, attention heads, layers of each side, inner width of
            the feed-forward blocks and dropout rate.
        max_frames: longest input (frames) the positional encoding covers.
        max_tokens: longest output (tokens).
        layout: layout name of the training poses (informative).
        gloss_weight: weight of the CTC gloss loss.
        label_smoothing: label smoothing of the text cross-entropy.
    """

    values: int
    vocabulary: int
    glosses: int = 0
    d_model: int = 256
    heads: int = 8
    encoder_layers: int = 3
    decoder_layers: int = 3
    feed_forward: int = 1024
    dropout: float = 0.1
    max_frames: int = 2000
    max_tokens: int = 200
    layout: str = "pt50"
    gloss_weight: float = 1.0
    label_smoothing: float = 0.0


class BackTranslator(ModelFolderMixin, nn.Module):
    """The pose-to-text transformer (see the module docstring): pre-norm torch transformer
    layers, sinusoidal positions (Vaswani et al., 2017), an optional CTC gloss head.

    Buffers: ``mean`` and ``std`` (values,), the standardisation of input frames. Saved beside
    the weights: ``tokenizer`` (a ``tokenizers.Tokenizer``, ``tokenizer.json``) and ``glosses``
    (gloss -> CTC class, or None, ``glosses.txt``); set them before :meth:`save_pretrained`.
    """

    kind, description, config_class = "backtranslation", "back-translation model", BackTranslationConfig

    def __init__(self, config: BackTranslationConfig):
        super().__init__()
        self.config = config
        self.tokenizer, self.glosses = None, None
        self.register_buffer("mean", torch.zeros(config.values))
        self.register_buffer("std", torch.ones(config.values))
        self.frame_embedding = nn.Sequential(nn.Linear(config.values, config.d_model), nn.LayerNorm(config.d_model),
                                             nn.ReLU())  # fmt: skip
        self.token_embedding = nn.Embedding(config.vocabulary, config.d_model, padding_idx=0)
        self.register_buffer("positions", sinusoidal(max(config.max_frames, config.max_tokens) + 1, config.d_model),
                             persistent=False)  # fmt: skip
        layer = dict(d_model=config.d_model, nhead=config.heads, dim_feedforward=config.feed_forward,
                     dropout=config.dropout, batch_first=True, norm_first=True)  # fmt: skip
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(**layer), config.encoder_layers,
                                             norm=nn.LayerNorm(config.d_model), enable_nested_tensor=False)  # fmt: skip
        self.decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(**layer), config.decoder_layers,
                                             norm=nn.LayerNorm(config.d_model))  # fmt: skip
        self.dropout = nn.Dropout(config.dropout)
        self.output = nn.Linear(config.d_model, config.vocabulary)
        self.gloss_head = nn.Linear(config.d_model, config.glosses) if config.glosses else None

    def encode(self, frames, frame_mask):
        """frames (B, T, values), frame_mask (B, T) True on padding -> states (B, T, d_model)."""
        x = (frames - self.mean) / self.std
        x = self.frame_embedding(x) + self.positions[: x.shape[1]]
        return self.encoder(self.dropout(x), src_key_padding_mask=frame_mask)

    def decode(self, memory, frame_mask, tokens):
        """Next-token logits (B, L, vocabulary) for decoder input tokens (B, L), after the
        encoder states ``memory`` (B, T, d_model)."""
        y = self.token_embedding(tokens) * math.sqrt(self.config.d_model) + self.positions[: tokens.shape[1]]
        causal = torch.ones(tokens.shape[1], tokens.shape[1], dtype=torch.bool, device=tokens.device).triu(1)
        states = self.decoder(self.dropout(y), memory, tgt_mask=causal, tgt_key_padding_mask=tokens == 0,
                                          memory_key_padding_mask=frame_mask)  # fmt: skip
        return self.output(states)

    def forward(self, batch: dict) -> Output:
        """The training loss of a batch from :func:`collate`: text cross-entropy (teacher forcing,
        ``label_smoothing``) + ``gloss_weight`` x CTC (with a gloss head and gloss targets).

        Returns:
            ``loss`` the scalar, ``parts`` ``{"translation", "recognition"}`` (the second with
            the CTC term), ``outputs`` ``(logits (B, L - 1, vocabulary), gloss logits (B, T,
            glosses) or None)``.
        """
        config, tokens = self.config, batch["tokens"]
        memory = self.encode(batch["frames"], batch["frame_mask"])
        gloss_logits = self.gloss_head(memory) if self.gloss_head is not None else None
        logits = self.decode(memory, batch["frame_mask"], tokens[:, :-1])
        translation = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), tokens[:, 1:].reshape(-1),
                                      ignore_index=0, label_smoothing=config.label_smoothing)  # fmt: skip
        parts = {"translation": translation.item()}
        total = translation
        if gloss_logits is not None and "gloss_targets" in batch and config.gloss_weight > 0:
            log_probs = gloss_logits.float().log_softmax(-1).transpose(0, 1)  # (T, B, C)
            lengths = (~batch["frame_mask"]).sum(1)
            recognition = F.ctc_loss(log_probs, batch["gloss_targets"], lengths, batch["gloss_lengths"], blank=0,
                                     zero_infinity=True)  # fmt: skip
            total = total + config.gloss_weight * recognition
            parts["recognition"] = recognition.item()
        return Output(total, parts, (logits, gloss_logits))

    def save_assets(self, folder: Path) -> dict:
        """Write ``tokenizer.json`` and, with glosses, ``glosses.txt``."""
        self.tokenizer.save(str(folder / "tokenizer.json"))
        if self.glosses:
            glosses = sorted(self.glosses, key=self.glosses.get)
            (folder / "glosses.txt").write_text("\n".join(glosses) + "\n", encoding="utf-8")
        return {}

    def load_assets(self, folder: Path, meta: dict, device: str) -> None:
        """Read ``tokenizer.json`` and ``glosses.txt`` where there is one."""
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        if (folder / "glosses.txt").is_file():
            lines = (folder / "glosses.txt").read_text(encoding="utf-8").split()
            self.glosses = {gloss: i + 1 for i, gloss in enumerate(lines)}


def train_tokenizer(texts: list[str], vocabulary: int = 4000):
    """A byte-level BPE (Hugging Face ``tokenizers``) trained on ``texts``; PAD 0, BOS 1, EOS 2."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocabulary, special_tokens=[PAD, BOS, EOS], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())  # fmt: skip
    tokenizer.train_from_iterator(texts, trainer)
    return tokenizer


@dataclass
class Example:
    """One training pair: frames (T, values), text token ids with BOS/EOS, gloss ids (or None)."""

    frames: np.ndarray
    tokens: list[int]
    glosses: list[int] | None


def examples(sequences: list[Sequence], tokenizer, gloss_vocabulary: dict[str, int] | None,
             values: int) -> list[Example]:  # fmt: skip
    """Training pairs of sequences that carry a text.

    Raises:
        SignkitError: a sequence without text, or with another number of values per frame.
    """
    out = []
    for sequence in sequences:
        if not sequence.text:
            raise SignkitError(f"sequence {sequence.name} has no text (a .text sibling, or --texts)")
        frames = frames_of(sequence)
        if frames.shape[1] != values:
            raise SignkitError(f"sequence {sequence.name} has {frames.shape[1]} values a frame, the others {values}; "
                               "convert all to one layout (--layout pt50)")  # fmt: skip
        tokens = [1, *tokenizer.encode(sequence.text).ids, 2]
        glosses = None
        if gloss_vocabulary is not None:
            glosses = [gloss_vocabulary[g] for g in (sequence.gloss or "").split() if g in gloss_vocabulary]
        out.append(Example(frames, tokens, glosses))
    return out


def collate(batch: list[Example]) -> dict:
    """Pad a list of examples into tensors: frames (B, T, V), frame_mask (B, T) True on padding,
    tokens (B, L) with 0 padding, and, with glosses, CTC targets and lengths."""
    frames = max(len(e.frames) for e in batch)
    tokens = max(len(e.tokens) for e in batch)
    out = {
        "frames": torch.zeros(len(batch), frames, batch[0].frames.shape[1]),
        "frame_mask": torch.ones(len(batch), frames, dtype=torch.bool),
        "tokens": torch.zeros(len(batch), tokens, dtype=torch.long),
    }
    for i, example in enumerate(batch):
        out["frames"][i, : len(example.frames)] = torch.from_numpy(example.frames)
        out["frame_mask"][i, : len(example.frames)] = False
        out["tokens"][i, : len(example.tokens)] = torch.tensor(example.tokens)
    if batch[0].glosses is not None:
        out["gloss_targets"] = torch.tensor([g for e in batch for g in e.glosses], dtype=torch.long)
        out["gloss_lengths"] = torch.tensor([len(e.glosses) for e in batch], dtype=torch.long)
    return out


def translate(model: BackTranslator, sequences: list[Sequence], batch_size: int = 32, beam: int = 1,
              alpha: float = 1.0, device: str = "cpu") -> list[str]:  # fmt: skip
    """Back-translate sequences to text, batched.

    Args:
        model: a trained model with its tokenizer (:meth:`BackTranslator.from_pretrained`).
        sequences: poses with the model's values per frame.
        batch_size: sequences encoded together.
        beam: 1 for greedy decoding, else the beam width (scores: sum of log-probabilities
            divided by length ** ``alpha``, as in Sign Language Transformers).
        alpha: length penalty exponent for beam search.
        device: torch device.

    Returns:
        One sentence per sequence, in order, on one line (whitespace runs, newlines included,
        become one space).

    Raises:
        SignkitError: a sequence with another number of values per frame than the model's.
    """
    model.eval().to(device)
    texts = []
    for start in range(0, len(sequences), batch_size):
        chunk = sequences[start : start + batch_size]
        batch = collate([Example(_checked(s, model.config), [1], None) for s in chunk])
        frames, mask = batch["frames"].to(device), batch["frame_mask"].to(device)
        with torch.no_grad():
            memory = model.encode(frames, mask)
            if beam <= 1:
                ids = _greedy(model, memory, mask)
            else:
                ids = [_beam(model, memory[i : i + 1], mask[i : i + 1], beam, alpha) for i in range(len(chunk))]
        # one line per sequence, whatever bytes an undertrained model writes
        texts += [" ".join(model.tokenizer.decode(sentence).split()) for sentence in ids]
    return texts


def _checked(sequence: Sequence, config: BackTranslationConfig) -> np.ndarray:
    """The sequence's frames (brought to the model's layout when it is another with a conversion:
    slrtp178 to PT-50), checked against the model and cut to its ``max_frames``."""
    from signkit.pose.convert import CONVERSIONS

    if sequence.layout != config.layout and config.layout in CONVERSIONS:
        sequence = replace(sequence, pose=CONVERSIONS[config.layout](sequence.pose, sequence.name))
    frames = frames_of(sequence)
    if frames.shape[1] != config.values:
        raise SignkitError(f"sequence {sequence.name} has {frames.shape[1]} values a frame; the model reads "
                           f"{config.values} (convert with --layout pt50)")  # fmt: skip
    return frames[: config.max_frames]


def _greedy(model, memory, mask) -> list[list[int]]:
    """Greedy decoding of a batch: token ids without BOS, EOS and padding."""
    batch = memory.shape[0]
    tokens = torch.ones(batch, 1, dtype=torch.long, device=memory.device)
    done = torch.zeros(batch, dtype=torch.bool, device=memory.device)
    for _ in range(model.config.max_tokens):
        next_token = model.decode(memory, mask, tokens)[:, -1].argmax(-1)
        next_token = torch.where(done, torch.zeros_like(next_token), next_token)
        tokens = torch.cat([tokens, next_token[:, None]], 1)
        done |= next_token == 2
        if done.all():
            break
    return [[t for t in row[1:].tolist() if t > 2] for row in tokens]


def _beam(model, memory, mask, width: int, alpha: float) -> list[int]:
    """Beam search for one sequence (memory (1, T, d_model)): the best token ids."""
    beams = [([1], 0.0)]
    finished: list[tuple[list[int], float]] = []
    for _ in range(model.config.max_tokens):
        tokens = torch.tensor([b[0] for b in beams], device=memory.device)
        logp = model.decode(memory.expand(len(beams), -1, -1), mask.expand(len(beams), -1), tokens)[:, -1]
        logp = logp.float().log_softmax(-1)
        candidates = []
        for (ids, score), row in zip(beams, logp):
            top = row.topk(width)
            candidates += [(ids + [int(t)], score + float(v)) for v, t in zip(top.values, top.indices)]
        candidates.sort(key=lambda c: c[1], reverse=True)
        beams = []
        for ids, score in candidates:
            if ids[-1] == 2:
                finished.append((ids, score / (len(ids) - 1) ** alpha))
            elif len(beams) < width:
                beams.append((ids, score))
            if len(beams) == width:
                break
        # Stop when no live beam could still beat the best finished one on the normalised score.
        if not beams or (finished and max(f[1] for f in finished) >= max(b[1] / (len(b[0]) - 1) ** alpha for b in beams)):
            break
    finished += [(ids, score / (len(ids) - 1) ** alpha) for ids, score in beams]
    best = max(finished, key=lambda f: f[1])[0]
    return [t for t in best[1:] if t > 2]


def backtranslate(sequences: list[Sequence], model_folder: str | Path, *, batch_size: int = 32, beam: int = 1,
                  device: str = "cpu") -> list[str]:  # fmt: skip
    """Back-translate sequences to text with a model folder from ``train-bt`` (see :func:`translate`).

    Args:
        sequences: signing in the model's layout, pose (frames, 1, points, dims).
        model_folder: a folder written by :func:`train_bt`.
        batch_size: sequences decoded together.
        beam: beam width (1: greedy).
        device: torch device.

    Returns:
        One sentence per sequence, in order.

    Raises:
        SignkitError: not a back-translation model folder, unreadable files, or a sequence with
            another number of values per frame than the model's.
    """
    model = BackTranslator.from_pretrained(model_folder, device)
    return translate(model, sequences, batch_size=batch_size, beam=beam, device=device)


def train_bt(files: list[str], dev: str | None, model_config: BackTranslationConfig, config: TrainConfig, *,
             vocabulary: int = 4000, source_format: str | None = None, options: dict | None = None) -> dict:  # fmt: skip
    """Train a back-translation model on poses with texts and write its model folder.

    Args:
        files: training pose files (.skels with .text and optional .gloss, .h5, .pose), one layout.
        dev: a development pose file with texts (greedy decoding, corpus BLEU-4 with sacrebleu's
            defaults picks the best model), or None.
        model_config: the :class:`BackTranslationConfig`; ``values``, ``vocabulary``,
            ``glosses`` (a CTC head when ``gloss_weight`` > 0 and every sequence has glosses),
            ``max_frames`` and ``max_tokens`` (at least 2000 and 200, else the longest training
            example) and ``layout`` are set from the data.
        config: the shared loop's settings (``output_dir`` is the model folder).
        vocabulary: largest BPE vocabulary.
        source_format: input format name, or None for the suffix or sniffing.
        options: the resolved options, saved in ``config.json``.

    Returns:
        :func:`signkit.train.train`'s result; ``best`` is the best dev BLEU-4.

    Raises:
        SignkitError: no training sequences, a sequence without text, mixed layouts.
    """
    from dataclasses import replace

    from signkit.evaluate.scores import bleu
    from signkit.pose.io import read_sequences
    from signkit.train import train

    sequences = [s for file in files for s in read_sequences(file, source_format)]
    dev_sequences = list(read_sequences(dev, source_format)) if dev else []
    if not sequences:
        raise SignkitError(f"{', '.join(files)}: no sequences")
    tokenizer = train_tokenizer([s.text or "" for s in sequences], vocabulary)
    glosses = None
    if model_config.gloss_weight > 0 and all(s.gloss for s in sequences):
        glosses = {g: i + 1 for i, g in enumerate(sorted({g for s in sequences for g in s.gloss.split()}))}
    values = frames_of(sequences[0]).shape[1]
    train_examples = examples(sequences, tokenizer, glosses, values)
    longest = max(len(e.frames) for e in train_examples)
    model_config = replace(model_config, values=values, vocabulary=tokenizer.get_vocab_size(),
                           glosses=len(glosses) + 1 if glosses else 0, max_frames=max(2000, longest),
                           max_tokens=max(200, *(len(e.tokens) for e in train_examples)),
                           layout=sequences[0].layout)  # fmt: skip
    torch.manual_seed(config.seed)
    model = BackTranslator(model_config)
    model.tokenizer, model.glosses = tokenizer, glosses
    stacked = np.concatenate([e.frames for e in train_examples])
    model.mean.copy_(torch.from_numpy(stacked.mean(0)))
    model.std.copy_(torch.from_numpy(np.maximum(stacked.std(0), 1e-3)))

    def save(model, folder):
        model.save_pretrained(folder, options or {})

    def validate(model):
        hypotheses = translate(model, dev_sequences, batch_size=config.batch_size,
                               device=next(model.parameters()).device.type)  # fmt: skip
        return {"bleu4": bleu(hypotheses, [[s.text or "" for s in dev_sequences]]).score}

    return train(config, model, train_examples, collate, validate=validate if dev_sequences else None, save=save,
                 metric="bleu4", greater_is_better=True)  # fmt: skip
