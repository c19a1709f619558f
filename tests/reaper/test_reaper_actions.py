"""The SmartDJ ReaScripts, run as REAPER runs them (reaper_python double), against a real engine."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from pathlib import Path

import pytest
import soundfile as sf

sys.path.insert(0, str(Path(__file__).parent / "reaper_double"))
import reaper_host  # noqa: E402
import reaper_python as rp  # noqa: E402
from session import Reaper, make_wav  # noqa: E402

INSTRUCTION = "turn up the guitar by 3 dB, put it on the left and add reverb"
SMARTDJ = str(Path(sys.executable).with_name("smartdj"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kill_started_engine() -> None:
    pid = rp.STATE.ext.get(("SmartDJ", "engine_pid"))
    if pid:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass


def smartdj_takes(item: rp.Item) -> list[rp.Take]:
    return [t for t in item.takes if t.name.startswith("SmartDJ ")]


def check_renders(item: rp.Item, n: int, length: float) -> None:
    """Every SmartDJ take: a complete stereo WAV of the item's length, active take the newest."""
    takes = smartdj_takes(item)
    assert len(takes) == n
    for k, tk in enumerate(takes, 1):
        assert tk.name.startswith(f"SmartDJ {k}/{n}: ")
        info = sf.info(tk.source.path)
        assert info.format == "WAV" and info.channels == 2
        assert abs(info.frames - round(length * info.samplerate)) <= 1
        assert tk.source.peaks_built
        assert tk.vals["D_STARTOFFS"] == 0.0
        assert f"/step_{k}_" in tk.source.path.replace("\\", "/")
    assert item.takes[item.cur] is takes[-1]


@pytest.fixture
def reaper(tmp_path, engine_factory):
    engine = engine_factory()
    r = Reaper(tmp_path, engine.osc_port, smartdj=SMARTDJ, state_dir=str(engine.state_dir))
    r.engine = engine
    yield r
    reaper_host.stop_all()
    kill_started_engine()


def test_edit_adds_one_take_per_step_with_markers_and_one_undo_point(reaper, tmp_path):
    wav = make_wav(tmp_path / "guitar.wav", seconds=10.0)
    item = rp.add_item(reaper.track("gtr"), str(wav), position=4.0, length=5.0, startoffs=1.0, name="guitar")
    original = item.takes[0]
    reaper.run("edit", [[INSTRUCTION]])

    assert reaper.errors() == [] and reaper.state.boxes == []
    call = reaper.state.input_calls[0]
    assert call["extra"]["extrawidth"] and call["defaults"] == [""]
    check_renders(item, 3, 5.0)
    names = [t.name for t in smartdj_takes(item)]
    assert names[0] == "SmartDJ 1/3: turn up the volume of guitar by 3 dB"
    # the original take is untouched: same file, offset, name, still the first take
    assert item.takes[0] is original and original.source.path == str(wav)
    assert original.vals["D_STARTOFFS"] == 1.0 and original.name == "guitar" and original.vals["D_PLAYRATE"] == 1.0
    # steps as take markers on the original, a region over the item named after the instruction
    assert [m[1] for m in original.markers] == [f"SmartDJ {k}/3: {n.split(': ', 1)[1]}" for k, n in
                                                enumerate(names, 1)]
    assert [m[0] for m in original.markers] == pytest.approx([1.0, 1.0 + 5 / 3, 1.0 + 10 / 3])
    regions = [m for m in reaper.state.project.markers if m["isrgn"]]
    assert [(r["pos"], r["rgnend"], r["name"]) for r in regions] == [(4.0, 9.0, f"SmartDJ: {INSTRUCTION}")]
    # one balanced undo point; renders under the project's media folder; state saved
    assert reaper.state.project.undo_points == [f"SmartDJ: {INSTRUCTION}"] and reaper.state.project.undo_depth == 0
    assert reaper.state.ui_refresh == 0 and reaper.state.nulls == []
    assert all(t.source.path.startswith(str(reaper.media / "SmartDJ")) for t in smartdj_takes(item))
    assert reaper.state.ext[("SmartDJ", "last_instruction")] == INSTRUCTION
    assert ("SmartDJ", "last_instruction") in reaper.state.ext_persist
    assert rp.RPR_GetProjExtState(0, "SmartDJ", "jobs", "", 4096)[4] == "[]"

    # repeat: same instruction, no dialog, three more takes
    reaper.state.project.undo_points.clear()
    reaper.run("repeat")
    assert reaper.errors() == [] and len(reaper.state.input_calls) == 1
    assert len(smartdj_takes(item)) == 6 and reaper.state.project.undo_points == [f"SmartDJ: {INSTRUCTION}"]


