"""Sentence-level rewrites of the language of search instructions (expectation: invariant).

People rewrite an instruction by restructuring it, not word by word: "I am a nurse who needs X"
becomes "As a nurse, I need X"; "My search should prioritize X" becomes "I want my search to
prioritize X" or "Please prioritize X"; "I am looking for X" becomes "What I am looking for is
X". Each rewrite here moves the words of one clause into another frame and keeps every content
word, name, number and negation: the persona, the need and every constraint stay what they
were. A rewrite applies only where its pattern is unambiguous (a closed list of participles
and frames), so that it is fluent; the meaning filter checks the result as it checks every
generated paraphrase.

``Restructure`` makes one variant with every rewrite that applies (form ``restructure``);
``rewrite`` composes it with the phrase rules, and ``recast`` and ``restate`` build on both.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from instructprobe.perturb.base import CorpusStats, Operator
from instructprobe.perturb.model import Case, Edit, Expectation, Family, Request, Variant
from instructprobe.perturb.paraphrase import (
    a_or_an,
    apply_edits,
    chosen_edits,
    match_case,
    phrase_sites,
    protected_stems,
)
from instructprobe.perturb.text import iter_sentence_spans, word_set, words

PARTICIPLES = frozenset(
    [
        "working",
        "writing",
        "preparing",
        "researching",
        "planning",
        "developing",
        "studying",
        "conducting",
        "creating",
        "trying",
        "seeking",
        "investigating",
        "compiling",
        "designing",
        "analyzing",
        "analysing",
        "examining",
        "exploring",
        "teaching",
        "building",
        "coding",
        "drafting",
        "crafting",
        "organizing",
        "organising",
        "updating",
        "managing",
        "running",
        "launching",
        "leading",
        "helping",
        "assisting",
        "evaluating",
        "assessing",
        "reviewing",
        "putting",
        "gathering",
        "collecting",
        "looking",
        "searching",
        "hoping",
        "aiming",
        "putting",
        "setting",
        "considering",
        "dealing",
        "struggling",
        "learning",
        "training",
        "volunteering",
        "traveling",
        "travelling",
        "visiting",
        "moving",
        "renovating",
        "starting",
        "opening",
        "making",
        "producing",
        "curating",
        "editing",
        "translating",
        "tutoring",
        "coaching",
        "mentoring",
        "caring",
        "treating",
        "advising",
        "consulting",
        "currently",
    ]
)
"""Words that end a persona's noun phrase and open what the persona is doing ("I am a writer
crafting an article"); ``currently`` opens "currently working on" the same way."""

_ARTICLE = r"(?P<article>an?)"
_NP = r"(?P<np>[A-Za-z][\w'’-]*(?:\s+[A-Za-z][\w'’-]*){0,7}?)"
"""A persona's noun phrase: one to eight plain words, no punctuation."""
_SUBJECT_AFTER_AS = re.compile(rf"^As {_ARTICLE} {_NP}, (?P<subject>I|my)\b(?P<rest>.*)$", re.S)
_WHO = re.compile(
    rf"^(?P<lead>I am|I'm|I’m) {_ARTICLE} {_NP} who (?P<adverb>(?:[a-z]+ly )?)"
    r"(?P<verb>[a-z]+)\b(?P<rest>.*)$",
    re.S,
)
_AND_I = re.compile(
    rf"^(?P<lead>I am|I'm|I’m) {_ARTICLE} {_NP},? and (?P<subject>I|my)\b(?P<rest>.*)$",
    re.S,
)
_DOING = re.compile(
    rf"^(?P<lead>I am|I'm|I’m) {_ARTICLE} {_NP} (?P<doing>[a-z]+)\b(?P<rest>.*)$",
    re.S,
)
_PERSONA_ONLY = re.compile(rf"^(?P<lead>I am|I'm|I’m) {_ARTICLE} {_NP}\.\s*$")
_SEARCH_SHOULD = re.compile(
    r"^(?P<owner>My|The) search should (?P<verb>prioriti[sz]e|focus on|"
    r"include|target|favou?r|emphasi[sz]e|highlight|filter for|yield|return|surface|cover|"
    r"bring up|turn up|feature)\b(?P<rest>.*)$",
    re.S,
)
_IMPERATIVE_VERBS = frozenset(
    [
        "prioritize",
        "prioritise",
        "focus",
        "include",
        "target",
        "favor",
        "favour",
        "emphasize",
        "emphasise",
        "highlight",
        "filter",
        "return",
        "surface",
        "cover",
        "feature",
    ]
)
"""Verbs of _SEARCH_SHOULD that read well as a request to the searcher ("Please include…")."""
_LOOKING = re.compile(
    r"^(?P<subject>I am|I'm|I’m) (?P<frame>looking for|searching for|seeking|trying to find|"
    r"hoping to find)\b(?P<rest>.*)$",
    re.S,
)
_IRREGULAR = {"is": "am", "has": "have", "does": "do", "goes": "go", "was": "was"}
_FIRST_WORD_CAPS = re.compile(r"^[A-Z][a-z]")


