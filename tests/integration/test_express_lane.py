"""Light jobs (plan only, scenes, the exact composer) are not stuck behind a heavy job; light jobs keep their order."""

from __future__ import annotations

import time

from conftest import scene_items


def _end_times(c, jobs: list[str], timeout: float = 60) -> dict[str, float]:
    ends: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while len(ends) < len(jobs) and time.monotonic() < deadline:
        for job in jobs:
            if job not in ends and c.events(job)["events"][-1]["type"] in ("done", "failed", "cancelled"):
                ends[job] = time.monotonic()
        time.sleep(0.02)
    return ends


def test_a_plan_and_a_scene_run_beside_a_heavy_item_job(engine_factory, examples, tmp_path):
    engine = engine_factory(env={"SMARTDJ_DEBUG_STEP_DELAY": "1.5"})
    item = [{"path": str(examples / "10_rain_falling.wav"), "label": "rain falling", "id": "mix"}]
    with engine.client() as c:
        heavy = c.submit(item, "turn it down 6 dB, then turn it up 2 dB", str(tmp_path / "out"),
                         options={"executor": "auto"})
        deadline = time.monotonic() + 60
        while not any(e["type"] in ("step_started", "failed") for e in c.events(heavy)["events"]):
            assert time.monotonic() < deadline, c.events(heavy)["events"]
            time.sleep(0.02)
        plan = c.submit(item, "turn it down 3 dB", str(tmp_path / "out"), mode="plan")
        ends = _end_times(c, [heavy, plan])
        assert c.events(plan)["events"][-1]["type"] == "done"
        assert c.events(heavy)["events"][-1]["type"] == "done"
        assert ends[plan] < ends[heavy]  # the plan did not wait for the heavy job's two slow steps


def test_light_jobs_keep_their_order_when_nothing_heavy_runs(engine_factory, examples, tmp_path):
    engine = engine_factory(env={"SMARTDJ_DEBUG_STEP_DELAY": "0.3"})
    with engine.client() as c:
        jobs = [c.submit(scene_items(examples), "turn the rain down by 3 dB", str(tmp_path / "out"), scene=True)
                for _ in range(3)]
        ends = _end_times(c, jobs)
    assert sorted(jobs, key=ends.__getitem__) == jobs
