# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
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
