"""What the words box means, parsed once for every engine: words, "phrases", OR and
-exclusion (the syntax of PostgreSQL's ``websearch_to_tsquery``, which marketing already
knows from web search), the last word also matched as a prefix while typing; then the
reviewers' synonyms applied and typos corrected, on the parsed form, so that both
engines read the same query. Each engine writes the parsed query in its own language:
``tsquery`` (PostgreSQL's ``to_tsquery``, one per text-search configuration) and
``fts5`` (SQLite's FTS5, over words stemmed by ``photolib.languages.stem``).

Only ``\\w+`` runs of the input ever reach either engine, so no input can inject
operators, and the size of a parsed query is bounded (``MAX_CLAUSES`` clauses of at most
``MAX_TERMS`` terms of at most ``MAX_WORDS`` words, each at most ``MAX_WORD`` letters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from photolib.languages import fold, stem

MAX_CLAUSES = 12
MAX_TERMS = 8
MAX_WORDS = 8
MAX_WORD = 60
WORD = re.compile(r"[^\W_]+", re.UNICODE)
# A token: an optional minus, then a quoted phrase (closed or not) or a run of non-space.
TOKEN = re.compile(r'(-?)(?:"([^"]*)"?|(\S+))')


@dataclass(frozen=True)
class Term:
    """Words that must all appear: next to each other in this order when ``phrase``,
    anywhere in the document otherwise; the last one may be a prefix."""

    words: tuple[str, ...]
    phrase: bool = False
    prefix: bool = False

    @property
    def text(self) -> str:
        inner = " ".join(self.words)
        return f'"{inner}"' if self.phrase and len(self.words) > 1 else inner


@dataclass(frozen=True)
class Clause:
    """Alternatives, any of which matches (``a OR b``); ``negated``: none may."""

    terms: tuple[Term, ...]
    negated: bool = False


@dataclass(frozen=True)
class Parsed:
    """Clauses that must all hold. Empty: no words (every document matches)."""

    clauses: tuple[Clause, ...] = ()

    @property
    def positive(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if not c.negated)

    @property
    def negative(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.negated)

    def __bool__(self) -> bool:
        return bool(self.clauses)

    @property
    def text(self) -> str:
        """The query written back in the words box's syntax (for "Showing results for")."""
        out = []
        for c in self.clauses:
            alts = " OR ".join(t.text for t in c.terms)
            out.append(f"-{alts}" if c.negated else alts)
        return " ".join(out)

    @property
    def excludes_itself(self) -> bool:
        """Whether a negated clause excludes every document a positive clause can match,
        so that nothing can (``harbour -harbour``, ``"old harbour" -harbour``): the
        positive clause has one term, and a negated alternative is that term, or a single
        word of it matched whole (not the prefix being typed). Engines would otherwise
        look through every document for a match that cannot exist."""
        for clause in self.positive:
            if len(clause.terms) != 1:
                continue
            term = clause.terms[0]
            whole = term.words[:-1] if term.prefix else term.words
            for negated in self.negative:
                for alt in negated.terms:
                    if (alt == term and not term.prefix) or (
                            len(alt.words) == 1 and alt.words[0] in whole):
                        return True
        return False

    def plain_words(self) -> list[str]:
        """The folded single words of the positive clauses (what typo correction looks up),
        once each, in order."""
        seen: dict[str, None] = {}
        for clause in self.positive:
            for term in clause.terms:
                for w in term.words:
                    seen.setdefault(w, None)
        return list(seen)

    def corrected(self, fixes: dict[str, str]) -> Parsed:
        """This query with each word of ``fixes`` replaced by its correction (no prefix
        on a corrected word: "harbur" means "harbour", not "harbour…")."""
        def fix(term: Term) -> Term:
            if not any(w in fixes for w in term.words):
                return term
            return replace(term, words=tuple(fixes.get(w, w) for w in term.words),
                           prefix=term.prefix and term.words[-1] not in fixes)
        return Parsed(tuple(replace(c, terms=tuple(fix(t) for t in c.terms))
                            for c in self.clauses))


def _words(text: str) -> tuple[str, ...]:
    return tuple(fold(w)[:MAX_WORD] for w in WORD.findall(text))[:MAX_WORDS]


def parse(q: str) -> Parsed:
    """``q`` as clauses. ``harbour sunset`` two clauses; ``"old town"`` one phrase;
    ``harbour OR quay`` one clause of two terms; ``-night`` a negated clause; a token
    with inner punctuation (``o'brien``, ``town-hall``) a phrase of its words. The last
    word, when the query ends in it, is also a prefix. Never raises."""
    clauses: list[Clause] = []
    join_next = False
    tokens = list(TOKEN.finditer(q))
    for i, m in enumerate(tokens):
        minus, quoted, bare = m.group(1), m.group(2), m.group(3)
        if bare is not None and bare == "OR" and not minus:
            join_next = bool(clauses) and not clauses[-1].negated
            continue
        words = _words(quoted if quoted is not None else bare)
        if not words:
            continue
        last = i == len(tokens) - 1
        term = Term(words, phrase=quoted is not None or len(words) > 1,
                    prefix=last and quoted is None and not minus and q[-1:].isalnum())
        if join_next and not minus and len(clauses[-1].terms) < MAX_TERMS:
            clauses[-1] = replace(clauses[-1], terms=clauses[-1].terms + (term,))
        else:
            clauses.append(Clause((term,), negated=bool(minus)))
        join_next = False
    return Parsed(tuple(clauses[:MAX_CLAUSES]))


# --- synonyms ------------------------------------------------------------------------------

