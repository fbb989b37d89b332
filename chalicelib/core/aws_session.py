"""One botocore session per process, for the product's boto3 clients and PynamoDB's
connections alike, so botocore's data files are read once.

Each botocore session has its own data loader, which reads and parses the endpoints, the
partitions, the SDK defaults and each service's model and endpoint rules again (DynamoDB's
model is one of the largest), and resolves the credentials again. A function's first
invocation made a session per boto3 client (``integrations/aws.py``) and PynamoDB one per
model and thread (``Connection.session``): the same five files parsed once for each, about
most of a first call's CPU beyond the import (``bench/first_call.py``).

botocore sessions are not safe for concurrent client creation (why PynamoDB keeps one per
thread); the clients they make are. So this session creates its clients under a lock, one
at a time whichever thread asks: a process creates a handful, once. Credentials, region and
settings are resolved as ``botocore.session.get_session()`` does, from the environment.

Lazy: nothing is imported or created until the first client."""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
# Held while a client is created; reentrant, as boto3's client calls botocore's.
_creating = threading.RLock()
_session: Any = None
_boto3_session: Any = None
_loader: Any = None
_locked_class: Any = None


def _session_class() -> Any:
    """``botocore.session.Session`` creating its clients under ``_creating`` (made on first
    use: botocore is imported then)."""
    global _locked_class
    if _locked_class is None:
        import botocore.session

        class LockedSession(botocore.session.Session):  # type: ignore[misc]
            def create_client(self, *args: Any, **kwargs: Any) -> Any:
                with _creating:
                    return super().create_client(*args, **kwargs)

        _locked_class = LockedSession
    return _locked_class


def session() -> Any:
    """The process's botocore session (PynamoDB's connections get it for every thread)."""
    global _session, _loader
    with _lock:
        if _session is None:
            made = _session_class()()
            if _loader is None:
                _loader = made.get_component("data_loader")
            else:  # after ``reset``: the files did not change
                made.register_component("data_loader", _loader)
            _session = made
        return _session


def boto3_session() -> Any:
    """A boto3 session over it, which every product client is made from."""
    global _boto3_session
    botocore_session = session()
    with _lock, _creating:  # boto3 registers its handlers on it: not while a client is made
        if _boto3_session is None or _boto3_session._session is not botocore_session:
            import boto3

            _boto3_session = boto3.session.Session(botocore_session=botocore_session)
            # boto3 adds its data folder to the loader at every session: once here.
            paths = _loader.search_paths
            paths[:] = list(dict.fromkeys(paths))
        return _boto3_session


def reset() -> None:
    """Forget the sessions (tests that start and stop moto, or change credentials): the next
    client resolves its credentials again. The loader stays, as the data files do not
    change."""
    global _session, _boto3_session
    with _lock:
        _session = _boto3_session = None
