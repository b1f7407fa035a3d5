"""A cell's per-query values: the record of one query, and the columns a run keeps them in.

A run's cells hold one value per query each (the unit of the statistics), so a suite of 100,000
queries gives millions of them. ``QueryValues`` keeps a cell's values as four arrays and the
query ids, and gives ``QueryValue`` records only while it is walked; on disk (results version
4) they are one Parquet file beside the summary, a row per (cell, query)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import numpy as np
import numpy.typing as npt

from instructprobe.core.errors import ResultsError

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]

Floats = npt.NDArray[np.float64]
Row = tuple[str, float | None, float | None, float, int]
"""One query's id, original and perturbed values (None: undefined), change and variants."""


@dataclass(frozen=True)
class QueryValue:
    """One query's value in a cell, averaged over that query's variants of the family."""

    query_id: str
    original: float | None
    perturbed: float | None
    delta: float
    variants: int


class QueryValues(Sequence[QueryValue]):
    """A cell's per-query values in columns; undefined originals and perturbed values are NaN
    in the arrays and None in the records."""

    __slots__ = ("delta", "original", "perturbed", "query_ids", "variants")

    def __init__(
        self,
        query_ids: Sequence[str],
        original: Floats,
        perturbed: Floats,
        delta: Floats,
        variants: npt.NDArray[np.int64],
    ) -> None:
        self.query_ids = tuple(query_ids)
        self.original, self.perturbed, self.delta, self.variants = (
            original,
            perturbed,
            delta,
            variants,
        )
        sizes = {len(self.query_ids), *(len(c) for c in (original, perturbed, delta, variants))}
        if len(sizes) != 1:
            raise ValueError(f"per-query columns of different lengths: {sorted(sizes)}")

    @classmethod
    def of(cls, records: Iterable[QueryValue]) -> QueryValues:
        return cls.from_rows(
            (r.query_id, r.original, r.perturbed, r.delta, r.variants) for r in records
        )

    @classmethod
    def from_rows(cls, rows: Iterable[Row]) -> QueryValues:
        """One query's (id, original, perturbed, delta, variants) a row, as columns."""
        found = list(rows)
        return cls(
            [r[0] for r in found],
            _floats(r[1] for r in found),
            _floats(r[2] for r in found),
            np.array([r[3] for r in found], dtype=np.float64),
            np.array([r[4] for r in found], dtype=np.int64),
        )

    def __len__(self) -> int:
        return len(self.query_ids)

    def _record(self, i: int) -> QueryValue:
        return QueryValue(
            self.query_ids[i],
            _defined(self.original[i]),
            _defined(self.perturbed[i]),
            float(self.delta[i]),
            int(self.variants[i]),
        )

    def __iter__(self) -> Iterator[QueryValue]:
        return map(self._record, range(len(self)))

    @overload
    def __getitem__(self, index: int) -> QueryValue: ...
    @overload
    def __getitem__(self, index: slice) -> QueryValues: ...
    def __getitem__(self, index: int | slice) -> QueryValue | QueryValues:
        if isinstance(index, slice):
            return QueryValues(
                self.query_ids[index],
                self.original[index],
                self.perturbed[index],
                self.delta[index],
                self.variants[index],
            )
        return self._record(range(len(self))[index])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        columns = (self.original, self.perturbed, self.delta, self.variants)
        return hash((self.query_ids, *(c.tobytes() for c in columns)))

    def __repr__(self) -> str:
        return f"QueryValues({len(self)} queries)"


def _floats(values: Iterable[float | None]) -> Floats:
    return np.array([math.nan if v is None else v for v in values], dtype=np.float64)


def _defined(value: np.float64) -> float | None:
    return None if math.isnan(value) else float(value)


COLUMNS = ("cell", "query_id", "original", "perturbed", "delta", "variants")


def schema() -> pa.Schema:
    import pyarrow as pa

    kinds = (pa.int64(), pa.string(), pa.float64(), pa.float64(), pa.float64(), pa.int64())
    nullable = ("original", "perturbed", "delta")
    pairs = zip(COLUMNS, kinds, strict=True)
    return pa.schema([pa.field(name, kind, nullable=name in nullable) for name, kind in pairs])


def write_per_query(cells: Sequence[Sequence[QueryValue]], path: Path) -> int:
    """Every cell's values at ``path`` as Parquet, a row group per cell; the rows written."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    rows = 0
    with pq.ParquetWriter(path, schema(), compression="zstd") as writer:
        for position, values in enumerate(cells):
            writer.write_table(_table(position, _columns(values)))
            rows += len(values)
    return rows


def _columns(values: Sequence[QueryValue]) -> QueryValues:
    return values if isinstance(values, QueryValues) else QueryValues.of(values)


def _table(position: int, values: QueryValues) -> pa.Table:
    import pyarrow as pa

    def undefined_as_null(column: Floats) -> pa.Array:
        return pa.array(column, type=pa.float64(), mask=np.isnan(column))

    arrays = [
        pa.array(np.full(len(values), position, dtype=np.int64)),
        pa.array(values.query_ids, type=pa.string()),
        undefined_as_null(values.original),
        undefined_as_null(values.perturbed),
        undefined_as_null(values.delta),
        pa.array(values.variants, type=pa.int64()),
    ]
    return pa.Table.from_arrays(arrays, schema=schema())


def read_per_query(path: Path, cells: int, rows: int) -> list[QueryValues]:
    """The values of each of ``cells`` cells from the file at ``path``, checked: its columns,
    its ``rows`` rows and every row's cell."""
    import pyarrow.parquet as pq

    where = f"{path}"
    try:
        with pq.ParquetFile(path) as file:
            if not file.schema_arrow.equals(schema()):
                raise ResultsError(f"{where}: not a per-query file (its columns differ)")
            table = file.read()
    except (OSError, ValueError) as error:  # pyarrow's errors derive from these
        raise ResultsError(f"{where}: not a readable per-query file ({error})") from None
    if table.num_rows != rows:
        raise ResultsError(f"{where}: {table.num_rows} rows, the results name {rows}")
    if any(table.column(name).null_count for name in ("cell", "query_id", "variants")):
        raise ResultsError(f"{where}: a cell, query id or count is missing")
    return _split(table, cells, where)


def _split(table: Any, cells: int, where: str) -> list[QueryValues]:
    position = table.column("cell").to_numpy()
    if len(position) and (position.min() < 0 or position.max() >= cells):
        raise ResultsError(f"{where}: a row names a cell the results do not have")
    if np.any(np.diff(position) < 0):
        raise ResultsError(f"{where}: the rows are not in the order of the cells")
    starts = np.searchsorted(position, np.arange(cells + 1))
    ids = table.column("query_id").to_pylist()
    original, perturbed, delta = (
        table.column(name).to_numpy(zero_copy_only=False).astype(np.float64)
        for name in ("original", "perturbed", "delta")
    )
    variants = table.column("variants").to_numpy().astype(np.int64)
    return [
        QueryValues(ids[a:b], original[a:b], perturbed[a:b], delta[a:b], variants[a:b])
        for a, b in itertools.pairwise(starts)
    ]
