"""Zero-copy numpy views of null-free Arrow columns, without pyarrow's to_numpy (which imports pandas)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray


def _view(column: pa.ChunkedArray | pa.Array, arrow_type: pa.DataType, dtype: np.dtype[Any]) -> NDArray[Any]:
    array = column.cast(arrow_type)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.null_count:
        raise ValueError("column has nulls")  # the loaders refuse nulls, with their line, before converting
    if len(array) == 0:
        return np.empty(0, dtype=dtype)
    return np.frombuffer(
        array.buffers()[1], dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize
    )


def int64_column(column: pa.ChunkedArray | pa.Array) -> NDArray[np.int64]:
    """An int64 view of a null-free column (timestamps become ns since the epoch, booleans 0/1)."""
    return _view(column, pa.int64(), np.dtype(np.int64))


def float64_column(column: pa.ChunkedArray | pa.Array) -> NDArray[np.float64]:
    """A float64 view of a null-free numeric column."""
    return _view(column, pa.float64(), np.dtype(np.float64))
