"""SignDiff's text-to-pose transformer (ASL-SLP / Fast-SLP), in the line of Progressive Transformers.

Fang et al., "SignDiff: Diffusion Models for American Sign Language Production" (Table 3), on
Saunders et al. (2020), "Progressive Transformers for End-to-End Sign Language Production"
(ECCV; reference code ``BenSaunders27/ProgressiveTransformersSLP``). An encoder over source
tokens (words or glosses) and a decoder over continuous frames: each decoder input is the
previous frame's ``values`` joint numbers plus its counter, the output the next frame and its
counter, and decoding runs frame by frame until the counter reaches 1.

The counter of frame ``i`` (0-based) of a T-frame sequence is ``(i + 1) / T``: 1 on the last
frame. Decoding stops after the first frame ``i`` whose predicted counter exceeds
``1 - 1 / (2 (i + 1))``, the point halfway between the counters a last and a second-to-last
frame ``i`` would have, so a perfect counter stops exactly at T frames. The first decoder input
is a start frame: the mean first frame of the training data with counter 0 (Progressive
Transformers feeds the ground truth's first frame, which a user does not have).

SignDiff's additions, each a :class:`T2PConfig` field (and a ``train-t2p`` option):

- **Future Prediction** (``future_prediction`` K): each step's target is the next frame and the
  K frames after it (``values * (K + 1)`` numbers, then the counter); decoding uses the first.
- **Gaussian Noise** (``gaussian_noise`` rate r): in training only, the decoder's input joint
  values get noise N(0, (r sigma_v)^2), sigma_v the per-value spread of the model's own
  prediction errors on the training frames (Progressive Transformers' ``out_stds``, there
  collected over the previous epoch; here a moving average over the last steps, momentum 0.9,
  none before the first step). The counter gets none.
- **Just Counter** (``counter``): the decoder's input is the counter alone, not the frame.
- **Batch and Computational Optimization** (``masked_loss``): targets, future windows and masks
  are built once per batch with tensor operations (always), and with ``masked_loss`` the decoder
  runs on the real frames only (packed; attention scatters them back per sequence) and the loss
  is the mean over real frames and real future frames only. Without it, the loss is the mean
  squared error over the whole padded batch (padding targets 0), as in the base model.
- **Long Video / Scale-Adjusted loss**: ``loss = loss_scale * MSE + weight_norm_lambda * sum_W ||W||_F``
  over every weight matrix W (linear and embedding weights; biases and layer norms excluded).

The MSE is the mean squared error of the joint values plus that of the counter, a term of its
own: averaged in with the joint values (Progressive Transformers' loss) the counter is one
number of 151 (of 1,651 with 10 future frames) and learns too little to stop decoding, which is
why Progressive Transformers decodes to the ground truth's length.

Layers are pre-norm (as Progressive Transformers' joeynmt layers), sinusoidal positions, Xavier
initialisation; decoding caches each layer's keys and values (one decoder pass per new frame
instead of Progressive Transformers' pass over the whole prefix).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from signkit.layers import sinusoidal
from signkit.modelfolder import ModelFolderMixin
from signkit.train import Output

NOISE_MOMENTUM = 0.9


@dataclass
class T2PConfig:
    """Architecture and SignDiff switches of the text-to-pose transformer.

    Defaults are Progressive Transformers' ``Configs/Base.yaml`` size (2 + 2 layers, 512 wide,
    4 heads, 2048 feed-forward, no dropout) with SignDiff's additions on (future prediction of
    10 frames, Gaussian noise rate 5, masked loss, Scale-Adjusted loss with lambda 0.01) and the
    counter-only input off. SignDiff gives no loss scale; 100 is ours: at 1 the regulariser
    outweighs the MSE of normalised joints (about 0.005) and shrinks the weights to nothing
    within a few hundred steps, at 100 the two balance (measured on the PHOENIX14T sample).

    Attributes:
        vocabulary: source tokens (``<pad>`` 0, ``<unk>`` 1, ``</s>`` 2 included).
        values: joint values per frame, counter excluded (PT-50: 150).
        d_model: width of embeddings and states.
        heads: attention heads.
        encoder_layers: encoder layers.
        decoder_layers: decoder layers.
        feed_forward: inner width of the feed-forward blocks.
        dropout: dropout rate.
        future_prediction: future frames added to each step's target (0: off).
        gaussian_noise: noise rate r on the decoder input (0: off).
        counter: the decoder input is the counter alone ("Just Counter").
        masked_loss: loss and decoder computation on real frames only (BO & CO).
        loss_scale: factor of the mean squared error.
        weight_norm_lambda: factor of the sum of weight-matrix norms (0: off).
        max_frames: longest sequence decoded (frames), unless decoding asks for another.
        layout: layout name of the training poses (informative).
        fps: frame rate of the training poses.
    """

    vocabulary: int
    values: int = 150
    d_model: int = 512
    heads: int = 4
    encoder_layers: int = 2
    decoder_layers: int = 2
    feed_forward: int = 2048
    dropout: float = 0.0
    future_prediction: int = 10
    gaussian_noise: float = 5.0
    counter: bool = False
    masked_loss: bool = True
    loss_scale: float = 100.0
    weight_norm_lambda: float = 0.01
    max_frames: int = 300
    layout: str = "pt50"
    fps: float = 25.0

    @property
    def input_values(self) -> int:
        """Numbers a decoder input frame has: the counter alone, or the joint values and counter."""
        return 1 if self.counter else self.values + 1

    @property
    def output_values(self) -> int:
        """Numbers a decoder output frame has: the next frame, K future frames, the counter."""
        return self.values * (self.future_prediction + 1) + 1


class _Packing:
    """Where a (B, T) batch's frames are: with ``real`` (B, T) the True positions (packed to N
    rows), else all B*T."""

    def __init__(self, shape: tuple[int, int], real=None):
        self.shape = shape
        self.index = None if real is None else real.flatten().nonzero().squeeze(1)

    def pack(self, x):
        """(B, T, C) -> (N, C)."""
        flat = x.flatten(0, 1)
        return flat if self.index is None else flat.index_select(0, self.index)

    def unpack(self, x):
        """(N, C) -> (B, T, C), zeros where no frame is."""
        if self.index is None:
            return x.view(*self.shape, x.shape[-1])
        out = x.new_zeros(self.shape[0] * self.shape[1], x.shape[-1])
        return out.index_copy(0, self.index, x).view(*self.shape, x.shape[-1])


def _split(x, heads: int):
    """(B, T, d) -> (B, heads, T, d / heads)."""
    return x.view(x.shape[0], x.shape[1], heads, -1).transpose(1, 2)


def _merge(x):
    """(B, heads, T, d / heads) -> (B, T, d)."""
    return x.transpose(1, 2).flatten(2)


def _attend(q, k, v, bias, dropout: float, training: bool):
    """softmax(q k^T / sqrt(d) + bias) v (Vaswani et al., 2017): q (B, heads, Tq, dh), k and v
    (B, heads, Tk, dh), bias additive (0 or -inf) broadcast to (B, heads, Tq, Tk) or None. Written
    out rather than torch's fused kernel, which on a CPU is slower for sequences of a few hundred
    frames (and twice as slow in bfloat16); softmax in float32."""
    scores = (q @ k.transpose(-1, -2)) * q.shape[-1] ** -0.5
    if bias is not None:
        scores = scores + bias
    weights = F.dropout(scores.float().softmax(-1), dropout, training).to(v.dtype)
    return weights @ v


def _padding_bias(source_mask):
    """(B, S) True on tokens -> (B, 1, 1, S) additive: 0 on tokens, -inf on padding."""
    return torch.zeros(source_mask.shape, device=source_mask.device).masked_fill(~source_mask, float("-inf"))[:, None, None]


class FeedForward(nn.Sequential):
    """Position-wise feed-forward block: d_model -> feed_forward -> d_model, ReLU."""

    def __init__(self, config: T2PConfig):
        super().__init__(nn.Linear(config.d_model, config.feed_forward), nn.ReLU(), nn.Dropout(config.dropout),
                         nn.Linear(config.feed_forward, config.d_model))  # fmt: skip


class SelfAttention(nn.Module):
    """Multi-head self-attention over packed frames, with a key-value cache for decoding."""

    def __init__(self, config: T2PConfig):
        super().__init__()
        self.heads, self.dropout = config.heads, config.dropout
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model)
        self.out = nn.Linear(config.d_model, config.d_model)

    def forward(self, x, packing: _Packing, bias):
        """x (N, d) packed -> (N, d); ``bias`` additive, (B, 1, 1, T) padding or (T, T) causal."""
        q, k, v = (_split(part, self.heads) for part in packing.unpack(self.qkv(x)).chunk(3, dim=-1))
        return self.out(packing.pack(_merge(_attend(q, k, v, bias, self.dropout, self.training))))

    def step(self, x, cache, t: int):
        """One new frame x (B, 1, d) at position t; ``cache`` (2, B, heads, max, d / heads) in place."""
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        cache[0, :, :, t : t + 1], cache[1, :, :, t : t + 1] = _split(k, self.heads), _split(v, self.heads)
        # torch's fused kernel: for one query over the cache faster than _attend(), which copies it
        return self.out(_merge(F.scaled_dot_product_attention(_split(q, self.heads), cache[0, :, :, : t + 1],
                                                              cache[1, :, :, : t + 1])))  # fmt: skip


class CrossAttention(nn.Module):
    """Multi-head attention of packed decoder states over the encoder states."""

    def __init__(self, config: T2PConfig):
        super().__init__()
        self.heads, self.dropout = config.heads, config.dropout
        self.q = nn.Linear(config.d_model, config.d_model)
        self.kv = nn.Linear(config.d_model, 2 * config.d_model)
        self.out = nn.Linear(config.d_model, config.d_model)

    def keys(self, memory):
        """Keys and values of the encoder states (B, S, d): two (B, heads, S, d / heads)."""
        k, v = self.kv(memory).chunk(2, dim=-1)
        return _split(k, self.heads), _split(v, self.heads)

    def forward(self, x, packing: _Packing, keys, bias):
        """x (N, d) packed -> (N, d); ``keys`` from :meth:`keys`, ``bias`` (B, 1, 1, S) padding."""
        q = _split(packing.unpack(self.q(x)), self.heads)
        return self.out(packing.pack(_merge(_attend(q, *keys, bias, self.dropout, self.training))))


class EncoderLayer(nn.Module):
    """Pre-norm encoder layer: self-attention, then feed-forward, each residual."""

    def __init__(self, config: T2PConfig):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(config.d_model), nn.LayerNorm(config.d_model)
        self.attention, self.feed_forward = SelfAttention(config), FeedForward(config)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x, packing, bias):
        """x (N, d) packed -> (N, d)."""
        x = x + self.dropout(self.attention(self.norm1(x), packing, bias))
        return x + self.dropout(self.feed_forward(self.norm2(x)))


class DecoderLayer(nn.Module):
    """Pre-norm decoder layer: causal self-attention, cross-attention, feed-forward, each residual."""

    def __init__(self, config: T2PConfig):
        super().__init__()
        self.norm1, self.norm2, self.norm3 = (nn.LayerNorm(config.d_model) for _ in range(3))
        self.attention, self.cross = SelfAttention(config), CrossAttention(config)
        self.feed_forward = FeedForward(config)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x, packing, keys, causal, bias):
        """x (N, d) packed -> (N, d); ``causal`` (T, T) and ``bias`` (B, 1, 1, S) additive masks."""
        x = x + self.dropout(self.attention(self.norm1(x), packing, causal))
        x = x + self.dropout(self.cross(self.norm2(x), packing, keys, bias))
        return x + self.dropout(self.feed_forward(self.norm3(x)))

    def step(self, x, cache, t, keys, bias):
        """One new frame x (B, 1, d) at position t -> (B, 1, d), filling ``cache``."""
        x = x + self.attention.step(self.norm1(x), cache, t)
        one = _Packing((x.shape[0], 1))
        x = x + self.cross(self.norm2(x).flatten(0, 1), one, keys, bias).view_as(x)
        return x + self.feed_forward(self.norm3(x))


class ProgressiveTransformer(ModelFolderMixin, nn.Module):
    """SignDiff's text-to-pose transformer (see the module docstring).

    Buffers: ``start`` (values,) the start frame, ``noise_std`` (values,) the error spread of
    Gaussian noise. What reads its input and writes its output, saved beside the weights:
    ``vocabulary`` (a :class:`signkit.transformer.data.Vocabulary`, ``vocabulary.txt``),
    ``source`` (``text`` or ``gloss``, in ``config.json``) and ``header`` (the
    ``pose_format.PoseHeader`` of the output layout, ``layout.pose``: a one-frame pose, the
    start frame); set them before :meth:`save_pretrained`.
    """

    kind, description, config_class = "t2p", "text-to-pose model", T2PConfig

    def __init__(self, config: T2PConfig):
        super().__init__()
        self.config = config
        self.vocabulary, self.source, self.header = None, "text", None
        self.register_buffer("start", torch.zeros(config.values))
        self.register_buffer("noise_std", torch.zeros(config.values))
        self.source_embedding = nn.Embedding(config.vocabulary, config.d_model, padding_idx=0)
        self.frame_embedding = nn.Linear(config.input_values, config.d_model)
        self.encoder = nn.ModuleList(EncoderLayer(config) for _ in range(config.encoder_layers))
        self.decoder = nn.ModuleList(DecoderLayer(config) for _ in range(config.decoder_layers))
        self.encoder_norm, self.decoder_norm = nn.LayerNorm(config.d_model), nn.LayerNorm(config.d_model)
        self.output = nn.Linear(config.d_model, config.output_values)
        self.dropout = nn.Dropout(config.dropout)
        for name, parameter in self.named_parameters():
            if parameter.dim() > 1:
                nn.init.xavier_uniform_(parameter)
            elif name.endswith("bias"):
                nn.init.zeros_(parameter)
        with torch.no_grad():
            self.source_embedding.weight[0].zero_()

    def positions(self, length: int, like):
        """(length, d_model) sinusoidal positions on the device and in the dtype of ``like``."""
        return sinusoidal(length, self.config.d_model).to(device=like.device, dtype=like.dtype)

    def encode(self, source, source_mask):
        """source (B, S) ids, source_mask (B, S) True on tokens -> memory (B, S, d_model)."""
        x = self.source_embedding(source)
        x = x + self.positions(source.shape[1], x)
        packing = _Packing(tuple(source.shape))
        bias = _padding_bias(source_mask)
        x = packing.pack(self.dropout(x))
        for layer in self.encoder:
            x = layer(x, packing, bias)
        return packing.unpack(self.encoder_norm(x))

    def predict(self, memory, source_mask, inputs, real=None):
        """Teacher-forced outputs (N, output_values) of decoder inputs (B, T, input_values) for the
        real frames ``real`` (B, T) (all B*T when None), after the encoder's ``memory`` (B, S, d_model)."""
        packing = _Packing(tuple(inputs.shape[:2]), real)
        x = self.frame_embedding(inputs)
        x = x + self.positions(inputs.shape[1], x)
        x = packing.pack(self.dropout(x))
        # the masks, built once for every layer (BO & CO)
        causal = torch.full((inputs.shape[1],) * 2, float("-inf"), device=inputs.device).triu(1)
        bias = _padding_bias(source_mask)
        for layer in self.decoder:
            x = layer(x, packing, layer.cross.keys(memory), causal, bias)
        return self.output(self.decoder_norm(x))

    def decode(self, source, source_mask, max_frames: int):
        """Greedy decoding with the counter stop (see the module docstring), batched.

        Args:
            source: (B, S) token ids.
            source_mask: (B, S) True on tokens.
            max_frames: longest output (frames).

        Returns:
            ``(frames (B, max_frames, values), lengths (B,))``; frames past a length are 0.
        """
        config, heads = self.config, self.config.heads
        batch, values = source.shape[0], config.values
        memory = self.encode(source, source_mask)
        keys = [layer.cross.keys(memory) for layer in self.decoder]
        bias = _padding_bias(source_mask)
        caches = [memory.new_zeros(2, batch, heads, max_frames, config.d_model // heads) for _ in self.decoder]
        positions = self.positions(max_frames, memory)
        frames = memory.new_zeros(batch, max_frames, values, dtype=torch.float32)
        lengths = torch.full((batch,), max_frames, dtype=torch.long, device=memory.device)
        rows = torch.arange(batch, device=memory.device)  # the sequences still decoding
        previous = torch.cat([self.start, self.start.new_zeros(1)])[None].expand(batch, -1).float()
        # the next frame and the counter of the output layer, in float32 whatever the model's
        # dtype (a bfloat16 counter cannot tell 0.996 from 1); future frames are not needed
        kept = torch.cat([torch.arange(values), torch.tensor([config.output_values - 1])]).to(memory.device)
        out_weight, out_bias = self.output.weight[kept].float(), self.output.bias[kept].float()
        for t in range(max_frames):
            inputs = previous[:, -1:] if config.counter else previous
            x = self.frame_embedding(inputs.to(memory.dtype))[:, None] + positions[t]
            for layer, cache, key in zip(self.decoder, caches, keys):
                x = layer.step(x, cache, t, key, bias)
            previous = F.linear(self.decoder_norm(x[:, 0]).float(), out_weight, out_bias)  # (B, values + 1)
            frames[rows, t] = previous[:, :values]
            stop = previous[:, -1] > 1 - 0.5 / (t + 1)
            if stop.any():
                lengths[rows[stop]] = t + 1
                keep = (~stop).nonzero().squeeze(1)
                if len(keep) == 0:
                    break
                rows, previous, bias = rows[keep], previous[keep], bias[keep]
                keys = [(k[keep], v[keep]) for k, v in keys]
                caches = [cache[:, keep] for cache in caches]
        return frames, lengths

    def targets(self, batch: dict) -> dict:
        """Decoder inputs, targets and loss weights of a batch, built once with tensor operations.

        Args:
            batch: from :func:`signkit.transformer.data.collate`.

        Returns:
            ``inputs`` (B, T, input_values): the start frame, then frames 0..T-2 each with its
            counter; ``target`` (B, T, output_values): frames i..i+K, then the counter (i + 1) / T_b,
            0 past the end; ``weight`` (B, T, output_values): 1 where the target is a real frame's
            value; ``real`` (B, T): True on real frames.
        """
        config = self.config
        frames, lengths = batch["frames"], batch["lengths"]
        count, k = frames.shape[1], config.future_prediction
        steps = torch.arange(count, device=frames.device)
        real = steps[None] < lengths[:, None]
        counter = torch.where(real, (steps[None] + 1) / lengths[:, None], 0.0)[..., None]
        start = torch.cat([self.start, self.start.new_zeros(1)]).expand(len(frames), 1, -1)
        inputs = torch.cat([start, torch.cat([frames, counter], dim=2)[:, :-1]], dim=1)
        if config.counter:
            inputs = inputs[..., -1:]
        window = F.pad(frames, (0, 0, 0, k)).unfold(1, k + 1, 1).transpose(2, 3).flatten(2)  # (B, T, (K+1) values)
        future = (steps[:, None] + torch.arange(k + 1, device=frames.device))[None] < lengths[:, None, None]
        weight = torch.cat([future.repeat_interleave(config.values, dim=2), real[..., None]], dim=2).to(frames.dtype)
        return {"inputs": inputs, "target": torch.cat([window, counter], dim=2), "weight": weight, "real": real}

    def weight_norms(self):
        """The sum of the Frobenius norms of every weight matrix (linear and embedding weights)."""
        return sum(p.norm() for name, p in self.named_parameters() if name.endswith("weight") and p.dim() > 1)

    def forward(self, batch: dict) -> Output:
        """The training loss of a batch (see the module docstring); updates ``noise_std`` in training.

        Args:
            batch: from :func:`signkit.transformer.data.collate`.

        Returns:
            ``loss`` the scalar, ``parts`` ``{"pose", "counter", "regulariser"}`` its terms as
            floats (the regulariser when on), ``outputs`` the predictions (N, output_values) of
            the N real frames, normalised units and counters.
        """
        config = self.config
        made = self.targets(batch)
        inputs, real = made["inputs"], made["real"]
        if self.training and config.gaussian_noise > 0 and not config.counter:
            noise = torch.randn_like(inputs[..., :-1]) * self.noise_std * config.gaussian_noise
            inputs = torch.cat([inputs[..., :-1] + noise, inputs[..., -1:]], dim=2)
        memory = self.encode(batch["source"], batch["source_mask"])
        if config.masked_loss:
            prediction = self.predict(memory, batch["source_mask"], inputs, real)
            target, weight = made["target"][real], made["weight"][real]
            error = (prediction - target) ** 2 * weight
            pose = error[:, :-1].sum() / weight[:, :-1].sum().clamp(min=1)
            counter = error[:, -1].mean()
        else:
            prediction = self.predict(memory, batch["source_mask"], inputs).view_as(made["target"])
            error = (prediction - made["target"]) ** 2
            pose, counter = error[..., :-1].mean(), error[..., -1].mean()
            prediction, target = prediction[real], made["target"][real]
        if self.training and config.gaussian_noise > 0:
            with torch.no_grad():
                spread = (prediction[:, : config.values] - target[:, : config.values]).float().std(0, correction=0)
                first = bool((self.noise_std == 0).all())
                self.noise_std.copy_(spread if first else NOISE_MOMENTUM * self.noise_std + (1 - NOISE_MOMENTUM) * spread)
        total = config.loss_scale * (pose + counter)
        parts = {"pose": pose.item(), "counter": counter.item()}
        if config.weight_norm_lambda > 0:
            regulariser = config.weight_norm_lambda * self.weight_norms()
            total = total + regulariser
            parts["regulariser"] = regulariser.item()
        return Output(total, parts, prediction)

    def save_assets(self, folder: Path) -> dict:
        """Write ``vocabulary.txt`` and ``layout.pose``; ``config.json`` gets ``source``."""
        from signkit.pose.formats import write_pose
        from signkit.pose.sequence import Sequence, make_pose

        self.vocabulary.save(folder / "vocabulary.txt")
        start = self.start.detach().cpu().numpy().reshape(1, self.header.total_points(), -1)
        with (folder / "layout.pose").open("wb") as file:
            write_pose(Sequence("start", make_pose(self.header, start, None, self.config.fps)), file)
        return {"source": self.source}

    def load_assets(self, folder: Path, meta: dict, device: str) -> None:
        """Read ``vocabulary.txt``, ``layout.pose`` and ``config.json``'s ``source``."""
        from signkit.pose.formats import read_pose
        from signkit.transformer.data import Vocabulary

        self.vocabulary = Vocabulary.load(folder / "vocabulary.txt")
        self.header = read_pose((folder / "layout.pose").read_bytes(), str(folder / "layout.pose")).pose.header
        self.source = meta["source"]


def produce(model: ProgressiveTransformer, lines: list[str], *, batch_size: int = 32, max_frames: int | None = None,
            device: str = "cpu", dtype: str = "float32", on_unknown=None, on_batch=None) -> Iterator:  # fmt: skip
    """Text (or gloss) lines to signing sequences with a trained model, batched greedy decoding,
    made and yielded one batch at a time (memory bounded by a batch, whatever the input's length).

    Args:
        model: from :meth:`ProgressiveTransformer.from_pretrained` (or training), with its
            vocabulary, source and header.
        lines: one sentence (or gloss line) each; an empty line gives a one-frame sequence (the
            start frame), keeping lines aligned.
        batch_size: lines decoded together.
        max_frames: longest output (frames); default the model's ``max_frames``.
        device: torch device.
        dtype: ``float32``, or ``bfloat16`` for weights and states (about twice as fast on CPUs
            with AVX-512 BF16 or AMX, and GPUs; the output layer and counter stay float32).
        on_unknown: called with (line number, unknown tokens) for lines with unknown tokens.
        on_batch: called with the number of lines of each decoded batch.

    Yields:
        Sequences named by line number (``000001`` ...), poses (frames, 1, points, dims) in the
        model's layout at its fps, with ``text`` or ``gloss`` set to the line.
    """
    from signkit.pose.sequence import Sequence, make_pose
    from signkit.transformer.data import Example, collate

    config, vocabulary, source, header = model.config, model.vocabulary, model.source, model.header
    max_frames = max_frames or config.max_frames
    shape = (header.total_points(), -1)
    model.eval().to(device=device, dtype=getattr(torch, dtype))
    for first in range(0, len(lines), batch_size):
        chunk = []
        for number, line in enumerate(lines[first : first + batch_size], start=first + 1):
            ids, unknown = vocabulary.encode(line, source)
            if unknown and on_unknown is not None:
                on_unknown(number, unknown)
            chunk.append(ids)
        batch = collate([Example(ids, np.zeros((1, config.values), np.float32)) for ids in chunk])
        with torch.no_grad():
            frames, lengths = model.decode(batch["source"].to(device), batch["source_mask"].to(device), max_frames)
        frames, lengths = frames.cpu().numpy(), lengths.tolist()
        for i, (points, length) in enumerate(zip(frames, lengths)):
            number = first + i + 1
            line = lines[number - 1].strip()
            if not line:  # nothing to sign: the start frame alone
                points, length = model.start.float().cpu().numpy()[None], 1
            data = points[:length].reshape(length, *shape)
            yield Sequence(name=f"{number:06d}", pose=make_pose(header, data, None, config.fps),
                           text=line if source == "text" else None,
                           gloss=line if source == "gloss" else None)  # fmt: skip
        if on_batch is not None:
            on_batch(len(chunk))
