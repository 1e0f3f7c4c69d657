"""The scrubbing policy, kind by kind: every planted kind is hidden (in Python and in SQL alike), its
value propagates through a record in the encodings that are cheap to see, look-alikes stay (≤ 1%),
check digits are right on published test vectors, and the export boundary scrubs what it lets through."""

from __future__ import annotations

import base64
import json
import re
import tomllib
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest

from benchmarks.secret_corpus import look_alikes, planted
from models.sources import scrub_checks as checks
from models.sources.scrub import install_scrub, scrub_json, scrub_record, scrub_sql, scrub_text, scrub_texts
from models.sources.scrub_rules import email_is_personal

CORPUS = planted()
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def con():
    c = install_scrub(duckdb.connect())
    yield c
    c.close()


def _sql(con, texts: list[str]) -> list[str]:
    rows = con.execute(f"SELECT {scrub_sql('s')} FROM (SELECT unnest($1) AS s, generate_subscripts($1, 1) AS i) "
                       "ORDER BY i", [texts]).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize("item", CORPUS, ids=[p.kind for p in CORPUS])
def test_each_planted_kind_is_hidden_in_python_and_sql(con, item):
    from models.sources.scrub_rules import PLACEHOLDERS

    out = scrub_text(item.text)
    assert item.value in item.text
    assert not any(v in out for v in (item.value, *item.also)), out
    written = re.findall(r"<(?:secret|pii):[a-z_]+>", out)
    assert written and set(written) <= PLACEHOLDERS
    assert _sql(con, [item.text]) == [out]


def test_every_kind_hidden_in_one_json_document_that_stays_valid(con):
    doc = json.dumps({p.kind: {"text": p.text, "value_under_innocent_name": p.value} for p in CORPUS})
    for out in (scrub_text(doc), _sql(con, [doc])[0]):
        parsed = json.loads(out)
        assert len(parsed) == len(CORPUS)
        leaked = [p.kind for p in CORPUS if any(v in out for v in (p.value, *p.also))]
        assert leaked == []


def test_look_alikes_are_kept(con):
    """UUIDs, git shas, hashes in URLs, versions and releases, providers' test card numbers, trace ids,
    code lines: at most 1% may be changed (the bar), Python and SQL alike."""
    items = look_alikes(n=600)
    changed = [t for t in items if scrub_text(t) != t]
    assert len(changed) <= len(items) // 100, changed
    assert _sql(con, items) == [scrub_text(t) for t in items]


def test_a_secret_under_an_innocent_name_is_hidden_everywhere_in_its_record():
    """The issue's case: a password in vars.password is also hidden in vars.key and after token=."""
    pw = "hunter2-Planted-42"
    event = {"message": f"login failed token={pw}", "vars": {"password": pw, "key": pw, "deep": [{"x": [pw]}]}}
    out = scrub_json(event)
    assert pw not in json.dumps(out)
    assert out["vars"]["key"] == "<secret:password>" and out["vars"]["deep"][0]["x"][0] == "<secret:password>"


@pytest.mark.parametrize("form", ["url", "url_plus", "base64", "json_slash"])
def test_propagation_sees_cheap_encodings(form):
    pw = "p@ss/w0rd Secret"
    seen = {"url": quote(pw, safe=""), "url_plus": quote(pw, safe="").replace("%20", "+"),
            "base64": base64.b64encode(pw.encode()).decode(), "json_slash": pw.replace("/", "\\/")}[form]
    text = f"connect password='{pw}' ok; later: {seen}"
    assert seen not in scrub_text(text)


def test_url_credentials_hide_the_basic_header_of_the_same_pair():
    pair = "deploy:Tr0ub4dor-3x"
    header = base64.b64encode(pair.encode()).decode()
    out = scrub_text(f"GET https://{pair}@api.internal/v1 with X-Auth {header} and plain Tr0ub4dor-3x")
    assert "Tr0ub4dor" not in out and header not in out


def test_basic_header_hides_its_decoded_pair_and_password():
    header = base64.b64encode(b"svc-ops:Sw0rdfish-77").decode()
    out = scrub_text(f"Authorization: Basic {header} ... retry as svc-ops:Sw0rdfish-77 / Sw0rdfish-77")
    assert "Sw0rdfish-77" not in out and header not in out


def test_record_level_scrub_across_fields():
    pw = "Zebra-Crossing-99"
    fields = [f"db password={pw}", f"retry with {pw}", "nothing here"]
    assert scrub_texts(fields) == ["db password=<secret:password>", "retry with <secret:password>", "nothing here"]


def test_a_value_that_is_a_piece_of_a_placeholder_does_not_corrupt_placeholders():
    out = scrub_text("token=github_token and ghp_" + "Ab1" * 12 + " and password=secret:password_x")
    assert re.sub(r"<(?:secret|pii):[a-z_]+>", "", out).count("<") == 0, out