def test_selection_problems_are_listed_in_one_message_box(tmp_path):
    r = Reaper(tmp_path, free_port())
    track = r.track()
    good = make_wav(tmp_path / "good.wav", seconds=2.0)
    rp.add_item(track, str(good), name="good")
    fast = rp.add_item(track, str(good), position=3.0, name="fast")
    fast.takes[0].vals["D_PLAYRATE"] = 2.0
    rp.add_item(track, None, position=6.0)  # empty item
    midi = tmp_path / "notes.mid"
    midi.write_bytes(b"MThd")
    rp.add_item(track, str(midi), position=9.0, length=2.0)
    rp.add_item(track, None, position=12.0, length=2.0, name="gone",
                source=rp.Source(str(tmp_path / "missing.wav"), "WAV", 48000, 2, 2.0))
    rp.add_item(track, str(good), position=15.0, length=5.0, name="looped")
    r.state.box_answers.append(7)  # "No": do not continue with the good item
    r.run("edit")
    assert r.errors() == []
    assert len(r.state.boxes) == 1 and r.state.input_calls == []
    msg = r.state.boxes[0][0]
    for needle in ("playback rate 2", "empty item", "MIDI", "file not found", "extends beyond", "other 1"):
        assert needle in msg
    # nothing usable at all: one box, no dialog
    rp.RPR_SelectAllMediaItems(0, False)
    rp.RPR_SetMediaItemSelected(fast.ptr, True)
    r.run("edit")
    assert len(r.state.boxes) == 2 and "None of the selected items" in r.state.boxes[1][0]
    assert r.state.project.undo_points == []


def test_engine_down_is_started_by_the_script(tmp_path):
    port = free_port()
    r = Reaper(tmp_path, port, smartdj=SMARTDJ, state_dir=str(tmp_path / "state"))
    rp.RPR_SetExtState("SmartDJ", "cfg_zmq", "tcp://127.0.0.1:0", True)
    wav = make_wav(tmp_path / "guitar.wav", seconds=3.0)
    item = rp.add_item(r.track(), str(wav), name="guitar")
    try:
        r.run("edit", [["turn it up by 3 dB"]], max_seconds=60)
        assert r.errors() == [] and r.state.boxes == []
        assert r.state.ext.get(("SmartDJ", "engine_pid"))
        check_renders(item, 1, 3.0)
        r.run("status")
        assert "Engine: running" in r.state.boxes[-1][0]
    finally:
        kill_started_engine()


def test_status_and_cancel_when_the_engine_is_not_running(tmp_path):
    r = Reaper(tmp_path, free_port())
    r.run("status")
    assert r.errors() == [] and "not reachable" in r.state.boxes[0][0]
    r.run("cancel")
    assert "No SmartDJ job" in r.state.boxes[1][0]


def test_engine_killed_mid_job_is_restarted_and_the_job_resumes(reaper, tmp_path):
    rp.RPR_SetExtState("SmartDJ", "cfg_zmq", "tcp://127.0.0.1:0", True)
    wav = make_wav(tmp_path / "long.wav", seconds=20.0)
    item = rp.add_item(reaper.track(), str(wav), name="guitar")
    reaper.start("edit", [["add reverb to the guitar, then turn it up by 3 dB and put it on the left"]])
    reaper_host.run_until_idle(until=lambda: bool(item.takes[0].markers), max_seconds=20)
    assert item.takes[0].markers, "the plan never arrived"
    reaper.engine.kill()  # mid-job: the reverb step of a 20 s item is running
    reaper_host.run_until_idle(max_seconds=90)
    assert reaper.errors() == []
    if reaper.state.boxes:  # the only other acceptable outcome: one clear message
        assert len(reaper.state.boxes) == 1 and "engine" in reaper.state.boxes[0][0].lower()
    else:
        check_renders(item, 3, 20.0)
        assert reaper.state.ext.get(("SmartDJ", "engine_pid"))  # the script restarted it
    assert reaper.state.project.undo_depth == 0 and len(reaper.state.project.undo_points) == 1


