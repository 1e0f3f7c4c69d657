"""Cluster ids: stable across runs, one cluster per bug whatever its clothing, never two bugs in one."""

from __future__ import annotations

from datetime import timedelta

from clusters.factory import (
    NOW,
    F,
    add_event,
    add_log_traceback_event,
    checkout_frames,
    fingerprint,
    sql_frames,
)
from models.clusters import build_clusters
from models.config import Config, load_config
from models.settings import ClusterSettings

TIMEOUT = "HTTPSConnectionPool(host='api.pay.example.com', port=443): Read timed out. (read timeout=5)"
SQL_ERR = 'near "s": syntax error'


def cluster_of(con, event_id: str) -> str:
    rows = con.execute("SELECT cluster_id FROM cluster_events WHERE event_id = ?", [event_id]).fetchall()
    assert rows, f"event {event_id} has no cluster"
    return rows[0][0]


def test_ids_stable_across_runs_with_new_data(warehouse):
    con = warehouse
    for i in range(3):
        add_event(con, f"a{i}", ts=NOW + timedelta(minutes=i), exc_type="ReadTimeout", value=TIMEOUT,
                  frames=checkout_frames())  # fmt: skip
        add_event(con, f"b{i}", ts=NOW + timedelta(minutes=i), exc_type="OperationalError", value=SQL_ERR,
                  frames=sql_frames())  # fmt: skip
    fingerprint(con)
    first = build_clusters(con)
    assert first["clusters_created"] == 2
    before = dict(con.execute("SELECT cluster_id, title FROM core.clusters").fetchall())
    a_id, b_id = cluster_of(con, "a0"), cluster_of(con, "b0")
    assert {a_id, b_id} == {"C-000001", "C-000002"}

    # a re-run without new data changes nothing
    assert build_clusters(con)["clusters_created"] == 0

    # day 2: more of bug A (the line moved: a new release), and a new bug C
    day2 = NOW + timedelta(days=1)
    add_event(con, "a-day2", ts=day2, exc_type="ReadTimeout", value=TIMEOUT, frames=checkout_frames(line_shift=7),
              release="shop@1.1.0")  # fmt: skip
    add_event(
        con,
        "c-day2",
        ts=day2,
        exc_type="KeyError",
        value="'price'",
        frames=[F("shop/webhooks.py", "on_payment", 'amount = payload["price"]', 33, "shop.webhooks")],
    )
    fingerprint(con)
    second = build_clusters(con)
    assert second["clusters_created"] == 1 and second["clusters_merged"] == 0
    assert (
        cluster_of(con, "a-day2") == a_id and cluster_of(con, "a0") == a_id and cluster_of(con, "b0") == b_id
    )
    assert cluster_of(con, "c-day2") == "C-000003"
    after = dict(con.execute("SELECT cluster_id, status FROM core.clusters").fetchall())
    assert set(before) <= set(after) and after == {
        "C-000001": "active",
        "C-000002": "active",
        "C-000003": "active",
    }
    a_row = con.execute(
        "SELECT event_count, releases, first_seen, last_seen, representative_event_id FROM clusters WHERE cluster_id = ?",
        [a_id],
    ).fetchall()[0]
    assert a_row == (4, ["shop@1.0.0", "shop@1.1.0"], NOW, day2, "a0")


def test_different_bugs_never_merged(warehouse):
    con = warehouse
    base = [F("shop/views.py", "checkout", "result = charge(order)", 40, "shop.views")]
    cases = {
        # same crash site, different exception type
        "type": ("ConnectionError", TIMEOUT, checkout_frames()),
        # same exception type, different crash site (same call path up to it)
        "site": (
            "ReadTimeout",
            TIMEOUT,
            base + [F("shop/shipping.py", "quote", "r = requests.get(SHIP_URL)", 9, "shop.shipping")],
        ),
        # same file and type, different function and line
        "func": (
            "ReadTimeout",
            TIMEOUT,
            base + [F("shop/payments.py", "refund", "r = requests.post(REFUND_URL)", 50, "shop.payments")],
        ),
        # different type at a different site
        "both": ("OperationalError", SQL_ERR, sql_frames()),
        # message-only events of different types with the same text
        "msg1": ("ValueError", "invalid amount for order", []),
        "msg2": ("TypeError", "invalid amount for order", []),
    }
    add_event(con, "ref", ts=NOW, exc_type="ReadTimeout", value=TIMEOUT, frames=checkout_frames())
    for name, (etype, value, frames) in cases.items():
        add_event(con, name, ts=NOW, exc_type=etype, value=value, frames=frames)
    fingerprint(con)
    build_clusters(
        con, Config(clusters=ClusterSettings(similarity_threshold=0.05))
    )  # even at a very low threshold
    ids = {name: cluster_of(con, name) for name in ["ref", *cases]}
    assert len(set(ids.values())) == len(ids), ids
    assert con.execute("SELECT count(*) FROM core.cluster_merges").fetchall()[0][0] == 0


