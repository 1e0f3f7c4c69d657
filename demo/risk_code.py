"""The code of the longer demo history (`hindsight demo --risk-history N`, planned in `demo.risk_history`):
the added functions, each in its good or bad variant of a failure class, rendered into the shop's files.

Kept apart from the plan so that `demo.shop_code` can render these files without importing the history
(`risk_history` imports `history`, which imports `shop_code`: one module less and there is no cycle).
"""

from __future__ import annotations

from dataclasses import dataclass

NEW_MODULE_DOC = {"catalog": "Catalog lookups for the storefront.", "loyalty": "Loyalty programme.",
                  "returns": "Returns and exchanges.", "analytics": "Sales analytics for the back office."}
DOCS = {"sql_string_formatting": "Orders of a customer, newest first",
        "unchecked_external_json": "Price of a basket line from the catalog service",
        "missing_http_timeout": "Delivery estimate from the carrier for a postcode",
        "subprocess_shell_true": "Archive a customer's order lines, gzip-compressed",
        "naive_datetime": "Whole days since an order was paid",
        "swallowed_exception": "Address to notify about an order",
        "missing_idempotency": "Store a carrier delivery notification once",
        "novel": "Mean value of the items in a basket, in cents"}




@dataclass(frozen=True)
class Func:
    """One added function (immutable: the shop_code state holds a tuple of these)."""

    path: str
    name: str
    kind: str
    bad: bool  # currently carries the bad construct
    rev: int = 1
    wired: bool = True


def _body(f: Func) -> list[str]:
    """Source lines of `f` (the bad line of each template is the crash line, see `crash_line`)."""
    doc = f'    """{DOCS[f.kind]} (rev {f.rev})."""'
    head = [f"def {f.name}(conn, req):", doc]
    k, bad = f.kind, f.bad
    if k == "sql_string_formatting":
        return head + ['    name = req["customer"]', (
            "    rows = conn.execute(f\"SELECT id, total_cents FROM orders WHERE customer_name = '{name}'\").fetchall()"
            if bad else
            '    rows = conn.execute("SELECT id, total_cents FROM orders WHERE customer_name = ?", (name,)).fetchall()'),
            "    return [dict(r) for r in rows]"]
    if k == "unchecked_external_json":
        return head + ["    import requests", "", "    from shop.config import settings", "",
                       ("    resp = requests.get(f\"{settings.catalog_url}/prices/{req['sku']}\", "
                       "timeout=settings.http_timeout)"),
                       '    return resp.json()["price"] * req["qty"]' if bad else
                       '    return resp.json().get("price", 0.0) * req["qty"]']
    if k == "missing_http_timeout":
        call = 'requests.get(f"{settings.carrier_url}/quotes", params={"postcode": req["postcode"]}'
        if bad:
            return head + ["    import requests", "", "    from shop.config import settings", "",
                           f"    resp = {call})", '    return resp.json().get("days")']
        return head + ["    import requests", "", "    from shop.config import settings", "", "    try:",
                       f"        resp = {call}, timeout=settings.http_timeout)",
                       "    except requests.RequestException:", "        return None", '    return resp.json().get("days")']
    if k == "subprocess_shell_true":
        return head + ["    import subprocess", "", "    from shop.config import settings", "",
                       "    path = settings.data_dir / \"archive\" / f\"{req['title']}.csv\"",
                       "    path.parent.mkdir(parents=True, exist_ok=True)",
                       '    path.write_text("id,total\\n", encoding="utf-8")',
                       '    subprocess.run(f"gzip -9 -f {path}", shell=True, check=True, capture_output=True)' if bad else
                       '    subprocess.run(["gzip", "-9", "-f", str(path)], check=True, capture_output=True)',
                       "    return path.name"]
    if k == "naive_datetime":
        lines = head + ["    from datetime import datetime, timezone", "",
                        '    paid_at = datetime.fromisoformat(req["paid_at"])']
        if bad:
            return lines + ["    return (datetime.now() - paid_at).days"]
        return lines + ["    if paid_at.tzinfo is None:", "        paid_at = paid_at.replace(tzinfo=timezone.utc)",
                        "    return (datetime.now(timezone.utc) - paid_at).days"]
    if k == "swallowed_exception":
        return head + ["    try:",
                       ('        email = conn.execute("SELECT email FROM customers WHERE id = ?", '
                       '(req["customer_id"],)).fetchone()["email"]'),
                       *(["    except Exception:", "        pass"] if bad else
                         ["    except TypeError:", '        email = "orders@shop.example"']),
                       '    return f"To: {email}"']
    if k == "missing_idempotency":
        table = f"deliveries_{f.name.rsplit('_', 1)[1]}"
        verb = "INSERT INTO" if bad else "INSERT OR IGNORE INTO"
        return head + [f'    conn.execute("CREATE TABLE IF NOT EXISTS {table} (event_key TEXT UNIQUE, amount INTEGER)")',
                       f'    conn.execute("{verb} {table} (event_key, amount) VALUES (?, ?)", (req["key"], req["amount"]))',
                       '    return req["key"]']
    if k == "novel":
        return head + ['    items = req["items"]',
                       "    return sum(items) // len(items)" if bad else
                       "    return sum(items) // len(items) if items else 0"]
    raise ValueError(k)


