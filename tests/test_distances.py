"""The pose distances that tell signs apart, and `signkit score retrieval` (issue 19).

The ranking is checked on hand-made signing whose order is known by construction, masked points
against the same points set to zero, every setting against the signature, the distances and
retrieval on the real data beside the project, and bad input."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from conftest import assert_error, signkit
from signkit.errors import SignkitError
from signkit.evaluate.distances import DEFAULT, DISTANCES, MISMATCH, PoseDistance, point_costs
from signkit.evaluate.scores import retrieval
from signkit.pose.layouts import PT50_LEFT_HAND, PT50_RIGHT_HAND, PT50_RWRIST, pt50_header
from signkit.pose.motion import REST_POSE, active_frames
from signkit.pose.sequence import Sequence, make_pose

FPS = 25.0
RIGHT_ARM = [PT50_RWRIST, *range(PT50_RIGHT_HAND.start, PT50_RIGHT_HAND.stop)]


def _sign(x: float, gloss: str | None = None, name: str = "s", rest: int = 5) -> Sequence:
    """Hand-made PT-50 signing: ``rest`` frames of the rest pose, the right hand carried in 10
    frames to ``x`` (normalised units, the signer's right) at shoulder height, held 6 frames,
    carried back, ``rest`` frames of rest."""
    target = REST_POSE.copy()
    target[RIGHT_ARM] += np.array([x, -0.45, 0.0], np.float32) - REST_POSE[PT50_RWRIST]
    ramp = np.linspace(0, 1, 10, dtype=np.float32)[:, None, None]
    frames = np.concatenate([np.repeat(REST_POSE[None], rest, 0), REST_POSE + ramp * (target - REST_POSE),
                             np.repeat(target[None], 6, 0), target + ramp * (REST_POSE - target),
                             np.repeat(REST_POSE[None], rest, 0)])  # fmt: skip
    return Sequence(name, make_pose(pt50_header(), frames, None, FPS), gloss=gloss)


def test_retrieval_ranks_glosses_as_built():
    """Glosses A-D move the hand to x = 0.2, 0.5, 0.9, 1.4; a query that is B's recording, labelled
    C, finds B (0), A (0.3 away), C (0.4), D (0.9): C ranks 3rd. A copy of A labelled A ranks 1st;
    a copy of D labelled A finds D, C, B, A: 4th. A gloss of two recordings is as near as the
    nearer one; a query of a gloss the reference lacks is left out and counted."""
    reference = [_sign(x, gloss, f"{gloss}{i}") for i, (x, gloss) in enumerate([(0.2, "A"), (0.5, "B"), (0.9, "C"),
                                                                                 (1.4, "D"), (3.0, "A")])]  # fmt: skip
    queries = [_sign(0.5, "C", "q1"), _sign(0.2, "A", "q2"), _sign(1.4, "A", "q3"), _sign(0.5, "Z", "q4")]
    for name in DISTANCES:
        result = retrieval(queries, reference, name)
        assert (result.values["top1"], result.values["top5"]) == (1 / 3, 1.0), name
        assert result.values["mean_rank"] == pytest.approx((3 + 1 + 4) / 3), name
        assert (result.values["queries"], result.values["unmatched"], result.values["glosses"]) == (3, 1, 4)
        assert result.score == result.values["top1"] and result.count == 3


def test_masked_points_are_never_counted_as_zeros():
    """A hand lost (NaN) is not a hand at the neck (0, 0, 0): against a recording with the hand in
    view, each of its points costs MISMATCH, not its distance to the origin; two recordings that
    both lost it do not count it at all."""
    seen = _sign(0.5)
    lost, zero = _sign(0.5), _sign(0.5)
    for sequence, value in ((lost, np.nan), (zero, 0.0)):
        data = np.ma.filled(sequence.pose.body.data[:, 0].astype(np.float32), np.nan)
        data[:, PT50_LEFT_HAND] = value
        sequence.pose = make_pose(pt50_header(), data, None, FPS)
    for distance in DISTANCES.values():
        a, b, c = (distance.prepare(s) for s in (seen, lost, zero))
        assert distance.between(b, b) == 0.0, distance.name
        assert distance.between(a, b) != pytest.approx(distance.between(a, c)), distance.name
    distance = PoseDistance("x", points="hands", trim=False)
    costs = point_costs(distance.prepare(seen), distance.prepare(lost))
    assert np.all(costs[..., :21] == MISMATCH) and np.isfinite(costs[..., 21:]).all()
    assert np.isnan(point_costs(distance.prepare(lost), distance.prepare(lost))[..., :21]).all()


def test_rest_frames_are_trimmed_by_hand_speed():
    """10 frames of rest at each end (the hands still), then signing: the span found is the signing,
    give or take the frame where the motion starts (central differences)."""
    points = np.ma.filled(_sign(0.5, rest=10).pose.body.data[:, 0], np.nan).astype(np.float64) * 3
    first, last = active_frames(points, FPS)
    assert 9 <= first <= 10 and 36 <= last <= 37, (first, last)  # rest 0-9, ramps and hold 10-35, rest 36-45
    assert active_frames(np.repeat(points[:1], 5, 0), FPS) == (0, 5)  # all at rest: all kept


def test_every_setting_is_in_the_signature():
    for distance in DISTANCES.values():
        signature = dict(part.split(":", 1) for part in distance.signature.split("|"))
        assert signature["distance"] == distance.name and signature["dtw"] == distance.dtw
        assert (signature["points"], signature["hands"]) == (distance.points, distance.hands)
        assert signature["missing"].startswith(distance.missing) and signature["trim"] != ""
        assert signature["fps"] == str(distance.fps or "as-is") and signature["norm"] and signature["layout"] == "pt50"
        assert (signature["trim"] == "no") == (not distance.trim)


def test_a_distance_between_real_sequences(data):
    """Each sentence of the PHOENIX14T sample's dev split against itself: 0; against the test
    split's five other sentences: more, and the JSON names the distance's settings."""
    dev, test = (str(data / "phoenix14t" / "sample" / f"{split}.skels") for split in ("dev", "test"))
    same = signkit("score", DEFAULT, dev, "-i", dev, "-b")
    assert same.returncode == 0 and float(same.stdout) == 0.0, same.stderr.decode()
    other = json.loads(signkit("score", DEFAULT, dev, "-i", test).stdout)
    assert other["score"] > 0.1 and other["count"] == 5 and other["metric"] == DEFAULT
    assert other["signature"] == DISTANCES[DEFAULT].signature + "|average:sequence"


def test_retrieval_of_a_lexicon_against_itself(data, tmp_path):
    """Every recording of 20 of the ASL lexicon's (its index's first 18 rows, SIX and W) is nearest
    itself (distance 0), and ranks first but one: six.pose and w.pose are the same bytes (ASL's SIX
    and W share a handshape), so W ties with SIX at 0 and, ties going in gloss order, ranks second."""
    rows = (data / "asl-lexicon" / "index.csv").read_text(encoding="utf-8").splitlines()
    chosen = rows[1:19] + [row for row in rows if row.startswith(("ase/six.pose,", "ase/w.pose,"))]
    lexicon = tmp_path / "lexicon"
    (lexicon / "ase").mkdir(parents=True)
    for row in chosen:
        shutil.copy(data / "asl-lexicon" / row.split(",")[0], lexicon / row.split(",")[0])
    (lexicon / "index.csv").write_text("\n".join(rows[:1] + chosen) + "\n", encoding="utf-8")
    result = json.loads(signkit("score", "retrieval", str(lexicon), "--lexicon", str(lexicon)).stdout)
    assert (result["top1"], result["top5"], result["mean_rank"], result["queries"]) == (0.95, 1.0, 1.05, 20)


def test_retrieval_of_t2p_signs(data, tmp_path):
    """`t2p --from gloss` of twelve glosses of the DGS lexicon (each a clip retargeted to one signer,
    with rest and transitions at both ends), ranked among the lexicon's 80 glosses."""
    lexicon = tmp_path / "dgs"
    assert signkit("lexicon", str(data / "dgs-sentences" / "train"), "-o", str(lexicon)).returncode == 0
    rows = (lexicon / "index.csv").read_text(encoding="utf-8").splitlines()[1:]
    glosses = list(dict.fromkeys(row.split(",")[6] for row in rows))[:12]
    produced = signkit("t2p", "--from", "gloss", "--lexicon", str(lexicon), "--signed-language", "gsg", "-o",
                       str(tmp_path / "q.skels"), input="\n".join(glosses) + "\n")  # fmt: skip
    assert produced.returncode == 0, produced.stderr.decode()
    result = json.loads(signkit("score", "retrieval", str(tmp_path / "q.skels"), "--lexicon", str(lexicon)).stdout)
    assert result["queries"] == 12 and result["unmatched"] == 0
    # measured: top-1 0.83, top-5 1.00, mean rank 1.2 among 81 glosses; chance: 1/81 and a mean rank of 41
    # (all 81 glosses: 0.84, 1.00, 1.4; hands-mje, pose-evaluation's hands-only choice: 0.15, 0.42, 17)
    assert result["glosses"] == 81 and result["top1"] > 0.5 and result["mean_rank"] < 5, result
    top1 = signkit("score", "retrieval", str(tmp_path / "q.skels"), "--lexicon", str(lexicon), "-b")
    assert float(top1.stdout) == pytest.approx(result["top1"], abs=1e-4)


def test_bad_retrieval_input_is_named(data, tmp_path):
    lexicon = str(data / "asl-lexicon")
    dev = str(data / "phoenix14t" / "sample" / "dev.skels")
    assert signkit("score", "retrieval", dev).returncode == 2  # no --lexicon
    assert signkit("score", "retrieval", dev, "--lexicon", lexicon, "--distance", "nope").returncode == 2
    assert signkit("score", "dtw", dev, "-i", dev, "--lexicon", lexicon).returncode == 2
    (tmp_path / "x.skels").write_text((data / "phoenix14t" / "sample" / "dev.skels").read_text().splitlines()[0] + "\n")
    assert_error(signkit("score", "retrieval", str(tmp_path / "x.skels"), "--lexicon", lexicon),
                 "sequence 000001: its gloss None is not one gloss")  # fmt: skip
    with pytest.raises(SignkitError, match="'nope': no such distance"):
        retrieval([_sign(0.5, "A")], [_sign(0.5, "A")], "nope")
