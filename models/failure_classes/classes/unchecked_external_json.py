# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
# `ruleid` lines must be flagged, `ok` lines are look-alikes (many from real, well-maintained code) that must not be.
import json


def quote(resp, raw):
    # ruleid: hindsight.catalog.unchecked_external_json
    price = resp.json()["price"]
    payload = resp.json()
    # ruleid: hindsight.catalog.unchecked_external_json
    total = payload["total"]
    # ok: hindsight.catalog.unchecked_external_json
    fee = payload.get("fee", 0)
    if "tax" in payload:
        # ok: hindsight.catalog.unchecked_external_json
        tax = payload["tax"]
    data = json.loads(raw)
    try:
        # ok: hindsight.catalog.unchecked_external_json
        name = data["name"]
    except KeyError:
        name = None
    return price, total, fee, tax, name


def fetch_result(response_js):
    # A payload parsed from a peer of the same codebase (urllib3's emscripten bridge): not external.
    response_obj = json.loads(response_js)
    # ok: hindsight.catalog.unchecked_external_json
    return response_obj["status"], response_obj["headers"]


def load_settings(path):
    with open(path) as fh:
        settings = json.load(fh)
    # ok: hindsight.catalog.unchecked_external_json
    return settings["name"]


def direct(raw):
    # ruleid: hindsight.catalog.unchecked_external_json
    return json.loads(raw)["id"]
