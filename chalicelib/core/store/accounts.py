"""Staff accounts as every signed-in request checks them: the account's record in the users
table (enabled, role, department, MFA seen, signed out at), read by user name. The users
service (``administration``) writes the records; a staff member the pool knows and the
table does not yet (made before the users API, or by hand) is recorded on first sight."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBConnectionError, UpdateError

from chalicelib.core.domain.records import frozen
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.store.models import UserModel

ACCOUNT = "account"
LISTED = "staff"
# The guard of the last admin: its item's key, and the role it counts.
GUARD = ("#admins", "guard")
ADMIN = "admin"


@frozen
class Account:
    username: str
    sub: str
    name: str
    role: str
    department_id: str | None
    email: str | None
    phone: str | None
    enabled: bool
    mfa: bool
    mfa_checked_at: int
    signed_out_at: int
    created_at: str
    created_by: str
    updated_at: str
    rev: int


def account_of(item: UserModel) -> Account:
    return Account(
        username=str(item.username or item.pk),
        sub=str(item.sub or ""),
        name=str(item.name or ""),
        role=str(item.role or ""),
        department_id=item.department_id,
        email=item.email,
        phone=item.phone,
        enabled=bool(item.enabled),
        mfa=bool(item.mfa),
        mfa_checked_at=int(item.mfa_checked_at or 0),
        signed_out_at=int(item.signed_out_at or 0),
        created_at=str(item.created_at or ""),
        created_by=str(item.created_by or ""),
        updated_at=str(item.updated_at or ""),
        rev=int(item.rev or 0),
    )


def record(account: Account) -> UserModel:
    """The account's item as it is written (``rev`` as given)."""
    return UserModel(
        account.username,
        ACCOUNT,
        username=account.username,
        sub=account.sub,
        name=account.name,
        role=account.role,
        department_id=account.department_id,
        email=account.email,
        phone=account.phone,
        enabled=account.enabled,
        mfa=account.mfa,
        mfa_checked_at=account.mfa_checked_at,
        signed_out_at=account.signed_out_at,
        created_at=account.created_at,
        created_by=account.created_by,
        updated_at=account.updated_at,
        listed=LISTED,
        rev=account.rev,
    )


def get(username: str) -> Account | None:
    """What is stored now (strongly consistent: a disabled account is refused at once)."""
    try:
        return account_of(UserModel.get(username, ACCOUNT, consistent_read=True))
    except DoesNotExist:
        return None
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the users store is unreachable") from exc


def adopt(account: Account) -> Account:
    """Record an account the pool has and the table had not (first write wins: two first
    requests at once record it once)."""
    from pynamodb.exceptions import TransactWriteError
    from pynamodb.transactions import TransactWrite

    item = record(account)
    try:
        if account.role == ADMIN and account.enabled:
            # An enabled admin is counted by the guard of the last admin, in the same write.
            connection = UserModel._get_connection().connection
            with TransactWrite(connection=connection) as transaction:
                transaction.save(item, condition=UserModel.pk.does_not_exist())
                transaction.update(
                    UserModel(*GUARD), actions=[UserModel.admins.add({account.username})]
                )
        else:
            item.save(condition=UserModel.pk.does_not_exist())
    except (PutError, TransactWriteError) as exc:
        stored = get(account.username)
        if stored is not None:
            return stored
        raise ServiceUnavailable("the users store did not accept the write") from exc
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the users store is unreachable") from exc
    return account


def saw_mfa(username: str, mfa: bool, at: int) -> None:
    """What the pool said of the account's authenticator app, and when it was asked."""
    try:
        UserModel(username, ACCOUNT).update(
            actions=[UserModel.mfa.set(mfa), UserModel.mfa_checked_at.set(at)],
            condition=UserModel.pk.exists(),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return
        raise ServiceUnavailable("the users store did not accept the write") from exc
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the users store is unreachable") from exc
