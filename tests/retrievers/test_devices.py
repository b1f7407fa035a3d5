import pytest
import torch

from retrievers import RetrieverError
from retrievers.devices import dtype_name, resolve_device, resolve_dtype

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
    assert dtype_name(resolve_dtype("bfloat16", "cpu")) == "bfloat16"
    with pytest.raises(RetrieverError, match="unknown precision"):
        resolve_dtype("fp8", "cpu")


@pytest.mark.skipif(not HAS_CUDA, reason="needs a CUDA GPU")
def test_auto_precision_on_cuda():
    assert resolve_dtype("auto", "cuda") is torch.float16
    expected = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    assert resolve_dtype("auto", "cuda", prefer_bfloat16=True) is expected


def test_loading_keywords_leave_float32_to_the_default():
    from retrievers.devices import dtype_kwargs

    assert dtype_kwargs(torch.float32) == {}
    assert dtype_kwargs(torch.float16) == {"dtype": torch.float16}  # transformers >= 4.56 here
