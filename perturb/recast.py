"""``recast``: every sentence reworded, as much rewording inside sentences as rules can do.

InstructIR's independent rewrites of an instruction move MiniLM's rankings about five times as
much as ``rewrite`` does (``benchmarks/paraphrase_strength.py``): a person changes the frame
of nearly every sentence and much of the instruction language, not one clause. ``recast``
composes, on every sentence where its pattern is unambiguous:

- frames of the request: "I need to find X" / "Please help me find X", "I'm looking for X" /
  "Please help me find X", "I'm interested in learning about X" / "I would like to learn about
  X", "Find documents that X" / "I'm looking for documents that X", "Focus on X" / "Please
  focus on X", "As a nurse, I need X" / "Being a nurse, I need X";
- nominalisation: "I want to compare X" / "I want a comparison of X";
- the restructuring rewrites (``perturb.restructure``: persona, "search should", cleft);
- every phrase rule and every rule of the recast phrasebook (``perturb.recast_phrases``).

Like every paraphrase it keeps each content word of the constraints, every name, number and
negation: no rule touches a clause with a negation cue before it, or a quoted span.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from instructprobe.perturb.base import CorpusStats, Operator
from instructprobe.perturb.model import Case, Edit, Expectation, Family, Request, Variant
from instructprobe.perturb.paraphrase import (
    PhraseSite,
    a_or_an,
    apply_edits,
    chosen_edits,
    match_case,
    phrase_sites,
    protected_stems,
)
from instructprobe.perturb.phrases import BARE_VERBS, OWN_OBJECT_NEXT, PHRASE_RULES
from instructprobe.perturb.recast_phrases import RECAST_RULES
from instructprobe.perturb.restructure import (
    _PARTICLE,
    PARTICIPLES,
    _plain_persona,
    changed_share,
    participle_in_compound,
    restructure_edits,
)
from instructprobe.perturb.text import NEGATION_CUES, iter_sentence_spans, words

RULES = (
    *RECAST_RULES,
    *(rule for rule in PHRASE_RULES if not any(p.startswith("help me") for p in rule.phrases)),
)
"""The recast phrasebook first, so that it wins a tie with a phrase rule of the same span.
The "help me find" rules are left out: on a "Please help me find" frame they would undo it,
and "allow me to find" is not a request."""

_I = r"(?:I am|I'm|I’m)"
_WISH = r"(?:I need|I want|I would like|I'd like|I’d like|I have)"
_HELPED = (
    r"find|locate|identify|search for|look for|understand|determine|verify|confirm|gather|"
    r"compile|discover|learn|know"
)
_LEAD = (
    r"(?P<lead>(?:Now|Currently|Right now|At the moment|Additionally|"
    r"Also|Moreover|Furthermore|Specifically|In particular|Ultimately|"
    r"To do this|To that end|Firstly|First|Second|Finally|In short), )?"
)
"""A connective kept before the frame ("Additionally, please help me find"); never a phrase
with a subject of its own ("As a nurse," or "Intrigued by it," would dangle before a
request), nor one of consequence: "Thus, please help me…", "So, please…" read stiffly
(borderline three times in restate-held-out-8)."""
_WISH_TO_VERB = re.compile(rf"^{_LEAD}{_WISH} to (?P<verb>{_HELPED})\b(?P<rest>.*)$", re.S)
_LOOKING = re.compile(
    rf"^{_LEAD}{_I} (?:looking for|searching for|seeking|trying to find|hoping to find)\b"
    r"(?P<rest>.*)$",
    re.S,
)
HELP_WITH = {"know": "find out"}
"""'Please help me know X' is not English; 'find out' asks for the same, where a question
or a noun follows, not a clause (``_CLAUSE_NEXT``)."""
_CLAUSE_NEXT = re.compile(
    r"\s+(?:that\b|(?:it|they|there|he|she|we|you|I|this|these|those)(?:['’](?:s|re|ll)\b|"
    r"\s+(?:is|are|was|were|will|can|could|would|has|have|had|must|should|does|do)\b))",
    re.I,
)
"""'I need to know it's safe' states a fact to be sure of, in a clause of its own: 'Please help
me find out it is safe' asks for no answer (paraphrase-held-out-26)."""
_BASE = {
    "finding": "find",
    "learning": "learn",
    "exploring": "explore",
    "reading": "read",
    "understanding": "understand",
    "discovering": "discover",
    "getting": "get",
    "obtaining": "obtain",
    "locating": "locate",
}
_INTERESTED = re.compile(
    rf"^{_I} (?:interested in|keen on) (?P<doing>{'|'.join(_BASE)})\b(?P<rest>.*)$", re.S
)
_AS_PERSONA = re.compile(r"^As (?P<article>an?) (?P<np>[^,]{1,80}), I\b(?P<rest>.*)$", re.S)
_FIND_DOCUMENTS = re.compile(
    r"^(?P<verb>Find|Retrieve|Locate|Return|Get) (?P<noun>documents|passages|articles|sources|"
    r"resources|studies|papers|information|guides|pages)\b(?P<rest>.*)$",
    re.S,
)
_IMPERATIVE = re.compile(
    r"^(?P<verb>Focus on|Prioriti[sz]e|Include|Emphasi[sz]e|Highlight|Favou?r|Cover)\b"
    r"(?P<rest>.*)$",
    re.S,
)
PASSIVE_MODALS = ("should", "must", "will", "needs to", "has to", "ought to")
"""The modals the passive frame keeps. Not "would": "Priority would be given to" reads as a
hypothetical with no one to give it (borderline twice in passive-check)."""
_GIVEN = {
    "prioritize": "Priority {be} given to",
    "prioritise": "Priority {be} given to",
    "favor": "Preference {be} given to",
    "favour": "Preference {be} given to",
    "emphasize": "Emphasis {be} placed on",
    "emphasise": "Emphasis {be} placed on",
}
"""The passive of what a search gives: 'My search should prioritize X' -> 'Priority should be
given to X', X where it was (InstructIR's own instructions write 'Priority should be given to
recent studies')."""
_SEARCH_GIVES = re.compile(
    rf"^{_LEAD}(?P<subject>[Mm]y|[Tt]he) search (?P<modal>{'|'.join(PASSIVE_MODALS)}) "
    rf"(?P<verb>{'|'.join(_GIVEN)}) (?P<rest>[^,;:()]+)$",
    re.S,
)
_COORDINATED = r"\b(?:and|or|but|then|as well as)\s+(?:also\s+)?"
_SECOND_VERB = re.compile(
    _COORDINATED
    + r"(?:should|must|will|would|can|could|may|might|shall|ought|needs?|has|have|to|"
    + BARE_VERBS
    + r"|avoid|exclude|favou?r|look|seek|aim|target|return|yield|filter|rank|lean|draw|rely|"
    r"steer|skip|stay|keep|limit|restrict|omit|ignore|disregard)\b"
    + r"|\b(?:and|or)"
    + OWN_OBJECT_NEXT
    + r"|\b(?:while|whilst|without|by|instead of|rather than|before|after|thus|thereby)\s+\w+ing\b",
    re.I,
)
"""A second verb whose subject is the search ("…prioritize X and avoid Y", "…and should
include Y", "…while avoiding Y"): with the search gone from the sentence it would have none."""
_PERSONA_DOING = re.compile(
    rf"^{_I} (?P<article>an?) (?P<np>[A-Za-z][\w'’-]*(?: [A-Za-z][\w'’-]*){{0,6}}?) "
    rf"(?P<doing>{'|'.join(sorted(PARTICIPLES - {'currently'}))})\b(?P<rest>.*)$",
    re.S,
)
_INNER_PHRASE = re.compile(r"\b(?:in|on|about|into|by|as|at|over|under|\w+ing)\b", re.I)
"""A persona with a phrase inside it ("a student specializing in urban planning") may end
anywhere: its first participle need not be where the persona ends."""
_NOMINAL = {
    "compare": "a comparison of",
    "analyze": "an analysis of",
    "analyse": "an analysis of",
    "review": "a review of",
    "understand": "an understanding of",
    "assess": "an assessment of",
    "evaluate": "an evaluation of",
    "summarize": "a summary of",
}
"""Verbs whose noun asks for the same thing. Not "explain": "I want to explain X" is the searcher
explaining, "I want an explanation of X" asks for one (paraphrase-held-out-7 and -10)."""
_WISH_NOMINAL = re.compile(
    rf"\b(?P<wish>I (?:need|want|would like|hope)|I'd like|I’d like) to "
    rf"(?P<verb>{'|'.join(_NOMINAL)})(?= (?!(?:and|or|it|them|this|that|whether|if|with|to|"
    r"for|why|so|more|better|fully|in|who|whom|whose|which|where|when|[a-z]+ly)\b)[\w'’\"“])"
)
"""'I want to compare X' with a plain object next: not 'to understand and apply', 'to
understand it', 'to understand whether', nor an adverb first ('to understand in detail what…'
is not 'an understanding of in detail what…'; restate-held-out-9), nor a question ('an
understanding of who wrote it'; restate-held-out-27)."""


