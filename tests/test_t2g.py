"""`signkit train-t2g` and `t2g` (SLUL text to gloss) on real PHOENIX14T annotations."""

from __future__ import annotations

import csv
import json

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_model

from conftest import assert_error, read_log, shared_data, signkit
from signkit.gloss import slul

TINY = ["--d-model", "64", "--heads", "4", "--layers", "2", "--feed-forward", "128", "--dropout", "0",
        "--label-smoothing", "0", "--warmup-steps", "20"]  # fmt: skip
# how the module's models train: on the first 48 PHOENIX14T training sentences, 16 a batch
TRAINING = [*TINY, "--batch-size", "16", "--learning-rate", "3e-3"]
# the extra losses, switched on through the command line, each with a weight of its own
WEIGHTS = {"sagm": 0.5, "kl": 2.0, "contrastive": 0.25}


@pytest.fixture(scope="module")
def weather(tmp_path_factory):
    """The first 48 PHOENIX14T training sentences with their glosses (``weather.csv``, and one a
    line in ``text.txt`` and ``gloss.txt``), and a model fitted to them (``model``): 250 steps,
    validated on the same sentences every 50, with a checkpoint (weights included) at each; what it
    wrote on standard error in ``train.stderr``."""
    folder = tmp_path_factory.mktemp("t2g")
    lines = (shared_data() / "phoenix14t" / "annotations" / "train.csv").read_text(encoding="utf-8").splitlines()[:49]
    (folder / "weather.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = signkit("train-t2g", str(folder / "weather.csv"), "--dev", str(folder / "weather.csv"), "-o",
                     str(folder / "model"), *TRAINING, "--max-steps", "250", "--validate-every", "50",
                     "--checkpoint-every", "50", "--checkpoints-total-limit", "3")  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    (folder / "train.stderr").write_bytes(result.stderr)
    rows = [row for row in csv.DictReader(lines, delimiter="|")]
    (folder / "text.txt").write_text("".join(f"{row['translation']}\n" for row in rows), encoding="utf-8")
    (folder / "gloss.txt").write_text("".join(f"{row['annotation']}\n" for row in rows), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def decoded(weather) -> dict[tuple[str, str], bytes]:
    """The 48 sentences decoded by ``signkit t2g`` with the fitted model, by (``--beam``,
    ``--batch-size``): greedy and beam 4, in batches of 32 (the default: one of 32, one of 16) and
    one sentence at a time."""
    out = {}
    for beam in ("1", "4"):
        for batch in ("32", "1"):
            result = signkit("t2g", "--model", str(weather / "model"), str(weather / "text.txt"), "--beam", beam,
                             "--batch-size", batch)  # fmt: skip
            assert result.returncode == 0, result.stderr.decode()
            out[beam, batch] = result.stdout
    return out


@pytest.fixture(scope="module")
def switched(weather):
    """A model trained as the fitted one (same sentences, settings and seed) for 10 steps, with
    the three extra losses switched on through the command line (``WEIGHTS``)."""
    folder = weather / "switched"
    weights = [part for name, weight in WEIGHTS.items() for part in (f"--{name}", str(weight))]
    result = signkit("train-t2g", str(weather / "weather.csv"), "-o", str(folder), *TRAINING, "--max-steps", "10",
                     "--checkpoint-every", "0", *weights)  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    return folder


def _bleu(glosses: bytes, reference) -> float:
    scored = signkit("score", "bleu", str(reference), "-b", input=glosses)
    assert scored.returncode == 0, scored.stderr.decode()
    return float(scored.stdout)


def test_slul_learns_the_training_glosses(weather, decoded):
    losses = read_log(weather / "model", "train_loss")
    assert losses[250] < 0.1 * losses[10]
    bleu = read_log(weather / "model", "dev_bleu4")
    assert sorted(bleu) == [0, 50, 100, 150, 200, 250] and bleu[250] > bleu[0]
    for beam in ("1", "4"):
        assert len(decoded[beam, "32"].decode().splitlines()) == 48
        # measured: 100 (the model fits its 48 sentences from step 150); 80 leaves room for a few glosses off
        assert _bleu(decoded[beam, "32"], weather / "gloss.txt") > 80
    config = json.loads((weather / "model" / "config.json").read_text(encoding="utf-8"))
    assert config["model"] == "t2g" and config["config"]["d_model"] == 64
    assert {"model.safetensors", "tokenizer.json", "glosses.txt"} <= {p.name for p in (weather / "model").iterdir()}


def test_checkpoints_do_not_warn_of_the_shared_embedding(weather):
    # T5's encoder and decoder embed with one weight; Accelerate warned of it at each checkpoint
    assert (weather / "model" / "checkpoints").is_dir()
    assert "Removed shared tensor" not in (weather / "train.stderr").read_text(encoding="utf-8")


def test_a_word_reward_lengthens_what_greedy_and_beam_search_write(weather, decoded):
    written = {}
    for beam in ("1", "4"):
        for reward in ("0", "15"):
            result = signkit("t2g", "--model", str(weather / "model"), str(weather / "text.txt"), "--beam", beam,
                             "--word-reward", reward)  # fmt: skip
            assert result.returncode == 0, result.stderr.decode()
            written[beam, reward] = [line.split() for line in result.stdout.decode().splitlines()]
        assert written[beam, "0"] == [line.split() for line in decoded[beam, "32"].decode().splitlines()]
        assert sum(map(len, written[beam, "15"])) > sum(map(len, written[beam, "0"]))
    # greedy: the same glosses as without the reward, then more where </s> did not win by 15 nats
    assert all(longer[: len(line)] == line for line, longer in zip(written["1", "0"], written["1", "15"]))


def _generate(model, sentences, beam, length_penalty, word_reward) -> list[str]:
    """The reference: transformers' own search of one model, the word reward a logits processor."""

    def reward(input_ids, scores):
        return scores + torch.where(torch.arange(scores.shape[-1]) == 1, 0.0, word_reward)

    sources = [model.vocabulary.encode_sentence(s)[: model.config.max_source - 1] + [1] for s in sentences]
    ids = slul._pad(sources, 0)
    scoring = {"length_penalty": length_penalty} if beam > 1 else {}
    with torch.no_grad():
        generated = model.t5.generate(input_ids=ids, attention_mask=ids != 0, num_beams=beam, do_sample=False,
                                      max_new_tokens=model.config.max_glosses, logits_processor=[reward], **scoring)
    return [model.vocabulary.decode_glosses(row) for row in generated.tolist()]


def test_beam_search_of_one_model_is_transformers_generate(weather, switched):
    # the fitted model's peaked distributions and the 10-step model's flat ones (long, rewarded
    # hypotheses that reach the length limit among them)
    sentences = (weather / "text.txt").read_text(encoding="utf-8").splitlines()
    for folder in (weather / "model", switched):
        model = slul.SLUL.from_pretrained(folder)
        for beam, length_penalty, word_reward in ((1, 1.0, 0.0), (4, 1.0, 0.0), (4, 0.0, 1.0), (3, 1.0, 15.0)):
            ours = slul.translate(model, sentences, beam=beam, length_penalty=length_penalty, word_reward=word_reward)
            assert ours == _generate(model, sentences, beam, length_penalty, word_reward), (folder, beam)


def test_an_ensemble_averages_its_models_probabilities(weather, switched, decoded, tmp_path):
    model = str(weather / "model")
    twice = signkit("t2g", "--model", model, "--model", model, str(weather / "text.txt"), "--beam", "4")
    assert twice.returncode == 0, twice.stderr.decode()
    assert twice.stdout == decoded["4", "32"]
    # two 10-step models (one vocabulary: trained on the same sentences, flat distributions that
    # both count): greedy search of the mean of their probabilities, step by step on the whole
    # prefix without a cache
    seeded = tmp_path / "seed7"
    result = signkit("train-t2g", str(weather / "weather.csv"), "-o", str(seeded), *TRAINING, "--max-steps", "10",
                     "--checkpoint-every", "0", "--seed", "7")  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    models = slul.ensemble([seeded, switched])
    sentences = (weather / "text.txt").read_text(encoding="utf-8").splitlines()[:8]
    expected = []
    with torch.no_grad():
        for sentence in sentences:
            source, written = torch.tensor([models[0].vocabulary.encode_sentence(sentence) + [1]]), [0]
            while written[-1] != 1 and len(written) <= models[0].config.max_glosses:
                probabilities = sum(F.softmax(m.t5(input_ids=source, decoder_input_ids=torch.tensor([written]))
                                              .logits[0, -1], -1) for m in models)  # fmt: skip
                written.append(int(probabilities.argmax()))
            expected.append(models[0].vocabulary.decode_glosses(written))
    assert slul.translate(models, sentences, beam=1) == expected
    assert all(expected != slul.translate(m, sentences, beam=1) for m in models)
    # a model of another vocabulary is refused, by name
    other = tmp_path / "other"
    other.mkdir()
    for path in (weather / "model").iterdir():
        if path.is_file():
            (other / path.name).write_bytes(path.read_bytes())
    glosses = (other / "glosses.txt").read_text(encoding="utf-8").split()
    (other / "glosses.txt").write_text("\n".join(reversed(glosses)) + "\n", encoding="utf-8")
    assert_error(signkit("t2g", "--model", model, "--model", str(other), input="regen\n"),
                 f"{other}: its vocabulary differs from {model}")


def test_t2g_batched_equals_one_sentence_at_a_time(decoded):
    for beam in ("1", "4"):
        assert decoded[beam, "32"] == decoded[beam, "1"], beam


def test_the_best_dev_step_is_kept_not_the_last(weather, decoded):
    model = weather / "model"
    bleu = read_log(model, "dev_bleu4")
    # the first step of the highest BLEU is the best (a later tie does not replace it); this
    # run reaches BLEU 100 at step 150 on one thread, before its end, which makes the best and the last differ
    best = min(step for step, value in bleu.items() if value == max(bleu.values()))
    assert best < 250, f"dev BLEU {bleu}: the run now peaks at its end; choose steps where it does not"
    # validation decodes greedily, as t2g --beam 1 (whose batching does not matter, above)
    assert _bleu(decoded["1", "32"], weather / "gloss.txt") == pytest.approx(bleu[best], abs=0.01)
    kept = slul.SLUL.from_pretrained(model).state_dict()
    for step in (best, 250):
        checkpoint = slul.SLUL.from_pretrained(model)
        load_model(checkpoint, str(model / "checkpoints" / f"checkpoint-{step}" / "model.safetensors"))
        same = all(torch.equal(kept[name], value) for name, value in checkpoint.state_dict().items())
        assert same == (step == best), step


def test_extra_losses_are_switched_on_the_command_line(weather, switched):
    plain, extra = ({name: read_log(folder, f"train_{name}") for name in ("loss", "cross_entropy", *WEIGHTS)}
                    for folder in (weather / "model", switched))  # fmt: skip
    # without the options: the cross-entropy alone is the loss
    assert not any(plain[name] for name in WEIGHTS) and plain["loss"][10] == plain["cross_entropy"][10]
    # with them: each term is logged and weighs in the loss by the weight given (log.csv keeps 6 significant digits)
    assert all(extra[name][10] > 0 for name in WEIGHTS)
    expected = extra["cross_entropy"][10] + sum(weight * extra[name][10] for name, weight in WEIGHTS.items())
    assert extra["loss"][10] == pytest.approx(expected, rel=2e-5)
    # and their gradients change the training: from the same seed, sentences and batches, the
    # cross-entropy after 10 steps differs from the plain run's
    assert extra["cross_entropy"][10] != plain["cross_entropy"][10]
    config = json.loads((switched / "config.json").read_text(encoding="utf-8"))["config"]
    assert {name: config[name] for name in WEIGHTS} == WEIGHTS


def test_t2g_keeps_lines_aligned(weather):
    result = signkit("t2g", "--model", str(weather / "model"), input="und nun die wettervorhersage\n\nregen\n")
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().split("\n")
    assert len(lines) == 4 and lines[1] == "" and lines[0] and lines[0] == lines[0].upper()


def test_bad_input_is_named(weather, tmp_path):
    assert_error(signkit("t2g", "--model", str(weather), input="regen\n"), "not a readable text-to-gloss model")
    how2sign = tmp_path / "how2sign.csv"
    how2sign.write_text("SENTENCE_NAME\tSENTENCE\nx_1\thello there\n", encoding="utf-8")
    assert_error(signkit("train-t2g", str(how2sign), "-o", str(tmp_path / "m"), *TINY, "--max-steps", "1"),
                 "sentence x_1 has no glosses")  # fmt: skip
    assert not (tmp_path / "m").exists()


def test_sagm_weights_name_the_gloss_bearing_words():
    weights = slul.semantic_weights("mancherorts regnet es im nordwesten morgen überschwemmungen",
                               "ORT REGEN NORDWEST MORGEN UEBERSCHWEMMUNG")  # fmt: skip
    assert weights == pytest.approx([0.0, 0.5, 0.0, 0.0, 0.8, 1.0, 15 / 17])
    assert slul.semantic_weights("wetterlage", "WETTER") == [pytest.approx(6 / 10)]  # divided by the longer
    assert slul.semantic_weights("schnee", "SCHNEE-REGEN")[0] == 1.0


def test_the_vocabulary_writes_glosses_whole_and_reads_sentences_in_bpe(tmp_path):
    pairs = [("am tag regen", "TAG REGEN"), ("regen und schnee", "REGEN SCHNEE"), ("regen", "REGEN")]
    vocabulary = slul.Vocabulary.train(pairs, 300)
    assert vocabulary.glosses == ["REGEN", "SCHNEE", "TAG"]  # the most frequent first, ties by name
    assert vocabulary.outputs == 7 and vocabulary.size == 7 + vocabulary.sentences.get_vocab_size() - 4
    assert vocabulary.encode_glosses("TAG REGEN SONNE") == [6, 4, 2]  # SONNE was never seen: <unk>
    assert vocabulary.decode_glosses([0, 6, 4, 2, 1, 3, 9]) == "TAG REGEN"  # specials and sentence ids left out
    ids = vocabulary.encode_sentence("am tag regen")
    assert all(i >= vocabulary.outputs for i in ids) and sum(vocabulary.encode_words(["am", "tag", "regen"]), []) == ids
    vocabulary.save(tmp_path)
    again = slul.Vocabulary.load(tmp_path)
    assert again.glosses == vocabulary.glosses and again.encode_sentence("am tag regen") == ids


def _tiny(**switches):
    pairs = [("am tag regen im norden", "TAG REGEN NORD"), ("morgen sonne im süden", "MORGEN SONNE SUED"),
             ("heute nacht schnee", "HEUTE NACHT SCHNEE")]  # fmt: skip
    vocabulary = slul.Vocabulary.train(pairs, 300)
    config = slul.SLULConfig(vocabulary=vocabulary.size, outputs=vocabulary.outputs, d_model=32, feed_forward=64, heads=2,
                             encoder_layers=1, decoder_layers=1, dropout=0.0, label_smoothing=0.0, **switches)  # fmt: skip
    torch.manual_seed(0)
    return slul, slul.SLUL(config), slul.examples(pairs, vocabulary, config), config


def test_masking_follows_the_semantic_weights():
    slul, _, examples, config = _tiny(sagm=1.0, mask_rate=1.0)
    torch.manual_seed(1)
    batch = slul.collate(examples, config)
    masked = {0: 0, 1: 0}
    for row, example in zip(batch["masked_ids"].tolist(), examples):
        position = 0
        for word, weight in zip(example.words, example.weights):
            is_masked = row[position] == 3
            assert is_masked if weight == 1.0 else (not is_masked if weight == 0.0 else True), (row, example)
            masked[int(is_masked)] += 1
            position += 1 if is_masked else len(word)
        assert row[position] == 1  # </s>
    assert masked[0] and masked[1]  # weight 1 always masked at rate 1, weight 0 never
    assert "gloss_ids" not in batch
    assert "masked_ids" not in slul.collate(examples, _tiny()[3])


def test_each_loss_is_switched_by_its_weight():
    slul, model, examples, config = _tiny()
    batch = slul.collate(examples, config)
    output = model(batch)
    total, parts = output.loss, output.parts
    assert set(parts) == {"cross_entropy"} and total.item() == pytest.approx(parts["cross_entropy"])

    slul, model, examples, config = _tiny(sagm=0.5, kl=2.0, mask_rate=0.0)  # nothing masked: KL 0, SAGM = CE
    output = model(slul.collate(examples, config))
    total, parts = output.loss, output.parts
    assert parts["kl"] == pytest.approx(0.0, abs=1e-6) and parts["sagm"] == pytest.approx(parts["cross_entropy"])
    assert total.item() == pytest.approx(1.5 * parts["cross_entropy"], rel=1e-5)

    slul, model, examples, config = _tiny(contrastive=1.0, temperature=0.5)
    batch = slul.collate(examples, config)
    output = model(batch)
    total, parts = output.loss, output.parts
    encoder = model.t5.get_encoder()

    def pooled(ids):
        states = encoder(input_ids=ids, attention_mask=ids != 0).last_hidden_state
        weights = (ids != 0)[..., None].float()
        return F.normalize((states * weights).sum(1) / weights.sum(1), dim=-1)

    similarity = pooled(batch["input_ids"]) @ pooled(batch["gloss_ids"]).T / 0.5
    targets = torch.arange(3)
    expected = (F.cross_entropy(similarity, targets) + F.cross_entropy(similarity.T, targets)).item() / 2
    assert parts["contrastive"] == pytest.approx(expected, rel=1e-4)
    assert total.item() == pytest.approx(parts["cross_entropy"] + expected, rel=1e-4)
    # the gloss sequences are only encoded: the cross-entropy is T5's own on the sentences
    alone = model.t5(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"]).loss
    assert parts["cross_entropy"] == pytest.approx(alone.item(), rel=1e-5) and output.outputs.logits.shape[0] == 3
