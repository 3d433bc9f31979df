"""Unit tests of the event-pattern language: semantics and validation."""

from __future__ import annotations

import pytest

from course_lib.eventbridge import InvalidEvent, InvalidEventPattern
from course_lib.eventbridge import test_event_pattern as matches
from course_lib.eventbridge.pattern_language import compile_pattern, wildcard_complexity

ENVELOPE = {
    "version": "0",
    "id": "1",
    "detail-type": "Order Placed",
    "source": "pizza.orders",
    "account": "123456789012",
    "time": "2025-01-06T09:00:00Z",
    "region": "us-east-1",
    "resources": [],
}


def event(**detail) -> dict:
    return {**ENVELOPE, "detail": detail}


def reason(pattern) -> str:
    with pytest.raises(InvalidEventPattern) as info:
        compile_pattern(pattern)
    return info.value.reason


class TestExactValues:
    def test_string_and_list_or(self):
        assert matches({"source": ["pizza.orders"]}, event())
        assert matches({"source": ["x", "pizza.orders"]}, event())
        assert not matches({"source": ["pizza.kitchen"]}, event())

    def test_numbers_compare_as_numbers(self):
        assert matches({"detail": {"n": [300]}}, event(n=300.0))
        assert matches({"detail": {"n": [3.0e2]}}, event(n=300))
        assert not matches({"detail": {"n": ["300"]}}, event(n=300))
        assert not matches({"detail": {"n": [300]}}, event(n="300"))

    def test_null_boolean_and_empty_string(self):
        assert matches({"detail": {"v": [None]}}, event(v=None))
        assert not matches({"detail": {"v": [None]}}, event())
        assert not matches({"detail": {"v": [None]}}, event(v="null"))
        assert matches({"detail": {"v": [True]}}, event(v=True))
        assert not matches({"detail": {"v": [1]}}, event(v=True))
        assert matches({"detail": {"v": [""]}}, event(v=""))

    def test_event_arrays_match_any_element(self):
        assert matches({"detail": {"tags": ["b"]}}, event(tags=["a", "b"]))
        assert not matches({"detail": {"tags": ["c"]}}, event(tags=["a", "b"]))
        assert not matches({"resources": [None]}, event())

    def test_dotted_keys_join_like_nesting(self):
        assert matches({"detail": {"a.b": ["x"]}}, event(a={"b": "x"}))
        assert matches({"detail": {"a": {"b": ["x"]}}}, {**ENVELOPE, "detail": {"a.b": "x"}})

    def test_pattern_and_event_strings_are_json(self):
        import json

        assert matches(json.dumps({"source": ["pizza.orders"]}), json.dumps(event()))

    def test_ip_string_matches_equivalent_address(self):
        assert matches({"detail": {"ip": ["2001:db8::1"]}}, event(ip="2001:0db8:0:0:0:0:0:1"))


class TestArrayConsistency:
    def test_fields_of_different_elements_do_not_combine(self):
        ev = event(items=[{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}])
        assert matches({"detail": {"items": {"sku": ["a"], "qty": [1]}}}, ev)
        assert not matches({"detail": {"items": {"sku": ["a"], "qty": [2]}}}, ev)

    def test_independent_arrays_combine_freely(self):
        ev = event(a=[{"x": 1}, {"x": 2}], b=[{"y": 1}, {"y": 2}])
        assert matches({"detail": {"a": {"x": [1]}, "b": {"y": [2]}}}, ev)


class TestStringOperators:
    def test_prefix_suffix_and_ignore_case(self):
        ev = event(file="Image.PNG")
        assert matches({"detail": {"file": [{"prefix": "Ima"}]}}, ev)
        assert not matches({"detail": {"file": [{"prefix": "ima"}]}}, ev)
        assert matches({"detail": {"file": [{"prefix": {"equals-ignore-case": "ima"}}]}}, ev)
        assert matches({"detail": {"file": [{"suffix": {"equals-ignore-case": ".png"}}]}}, ev)
        assert matches({"detail": {"file": [{"equals-ignore-case": "image.png"}]}}, ev)

    def test_string_operators_ignore_numbers(self):
        assert not matches({"detail": {"n": [{"prefix": "1"}]}}, event(n=12))
        assert not matches({"detail": {"n": [{"wildcard": "*"}]}}, event(n=12))

    def test_wildcard(self):
        ev = event(path="a/b*c\\d")
        assert matches({"detail": {"path": [{"wildcard": "a/*"}]}}, ev)
        assert matches({"detail": {"path": [{"wildcard": "a/b\\*c\\\\d"}]}}, ev)
        assert not matches({"detail": {"path": [{"wildcard": "a/bx*"}]}}, ev)
        assert not matches({"detail": {"path": [{"wildcard": ""}]}}, ev)