_A_SEARCH = re.compile(
    r"\s+(?:a|an|the|my)\s+(?:[\w-]+\s+){0,2}?search\s+(?:that|which|to)(?:['’]ll)?\b"
)
"""'Looking for a search that…' (or 'for the search to yield…') wants the search to behave so:
'Please help me find a search that…' would make it a thing to find (paraphrase-held-out-6 and
-8)."""
_A_STATE_OF_MIND = re.compile(
    r"\s+(?:an?|the|my)\s+(?:[\w-]+\s+){0,2}?(?:understanding|grasp|knowledge|insight|sense|"
    r"appreciation|familiarity)\b"
)
"""'seeking a deep understanding of X': one is not helped to find an understanding ('Please help
me find a deep grasp of…'; paraphrase-held-out-21)."""
_DEGREE_AT_END = re.compile(
    r"\b(?:better|more|fully|well|thoroughly|deeply|properly|correctly|clearly|completely)\s*$"
)
"""'I want to understand my condition better': the adverb needs the verb ('I want an
understanding of my condition better' is not English; paraphrase-held-out-6)."""


_TO_SOMEONE = re.compile(r"\bto\s+(?:my|our|your|his|her|their|the|them|him|me|us)\b")
"""'I want to summarize X to my team': the searcher speaks to them; 'I want a summary of X to my
team' leaves 'to my team' hanging (paraphrase-held-out-7 found it with "explain", which is no
longer nominalised at all)."""


