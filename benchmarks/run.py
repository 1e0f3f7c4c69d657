"""`make bench`: run every stage's benchmark (or the ones named: `python -m benchmarks.run attribution`) and print
its figures, also written to data/bench/results.json, where stages not run keep their last figures."""

from __future__ import annotations

import importlib
import json
import sys
import time
import traceback
from pathlib import Path

MODULES = ["sources", "serve", "history", "signatures", "clusters", "attribution", "feedback", "risk", "dashboard", "fuzz",
           "compute"]


def main(argv: list[str]) -> int:
    wanted = argv or MODULES
    results, failed = {}, False
    for name in wanted:
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"benchmarks.{name}":
                continue
            raise
        started = time.perf_counter()
        print(f"== {name}", flush=True)
        try:
            figures = module.run()
        except Exception:  # noqa: BLE001 - report and go on with the other benchmarks
            traceback.print_exc()
            figures, failed = {"error": traceback.format_exc(limit=3)}, True
        figures["_seconds"] = round(time.perf_counter() - started, 1)
        figures["_finished_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
        results[name] = figures
        print(json.dumps(figures, indent=2, default=str), flush=True)
    out = Path("data/bench/results.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    kept = _earlier(out)  # stages not run this time keep their last figures (each says when: _finished_at)
    out.write_text(json.dumps({**kept, **results}, indent=2, default=str))
    print(f"figures written to {out}")
    return 1 if failed else 0


def _earlier(out: Path) -> dict:
    """The figures a previous run wrote, or {} when there are none (or they are unreadable)."""
    try:
        earlier = json.loads(out.read_text())
    except (OSError, ValueError):
        return {}
    return earlier if isinstance(earlier, dict) else {}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
