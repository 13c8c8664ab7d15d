"""The folded words of a message that the conduct rules are matched against.

`Folder.tokens(text)` turns the normalised text into `Tokens`: lower-case
words with accents, look-alike letters and apostrophes folded away, every
number as `0`, and `?`, `£`, `%` and emoji as tokens of their own. Each token
keeps its span in the normalised text, so a finding points at what was typed.

Disguised spellings are undone when the result is a word the rules know
(their vocabulary), so an ordinary word is never turned into a rude one:

- masked letters: `f*ck`, `p**f`, `f🤬ck`, `sh-t` (a wildcard for each mask);
- digits and symbols for letters: `sh1t`, `sh!te`, `@rse`, `5h1t`;
- repeated letters: `shiiiit`, `fuuuuck`;
- letters split by spaces, dots or other marks: `f u c k`, `w t f`, `s.h.i.t`.

Everything else is matched as whole words only, which is what keeps
Scunthorpe, Penistone, Cockermouth and "assessment" clean.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import ahocorasick

NUMBER = "0"
_MASK = "*"
_WORD_CHARS = r"\w*@$!|'"
_WORD_MARKS = "*@$!|'_"
_SYMBOLS = "?£€%\u2190-\u2bff\u3030\u303d\U0001f000-\U0001faff"
# A word, or words glued by single marks with no space ("sh.it", "co-op", "f🤬ck"),
# or a symbol that is a token of its own. Possessive (++, *+): nothing can match
# after giving characters back, and not keeping them to give back is faster.
_RUN = re.compile(rf"[{_WORD_CHARS}]++(?:[^\s{_WORD_CHARS}][{_WORD_CHARS}]++)*+|[{_SYMBOLS}]")
_GLUE = re.compile(rf"[^\s{_WORD_CHARS}]")
_SYMBOL = re.compile(rf"[{_SYMBOLS}]")
_PIECE = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_LEADING_DIGITS = re.compile(r"(\d+)([^\W\d_].*)")
_ELONGATED = re.compile(r"([^\W\d_])\1\1+")
_REPEATS = re.compile(r"(.)\1+")
_MASK_RUNS = re.compile(r"(\*+)")
# Three or more single letters split by spaces or marks: "f u c k", "w . t . f".
_SPACED = re.compile(r"(?<![^\W_]|')[^\W_](?:(?:[^\w\n']|_){1,3}[^\W_](?![^\W_]|')){2,}")
_SPACED_IN_STREAM = re.compile(r" \w \w \w ")

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                       "@": "a", "$": "s", "!": "i", "|": "i"})  # fmt: skip
_LEET_L = str.maketrans({"1": "l", "|": "l"})
# At most this many wildcard look-ups per message, so hostile input stays cheap.
_MAX_WILDCARD_LOOKUPS = 24
# Runs that are not plain words ("don't", "10:00", "sh1t") and their tokens, remembered.
_CACHE_SIZE = 8192


def _build_fold_table() -> dict[int, str]:
    """One character to one character: accents off, look-alike letters to Latin."""
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        base = unicodedata.normalize("NFD", chr(code))[:1].lower()
        if base.isascii() and base.isalpha():
            table[code] = base
    lookalikes = {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
        "ѕ": "s", "ԁ": "d", "ɡ": "g", "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v",
        "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ø": "o", "æ": "a", "œ": "o",
        "ł": "l", "đ": "d", "ð": "d", "þ": "p", "ß": "s", "ı": "i",
        "\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'",
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    }  # fmt: skip
    table.update({ord(char): folded for char, folded in lookalikes.items()})
    return table


_FOLD_TABLE = _build_fold_table()
_FOLDABLE = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_FOLD_TABLE)) + "]")


def fold(text: str) -> str:
    """Lower-case, accent-free copy of `text` with exactly the same length."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(char.lower() if len(char.lower()) == 1 else char for char in text)
    if lowered.isascii():
        return lowered.replace("`", "'") if "`" in lowered else lowered
    if _FOLDABLE.search(lowered) is None:
        return lowered
    return lowered.translate(_FOLD_TABLE)