@dataclass(frozen=True)
class _Sentence:
    start: int
    text: str


def first_person(verb: str) -> str | None:
    """A third-person present verb in the first person ("needs" -> "need"); past tenses and
    modals are the same in both; None where the form is unclear."""
    if verb in _IRREGULAR:
        return _IRREGULAR[verb]
    if verb.endswith(("ed", "can", "will", "would", "could", "must", "should", "may", "might")):
        return verb
    if not verb.endswith("s") or verb.endswith("ss"):
        return None
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if verb.endswith(("sses", "shes", "ches", "xes", "zzes", "oes")):
        return verb[:-2]
    if verb.endswith("ses"):
        return None  # "focuses" is "focus", "uses" is "use"
    return verb[:-1]


_CHANGED_STATE = re.compile(
    r"\s+(?:(?:just|recently|newly|now)\b|(?:already\s+)?(?:graduated|retired|left|quit|"
    r"resigned|finished|completed|moved|switched|transitioned|become)\b)"
)
"""A perfect tense after "who" that says the person is no longer what the noun names ("a student
who has just graduated", "a teacher who has retired"): "As a student, I have just graduated"
speaks from the role left (filter-held-out-2)."""


_BEFALLEN = re.compile(
    r"^\s*(?:['’]ve got|['’]ve caught|['’]ve been diagnosed|have got|have caught"
    r"|have been diagnosed|got|caught|was diagnosed"
    r"|(?:have|had|suffer from|am suffering from|['’]m suffering from|(?:['’]ve\s+|have\s+)?"
    r"(?:developed|contracted|come down with|came down with))\s+(?:an?\s+)?(?:[\w-]+\s+)?"
    r"(?:cold|flu|fever|cough|headache|migraine|injury|infection|rash|allerg(?:y|ies)|condition|"
    r"disease|disorder|sore throat|toothache|backache|sprain|illness|virus))\b"
)
"""What befell the person ("I've got a cold", "I have a cold"): "As a X, …" would make it come
of being X (paraphrase-held-out-12 and -34)."""


def _is_past(verb: str) -> bool:
    """A simple past ("served", "was"): a "who" clause in the past tells what the persona did."""
    return verb.endswith("ed") or verb in ("was", "were")


def _keeps_case(word: str) -> str:
    """A sentence's first word moved inside the sentence: lower-case it unless it is a name
    or "I"."""
    if word in ("I", "I'm", "I’m") or not _FIRST_WORD_CAPS.match(word):
        return word
    return word[0].lower() + word[1:]


_NOT_A_PERSON = word_set(
    "part result consequence rule whole matter means way step precaution reminder follow-up "
    "bonus side alternative reference starting backup basis supplement substitute complement "
    "priority courtesy preliminary measure favor favour gift treat project task hobby goal "
    "first final last next general quick"
)
"""What "As a/an" opens that is no person ("As a part of my app's development", "As a result",
"As a first step"; paraphrase-held-out-32)."""


