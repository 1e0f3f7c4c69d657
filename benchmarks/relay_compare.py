"""Hindsight's scrubbing against Sentry Relay's default data scrubbing, on the same planted events.

Not part of `make bench` (Relay is not a dependency). Run it with a throw-away venv holding the
`sentry-relay` package from PyPI:

    python3 -m venv /tmp/relayvenv && /tmp/relayvenv/bin/pip install sentry-relay
    .venv/bin/python -m benchmarks.relay_compare /tmp/relayvenv/bin/python

Each planted kind (benchmarks/secret_corpus.py) is put in one Sentry event, in every field
(tests/hardening/planting.py). Relay: `pii_strip_event` with `convert_datascrubbing_config` of Sentry's
default project settings (scrubData, scrubDefaults, no extra fields), the scrubbing Relay applies before
an event is stored. Hindsight: the same events ingested into a warehouse, every text column of the
stored rows searched by SQL. A kind leaks when its value survives anywhere.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATASCRUBBING = {"scrubData": True, "scrubDefaults": True, "scrubIpAddresses": False,
                         "sensitiveFields": [], "excludeFields": []}


def _events() -> list[tuple[object, dict]]:
    sys.path.insert(0, str(ROOT))
    from benchmarks.secret_corpus import planted
    from tests.hardening.planting import event

    return [(p, event(p, i, "7e1a")) for i, p in enumerate(planted())]


def relay_side() -> dict:
    """Runs inside the Relay venv: the kinds whose value survives Relay's default scrubbing."""
    from sentry_relay.processing import convert_datascrubbing_config, pii_strip_event

    config = convert_datascrubbing_config(DEFAULT_DATASCRUBBING)
    leaked, leaked_outside_exceptions, leaked_free_text, planted_places, surviving_places = [], [], [], 0, 0
    items = _events()
    for p, ev in items:
        before = json.dumps(ev, ensure_ascii=False)
        out = json.dumps(pii_strip_event(config, ev), ensure_ascii=False)
        planted_places += before.count(p.value)
        surviving_places += out.count(p.value)
        if any(v in out for v in (p.value, *p.also)):
            leaked.append(p.kind)
        # the same event without its exception chain (Relay does not scrub exception values at all)
        bare = {k: v for k, v in ev.items() if k not in ("exception", "threads")}
        bare["stacktrace"] = {"frames": []}
        if any(v in json.dumps(pii_strip_event(config, bare), ensure_ascii=False) for v in (p.value, *p.also)):
            leaked_outside_exceptions.append(p.kind)
        # and the text only where an SDK puts free text: the message, an extra and a breadcrumb
        minimal = {"event_id": ev["event_id"], "message": f"failed: {p.text}", "extra": {"note": p.text},
                   "breadcrumbs": {"values": [{"message": p.text}]}}
        if any(v in json.dumps(pii_strip_event(config, minimal), ensure_ascii=False) for v in (p.value, *p.also)):
            leaked_free_text.append(p.kind)
    return {"kinds": len(items), "leaked": leaked, "leaked_outside_exceptions": leaked_outside_exceptions,
            "leaked_free_text": leaked_free_text,
            "planted_places": planted_places, "surviving_places": surviving_places}


def hindsight_side() -> dict:
    from models.sources import ingest_path
    from models.warehouse import connect
    from tests.hardening.test_planted_corpus import sql_leaks

    items = _events()
    with tempfile.TemporaryDirectory() as d:
        events = Path(d) / "planted.ndjson"
        events.write_text("".join(json.dumps(ev) + "\n" for _, ev in items))
        con = connect(Path(d) / "w.duckdb")
        (report,) = ingest_path(con, events, source="sentry")
        con.close()
        assert report.loaded == len(items), report
        found = sql_leaks(Path(d) / "w.duckdb")
    leaked = sorted({line.rsplit(": ", 1)[1] for line in found})
    return {"kinds": len(items), "leaked": leaked}


def main(relay_python: str) -> dict:
    relay = subprocess.run([relay_python, "-c", ("import json, sys; sys.path.insert(0, sys.argv[1]); "
                            "from benchmarks.relay_compare import relay_side; print(json.dumps(relay_side()))"),
                            str(ROOT)], capture_output=True, text=True, check=True, cwd=ROOT)
    version = subprocess.run([relay_python, "-m", "pip", "show", "sentry-relay"], capture_output=True, text=True,
                             check=False).stdout
    ours = hindsight_side()
    theirs = json.loads(relay.stdout)
    return {"sentry_relay": next((ln.split(": ")[1] for ln in version.splitlines() if ln.startswith("Version")), "?"),
            "relay_default_scrubbing": {
                "kinds": theirs["kinds"], "leaked": len(theirs["leaked"]),
                "leaked_without_exception_chain": len(theirs["leaked_outside_exceptions"]),
                "leaked_in_message_extra_breadcrumb_only": len(theirs["leaked_free_text"]),
                "leaked_kinds_in_message_extra_breadcrumb_only": theirs["leaked_free_text"],
                "places_planted": theirs["planted_places"], "places_surviving": theirs["surviving_places"]},
            "hindsight": {"kinds": ours["kinds"], "leaked": len(ours["leaked"]), "leaked_kinds": ours["leaked"]}}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1]), indent=2))
