"""The risk stage's part of an exported rule pack: a GitHub Actions review job and the models it needs.

`write_pack_files(con, config, pack_dir)` is called by the feedback stage's export (one hook line) and
writes, next to the pack's linter configs:

    github-actions-hindsight-review.yml   the pull-request job (copy to .github/workflows/)
    risk/<repo>.json                       model + production snapshot per repository with a model
    risk/README.md                         what the files are and how to refresh them

The job runs `hindsight review --model .hindsight/risk/<repo>.json --pack .hindsight` on base..head, so
it needs no warehouse: the repository's own history comes from the checkout (fetch-depth 0). Values
from the event (the base branch) reach the shell only through environment variables, never inlined.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import yaml

from models.config import Config
from models.feedback.pack import RUFF_VERSION, SEMGREP_VERSION
from models.feedback.safety import safe_identifier
from models.risk.features import load_production
from models.risk.review import model_file_payload
from models.risk.service import latest_model

REVIEW_WORKFLOW_FILE = "github-actions-hindsight-review.yml"
RISK_DIR = "risk"


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as literal blocks (`run: |`), as a person would write a workflow."""


_Dumper.add_representer(
    str, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v, style="|" if "\n" in v else None)
)


def review_workflow(repo: str | None) -> str:
    """The pull-request job. `repo` None: the repository name comes from the `HINDSIGHT_REPO` variable."""
    repo_expr = repo if repo else "${{ vars.HINDSIGHT_REPO }}"
    doc = {
        "name": "hindsight-review",
        "on": {"pull_request": None},
        "permissions": {"contents": "read", "pull-requests": "write", "security-events": "write"},
        "jobs": {"review": {
            "runs-on": "ubuntu-latest",
            "env": {"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"},
            "steps": [
                {"uses": "actions/checkout@v4", "with": {"fetch-depth": 0}},
                {"uses": "actions/setup-python@v5", "with": {"python-version": "3.11"}},
                {"name": "install Hindsight, semgrep and ruff",
                 "env": {"HINDSIGHT_PIP_SPEC": "${{ vars.HINDSIGHT_PIP_SPEC || 'hindsight' }}"},
                 "run": f'pip install "$HINDSIGHT_PIP_SPEC" semgrep=={SEMGREP_VERSION} ruff=={RUFF_VERSION}'},
                {"name": "change risk of this pull request",
                 "env": {"BASE_REF": "${{ github.base_ref }}", "HINDSIGHT_REPO_NAME": repo_expr},
                 "run": ('MODEL=".hindsight/risk/$HINDSIGHT_REPO_NAME.json"\n'
                         'if [ ! -f "$MODEL" ]; then echo "no risk model in the pack yet ($MODEL): skipped"; exit 0; fi\n'
                         'hindsight review --repo "$HINDSIGHT_REPO_NAME" --path . --model "$MODEL" --pack .hindsight '
                         '--base "origin/$BASE_REF" --head HEAD --format markdown --output hindsight-risk.md '
                         '--sarif-output hindsight-risk.sarif\n')},
                {"name": "comment on the pull request", "if": "always() && hashFiles('hindsight-risk.md') != ''",
                 "env": {"GH_TOKEN": "${{ github.token }}", "PR_NUMBER": "${{ github.event.pull_request.number }}"},
                 "run": 'gh pr comment "$PR_NUMBER" --body-file hindsight-risk.md'},
                {"uses": "github/codeql-action/upload-sarif@v3", "if": "always() && hashFiles('hindsight-risk.sarif') != ''",
                 "with": {"sarif_file": "hindsight-risk.sarif", "category": "hindsight-risk"}},
            ],
        }},
    }  # fmt: skip
    head = (
        "# Hindsight change risk on pull requests. Copy to .github/workflows/hindsight-review.yml with the pack\n"
        "# copied to .hindsight/. Set the repository variable HINDSIGHT_PIP_SPEC to where your team installs\n"
        "# Hindsight from (a package name on your index, or a git URL).\n"
    )
    return head + yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=200)


def risk_readme(models: dict[str, int]) -> str:
    listed = "\n".join(
        f"- `{name}.json` — model v{v} of repository `{name}`" for name, v in sorted(models.items())
    )
    return f"""# Hindsight change-risk models

{listed or "- none yet: no repository had a trained risk model when this pack was released"}

Each file holds a calibrated logistic model of that repository's history (Kamei change features, lines
written by AI tools, production failures of the touched code, rule-pack findings on added lines) and
the production crash sites the features need, so `hindsight review --model risk/NAME.json --pack .`
works without the warehouse (`{REVIEW_WORKFLOW_FILE}` does that on every pull request).
Refresh a model between packs with `hindsight risk export-model --repo NAME --out risk/NAME.json`.
"""


def write_pack_files(con: duckdb.DuckDBPyConnection, config: Config, pack_dir: Path) -> list[Path]:
    """Write the review workflow and the current model of every configured repository into `pack_dir`."""
    pack_dir = Path(pack_dir)
    written, models = [], {}
    risk_dir = pack_dir / RISK_DIR
    for repo in config.repositories:
        stored = latest_model(con, repo.name)
        if stored is None:
            continue
        risk_dir.mkdir(parents=True, exist_ok=True)
        target = risk_dir / f"{safe_identifier(repo.name)}.json"
        payload = model_file_payload(repo.name, stored, load_production(con, repo.name))
        target.write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
        models[repo.name] = stored.version
        written.append(target)
    risk_dir.mkdir(parents=True, exist_ok=True)
    (risk_dir / "README.md").write_text(risk_readme(models), encoding="utf-8")
    only = next(iter(models)) if len(models) == 1 else None
    workflow = pack_dir / REVIEW_WORKFLOW_FILE
    workflow.write_text(review_workflow(only), encoding="utf-8")
    return [*written, risk_dir / "README.md", workflow]