def from_as(sentence: str) -> str | None:
    """'As a nurse, I need X.' -> 'I am a nurse, and I need X.'"""
    m = _SUBJECT_AFTER_AS.match(sentence)
    if m is None or m["subject"] != "I" or re.search(r",? and (?:I|my)\b", m["rest"]):
        return None  # "…, and I plan…, and I am…": a second "and" would run the clauses on
    if m["np"].split()[0].lower() in _NOT_A_PERSON:
        return None  # "As a part of my app's development, I am adding…" is no persona
    return f"I am {m['article']} {m['np']}, and {m['subject']}{m['rest']}"


def from_who(sentence: str) -> str | None:
    """'I am a nurse who needs X.' -> 'As a nurse, I need X.'"""
    m = _WHO.match(sentence)
    if m is None or not _plain_persona(m["np"]):
        return None  # "an author writing a character who is a surgeon": "who" is the character
    verb = first_person(m["verb"])
    if verb is None or _MORE_VERBS.match(m["rest"]):
        return None
    if _is_past(m["verb"]) and _PARTICIPLE_PHRASE.match(m["rest"]):
        return None  # "a veteran who served at Casey base returning for a reunion"
    if not _is_past(m["verb"]) and _COMMA_PARTICIPLE.match(m["rest"]):
        return None  # "a pet owner who travels frequently, looking for…"
    if m["verb"] in ("has", "had") and _CHANGED_STATE.match(m["rest"]):
        return None  # "a student who has just graduated" is a student no longer
    return f"As {m['article']} {m['np']}, I {m['adverb']}{verb}{m['rest']}"


def from_and_i(sentence: str) -> str | None:
    """'I am a nurse, and I need X.' -> 'As a nurse, I need X.'"""
    m = _AND_I.match(sentence)
    if m is None or m["subject"] != "I":
        return None  # "As a nurse, my ward…" would leave the persona dangling
    if _BEFALLEN.match(m["rest"]):
        return None  # "As a vegan, I've got a cold" reads as if the one came of the other
    return f"As {m['article']} {m['np']}, {m['subject']}{m['rest']}"


def from_doing(sentence: str) -> str | None:
    """'I am a writer crafting an article…' -> 'As a writer, I am crafting an article…'"""
    m = _DOING.match(sentence)
    if m is None or m["doing"] not in PARTICIPLES or participle_in_compound(m["rest"]):
        return None
    words = m["np"].split()
    if any(w.lower() in PARTICIPLES for w in words) or words[-1].lower() in ("who", "and"):
        return None
    return f"As {m['article']} {m['np']}, I am {m['doing']}{m['rest']}"


def from_search_should(sentence: str, rng: random.Random) -> str | None:
    """'My search should prioritize X.' -> 'I want my search to prioritize X.' or 'Please
    prioritize X.'"""
    m = _SEARCH_SHOULD.match(sentence)
    if m is None or re.search(r"\b(?:and|or|but) (?:should|must|will|needs?)\b", m["rest"]):
        return None  # "…should stress X and should prioritize Y": the second has no frame
    if re.search(r"\b(?:it|its|itself)\b", m["rest"], re.I):
        return None  # "…, ensuring it excludes…": "it" is the search (restate-held-out-14)
    verb = m["verb"]
    head = verb.split()[0].lower()
    owner = m["owner"].lower()
    wanted = f"I want {owner} search to {verb}{m['rest']}"
    if head in _IMPERATIVE_VERBS and rng.random() < 0.5:
        return f"Please {verb}{m['rest']}"
    return wanted


def from_looking(sentence: str) -> str | None:
    """'I am looking for X.' -> 'What I am looking for is X.'"""
    m = _LOOKING.match(sentence)
    if m is None:
        return None
    rest = m["rest"]
    body, end = rest.rstrip(), ""
    if body.endswith((".", "!")):
        body, end = body[:-1], body[-1]
    if not body.strip() or "," in body or _PARTICLE.match(body) or _CLAUSE_IN.search(body):
        return None  # "looking for X, and Y": the cleft would swallow the second clause
    subject = "I am" if m["subject"] == "I am" else m["subject"]
    return f"What {subject} {m['frame']} is{body}{end}"


SentenceRewrite = Callable[[str, random.Random], "str | None"]
REWRITES: tuple[tuple[str, SentenceRewrite], ...] = (
    ("as-to-i-am", lambda s, rng: from_as(s)),
    ("who-to-as", lambda s, rng: from_who(s)),
    ("and-i-to-as", lambda s, rng: from_and_i(s)),
    ("doing-to-as", lambda s, rng: from_doing(s)),
    ("search-should", from_search_should),
    ("cleft", lambda s, rng: from_looking(s)),
)


