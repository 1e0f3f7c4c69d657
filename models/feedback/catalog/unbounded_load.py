# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
import pandas as pd


def export_orders(cur, path):
    cur.execute("SELECT * FROM orders")
    # ruleid: hindsight.catalog.unbounded_load
    rows = cur.fetchall()
    # ok: hindsight.catalog.unbounded_load
    batch = cur.fetchmany(1000)
    with open(path) as fh:
        # ruleid: hindsight.catalog.unbounded_load
        data = fh.read()
        # ok: hindsight.catalog.unbounded_load
        chunk = fh.read(65536)
    # ruleid: hindsight.catalog.unbounded_load
    df = pd.read_csv(path)
    # ok: hindsight.catalog.unbounded_load
    parts = pd.read_csv(path, chunksize=10000)
    return rows, batch, data, chunk, df, parts
