"""Negation operators (expectation: directional; the excluded documents should move down)."""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from instructprobe.perturb.base import CorpusStats, Operator, curated_variants
from instructprobe.perturb.model import Case, Edit, Expectation, Family, Request, Variant
from instructprobe.perturb.paraphrase import apply_edits, match_case
from instructprobe.perturb.text import (
    NEGATION_CUES,
    content_words,
    is_content_word,
    sentences,
    stem,
    stopwords,
    tokens,
    word_set,
    words,
)


class CuratedChange(Operator):
    name = "curated"
    family = Family.CURATED
    summary = "the suite's own changed and negated instructions"

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        return curated_variants(case, self)


GENERIC = word_set(
    """information info details detail data documents document passages passage articles article
    sources source resources resource content contents results result materials material studies
    study research papers paper websites website sites site insights insight guidance overview
    overviews explanation explanations examples example aspects aspect topics topic ways way
    methods method options option tips things thing specifics facts fact evidence findings
    analysis analyses reports report discussion discussions perspective perspectives understanding
    knowledge definition definitions meaning description descriptions summary summaries
    comprehensive detailed thorough relevant specific particular reliable credible recent latest
    accurate current clear practical useful important key main various different especially
    particularly including ensure search searches searching find finding look looking need needs
    want like also well able used using use help make sure provide provides providing include
    includes included types type kind kinds range level levels role roles impact effects effect
    factors factor related regarding concerning potential possible likely based approach approaches
    strategies strategy concept concepts process processes reason reasons common percent terms
    term support"""
)
"""Words of instruction language, not of a topic: never the X that a negation excludes."""
BOILERPLATE = word_set(
    """privacy cookie cookies copyright rights reserved click subscribe login sign menu page pages
    website site home contact email newsletter share comments comment advertisement advertise
    sponsored read more next previous flickr getty shutterstock istock wikimedia unsplash alamy
    photo photos image images credit credits caption"""
)
"""Words of a web page's frame and of its image credits ("Photo: Flickr"), not of its content."""


def _stems(text: str) -> set[str]:
    return {stem(w) for w in words(text)}


def _candidate_term(word: str) -> bool:
    return (
        is_content_word(word)
        and word.isascii()  # "minneapolisâ": mis-decoded text is no word to exclude
        and word.isalpha()
        and word not in BOILERPLATE
        and len(word) >= 4
        and word not in GENERIC
        and word not in NEGATION_CUES
    )


SHARED_PREFIX = 5
"""Letters a term may share with a word of the request before it counts as the same word
("dosage" of the query and "doses", "prescribed" and "prescription"): stems miss those."""
SHORTLIST = 3
"""How many of the best sub-aspect terms the seeded choice draws from."""
MAX_FREQUENCY = 5
"""SemCor tags above which a word WordNet knows is too common to name an aspect a reader
would leave out: "target", "choice", "access", "cabin", "column" (5.5 to 48.5) were rejected
on reading, "asafoetida", "toaster", "nausea", "router" (at most 2.5) accepted."""
MIN_NOUN_SHARE = 0.75
"""The share of a word's sense counts that must be noun senses ("upside", not "charge")."""
MIN_USES = 2
"""A term used once is an aside of its document more often than an aspect of the topic."""
MAX_KINDS = 8
"""Kinds WordNet may put under a term: more, and it names a category of the topic
("symptoms", "expenses", "components"), not an aspect one would leave out."""
NOT_AN_ASPECT = frozenset({"noun.Tops", "noun.quantity", "noun.time"})
"""Kinds of noun that name no aspect a searcher would leave out: the most general ones
("food"), units ("grams", "tablespoons") and times ("September", for a question of when)."""