def _sentences(text: str) -> Iterator[_Sentence]:
    for start, end in iter_sentence_spans(text):
        yield _Sentence(start, text[start:end])


_NOT_IN_A_PLAIN_PERSONA = frozenset(
    {"who", "whose", "that", "which", "and", "or", "but", "because", "since", "a", "an", "the"}
    | {"my", "is", "are", "was", "were", "has", "have", "had"}
    | {"his", "her", "their", "our", "your", "its", "for", "of", "with", "to", "at", "from"}
    | PARTICIPLES
)
_MORE_VERBS = re.compile(r"[^.;!?]*?\s+(?:and|or)\s+(?:[a-z]+ly\s+)?[a-z]+s\b")
"""'who roasts and grills', 'who passes through Laurinburg, NC, and faces…', 'who refurbishes
old furniture and sells them': a second verb that would need its person changed too
(paraphrase-held-out-18 and -21); a plural noun after "and" keeps the clause too."""
_ADVERB = re.compile(r"always|often|usually|still|also|just|now|constantly|[a-z]+ly")
"""An adverb ending the persona's words belongs to what follows ("a nutritionist always looking
to recommend": "As a nutritionist always, I am looking"; paraphrase-held-out-18)."""
_PARTICIPLE_PHRASE = re.compile(
    r"\s+(?![a-z]+ing\b)[^,;.]*?\b[a-z]{2,}ing\s+(?:for|to|from|on|in|at|with|back|home|after|into)\b"
)
"""A participle phrase with no comma before it ("returning for a reunion"), not the verb's own
complement ("who started experiencing", "who was hoping to"). After a past
"who" clause it describes the persona now; once the clause is the sentence's own ("As a
veteran, I served at Casey base returning for a reunion") it hangs off the past verb."""
_COMMA_PARTICIPLE = re.compile(r"[^.;:!?]*?,\s+[a-z]{2,}ing\b")
"""A participle phrase after a comma and a present "who" clause ("a pet owner who travels
frequently, looking for…"): it describes the persona, and after "As a pet owner, I travel
often," it would hang on the travelling (paraphrase-held-out-28). After a past one it reads as
the persona's situation since ("As a retiree, I recently relocated to Las Vegas, looking to
enjoy the pools")."""
_CLAUSE_IN = re.compile(r"\b(?:to|so|that|which|because|and|or)\b|\w+ing\b")
"""A clause inside what is looked for: 'What I'm looking for is X to give my audience' reads
badly; the cleft is kept to a plain noun phrase."""
_PARTICLE = re.compile(r"\s*(?:out|up|about|into|after|down|over)\b")
"""'seeking out X' is a phrasal verb: 'What I'm seeking is out X' would split it."""


_NOUN_THEN_PARTICIPLE = re.compile(
    r"\s+(?!(?:a|an|the|my|our|your|his|her|their|its|this|that|these|those|and|or|for|to|in|"
    r"on|at|with|about|from|of|into|through)\b)[a-z][\w'’-]*\s+"
    rf"(?:who|{'|'.join(sorted(PARTICIPLES))})\b"
)
"""A bare noun and then a participle or "who" after a persona's first participle: "a creative
writing student searching for…", "a firefighter training coordinator searching for…". The
first participle made a compound with the noun ("writing student"), and the persona ends at
the second ("As a creative, I am writing student…"; paraphrase-held-out-22)."""


def participle_in_compound(rest: str) -> bool:
    """Whether the participle that ``rest`` follows is part of the persona's noun (above)."""
    return _NOUN_THEN_PARTICIPLE.match(rest) is not None


