"""What each function's code calls on AWS, kept beside the code and checked against it:
``tests/integration/test_permissions.py`` records every call a journey through the app
makes, per function, and requires this list to equal what was recorded. ``infra.template``
turns it into one IAM role per group of functions with the same needs.

Resources are named by the Settings field that names them at run time (so a new table
is found through ``chalicelib/core/config.py``):
  ``table:<field>``               the table itself
  ``index:<field>/<index name>``  a query on one of its indexes
  ``objects:<field>/<prefix>``    objects under a key prefix of a bucket
  ``queue:<field>``               a queue (the field holds its URL)
  ``pool:<field>``                the user pool
  ``secrets:<field>``             the secrets whose names start with the field's value
                                  (``wechat_secret``, ``owner_key_secret``: the one
                                  secret it names)
  ``identity:<field>``            the SES identity a setting names (the report sender, the
                                  mayor's mailbox)
  ``sms:phone-numbers``           SMS to phone numbers (SNS has no ARN for them: ``*``)
"""

from __future__ import annotations

Grant = tuple[str, str]

_APPEALS = "table:appeals_table"
_STATS = "table:stats_table"
_DELIVERIES = "table:deliveries_table"
_HISTORY = "table:webhook_history_table"
_NOTIFICATIONS = "table:notifications_table"
_QUEUE = "queue:notifications_queue"
_DEAD_LETTERS = "queue:notifications_dead_letter_queue"
_SECRETS = "secrets:webhook_secret_prefix"
_MAIL = "table:mail_table"
_KNOWLEDGE = "table:knowledge_table"
_USERS = "table:users_table"
_POOL = "pool:user_pool_id"


def _index(name: str) -> Grant:
    return ("dynamodb:Query", f"index:appeals_table/{name}")


