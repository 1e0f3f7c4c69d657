"""Versioned rule-pack releases: `<out>/<version>/` with configs, SARIF, README, CI files, manifest, changelog.

Versions are `YYYY.MM.DD.N` (N counts the day's packs). A pack whose content (rules, ruff config)
equals the latest pack's is not released again: exporting is idempotent. A release is atomic: the
pack is written to a staging folder beside its target, validated (`validation.validate_pack_dir`),
and only then renamed into place and recorded; a pack that fails validation leaves the previous pack
current and raises `PackValidationError` naming each rule and reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from models.feedback import render
from models.feedback.sarif import build_sarif
from models.feedback.validation import SARIF_FILE, PackValidationError, validate_pack_dir
from models.sources.scrub import scrub_json
from models.warehouse import read_sql, unit_of_work

if TYPE_CHECKING:
    from models.feedback.evaluation import Evaluation
    from models.feedback.synthesis import RulePack

__all__ = ["SARIF_FILE", "ExportResult", "PackValidationError", "export_pack", "latest_pack"]
MANIFEST_FILE = "manifest.json"
CHANGELOG_FILE = "CHANGELOG.md"
PRECOMMIT_FILE = ".pre-commit-config.yaml"
WORKFLOW_FILE = "github-actions-hindsight.yml"
SEMGREP_VERSION = "1.182.0"
RUFF_VERSION = "0.17.6"


@dataclass(frozen=True)
class ExportResult:
    version: str
    path: Path
    released: bool  # False when the content equalled the latest pack (nothing new written)
    changelog: str
    notes: list[str] = field(default_factory=list)  # what could not be done (no repository, ...)
    pack: RulePack | None = None  # the pack as released (its `version` set)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def latest_pack(con: duckdb.DuckDBPyConnection) -> dict | None:
    row = con.execute(read_sql("queries/feedback/select_latest_pack")).fetchone()
    if not row:
        return None
    version, created_at, path, manifest, changelog = row
    return {"version": version, "created_at": created_at, "path": path,
            "manifest": json.loads(manifest) if isinstance(manifest, str) else manifest, "changelog": changelog}


def next_version(con: duckdb.DuckDBPyConnection, out_dir: Path, today: datetime | None = None) -> str:
    prefix = (today or _now()).strftime("%Y.%m.%d.")
    used = [0]
    for (version,) in con.execute(read_sql("queries/feedback/select_pack_versions_with_prefix"), [prefix]).fetchall():
        tail = version.removeprefix(prefix)
        used.append(int(tail) if tail.isdigit() else 0)
    if out_dir.exists():
        used += [int(p.name.removeprefix(prefix)) for p in out_dir.glob(prefix + "*") if p.name.removeprefix(prefix).isdigit()]
    return f"{prefix}{max(used) + 1}"


def changelog(pack: RulePack, manifest: dict, previous: dict | None) -> str:
    """Markdown changelog of `manifest` against the `previous` manifest: added, removed, severity changed."""
    new = {r["id"]: r for r in manifest["rules"]}
    old = {r["id"]: r for r in (previous or {}).get("rules", [])}
    prev_version = (previous or {}).get("version")
    lines = [f"# Changelog: rule pack {manifest['version']}", ""]
    lines.append(f"Compared with {prev_version}." if prev_version else "First pack: every rule is new.")
    lines.append("")
    added = [i for i in new if i not in old]
    removed = [i for i in old if i not in new]
    changed = [i for i in new if i in old and new[i]["severity"] != old[i]["severity"]]
    modified = [i for i in new if i in old and new[i]["hash"] != old[i]["hash"] and i not in changed]
    classes = manifest.get("classes", {})

    def why_added(r):
        ev = classes.get(r["failure_class"], {})
        if r["origin"] == "mined":
            return f"mined from cluster(s) {', '.join(r['clusters'])} ({r['severity_reason']})"
        return f"class {r['failure_class']} seen in production: {ev.get('events', 0)} event(s), {len(ev.get('clusters', []))} cluster(s)"

    lines.append(f"## Added ({len(added)})")
    lines += [f"- `{i}` [{new[i]['severity']}]: {why_added(new[i])}" for i in added] or ["- none"]
    lines += ["", f"## Removed ({len(removed)})"]
    for i in removed:
        r = old[i]
        if r["failure_class"] not in classes:
            reason = f"no active cluster of class {r['failure_class']} any more"
        else:
            reason = f"cluster(s) {', '.join(r.get('clusters', []))} no longer active or no longer mined"
        lines.append(f"- `{i}`: {reason}")
    if not removed:
        lines.append("- none")
    lines += ["", f"## Severity changed ({len(changed)})"]
    lines += [f"- `{i}`: {old[i]['severity']} -> {new[i]['severity']} ({new[i]['severity_reason']})" for i in changed] or ["- none"]
    lines += ["", f"## Patterns or evidence updated ({len(modified)})"]
    lines += [f"- `{i}`" for i in modified] or ["- none"]
    dropped = manifest.get("not_shipped", [])
    lines += ["", f"## Candidates not shipped ({len(dropped)})"]
    lines += [f"- `{d['id']}`: {d['why']}" for d in dropped] or ["- none"]
    return "\n".join(lines) + "\n"


def _manifest(pack: RulePack, version: str, previous: str | None, evaluation: Evaluation | None, candidate_hash: str | None,
              dropped: list[tuple[str, str]]) -> dict:
    from models.feedback.synthesis import yaml_safe

    scores = evaluation.rules if evaluation is not None else {}
    rules = []
    for r in pack.rules:
        entry, score = r.manifest_entry(), scores.get(r.rule_id)
        if score is not None:
            entry["efficacy"] = yaml_safe({
                "heldout_sites": score.heldout_sites, "heldout_flagged": score.heldout_flagged,
                "own_sites": score.own_sites, "own_flagged": score.own_flagged,
                "head_findings": score.repo_findings, "noise_per_kloc": score.noise_per_kloc})
        rules.append(entry)
    return {
        "version": version,
        "created_at": _now().isoformat(timespec="seconds") + "Z",
        "previous": previous,
        "content_hash": pack.content_hash(),
        "candidate_hash": candidate_hash,
        "holdout": "by cluster",
        "tools": {"semgrep": SEMGREP_VERSION, "ruff": RUFF_VERSION},
        "files": {},
        "notes": list(pack.notes),
        "classes": {cls: yaml_safe({**ev.summary(), "impact": ev.impact, "severity": ev.severity()[0]})
                    for cls, ev in pack.evidence.items()},
        "ruff": {"extend_select": pack.ruff_codes, "banned_api": sorted(pack.banned_api)},
        "rules": rules,
        "not_shipped": [{"id": rid, "why": why} for rid, why in dropped],
        "evaluation": ({k: v for k, v in evaluation.summary().items() if v is not None and k != "pack_version"}
                       if evaluation is not None else {}),
    }


PACK_DIR = ".hindsight"  # where the README tells people to put the pack in their repository
OFFLINE_ENV = "SEMGREP_ENABLE_VERSION_CHECK=0 SEMGREP_SEND_METRICS=off"
SEMGREP_BASE = "semgrep scan --metrics=off --disable-version-check --no-rewrite-rule-ids"
GATING = ("ERROR", "WARNING")


def _gating_ruff_codes(pack: RulePack) -> list[str]:
    """ruff codes of the pack that carry at least one ERROR or WARNING rule (they fail the check)."""
    from models.failure_classes import registry

    classes = registry()
    codes = set()
    for r in pack.rules:
        if r.engine != "ruff" or r.severity not in GATING:
            continue
        codes |= {"TID251"} if r.rule_id.startswith("ruff.TID251.") else set(classes[r.failure_class].ruff_codes)
    return sorted(codes & set(pack.ruff_codes))


def commands(pack: RulePack) -> dict[str, list[str]]:
    """The shell commands of the README, CI job and hooks (run from the repository root, pack in .hindsight/).

    `gate` fails (exit 1) on findings of ERROR and WARNING rules; `advisory` prints every finding and exits 0.
    """
    sg = f"--config {PACK_DIR}/{render.SEMGREP_FILE}"
    rf = f"--config {PACK_DIR}/{render.RUFF_FILE}"
    out: dict[str, list[str]] = {"gate": [], "advisory": []}
    if pack.semgrep_rules:
        if any(r.severity in GATING for r in pack.semgrep_rules):
            out["gate"].append(f"{OFFLINE_ENV} {SEMGREP_BASE} {sg} --severity ERROR --severity WARNING --error")
        out["advisory"].append(f"{OFFLINE_ENV} {SEMGREP_BASE} {sg}")
    gating = _gating_ruff_codes(pack)
    if gating:
        out["gate"].append(f"ruff check {rf} --select {','.join(gating)} .")
    if pack.ruff_codes:
        out["advisory"].append(f"ruff check {rf} --select {','.join(pack.ruff_codes)} --exit-zero .")
    return out


def _severity_table(pack: RulePack) -> str:
    rows = ["| rule | engine | severity | why |", "|---|---|---|---|"]
    rows += [f"| `{r.rule_id}` | {r.engine} | {r.severity} | {r.severity_reason} |" for r in pack.rules]
    return "\n".join(rows)


def readme(pack: RulePack, version: str) -> str:
    n_sg = len(pack.semgrep_rules)
    classes = ", ".join(f"`{c}`" for c in pack.evidence) or "none"
    cmds = commands(pack)
    gate = "\n".join(cmds["gate"]) or "# no ERROR or WARNING rule in this pack: nothing to gate on"
    advisory = "\n".join(cmds["advisory"]) or "# the pack has no rules"
    notes = "".join(f"\n> Note: {n}.\n" for n in pack.notes)
    return f"""# Hindsight rule pack {version}

