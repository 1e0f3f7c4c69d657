"""Grouping versions: which configuration made a fingerprint or a template (as Sentry's grouping config id).

Every row of `core.event_fingerprints`, `core.log_templates`, `core.log_record_templates` and
`core.log_template_patterns` carries the `grouping_version` that made it. The version is a hash of what
decides the grouping:

- fingerprints: `FINGERPRINT_ALGORITHM` (bumped when the fingerprint SQL changes what it hashes), the
  `fingerprint_rules` and the `stacktrace_rules`;
- templates: the miner's `MINER_VERSION` and its settings.

When the current version differs from a row's, the next run groups that row again; what changed is
recorded in `core.signature_lineage` (old → new signature), through which clusters carry over. Each
version is described once in `core.grouping_configs`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from models.config import Config
from models.signatures.templates import DEFAULT_SETTINGS, MINER_VERSION, MinerSettings
from models.warehouse import run_sql_file

# Bump the suffix whenever the fingerprint SQL changes the hash of an existing event.
# hs2: legacy `checksum` (Sentry's checksum / hashed_checksum variants) wins over every other grouping.
FINGERPRINT_ALGORITHM = "newstyle:2023-01-11+hs2"
TEMPLATE_ALGORITHM = f"hindsight-miner:{MINER_VERSION}"


@dataclass(frozen=True)
class GroupingConfig:
    kind: str  # 'fingerprint' | 'template'
    algorithm: str
    config: dict

    @property
    def version(self) -> str:
        text = json.dumps({"algorithm": self.algorithm, **self.config}, sort_keys=True)
        prefix = "fp" if self.kind == "fingerprint" else "tpl"
        return f"{prefix}-{hashlib.md5(text.encode('utf-8')).hexdigest()[:12]}"


def fingerprint_grouping(config: Config | None) -> GroupingConfig:
    config = config or Config()
    return GroupingConfig(
        "fingerprint",
        FINGERPRINT_ALGORITHM,
        {"fingerprint_rules": list(config.fingerprint_rules), "stacktrace_rules": list(config.stacktrace_rules)},
    )


def template_grouping(settings: MinerSettings = DEFAULT_SETTINGS) -> GroupingConfig:
    return GroupingConfig("template", TEMPLATE_ALGORITHM, {"settings": json.loads(settings.key())})


def register(con: duckdb.DuckDBPyConnection, grouping: GroupingConfig) -> str:
    """Record the configuration in `core.grouping_configs` (once) and return its version."""
    run_sql_file(
        con,
        "queries/signatures/insert_grouping_config",
        [
            grouping.version,
            grouping.kind,
            grouping.algorithm,
            json.dumps(grouping.config, sort_keys=True),
            datetime.now(UTC).replace(tzinfo=None),
        ],
    )
    return grouping.version
