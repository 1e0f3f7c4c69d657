"""Check digits that make a number-shaped match safe to call personal data (used by scrub_rules.py).

A card number, IBAN or national id number is only scrubbed when its check digit is right: a random
order number, timestamp or build id of the same shape fails the check nine times in ten (or better),
so evidence is not eaten. Every function takes the matched text (separators included) and says yes/no.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\D")

# Published test numbers of payment providers (Stripe, Braintree, Adyen, PayPal docs): they pass the
# Luhn check but belong to nobody, and they are what documentation and test suites are full of.
TEST_CARDS = frozenset({
    "4242424242424242", "4000056655665556", "4000002500003155", "4000000000000002", "4000000000009995",
    "4000000000000077", "4000000000000069", "4000000000000127", "4000000000000119", "4000000000003220",
    "4111111111111111", "4012888888881881", "4222222222222", "4005519200000004", "4009348888881881",
    "4012000033330026", "4012000077777777", "4217651111111119", "4500600000000061", "4000000000000010",
    "5555555555554444", "5200828282828210", "5105105105105100", "2223003122003222", "5431111111111111",
    "5500000000000004", "5454545454545454", "2223000048400011", "5111111111111118",
    "378282246310005", "371449635398431", "378734493671000", "340000000000009", "370000000000002",
    "6011111111111117", "6011000990139424", "6011000000000004", "6011601160116611", "6445644564456445",
    "3056930009020004", "36227206271667", "30569309025904", "38520000023237",
    "3566002020360505", "3530111333300000", "3566111111111113",
    "6200000000000005", "6205500000000000004", "6221261111113245",
})


def digits(text: str) -> str:
    return _DIGITS.sub("", text)


def luhn_ok(number: str) -> bool:
    """The Luhn check digit of a card number (separators ignored)."""
    total = 0
    for i, char in enumerate(reversed(digits(number))):
        digit = int(char)
        total += (digit * 2 - 9 if digit > 4 else digit * 2) if i % 2 else digit
    return total % 10 == 0


def card_ok(text: str) -> bool:
    """A card number: right Luhn digit, and not one of the providers' published test numbers."""
    number = digits(text)
    return 13 <= len(number) <= 19 and luhn_ok(number) and number not in TEST_CARDS


# ISO 13616 IBAN length per country (SWIFT IBAN registry).
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}


def iban_span(text: str) -> tuple[int, int] | None:
    """(start, end) of a valid IBAN at the start of `text` (spaces allowed every 4 characters), or None.
    The regex may run past the IBAN into a following upper-case word; the country's length cuts it."""
    length = IBAN_LENGTHS.get(text[:2])
    if length is None:
        return None
    compact, end = [], 0
    for i, char in enumerate(text):
        if char == " ":
            continue
        compact.append(char)
        if len(compact) == length:
            end = i + 1
            break
    if len(compact) != length:
        return None
    iban = "".join(compact)
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return (0, end) if int(number) % 97 == 1 else None


_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def spanish_id_ok(text: str) -> bool:
    """DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter): the letter is the number mod 23."""
    compact = text.replace("-", "").upper()
    head = {"X": "0", "Y": "1", "Z": "2"}.get(compact[0], compact[0])
    number = head + compact[1:-1]
    return number.isdigit() and _DNI_LETTERS[int(number) % 23] == compact[-1]


def cpf_ok(text: str) -> bool:
    """Brazilian CPF: two check digits (mod 11); eleven equal digits are not a CPF."""
    d = [int(c) for c in digits(text)]
    if len(d) != 11 or len(set(d)) == 1:
        return False
    for n in (9, 10):
        total = sum(d[i] * (n + 1 - i) for i in range(n))
        if (total * 10 % 11) % 10 != d[n]:
            return False
    return True


_CF_ODD = dict(zip("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                   [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3,
                    6, 8, 12, 14, 16, 10, 22, 25, 24, 23], strict=True))


def codice_fiscale_ok(text: str) -> bool:
    """Italian codice fiscale: the 16th character checks the first 15 (odd/even position tables)."""
    code = text.upper()
    total = 0
    for i, char in enumerate(code[:15]):
        if i % 2 == 0:  # 1st, 3rd, ... (odd positions, 1-based)
            total += _CF_ODD[char]
        else:
            total += int(char) if char.isdigit() else ord(char) - ord("A")
    return chr(ord("A") + total % 26) == code[15]


_HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def hetu_ok(text: str) -> bool:
    """Finnish personal identity code: DDMMYY, century sign, 3-digit number, check character (mod 31)."""
    number = text[:6] + text[7:10]
    return number.isdigit() and _HETU_CHECK[int(number) % 31] == text[10].upper()


def personnummer_ok(text: str) -> bool:
    """Swedish personal identity number: Luhn over YYMMDDNNNC (a leading century is ignored)."""
    d = digits(text)
    return len(d) in (10, 12) and luhn_ok(d[-10:])


_VERHOEFF_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]
_VERHOEFF_P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]


def aadhaar_ok(text: str) -> bool:
    """Indian Aadhaar number: 12 digits, Verhoeff check digit."""
    d = digits(text)
    check = 0
    for i, char in enumerate(reversed(d)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[i % 8][int(char)]]
    return len(d) == 12 and check == 0


def china_id_ok(text: str) -> bool:
    """Chinese resident identity card number (18 characters): ISO 7064 MOD 11-2 check character."""
    code = text.upper()
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(code[:17], weights, strict=True))
    return "10X98765432"[total % 11] == code[17]


def phone_span(text: str) -> tuple[int, int] | None:
    """(start, end) of an international phone number in `text` (from its `+`): 8 to 15 digits, digit
    groups beyond the 15th dropped (a date written after the number is not part of it)."""
    start = text.find("+")
    groups = list(re.finditer(r"\(?\d+\)?", text[start:]))
    while groups and sum(len(digits(g.group())) for g in groups) > 15:
        groups.pop()
    count = sum(len(digits(g.group())) for g in groups)
    if not 8 <= count <= 15:
        return None
    return start, start + groups[-1].end()
