"""Wire formats of the coupling experiments: how each codec matches fields on the way in.

The formats differ in exactly the ways that matter for coupling: JSON and SQL match by
name, protobuf by field number (an absent field reads as its default), Java
serialization by name with absent fields set to their default and only on a JVM, CSV by
column position. A schema is one side's view of the order record, so the sender and the
receiver can disagree after a change.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from typing import Any

JVM = "jvm"


class DecodeError(Exception):
    """The receiver could not read what it was sent; the message says why."""


@dataclass(frozen=True)
class Field:
    """A field as one side knows it: its logical role, wire name, protobuf number, type."""

    role: str
    name: str
    number: int
    kind: type

    @property
    def default(self) -> Any:
        return self.kind()


@dataclass(frozen=True)
class Schema:
    """One side's view of the order record; field order is the CSV column order."""

    fields: tuple[Field, ...]

    def renamed(self, role: str, new_name: str) -> Schema:
        if role not in {f.role for f in self.fields}:
            raise ValueError(f"role: the schema has no field {role!r}")
        return Schema(
            tuple(replace(f, name=new_name) if f.role == role else f for f in self.fields)
        )


def order_schema(*, units_in_message: bool) -> Schema:
    """The order-update record both sides start from."""
    fields = [
        Field("order_id", "order_id", 1, str),
        Field("status", "status", 2, str),
        Field("amount", "amount_cents", 3, float),
    ]
    if units_in_message:
        fields.append(Field("amount_unit", "amount_unit", 4, str))
    return Schema(tuple(fields))


def encode(codec: str, records: list[dict], schema: Schema) -> list[Any]:
    """Write ``records`` (role -> value) in ``codec`` as the sender's schema names them.

    Returns one payload per record, except CSV: one file holding every record.
    """
    if codec == "json":
        return [
            json.dumps({f.name: r[f.role] for f in schema.fields}, sort_keys=True) for r in records
        ]
    if codec == "protobuf":
        return [tuple((f.number, r[f.role]) for f in schema.fields) for r in records]
    if codec == "java-serialization":
        return [
            {"class": "shop.OrderUpdate", "fields": {f.name: r[f.role] for f in schema.fields}}
            for r in records
        ]
    if codec == "sql-row":
        return [{f.name: r[f.role] for f in schema.fields} for r in records]
    if codec == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([f.name for f in schema.fields])
        writer.writerows([[r[f.role] for f in schema.fields] for r in records])
        return [buffer.getvalue()]
    raise ValueError(f"codec: unknown codec {codec!r}")


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise DecodeError(f"{text!r} is not a number") from None


def decode(codec: str, payload: Any, schema: Schema, runtime: str) -> list[dict]:
    """Read ``payload`` as the receiver's schema names it; :class:`DecodeError` if it can't."""
    if codec == "json":
        document = json.loads(payload)
        missing = [f.name for f in schema.fields if f.name not in document]
        if missing:
            raise DecodeError(f"JSON field {missing[0]!r} is missing (got {sorted(document)})")
        return [{f.role: document[f.name] for f in schema.fields}]
    if codec == "protobuf":
        by_number = dict(payload)
        return [{f.role: by_number.get(f.number, f.default) for f in schema.fields}]
    if codec == "java-serialization":
        if runtime != JVM:
            raise DecodeError(f"a Java serialization stream cannot be read on {runtime}")
        values = payload["fields"]
        return [{f.role: values.get(f.name, f.default) for f in schema.fields}]
    if codec == "sql-row":
        missing = [f.name for f in schema.fields if f.name not in payload]
        if missing:
            raise DecodeError(f"no such column: {missing[0]}")
        return [{f.role: payload[f.name] for f in schema.fields}]
    if codec == "csv":
        rows = list(csv.reader(io.StringIO(payload)))[1:]
        records = []
        for row in rows:
            if len(row) < len(schema.fields):
                raise DecodeError(f"a row has {len(row)} columns, expected {len(schema.fields)}")
            records.append(
                {
                    f.role: _number(cell) if f.kind is float else cell
                    for f, cell in zip(schema.fields, row, strict=False)
                }
            )
        return records
    raise ValueError(f"codec: unknown codec {codec!r}")
