"""The integration stack's reference rows are the loader's, whichever way they were written."""

from __future__ import annotations

from typing import Any

import boto3

from chalicelib.core.config import settings
from tests.integration import conftest
from tests.integration.conftest import REGION, Stack


def _rows(table: str) -> list[dict[str, Any]]:
    ddb = boto3.client("dynamodb", region_name=REGION)
    items = [i for p in ddb.get_paginator("scan").paginate(TableName=table) for i in p["Items"]]
    return sorted(items, key=repr)


def test_batch_written_reference_rows_equal_what_the_loader_wrote(stack: Stack) -> None:
    tables = (settings().departments_table, settings().categories_table)
    loaded = conftest._reference_items[tables]  # scanned right after the loader ran
    assert len(loaded[tables[0]]) == 35 and len(loaded[tables[1]]) == 22
    ddb = boto3.client("dynamodb", region_name=REGION)
    for table in tables:
        key = "id" if table == tables[0] else "code"
        for row in _rows(table):
            ddb.delete_item(TableName=table, Key={key: row[key]})
        assert _rows(table) == []
    conftest.load_reference_data()  # the batch path: the loader has run in this process
    for table in tables:
        assert _rows(table) == sorted(loaded[table], key=repr)
