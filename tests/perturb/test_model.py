import pytest

from instructprobe.perturb import Expectation, ExpectationKind, Family, Request, Variant


def test_directional_expectation_must_name_documents():
    with pytest.raises(ValueError, match="must name documents"):
        Expectation.directional()


def test_invariant_expectation_names_no_documents():
    with pytest.raises(ValueError, match="names no documents"):
        Expectation(ExpectationKind.INVARIANT, down=frozenset({"d1"}))


def test_judge_drops_down_documents_and_raises_up_documents():
    expectation = Expectation.directional(down=frozenset({"a"}), up=frozenset({"c"}))
    assert expectation.judge({"a": 2, "b": 1}) == {"a": 0, "b": 1, "c": 1}


def test_each_family_promises_its_kind_of_expectation():
    assert Family.PARAPHRASE.expectation_kind is ExpectationKind.INVARIANT
    assert Family.REORDER.expectation_kind is ExpectationKind.INVARIANT
    assert Family.NEGATION.expectation_kind is ExpectationKind.DIRECTIONAL
    assert Family.STRIP.expectation_kind is ExpectationKind.RELIANCE
    assert Family.KEYWORDS.expectation_kind is ExpectationKind.SENSITIVE
    assert Family.CONTROL.expectation_kind is ExpectationKind.INVARIANT
    assert Family.CURATED.expectation_kind is ExpectationKind.DIRECTIONAL
    assert Family.CURATED_PARAPHRASE.expectation_kind is ExpectationKind.INVARIANT
    assert [f.value for f in Family] == [
        "paraphrase",
        "negation",
        "reorder",
        "strip",
        "keywords",
        "control",
        "curated",
        "curated-paraphrase",
    ]


def test_sensitive_expectation_names_no_documents():
    assert Expectation.sensitive().kind is ExpectationKind.SENSITIVE
    with pytest.raises(ValueError, match="a sensitive expectation names no documents"):
        Expectation(ExpectationKind.SENSITIVE, down=frozenset({"d1"}))


def test_variant_id_changes_with_the_edited_request():
    def variant(instruction: str) -> Variant:
        return Variant(
            "q1", Family.PARAPHRASE, "op", "f", Request("q", instruction), Expectation.invariant()
        )

    assert variant("a").id == variant("a").id
    assert variant("a").id != variant("b").id
    assert variant("a").id.startswith("q1/op/f/")
