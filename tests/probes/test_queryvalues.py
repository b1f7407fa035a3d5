"""A cell's per-query values in columns: the records they were made from, walked back; the
Parquet file of every cell's values, read back the same, empty cells included."""

import math
import pickle

import numpy as np
import pytest

from instructprobe.probes.queryvalues import (
    QueryValue,
    QueryValues,
    read_per_query,
    write_per_query,
)

RECORDS = (
    QueryValue("q1", 0.5, 0.25, -0.25, 2),
    QueryValue("q2", None, None, 0.125, 1),
    QueryValue("q3", 1.0, 1.0, 0.0, 3),
)


def test_columns_give_back_their_records():
    values = QueryValues.of(RECORDS)
    assert list(values) == list(RECORDS)
    assert values == RECORDS and len(values) == 3
    assert values[1] == RECORDS[1] and values[-1] == RECORDS[-1]
    assert list(values[1:]) == list(RECORDS[1:])
    assert math.isnan(values.original[1])
    assert values != RECORDS[:2]


def test_equal_columns_hash_alike_and_pickle():
    values = QueryValues.of(RECORDS)
    assert hash(values) == hash(QueryValues.of(RECORDS))
    assert pickle.loads(pickle.dumps(values)) == values


def test_columns_of_different_lengths_are_refused():
    one = np.zeros(1)
    with pytest.raises(ValueError, match="different lengths"):
        QueryValues(["a", "b"], one, one, one, np.zeros(1, dtype=np.int64))


def test_the_file_reads_back_every_cell(tmp_path):
    cells = [QueryValues.of(RECORDS), QueryValues.of(()), RECORDS[:1]]
    path = tmp_path / "values.parquet"
    assert write_per_query(cells, path) == 4
    found = read_per_query(path, len(cells), 4)
    assert [list(c) for c in found] == [list(RECORDS), [], list(RECORDS[:1])]
