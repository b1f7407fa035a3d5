"""Operators by name: the built-ins, plus third-party ones from the entry-point group."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib import import_module

from instructprobe.core.errors import PerturbError
from instructprobe.perturb.base import Operator
from instructprobe.perturb.model import Family

ENTRY_POINT_GROUP = "instructprobe.perturbations"

_BUILTIN: dict[str, str] = {
    "phrase-rules": "instructprobe.perturb.paraphrase:PhraseParaphrase",
    "restructure": "instructprobe.perturb.restructure:Restructure",
    "rewrite": "instructprobe.perturb.restructure:Rewrite",
    "recast": "instructprobe.perturb.recast:Recast",
    "restate": "instructprobe.perturb.restate:Restate",
    "graded-paraphrase": "instructprobe.perturb.paraphrase:GradedParaphrase",
    "wordnet-paraphrase": "instructprobe.perturb.paraphrase:WordNetParaphrase",
    "model-paraphrase": "instructprobe.perturb.generative:ModelParaphrase",
    "curated-paraphrase": "instructprobe.perturb.paraphrase:CuratedParaphrase",
    "curated": "instructprobe.perturb.negation:CuratedChange",
    "exclusion-clause": "instructprobe.perturb.negation:ExclusionClause",
    "predicate-negation": "instructprobe.perturb.negation:PredicateNegation",
    "preference-flip": "instructprobe.perturb.negation:PreferenceFlip",
    "template-swap": "instructprobe.perturb.reorder:TemplateSwap",
    "sentence-shuffle": "instructprobe.perturb.reorder:SentenceShuffle",
    "strip-overlap": "instructprobe.perturb.strip:StripOverlap",
    "keywords-only": "instructprobe.perturb.keywords:KeywordsOnly",
    "typos": "instructprobe.perturb.control:Typos",
    "case-noise": "instructprobe.perturb.control:CaseNoise",
    "punctuation-noise": "instructprobe.perturb.control:PunctuationNoise",
}


class UnknownOperator(PerturbError, LookupError):
    """No operator of that name (built in or from an entry point)."""


def _load(target: str) -> type[Operator]:
    module, _, attribute = target.partition(":")
    loaded = getattr(import_module(module), attribute)
    if not (isinstance(loaded, type) and issubclass(loaded, Operator)):
        raise TypeError(f"{target} is not a perturb.Operator subclass")
    return loaded


@lru_cache(maxsize=1)
def _targets() -> dict[str, str]:
    from importlib.metadata import entry_points

    targets = dict(_BUILTIN)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        targets.setdefault(ep.name, ep.value)
    return targets


def third_party_targets() -> dict[str, str]:
    """The operators installed under the entry-point group: name → ``module:Class``."""
    return {name: target for name, target in _targets().items() if name not in _BUILTIN}


def operator_names() -> tuple[str, ...]:
    return tuple(_targets())


def get_operator(name: str) -> Operator:
    try:
        target = _targets()[name]
    except KeyError:
        known = ", ".join(operator_names())
        raise UnknownOperator(f"unknown perturbation operator {name!r} (known: {known})") from None
    return _load(target)()


def operators_for(families: Iterable[Family], opted_in: Iterable[str] = ()) -> tuple[Operator, ...]:
    """The operators of ``families``: every one that is not opt-in, plus the opt-in ones named in
    ``opted_in`` (in registry order)."""
    wanted, named = set(families), set(opted_in)
    loaded = (get_operator(name) for name in operator_names())
    return tuple(op for op in loaded if op.family in wanted and (not op.opt_in or op.name in named))


def opt_in_names() -> tuple[str, ...]:
    """The operators that run only where they are named."""
    return tuple(name for name in operator_names() if get_operator(name).opt_in)
