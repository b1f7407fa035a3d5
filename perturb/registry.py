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
    "graded-paraphrase": "instructprobe.perturb.paraphrase:GradedParaphrase",
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


def operator_names() -> tuple[str, ...]:
    return tuple(_targets())


def get_operator(name: str) -> Operator:
    try:
        target = _targets()[name]
    except KeyError:
        known = ", ".join(operator_names())
        raise UnknownOperator(f"unknown perturbation operator {name!r} (known: {known})") from None
    return _load(target)()


def operators_for(families: Iterable[Family]) -> tuple[Operator, ...]:
    wanted = set(families)
    loaded = (get_operator(name) for name in operator_names())
    return tuple(op for op in loaded if op.family in wanted)
