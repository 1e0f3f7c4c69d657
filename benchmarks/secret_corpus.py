"""Planted secrets and their look-alikes: what the scrubbing policy must hide, and what it must keep.

`planted()` gives ≥ 30 kinds of credentials and personal data, each as the secret VALUE (what must
appear nowhere after ingest: warehouse, snapshot, exports, CLI output) and the TEXT that carries it the
way production writes it (`Authorization: Bearer <value>`, `postgres://app:<value>@db/...`). Values are
random but well-formed: right lengths and prefixes, valid check digits (IBAN mod 97, Luhn, national id
checks), computed here independently of models/sources/scrub_checks.py.

`look_alikes()` gives strings that resemble secrets but are evidence (UUIDs, git shas, hashes in URLs,
version and release strings, providers' published test card numbers, trace ids, timestamps ...): the
scrubber must leave them alone (bar: at most 1% changed).

Used by tests/hardening (the corpus tests) and benchmarks/relay_compare.py.
"""

from __future__ import annotations

import base64
import random
import string
import uuid
from dataclasses import dataclass, field

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"


@dataclass(frozen=True)
class Planted:
    kind: str
    value: str  # the secret itself: must be found nowhere
    text: str  # how production writes it (contains value)
    personal: bool = False  # personal data (kept in identity fields such as a commit author), not a secret
    also: tuple[str, ...] = field(default=())  # other forms that must be found nowhere either


def _r(rng: random.Random, n: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _mixed(rng: random.Random, n: int) -> str:
    """Random alphanumerics with at least one digit, one upper- and one lower-case letter."""
    while True:
        s = _r(rng, n)
        if any(c.isdigit() for c in s) and any(c.isupper() for c in s) and any(c.islower() for c in s):
            return s


def _luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def _card(rng: random.Random, prefix: str, length: int) -> str:
    body = prefix + _r(rng, length - len(prefix) - 1, string.digits)
    return body + _luhn_digit(body)


def _iban(rng: random.Random, country: str, bban_len: int) -> str:
    bban = _r(rng, bban_len, string.digits)
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    return f"{country}{check:02d}{bban}"


def _dni(rng: random.Random) -> str:
    n = rng.randrange(10_000_000, 99_999_999)
    return f"{n}{'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}"


def _cpf(rng: random.Random) -> str:
    d = [rng.randrange(10) for _ in range(9)]
    for n in (9, 10):
        s = sum(d[i] * (n + 1 - i) for i in range(n))
        d.append((s * 10 % 11) % 10)
    t = "".join(map(str, d))
    return f"{t[:3]}.{t[3:6]}.{t[6:9]}-{t[9:]}"


def _codice_fiscale(rng: random.Random) -> str:
    odd = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]
    body = (_r(rng, 6, string.ascii_uppercase) + _r(rng, 2, string.digits) + rng.choice("ABCDEHLMPRST")
            + f"{rng.randrange(1, 29):02d}" + rng.choice(string.ascii_uppercase) + _r(rng, 3, string.digits))
    total = 0
    for i, c in enumerate(body):
        v = int(c) if c.isdigit() else ord(c) - 65
        total += (odd[v] if i % 2 == 0 else v)
    return body + chr(65 + total % 26)


def _hetu(rng: random.Random) -> str:
    dd, mm, yy, nnn = rng.randrange(1, 29), rng.randrange(1, 13), rng.randrange(0, 100), rng.randrange(2, 900)
    number = int(f"{dd:02d}{mm:02d}{yy:02d}{nnn:03d}")
    return f"{dd:02d}{mm:02d}{yy:02d}-{nnn:03d}{'0123456789ABCDEFHJKLMNPRSTUVWXY'[number % 31]}"


def _personnummer(rng: random.Random) -> str:
    body = f"{rng.randrange(40, 99):02d}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{rng.randrange(100, 999):03d}"
    return f"{body[:6]}-{body[6:]}{_luhn_digit(body)}"