def test_short_common_and_digit_only_values_do_not_propagate():
    """Propagating `production` or `undefined` or a 3-digit pin would eat evidence everywhere."""
    out = scrub_text('{"password": "undefined", "env": "production", "pin": "123", "msg": "undefined is not '
                     'a function, order 123 in production"}')
    parsed = json.loads(out)
    assert parsed["msg"] == "undefined is not a function, order 123 in production"
    assert parsed["pin"] == "<secret:password>" and parsed["password"] == "undefined"


def test_identity_fields_keep_addresses_but_lose_secrets():
    token = "ghp_" + "Ab1" * 12
    (message,), (author,) = scrub_record([f"fix leak of {token}, thanks jane@corp.example"],
                                         [f"Jane Doe {token} <jane@corp.example>"])
    assert token not in message and token not in author
    assert "jane@corp.example" in author and "jane@corp.example" in message  # the author's own address


def test_tool_and_bot_identities_are_not_personal_data():
    """Every e-mail address the shipped AI markers read is kept, or re-classifying stored commits
    would lose them."""
    markers = tomllib.loads((ROOT / "models" / "history" / "markers.toml").read_text())
    examples = [e for m in markers["markers"] for e in m.get("examples", [])]
    addresses = {a for e in examples for a in re.findall(r"[\w.+\[\]-]+@[\w.-]+\.\w+", e)}
    tools = {a for a in addresses if not a.endswith("example.com")}
    assert len(tools) >= 6
    assert [a for a in tools if email_is_personal(a)] == []
    assert email_is_personal("jane.doe@bigcorp.com")
    for example in examples:
        if not any(a.endswith("example.com") for a in re.findall(r"[\w.+\[\]-]+@[\w.-]+\.\w+", example)):
            assert scrub_text(example) == example


@pytest.mark.parametrize(("check", "valid", "invalid"), [
    (checks.card_ok, ["4556737586899855", "5500000000001002", "3759 100000 12341"], ["4556737586899856"]),
    (lambda t: checks.iban_span(t) is not None, ["GB82WEST12345698765432", "DE89370400440532013000",
                                                 "FR1420041010050500013M02606"], ["GB82WEST12345698765433"]),
    (checks.spanish_id_ok, ["12345678Z", "X1234567L"], ["12345678A"]),
    (checks.cpf_ok, ["111.444.777-35", "529.982.247-25"], ["111.444.777-36", "111.111.111-11"]),
    (checks.codice_fiscale_ok, ["RSSMRA85T10A562S"], ["RSSMRA85T10A562T"]),
    (checks.hetu_ok, ["131052-308T"], ["131052-308U"]),
    (checks.personnummer_ok, ["811218-9876"], ["811218-9877"]),
    (checks.aadhaar_ok, ["234123412346", "2341 2341 2346"], ["234123412347"]),
    (checks.china_id_ok, ["11010519491231002X"], ["110105194912310021"]),
])
def test_check_digits_on_published_vectors(check, valid, invalid):
    assert all(check(v) for v in valid), [v for v in valid if not check(v)]
    assert not any(check(v) for v in invalid)


def test_test_card_numbers_from_documentation_are_kept():
    for number in ("4242 4242 4242 4242", "4111111111111111", "5555555555554444", "378282246310005"):
        assert checks.luhn_ok(number) and not checks.card_ok(number)
        assert scrub_text(f"use {number} in the sandbox") == f"use {number} in the sandbox"


def test_the_export_boundary_scrubs_what_it_lets_through():
    from models.feedback.safety import plain_untrusted, safe_code_line, safe_path

    for p in CORPUS:
        quoted = plain_untrusted(p.text, limit=400)
        assert not any(v in quoted for v in (p.value, *p.also)), (p.kind, quoted)
        line = safe_code_line(f"client = connect({p.text!r})", limit=400) or ""
        assert not any(v in line for v in (p.value, *p.also)), (p.kind, line)
    token = next(p.value for p in CORPUS if p.kind == "github_token")
    assert safe_path(f"src/{token}.py") is None and safe_path("src/shop/app.py") == "src/shop/app.py"


def test_json_logs_and_events_with_unicode_escapes_are_seen(con):
    """`alice\\u0040example.com` is the same address: JSON text is canonicalised before it is scrubbed."""
    from models.sources.scrub import canonical_json_sql

    raw = '{"message": "mail alice\\u0040example.com", "x": "a\\/b"}'
    query = f"SELECT {scrub_sql('c')} FROM (SELECT {canonical_json_sql('r')} AS c FROM (SELECT ?::VARCHAR AS r))"
    out = con.execute(query, [raw]).fetchone()[0]
    assert json.loads(out)["message"] == "mail <pii:email>"