class Tokens:
    """Folded words (`forms`) and where each one is in the normalised text.

    `stream` is the forms joined as " w1 w2 w3 ", the text the rules are matched on.
    Positions (`starts`, `ends`) are only needed where a rule matched, so a message's
    tokens work them out from its runs on first use.
    """

    __slots__ = ("_ends", "_irregular", "_runs", "_starts", "_text", "forms", "stream")

    def __init__(
        self,
        text: str = "",
        runs: list[str] | None = None,
        irregular: dict[int, list[tuple[str, int, int]]] | None = None,
    ) -> None:
        self.forms: list[str] = []
        self.stream = " "
        self._text = text
        self._runs = runs
        self._irregular = {} if irregular is None else irregular
        located = runs is None
        self._starts: list[int] | None = [] if located else None
        self._ends: list[int] | None = [] if located else None

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            self._locate()
        assert self._starts is not None
        return self._starts

    @property
    def ends(self) -> list[int]:
        if self._ends is None:
            self._locate()
        assert self._ends is not None
        return self._ends

    def add(self, form: str, start: int, end: int) -> None:
        self.forms.append(form)
        self.starts.append(start)
        self.ends.append(end)

    def seal(self) -> Tokens:
        self.stream = " " + " ".join(self.forms) + " "
        return self

    def _locate(self) -> None:
        starts: list[int] = []
        ends: list[int] = []
        position = 0
        find = self._text.find
        for index, run in enumerate(self._runs or ()):
            position = find(run, position)
            pieces = self._irregular.get(index)
            if pieces is None:
                starts.append(position)
                ends.append(position + len(run))
            else:
                starts.extend(position + start for _, start, _ in pieces)
                ends.extend(position + end for _, _, end in pieces)
            position += len(run)
        self._starts, self._ends = starts, ends

    def __len__(self) -> int:
        return len(self.forms)


class Vocabulary:
    """The words the rules know, and which of them may be written disguised."""

    def __init__(self, words: Iterable[str], disguisable: Iterable[str]) -> None:
        self.words = frozenset(words)
        self._by_first: dict[str, list[str]] = {}
        self._all_disguisable: list[str] = []
        for word in dict.fromkeys(disguisable):
            if len(word) >= 3 and word.isalpha():
                self._by_first.setdefault(word[0], []).append(word)
                self._all_disguisable.append(word)
        self._squeezed = {_REPEATS.sub(r"\1", word): word for word in self.words}
        # Every known word of three letters or more, to find inside spelt-out letters.
        self.spelt = ahocorasick.Automaton()
        for word in self.words:
            if len(word) >= 3 and word.isalpha() and word.isascii():
                self.spelt.add_word(word, word)
        self.has_spelt = len(self.spelt) > 0
        if self.has_spelt:
            self.spelt.make_automaton()
        self._wildcards: dict[str, str | None] = {}

    def __contains__(self, word: str) -> bool:
        return word in self.words

    def undisguise(self, word: str) -> str | None:
        """The known word that digits or symbols stand in for, if any."""
        candidate = word.translate(_LEET).replace("'", "")
        if candidate in self.words:
            return candidate
        other = word.translate(_LEET_L).translate(_LEET).replace("'", "")
        return other if other in self.words else None

    def unstretch(self, word: str) -> str | None:
        """The known word behind deliberately repeated letters ("shiiiit")."""
        for repeat in (r"\1\1", r"\1"):
            candidate = _ELONGATED.sub(repeat, word)
            if candidate in self.words:
                return candidate
        return self._squeezed.get(_REPEATS.sub(r"\1", word))

    def unmask(self, pattern: str) -> str | None:
        """The first disguisable word a masked spelling fits (`*` = hidden letters)."""
        if pattern in self._wildcards:
            return self._wildcards[pattern]
        found = None
        if len(pattern) >= 3 and pattern.strip(_MASK) and len(pattern) <= 40:
            candidates = (
                self._all_disguisable if pattern[0] == _MASK else self._by_first.get(pattern[0], ())
            )
            pieces = _MASK_RUNS.split(pattern)
            found = next((word for word in candidates if _fits(pieces, 0, word, 0)), None)
        if len(self._wildcards) < 4096:
            self._wildcards[pattern] = found
        return found


