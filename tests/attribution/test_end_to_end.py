"""Real sentry-sdk events from code that lives in a real repository: ingest -> fingerprint -> cluster ->
attribute. The frames are what the SDK produced (absolute paths of the checkout, context lines)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from models.attribution import attribute
from models.clusters import build_clusters
from models.history import ingest_repository
from models.signatures import fingerprint_events
from models.sources import ingest_path

from .helpers import GitRepoBuilder, config_for, repo_config

CART = "def total(items):\n    return sum(i['price'] for i in items)\n"
COUPON = "\n\ndef discount(order):\n    rate = order['coupon']['rate']\n    return order['total'] * rate\n"

RUNNER = textwrap.dedent("""
    import sys
    import sentry_sdk
    from hindsight.sentry_file_transport import FileTransport
    sentry_sdk.init(dsn="https://key@example.invalid/1", release="1.0.0", transport=FileTransport(sys.argv[1]),
                    in_app_include=["shop"], default_integrations=False)
    from shop.cart import discount
    for order in ({"total": 10}, {"total": 5, "coupon": {}}, {"total": 7}):
        try:
            discount(order)
        except KeyError:
            sentry_sdk.capture_exception()
    sentry_sdk.flush()
""")


def test_real_sdk_events_are_attributed_to_the_commit_that_wrote_the_line(tmp_path, warehouse):
    repo = GitRepoBuilder(tmp_path / "repo")
    repo.commit({"src/shop/__init__.py": "", "src/shop/cart.py": CART}, "cart")
    bug = repo.commit(
        {"src/shop/cart.py": CART + COUPON}, "coupons\n\nCo-Authored-By: Claude <noreply@anthropic.com>"
    )
    repo.tag("v1.0.0")
    envelopes = tmp_path / "landing" / "sentry" / "events.envelope"
    envelopes.parent.mkdir(parents=True)
    subprocess.run(
        [sys.executable, "-c", RUNNER, str(envelopes)],
        check=True,
        cwd=tmp_path,
        env={"PYTHONPATH": f"{repo.path / 'src'}:{':'.join(sys.path)}", "PATH": "/usr/bin:/bin"},
    )
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    ingest_path(warehouse, envelopes, source="sentry")
    config = config_for(cfg)
    fingerprint_events(warehouse, config)
    build_clusters(warehouse, config)
    result = attribute(warehouse, config)

    assert result["resolve"]["events"] == 3
    sites = warehouse.execute(
        "SELECT repo_path, line, verified, commit_sha, ai_tool FROM frame_attribution WHERE is_crash_site"
    ).fetchall()
    assert len(sites) == 3
    assert set(sites) == {("src/shop/cart.py", 6, True, bug, "claude_code")}
    top = warehouse.execute(
        "SELECT commit_sha, ai_tool, score FROM suspect_commits WHERE rank = 1"
    ).fetchall()
    assert top == [(bug, "claude_code", 1.0)]