_API: frozenset[Grant] = frozenset(
    {
        ("dynamodb:GetItem", _APPEALS),
        ("dynamodb:BatchGetItem", _APPEALS),
        ("dynamodb:PutItem", _APPEALS),
        # A merge checks its target inside the write's transaction.
        ("dynamodb:ConditionCheckItem", _APPEALS),
        _index("by-citizen"),
        _index("by-department"),
        # A department's system catches up with its work orders changed since a time.
        _index("by-department-changes"),
        _index("by-department-state"),
        _index("by-state"),
        _index("by-month"),
        _index("supervision"),
        ("dynamodb:GetItem", "table:departments_table"),
        ("dynamodb:PutItem", "table:departments_table"),
        ("dynamodb:Scan", "table:departments_table"),
        ("dynamodb:GetItem", "table:categories_table"),
        ("dynamodb:PutItem", "table:categories_table"),
        ("dynamodb:Scan", "table:categories_table"),
        ("dynamodb:GetItem", "table:settings_table"),
        ("dynamodb:PutItem", "table:settings_table"),
        ("dynamodb:PutItem", "table:follows_table"),
        ("dynamodb:DeleteItem", "table:follows_table"),
        ("dynamodb:Query", "table:follows_table"),
        ("dynamodb:Query", _STATS),
        ("dynamodb:PutItem", "table:idempotency_table"),
        ("dynamodb:UpdateItem", "table:idempotency_table"),
        ("dynamodb:DeleteItem", "table:idempotency_table"),
        # A presigned POST is signed by the function: the citizen's upload is its PutObject.
        ("s3:PutObject", "objects:media_bucket/uploads/"),
        # Attaching a photo copies it out of reach of the upload expiry rule.
        ("s3:GetObject", "objects:media_bucket/uploads/"),
        ("s3:PutObject", "objects:media_bucket/attached/"),
        # Photos open through presigned GET URLs the function signs.
        ("s3:GetObject", "objects:media_bucket/attached/"),
        # A photo the center marks public is copied where the citizen's id is not in the
        # key, and deleted again when the mark is taken back.
        ("s3:PutObject", "objects:media_bucket/public/"),
        ("s3:GetObject", "objects:media_bucket/public/"),
        ("s3:DeleteObject", "objects:media_bucket/public/"),
        # Leaders' comments: written in the appeal's transaction, read in pages.
        ("dynamodb:PutItem", "table:comments_table"),
        ("dynamodb:Query", "table:comments_table"),
        # Department webhooks: registrations, their signing secrets (created on the first
        # registration, rotated, read to verify inbound requests), the delivery log and its
        # redrives (a delivery back on the queue; the dead-letter queue moved back).
        ("dynamodb:GetItem", "table:webhooks_table"),
        ("dynamodb:PutItem", "table:webhooks_table"),
        # Every change of a registration is recorded in its own transaction; read in pages.
        ("dynamodb:PutItem", _HISTORY),
        ("dynamodb:Query", _HISTORY),
        ("secretsmanager:CreateSecret", _SECRETS),
        ("secretsmanager:PutSecretValue", _SECRETS),
        ("secretsmanager:GetSecretValue", _SECRETS),
        ("dynamodb:GetItem", _DELIVERIES),
        ("dynamodb:UpdateItem", _DELIVERIES),
        ("dynamodb:Query", "index:deliveries_table/by-department"),
        ("dynamodb:Query", "index:deliveries_table/by-status"),
        ("sqs:SendMessage", _QUEUE),
        ("sqs:ReceiveMessage", _DEAD_LETTERS),
        ("sqs:DeleteMessage", _DEAD_LETTERS),
        # 附议: the support and the appeal's counter in one transaction; the counts of a
        # page of appeals (the feed, the operator's queue) and of a month's days.
        ("dynamodb:PutItem", "table:supports_table"),
        ("dynamodb:DeleteItem", "table:supports_table"),
        ("dynamodb:UpdateItem", _STATS),
        ("dynamodb:BatchGetItem", _STATS),
        # Early-warning alerts: one read (consistent) before an operator acts on it.
        ("dynamodb:GetItem", _STATS),
        _index("public-feed"),
        # The app's notifications: read in pages, marked read.
        ("dynamodb:Query", _NOTIFICATIONS),
        ("dynamodb:UpdateItem", _NOTIFICATIONS),
        # Open311: requests read from the public feed's month partitions (never a scan), in
        # full by BatchGetItem; API keys made, checked and revoked.
        ("dynamodb:PutItem", "table:api_keys_table"),
        ("dynamodb:GetItem", "table:api_keys_table"),
        ("dynamodb:UpdateItem", "table:api_keys_table"),
        # The hotline: a caller's earlier appeals are the by-citizen index of their number.
        # SMS rating links: found by their token's hash, used once.
        ("dynamodb:Query", "index:rating_links_table/by-token"),
        ("dynamodb:GetItem", "table:rating_links_table"),
        ("dynamodb:UpdateItem", "table:rating_links_table"),
        # The WeChat official account: its token verifies every request (read only).
        ("secretsmanager:GetSecretValue", "secrets:wechat_secret"),
        # Owner keys (a hotline caller's, a verified phone's, a WeChat follower's) are
        # keyed with this secret: read once per container.
        ("secretsmanager:GetSecretValue", "secrets:owner_key_secret"),
        # Submission limits: each window's counter, taken in one transaction; WeChat's
        # signed requests, each (timestamp, nonce) taken by one conditional write.
        ("dynamodb:UpdateItem", "table:limits_table"),
        # The mayor's mailbox: flagged letters listed, each with a presigned link to the
        # raw letter.
        ("dynamodb:Query", "index:mail_table/flagged"),
        ("s3:GetObject", "objects:inbox_bucket/inbox/"),
        # The knowledge base: articles read (one, a page, all of them for the search index,
        # the versions), each write with its version record and the index stamp in one
        # transaction, the stamp checked by searches, helpful answers (marker, count, the
        # stats table's deflected counters) in one transaction.
        ("dynamodb:GetItem", _KNOWLEDGE),
        ("dynamodb:Query", _KNOWLEDGE),
        ("dynamodb:PutItem", _KNOWLEDGE),
        ("dynamodb:UpdateItem", _KNOWLEDGE),
        # A department's weekly report (also read here) lists its articles due for review.
        ("dynamodb:Query", "index:knowledge_table/by-owner"),
        # Staff accounts: every staff request reads its account's record (an account the
        # table has not seen is looked up in the pool and recorded; MFA is asked of the
        # pool); the admin's changes go to the pool and, with their record and the guard of
        # the last admin, in one transaction to the table; the directory and each account's
        # changes are read in pages. A change that fails is undone (AdminDeleteUser, the
        # record's DeleteItem).
        ("dynamodb:GetItem", _USERS),
        ("dynamodb:PutItem", _USERS),
        ("dynamodb:UpdateItem", _USERS),
        ("dynamodb:DeleteItem", _USERS),
        ("dynamodb:Query", _USERS),
        ("dynamodb:Query", "index:users_table/directory"),
        ("dynamodb:Query", "index:users_table/by-role"),
        ("dynamodb:Query", "index:users_table/by-department"),
        ("cognito-idp:AdminGetUser", _POOL),
        ("cognito-idp:AdminListGroupsForUser", _POOL),
        ("cognito-idp:AdminCreateUser", _POOL),
        ("cognito-idp:AdminDeleteUser", _POOL),
        ("cognito-idp:AdminAddUserToGroup", _POOL),
        ("cognito-idp:AdminRemoveUserFromGroup", _POOL),
        ("cognito-idp:AdminUpdateUserAttributes", _POOL),
        ("cognito-idp:AdminDeleteUserAttributes", _POOL),
        ("cognito-idp:AdminDisableUser", _POOL),
        ("cognito-idp:AdminEnableUser", _POOL),
        ("cognito-idp:AdminUserGlobalSignOut", _POOL),
        ("cognito-idp:AdminSetUserPassword", _POOL),
        # Exports: each request recorded (the users table's export records) and queued for
        # its consumer; a finished file opens through a presigned GET the function signs.
        ("sqs:SendMessage", "queue:exports_queue"),
        ("s3:GetObject", "objects:media_bucket/exports/"),
    }
)

