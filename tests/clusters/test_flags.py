"""Regressions (quiet gap, changed crash-site code, after a fix), spikes and new clusters."""

from __future__ import annotations

from datetime import timedelta

from clusters.factory import NOW, F, add_event, checkout_frames, clone_event, fingerprint, sql_frames
from models.clusters import build_clusters, flag_clusters

TIMEOUT = "HTTPSConnectionPool(host='api.pay.example.com', port=443): Read timed out."
DAY = timedelta(days=1)


def flags(con) -> set[tuple[str, str, int]]:
    """(event id naming the cluster, flag, day offset from NOW)."""
    rows = con.execute(
        "SELECT c.representative_event_id, f.flag, f.day FROM core.cluster_flags f JOIN core.clusters c USING (cluster_id)"
    ).fetchall()
    return {(rep, flag, (day - NOW.date()).days) for rep, flag, day in rows}


def add_commit(con, sha: str, at, paths: list[str], repo: str = "shop") -> None:
    con.execute(
        "INSERT INTO core.commits (repo, sha, parents, committer_time, author_time, subject) VALUES (?, ?, [], ?, ?, 'change')",
        [repo, sha, at, at],
    )
    for path in paths:
        con.execute(
            "INSERT INTO core.commit_files (repo, sha, path, change_type) VALUES (?, ?, ?, 'M')",
            [repo, sha, path],
        )


def add_release(con, release: str, at, sha: str = "0" * 40) -> None:
    con.execute(
        "INSERT INTO core.releases (repo, release, sha, released_at) VALUES ('shop', ?, ?, ?)",
        [release, sha, at],
    )


def test_quiet_gap_is_a_regression_and_first_day_is_new(warehouse):
    con = warehouse
    for i, offset in enumerate([0, 1, 12]):  # quiet for 10 days before day 12
        add_event(
            con,
            f"t{i}",
            ts=NOW + offset * DAY,
            exc_type="ReadTimeout",
            value=TIMEOUT,
            frames=checkout_frames(),
        )
    for i, offset in enumerate([0, 5, 10]):  # gaps of 4 days: never a regression
        add_event(
            con,
            f"s{i}",
            ts=NOW + offset * DAY,
            exc_type="OperationalError",
            value="near",
            frames=sql_frames(),
        )
    fingerprint(con)
    build_clusters(con)
    assert flag_clusters(con) == {"new": 2, "regression": 1, "spike": 0}
    assert flags(con) == {("t0", "new", 0), ("t0", "regression", 12), ("s0", "new", 0)}
    detail = con.execute("SELECT detail FROM cluster_flags WHERE flag = 'regression'").fetchall()[0][0]
    assert "10 quiet days" in detail
    # idempotent: same rows, same flagged_at
    before = con.execute("SELECT * FROM core.cluster_flags ORDER BY ALL").fetchall()
    flag_clusters(con)
    assert con.execute("SELECT * FROM core.cluster_flags ORDER BY ALL").fetchall() == before


def test_reappearing_after_its_crash_site_file_changed_is_a_regression(warehouse):
    con = warehouse
    add_release(con, "shop@1.0.0", NOW - DAY)
    add_commit(con, "a" * 40, NOW + 2 * DAY, ["src/shop/payments.py", "src/shop/orders.py"])  # a fix attempt
    add_release(con, "shop@1.1.0", NOW + 2.5 * DAY)
    add_commit(con, "b" * 40, NOW + 5 * DAY, ["src/shop/payments.py", "src/shop/orders.py"])  # touched again
    add_release(con, "shop@1.2.0", NOW + 6 * DAY)
    orders = [F("shop/orders.py", "total", "return sum(i.price for i in items)", 8, "shop.orders")]
    for i, (offset, release) in enumerate([(0, "shop@1.0.0"), (1, "shop@1.0.0"), (7, "shop@1.2.0")]):
        # the timeout: quiet during 1.1.0, back in 1.2.0 after its crash-site file changed
        add_event(con, f"t{i}", ts=NOW + offset * DAY, exc_type="ReadTimeout", value=TIMEOUT,
                  frames=checkout_frames(), release=release)  # fmt: skip
        # control: same days and releases, but its crash-site file (catalog.py) never changed
        add_event(con, f"s{i}", ts=NOW + offset * DAY, exc_type="OperationalError", value="near",
                  frames=sql_frames(), release=release)  # fmt: skip
    for i, (offset, release) in enumerate([(0, "shop@1.0.0"), (3, "shop@1.1.0"), (7, "shop@1.2.0")]):
        # control: its file changed too, but it never went away (no release without it): not a regression
        add_event(con, f"o{i}", ts=NOW + offset * DAY, exc_type="AttributeError", value="'NoneType' object",
                  frames=orders, release=release)  # fmt: skip
    fingerprint(con)
    build_clusters(con)
    flag_clusters(con)
    assert {f for f in flags(con) if f[1] == "regression"} == {("t0", "regression", 7)}
    detail = con.execute("SELECT detail FROM cluster_flags WHERE flag = 'regression'").fetchall()[0][0]
    assert "shop@1.2.0" in detail and "bbbbbbbbbbbb" in detail and "src/shop/payments.py" in detail


