"""Data shipped with the code: the reference district and the topic stop words."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=1)
def district() -> dict[str, Any]:
    text = resources.files(__name__).joinpath("district.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data