def test_same_bug_in_different_clothing_is_one_cluster(warehouse):
    con = warehouse
    add_event(con, "sdk", ts=NOW, exc_type="ReadTimeout", value=TIMEOUT, frames=checkout_frames())
    # the wrapper (view) was renamed and the lines moved in the next release
    add_event(con, "renamed", ts=NOW + timedelta(days=1), exc_type="ReadTimeout", value=TIMEOUT,
              frames=checkout_frames(wrapper="checkout_page", line_shift=12), release="shop@1.1.0")  # fmt: skip
    # the same exception printed as a traceback in a log of a differently deployed copy
    add_log_traceback_event(
        con, "logged",
        "Traceback (most recent call last):\n"
        '  File "/opt/shop/releases/1.2/shop/views.py", line 52, in checkout_page\n'
        "    result = charge(order)\n"
        '  File "/opt/shop/releases/1.2/shop/payments.py", line 24, in charge\n'
        "    resp = requests.get(PROVIDER_URL + order.id)\n"
        '  File "/usr/lib/python3.11/site-packages/requests/api.py", line 73, in get\n'
        "    return request('get', url)\n"
        f"requests.exceptions.ReadTimeout: {TIMEOUT}\n",
        ts=NOW + timedelta(days=2),
    )  # fmt: skip
    # a formatter rewrote the crash line (spacing) in a later release
    reformatted = checkout_frames()
    reformatted[1] = F(
        "shop/payments.py", "charge", "resp = requests.get( PROVIDER_URL+order.id )", 14, "shop.payments"
    )
    add_event(con, "reformatted", ts=NOW + timedelta(days=3), exc_type="ReadTimeout", value=TIMEOUT,
              frames=reformatted, release="shop@1.2.0")  # fmt: skip
    # no stack trace, and a parameter the message rules do not know (order code)
    add_event(
        con, "msg-a", ts=NOW, exc_type="PaymentDeclined", value="card declined for order ORD-AB-X1 by issuer"
    )
    add_event(
        con, "msg-b", ts=NOW, exc_type="PaymentDeclined", value="card declined for order ORD-QZ-Y7 by issuer"
    )
    fingerprint(con)
    fps = con.execute("SELECT count(DISTINCT fingerprint) FROM core.event_fingerprints").fetchall()[0][0]
    assert fps == 6  # six signatures (the fingerprints differ) ...
    build_clusters(con)
    assert (
        cluster_of(con, "sdk") == cluster_of(con, "renamed") == cluster_of(con, "logged")
    )  # ... two clusters
    assert cluster_of(con, "msg-a") == cluster_of(con, "msg-b") != cluster_of(con, "sdk")
    origins = con.execute(
        "SELECT list(DISTINCT origin ORDER BY origin) FROM cluster_events WHERE cluster_id = ?",
        [cluster_of(con, "sdk")],
    ).fetchall()[0][0]
    assert origins == ["log", "sentry"]


def _entry_frames(entry: list[tuple[str, str, str]]) -> list[F]:
    crash = F(
        "shop/payments.py", "charge", "resp = requests.get(PROVIDER_URL + order.id)", 12, "shop.payments"
    )
    return [F(f"shop/{m}.py", fn, ctx, 10, f"shop.{m}") for m, fn, ctx in entry] + [crash]


COMMON = [("routes", "dispatch", "return h(req)"), ("middleware", "wrap", "return fn(req)"),
          ("auth", "guard", "return view(req)"), ("orders", "place", "pay(order)"),
          ("orders", "submit", "return place(order)"), ("billing", "pay", "return charge(order)")]  # fmt: skip
