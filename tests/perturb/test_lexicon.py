import warnings

import pytest


def test_the_fast_index_load_reads_what_nltks_own_reader_reads():
    """english_reader replaces nltk's private index parser; nltk's stays the reference."""
    nltk = pytest.importorskip("nltk")
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    from instructprobe.perturb.lexicon import english_reader

    found = nltk.data.find("corpora/wordnet")

    class NltkReader(WordNetCorpusReader):
        def map_wn(self, version="wordnet"):
            return None

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = english_reader()(found, None), NltkReader(found, None)
    assert dict(ours._lemma_pos_offset_map) == dict(theirs._lemma_pos_offset_map)
    assert len(ours._lemma_pos_offset_map) > 100_000
    assert [s.name() for s in ours.synsets("bank")] == [s.name() for s in theirs.synsets("bank")]
