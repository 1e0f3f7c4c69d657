"""The scrub rules: what counts as a secret or personal data, in ONE ordered list (engine: scrub.py).

Each rule is a regex in the common subset of RE2 (DuckDB) and Python `re` (no look-around, no
back-references). A named group `v` marks the secret part (without it, the whole match); a named group
`k` captures a field name (`password`, `phone` ...) where the placeholder depends on it. `judge` turns
(value, key) into the placeholder, or None when the match is not a secret after all (a check digit is
wrong, a `phone` field holds no number, a test card number): such a match is kept, and only what other
rules find inside it is replaced. `narrow` cuts the value where the regex can overrun (an IBAN followed
by an upper-case word, a phone number followed by a date).

Order matters: the rules are one alternation, leftmost-first, so where two rules could start at the same
place the earlier wins: field rules (the whole value whatever it looks like) before token shapes,
token shapes before personal data.

JSON safety: the raw text of events and JSON log lines is scrubbed before it is parsed, so no rule may
cut a JSON document open. Values end at a quote or backslash (`\\n`-style escapes inside PEM keys are
taken whole), unquoted header values never start with a bracket, and a number in a JSON value position
is replaced by a quoted placeholder (`"<pii:card>"`), never a bare one.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass

from models.sources import scrub_checks as checks

Judge = Callable[[str, str], str | None]


@dataclass(frozen=True)
class ScrubRule:
    name: str
    pattern: str
    judge: Judge
    narrow: Callable[[str], tuple[int, int] | None] | None = None
    quoted: bool = False  # the value is a bare JSON number: its placeholder is written as a JSON string


def _always(placeholder: str) -> Judge:
    return lambda value, key: placeholder


def _when(check: Callable[[str], bool], placeholder: str) -> Judge:
    return lambda value, key: placeholder if check(value) else None


# -- field names whose values are secret or personal whatever they look like -------------------------
# LONG names match anywhere in a field name (`db_password`, `X-Api-Key`); SHORT ones only as a whole
# word of it (`pin`, `user_pin`, not `shipping`).
SECRET_LONG = (
    r"password|passwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential"
    r"|session[_-]?(?:id|key|token)|sessid|account[_-]?key|signature"
)
SECRET_SHORT = r"pwd|pin|otp|cvv2?|cvc|sid|sig|dsn|mfa[_-]?code"
PII_LONG = r"phone|mobile|msisdn|iban|card[_-]?num(?:ber)?|social[_-]?security|national[_-]?id|passport|tax[_-]?id"
PII_SHORT = r"ssn|nino|bsn|cpf|dni|nie|tel"
_LONG = SECRET_LONG + "|" + PII_LONG
_SHORT = SECRET_SHORT + "|" + PII_SHORT
KEY = (
    rf"(?:[\w.-]*(?:{_LONG})[\w.-]*|(?:[\w.-]*[_.-])?(?:{_SHORT})(?:[_.-][\w.-]*)?|[\w.]*[_.]session)"
)

_SECRET_KEY = re.compile(rf"(?i)(?:{SECRET_LONG})|(?:^|[_.-])(?:{SECRET_SHORT})(?:$|[_.-])|[_.]session$")
_PII_KINDS = (  # (name parts, placeholder, digits a value needs)
    (("cvv", "cvc"), "<pii:card>", 3),
    (("phone", "mobile", "msisdn", "tel"), "<pii:phone>", 7),
    (("iban",), "<pii:iban>", 8),
    (("card",), "<pii:card>", 12),
    (("ssn", "social", "national", "passport", "tax", "nino", "bsn", "cpf", "dni", "nie"), "<pii:national_id>", 5),
)
_EMPTY_VALUES = frozenset({"", "null", "none", "nil", "true", "false", "undefined", "n/a", "[filtered]", "***"})
_CODE_TYPES = frozenset({"str", "int", "bytes", "bool", "float", "dict", "list", "tuple", "set", "any",
                         "none", "object", "optional", "string", "number", "boolean"})


def field_placeholder(value: str, key: str) -> str | None:
    """Placeholder for the value of a secret or personal field, by its name; None when the value is empty
    or, for a personal-data field, holds too few digits to be one (`"mobile": "yes"`, `is_phone: true`)."""
    stripped = value.strip().strip("'\"")
    if stripped.lower() in _EMPTY_VALUES or stripped.startswith(("<secret:", "<pii:")):
        return None
    name = key.lower()
    for parts, placeholder, min_digits in _PII_KINDS:
        if any(p in name for p in parts) and not _SECRET_KEY.search(name):
            return placeholder if len(checks.digits(stripped)) >= min_digits else None
    return "<secret:password>"


def _code_aware(value: str, key: str) -> str | None:
    """`key: value` in text: a type annotation in a code line (`token: str`) is not a value."""
    return None if value.lower() in _CODE_TYPES else field_placeholder(value, key)


# -- vendor tokens: one rule, the kind from the first sub-pattern that matches --------------------------
TOKENS: tuple[tuple[str, str], ...] = (
    ("github_token", r"gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}"),
    ("gitlab_token", r"gl(?:pat|dt|rt|ptt|ft|soat|cbt|imt|agent)-[A-Za-z0-9_-]{20,}"),
    ("atlassian_token", r"ATBB[A-Za-z0-9_=.-]{20,}|ATATT3[A-Za-z0-9_=-]{40,}"),
    ("circleci_token", r"CCIPAT_[A-Za-z0-9]{16,}_[a-f0-9]{40}"),
    ("npm_token", r"npm_[A-Za-z0-9]{36}"),
    ("pypi_token", r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{40,}"),
    ("docker_token", r"dckr_pat_[A-Za-z0-9_-]{20,}"),
    ("slack_token", r"xox[abposre]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Z0-9]+-\d+-[a-f0-9]+"),
    ("telegram_token", r"bot(?P<v>\d{8,10}:AA[A-Za-z0-9_-]{33})"),
    ("stripe_key", r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9+/=]{24,}"),
    ("square_token", r"sq0(?:atp|csp|idp)-[A-Za-z0-9_-]{22,}|EAAA[A-Za-z0-9_+-]{60,}"),
    ("braintree_token", r"access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32}"),
    ("twilio_key", r"SK[0-9a-fA-F]{32}"),
    ("sendgrid_key", r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"),
    ("mailgun_key", r"key-[0-9a-f]{32}"),
    ("anthropic_key", r"sk-ant-[A-Za-z0-9_-]{20,}"),
    ("openai_key", r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"),
    ("huggingface_token", r"hf_[A-Za-z0-9]{30,}"),
    ("shopify_token", r"shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}"),
    ("digitalocean_token", r"do[opr]_v1_[a-f0-9]{64}"),
    ("sentry_token", r"sntry[su]_[A-Za-z0-9+/=_-]{40,}"),
    ("google_api_key", r"AIza[0-9A-Za-z_-]{35}"),
    ("google_oauth", r"ya29\.[0-9A-Za-z_-]{20,}|GOCSPX-[A-Za-z0-9_-]{20,}"),
    ("vault_token", r"hv[sbr]\.[A-Za-z0-9_-]{24,}"),
    ("databricks_token", r"dapi[a-f0-9]{32}"),
    ("grafana_token", r"glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/=]{32,}"),
    ("linear_key", r"lin_api_[A-Za-z0-9]{40}"),
    ("notion_token", r"ntn_[A-Za-z0-9]{40,}"),
    ("newrelic_key", r"NRAK-[A-Z0-9]{27}"),
    ("postman_key", r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}"),
    ("doppler_token", r"dp\.(?:pt|st|sa|ct)\.[A-Za-z0-9]{40,}"),
    ("age_key", r"AGE-SECRET-KEY-1[0-9A-Z]{58}"),
    ("alibaba_key", r"LTAI[A-Za-z0-9]{12,20}"),
)
# Every token shape starts with a literal prefix: a shape that may start at any letter or digit (Discord
# bot tokens, Azure client secrets, Mailchimp keys) would slow the one regex pass over every byte by a
# fifth; those are found under their field names instead (`token=`, `client_secret:` ...).
# Kinds whose shape alone is loose: they must also look random (digits and both cases).
_LOOSE = {"openai_key", "alibaba_key"}


# judged on the value alone: a kind whose value is a group of its pattern (Telegram) is matched without
# its literal prefix
_TOKEN_KINDS = tuple((kind, re.compile(re.sub(r"^.*\(\?P<v>(.*)\)$", r"\1", pattern), re.ASCII))
                     for kind, pattern in TOKENS)


def _token_judge(value: str, key: str) -> str | None:
    for kind, regex in _TOKEN_KINDS:
        if regex.fullmatch(value):
            if kind in _LOOSE and not _looks_random(value):
                return None
            return f"<secret:{kind}>"
    return "<secret:api_key>"


def _looks_random(value: str) -> bool:
    return any(c.isdigit() for c in value) and any(c.isupper() for c in value) and any(c.islower() for c in value)


_AUTH_SCHEMES = {"bearer": "<secret:bearer>", "basic": "<secret:basic_auth>"}


def _authorization(value: str, key: str) -> str | None:
    scheme = key.strip().lower()
    return _AUTH_SCHEMES.get(scheme, "<secret:authorization>")


def basic_credentials(value: str) -> str | None:
    """`user:password` inside a Basic auth value, or None when it is not base64 of such a pair."""
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded if ":" in decoded and decoded.isprintable() else None


_EMAIL_BOT_DOMAINS = ("users.noreply.github.com", "noreply.github.com")
_EMAIL_TOOL_IDENTITIES = frozenset({
    "cursoragent@cursor.com", "aider@aider.chat", "codex@openai.com", "noreply@openai.com",
    "noreply@anthropic.com", "noreply@aider.dev", "noreply@aider.chat", "jules@google.com",
    "amp@ampcode.com", "noreply@opencode.ai", "opencode@sst.dev", "gemini@google.com",
})


def email_is_personal(address: str) -> bool:
    """E-mail addresses are personal data, except the identities of tools and bots (no-reply
    addresses, GitHub's bot and no-reply domain, AI tools' commit identities): those are markers the
    history stage reads, not people."""
    lowered = address.lower()
    local, _, domain = lowered.partition("@")
    if lowered in _EMAIL_TOOL_IDENTITIES or domain in _EMAIL_BOT_DOMAINS:
        return False
    return not ("noreply" in local or "no-reply" in local or "[bot]" in local)


# -- the rules, in order ---------------------------------------------------------------------------
_JSON_KEY_END = r"\\?[\"']\s*:\s*"
_HEADER_VALUE = r"[^\s\"'\\{}\[\]][^\"'\\\r\n]*"  # unquoted: never starts a JSON structure, ends at a quote

SCRUB_RULES: tuple[ScrubRule, ...] = (
    ScrubRule(
        "private_key",
        r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?P<v>(?:[^-\"'\\]|\\+[nrt]|-[^-\"'\\])*)"
        r"(?:-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)?",
        _always("<secret:private_key>"),
    ),
    ScrubRule("jwt", r"eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*", _always("<secret:jwt>")),
    ScrubRule("sentry_dsn", r"https?://(?P<v>[0-9a-f]{32})(?::[0-9a-f]{32})?@", _always("<secret:sentry_dsn>")),
    # chat webhooks: the path is the credential
    ScrubRule(
        "webhook",
        r"https://(?:hooks\.slack\.com/(?:services|workflows|triggers)/|(?:ptb\.|canary\.)?discord(?:app)?\.com"
        r"/api/webhooks/\d+/)(?P<v>[A-Za-z0-9/_-]{20,})",
        _always("<secret:webhook>"),
    ),
    ScrubRule(
        "url_credentials", r"[a-zA-Z][a-zA-Z0-9+.-]*://(?P<v>[^/\s:@\"'\\<>]*:[^/\s@\"'\\<>]+)@",
        _always("<secret:basic_auth>"),
    ),
    # Authorization / Cookie headers: JSON (`"Authorization": "Bearer x"`), then text (`Cookie: a=b; c=d`)
    ScrubRule(
        "authorization",
        r"(?i)[\w-]*authorization" + _JSON_KEY_END + r"\\?[\"'](?:(?P<k>bearer|basic|token|digest|negotiate|ntlm"
        r"|aws4-hmac-sha256|apikey|sso-key)\s+)?(?P<v>[^\"'\\\s][^\"'\\]*)",
        _authorization,
    ),
    ScrubRule(
        "authorization_text",
        r"(?i)[\w-]*authorization\s*[:=]\s*(?:(?P<k>bearer|basic|token|digest|negotiate|ntlm|aws4-hmac-sha256"
        r"|apikey|sso-key)\s+)?(?P<v>" + _HEADER_VALUE + ")",
        _authorization,
    ),
    ScrubRule(
        "cookie", r"(?i)[\w-]*cookies?" + _JSON_KEY_END + r"\\?[\"'](?P<v>[^\"'\\]+)", _always("<secret:cookie>")
    ),
    ScrubRule("cookie_text", r"(?i)[\w-]*cookies?\s*[:=]\s*(?P<v>" + _HEADER_VALUE + ")", _always("<secret:cookie>")),
    # "password": "...", 'token': '...', \"api_key\": \"...\" (JSON, Python reprs, JSON inside JSON strings)
    ScrubRule(
        "password_field",
        r"(?i)[\"'](?P<k>" + KEY + r")" + _JSON_KEY_END + r"\\?[\"'](?P<v>'[^'\"\\]*'|[^\"'\\]*)",
        field_placeholder,
    ),
    # "phone": 4155550132 — a number in a JSON value position becomes a quoted placeholder
    ScrubRule(
        "number_field",
        r"(?i)[\"'](?P<k>[\w.-]*(?:" + PII_LONG + r"|pin|otp|cvv2?|cvc|ssn|bsn|cpf)[\w.-]*)" + _JSON_KEY_END
        + r"(?P<v>\d{3,19})\s*[,}\]]",
        field_placeholder, quoted=True,
    ),
    # ["api_key", "..."]: tag and header lists of pairs
    ScrubRule(
        "pair_field",
        r"(?i)\[\s*\\?\"(?P<k>" + KEY + r")\\?\"\s*,\s*\\?\"(?P<v>[^\"\\]+)",
        field_placeholder,
    ),
    # password=..., api_key=... in text, query strings and DSNs
    ScrubRule("password_kv", r"(?i)\b(?P<k>" + KEY + r")=(?P<v>[^\s&\"',;<>\\]+)", field_placeholder),
    # token='...', password = "...", api_key: "..." in code and config; the value stops at a quote or
    # backslash, so a JSON string is never cut open
    ScrubRule(
        "password_quoted",
        r"(?i)\b(?P<k>" + KEY + r")\s*[=:]\s*\\?[\"'](?P<v>[^\"'\\]+)",
        field_placeholder,
    ),
    # password: hunter2 in text (one token; `token: str` in code is kept)
    ScrubRule(
        "password_colon",
        r"(?i)\b(?P<k>" + KEY + r")\s*:\s*(?P<v>[^\s\"'\\,;()<>{}\[\]][^\s\"'\\,;()<>{}\[\]]*)",
        _code_aware,
    ),
    ScrubRule(
        "bearer", r"(?i)\bbearer\s+(?P<v>[A-Za-z0-9._~+/=-]{8,})", _always("<secret:bearer>"),
    ),
    ScrubRule(
        "basic_auth", r"(?i)\bbasic\s+(?P<v>[A-Za-z0-9+/]{8,}={0,2})",
        lambda value, key: "<secret:basic_auth>" if basic_credentials(value) else None,
    ),
    ScrubRule(
        "aws_key", r"\b(?:AKIA|ASIA|ABIA|ACCA|AROA|AIDA|AGPA|AIPA|ANPA|ANVA|APKA)[0-9A-Z]{16}\b",
        _always("<secret:aws_key>"),
    ),
    ScrubRule("token", r"\b(?:" + "|".join(p for _, p in TOKENS) + r")", _token_judge),
    # a card number in a JSON number position: replaced by a quoted placeholder
    ScrubRule(
        "card_number_value",
        r"\\?\"\s*:\s*(?P<v>(?:4|5[1-5]|2[2-7]|6|3[47])\d{12,18})\s*[,}\]]",
        _when(checks.card_ok, "<pii:card>"), quoted=True,
    ),
    ScrubRule(
        "card",
        r"\b(?:(?:4\d{3}|5[1-5]\d{2}|2[2-7]\d{2}|6011|65\d{2}|35\d{2}|62\d{2})(?:\d{12}|(?:-\d{4}){3}|(?: \d{4}){3})"
        r"|3[47]\d{2}(?:\d{11}|-\d{6}-\d{5}| \d{6} \d{5}))\b",
        _when(checks.card_ok, "<pii:card>"),
    ),
    ScrubRule(
        "iban", r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b",
        _always("<pii:iban>"), checks.iban_span,
    ),
    ScrubRule(
        "national_id",
        r"\b(?:\d{8}-?[A-HJ-NP-TV-Z]|[XYZ]-?\d{7}-?[A-HJ-NP-TV-Z]"  # Spanish DNI / NIE
        r"|\d{3}\.\d{3}\.\d{3}-\d{2}"  # Brazilian CPF
        r"|[A-Z]{6}\d{2}[ABCDEHLMPRST]\d{2}[A-Z]\d{3}[A-Z]"  # Italian codice fiscale
        r"|(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}[-+A-FU-Y]\d{3}[0-9A-FHJ-NPR-Y]"  # Finnish HETU
        r"|(?:19|20)?\d{2}(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01]|[6-8]\d|9[01])[-+]\d{4}"  # Swedish personnummer
        r"|[2-9]\d{3} \d{4} \d{4}"  # Indian Aadhaar
        r"|[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX])\b",  # Chinese RIC
        lambda value, key: "<pii:national_id>" if national_id_ok(value) else None,
    ),
    ScrubRule(
        "phone",
        r"(?:^|[^A-Za-z0-9+/=_%.-])(?P<v>\+[1-9]\d{0,3}(?:[ .-]?\(?\d{1,5}\)?){1,6})"
        r"|\(?\b[2-9]\d{2}\)?[-. ][2-9]\d{2}[-.]\d{4}\b",
        _always("<pii:phone>"), lambda value: checks.phone_span(value) if "+" in value else (0, len(value)),
    ),
    ScrubRule(
        "email", r"\b[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]*[A-Za-z][A-Za-z0-9-]*\.)+[A-Za-z]{2,}\b",
        lambda value, key: "<pii:email>" if email_is_personal(value) else None,
    ),
)


def national_id_ok(value: str) -> bool:
    """The national id number shapes above, each with its own check."""
    text = value.upper()
    if "." in text:
        return checks.cpf_ok(text)
    if " " in text:
        return checks.aadhaar_ok(text)
    if len(text) == 18 and text[:17].isdigit():
        return checks.china_id_ok(text)
    if len(text) == 16 and text[:6].isalpha():
        return checks.codice_fiscale_ok(text)
    if len(text) == 11 and text[:6].isdigit() and checks.hetu_ok(text):
        return True
    if text.replace("-", "").replace("+", "").isdigit():
        return checks.personnummer_ok(text)
    return checks.spanish_id_ok(text)


# Every placeholder a rule can write (tests check that scrubbing produces no other).
PLACEHOLDERS = frozenset({
    "<pii:card>", "<pii:email>", "<pii:iban>", "<pii:national_id>", "<pii:phone>", "<secret:api_key>",
    "<secret:authorization>", "<secret:aws_key>", "<secret:basic_auth>", "<secret:bearer>", "<secret:cookie>",
    "<secret:jwt>", "<secret:password>", "<secret:private_key>", "<secret:sentry_dsn>", "<secret:webhook>",
    "<secret:redacted>", *(f"<secret:{kind}>" for kind, _ in TOKENS),
})
