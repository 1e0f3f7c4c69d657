# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
# `ruleid` lines must be flagged, `ok` lines are look-alikes (many from real, well-maintained code) that must not be.
import json

import pandas as pd


def export_orders(cur, path):
    cur.execute("SELECT * FROM orders")
    # ruleid: hindsight.catalog.unbounded_load
    rows = cur.fetchall()
    # ok: hindsight.catalog.unbounded_load
    batch = cur.fetchmany(1000)
    # ruleid: hindsight.catalog.unbounded_load
    events = cur.execute("select id, payload from events where kind = ?", ["x"]).fetchall()
    # ok: hindsight.catalog.unbounded_load
    recent = cur.execute("SELECT id FROM events ORDER BY id DESC LIMIT 100").fetchall()
    # ok: hindsight.catalog.unbounded_load
    n = cur.execute("SELECT count(*) FROM events").fetchall()
    # ruleid: hindsight.catalog.unbounded_load
    df = pd.read_csv(path)
    # ok: hindsight.catalog.unbounded_load
    parts = pd.read_csv(path, chunksize=10000)
    return rows, batch, events, recent, n, df, parts


def read_small_files(path, stream):
    # Reading a config file or a request body (werkzeug, packaging): bounded by what it is.
    with open(path) as fh:
        # ok: hindsight.catalog.unbounded_load
        config = json.loads(fh.read())
    # ok: hindsight.catalog.unbounded_load
    lines = stream.readlines()
    return config, lines
