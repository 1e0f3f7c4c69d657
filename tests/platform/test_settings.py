"""The one settings object: every key typed and checked when loaded, one precedence (flags > environment >
file > defaults) for every entry point, the settings reaching Dagster assets through resources (not
os.environ), and a reference document that cannot drift from the typed settings."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hindsight.errors import ExitCode
from models.config import ENVIRONMENT, Config, ConfigError, load_config, reference, stage_sections

PROJECT = Path(__file__).resolve().parents[2]
HINDSIGHT = Path(sys.executable).with_name("hindsight")


def _load(tmp_path: Path, text: str) -> Config:
    (tmp_path / "hindsight.toml").write_text(text)
    return load_config(tmp_path / "hindsight.toml", environ={})


@pytest.mark.parametrize(("text", "message"), [
    ('wharehouse = 1\n', "unknown setting 'wharehouse' at the top level (did you mean 'warehouse'?)"),
    ('[clusters]\nsimilarity_treshold = 0.5\n',
     "unknown setting 'similarity_treshold' in [clusters] (did you mean 'similarity_threshold'?)"),
    ('[serve]\nkeep_spool_file = true\n', "unknown setting 'keep_spool_file' in [serve] (did you mean 'keep_spool_files'?)"),
    ('[attribution]\nzzz = 1\n', ("unknown setting 'zzz' in [attribution] (known: decay, max_depth, secondary, "
                                  "time_fallback, top_n)")),
    ('[[repositories]]\nname = "shop"\npath = "r"\ndefault_branch = "main"\nweb_ur = "https://x"\n',
     "unknown setting 'web_ur' in [[repositories]] 'shop' (did you mean 'web_url'?)"),
    ('[[logs.formats]]\nglob = "*.log"\nformat = "<Content>"\nservce = "api"\n',
     "unknown setting 'servce' in [[logs.formats]] #1 (did you mean 'service'?)"),
    (('[[repositories]]\nname = "shop"\npath = "r"\ndefault_branch = "main"\n'
      'path_mappings = [{ stack_root = "/app/", source = "src/" }]\n'),
     "unknown setting 'source' in [[repositories]] 'shop' path_mappings #1 (did you mean 'source_root'?)"),
])
def test_an_unknown_key_is_named_with_its_section_file_and_nearest_key(tmp_path, text, message):
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, text)
    assert str(raised.value) == f"{tmp_path / 'hindsight.toml'}: {message}"


@pytest.mark.parametrize(("text", "message"), [
    ('[serve]\nport = "8000"\n', "serve.port must be an integer, not str '8000'"),
    ('[serve]\nkeep_spool_files = 1\n', "serve.keep_spool_files must be true or false, not int 1"),
    ('[clusters]\nquiet_days = 7.5\n', "clusters.quiet_days must be an integer, not float 7.5"),
    ('[clusters]\nmethod = "kmeans"\n', "clusters.method must be one of 'single_link', 'nearest', not str 'kmeans'"),
    ('[clusters]\nsimilarity_threshold = 1.5\n', "clusters.similarity_threshold must be in (0, 1]"),
    ('[attribution]\ntime_fallback = "yes"\n', "attribution.time_fallback must be true or false, not str 'yes'"),
    ('[risk]\nlabel_sources = ["bugs"]\n', "risk.label_sources must be a list of 'production', 'szz_fix', not list"),
    ('[dashboard]\ndagster_url = 3000\n', "dashboard.dagster_url must be a string, not int 3000"),
    ('clusters = 3\n', "clusters must be a table ([clusters]), not int 3"),
])
def test_a_wrong_type_is_named_with_its_file(tmp_path, text, message):
    with pytest.raises(ConfigError, match=re.escape(f"{tmp_path / 'hindsight.toml'}: {message}")):
        _load(tmp_path, text)


def test_every_section_is_typed(tmp_path):
    config = _load(tmp_path, """
