"""The recast phrasebook: more of the vocabulary of search instructions, for ``recast`` only.

InstructIR's own rewrites of an instruction change its wording throughout ("I'm interested in"
/ "I'm keen on", "prioritize" / "give priority to", "frequently" / "often", "strategies" /
"approaches"), which the phrase rules leave alone. These rules add such equivalences, each one
hand-checked on the words around it in InstructIR's instructions, under the phrase rules'
conventions (``perturb.phrases``): no negation cue, no domain term, ambiguous words only as
targets, guards where a word is also something else. ``recast`` uses them together with the
phrase rules; the longest match wins.

A held-out reading (benchmarks/audit/recast-held-out-2-*) rejected "information" -> "details"
("details that describes"), "sources" -> "references" (sources that sell things) and
"affects" -> "influences" (what a pest does), and recast-held-out-3 "resources" -> "materials"
("natural areas and resources"): single content words out of context fail as WordNet's
synonyms do, so they are not here.
"""

from __future__ import annotations

from instructprobe.perturb.phrases import PhraseRule

_DETERMINER_OR_POSSESSIVE = (
    r"(?:\b(?:a|an|the|my|our|your|his|her|its|their|this|that|these|those|whose)|['’]s)\s+$"
)
"""A noun use of a word that is also a verb ("the need to", "a client's needs to")."""
_COPULA = r"\b(?:be|is|are|was|were|been|being|am|seem|seems)\s+$"
"""Where an adjective is a predicate ("be specific" is not "be particular")."""
_PARTICLE_OR_TO = r"\s+(?:to|out|after|up)\b"
"""'seeking to X', 'seeking out X': not 'looking for'."""


def _r(
    *phrases: str,
    targets: tuple[str, ...] = (),
    not_after: str | None = None,
    not_before: str | None = None,
    only_after: str | None = None,
) -> PhraseRule:
    return PhraseRule(tuple(phrases), targets, not_after, not_before, only_after)


RECAST_RULES: tuple[PhraseRule, ...] = (
    # --- the searcher's wish and need ----------------------------------------------------
    _r("i am interested in", "i'm interested in", "i am keen on", "i'm keen on"),
    _r("interested in", targets=("keen on",)),
    _r("eager to", targets=("keen to",)),
    _r("passionate about", "enthusiastic about"),
    _r("wants to", targets=("would like to",), not_after=_DETERMINER_OR_POSSESSIVE),
    _r("i plan to", "i intend to"),
    _r("planning to", "intending to"),
    _r("aiming to", targets=("intending to",)),
    _r("looking to", targets=("hoping to", "aiming to"), not_before=r"\s+(?:the|a|an|my|our)\b"),
    _r("need to", "have to", not_after=_DETERMINER_OR_POSSESSIVE),
    _r("needs to", "has to", not_after=_DETERMINER_OR_POSSESSIVE),
    _r("seeking", targets=("looking for", "searching for"), not_before=_PARTICLE_OR_TO),
    _r("familiarize myself with", "familiarise myself with", targets=("get familiar with",)),
    _r("allow me to", "enable me to"),
    _r("allows me to", "enables me to"),
    _r("allow us to", "enable us to"),
    # --- what the search should do -------------------------------------------------------
    _r("prioritize", "prioritise", targets=("give priority to",)),
    _r("prioritizing", "prioritising", targets=("giving priority to",)),
    _r("prioritizes", "prioritises", targets=("gives priority to",)),
    _r("prefer", targets=("favor",), not_before=r"\s+(?:to|that|not)\b"),
    _r("prefers", targets=("favors",), not_before=r"\s+(?:to|that|not)\b"),
    _r("tailored to", "geared to", "geared towards", "geared toward"),
    _r("designed for", targets=("intended for",), not_after=_COPULA),
    _r("detailing", targets=("describing",)),
    _r("gather information", "collect information"),
    _r("gathering information", "collecting information"),
    _r("gather data", "collect data"),
    _r("gathering data", "collecting data"),
    _r("assisting", targets=("helping",), not_before=r"\s+(?:in|with)\b"),
    _r("improve", targets=("enhance",), not_before=r"\s+(?:on|upon)\b"),
    _r("improving", targets=("enhancing",), not_before=r"\s+(?:on|upon)\b"),
    # --- what is searched for ------------------------------------------------------------
    _r("scientific articles", "scientific papers"),
    _r("websites", targets=("web pages",)),
    _r("strategies", targets=("approaches",)),
    _r("summaries", targets=("overviews",)),
    _r("explanations", targets=("descriptions",)),
    _r("suggestions", targets=("recommendations",)),
    _r("reputable", targets=("trusted",), not_after=_COPULA),
    _r("practical tips", "practical advice"),
    _r(
        "options",
        targets=("choices",),
        not_after=r"\b(?:stock|share|call|put|menu|command|configuration|settings|binary|"
        r"employee|equity|trading|futures)\s+$",
    ),
    _r("require", targets=("need",), not_after=_DETERMINER_OR_POSSESSIVE),
    _r("yield", targets=("return",), only_after=r"\b(?:should|must|will|to|can|could)\s+$"),
    # --- how the documents should read ---------------------------------------------------
    _r("specific", targets=("particular",), not_after=_COPULA + r"|\bmore\s+$"),
    _r("various", targets=("different",)),
    _r("frequently", "often", not_before=r"\s+than\b"),
    _r("quickly", targets=("rapidly",)),
    _r("correctly", targets=("properly",)),
    _r("concise", targets=("succinct",)),
    _r("is located", "is situated"),
    _r("located in", "situated in", not_after=r"\b(?:is|are|was|were)\s+$"),
    _r("right now,", "at the moment,", "at present,"),
)