def test_seen_after_a_fix_commit_is_a_regression(warehouse):
    con = warehouse
    add_release(con, "shop@1.0.0", NOW - DAY)
    add_commit(con, "f" * 40, NOW + DAY, ["README.md"])
    add_release(con, "shop@1.1.0", NOW + 2 * DAY)
    add_event(con, "t0", ts=NOW, exc_type="ReadTimeout", value=TIMEOUT, frames=checkout_frames())
    add_event(con, "t1", ts=NOW + 3 * DAY, exc_type="ReadTimeout", value=TIMEOUT, frames=checkout_frames(),
              release="shop@1.1.0")  # fmt: skip
    fingerprint(con)
    build_clusters(con)
    flag_clusters(con)
    assert ("t0", "regression", 3) not in flags(con)  # no fix known yet, README is not the crash site
    cid = con.execute("SELECT cluster_id FROM clusters").fetchall()[0][0]
    con.execute(
        "INSERT INTO core.suspect_commit_scores VALUES (?, 'shop', ?, 1, 0.9, 'blame', NULL, ?)",
        [cid, "b" * 40, "f" * 40],
    )
    flag_clusters(con)
    assert ("t0", "regression", 3) in flags(con)
    assert (
        "after fix commit ffffffffffff"
        in con.execute("SELECT detail FROM cluster_flags WHERE flag = 'regression'").fetchall()[0][0]
    )


def test_spike_against_the_clusters_own_baseline(warehouse):
    con = warehouse
    add_event(con, "e0", ts=NOW, exc_type="ReadTimeout", value=TIMEOUT, frames=checkout_frames())
    add_event(con, "s0", ts=NOW, exc_type="OperationalError", value="near", frames=sql_frames())
    spiky, steady = [], []
    for day in range(12):
        spiky += [
            (f"e{day}-{k}", NOW + day * DAY + timedelta(minutes=k)) for k in range(40 if day == 10 else 2)
        ]
        steady += [
            (f"s{day}-{k}", NOW + day * DAY + timedelta(minutes=k)) for k in range(30)
        ]  # busy but steady
    clone_event(con, "e0", spiky[1:])
    clone_event(con, "s0", steady[1:])
    fingerprint(con)
    build_clusters(con)
    flag_clusters(con)
    spikes = {f for f in flags(con) if f[1] == "spike"}
    assert spikes == {("e0", "spike", 10)}
    detail = con.execute("SELECT detail FROM cluster_flags WHERE flag = 'spike'").fetchall()[0][0]
    assert detail.startswith("40 events vs trailing mean 2.0")


def test_flags_follow_a_merge(warehouse):
    """Flags are per surviving cluster: after nothing else changes, rerunning keeps the set stable."""
    con = warehouse
    add_event(con, "x0", ts=NOW, exc_type="KeyError", value="'sku'",
              frames=[F("shop/cart.py", "add", 'sku = item["sku"]', 3, "shop.cart")])  # fmt: skip
    fingerprint(con)
    build_clusters(con)
    assert flag_clusters(con)["new"] == 1
    assert flag_clusters(con)["new"] == 1
    assert con.execute("SELECT count(*) FROM core.cluster_flags").fetchall()[0][0] == 1
