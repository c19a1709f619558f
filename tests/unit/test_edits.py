"""The edit language: every op round-trips text <-> JSON, and bad input names the bad part."""

from __future__ import annotations

import json

import pytest
from smartdj.bridge.language import (
    LOCATIONS,
    OPS,
    EditError,
    Step,
    parse_plan,
    parse_step,
    plan_from_json,
    plan_to_json,
    split_targets,
    step_from_json,
)

WITH_AT = [
    Step("remove", "dog barking", at="left"),
    Step("extract", "piano note", at="right front"),
    Step("volume", "car horn honking", at="front", db=-6),
    Step("volume", "rain falling", at="left front", db=2.5),
    Step("direction", "violin", at="left", to="right"),
    Step("shift", "thunder", at="right", seconds=-1.5),
    Step("reverb", "flute note", at="front", level=5),
    Step("timbre", "trumpet note", at="left", quality="muffled"),
]
WITHOUT_AT = [
    Step("add", "rain falling", to="left front", db=-3),
    Step("add", "applause", to="front", db=0),
    Step("remove", "dog barking"),
    Step("extract", "water pours, horn honks, and man speaks"),
    Step("volume", "siren", db=3),
    Step("direction", "violin", to="left"),
    Step("shift", "clock ticking", seconds=0.25),
    Step("reverb", "woman speaking: 'Hello world'", level=0.5),
    Step("timbre", "crow caw (single)", quality="bright"),
]
ALL = WITH_AT + WITHOUT_AT


def test_volume_text_takes_the_range_json_takes():
    """The language allows -60..+40 dB: "turn down by 50" parses as JSON's -50 does; beyond either end is refused."""
    assert parse_step("turn down the volume of piano by 50 dB") == Step("volume", "piano", db=-50)
    for text in ("turn down the volume of piano by 70 dB", "turn up the volume of piano by 50 dB"):
        with pytest.raises(EditError, match="out of range"):
            parse_step(text)


def test_every_op_is_covered():
    assert {s.op for s in ALL} == set(OPS)
    assert {s.op for s in WITH_AT} == set(OPS) - {"add"}


@pytest.mark.parametrize("step", ALL, ids=lambda s: s.text)
def test_text_round_trip(step):
    assert parse_step(step.text) == step
    assert parse_step(step.text).text == step.text


@pytest.mark.parametrize("step", ALL, ids=lambda s: s.text)
def test_json_round_trip(step):
    obj = json.loads(json.dumps(step.to_json()))
    assert set(obj) == {"op", "target", "at", "to", "db", "seconds", "level", "quality", "text"}
    back = step_from_json(obj)
    assert back == step and back.text == step.text
    # the text alone is enough, and the fields alone are enough
    assert step_from_json({"text": obj["text"]}) == step
    assert step_from_json({k: v for k, v in obj.items() if k != "text"}) == step


def test_canonical_texts():
    assert Step("add", "rain", to="left", db=-1).text == "add the sound of rain at the left with -1 dB"
    assert Step("volume", "dog", at="left", db=-6).text == "turn down the volume of dog at left by 6 dB"
    assert Step("volume", "dog", db=2.5).text == "turn up the volume of dog by 2.5 dB"
    assert Step("direction", "dog", at="front", to="right").text == "change the sound of dog at front to right"
    assert Step("timbre", "dog", quality="warm").text == "change the timbre of the sound of dog to be more warm"
    assert Step("shift", "dog", at="left", seconds=1).text == "shift the sound of dog at the left by 1 seconds"


def test_parse_tolerates_case_spacing_and_list_markers():
    s = parse_step("  1.  Turn DOWN the volume of  Dog barking by 3dB. ")
    assert s == Step("volume", "Dog barking", db=-3)
    # the planner's JSON-path wording for add and volume
    assert parse_step("add the sound of rain at left by 2 db") == Step("add", "rain", to="left", db=2)
    assert parse_step("turn up the sound of rain by 4 db") == Step("volume", "rain", db=4)


