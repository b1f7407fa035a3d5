import dataclasses
import re
from pathlib import Path

import pytest

from instructprobe.app.gates import (
    Bound,
    Equivalent,
    GateError,
    GateFailure,
    NotWorse,
    VerdictIs,
    check,
    evaluate,
)
from instructprobe.app.gates.config import load
from instructprobe.perturb import Family
from instructprobe.probes.compare import compare
from instructprobe.probes.measures import PMRR
from instructprobe.probes.request import RunRequest
from instructprobe.probes.results import Stratum, Verdict

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "release-gates.toml"


def by_subject(checks):
    return {c.subject: c for c in checks}


def test_bound_on_negation_fails_bm25_with_numbers_and_strata(small_result):
    rule = Bound("curated", "p-MRR", statistic="ci_low", at_least=0.0)
    checks = by_subject(evaluate(small_result, [rule]))
    bm25 = checks["bm25 · curated · p-MRR"]
    cell = next(
        c
        for c in small_result.cells
        if (c.retriever, c.family, c.metric) == ("bm25", Family.CURATED, PMRR())
    )
    assert not bm25.passed
    assert bm25.outcome == f"ci_low {cell.ci_low:+.4g}, needs ≥ 0"
    assert f"Δ {cell.delta:+.4g}" in bm25.numbers
    assert bm25.strata and all(re.match(r"\w+=\S+: Δ -", s) for s in bm25.strata[:5])
    with pytest.raises(GateFailure) as failure:
        check(small_result, rule)
    message = str(failure.value)
    assert "FAIL  curated p-MRR ci_low ≥ 0 [bm25 · curated · p-MRR]" in message
    assert "strata that fail too" in message
    assert isinstance(failure.value, AssertionError)


def test_bound_passes_when_the_numbers_do(small_result):
    cell = next(
        c
        for c in small_result.cells
        if (c.retriever, c.family) == ("minilm", Family.CURATED) and c.decides
    )
    rule = Bound("curated", statistic="delta", at_least=cell.delta - 0.01, retrievers=("minilm",))
    (only,) = check(small_result, rule)
    assert only.passed and only.subject == "minilm · curated · p-MRR" and only.strata == ()


def test_equivalence_needs_the_whole_ci_inside_the_margin(small_result):
    for cell in (c for c in small_result.cells if c.family is Family.PARAPHRASE and c.decides):
        wide = max(abs(cell.ci_low), abs(cell.ci_high)) + 1e-6
        (inside,) = evaluate(
            small_result, [Equivalent("paraphrase", margin=wide, retrievers=(cell.retriever,))]
        )
        (outside,) = evaluate(
            small_result,
            [Equivalent("paraphrase", margin=wide - 2e-6, retrievers=(cell.retriever,))],
        )
        assert inside.passed and not outside.passed


def _shown(outcome, name):
    return float(re.search(rf"{name} ([-+]?[\d.e+-]+)", outcome).group(1))


def _side(value, limit):
    return (value > limit) - (value < limit)


@pytest.mark.parametrize("step", [0.0, 1e-9, -1e-9, 2e-5, -2e-5])
def test_a_bound_never_prints_its_number_on_the_other_side_of_the_threshold(small_result, step):
    cell = next(
        c for c in small_result.cells if (c.retriever, c.family) == ("bm25", Family.CURATED)
    )
    limit = cell.ci_low + step
    for rule, passes in (
        (Bound("curated", at_least=limit, retrievers=("bm25",)), cell.ci_low >= limit),
        (Bound("curated", at_most=limit, retrievers=("bm25",)), cell.ci_low <= limit),
    ):
        (only,) = evaluate(small_result, [rule])
        assert only.passed is passes
        shown = _shown(only.outcome, "ci_low")
        assert _side(shown, limit) == _side(cell.ci_low, limit), only.outcome
        assert only.outcome.endswith(repr(limit)) or only.outcome.endswith(f"{limit:g}")
        assert float(only.outcome.split()[-1]) == limit


