"""A damaged input of the release is an error, never "nothing to release": the released pack's semgrep
file made unreadable (bytes that are not UTF-8, a `ValueError` like any `JSONDecodeError`) fails
`hindsight export rules` and the `rule_pack` asset with the decoding error, where a handler catching
every `ValueError` used to report "no failure class seen yet"."""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from hindsight.cli import run
from hindsight.errors import ExitCode
from models.warehouse import connect
from pipelines import feedback
from pipelines.resources import HindsightConfigResource

from .conftest import build_world, write_config


def test_a_corrupt_pack_is_an_error_not_nothing_to_release(tmp_path, warehouse_path, capsys):
    con = connect(warehouse_path)
    world = build_world(tmp_path, con)
    con.close()
    config = str(write_config(world, warehouse_path))
    assert run(["--config", config, "export", "rules"]) == ExitCode.OK, capsys.readouterr().err
    [semgrep_file] = (world.config.exports_dir / "rulepacks").glob("*/hindsight-semgrep.yaml")
    semgrep_file.write_bytes(b"rules:\n- id: \xff\xfe broken\n")  # the pack on disk damaged

    assert run(["--config", config, "export", "rules"]) == ExitCode.INTERNAL
    err = capsys.readouterr().err
    assert "UnicodeDecodeError" in err, err
    assert "nothing to export" not in err and "no failure class" not in err

    result = dg.materialize(
        [*feedback.assets],
        resources={"duckdb": DuckDBResource(database=str(warehouse_path)),
                   "hindsight": HindsightConfigResource(config_path=config)},
        selection=dg.AssetSelection.assets("rule_pack"),
        raise_on_error=False,
    )
    assert not result.success
    [failure] = result.get_step_failure_events()
    assert "UnicodeDecodeError" in str(failure.event_specific_data.error.to_string())
    assert not result.get_asset_materialization_events(), "a damaged pack is not materialized as 'not released'"