def test_plans_round_trip():
    plan = parse_plan("\n".join(f"{i}. {s.text}" for i, s in enumerate(ALL, 1)))
    assert plan == ALL
    assert plan_from_json({"steps": plan_to_json(ALL)}) == ALL
    assert plan_from_json([s.text for s in ALL]) == ALL


def test_split_targets():
    assert split_targets("water pours, horn honks, and man speaks") == ["water pours", "horn honks", "man speaks"]
    assert split_targets("dog") == ["dog"]


@pytest.mark.parametrize(("text", "part"), [
    ("explode the sound of dog", "text"),
    ("change the timbre of the sound of dog to be more shiny", "quality"),
    ("turn down the volume of dog by 0 dB", "db"),
    ("turn up the volume of dog by 99 dB", "db"),
    ("shift the sound of dog by 0 seconds", "seconds"),
    ("shift the sound of dog by 600 seconds", "seconds"),
    ("reverb the sound of dog with reverb level 11", "level"),
    ("reverb the sound of dog with reverb level 0", "level"),
    ("add the sound of rain at the left with 30 dB", "db"),
    ("", "text"),
])
def test_bad_text_names_the_part(text, part):
    with pytest.raises(EditError) as e:
        parse_step(text)
    assert e.value.part == part
    assert str(e.value).startswith(part)


@pytest.mark.parametrize(("obj", "part"), [
    ({"op": "explode", "target": "dog"}, "op"),
    ({"target": "dog"}, "op"),
    ({"op": 3, "target": "dog"}, "op"),
    ({"op": "remove"}, "target"),
    ({"op": "remove", "target": "  "}, "target"),
    ({"op": "remove", "target": 7}, "target"),
    ({"op": "remove", "target": "dog at the left"}, "target"),
    ({"op": "remove", "target": "dog", "at": "upstairs"}, "at"),
    ({"op": "direction", "target": "dog"}, "to"),
    ({"op": "direction", "target": "dog", "to": "behind"}, "to"),
    ({"op": "timbre", "target": "dog", "quality": "shiny"}, "quality"),
    ({"op": "timbre", "target": "dog"}, "quality"),
    ({"op": "volume", "target": "dog", "db": "loud"}, "db"),
    ({"op": "volume", "target": "dog"}, "db"),
    ({"op": "volume", "target": "dog", "db": True}, "db"),
    ({"op": "volume", "target": "dog", "db": float("nan")}, "db"),
    ({"op": "volume", "target": "dog", "db": -61}, "db"),
    ({"op": "add", "target": "rain", "to": "left", "db": -41}, "db"),
    ({"op": "shift", "target": "dog", "seconds": "soon"}, "seconds"),
    ({"op": "shift", "target": "dog", "seconds": 61}, "seconds"),
    ({"op": "reverb", "target": "dog", "level": -1}, "level"),
    ({"op": "reverb", "target": "dog", "level": "lots"}, "level"),
    ({"op": "remove", "target": "dog", "db": 3}, "db"),
    ({"op": "remove", "target": "dog", "colour": "red"}, "colour"),
    ({"op": "remove", "target": "dog", "text": "remove the sound of cat"}, "text"),
    ("remove the dog", "step"),
])
def test_bad_json_names_the_part(obj, part):
    with pytest.raises(EditError) as e:
        step_from_json(obj)
    assert e.value.part == part


def test_locations_normalise():
    assert Step("direction", "dog", to="Left-Front").to == "left front"
    assert set(LOCATIONS) == {"left", "left front", "front", "right front", "right"}


def test_plan_errors_name_the_step():
    with pytest.raises(EditError) as e:
        parse_plan("remove the sound of dog\nexplode the cat")
    assert e.value.part == "step 2"
    with pytest.raises(EditError) as e:
        plan_from_json([{"op": "remove", "target": "dog"}, {"op": "volume", "target": "cat", "db": "x"}])
    assert e.value.part == "step 2.db"