def test_bound_rounded_to_its_shown_number_fails_with_a_number_below_it(small_result):
    cell = next(
        c for c in small_result.cells if (c.retriever, c.family) == ("bm25", Family.CURATED)
    )
    shown_before = float(f"{cell.ci_low:.4g}")
    assert shown_before > cell.ci_low  # the threshold a user copies from the report
    (only,) = evaluate(
        small_result, [Bound("curated", at_least=shown_before, retrievers=("bm25",))]
    )
    assert not only.passed
    assert _shown(only.outcome, "ci_low") < shown_before, only.outcome


@pytest.mark.parametrize("step", [0.0, 1e-9, -1e-9])
def test_equivalence_prints_its_ci_on_the_side_of_the_margin_it_is(small_result, step):
    for cell in (c for c in small_result.cells if c.family is Family.PARAPHRASE and c.decides):
        margin = max(abs(cell.ci_low), abs(cell.ci_high)) + step
        rule = Equivalent("paraphrase", margin=margin, retrievers=(cell.retriever,))
        (only,) = evaluate(small_result, [rule])
        low, high = (float(x) for x in re.search(r"\[(\S+), (\S+)\]", only.outcome).groups())
        assert only.passed is (-margin < low <= high < margin), only.outcome
        assert float(only.outcome.split("±")[1]) == margin


def test_verdict_rule_follows_the_runs_verdicts(small_result):
    checks = evaluate(small_result, [VerdictIs("curated", allowed=("holds", "inconclusive"))])
    verdicts = small_result.verdicts()
    for c in checks:
        retriever = c.subject.split(" · ")[0]
        assert c.passed == (verdicts[retriever, Family.CURATED].verdict is not Verdict.BREAKS)


def test_a_sensitive_verdict_gate_lists_only_strata_that_rise(small_result):
    cell = small_result.verdicts()["bm25", Family.KEYWORDS]
    made = [
        Stratum(
            "bm25", Family.KEYWORDS, cell.metric, "form", level, 20, delta, -1, 1, 0.001, 0.01, True
        )
        for level, delta in (("drop", -0.3), ("rise", 0.2))
    ]
    result = dataclasses.replace(small_result, strata=(*small_result.strata, *made))
    (failed,) = evaluate(result, [VerdictIs("keywords", allowed=("holds",), retrievers=("bm25",))])
    assert not failed.passed
    assert [s.split(":")[0] for s in failed.strata] == ["form=rise"]


def test_not_worse_than_itself_passes_and_than_a_better_model_fails(
    small_result, bm25_only, minilm_only
):
    assert all(c.passed for c in check(small_result, NotWorse("*", baseline=small_result)))
    checks = evaluate(bm25_only, [NotWorse("*", baseline=minilm_only, pairs=(("minilm", "bm25"),))])
    failed = {c.subject.split(" · ")[1] for c in checks if not c.passed}
    assert "curated" in failed
    curated = next(c for c in checks if " · curated · " in c.subject)
    assert "worse" in curated.outcome and dict(curated.properties)["change"].startswith("-")


def test_not_worse_prints_its_p_on_the_side_of_alpha_that_made_the_call(bm25_only, minilm_only):
    pairs = (("minilm", "bm25"),)
    rounded = {
        change.family.value: change.p_adjusted
        for change in compare(minilm_only, bm25_only, pairs).changes
        if 0.001 <= change.p_adjusted < 0.99
        and float(f"{change.p_adjusted:.3f}") != change.p_adjusted
    }
    assert {"negation", "curated"} <= set(rounded)  # 0.0039 and 0.0153 in the committed run
    for family, p in rounded.items():
        # an alpha between the p and the number the report prints for it
        alpha = max(p, float(f"{p:.3f}"))
        rule = NotWorse(family, baseline=minilm_only, pairs=pairs, alpha=alpha)
        (check_,) = evaluate(bm25_only, [rule])
        printed = float(re.search(r"adjusted p (\S+):", check_.outcome).group(1))
        worse = check_.outcome.endswith(": worse")
        assert worse is (p < alpha) and check_.passed is not worse
        assert (printed < alpha) is worse, check_.outcome


