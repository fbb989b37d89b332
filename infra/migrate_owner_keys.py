"""Re-key the owner keys an earlier version wrote (a SHA-256 with a constant in the source)
as the owner-key secret's HMAC, in a deployed stack. Run once after deploying the version
that brought the secret; running it again changes nothing.

    python -m infra.migrate_owner_keys --stack minsheng-prod --stage prod [--dry-run]

A digest cannot be reversed, so each new key comes from data that holds the number or the
address:

- hotline appeals (``tel:``): the caller's number the appeal keeps as its contact;
- mailbox letters and their appeals (``mail:``): the From address of the raw letter, kept
  in the inbox bucket for 400 days;
- WeChat appeals (``wechat:``) are left as they are: no stored data holds the OpenID
  (``查询`` still finds them; see docs/operate/upgrades.md).

Table and bucket names come from the stack's outputs; credentials and region from the
usual AWS environment (the caller needs Scan, GetItem, PutItem and UpdateItem on the
appeals and mail tables, GetObject on the inbox bucket, GetSecretValue on the owner-key
secret).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter


def migrate(*, dry_run: bool = False) -> Counter[str]:
    """Letters first (they give the senders' new keys), then every owner-keyed appeal.
    Returns the counts by kind and outcome."""
    from chalicelib.channels.hotline.services import hotline
    from chalicelib.channels.mailbox.services import mailbox
    from chalicelib.core.domain.appeal import Appeal
    from chalicelib.core.services import owners

    senders, counts = mailbox.rekey_letters(dry_run=dry_run)

    def resolve(appeal: Appeal) -> str | None:
        kind = appeal.citizen_id.partition(":")[0]
        if kind == "tel":
            return hotline.owner_key_of(appeal)
        if kind == "mail":
            return senders.get(appeal.citizen_id)
        return None

    counts.update(owners.rekey_appeals(resolve, dry_run=dry_run))
    return counts


def _stack_environment(stack_name: str, stage: str) -> None:
    import boto3

    from infra.stack_settings import stack_environment

    stack = boto3.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
    stack_environment(stack, stage)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.migrate_owner_keys")
    parser.add_argument("--stack", required=True)
    parser.add_argument("--stage", required=True, help="the stage the stack was packaged for")
    parser.add_argument(
        "--dry-run", action="store_true", help="count what would be re-keyed, write nothing"
    )
    args = parser.parse_args(argv)
    _stack_environment(args.stack, args.stage)
    counts = migrate(dry_run=args.dry_run)
    verb = "would be" if args.dry_run else "were"
    print(f"Owner keys in {args.stack} ({'dry run' if args.dry_run else 'written'}):")
    for name, count in sorted(counts.items()):
        print(f"  {name}: {count}")
    print(
        f"'rekeyed' {verb} moved to the secret's key; 'current' had it already; 'left' "
        "could not be re-keyed (no stored number, address or OpenID); 'gone': the raw "
        "letter is no longer in the inbox bucket."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
