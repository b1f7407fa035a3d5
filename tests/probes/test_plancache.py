import dataclasses
import gzip
import hashlib
import json
import re
import sys
import warnings

import pytest

import instructprobe.probes.plancache as plancache
import instructprobe.probes.planstream as planstream
from instructprobe.core.errors import CacheError
from instructprobe.core.notices import CacheWarning
from instructprobe.perturb import Family
from instructprobe.perturb.generative import ENVIRONMENT_VARIABLE
from instructprobe.perturb.meaning import MeaningFilter, SentenceEncoder
from instructprobe.probes.plan import plan
from instructprobe.probes.plancache import (
    PlanCache,
    cached_plan,
    code_fingerprint,
    meaning_identity,
    plan_key,
)

FAMILIES = (Family.PARAPHRASE, Family.CURATED, Family.REORDER)


@pytest.fixture(scope="module")
def small(starter):
    return starter.limited(4)


def _no_generation(*args, **kwargs):
    raise AssertionError("the plan should have come from the cache")


def made_plan(cache, suite, families=FAMILIES, meaning=None):
    """The plan ``cached_plan`` gives, read whole."""
    return cached_plan(cache, suite, families, 0, meaning).whole()


def test_a_stored_plan_is_read_back_equal_without_generating(small, tmp_path, monkeypatch):
    cache = PlanCache(tmp_path)
    made = made_plan(cache, small)
    assert made == plan(small, FAMILIES, 0, None)
    assert len(cache.files()) == 1
    monkeypatch.setattr(plancache, "write_plan", _no_generation)
    assert made_plan(cache, small) == made


def test_a_stored_plan_is_whole_as_soon_as_another_run_can_find_it(small, tmp_path):
    """The plan was renamed into the cache with its last bytes (the gzip stream's end) still
    in this process's buffer, until it first read the plan back: a run started meanwhile on
    the same cache found it cut, warned that it was damaged and made it again, and a run
    killed meanwhile left it cut."""
    planned = cached_plan(PlanCache(tmp_path), small, FAMILIES, 0, None)
    key = plan_key(small, FAMILIES, 0, None)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        found = PlanCache(tmp_path).load(key, small)  # another run, before this one reads it
    assert found is not None and found.whole() == planned.whole()


def test_a_plan_is_written_and_read_a_case_at_a_time(small, tmp_path):
    planned = cached_plan(PlanCache(tmp_path), small, FAMILIES, 0, None)
    whole = plan(small, FAMILIES, 0, None)
    each = list(planned.each_planned())
    assert [p.case for p in each] == list(whole.cases)
    assert [p.case.id for p in each] == [q.id for q in small.queries]
    assert all(v.case_id == p.case.id for p in each for v in p.variants)
    assert planned.variant_count == len(whole.variants) > 0
    assert list(planned.each_planned()) == each, "read again, the same"
    lines = stored_plan(PlanCache(tmp_path))[1]
    assert lines[0] == {"format": plancache.FORMAT} and lines[-1]["end"] is True
    assert len(lines) == len(small.queries) + 2


def test_filtered_plans_keep_their_dropped_variants_and_scores(small, minilm, tmp_path):
    meaning = MeaningFilter(
        SentenceEncoder(minilm.model, "all-MiniLM-L6-v2"), threshold=0.99, cosine_judges_vetted=True
    )
    cache = PlanCache(tmp_path)
    made = made_plan(cache, small, (Family.PARAPHRASE,), meaning)
    assert made.dropped
    assert made == plan(small, (Family.PARAPHRASE,), 0, meaning), "as when made whole"
    assert made_plan(cache, small, (Family.PARAPHRASE,), meaning) == made


def test_everything_a_plan_depends_on_changes_its_key(small, starter):
    key = plan_key(small, FAMILIES, 0, None)
    assert key == plan_key(small, FAMILIES, 0, None)
    others = {
        plan_key(small, FAMILIES, 1, None),
        plan_key(small, FAMILIES[:2], 0, None),
        plan_key(starter.limited(5), FAMILIES, 0, None),
        plan_key(dataclasses.replace(small, sha256="0" * 64), FAMILIES, 0, None),
        plan_key(small, FAMILIES, 0, "all-MiniLM-L6-v2|sha256:x|0.85|paraphrase|"),
    }
    assert key not in others and len(others) == 5


