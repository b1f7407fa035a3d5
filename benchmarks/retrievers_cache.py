"""MiniLM on the starter suite: encode time with a cold and a warm embedding cache, and the
cache's size on disk.

    .venv/bin/python benchmarks/retrievers_cache.py

Cold: an empty cache, the model loaded beforehand (its load time is reported apart). Warm: a new
retriever object on the same cache, as a second run in a new process would have; the model is
never loaded because every text is found. Query texts are every rendered request of the
starter plan (originals and all perturbation families, seed 0).
"""

from __future__ import annotations

import os
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main() -> None:
    from instructprobe.perturb import Family
    from instructprobe.probes.plan import plan
    from instructprobe.retrievers import EncoderSettings, resolve
    from instructprobe.retrievers.cache import DOCUMENT, QUERY, EmbeddingCache
    from instructprobe.suites import load_suite

    suite = load_suite("starter")
    planned = plan(suite, tuple(Family), seed=0, meaning=None)
    docs = [d.text for d in suite.documents]
    with tempfile.TemporaryDirectory() as folder:
        settings = EncoderSettings(cache_dir=folder)
        cold = resolve("minilm", settings)
        queries = sorted(
            {cold.template.render(c.request) for c in planned.cases}
            | {cold.template.render(v.request) for v in planned.variants}
        )
        start = time.perf_counter()
        cold.model  # noqa: B018 (load the model outside the timings)
        load = time.perf_counter() - start
        timings = {}
        warm = resolve("minilm", settings)
        for label, retriever in (("cold", cold), ("warm", warm)):
            start = time.perf_counter()
            retriever.embed(docs, DOCUMENT)
            corpus = time.perf_counter() - start
            start = time.perf_counter()
            retriever.embed(queries, QUERY)
            timings[label] = (corpus, time.perf_counter() - start)
            loaded = retriever._model is not None
            print(
                f"{label}: corpus {len(set(docs))} texts {corpus:.2f} s, "
                f"queries {len(queries)} texts {timings[label][1]:.2f} s, model loaded: {loaded}"
            )
        for retriever in (cold, warm):  # closing checkpoints SQLite's write-ahead log
            if retriever.cache is not None:
                retriever.cache.close()
        info = EmbeddingCache(folder).info()
        print(f"model load (not in the timings): {load:.2f} s")
        print(
            f"cache: {info.entries} entries, {info.size_bytes / 2**20:.2f} MiB on disk "
            f"({info.size_bytes / max(info.entries, 1):.0f} bytes per entry; "
            f"384 float32 = 1536 bytes of vector)"
        )
        cold_total, warm_total = sum(timings["cold"]), sum(timings["warm"])
        print(
            f"total: cold {cold_total:.2f} s, warm {warm_total:.2f} s "
            f"({cold_total / warm_total:.0f}x)"
        )


if __name__ == "__main__":
    main()