_VD = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
       [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
       [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
       [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
_VP = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
       [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
       [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]
_VINV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]


def _aadhaar(rng: random.Random) -> str:
    body = str(rng.randrange(2, 10)) + _r(rng, 10, string.digits)
    c = 0
    for i, ch in enumerate(reversed(body)):
        c = _VD[c][_VP[(i + 1) % 8][int(ch)]]
    n = body + str(_VINV[c])
    return f"{n[:4]} {n[4:8]} {n[8:]}"


def _china_id(rng: random.Random) -> str:
    body = (f"{rng.randrange(110000, 659000)}{rng.randrange(1950, 2005)}{rng.randrange(1, 13):02d}"
            f"{rng.randrange(1, 29):02d}{rng.randrange(0, 1000):03d}")
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * x for c, x in zip(body, w, strict=True)) % 11]


def _jwt(rng: random.Random) -> str:
    def seg(obj: str) -> str:
        return base64.urlsafe_b64encode(obj.encode()).decode().rstrip("=")

    header = seg('{"alg":"HS256","typ":"JWT"}')
    payload = seg('{"sub":"' + _r(rng, 12) + '"}')
    return f"{header}.{payload}.{_r(rng, 43, ALNUM + '-_')}"


def planted(seed: int = 16) -> list[Planted]:
    """The planted corpus: ≥ 30 kinds, fresh random values for `seed`."""
    rng = random.Random(seed)
    pem = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" + _mixed(rng, 64)
    ssh = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE" + _mixed(rng, 60)
    url_pw = _mixed(rng, 14) + "-!x"
    basic_user, basic_pw = "svc-" + _r(rng, 6, string.ascii_lowercase), _mixed(rng, 16)
    basic = base64.b64encode(f"{basic_user}:{basic_pw}".encode()).decode()
    sas = _mixed(rng, 40) + "%2B" + _mixed(rng, 3) + "%3D"
    azure_key = base64.b64encode(rng.randbytes(64)).decode()
    sentry_key = _r(rng, 32, HEX)
    items = [
        Planted("aws_access_key_id", (k := "AKIA" + _r(rng, 16, string.ascii_uppercase + string.digits)),
                f"aws_access_key_id = {k}"),
        Planted("aws_secret_access_key", (k := _mixed(rng, 30) + "/" + _mixed(rng, 9)),
                f"aws_secret_access_key={k}"),
        Planted("gcp_api_key", (k := "AIza" + _mixed(rng, 35)), f"GET /maps/api/geocode/json?key={k}"),
        Planted("gcp_service_account_key", pem,
                f"-----BEGIN PRIVATE KEY-----\n{pem}\n-----END PRIVATE KEY-----\n"),
        Planted("azure_storage_key", azure_key,
                f"DefaultEndpointsProtocol=https;AccountName=shopdata;AccountKey={azure_key};"
                "EndpointSuffix=core.windows.net"),
        Planted("azure_sas_signature", sas,
                f"https://shopdata.blob.core.windows.net/exports/a.csv?sv=2022-11-02&se=2026-12-01&sig={sas}"),
        Planted("github_token", (k := "ghp_" + _mixed(rng, 36)), f"git push https://x-access-token:{k}@github.com/o/r"),
        Planted("github_fine_grained_token", (k := "github_pat_11" + _mixed(rng, 20) + "_" + _mixed(rng, 59)),
                f"GITHUB_TOKEN {k}"),
        Planted("gitlab_token", (k := "glpat-" + _mixed(rng, 20)), f"using token {k} for the registry"),
        Planted("npm_token", (k := "npm_" + _mixed(rng, 36)), f"//registry.npmjs.org/:_authToken {k}"),
        Planted("pypi_token", (k := "pypi-AgEIcHlwaS5vcmc" + _mixed(rng, 70)), f"twine upload -p {k}"),
        Planted("docker_token", (k := "dckr_pat_" + _mixed(rng, 27)), f"docker login -p {k}"),
        Planted("slack_bot_token", (k := f"xoxb-{rng.randrange(10**11, 10**12)}-{rng.randrange(10**11, 10**12)}-"
                                          + _mixed(rng, 24)), f"slack client init {k}"),
        Planted("slack_webhook", (k := "T0" + _r(rng, 8, string.ascii_uppercase) + "/B0" + _r(rng, 8, string.ascii_uppercase)
                                      + "/" + _mixed(rng, 24)),
                f"POST https://hooks.slack.com/services/{k} failed"),
        Planted("discord_webhook", (k := _r(rng, 68, ALNUM + "_-")),
                f"webhook https://discord.com/api/webhooks/{rng.randrange(10**17, 10**18)}/{k}"),
        Planted("telegram_bot_token", (k := f"{rng.randrange(10**8, 10**9)}:AA{_mixed(rng, 33)}"),
                f"https://api.telegram.org/bot{k}/sendMessage"),
        Planted("stripe_secret_key", (k := "sk_live_" + _mixed(rng, 24)), f"stripe.api_key set from {k}"),
        Planted("stripe_webhook_secret", (k := "whsec_" + _mixed(rng, 32)), f"verify signature with {k}"),
        Planted("square_token", (k := "sq0atp-" + _mixed(rng, 22)), f"square token {k} expired"),
        Planted("twilio_api_key", (k := "SK" + _r(rng, 32, HEX)), f"twilio key {k}"),
        Planted("sendgrid_key", (k := "SG." + _mixed(rng, 22) + "." + _mixed(rng, 43)), f"sendgrid {k}"),
        Planted("openai_key", (k := "sk-proj-" + _mixed(rng, 48)), f"OPENAI_API_KEY {k}"),
        Planted("anthropic_key", (k := "sk-ant-api03-" + _mixed(rng, 40)), f"x-api-key {k}"),
        Planted("huggingface_token", (k := "hf_" + _mixed(rng, 34)), f"hub login {k}"),
        Planted("shopify_token", (k := "shpat_" + _r(rng, 32, HEX)), f"shopify admin {k}"),
        Planted("sentry_auth_token", (k := "sntrys_" + _mixed(rng, 60)), f"sentry-cli --auth-token {k}"),
        Planted("sentry_dsn", sentry_key, f"SENTRY_DSN https://{sentry_key}@o4507.ingest.sentry.io/4508"),
        Planted("jwt", (k := _jwt(rng)), f"token {k} rejected"),
        Planted("rsa_private_key", (k := "MIIEpAIBAAKCAQEA" + _mixed(rng, 64)),
                f"-----BEGIN RSA PRIVATE KEY-----\\n{k}\\n-----END RSA PRIVATE KEY-----"),
        Planted("openssh_private_key", ssh,
                f"-----BEGIN OPENSSH PRIVATE KEY-----\n{ssh}\n-----END OPENSSH PRIVATE KEY-----"),
        Planted("url_password", url_pw, f"connect postgres://app:{url_pw}@db-1.internal:5432/shop failed"),
        Planted("redis_password", (k := _mixed(rng, 18)), f"redis://:{k}@cache.internal:6379/0 timed out"),
        Planted("dsn_password", (k := _mixed(rng, 15)), f"Server=sql1;Database=shop;User Id=app;Password={k};"),
        Planted("bearer_token", (k := _mixed(rng, 40)), f"Authorization: Bearer {k}"),
        Planted("basic_auth", basic, f"Authorization: Basic {basic}", also=(f"{basic_user}:{basic_pw}", basic_pw)),
        Planted("token_auth_header", (k := _r(rng, 40, HEX)), f"Authorization: Token {k}"),
        Planted("cookie_header", (k := _mixed(rng, 32)), f"Cookie: sessionid={k}; csrftoken={_mixed(rng, 32)}"),
        Planted("set_cookie", (k := _mixed(rng, 40)), f"Set-Cookie: session={k}; Path=/; HttpOnly"),
        Planted("php_session_id", (k := _r(rng, 26, string.ascii_lowercase + string.digits)),
                f"GET /cart?PHPSESSID={k}"),
        Planted("java_session_id", (k := _r(rng, 32, HEX.upper())), f"GET /checkout;jsessionid={k} 500"),
        Planted("password_field", (k := _mixed(rng, 12) + "#1"), f"{{'user': 'ops', 'password': '{k}'}}"),
        Planted("email", (k := f"{_r(rng, 8, string.ascii_lowercase)}.{_r(rng, 6, string.ascii_lowercase)}@mail-{rng.randrange(100)}.example.org"),
                f"user {k} not found", personal=True),
        Planted("phone_e164", (k := f"+44 20 {rng.randrange(7000, 7999)} {rng.randrange(1000, 9999)}"),
                f"call back {k}", personal=True),
        Planted("phone_us", (k := f"({rng.randrange(201, 989)}) {rng.randrange(201, 989)}-{rng.randrange(1000, 9999)}"),
                f"SMS to {k} failed", personal=True),
        Planted("iban", (k := _iban(rng, "DE", 18)), f"refund to IBAN {k} rejected", personal=True),
        Planted("card_visa", (k := _card(rng, "4" + str(rng.randrange(100, 999)), 16))
                and f"{k[:4]} {k[4:8]} {k[8:12]} {k[12:]}", f"charge card {k[:4]} {k[4:8]} {k[8:12]} {k[12:]} declined",
                personal=True, also=(k,)),
        Planted("card_amex", (k := _card(rng, "37", 15)), f"amex {k} declined", personal=True),
        Planted("spanish_dni", (k := _dni(rng)), f"cliente DNI {k}", personal=True),
        Planted("brazilian_cpf", (k := _cpf(rng)), f"CPF {k} inválido", personal=True),
        Planted("italian_codice_fiscale", (k := _codice_fiscale(rng)), f"codice fiscale {k}", personal=True),
        Planted("finnish_hetu", (k := _hetu(rng)), f"henkilötunnus {k}", personal=True),
        Planted("swedish_personnummer", (k := _personnummer(rng)), f"personnummer {k}", personal=True),
        Planted("indian_aadhaar", (k := _aadhaar(rng)), f"aadhaar {k} verified", personal=True),
        Planted("chinese_resident_id", (k := _china_id(rng)), f"身份证 {k}", personal=True),
        Planted("us_ssn", (k := f"{rng.randrange(100, 665)}-{rng.randrange(10, 99)}-{rng.randrange(1000, 9999)}"),
                f"ssn: {k}", personal=True),
    ]
    return items


TEST_CARDS_IN_DOCS = ("4242 4242 4242 4242", "4111 1111 1111 1111", "5555 5555 5555 4444", "3782 822463 10005",
                      "6011 1111 1111 1117", "4000 0566 5566 5556", "5105105105105100", "4012888888881881")


def look_alikes(seed: int = 16, n: int = 400) -> list[str]:
    """Evidence that resembles secrets; `n` strings of many shapes (a few fixed, most generated)."""
    rng = random.Random(seed)
    fixed = [f"test card {c} (Stripe docs)" for c in TEST_CARDS_IN_DOCS] + [
        "release shop@1.4.2+3f2c9a1", "frontend@2.0.0-beta.staging", "web@2024.01.15-rc.1", "lodash@4.17.21",
        "@babel/core@7.22.0", "npm install react@18.2.0", "python 3.11.7 on linux", "version 10.0.19045.3693",
        "def login(password: str) -> bool:", "token: Optional[str] = None", "password=None", "api_key = None",
        "GET /static/app.3f2c9a1b7e4d.js 200", "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "arn:aws:iam::123456789012:role/deploy", "ip 10.20.30.40:8080", "::1 port 5432", "2026-11-24T05:59:41.673761Z",
        "duration 1234.56 ms", "order 4111111111111112 shipped", "build 20261124.1532", "pod orders-api-7d9f8b6c5-x2x9k",
        "Content-Type: application/json; charset=utf-8", "Accept-Encoding: gzip, deflate", "user-agent curl/8.4.0",
        "Basic information about the order", "bearer of bad news", "token count 1532", "cookie banner dismissed",
        "secret santa list", "X-Request-Id: 6d8a7c2785c445b8aa8e328d2d55b9d8", "traceparent 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    ]
    out = list(fixed)
    makers = [
        lambda: f"event {uuid.UUID(int=rng.getrandbits(128))}",
        lambda: f"event_id {uuid.UUID(int=rng.getrandbits(128)).hex}",
        lambda: f"commit {_r(rng, 40, HEX)}",
        lambda: f"fixed in {_r(rng, 7, HEX)}",
        lambda: f"https://cdn.example.com/assets/{_r(rng, 6, string.ascii_lowercase)}.{_r(rng, 20, HEX)}.js",
        lambda: f"https://github.com/acme/shop/commit/{_r(rng, 40, HEX)}",
        lambda: f"https://example.com/download?sha256={_r(rng, 64, HEX)}",
        lambda: f"https://example.com/app.css?v={_r(rng, 10, HEX)}",
        lambda: f"v{rng.randrange(0, 20)}.{rng.randrange(0, 50)}.{rng.randrange(0, 200)}",
        lambda: f"shop@{rng.randrange(1, 5)}.{rng.randrange(0, 20)}.{rng.randrange(0, 30)}+{_r(rng, 7, HEX)}",
        lambda: f"trace_id={_r(rng, 32, HEX)} span_id={_r(rng, 16, HEX)}",
        lambda: f"ts {rng.randrange(1_600_000_000_000, 1_800_000_000_000)}",
        lambda: f"order {rng.randrange(10**15, 10**16)} total {rng.randrange(1, 9999)}.{rng.randrange(0, 99):02d}",
        lambda: f"File \"/app/src/shop/{_r(rng, 6, string.ascii_lowercase)}.py\", line {rng.randrange(1, 900)}, in handler",
        lambda: f"md5 {_r(rng, 32, HEX)}",
        lambda: f"job-{rng.randrange(100000, 999999)} took {rng.randrange(1, 999)}ms",
    ]
    while len(out) < n:
        out.append(rng.choice(makers)())
    return out