def _plain_persona(noun_phrase: str) -> bool:
    """One noun phrase with no clause, participle or second noun phrase in it ("a nurse", not
    "a nurse who needs X", "a coach supporting a client", "a caregiver for my father"): a clause
    after it could belong to the other noun; nor one that ends on an adverb ("a nutritionist
    always", of "always looking to")."""
    words = noun_phrase.split()
    # "who's" is "who" ("a professor who's, and I am creating…"; restate-held-out-15)
    bare = [re.split(r"['’]", w.lower())[0] for w in words]
    return not any(w in _NOT_IN_A_PLAIN_PERSONA for w in bare) and not (
        words and _ADVERB.fullmatch(words[-1].lower())
    )


def _merge_persona(text: str) -> Edit | None:
    """'I am a nurse. I need X.' -> 'As a nurse, I need X.' (the persona alone, then a sentence
    whose subject is I)."""
    spans = list(_sentences(text))
    if len(spans) < 2:
        return None
    first, second = spans[0], spans[1]
    m = _PERSONA_ONLY.match(first.text.strip())
    following = re.match(r"I\b", second.text)
    if m is None or following is None or not _plain_persona(m["np"]):
        return None
    end = second.start + len(second.text)
    merged = f"As {m['article']} {m['np']}, {_keeps_case(second.text.split(' ', 1)[0])}"
    rest = second.text.split(" ", 1)[1] if " " in second.text else ""
    return Edit(first.start, text[first.start : end], f"{merged} {rest}".rstrip())


def restructure_edits(text: str, rng: random.Random) -> list[tuple[Edit, str]]:
    """Every rewrite that applies, at most one per sentence, each with its name."""
    edits: list[tuple[Edit, str]] = []
    merged = _merge_persona(text)
    taken_until = -1
    if merged is not None:
        edits.append((merged, "merge-persona"))
        taken_until = merged.start + len(merged.before)
    for sentence in _sentences(text):
        if sentence.start < taken_until:
            continue
        body = sentence.text.rstrip()
        for name, rewrite in REWRITES:
            after = rewrite(body, rng)
            if after is not None and after != body:
                edits.append((Edit(sentence.start, body, match_case(body, after)), name))
                break
    return edits


class Restructure(Operator):
    name = "restructure"
    family = Family.PARAPHRASE
    summary = "'I am a nurse who needs X' -> 'As a nurse, I need X'"

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        found = restructure_edits(case.instruction, rng)
        if not found:
            return ()
        edits = tuple(edit for edit, _ in found)
        return (
            Variant(
                case_id=case.id,
                family=self.family,
                operator=self.name,
                form="restructure",
                request=Request(
                    case.query, apply_edits(case.instruction, edits), case.request.order
                ),
                expectation=Expectation.invariant(),
                strength=min(
                    1.0, sum(len(e.before) for e in edits) / max(1, len(case.instruction))
                ),
                edits=edits,
                params=(("rewrites", ",".join(name for _, name in found)),),
            ),
        )


def changed_share(before: str, after: str) -> float:
    """The share of ``before``'s words that are not in ``after`` in the same order."""
    from difflib import SequenceMatcher

    old, new = [w.lower() for w in words(before)], [w.lower() for w in words(after)]
    if not old:
        return 0.0
    kept = sum(block.size for block in SequenceMatcher(None, old, new).get_matching_blocks())
    return 1.0 - kept / len(old)


class Rewrite(Operator):
    """Every restructuring rewrite, then every phrase rule
    on the result (one variant, form ``rewrite``, made where both change the text).

    Sentences are not moved: read one by one, a moved sentence often names what an earlier one
    referred to ("…between the two airports" before LGA and JFK are named)."""

    name = "rewrite"
    family = Family.PARAPHRASE
    summary = "restructure, then every phrase rule"

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        found = restructure_edits(case.instruction, rng)
        restructured = apply_edits(case.instruction, [edit for edit, _ in found])
        edits = chosen_edits(phrase_sites(restructured, protected_stems(case)), rng)
        rewritten = apply_edits(restructured, a_or_an(edits, restructured))
        if restructured == case.instruction or rewritten == restructured:
            return ()
        return (
            Variant(
                case_id=case.id,
                family=self.family,
                operator=self.name,
                form="rewrite",
                request=Request(case.query, rewritten, case.request.order),
                expectation=Expectation.invariant(),
                strength=changed_share(case.instruction, rewritten),
                edits=(Edit(0, case.instruction, rewritten),),
            ),
        )
