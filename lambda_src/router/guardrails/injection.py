"""Score a prompt for injection and jailbreak attempts with heuristics: microseconds, no model.

Pure and standard library only. Each signal adds its weight to a score in [0, 1]:
instructions to override or forget earlier ones, role-play jailbreaks (DAN, "developer
mode", "pretend you have no rules"), requests to reveal the system prompt, chat-template
delimiters smuggled into user text, invisible and bidirectional Unicode, and encoded
payloads (base64 or hex that decodes to such instructions). English and German phrasings,
the two languages of the labeled set. A policy flags at one score and blocks at another.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from router.guardrails.scan import Anchored, word_prefixes

OVERRIDE = "instruction_override"
ROLE_PLAY = "role_play"
EXTRACTION = "prompt_extraction"
DELIMITER = "delimiter"
INVISIBLE = "invisible_unicode"
ENCODED = "encoded_payload"
TASK_SWITCH = "task_switch"
SIGNALS = (OVERRIDE, ROLE_PLAY, EXTRACTION, DELIMITER, INVISIBLE, ENCODED, TASK_SWITCH)

_I = re.IGNORECASE
_PREVIOUS = (
    r"(?:all |any |the |your |my |these |those )*"
    r"(?:previous|prior|above|earlier|preceding|original|initial|foregoing|system)"
)
_VERB = r"(?:ignore|disregard|forget|override|skip|bypass|drop|abandon|overwrite)"
_RULES = (
    r"(?:instructions?|prompts?|rules|directives|guidelines|context|commands?|tasks?|information|orders|constraints)"
)
_OVERRIDE = re.compile(
    rf"\b{_VERB}\b.{{0,40}}?\b{_PREVIOUS}\b.{{0,20}}?\b{_RULES}\b"
    rf"|\b(?:ignore|disregard|forget|drop|remove|leave)\b (?:(?:all|any) )?(?:of )?"
    rf"(?:your|my|the|these|those)? ?{_RULES}\b"
    r"|\b(?:ignore|disregard|forget)\b (?:all|everything|anything|above|the above)\b"
    r"(?: (?:else|before|above|said|that))?"
    r"|\b(?:disregarding|ignoring) (?:the|all|your|any) (?:articles|instructions|context|rules|above)\b"
    r"|\b(?:leave|put) (?:all )?(?:the )?(?:previous|prior) \w+ behind\b|\bremove all (?:previous|prior) \w+\b"
    r"|\byour (?:new )?instructions are now\b|\badditional instruction\b"
    r"|\bdo not answer\b.{0,30}\b(?:but|just|only|instead)\b"
    r"|\b(?:olvida|olvide|ignora|ignore)\b.{0,20}\b(?:todo|todas|instrucciones)\b"
    r"|\bforget (?:about )?(?:all|everything) (?:you|that|i|we)\b"
    r"|\b(?:new|updated|real|actual) (?:instructions?|task|rules)\s*[:!]"
    r"|\bnow (?:you (?:will|must|are going to)|your (?:new )?task is)\b"
    r"|\bstop (?:following|obeying)\b"
    r"|\b(?:ignoriere|vergiss|vergessen sie|ignorieren sie|missachte)\b.{0,40}?"
    r"\b(?:alle|vorherigen?|bisherigen?|vorangegangenen|obigen?|anweisungen|befehle|aufgaben|informationen)\b"
    r"|\bvergiss alles\b|\bneue (?:aufgabe|anweisung)\b|\bab jetzt\b"
    r"|\b(?:obigen|vorherigen|bisherigen)\b.{0,30}\b(?:ignorieren|vergessen|hinter sich)\b",
    _I,
)
_ROLE_PLAY = re.compile(
    r"\b(?:you are|you're) (?:now |going to be |no longer )(?:an? |my |the )?\w+"
    r"|\b(?:pretend|imagine|act|behave|roleplay|role-play) (?:to be |that you(?:'re| are)? |as (?:if )?|you are )"
    r"|\bfrom now on\b|\bstay in character\b|\bno (?:rules|restrictions|filters|limits|guidelines)\b"
    r"|\b(?:DAN|do anything now|developer mode|jailbreak|jailbroken|unfiltered|uncensored|evil confidant)\b"
    r"|\bwithout (?:any )?(?:restrictions|filters|censorship|limitations|rules)\b"
    r"|\b(?:du bist (?:jetzt|nun|ab jetzt)|stell dir vor,? du|tu so,? als|spiele? (?:die rolle|einen?))\b"
    r"|\b(?:jetzt bist du|nun bist du|ab sofort bist du)\b"
    r"|\bi want you to act as\b|\bnow you are\b|\byou are (?:role-?playing|playing the role)\b"
    r"|\bich möchte, dass (?:sie|du) als\b",
    _I,
)
_EXTRACTION = re.compile(
    r"\b(?:reveal|show|print|repeat|output|display|tell me|give me|share|leak|what (?:is|are|was|were))\b.{0,30}?"
    r"\b(?:your|the|initial|original|hidden|secret)\b.{0,20}?\b(?:system prompt|prompt|instructions|rules|guidelines|"
    r"configuration|password|secret)\b"
    r"|\brepeat (?:the )?(?:words|text) above\b|\bverbatim\b.{0,30}\b(?:prompt|instructions)\b"
    r"|\b(?:zeig|nenne|gib|verrate|wiederhole)\b.{0,30}?\b(?:deine?n?|den|die|das)\b.{0,20}?"
    r"\b(?:anweisungen|prompt|passwort|regeln|systemprompt)\b",
    _I,
)
# Praise or closure, then a switch to a new task: "That is enough. Now write ...".
_TASK_SWITCH = re.compile(
    r"\b(?:that is (?:enough|done)|that's (?:enough|done)|well done|very good|simply great|excellent performance|"
    r"congratulations|das genügt|das ist erledigt|sehr gut|gut gemacht|einfach großartig|ausgezeichnete leistung)\b"
    r".{0,80}?\b(?:now|another task|new task|next task|further tasks|nun|jetzt|weitere aufgabe|neue aufgabe)\b",
    _I | re.DOTALL,
)
_DELIMITER = re.compile(
    r"<\|(?:im_start|im_end|system|endoftext|assistant|user)\|>|\[/?INST\]|<</?SYS>>|</?s>\s*\[|"
    r"^\s*#{2,}\s*(?:system|instruction|new instructions?)\b|^(?:system|assistant)\s*:\s+(?=[A-Z\"'])|"
    r"```\s*system\b|\bEND OF (?:PROMPT|INSTRUCTIONS)\b|-{3,}\s*(?:end|new) (?:of )?(?:prompt|instructions?)",
    _I | re.MULTILINE,
)
# Unicode tag characters spell hidden text; zero-width characters, word joiners and the BOM hide it
# too, though one or two slip in with copied text (the labeled set has benign prompts with some).
_TAGS = re.compile("[\U000e0000-\U000e007f]")
_INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff]")
INVISIBLE_RUN = 4
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
ENCODED_MIN_LENGTH = 24
_LONG_TOKEN = re.compile(rf"\S{{{ENCODED_MIN_LENGTH},}}")
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{24,}={0,2}(?![A-Za-z0-9+/=])")
_HEX = re.compile(r"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}){16,}(?![0-9A-Fa-f])")

# What each pattern's every match contains (lowercase), so it runs only around those (`scan`).
_ANCHORED = {
    OVERRIDE: Anchored(
        _OVERRIDE,
        ("ignor", "disregard", "forget", "overrid", "skip", "bypass", "drop", "abandon", "overwrit", "remov", "leave",
         "put ", "your ", "additional", "do not", "olvid", "new ", "updated", "real ", "actual ", "now ", "stop ",
         "vergiss", "vergessen", "missacht", "neue ", "ab jetzt", "obigen", "vorherig", "bisherig"),
        starts=True,
    ),
    ROLE_PLAY: Anchored(
        _ROLE_PLAY,
        ("you are", "you're", "pretend", "imagine", "act ", "behave", "roleplay", "role-play", "from now on",
         "stay in", "no ", "dan", "do anything", "developer", "jailbr", "unfiltered", "uncensored", "evil", "without",
         "du bist", "stell dir", "tu so", "spiel", "jetzt bist", "nun bist", "ab sofort", "i want you", "now you",
         "ich möchte"),
        starts=True,
    ),
    EXTRACTION: Anchored(
        _EXTRACTION,
        ("reveal", "show", "print", "repeat", "output", "display", "tell me", "give me", "share", "leak", "what ",
         "verbatim", "zeig", "nenne", "gib", "verrate", "wiederhol"),
        starts=True,
    ),
    # Anchored at line starts (`^`): searched in windows around its keywords instead.
    DELIMITER: Anchored(
        _DELIMITER, ("<|", "[inst", "[/inst", "<<sys", "<</sys", "</s>", "#", "system", "assistant", "```", "end of",
                     "---"),
    ),
    TASK_SWITCH: Anchored(
        _TASK_SWITCH,
        ("that is", "that's", "well done", "very good", "simply great", "excellent", "congratulations", "das genügt",
         "das ist erledigt", "sehr gut", "gut gemacht", "einfach", "ausgezeichnet"),
        starts=True,
    ),
}  # fmt: skip

WEIGHTS = {
    OVERRIDE: 0.6,
    ROLE_PLAY: 0.35,
    EXTRACTION: 0.45,
    DELIMITER: 0.5,
    INVISIBLE: 0.4,
    ENCODED: 0.6,
    TASK_SWITCH: 0.35,
}


@dataclass(frozen=True)
class Score:
    """The request's score and the signals that made it (names only: never the matched text)."""

    value: float
    signals: tuple[str, ...]


