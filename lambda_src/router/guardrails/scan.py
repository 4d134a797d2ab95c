"""Run a regular expression only where it can match: around the literals every match of it contains.

Python's `re` tries a pattern at every position of the text, which costs hundreds of
microseconds per pattern on a 4 KB prompt; `str.find` of a few literals costs a few. So a
guardrail pattern comes with `keywords` (lowercase literals, one of which every match holds)
and a `reach` (the most characters a match spans around its keyword); it is searched in
the merged windows around the keywords' occurrences only. A text whose lowercase form
has another length (a few Unicode letters lowercase to two characters) is searched whole.
"""

from __future__ import annotations

import operator
import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

# Words are compared by their first letters: a keyword's first word, cut to this, must start some word.
PREFIX = 5
_PUNCTUATION = str.maketrans(dict.fromkeys(string.punctuation, " "))
_FIRST_LETTERS = operator.itemgetter(slice(0, PREFIX))


def word_prefixes(lower: str) -> frozenset[str]:
    """The first PREFIX letters of every word of `lower` (punctuation splits words)."""
    return frozenset(map(_FIRST_LETTERS, lower.translate(_PUNCTUATION).split()))


def _prefix(keyword: str) -> str | None:
    words = keyword.translate(_PUNCTUATION).split()
    return words[0][:PREFIX] if words else None


@dataclass(frozen=True)
class Anchored:
    pattern: re.Pattern[str]
    keywords: tuple[str, ...]
    reach: int = 250
    # Every match begins at one of the keywords: tried there only, no window scanned.
    starts: bool = False
    # Keyword -> the word prefix it needs in the text (None: a keyword of punctuation, always tried).
    prefixes: dict[str, str | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "prefixes", {k: _prefix(k) for k in self.keywords})

    def present(self, words: frozenset[str] | None) -> tuple[str, ...]:
        """The keywords that may occur in a text with these word prefixes (all of them without)."""
        if words is None:
            return self.keywords
        return tuple(k for k, p in self.prefixes.items() if p is None or p in words)

    def windows(self, text: str, lower: str, keywords: tuple[str, ...] | None = None) -> list[tuple[int, int]]:
        """Merged windows of `text` in which every match of the pattern lies."""
        if len(lower) != len(text):
            return [(0, len(text))]
        found = []
        for keyword in self.keywords if keywords is None else keywords:
            index = lower.find(keyword)
            while index != -1:
                found.append((max(0, index - self.reach), min(len(text), index + len(keyword) + self.reach)))
                index = lower.find(keyword, index + len(keyword))
        return merged(found)

    def search(self, text: str, lower: str, words: frozenset[str] | None = None) -> re.Match[str] | None:
        """The first match, looking only where the keywords present (by `words`, the text's word prefixes) are."""
        keywords = self.present(words)
        if not keywords:
            return None
        if self.starts:
            return next(self.starting(text, lower, keywords), None)
        for start, end in self.windows(text, lower, keywords):
            match = self.pattern.search(text, start, end)
            if match:
                return match
        return None

    def starting(self, text: str, lower: str, keywords: tuple[str, ...] | None = None) -> Iterator[re.Match[str]]:
        """Matches that begin at a keyword (patterns that start with their keyword: no window to scan)."""
        if len(lower) != len(text):
            yield from self.pattern.finditer(text)
            return
        for keyword in self.keywords if keywords is None else keywords:
            index = lower.find(keyword)
            while index != -1:
                match = self.pattern.match(text, index)
                if match:
                    yield match
                index = lower.find(keyword, match.end() if match else index + len(keyword))

    def finditer(self, text: str, lower: str) -> Iterator[re.Match[str]]:
        last = -1
        for start, end in self.windows(text, lower):
            for match in self.pattern.finditer(text, max(start, last), end):
                last = match.end()
                yield match


def merged(windows: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(windows):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out
