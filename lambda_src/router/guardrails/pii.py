"""Find personal data and credentials in text: patterns, checksums and context, no model.

Pure and standard library only. Each entity type is a pattern plus what makes a match
real: Luhn for payment cards, ISO 13616 mod 97 for IBANs, the SSA's rules for US SSNs,
`ipaddress` for IP addresses, and for phone numbers either an unmistakable format (a
`+` country code, an area code in parentheses, an extension) or a word such as
"phone", "call" or "fax" just before or after. Names and street addresses need a
statistical model and are not detected here (see README "Guardrails").

`find(text, types, custom)` returns non-overlapping spans, longest first where two
candidates overlap; `mask` replaces them with typed placeholders (`<EMAIL_1>`) and
returns what `restore` needs to put the values back into an answer.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from router.guardrails.scan import Anchored, merged

EMAIL = "EMAIL"
PHONE = "PHONE"
CREDIT_CARD = "CREDIT_CARD"
IBAN = "IBAN"
US_SSN = "US_SSN"
IP_ADDRESS = "IP_ADDRESS"
AWS_ACCESS_KEY = "AWS_ACCESS_KEY"
AWS_SECRET_KEY = "AWS_SECRET_KEY"  # noqa: S105 - an entity type's name, not a secret
BEARER_TOKEN = "BEARER_TOKEN"  # noqa: S105 - an entity type's name, not a secret
JWT = "JWT"
ENTITY_TYPES = (EMAIL, PHONE, CREDIT_CARD, IBAN, US_SSN, IP_ADDRESS, AWS_ACCESS_KEY, AWS_SECRET_KEY, BEARER_TOKEN, JWT)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    type: str


_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){11,18}\d(?![\d-])")
# Compact, or printed in groups of four.
_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}"
    r"(?:[A-Za-z0-9]{11,30}|(?: [A-Za-z0-9]{4}){2,7}(?: [A-Za-z0-9]{1,3})?)(?![A-Za-z0-9])"
)
_SSN = re.compile(r"(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(r"(?<![:\w])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![:\w])")
_AWS_ACCESS_KEY = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA)[A-Z0-9]{16}(?![A-Z0-9])")
_AWS_SECRET = re.compile(
    r"(?i:aws_?secret_?access_?key|secret_?access_?key|aws_?secret|secretkey)[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"
)
_BEARER = re.compile(r"(?i:\bbearer)\s+([A-Za-z0-9._~+/-]{16,}=*)")
_JWT = re.compile(r"(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?![\w-])")
# A phone number: an optional country code, an optional area code, groups of digits, an optional extension.
_PHONE = re.compile(
    r"(?<![\w+.-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?(?:\d{6,12}|\d{2,5}(?:[ .-]\d{2,8}){0,4})"
    r"(?:[ ]?(?:x|ext\.?)[ ]?\d{1,5})?(?!\w|-\d)"
    r"|(?<![\w+.-])\+\d{1,3} ?\(0\)\d{1,4}(?:[ .-]\d{2,5}){1,4}(?!\w|-\d)"
)
_PHONE_WORDS = re.compile(
    r"(?i:phone|telephone|tel|mobile|cell|cellphone|fax|desk|office|call|calling|reach|text|sms|whatsapp|"
    r"number|answering|contact|dial|ring|messages? to|registered|hotline|landline|telefon|handy|t[ée]l[ée]phone|"
    r"portable|m[oó]vil|tel[eé]fono)"
)
_DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")


def luhn(digits: str) -> bool:
    """Whether `digits` (digits only) passes the Luhn check payment card numbers carry."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


# ISO 13616: the length of each country's IBAN.
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "BY": 28,
    "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19,
    "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def iban_valid(candidate: str) -> bool:
    """Whether `candidate` (spaces allowed) is an IBAN: its country's length and mod 97 == 1."""
    compact = candidate.replace(" ", "").upper()
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def ssn_valid(area: str, group: str, serial: str) -> bool:
    """The SSA's rules: no area 000, 666 or 900-999, no group 00, no serial 0000."""
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


# Runs of digits and the characters numbers are printed with: the digit detectors look only there.
_DIGIT_RUN = re.compile(r"[\d(+][\d .()+/x-]{5,}\d")
IBAN_LEAD = 16
IBAN_SPAN = 48
PAD = 4


