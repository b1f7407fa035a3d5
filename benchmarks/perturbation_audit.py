"""An audit of generated variants by reading: a seeded sample per operator, and its scores.

    .venv/bin/python benchmarks/perturbation_audit.py sample [--name held-out]
    .venv/bin/python benchmarks/perturbation_audit.py score [--name held-out]
    .venv/bin/python benchmarks/perturbation_audit.py recheck

Two audits: ``development`` (seed 0, every operator including the opt-in ones, read after
each change it led to; a judgment is kept while its variant is drawn word for word again) and
``held-out`` (seed 1, the default operators, instructions the development sample does not
use, read once after the last change: its precision is the one to quote).

``sample`` draws, per operator, a seeded sample (each audit's seed is fixed, ``DRAW_SEEDS`` and
the tables beside it) of the variants it makes on InstructIR's
instructions and on the starter suite, before the meaning filter, and records what a reader
needs to judge each one (the original, the variant, for a negation the term whose documents are
expected to move down) and what the meaning filter decided (MiniLM cosine, polarity).

``benchmarks/audit/NAME-judgments.jsonl`` holds one line per sampled variant, written by a person
reading it: ``{"id", "accept": true|false, "fault": "", "reason": ""}``. A paraphrase is
accepted when it is fluent and keeps the instruction's meaning, every constraint and its
polarity; a negation when it is grammatical and excludes exactly the documents its expectation
moves down. ``score`` joins the two and reports precision per operator and family (of every
sampled variant, and of those the meaning filter keeps) and the filter's quality on the
paraphrases: the share of rejected ones it drops and of accepted ones it wrongly drops. Results
go to ``benchmarks/results/perturbation_audit-NAME.{md,json}``.

``recheck`` asks today's rules, for every clause the near-miss readings (negation-held-out-2
to -11) judged, whether they still allow its term on its query and write it in the case the
reader saw, and reports by verdict the clauses they no longer make, those they make in
another case and the rejected ones they still make
(``benchmarks/results/perturbation_audit-near-miss-recheck.md``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from perturbation_coverage import load_cases  # noqa: E402

from instructprobe.perturb import Case, CorpusStats, Family, Variant, get_operator, rng_for  # noqa: E402

if TYPE_CHECKING:
    from instructprobe.perturb.meaning import MeaningFilter

AUDIT = ROOT / "benchmarks" / "audit"
RESULTS = ROOT / "benchmarks" / "results"
PER_OPERATOR = {
    "phrase-rules": 45,
    "restructure": 45,
    "rewrite": 45,
    "graded-paraphrase": 40,
    "wordnet-paraphrase": 30,
    "exclusion-clause": 60,
    "predicate-negation": 40,
    "preference-flip": 40,
}
"""How many variants to draw per operator (the opt-in ones, wordnet-paraphrase,
predicate-negation and preference-flip, as baselines)."""
HELD_OUT = {
    "phrase-rules": 30,
    "restructure": 30,
    "rewrite": 30,
    "graded-paraphrase": 30,
    "exclusion-clause": 40,
}
"""The held-out audit: a fresh seed, the default operators only, judged once, after every
change the development audit led to (its precision is the one to quote)."""
FILTER_OPERATORS = ("phrase-rules", "restructure", "rewrite", "graded-paraphrase", "recast")
"""The paraphrasers a run uses (``recast`` on request), whose variants the meaning filter judges."""
SAMPLES = {
    "development": PER_OPERATOR,
    "held-out": HELD_OUT,
    "held-out-2": {"exclusion-clause": 40},
    "held-out-3": {"exclusion-clause": 40},
    "held-out-4": {"exclusion-clause": 44},
    "subset-development": {"exclusion-clause": 0},
    "held-out-5": {"exclusion-clause": 0},
    "recast-held-out": {"recast": 60},
    "recast-held-out-2": {"recast": 60},
    "recast-held-out-3": {"recast": 60},
    "negation-development": {"exclusion-clause": 0},
    "negation-held-out": {"exclusion-clause": 60},
    "negation-held-out-2": {"exclusion-clause": 60},
    "negation-held-out-3": {"exclusion-clause": 60},
    "filter-held-out": dict.fromkeys(FILTER_OPERATORS, 26),
    "negation-held-out-4": {"exclusion-clause": 60},
    "negation-held-out-5": {"exclusion-clause": 60},
    "negation-held-out-6": {"exclusion-clause": 60},
    "negation-held-out-7": {"exclusion-clause": 60},
    "restate-held-out": {"restate": 60},
    "restate-moved-held-out": {"restate": 30},
    "paraphrase-held-out-6": {"rewrite": 40, "recast": 40},
    "paraphrase-held-out-7": {"rewrite": 60, "recast": 60},
    "paraphrase-held-out-8": {"rewrite": 60, "recast": 60},
    "paraphrase-held-out-9": {"rewrite": 60, "recast": 60},
    "restate-held-out-2": {"restate": 60},
    "restate-moved-held-out-2": {"restate": 40},
    "paraphrase-held-out-10": {"rewrite": 60, "recast": 60},
    "restate-held-out-3": {"restate": 60},
    "negation-held-out-8": {"exclusion-clause": 60},
    "negation-held-out-9": {"exclusion-clause": 60},
    "paraphrase-held-out-11": {"rewrite": 60, "recast": 60},
    "restate-held-out-4": {"restate": 60},
    "filter-held-out-2": dict.fromkeys((*FILTER_OPERATORS, "restate"), 26),
    "negation-held-out-10": {"exclusion-clause": 60},
    "negation-held-out-11": {"exclusion-clause": 60},
    "paraphrase-held-out-12": {"rewrite": 60, "recast": 60},
    "restate-held-out-5": {"restate": 60},
    "negation-held-out-12": {"exclusion-clause": 60},
    "negation-held-out-13": {"exclusion-clause": 60},
    "paraphrase-held-out-13": {"rewrite": 60, "recast": 60},
    "restate-held-out-6": {"restate": 60},
    "paraphrase-held-out-14": {"rewrite": 60, "recast": 60},
    "restate-held-out-7": {"restate": 60},
    "paraphrase-held-out-15": {"rewrite": 80, "recast": 80},
    "restate-held-out-8": {"restate": 80},
    "paraphrase-held-out-16": {"rewrite": 80, "recast": 80},
    "restate-held-out-9": {"restate": 80},
    "paraphrase-held-out-17": {"rewrite": 100, "recast": 100},
    "restate-held-out-10": {"restate": 100},
    "paraphrase-held-out-18": {"rewrite": 100, "recast": 100},
    "restate-held-out-11": {"restate": 100},
    "paraphrase-held-out-19": {"rewrite": 100, "recast": 100},
    "restate-held-out-12": {"restate": 100},
    "paraphrase-held-out-20": {"rewrite": 100, "recast": 100},
    "restate-held-out-13": {"restate": 100},
    "paraphrase-held-out-21": {"rewrite": 100, "recast": 100},
    "restate-held-out-14": {"restate": 100},
    "paraphrase-held-out-22": {"rewrite": 100, "recast": 100},
    "restate-held-out-15": {"restate": 100},
    "paraphrase-held-out-23": {"rewrite": 100, "recast": 100},
    "restate-held-out-16": {"restate": 100},
    "paraphrase-held-out-24": {"rewrite": 100, "recast": 100},
    "restate-held-out-17": {"restate": 100},
    "paraphrase-held-out-25": {"rewrite": 100, "recast": 100},
    "restate-held-out-18": {"restate": 100},
    "paraphrase-held-out-26": {"rewrite": 100, "recast": 100},
    "restate-held-out-19": {"restate": 200},
    "paraphrase-held-out-27": {"rewrite": 100, "recast": 100},
    "restate-held-out-20": {"restate": 200},
    "paraphrase-held-out-28": {"rewrite": 100, "recast": 100},
    "restate-held-out-21": {"restate": 200},
    "paraphrase-held-out-29": {"rewrite": 100, "recast": 100},
    "restate-held-out-22": {"restate": 200},
    "paraphrase-held-out-30": {"rewrite": 100, "recast": 100},
    "restate-held-out-23": {"restate": 200},
    "paraphrase-held-out-31": {"rewrite": 100, "recast": 100},
    "restate-held-out-24": {"restate": 200},
    "paraphrase-held-out-32": {"rewrite": 100, "recast": 100},
    "restate-held-out-25": {"restate": 200},
    "paraphrase-held-out-33": {"rewrite": 100, "recast": 100},
    "restate-held-out-26": {"restate": 200},
    "paraphrase-held-out-34": {"rewrite": 100, "recast": 100},
    "restate-held-out-27": {"restate": 200},
    "paraphrase-held-out-35": {"rewrite": 100, "recast": 100},
    "restate-held-out-28": {"restate": 200},
    "paraphrase-held-out-36": {"rewrite": 100, "recast": 100},
    "restate-held-out-29": {"restate": 200},
    "final-guards-check": {"restate": 60},
    "instructir-rewrites-1": {"curated-paraphrase": 100},
    "instructir-rewrites-2": {"curated-paraphrase": 100},
    "instructir-rewrites-3": {"curated-paraphrase": 100},
    "instructir-rewrites-1-again": {"curated-paraphrase": 50},
    "instructir-rewrites-2-again": {"curated-paraphrase": 50},
    "instructir-rewrites-3-again": {"curated-paraphrase": 50},
    "reworded-held-out-6-again": {"recast": 80, "restate": 100},
    "reworded-held-out-7-again": {"restate": 100},
    "passive-check": {"recast": 40, "restate": 60},
    "reworded-held-out": {"rewrite": 80, "recast": 80, "restate": 100},
    "reworded-held-out-2": {"rewrite": 80, "recast": 80, "restate": 100},
    "reworded-held-out-3": {"rewrite": 80, "recast": 80, "restate": 100},
    "reworded-held-out-4": {"recast": 80, "restate": 100},
    "reworded-held-out-5": {"recast": 80, "restate": 100},
    "reworded-held-out-6": {"recast": 80, "restate": 100},
    "reworded-held-out-7": {"restate": 100},
    "starter-defaults": {"recast": 0, "restate": 0},
    "starter-defaults-again": {"recast": 0, "restate": 0},
}
"""Each audit's draw. held-out-2 and held-out-3 re-draw the exclusion clause after the changes
the reading before them led to (names in lower case, verbs, markup; then WordNet's common words
before the documents' capitals, fragments). Each was read once; a later change leaves its file
as the record of what that reading found (its sample is not drawn again). held-out-4 (seed 4)
was drawn and read once on a stricter term choice (commit fde2cf6: rare concrete nouns and
names, every use aside from the answer, no clause where no word qualifies), which was then
reverted for being no more precise; drawn again on today's code it would be other text.
subset-development and held-out-5 read the clause as a narrowing (its term in some, not all,
of a query's relevant documents), which only the starter suite can give: subset-development is
the seed-0 clause of each health, finance and computing query, the reading the term choice was
developed on; held-out-5 is every other clause the final code makes on any starter query
(seeds 0-19), read once. Their queries are those of the earlier samples, whose clauses the
old term choice made. recast-held-out (seed 11) is the strongest paraphrase, ``recast``, drawn
once after its rules were written (on instructions read outside these samples) and read once;
recast-held-out-2 (seed 12) re-draws it, on other instructions, after the guards its six
rejections led to, and recast-held-out-3 (seed 13) after the rules recast-held-out-2's nine
rejections removed or turned one way. negation-development and negation-held-out read the
clause's minority term choice (issue 14): the first holds every clause it makes on the
starter that subset-development or held-out-5 read (their judgments, carried word for word),
the second every clause it makes that neither read, with a seed-21 draw on InstructIR (which
gives none) and the seed-21 predicate-negation and preference-flip variants on the starter,
read once. negation-held-out-2 (seed 42, fixed before it was drawn) reads the clause's term from
the query's near misses (issue 14: a case whose relevant documents give no term): a draw of 60
clauses on InstructIR instructions no earlier sample used, and every clause the near misses give
on the starter (seeds 0-19), each with the relevant documents and every document it moves down,
read once. Its twelve rejections led to five more rules (the clause's case as written, whole
names, no greetings, no stem-mates left out, nouns of their own); negation-held-out-3 (seed 43,
fixed before it was drawn) draws again in the same way after them, on instructions neither
earlier sample used and starter clauses negation-held-out-2 did not read word for word, read
once. filter-held-out (issue 14, seed 41, fixed before it was drawn) reads the meaning filter on
today's paraphrasers, before the filter: per operator, half its variants from those the default
filter drops and half from those it keeps (bad paraphrases are rare), each item with its
stratum's weight so that precision can be re-weighted to what the generators make. Its strata
are those of the filter of commit e84f16f, when it was drawn; drawn again after a change to the
filter it would hold other items, so its file stays the record of that reading.
negation-held-out-4 (seed 44, fixed before it was drawn) draws the near-miss clause again in the
same way after the rule negation-held-out-3's two rejections led to (no last or inner word of a
longer name), on instructions no earlier sample used and starter clauses no earlier reading read
word for word, read once. negation-held-out-5 and negation-held-out-6 (seeds 45 and 46, fixed
before either was drawn) draw it twice more in the same way with no rule changed since
negation-held-out-4, each on instructions no earlier sample used (held-out-6 none of
held-out-5's), read once, to tighten the bound on the clause's precision.
negation-held-out-7 (seed 57, fixed before it was drawn) draws it once more in the same way on
the rules held-out-5's and held-out-6's four rejections led to (other spellings and longer
words left out, a lower-case term used outside a name), which makes those two development
for them, on instructions no earlier sample used, read once, with no rule changed for it.
restate-held-out (seed 51, fixed before it was drawn) reads ``restate`` (``recast``, the need
first, a greeting and thanks) once, on instructions no earlier sample used, by a reader who did
not write it; restate-moved-held-out (seed 52) draws only variants whose need was moved first
(12 of restate-held-out's 60), on instructions neither used, for a precision of that rewrite
of its own. They were drawn at the same time as negation-held-out-5 to -7, on another branch
(``DRAWN_BESIDE``). paraphrase-held-out-6 (issue 14, seed 47, fixed before it was drawn) reads
the two strongest paraphrasers, ``rewrite`` and ``recast``, as a run uses them: after the
meaning filter, after the guards filter-held-out's seven rejections led to, on instructions no
earlier sample used (each instruction once in the sample), read once. paraphrase-held-out-7
(seed 48, fixed before it was drawn) draws them again in the same way, 60 each, after the guards
paraphrase-held-out-6's seven rejections led to, read once; paraphrase-held-out-8 (seed 49, fixed
before it was drawn) again, after the guards paraphrase-held-out-7's six rejections led to, and
paraphrase-held-out-9 (seed 50, fixed before it was drawn) after paraphrase-held-out-8's two;
they too were drawn on another branch, beside negation-held-out-5 to -7 and the restate
readings. restate-held-out-2 (seed 54) and restate-moved-held-out-2 (seed 55), both fixed before
they were drawn, read ``restate`` again in the same way (the second only where the need moved)
after the rules restate-moved-held-out's rejections led to (the opening stays where it asked
for something as written or alone names a word of the query; recast asks for help once and
keeps a sentence's opening "Particularly"), by a reader who wrote neither.
paraphrase-held-out-10 (seed 59) and restate-held-out-3 (seed 58), both fixed before they were
drawn, read ``rewrite`` and ``recast`` after the meaning filter as paraphrase-held-out-9 did, and
``restate`` as restate-held-out-2 did, once more on the code after every guard the readings
before them led to (paraphrase-held-out-9's four, restate-held-out-2's two), each read once.
negation-held-out-8 (seed 60) and negation-held-out-9 (seed 61) draw the near-miss clause twice
more in the same way as negation-held-out-7, with no rule changed for either (the rules after
negation-held-out-7's three rejections stand), on instructions no earlier sample used (-9 none of
-8's), each read once by a reader who wrote no rule. paraphrase-held-out-11 (seed 62) and
restate-held-out-4 (seed 63) read ``rewrite``, ``recast`` and ``restate`` as paraphrase-held-out-10
and restate-held-out-3 did, on the code after the guards those two readings led to.
filter-held-out-2 (seed 64) reads the meaning filter afresh as filter-held-out did, on today's
filter and paraphrasers, ``restate`` among them. All five seeds were fixed before any was drawn,
and the five were drawn together (none leaves out another's instructions but by order).
negation-held-out-10 (seed 65) and negation-held-out-11 (seed 66), paraphrase-held-out-12 (seed
67) and restate-held-out-5 (seed 68), all four fixed before any was drawn, read the same
operators again in the same ways on the code after every guard and rule the five readings
before them led to, each once. negation-held-out-12 (seed 69) and negation-held-out-13 (seed 70),
both fixed before either was drawn, read the near-miss clause once more each after the case rule
held-out-10's and -11's rejections led to, the first readings of it as a default operator.
paraphrase-held-out-13 (seed 71) and restate-held-out-6 (seed 72), both fixed before either was
drawn, read ``rewrite``, ``recast`` and ``restate`` once more each on the code after the guards
paraphrase-held-out-12's and restate-held-out-5's rejections led to. paraphrase-held-out-14
(seed 73) and restate-held-out-7 (seed 74), both fixed before either was drawn, read them once
more each on the code after the guards paraphrase-held-out-13's and restate-held-out-6's
rejections led to. paraphrase-held-out-15 (seed 75) and restate-held-out-8 (seed 76), both fixed
before either was drawn, read them once more each, 80 variants an operator, on the code after the
guards paraphrase-held-out-14's and restate-held-out-7's rejections and borderline calls led to.
paraphrase-held-out-16 (seed 77) and restate-held-out-9 (seed 78), both fixed before either was
drawn, read them once more each, 80 variants an operator, on the code after the guards
paraphrase-held-out-15's and restate-held-out-8's rejections and borderline calls led to.
paraphrase-held-out-17 (seed 79) and restate-held-out-10 (seed 80), both fixed before either was
drawn, read them once more each, 100 variants an operator, on the code after the guards
paraphrase-held-out-16's and restate-held-out-9's rejections and borderline calls led to.
paraphrase-held-out-18 (seed 81) and restate-held-out-11 (seed 82) likewise, after the guards of
paraphrase-held-out-17 and restate-held-out-10. From paraphrase-held-out-19 and
restate-held-out-12 (seeds 83 and 84) on, the audits come in pairs with consecutive seeds
(-20 and -13: 85 and 86, and so on to -27 and -20: 99 and 100), each pair drawn on the code after
the guards the pair before it led to; restate-held-out-19 to -23 draw 200 variants.
paraphrase-held-out-28 and restate-held-out-21 (seeds 101 and 102) read the code of the pair
before them again, with no guard between; paraphrase-held-out-29 and restate-held-out-22 (103
and 104) read the code after the guards those two pairs led to, and paraphrase-held-out-30 and
restate-held-out-23 (105 and 106) read it again. paraphrase-held-out-31 and restate-held-out-24
(107 and 108) read the code after the guards those two led to, and paraphrase-held-out-32 and
restate-held-out-25 (109 and 110) read it again; paraphrase-held-out-33 and restate-held-out-26
(111 and 112) read the code after the guards those four led to, and paraphrase-held-out-34 and
restate-held-out-27 (113 and 114) read it again; paraphrase-held-out-35 and restate-held-out-28
(115 and 116) read the code after the guards those four led to, and paraphrase-held-out-36 and
restate-held-out-29 (117 and 118) read it again. final-guards-check (seed 119) reads ``restate``
where the last guards, written after those readings, apply: no instruction is left out, since
no unread one is left. instructir-rewrites-1 to -3 (seed 120, fixed before they were drawn) read
no generator: each holds one of InstructIR's own rewrites for a third of the instances
paraphrase_strength.py runs, read by the same standard, so that the generated paraphrases'
strength can be set beside the rewrites that keep the meaning; instructir-rewrites-1-again to
-3-again hold every other item of each (no draw), read a second time by another reader who did
not see the first judgments, for the readers' agreement. reworded-held-out (seed 121, fixed
before it was drawn) reads ``rewrite``, ``recast`` and ``restate`` after the meaning filter on
wording no rule was written from: InstructIR's rewrites taken as instructions (one an instance,
sentence starts and "I" capitalised again, as the dataset lowercases them), read once on the
final code; reworded-held-out-2 and -3 (seeds 122 and 123, both fixed before either was drawn)
draw the same way on the code after the guards its three rejections led to, each on instances
no earlier reworded sample used; reworded-held-out-4 and -5 (seeds 124 and 125, both fixed before
either was drawn) once more on the code after the guards and retirements -2 and -3 led to,
``recast`` and ``restate`` only (``rewrite`` applies to 87 reworded instructions, all read);
reworded-held-out-6 and -7 (seeds 126 and 127, both fixed before either was drawn) read the
code after the guards -4 and -5 led to, with no guard between them, -7 on the last unread
instances; reworded-held-out-6-again and -7-again hold every item of those two, read a second time
by other readers who did not see the first judgments (``agree`` compares the two).
passive-check (seed 128, fixed before it was drawn) reads ``recast`` and ``restate`` where the
passive frame, written after every other reading, applies; no instruction is left out, since no
unread one is left. ``DRAW_SEEDS`` and the tables beside it hold every seed."""
_PARAPHRASE_BESIDE = frozenset(
    {
        "negation-held-out-5",
        "negation-held-out-6",
        "negation-held-out-7",
        "restate-held-out",
        "restate-moved-held-out",
    }
)
_NEGATION_ONLY = frozenset(
    name for name, operators in SAMPLES.items() if set(operators) == {"exclusion-clause"}
)
DRAWN_BESIDE = {
    "restate-held-out": frozenset(
        {"negation-held-out-5", "negation-held-out-6", "negation-held-out-7"}
    ),
    "restate-moved-held-out": frozenset(
        {"negation-held-out-5", "negation-held-out-6", "negation-held-out-7"}
    ),
    **dict.fromkeys((f"paraphrase-held-out-{n}" for n in range(6, 10)), _PARAPHRASE_BESIDE),
    **dict.fromkeys(
        (*(f"paraphrase-held-out-{n}" for n in range(33, 37)), "restate-held-out-29"),
        _NEGATION_ONLY,
    ),
    "final-guards-check": frozenset(SAMPLES),
    "passive-check": frozenset(SAMPLES),
}
"""Audits whose instructions a draw does not leave out (and does not, so that drawing again
gives the same sample): those drawn on another branch at the same time, and for
paraphrase-held-out-33 to -36 and restate-held-out-29 the audits of the exclusion clause alone,
whose instructions no paraphrase reading has seen (by paraphrase-held-out-32 every InstructIR
instruction ``rewrite`` applies to was in some earlier sample, and restate-held-out-29 found
only 17 instructions no earlier sample had)."""


def drawn_before(name: str) -> list[str]:
    """The audits whose samples ``name``'s draw leaves out: those before it in SAMPLES that were
    not drawn beside it."""
    before = list(SAMPLES)[: list(SAMPLES).index(name)]
    return [earlier for earlier in before if earlier not in DRAWN_BESIDE.get(name, ())]


def instructions_of(audits: list[str]) -> frozenset[str]:
    """The case ids the samples of ``audits`` hold (an item's id ends with its case's)."""
    return frozenset(
        i["id"].rsplit(":", 1)[1] for name in audits for i in read_jsonl(Audit(name).sample)
    )


STARTER_SHARE = 0.2
AFTER_FILTER = tuple(f"paraphrase-held-out-{n}" for n in range(6, 37))
"""The audits drawn from what the meaning filter keeps (``sample_after_filter``)."""
FILTER_AUDITS = ("filter-held-out", "filter-held-out-2")
"""The audits of the meaning filter itself (``sample_filter_held_out``)."""
FILTER_SCAN = 2500
"""InstructIR instructions whose every paraphrase filter-held-out scores (with every starter
query) to find the strata; the sample is drawn from them."""
SUBSET_SEEDS = range(20)
"""The seeds whose clauses make up held-out-5: the exclusion clause draws its term from the
best three of a case, so twenty seeds make every clause it can make."""
NEGATION_SEED = 21
"""negation-held-out's seed, fixed before it was drawn: its InstructIR draw of exclusion
clauses and the predicate-negation and preference-flip variants it reads on the starter."""
NARROWING_AUDITS = ("subset-development", "held-out-5")
"""The readings of the clause as a narrowing that the minority term choice was developed on."""
DEVELOPMENT_TOPICS = ("health", "finance", "computing")
"""The starter topics whose seed-0 clauses the sub-aspect term choice was developed on."""


def starter_cases() -> tuple[list[Case], CorpusStats]:
    from instructprobe.probes.plan import case_for, corpus_stats
    from instructprobe.suites import load_suite

    suite = load_suite("starter")
    return [case_for(q, suite) for q in suite.queries], corpus_stats(suite)


def draw(
    name: str,
    cases: list[Case],
    stats: CorpusStats,
    wanted: int,
    seed: int,
    skipped: frozenset[str] = frozenset(),
    where: Callable[[Variant], bool] = lambda variant: True,
) -> list[tuple[Case, Variant]]:
    """``wanted`` variants of operator ``name`` that hold ``where``, one per case, from cases in
    a seeded order (leaving out the case ids in ``skipped``)."""
    operator = get_operator(name)
    pool = [case for case in cases if case.id not in skipped]
    order = random.Random(f"{seed}:{name}").sample(pool, len(pool))
    picked: list[tuple[Case, Variant]] = []
    for case in order:
        if len(picked) >= wanted:
            break
        made = [v for v in operator.variants(case, rng_for(seed, name, case.id), stats) if where(v)]
        if made:
            picked.append((case, made[random.Random(f"{seed}:{case.id}").randrange(len(made))]))
    return picked


def record(source: str, case: Case, variant: Variant) -> dict[str, Any]:
    params = dict(variant.params)
    item: dict[str, Any] = {
        "id": f"{source}:{variant.operator}:{case.id}",
        "source": source,
        "operator": variant.operator,
        "family": variant.family.value,
        "form": params.get("level", variant.form),
        "query": case.query,
        "original": case.instruction,
        "variant": variant.request.instruction,
    }
    if variant.family is Family.NEGATION:
        term = params.get("term", "")
        down = sorted(variant.expectation.down)
        item["expected_down"] = {
            "term": term,
            "object": params.get("object", ""),
            "documents": f"{len(down)} of {len(case.relevant)} relevant",
            "snippet": next((snippet(d.text, term) for d in case.relevant if d.id in down), ""),
        }
    return item


def snippet(text: str, term: str, width: int = 200) -> str:
    at = text.lower().find(term[:5].lower())
    start = max(0, at - width // 2)
    return ("…" if start else "") + " ".join(text[start : start + width].split()) + "…"


def meaning_scores(items: list[dict[str, Any]]) -> None:
    from instructprobe.perturb.meaning import MeaningFilter, default_encoder
    from instructprobe.perturb.text import has_negation

    chosen = MeaningFilter(default_encoder())
    paraphrases = [i for i in items if i["family"] == Family.PARAPHRASE.value]
    cosines = chosen.cosines([(i["original"], i["variant"]) for i in paraphrases])
    for item, cosine in zip(paraphrases, cosines, strict=True):
        polarity = has_negation(item["original"]) == has_negation(item["variant"])
        item["filter"] = {
            "cosine": round(cosine, 4),
            "same_polarity": polarity,
            "keeps": cosine >= chosen.threshold and polarity,
        }


def sample(
    audit: Audit,
    seed: int,
    per_operator: dict[str, int],
    skipped: frozenset[str],
    where: Callable[[Variant], bool] = lambda variant: True,
) -> None:
    instructir, instructir_stats, _ = load_cases()
    starter, starter_stats = starter_cases()
    items = []
    for name, wanted in per_operator.items():
        # An operator that applies to few starter cases is topped up from InstructIR.
        share = round(wanted * STARTER_SHARE)
        drawn = draw(name, starter, starter_stats, share, seed, skipped, where)
        items += [record("starter", c, v) for c, v in drawn]
        rest = draw(name, instructir, instructir_stats, wanted - len(drawn), seed, skipped, where)
        items += [record("instructir", c, v) for c, v in rest]
    meaning_scores(items)
    write_sample(audit, items)


@dataclass(frozen=True)
class Audit:
    """One audit's files: the sample, its judgments and the results it scores to."""

    name: str

    @property
    def sample(self) -> Path:
        return AUDIT / f"{self.name}-sample.jsonl"

    @property
    def judgments(self) -> Path:
        return AUDIT / f"{self.name}-judgments.jsonl"

    @property
    def results(self) -> Path:
        return RESULTS / f"perturbation_audit-{self.name}"


def write_sample(
    audit: Audit, items: list[dict[str, Any]], kept: list[dict[str, Any]] | None = None
) -> None:
    """Writes ``audit``'s sample and its judgments: ``kept``, by default those of the items drawn
    word for word again."""
    kept = carried_judgments(audit, items) if kept is None else kept
    AUDIT.mkdir(exist_ok=True)
    write_jsonl(audit.sample, items)
    write_jsonl(audit.judgments, kept)
    print(
        f"{len(items)} items -> {audit.sample.relative_to(ROOT)}; {len(kept)} judgments hold, "
        f"{len(items) - len(kept)} to judge"
    )


def carried_judgments(audit: Audit, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The judgments of the previous sample whose variant is drawn again, word for word (an
    operator that changed makes other text, which must be read again)."""
    if not (audit.sample.exists() and audit.judgments.exists()):
        return []
    before = {i["id"]: i["variant"] for i in read_jsonl(audit.sample)}
    judged = {j["id"]: j for j in read_jsonl(audit.judgments)}
    return [
        judged[i["id"]] for i in items if i["id"] in judged and before.get(i["id"]) == i["variant"]
    ]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.1f}%)" if whole else "–"


def score(audit: Audit) -> None:
    items = {i["id"]: i for i in read_jsonl(audit.sample)}
    judged = {j["id"]: j for j in read_jsonl(audit.judgments)}
    missing = sorted(set(items) - set(judged))
    if missing:
        sys.exit(f"{len(missing)} sampled variants have no judgment, e.g. {missing[0]}")
    groups: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = defaultdict(list)
    for key, item in items.items():
        pair = (item, judged[key])
        groups[item["operator"]].append(pair)
        groups[f"family {item['family']}"].append(pair)
        if not get_operator(item["operator"]).opt_in:
            groups[f"family {item['family']} (default operators)"].append(pair)
    rows = []
    for group, pairs in groups.items():
        accepted = sum(j["accept"] for _, j in pairs)
        kept = [(i, j) for i, j in pairs if i.get("filter", {}).get("keeps", True)]
        rows.append(
            {
                "group": group,
                "judged": len(pairs),
                "accepted": accepted,
                "kept_by_filter": len(kept),
                "accepted_of_kept": sum(j["accept"] for _, j in kept),
                "faults": dict(Counter(j["fault"] for _, j in pairs if j["fault"])),
                "literal": sum(j["accept"] or j["fault"] == "contradiction" for _, j in pairs),
            }
        )
    paraphrases = [(i, judged[k]) for k, i in items.items() if "filter" in i]
    bad = [i for i, j in paraphrases if not j["accept"]]
    good = [i for i, j in paraphrases if j["accept"]]
    quality = {
        "bad": len(bad),
        "bad_dropped": sum(not i["filter"]["keeps"] for i in bad),
        "good": len(good),
        "good_dropped": sum(not i["filter"]["keeps"] for i in good),
    }
    weighted = any("weight" in i for i in items.values())
    if weighted:
        quality |= weighted_quality(bad, good)
        for row in rows:
            row |= weighted_precision(groups[row["group"]])
    lines = [
        "| operator / family | judged | accepted | kept by the meaning filter | accepted of kept "
        "| grammatical and literal | faults |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in sorted(rows, key=lambda r: (r["group"].startswith("family"), r["group"])):
        faults = ", ".join(f"{k} {v}" for k, v in sorted(row["faults"].items()))
        lines.append(
            f"| {row['group']} | {row['judged']} | {share(row['accepted'], row['judged'])} | "
            f"{row['kept_by_filter']} | {share(row['accepted_of_kept'], row['kept_by_filter'])} | "
            f"{share(row['literal'], row['judged'])} | {faults} |"
        )
    lines += [
        "",
        "Grammatical and literal: accepted, or rejected only because the edit contradicts the "
        "searcher's need (an exclusion of the answer or the main topic), which a literal reader "
        "can still follow.",
        "",
        "Meaning filter on the judged paraphrases: drops "
        f"{share(quality['bad_dropped'], quality['bad'])} of the rejected ones and "
        f"{share(quality['good_dropped'], quality['good'])} of the accepted ones.",
    ]
    if weighted:
        lines += weighted_lines(rows, quality)
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    audit.results.with_suffix(".md").write_text(text + "\n", encoding="utf-8")
    audit.results.with_suffix(".json").write_text(
        json.dumps({"rows": rows, "meaning_filter": quality}, indent=2) + "\n", encoding="utf-8"
    )


def sample_after_filter(audit: Audit, seed: int, skipped: frozenset[str]) -> None:
    """Per operator, SAMPLES[audit.name] variants that the default meaning filter keeps (what a
    run uses), one per instruction and no instruction twice in the sample, from the starter
    (STARTER_SHARE of them, as far as it has unused queries) and InstructIR in a seeded order."""
    from instructprobe.perturb.meaning import MeaningFilter, default_encoder

    meaning = MeaningFilter(default_encoder())
    instructir, instructir_stats, _ = load_cases()
    starter, starter_stats = starter_cases()
    used = set(skipped)
    items: list[dict[str, Any]] = []
    for name, wanted in SAMPLES[audit.name].items():
        from_starter = round(wanted * STARTER_SHARE)
        for source, cases, stats, count in (
            ("starter", starter, starter_stats, from_starter),
            ("instructir", instructir, instructir_stats, wanted),
        ):
            taken = sum(1 for i in items if i["operator"] == name)
            kept = kept_draw(name, cases, stats, min(count, wanted - taken), seed, used, meaning)
            items += [
                record(source, c, v) | {"filter": filter_record(dict(v.params), True)}
                for c, v in kept
            ]
            used |= {c.id for c, _ in kept}
        print(f"{name}: {sum(1 for i in items if i['operator'] == name)} kept variants drawn")
    write_sample(audit, items)


def kept_draw(
    name: str,
    cases: list[Case],
    stats: CorpusStats,
    wanted: int,
    seed: int,
    used: set[str],
    meaning: MeaningFilter,
) -> list[tuple[Case, Variant]]:
    """``draw`` of the variants the meaning filter keeps: in the seeded order of the unused
    cases, one kept variant per case (a seeded choice among them) until ``wanted``."""
    operator = get_operator(name)
    order = random.Random(f"{seed}:{name}").sample(cases, len(cases))
    picked: list[tuple[Case, Variant]] = []
    for case in order:
        if len(picked) >= wanted:
            break
        if case.id in used:
            continue
        made = operator.variants(case, rng_for(seed, name, case.id), stats)
        kept = meaning.apply(made, {case.id: case.instruction}).kept if made else ()
        if kept:
            picked.append((case, kept[random.Random(f"{seed}:{case.id}").randrange(len(kept))]))
    return picked


def sample_filter_held_out(audit: Audit, seed: int, skipped: frozenset[str]) -> None:
    """Per operator of FILTER_OPERATORS, SAMPLES[audit.name] variants: up to half from those the
    default meaning filter drops, the rest from those it keeps, at most one per instruction.
    Every variant made on every starter query and FILTER_SCAN InstructIR instructions (seeded
    order, leaving out ``skipped``) is scored; an item's ``weight`` is how many scored variants
    of its operator and stratum it stands for."""
    instructir, instructir_stats, _ = load_cases()
    starter, starter_stats = starter_cases()
    pool = [c for c in instructir if c.id not in skipped]
    scanned = random.Random(f"{seed}:filter-held-out").sample(pool, FILTER_SCAN)
    pools = (("starter", starter, starter_stats), ("instructir", scanned, instructir_stats))
    items = []
    for name, wanted in SAMPLES[audit.name].items():
        strata = filter_strata(name, seed, pools)
        dropped = min(wanted // 2, len(strata["dropped"].items))
        for stratum, count in (("dropped", dropped), ("kept", wanted - dropped)):
            found = strata[stratum]
            chosen = random.Random(f"{seed}:{name}:{stratum}").sample(found.items, count)
            weight = found.variants / count if count else 0.0
            items += [item | {"stratum": stratum, "weight": round(weight, 3)} for item in chosen]
        print(f"{name}: {strata['dropped'].variants} dropped, {strata['kept'].variants} kept")
    write_sample(audit, items)


@dataclass(frozen=True)
class Stratum:
    """The variants of one operator the filter drops (or keeps): how many, and one record per
    instruction (its first such variant) to draw from."""

    variants: int
    items: list[dict[str, Any]]


def filter_strata(
    name: str, seed: int, pools: tuple[tuple[str, list[Case], CorpusStats], ...]
) -> dict[str, Stratum]:
    """Every variant operator ``name`` makes on the pools' cases, split by the default meaning
    filter's verdict, each recorded with the filter's scores."""
    from instructprobe.perturb.meaning import MeaningFilter, default_encoder

    operator = get_operator(name)
    meaning = MeaningFilter(default_encoder())
    counts = {"dropped": 0, "kept": 0}
    firsts: dict[str, dict[str, dict[str, Any]]] = {"dropped": {}, "kept": {}}
    for source, cases, stats in pools:
        made = [
            (case, variant)
            for case in cases
            for variant in operator.variants(case, rng_for(seed, name, case.id), stats)
        ]
        case_of = {c.id: c for c, _ in made}
        filtered = meaning.apply([v for _, v in made], {c.id: c.instruction for c, _ in made})
        for stratum, variants in (("dropped", filtered.dropped), ("kept", filtered.kept)):
            counts[stratum] += len(variants)
            for variant in variants:
                item = record(source, case_of[variant.case_id], variant)
                item["filter"] = filter_record(dict(variant.params), stratum == "kept")
                firsts[stratum].setdefault(item["id"], item)
    return {
        stratum: Stratum(counts[stratum], sorted(firsts[stratum].values(), key=lambda i: i["id"]))
        for stratum in counts
    }


def filter_record(params: dict[str, str], keeps: bool) -> dict[str, Any]:
    return {
        "cosine": round(float(params["cosine"]), 4),
        "same_polarity": params["same_polarity"] == "true",
        "words_vetted": params["words_vetted"],
        "unvetted": params.get("unvetted", ""),
        "grammar": params["grammar"],
        "grammar_faults": params.get("grammar_faults", ""),
        "keeps": keeps,
    }


def weight_share(part: list[dict[str, Any]], whole: list[dict[str, Any]]) -> float | None:
    total = sum(i["weight"] for i in whole)
    return sum(i["weight"] for i in part) / total if total else None


def weighted_quality(bad: list[dict[str, Any]], good: list[dict[str, Any]]) -> dict[str, Any]:
    """The filter's shares with each item weighted by the variants its stratum stands for."""
    return {
        "bad_dropped_weighted": weight_share([i for i in bad if not i["filter"]["keeps"]], bad),
        "good_dropped_weighted": weight_share([i for i in good if not i["filter"]["keeps"]], good),
    }


def weighted_precision(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    """Precision re-weighted to what the generators make, of all and of the filter's kept."""
    every = [i for i, _ in pairs]
    kept = [(i, j) for i, j in pairs if i.get("filter", {}).get("keeps", True)]
    return {
        "accepted_weighted": weight_share([i for i, j in pairs if j["accept"]], every),
        "accepted_of_kept_weighted": weight_share(
            [i for i, j in kept if j["accept"]], [i for i, _ in kept]
        ),
    }


def weighted_lines(rows: list[dict[str, Any]], quality: dict[str, Any]) -> list[str]:
    def cell(value: float | None) -> str:
        return "–" if value is None else f"{100 * value:.1f}%"

    return [
        "",
        "Re-weighted to what the generators make (each item stands for its stratum's variants: "
        "half the sample is drawn from what the filter drops, which is rare):",
        "",
        "| operator / family | accepted | accepted of kept by the meaning filter |",
        "| --- | ---: | ---: |",
        *(
            f"| {row['group']} | {cell(row['accepted_weighted'])} | "
            f"{cell(row['accepted_of_kept_weighted'])} |"
            for row in sorted(rows, key=lambda r: (r["group"].startswith("family"), r["group"]))
        ),
        "",
        f"Meaning filter, re-weighted: drops {cell(quality['bad_dropped_weighted'])} of the "
        f"rejected and {cell(quality['good_dropped_weighted'])} of the accepted.",
    ]


def starter_clauses(
    seeds: range, topics: tuple[str, ...], name: str = "exclusion-clause"
) -> list[tuple[Case, Variant]]:
    """Every distinct variant operator ``name`` (by default the exclusion clause) makes on the
    starter queries of ``topics`` under ``seeds`` (InstructIR gives no clause: one relevant
    passage per instance)."""
    operator = get_operator(name)
    cases, stats = starter_cases()
    found: dict[tuple[str, str], tuple[Case, Variant]] = {}
    for case in cases:
        if not case.id.startswith(topics):
            continue
        for seed in seeds:
            for variant in operator.variants(case, rng_for(seed, operator.name, case.id), stats):
                found.setdefault((case.id, variant.request.instruction), (case, variant))
    return list(found.values())


def clause_record(case: Case, variant: Variant) -> dict[str, Any]:
    """``record`` with the term in the id (a case has several clauses) and every relevant
    document, marked down or staying, which a reader needs to judge a narrowing."""
    item = record("starter", case, variant)
    item["id"] = f"{item['id']}#{dict(variant.params)['term']}"
    item["relevant"] = [
        {"id": d.id, "down": d.id in variant.expectation.down, "text": d.text}
        for d in case.relevant
    ]
    return item


def sample_subset_development(audit: Audit) -> None:
    items = [clause_record(c, v) for c, v in starter_clauses(range(1), DEVELOPMENT_TOPICS)]
    write_sample(audit, items)


def sample_held_out_5(audit: Audit) -> None:
    read = {i["id"] for i in read_jsonl(Audit("subset-development").sample)}
    topics = tuple(sorted({c.id.split("-")[0] for c in starter_cases()[0]}))
    clauses = starter_clauses(SUBSET_SEEDS, topics)
    items = [clause_record(c, v) for c, v in clauses]
    write_sample(audit, [i for i in items if i["id"] not in read])


def sample_negation_development(audit: Audit) -> None:
    """Every clause the final term choice makes on the starter that an earlier narrowing
    reading judged, with that judgment (the same words, read before)."""
    items = [clause_record(c, v) for c, v in starter_clauses(SUBSET_SEEDS, starter_topics())]
    read = [Audit(name) for name in NARROWING_AUDITS]
    kept = [j for earlier in read for j in carried_judgments(earlier, items)]
    judged = {j["id"] for j in kept}
    write_sample(audit, [i for i in items if i["id"] in judged], kept)


def sample_negation_held_out(audit: Audit) -> None:
    """Every clause the final term choice makes on the starter that no earlier reading
    judged word for word, a seeded draw of clauses on InstructIR (none: one relevant passage
    per instance), and every predicate-negation and preference-flip variant on the starter
    (seed 21) that no earlier sample holds word for word."""
    topics = starter_topics()
    clauses = [clause_record(c, v) for c, v in starter_clauses(SUBSET_SEEDS, topics)]
    read = {j["id"] for name in NARROWING_AUDITS for j in carried_judgments(Audit(name), clauses)}
    items = [i for i in clauses if i["id"] not in read]
    instructir, instructir_stats, _ = load_cases()
    drawn = draw("exclusion-clause", instructir, instructir_stats, 60, NEGATION_SEED)
    items += [record("instructir", c, v) for c, v in drawn]
    earlier = drawn_before(audit.name)
    seen = {i["variant"] for name in earlier for i in read_jsonl(Audit(name).sample)}
    for name in ("predicate-negation", "preference-flip"):
        found = starter_clauses(range(NEGATION_SEED, NEGATION_SEED + 1), topics, name)
        items += [clause_record(c, v) for c, v in found if v.request.instruction not in seen]
    write_sample(audit, items)


NEIGHBOURS_SEEDS = {
    "negation-held-out-2": 42,
    "negation-held-out-3": 43,
    "negation-held-out-4": 44,
    "negation-held-out-5": 45,
    "negation-held-out-6": 46,
    "negation-held-out-7": 57,
    "negation-held-out-8": 60,
    "negation-held-out-9": 61,
    "negation-held-out-10": 65,
    "negation-held-out-11": 66,
    "negation-held-out-12": 69,
    "negation-held-out-13": 70,
}
"""The seeds of the readings of the near-miss clause, each fixed before it was drawn."""


def sample_negation_held_out_2(audit: Audit) -> None:
    """A seeded draw of 60 clauses on InstructIR instructions no earlier sample used (each
    from the near misses: one relevant passage per instance) and every clause from the near
    misses on the starter (seeds 0-19) that no earlier sample holds word for word."""
    earlier = drawn_before(audit.name)
    used = set(instructions_of(earlier))
    instructir, instructir_stats, corpus = load_cases()
    seed = NEIGHBOURS_SEEDS[audit.name]
    drawn = draw("exclusion-clause", instructir, instructir_stats, 60, seed, frozenset(used))
    items = [distractor_record("instructir", c, v, corpus) for c, v in drawn]
    texts = {d.id: d.text for d in load_starter_documents()}
    seen = {i["variant"] for name in earlier for i in read_jsonl(Audit(name).sample)}
    for case, variant in starter_clauses(SUBSET_SEEDS, starter_topics()):
        if ("from", "distractors") in variant.params and variant.request.instruction not in seen:
            item = distractor_record("starter", case, variant, texts)
            item["id"] = f"{item['id']}#{dict(variant.params)['term']}"
            items.append(item)
    write_sample(audit, items)


def load_starter_documents() -> tuple[Any, ...]:
    from instructprobe.suites import load_suite

    return load_suite("starter").documents


def distractor_record(
    source: str, case: Case, variant: Variant, corpus: dict[str, str]
) -> dict[str, Any]:
    """``record`` with what a reader needs to judge a clause from the near misses: the
    relevant documents (which must not mention the term) and every document it moves down
    (each must)."""
    item = record(source, case, variant)
    down = sorted(variant.expectation.down)
    item["expected_down"]["documents"] = f"{len(down)} non-relevant"
    item["relevant"] = [{"id": d.id, "text": d.text} for d in case.relevant]
    item["down"] = [{"id": doc, "text": corpus[doc]} for doc in down]
    return item


def starter_topics() -> tuple[str, ...]:
    return tuple(sorted({c.id.split("-")[0] for c in starter_cases()[0]}))


def rewrote(name: str) -> Callable[[Variant], bool]:
    """Whether a variant's rewrites (its ``rewrites`` param) include ``name``."""

    def applied(variant: Variant) -> bool:
        return name in dict(variant.params).get("rewrites", "").split(",")

    return applied


need_moved = rewrote("need-first")


_LAST_GUARDS = re.compile(
    r"\bin search (?:for|of)\b|\bfind out about\b"
    r"|\badditional\s+(?:[\w-]+\s+){0,2}?(?:credit|allowance|deduction|exemption)s?\b",
    re.I,
)
"""Where the guards after round 18 apply (cfdf934): "in search for", "find out about",
"additional" in a credit's name. Written out here rather than taken from the phrase rules, so
that later guards do not change what final-guards-check draws."""


def near_the_last_guards(variant: Variant) -> bool:
    return _LAST_GUARDS.search(variant.request.instruction) is not None


DRAW_SEEDS: dict[str, int] = {
    "development": 0,
    "held-out": 1,
    "held-out-2": 2,
    "held-out-3": 3,
    "held-out-4": 4,
    "recast-held-out": 11,
    "recast-held-out-2": 12,
    "recast-held-out-3": 13,
    "filter-held-out": 41,
    "filter-held-out-2": 64,
    "restate-held-out": 51,
    "restate-moved-held-out": 52,
    "restate-held-out-2": 54,
    "restate-moved-held-out-2": 55,
    "restate-held-out-3": 58,
    "restate-held-out-4": 63,
    "restate-held-out-5": 68,
    "restate-held-out-6": 72,
    "restate-held-out-7": 74,
    **{f"restate-held-out-{n}": 76 + 2 * (n - 8) for n in range(8, 30)},
    "final-guards-check": 119,
    "passive-check": 128,
    **{f"paraphrase-held-out-{n}": 41 + n for n in range(6, 10)},
    "paraphrase-held-out-10": 59,
    "paraphrase-held-out-11": 62,
    "paraphrase-held-out-12": 67,
    "paraphrase-held-out-13": 71,
    **{f"paraphrase-held-out-{n}": 73 + 2 * (n - 14) for n in range(14, 37)},
}
"""The seed each ``sample --name`` draw took, fixed before it was drawn (the audits not named
here keep their seeds in tables of their own or draw no seeded sample): drawing one again with
another seed would overwrite its committed sample with other items."""


SAMPLE_WHERE: dict[str, Callable[[Variant], bool]] = {
    "restate-moved-held-out": need_moved,
    "restate-moved-held-out-2": need_moved,
    "final-guards-check": near_the_last_guards,
    "passive-check": rewrote("passive"),
}
"""Audits that draw only some of an operator's variants."""


SUBSET_AUDITS = {
    "subset-development": sample_subset_development,
    "held-out-5": sample_held_out_5,
    "negation-development": sample_negation_development,
    "negation-held-out": sample_negation_held_out,
    "negation-held-out-2": sample_negation_held_out_2,
    "negation-held-out-3": sample_negation_held_out_2,
    "negation-held-out-4": sample_negation_held_out_2,
    "negation-held-out-5": sample_negation_held_out_2,
    "negation-held-out-6": sample_negation_held_out_2,
    "negation-held-out-7": sample_negation_held_out_2,
    "negation-held-out-8": sample_negation_held_out_2,
    "negation-held-out-9": sample_negation_held_out_2,
    "negation-held-out-10": sample_negation_held_out_2,
    "negation-held-out-11": sample_negation_held_out_2,
    "negation-held-out-12": sample_negation_held_out_2,
    "negation-held-out-13": sample_negation_held_out_2,
}
"""The exclusion clause as a narrowing (a term in some, not all, of a query's relevant
documents): starter queries only, as no InstructIR instance has two relevant passages."""

STARTER_RESULTS = ROOT / "tests" / "data" / "starter.json.gz"
"""The committed results of the README's demo run (BM25 and MiniLM on the starter, seed 0)."""


def sample_starter_defaults(audit: Audit) -> None:
    """Every variant of SAMPLES[audit.name]'s operators in the committed demo run: what a new user
    is shown first, once ``recast`` and ``restate`` ran by default (all of them, no draw)."""
    run = json.loads(gzip.decompress(STARTER_RESULTS.read_bytes()))
    wanted = SAMPLES[audit.name]
    items = [
        {
            "id": f"starter:{v['operator']}:{v['query_id']}",
            "source": "starter",
            "operator": v["operator"],
            "family": v["family"],
            "form": v["form"],
            "query": v["query"],
            "original": v["original_instruction"],
            "variant": v["instruction"],
            "filter": filter_record(v["params"], v["params"].get("meaning_filter") == "pass"),
        }
        for v in run["variants"]
        if v["operator"] in wanted
    ]
    write_sample(audit, items)


REWRITES_SEED = 120
"""instructir-rewrites-1 to -3's seed, fixed before they were drawn."""
REWRITE_AUDITS = ("instructir-rewrites-1", "instructir-rewrites-2", "instructir-rewrites-3")
READ_AGAIN = {
    **{f"{name}-again": (name, 2) for name in REWRITE_AUDITS},
    "reworded-held-out-6-again": ("reworded-held-out-6", 1),
    "reworded-held-out-7-again": ("reworded-held-out-7", 1),
    "starter-defaults-again": ("starter-defaults", 1),
}
"""Second readings, blind to the first: each its first reading's every n-th item (the InstructIR
rewrites every other one, the final code's reworded readings every one)."""


REWORDED_SEED = 121
"""reworded-held-out's seed, fixed before it was drawn; it also picks each instance's rewrite for
every reworded sample."""
REWORDED_SEEDS = {
    "reworded-held-out": 121,
    "reworded-held-out-2": 122,
    "reworded-held-out-3": 123,
    "reworded-held-out-4": 124,
    "reworded-held-out-5": 125,
    "reworded-held-out-6": 126,
    "reworded-held-out-7": 127,
}
"""Each reworded sample's seed, fixed before it was drawn."""
_SENTENCE_START = re.compile(r"(^|(\S*)[.!?][\"')]?\s+)([a-z])")
_PRONOUN_I = re.compile(r"(?<![\w'’.-])i(?=(?:['’](?:m|ve|d|ll))?(?![\w.'’-]))")
_NOT_AN_END = re.compile(r"(?:.*\W)?(?:[a-z]|st|mt|ft|dr|mr|mrs|ms|vs|e\.g|i\.e|u\.s)", re.DOTALL)
"""What a period after it ends no sentence: an initial or an abbreviation ("st. cloud")."""


def truecased(text: str) -> str:
    """``text`` with its sentences' first letters and the pronoun "I" capitalised (names stay as
    written)."""

    def start(match: re.Match[str]) -> str:
        before, letter = match.group(1), match.group(3)
        ends = match.group(2) is None or not _NOT_AN_END.fullmatch(match.group(2))
        return before + (letter.upper() if ends or not before else letter)

    return _PRONOUN_I.sub("I", _SENTENCE_START.sub(start, text))


def reworded_cases() -> tuple[list[Case], CorpusStats]:
    """One of InstructIR's rewrites of each prompt-sensitivity instance (seeded), truecased, as
    the instruction of a case with the instance's query and relevant passage."""
    from perturbation_coverage import DATA

    instructir, stats, _ = load_cases()
    relevant = {case.id: case.relevant for case in instructir}
    rows: dict[str, list[dict[str, str]]] = defaultdict(list)
    path = DATA / "INSTRUCTIR" / "analysis_prompt_sensitivity" / "5new_queries.jsonl"
    for row in read_jsonl(path):
        rows[row["_id"].rpartition(".")[0]].append(row)
    cases = []
    for instance, rewrites in sorted(rows.items()):
        row = rewrites[random.Random(f"{REWORDED_SEED}:{instance}").randrange(len(rewrites))]
        instruction, _, query = row["text"].partition(" [SEP] ")
        cases.append(Case(row["_id"], query, truecased(instruction), relevant[instance]))
    return cases, stats


def sample_reworded(audit: Audit) -> None:
    """Per operator, SAMPLES[audit.name] variants the default meaning filter keeps, of
    ``reworded_cases``, no instruction twice in the sample nor in an earlier reworded sample."""
    from instructprobe.perturb.meaning import MeaningFilter, default_encoder

    meaning = MeaningFilter(default_encoder())
    cases, stats = reworded_cases()
    earlier = list(REWORDED_SEEDS)[: list(REWORDED_SEEDS).index(audit.name)]
    used = set(instructions_of(earlier))
    items: list[dict[str, Any]] = []
    for name, wanted in SAMPLES[audit.name].items():
        seed = REWORDED_SEEDS[audit.name]
        kept = kept_draw(name, cases, stats, wanted, seed, used, meaning)
        items += [
            record("instructir-reworded", c, v) | {"filter": filter_record(dict(v.params), True)}
            for c, v in kept
        ]
        used |= {c.id for c, _ in kept}
        print(f"{name}: {len(kept)} kept variants drawn")
    write_sample(audit, items)


def sample_instructir_rewrites(audit: Audit) -> None:
    """One of InstructIR's own rewrites (drawn, seeded) of each instance in this audit's third of
    the instances paraphrase_strength.py runs, the instances in a seeded order."""
    from paraphrase_strength import STRENGTH_INSTANCES, suite_with_rewrites

    from instructprobe.probes.plan import case_for, corpus_stats

    suite = suite_with_rewrites(STRENGTH_INSTANCES)
    stats = corpus_stats(suite)
    cases = [case_for(query, suite) for query in suite.queries]
    order = random.Random(f"{REWRITES_SEED}:rewrites").sample(cases, len(cases))
    size = len(order) // len(REWRITE_AUDITS)
    start = REWRITE_AUDITS.index(audit.name) * size
    operator = get_operator("curated-paraphrase")
    items = []
    for case in order[start : start + size]:
        rewrites = operator.variants(case, rng_for(REWRITES_SEED, operator.name, case.id), stats)
        chosen = rewrites[random.Random(f"{REWRITES_SEED}:{case.id}").randrange(len(rewrites))]
        items.append(record("instructir", case, chosen))
    write_sample(audit, items)


NOT_BLIND = frozenset({"instructir:curated-paraphrase:1070412_9"})
"""Second readings whose reader saw the first judgment before deciding (a search of the
calibration files matched it; the reason says so), left out of every agreement."""


def read_twice(again: Audit) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The first and the second judgment of each item of a second, blind reading (a READ_AGAIN
    audit), those in NOT_BLIND left out."""
    first = {j["id"]: j for j in read_jsonl(Audit(READ_AGAIN[again.name][0]).judgments)}
    second = read_jsonl(again.judgments)
    return [(first[j["id"]], j) for j in second if j["id"] not in NOT_BLIND]


def agreement(verdicts: list[tuple[bool, bool]]) -> dict[str, float | None]:
    """How often two readings' verdicts agree, Cohen's kappa (None where it is undefined: both
    readings gave one verdict to every item) and how often each, and both, accepted."""
    n = len(verdicts)
    agreed = sum(a == b for a, b in verdicts) / n
    first = sum(a for a, _ in verdicts) / n
    again = sum(b for _, b in verdicts) / n
    chance = first * again + (1 - first) * (1 - again)
    return {
        "items": n,
        "agreed": agreed,
        "kappa": (agreed - chance) / (1 - chance) if chance < 1 else None,
        "first_accepted": first,
        "again_accepted": again,
        "both_accepted": sum(a and b for a, b in verdicts) / n,
    }


def agree(again: Audit) -> None:
    """How a second, blind reading compares with the first: agreement, Cohen's kappa, and every
    item the two readers judged apart."""
    pairs = read_twice(again)
    found = agreement([(a["accept"], b["accept"]) for a, b in pairs])
    kappa = "undefined" if found["kappa"] is None else f"{found['kappa']:.2f}"
    print(
        f"{found['items']} items: the first reading accepted {found['first_accepted']:.1%}, the "
        f"second {found['again_accepted']:.1%}; they agree on {found['agreed']:.1%} "
        f"(Cohen's kappa {kappa})"
    )
    for a, b in pairs:
        if a["accept"] != b["accept"]:
            print(
                f"- {a['id']}: first {a['accept']} ({a['reason']}); second {b['accept']} "
                f"({b['reason']})"
            )


def recheck_near_misses() -> None:
    """Which clauses of the near-miss readings today's rules still make (the term among
    ``distractor_terms`` of its case): those a rule removed, by the reader's verdict, those
    made with the term in another case than the reader saw (another clause), and the
    rejected ones still made word for word."""
    from instructprobe.perturb.distractors import distractor_terms
    from instructprobe.perturb.negation import written_form

    instructir, instructir_stats, _ = load_cases()
    starter, starter_stats = starter_cases()
    pools = {
        "instructir": ({c.id: c for c in instructir}, instructir_stats),
        "starter": ({c.id: c for c in starter}, starter_stats),
    }
    lines = [
        "| audit | judged | accepted | rejected, no longer made | accepted, no longer made "
        "| rejected, now in another case | accepted, now in another case "
        "| rejected, still made |"
    ]
    lines.append("| --- | ---: | ---: | --- | --- | --- | --- | --- |")
    for name in NEIGHBOURS_SEEDS:
        audit = Audit(name)
        judged = {j["id"]: j["accept"] for j in read_jsonl(audit.judgments)}
        found: dict[str, list[str]] = defaultdict(list)
        for item in read_jsonl(audit.sample):
            cases, stats = pools[item["source"]]
            case = cases[item["id"].split(":", 2)[2].split("#")[0]]
            term = item["expected_down"]["term"]
            made = {d.term: d for d in distractor_terms(case, stats)}.get(term)
            verdict = "accepted" if judged[item["id"]] else "rejected"
            named = f"{item['id'].rsplit(':', 1)[1]} ({term})"
            if made is None:
                found[f"{verdict}, gone"].append(named)
                continue
            read, now = clause_term(item["variant"]), written_form(term, made.texts)
            if read != now:
                found[f"{verdict}, recased"].append(f"{named}: {read} -> {now}")
            elif verdict == "rejected":
                found["rejected, kept"].append(named)
        columns = ("rejected, gone", "accepted, gone", "rejected, recased", "accepted, recased")
        cells = (", ".join(found[column]) or "–" for column in (*columns, "rejected, kept"))
        accepted = sum(judged.values())
        lines.append(f"| {name} | {len(judged)} | {accepted} | {' | '.join(cells)} |")
    text = "\n".join(lines)
    print(text)
    (RESULTS / "perturbation_audit-near-miss-recheck.md").write_text(text + "\n", encoding="utf-8")


_CLAUSE_TERM = re.compile(r'Do not include documents that mention "([^"]+)"\.$')


def clause_term(instruction: str) -> str:
    """The term as the clause at the end of ``instruction`` writes it."""
    found = _CLAUSE_TERM.search(instruction)
    if found is None:
        raise ValueError(f"no exclusion clause ends {instruction!r}")
    return found.group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("sample", "score", "recheck", "agree"))
    parser.add_argument(
        "--seed", type=int, default=None, help="must be the audit's own, DRAW_SEEDS (optional)"
    )
    parser.add_argument(
        "--name",
        default="development",
        choices=tuple(SAMPLES),
        help="the audit; its draw seed is fixed (DRAW_SEEDS, NEIGHBOURS_SEEDS, REWORDED_SEEDS, "
        "REWRITES_SEED, NEGATION_SEED, SUBSET_SEEDS), and the module's docstrings say what "
        "each one reads",
    )
    args = parser.parse_args()
    audit = Audit(args.name)
    seed = DRAW_SEEDS.get(args.name, 0)
    if args.seed is not None and args.seed != seed:
        parser.error(f"{args.name} was drawn with seed {seed}, not {args.seed}")
    if args.command == "recheck":
        recheck_near_misses()
    elif args.command == "agree":
        agree(audit)
    elif args.command == "sample" and args.name in REWRITE_AUDITS:
        sample_instructir_rewrites(audit)
    elif args.command == "sample" and args.name in REWORDED_SEEDS:
        sample_reworded(audit)
    elif args.command == "sample" and args.name in READ_AGAIN:
        name, stride = READ_AGAIN[args.name]
        write_sample(audit, read_jsonl(Audit(name).sample)[::stride])
    elif args.command == "sample" and args.name == "starter-defaults":
        sample_starter_defaults(audit)
    elif args.command == "sample" and args.name in SUBSET_AUDITS:
        SUBSET_AUDITS[args.name](audit)
    elif args.command == "sample":
        # A held-out sample shares no instruction with the samples drawn before it.
        earlier = drawn_before(args.name)
        skipped = instructions_of(earlier)
        if args.name in FILTER_AUDITS:
            sample_filter_held_out(audit, seed, skipped)
        elif args.name in AFTER_FILTER:
            sample_after_filter(audit, seed, skipped)
        else:
            where = SAMPLE_WHERE.get(args.name, lambda variant: True)
            sample(audit, seed, SAMPLES[args.name], skipped, where)
    else:
        score(audit)


if __name__ == "__main__":
    main()