def synonym_groups(rows: list[list[str]]) -> list[tuple[tuple[str, ...], ...]]:
    """Synonym rows (each a list of terms as reviewers wrote them) as folded word tuples."""
    groups = []
    for terms in rows:
        group = tuple(dict.fromkeys(w for w in (_words(t) for t in terms) if w))
        if len(group) > 1:
            groups.append(group)
    return groups


def with_synonyms(parsed: Parsed, groups: list[tuple[tuple[str, ...], ...]]) -> Parsed:
    """``parsed`` with each term that is a synonym (a whole term, or a run of single-word
    clauses spelling a multi-word one: ``town hall`` typed as two words) widened to the
    other terms of its group: ``town hall`` -> ``town hall OR "city hall" OR rathaus``.
    Negated clauses are widened too (``-town hall`` excludes every spelling)."""
    if not groups or not parsed:
        return parsed
    lookup: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
    for group in groups:
        for term in group:
            lookup.setdefault(term, group)
    longest = max(len(t) for t in lookup)
    clauses = list(parsed.clauses)
    out: list[Clause] = []
    i = 0
    while i < len(clauses):
        # A run of single-word, single-term positive clauses that spells a synonym.
        merged = False
        for n in range(min(longest, len(clauses) - i), 1, -1):
            run = clauses[i:i + n]
            if all(len(c.terms) == 1 and len(c.terms[0].words) == 1 and not c.negated
                   for c in run):
                key = tuple(c.terms[0].words[0] for c in run)
                if key in lookup:
                    own = Term(key, phrase=False)
                    out.append(Clause((own,) + _others(lookup[key], key)))
                    i += n
                    merged = True
                    break
        if merged:
            continue
        clause = clauses[i]
        extra: tuple[Term, ...] = ()
        for term in clause.terms:
            if term.words in lookup:
                extra += _others(lookup[term.words], term.words)
        if extra:
            have = {t.words for t in clause.terms}
            extra = tuple(t for t in dict.fromkeys(extra) if t.words not in have)
            clause = replace(clause, terms=(clause.terms + extra)[:MAX_TERMS])
        out.append(clause)
        i += 1
    return Parsed(tuple(out))


def _others(group: tuple[tuple[str, ...], ...], own: tuple[str, ...]) -> tuple[Term, ...]:
    return tuple(Term(t, phrase=len(t) > 1) for t in group if t != own)


# --- the engines' languages ----------------------------------------------------------------

def tsquery(parsed: Parsed, weights: str = "") -> str:
    """``parsed`` for ``to_tsquery(config, ...)``, which stems and unaccents each word in
    the configuration's language (and drops stop words). Empty for no clauses.

    With ``weights`` (e.g. "AB": title and tags), only the positive clauses, each word
    found only in parts of those weights: what relevance tiers ask of a document that
    already matches ``parsed`` as a whole."""
    mark = (":" + weights) if weights else ""

    def term(t: Term) -> str:
        words = [w + mark for w in t.words]
        if t.prefix:
            words[-1] = t.words[-1] + ":*" + weights
        return "(" + (" <-> " if t.phrase else " & ").join(words) + ")"

    parts = []
    for c in (parsed.positive if weights else parsed.clauses):
        alts = "(" + " | ".join(term(t) for t in c.terms) + ")"
        parts.append(f"!{alts}" if c.negated else alts)
    return " & ".join(parts)


def fts5(clauses: tuple[Clause, ...], language: str) -> str:
    """``clauses``, all required, as an FTS5 query over words stemmed in ``language``
    (each token quoted, so FTS5 reads no operator from the input). Empty if no word is
    left after stemming."""
    def term(t: Term) -> str:
        stems = [stem(w, language) for w in t.words]
        stems = [s for s in stems if s]
        if not stems:
            return ""
        star = "*" if t.prefix else ""
        if t.phrase:
            return '"' + " ".join(stems) + '"' + star
        quoted = [f'"{s}"' for s in stems]
        quoted[-1] += star
        return "(" + " AND ".join(quoted) + ")"

    parts = []
    for c in clauses:
        alts = [a for a in (term(t) for t in c.terms) if a]
        if alts:
            parts.append("(" + " OR ".join(alts) + ")")
    return " AND ".join(parts)


# --- typo correction -------------------------------------------------------------------------

def trigrams(word: str) -> set[str]:
    """pg_trgm's trigrams of one word: padded with two spaces in front and one behind."""
    padded = f"  {word} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    """pg_trgm's ``similarity()``: shared trigrams over all trigrams of the two words."""
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta | tb else 0.0


SIMILARITY = 0.3  # pg_trgm's default threshold for ``%``
# Candidates are looked up in the dictionary at this lower similarity: one slip of the
# keyboard in a short word shares few trigrams ("yelolw" and "yellow": 0.27), so a word
# this similar is taken when it is also one edit away (``typo_edits``).
CANDIDATE_SIMILARITY = 0.15
CANDIDATES = 8  # looked at per word, the most similar first


def edits(a: str, b: str) -> int:
    """The edits that turn ``a`` into ``b``: a letter inserted, dropped or changed, or two
    neighbours swapped (the optimal string alignment distance), each counting one."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1,
                         rows[-1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def typo_edits(word: str) -> int:
    """How many slips a typed word may hold and still be corrected: one, two from eight
    letters on."""
    return 2 if len(word) >= 8 else 1


def correction(word: str, candidates: list[str]) -> str | None:
    """The dictionary word ``word`` most likely meant, among ``candidates``: one as similar
    as ``SIMILARITY`` (pg_trgm's ``%``) or within ``typo_edits`` edits; the fewest edits
    first, then the most similar, then the longer word, then the first in order. None when
    no candidate is near enough."""
    near = []
    for c in candidates:
        n, sim = edits(word, c), similarity(word, c)
        if sim >= SIMILARITY or n <= typo_edits(word):
            near.append((n, -sim, -len(c), c))
    return min(near)[3] if near else None
