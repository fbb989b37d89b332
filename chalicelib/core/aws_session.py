"""botocore sessions that read botocore's data files once per process.

Each botocore session has its own data loader, which reads and parses the endpoints, the
partitions, the SDK defaults and each service's model and endpoint rules again; the service
model of DynamoDB is one of the largest. A function's first invocation made a session per
boto3 client (``integrations/aws.py``) and PynamoDB one per model and thread
(``Connection.session``): the same five files parsed once for each, a third to a half of a
first call's CPU beyond the import (``bench/first_call.py``).

Here every session shares the first one's loader (its cache holds what it parsed; the files
do not change while the process runs, and botocore already shares one loader's data between
the clients of one session). The product's boto3 clients also share one botocore session
(credentials resolved once); botocore sessions are not safe for concurrent client creation,
so those are created under a lock. PynamoDB keeps a session per thread, as it wants, one
for all the thread's connections instead of one per model (``store/model_meta.py``).

Lazy: nothing is imported or created until the first client."""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_loader: Any = None
_boto3_session: Any = None
_per_thread = threading.local()


def botocore_session() -> Any:
    """A new botocore session (credentials, region and settings resolved as
    ``botocore.session.get_session()`` does) whose data loader is the process's one."""
    import botocore.session

    global _loader
    session = botocore.session.get_session()
    with _lock:
        if _loader is None:
            _loader = session.get_component("data_loader")
        else:
            session.register_component("data_loader", _loader)
    return session


def thread_session() -> Any:
    """This thread's botocore session, for PynamoDB: one per thread as PynamoDB wants (a
    thread creates its clients on it alone, so creation needs no lock), shared by the
    thread's connections instead of one per model (the models never set credentials of
    their own, which PynamoDB would set on it: ``tests/unit/test_aws_session.py``)."""
    found = getattr(_per_thread, "session", None)
    if found is None:
        found = _per_thread.session = botocore_session()
    return found


def boto3_session() -> Any:
    """The boto3 session every product client is made from (one per process)."""
    global _boto3_session
    with _lock:
        found = _boto3_session
    if found is not None:
        return found
    import boto3

    made = boto3.session.Session(botocore_session=botocore_session())
    with _lock:
        if _boto3_session is None:
            _boto3_session = made
            _dedupe_search_paths()
        return _boto3_session


def _dedupe_search_paths() -> None:
    """boto3 adds its own data folder to its session's loader at every session: once on the
    shared loader, however often the session is made again (``reset``)."""
    paths = _loader.search_paths
    paths[:] = list(dict.fromkeys(paths))


def reset() -> None:
    """Forget the boto3 session (tests that start and stop moto, or change credentials); the
    loader stays, as the data files do not change."""
    global _boto3_session
    with _lock:
        _boto3_session = None