class Folder:
    """Splits and folds messages against one vocabulary."""

    def __init__(self, vocabulary: Vocabulary | None = None) -> None:
        self.vocabulary = vocabulary or Vocabulary((), ())
        self._triples = ahocorasick.Automaton()
        for letter in "abcdefghijklmnopqrstuvwxyz":
            self._triples.add_word(letter * 3, letter)
        self._triples.make_automaton()
        self._cache: dict[str, list[tuple[str, int, int]]] = {}

    def tokens(self, text: str) -> Tokens:
        folded = fold(text)
        runs = _RUN.findall(folded)
        irregular: dict[int, list[tuple[str, int, int]]] = {}
        tokens = Tokens(folded, runs, irregular)
        forms = tokens.forms
        budget = [_MAX_WILDCARD_LOOKUPS]
        for index, run in enumerate(runs):
            if run.isalpha():
                forms.append(run)
                continue
            pieces = self._cache.get(run)
            if pieces is None:
                pieces = self._pieces(run, budget)
            irregular[index] = pieces
            forms.extend([form for form, _, _ in pieces])
        if next(self._triples.iter(folded), None) is not None:
            self._unstretch(tokens)
        tokens.seal()
        if _SPACED_IN_STREAM.search(tokens.stream):
            tokens = self._join_spaced_letters(folded, tokens).seal()
        return tokens

    def _pieces(self, run: str, budget: list[int]) -> list[tuple[str, int, int]]:
        """Tokens of a run that is not a plain word, remembered for the next message."""
        if len(run) == 1 and run not in _WORD_MARKS and not run.isalnum():
            pieces = [(run, 0, 1)]  # ?, £, % or an emoji
        else:
            pieces = self._run(run, budget)
        if budget[0] > 0:  # a look-up skipped for lack of budget is not an answer to keep
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[run] = pieces
        return pieces

    def phrase(self, text: str) -> str:
        """A rule phrase folded exactly as message text is."""
        return " ".join(self.tokens(text).forms)

    def _run(self, run: str, budget: list[int]) -> list[tuple[str, int, int]]:
        """Tokens of one run that is not a plain word, as (form, start, end) in the run."""
        if _GLUE.search(run) is None:
            return self._word(run, 0, budget)
        joined = self._glued_word(run, budget)
        if joined:
            return [(joined, 0, len(run))]
        found: list[tuple[str, int, int]] = []
        cursor = 0
        for glue in _GLUE.finditer(run):
            found.extend(self._word(run[cursor : glue.start()], cursor, budget))
            if _SYMBOL.fullmatch(glue.group()):
                found.append((glue.group(), glue.start(), glue.end()))
            cursor = glue.end()
        found.extend(self._word(run[cursor:], cursor, budget))
        return found

    def _word(self, word: str, offset: int, budget: list[int]) -> list[tuple[str, int, int]]:
        """Tokens of one word that may carry masks, leet digits or apostrophes."""
        if word.isalnum():
            return self._plain(word, offset)
        lead = len(word) - len(word.lstrip("*!|'"))
        core = word[lead:].rstrip("!|'@")
        bare = core.rstrip(_MASK)
        if not any(char.isalpha() for char in bare):
            core = bare  # trailing masks only hide letters after a letter: "f***", not "5*"
        if not core:
            return []
        start = offset + lead
        resolved = self._resolve(core, budget)
        if resolved:
            return [(resolved, start, start + len(core))]
        found: list[tuple[str, int, int]] = []
        for piece in _PIECE.finditer(core):
            text = piece.group()
            plain = self._plain(text.replace("'", ""), start + piece.start())
            if len(plain) == 1 and "'" in text:  # "it's" is one token, "its", over all of it
                plain = [(plain[0][0], start + piece.start(), start + piece.end())]
            found.extend(plain)
        return found

    def _resolve(self, core: str, budget: list[int]) -> str | None:
        if not any(char.isalpha() for char in core):
            return None
        if _MASK in core:
            if budget[0] <= 0:
                return None
            budget[0] -= 1
            return self.vocabulary.unmask(core.replace("'", "").translate(_LEET))
        return self.vocabulary.undisguise(core)

    def _plain(self, word: str, offset: int) -> list[tuple[str, int, int]]:
        end = offset + len(word)
        if word.isdigit():
            return [(NUMBER, offset, end)]
        if word.isalpha():
            return [(word, offset, end)]
        if sum(char.isalpha() for char in word) >= 2:
            undisguised = self.vocabulary.undisguise(word)
            if undisguised:
                return [(undisguised, offset, end)]
        leading = _LEADING_DIGITS.fullmatch(word)
        if leading:  # "5mg" -> 0 mg, "2nd" -> 0 nd
            split = offset + len(leading.group(1))
            return [(NUMBER, offset, split), *self._plain(leading.group(2), split)]
        return [(word, offset, end)]

    def _glued_word(self, chunk: str, budget: list[int]) -> str | None:
        """The known word behind pieces glued by marks ("sh.it", "f-ck"), if any."""
        pieces = [piece.replace("'", "") for piece in _GLUE.split(chunk) if piece]
        vocabulary = self.vocabulary
        if len(pieces) < 2 or all(piece in vocabulary for piece in pieces):
            return None
        joined = "".join(pieces)
        if joined in vocabulary:
            return joined
        if not joined.isalpha():
            undisguised = vocabulary.undisguise(joined)
            if undisguised:
                return undisguised
        if (
            len(chunk) < 4
            or min(len(piece) for piece in pieces) > 3
            or sum(char.isalpha() for char in joined) < 2
            or budget[0] <= 0
        ):
            return None
        budget[0] -= 1
        masked = _GLUE.sub(_MASK, chunk).replace("'", "")
        return vocabulary.unmask(masked.translate(_LEET))

    def _unstretch(self, tokens: Tokens) -> None:
        vocabulary = self.vocabulary
        for index, form in enumerate(tokens.forms):
            if form not in vocabulary and _ELONGATED.search(form):
                tokens.forms[index] = vocabulary.unstretch(form) or form

    def _join_spaced_letters(self, folded: str, tokens: Tokens) -> Tokens:
        joined: list[tuple[str, int, int]] = []
        for match in _SPACED.finditer(folded):
            letters = [(char, match.start() + index) for index, char in enumerate(match.group())]
            joined.extend(self._words_in_letters([item for item in letters if item[0].isalnum()]))
        return _replace(tokens, joined) if joined else tokens

    def _words_in_letters(self, letters: list[tuple[str, int]]) -> list[tuple[str, int, int]]:
        """Known words spelt out in a row of single characters, longest first from the left.

        At least two of a word's characters must be real letters, so spaced-out
        digits (a phone number, say) never read as a word.
        """
        text = "".join(char for char, _ in letters)
        candidates: list[tuple[int, int, str]] = []
        if not self.vocabulary.has_spelt:
            return []
        for translated in {text.translate(_LEET), text.translate(_LEET_L).translate(_LEET)}:
            for last, word in self.vocabulary.spelt.iter(translated):
                first = last - len(word) + 1
                if sum(char.isalpha() for char in text[first : last + 1]) >= 2:
                    candidates.append((first, -len(word), word))
        found: list[tuple[str, int, int]] = []
        taken = -1
        for first, negative_length, word in sorted(candidates):
            if first > taken:
                last = first - negative_length - 1
                found.append((word, letters[first][1], letters[last][1] + 1))
                taken = last
        return found


