"""SLP-MoE gloss to pose (`signkit lexicon`, `signkit train-g2p`, `t2p --pipeline hierarchical`) on
the real DGS Corpus sentences."""

from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pytest

from conftest import DATA, assert_error, signkit

pytest.importorskip("sentence_transformers")
DGS = DATA / "dgs-sentences"


@pytest.fixture(scope="module")
def dgs():
    if not DGS.is_dir():
        pytest.skip(f"real data not found at {DGS}")
    return DGS


@pytest.fixture(scope="module")
def sentences(dgs):
    from signkit.lexicons.corpus import read_sentences

    return read_sentences([dgs / "train"])


@pytest.fixture(scope="module")
def database(sentences):
    from signkit.moe.database import Database, Encoder

    return Database.from_sentences(sentences, Encoder())


@pytest.fixture(scope="module")
def trained(dgs, tmp_path_factory):
    """A model trained 30 steps on the train sentences, validated on the test sentences."""
    folder = tmp_path_factory.mktemp("g2p") / "model"
    result = signkit("train-g2p", str(dgs / "train"), "--dev", str(dgs / "test"), "-o", str(folder),
                     "--max-steps", "30", "--validate-every", "15", "--learning-rate", "1e-3")  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    return folder


def test_gloss_lemmas_drop_dgs_corpus_suffixes():
    from signkit.lexicons.lexicon import gloss_lemma

    cases = {"ICH1*": "ICH", "JULI1A": "JULI", "$NUM-EINER1A:1d*": "$NUM-EINER", "$GEST-OFF^": "$GEST-OFF",
             "KOMMEN1^*": "KOMMEN", "WARUM10A*": "WARUM", "THANK-YOU": "THANK-YOU", "regen": "REGEN", "A": "A"}
    assert {gloss: gloss_lemma(gloss) for gloss in cases} == cases


def test_timeline_adds_up_and_splits_overlaps():
    from signkit.moe.training import timeline

    assert timeline([(2, 4), (8, 14)], 20) == (2, [2, 6], [4], 6)
    lead, durations, gaps, tail = timeline([(0, 10), (6, 12), (12, 12)], 15)  # overlap, then an empty span
    assert lead + sum(durations) + sum(gaps) + tail == 15 and min(durations) >= 1
    assert durations[:2] == [8, 4]


def test_sentences_are_read_with_spans_on_their_frames(sentences):
    assert len(sentences) == 16
    for s in sentences:
        assert s.points.shape[1:] == (50, 3) and np.isfinite(s.points).all() and s.fps == 25
        assert len(s.spans) == len(s.glosses)
        assert all(0 <= a < b <= len(s.points) for a, b in s.spans)
        assert [a for a, _ in s.spans] == sorted(a for a, _ in s.spans)


def test_lexicon_command_cuts_one_clip_per_gloss(dgs, sentences, tmp_path):
    result = signkit("lexicon", str(dgs / "train"), "-o", str(tmp_path / "db"))
    assert result.returncode == 0, result.stderr.decode()
    rows = list(csv.DictReader((tmp_path / "db" / "index.csv").open(encoding="utf-8")))
    assert len(rows) == sum(len(s.glosses) for s in sentences)
    assert rows[0]["glosses"] == sentences[0].glosses[0] and rows[0]["signed_language"] == "gsg"
    first = sentences[0].spans[0]
    info = json.loads(signkit("info", "--json", str(tmp_path / "db" / rows[0]["path"])).stdout)
    assert info["frames"] == first[1] - first[0] and info["layouts"] == ["pt50"]
    from signkit.lexicons.lexicon import Lexicon

    lexicon = Lexicon.read([tmp_path / "db"], signed_language="gsg")
    assert lexicon.find("ICH2").gloss.startswith("ICH")  # another variant of the lemma
    # the rule-based default signs with it; --join concat lays the clips end to end as recorded
    stitched = signkit("t2p", "--from", "gloss", "--lexicon", str(tmp_path / "db"), "--signed-language", "gsg",
                       "--no-fingerspell", input=f"{rows[0]['glosses']} {rows[1]['glosses']}\n")  # fmt: skip
    concat = signkit("t2p", "--from", "gloss", "--lexicon", str(tmp_path / "db"), "--signed-language", "gsg",
                     "--no-fingerspell", "--join", "concat", input=f"{rows[0]['glosses']} {rows[1]['glosses']}\n")  # fmt: skip
    assert stitched.returncode == 0 and concat.returncode == 0, stitched.stderr.decode() + concat.stderr.decode()
    frames = [json.loads(signkit("info", "--json", "-", input=r.stdout).stdout)["frames"] for r in (stitched, concat)]
    spans = [b - a for a, b in sentences[0].spans[:2]]
    assert frames[1] == sum(spans) and frames[0] > frames[1]


