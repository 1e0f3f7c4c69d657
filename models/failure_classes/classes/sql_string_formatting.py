# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
# `ruleid` lines must be flagged, `ok` lines are look-alikes (many from real, well-maintained code) that must not be.
def find_order(cur, order_id, status):
    # ruleid: hindsight.catalog.sql_string_formatting
    cur.execute(f"SELECT * FROM orders WHERE id = {order_id}")
    # ruleid: hindsight.catalog.sql_string_formatting
    cur.execute("SELECT * FROM orders WHERE status = '%s'" % status)
    query = "SELECT * FROM orders WHERE status = '{}'".format(status)
    # ruleid: hindsight.catalog.sql_string_formatting
    cur.execute(query)
    # ok: hindsight.catalog.sql_string_formatting
    cur.execute("SELECT * FROM orders WHERE id = ?", [order_id])
    # ok: hindsight.catalog.sql_string_formatting
    cur.execute("SELECT count(*) FROM orders")
    return cur.fetchone()


def look_alikes(cur, table_sql, order_id):
    # A constant query, and formatting that never reaches execute().
    QUERY = "SELECT * FROM orders WHERE id = ?"
    # ok: hindsight.catalog.sql_string_formatting
    cur.execute(QUERY, [order_id])
    message = f"order {order_id} not found"
    # ok: hindsight.catalog.sql_string_formatting
    log.warning(message)
    # ok: hindsight.catalog.sql_string_formatting
    cur.executemany("INSERT INTO t (a) VALUES (?)", [(1,), (2,)])
