# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
# `ruleid` lines must be flagged, `ok` lines are look-alikes (many from real, well-maintained code) that must not be.
def record_payment(cur, key, amount):
    # ruleid: hindsight.catalog.missing_idempotency
    cur.execute("INSERT INTO payments (key, amount) VALUES (?, ?)", [key, amount])
    # ok: hindsight.catalog.missing_idempotency
    cur.execute("INSERT INTO payments (key, amount) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", [key, amount])
    # ok: hindsight.catalog.missing_idempotency
    cur.execute("INSERT OR IGNORE INTO payments (key, amount) VALUES (?, ?)", [key, amount])
    # ok: hindsight.catalog.missing_idempotency
    cur.execute("SELECT 1")
    # ok: hindsight.catalog.missing_idempotency
    cur.execute("INSERT INTO orders (customer_id, sku, qty) VALUES (?, ?, ?)", [1, "a", 2])


def look_alikes(cur, key, rows):
    # ok: hindsight.catalog.missing_idempotency
    cur.execute("INSERT INTO payments (idem_key, amount) VALUES (?, ?) ON DUPLICATE KEY UPDATE amount = amount", [key, 1])
    # ok: hindsight.catalog.missing_idempotency
    cur.executemany("INSERT INTO audit_log (actor, action) VALUES (?, ?)", rows)
    # ok: hindsight.catalog.missing_idempotency
    cur.execute("UPDATE payments SET amount = ? WHERE idem_key = ?", [1, key])
