"""Per-variant outcomes on disk: written batch by batch as a run measures them, read back batch
by batch by the reports, so neither holds a run's variants in memory.

The file is Parquet (pyarrow is already a dependency; columnar, typed, compressed, and read a
row group at a time or a few columns at a time): one row per (retriever, variant), retriever by
retriever in run order, variants in plan order within each. A row holds the variant's record
and its outcome for that retriever, so a data frame of the file needs no join. Undefined values
are null, as in JSON."""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

from instructprobe.core.errors import ResultsError
from instructprobe.perturb.model import ExpectationKind, Family, Order
from instructprobe.probes.measures import parse
from instructprobe.probes.results import Outcome, VariantRecord

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]

BATCH_ROWS = 4096
"""Rows per batch read back (a report's memory is O(batch), not O(run))."""
VARIANT_COLUMNS = (
    "variant_id",
    "query_id",
    "family",
    "operator",
    "form",
    "query",
    "original_instruction",
    "instruction",
    "order",
    "expectation",
    "down",
    "up",
    "strength",
    "params",
)
OUTCOME_COLUMNS = ("retriever", "variant_id", "values", "ranks")


def schema() -> pa.Schema:
    import pyarrow as pa

    text = pa.string()
    texts = pa.list_(pa.field("item", text, nullable=False))
    ranks = pa.list_(pa.field("item", pa.int64(), nullable=False), 2)
    columns = [
        ("retriever", text),
        *((name, text) for name in VARIANT_COLUMNS[:10]),
        ("down", texts),
        ("up", texts),
        ("strength", pa.float64()),
        ("params", pa.map_(text, text)),
        ("values", pa.map_(text, pa.float64())),  # a measure undefined for the variant: null
        ("ranks", pa.map_(text, ranks)),
    ]
    return pa.schema([pa.field(name, kind, nullable=False) for name, kind in columns])


class OutcomeWriter:
    """Appends (variant, outcome) rows to a Parquet file, one row group per ``write``."""

    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        self.path = path
        self.rows = 0
        self._schema = schema()
        self._writer = pq.ParquetWriter(path, self._schema, compression="zstd")

    def write(self, rows: Sequence[tuple[VariantRecord, Outcome]]) -> None:
        import pyarrow as pa

        if not rows:
            return
        columns: dict[str, list[Any]] = {name: [] for name in self._schema.names}
        for variant, outcome in rows:
            for name, value in _row(variant, outcome).items():
                columns[name].append(value)
        self._writer.write_table(pa.Table.from_pydict(columns, schema=self._schema))
        self.rows += len(rows)

    def close(self) -> None:
        self._writer.close()


def _row(variant: VariantRecord, outcome: Outcome) -> dict[str, Any]:
    return {
        "retriever": outcome.retriever,
        "variant_id": variant.id,
        "query_id": variant.query_id,
        "family": variant.family.value,
        "operator": variant.operator,
        "form": variant.form,
        "query": variant.query,
        "original_instruction": variant.original_instruction,
        "instruction": variant.instruction,
        "order": variant.order.value,
        "expectation": variant.expectation.value,
        "down": list(variant.down),
        "up": list(variant.up),
        "strength": float(variant.strength),
        "params": list(variant.params.items()),
        "values": [(k, _finite(v)) for k, v in outcome.values.items()],
        "ranks": [(doc, [int(r[0]), int(r[1])]) for doc, r in outcome.ranks.items()],
    }


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


@dataclass(frozen=True)
class StoredOutcomes:
    """A Parquet file of outcomes: ``rows`` rows, the first ``variants`` of them (the first
    retriever's) holding each variant once."""

    path: Path
    rows: int
    variants: int

    def batches(self, columns: Sequence[str]) -> Iterator[list[dict[str, Any]]]:
        import pyarrow.parquet as pq

        with pq.ParquetFile(self.path) as file:
            for batch in file.iter_batches(batch_size=BATCH_ROWS, columns=list(columns)):
                yield batch.to_pylist()

    def variant_records(self) -> Iterator[VariantRecord]:
        left = self.variants
        for batch in self.batches(VARIANT_COLUMNS):
            for row in batch[:left]:
                yield _variant(row)
            left -= min(left, len(batch))
            if not left:
                return

    def outcomes(self) -> Iterator[Outcome]:
        for batch in self.batches(OUTCOME_COLUMNS):
            yield from map(_outcome, batch)

    def pairs(self) -> Iterator[tuple[VariantRecord, Outcome]]:
        """Each row as the variant and that retriever's outcome of it."""
        for batch in self.batches((*VARIANT_COLUMNS, *OUTCOME_COLUMNS[:1], *OUTCOME_COLUMNS[2:])):
            for row in batch:
                yield _variant(row), _outcome(row)

    def sha256(self) -> str:
        return file_sha256(self.path)