PLUGIN_OPERATOR = """
from instructprobe.perturb import Family, Request, Variant
from instructprobe.perturb.base import Operator
from instructprobe.perturb.model import Expectation


class Shout(Operator):
    name = "shout"
    family = Family.CONTROL
    summary = "the instruction in capitals"

    def variants(self, case, rng, stats):
        edited = case.instruction.{method}()
        if edited == case.instruction:
            return ()
        request = Request(case.query, edited, case.order)
        expected = Expectation.invariant()
        return (Variant(case.id, self.family, self.name, "shout", request, expected),)
"""


@pytest.fixture
def install_operator(tmp_path, monkeypatch):
    """``install_operator(method)``: a third-party operator, installed under the entry-point
    group, that makes its one variant with ``str.<method>``."""
    import importlib

    from instructprobe.perturb import registry

    site = tmp_path / "site"
    dist = site / "shout_plugin-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: shout-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        f"[{registry.ENTRY_POINT_GROUP}]\nshout = shout_plugin:Shout\n"
    )

    def install(method):
        (site / "shout_plugin.py").write_text(PLUGIN_OPERATOR.format(method=method))
        if str(site) not in sys.path:
            monkeypatch.syspath_prepend(str(site))
        sys.modules.pop("shout_plugin", None)
        importlib.invalidate_caches()
        registry._targets.cache_clear()

    yield install
    sys.modules.pop("shout_plugin", None)
    monkeypatch.undo()
    registry._targets.cache_clear()


def test_a_third_party_operator_and_its_code_are_in_the_key(small, tmp_path, install_operator):
    """An operator from an entry point runs by default: installing it, or editing it, changes
    the plan, so the plan made before must not be served."""
    families = (Family.CONTROL,)
    cache = PlanCache(tmp_path / "cache")
    without = made_plan(cache, small, families)
    install_operator("upper")
    upper = made_plan(cache, small, families)
    assert upper == plan(small, families, 0, None) != without
    assert any(v.operator == "shout" for v in upper.variants)
    install_operator("swapcase")
    swapped = made_plan(cache, small, families)
    assert swapped == plan(small, families, 0, None) != upper
    assert len(cache.files()) == 3


def test_a_suite_changed_in_memory_gets_its_own_plan(small, tmp_path):
    """A task-wide instruction or a suite changed with replace() keeps the file's hash and the
    query ids: the plan of the suite as it was must not be served for it."""
    bare = dataclasses.replace(
        small, queries=tuple(dataclasses.replace(q, instruction="") for q in small.queries)
    )
    suites = [bare.instructed("Find passages."), bare.instructed("Find documents."), small]
    suites.append(
        dataclasses.replace(
            small,
            queries=tuple(
                dataclasses.replace(q, instruction=q.instruction + " Thanks!")
                for q in small.queries
            ),
        )
    )
    assert {s.sha256 for s in suites} == {small.sha256}
    assert len({plan_key(s, FAMILIES, 0, None) for s in suites}) == 4
    cache = PlanCache(tmp_path)
    for suite in suites:
        made = made_plan(cache, suite)
        assert made == plan(suite, FAMILIES, 0, None)
    assert all(c.instruction.endswith(" Thanks!") for c in made.cases)
    assert len(cache.files()) == 4


def test_the_model_paraphrasers_model_is_in_the_key(small, monkeypatch):
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)
    keys = [plan_key(small, FAMILIES, 0, None)]
    for model in ("/models/a.gguf", "/models/b"):
        monkeypatch.setenv(ENVIRONMENT_VARIABLE, model)
        keys.append(plan_key(small, FAMILIES, 0, None))
    assert len(set(keys)) == 3


def test_a_suite_without_a_file_hash_is_never_cached(small, tmp_path):
    in_memory = dataclasses.replace(small, sha256="")
    assert plan_key(in_memory, FAMILIES, 0, None) is None
    cached_plan(PlanCache(tmp_path), in_memory, FAMILIES, 0, None)
    assert PlanCache(tmp_path).files() == []


def test_the_meaning_filter_identity_names_its_threshold_and_scope(minilm):
    encoder = SentenceEncoder(minilm.model, "all-MiniLM-L6-v2")
    assert meaning_identity(None) is None
    loose = meaning_identity(MeaningFilter(encoder, threshold=0.8))
    assert loose != meaning_identity(MeaningFilter(encoder, threshold=0.85))
    assert "0.8" in str(loose) and "paraphrase" in str(loose)