def sub_aspect_terms(case: Case, stats: CorpusStats) -> tuple[str, ...]:
    """The words that name a sub-aspect of the relevant documents, best first.

    The exclusion clause narrows the need, as FollowIR's changed instructions do: a term
    qualifies only where the case has at least three relevant documents and the term is in a
    minority of them (by stem: one of three or four, two of five), so most of the documents
    that answer the need stay; a word in half or more of the answers is the topic or the
    answer itself more often than an aspect ("temple" and "Khmer" for Angkor Wat's history,
    "edge" for knife sharpening). It is used at least twice. It must be a word a reader
    knows, some document's noun (WordNet's sense counts and the words around the use),
    outside paths and markup, not instruction vocabulary, page furniture or an image credit
    ("Flickr"), at least four letters, and not a word of the query or the instruction (by
    stem, by a shared five-letter start: "dosage" and "doses"). With WordNet installed it
    must also be mostly a noun, a rare one (at most five SemCor tags: "target", "access",
    "cabin" are not), no unit, time or most general kind ("grams", "September", "food"), no
    category ("symptoms"), not only a person ("buyers"), not always the head of an "of"
    phrase ("shortness of breath"), never part of a compound ("upside down") or of a longer
    name ("the National Immunisation Program"), no synonym, hypernym or hyponym of a word of
    the request ("meat" for chicken), no word of the definition of one ("edge" of a
    whetstone's "for sharpening edged tools", "yeast" of a starter), and, a common word, the
    subject of a document that mentions it (used twice there, or in its first sentence), not
    an aside ("as far as your servers allow"). No document it leaves relevant has a word
    inside it or around it ("flaxseed" where it is "flax"). Ranked by tf-idf over the
    relevant documents; one form per stem.
    """
    most_down = (len(case.relevant) - 1) // 2
    if most_down < 1:
        return ()
    asked_words = {w.lower() for w in words(case.query) + words(case.instruction)}
    asked = {stem(w) for w in asked_words}
    prefixes = {w[:SHARED_PREFIX] for w in asked_words if len(w) >= SHARED_PREFIX}
    texts = tuple(prose(doc.text) for doc in case.relevant)
    stems = {doc.id: _stems(doc.text) for doc in case.relevant}
    everywhere = set.intersection(*stems.values())
    tf: Counter[str] = Counter(w for text in texts for w in content_words(text))
    candidates = {
        w
        for w in tf
        if tf[w] >= MIN_USES
        and _candidate_term(w)
        and stem(w) not in asked
        and stem(w) not in everywhere
        and w[:SHARED_PREFIX] not in prefixes
        and a_word(w, texts)
    }
    candidates = nouns_among(candidates, texts)
    request = asked_words - GENERIC - BOILERPLATE
    candidates = {
        w
        for w in candidates
        if _topic_noun(w, texts, request) and _salient(w, texts) and not _in_a_name(w, texts)
    }
    ranked = sorted(candidates, key=lambda t: (-tf[t] * stats.idf(t), t))
    seen: set[str] = set()
    best = []
    for term in ranked:
        down = documents_mentioning(case, (term,), stems)
        if stem(term) in seen or not 0 < len(down) <= most_down:
            continue
        others = tuple(doc.text for doc in case.relevant if doc.id not in down)
        if not _overlapping_word(term, others):
            seen.add(stem(term))
            best.append(term)
    return tuple(best)


def _topic_noun(term: str, texts: tuple[str, ...], request: set[str]) -> bool:
    """Whether WordNet (when installed) takes ``term`` for an uncommon noun, used alone,
    unrelated to the words of the request."""
    from instructprobe.perturb.lexicon import wordnet_lexicon

    lexicon = wordnet_lexicon()
    if lexicon is None:
        return True
    if lexicon.written_in_lower_case(term) is not None and (
        lexicon.frequency(term) > MAX_FREQUENCY
        or lexicon.noun_share(term) < MIN_NOUN_SHARE
        or lexicon.noun_kind(term) in NOT_AN_ASPECT
        or lexicon.kinds_under(term) > MAX_KINDS
        or lexicon.only_a_person(term)
    ):
        return False
    heads = []
    for text in texts:
        tokens = words(text)
        for i, token in enumerate(tokens):
            if token != term:
                continue
            if i + 1 < len(tokens) and lexicon.is_collocation(token, tokens[i + 1]):
                return False
            if i and lexicon.is_collocation(tokens[i - 1], token):
                return False
            heads.append(tokens[i + 1 : i + 2] == ["of"])
    if heads and all(heads):
        return False  # "shortness of breath": the phrase, not the word, names the thing
    if any(lexicon.nouns_related(term, word) for word in request):
        return False
    return not any(stem(term) in _stems(" ".join(lexicon.defined_with(w))) for w in request)


