# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
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
