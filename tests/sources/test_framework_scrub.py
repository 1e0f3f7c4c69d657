"""The scrub rules: one list, same result in Python and in DuckDB SQL, JSON stays valid."""

import json

import duckdb
import pytest

from models.sources.scrub import SCRUB_RULES, install_scrub, scrub_sql, scrub_text

CASES = [
    ("Authorization: Bearer abcdefghijkl1234567890", "Authorization: Bearer <secret:bearer>"),
    ("t eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U x", "t <secret:jwt> x"),
    ("key AKIAIOSFODNN7EXAMPLE used", "key <secret:aws_key> used"),
    ("password=hunter2&user=bob", "password=<secret:password>&user=bob"),
    ("mail alice@example.com now", "mail <pii:email> now"),
    ("postgres://bob:pw123@db.example.com:5432/x", "postgres://<secret:basic_auth>@db.example.com:5432/x"),
    # url_credentials runs in SQL only where its prefilter (`://user:pw@`) matches: same result either way
    ("see https://example.com/a?b=c and redis://u:p@cache:6379", "see https://example.com/a?b=c and redis://<secret:basic_auth>@cache:6379"),
    ("https://host:8080/path then ftp://x@y", "https://host:8080/path then ftp://x@y"),
    ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic <secret:basic_auth>"),
    ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "<secret:github_token>"),
    ("xoxb-1234567890-abcdefghij", "<secret:slack_token>"),
    ("sk_live_abcdefghijklmnop1234", "<secret:stripe_key>"),
    ("AIzaSyA1234567890abcdefghijklmnopqrstuv", "<secret:google_api_key>"),
    ("sk-ant-api03-abcdefghijklmnopqrstuvwxyz", "<secret:anthropic_key>"),
    ("sk-proj-abcDEFghijklmnopqrstuvwxyz12", "<secret:openai_key>"),
    ("github_pat_11ABCDEFG0123456789abcdefghijklmn", "<secret:github_token>"),
    ("card 4556 7375 8689 9855 and 5500-0000-0000-1002", "card <pii:card> and <pii:card>"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKC\n-----END RSA PRIVATE KEY-----",
     "-----BEGIN RSA PRIVATE KEY-----<secret:private_key>-----END RSA PRIVATE KEY-----"),
]