Lint rules learned from production failures of this codebase: {n_sg} semgrep rules (a catalog rule for
each failure class seen in production, plus rules mined from the code that crashed where the catalog rule
did not catch it) and a ruff configuration ({len(pack.ruff_codes)} built-in codes, {len(pack.banned_api)}
banned APIs) that only holds checks the semgrep rules do not make, so no line is reported twice.
Classes covered: {classes}. Each rule's message and metadata say what evidence it has (crash sites it
was not built from and caught, noise on code that never failed, production impact); see `{MANIFEST_FILE}`
and `{CHANGELOG_FILE}`.
{notes}
| file | what |
|---|---|
| `{render.SEMGREP_FILE}` | semgrep rules |
| `{render.RUFF_FILE}` | ruff config for `extend = "..."` or `ruff check --config` |
| `{render.PYPROJECT_SNIPPET}` | the same ruff settings to paste into `pyproject.toml` |
| `{render.TESTS_DIR}/` | annotated examples (`NAME.py.example`, not scanned as code): `semgrep scan --test {PACK_DIR}/{render.TESTS_DIR}/` |
| `{render.SEMGREPIGNORE}` | keeps a repository-wide semgrep scan out of this folder |
| `{SARIF_FILE}` | SARIF 2.1.0 findings of this pack on the configured repositories |
| `{PRECOMMIT_FILE}` | pre-commit hooks (local, no download) running the gate |
| `{WORKFLOW_FILE}` | GitHub Actions job (copy to `.github/workflows/`) |

