"""A service module's PostgreSQL: one RDS for PostgreSQL instance (docs/database.md says why
not Aurora Serverless v2) in the private subnets, reachable only from the module's tasks.

- storage encrypted with a KMS key of its own (rotated yearly);
- the master password generated and kept by RDS in Secrets Manager (``manage_master_user_password``):
  it never passes through Pulumi state; the tasks get it through the task definition's
  ``secrets`` (``secret_arn`` + ``:password::``);
- automated backups with point-in-time recovery, ``backup_retention_days`` long;
- in prod: Multi-AZ, deletion protection and a final snapshot;
- Performance Insights, and alarms on CPU, free storage and connections routed like every
  other alarm of the stack.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from stack.infra.components.alarms import AlarmTarget, alarm_widget, metric_alarm, metric_widget

POSTGRES_PORT = 5432


@dataclass(frozen=True)
class DatabaseSize:
    """What an environment's database is: small and throw-away for previews, Multi-AZ and
    protected in prod. Stack settings override it (``database:`` in Pulumi.<stack>.yaml)."""

    instance_class: str = "db.t4g.micro"
    allocated_storage_gb: int = 20
    max_allocated_storage_gb: int = 100
    backup_retention_days: int = 7
    multi_az: bool = False
    deletion_protection: bool = False
    final_snapshot: bool = False
    # Alarms: free storage below this share of the allocated storage; connections above this.
    free_storage_percent: float = 10.0
    max_connections: int = 80

    def __post_init__(self) -> None:
        if not 0 <= self.backup_retention_days <= 35:
            raise ValueError(f"backup_retention_days must be 0..35 (RDS), got {self.backup_retention_days}")
        if self.max_allocated_storage_gb < self.allocated_storage_gb:
            raise ValueError("max_allocated_storage_gb must be at least allocated_storage_gb")


@dataclass(frozen=True)
class PostgresDatabaseArgs:
    """``identifier`` is the instance's name (``acme-prod-billing``); ``subnet_ids`` must be
    private subnets; ``database_name`` the database the module's code uses."""

    identifier: str
    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[str]]
    database_name: str
    size: DatabaseSize
    alarms: AlarmTarget
    tags: Mapping[str, str]
    region: str
    engine_version: str = "17"
    username: str = "app"


