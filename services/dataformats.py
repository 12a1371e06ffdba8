"""Data formats: how a payload arrives (dict, JSON text, CSV text) and how a response leaves.

``parse_payload`` runs before SimpleIO input parsing; ``serialize_response``
runs when the caller asks for ``serialize=True``. Both raise
``ValidationError`` naming the service, the CID and where the data went wrong.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import decimal
import enum
import io
import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final, NoReturn

from services.errors import ValidationError

__all__ = [
    'DATA_FORMAT',
    'DATA_FORMATS',
    'check_data_format',
    'parse_payload',
    'serialize_response',
]


class DATA_FORMAT:  # noqa: N801 - Zato's name, kept so that ported code imports unchanged
    """The data formats a payload may arrive in, as in Zato."""

    DICT: Final = 'dict'
    JSON: Final = 'json'
    CSV: Final = 'csv'


#: Every supported data format, the default first.
DATA_FORMATS: Final = (DATA_FORMAT.DICT, DATA_FORMAT.JSON, DATA_FORMAT.CSV)


def check_data_format(value: str) -> str:
    """Return ``value`` normalised (``' JSON '`` -> ``'json'``); ValueError if unsupported."""
    if isinstance(value, str):
        normalised = value.strip().lower()
        if normalised in DATA_FORMATS:
            return normalised
    allowed = ', '.join(repr(name) for name in DATA_FORMATS)
    raise ValueError(f'Unsupported data format {value!r}; use one of {allowed}')


# ---------------------------------------------------------------------------
# Parsing


def parse_payload(payload: Any, data_format: str, *, service: str, cid: str) -> Any:
    """Return ``payload`` parsed from its data format, ready for SimpleIO.

    DICT passes the payload as it is. JSON parses ``str``/``bytes`` (other
    values pass as they are). CSV parses ``str``/``bytes`` with a header row
    into a list of dicts. An empty payload (``''``, ``b''``, None) stays ``''``:
    no input.
    """
    if data_format == DATA_FORMAT.DICT:
        return payload
    if data_format not in (DATA_FORMAT.JSON, DATA_FORMAT.CSV):
        return parse_payload(payload, check_data_format(data_format), service=service, cid=cid)
    if not isinstance(payload, str | bytes | bytearray):
        return payload
    if not payload:
        return ''
    if data_format == DATA_FORMAT.JSON:
        return _parse_json(payload, service, cid)
    return _parse_csv(payload, service, cid)


def _reject_constant(name: str) -> NoReturn:
    # JSON has no NaN or Infinity, although Python's json module accepts them.
    raise ValueError(f'{name} is not valid JSON')


def _parse_json(payload: str | bytes | bytearray, service: str, cid: str) -> Any:
    try:
        return json.loads(payload, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        message = (
            f'Invalid JSON payload: {exc.msg} at line {exc.lineno}, column {exc.colno} '
            f'(char {exc.pos})'
        )
        raise ValidationError(message, service=service, cid=cid) from exc
    except UnicodeDecodeError as exc:
        message = f'Invalid JSON payload: not UTF-8 text ({exc.reason} at byte {exc.start})'
        raise ValidationError(message, service=service, cid=cid) from exc
    except ValueError as exc:
        raise ValidationError(f'Invalid JSON payload: {exc}', service=service, cid=cid) from exc


def _parse_csv(payload: str | bytes | bytearray, service: str, cid: str) -> list[dict[str, str]]:
    def fail(message: str) -> NoReturn:
        raise ValidationError(f'Malformed CSV payload: {message}', service=service, cid=cid)

    if isinstance(payload, str):
        text = payload.removeprefix('\ufeff')
    else:
        try:
            text = bytes(payload).decode('utf-8-sig')
        except UnicodeDecodeError as exc:
            fail(f'not UTF-8 text ({exc.reason} at byte {exc.start})')

    reader = csv.reader(io.StringIO(text, newline=''), strict=True)
    rows: list[dict[str, str]] = []
    header: list[str] | None = None
    row_number = 0
    try:
        for record in reader:
            if not record:
                continue  # a blank line
            if header is None:
                header = _check_header(record, reader.line_num, fail)
                continue
            row_number += 1
            if len(record) != len(header):
                fields = f'{len(record)} field' + ('' if len(record) == 1 else 's')
                fail(
                    f'row {row_number} (line {reader.line_num}) has {fields}, '
                    f'the header has {len(header)}'
                )
            rows.append(dict(zip(header, record, strict=True)))
    except csv.Error as exc:
        fail(f'line {reader.line_num}: {exc}')
    if header is None:
        fail('no header row')
    return rows


def _check_header(record: list[str], line: int, fail: Callable[[str], NoReturn]) -> list[str]:
    header = [name.strip() for name in record]
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if not name:
            fail(f'the header (line {line}) has an empty column name at position {position}')
        if name in seen:
            fail(f'the header (line {line}) names column {name!r} twice')
        seen.add(name)
    return header


# ---------------------------------------------------------------------------
# Serialising


def serialize_response(response: Any, data_format: str, *, service: str, cid: str) -> Any:
    """Return ``response`` serialised in ``data_format`` (for ``serialize=True``).

    JSON: a JSON string (Decimal, UUID and dates as strings). CSV: text with a
    header row, from a list of dicts or one dict. DICT: the response unchanged.
    """
    if data_format == DATA_FORMAT.DICT:
        return response
    if data_format == DATA_FORMAT.JSON:
        return _to_json(response, service, cid)
    if data_format == DATA_FORMAT.CSV:
        return _to_csv(response, service, cid)
    return serialize_response(response, check_data_format(data_format), service=service, cid=cid)


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode('utf-8')
    if isinstance(value, set | frozenset):
        return list(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f'a {type(value).__name__} cannot be represented in JSON')


def _to_json(response: Any, service: str, cid: str) -> str:
    try:
        return json.dumps(response, default=_json_default, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            f'Cannot serialise the response to JSON: {exc}', service=service, cid=cid
        ) from exc


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ''
    if value is True:
        return 'true'
    if value is False:
        return 'false'
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping | list | tuple | set | frozenset):
        raise TypeError(f'a {type(value).__name__} does not fit in a CSV cell')
    return value


def _as_row(item: Any) -> Mapping[Any, Any] | None:
    if isinstance(item, Mapping):
        return item
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return {field.name: getattr(item, field.name) for field in dataclasses.fields(item)}
    return None


def _to_csv(response: Any, service: str, cid: str) -> str:
    def fail(message: str) -> NoReturn:
        raise ValidationError(
            f'Cannot serialise the response to CSV: {message}', service=service, cid=cid
        )

    if response is None or response == '':
        return ''
    single = _as_row(response)
    items: list[Any]
    if single is not None:
        items = [single]
    elif isinstance(response, list | tuple):
        items = list(response)
    else:
        fail(f'expected a dict or a list of dicts, got {type(response).__name__}')
    if not items:
        return ''

    rows: list[Mapping[Any, Any]] = []
    columns: dict[str, None] = {}  # insertion-ordered set of column names
    for index, item in enumerate(items):
        row = _as_row(item)
        if row is None:
            fail(f'item {index} is a {type(item).__name__}, not a dict')
        rows.append(row)
        for key in row:
            columns.setdefault(str(key), None)

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for index, row in enumerate(rows):
        by_name = {str(key): value for key, value in row.items()}
        cells = []
        for column in columns:
            try:
                cells.append(_csv_cell(by_name.get(column)))
            except TypeError as exc:
                fail(f'item {index}, column {column!r}: {exc}')
        writer.writerow(cells)
    return buffer.getvalue()