def test_reaper_restart_mid_job_resumes_and_imports_what_finished(reaper, tmp_path):
    wav = make_wav(tmp_path / "long.wav", seconds=12.0)
    item = rp.add_item(reaper.track(), str(wav), name="guitar")
    reaper.start("edit", [["turn it up by 3 dB, add reverb to it and put it on the left"]])
    reaper_host.run_until_idle(until=lambda: len(item.takes) >= 2, max_seconds=30)
    assert len(item.takes) >= 2
    reaper.restart()  # the script dies with REAPER; the engine keeps working
    assert reaper.state.project.undo_points  # what was imported is one undo point already
    time.sleep(1.0)
    reaper.run("edit", [None])  # the user cancels the dialog; the unfinished job still resumes
    assert reaper.errors() == [] and reaper.state.boxes == []
    check_renders(item, 3, 12.0)
    assert rp.RPR_GetProjExtState(0, "SmartDJ", "jobs", "", 4096)[4] == "[]"


def test_cancel_stops_a_running_job(reaper, tmp_path):
    wav = make_wav(tmp_path / "long.wav", seconds=20.0)
    item = rp.add_item(reaper.track(), str(wav), name="guitar")
    reaper.start("edit", [["add reverb to the guitar, then turn it up by 3 dB and put it on the left"]])
    reaper_host.run_until_idle(until=lambda: bool(item.takes[0].markers), max_seconds=20)
    reaper.start("cancel")
    reaper_host.run_until_idle(max_seconds=30)
    assert reaper.errors() == []
    assert len(reaper.state.boxes) == 1 and reaper.state.boxes[0][0].startswith("Cancelled:")
    assert "cancel" in reaper.state.boxes[0][0].split("\n", 2)[2]
    assert len(smartdj_takes(item)) < 3
    assert rp.RPR_GetProjExtState(0, "SmartDJ", "jobs", "", 4096)[4] == "[]"
    assert reaper.state.project.undo_depth == 0