def _decoded_instructions(text: str) -> bool:
    """An encoded run that decodes to printable text holding an override, role-play or extraction phrase."""
    # An encoded payload has no spaces: only long whitespace-free tokens are tried (cheaper than a scan).
    for token in _LONG_TOKEN.findall(text):
        for pattern, decode in ((_BASE64, base64.b64decode), (_HEX, bytes.fromhex)):
            match = pattern.search(token)
            if not match:
                continue
            try:
                plain = decode(match.group()).decode("utf-8")
            except (binascii.Error, ValueError, UnicodeDecodeError):
                continue
            if plain.isprintable() and (
                _OVERRIDE.search(plain) or _ROLE_PLAY.search(plain) or _EXTRACTION.search(plain)
            ):
                return True
    return False


def score(text: str) -> Score:
    """The injection score of `text`: the sum of its signals' weights, at most 1."""
    lower = text.lower()
    words = word_prefixes(lower) if len(lower) == len(text) else None
    found = [signal for signal, anchored in _ANCHORED.items() if anchored.search(text, lower, words)]
    # Every invisible, bidirectional and tag character is outside ASCII (isascii is one C pass).
    if not text.isascii() and (
        _TAGS.search(text) or len(_INVISIBLE.findall(text)) >= INVISIBLE_RUN or len(_BIDI.findall(text)) >= 2
    ):
        found.append(INVISIBLE)
    if len(text) >= 24 and _decoded_instructions(text):
        found.append(ENCODED)
    return Score(min(1.0, round(sum(WEIGHTS[s] for s in found), 4)), tuple(found))