@dataclass(frozen=True)
class Text:
    """A text prepared once for every detector: its lowercase form and where its digit runs are."""

    text: str
    lower: str
    runs: list[tuple[int, int]]

    @classmethod
    def of(cls, text: str) -> Text:
        runs = merged((max(0, m.start() - PAD), m.end() + PAD) for m in _DIGIT_RUN.finditer(text))
        return cls(text, text.lower(), runs)

    def finditer(self, pattern: re.Pattern[str]) -> Iterable[re.Match[str]]:
        for start, end in self.runs:
            yield from pattern.finditer(self.text, start, min(end, len(self.text)))


def _cards(t: Text) -> Iterable[Span]:
    for match in t.finditer(_CARD):
        digits = re.sub(r"[ -]", "", match.group())
        if 12 <= len(digits) <= 19 and luhn(digits):
            yield Span(match.start(), match.end(), CREDIT_CARD)


def _ibans(t: Text) -> Iterable[Span]:
    text = t.text
    # Every country's BBAN holds a run of at least seven digits, within 12 characters of the IBAN's start.
    starts = merged((max(0, s - IBAN_LEAD), min(len(text), s + IBAN_SPAN)) for s, _ in t.runs)
    for start, end in starts:
        for match in _IBAN.finditer(text, start, end):
            value = match.group().rstrip()
            if iban_valid(value):
                yield Span(match.start(), match.start() + len(value), IBAN)


def _ssns(t: Text) -> Iterable[Span]:
    for match in t.finditer(_SSN):
        if ssn_valid(match.group(1), match.group(3), match.group(4)):
            yield Span(match.start(), match.end(), US_SSN)


def _ips(t: Text) -> Iterable[Span]:
    text = t.text
    if "." in text:
        for match in t.finditer(_IPV4):
            if all(int(octet) <= 255 and (octet == "0" or octet[0] != "0") for octet in match.group().split(".")):
                yield Span(match.start(), match.end(), IP_ADDRESS)
    for start, end in _ipv6_windows(text):
        for match in _IPV6.finditer(text, start, end):
            value = match.group()
            if value.count(":") < 2 or len(value) < 3:
                continue
            try:
                ipaddress.IPv6Address(value)
            except ValueError:
                continue
            yield Span(match.start(), match.end(), IP_ADDRESS)


def _ipv6_windows(text: str) -> list[tuple[int, int]]:
    """Around colons followed by another within five characters (IPv6 groups are at most four hex digits)."""
    found = []
    colon = text.find(":")
    while colon != -1:
        following = text.find(":", colon + 1, colon + 6)
        if following != -1:
            found.append((max(0, colon - 40), min(len(text), colon + 40)))
        colon = following if following != -1 else text.find(":", colon + 1)
    return merged(found)


def _phone_context(text: str, start: int, end: int) -> bool:
    """A phone word in the 32 characters before the number (its label) or the 12 after (`-Office`, `fax`)."""
    return bool(_PHONE_WORDS.search(text, max(0, start - 32), start) or _PHONE_WORDS.search(text, end, end + 12))


def _phones(t: Text) -> Iterable[Span]:
    text = t.text
    for match in t.finditer(_PHONE):
        value = match.group()
        digits = sum(map(str.isdigit, value))
        if not 7 <= digits <= 15 or _DATE.match(value):
            continue
        formatted = value.startswith("+") or "(" in value or "x" in value.lower()
        grouped = bool(re.search(r"\d[ .-]\d", value))
        if formatted or ((grouped or digits >= 10) and _phone_context(text, match.start(), match.end())):
            yield Span(match.start(), match.end(), PHONE)


_ACCESS_KEYS = Anchored(_AWS_ACCESS_KEY, ("akia", "asia", "abia", "acca", "aida", "aroa"))
_SECRETS = Anchored(_AWS_SECRET, ("secret",), reach=120)
_JWTS = Anchored(_JWT, ("eyj",))
_BEARERS = Anchored(_BEARER, ("bearer",))
# An address's local part (at most 64 characters, ending at the @) and its domain.
_LOCAL_PART = re.compile(r"(?<![\w.+%-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}$")
_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])")


