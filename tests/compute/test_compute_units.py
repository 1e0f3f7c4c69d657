"""The compute layer without a cluster: `[compute]` settings, content-hash named task output, and
template mining whose result does not depend on how the typing was split (real Loghub logs)."""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl
import pytest

from models.compute import ComputeSettings
from models.compute.naming import write_once
from models.compute.sentry import read_parts, transform_sentry_file
from models.compute.templates import cluster_typer, partitions
from models.config import ConfigError, load_config
from models.signatures.logformat import split_lines
from models.signatures.loghub import FORMATS, system_files
from models.signatures.templates import MinerState, mine_messages, read_lines
from pipelines.compute import LocalRunner


def _config(tmp_path: Path, body: str):
    path = tmp_path / "hindsight.toml"
    path.write_text(body, encoding="utf-8")
    return load_config(path)


def test_settings_default_local_and_dask_needs_a_scheduler(tmp_path):
    assert ComputeSettings.from_config(_config(tmp_path, "")).mode == "local"
    dask = ComputeSettings.from_config(_config(tmp_path, '[compute]\nmode = "dask"\nscheduler = "tcp://h:8786"\n'))
    assert (dask.mode, dask.scheduler) == ("dask", "tcp://h:8786")
    assert dask.output_root(_config(tmp_path, "")) == tmp_path / "data" / "landing" / ".compute"
    with pytest.raises(ConfigError, match="scheduler is required"):
        ComputeSettings.from_config(_config(tmp_path, '[compute]\nmode = "dask"\n'))


@pytest.mark.parametrize("body, message", [
    ('[compute]\nmode = "spark"\n', "compute.mode must be one of"),
    ('[compute]\nworkers = 4\n', "unknown setting 'workers' in \\[compute\\]"),
    ('[compute]\nscheduler = 8786\n', "compute.scheduler must be a string"),
    ('[compute]\nconnect_timeout_s = 0\n', "positive number"),
    ('compute = "dask"\n', "compute must be a table"),
])
def test_settings_mistakes_are_config_errors(tmp_path, body, message):
    with pytest.raises(ConfigError, match=message):
        ComputeSettings.from_config(_config(tmp_path, body))


def test_output_is_written_once_under_its_content_hash(tmp_path):
    calls = []

    def fill(folder: Path) -> dict:
        calls.append(folder)
        (folder / "data.txt").write_text("x")
        return {"n": 1}

    first = write_once(tmp_path, "k-1", fill)
    again = write_once(tmp_path, "k-1", fill)  # a retried task: finds the finished folder
    assert first == again and len(calls) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k-1"]  # no temporary folder left behind


def test_sentry_task_is_idempotent_and_keeps_every_record(tmp_path):
    src = tmp_path / "events.ndjson"
    good = '{"event_id": "%032x", "exception": {"values": [{"type": "E", "value": "v"}]}}'
    src.write_text("\n".join([good % 1, "{not json", good % 2, good % 1]) + "\n", encoding="utf-8")
    one = transform_sentry_file(str(src), str(tmp_path / "out"))
    two = transform_sentry_file(str(src), str(tmp_path / "out"))
    assert one == two and "error" not in one
    copy = tmp_path / "renamed.ndjson"
    copy.write_bytes(src.read_bytes())
    assert transform_sentry_file(str(copy), str(tmp_path / "out"))["output"] == one["output"]  # named by content
    parts = list(read_parts(Path(one["output"]), load_time=__import__("datetime").datetime(2026, 1, 1)))
    batch = next(p.transformed for p in parts if p.transformed)
    assert batch["valid"] == 3 and batch["rejects"].num_rows == 1  # the duplicate is left to the committer's dedupe
    assert set(batch["events"].column("ingested_at").to_pylist()) == {__import__("datetime").datetime(2026, 1, 1)}
    missing = transform_sentry_file(str(tmp_path / "gone.ndjson"), str(tmp_path / "out"))
    assert "gone.ndjson" in missing["error"]


def _loghub_messages(shared_datasets: Path, systems=("HDFS", "OpenSSH", "Zookeeper", "Linux")) -> pl.Series:
    parts = []
    for system in systems:
        log, _ = system_files(shared_datasets / "loghub-2k", system)
        parts.append(split_lines(read_lines(log), FORMATS[system])["Content"])
    return pl.concat(parts)


def _interleaved_typer(k: int):
    """Types every k-th message together (partition i = messages i, i+k, ...): a split by stream, not by range."""
    def typer(messages: pl.Series) -> pl.Series:
        from models.signatures.templates import type_messages

        frame = pl.DataFrame({"message": messages}).with_row_index("row")
        typed = [frame.filter(pl.col("row") % k == i).with_columns(type_messages(
            frame.filter(pl.col("row") % k == i)["message"])) for i in range(k)]
        return pl.concat(typed).sort("row")["pattern"]
    return typer


def test_template_mining_does_not_depend_on_the_split(shared_datasets, tmp_path):
    messages = _loghub_messages(shared_datasets)
    whole, state = mine_messages(messages, MinerState())
    assert whole["template_id"].n_unique() > 50
    typed_rows = messages.n_unique()  # mine_messages types each distinct message once
    for rows in (300, 1_234, typed_rows // 2 + 1):
        assert len(partitions(messages.unique(), rows)) > 1
        split, split_state = mine_messages(messages, MinerState(), typer=cluster_typer(LocalRunner(), tmp_path, rows))
        assert split.equals(whole) and split_state.templates == state.templates
    for k in (2, 5):
        split, _ = mine_messages(messages, MinerState(), typer=_interleaved_typer(k))
        assert split.equals(whole)
    assert not any(tmp_path.iterdir())  # the typing runs leave no files behind


def test_template_mining_does_not_depend_on_line_order(shared_datasets):
    messages = _loghub_messages(shared_datasets, ("OpenSSH", "HDFS"))
    whole, state = mine_messages(messages, MinerState())
    order = list(range(messages.len()))
    random.Random(5).shuffle(order)
    shuffled, shuffled_state = mine_messages(messages.gather(order), MinerState())
    assert shuffled_state.templates == state.templates
    assert shuffled.equals(whole[order])
