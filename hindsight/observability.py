"""The platform watches itself: its own exceptions go to Sentry when SENTRY_DSN is set, logs are JSON.

Nothing is sent when SENTRY_DSN is unset. HINDSIGHT_SELF_EVENTS=<file> writes the platform's own
events as sentry envelopes to a local file instead (ingestible like any other service's).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, exc_info (scrubbed)."""

    def format(self, record: logging.LogRecord) -> str:
        from models.sources.scrub import scrub_text

        payload = {
            "timestamp": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        # our own logs quote production text (file names, errors): scrubbed like everything that leaves
        return scrub_text(json.dumps(payload, ensure_ascii=False))


def configure_json_logging(level: str | int = "INFO") -> None:
    root = logging.getLogger("hindsight")
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(os.environ.get("HINDSIGHT_LOG_LEVEL", level))
    root.propagate = False


def init_self_monitoring(component: str) -> bool:
    """Start sentry-sdk for a Hindsight component; returns True when events will be captured."""
    configure_json_logging()
    dsn = os.environ.get("SENTRY_DSN")
    out_file = os.environ.get("HINDSIGHT_SELF_EVENTS")
    if not dsn and not out_file:
        return False
    import sentry_sdk

    from hindsight.sentry_file_transport import FileTransport

    options = dict(  # noqa: C408 - keyword form, as sentry_sdk.init takes them
        release=f"hindsight@{_version()}",
        environment=os.environ.get("HINDSIGHT_ENVIRONMENT", "local"),
        send_default_pii=False,
        default_integrations=True,
        before_send=_drop_host_details,
    )
    if out_file and not dsn:
        options["transport"] = FileTransport(out_file)
        options["dsn"] = "https://public@localhost/1"  # never contacted: the transport writes to a file
    else:
        options["dsn"] = dsn
    sentry_sdk.init(**options)
    sentry_sdk.set_tag("service", f"hindsight-{component}")
    return True


def _drop_host_details(event, hint):
    """Our own events quote production text in exception values and local variables: scrubbed before
    they leave, like everything else (models/sources/scrub.py)."""
    from models.sources.scrub import scrub_json

    event.pop("modules", None)
    event.pop("server_name", None)
    return scrub_json(event)


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("hindsight")
    except Exception:  # noqa: BLE001 - running from a source tree without metadata
        return "0+unknown"