class TestAnythingBut:
    def test_values(self):
        assert matches({"detail": {"s": [{"anything-but": "x"}]}}, event(s="y"))
        assert not matches({"detail": {"s": [{"anything-but": ["x", "y"]}]}}, event(s="y"))
        assert matches({"detail": {"s": [{"anything-but": "x"}]}}, event(s=None))
        assert not matches({"detail": {"s": [{"anything-but": "x"}]}}, event())
        assert not matches({"detail": {"n": [{"anything-but": [1, 2]}]}}, event(n=2.0))

    def test_prefix_suffix_wildcard_ignore_case(self):
        assert not matches({"detail": {"s": [{"anything-but": {"prefix": "in"}}]}}, event(s="init"))
        assert matches({"detail": {"s": [{"anything-but": {"suffix": ".a"}}]}}, event(s="f.b"))
        assert not matches(
            {"detail": {"s": [{"anything-but": {"wildcard": "*/lib/*"}}]}}, event(s="x/lib/y")
        )
        assert not matches(
            {"detail": {"s": [{"anything-but": {"equals-ignore-case": ["A", "b"]}}]}}, event(s="B")
        )


class TestNumeric:
    @pytest.mark.parametrize(
        ("spec", "value", "expected"),
        [
            (["=", 5], 5.0, True),
            (["<", 5], 5, False),
            (["<=", 5], 5, True),
            ([">", 0, "<=", 5], 0, False),
            ([">=", 0, "<", 5], 0, True),
            ([">", 0.000001], 0.0000001, False),
            ([">=", -5e9], -5e9, True),
        ],
    )
    def test_ranges(self, spec, value, expected):
        assert matches({"detail": {"n": [{"numeric": spec}]}}, event(n=value)) is expected

    def test_strings_and_out_of_range_numbers_never_match(self):
        assert not matches({"detail": {"n": [{"numeric": [">", 0]}]}}, event(n="5"))
        assert not matches({"detail": {"n": [{"numeric": [">", 0]}]}}, event(n=6e9))


