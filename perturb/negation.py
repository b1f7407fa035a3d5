"""Negation operators (expectation: directional; the excluded documents should move down)."""

from __future__ import annotations

import random
from collections import Counter

from perturb.base import CorpusStats, Operator
from perturb.model import Case, Edit, Expectation, Family, Request, Variant
from perturb.text import content_words, words


def curated_variants(case: Case, operator: Operator) -> tuple[Variant, ...]:
    """The case's curated changes whose expectation is of the operator's family's kind."""
    return tuple(
        Variant(
            case_id=case.id,
            family=operator.family,
            operator=operator.name,
            form=change.form,
            request=Request(case.query, change.instruction),
            expectation=change.expectation,
            edits=(Edit(0, case.instruction, change.instruction),),
        )
        for change in case.curated
        if change.expectation.kind is operator.family.expectation_kind
    )


class CuratedChange(Operator):
    name = "curated"
    family = Family.NEGATION
    summary = "the suite's own changed instructions and negation pairs, judged by their qrels"

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        return curated_variants(case, self)


def salient_term(case: Case, stats: CorpusStats) -> str | None:
    """The relevant documents' highest tf-idf word that the query and instruction do not use.

    Terms found in some but not all relevant documents come first, so that the exclusion leaves
    at least one relevant document wherever the case has more than one.
    """
    asked = set(words(case.query)) | set(words(case.instruction))
    per_doc = [set(content_words(doc.text)) - asked for doc in case.relevant]
    tf: Counter[str] = Counter(w for doc in case.relevant for w in content_words(doc.text))
    candidates = {w for doc_words in per_doc for w in doc_words if w.isalpha()}
    if not candidates:
        return None

    def score(term: str) -> tuple[bool, float, str]:
        covers_some = sum(term in d for d in per_doc) < len(per_doc)
        return (covers_some, tf[term] * stats.idf(term), term)

    return max(candidates, key=score)


class ExclusionClause(Operator):
    name = "exclusion-clause"
    family = Family.NEGATION
    summary = "append 'Do not include documents that mention X', X salient in relevant documents"

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        term = salient_term(case, stats)
        if term is None:
            return ()
        down = frozenset(doc.id for doc in case.relevant if term in words(doc.text))
        base = case.instruction.rstrip()
        separator = " " if not base or base[-1] in ".!?" else ". "
        clause = f"{separator}Do not include documents that mention {term}."
        return (
            Variant(
                case_id=case.id,
                family=self.family,
                operator=self.name,
                form="exclusion-clause",
                request=Request(case.query, base + clause),
                expectation=Expectation.directional(down=down),
                edits=(Edit(len(base), case.instruction[len(base) :], clause),),
                params=(("term", term),),
            ),
        )
