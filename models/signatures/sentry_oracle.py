"""Score our fingerprints against Sentry's own grouping fixtures (`shared/datasets/sentry-grouping`).

Each fixture (raw Sentry event JSON) is ingested with the real sources ingest into its own temporary
warehouse, with the fixture's server-side rules (`_fingerprinting_rules`, `_grouping.enhancements`)
turned into our config syntax, and fingerprinted by `fingerprint_events`. The group keys are compared
pairwise with Sentry's expectations (`pairwise_expectations.json`).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from models.config import Config
from models.signatures.fingerprints import fingerprint_events
from models.warehouse import connect


def _rule_text(rule: dict) -> str:
    matchers = " ".join(f'{k}:"{v}"' for k, v in (m[:2] for m in rule["matchers"]))
    values = ", ".join(f'"{v}"' for v in rule["fingerprint"])
    return f"{matchers} -> {values}"


def fixture_config(event: dict) -> Config:
    rules = tuple(_rule_text(r) for r in event.get("_fingerprinting_rules") or [])
    enh = (event.get("_grouping") or {}).get("enhancements") or ""
    st_rules = tuple(
        line.strip() for line in enh.splitlines() if line.strip() and not line.strip().startswith("#")
    )
    return Config(fingerprint_rules=rules, stacktrace_rules=st_rules)


def fingerprint_fixtures(paths: list[Path]) -> dict[str, dict]:
    """Fingerprint rows of the fixtures, keyed by stem. Fixtures that share a configuration (and no
    event id) share one throwaway warehouse, so the 30 fixtures need only a handful of warehouses."""
    from models.sources.ingest import ingest_path

    batches: list[tuple[Config, set, list[Path]]] = []
    for path in paths:
        event = json.loads(path.read_text(encoding="utf-8"))
        config, event_id = fixture_config(event), event.get("event_id") or path.stem
        for cfg, ids, members in batches:
            if cfg == config and event_id not in ids:
                ids.add(event_id)
                members.append(path)
                break
        else:
            batches.append((config, {event_id}, [path]))
    out: dict[str, dict] = {}
    for config, _, members in batches:
        with tempfile.TemporaryDirectory() as tmp:
            con = connect(Path(tmp) / "w.duckdb")
            try:
                for path in members:
                    ingest_path(con, path, source="sentry")
                fingerprint_events(con, config)
                rows = con.execute(
                    "SELECT i.path, f.fingerprint, f.variant, f.title, f.components FROM core.event_fingerprints f "
                    "JOIN core.events e USING (event_id) JOIN core.ingest_files i USING (file_id)"
                ).fetchall()
            finally:
                con.close()
        for path_text, fp, variant, title, comps in rows:
            out[Path(path_text).stem] = {
                "fingerprint": fp,
                "variant": variant,
                "title": title,
                "components": json.loads(comps),
            }
        for path in members:  # the ingest quarantined it (no event fields at all): a group of its own
            out.setdefault(
                path.stem,
                {
                    "fingerprint": f"not-ingested:{path.stem}",
                    "variant": None,
                    "title": None,
                    "components": [],
                },
            )
    return out


def score(dataset: Path) -> dict:
    """Agreement with Sentry's same/different decisions and each disagreement."""
    dataset = Path(dataset)
    rows = fingerprint_fixtures(sorted((dataset / "inputs").glob("*.json")))
    ours = {stem.replace("-", "_"): row for stem, row in rows.items()}
    expected_hashes = json.loads((dataset / "expected_hashes_newstyle_2023_01_11.json").read_text())
    pairs = json.loads((dataset / "pairwise_expectations.json").read_text())["pairs"]
    agree, disagreements = 0, []
    for p in pairs:
        a, b = p["a"], p["b"]
        if a not in ours or b not in ours:
            continue
        mine = ours[a]["fingerprint"] == ours[b]["fingerprint"]
        if mine == p["same_group"]:
            agree += 1
        else:
            disagreements.append({"a": a, "b": b, "sentry_same": p["same_group"], "ours_same": mine})
    exact = 0
    for name, fp in ours.items():
        hashes = {v.get("hash") for v in expected_hashes.get(name, {}).values() if v.get("hash")}
        exact += fp["fingerprint"] in hashes
    n = sum(1 for p in pairs if p["a"] in ours and p["b"] in ours)
    return {
        "pairs": n,
        "agree": agree,
        "agreement": round(agree / n, 4) if n else None,
        "exact_hash_matches": exact,
        "fixtures": len(ours),
        "disagreements": disagreements,
        "group_keys": {k: v["fingerprint"] for k, v in ours.items()},
        "details": ours,
    }
