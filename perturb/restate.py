"""``restate``: ``recast``, then the need said first and the whole asked as a request.

``recast`` rewords nearly every sentence yet moves MiniLM's rankings about a fifth as far as
InstructIR's independent rewrites (``benchmarks/paraphrase_strength.py``): a person restating
an instruction also reorders it and speaks to whoever reads it. ``restate`` adds both:

- *need first*: where the instruction opens with a block about the person or their situation
  ("I'm a healthcare consultant responsible for…") and the next block is the request ("Please
  help me find…", "My search should…"), the opening block moves to the end. Only where the
  opening asks for nothing (as written, before ``recast`` reworded it), does not hold the only
  mention of a word of the query (then it says what the request is about), and nothing that
  moves ahead of it can point back into it: no pronoun or demonstrative ("it", "they", "these",
  "such"…), and no "the"/"that"/"each" before a word the opening block has ("the game narrative"
  after "a new board game") or before a noun that often stands for one ("the company");
- *a request to someone*: a greeting or a call for help before the instruction, thanks after it
  ("Hi! … Thanks in advance!"). Whole sentences only: nothing is put inside one, so no
  constraint is softened ("if possible" after "must include X" would be).

Every word of the original's constraints, names, numbers and negations stays, as in ``recast``.
"""

from __future__ import annotations

import random
import re

from instructprobe.perturb.base import CorpusStats, Operator
from instructprobe.perturb.model import Case, Family, Variant
from instructprobe.perturb.recast import recast_text, rewritten_whole
from instructprobe.perturb.reorder import sentence_blocks
from instructprobe.perturb.text import content_words, stem, word_set, words

GREETINGS = ("Hi!", "Hello!", "Hi there!")
CALLS_FOR_HELP = ("Could you help me with a search?", "I would appreciate some help with a search.")
"""Openings that ask for help: not used where the instruction already asks ("Please help me
find…" after "Could you help me…" says it twice), nor where its first words say "search" again
("… with a search? My search should…", borderline in each restate reading since
restate-held-out-22)."""
_SEARCH_AHEAD = re.compile(r"^(?:[\w'’-]+[\s,]+){0,5}?search", re.I)
THANKS = ("Thanks in advance!", "Thank you!", "Thanks for your help!", "Any help is appreciated.")
POLITE_SENTENCES = (*GREETINGS, *CALLS_FOR_HELP, *THANKS)

_REQUEST = re.compile(
    r"^(?:[^,.;:!?\"“”]{1,60}, )?"
    r"(?:Please\b|Could you\b|Can you\b|Search results\b|"
    r"I(?:'m| am|’m) (?:looking|searching|seeking|hoping to find|trying to find|in search of|"
    r"interested in|curious about|(?:especially |particularly )?keen on|giving priority)\b|"
    r"I (?:need|want|would like|would love|require|seek|intend|aim|hope|wish|must|have to|"
    r"will have to)\b|I(?:'d|’d|'ll|’ll) (?:like|love|need|have to)\b|"
    r"(?:My|The) (?:search|results?|criterion|criteria|priority|task|focus|interest|goal|"
    r"objective|aim)\b|What I(?:'m| am|’m) (?:looking|searching)\b)",
)
"""A block that opens with the request itself, perhaps after a phrase that sets it up ("In my
search, I will have to locate…", "To plan the route, I need…")."""
_ASKS = re.compile(
    r"\b(?:please|help me|looking for|searching|seeking|search|need|want|would like|'d like|"
    r"’d like|find|require|documents|passages|articles|sources|resources)\b",
    re.I,
)
"""A request cue anywhere in a block: an opening block that has one is not moved."""
_POINTS_BACK = word_set(
    "it its it's itself they them their theirs themselves he him his she her hers we us our "
    "ours this these those such there same both former latter above aforementioned said "
    # a connective or a comparison follows on from what came before: "My search … therefore
    # revolves around", "what other underlying causes" (restate-held-out-15 and -19)
    "therefore thus hence consequently accordingly also too additionally moreover furthermore "
    "besides again other another"
)
_MY_STATE = re.compile(
    r"\bmy\s+(?:age|condition|situation|circumstances|case|diagnosis|symptoms|background)\b",
    re.I,
)
"""'Given my age, I want…' leans on what the opening told of the searcher ('As a senior
citizen, …'; final-guards-check)."""
_DO_SO = re.compile(r"\b(?:do|does|did|doing|done)\s+so\b", re.I)
"""'Before doing so' points back to an act the opening named (restate-held-out-6)."""
_OPEN_RELATION = re.compile(
    r"\b(?:a|an|the|any|one)\s+(?:[\w-]+\s+){0,2}?(?:factor|cause|link|connection|relationship|"
    r"contributor|trigger|reason|correlation|association|role|similarit(?:y|ie)|difference|"
    r"comparison|contrast|parallel)s?\b"
    r"(?!(?:\s+(?:and|or)\s+[\w-]+)?\s+(?:to|of|in|for|between|among|behind|that|which|"
    r"with(?!\s+(?:a|an)\s+(?:[\w-]+\s+)?(?:focus|emphasis|eye)\b))\b)",
    re.I,
)
"""'could be a contributing factor.' leaves out what it contributes to, and 'studies that
highlight the similarities and differences with a focus on…' what is compared, which the
opening named (restate-held-out-8 and -22)."""
_PUT_INTO = re.compile(
    r"\b(?:to|by)\s+(?:includ|incorporat|add|integrat|featur|showcas)(?:e|es|ing)?\b", re.I
)
"""'I'd like to include interactive displays…', '…by including real-world examples': what they go
into (the exhibit, the lesson) was named by the opening (restate-held-out-15 and -19)."""
_THAT_TIME = re.compile(
    r"\bthat\s+(?:era|period|time|century|decade|year|age|epoch|season|war|reign)\b", re.I
)
"""'during that era' points back to a time the opening named ("the 17th century"; "that" before
a noun is a demonstrative, restate-held-out-12)."""
_FRONTED_PURPOSE = re.compile(r"(?:^|[.!?]\s+)\W*To\s+[a-z]+\s*,", re.I)
"""'To prepare, I am seeking…' prepares for what the opening named (reworded-held-out-5)."""
_POINTING = (_DO_SO, _MY_STATE, _OPEN_RELATION, _THAT_TIME, _PUT_INTO, _FRONTED_PURPOSE)
"""Phrases that lean on what the opening said."""
_DEFINED = re.compile(r"\(\s*([A-Za-z][A-Za-z0-9&.-]{0,9})\s*\)")
"""An abbreviation the opening spells out ("tenant improvement (TI) allowances"): a request
moved ahead of it would use it before saying what it stands for (reworded-held-out-3)."""
_DETERMINERS = frozenset({"the", "that", "each", "every", "my", "our"})
_DEFINITE = _DETERMINERS - {"that", "my", "our"}
"""Before a general noun, "that" is far more often a relative pronoun ("passages that state"),
and "my"/"our" point back only to a word the opening has ("my client" after "a client";
restate-held-out-19), not to any general noun ("my project")."""
_GENERAL_NOUNS = word_set(
    "concept topic subject issue matter process project company business firm organization "
    "organisation product item device tool program programme situation problem condition "
    "disease plant animal species area region place city town country state book novel story "
    "work piece article essay lecture lesson class course event period era person patient "
    "client child team group stage phase step idea plan trip case site property house "
    "character scene location destination recipe dish game way route distance journey"
)
"""Nouns that after "the" or "each" often stand for something named before them ("a high-tech
startup" … "the company's growth", "the sales cycle" … "the concept", "within each stage")."""
_GREETED = re.compile(
    r"^\W*(?:hi|hello|hey|dear|greetings|good (?:morning|afternoon|evening))\b", re.I
)
_THANKED = re.compile(r"\b(?:thanks?|thank you|appreciated?)\b", re.I)
_GENERAL_STEMS = frozenset(stem(noun) for noun in _GENERAL_NOUNS)
_ASKS_HELP = re.compile(r"\bhelp\b", re.I)