NOT_SECRETS = [
    "ts 1732428000123 and 2026-11-24T05:59:41.673761Z",
    "uuid 41111111-1111-1111-1111-111111111111 and trace 6d8a7c2785c445b8aa8e328d2d55b9d8",
    "thread 139934732536704 lineno 4711",
    "    pass  # a python statement",
    "order 4111111111111112 and 5500 0000 0000 0005",  # card-shaped, wrong Luhn digit: not cards
    "test cards 4242 4242 4242 4242 and 4111111111111111",  # providers' published test numbers: not cards
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_python_and_sql_scrub_agree(text, expected):
    con = install_scrub(duckdb.connect())
    assert scrub_text(text) == expected
    assert con.execute(f"SELECT {scrub_sql('?')}", [text]).fetchone()[0] == expected


@pytest.mark.parametrize("text", NOT_SECRETS)
def test_ordinary_numbers_and_ids_are_kept(text):
    con = install_scrub(duckdb.connect())
    assert scrub_text(text) == text
    assert con.execute(f"SELECT {scrub_sql('?')}", [text]).fetchone()[0] == text


def test_json_fields_scrubbed_and_json_stays_valid():
    doc = {
        "password": "hunter2", "db_password": "x1", "vars": {"api_key": "'abc123'", "Token": "t0k"},
        "body": json.dumps({"secret": "s3"}), "repr": "{'password': 'pw9'}",
        "auth": "Bearer abcdefghijklmnop", "who": "bob@example.com",
    }
    text = json.dumps(doc)
    con = install_scrub(duckdb.connect())
    for out in (scrub_text(text), con.execute(f"SELECT {scrub_sql('?')}", [text]).fetchone()[0]):
        parsed = json.loads(out)  # still valid JSON
        for secret in ("hunter2", "x1", "abc123", "t0k", "s3", "pw9", "abcdefghijklmnop", "bob@example.com"):
            assert secret not in out
        assert parsed["password"] == "<secret:password>"
        assert parsed["who"] == "<pii:email>"


def test_placeholders_never_contain_quote_or_backslash():
    import inspect
    import re

    from models.sources import scrub_rules

    source = inspect.getsource(scrub_rules)
    placeholders = set(re.findall(r"<(?:secret|pii):[a-z_]+>", source))
    placeholders |= {f"<secret:{kind}>" for kind, _ in scrub_rules.TOKENS}
    assert len(placeholders) > 40 and len(SCRUB_RULES) > 20
    for placeholder in placeholders:
        assert '"' not in placeholder and "\\" not in placeholder, placeholder


def _sql_column(values):
    con = install_scrub(duckdb.connect())
    rows = con.execute(
        f"SELECT {scrub_sql('s')} FROM (SELECT unnest($1) AS s, generate_subscripts($1, 1) AS i) ORDER BY i", [values]
    ).fetchall()
    return [r[0] for r in rows]


def test_a_column_scrubs_like_python_row_by_row():
    samples = [
        "nothing to see", 'payload {"password": "p@ss", "user": "x"}', "GET /?api_key=abc123&x=1",
        "AKIAIOSFODNN7EXAMPLE in env", "card 4556737586899855 charged", "", None,
        "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----", "ünïcode ops@example.com ✓",
    ]
    assert _sql_column(samples) == [scrub_text(s) for s in samples]


def test_repeated_nested_and_adjacent_secrets():
    text = (
        '{"password": "a@b.io", "note": "ops@example.com, ops@example.com;boss.ops@example.com",'
        ' "auth": "Bearer abcdefghijkl1234 Bearer abcdefghijkl1234"}'
    )
    out = scrub_text(text)
    assert _sql_column([text]) == [out]
    parsed = json.loads(out)
    assert parsed["password"] == "<secret:password>"
    assert parsed["note"] == "<pii:email>, <pii:email>;<pii:email>"
    assert parsed["auth"] == "Bearer <secret:bearer> Bearer <secret:bearer>"


def test_random_documents_agree_and_leak_nothing():
    """Secrets dropped at random places into random JSON-ish text: SQL equals Python and none survives."""
    import random

    secrets = [
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl", "AKIAQWERTYUIOPASDFGH", "4556 7375 8689 9855",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "planted.person@example.org", "sk_live_abcdefghijklmnop1234",
    ]
    words = ["error", "id=42", '"k": "v"', "/srv/app.py", "line 12", "::", "x@y", "http://h:80/p", "—", "\\n"]
    rng = random.Random(5)
    docs = []
    for _ in range(300):
        parts = [rng.choice(words) for _ in range(rng.randrange(1, 30))]
        for _ in range(rng.randrange(0, 4)):
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(secrets))
        docs.append(" ".join(parts))
    expected = [scrub_text(d) for d in docs]
    assert _sql_column(docs) == expected
    for out in expected:
        assert not any(s in out for s in secrets)


QUOTED_VALUES = [
    ('conn(password="hunter2")', 'conn(password="<secret:password>")'),
    ("token='abc123' then", "token='<secret:password>' then"),
    ('api_key: "zz9"', 'api_key: "<secret:password>"'),
    ('{"context_line": "    secret = \\"s3cr3t\\""}', '{"context_line": "    secret = \\"<secret:password>\\""}'),
]


@pytest.mark.parametrize(("text", "expected"), QUOTED_VALUES)
def test_quoted_values_assigned_to_secret_names_are_scrubbed(text, expected):
    """Secret literals in code (context lines) and config: key = "value", key='value', key: "value"."""
    con = install_scrub(duckdb.connect())
    assert scrub_text(text) == expected
    assert con.execute(f"SELECT {scrub_sql('?')}", [text]).fetchone()[0] == expected


def test_luhn_check_digit():
    from models.sources.scrub import luhn_ok

    valid = ["4111111111111111", "5500 0000 0000 0004", "378282246310005", "6011-1111-1111-1117", "4556737586899855"]
    assert all(luhn_ok(n) for n in valid)
    assert not any(luhn_ok(n[:-1] + str((int(n[-1]) + 1) % 10)) for n in valid)
