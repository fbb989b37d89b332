"""Logger and metrics, created once per process."""

from __future__ import annotations

import os
import threading

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "minsheng")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Minsheng")

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()


_flushing = threading.Lock()


def flush_metrics() -> None:
    """Emit what the invocation recorded (EMF to stdout); harmless when nothing was.

    Metrics never fail the work they describe. On Lambda a process runs one invocation at
    a time; the local stack runs requests, the pump and the scheduler as threads of one
    process, where another thread may empty the shared set between its check and its
    serialisation."""
    import warnings

    with _flushing, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            metrics.flush_metrics(raise_on_empty_metrics=False)
        except Exception:
            logger.warning("metrics not flushed", exc_info=True)
