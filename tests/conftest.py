"""Test environment: set before anything imports the app (settings are read once)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
    AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
    MINSHENG_STAGE="test",
    MINSHENG_TABLE_PREFIX="minsheng-test",
    POWERTOOLS_SERVICE_NAME="minsheng",
    POWERTOOLS_METRICS_NAMESPACE="Minsheng",
    POWERTOOLS_DEV="false",
    # Tests file many appeals as one citizen; the limits' own tests turn them on.
    MINSHENG_SUBMISSION_LIMITS="off",
)
for name in ("AWS_PROFILE", "MINSHENG_AWS_ENDPOINT", "MINSHENG_JWKS_URL", "AWS_ENDPOINT_URL"):
    os.environ.pop(name, None)
