"""Many clients at once on both transports (a smaller run of ``smartdj bench load``): nothing lost, order kept."""

from __future__ import annotations

import numpy as np
import soundfile as sf
from smartdj.engine.bench.load import run_load


def test_concurrent_clients_lose_nothing_and_keep_their_order(running_engine, tmp_path):
    src = tmp_path / "item.wav"
    sf.write(src, (np.random.default_rng(0).standard_normal((8000, 2)) * 0.1).astype(np.float32), 16000)
    launched = running_engine._launched
    doc = run_load(launched, str(src), str(tmp_path / "out"), zmq_clients=8, zmq_jobs=4, osc_clients=3, osc_jobs=3)
    assert doc["jobs_expected"] == 41 and doc["jobs_lost"] == 0 and doc["clients_out_of_order"] == 0, doc
    renders = sorted((tmp_path / "out").rglob("*.wav"))
    assert len(renders) == 41 and not [p for p in (tmp_path / "out").rglob("*partial*")]
    assert "Traceback" not in running_engine.log()