MIN_SALIENT_USES = 2
"""Uses in one document that make a common word one of its subjects, not an aside."""


def _salient(term: str, texts: tuple[str, ...]) -> bool:
    """Whether a document that mentions ``term`` is about it: uses it twice, or in its first
    sentence. A common word named once in passing ("as far as your servers allow", "the
    user input") is an aside no reader would exclude; a name (which WordNet does not write in
    lower case) is specific enough where it stands. True without WordNet."""
    from instructprobe.perturb.lexicon import wordnet_lexicon

    lexicon = wordnet_lexicon()
    if lexicon is None or not lexicon.written_in_lower_case(term):
        return True
    wanted = stem(term)
    for text in texts:
        uses = [stem(w) for w in words(text)].count(wanted)
        opening = sentences(text)[:1]
        if uses >= MIN_SALIENT_USES or (uses and wanted in _stems(opening[0] if opening else "")):
            return True
    return False


_NAME_NEIGHBOUR = r"[A-Z][\w'-]*"


def _in_a_name(term: str, texts: tuple[str, ...]) -> bool:
    """Whether a common word is capitalised inside a sentence next to another capitalised
    word: part of a longer name ("the National Immunisation Program"), which the word alone
    does not name. Only for words WordNet writes in lower case; False without WordNet."""
    from instructprobe.perturb.lexicon import wordnet_lexicon

    lexicon = wordnet_lexicon()
    if lexicon is None or not lexicon.written_in_lower_case(term):
        return False
    word = re.escape(term[:1].upper() + term[1:])
    pattern = re.compile(
        rf"(?<=[\w,;] ){_NAME_NEIGHBOUR} {word}(?![\w-])|(?<=[\w,;] ){word} {_NAME_NEIGHBOUR}"
    )
    return any(pattern.search(text) for text in texts)


def _overlapping_word(term: str, texts: tuple[str, ...]) -> bool:
    """Whether a text has a word inside ``term`` or around it ("flaxseed" where the term is
    "flax", "breath" where it is "breathlessness"): a reader could take it for a mention."""
    return any(
        len(word) >= 4 and (word in term or term in word) for text in texts for word in words(text)
    )


def documents_mentioning(
    case: Case, terms: tuple[str, ...], stems: dict[str, set[str]] | None = None
) -> frozenset[str]:
    """The relevant documents that contain every term (compared by stem)."""
    wanted = {stem(t) for t in terms}
    stems = stems or {doc.id: _stems(doc.text) for doc in case.relevant}
    return frozenset(doc.id for doc in case.relevant if wanted <= stems[doc.id])


def written_form(term: str, texts: tuple[str, ...]) -> str:
    """``term`` as it is written: as the documents write it inside running sentences where
    they always capitalise it there, at least twice ("Python", though WordNet knows a snake);
    else in lower case where they write it so inside a sentence ("mister", though WordNet
    knows only the title "Mister"); else in lower case where WordNet knows it as a common
    word ("status", though a page writes "Running Status" once); else as the documents write
    it inside a running sentence where they always capitalise it ("LeMay"); else capitalised
    where WordNet knows it only as a name ("January") or where WordNet does not know it and
    the documents capitalise it ("Elliot" at the start of a sentence); else in lower case.
    A word WordNet does not know is written in lower case only where the documents' sentences
    write it so at least as often as capitalised alone (more often than with inner capitals),
    else as they usually capitalise it: one spam line's "netgear" among five "NETGEAR" and
    "Netgear" is not the company's spelling, nor a template's "geonames" against "GeoNames";
    "Doctor of Osteopathic Medicine" capitalises a name, not "an osteopathic physician"."""
    from instructprobe.perturb.lexicon import wordnet_lexicon

    forms = _sentence_forms(term, texts)
    if sum(forms.values()) >= NAME_USES and not any(form.islower() for form in forms):
        return _usual(forms)
    lexicon = wordnet_lexicon()
    common = lexicon.written_in_lower_case(term) if lexicon is not None else None
    own = _own_forms(term, texts) if term in forms and common is None else Counter()
    if own and not _lower_case_prevails(own):
        return _usual(Counter({form: n for form, n in own.items() if not form.islower()}))
    if term in forms:
        return term  # "a mister" for a spray bottle, though WordNet knows only the title
    if common:
        return term
    capitalised = capitalised_form(term, texts)
    if capitalised is not None:
        return capitalised
    if common is False or (common is None and _ever_capitalised(term, texts)):
        return term[:1].upper() + term[1:]
    return term


