"""The database of a service module that has one (``ServiceSpec.has_database``): sizes per
environment, the stack settings that change them, and what the module's tasks are handed
(docs/database.md).

    database:                # Pulumi.<stack>.yaml, every key optional
      instanceClass: db.t4g.small
      allocatedStorageGb: 50
      maxAllocatedStorageGb: 200
      backupRetentionDays: 14
      maxConnections: 150
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pulumi

from stack.infra.components.alarms import AlarmTarget
from stack.infra.components.database import POSTGRES_PORT, DatabaseSize, PostgresDatabase, PostgresDatabaseArgs
from stack.infra.components.fargate import DatabaseAccess
from stack.infra.conventions import Environment

# Previews: the smallest instance, one day of backups, nothing kept when the PR closes.
DATABASE_SIZES = {
    "preview": DatabaseSize(allocated_storage_gb=20, max_allocated_storage_gb=20, backup_retention_days=1),
    "test": DatabaseSize(backup_retention_days=7),
    "prod": DatabaseSize(
        instance_class="db.t4g.medium",
        allocated_storage_gb=50,
        max_allocated_storage_gb=500,
        backup_retention_days=14,
        multi_az=True,
        deletion_protection=True,
        final_snapshot=True,
        max_connections=300,
    ),
}
_SETTINGS = {
    "instanceClass": ("instance_class", str),
    "allocatedStorageGb": ("allocated_storage_gb", int),
    "maxAllocatedStorageGb": ("max_allocated_storage_gb", int),
    "backupRetentionDays": ("backup_retention_days", int),
    "maxConnections": ("max_connections", int),
}


def database_size(environment: Environment, values: Mapping[str, Any] | None) -> DatabaseSize:
    """The environment's size with the stack's ``database`` settings over it. Multi-AZ,
    deletion protection and the final snapshot are the environment's, not a setting."""
    values = values or {}
    unknown = set(values) - set(_SETTINGS)
    if unknown:
        raise ValueError(f"config 'database' has unknown settings {sorted(unknown)}; use {sorted(_SETTINGS)}")
    size = replace(
        DATABASE_SIZES[environment.name],
        **{_SETTINGS[key][0]: _SETTINGS[key][1](value) for key, value in values.items()},
    )
    if environment.is_prod and size.backup_retention_days < 7:
        raise ValueError(
            "prod keeps at least 7 days of backups; config 'database.backupRetentionDays' is "
            f"{size.backup_retention_days}"
        )
    return size


@dataclass(frozen=True)
class ModuleDatabase:
    database: PostgresDatabase
    # What the module's code reads (stack.libs.database.DatabaseSettings), the password aside.
    environment: dict[str, pulumi.Input[str]]
    access: DatabaseAccess


def module_database(
    *,
    name: str,
    env_prefix: str,
    prefix: str,
    environment: Environment,
    vpc_id: pulumi.Input[str],
    private_subnet_ids: pulumi.Input[Any],
    alarms: AlarmTarget,
    tags: Mapping[str, str],
    region: str,
    settings: Mapping[str, Any] | None,
) -> ModuleDatabase:
    database = PostgresDatabase(
        "database",
        PostgresDatabaseArgs(
            identifier=prefix,
            vpc_id=vpc_id,
            subnet_ids=private_subnet_ids,
            database_name=name,
            size=database_size(environment, settings),
            alarms=alarms,
            tags=tags,
            region=region,
        ),
    )
    return ModuleDatabase(
        database=database,
        environment={
            f"{env_prefix}DATABASE_HOST": database.address,
            f"{env_prefix}DATABASE_PORT": str(POSTGRES_PORT),
            f"{env_prefix}DATABASE_NAME": name,
            f"{env_prefix}DATABASE_USER": database.username,
            f"{env_prefix}DATABASE_SSLMODE": "require",
        },
        access=DatabaseAccess(
            port=POSTGRES_PORT,
            security_group_id=database.security_group_id,
            password_secret_arn=database.secret_arn,
            password_variable=f"{env_prefix}DATABASE_PASSWORD",
        ),
    )
