"""DynamoDB item sizes and capacity units."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_lib.consistency import item_size, read_capacity_units, write_capacity_units


def test_sizes_follow_dynamodb_rules():
    assert item_size({"name": "abc"}) == 4 + 3
    assert item_size({"n": 12345}) == 1 + 3 + 1  # five digits: three bytes, plus one
    assert item_size({"n": 1.50}) == 1 + 1 + 1  # trailing zeros trimmed: "15"
    assert item_size({"flag": True, "none": None}) == 4 + 1 + 4 + 1
    assert item_size({"b": b"\x00\x01"}) == 1 + 2
    assert item_size({"l": ["a", "bc"]}) == 1 + 3 + (1 + 1) + (2 + 1)
    assert item_size({"m": {"k": "v"}}) == 1 + 3 + (1 + 1 + 1)
    assert item_size({"é": "ü"}) == 2 + 2


def test_capacity_units():
    assert read_capacity_units(0, consistent=True) == 1.0
    assert read_capacity_units(4096, consistent=True) == 1.0
    assert read_capacity_units(4097, consistent=True) == 2.0
    assert read_capacity_units(4097, consistent=False) == 1.0
    assert write_capacity_units(1024) == 1.0
    assert write_capacity_units(1025) == 2.0


@given(st.integers(0, 2_000_000))
def test_strong_reads_cost_exactly_twice_eventual_reads(size):
    assert read_capacity_units(size, consistent=True) == 2 * read_capacity_units(
        size, consistent=False
    )


def test_rejects_what_dynamodb_cannot_store():
    with pytest.raises(TypeError, match="sets"):
        item_size({"s": {1, 2}})
    with pytest.raises(TypeError, match="not a DynamoDB attribute type"):
        item_size({"o": object()})
    with pytest.raises(ValueError, match="finite"):
        item_size({"n": float("inf")})
    with pytest.raises(ValueError, match="size_bytes"):
        read_capacity_units(-1, consistent=True)