def _ever_capitalised(term: str, texts: tuple[str, ...]) -> bool:
    pattern = re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])", re.I)
    return any(not m.group().islower() for text in texts for m in pattern.finditer(text))


def a_word(term: str, texts: tuple[str, ...]) -> bool:
    """Whether ``term`` is a word a reader knows: one WordNet knows, or a name the documents
    capitalise; not a fragment ("prot" of "0% prot.", "stat"). True without WordNet."""
    from instructprobe.perturb.lexicon import wordnet_lexicon

    lexicon = wordnet_lexicon()
    if lexicon is None or lexicon.written_in_lower_case(term) is not None:
        return True
    return _ever_capitalised(term, texts)


NAME_USES = 2
"""Capitalised uses inside running sentences that make a word WordNet knows a name here."""


def capitalised_form(term: str, texts: tuple[str, ...]) -> str | None:
    """The capitalised form of ``term`` where the documents always capitalise it inside a
    running sentence (not at its start, not in a title-cased stretch), else None."""
    forms = _sentence_forms(term, texts)
    if not forms or any(form.islower() for form in forms):
        return None
    return _usual(forms)


def _lower_case_prevails(forms: Counter[str]) -> bool:
    """Whether lower-case uses are at least as many as capitalised ones ("excipients" once,
    "or Excipients" once), and more where a capitalised one has capitals inside it, a name's
    own spelling: "GeoNames" once and a template's "The geonames id" once is the database."""
    lower = sum(n for form, n in forms.items() if form.islower())
    capitalised = sum(forms.values()) - lower
    spelled = any(not form[1:].islower() for form in forms if not form.islower())
    return lower > capitalised or (lower == capitalised and not spelled)


def _usual(forms: Counter[str]) -> str:
    mixed = [form for form in forms if not form.isupper()]  # "Missouri" before "MISSOURI"
    return max(mixed or forms, key=lambda form: forms[form])


def _sentence_forms(term: str, texts: tuple[str, ...]) -> Counter[str]:
    """How the documents write ``term`` inside running sentences (not at a sentence's start,
    not in a title-cased stretch)."""
    return Counter(use.group() for _, use in _sentence_uses(term, texts))


def _own_forms(term: str, texts: tuple[str, ...]) -> Counter[str]:
    """:func:`_sentence_forms` less the capitalised uses joined to another capitalised word,
    which write a longer name's case, not the word's ("Doctor of Osteopathic Medicine")."""
    return Counter(
        use.group()
        for text, use in _sentence_uses(term, texts)
        if use.group().islower() or not _joined_to_a_name(text, use)
    )


_CAPITALISED_BEFORE = re.compile(r"(?<![\w'-])([A-Z][\w'-]*)[ -]$")
_CAPITALISED_AFTER = re.compile(r"[ -][A-Z]")


def _joined_to_a_name(text: str, use: re.Match[str]) -> bool:
    """Whether a capitalised word other than a function word ("The") is joined to ``use``
    by a space or a hyphen."""
    before = _CAPITALISED_BEFORE.search(text[max(0, use.start() - 40) : use.start()])
    return bool(_CAPITALISED_AFTER.match(text, use.end())) or (
        before is not None and before.group(1).lower() not in stopwords()
    )