def test_editing_any_generating_file_changes_the_fingerprint(tmp_path):
    (tmp_path / "perturb").mkdir()
    (tmp_path / "perturb" / "ops.py").write_text("RULES = 1\n")
    (tmp_path / "plan.py").write_text("x = 1\n")
    paths = (tmp_path / "perturb", tmp_path / "plan.py")
    before = code_fingerprint(paths)
    (tmp_path / "perturb" / "ops.py").write_text("RULES = 2\n")
    edited = code_fingerprint(paths)
    assert edited != before
    (tmp_path / "perturb" / "__pycache__").mkdir()
    (tmp_path / "perturb" / "__pycache__" / "ops.cpython-311.pyc").write_bytes(b"compiled")
    assert code_fingerprint(paths) == edited


def test_a_plan_made_with_other_wordnet_files_is_made_again(small, tmp_path, monkeypatch):
    wordnet = tmp_path / "wordnet"
    wordnet.mkdir()
    (wordnet / "data.noun").write_text("one\n")
    monkeypatch.setattr(plancache, "_wordnet_used", lambda: str(wordnet))
    cache = PlanCache(tmp_path / "cache")
    made_plan(cache, small)
    key = plan_key(small, FAMILIES, 0, None)
    assert key is not None and cache.load(key, small) is not None
    (wordnet / "data.noun").write_text("one\ntwo\n")
    assert cache.load(key, small) is None


def test_a_plan_made_without_wordnet_is_not_kept(small, tmp_path, monkeypatch):
    monkeypatch.setattr(plancache, "_wordnet_used", lambda: False)
    cached_plan(PlanCache(tmp_path), small, FAMILIES, 0, None)
    assert PlanCache(tmp_path).files() == []


def stored_plan(cache):
    """The stored plan's path and its lines' objects."""
    (path,) = cache.files()
    return path, [json.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines()]


def store(path, lines, *, checksum=True):
    """Write ``lines`` as a plan; with ``checksum``, one that matches them (a deliberate edit)."""
    if checksum:
        digest = hashlib.sha256()
        for line in lines[:-1]:
            digest.update(planstream._encoded(line))
        lines = [*lines[:-1], {**lines[-1], "checksum": planstream._checksum(digest, lines[-1])}]
    path.write_bytes(gzip.compress(b"".join(planstream._encoded(line) for line in lines)))


def test_a_plan_of_an_earlier_format_is_a_silent_miss_and_is_replaced(small, tmp_path):
    cache = PlanCache(tmp_path)
    made = made_plan(cache, small)
    path, _ = stored_plan(cache)
    store(path, [{"format": 2}], checksum=False)
    key = plan_key(small, FAMILIES, 0, None)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        assert key is not None and cache.load(key, small) is None
    assert made_plan(cache, small) == made
    assert cache.load(key, small).whole() == made


