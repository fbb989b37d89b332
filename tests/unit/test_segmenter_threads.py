"""The segmenter is taught the district's words once per process, whatever the threads: two
teaching rjieba's dictionary at once fail with "Already borrowed" (the rebuild's scan
segments did, on the local stack). To watch it fail: remove the lock in segmenter()."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from chalicelib.core.services import segmenter as module


def test_threads_asking_for_the_segmenter_at_once_teach_it_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import rjieba

    inside, most, taught = [0], [0], []
    guard = threading.Lock()

    def add_word(word: str, freq: Any, tag: Any) -> None:
        with guard:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.0005)  # long enough for another thread to come in
        taught.append(word)
        with guard:
            inside[0] -= 1

    module._taught.cache_clear()
    monkeypatch.setattr(rjieba, "add_word", add_word)
    try:
        start = threading.Barrier(6)

        def ask() -> None:
            start.wait()
            module.segmenter()

        threads = [threading.Thread(target=ask) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert taught and most[0] == 1  # taught, never by two threads at once
    finally:
        monkeypatch.undo()
        module._taught.cache_clear()  # taught for real again on the next use