class TestCidrExistsOr:
    def test_cidr_v4_v6(self):
        assert matches({"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}, event(ip="10.0.0.255"))
        assert not matches({"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}, event(ip="10.0.1.0"))
        assert matches({"detail": {"ip": [{"cidr": "2001:db8::/32"}]}}, event(ip="2001:db8::9"))
        assert not matches({"detail": {"ip": [{"cidr": "10.0.0.0/8"}]}}, event(ip="::1"))

    def test_exists_on_leaves_only(self):
        assert matches({"detail": {"a": [{"exists": True}]}}, event(a=None))
        assert not matches({"detail": {"a": [{"exists": True}]}}, event(a={"b": 1}))
        assert not matches({"detail": {"a": [{"exists": True}]}}, event(a=[]))
        assert matches({"detail": {"a": [{"exists": False}]}}, event(a=[]))
        assert not matches({"detail": {"a": [{"exists": False}]}}, event(a=1))

    def test_or_of_fields(self):
        pattern = {"detail": {"$or": [{"a": [1]}, {"b": [2]}]}, "source": ["pizza.orders"]}
        assert matches(pattern, event(b=2))
        assert not matches(pattern, event(a=2, b=1))
        assert len(compile_pattern(pattern).subrules) == 2


class TestValidation:
    @pytest.mark.parametrize(
        ("pattern", "expected"),
        [
            ([], "Filter is not an object"),
            ({}, "Empty objects are not allowed"),
            ({"a": []}, "Empty arrays are not allowed"),
            ({"a": "x"}, '"a" must be an object or an array'),
            ({"a": [[1]]}, "Match value must be String, number, true, false, or null"),
            ({"a": [{}]}, "Match expression name not found"),
            ({"a": [{"Prefix": "x"}]}, "Unrecognized match type Prefix"),
            ({"a": [{"prefix": "x", "suffix": "y"}]}, "Only one key allowed in match expression"),
            ({"a": [{"exists": "yes"}]}, "exists match pattern must be either true or false."),
            ({"a": [{"numeric": []}]}, "Invalid member in numeric match: ]"),
            ({"a": [{"numeric": ["!", 1]}]}, "Unrecognized numeric range operator: !"),
            ({"a": [{"numeric": ["=", 1, 2]}]}, "Too many elements in numeric expression"),
            ({"a": [{"numeric": [">", 5, "<", 1]}]}, "Bottom must be less than top"),
            ({"a": [{"numeric": [">", 1.0000001]}]}, "Only values upto 6 decimals are supported"),
            ({"a": [{"numeric": [">", 6e9]}]}, "Value must be between -5.0E9 and 5.0E9, inclusive"),
            (
                {"a": [{"cidr": "10.0.0.0/33"}]},
                "Malformed CIDR, mask bits must be between 0 and 32",
            ),
            ({"a": [{"wildcard": "a\\b"}]}, "Invalid escape character at pos 1"),
            (
                {"a": [{"anything-but": []}]},
                "Inside anything but list, either all values are number or string, mixed type is not supported",
            ),
            (
                {"a": [{"anything-but": ["x", 1]}]},
                "Inside anything but list, either all values are number or string, mixed type is not supported",
            ),
            (
                {"a": [{"anything-but": {"numeric": [">", 1]}}]},
                "Unsupported anything-but pattern: numeric",
            ),
            ({"$or": [{"a": [1]}]}, "There must have at least 2 Objects in $or relationship."),
            ({"$or": {"a": [1]}}, "It must be an Array followed with $or."),
            ({"$or": [{"a": [1]}, 5]}, "Only JSON object is allowed in array of $or relationship."),
            (
                {"$or": [{"a": [1]}, {"prefix": [1]}]},
                "prefix is Ruler reserved fieldName which cannot be used inside $or.",
            ),
        ],
    )
    def test_rejections_name_the_reason(self, pattern, expected):
        assert reason(pattern) == expected

    def test_message_has_aws_prefix(self):
        with pytest.raises(InvalidEventPattern, match=r"^Event pattern is not valid\. Reason: "):
            compile_pattern({"a": "x"})

    def test_pattern_size_limit(self):
        assert "maximum is 4096" in reason({"a": ["x" * 5000]})

    def test_wildcard_complexity_limit(self):
        assert wildcard_complexity(["ab"]) == 1
        assert wildcard_complexity(["a*b"]) < wildcard_complexity(["*a*a*b"])
        simple = {"a": [{"wildcard": "*a*b*c"}]}
        compile_pattern(simple)
        heavy = {"a": [{"wildcard": "*" + "a*" * 60}]}
        assert reason(heavy).startswith("Rule is too complex")

    def test_invalid_json_text(self):
        assert "line: 1, column: 2" in reason("{'bad': 1}")

    def test_event_envelope_is_required(self):
        with pytest.raises(InvalidEvent):
            matches({"a": [1]}, {"a": 1})
        with pytest.raises(InvalidEvent):
            matches({"a": [1]}, "not json")


def test_non_string_keys_are_rejected_even_when_cached():
    with pytest.raises(InvalidEventPattern, match="not a string"):
        matches({1: ["x"]}, event())


def test_wildcard_complexity_grows_with_wildcards_on_one_field():
    names = ["SharedStack", "ApiStack", "DataStack", "MonitoringStack"]
    three = {"detail": {"stack-id": [{"wildcard": f"*:stack/{n}/*"} for n in names[:3]]}}
    four = {"detail": {"stack-id": [{"wildcard": f"*:stack/{n}/*"} for n in names]}}
    compile_pattern(three)
    assert reason(four).startswith("Rule is too complex")
