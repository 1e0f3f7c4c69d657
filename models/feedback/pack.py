"""Versioned rule-pack releases: `<out>/<version>/` with configs, SARIF, README, CI files, manifest, changelog.

Versions are `YYYY.MM.DD.N` (N counts the day's packs). A pack whose content (rules, ruff config)
equals the latest pack's is not released again: exporting is idempotent.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from models.config import Config
from models.feedback import render
from models.feedback.evidence import repository_paths
from models.feedback.safety import safe_identifier
from models.feedback.sarif import build_sarif, validate_sarif
from models.feedback.tools import git, git_archive
from models.sources.scrub import scrub_json
from models.warehouse import read_sql

SARIF_FILE = "hindsight.sarif"
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


def changelog(pack, manifest: dict, previous: dict | None) -> str:
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
    return "\n".join(lines) + "\n"


def _manifest(pack, version: str, previous: str | None) -> dict:
    return {
        "version": version,
        "created_at": _now().isoformat(timespec="seconds") + "Z",
        "previous": previous,
        "content_hash": pack.content_hash(),
        "tools": {"semgrep": SEMGREP_VERSION, "ruff": RUFF_VERSION},
        "files": {},
        "classes": {cls: {**ev.summary(), "impact": ev.impact, "severity": ev.severity()[0]}
                    for cls, ev in pack.evidence.items()},
        "ruff": {"extend_select": pack.ruff_codes, "banned_api": sorted(pack.banned_api)},
        "rules": [r.manifest_entry() for r in pack.rules],
    }


def readme(pack, version: str) -> str:
    n_sg = len(pack.semgrep_rules)
    classes = ", ".join(f"`{c}`" for c in pack.evidence) or "none"
    return f"""# Hindsight rule pack {version}

Lint rules learned from production failures of this codebase: {n_sg} semgrep rules (catalog rules for
each failure class seen in production plus rules mined from the exact code that crashed) and a ruff
configuration ({len(pack.ruff_codes)} built-in codes, {len(pack.banned_api)} banned APIs).
Classes covered: {classes}. Each rule's metadata carries its evidence (cluster ids, event and incident
counts, first/last seen, AI share, example locations); see `{MANIFEST_FILE}` and `{CHANGELOG_FILE}`.

| file | what |
|---|---|
| `{render.SEMGREP_FILE}` | semgrep rules |
| `{render.RUFF_FILE}` | ruff config for `extend = "..."` or `ruff check --config` |
| `{render.PYPROJECT_SNIPPET}` | the same ruff settings to paste into `pyproject.toml` |
| `{render.TESTS_DIR}/` | annotated examples: `semgrep scan --test {render.TESTS_DIR}/` |
| `{SARIF_FILE}` | SARIF 2.1.0 findings of this pack on the configured repositories |
| `{PRECOMMIT_FILE}` | pre-commit hooks running semgrep and ruff with the pack |
| `{WORKFLOW_FILE}` | GitHub Actions job (copy to `.github/workflows/`) |

## Use it
Copy this folder into your repository as `.hindsight/`.

- **semgrep** (offline flags avoid a long network stall):
  `SEMGREP_ENABLE_VERSION_CHECK=0 SEMGREP_SEND_METRICS=off semgrep scan --metrics=off --disable-version-check --config .hindsight/{render.SEMGREP_FILE} --error`
- **ruff**: in `ruff.toml` add `extend = ".hindsight/{render.RUFF_FILE}"`, or paste `{render.PYPROJECT_SNIPPET}`
  into `pyproject.toml`. Pitfall: if your config sets `select = [...]`, the pack's `extend-select` is
  silently lost; use `extend-select` in your config, or add the pack's codes to your `select`.
  Standalone: `ruff check --config .hindsight/{render.RUFF_FILE} .`
- **pre-commit**: merge `{PRECOMMIT_FILE}` into yours; `pre-commit run --all-files`.
- **CI**: copy `{WORKFLOW_FILE}` to `.github/workflows/hindsight.yml`; it runs both linters and uploads SARIF.

Severity follows production impact: ERROR when the failures were linked to an incident or exceeded
100 events, WARNING when they recurred, INFO otherwise or when evaluation found the rule too noisy.
"""


def precommit_config() -> str:
    return f"""# Hindsight rule pack hooks (pack copied to .hindsight/). Merge into your .pre-commit-config.yaml.
repos:
  - repo: https://github.com/semgrep/pre-commit
    rev: v{SEMGREP_VERSION}
    hooks:
      - id: semgrep
        name: semgrep (Hindsight pack)
        args: ["--config", ".hindsight/{render.SEMGREP_FILE}", "--error", "--metrics=off", "--disable-version-check", "--skip-unknown-extensions"]
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v{RUFF_VERSION}
    hooks:
      - id: ruff
        name: ruff (Hindsight pack)
        args: ["--config", ".hindsight/{render.RUFF_FILE}"]