API = [("api", "post_order", "return submit(order)")]
WORKER = [("worker", "run_job", "return submit(job.order)")]
AT_08 = Config(clusters=ClusterSettings(similarity_threshold=0.8, method="single_link"))


def test_merge_of_two_existing_clusters_is_recorded(warehouse):
    """One bug reached by two call paths looks like two clusters (cosine 0.79 < 0.8) until a signature
    close to both (0.88) arrives: with single linkage the younger cluster is merged into the older,
    its id stays (merged). (Nearest-neighbour assignment would join the new signature to one of them.)"""
    con = warehouse
    add_event(
        con,
        "api",
        ts=NOW,
        exc_type="ReadTimeout",
        value=TIMEOUT,
        frames=_entry_frames(API + COMMON[:4] + COMMON[5:]),
    )
    add_event(
        con,
        "worker",
        ts=NOW,
        exc_type="ReadTimeout",
        value=TIMEOUT,
        frames=_entry_frames(WORKER + COMMON[1:]),
    )
    fingerprint(con)
    build_clusters(con, AT_08)
    first_api, first_worker = cluster_of(con, "api"), cluster_of(con, "worker")
    assert first_api != first_worker

    add_event(con, "bridge", ts=NOW + timedelta(days=1), exc_type="ReadTimeout", value=TIMEOUT,
              frames=_entry_frames(API + COMMON[1:]))  # fmt: skip
    fingerprint(con)
    figures = build_clusters(con, AT_08)
    assert figures["clusters_merged"] == 1 and figures["clusters_created"] == 0
    older, younger = sorted([first_api, first_worker])
    assert cluster_of(con, "api") == cluster_of(con, "worker") == cluster_of(con, "bridge") == older
    assert con.execute(
        "SELECT status, merged_into FROM core.clusters WHERE cluster_id = ?", [younger]
    ).fetchall() == [("merged", older)]
    (merge,) = con.execute(
        "SELECT from_cluster_id, into_cluster_id, similarity FROM core.cluster_merges"
    ).fetchall()
    assert merge[:2] == (younger, older) and 0.8 <= merge[2] <= 1.0
    assert con.execute("SELECT event_count FROM clusters WHERE cluster_id = ?", [older]).fetchall()[0][0] == 3
    # the members moved to the survivor; the younger id stays, merged, and the merge is the history
    assert (
        con.execute("SELECT count(*) FROM core.cluster_members WHERE cluster_id = ?", [younger]).fetchall()[
            0
        ][0]
        == 0
    )
    assert con.execute("SELECT count(*) FROM core.clusters").fetchall()[0][0] == 2  # no id disappeared


def test_error_log_templates_are_signatures(warehouse):
    from clusters.factory import add_log_record

    con = warehouse
    for i in range(3):
        add_log_record(con, f"r{i}", ts=NOW + timedelta(minutes=i), message=f"payment provider refused batch {i}",
                       template_id="T-refused", template="payment provider refused batch <*>")  # fmt: skip
    add_log_record(
        con, "info", ts=NOW, level="INFO", message="started", template_id="T-start", template="started"
    )
    fingerprint(con)
    build_clusters(con)
    rows = con.execute("SELECT signature, signature_kind, cluster_id FROM cluster_signatures").fetchall()
    assert [(r[0], r[1]) for r in rows] == [("T-refused", "template")]
    assert con.execute("SELECT event_count FROM clusters").fetchall() == [(3,)]
    assert con.execute("SELECT sum(events), sum(log_records) FROM cluster_daily").fetchall() == [(3, 3)]


def test_bad_settings_are_a_clear_error(tmp_path):
    """Checked when the configuration loads (models/config.py), before any stage runs."""
    import pytest

    toml = tmp_path / "hindsight.toml"
    for text, match in [
        ("similarity_treshold = 0.5", "unknown setting 'similarity_treshold' in \\[clusters\\]"),
        ("similarity_threshold = 0", "similarity_threshold"),
        ('method = "kmeans"', "method"),
    ]:
        toml.write_text(f"[clusters]\n{text}\n")
        with pytest.raises(ValueError, match=match):
            load_config(toml)
