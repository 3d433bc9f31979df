"""The linearizability checker on textbook histories and generated ones."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.consistency import Operation, check_linearizability, operations_from_events


def call(process, op, value=None, key="x"):
    return {"type": "call", "process": process, "op": op, "value": value, "key": key}


def ret(process, op, value=None, key="x"):
    return {"type": "return", "process": process, "op": op, "value": value, "key": key}


# A writes 1 while B and C read; C's read finishes first with the old value 0 and B's
# read returns the new value 1: linearizable as C-read, A-write, B-read.
LINEARIZABLE = [
    call("A", "write", 1),
    call("B", "read"),
    call("C", "read"),
    ret("C", "read", 0),
    ret("B", "read", 1),
    ret("A", "write"),
]

# New-old inversion: B reads the new value 1 and returns; afterwards C reads the old
# value 0 while the write is still in progress. Regular, but not atomic.
NOT_LINEARIZABLE = [
    call("A", "write", 1),
    call("B", "read"),
    ret("B", "read", 1),
    call("C", "read"),
    ret("C", "read", 0),
    ret("A", "write"),
]


def test_classic_linearizable_history():
    result = check_linearizability(operations_from_events(LINEARIZABLE), initial=0)
    assert result.linearizable
    assert [(op.process, op.kind, op.value) for op in result.order] == [
        ("C", "read", 0),
        ("A", "write", 1),
        ("B", "read", 1),
    ]


def test_classic_non_linearizable_history_names_the_read():
    result = check_linearizability(operations_from_events(NOT_LINEARIZABLE), initial=0)
    assert not result.linearizable
    assert result.order is None
    assert result.failed_operation.process == "C"
    assert result.failed_operation.value == 0
    assert [op.process for op in result.partial_order] == ["A", "B"]
    assert "returned 0" in result.explanation and "holds 1" in result.explanation


def test_keys_are_checked_independently():
    events = [
        *LINEARIZABLE,
        call("D", "write", 5, key="y"),
        ret("D", "write", key="y"),
        call("E", "read", key="y"),
        ret("E", "read", 0, key="y"),
    ]
    result = check_linearizability(operations_from_events(events), initial=0)
    assert not result.linearizable and result.key == "y"


def test_cas_success_and_failure():
    ops = [
        Operation("p", "write", "k", 1, 0, 1),
        Operation("q", "cas", "k", (1, 2), 2, 3, ok=True),
        Operation("r", "cas", "k", (1, 3), 4, 5, ok=False),
        Operation("s", "read", "k", 2, 6, 7),
    ]
    assert check_linearizability(ops).linearizable
    wrong = [*ops[:2], Operation("r", "cas", "k", (2, 3), 4, 5, ok=False)]
    result = check_linearizability(wrong)
    assert not result.linearizable and "failed cas" in result.explanation


def test_pending_write_may_or_may_not_take_effect():
    pending = Operation("p", "write", "k", 9, 0, None)
    seen = [pending, Operation("q", "read", "k", 9, 5, 6)]
    unseen = [pending, Operation("q", "read", "k", None, 5, 6)]
    assert check_linearizability(seen).linearizable
    assert check_linearizability(unseen).linearizable
    result = check_linearizability(seen)
    assert [op.process for op in result.order] == ["p", "q"]


def test_returns_at_the_same_instant_precede_later_calls():
    write = Operation("p", "write", "k", 1, 0.0, 1.0)
    stale = Operation("q", "read", "k", None, 1.0, 2.0)
    assert not check_linearizability([write, stale]).linearizable


def test_dict_values_are_compared_by_content():
    ops = [
        Operation("p", "write", "k", {"a": [1, 2]}, 0, 1),
        Operation("q", "read", "k", {"a": [1, 2]}, 2, 3),
    ]
    assert check_linearizability(ops).linearizable


def test_rejects_malformed_input():
    with pytest.raises(TypeError, match=r"history\[0\]"):
        check_linearizability([("p", "read")])
    with pytest.raises(ValueError, match="kind"):
        Operation("p", "increment", "k", 1, 0, 1)
    with pytest.raises(ValueError, match="complete"):
        Operation("p", "read", "k", 1, 2, 1)
    with pytest.raises(ValueError, match="events"):
        operations_from_events([ret("A", "read", 1)])
    with pytest.raises(ValueError, match="has not returned"):
        operations_from_events([call("A", "read"), call("A", "read")])


def test_many_concurrent_operations_stay_fast():
    # 12 writers all overlapping, then reads of the final value: a wide search space
    # the memoization keeps small.
    ops = [Operation(f"w{i}", "write", "k", i, 0, 10) for i in range(12)]
    ops += [Operation(f"r{i}", "read", "k", 11, 11 + i, 12 + i) for i in range(5)]
    result = check_linearizability(ops)
    assert result.linearizable and result.order[11].value == 11


# -- generated histories -------------------------------------------------------------

step = st.one_of(
    st.tuples(st.just("write"), st.integers(0, 3)),
    st.tuples(st.just("read"), st.none()),
    st.tuples(st.just("cas"), st.tuples(st.integers(0, 3), st.integers(0, 3))),
)


def run_atomic(steps, processes):
    """Execute steps on a real register; returns (process, kind, value, ok) per step."""
    state, executed = 0, []
    for index, (kind, arg) in enumerate(steps):
        process = f"p{index % processes}"
        if kind == "write":
            state, value, ok = arg, arg, True
        elif kind == "read":
            value, ok = state, True
        else:
            ok = state == arg[0]
            state = arg[1] if ok else state
            value = arg
        executed.append((process, kind, value, ok))
    return executed


@settings(max_examples=150, deadline=None)
@given(st.lists(step, max_size=25), st.integers(1, 4))
def test_any_sequential_history_of_an_atomic_register_is_linearizable(steps, processes):
    executed = run_atomic(steps, processes)
    ops = [
        Operation(p, kind, "k", value, 2 * i, 2 * i + 1, ok=ok)
        for i, (p, kind, value, ok) in enumerate(executed)
    ]
    result = check_linearizability(ops, initial=0)
    assert result.linearizable
    assert result.order == ops


@settings(max_examples=150, deadline=None)
@given(
    st.lists(step, max_size=14),
    st.lists(st.tuples(st.floats(0, 25), st.floats(0, 25)), min_size=14, max_size=14),
)
def test_stretching_intervals_around_linearization_points_keeps_it_linearizable(steps, spread):
    # Each operation takes effect at instant 10*i; widening its interval around that
    # point (possibly overlapping its neighbours) must not break linearizability, and
    # the order the checker returns must be a valid one.
    executed = run_atomic(steps, processes=len(steps) or 1)
    ops = [
        Operation(f"p{i}", kind, "k", value, 10 * i - before, 10 * i + after, ok=ok)
        for i, ((_, kind, value, ok), (before, after)) in enumerate(
            zip(executed, spread, strict=False)
        )
    ]
    result = check_linearizability(list(reversed(ops)), initial=0)
    assert result.linearizable
    assert sorted(result.order, key=lambda op: op.process) == sorted(ops, key=lambda op: op.process)
    replay = run_atomic(
        [(op.kind, op.value if op.kind != "read" else None) for op in result.order], 1
    )
    assert [(kind, value, ok) for _, kind, value, ok in replay] == [
        (op.kind, op.value, op.ok) for op in result.order
    ]
    for earlier_index, earlier in enumerate(result.order):
        for later in result.order[earlier_index + 1 :]:
            assert later.complete > earlier.invoke


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=1, max_size=8))
def test_reading_a_value_never_written_is_caught(values):
    ops = [Operation("w", "write", "k", v, 2 * i, 2 * i + 1) for i, v in enumerate(values)]
    ops.append(Operation("r", "read", "k", 99, 2 * len(values), 2 * len(values) + 1))
    result = check_linearizability(ops, initial=0)
    assert not result.linearizable and result.failed_operation.value == 99


def brute_force_linearizable(ops, initial=0):
    """Try every order: the definition, checked literally (small histories only)."""

    def precedes(i, j):
        # Returns at a call's instant come first; instantaneous operations at one
        # instant keep their order in the history; pending operations precede nothing.
        a, b = ops[i], ops[j]
        if a.complete is None:
            return False
        if a.complete != b.invoke:
            return a.complete < b.invoke
        return a.invoke < a.complete or i < j

    pending = [i for i, op in enumerate(ops) if op.complete is None]
    done = [i for i, op in enumerate(ops) if op.complete is not None]
    subsets = itertools.chain.from_iterable(
        itertools.combinations(pending, size) for size in range(len(pending) + 1)
    )
    candidates = (
        order for subset in subsets for order in itertools.permutations(done + list(subset))
    )
    for order in candidates:
        if any(
            precedes(later, earlier) for n, earlier in enumerate(order) for later in order[n + 1 :]
        ):
            continue
        state, valid = initial, True
        for op in (ops[i] for i in order):
            if op.kind == "write":
                state = op.value
            elif op.kind == "read":
                valid = op.value == state
            elif op.ok:
                valid = state == op.value[0]
                state = op.value[1]
            else:
                valid = state != op.value[0]
            if not valid:
                break
        if valid:
            return True
    return False


random_op = st.tuples(
    st.sampled_from(["read", "write", "cas"]),
    st.integers(0, 2),
    st.integers(0, 2),
    st.booleans(),
    st.integers(0, 8),
    st.integers(0, 4),
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(random_op, min_size=1, max_size=6))
def test_agrees_with_brute_force_on_small_random_histories(raw):
    ops = []
    for i, (kind, a, b, ok, start, length, returned) in enumerate(raw):
        value = (a, b) if kind == "cas" else a
        pending = kind != "read" and not returned
        complete = None if pending else start + length
        ops.append(Operation(f"p{i}", kind, "k", value, start, complete, ok=ok or pending))
    assert check_linearizability(ops, initial=0).linearizable == brute_force_linearizable(ops)