_MANNER = re.compile(
    r"\bin\s+(?:a|an|the|such\s+a)\s+(?:[\w-]+\s+)?(?:way|manner|fashion|form)\b|\bso\s+that\b|"
    r"\benough\b"
)
"""How the searcher is to understand it: "I need a grasp of X in a way that can be translated"
hangs the manner on a noun (restate-held-out-15)."""


_HELPS_LATER = re.compile(r"\bhelp(?:s|ing)? me\b", re.I)
_SHARED_SUBJECT = re.compile(
    r"\b(?:and|but|or)\s+(?:also\s+|[a-z]+ly\s+)?(?:[a-z]+ing|would|will|want|need|am|can|could|"
    r"have|must|should|plan|hope|intend|require|prefer|wish)\b"
)
"""A second verb that shares the frame's subject: 'interested in finding out X and looking for
Y' is not 'I would like to find out X and looking for Y' (restate-held-out-7), nor 'I'm looking
for X and would prioritise Y' 'Please help me find X and would prioritise Y'
(restate-held-out-11), nor '…find X but must make sure' (paraphrase-held-out-24), also after an
adverb ('…and preferably would find'; restate-held-out-19)."""


_FOLLOWS_FROM_IT = re.compile(
    r"[,;]\s+(?:so|but|hence|thus|therefore),?\s+(?:my|our|the|I|we|it|they|this)\b"
)
"""A second clause that follows from the first: "Please help me find X, so my search ought to
prioritise…" and "Please help me ascertain X; therefore, I'll search…" draw a consequence from a
request (paraphrase-held-out-23 and -25)."""