def test_not_worse_reads_a_baseline_file(small_result, results_file):
    checks = check(small_result, NotWorse("curated", baseline=str(results_file)))
    assert len(checks) == 2 and all(c.passed for c in checks)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (Bound("nonsense", at_least=0.0), "the run has no family 'nonsense'"),
        (Bound("curated", "MAP", at_least=0.0), "curated has no metric 'AP' (it has p-MRR,"),
        (Bound("curated", "nDCG at 10", at_least=0.0), "unknown measure 'nDCG at 10'"),
        (Bound("curated", "ndcg@10", at_least=0.0), "bm25 · curated · nDCG@10"),
        (Bound("curated", retrievers=("colbert",), at_least=0.0), "no retriever colbert"),
        (NotWorse("*", baseline="/nonexistent/base.json"), "no such results file"),
    ],
)
def test_gates_that_cannot_be_evaluated_say_why(small_result, rule, message):
    if message.startswith("bm25"):  # a measure's name is read as ``parse`` reads it
        assert message in {c.subject for c in evaluate(small_result, [rule])}
        return
    with pytest.raises(GateError, match=re.escape(message)):
        evaluate(small_result, [rule])


def test_bad_rules_are_refused_when_made():
    with pytest.raises(GateError, match="unknown statistic 'cilow'"):
        Bound("curated", statistic="cilow", at_least=0.0)
    with pytest.raises(GateError, match="give at_least, at_most or both"):
        Bound("curated")
    with pytest.raises(GateError, match="margin must be > 0"):
        Equivalent("paraphrase", margin=0.0)
    with pytest.raises(GateError, match="unknown verdict follows"):
        VerdictIs("curated", allowed=("follows",))


def test_the_example_release_gate_fails_bm25_on_negation(small_result):
    gates = load(EXAMPLE)
    assert gates.run == RunRequest(retrievers="bm25,minilm", suite="starter", resamples=2000)
    assert gates.run == small_result.request, "the example names the committed starter run"
    checks = evaluate(small_result, gates.rules)
    (curated,) = [c for c in checks if c.subject == "bm25 · curated · p-MRR"]
    assert not curated.passed and curated.gate == "changes and negations are followed"
    assert "strata that fail too" in curated.report()
    invariants = [c for c in checks if c.gate == "invariant families do not break"]
    assert len(invariants) == 6
    keywords = by_subject(c for c in checks if c.gate.startswith("instructions are read beyond"))
    verdicts = small_result.verdicts()
    assert set(keywords) == {"bm25 · keywords · nDCG@10", "minilm · keywords · nDCG@10"}
    for subject, check_ in keywords.items():
        retriever = subject.split(" · ")[0]
        assert check_.passed == (verdicts[retriever, Family.KEYWORDS].verdict is not Verdict.BREAKS)
    assert len(checks) == 6 + 2 + 2 + 2 + 2


def test_a_gate_on_generated_negations_is_an_error_where_the_run_has_none(small_result):
    """A run whose suite gave the exclusion clause nothing to name has no 'negation' family, so
    a gate on it cannot pass unnoticed; the suite's own negations are 'curated', which is what
    the example gates."""
    import dataclasses

    assert Family.NEGATION in {c.family for c in small_result.cells}
    cells = tuple(c for c in small_result.cells if c.family is not Family.NEGATION)
    without = dataclasses.replace(small_result, cells=cells)
    with pytest.raises(GateError, match="the run has no family 'negation'"):
        evaluate(without, [Bound("negation", "p-MRR", at_least=0.0)])
    families = {rule.family for rule in load(EXAMPLE).rules}
    assert Family.CURATED.value in families and Family.NEGATION.value not in families


