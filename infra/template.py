"""Resources Chalice does not generate, as a CloudFormation template merged into
``chalice package`` output. Tables come from the PynamoDB models (``dal/tables.py``).

    python -m infra.template > infra/resources.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

LOGICAL_IDS = {
    "AppealModel": "AppealsTable",
    "CommentModel": "CommentsTable",
    "DepartmentModel": "DepartmentsTable",
    "CategoryModel": "CategoriesTable",
    "SettingModel": "SettingsTable",
    "FollowModel": "FollowsTable",
    "StatsModel": "StatsTable",
    "IdempotencyModel": "IdempotencyTable",
}


def template() -> dict[str, Any]:
    from chalicelib.dal.models import ALL_MODELS
    from chalicelib.dal.tables import cloudformation_resource
    from chalicelib.local import provision as spec

    resources: dict[str, Any] = {
        LOGICAL_IDS[model.__name__]: cloudformation_resource(model) for model in ALL_MODELS
    }
    resources["MediaBucket"] = {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "Properties": {
            "PublicAccessBlockConfiguration": spec.PUBLIC_ACCESS_BLOCK,
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                ]
            },
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "expire-unattached-uploads",
                        "Status": "Enabled",
                        "Prefix": "uploads/",
                        "ExpirationInDays": spec.UNATTACHED_UPLOAD_DAYS,
                    }
                ]
            },
        },
    }
    resources["UserPool"] = {
        "Type": "AWS::Cognito::UserPool",
        "Properties": {
            "Policies": {"PasswordPolicy": spec.PASSWORD_POLICY},
            "Schema": spec.POOL_SCHEMA,
        },
    }
    resources["UserPoolClient"] = {
        "Type": "AWS::Cognito::UserPoolClient",
        "Properties": {
            "UserPoolId": {"Ref": "UserPool"},
            **spec.APP_CLIENT,
        },
    }
    for group in spec.GROUPS:
        resources[f"{group.capitalize()}Group"] = {
            "Type": "AWS::Cognito::UserPoolGroup",
            "Properties": {"GroupName": group, "UserPoolId": {"Ref": "UserPool"}},
        }
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}


if __name__ == "__main__":
    json.dump(template(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