def to_help(sentence: str) -> str | None:
    """'I need to find X.' / 'I'm looking for X.' -> 'Please help me find X.'"""
    if _HELPS_LATER.search(sentence) or _SHARED_SUBJECT.search(sentence):
        return None  # "…a search engine to help me find…" asks twice; "…and would…" loses "I"
    if _FOLLOWS_FROM_IT.search(sentence):
        return None  # "…, so my search ought to…" would follow from a request
    m = _WISH_TO_VERB.match(sentence)
    if m is not None:
        if m["verb"] in HELP_WITH and _CLAUSE_NEXT.match(m["rest"]):
            return None  # "Please help me discover it is safe": a fact, not a question
        verb = HELP_WITH.get(m["verb"], m["verb"])
        return f"{_please(m['lead'])} help me {verb}{m['rest']}"
    m = _LOOKING.match(sentence)
    if m is None or _PARTICLE.match(m["rest"]) or m["rest"].lstrip().startswith("to "):
        return None  # "seeking out X", "trying to find to…"
    if _A_SEARCH.match(m["rest"]) or _A_STATE_OF_MIND.match(m["rest"]):
        return None  # "I'm looking for a search that prioritizes X" is no search to find
    return f"{_please(m['lead'])} help me find{m['rest']}"


def _please(lead: str | None) -> str:
    return f"{lead}please" if lead else "Please"


def persona_doing(sentence: str) -> str | None:
    """'I am a real estate investor looking at X.' -> 'As a real estate investor, I am looking
    at X.' (the first participle ends the persona; ``restructure`` takes only one-word
    heads before it)."""
    m = _PERSONA_DOING.match(sentence)
    if m is None or not _plain_persona(m["np"]) or _INNER_PHRASE.search(m["np"]):
        return None  # "a student specializing in urban | planning": the participle is a noun
    if participle_in_compound(m["rest"]):
        return None  # "a firefighter training coordinator searching…"
    return f"As {m['article']} {m['np']}, I am {m['doing']}{m['rest']}"


def from_interested(sentence: str) -> str | None:
    """'I'm interested in learning about X.' -> 'I would like to learn about X.'"""
    m = _INTERESTED.match(sentence)
    if m is None or _SHARED_SUBJECT.search(m["rest"]):
        return None
    return f"I would like to {_BASE[m['doing']]}{m['rest']}"


def interested_written() -> dict[str, str]:
    """What ``from_interested`` writes for each opening it rewrites ("I am interested in
    finding" -> "I would like to find"), for the vetting of the words it brings in."""
    return {
        f"I am {interest} {doing}": f"I would like to {base}"
        for interest in ("interested in", "keen on")
        for doing, base in _BASE.items()
    }


def as_to_being(sentence: str) -> str | None:
    """'As a nurse, I need X.' -> 'Being a nurse, I need X.'"""
    m = _AS_PERSONA.match(sentence)
    if m is None or not _plain_persona(m["np"]):
        return None
    return f"Being {m['article']} {m['np']}, I{m['rest']}"


def from_imperative(sentence: str) -> str | None:
    """'Find documents that X.' -> 'I'm looking for documents that X.'; 'Focus on X.' ->
    'Please focus on X.'"""
    m = _FIND_DOCUMENTS.match(sentence)
    if m is not None:
        return f"I'm looking for {m['noun']}{m['rest']}"
    m = _IMPERATIVE.match(sentence)
    if m is None:
        return None
    return f"Please {m['verb'][0].lower()}{m['verb'][1:]}{m['rest']}"


def to_passive(sentence: str) -> str | None:
    """'My search should prioritize X.' -> 'Priority should be given to X.' (also favor and
    emphasize, and every modal of PASSIVE_MODALS)."""
    m = _SEARCH_GIVES.match(sentence)
    if m is None or _SECOND_VERB.search(m["rest"]):
        return None
    passive = _GIVEN[m["verb"]].format(be=f"{m['modal']} be")
    if m["lead"]:
        passive = passive[0].lower() + passive[1:]
    return f"{m['lead'] or ''}{passive} {m['rest']}"


def passive_written() -> tuple[tuple[str, str, str, str], ...]:
    """What the passive frame writes, for the meaning filter's vetting: (what it replaces, the
    noun, the modal, what follows the modal), e.g. ("my search should prioritize", "priority",
    "should", "be given to")."""
    return tuple(
        (f"{subject} search {modal} {verb}", noun.lower(), modal, f"be {given}")
        for subject in ("my", "the")
        for modal in PASSIVE_MODALS
        for verb, written in _GIVEN.items()
        for noun, given in [written.split(" {be} ")]
    )


