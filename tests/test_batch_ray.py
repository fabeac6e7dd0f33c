"""Tests of mgc_core.batch.ray_engine: a tiny job on a local Ray (2 CPUs, no dashboard) gives
the local engine's rows, resumes the same results file and keeps bad files as error rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_batch_engine import SR, music

from mgc_core.batch.engine import run_batch
from mgc_core.batch.output import read_rows
from mgc_core.batch.rows import same_row

pytest.importorskip("ray")
# Ray Data's own settings warn about their deprecated names when it reads them.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.mark.slow
def test_ray_gives_the_local_engine_s_rows(tmp_path, synth):
    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(3):
        (lib / f"{i}.flac").write_bytes(synth.sf_bytes(music(4.0 + i), SR, format="FLAC"))
    (lib / "3.mp3").write_text("not audio, only text " * 20)
    local_out, ray_out = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    local = run_batch([lib], out=local_out, models=["knn"])
    first = run_batch([lib / "0.flac"], out=ray_out, models=["knn"])  # done before Ray runs
    ray = run_batch([lib], out=ray_out, models=["knn"], engine="ray", workers=1)
    assert (ray.classified, ray.failed, ray.already_done) == (2, 1, 1)
    assert first.classified == 1 and ray.exit_status == local.exit_status == 2
    expected, got = list(read_rows(local_out)), list(read_rows(ray_out))
    assert [Path(r["file"]).name for r in got] == ["0.flac", "1.flac", "2.flac", "3.mp3"]
    for a, b in zip(expected, got, strict=True):
        assert same_row(a, b, tol=1e-4), (a, b)
    assert "looks like a text file" in got[3]["error"]
