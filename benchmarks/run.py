"""`make bench`: run every stage's benchmark and print its figures (also written to data/bench/results.json)."""

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
        results[name] = figures
        print(json.dumps(figures, indent=2, default=str), flush=True)
    out = Path("data/bench/results.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"figures written to {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
