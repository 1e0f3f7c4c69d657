"""Clusters benchmark: threshold sweep on a labelled corpus, 1M-event speed, demo-world ground truth.

    .venv/bin/python -m benchmarks.run clusters

- `threshold_sweep`: pairwise precision/recall of events vs planted bugs (benchmarks/clusters_corpus.py)
  for each similarity threshold — the measurement behind `SIMILARITY_THRESHOLD` in
  models/settings.py.
- `speed`: `build_clusters` on 1M events over ~3,000 signatures synthesized in a temp warehouse
  (bar: < 60 s), then an incremental run after a new day's data.
- `demo`: pairwise precision/recall against `ground_truth_events.csv` of the demo world (bar: >= 0.98),
  when the demo generator and the upstream stages are available.
"""

from __future__ import annotations

import hashlib
import itertools
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from benchmarks.clusters_corpus import Proto, make_corpus
from benchmarks.memory import peak_rss_mb
from models.clusters import build_clusters
from models.config import Config
from models.settings import ClusterSettings
from models.warehouse import connect, read_sql

THRESHOLDS = (0.3, 0.5, 0.6, 0.7, 0.75, 0.78, 0.8, 0.82, 0.85, 0.9, 0.95)


def _proto_tables(protos: list[Proto]) -> tuple[pa.Table, pa.Table]:
    ids = list(range(len(protos)))
    head = pa.table({
        "proto_id": ids,
        "bug_id": [p.bug_id for p in protos],
        "exc_type": [p.exc_type for p in protos],
        "exc_value": [p.value for p in protos],
        "origin": [p.origin for p in protos],
        "fingerprint": [hashlib.md5(f"{p.bug_id}|{i}".encode()).hexdigest() for i, p in zip(ids, protos, strict=True)],
    })  # fmt: skip
    rows = [(i, k, len(p.frames), *f) for i, p in enumerate(protos) for k, f in enumerate(p.frames)]
    names = ["proto_id", "frame_index", "n_frames", "path", "function", "context_line", "module", "in_app"]
    frames = pa.table({n: [r[j] for r in rows] for j, n in enumerate(names)}) if rows else None
    return head, frames