CONSTRUCT = {"sql_string_formatting": "execute(f\"SELECT", "unchecked_external_json": '.json()["price"]',
             "missing_http_timeout": 'params={"postcode": req["postcode"]})', "subprocess_shell_true": "shell=True",
             "naive_datetime": "datetime.now() -", "swallowed_exception": "except Exception:",
             "missing_idempotency": '"INSERT INTO', "novel": "// len(items)"}


def crash_line(f: Func) -> tuple[str, int]:
    """(crash line, construct window) of the bad variant: where its exception surfaces."""
    bad = _body(Func(f.path, f.name, f.kind, True, f.rev, f.wired))
    if f.kind == "swallowed_exception":
        return bad[-1], 2
    return next(line for line in bad if CONSTRUCT[f.kind] in line), 0


def render_into(files: dict[str, str], s: dict) -> None:
    """The state keys of this module: `ext` (added functions, appended to their modules; new modules get a
    docstring; wired ones listed in routes.py), `ext_tests` (a test per named function), `readme_notes`."""
    for i in range(1, s.get("readme_notes", 0) + 1):
        files["README.md"] += f"\n- Note {i}: see docs/runbook.md for operations.\n" if i == 1 else f"- Note {i}.\n"
    by_name = {f.name: f for f in s.get("ext", ())}
    for name in s.get("ext_tests", ()):
        f = by_name[name]
        module = f.path[len("src/"):-len(".py")].replace("/", ".")
        files[f"tests/test_{name}.py"] = (f"from {module} import {name}\n\n\ndef test_{name}_exists():\n"
                                          f"    assert callable({name})\n")
    ext = s.get("ext", ())
    if not ext:
        return
    for f in ext:
        text = files.get(f.path)
        if text is None:
            text = f'"""{NEW_MODULE_DOC[f.path.rsplit("/", 1)[1][:-3]]}"""\n'
            files[f.path.rsplit("/", 1)[0] + "/__init__.py"] = '"""Features added after 1.5.0."""\n'
        files[f.path] = text.rstrip("\n") + "\n\n\n" + "\n".join(_body(f)) + "\n"
    wired = [f for f in ext if f.wired]
    module = {f.name: f.path[len("src/"):-len(".py")].replace("/", ".") for f in wired}
    files["src/shop/routes.py"] = "\n".join([
        '"""Feature endpoints added after 1.5.0: route name -> (module, function(conn, request))."""', "",
        "ROUTES = {", *[f'    "{f.name}": ("{module[f.name]}", "{f.name}"),' for f in wired], "}"]) + "\n"


__all__ = ["CONSTRUCT", "DOCS", "NEW_MODULE_DOC", "Func", "crash_line", "render_into"]
