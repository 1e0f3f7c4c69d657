"""Coverage-guided fuzzing of every reader (atheris, i.e. libFuzzer driving Python with coverage of
models/sources), part of `make bench`:

    .venv/bin/python -m benchmarks.run fuzz

Phase 1, in a child process: libFuzzer mutates the seed inputs of every reader (benchmarks/fuzz_readers.py;
the first byte of an input picks the reader) for `runs` inputs, keeping those that reach new code in a
corpus; each input goes through the reader's own parsing (`check_reader`). A crash stops libFuzzer and is
reported with its input; an input slower than `timeout` seconds is a hang (libFuzzer's -timeout).
Phase 2: every input of that corpus (the ones that found new code: the interesting ones) goes through a
real ingest into a DuckDB warehouse (`check_ingest`: read = loaded + duplicate + ignored + quarantined,
ledger and stored rows agree), within a time budget.
Figures: inputs tried per phase, new-coverage inputs, crashes, hangs, count mismatches.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _reader_for(data: bytes):
    from benchmarks.fuzz_readers import READERS

    names = sorted(READERS)
    return READERS[names[data[0] % len(names)]] if data else None


def _child(corpus: Path, runs: int, timeout: int, workdir: Path) -> None:
    import atheris

    with atheris.instrument_imports(include=["models.sources", "benchmarks.fuzz_readers"]):
        import benchmarks.fuzz_readers as harness
        import models.sources.envelope
        import models.sources.incidents
        import models.sources.jsonsplit
        import models.sources.reader
        import models.sources.tracebacks  # noqa: F401

    serial = iter(range(10**12))

    def one_input(data: bytes) -> None:
        reader = _reader_for(data)
        if reader is not None:
            harness.check_reader(reader, data[1:], workdir, next(serial) % 64)

    atheris.Setup([sys.argv[0], f"-runs={runs}", f"-timeout={timeout}", "-max_len=8192", "-rss_limit_mb=3072",
                   "-print_final_stats=1", f"-artifact_prefix={workdir}/", str(corpus)], one_input)
    atheris.Fuzz()


def _seed_corpus(corpus: Path) -> int:
    from benchmarks.fuzz_readers import READERS

    names = sorted(READERS)
    n = 0
    for i, name in enumerate(names):
        for j, seed in enumerate(READERS[name].seeds):
            (corpus / f"seed-{name}-{j}").write_bytes(bytes([i]) + seed)
            n += 1
    return n


def _stat(text: str, name: str) -> int | None:
    m = re.search(rf"stat::{name}:\s*(\d+)", text)
    return int(m.group(1)) if m else None


def _ingest_corpus(corpus: Path, budget_s: float) -> dict:
    """Phase 2: each corpus input through a real ingest (one fresh warehouse), until the budget is spent."""
    from benchmarks.fuzz_readers import Mismatch, check_ingest
    from models.warehouse import connect

    work = Path(tempfile.mkdtemp(prefix="hs-fuzz-ingest-"))
    con = connect(work / "fuzz.duckdb")
    out = {"inputs": 0, "refused": 0, "crashes": 0, "hangs": 0, "mismatches": 0, "by_reader": {}, "failures": []}
    started = time.monotonic()
    try:
        files = sorted(corpus.iterdir(), key=lambda p: (not p.name.startswith("seed-"), p.stat().st_size))
        for serial, path in enumerate(files):
            if time.monotonic() - started > budget_s:
                break
            data = path.read_bytes()
            reader = _reader_for(data)
            if reader is None:
                continue
            out["inputs"] += 1
            out["by_reader"][reader.name] = out["by_reader"].get(reader.name, 0) + 1
            try:
                outcome = check_ingest(con, reader, data[1:], work, serial)
                out["refused"] += outcome.refused is not None
            except Mismatch as exc:
                out["mismatches"] += 1
                out["failures"].append({"input": path.name, "reader": reader.name, "error": str(exc)[:300],
                                        "input_base64": base64.b64encode(data[:4096]).decode()})
            except TimeoutError as exc:
                out["hangs"] += 1
                out["failures"].append({"input": path.name, "reader": reader.name, "error": str(exc)[:300]})
            except Exception as exc:  # noqa: BLE001 - a crash is a finding, recorded with its input
                out["crashes"] += 1
                out["failures"].append({"input": path.name, "reader": reader.name,
                                        "error": f"{type(exc).__name__}: {exc}"[:300],
                                        "trace": traceback.format_exc(limit=4)[-800:]})
    finally:
        con.close()
        shutil.rmtree(work, ignore_errors=True)
    out["seconds"] = round(time.monotonic() - started, 1)
    return out


def run(runs: int = 300_000, timeout: int = 20, ingest_budget_s: float = 420.0) -> dict:
    """Phase 1 (atheris, `runs` inputs) in a child process, then phase 2 over the corpus it kept."""
    try:
        import atheris  # noqa: F401
    except ImportError:
        return {"error": "atheris is not installed (requirements.lock pins it)"}
    work = Path(tempfile.mkdtemp(prefix="hs-fuzz-"))
    corpus = work / "corpus"
    corpus.mkdir()
    seeds = _seed_corpus(corpus)
    scratch = Path("/dev/shm") if Path("/dev/shm").is_dir() else work
    inputs_dir = Path(tempfile.mkdtemp(prefix="hs-fuzz-in-", dir=scratch))
    started = time.monotonic()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        proc = subprocess.run([sys.executable, "-m", "benchmarks.fuzz", "--child", str(corpus), str(runs), str(timeout),
                               str(inputs_dir)], cwd=ROOT, capture_output=True, text=True, env=env, check=False,
                              timeout=max(900, runs // 20))  # a stuck child is killed, not waited for
        log, returncode, stuck = proc.stderr + proc.stdout, proc.returncode, False
    except subprocess.TimeoutExpired as exc:  # libFuzzer's own -timeout did not fire: the whole run hung
        log = (exc.stderr or b"").decode(errors="replace") + (exc.stdout or b"").decode(errors="replace")
        returncode, stuck = None, True
    fuzz_seconds = time.monotonic() - started
    artifacts = sorted(p.name for p in inputs_dir.iterdir() if p.name.startswith(("crash-", "timeout-", "oom-")))
    executed = _stat(log, "number_of_executed_units")
    phase1 = {
        "inputs": executed, "seconds": round(fuzz_seconds, 1), "inputs_per_s": round((executed or 0) / fuzz_seconds, 1),
        "seed_inputs": seeds, "corpus_kept": sum(1 for _ in corpus.iterdir()),
        "crashes": sum(a.startswith("crash-") for a in artifacts),
        "hangs": sum(a.startswith("timeout-") for a in artifacts) + stuck,
        "ooms": sum(a.startswith("oom-") for a in artifacts), "exit_code": returncode,
        "coverage": _stat(log, "new_units_added"),
    }
    if returncode != 0 and not artifacts:
        phase1["log_tail"] = log[-1500:]
    if artifacts:
        phase1["findings"] = artifacts
        phase1["log_tail"] = log[-3000:]
    phase2 = _ingest_corpus(corpus, ingest_budget_s)
    shutil.rmtree(inputs_dir, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    return {
        "generated_inputs_total": (executed or 0) + phase2["inputs"],
        "crashes": phase1["crashes"] + phase2["crashes"],
        "hangs": phase1["hangs"] + phase2["hangs"],
        "count_mismatches": phase2["mismatches"],
        "bar": "≥ 100k generated inputs across readers, 0 crashes, 0 hangs, 0 count mismatches",
        "phase1_coverage_guided_reader_level": phase1,
        "phase2_real_ingest_of_the_kept_corpus": phase2,
    }


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5]))
    else:
        print(json.dumps(run(runs=int(sys.argv[1]) if len(sys.argv) > 1 else 120_000), indent=2))
