# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
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
