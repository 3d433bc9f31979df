"""DynamoDB item sizes and the capacity units a read or write of them consumes.

The rules are DynamoDB's ("DynamoDB item sizes and formats", "Read/write capacity
mode" in the Developer Guide): an item's size is the UTF-8 length of its attribute
names plus the size of each value; reads are billed per 4 KB, writes per 1 KB, a
strongly consistent read costs one read capacity unit (RCU) per 4 KB and an
eventually consistent read half that.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from course_lib.facts import fact

#: A read capacity unit covers this many bytes of one item (strongly consistent).
READ_UNIT_BYTES: int = fact("dynamodb.read_unit_bytes")
#: A write capacity unit covers this many bytes of one item.
WRITE_UNIT_BYTES: int = fact("dynamodb.write_unit_bytes")
#: The largest item DynamoDB stores.
MAX_ITEM_BYTES: int = fact("dynamodb.item_max_bytes")


def item_size(item: Mapping[str, Any]) -> int:
    """The size in bytes DynamoDB bills for ``item`` (a mapping of attribute names to values).

    Values may be str, int, float, Decimal, bool, None, bytes, list and dict
    (nested freely). Sets are not modelled and are rejected.
    """
    if not isinstance(item, Mapping):
        raise TypeError(f"item: expected a mapping of attribute names, got {type(item).__name__}")
    return sum(_name_size(name, "item") + _value_size(value, name) for name, value in item.items())


def read_capacity_units(size_bytes: int, *, consistent: bool) -> float:
    """RCUs to read ``size_bytes`` (one item, or a Query's total); reading nothing still costs one unit."""
    _check_size(size_bytes)
    units = max(1, math.ceil(size_bytes / READ_UNIT_BYTES))
    return float(units) if consistent else units / 2


def write_capacity_units(size_bytes: int) -> float:
    """WCUs to write one item of ``size_bytes`` (at least one)."""
    _check_size(size_bytes)
    return float(max(1, math.ceil(size_bytes / WRITE_UNIT_BYTES)))


def _check_size(size_bytes: int) -> None:
    if isinstance(size_bytes, bool) or not isinstance(size_bytes, int):
        raise TypeError(f"size_bytes: expected an int, got {type(size_bytes).__name__}")
    if size_bytes < 0:
        raise ValueError(f"size_bytes: must be >= 0, got {size_bytes}")


def _name_size(name: Any, where: str) -> int:
    if not isinstance(name, str) or not name:
        raise TypeError(f"{where}: attribute names must be non-empty strings, got {name!r}")
    return len(name.encode("utf-8"))


def _value_size(value: Any, path: str) -> int:
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if isinstance(value, (int, float, Decimal)):
        return _number_size(value, path)
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if isinstance(value, Mapping):
        return 3 + sum(
            _name_size(name, path) + _value_size(inner, f"{path}.{name}") + 1
            for name, inner in value.items()
        )
    if isinstance(value, (list, tuple)):
        return 3 + sum(_value_size(inner, f"{path}[{i}]") + 1 for i, inner in enumerate(value))
    if isinstance(value, (set, frozenset)):
        raise TypeError(f"{path}: sets are not modelled here; store a list instead")
    raise TypeError(f"{path}: {type(value).__name__} is not a DynamoDB attribute type")


def _number_size(value: int | float | Decimal, path: str) -> int:
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{path}: DynamoDB numbers must be finite, got {value!r}")
    digits = number.normalize().as_tuple().digits
    significant = max(1, len(digits))
    if significant > 38:
        raise ValueError(f"{path}: DynamoDB numbers have at most 38 significant digits")
    return math.ceil(significant / 2) + 1