def _variant(row: dict[str, Any]) -> VariantRecord:
    return VariantRecord(
        id=row["variant_id"],
        query_id=row["query_id"],
        family=Family(row["family"]),
        operator=row["operator"],
        form=row["form"],
        query=row["query"],
        original_instruction=row["original_instruction"],
        instruction=row["instruction"],
        order=Order(row["order"]),
        expectation=ExpectationKind(row["expectation"]),
        down=tuple(row["down"]),
        up=tuple(row["up"]),
        strength=row["strength"],
        params=dict(row["params"]),
    )


def _outcome(row: dict[str, Any]) -> Outcome:
    return Outcome(
        row["retriever"],
        row["variant_id"],
        dict(row["values"]),
        {doc: (r[0], r[1]) for doc, r in row["ranks"]},
    )


T = TypeVar("T")


class _Lazy(Sequence[T]):
    """A sequence read from the file each time it is walked; indexing reads it whole."""

    def __init__(self, store: StoredOutcomes, count: int) -> None:
        self.store, self._count = store, count

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...
    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        return tuple(self)[index]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]


class StoredVariants(_Lazy[VariantRecord]):
    def __init__(self, store: StoredOutcomes) -> None:
        super().__init__(store, store.variants)

    def __iter__(self) -> Iterator[VariantRecord]:
        return self.store.variant_records()


class StoredOutcomeList(_Lazy[Outcome]):
    def __init__(self, store: StoredOutcomes) -> None:
        super().__init__(store, store.rows)

    def __iter__(self) -> Iterator[Outcome]:
        return self.store.outcomes()


def temporary_file() -> Path:
    """Where a run streams its outcomes: a file in a folder of its own in the temporary folder
    (``$TMPDIR``), which ``keep_until_collected`` removes."""
    return Path(tempfile.mkdtemp(prefix="instructprobe-outcomes-")) / "outcomes.parquet"


def keep_until_collected(store: StoredOutcomes) -> StoredOutcomes:
    """Remove a temporary store's folder once nothing holds the store (or at exit)."""
    weakref.finalize(store, shutil.rmtree, store.path.parent, True)
    return store


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def staged_copy(source: Path, target: Path) -> Path:
    """``source``'s content in a temporary file beside ``target``, to be renamed over it: a
    hard link when both are on one file system, else a copy."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        try:
            os.link(source, temporary)
        except OSError:
            shutil.copyfile(source, temporary)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def open_stored(path: Path, rows: int, variants: int, sha256: str) -> StoredOutcomes:
    """The outcomes file a results summary names, checked: its hash, shape and values."""
    where = f"{path}"
    if not path.is_file():
        raise ResultsError(f"{where}: the outcomes file the results name is missing")
    if file_sha256(path) != sha256:
        raise ResultsError(f"{where}: the outcomes file is not the one the results name (sha256)")
    store = StoredOutcomes(path, rows, variants)
    _check(store, where)
    return store


def _check(store: StoredOutcomes, where: str) -> None:
    import pyarrow.parquet as pq

    try:
        with pq.ParquetFile(store.path) as file:
            found = file.schema_arrow
            count = file.metadata.num_rows
        if not found.equals(schema()):
            raise ResultsError(f"{where}: not an outcomes file (its columns differ)")
        if count != store.rows or not 0 <= store.variants <= count:
            raise ResultsError(f"{where}: {count} rows, the results name {store.rows}")
        _check_values(store)
    except (OSError, ValueError) as error:  # pyarrow's errors derive from these
        raise ResultsError(f"{where}: not a readable outcomes file ({error})") from None


def _check_values(store: StoredOutcomes) -> None:
    """Every enum and measure name parses, so a report never fails half-way."""
    kinds = {"family": Family, "order": Order, "expectation": ExpectationKind}
    for batch in store.batches((*kinds, "values")):
        for row in batch:
            for name, enum in kinds.items():
                enum(row[name])
            for key, _ in row["values"]:
                parse(key)