## Use it
Copy this folder into your repository as `{PACK_DIR}/` and run the commands from the repository root.
semgrep must run with `--no-rewrite-rule-ids` (ids print as written, e.g. `hindsight.catalog.naive_datetime`)
and offline (`--metrics=off --disable-version-check` and the two variables; otherwise it stalls on a
network lookup).

**Gate** (exit 1 when an ERROR or WARNING rule fires, 0 otherwise):

```sh
{gate}
```

**Advisory** (prints every finding, INFO rules included; exit 0 unless the tool itself fails):

```sh
{advisory}
```

- **ruff in your own config**: in `ruff.toml` add `extend = "{PACK_DIR}/{render.RUFF_FILE}"`, or paste
  `{render.PYPROJECT_SNIPPET}` into `pyproject.toml`. Pitfall: if your config sets `select = [...]`, the pack's
  `extend-select` is silently lost; use `extend-select` in your config, or add the pack's codes to your `select`.
- **pre-commit**: merge `{PRECOMMIT_FILE}` into yours (hooks are `repo: local`, `language: system`: semgrep and
  ruff must be installed), then `pre-commit run --all-files`. It runs the gate.
- **CI**: copy `{WORKFLOW_FILE}` to `.github/workflows/hindsight.yml`; it uploads every finding as SARIF and
  runs the gate.

