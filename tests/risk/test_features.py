"""Kamei features, AI lines and as-of production features on a hand-built repository (values by hand)."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from attribution.helpers import GitRepoBuilder

from models.config import RepositoryConfig
from models.history import ingest_repository
from models.risk.features import ALL_FEATURES, Production, compute_features
from models.risk.hunks import read_new_hunks

X1 = "def f(a):\n    b = a + 1\n    c = b * 2\n    d = c - 3\n    return d\n\n\ndef g():\n    return 0\n"
X2 = ("def f(a):\n    b = a + 1\n    c = b * 3\n    d = c - 3\n    d = d + 1\n    d = d + 2\n    return d\n\n\n"
      "def g():\n    return 0\n")
X3 = "def f(a):\n    b = a + 1\n    c = b * 3\n    d = c - 3\n    return d + 1\n\n\ndef g():\n    return 0\n"
ANA, BEN = "Ana <ana@example.com>", "Ben <ben@example.com>"
CLAUDE = "\n\nCo-Authored-By: Claude <noreply@anthropic.com>"


@pytest.fixture
def history(tmp_path, warehouse):
    repo = GitRepoBuilder(tmp_path / "r")
    shas = [
        repo.commit({"a/x.py": X1, "README.md": "# r\nhello\n"}, "init", author=ANA, when="2026-01-01T12:00:00+00:00"),
        repo.commit({"a/x.py": X2, "b/y.py": "1\n2\n3\n4\n5\n"}, "feat: y", author=BEN, when="2026-01-02T12:00:00+00:00"),
        repo.commit({"a/x.py": X3}, "fix: bug in f", author=ANA, when="2026-01-04T12:00:00+00:00"),
        repo.commit({"a/z.py": "1\n2\n3\n4\n5\n6\n"}, "feat: z" + CLAUDE, author=ANA, when="2026-01-05T12:00:00+00:00"),
    ]
    cfg = RepositoryConfig(name="r", path=repo.path)
    ingest_repository(warehouse, cfg)
    read_new_hunks(warehouse, "r", repo.path)
    return shas


def _by_sha(frame: pl.DataFrame) -> dict:
    return {r["sha"]: r for r in frame.iter_rows(named=True)}


def test_kamei_features_by_hand(history, warehouse):
    c1, c2, c3, c4 = history
    f = _by_sha(compute_features(warehouse, "r", production=Production()))
    assert set(f) == {c1, c2, c3, c4}
    fix = f[c3]
    assert (fix["nf"], fix["ns"], fix["nd"], fix["la"], fix["ld"], fix["entropy"]) == (1, 1, 1, 1, 3, 0)
    assert fix["lt"] == 11  # 9 lines added by c1, then +3 -1 by c2
    assert fix["fix"] == 1 and f[c2]["fix"] == 0
    assert (fix["ndev"], fix["nuc"], fix["age"]) == (2, 2, 2.0)  # Ana and Ben; c1, c2; c2 two days before
    assert (fix["exp"], fix["rexp"], fix["sexp"]) == (1, 1.0, 1)
    two = f[c2]
    assert (two["nf"], two["ns"], two["nd"], two["la"], two["ld"]) == (2, 2, 2, 8, 1)
    assert two["entropy"] == pytest.approx(0.99108, abs=1e-4)  # churn 4 and 5 lines
    assert two["lt"] == 4.5 and two["age"] == 1.0 and (two["ndev"], two["nuc"]) == (1, 1)
    assert (two["exp"], two["rexp"], two["sexp"]) == (0, 0, 0)
    assert f[c1]["exp"] == 0 and f[c1]["lt"] == 0 and f[c1]["nf"] == 2


def test_ai_lines_per_tool(history, warehouse):
    f = _by_sha(compute_features(warehouse, "r", production=Production()))
    c4 = f[history[3]]
    assert c4["ai_lines"] == 6 and c4["ai_lines_claude_code"] == 6 and c4["ai_tools"] == ["claude_code"]
    assert all(f[s]["ai_lines"] == 0 for s in history[:3])


def test_production_features_only_see_earlier_failures(history, warehouse):
    c1, c2, c3, _ = history
    production = Production(
        crash_sites=pl.DataFrame({"path": ["a/x.py"], "function": ["f"], "cluster_id": ["C-1"],
                                  "day": [date(2026, 1, 3)], "events": [5]}),
        incident_links=pl.DataFrame({"cluster_id": ["C-1"], "incident_id": ["INC-1"],
                                     "started_at": [datetime(2026, 1, 3, 8)]}),
    )
    f = _by_sha(compute_features(warehouse, "r", production=production))
    fix = f[c3]
    assert (fix["prod_files"], fix["prod_functions"], fix["prod_clusters"], fix["prod_events"], fix["prod_incidents"]) == (
        1, 1, 1, 5, 1)
    assert fix["prod_cluster_ids"] == ["C-1"] and fix["prod_paths"] == ["a/x.py"]
    assert all(f[s][n] == 0 for s in (c1, c2) for n in ("prod_files", "prod_events", "prod_incidents"))


def test_every_feature_is_a_number(history, warehouse):
    frame = compute_features(warehouse, "r", production=Production())
    assert frame.select(ALL_FEATURES).null_count().sum_horizontal()[0] == 0
    assert all(frame[n].dtype == pl.Float64 for n in ALL_FEATURES)


def test_features_do_not_depend_on_the_order_rows_arrive_in(tmp_path, warehouse):
    """Entropy, age and rexp are floating sums and means over files and earlier commits: added in a fixed
    order, they come out the same to the last bit however the rows are ordered or split across threads
    (the Dask and the embedded runs of one world must write the same warehouse)."""
    repo = GitRepoBuilder(tmp_path / "r")
    files = {f"m{i}/f{i}.py": "x\n" * (i + 1) for i in range(12)}
    repo.commit(files, "init", author=ANA, when="2023-01-01T12:00:00+00:00")
    for n, when in enumerate(("2024-02-03T07:17:00", "2025-02-07T03:41:00", "2025-09-11T21:05:00", "2026-01-13T11:59:00")):
        edited = {p: f"y{n}\n" * (n + k + 2) for k, p in enumerate(files) if (k + n) % 3}
        repo.commit(edited, f"edit {n}", author=ANA if n % 2 else BEN, when=f"{when}+00:00")
    repo.commit({p: "z\n" * (3 * k + 2) for k, p in enumerate(files)}, "rewrite", author=ANA,
                when="2026-03-05T12:00:00+00:00")  # fmt: skip
    ingest_repository(warehouse, RepositoryConfig(name="r", path=repo.path))
    first = compute_features(warehouse, "r", production=Production())
    for table, order in (("commit_files", "path DESC, sha"), ("commits", "sha DESC")):
        warehouse.execute(f"CREATE OR REPLACE TABLE core.{table} AS SELECT * FROM core.{table} ORDER BY {order}")
    again = compute_features(warehouse, "r", production=Production())
    last = _by_sha(first)[repo.git("rev-parse", "HEAD").strip()]
    assert last["nf"] == 12 and 0 < last["entropy"] < 1 and last["age"] > 0 and 1 < last["rexp"] < last["exp"]
    for name in ("entropy", "age", "rexp", "lt"):
        assert first[name].to_list() == again[name].to_list(), name