CONFIG_ERRORS = [
    ("", "give either a [run] table or results"),
    ("[run]\n", "no rules: add at least one [[gate]] table"),
    (
        "results='x.json'\n[run]\nsuite='starter'\n[[gate]]\nrule='verdict'\nfamily='curated'\nis='holds'",
        "give either a [run] table or results",
    ),
    (
        "[run]\nretriever=['bm25']\n[[gate]]\nrule='verdict'\nfamily='curated'\nis='holds'",
        "[run]: unknown setting 'retriever' (known: 'retrievers', 'suite', 'instruction',",
    ),
    (
        "[run]\nlimit=0\n[[gate]]\nrule='verdict'\nfamily='curated'\nis='holds'",
        "[run]: 'limit': must be an integer ≥ 1, got 0",
    ),
    (
        "[run]\nalpha=5\n[[gate]]\nrule='verdict'\nfamily='curated'\nis='holds'",
        "[run]: 'alpha': must be a number between 0 and 1 (exclusive), got 5",
    ),
    (
        "[run]\nfamilies=['CURATEDS_KEEP']\n[[gate]]\nrule='verdict'\nfamily='curated'\nis='holds'",
        "[run]: 'families': unknown perturbation family 'CURATEDS_KEEP' (choose from paraphrase,",
    ),
    ("[run]\n[[gate]]\nrule='bounds'\nfamily='curated'", "[[gate]] 1: unknown rule 'bounds'"),
    ("[run]\n[[gate]]\nrule='bound'\nfamily='curated'\nat_lest=0", "unknown key 'at_lest'"),
    (
        "[run]\n[[gate]]\nrule='bound'\nfamily='curated'",
        "a bound needs 'at_least', 'at_most' or both",
    ),
    (
        "[run]\n[[gate]]\nrule='bound'\nfamily='curated'\nat_least='0'",
        "'at_least' must be a finite number, got '0'",
    ),
    (
        "[run]\n[[gate]]\nname='n'\nrule='equivalent'\nfamily='paraphrase'",
        "[[gate]] 1 ('n'): 'margin' is required",
    ),
    ("[run]\n[[gate]]\nrule='verdict'\nfamily='curated'", "exactly one of 'is' and 'is_not'"),
    ("[run]\n[[gate]]\nrule='verdict'\nfamily='curated'\nis='great'", "unknown verdict 'great'"),
    (
        "[run]\n[[gate]]\nrule='verdict'\nfamily='curated'\nis='holds'\nmetric='p-MRR'",
        "takes no 'metric'",
    ),
    ("[run]\n[[gate]]\nrule='not-worse'", "'baseline' is required"),
    (
        "[run]\n[[gate]]\nrule='not-worse'\nbaseline='b.json'\npairs=['a']",
        "'pairs' must be a table",
    ),
    ("[run\n", "not valid TOML"),
    ("a = " + "[" * 100_000, "not valid TOML (nested too deep)"),
]


@pytest.mark.parametrize(("text", "message"), CONFIG_ERRORS)
def test_every_setting_is_checked_with_a_one_line_message(tmp_path, text, message):
    path = tmp_path / "gates.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GateError) as error:
        load(path)
    assert message in str(error.value)
    assert str(error.value).startswith(str(path))
    assert "\n" not in str(error.value)


def test_paths_in_a_gates_file_are_relative_to_it(tmp_path):
    path = tmp_path / "sub" / "gates.toml"
    path.parent.mkdir()
    path.write_text(
        "results = 'run.json'\n[[gate]]\nrule='not-worse'\nbaseline='../base.json'\n",
        encoding="utf-8",
    )
    gates = load(path)
    assert gates.results == path.parent / "run.json"
    (rule,) = gates.rules
    assert rule.baseline == path.parent / "../base.json"
    assert rule.family == "*"


def test_a_list_of_families_makes_one_rule_each(tmp_path):
    path = tmp_path / "gates.toml"
    path.write_text(
        "[run]\nlimit = 5\n[[gate]]\nrule='verdict'\nfamily=['paraphrase', 'reorder']\n"
        "is_not='breaks'\n",
        encoding="utf-8",
    )
    gates = load(path)
    assert [r.family for r in gates.rules] == ["paraphrase", "reorder"]
    assert all(r.allowed == ("holds", "inconclusive") for r in gates.rules)
    assert gates.run == RunRequest(limit=5)