class PostgresDatabase(pulumi.ComponentResource):
    address: pulumi.Output[str]
    port: pulumi.Output[int]
    secret_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]

    def __init__(self, resource_name: str, args: PostgresDatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("pantstack:aws:PostgresDatabase", resource_name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)
        size = args.size
        self._resource_name = resource_name
        self._tags = tags

        key = aws.kms.Key(
            f"{resource_name}-key",
            description=f"Storage, snapshots and Performance Insights of {args.identifier}",
            enable_key_rotation=True,
            deletion_window_in_days=7 if not size.deletion_protection else 30,
            tags=tags,
            opts=child,
        )
        # No rules of its own but ingress from the module's tasks (admit()); no egress at all.
        self.security_group = aws.ec2.SecurityGroup(
            f"{resource_name}-sg",
            name=f"{args.identifier}-db",
            description=f"{args.identifier}: PostgreSQL, from the module's tasks only",
            vpc_id=args.vpc_id,
            egress=[],
            tags=tags,
            opts=child,
        )
        subnets = aws.rds.SubnetGroup(
            f"{resource_name}-subnets",
            name=f"{args.identifier}-db",
            subnet_ids=args.subnet_ids,
            tags=tags,
            opts=child,
        )
        parameters = aws.rds.ParameterGroup(
            f"{resource_name}-parameters",
            name=f"{args.identifier}-pg{args.engine_version}",
            family=f"postgres{args.engine_version}",
            # TLS only, and statements that hold locks long enough to block a deploy are logged.
            parameters=[
                aws.rds.ParameterGroupParameterArgs(name="rds.force_ssl", value="1"),
                aws.rds.ParameterGroupParameterArgs(name="log_lock_waits", value="1"),
            ],
            tags=tags,
            opts=child,
        )
        self.instance = aws.rds.Instance(
            f"{resource_name}-instance",
            identifier=args.identifier,
            engine="postgres",
            engine_version=args.engine_version,
            instance_class=size.instance_class,
            allocated_storage=size.allocated_storage_gb,
            max_allocated_storage=size.max_allocated_storage_gb,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=key.arn,
            db_name=args.database_name,
            username=args.username,
            manage_master_user_password=True,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[self.security_group.id],
            parameter_group_name=parameters.name,
            publicly_accessible=False,
            port=POSTGRES_PORT,
            multi_az=size.multi_az,
            backup_retention_period=size.backup_retention_days,
            backup_window="02:00-03:00",
            maintenance_window="sun:03:30-sun:04:30",
            copy_tags_to_snapshot=True,
            deletion_protection=size.deletion_protection,
            skip_final_snapshot=not size.final_snapshot,
            final_snapshot_identifier=f"{args.identifier}-final" if size.final_snapshot else None,
            performance_insights_enabled=True,
            performance_insights_kms_key_id=key.arn,
            performance_insights_retention_period=7,
            auto_minor_version_upgrade=True,
            iam_database_authentication_enabled=True,
            tags=tags,
            opts=child,
        )
        dimensions = {"DBInstanceIdentifier": self.instance.identifier}
        name = args.identifier
        thresholds = args.alarms.thresholds
        # (signal, metric, statistic, threshold, comparison, what the alarm says)
        signals = [
            ("cpu", "CPUUtilization", "Average", thresholds.cpu_percent, "GreaterThanThreshold",
             f"database CPU above {thresholds.cpu_percent:g}%"),
            ("free-storage", "FreeStorageSpace", "Minimum",
             size.allocated_storage_gb * 1024**3 * size.free_storage_percent / 100, "LessThanThreshold",
             f"free database storage below {size.free_storage_percent:g}% of the allocation"),
            ("connections", "DatabaseConnections", "Maximum", size.max_connections, "GreaterThanThreshold",
             f"more than {size.max_connections} database connections"),
        ]  # fmt: skip
        self.alarms = [
            metric_alarm(
                self,
                f"{resource_name}-{signal}-alarm",
                alarm_name=f"{name}-db-{signal}",
                description=f"{name}: {what}",
                target=args.alarms,
                tags=tags,
                namespace="AWS/RDS",
                metric_name=metric,
                dimensions=dimensions,
                threshold=threshold,
                statistic=statistic,
                comparison=comparison,
            )
            for signal, metric, statistic, threshold, comparison, what in signals
        ]
        self.widgets = [
            alarm_widget(f"{name}: database alarms", self.alarms),
            metric_widget(
                f"{name}: database CPU (%), connections",
                args.region,
                [
                    ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", name],
                    ["AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", name, {"yAxis": "right"}],
                ],
            ),
        ]
        self.address = self.instance.address
        self.port = self.instance.port
        self.database_name = args.database_name
        self.username = args.username
        # RDS keeps the master credentials as JSON ({"username": ..., "password": ...}).
        self.secret_arn = self.instance.master_user_secrets.apply(lambda secrets: secrets[0].secret_arn)
        self.security_group_id = self.security_group.id
        self.key_arn = key.arn
        self.register_outputs(
            {
                "address": self.address,
                "port": self.port,
                "secret_arn": self.secret_arn,
                "security_group_id": self.security_group_id,
            }
        )

    def admit(self, client: str, security_group_id: pulumi.Input[str]) -> aws.vpc.SecurityGroupIngressRule:
        """Let the tasks of ``security_group_id`` (one of the module's services) connect."""
        return aws.vpc.SecurityGroupIngressRule(
            f"{self._resource_name}-from-{client}",
            security_group_id=self.security_group.id,
            referenced_security_group_id=security_group_id,
            ip_protocol="tcp",
            from_port=POSTGRES_PORT,
            to_port=POSTGRES_PORT,
            description=f"PostgreSQL from the {client} tasks",
            tags=self._tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
