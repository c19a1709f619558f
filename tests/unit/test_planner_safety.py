"""Planner safety: the blind regression set with zero harmful plans, the issue's wrong plans, order, unsure plans."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from smartdj.bridge import labels as lab
from smartdj.bridge.language import QUALITIES, EditError, Step, parse_step
from smartdj.bridge.plan_check import check_plan
from smartdj.engine.evaluation.gold import gold_step, harmful, plan_matches
from smartdj.engine.evaluation.planner import evaluate, load_examples
from smartdj.engine.planning.base import PlanningError
from smartdj.engine.planning.rules import RulePlanner

ROOT = Path(__file__).resolve().parents[2]
REGRESSION = ROOT / "tests" / "data" / "planner_regression.jsonl"
BAND = ["piano", "lead vocal", "drum kit", "guitar", "violin", "dog barking"]


@pytest.fixture(scope="module")
def planner() -> RulePlanner:
    return RulePlanner()


def texts(result) -> list[str]:
    return [s.text for s in result.steps]


def test_blind_regression_set_has_no_harmful_plan(planner):
    examples = load_examples(REGRESSION)
    assert len(examples) >= 50
    summary = evaluate(planner, examples).summary()
    print(f"\nregression set: exact {summary['exact_plan_accuracy']}, refusal recall {summary['refusal_recall']}, "
          f"harmful {summary['harmful']}")
    assert summary["harmful"] == 0 and summary["crashes"] == 0, summary
    assert summary["refusal_recall"] >= 0.9, summary


@pytest.mark.parametrize("instruction, expected", [
    ("turn the piano dwon 3 dB", ["turn down the volume of piano by 3 dB"]),  # a typo never flips the sign
    ("make the guitar less bright", ["change the timbre of the sound of guitar to be more dark"]),
    ("turn everything except the violin down 10 dB",
     [f"turn down the volume of {x} by 10 dB" for x in BAND if x != "violin"]),
    ("add rain in the background and put it on the left", ["add the sound of rain at the left with -12 dB"]),
    ("add rain in the background, then make it warmer",  # the user's order: the timbre step edits the added rain
     ["add the sound of rain at the front with -12 dB", "change the timbre of the sound of rain to be more warm"]),
    ("don't touch the vocal, just turn the piano down 3", ["turn down the volume of piano by 3 dB"]),
    ("piano: +2, a touch of verb", ["turn up the volume of piano by 2 dB", "reverb the sound of piano with reverb level 3"]),
    ("move the violin one beat later at 120 bpm", ["shift the sound of violin by 0.5 seconds"]),
])
def test_the_issues_wrong_plans_now_plan_right(planner, instruction, expected):
    assert texts(planner.plan(instruction, BAND)) == expected


@pytest.mark.parametrize("instruction, part", [
    ("turn down the trumpet", 'no source matches "trumpet"'),  # absent: never the nearest label
    ("more reverb on the backing vocals", 'no source matches "backing vocals"'),
    ("cut the dog between 3 and 5 seconds", "time ranges"),  # refused, never dropped
    ("turn the vocal down in the chorus", "time ranges"),
    ("move the piano 2 beats later", "say the tempo"),
    ("turn the piano 3 db", "up or down"),  # a sign would be a guess
    ("turn the piano up and down", "opposite changes"),
    ("nudge the drum kit back 20ms", "earlier or later"),
    ("all of it down 3 except the saxophone", "not in the mix"),
    ("turn the piano lfet and rihgt", "opposite changes"),
])
def test_unsafe_requests_are_refused_naming_the_part(planner, instruction, part):
    with pytest.raises(PlanningError, match=part):
        planner.plan(instruction, BAND)


def test_a_typo_as_near_to_a_word_as_to_another_is_refused():
    from smartdj.engine.planning.rules_pre import respell

    fixed, fixes = respell("pan the piano rihgt", keep=set())
    assert fixed == "pan the piano right" and fixes == [("rihgt", "right")]
    with pytest.raises(PlanningError, match="could be"):
        respell("make the piano louer", keep=set())  # louder or lower: one edit from two opposite words


def test_two_equal_readings_come_back_unsure_and_are_never_executed_unasked(planner):
    r = planner.plan("turn the guitar down 3", ["acoustic guitar", "electric guitar", "lead vocal"])
    assert r.unsure and len(r.alternatives) == 2
    assert {a[0].target for a in r.alternatives} == {"acoustic guitar", "electric guitar"}
    out = r.to_json()
    assert out["unsure"] is True and out["alternatives"][0][0]["op"] == "volume"
    assert "unsure" not in planner.plan("turn the piano down 3", BAND).to_json()


def test_whole_item_edit_on_a_take_named_after_its_file(planner):
    from smartdj.engine.compose.mixture import apply_to_mixture, supports

    steps = planner.plan("turn it down 6 dB", ["mix20.wav"]).steps
    assert [s.text for s in steps] == ["turn down the volume of mix20.wav by 6 dB"]
    assert supports(steps[0], "mix20.wav")
    assert supports(parse_step("turn down the volume of mix20 wav by 6 dB"), "mix20.wav")  # punctuation aside
    audio = np.full((2, 2400), 0.5, dtype=np.float32)
    out = apply_to_mixture(audio, 24000, steps[0], item_label="mix20.wav")
    assert np.allclose(out, 0.5 * 10 ** (-6 / 20), atol=1e-4)


def test_one_label_matcher():
    assert lab.same("Mix20.WAV", "mix20 wav") and not lab.same("dog", "dogs")
    assert lab.find("dog", ["dog barking", "cat", "dog growling"]) == [0, 2]
    assert lab.find("Car Horn", ["car horn", "horn"]) == [0]
    assert lab.ground("hats", ["kick", "hi-hat"], {"hats": ("hat",)}, strict=True) == "hi-hat"
    assert lab.ground("backing vocals", ["lead vocal", "piano"], strict=True) is None
    assert lab.ground("guitar", ["acoustic guitar", "electric guitar"], strict=True) is None
    assert lab.candidates("guitar", ["acoustic guitar", "electric guitar", "piano"]) == ["electric guitar",
                                                                                        "acoustic guitar"]


def test_plan_check_keeps_order_and_accepts_edits_of_added_sounds():
    add = Step(op="add", target="rain", to="front", db=-12)
    warm = Step(op="timbre", target="rain", quality="warm")
    assert check_plan([add, warm], ["piano"]) == [add, warm]
    with pytest.raises(EditError, match="not one of the labels"):
        check_plan([warm, add], ["piano"])  # edited before it exists
    assert check_plan([Step(op="remove", target="Mix20.WAV")], ["mix20.wav", "rain"])
    assert check_plan([Step(op="extract", target="rain and piano")], ["piano", "rain"])
    with pytest.raises(EditError, match="twice"):
        check_plan([Step(op="extract", target="rain and rain")], ["piano", "rain"])  # a model's stutter


def test_plan_check_refuses_edits_of_a_sound_a_keep_took_out():
    labels = ["piano", "rain", "dog"]
    keep = Step(op="extract", target="rain and piano")
    assert check_plan([keep, Step(op="volume", target="rain", db=3)], labels)  # kept: can still be edited
    for later in (Step(op="extract", target="piano"), Step(op="volume", target="dog", db=3)):
        with pytest.raises(EditError, match="taken out by the keep of step 1"):
            check_plan([Step(op="extract", target="rain"), later], labels)


def test_the_reader_keeps_every_sound_named_to_keep_in_one_step():
    from smartdj.engine.planning.base import get_planner

    r = get_planner("reader").plan("keep only the piano and the rain", ["piano", "rain", "dog"])
    assert [s.text for s in r.steps] == ["extract the sound of piano and rain"]


def test_gold_ranges_alternatives_and_harm():
    want = [gold_step("turn down the volume of piano by {2-4} dB")]
    assert want[0].lo == -4 and want[0].hi == -2
    assert plan_matches([parse_step("turn down the volume of piano by 3 dB")], want)
    assert not plan_matches([parse_step("turn down the volume of piano by 6 dB")], want)
    assert harmful([parse_step("turn up the volume of piano by 3 dB")], [want])  # the sign differs
    add = [gold_step("add the sound of thunder at the right with {-20--6} dB")]
    assert plan_matches([parse_step("add the sound of far-off thunder at the right with -12 dB")], add)
    assert harmful([parse_step("remove the sound of piano")], None)  # should have been refused
    assert not harmful([], None)


@pytest.mark.parametrize("text", [
    *[f"change the timbre of the sound of rain falling to be more {q}" for q in QUALITIES],
    "remove the sound of dog barking", "extract the sound of rain falling",
    "turn down the volume of dog barking by 4.5 dB", "change the sound of rain falling to right front",
    "shift the sound of dog barking by -0.25 seconds", "reverb the sound of rain falling with reverb level 3",
    "add the sound of church bell at the left with -6 dB",
])
def test_a_canonical_step_plans_to_itself(text):
    result = RulePlanner().plan(text, ["rain falling", "dog barking"])
    assert [s.text for s in result.steps] == [text]


@pytest.mark.parametrize("text", ["clean up the dialogue", "please clean the voice up", "denoise the speech"])
def test_clean_up_requests_remove_the_noise_around_the_voice(text):
    assert [s.text for s in RulePlanner().plan(text).steps] == ["remove the sound of background noise"]


def test_clean_up_is_not_rewritten_when_a_pronoun_points_back_at_the_voice():
    with pytest.raises(PlanningError):  # "it" is the narration, never the noise
        RulePlanner().plan("denoise the narration and turn it up 2 dB")


def test_a_tone_change_and_a_level_said_together_are_both_planned():
    steps = RulePlanner().plan("narrator warmer and up 1", ["narrator", "music bed"]).steps  # the tone was once dropped
    assert [s.text for s in steps] == ["change the timbre of the sound of narrator to be more warm",
                                       "turn up the volume of narrator by 1 dB"]


@pytest.mark.parametrize(("text", "labels"), [
    ("take the reverb off the organ", ["organ", "choir"]),  # read as "reverb level 5" on the organ
    ("coach needs to cut through, +4", ["coach", "crowd"]),  # "cut" read as remove
])
def test_a_plan_that_leaves_out_or_inverts_part_of_the_request_is_refused(text, labels):
    with pytest.raises(PlanningError):
        RulePlanner().plan(text, labels)


def test_a_name_that_fits_a_lead_and_another_part_is_not_guessed_as_the_lead():
    labels = ["harsh vocals", "rhythm guitars", "lead guitar", "bass"]
    result = None
    try:
        result = RulePlanner().plan("turn the guitar up 2 dB", labels)
    except PlanningError:
        return
    assert result.unsure and {s[0].target for s in result.alternatives} == {"rhythm guitars", "lead guitar"}


@pytest.mark.parametrize(("text", "want"), [
    ("pan the harmonica left a bit", "change the sound of harmonica to left front"),
    ("the dog slightly right", "change the sound of dog to right front"),
    ("dog more to the centre", "change the sound of dog to front"),
])
def test_partial_pans(text, want):
    assert [s.text for s in RulePlanner().plan(text, ["harmonica", "dog"]).steps] == [want]


def test_a_song_section_is_a_time_range_and_is_refused():
    with pytest.raises(PlanningError, match="second verse"):
        RulePlanner().plan("vocal louder in the second verse", ["vocals", "piano"])


@pytest.mark.parametrize(("text", "want"), [
    ("bring the keys down by three and a half", ["turn down the volume of keys by 3.5 dB"]),
    ("ad-libs up two and verb them at 4", ["turn up the volume of ad libs by 2 dB",
                                           "reverb the sound of ad libs with reverb level 4"]),
    ("chair squeaks: get rid", ["remove the sound of chair squeaks"]),
    ("highway hum - get rid of it", ["remove the sound of highway hum"]),
    ("put the keys in a hall, reverb level 6", ["reverb the sound of keys with reverb level 6"]),
])
def test_stated_numbers_and_terse_headers_are_read_as_said(text, want):
    labels = ["keys", "ad libs", "chair squeaks", "highway hum", "piano"]
    assert [s.text for s in RulePlanner().plan(text, labels).steps] == want


@pytest.mark.parametrize(("text", "want"), [
    ("bass gtr -2 / drums +1", ["turn down the volume of bass guitar by 2 dB", "turn up the volume of drum kit by 1 dB"]),
    ("can we lose the strings entirely", ["remove the sound of strings"]),
    ("vocals: +2, a dash of plate reverb", ["turn up the volume of vocals by 2 dB",
                                            "reverb the sound of vocals with reverb level 3"]),
    ("sheep and cows both left", ["change the sound of sheep to left", "change the sound of cows mooing to left"]),
    ("horse whinny a quarter second later", ["shift the sound of horse whinny by 0.25 seconds"]),
])
def test_everyday_shorthand(text, want):
    labels = ["bass guitar", "drum kit", "strings", "vocals", "sheep", "cows mooing", "horse whinny"]
    assert [s.text for s in RulePlanner().plan(text, labels).steps] == want


@pytest.mark.parametrize("text", [
    "pan the sax left and put some distortion on the trumpet",  # an effect is not a sound to add
    "make the monster growl sound like it's coming through a radio and shove it to the right",  # radio dropped
])
def test_effects_and_dropped_device_tones_are_refused(text):
    with pytest.raises(PlanningError):
        RulePlanner().plan(text, ["saxophone", "trumpet", "monster growl", "cave rumble"])


def test_the_same_step_said_twice_is_planned_once():
    steps = RulePlanner().plan("make the spaceship engine sound icier, colder", ["spaceship engine", "alarm"]).steps
    assert [s.text for s in steps] == ["change the timbre of the sound of spaceship engine to be more cold"]


@pytest.mark.parametrize(("text", "want"), [
    ("the sub bass needs to be a good deal louder", "turn up the volume of sub bass by 8 dB"),
    ("lower the birdsong by a decibel and a half", "turn down the volume of birdsong by 1.5 dB"),
])
def test_amounts_in_words(text, want):
    assert [s.text for s in RulePlanner().plan(text, ["sub bass", "birdsong", "wind"]).steps] == [want]


@pytest.mark.parametrize(("text", "want"), [
    ("the waves are less present than I'd like, bring them up 2", ["turn up the volume of ocean waves by 2 dB"]),
    ("the waves are less present than I'd like", ["turn up the volume of ocean waves by 3 dB"]),
    ("the gulls are more present than i want", ["turn down the volume of gulls by 3 dB"]),
])
def test_a_comparison_with_what_the_user_wants_is_not_flipped(text, want):
    assert [s.text for s in RulePlanner().plan(text, ["ocean waves", "gulls"]).steps] == want