def _sentence_uses(term: str, texts: tuple[str, ...]) -> Iterator[tuple[str, re.Match[str]]]:
    pattern = re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])", re.I)
    for text in texts:
        for m in pattern.finditer(text):
            if re.search(r"(?:^|[.!?:]\s*)$", text[max(0, m.start() - 3) : m.start()]):
                continue
            if _title_cased(text[max(0, m.start() - 60) : m.end() + 60]):
                continue
            yield text, m


def _title_cased(window: str) -> bool:
    """Most words capitalised: a heading or a link list, where case says nothing."""
    found = re.findall(r"[A-Za-z][\w'-]*", window)
    return len(found) >= 6 and sum(w[0].isupper() for w in found) >= 0.7 * len(found)


_MARKUP = re.compile(r"\S*[\\/=<>_{}|@#]\S*")
"""Paths, addresses and markup ("env\\Scripts\\activate", 'data-ad-slot="…"'): not prose."""


def prose(text: str) -> str:
    return _MARKUP.sub(" ", text)


def nouns_among(terms: set[str], texts: tuple[str, ...]) -> set[str]:
    """The ``terms`` some document uses as a noun, by WordNet's sense counts and the words
    around each use (not "…and triggers a response"); all of them without WordNet."""
    from instructprobe.perturb.lexicon import wordnet_lexicon

    lexicon = wordnet_lexicon()
    if lexicon is None:
        return set(terms)
    found: set[str] = set()
    for text in texts:
        tokens = words(text)
        for i, token in enumerate(tokens):
            if token in terms and token not in found:
                guess = lexicon.pos_of(tokens, i)
                if guess is None or guess[0] == "n":
                    found.add(token)
    return found


class ExclusionClause(Operator):
    """Append 'Do not include documents that mention "X".' where X names a sub-aspect, or
    a distractor.

    X is drawn (seeded) from the best few of :func:`sub_aspect_terms`, and down is the
    relevant documents that mention X (by stem); the others stay relevant. Where the relevant
    documents give no such term (fewer than three of them: excluding a word of the only
    answer contradicts the need), X is drawn from the best few words of the query's near
    misses (:func:`distractors.distractor_terms`, where the plan has the corpus), and down is
    every document of the corpus that writes X, none of them relevant; else no clause.

    A default operator: read one by one (benchmarks/audit/negation-*), 29 of the 31 sub-aspect
    clauses read before the term choice was written from them and 2 of the 3 it newly makes
    were ones a reader accepts, and 642 of 660 near-miss clauses on their eleven held-out
    readings (negation-held-out-3 to -13: a one-sided 95% Clopper-Pearson bound of 96.0%; 120
    of 120 on the final rules, held-out-12 and -13).
    """

    name = "exclusion-clause"
    family = Family.NEGATION
    summary = (
        "append 'Do not include documents that mention \"X\".' "
        "(X: a sub-aspect, or a near miss's word)"
    )

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        terms = sub_aspect_terms(case, stats)[:SHORTLIST]
        if terms:
            term = terms[rng.randrange(len(terms))]
            texts = tuple(doc.text for doc in case.relevant)
            return (self._variant(case, term, documents_mentioning(case, (term,)), texts),)
        from instructprobe.perturb.distractors import distractor_terms

        named = distractor_terms(case, stats)[:SHORTLIST]
        if not named:
            return ()
        chosen = named[rng.randrange(len(named))]
        return (self._variant(case, chosen.term, chosen.down, chosen.texts, DISTRACTORS),)

    def _variant(
        self,
        case: Case,
        term: str,
        down: frozenset[str],
        texts: tuple[str, ...],
        source: tuple[tuple[str, str], ...] = (),
    ) -> Variant:
        base = case.instruction.rstrip()
        separator = " " if not base or base[-1] in ".!?" else ". "
        clause = f'{separator}Do not include documents that mention "{written_form(term, texts)}".'
        return Variant(
            case_id=case.id,
            family=self.family,
            operator=self.name,
            form="exclusion-clause",
            request=Request(case.query, base + clause, case.order),
            expectation=Expectation.directional(down=down),
            edits=(Edit(len(base), case.instruction[len(base) :], clause),),
            params=(("term", term), *source),
        )


