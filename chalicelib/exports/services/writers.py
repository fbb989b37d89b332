"""Rows into a file on disk, one row at a time: XLSX through openpyxl's write-only workbook
(rows go to a temporary XML file as they come; nothing holds the sheet), CSV in UTF-8 with
a byte-order mark, which is how Excel knows the file is UTF-8 and shows the Chinese.

openpyxl is imported here, by the export consumer alone: the API never loads it."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime
from typing import IO, Any

from chalicelib.core.domain import clock
from chalicelib.exports.domain.exports import Column

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
RATE_FORMAT = "0.00%"
CSV_DATETIME = "%Y-%m-%d %H:%M"
BOM = "\ufeff"
# Text a spreadsheet would take for a formula (a citizen's title "=HYPERLINK(...)"): kept
# as text in XLSX, and led by an apostrophe in CSV (OWASP's CSV injection advice).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _local(moment: datetime) -> datetime:
    """Excel has no time zones: the time as read in Asia/Shanghai, without its offset."""
    return moment.astimezone(clock.TZ).replace(tzinfo=None)


class XlsxWriter:
    # Excel's rows per sheet, the header included: a longer export goes on in a new sheet
    # (工单明细 (2), ...), each with its header.
    SHEET_ROWS = 1_048_576

    def __init__(self, path: str, title: str, columns: Sequence[Column]) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        self._path = path
        self._title = title
        self._columns = columns
        self._cell = WriteOnlyCell
        self._book = Workbook(write_only=True)
        self._sheets = 0
        self._new_sheet()
        self.rows = 0

    def _new_sheet(self) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font, PatternFill
        from openpyxl.utils import get_column_letter

        self._sheets += 1
        title = self._title if self._sheets == 1 else f"{self._title} ({self._sheets})"
        self._sheet = self._book.create_sheet(title)
        # Set before the first row: a write-only sheet writes these ahead of its rows.
        self._sheet.freeze_panes = "A2"
        for index, column in enumerate(self._columns, start=1):
            self._sheet.column_dimensions[get_column_letter(index)].width = column.width
        bold = Font(bold=True)
        fill = PatternFill("solid", fgColor="DDEBF7")
        header = []
        for column in self._columns:
            cell = WriteOnlyCell(self._sheet, value=column.header)
            cell.font = bold
            cell.fill = fill
            header.append(cell)
        self._sheet.append(header)
        self._sheet_rows = 1

    def write(self, row: Sequence[Any]) -> None:
        if self._sheet_rows >= self.SHEET_ROWS:
            self._new_sheet()
        cells: list[Any] = []
        for column, value in zip(self._columns, row, strict=True):
            if isinstance(value, datetime):
                cell = self._cell(self._sheet, value=_local(value))
                cell.number_format = DATETIME_FORMAT
                cells.append(cell)
            elif column.type == "rate" and value is not None:
                cell = self._cell(self._sheet, value=value)
                cell.number_format = RATE_FORMAT
                cells.append(cell)
            elif isinstance(value, str) and value.startswith(FORMULA_START):
                cell = self._cell(self._sheet, value=value)
                cell.data_type = "s"
                cells.append(cell)
            else:
                cells.append(value)
        self._sheet.append(cells)
        self._sheet_rows += 1
        self.rows += 1

    def close(self) -> None:
        self._book.save(self._path)


class CsvWriter:
    def __init__(self, path: str, title: str, columns: Sequence[Column]) -> None:
        del title  # a CSV file has one unnamed sheet
        self._file: IO[str] = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self._file.write(BOM)
        self._columns = columns
        self._csv = csv.writer(self._file)
        self._csv.writerow([c.header for c in columns])
        self.rows = 0

    def write(self, row: Sequence[Any]) -> None:
        out: list[Any] = []
        for column, value in zip(self._columns, row, strict=True):
            if isinstance(value, datetime):
                out.append(_local(value).strftime(CSV_DATETIME))
            elif column.type == "rate" and value is not None:
                out.append(f"{float(value):.2%}")
            elif isinstance(value, str) and value.startswith(FORMULA_START):
                out.append("'" + value)
            else:
                out.append("" if value is None else value)
        self._csv.writerow(out)
        self.rows += 1

    def close(self) -> None:
        self._file.close()


WRITERS: dict[str, type[XlsxWriter] | type[CsvWriter]] = {"xlsx": XlsxWriter, "csv": CsvWriter}