## Severity
Severity follows measured efficacy. A rule is INFO when it has no held-out evidence (no crash site of its
class that it was not built from, held out by cluster, or none of them caught), or when it fires on fixed
lines or too much code that never failed; otherwise production impact sets it: ERROR when the failures
were linked to an incident or exceeded 100 events, WARNING when they recurred (at most WARNING when it
caught fewer than half of its held-out sites).

{_severity_table(pack)}
"""


def precommit_config(pack: RulePack) -> str:
    cmds = commands(pack)
    hooks = []
    for cmd in cmds["gate"]:
        is_semgrep = "semgrep" in cmd
        entry = ("env " + cmd + " --quiet") if is_semgrep else cmd.removesuffix(" .") + " --force-exclude"
        hooks.append(
            f"      - id: hindsight-{'semgrep' if is_semgrep else 'ruff'}\n"
            f"        name: Hindsight rule pack ({'semgrep' if is_semgrep else 'ruff'}, ERROR and WARNING rules)\n"
            f"        entry: {entry}\n"
            "        language: system\n"
            "        types: [python]\n"
        )
    body = "".join(hooks) or ("      - id: hindsight-nothing-to-gate\n        name: Hindsight rule pack (no gating rule)\n"
                              "        entry: 'true'\n        language: system\n        pass_filenames: false\n"
                              "        always_run: true\n")
    return ("# Hindsight rule pack hooks (pack copied to .hindsight/). Merge into your .pre-commit-config.yaml.\n"
            "# Local hooks: nothing is downloaded; semgrep and ruff must be installed (pip install "
            f"semgrep=={SEMGREP_VERSION} ruff=={RUFF_VERSION}).\n"
            f"repos:\n  - repo: local\n    hooks:\n{body}")


def workflow(pack: RulePack) -> str:
    cmds = commands(pack)
    sarif_cmd = (f"{SEMGREP_BASE} --config {PACK_DIR}/{render.SEMGREP_FILE} --sarif --output hindsight-semgrep.sarif"
                 if pack.semgrep_rules else "true")
    steps = [
        ("      - name: every finding as SARIF (INFO rules included)\n"
        "        env:\n          SEMGREP_ENABLE_VERSION_CHECK: \"0\"\n          SEMGREP_SEND_METRICS: \"off\"\n"
        f"        run: {sarif_cmd}\n")
    ]
    for cmd in cmds["gate"]:
        name = "semgrep" if "semgrep" in cmd else "ruff"
        run = cmd.removeprefix(OFFLINE_ENV + " ")
        steps.append(
            f"      - name: gate ({name}, ERROR and WARNING rules)\n"
            "        env:\n          SEMGREP_ENABLE_VERSION_CHECK: \"0\"\n          SEMGREP_SEND_METRICS: \"off\"\n"
            f"        run: {run}\n"
        )
    return f"""# Hindsight rule pack in CI. Copy to .github/workflows/hindsight.yml (pack copied to .hindsight/).
name: hindsight-rules
on:
  pull_request:
  push:
    branches: [main]
permissions:
  contents: read
  security-events: write
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: pip install semgrep=={SEMGREP_VERSION} ruff=={RUFF_VERSION}
{"".join(steps)}      - uses: github/codeql-action/upload-sarif@v3
        if: always()
        with:
          sarif_file: hindsight-semgrep.sarif
