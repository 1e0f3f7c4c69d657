"""SARIF 2.1.0 export of a pack's findings, validated against the vendored schema.

Schema: `schemas/sarif-2.1.0.json` = `sarif-2.1.0-rtm.5.json` shipped in the npm package
`@microsoft/jest-sarif` 1.0.0-beta.0 (MIT, github.com/microsoft/sarif-js-sdk), the SARIF 2.1.0
schema (OASIS sarif-spec) as published by SchemaStore. See `schemas/README.md`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING

import jsonschema

from models.feedback.tools import Finding
from models.package_data import package_path

if TYPE_CHECKING:
    from models.feedback.synthesis import RulePack

SCHEMA_PATH = package_path("models.feedback", "schemas", "sarif-2.1.0.json")
SARIF_VERSION = "2.1.0"
LEVELS = {"ERROR": "error", "WARNING": "warning", "INFO": "note"}


@lru_cache(maxsize=1)
def sarif_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate_sarif(doc: dict) -> None:
    """Raise `jsonschema.ValidationError` when `doc` is not valid SARIF 2.1.0."""
    jsonschema.Draft4Validator(sarif_schema()).validate(doc)


def build_sarif(pack: RulePack, findings_by_repo: dict[str, list[tuple[str, Finding]]], version: str) -> dict:
    """One SARIF run per repository; `findings_by_repo[repo]` holds (rule_id, finding) pairs."""
    descriptors = []
    index = {}
    for rule in pack.rules:
        index[rule.rule_id] = len(descriptors)
        descriptors.append(
            {
                "id": rule.rule_id,
                "name": rule.rule_id.replace(".", "_"),
                "shortDescription": {"text": f"{rule.failure_class} ({rule.origin})"},
                "fullDescription": {"text": rule.message},
                "defaultConfiguration": {"level": LEVELS.get(rule.severity, "warning")},
                "properties": {
                    "failure_class": rule.failure_class,
                    "engine": rule.engine,
                    "origin": rule.origin,
                    "clusters": rule.cluster_ids,
                    "severity_reason": rule.severity_reason,
                },
            }
        )
    runs = []
    for repo, pairs in sorted(findings_by_repo.items()):
        results = []
        for rule_id, f in pairs:
            if rule_id not in index:
                continue
            rule = pack.rules[index[rule_id]]
            results.append(
                {
                    "ruleId": rule_id,
                    "ruleIndex": index[rule_id],
                    "level": LEVELS.get(rule.severity, "warning"),
                    "message": {"text": rule.message},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": f.path, "uriBaseId": "REPOROOT"},
                                "region": {
                                    "startLine": f.start_line,
                                    "endLine": max(f.end_line, f.start_line),
                                    "startColumn": max(f.start_col, 1),
                                },
                            }
                        }
                    ],
                }
            )
        runs.append(
            {
                "tool": {
                    "driver": {
                        "name": "hindsight-rulepack",
                        "version": version,
                        "rules": descriptors,
                    }
                },
                "automationDetails": {"id": f"hindsight/{repo}/{version}"},
                "originalUriBaseIds": {"REPOROOT": {"description": {"text": f"root of repository {repo}"}}},
                "results": results,
            }
        )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": SARIF_VERSION,
        "runs": runs,
    }