DISTRACTORS = (("from", "distractors"),)
"""The param of a clause whose term comes from the non-relevant documents nearest the query
(its ``down`` documents are not relevant ones)."""


_STOP_X = word_set(
    """and or but that which who whom whose where when while as because since so if than rather
    instead without though although whereas i my we our you your"""
)
MAX_OBJECT_TOKENS = 6


def object_terms(case: Case, start: int) -> tuple[str, tuple[str, ...]]:
    """The object phrase X that begins at ``start`` and its key terms, best first.

    X runs to the first punctuation mark or conjunction (at most six words). Its key terms are
    its topic words (content words that are not instruction vocabulary): those the query does
    not use first, then the query's own (negating those turns the instruction against the query,
    which is still a clear directional edit).
    """
    text = case.instruction
    end = start
    for count, token in enumerate(tokens(text[start : start + 400])):
        gap = text[end : start + token.start]
        if count and re.search(r"[.,;:!?()\[\]\n\"“”]", gap):
            break
        if token.lower in _STOP_X or count >= MAX_OBJECT_TOKENS:
            break
        end = start + token.end
    phrase = text[start:end]
    query = _stems(case.query)
    topical = list(dict.fromkeys(w for w in words(phrase) if _candidate_term(w)))
    fresh = [w for w in topical if stem(w) not in query]
    return phrase, tuple(fresh + [w for w in topical if stem(w) in query])


def _negated_before(text: str, start: int) -> bool:
    """Whether one of the three words before ``start`` is a negation cue."""
    window = words(text[max(0, start - 100) : start])[-3:]
    return any(w in NEGATION_CUES or w.endswith("n't") for w in window)


@dataclass(frozen=True)
class _Rewrite:
    start: int
    before: str
    after: str
    pattern: str


class _TargetedNegation(Operator):
    """Rewrite one predicate of the instruction so that it turns away from its object X.

    Opt-in: read one by one, most such rewrites turn the instruction against its own main need
    ("I need articles that avoid how to season it"), which no reader can follow; the audit in
    docs/audits.md measures it.

    Expected down: the relevant documents that mention X's first key term that some relevant
    document mentions (compared by stem); a rewrite whose X no relevant document mentions is not
    made, so the expected-down set is never empty.
    """

    form: ClassVar[str]

    def rewrites(self, text: str) -> list[_Rewrite]:
        raise NotImplementedError

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        text = case.instruction
        eligible = []
        stems = {doc.id: _stems(doc.text) for doc in case.relevant}
        for rewrite in self.rewrites(text):
            if _negated_before(text, rewrite.start):
                continue
            phrase, keys = object_terms(case, rewrite.start + len(rewrite.before))
            for key in keys:
                down = documents_mentioning(case, (key,), stems)
                if down:
                    eligible.append((rewrite, phrase.strip(), key, down))
                    break
        if not eligible:
            return ()
        rewrite, phrase, key, down = eligible[rng.randrange(len(eligible))]
        after = match_case(rewrite.before, rewrite.after)
        edit = Edit(rewrite.start, rewrite.before, after)
        return (
            Variant(
                case_id=case.id,
                family=self.family,
                operator=self.name,
                form=self.form,
                request=Request(case.query, apply_edits(text, (edit,)), case.request.order),
                expectation=Expectation.directional(down=down),
                edits=(edit,),
                params=(
                    ("pattern", rewrite.pattern),
                    ("object", phrase),
                    ("term", key),
                    ("term_in_query", str(stem(key) in _stems(case.query)).lower()),
                ),
            ),
        )