def test_sentences_are_named_by_either_file_once(dgs, tmp_path):
    files = [str(dgs / "train" / name) for name in ("train_2_original.pose", "train_2_metadata.json", "train_1_metadata.json")]
    result = signkit("lexicon", *files, "-o", str(tmp_path / "db"))
    assert result.returncode == 0, result.stderr.decode()
    paths = [row["path"] for row in csv.DictReader((tmp_path / "db" / "index.csv").open(encoding="utf-8"))]
    assert paths[0] == "clips/train_2_1.pose" and paths[-1].startswith("clips/train_1_")
    assert len({p.rsplit("_", 1)[0] for p in paths}) == 2


def test_bad_sentences_are_named(dgs, tmp_path):
    for name in ("train_1_metadata.json", "train_1_original.pose"):
        shutil.copy(dgs / "train" / name, tmp_path / name)
    meta = json.loads((tmp_path / "train_1_metadata.json").read_text(encoding="utf-8"))
    meta["sentence"]["glosses"]["end"].pop()
    (tmp_path / "train_1_metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    assert_error(signkit("lexicon", str(tmp_path), "-o", str(tmp_path / "db")), "train_1_metadata.json", "7 glosses")
    meta["sentence"]["glosses"]["end"].append(meta["sentence"]["end"] + 5000)
    (tmp_path / "train_1_metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    assert_error(signkit("lexicon", str(tmp_path), "-o", str(tmp_path / "db")), "gloss 7", "outside the sentence")
    (tmp_path / "train_1_metadata.json").write_text("{", encoding="utf-8")
    assert_error(signkit("lexicon", str(tmp_path), "-o", str(tmp_path / "db")), "train_1_metadata.json",
                 "not a sentence with gloss timings")  # fmt: skip
    (tmp_path / "train_1_original.pose").unlink()
    shutil.copy(dgs / "train" / "train_1_metadata.json", tmp_path / "train_1_metadata.json")
    assert_error(signkit("lexicon", str(tmp_path), "-o", str(tmp_path / "db")), "train_1_original.pose is missing")
    assert_error(signkit("lexicon", str(tmp_path / "nowhere"), "-o", str(tmp_path / "db")), "no such file or folder")
    assert not (tmp_path / "db" / "index.csv").exists()


def test_experts_retrieve_by_their_rules(database):
    from signkit.lexicons.lexicon import gloss_lemma
    from signkit.moe.database import EXPERTS

    exact, lemma, semantic, spelled = database.candidates("ICH1", 4)
    clips = {id(c.points): c for c in database.clips}
    assert exact and all(clips[id(c.points)].gloss == "ICH1" for c in exact)
    assert lemma and all(clips[id(c.points)].lemma == "ICH" and clips[id(c.points)].gloss != "ICH1" for c in lemma)
    similarities = [float(c.features[0]) for c in semantic]
    assert len(semantic) == 4 and similarities == sorted(similarities, reverse=True)
    assert all(clips[id(c.points)].lemma != "ICH" for c in semantic)
    assert len(spelled) == 1 and len(spelled[0].points) > 3  # I, C, H in the DGS manual alphabet
    assert len(EXPERTS) == 4
    # a sentence left out (training) offers none of its own clips
    own = {id(c.points) for c in database.clips if c.source == "train_1"}
    for expert in database.candidates(database.clips[0].gloss, 50, exclude="train_1"):
        assert not own & {id(c.points) for c in expert}
    # an unseen gloss still gets semantic neighbours and its spelling
    unseen = database.candidates("TAUB-GEHÖRLOS1A", 4)
    assert [len(x) for x in unseen] == [0, 0, 4, 1] and gloss_lemma("TAUB-GEHÖRLOS1A") == "TAUB-GEHÖRLOS"


def test_untrained_refinement_is_the_identity_and_weights_sum_to_one(database, sentences):
    import torch

    from signkit.moe.network import MoEConfig, SLPMoE, as_tensor, assemble, refine, weigh
    from signkit.moe.training import examples

    config = MoEConfig()
    torch.manual_seed(0)
    model = SLPMoE(config, rest=sentences[0].points[0])
    example = examples(sentences[:2], database, config)[0]
    queries, weights = weigh(model, as_tensor(example.sentence, "cpu"), as_tensor(example.glosses, "cpu"), example.candidates)
    assert queries.shape == (len(example.durations), config.hidden)
    for chosen in weights:
        assert abs(sum(float(w.detach().sum()) for _, w in chosen) - 1) < 1e-5
    clip = [torch.zeros(d, 50, 3) + i for i, d in enumerate(example.durations)]
    frames, signing = assemble(clip, example.gaps, example.lead, example.tail, model.rest)
    assert len(frames) == len(example.target) and int(signing.sum()) == sum(example.durations)
    assert torch.equal(refine(model, frames, signing), frames)
    output = model([example])
    total, parts = output.loss, output.parts
    expected = (parts["reconstruction"] + config.velocity * parts["velocity"] + config.smoothing * parts["smoothing"]
                + config.hand * parts["hand"] + config.duration * parts["duration"])  # fmt: skip
    assert abs(total.item() - expected) < 1e-5
    total.backward()
    assert model.choice[0].weight.grad.abs().sum() > 0 and model.gate[0].weight.grad.abs().sum() > 0


def test_training_lowers_the_loss_and_the_model_signs(trained, dgs):
    rows = list(csv.DictReader((trained / "log.csv").open(encoding="utf-8")))
    losses = [float(r["value"]) for r in rows if r["name"] == "train_loss"]
    assert losses[-1] < losses[0]
    dev = {int(r["step"]): float(r["value"]) for r in rows if r["name"] == "dev_dtw"}
    assert sorted(dev) == [0, 15, 30] and min(dev[15], dev[30]) < dev[0]
    assert {"config.json", "model.safetensors", "lexicon"} <= {p.name for p in trained.iterdir()}
    glosses = (dgs / "test" / "test_1_metadata.json").read_text(encoding="utf-8")
    line = " ".join(json.loads(glosses)["sentence"]["glosses"]["gloss"]) + "\n\nICH1\n"
    runs = [signkit("t2p", "--pipeline", "hierarchical", "--from", "gloss", "--g2p-model", str(trained), "-o", "-",
                    "--to", "h5", input=line) for _ in range(2)]  # fmt: skip
    assert all(r.returncode == 0 for r in runs), runs[0].stderr.decode()
    assert runs[0].stdout == runs[1].stdout
    info = json.loads(signkit("info", "--json", "-", input=runs[0].stdout).stdout)
    assert info["sequences"] == 3 and info["layouts"] == ["pt50"] and info["fps"] == [25.0]


def test_hierarchical_pipeline_end_to_end(trained, tmp_path):
    lines = (DATA / "phoenix14t" / "annotations" / "train.csv").read_text(encoding="utf-8").splitlines()[:33]
    (tmp_path / "weather.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    t2g = signkit("train-t2g", str(tmp_path / "weather.csv"), "-o", str(tmp_path / "t2g"), "--d-model", "32",
                  "--feed-forward", "64", "--layers", "1", "--max-steps", "10", "--batch-size", "16",
                  "--checkpoint-every", "0")  # fmt: skip
    assert t2g.returncode == 0, t2g.stderr.decode()
    produced = signkit("t2p", "--pipeline", "hierarchical", "--gloss-model", str(tmp_path / "t2g"), "--g2p-model",
                       str(trained), "-o", str(tmp_path / "x.pose"), input="am tag regen im norden\n")  # fmt: skip
    assert produced.returncode == 0, produced.stderr.decode()
    video = signkit("render", str(tmp_path / "x.pose"), "-o", str(tmp_path / "x.mp4"))
    assert video.returncode == 0 and (tmp_path / "x.mp4").stat().st_size > 1000, video.stderr.decode()


def test_hierarchical_usage_errors(trained):
    for args, fragment in ((["--pipeline", "hierarchical"], "--g2p-model"),
                           (["--pipeline", "hierarchical", "--g2p-model", str(trained)], "--gloss-model"),
                           (["--pipeline", "hierarchical", "--g2p-model", str(trained), "--model", "x"], "--model"),
                           (["--g2p-model", str(trained)], "--pipeline hierarchical"),
                           (["--pipeline", "tree"], "tree")):  # fmt: skip
        result = signkit("t2p", *args, input="hallo\n")
        assert result.returncode == 2 and fragment in result.stderr.decode(), result.stderr.decode()
    assert_error(signkit("t2p", "--pipeline", "hierarchical", "--from", "gloss", "--g2p-model", str(trained.parent),
                         input="ICH1\n"), "not a readable gloss-to-pose (SLP-MoE) model")  # fmt: skip


def test_clean_joins_dgs_texts_and_glosses(dgs, tmp_path):
    poses = sorted(str(p) for p in (dgs / "test").glob("*_original.pose"))
    result = signkit("clean", *poses, "--no-trim", "--texts", str(dgs / "test"), "-o", str(tmp_path / "test.skels"))
    assert result.returncode == 0, result.stderr.decode()
    glosses = (tmp_path / "test.gloss").read_text(encoding="utf-8").splitlines()
    first = json.loads((dgs / "test" / "test_10_metadata.json").read_text(encoding="utf-8"))["sentence"]
    assert len(glosses) == 16 and glosses[0] == " ".join(first["glosses"]["gloss"])
    assert (tmp_path / "test.text").read_text(encoding="utf-8").splitlines()[0] == first["english"]
