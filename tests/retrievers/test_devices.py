import sys

import pytest
import torch

from instructprobe.retrievers import RetrieverError
from instructprobe.retrievers.devices import (
    resolve_device,
    resolve_dtype,
    resolve_precision,
    run_precision,
)

HAS_CUDA = torch.cuda.is_available()


def test_auto_picks_what_torch_can_see():
    expected = "cuda" if HAS_CUDA else "mps" if torch.backends.mps.is_available() else "cpu"
    assert resolve_device(None) == expected
    assert resolve_device("auto") == expected
    assert resolve_device(" CPU ") == "cpu"


def test_unknown_devices_are_one_line_errors():
    with pytest.raises(RetrieverError, match="unknown device 'tpu'"):
        resolve_device("tpu")


@pytest.mark.skipif(HAS_CUDA, reason="needs a machine without CUDA")
def test_asking_for_cuda_without_it_names_the_fix():
    with pytest.raises(RetrieverError, match="sees no CUDA device; use --device cpu"):
        resolve_device("cuda")
    with pytest.raises(RetrieverError, match="no CUDA device"):
        resolve_device("cuda:1")


def test_auto_precision_is_half_on_a_gpu_only():
    assert resolve_dtype("auto", "cpu") is torch.float32
    assert resolve_dtype("auto", "mps") is torch.float32
    assert resolve_dtype("float16", "cpu") is torch.float16
    assert resolve_precision("bfloat16", "cpu") == "bfloat16"
    with pytest.raises(RetrieverError, match="unknown precision"):
        resolve_dtype("fp8", "cpu")


@pytest.mark.skipif(not HAS_CUDA, reason="needs a CUDA GPU")
def test_auto_precision_on_cuda():
    assert resolve_dtype("auto", "cuda") is torch.float16
    expected = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    assert resolve_dtype("auto", "cuda", prefer_bfloat16=True) is expected


def test_loading_keywords_name_every_dtype():
    from instructprobe.retrievers.devices import dtype_kwargs

    # transformers >= 4.56 here; float32 named too, or a half-precision checkpoint stays half
    assert dtype_kwargs(torch.float32) == {"dtype": torch.float32}
    assert dtype_kwargs(torch.float16) == {"dtype": torch.float16}


CPU_ONLY_BUILD = (
    torch.version.cuda is None and torch.version.hip is None and sys.platform != "darwin"
)


def test_the_build_flags_read_without_torch_agree_with_torch():
    from instructprobe.retrievers.devices import _cpu_only_torch

    assert _cpu_only_torch() is CPU_ONLY_BUILD


def test_run_precision_names_what_the_model_will_load_in():
    assert run_precision("cpu", "auto") == "float32"
    assert run_precision(None, "float16") == "float16"
    assert run_precision("cpu", "auto", prefer_bfloat16=True) == "float32", "bf16 is for GPUs"
    for precision in ("float32", "float16", "bfloat16"):
        loaded = resolve_dtype(precision, "cpu")
        assert run_precision("cpu", precision) == str(loaded).removeprefix("torch.")


@pytest.mark.skipif(not CPU_ONLY_BUILD, reason="needs torch built without a GPU back-end")
def test_a_cache_key_on_a_cpu_build_does_not_import_torch(fresh_python):
    """A warm run reads every embedding from the cache; importing torch would cost seconds."""
    script = (
        "import sys\n"
        "from instructprobe.retrievers.devices import run_precision\n"
        "assert run_precision('auto', 'auto') == 'float32'\n"
        "assert run_precision('cpu', 'auto') == 'float32'\n"
        "print('torch' in sys.modules)\n"
    )
    assert fresh_python(script) == "False"