def load_world(
    con, protos: list[Proto], n_events: int, *, days: int = 30, seed: int = 1, day0: int = 0
) -> None:
    """Events (with exceptions, frames, fingerprints and the truth table) drawn from the prototypes by
    weight, every prototype at least once; all in SQL after the small prototype tables."""
    rng = np.random.default_rng(seed)
    weights = np.array([p.weight for p in protos], dtype=float)
    counts = 1 + rng.multinomial(max(n_events - len(protos), 0), weights / weights.sum())
    head, frames = _proto_tables(protos)
    con.register("_proto", head.append_column("n", pa.array(counts.tolist())))
    if frames is not None:
        con.register("_proto_frames", frames)
    con.execute("CREATE TABLE IF NOT EXISTS bench_truth (event_id VARCHAR, bug_id VARCHAR)")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _ev AS
        SELECT md5(? || '-' || proto_id || '-' || k) AS event_id, proto_id, bug_id, exc_type, exc_value, origin,
               fingerprint,
               TIMESTAMP '2026-10-01' + to_days(?::INT) + to_seconds((hash(proto_id, k, ?) % (? * 86400))::BIGINT) AS ts
        FROM _proto, range(n) AS r(k)
        """,
        [str(seed), day0, seed, days],
    )
    con.execute(
        """
        INSERT INTO core.events (event_id, origin, platform, level, ts, release, environment, service,
                                 exception_type, exception_value, trace_id, file_id, ingested_at)
        SELECT event_id, origin, 'python', 'error', ts, 'shop@1.' || (datediff('day', TIMESTAMP '2026-10-01', ts) // 7),
               'production', 'svc-' || (hash(bug_id) % 5), exc_type, exc_value, md5('t' || event_id), 'bench', now()
        FROM _ev
        """
    )
    con.execute(
        "INSERT INTO core.exceptions (event_id, exception_index, is_main, type, value, handled)"
        " SELECT event_id, 0, true, regexp_extract(exc_type, '[^.]+$'), exc_value, false FROM _ev"
    )
    if frames is not None:
        con.execute(
            """
            INSERT INTO core.frames (event_id, exception_index, frame_index, is_innermost, filename, abs_path,
                                     module, function, lineno, context_line, in_app)
            SELECT e.event_id, 0, f.frame_index, f.frame_index = f.n_frames - 1, f.path, f.path, f.module,
                   f.function, 10 + f.frame_index, f.context_line, f.in_app
            FROM _ev e JOIN _proto_frames f USING (proto_id)
            """
        )
    con.execute(
        "INSERT INTO core.event_fingerprints (event_id, fingerprint, variant) SELECT event_id, fingerprint, 'app' FROM _ev"
    )
    con.execute("INSERT INTO bench_truth SELECT event_id, bug_id FROM _ev")
    con.execute("DROP TABLE _ev")
    con.unregister("_proto")


def pairwise(con) -> dict:
    both, same_cluster, same_bug, clusters, bugs, events = con.execute(
        read_sql("queries/clusters/select_pairwise_scores")
    ).fetchall()[0]
    return {
        "precision": round(both / same_cluster, 4) if same_cluster else 1.0,
        "recall": round(both / same_bug, 4) if same_bug else 1.0,
        "clusters": int(clusters), "bugs": int(bugs), "events": int(events),
    }  # fmt: skip


def _open(path: Path):
    con = connect(path)
    con.execute("SET enable_progress_bar = false")
    return con


def _reset_clusters(con) -> None:
    for table in ("cluster_members", "cluster_merges", "clusters", "signature_features"):
        con.execute(f"DELETE FROM core.{table}")


def threshold_sweep(
    n_bugs: int = 600,
    n_events: int = 60_000,
    seeds: tuple[int, ...] = (7, 11, 23),
    methods=("single_link", "nearest"),
) -> dict:
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            con = _open(Path(tmp) / f"sweep{seed}.duckdb")
            load_world(con, make_corpus(n_bugs, seed=seed), n_events, seed=seed)
            for method, t in itertools.product(methods, THRESHOLDS):
                _reset_clusters(con)
                build_clusters(con, Config(clusters=ClusterSettings(similarity_threshold=t, method=method)))
                score = pairwise(con)
                cell = out.setdefault(f"{method}@{t}", {"precision": [], "recall": []})
                cell["precision"].append(score["precision"])
                cell["recall"].append(score["recall"])
            con.close()
    return {t: {k: min(v) for k, v in cell.items()} for t, cell in out.items()}  # worst seed


def speed(n_events: int = 1_000_000, n_bugs: int = 1_700) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        con = _open(Path(tmp) / "speed.duckdb")
        protos = make_corpus(n_bugs, seed=3)
        started = time.perf_counter()
        load_world(con, protos, n_events, seed=3)
        setup = time.perf_counter() - started
        first = build_clusters(con)
        quality = pairwise(con)
        # day 2: 50k more events of the known signatures plus 50 new bugs
        more = make_corpus(n_bugs + 50, seed=3)[len(protos) :]
        load_world(con, protos + more, 50_000, seed=4, day0=30)
        second = build_clusters(con)
        con.close()
    return {
        "events": n_events, "signatures": first["signatures"], "synth_seconds": round(setup, 1),
        "build_seconds": first["seconds"], "bar_build_seconds": 60,
        "incremental_new_signatures": second["new_signatures"], "incremental_seconds": second["seconds"],
        "pairwise": quality,
        "peak_rss_mb_incl_synthesis": round(peak_rss_mb()),  # of this process, whatever ran in it before
    }  # fmt: skip


def score_ground_truth(con, csv_path: str | Path) -> dict:
    """Pairwise precision/recall of `cluster_events` against a ground-truth CSV (event_id,bug_id).

    Events without a bug id (background errors that are no planted bug) are left out."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE bench_truth AS"
        " SELECT event_id, bug_id FROM read_csv(?, header = true, all_varchar = true)",
        [str(csv_path)],
    )
    con.execute("DELETE FROM bench_truth WHERE coalesce(bug_id, '') = ''")
    return pairwise(con)


def demo() -> dict:
    """Generate the demo world (`hindsight demo --no-run`), run the upstream stages' functions and
    `build_clusters` on it, and score the clusters against its ground truth."""
    from models.config import load_config
    from models.signatures import fingerprint_events, mine_templates
    from models.sources import ingest_landing

    hindsight = shutil.which("hindsight") or str(Path(sys.executable).with_name("hindsight"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo"
        made = subprocess.run(
            [hindsight, "demo", "--out", str(out), "--no-run"],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        truth = out / "ground_truth_events.csv"
        if made.returncode != 0 or not truth.exists():
            return {"skipped": "demo world not available", "stderr": made.stderr[-400:]}
        config = load_config(out / "hindsight.toml")
        con = _open(config.warehouse)
        started = time.perf_counter()
        ingest_landing(con, config)
        fingerprint_events(con, config)
        mine_templates(con, config)
        upstream = time.perf_counter() - started
        figures = build_clusters(con, config)
        score = score_ground_truth(con, truth)
        by_origin = dict(
            con.execute("SELECT origin, count(*) FROM cluster_events GROUP BY origin").fetchall()
        )
        con.close()
        return {**score, "bar": 0.98, "events_clustered_by_origin": by_origin,
                "upstream_seconds": round(upstream, 1), "build_seconds": figures["seconds"]}  # fmt: skip


def run() -> dict:
    return {"threshold_sweep": threshold_sweep(), "speed": speed(), "demo": demo()}


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