_VERBS = (
    "include|cover|discuss|mention|address|explain|describe|provide|contain|detail|feature|"
    "highlight|outline|explore|present|offer|involve|examine|analyze|analyse|"
    "compare|illustrate|showcase|deal with|talk about|touch on|delve into"
)
_MODAL = re.compile(
    r"\b(?P<modal>must|should|will|ought to|needs? to|has to|have to)"
    r"(?P<adverb>\s+(?:also|only|specifically|primarily|ideally|mainly|clearly|thoroughly))?"
    rf"\s+(?P<verb>{_VERBS})\b",
    re.I,
)
_BARE = re.compile(rf"(?<![\w-])(?P<verb>{_VERBS})(?P<suffix>s|es|ing)?(?![\w-])", re.I)
_NOUN_BEFORE = word_set(
    "a an the this these those my your our their his her its some any each every"
)
"""A verb form after a determiner is a noun ("the list", "its features")."""
_DOCUMENT_SUBJECT = re.compile(
    r"(?:(?:^|[.!?;:]\s+)(?:please\s+)?|"
    r"\b(?:documents?|articles?|sources?|resources?|results?|papers?|studies|study|passages?|"
    r"texts?|websites?|sites?|pages?|guides?|materials?|content|reports?|publications?|books?|"
    r"reviews?|posts?|blogs?|tutorials?|search|searches|information|literature|data|answers?|"
    r"responses?|explanations?|overviews?|summar(?:y|ies)|analys[ie]s|it|they)\s+"
    r"(?:(?:that|which|to)\s+)?(?:(?:also|only|[a-z]+ly)\s+)?)$",
    re.I,
)
"""What may come before a bare verb that is negated: the start of an imperative ("Include X"),
or the documents or the search as its subject ("articles that discuss X", "passages explaining
X", "the results to cover X"). Any other subject ("a sign that features X") is left alone:
turning its verb into "avoid" says something else, not "leave X out"."""
_AVOID = {"": "avoid", "s": "avoids", "es": "avoids", "ing": "avoiding"}


class PredicateNegation(_TargetedNegation):
    name = "predicate-negation"
    family = Family.NEGATION
    form = "predicate-negation"
    summary = "opt-in: 'must discuss X' -> 'must not discuss X'; -> 'avoid X'"
    opt_in = True

    def rewrites(self, text: str) -> list[_Rewrite]:
        found = []
        modal_spans = []
        for m in _MODAL.finditer(text):
            if not _DOCUMENT_SUBJECT.search(text, max(0, m.start() - 80), m.start()):
                continue  # "I need to explain X": the searcher's own task, not what to leave out
            modal = m.group("modal").lower()
            negated = {"must": "must not", "should": "should not", "will": "will not"}.get(
                modal, "must not"
            )
            if modal == "ought to":
                negated = "ought not to"
            adverb = m.group("adverb") or ""
            found.append(
                _Rewrite(m.start(), m.group(), f"{negated}{adverb} {m.group('verb')}", "modal")
            )
            modal_spans.append((m.start(), m.end()))
        for m in _BARE.finditer(text):
            if any(a <= m.start() < b for a, b in modal_spans):
                continue
            verb = m.group("verb").lower()
            suffix = (m.group("suffix") or "").lower()
            previous = words(text[max(0, m.start() - 40) : m.start()])[-1:]
            following = words(text[m.end() : m.end() + 40])[:1]
            if following in (["of"], ["and"], ["or"]) or (previous and previous[0] in _NOUN_BEFORE):
                continue
            if not _DOCUMENT_SUBJECT.search(text, max(0, m.start() - 80), m.start()):
                continue
            if suffix == "es" and verb not in {"discuss", "touch on"}:
                continue
            if " " in verb and suffix:
                continue
            found.append(_Rewrite(m.start(), m.group(), _AVOID[suffix], "verb"))
        return found