[warehouse]
path = "w.duckdb"
[clusters]
similarity_threshold = 0.7
error_levels = ["error", "warn"]
[attribution]
top_n = 3
time_fallback = true
[risk]
label_sources = ["production"]
scan_pack = false
[serve]
port = 9000
rate_limit = 5
keys_file = "keys.sqlite"
[dashboard]
dagster_url = "http://dagster.internal"
[[repositories]]
name = "shop"
path = "repo"
default_branch = "main"
commit_url = "https://git.example/shop/commit/{sha}"
""")
    assert config.warehouse == tmp_path / "w.duckdb"
    assert (config.clusters.similarity_threshold, config.clusters.error_levels) == (0.7, ("ERROR", "WARN"))
    assert (config.attribution.top_n, config.attribution.decay, config.attribution.time_fallback) == (3, 0.5, True)
    assert (config.risk.label_sources, config.risk.scan_pack) == (("production",), False)
    assert (config.serve.port, config.serve.rate_limit, config.serve.keys_file) == (9000, 5.0, tmp_path / "keys.sqlite")
    assert isinstance(config.serve.rate_limit, float)
    assert config.dashboard.dagster_url == "http://dagster.internal"
    assert config.repositories[0].commit_url == "https://git.example/shop/commit/{sha}"
    assert config.file == tmp_path / "hindsight.toml" and config.root == tmp_path


def test_precedence_flags_over_environment_over_file_over_defaults(tmp_path, monkeypatch):
    (tmp_path / "a.toml").write_text('[warehouse]\npath = "from-a.duckdb"\n[serve]\nport = 1\n')
    (tmp_path / "b.toml").write_text('[warehouse]\npath = "from-b.duckdb"\n[serve]\nport = 2\n')
    monkeypatch.chdir(tmp_path)
    assert load_config(environ={}).warehouse == Path("data/warehouse.duckdb").absolute()  # defaults
    (tmp_path / "hindsight.toml").write_text('[serve]\nport = 3\n')
    assert load_config(environ={}).serve.port == 3  # ./hindsight.toml
    env = {"HINDSIGHT_CONFIG": str(tmp_path / "a.toml")}
    assert load_config(environ=env).serve.port == 1  # the environment names the file
    assert load_config(tmp_path / "b.toml", environ=env).serve.port == 2  # the flag wins
    assert load_config(environ=env).warehouse == tmp_path / "from-a.duckdb"
    env["HINDSIGHT_WAREHOUSE"] = "env.duckdb"
    assert load_config(environ=env).warehouse == Path("env.duckdb")  # environment over the file
    assert load_config(environ=env, warehouse="flag.duckdb").warehouse == Path("flag.duckdb")  # flag over both
    monkeypatch.setenv("HINDSIGHT_CONFIG", str(tmp_path / "b.toml"))  # default environ: the process's
    assert load_config().serve.port == 2


def test_the_cli_stops_at_an_unknown_key_with_one_line(tmp_path):
    (tmp_path / "hindsight.toml").write_text('[clusters]\nsimilarity_treshold = 0.5\n')
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HINDSIGHT_", "SENTRY_"))}
    result = subprocess.run([str(HINDSIGHT), "commits"], cwd=tmp_path, capture_output=True, text=True,
                            env=base, timeout=120, check=False)
    assert result.returncode == ExitCode.CONFIG, result.stderr
    first = result.stderr.splitlines()[0]
    assert first == ("error: hindsight.toml: unknown setting 'similarity_treshold' in [clusters] "
                     "(did you mean 'similarity_threshold'?)")
    assert "Traceback" not in result.stderr


def test_in_process_runs_get_the_settings_through_resources_not_the_environment(tmp_path, monkeypatch):
    """`materialize_all` (what `hindsight run` and `hindsight demo` call) passes its flags to the Dagster
    resources and leaves os.environ as it was; the `dagster dev` path is tests/platform/test_definitions.py."""
    from pipelines import runner

    monkeypatch.delenv("HINDSIGHT_CONFIG", raising=False)
    monkeypatch.delenv("HINDSIGHT_WAREHOUSE", raising=False)
    config = tmp_path / "hindsight.toml"
    config.write_text(f'[warehouse]\npath = "{tmp_path / "from-file.duckdb"}"\n\n[landing]\ndir = "landing"\n')
    def ours():
        return {k: v for k, v in os.environ.items() if k.startswith(("HINDSIGHT_", "DAGSTER_"))}

    before = ours()
    assert runner.materialize_all(config_path=config, selection="commits").success
    assert (tmp_path / "from-file.duckdb").exists()
    flagged = tmp_path / "flag" / "w.duckdb"
    assert runner.materialize_all(config_path=config, warehouse=flagged, selection="commits").success
    assert flagged.exists()
    assert ours() == before


def test_the_resource_loads_with_the_same_precedence(tmp_path):
    from pipelines.resources import HindsightConfigResource, default_resources

    config = tmp_path / "h.toml"
    config.write_text('[warehouse]\npath = "w.duckdb"\n[clusters]\nquiet_days = 3\n')
    resources = default_resources(config, None)
    assert resources["duckdb"].database == str(tmp_path / "w.duckdb")
    assert resources["hindsight"].load().clusters.quiet_days == 3
    other = default_resources(config, tmp_path / "other.duckdb")
    assert other["duckdb"].database == str(tmp_path / "other.duckdb")
    assert HindsightConfigResource(config_path=str(config), warehouse=str(tmp_path / "x.duckdb")).load().warehouse \
        == tmp_path / "x.duckdb"


def test_stage_code_reads_no_untyped_configuration():
    """No `config.raw[...]` and no HINDSIGHT_CONFIG/HINDSIGHT_WAREHOUSE lookups outside models/config.py:
    the precedence lives in one place."""
    offenders = []
    for folder in ("models", "pipelines", "hindsight", "dashboards"):
        for path in (PROJECT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if re.search(r"\.raw\b(\.get|\[)", text) and "config" in text:
                offenders.append(f"{path}: Config.raw")
            if path.name != "config.py" and re.search(r"environ(\.get)?\W+\"HINDSIGHT_(CONFIG|WAREHOUSE)", text):
                offenders.append(f"{path}: reads the settings' environment itself")
    assert not offenders, offenders


def test_every_environment_variable_is_documented():
    """Every HINDSIGHT_* name in the code is in models.config.ENVIRONMENT (so in docs/CONFIGURATION.md),
    except the variables of the GitHub workflow that models/risk/export.py writes (the CI job's, not ours)."""
    names = set()
    for folder in ("models", "pipelines", "hindsight", "dashboards"):
        for path in (PROJECT / folder).rglob("*.py"):
            if path.relative_to(PROJECT).as_posix() == "models/risk/export.py":
                continue
            names |= set(re.findall(r"\bHINDSIGHT_[A-Z_]+\b", path.read_text(encoding="utf-8")))
    assert names <= set(ENVIRONMENT), sorted(names - set(ENVIRONMENT))


def test_the_reference_document_matches_the_typed_settings():
    """docs/CONFIGURATION.md holds `python -m models.config --reference` verbatim, so every key, type and
    default documented is the one the loader accepts."""
    doc = (PROJECT / "docs" / "CONFIGURATION.md").read_text(encoding="utf-8")
    block = doc.split("<!-- BEGIN generated by `python -m models.config --reference` -->\n", 1)[1]
    block = block.split("<!-- END generated -->", 1)[0]
    assert block == reference(), "run: .venv/bin/python -m models.config --reference (and paste it into the doc)"
    for name, cls in stage_sections().items():
        for f in dataclasses.fields(cls):
            assert f.metadata.get("doc"), f"[{name}] {f.name} has no doc"
            assert f"`[{name}] {f.name}`" in block
    assert "docs/CONFIGURATION.md" in (PROJECT / "README.md").read_text(encoding="utf-8")


def test_every_stage_section_is_a_field_of_config_with_defaults():
    sections = stage_sections()
    assert set(sections) == {"clusters", "attribution", "risk", "serve", "dashboard", "compute"}
    defaults = Config()
    for name, cls in sections.items():
        assert getattr(defaults, name) == cls()