def test_unreadable_source_is_reported_clearly(reaper, tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really audio" * 10)
    rp.add_item(reaper.track(), str(bad), length=4.0, name="broken")
    reaper.run("edit", [["turn it up by 3 dB"]])
    assert reaper.errors() == []
    assert len(reaper.state.boxes) == 1
    msg = reaper.state.boxes[0][0]
    assert "could not finish" in msg and "broken.wav" in msg
    assert reaper.state.project.undo_depth == 0


def test_twenty_items_at_once(reaper, tmp_path):
    track = reaper.track()
    items = [rp.add_item(track, str(make_wav(tmp_path / f"c{i}.wav", seconds=2.0, freq=200 + 20 * i)),
                         position=3.0 * i, name=f"clip {i}") for i in range(20)]
    reaper.run("edit", [["turn it up by 3 dB"]], max_seconds=80)
    assert reaper.errors() == [] and reaper.state.boxes == []
    for it in items:
        check_renders(it, 1, 2.0)
    assert len({t.source.path for it in items for t in smartdj_takes(it)}) == 20
    assert len([m for m in reaper.state.project.markers if m["isrgn"]]) == 20
    assert len(reaper.state.project.undo_points) == 1


def test_scene_mixes_land_as_takes_of_one_new_item(reaper, examples):
    from conftest import SCENE_INSTRUCTION

    files = [("10_rain_falling.wav", "rain falling"), ("16_clock_ticking.wav", "clock ticking"),
             ("14_car_horn_honking.wav", "car horn honking")]
    sources = []
    for k, (f, label) in enumerate(files):
        sources.append(rp.add_item(reaper.track(label), str(examples / f), position=2.0, name=label))
        assert k == 0 or sources[k].vals["D_LENGTH"] > 0
    span_end = max(it.vals["D_POSITION"] + it.vals["D_LENGTH"] for it in sources)
    reaper.run("scene", [[SCENE_INSTRUCTION]])
    assert reaper.errors() == [] and reaper.state.boxes == []
    new = [it for it in rp.all_items() if it not in sources]
    assert len(new) == 1
    scene = new[0]
    assert scene.track not in [s.track for s in sources]
    assert scene.vals["D_POSITION"] == 2.0 and scene.vals["D_LENGTH"] == pytest.approx(span_end - 2.0)
    n = len(scene.takes)
    assert n == 3 and all(t.name.startswith(f"SmartDJ {k}/{n}: ") for k, t in enumerate(scene.takes, 1))
    assert scene.takes[scene.cur] is scene.takes[-1]
    assert all(sf.info(t.source.path).channels == 2 for t in scene.takes)
    assert [s.takes[0].name for s in sources] == [label for _, label in files]  # sources untouched
    assert all(len(s.takes) == 1 for s in sources)
    assert [m["name"] for m in reaper.state.project.markers if m["isrgn"]] == [f"SmartDJ: {SCENE_INSTRUCTION}"]
    assert [it for it in rp.all_items() if it.selected] == sources  # the user's selection is back
    assert len(reaper.state.project.undo_points) == 1


def test_plan_edit_then_execute(reaper, tmp_path):
    wav = make_wav(tmp_path / "guitar.wav", seconds=3.0)
    item = rp.add_item(reaper.track(), str(wav), name="guitar")

    def edit(defaults):
        assert defaults[-3:] == ["", "", ""]  # two spare "add a step" fields and the order
        return [defaults[0], "change the sound of guitar to right", "", "reverb the sound of guitar with reverb level 2",
                "", ""]

    reaper.run("plan", [["turn up the guitar by 3 dB, put it on the left and add reverb"], edit])
    assert reaper.errors() == [] and reaper.state.boxes == []
    call = reaper.state.input_calls[1]
    assert call["captions"] == ["Step 1", "Step 2", "Step 3", "Add a step", "Add a step",
                                "Order (e.g. 3 1 2; empty = as listed)"]
    assert len(item.takes) == 1  # plan only: no renders
    planned = [m[1] for m in item.takes[0].markers]
    assert planned == ["SmartDJ 1/3: turn up the volume of guitar by 3 dB",
                       "SmartDJ 2/3: change the sound of guitar to right",
                       "SmartDJ 3/3: reverb the sound of guitar with reverb level 2"]
    reaper.run("execute")
    assert reaper.errors() == [] and reaper.state.boxes == []
    check_renders(item, 3, 3.0)
    assert [t.name.split(": ", 1)[1] for t in smartdj_takes(item)] == [p.split(": ", 1)[1] for p in planned]


def test_settings_are_validated_and_persisted(tmp_path):
    r = Reaper(tmp_path, 9100)

    def change(defaults):
        assert defaults[1] == "9100"
        out = list(defaults)
        out[1], out[3], out[5] = "9200", "alm", str(tmp_path / "renders")
        return out

    r.run("settings", [change])
    assert r.errors() == [] and r.state.boxes == []
    assert r.state.ext[("SmartDJ", "cfg_osc_port")] == "9200" and r.state.ext[("SmartDJ", "cfg_planner")] == "alm"
    assert ("SmartDJ", "cfg_out_dir") in r.state.ext_persist
    r.run("settings", [lambda d: [d[0], "ninety", *d[2:]]])
    assert "Settings not saved" in r.state.boxes[0][0] and r.state.ext[("SmartDJ", "cfg_osc_port")] == "9200"


def test_register_actions_adds_every_action(tmp_path):
    r = Reaper(tmp_path, free_port())
    r.run("register_actions")
    assert r.errors() == []
    assert sorted(os.path.basename(p) for p in r.state.registered) == sorted(
        f"smartdj_{a}.py" for a in ("edit", "repeat", "plan", "execute", "scene", "cancel", "status", "settings"))
    assert "Registered 8" in r.state.boxes[0][0]