def nominalise(sentence: str) -> str | None:
    """'I want to compare X' -> 'I want a comparison of X' (anywhere in the sentence)."""
    m = _WISH_NOMINAL.search(sentence)
    if m is None or _negated_before(sentence, m.start()):
        return None
    clause = _CLAUSE_START.split(sentence[m.end() :], maxsplit=1)[0]
    if _DEGREE_AT_END.search(clause) or _TO_SOMEONE.search(clause) or _MANNER.search(clause):
        return None
    noun = _NOMINAL[m["verb"]]
    return f"{sentence[: m.start()]}{m['wish']} {noun}{sentence[m.end() :]}"


FRAMES: tuple[tuple[str, Callable[[str], str | None]], ...] = (
    ("to-help", to_help),
    ("persona-doing", persona_doing),
    ("interested-to-like", from_interested),
    ("as-to-being", as_to_being),
    ("imperative", from_imperative),
    ("passive", to_passive),
    ("nominalise", nominalise),
)
"""Sentence frames, tried in order; the first that applies rewrites the sentence."""

_CLAUSE_START = re.compile(r"[.;:!?,()\n]")
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|‘[^’]*’|'[^']*'(?!\w)")


def _negated_before(text: str, position: int) -> bool:
    """Whether the clause that ``position`` is in has a negation cue before it."""
    starts = [m.end() for m in _CLAUSE_START.finditer(text, 0, position)]
    clause = text[starts[-1] if starts else 0 : position]
    return any(w in NEGATION_CUES or w.endswith("n't") for w in words(clause))


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _QUOTED.finditer(text)]


def frame_edits(text: str) -> list[tuple[Edit, str]]:
    """The first frame that applies to each sentence, with its name. The help frame is
    written once: "Please help me find X. … Please help me find Y." reads as a form, and was
    borderline in several readings (restate-held-out-18 the last)."""
    edits = []
    asked = _HELPS_LATER.search(text) is not None
    for start, end in iter_sentence_spans(text):
        body = text[start:end].rstrip()
        for name, frame in FRAMES:
            if asked and frame is to_help:
                continue
            after = frame(body)
            if after is not None and after != body:
                edits.append((Edit(start, body, match_case(body, after)), name))
                asked = asked or frame is to_help
                break
    return edits


def recast_sites(text: str, case: Case) -> list[PhraseSite]:
    """Phrase sites of both phrasebooks outside negated clauses and quoted spans."""
    quoted = _quoted_spans(text)
    return [
        site
        for site in phrase_sites(text, protected_stems(case), RULES)
        if not _negated_before(text, site.start)
        and not any(start <= site.start < end for start, end in quoted)
    ]


def recast_text(case: Case, rng: random.Random) -> tuple[str, tuple[str, ...]]:
    """The recast instruction and the names of the frames it used."""
    framed = frame_edits(case.instruction)
    text = apply_edits(case.instruction, [edit for edit, _ in framed])
    restructured = restructure_edits(text, rng)
    text = apply_edits(text, [edit for edit, _ in restructured])
    edits = chosen_edits(recast_sites(text, case), rng)
    names = tuple(name for _, name in (*framed, *restructured))
    if edits:
        names += ("phrases",)
    return apply_edits(text, a_or_an(edits, text)), names


class Recast(Operator):
    """Rewording inside every sentence: sentence frames, nominalisation, the restructuring
    rewrites, then both phrasebooks (one variant, form ``recast``); ``restate`` builds on it."""

    name = "recast"
    family = Family.PARAPHRASE
    summary = "reword frames and instruction language throughout"

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        return rewritten_whole(self, case, *recast_text(case, rng))


def rewritten_whole(
    operator: Operator, case: Case, rewritten: str, names: tuple[str, ...]
) -> tuple[Variant, ...]:
    """One variant of ``operator`` (form: its name) with ``case``'s instruction rewritten as a
    whole, ``names`` the rewrites that made it; none where nothing changed."""
    if rewritten == case.instruction:
        return ()
    return (
        Variant(
            case_id=case.id,
            family=operator.family,
            operator=operator.name,
            form=operator.name,
            request=Request(case.query, rewritten, case.request.order),
            expectation=Expectation.invariant(),
            strength=changed_share(case.instruction, rewritten),
            edits=(Edit(0, case.instruction, rewritten),),
            params=(("rewrites", ",".join(names)),),
        ),
    )