# Chalice's resource name for each function -> what its code calls.
NEEDS: dict[str, frozenset[Grant]] = {
    "APIHandler": _API,
    "AppealActivity": frozenset(),
    "AppealRouting": frozenset(
        {
            ("dynamodb:GetItem", _APPEALS),
            ("dynamodb:PutItem", _APPEALS),
            ("dynamodb:GetItem", "table:categories_table"),
            ("dynamodb:GetItem", "table:departments_table"),
            ("dynamodb:GetItem", "table:settings_table"),
        }
    ),
    "AppealStatistics": frozenset(
        {
            # The batch's dedup markers, read before its increments are summed.
            ("dynamodb:BatchGetItem", _STATS),
            ("dynamodb:PutItem", _STATS),
            ("dynamodb:UpdateItem", _STATS),
        }
    ),
    "AppealTopics": frozenset(
        {
            # The citizen markers a record's words already have (distinct citizens).
            ("dynamodb:BatchGetItem", _STATS),
            ("dynamodb:PutItem", _STATS),
            ("dynamodb:UpdateItem", _STATS),
            # Early warning counts by town or street: the places are the reference data's.
            ("dynamodb:Scan", "table:departments_table"),
        }
    ),
    "AppealNotifications": frozenset(
        {
            ("sqs:SendMessage", _QUEUE),
            # Who is told: every leader (escalations), the appeal's followers, the
            # department handling the appeal another one was merged into.
            ("cognito-idp:ListUsersInGroup", "pool:user_pool_id"),
            ("dynamodb:Query", "index:follows_table/by-appeal"),
            ("dynamodb:GetItem", _APPEALS),
        }
    ),
    "DeliverNotifications": frozenset(
        {
            ("dynamodb:GetItem", "table:webhooks_table"),
            ("secretsmanager:GetSecretValue", _SECRETS),
            ("dynamodb:PutItem", _DELIVERIES),
            ("dynamodb:GetItem", _DELIVERIES),
            ("dynamodb:UpdateItem", _DELIVERIES),
            # The work order as the department sees it, with the latest comments.
            ("dynamodb:GetItem", _APPEALS),
            ("dynamodb:Query", "table:comments_table"),
            # A batch's registrations and work orders, read together (one call per table).
            ("dynamodb:BatchGetItem", "table:webhooks_table"),
            ("dynamodb:BatchGetItem", _APPEALS),
            # A failed delivery's retry time.
            ("sqs:ChangeMessageVisibility", _QUEUE),
            ("dynamodb:PutItem", _NOTIFICATIONS),
            # SMS follow-up: the link issued once per notice, the text sent to the caller.
            ("dynamodb:GetItem", "table:rating_links_table"),
            ("dynamodb:PutItem", "table:rating_links_table"),
            ("dynamodb:UpdateItem", "table:rating_links_table"),
            ("sns:Publish", "sms:phone-numbers"),
            # A change of a department's webhook, told to each of its staff in the app.
            ("cognito-idp:ListUsersInGroup", "pool:user_pool_id"),
            # A URL that answered its challenge is marked verified, on record.
            ("dynamodb:PutItem", "table:webhooks_table"),
            ("dynamodb:PutItem", _HISTORY),
        }
    ),
    "SupportTopics": frozenset(
        {
            # The supported appeal's words; the citizen markers; one transaction.
            ("dynamodb:GetItem", _APPEALS),
            ("dynamodb:BatchGetItem", _STATS),
            ("dynamodb:PutItem", _STATS),
            ("dynamodb:UpdateItem", _STATS),
        }
    ),
    "SlaSweep": frozenset(
        {
            _index("by-next-due"),
            ("dynamodb:PutItem", _APPEALS),
            # Read again when someone changed the work order between the sweep's read and write.
            ("dynamodb:GetItem", _APPEALS),
        }
    ),
    "AutoClose": frozenset(
        {
            _index("by-state"),
            ("dynamodb:PutItem", _APPEALS),
            ("dynamodb:GetItem", _APPEALS),
            ("dynamodb:GetItem", "table:settings_table"),
        }
    ),
    "RankingsRefresh": frozenset(
        {
            # Each department's counter shards (summed).
            ("dynamodb:BatchGetItem", _STATS),
            ("dynamodb:PutItem", _STATS),
            ("dynamodb:Scan", "table:departments_table"),
            # Early warning (未诉先办), on the same schedule: this week's counts of each
            # town and street (a query each), the 8 weeks before (BatchGetItem), each new
            # alert (a conditional put, labelled with its category's name) and its notices
            # to every leader through the notifications queue.
            ("dynamodb:Query", _STATS),
            ("dynamodb:GetItem", "table:categories_table"),
            ("cognito-idp:ListUsersInGroup", _POOL),
            ("sqs:SendMessage", _QUEUE),
        }
    ),
    # Reports: the figures the public sees (counters, snapshots, topics, marks), the
    # supervision index and the appeals it lists, the recipients (a setting), the report
    # log claimed and finished per message, and SES for the sender's identity alone.
    "DailyReport": frozenset(
        {
            ("dynamodb:Query", _STATS),
            ("dynamodb:BatchGetItem", _STATS),
            ("dynamodb:UpdateItem", _STATS),
            ("dynamodb:Scan", "table:departments_table"),
            ("dynamodb:GetItem", "table:settings_table"),
            _index("supervision"),
            ("dynamodb:BatchGetItem", _APPEALS),
            ("ses:SendEmail", "identity:report_sender"),
        }
    ),
    # The mayor's mailbox: the letter SES stored, its record (claimed once, finished, the
    # thread's earlier letters), the appeal it makes (photos through the uploads path, as
    # the one intake validation checks them) or the note it adds, the acknowledgement.
    "ReceiveMail": frozenset(
        {
            ("s3:GetObject", "objects:inbox_bucket/inbox/"),
            # The sender's owner key is keyed with this secret.
            ("secretsmanager:GetSecretValue", "secrets:owner_key_secret"),
            # A sender's letters count against the submission limits.
            ("dynamodb:UpdateItem", "table:limits_table"),
            ("dynamodb:PutItem", _MAIL),
            ("dynamodb:GetItem", _MAIL),
            ("dynamodb:UpdateItem", _MAIL),
            ("dynamodb:BatchGetItem", _MAIL),
            ("dynamodb:GetItem", _APPEALS),
            ("dynamodb:PutItem", _APPEALS),
            ("dynamodb:GetItem", "table:settings_table"),
            ("s3:PutObject", "objects:media_bucket/uploads/"),
            ("s3:GetObject", "objects:media_bucket/uploads/"),
            ("s3:PutObject", "objects:media_bucket/attached/"),
            ("ses:SendEmail", "identity:mailbox_address"),
        }
    ),
    # The monthly bulletin: the month's and the month before's counters, snapshots and
    # topics, the recipients, the report log, SES; and the knowledge base's articles and
    # the versions of those changed since the month began (知识库更新数, 逾期未复核).
    "MonthlyReport": frozenset(
        {
            ("dynamodb:Query", _KNOWLEDGE),
            ("dynamodb:Query", _STATS),
            ("dynamodb:BatchGetItem", _STATS),
            ("dynamodb:UpdateItem", _STATS),
            ("dynamodb:Scan", "table:departments_table"),
            ("dynamodb:Scan", "table:categories_table"),
            ("dynamodb:GetItem", "table:settings_table"),
            ("ses:SendEmail", "identity:report_sender"),
        }
    ),
    # Exports: the record claimed and finished; a period's work orders read from the month
    # index a page at a time (one batch read each), the names of departments and
    # categories; the figures (counters, ranking snapshots); the file put under exports/.
    "BuildExports": frozenset(
        {
            ("dynamodb:GetItem", _USERS),
            ("dynamodb:UpdateItem", _USERS),
            _index("by-month"),
            ("dynamodb:BatchGetItem", _APPEALS),
            ("dynamodb:Scan", "table:departments_table"),
            ("dynamodb:Scan", "table:categories_table"),
            ("dynamodb:Query", _STATS),
            ("dynamodb:BatchGetItem", _STATS),
            ("s3:PutObject", "objects:media_bucket/exports/"),
        }
    ),
    "WeeklyReport": frozenset(
        {
            # The department's knowledge-base articles past their review date.
            ("dynamodb:Query", "index:knowledge_table/by-owner"),
            ("dynamodb:Query", _STATS),
            ("dynamodb:BatchGetItem", _STATS),
            ("dynamodb:UpdateItem", _STATS),
            ("dynamodb:Scan", "table:departments_table"),
            ("dynamodb:GetItem", "table:settings_table"),
            ("dynamodb:BatchGetItem", _APPEALS),
            ("ses:SendEmail", "identity:report_sender"),
        }
    ),
}
