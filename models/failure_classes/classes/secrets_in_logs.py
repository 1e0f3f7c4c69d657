# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
# `ruleid` lines must be flagged, `ok` lines are look-alikes (many from real, well-maintained code) that must not be.
import logging

log = logging.getLogger(__name__)


def call(url, headers, user_id, api_key):
    # ruleid: hindsight.catalog.secrets_in_logs
    log.info("calling %s with headers %s", url, headers)
    # ruleid: hindsight.catalog.secrets_in_logs
    log.debug(f"using key {api_key}")
    # ok: hindsight.catalog.secrets_in_logs
    log.info("calling %s as user %s", url, user_id)
    # ok: hindsight.catalog.secrets_in_logs
    log.info("token refreshed for %s", user_id)


def look_alikes(url, headers, token):
    # Counts and redacted forms are fine.
    # ok: hindsight.catalog.secrets_in_logs
    log.debug("sending %d headers to %s", len(headers), url)
    # ok: hindsight.catalog.secrets_in_logs
    log.info("token ends in %s", token[-4:])
    # ok: hindsight.catalog.secrets_in_logs
    print("headers", headers)