def _secrets(t: Text) -> Iterable[Span]:
    for match in _ACCESS_KEYS.starting(t.text, t.lower):
        yield Span(match.start(), match.end(), AWS_ACCESS_KEY)
    for match in _SECRETS.finditer(t.text, t.lower):
        yield Span(match.start(1), match.end(1), AWS_SECRET_KEY)
    for match in _JWTS.starting(t.text, t.lower):
        yield Span(match.start(), match.end(), JWT)
    for match in _BEARERS.starting(t.text, t.lower):
        yield Span(match.start(1), match.end(1), BEARER_TOKEN)


def _emails(t: Text) -> Iterable[Span]:
    """Around each @: the longest local part before it (at most 64 characters), then a domain after it."""
    text = t.text
    at = text.find("@")
    while at != -1:
        local = _LOCAL_PART.search(text, max(0, at - 64), at)
        domain = _DOMAIN.match(text, at + 1)
        if local and domain:
            yield Span(local.start(), domain.end(), EMAIL)
        at = text.find("@", at + 1)


# Detectors in priority order: where spans overlap, the earlier (more specific) type wins a tie.
DETECTORS = {
    JWT: _secrets,
    EMAIL: _emails,
    IBAN: _ibans,
    US_SSN: _ssns,
    CREDIT_CARD: _cards,
    IP_ADDRESS: _ips,
    PHONE: _phones,
}


def find(
    text: str, types: Iterable[str] = ENTITY_TYPES, custom: Mapping[str, re.Pattern[str]] | None = None
) -> list[Span]:
    """Spans of `types` (and of the `custom` patterns, by name) in `text`, in order, never overlapping.

    Where candidates overlap, the longer one is kept (a card number is not also a phone number);
    on equal length the more specific type.
    """
    wanted = set(types)
    prepared = Text.of(text)
    candidates: list[tuple[int, Span]] = []
    rank = 0
    for name, detector in DETECTORS.items():
        kinds = {AWS_ACCESS_KEY, AWS_SECRET_KEY, BEARER_TOKEN, JWT} if name == JWT else {name}
        if kinds & wanted:
            candidates += [(rank, s) for s in detector(prepared) if s.type in wanted]
        rank += 1
    for name, pattern in (custom or {}).items():
        candidates += [(rank, Span(m.start(), m.end(), name)) for m in pattern.finditer(text) if m.end() > m.start()]
    candidates.sort(key=lambda c: (-(c[1].end - c[1].start), c[0], c[1].start))
    # Kept spans, in text order: a candidate is kept when it overlaps neither neighbour.
    taken: list[Span] = []
    starts: list[int] = []
    for _, span in candidates:
        index = bisect.bisect_left(starts, span.start)
        if (index == 0 or taken[index - 1].end <= span.start) and (
            index == len(taken) or taken[index].start >= span.end
        ):
            taken.insert(index, span)
            starts.insert(index, span.start)
    return taken


@dataclass
class Masking:
    """The placeholders of one request: the same value gets the same placeholder in every message."""

    placeholders: dict[tuple[str, str], str]

    def __init__(self, after: Masking | None = None) -> None:
        """`after`: another request-side masking whose numbers this one continues (the answer's own
        values never take a placeholder the prompt's restoring would replace)."""
        self.placeholders = {}
        self._taken = dict(after.counts()) if after else {}

    def counts(self) -> dict[str, int]:
        counts = dict(self._taken)
        for kind, _ in self.placeholders:
            counts[kind] = counts.get(kind, 0) + 1
        return counts

    def placeholder(self, kind: str, value: str) -> str:
        key = (kind, value)
        if key not in self.placeholders:
            self.placeholders[key] = f"<{kind}_{self.counts().get(kind, 0) + 1}>"
        return self.placeholders[key]

    def mask(self, text: str, spans: Iterable[Span]) -> str:
        """`text` with each span replaced by its placeholder."""
        parts, last = [], 0
        for span in spans:
            parts += [text[last : span.start], self.placeholder(span.type, text[span.start : span.end])]
            last = span.end
        parts.append(text[last:])
        return "".join(parts)

    def restore(self, text: str) -> str:
        """`text` with every placeholder of this request put back to its value (an answer for the same request)."""
        for (_, value), placeholder in self.placeholders.items():
            text = text.replace(placeholder, value)
        return text
