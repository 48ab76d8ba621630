"""An S3 store in memory (moto) standing in for ZHIKU_STORAGE=s3, for the tests of any app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from moto import mock_aws

BUCKET = "zhiku-test"


@contextmanager
def s3_storages(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Put both storages on one bucket under two prefixes, as zhiku/settings.py does; yield
    a boto3 client of the store."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        options = {"bucket_name": BUCKET, "default_acl": None, "file_overwrite": True}
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": options | {"location": "files"},
            },
            "uploads": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": options | {"location": "uploads"},
            },
        }
        yield client


def keys_in(client: Any) -> list[str]:
    """Every object's key in the bucket."""
    listing = client.list_objects_v2(Bucket=BUCKET)
    return sorted(item["Key"] for item in listing.get("Contents", []))
