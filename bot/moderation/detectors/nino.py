"""UK National Insurance numbers: two prefix letters, six digits, a suffix A-D.

The prefix rules are HMRC's: the first letter is never D, F, I, Q, U or V,
the second never D, F, I, O, Q, U or V, and BG, GB, KN, NK, NT, TN and ZZ are
never allocated. People type the number in any case, with spaces, dashes or
dots between the pairs ("JT 48 61 93 B", "ke-04-59-71-c"), and sometimes
leave the suffix off; without the suffix the shape is common enough in
other references that it needs "NI" nearby to count.
"""

from __future__ import annotations

import regex

from bot.moderation.context import has_context
from bot.moderation.normalise import NormalisedText
from bot.moderation.types import Match

CATEGORY = "personal.nino"

_SEPARATOR = r"[ \t.\-\u00a0]{0,2}"
# Anchored on the digits, with the prefix in a look-behind: scanning for a
# digit is far cheaper than trying a letter pair at every position.
_NINO = regex.compile(
    r"(?i)(?<=(?<![\p{L}\p{N}])"
    r"(?P<prefix>(?!bg|gb|kn|nk|nt|tn|zz)[a-ceghj-pr-tw-z][a-ceghj-npr-tw-z])"
    rf"{_SEPARATOR})"
    rf"(?<!\d)(?P<d1>\d\d){_SEPARATOR}(?P<d2>\d\d){_SEPARATOR}(?P<d3>\d\d)"
    rf"(?:{_SEPARATOR}(?P<suffix>[a-d]))?"
    r"(?![\p{L}\p{N}])"
)
# Two-letter words that pass the prefix rules: "at 12 34 56 a" is a time, not a NINO.
_WORD_PREFIXES = frozenset(
    {"ah", "am", "an", "as", "at", "aw", "be", "by", "eh", "he", "hm", "la", "me", "my"}
    | {"oh", "ok", "on", "or", "ow", "so", "we", "ya", "ye", "yo"}
)
# A NINO-shaped code right after these is more likely a product or order code.
_REFERENCE_BEFORE = regex.compile(
    r"(?i)(?<![\p{L}])(?:order|invoice|po|asset|ticket|job|tracking|serial|part|product|sku|ref|"
    r"reference|booking|batch|catalogue|cat)(?![\p{L}])[^\p{L}\p{N}]{0,4}(?:no|number|code)?"
    r"[^\p{L}\p{N}]{0,4}$"
)
_NI_CONTEXT = regex.compile(
    r"(?i)(?<![\p{L}])(?:n\.?[ \t]?i\.?(?:[ \t]*(?:no|num|number|#))?|nino|ni[ \t]*no"
    r"|national[ \t]+insurance)(?![\p{L}])"
)


class NinoDetector:
    name = "nino"
    categories = (CATEGORY,)

    def find(self, text: NormalisedText) -> list[Match]:
        body = text.text
        matches: list[Match] = []
        for found in _NINO.finditer(body):
            judged = _judge(body, found)
            if judged is not None:
                confidence, reason = judged
                start = found.start("prefix")
                matches.append(Match(CATEGORY, "nino", start, found.end(), confidence, reason))
        return matches


def _judge(body: str, found: regex.Match[str]) -> tuple[float, str] | None:
    start = found.start("prefix")
    named = has_context(_NI_CONTEXT, body, start, found.end())
    suffix = found.group("suffix")
    prefix = found.group("prefix")
    if (
        not named
        and prefix.casefold() in _WORD_PREFIXES
        and found.end("prefix") < found.start("d1")
    ):
        return None
    if suffix is None:
        if named:
            return 0.85, "National Insurance number shape (no suffix letter) after 'NI'"
        return None
    if named:
        return 0.98, "National Insurance number with 'NI' nearby"
    if _REFERENCE_BEFORE.search(body, max(0, start - 24), start):
        return 0.4, "National Insurance number shape, but labelled as a product or order code"
    written = body[start : found.end()]
    if written.isupper() or not written.isalnum():
        return 0.9, "National Insurance number shape (valid prefix, six digits, suffix)"
    # Lower case and run together ("hy821536a") could be a username or a code.
    return 0.6, "National Insurance number shape, lower case"
