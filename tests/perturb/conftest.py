"""Fixtures of the perturbation tests."""

import pytest


@pytest.fixture(scope="module")
def lexicon():
    """WordNet's lexicon; the test is skipped, saying so, where WordNet is not installed."""
    from instructprobe.perturb.lexicon import wordnet_lexicon

    found = wordnet_lexicon()
    if found is None:
        pytest.skip("WordNet is not installed ('probe setup')")
    return found