"""


def workflow() -> str:
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
      - name: semgrep (Hindsight pack)
        env:
          SEMGREP_ENABLE_VERSION_CHECK: "0"
          SEMGREP_SEND_METRICS: "off"
        run: semgrep scan --metrics=off --disable-version-check --config .hindsight/{render.SEMGREP_FILE} --error --sarif --output hindsight-semgrep.sarif
      - name: ruff (Hindsight pack)
        run: ruff check --config .hindsight/{render.RUFF_FILE} --output-format github .
      - uses: github/codeql-action/upload-sarif@v3
        if: always()
        with:
          sarif_file: hindsight-semgrep.sarif
"""


def scan_repositories(con, config: Config, pack, workdir: Path) -> dict:
    """Findings of the pack on every configured repository at its default branch -> SARIF dict (validated)."""
    from models.feedback.evaluation import scan_tree

    sg, rf = render.write_linter_configs(pack, workdir / "configs")
    by_repo = {}
    for name, path in repository_paths(con, config).items():
        if not path.exists():
            continue
        branch = next((r.default_branch for r in config.repositories if r.name == name), "HEAD")
        rev = branch if git(path, "rev-parse", "--verify", "--quiet", branch, check=False).strip() else "HEAD"
        dest = workdir / "repos" / safe_identifier(name)
        git_archive(path, rev, dest)
        by_repo[name] = scan_tree(pack, sg, rf, dest)
    doc = build_sarif(pack, by_repo, pack.version or "unreleased")
    validate_sarif(doc)
    return doc


def export_pack(
    con: duckdb.DuckDBPyConnection, config: Config, pack, out_dir: Path, *, force: bool = False, sarif: bool = True
) -> ExportResult:
    """Release `pack` under `out_dir/<version>/` and record it in `core.rule_packs` / `core.rules`.

    `sarif=False` skips scanning the repositories for the SARIF file (the pack is otherwise complete)."""
    out_dir = Path(out_dir)
    prev = latest_pack(con)
    if prev and not force and prev["manifest"].get("content_hash") == pack.content_hash() and Path(prev["path"]).exists():
        pack.version = prev["version"]
        path = Path(prev["path"])
        wanted = out_dir / prev["version"]
        if wanted.resolve() != path.resolve():  # same release, asked for elsewhere: copy it there
            if not wanted.exists():
                shutil.copytree(path, wanted)
            path = wanted
        return ExportResult(prev["version"], path, False, prev["changelog"] or "")
    version = next_version(con, out_dir)
    pack.version = version
    target = out_dir / version
    with tempfile.TemporaryDirectory(prefix="hindsight-pack-") as tmp:
        stage = Path(tmp) / version
        render.write_linter_configs(pack, stage)
        (stage / render.PYPROJECT_SNIPPET).write_text(render.pyproject_snippet(pack), encoding="utf-8")
        render.write_semgrep_tests(pack, stage / render.TESTS_DIR)
        if sarif:
            doc = scan_repositories(con, config, pack, Path(tmp) / "scan")
            (stage / SARIF_FILE).write_text(json.dumps(scrub_json(doc), indent=1), encoding="utf-8")
        (stage / "README.md").write_text(readme(pack, version), encoding="utf-8")
        (stage / PRECOMMIT_FILE).write_text(precommit_config(), encoding="utf-8")
        (stage / WORKFLOW_FILE).write_text(workflow(), encoding="utf-8")
        manifest = _manifest(pack, version, prev["version"] if prev else None)
        log = changelog(pack, manifest, prev["manifest"] if prev else None)
        (stage / CHANGELOG_FILE).write_text(log, encoding="utf-8")
        manifest["files"] = {
            str(p.relative_to(stage)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(stage.rglob("*")) if p.is_file()
        }
        (stage / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(stage, target)
    record_pack(con, pack, target, manifest, log)
    return ExportResult(version, target, True, log)


def record_pack(con: duckdb.DuckDBPyConnection, pack, path: Path, manifest: dict, log: str) -> None:
    con.execute(read_sql("queries/feedback/delete_pack_rules"), [pack.version])
    con.execute(read_sql("queries/feedback/delete_pack"), [pack.version])
    con.execute(read_sql("queries/feedback/insert_rule_pack"),
                [pack.version, _now(), str(path), json.dumps(manifest), log])
    rows = [
        (pack.version, r.rule_id, r.engine, r.origin, r.failure_class, r.severity, r.message, r.cluster_ids,
         json.dumps({**r.evidence, "severity_reason": r.severity_reason, "constructs": r.constructs}, default=str))
        for r in pack.rules
    ]
    if rows:
        con.executemany(read_sql("queries/feedback/insert_rule"), rows)

