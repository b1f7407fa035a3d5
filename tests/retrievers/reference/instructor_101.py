"""InstructorEmbedding 1.0.1, the reference: build a tiny INSTRUCTOR checkpoint and embed pairs.

Run by tests/retrievers/test_instructor_reference.py with the Python of a separate environment
(InstructorEmbedding 1.0.1 needs sentence-transformers 2.2.2 and transformers < 4.40):

    python3 -m venv /tmp/instructor-ref
    /tmp/instructor-ref/bin/pip install torch==2.13.0 InstructorEmbedding==1.0.1 \
        sentence-transformers==2.2.2 'transformers<4.40' 'huggingface_hub<0.26'

``python instructor_101.py FOLDER`` writes the checkpoint to FOLDER (a random T5 encoder built
from a config, a unigram tokenizer whose pieces start with "▁" so that spaces change the
tokens, mean pooling, a Dense projection and a Normalize module), then reads a JSON list of
[instruction, text] pairs on stdin and writes the package's embeddings, a JSON list, to
FOLDER/reference.json.
"""

import json
import string
import sys
from pathlib import Path

WORDS = [
    "represent",
    "the",
    "question",
    "for",
    "retrieving",
    "supporting",
    "documents",
    "document",
    "retrieval",
    "what",
    "do",
    "cats",
    "eat",
    "only",
    "about",
    "kittens",
    "are",
    "relevant",
    "need",
    "three",
    "meals",
    "a",
    "day",
    "household",
    "pets",
    "stock",
    "markets",
    "fell",
    "cats:",
    "dogs:",
    "search",
]


def save_tokenizer(folder: Path) -> int:
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    pieces = ["<pad>", "</s>", "<unk>", "▁"]
    pieces += ["▁" + w for w in dict.fromkeys(WORDS)]
    pieces += list(string.ascii_lowercase + string.digits + string.punctuation)
    pieces += ["▁" + c for c in string.ascii_lowercase + string.punctuation]
    vocab = [(p, 0.0 if i < 3 else -1.0 - 0.01 * i) for i, p in enumerate(dict.fromkeys(pieces))]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=2))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", 1)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
        model_input_names=["input_ids", "attention_mask"],
    )
    fast.save_pretrained(str(folder))
    return len(vocab)


def build(folder: Path) -> None:
    import torch
    from transformers import T5Config, T5EncoderModel

    folder.mkdir(parents=True, exist_ok=True)
    size = save_tokenizer(folder)
    torch.manual_seed(0)
    config = T5Config(
        vocab_size=size, d_model=16, d_kv=8, d_ff=32, num_layers=2, num_heads=2, pad_token_id=0
    )
    T5EncoderModel(config).save_pretrained(str(folder))
    (folder / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": 64, "do_lower_case": False})
    )
    kinds = ("Transformer", "Pooling", "Dense", "Normalize")
    paths = ("", "1_Pooling", "2_Dense", "3_Normalize")
    modules = [
        {"idx": i, "name": str(i), "path": p, "type": f"sentence_transformers.models.{k}"}
        for i, (k, p) in enumerate(zip(kinds, paths, strict=True))
    ]
    (folder / "modules.json").write_text(json.dumps(modules))
    for sub in paths[1:]:
        (folder / sub).mkdir(exist_ok=True)
    pooling = {
        "word_embedding_dimension": 16,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    }
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    dense = {
        "in_features": 16,
        "out_features": 12,
        "bias": False,
        "activation_function": "torch.nn.modules.linear.Identity",
    }
    (folder / "2_Dense" / "config.json").write_text(json.dumps(dense))
    torch.save({"linear.weight": torch.randn(12, 16)}, folder / "2_Dense" / "pytorch_model.bin")


def main() -> None:
    folder = Path(sys.argv[1])
    build(folder)
    pairs = json.loads(sys.stdin.read())
    from InstructorEmbedding import INSTRUCTOR

    model = INSTRUCTOR(str(folder), device="cpu")
    vectors = model.encode([list(p) for p in pairs], batch_size=4, convert_to_numpy=True)
    rows = [[float(x) for x in row] for row in vectors]
    (folder / "reference.json").write_text(json.dumps(rows))  # the package prints to stdout


if __name__ == "__main__":
    main()