def _replace(tokens: Tokens, joined: list[tuple[str, int, int]]) -> Tokens:
    """Tokens with each joined word standing in for the pieces it covers."""
    result = Tokens()
    pending = iter(joined)
    current = next(pending, None)
    for form, start, end in zip(tokens.forms, tokens.starts, tokens.ends, strict=True):
        while current is not None and current[2] <= start:
            result.add(*current)
            current = next(pending, None)
        if current is not None and end > current[1]:
            continue  # a piece of the joined word
        result.add(form, start, end)
    while current is not None:
        result.add(*current)
        current = next(pending, None)
    return result


def _fits(pieces: list[str], index: int, word: str, position: int) -> bool:
    """Whether `word[position:]` fits the pattern pieces from `index` on.

    A piece of k masks stands for k-1 to k+1 hidden letters (at least one).
    """
    if index == len(pieces):
        return position == len(word)
    piece = pieces[index]
    if not piece:
        return _fits(pieces, index + 1, word, position)
    if piece[0] != _MASK:
        if not word.startswith(piece, position):
            return False
        return _fits(pieces, index + 1, word, position + len(piece))
    size = len(piece)
    for hidden in range(max(1, size - 1), size + 2):
        end = position + hidden
        fits_here = end <= len(word) and word[position:end].isalpha()
        if fits_here and _fits(pieces, index + 1, word, end):
            return True
    return False
