"""Domain exceptions. No web framework here: handlers map these to problem+json."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a caller can be told about."""

    status = 500
    title = "Internal error"
    type_slug = "internal"
    # Seconds after which the same request may succeed (the ``Retry-After`` header).
    retry_after: int | None = None

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class ValidationFailed(DomainError):
    status = 400
    title = "Invalid request"
    type_slug = "validation"

    def __init__(self, errors: list[dict[str, Any]], detail: str | None = None) -> None:
        fields = ", ".join(e["field"] for e in errors)
        super().__init__(detail or f"Invalid field(s): {fields}")
        self.errors = errors

    @classmethod
    def one(cls, field: str, message: str) -> ValidationFailed:
        return cls([{"field": field, "message": message}])


class Unauthenticated(DomainError):
    status = 401
    title = "Unauthenticated"
    type_slug = "unauthenticated"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"
    type_slug = "forbidden"


class AccountDisabled(Unauthenticated):
    """The token is genuine, but its account was disabled or signed out since."""

    type_slug = "account-disabled"


class MfaRequired(Forbidden):
    """The caller's role needs an authenticator app (TOTP) and the account has none yet."""

    title = "Two-step verification required"
    type_slug = "mfa-required"


class NotFound(DomainError):
    status = 404
    title = "Not found"
    type_slug = "not-found"


class FeatureOff(NotFound):
    """The call belongs to an optional part this deployment leaves out (``MINSHENG_FEATURES``)."""

    title = "Not part of this deployment"
    type_slug = "feature-off"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    type_slug = "conflict"


class IdempotencyMismatch(DomainError):
    status = 422
    title = "Idempotency key reused with a different request"
    type_slug = "idempotency-mismatch"


class PayloadTooLarge(DomainError):
    status = 413
    title = "Payload too large"
    type_slug = "payload-too-large"


class UnsupportedMediaType(DomainError):
    status = 415
    title = "Unsupported media type"
    type_slug = "unsupported-media-type"


class TooManyRequests(DomainError):
    status = 429
    title = "Too many requests"
    type_slug = "too-many-requests"

    def __init__(self, detail: str, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = max(1, retry_after)


class ServiceUnavailable(DomainError):
    status = 503
    title = "Service unavailable"
    type_slug = "unavailable"
    retry_after = 2  # a store or service that refused or throttled: try again shortly