def cut(data):
    return data[: len(data) // 2]


def flip_a_byte(data):
    return data[:40] + bytes([data[40] ^ 0xFF]) + data[41:]


@pytest.mark.parametrize("damage", [cut, flip_a_byte, lambda data: b"not gzip"])
def test_a_damaged_file_is_made_again_with_a_warning(small, tmp_path, damage):
    cache = PlanCache(tmp_path)
    made = made_plan(cache, small)
    path, _ = stored_plan(cache)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.warns(CacheWarning, match=r"plan cache: .* is damaged \(unreadable"):
        assert made_plan(cache, small) == made
    assert cache.load(plan_key(small, FAMILIES, 0, None), small).whole() == made, "stored again"


def drop_the_last_line(lines):
    return lines[:-1]


def drop_a_case(lines):
    return [*lines[:2], *lines[3:]]


@pytest.mark.parametrize(
    ("cut_lines", "checksum", "problem"),
    [
        (drop_the_last_line, False, "it ends before its last line"),
        (drop_a_case, False, "its checksum does not match"),
        (drop_a_case, True, "where the suite has another"),
    ],
)
def test_a_plan_cut_at_a_line_is_made_again(small, tmp_path, cut_lines, checksum, problem):
    """A half-written stream (whole lines, well compressed) is still found out and remade."""
    cache = PlanCache(tmp_path)
    made = made_plan(cache, small)
    path, lines = stored_plan(cache)
    store(path, cut_lines(lines), checksum=checksum)
    with pytest.warns(CacheWarning, match=re.escape(problem)):
        assert made_plan(cache, small) == made
    assert cache.load(plan_key(small, FAMILIES, 0, None), small).whole() == made, "stored again"


def first_variant(lines):
    return next(v for line in lines[1:-1] for v in line["variants"])


def edit_an_instruction(lines):
    first_variant(lines)["request"][1] = "Show me anything at all."


def name_an_unknown_query(lines):
    first_variant(lines)["case"] = "no-such-query"


def name_an_unknown_document(lines):
    variants = (v for line in lines[1:-1] for v in line["variants"])
    directional = next(v for v in variants if v["expectation"][0] == "directional")
    directional["expectation"][1] = ["no-such-document"]


def give_a_wrong_type(lines):
    first_variant(lines)["form"] = 7


@pytest.mark.parametrize(
    ("edit", "checksum", "problem"),
    [
        (edit_an_instruction, False, "its checksum does not match"),
        (name_an_unknown_query, False, "its checksum does not match"),
        (name_an_unknown_query, True, "names query 'no-such-query'"),
        (name_an_unknown_document, True, "names document 'no-such-document'"),
        (give_a_wrong_type, True, "a text field holds int"),
    ],
)
def test_an_edited_plan_is_never_used(small, tmp_path, edit, checksum, problem):
    cache = PlanCache(tmp_path)
    made = made_plan(cache, small)
    path, lines = stored_plan(cache)
    edit(lines)  # the stored checksum kept, or one made for the edited content
    store(path, lines, checksum=checksum)
    with pytest.warns(CacheWarning, match=re.escape(problem)):
        assert made_plan(cache, small) == made


def test_clear_removes_the_plans_and_says_how_much(small, tmp_path):
    cache = PlanCache(tmp_path)
    cached_plan(cache, small, FAMILIES, 0, None)
    size = cache.files()[0].stat().st_size
    assert cache.clear() == size
    assert cache.files() == []


def test_clear_removes_what_a_killed_run_left_of_a_plan(small, tmp_path):
    """A run killed while it made a plan (where files cannot be made without a name) leaves
    its temporary file; clearing the cache kept it."""
    cache = PlanCache(tmp_path)
    cached_plan(cache, small, FAMILIES, 0, None)
    stored = cache.files()[0]
    left = stored.with_name(f".{stored.name}.k1ll3d.tmp")
    left.write_bytes(b"\x1f\x8b cut")
    size = stored.stat().st_size + left.stat().st_size
    assert cache.clear() == size
    assert list(cache.folder.iterdir()) == []


def test_a_cache_folder_that_cannot_be_written_is_a_warning_and_plans_are_made(small, tmp_path):
    (tmp_path / "plans").write_text("a file where the plans folder should be")
    with pytest.warns(CacheWarning, match=r"plan cache .* cannot be written .*not stored"):
        made = made_plan(PlanCache(tmp_path), small)
    assert made == plan(small, FAMILIES, 0, None)


def test_a_read_only_cache_folder_is_still_read(small, tmp_path, read_only, monkeypatch):
    made = made_plan(PlanCache(tmp_path / "cache"), small)
    folder = read_only(tmp_path / "cache")
    monkeypatch.setattr(plancache, "write_plan", _no_generation)
    assert made_plan(PlanCache(folder), small) == made
    with pytest.raises(CacheError, match=r"cannot remove .*read-only"):
        PlanCache(folder).clear()


class NamedEncoder:
    """An encoder that is never asked to encode: the identity reads only its name."""

    name = "named"

    def encode(self, texts):
        raise AssertionError("the identity encodes nothing")


def test_the_meaning_identity_says_whether_words_are_vetted():
    encoder = NamedEncoder()
    vetting = meaning_identity(MeaningFilter(encoder))
    assert vetting != meaning_identity(MeaningFilter(encoder, vet_words=False))
    assert vetting != meaning_identity(MeaningFilter(encoder, words_free=frozenset()))
    assert vetting != meaning_identity(MeaningFilter(encoder, cosine_judges_vetted=True))
