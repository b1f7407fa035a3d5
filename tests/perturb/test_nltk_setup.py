from pathlib import Path

import pytest

from instructprobe.perturb.nltk_setup import (
    LEXNAMES,
    WordNetSetupError,
    install_from_debian,
    lexnames_text,
)

DEBIAN_WORDNET = Path("/usr/share/wordnet")


def test_lexnames_has_the_45_lexicographer_files_of_the_manual_page():
    lines = lexnames_text().splitlines()
    assert len(lines) == len(LEXNAMES) == 45
    assert lines[0] == "00\tadj.all\t3"
    assert lines[3] == "03\tnoun.Tops\t1"
    assert lines[29] == "29\tverb.body\t2"
    assert lines[44] == "44\tadj.ppl\t3"


def test_missing_source_says_which_packages_to_install(tmp_path):
    with pytest.raises(WordNetSetupError, match="wordnet-base"):
        install_from_debian(tmp_path / "nothing", tmp_path / "nltk_data")


@pytest.mark.filterwarnings("ignore:The multilingual functions:UserWarning")
@pytest.mark.skipif(not DEBIAN_WORDNET.is_dir(), reason="Debian wordnet-base is not installed")
def test_debian_wordnet_copied_into_a_fresh_folder_is_readable_by_nltk(tmp_path, monkeypatch):
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])

    corpus = install_from_debian(DEBIAN_WORDNET, tmp_path)
    assert not any(p.is_symlink() for p in corpus.iterdir()), "files are copied, not linked"
    reader = WordNetCorpusReader(str(corpus), None)
    assert "car" in {lemma.name() for lemma in reader.synset("automobile.n.01").lemmas()}
    assert reader.synset("run.v.01").lexname() == "verb.motion"
