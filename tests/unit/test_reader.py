"""The learned reader: its tables, its training on the wide designer, and the reader and hybrid planners' safety."""

from __future__ import annotations

import numpy as np
import pytest
from smartdj.bridge.language import Step
from smartdj.bridge.plan_check import check_plan
from smartdj.engine.data.phrasing import AMOUNTS, OPS, PLACES, QUALITIES, generate
from smartdj.engine.planning.base import PlanningError, get_planner
from smartdj.engine.planning.reader import bundled_folder
from smartdj.models.components.static_embedding import StaticEmbedding, quantise
from smartdj.models.planner.reader import Reader, ReaderConfig, tokens

HEADS = {"op": list(OPS), "place": list(PLACES), "quality": list(QUALITIES), "amount": list(AMOUNTS),
         "complaint": ["0", "1"]}
MIX = ["piano", "lead vocal", "drum kit", "bass guitar"]


def test_static_table_splits_word_pieces_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    rows, scales = quantise(rng.normal(size=(4, 8)).astype(np.float32))
    table = StaticEmbedding(["louder", "loud", "##er", "pan"], rows, scales, source="test")
    assert table.pieces("louder") == [0]
    assert table.pieces("louderer") == [0, 2]
    assert table.pieces("xyz") == []
    again = StaticEmbedding.load(table.save(tmp_path))
    assert np.allclose(again.embed("pan louder"), table.embed("pan louder"), atol=1e-3)
    assert np.linalg.norm(table.embed("pan")) == pytest.approx(1.0, abs=1e-5)


def test_wide_designer_plans_pass_the_plan_check_and_label_every_clause():
    rows = generate(300, seed=3)
    planned = [r for r in rows if r["plan"] is not None]
    assert len(planned) > 100
    for r in planned:
        check_plan([Step.parse(t) for t in r["plan"]], r["labels"])
    for r in rows:
        for c in r["clauses"]:
            assert c["op"] in OPS and c["place"] in PLACES and c["quality"] in QUALITIES and c["amount"] in AMOUNTS


def test_tiny_reader_learns_the_designer_and_saves_with_its_config(tmp_path):
    from smartdj.models.training.reader import train_reader

    train = [c for r in generate(600, seed=1) for c in r["clauses"]]
    held = [c for r in generate(100, seed=2) for c in r["clauses"]]
    config = ReaderConfig.tiny(HEADS)
    reader = train_reader(train, config, None, epochs=20, lr=3e-2)
    out = reader.read([c["text"] for c in held])
    acc = np.mean([o["op"][0] == c["op"] for o, c in zip(out, held, strict=True)])
    majority = max(np.mean([c["op"] == op for c in held]) for op in OPS)
    assert acc > majority + 0.2  # it learned, not guessed the commonest operation
    loaded = Reader.load(reader.save(tmp_path))
    assert [o["op"][0] for o in loaded.read(["nix <x>", "<x> hard left"])] == \
        [o["op"][0] for o in reader.read(["nix <x>", "<x> hard left"])]
    (tmp_path / "reader_config.json").write_text((tmp_path / "reader_config.json").read_text()
                                                 .replace('"format_version": 1', '"format_version": 99'))
    with pytest.raises(ValueError, match="retrain"):
        Reader.load(tmp_path)


def test_tokens_keep_the_written_sign():
    assert tokens("<x> +2, -3 db") == ["<x>", "<+n>", ",", "<-n>", "db"]


def test_bundled_reader_loads_with_its_static_table():
    reader = Reader.load(bundled_folder())
    assert reader.static is not None and reader.config.trained_on["requests"] > 1000


def _plan(planner: str, text: str, labels=MIX) -> list[str]:
    return [str(s) for s in get_planner(planner).plan(text, labels).steps]


@pytest.mark.parametrize("text, expected", [
    ("nix the piano", ["remove the sound of piano"]),
    ("mute teh bass gutiar", ["remove the sound of bass guitar"]),
    ("bring the piano up 2 and pan it hard left",
     ["turn up the volume of piano by 2 dB", "change the sound of piano to left"]),
    ("piano +2, drum kit -3", ["turn up the volume of piano by 2 dB", "turn down the volume of drum kit by 3 dB"]),
    ("move the piano 20 ms earlier", ["shift the sound of piano by -0.02 seconds"]),
    ("banjo up 2 piano down 2", None),
])
def test_reader_reads_slang_typos_pronouns_and_shorthand(text, expected):
    if expected is None:  # a label the mix lacks ("banjo") is refused, never mapped
        with pytest.raises(PlanningError):
            get_planner("reader").plan(text, MIX)
        return
    assert _plan("reader", text) == expected


@pytest.mark.parametrize("text", [
    "turn down the trumpet",  # not in the mix
    "more reverb on the backing vocals",  # only a lead vocal
    "piano up -3",  # the sign contradicts the words
    "don't make the piano any brighter",  # negation: left to the rules
    "pan the piano",  # no place said
    "fade the piano out",  # no step fades
    "make the piano brighter and darker",  # two tones for one sound
])
def test_reader_refuses_rather_than_guess(text):
    with pytest.raises(PlanningError):
        get_planner("reader").plan(text, MIX)


def test_hybrid_plans_with_rules_then_reader_and_shows_disagreements():
    hybrid = get_planner("hybrid")
    ruled = hybrid.plan("turn the piano down 3 dB", MIX)
    assert ruled.planner == "rules" and not ruled.unsure
    with pytest.raises(PlanningError):
        get_planner("rules").plan("give the vox a hall", MIX)
    proposed = hybrid.plan("give the vox a hall", MIX)
    assert proposed.planner == "reader" and proposed.unsure
    assert [str(s) for s in proposed.alternatives[0]] == ["reverb the sound of lead vocal with reverb level 5"]
    assert get_planner("hybrid", confirm=False).plan("give the vox a hall", MIX).unsure is False


@pytest.mark.parametrize("confirm", [True, False])
def test_hybrid_has_no_harmful_plan_on_the_safety_regression_set(confirm):
    from pathlib import Path

    from smartdj.engine.evaluation.planner import evaluate, load_examples

    examples = load_examples(Path(__file__).resolve().parents[1] / "data" / "planner_regression.jsonl")
    summary = evaluate(get_planner("hybrid", confirm=confirm), examples).summary()
    assert summary["harmful"] == 0 and summary["crashes"] == 0, summary
    assert summary["refusal_recall"] >= 0.9, summary


@pytest.mark.parametrize("name", ["planner_dev3_20261202.jsonl", "planner_sealed3_20261202.jsonl",
                                  "planner_sealed4_20261202.jsonl"])
def test_every_planner_answers_every_blind_request_without_crashing(name):
    from pathlib import Path

    from smartdj.engine.evaluation.planner import evaluate, load_examples

    examples = load_examples(Path(__file__).resolve().parents[1] / "data" / name)
    assert len(examples) >= 150
    for planner in ("rules", "reader", "hybrid"):
        assert evaluate(get_planner(planner), examples).summary()["crashes"] == 0


@pytest.mark.parametrize("planner", ["rules", "reader"])
@pytest.mark.parametrize("text, expected", [
    ("throw in some rain hard right, about 6 dB under the mix", "add the sound of rain at the right with -6 dB"),
    ("add a cello drone, as loud as the mix, center", "add the sound of cello drone at the front with 0 dB"),
    ("the piano 0,5 seconds later", "shift the sound of piano by 0.5 seconds"),
])
def test_both_planners_read_the_shared_forms_alike(planner, text, expected):
    assert _plan(planner, text) == [expected]