_PREFERENCES = (
    (
        r"(?:with|placing|put(?:ting)?)\s+(?:a|an|special|particular|strong)?\s*(?:particular\s+|special\s+|strong\s+)?(?:focus|emphasis)\s+on",
        "while ignoring",
        "emphasis",
    ),
    (r"(?:focus|emphasis|priority|priorities)\s+(?:is|are|will be)\s+on", None, "focus-is-on"),
    (r"prefer", "avoid", "prefer"),
    (r"prefers", "avoids", "prefer"),
    (r"preferring", "avoiding", "prefer"),
    (
        r"focus(?:es)?\s+on|center(?:s)?\s+on|centre(?:s)?\s+on|concentrate(?:s)?\s+on",
        None,
        "focus",
    ),
    (
        r"focusing\s+on|focussing\s+on|centering\s+on|concentrating\s+on|focused\s+on",
        "ignoring",
        "focus",
    ),
    (r"prioriti[sz]e", "avoid", "prioritize"),
    (r"prioriti[sz]es", "avoids", "prioritize"),
    (r"prioriti[sz]ing", "avoiding", "prioritize"),
    (r"emphasi[sz]e", "ignore", "emphasize"),
    (r"emphasi[sz]es", "ignores", "emphasize"),
    (r"emphasi[sz]ing", "ignoring", "emphasize"),
    (r"interested\s+in", "not interested in", "interested"),
    (r"including", "excluding", "including"),
    (r"such\s+as", "other than", "such-as"),
)
_PREFERENCE = re.compile(
    "|".join(f"(?P<p{i}>\\b(?:{pattern})\\b)" for i, (pattern, _, _) in enumerate(_PREFERENCES)),
    re.I,
)


def _flip(matched: str, replacement: str | None, pattern: str) -> str:
    if replacement is not None:
        return replacement
    lowered = matched.lower()
    if pattern == "focus-is-on":
        head, _, rest = matched.partition(" ")
        verb, _, on = rest.rpartition(" ")
        return f"{head} {verb} not {on}"
    third_person = lowered.startswith(("focuses", "centers", "centres", "concentrates"))
    return "ignores" if third_person else "ignore"


_SEARCH_WISH = re.compile(
    r"(?:\b(?:search|searches|results?|documents?|articles?|sources?|resources?|passages?|"
    r"papers?|studies|materials?|information|content)\b[^.;:!?]{0,40}?\b"
    r"(?:should|must|will|to|needs? to|has to|ought to)|"
    r"\bI(?:'d| would)? (?:want|need|like|wish|hope|plan|intend) to|"
    r"\bI|\bI am|\bI'm|\bmy|\bour|\bplease)\s+(?:(?:also|only|primarily|mainly|especially)\s+)?$",
    re.I,
)
"""What may come before a preference that is flipped, besides a document subject: the search
or the documents as the subject of a modal ("my search should focus on X"), a wish for the
search ("I want to focus on X"), or the searcher ("I prefer X", "I'm interested in X", "my
focus is on X"). A persona's own focus ("a historian focusing on Texas") is left alone:
flipping it rewrites who the searcher is, not what they want."""


def about_the_search(text: str, start: int) -> bool:
    """Whether the predicate at ``start`` says what the search should bring back."""
    window = max(0, start - 120)
    return bool(
        _DOCUMENT_SUBJECT.search(text, window, start) or _SEARCH_WISH.search(text, window, start)
    )


_ANYWHERE = frozenset({"including", "such-as"})
"""Patterns that narrow what is asked for wherever they stand ("data including X" -> "data
excluding X", "resources such as X" -> "resources other than X")."""


class PreferenceFlip(_TargetedNegation):
    name = "preference-flip"
    family = Family.NEGATION
    form = "preference-flip"
    summary = "opt-in: 'prefer/focus on X' -> 'avoid/ignore X'"
    opt_in = True

    def rewrites(self, text: str) -> list[_Rewrite]:
        found = []
        for m in _PREFERENCE.finditer(text):
            index = int(next(k for k, v in m.groupdict().items() if v is not None)[1:])
            _, replacement, pattern = _PREFERENCES[index]
            if pattern not in _ANYWHERE and not about_the_search(text, m.start()):
                continue
            found.append(
                _Rewrite(m.start(), m.group(), _flip(m.group(), replacement, pattern), pattern)
            )
        return found
