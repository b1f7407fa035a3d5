import pytest

from instructprobe.perturb.lexicon import _irregular_verbs, wordnet_lexicon


def test_irregular_verbs_come_from_wordnets_verb_exceptions():
    lexicon = wordnet_lexicon()
    if lexicon is None:
        pytest.skip("WordNet is not installed ('probe setup')")
    irregular = _irregular_verbs(lexicon._wn)
    assert {"go", "run", "take", "be"} <= irregular  # went, ran, took, was
    assert "walk" not in irregular, "no form of walk is an exception"
