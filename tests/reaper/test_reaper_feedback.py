"""What a REAPER user sees while and after a job runs (issue 11): progress, summary, no debris, the Plan
dialog, unsure plans, queueing, start-up failures. ReaScripts in the double against a real engine."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "reaper_double"))
import reaper_host  # noqa: E402
import reaper_python as rp  # noqa: E402
from session import Reaper, make_wav  # noqa: E402
from smartdj.bridge import reaper_client as rc  # noqa: E402
from test_reaper_actions import SMARTDJ, check_renders, kill_started_engine, smartdj_takes  # noqa: E402

THREE_STEPS = "turn up the guitar by 3 dB, put it on the left and add reverb"


@pytest.fixture
def reaper(tmp_path, engine_factory):
    engine = engine_factory()
    r = Reaper(tmp_path / "r", engine.osc_port, smartdj=SMARTDJ, state_dir=str(engine.state_dir))
    r.engine = engine
    yield r
    reaper_host.stop_all()
    kill_started_engine()


def help_texts() -> list[str]:
    return [t for t, _ in rp.STATE.help]


def test_a_three_step_job_shows_progress_for_every_step_and_a_summary(reaper, tmp_path):
    item = rp.add_item(reaper.track(), str(make_wav(tmp_path / "g.wav", seconds=4.0)), name="guitar")
    reaper.run("edit", [[THREE_STEPS]])
    assert reaper.errors() == [] and reaper.state.boxes == []
    check_renders(item, 3, 4.0)
    texts = help_texts()
    for k in (1, 2, 3):
        assert any(t.startswith(f"SmartDJ: step {k} of 3 ") and "%" in t for t in texts), (k, texts)
    running = [t for t in texts if t.startswith("SmartDJ: step 3 of 3")]
    assert "reverb the sound of guitar" in running[0]  # what is running
    assert texts[-1].startswith(f"SmartDJ: done - '{THREE_STEPS}': 3 render(s) added as new takes")
    assert all(temporary for _, temporary in rp.STATE.help)  # the status line, never a console


def _user_marks(item: rp.Item) -> None:
    rp.RPR_AddProjectMarker2(0, True, 0.0, 1.0, "verse", -1, 0)
    rp.RPR_AddProjectMarker2(0, False, 2.0, 2.0, "drop", -1, 0)
    rp.RPR_SetTakeMarker(item.takes[0].ptr, -1, "my note", 0.5, 0)
    rp.RPR_SetTakeMarker(item.takes[0].ptr, -1, "SmartDJ 1/1: an older plan", 0.25, 0)


def _snapshot(item: rp.Item) -> tuple:
    markers = [dict(m) for m in rp.STATE.project.markers]
    return markers, [list(m) for m in item.takes[0].markers], list(rp.STATE.project.undo_points), len(item.takes)


def test_a_failed_job_leaves_the_project_as_it_was(reaper, tmp_path):
    rp.RPR_SetExtState("SmartDJ", "cfg_executor", "composer", True)  # no separation: the step cannot run
    item = rp.add_item(reaper.track(), str(make_wav(tmp_path / "g.wav", seconds=3.0)), name="guitar")
    _user_marks(item)
    before = _snapshot(item)
    reaper.run("edit", [["remove the sound of dog barking"]])
    assert reaper.errors() == []
    assert len(reaper.state.boxes) == 1 and "could not finish" in reaper.state.boxes[0][0]
    assert "Nothing was changed in the project." in reaper.state.boxes[0][0]
    # the plan did land while the job ran (a region and step markers), and was taken back
    assert rp.STATE.calls.get("AddProjectMarker2", 0) == 3 and rp.STATE.calls.get("DeleteProjectMarker", 0) == 1
    assert _snapshot(item) == before
    assert reaper.state.project.undo_depth == 0 and reaper.state.ui_refresh == 0
    assert rp.RPR_GetProjExtState(0, "SmartDJ", "jobs", "", 4096)[4] == "[]"
    assert help_texts()[-1].endswith("the project is as it was")
    # the same instruction again still gets its region (the record of the taken-back one is gone)
    reaper.run("edit", [["turn up the guitar by 3 dB"]])
    assert [m["name"] for m in rp.STATE.project.markers if m["isrgn"]] == ["verse", "SmartDJ: turn up the guitar by 3 dB"]


def test_plan_dialog_reads_everyday_wording_and_reorders_in_one_pass(reaper, tmp_path):
    wav = make_wav(tmp_path / "g.wav", seconds=3.0)
    item = rp.add_item(reaper.track(), str(wav), name="guitar")
    first = []

    def edit(defaults):  # remove step 1, add free wording, put it first
        first.extend(defaults)
        assert len(defaults) == 2 + 2 + 1
        return ["", defaults[1], "turn it down by 6 dB", "", "3 2"]

    def confirm(defaults):
        assert defaults[:2] == ["turn down the volume of guitar by 6 dB", first[1]]
        return defaults

    reaper.run("plan", [["turn up the guitar by 3 dB and add reverb"], edit, confirm])
    assert reaper.errors() == [] and reaper.state.boxes == []
    assert len(reaper.state.input_calls) == 3
    assert [m[1] for m in item.takes[0].markers] == ["SmartDJ 1/2: turn down the volume of guitar by 6 dB",
                                                     f"SmartDJ 2/2: {first[1]}"]
    assert reaper.state.project.undo_points == ["SmartDJ plan: turn up the guitar by 3 dB and add reverb"]
    reaper.run("execute")
    assert reaper.errors() == [] and reaper.state.boxes == []
    check_renders(item, 2, 3.0)


def test_plan_dialog_refuses_what_nobody_can_read_and_a_bad_order(reaper, tmp_path):
    item = rp.add_item(reaper.track(), str(make_wav(tmp_path / "g.wav", seconds=2.0)), name="guitar")
    answers = [["turn up the guitar by 3 dB"],
               lambda d: [d[0], "", "", "5"],  # no field 5
               lambda d: [d[0], "zork the frobnicator", "", ""],  # neither the language nor the planner reads it
               lambda d: [d[0], "", "", "", ""] if d[1] == "zork the frobnicator" else None,  # shown again: emptied
               ]
    reaper.run("plan", answers)
    assert reaper.errors() == []
    boxes = [b[0] for b in reaper.state.boxes]
    assert len(boxes) == 2 and "'5' in the order is not a field number" in boxes[0]
    assert "'zork the frobnicator': the planner could not read it" in boxes[1]
    assert reaper.state.input_calls[3]["title"].endswith("some steps need rewording")
    assert [m[1] for m in item.takes[0].markers] == ["SmartDJ 1/1: turn up the volume of guitar by 3 dB"]


def _unsure_in_transit(g: dict) -> None:
    """A second reading added to the planned events in transit (PROTOCOL.md), for an item with one label."""
    follower = sys.modules["reaper_client"].JobFollower
    original = follower.take

    def take(self, limit=16):
        out = original(self, limit)
        for ev in out:
            if ev.get("type") == "planned":
                ev["unsure"] = True
                ev["alternatives"] = [ev["steps"], [{"text": "turn down the volume of guitar by 3 dB"}]]
        return out

    follower.take = take


def test_an_unsure_plan_is_confirmed_in_the_plan_dialog_before_anything_runs(reaper, tmp_path):
    item = rp.add_item(reaper.track(), str(make_wav(tmp_path / "g.wav", seconds=2.0)), name="guitar")
    rp.STATE.inputs.append(["turn up the guitar by 3 dB"])
    reaper_host.run_script(str(reaper.scripts / "smartdj_edit.py"))  # the dialog ran, the job is submitted
    _unsure_in_transit({})
    rp.STATE.inputs.extend([["2"], lambda d: d])  # the second reading, confirmed as it is
    reaper_host.run_until_idle()
    assert reaper.errors() == []
    assert "not sure" in reaper.state.boxes[0][0] and "turn down the volume of guitar by 3 dB" in reaper.state.boxes[0][0]
    titles = [c["title"] for c in reaper.state.input_calls]
    assert titles[1] == "SmartDJ: which reading?" and titles[2].startswith("SmartDJ plan: guitar")
    takes = smartdj_takes(item)
    assert [t.name for t in takes] == ["SmartDJ 1/1: turn down the volume of guitar by 3 dB"]  # only the confirmed one
    assert len(reaper.state.boxes) == 1


def test_a_plan_only_the_learned_reader_could_read_is_confirmed_before_it_runs(reaper, tmp_path):
    item = rp.add_item(reaper.track(), str(make_wav(tmp_path / "g.wav", seconds=2.0)), name="guitar")
    rp.STATE.inputs.append(["give the guitar a hall"])  # the rules cannot read it; the engine holds the reader's reading
    reaper_host.run_script(str(reaper.scripts / "smartdj_edit.py"))
    rp.STATE.inputs.append(lambda d: d)  # the reading, confirmed as it is
    reaper_host.run_until_idle()
    assert reaper.errors() == []
    assert "not sure" in reaper.state.boxes[0][0] and "reverb the sound of guitar with reverb level 5" in reaper.state.boxes[0][0]
    titles = [c["title"] for c in reaper.state.input_calls]
    assert "SmartDJ: which reading?" not in titles and titles[1].startswith("SmartDJ plan: guitar")
    assert [t.name for t in smartdj_takes(item)] == ["SmartDJ 1/1: reverb the sound of guitar with reverb level 5"]


def test_a_job_behind_a_long_one_says_it_is_queued(reaper, tmp_path):
    long = make_wav(tmp_path / "long.wav", seconds=30.0)
    client = rc.EngineClient("127.0.0.1", reaper.engine.osc_port)
    try:
        ref = client.send("submit", items=[{"path": str(long), "label": "pad"}], out_dir=str(tmp_path / "out"),
                          instruction="add reverb to the pad, then turn it up by 3 dB and put it on the left")
        reply, t0 = None, time.monotonic()
        while reply is None and time.monotonic() - t0 < 10:
            client.poll()
            reply = client.reply(ref)
            time.sleep(0.01)
        rp.add_item(reaper.track(), str(make_wav(tmp_path / "g.wav", seconds=2.0)), name="guitar")
        reaper.start("edit", [["turn it up by 3 dB"]])
        reaper_host.run_until_idle(until=lambda: any("queued behind" in t for t in help_texts()), max_seconds=30)
        assert any(t.startswith("SmartDJ: queued behind 1 job(s): 'turn it up by 3 dB'") for t in help_texts())
        reaper.start("status")  # the Status action says it too
        reaper_host.run_until_idle(until=lambda: bool(reaper.state.boxes), max_seconds=20)
        assert "queued behind 1 job(s) - turn it up by 3 dB" in reaper.state.boxes[0][0]
        reaper.state.boxes.clear()
        client.send("cancel", job=reply["job"])
        reaper_host.run_until_idle(max_seconds=60)
        assert reaper.errors() == [] and reaper.state.boxes == []
        assert help_texts()[-1].startswith("SmartDJ: done")
    finally:
        client.close()


def test_the_start_failure_box_shows_only_this_start(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "smartdj-engine.log").write_text("stale line from last week\n" * 20)
    fake = tmp_path / "smartdj"
    fake.write_text("#!/bin/sh\necho 'fresh: cannot bind the port' >&2\nexit 3\n")
    fake.chmod(0o755)
    r = Reaper(tmp_path / "r", 1, smartdj=str(fake), state_dir=str(state))
    rp.RPR_SetExtState("SmartDJ", "cfg_osc_port", "9", True)
    rp.add_item(r.track(), str(make_wav(tmp_path / "g.wav", seconds=1.0)), name="guitar")
    r.run("edit", [["turn it up by 3 dB"]])
    assert r.errors() == [] and len(r.state.boxes) == 1
    msg = r.state.boxes[0][0]
    assert "stopped at start-up (exit code 3)" in msg and "fresh: cannot bind the port" in msg
    assert "stale line" not in msg
    assert r.state.project.markers == [] and r.state.project.undo_points == []


def test_a_freshly_imported_item_named_after_its_file_is_edited_whole(reaper, tmp_path):
    item = rp.add_item(reaper.track(), str(make_wav(tmp_path / "mix20.wav", seconds=2.0)))
    assert item.takes[0].name == "mix20.wav"  # REAPER's name for a new take
    reaper.run("edit", [["turn it down 6 dB"]])
    assert reaper.errors() == [] and reaper.state.boxes == []
    check_renders(item, 1, 2.0)


def test_a_job_recorded_by_version_0_1_resumes_after_the_upgrade(reaper, tmp_path):
    """ExtState keys and the job record are those 0.1's smartdj_common.py wrote: a job running during the
    upgrade is picked up by the new scripts and its renders land."""
    import json

    wav = make_wav(tmp_path / "g.wav", seconds=3.0)
    item = rp.add_item(reaper.track(), str(wav), name="guitar")
    client = rc.EngineClient("127.0.0.1", reaper.engine.osc_port)
    try:
        ref = client.send("submit", items=[{"path": str(wav), "label": "guitar", "id": "item1", "start": 0.0,
                                            "length": 3.0}], instruction="turn it up by 3 dB and add reverb",
                          out_dir=str(reaper.media / "SmartDJ"), client="reaper")
        reply, t0 = None, time.monotonic()
        while reply is None and time.monotonic() - t0 < 10:
            client.poll()
            reply = client.reply(ref)
            time.sleep(0.01)
    finally:
        client.close()
    job = reply["job"]
    rec = {"kind": "edit", "instruction": "turn it up by 3 dB and add reverb", "mode": "plan+execute", "last_seq": 0,
           "items": {"item1": {"guid": item.guid, "label": "guitar"}}}
    rp.RPR_SetProjExtState(0, "SmartDJ", "jobs", json.dumps([job]))
    rp.RPR_SetProjExtState(0, "SmartDJ", "job." + job, json.dumps(rec))
    reaper.run("edit", [None])  # the user cancels the dialog; the recorded job resumes
    assert reaper.errors() == [] and reaper.state.boxes == []
    check_renders(item, 2, 3.0)
    assert rp.RPR_GetProjExtState(0, "SmartDJ", "jobs", "", 4096)[4] == "[]"


def test_progress_inside_a_long_step_moves_in_reaper(tmp_path, engine_factory):
    import re

    engine = engine_factory(env={"SMARTDJ_DEBUG_STEP_DELAY": "1.5"})  # each step reports progress for 1.5 s
    r = Reaper(tmp_path / "r", engine.osc_port, smartdj=SMARTDJ, state_dir=str(engine.state_dir))
    try:
        item = rp.add_item(r.track(), str(make_wav(tmp_path / "g.wav", seconds=2.0)), name="guitar")
        r.run("edit", [["turn it up by 3 dB and put it on the left"]])
        assert r.errors() == [] and r.state.boxes == []
        check_renders(item, 2, 2.0)
        for k in (1, 2):
            inside = [int(m.group(1)) for t in help_texts() if (m := re.match(rf"SmartDJ: step {k} of 2 (\d+)%", t))]
            assert inside[0] == 0 and any(0 < p < 100 for p in inside), (k, help_texts())
            assert inside == sorted(inside)  # never goes back
    finally:
        reaper_host.stop_all()
