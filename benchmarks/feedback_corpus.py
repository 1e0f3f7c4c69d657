"""Precision of the whole rule pack on real, well-maintained open-source Python (code that never failed here).

The corpus is downloaded from PyPI at pinned versions (`pip download --no-deps`, wheels) into
`data/bench/corpus/` (git-ignored, reused between runs) and split in two halves: the catalog rules and ruff
codes were tuned on `TUNE` only; `HELDOUT` was not looked at while tuning, so its figure is the honest one.
Every finding on this corpus is counted as noise (none of it failed in our production).

Peer, measured in the same run on the same files: ruff's built-in codes for the same failure classes
(ANCHORS §6), i.e. what a team gets by switching those codes on instead of using the pack.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = ROOT / "data" / "bench" / "corpus"
# (package, version): HTTP clients, validation/serialization, web frameworks, CLI, templates, terminal, logging.
TUNE = [("requests", "2.34.2"), ("urllib3", "2.8.0"), ("httpx", "0.28.1"), ("click", "8.5.1"), ("jinja2", "3.1.6"),
        ("marshmallow", "4.4.0"), ("werkzeug", "3.1.9")]
HELDOUT = [("rich", "15.0.0"), ("attrs", "26.1.0"), ("flask", "3.1.3"), ("packaging", "26.3"), ("starlette", "1.10.0"),
           ("structlog", "26.1.0"), ("tenacity", "9.2.1"), ("itsdangerous", "2.2.0"), ("pluggy", "1.7.0")]
# ruff codes of the failure classes (ANCHORS §6): the peer.
PEER_RUFF = ["S113", "S608", "SIM115", "E722", "BLE001", "S110", "S112", "S602", "S604", "S605", "S609", "DTZ001", "DTZ002",
             "DTZ003", "DTZ004", "DTZ005", "DTZ006", "DTZ007", "DTZ011", "DTZ012"]
BAR_PER_KLOC = 0.1


def fetch_corpus() -> dict[str, Path]:
    """`name-version` -> folder of its .py files; downloads and extracts only what is missing."""
    wheels, src = CORPUS_DIR / "wheels", CORPUS_DIR / "src"
    wheels.mkdir(parents=True, exist_ok=True)
    out = {}
    missing = [f"{n}=={v}" for n, v in TUNE + HELDOUT if not (src / f"{n}-{v}").is_dir()]
    if missing:
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                               "--disable-pip-version-check", "-q", "-d", str(wheels), *missing],
                              capture_output=True, text=True, timeout=600, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"pip download failed: {proc.stderr[-800:]}")
    for name, version in TUNE + HELDOUT:
        dest = src / f"{name}-{version}"
        if not dest.is_dir():
            wheel = next(w for w in wheels.glob("*.whl")
                         if w.name.lower().startswith(f"{name.replace('-', '_')}-{version}-".lower()))
            tmp = dest.with_suffix(".tmp")
            with zipfile.ZipFile(wheel) as zf:
                for member in zf.namelist():
                    if member.endswith(".py") and ".." not in member.split("/"):
                        zf.extract(member, tmp)
            tmp.rename(dest)
        out[f"{name}-{version}"] = dest
    (src / ".semgrepignore").write_text("# scan everything\n")
    return out


def _lines(folder: Path) -> int:
    return sum(sum(1 for _ in p.open("rb")) for p in folder.rglob("*.py"))


def whole_pack(workdir: Path) -> tuple[Path, Path, list[str]]:
    """The pack as it ships when every class has been seen: the 12 catalog rules (with the pack's test-code
    excludes) and the ruff part (shipped codes + banned APIs). Returns (semgrep yaml, ruff toml, ruff codes)."""
    from models.failure_classes import registry
    from models.feedback.catalog import SEMGREP_TEST_EXCLUDES

    rules = []
    for cat in registry():
        rule = dict(cat.rule)
        rule["paths"] = {"exclude": list(SEMGREP_TEST_EXCLUDES)}
        rules.append(rule)
    sg = workdir / "pack-semgrep.yaml"
    sg.write_text(yaml.safe_dump({"rules": rules}, sort_keys=False))
    codes = sorted({c for cat in registry() for c in cat.ruff_codes} | {"TID251"})
    banned = {api: msg for cat in registry() for api, msg in cat.banned_apis.items()}
    rf = workdir / "pack-ruff.toml"
    rf.write_text("[lint]\nselect = " + json.dumps(codes) + "\n[lint.flake8-tidy-imports.banned-api]\n"
                  + "".join(f"{json.dumps(api)}.msg = {json.dumps(msg)}\n" for api, msg in banned.items()))
    return sg, rf, codes


def _ruff(config: Path, target: Path, select: list[str] | None = None) -> list[dict]:
    from models.feedback.tools import _tool, run

    args = [_tool("ruff"), "check", "--no-cache", "--exit-zero", "--output-format", "json", "--config", str(config)]
    if select:
        args += ["--select", ",".join(select)]
    proc = run([*args, str(target)])
    return json.loads(proc.stdout or "[]")


def run_corpus(workdir: Path) -> dict:
    from models.failure_classes import registry
    from models.feedback.tools import semgrep_scan

    t0 = time.perf_counter()
    folders = fetch_corpus()
    fetched_s = round(time.perf_counter() - t0, 1)
    src = CORPUS_DIR / "src"
    half = {f"{n}-{v}": "tune" for n, v in TUNE} | {f"{n}-{v}": "heldout" for n, v in HELDOUT}
    lines = {pkg: _lines(folder) for pkg, folder in folders.items()}
    sg, rf, codes = whole_pack(workdir)

    t0 = time.perf_counter()
    findings = [(f.rule_id, f.path.split("/")[0], f.path, f.start_line) for f in semgrep_scan(sg, src)]
    semgrep_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    findings += [(f"ruff.{r['code']}", Path(r["filename"]).relative_to(src).parts[0],
                  str(Path(r["filename"]).relative_to(src)), r["location"]["row"]) for r in _ruff(rf, src)]
    ruff_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    (workdir / "empty.toml").write_text("")
    peer = [(r["code"], Path(r["filename"]).relative_to(src).parts[0]) for r in _ruff(workdir / "empty.toml", src, PEER_RUFF)]
    peer_s = time.perf_counter() - t0

    def per_kloc(items, which):
        kloc = sum(n for p, n in lines.items() if which in ("all", half[p])) / 1000
        n = sum(1 for it in items if which == "all" or half.get(it[1]) == which)
        return {"findings": n, "kloc": round(kloc, 1), "per_kloc": round(n / kloc, 4)}

    pack = {which: per_kloc(findings, which) for which in ("tune", "heldout", "all")}
    peer_fig = {which: per_kloc(peer, which) for which in ("tune", "heldout", "all")}
    left_out_why = {code: why for cat in registry() for code, why in cat.ruff_left_out.items()}
    per_rule = {rid: dict(Counter(half[p] for r, p, *_ in findings if r == rid))
                for rid in [c.rule_id for c in registry()] + [f"ruff.{c}" for c in codes]}
    left_out = {code: {"findings": dict(Counter(half[p] for c, p in peer if c == code)), "why": left_out_why.get(code)}
                for code in PEER_RUFF if code not in codes}
    return {
        "corpus": {pkg: {"lines": n, "half": half[pkg]} for pkg, n in lines.items()},
        "pack": pack,
        "pack_findings": [f"{r} {path}:{line}" for r, _, path, line in findings][:30],
        "per_rule_findings": per_rule,
        "peer_ruff_class_codes": peer_fig,
        "ruff_codes_left_out": left_out,
        "noise_ratio_pack_vs_peer": (round(pack["all"]["findings"] / peer_fig["all"]["findings"], 3)
                                     if peer_fig["all"]["findings"] else None),
        "seconds": {"fetch": fetched_s, "semgrep": round(semgrep_s, 1), "ruff": round(ruff_s, 1), "peer_ruff": round(peer_s, 1)},
        "bars": {f"noise_{w}_lt_{BAR_PER_KLOC}_per_kloc": pack[w]["per_kloc"] < BAR_PER_KLOC for w in ("tune", "heldout", "all")}
        | {"corpus_ge_50k_lines": pack["all"]["kloc"] >= 50},
    }


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run_corpus(Path(tmp)), indent=2))