"""


def export_pack(
    con: duckdb.DuckDBPyConnection, config, pack: RulePack, out_dir: Path, *, evaluation: Evaluation | None = None,
    candidate_hash: str | None = None, dropped: list[tuple[str, str]] | None = None, force: bool = False,
    sarif: bool = True, extra_files: Callable[[Path], object] | None = None,
) -> ExportResult:
    """Release `pack` under `out_dir/<version>/` (validated, atomically) and record it in `core.rule_packs` /
    `core.rules` (and its `evaluation` in `core.rule_evaluations`). `sarif=False` writes no SARIF file.
    `pack` is left as it was; the result carries the released pack (`result.pack`, its version set).
    `extra_files(folder)` writes later stages' files into the staged release (the caller composes them:
    the risk stage builds on this one, so this module never imports it)."""
    out_dir = Path(out_dir)
    prev = latest_pack(con)
    if prev and not force and prev["manifest"].get("content_hash") == pack.content_hash() and Path(prev["path"]).exists():
        pack = replace(pack, version=prev["version"])
        path = Path(prev["path"])
        wanted = out_dir / prev["version"]
        if wanted.resolve() != path.resolve():  # same release, asked for elsewhere: copy it there
            if not wanted.exists():
                shutil.copytree(path, wanted)
            path = wanted
        return ExportResult(prev["version"], path, False, prev["changelog"] or "", list(pack.notes), pack)
    version = next_version(con, out_dir)
    pack = replace(pack, version=version)
    target = out_dir / version
    out_dir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".staging-{version}-", dir=out_dir))
    try:
        render.write_linter_configs(pack, stage)
        (stage / render.PYPROJECT_SNIPPET).write_text(render.pyproject_snippet(pack), encoding="utf-8")
        (stage / render.SEMGREPIGNORE).write_text(render.semgrepignore(), encoding="utf-8")
        render.write_semgrep_tests(pack, stage / render.TESTS_DIR)
        if sarif:
            doc = build_sarif(pack, evaluation.head_results if evaluation is not None else {}, version)
            (stage / SARIF_FILE).write_text(json.dumps(scrub_json(doc), indent=1), encoding="utf-8")
        (stage / "README.md").write_text(readme(pack, version), encoding="utf-8")
        (stage / PRECOMMIT_FILE).write_text(precommit_config(pack), encoding="utf-8")
        (stage / WORKFLOW_FILE).write_text(workflow(pack), encoding="utf-8")
        if extra_files is not None:
            extra_files(stage)
        manifest = _manifest(pack, version, prev["version"] if prev else None, evaluation, candidate_hash, dropped or [])
        log = changelog(pack, manifest, prev["manifest"] if prev else None)
        (stage / CHANGELOG_FILE).write_text(log, encoding="utf-8")
        problems = validate_pack_dir(stage)
        if problems:
            raise PackValidationError(problems, prev["version"] if prev else None)
        manifest["files"] = {
            str(p.relative_to(stage)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(stage.rglob("*")) if p.is_file()
        }
        (stage / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        if target.exists():  # a folder left by a release whose recording failed: never current
            shutil.rmtree(target)
        os.replace(stage, target)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
    try:
        with unit_of_work(con):
            record_pack(con, pack, target, manifest, log)
            if evaluation is not None:
                from models.feedback.evaluation import record_evaluation

                record_evaluation(con, replace(evaluation, pack_version=version))
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return ExportResult(version, target, True, log, list(pack.notes), pack)


def record_pack(con: duckdb.DuckDBPyConnection, pack: RulePack, path: Path, manifest: dict, log: str) -> None:
    con.execute(read_sql("queries/feedback/delete_pack_rules"), [pack.version])
    con.execute(read_sql("queries/feedback/delete_pack"), [pack.version])
    con.execute(read_sql("queries/feedback/insert_rule_pack"),
                [pack.version, _now(), str(path), json.dumps(manifest), log])
    rows = [
        (pack.version, r.rule_id, r.engine, r.origin, r.failure_class, r.severity, r.message, list(r.cluster_ids),
         json.dumps({**r.evidence, "severity_reason": r.severity_reason, "constructs": r.constructs}, default=str),
         r.severity_reason)
        for r in pack.rules
    ]
    if rows:
        con.executemany(read_sql("queries/feedback/insert_rule"), rows)

