"""Failure signatures: error fingerprints (Sentry newstyle semantics, in DuckDB SQL) and log templates.

Public API (used by the pipelines, the CLI and the clusters stage):
- `fingerprint_events(con, config)` → `core.event_fingerprints` (versioned: see versions.py)
- `mine_templates(con, config)` → `core.log_templates`, `core.log_record_templates`
- `mine_file(path, line_format)` / `mine_lines(lines, line_format)` → Loghub-shaped predictions
- `leave_one_system_out(root)`: the miner's held-out accuracy on the Loghub systems under `root`
- `parameterize(text)`: Sentry-style message parameterization (same SQL macro as the warehouse path)
"""

from models.signatures.fingerprints import fingerprint_events
from models.signatures.loso import leave_one_system_out
from models.signatures.parameterize import parameterize
from models.signatures.template_store import mine_templates
from models.signatures.templates import mine_file, mine_lines, mine_messages

__all__ = [
    "fingerprint_events",
    "leave_one_system_out",
    "mine_file",
    "mine_lines",
    "mine_messages",
    "mine_templates",
    "parameterize",
]
