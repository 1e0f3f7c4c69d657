"""The pack's review job: workflow + model files, and the job's own shell step run for real on a checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from models.feedback.sarif import validate_sarif
from models.risk.export import REVIEW_WORKFLOW_FILE, write_pack_files
from models.risk.review import load_model_file
from models.warehouse import connect


def _write(trained, pack: Path) -> list[Path]:
    warehouse, config, _, _ = trained
    con = connect(warehouse, read_only=True)
    try:
        return write_pack_files(con, config, pack)
    finally:
        con.close()


def test_pack_files_and_a_workflow_safe_from_script_injection(trained, tmp_path):
    written = _write(trained, tmp_path / "pack")
    assert {p.relative_to(tmp_path / "pack").as_posix() for p in written} == {
        "risk/app.json", "risk/README.md", REVIEW_WORKFLOW_FILE}
    repo, model, _production, info = load_model_file(tmp_path / "pack" / "risk" / "app.json")
    assert repo == "app" and info["version"] == 1 and model.features
    flow = yaml.safe_load((tmp_path / "pack" / REVIEW_WORKFLOW_FILE).read_text())
    job = flow["jobs"]["review"]
    assert "pull_request" in flow["on"] and job["steps"][0]["with"]["fetch-depth"] == 0
    for step in job["steps"]:
        assert "${{" not in step.get("run", ""), step  # event values reach the shell through env only
    assert any("hindsight review" in s.get("run", "") for s in job["steps"])
    assert "model v1 of repository `app`" in (tmp_path / "pack" / "risk" / "README.md").read_text()


def test_the_job_step_reviews_a_checkout(trained, branches, tmp_path):
    """Run the workflow's review step with bash, as the runner would, in a clone on the risky branch."""
    _, _, world, _ = trained
    checkout = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", "--branch", "risky", str(world.repo.path), str(checkout)], check=True)
    pack = checkout / ".hindsight"
    _write(trained, pack)
    (pack / "manifest.json").write_text(json.dumps({"version": "test", "rules": [],
                                                    "ruff": {"extend_select": ["S113"], "banned_api": []}}))
    (pack / "hindsight-ruff.toml").write_text('[lint]\nextend-select = ["S113"]\n')
    flow = yaml.safe_load((pack / REVIEW_WORKFLOW_FILE).read_text())
    step = next(s for s in flow["jobs"]["review"]["steps"] if "hindsight review" in s.get("run", ""))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HINDSIGHT_")}
    env.update(step["env"], BASE_REF="main", PATH=f"{Path(sys.executable).parent}:{env['PATH']}")
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], check=False, cwd=checkout, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "**HIGH**" in (checkout / "hindsight-risk.md").read_text()
    validate_sarif(json.loads((checkout / "hindsight-risk.sarif").read_text()))
    # without a model in the pack the step says so and succeeds
    shutil.rmtree(pack / "risk")
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], check=False, cwd=checkout, env=env, capture_output=True, text=True)
    assert proc.returncode == 0 and "no risk model in the pack yet" in proc.stdout
