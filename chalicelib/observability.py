"""Logger and metrics, created once per process."""

from __future__ import annotations

import os

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "minsheng")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Minsheng")

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()


def flush_metrics() -> None:
    """Emit what the invocation recorded (EMF to stdout); harmless when nothing was."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        metrics.flush_metrics(raise_on_empty_metrics=False)