def points_back(block: str, opening: str) -> bool:
    """Whether ``block`` may refer to something ``opening`` introduced."""
    tokens = words(block)
    if any(t in _POINTS_BACK for t in tokens) or any(p.search(block) for p in _POINTING):
        return True
    if {m.lower() for m in _DEFINED.findall(opening)} & set(tokens):
        return True
    introduced = _content_stems(opening)
    return any(
        stem(word) in introduced or (t in _DEFINITE and stem(word) in _GENERAL_STEMS)
        for i, t in enumerate(tokens)
        if t in _DETERMINERS
        for word in tokens[i + 1 : i + 3]
    )


def need_first(text: str, case: Case) -> str | None:
    """``text`` (``case``'s instruction, recast) with its opening block moved to the end, where
    that is safe."""
    blocks = [text[start:end] for start, end in sentence_blocks(text)]
    if len(blocks) < 2:
        return None
    opening, following = blocks[0], blocks[1:]
    if _asks(opening) or _asks(_first_block(case.instruction)):
        return None
    if not _REQUEST.match(following[0]) or _holds_the_topic(opening, following, case.query):
        return None
    if any(points_back(block, opening) for block in following):
        return None
    return " ".join([*following, opening])


def _asks(block: str) -> bool:
    return _ASKS.search(block) is not None


def _first_block(text: str) -> str:
    spans = sentence_blocks(text)
    return text[spans[0][0] : spans[0][1]] if spans else text


def _holds_the_topic(opening: str, following: list[str], query: str) -> bool:
    """Whether the opening is the only place a content word of the query is written: then it
    says what the request is about, and the request would come before its subject."""
    only_here = _content_stems(query) - {stem(w) for block in following for w in words(block)}
    return any(stem(w) in only_here for w in words(opening))


def _content_stems(text: str) -> set[str]:
    return {stem(w) for w in content_words(text)}


def polite(text: str, rng: random.Random) -> str:
    """``text`` with an opening and thanks around it, each where it has none already."""
    asks = _ASKS_HELP.search(text) or _SEARCH_AHEAD.match(text)
    openings = GREETINGS if asks else (*GREETINGS, *CALLS_FOR_HELP)
    opening = "" if _GREETED.match(text) else rng.choice(openings) + " "
    said = set(words(opening))
    thanks = [t for t in THANKS if not said & set(words(t))]
    closing = "" if _THANKED.search(text) else " " + rng.choice(thanks)
    return f"{opening}{text}{closing}"


def restate_text(case: Case, rng: random.Random) -> tuple[str, tuple[str, ...]]:
    """The restated instruction and the names of the rewrites it used."""
    text, names = recast_text(case, rng)
    moved = need_first(text, case)
    if moved is not None:
        text, names = moved, (*names, "need-first")
    return polite(text, rng), (*names, "polite")


class Restate(Operator):
    """``recast``, the need first where that is safe, and an opening and thanks (one variant,
    form ``restate``)."""

    name = "restate"
    family = Family.PARAPHRASE
    summary = "recast, then the need first and asked as a request (the strongest)"

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        return rewritten_whole(self, case, *restate_text(case, rng))
