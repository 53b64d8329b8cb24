"""VPC endpoints: AWS API traffic of the private subnets stays inside the VPC.

The S3 gateway endpoint is free and on by default (image layers come from S3, so it
also takes most of the NAT traffic of a deploy). Interface endpoints cost per hour and
per zone, so they are opt-in, by name.
"""

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

# Interface endpoints one may ask for, by the name of the AWS service they reach.
INTERFACE_SERVICES = ("sqs", "ecr.api", "ecr.dkr", "logs", "ssm", "kms")


class VpcEndpoints(pulumi.ComponentResource):
    def __init__(
        self,
        resource_name: str,
        *,
        vpc_id: pulumi.Input[str],
        vpc_cidr: pulumi.Input[str],
        region: str,
        route_table_ids: Sequence[pulumi.Input[str]],
        subnet_ids: Sequence[pulumi.Input[str]],
        interface_services: Sequence[str] = (),
        tags: Mapping[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pantstack:aws:VpcEndpoints", resource_name, None, opts)
        unknown = sorted(set(interface_services) - set(INTERFACE_SERVICES))
        if unknown:
            raise ValueError(f"interface endpoints {unknown} are not offered; choose from {list(INTERFACE_SERVICES)}")
        child = pulumi.ResourceOptions(parent=self)
        self.endpoint_ids: dict[str, pulumi.Output[str]] = {}
        if route_table_ids:
            self.endpoint_ids["s3"] = aws.ec2.VpcEndpoint(
                f"{resource_name}-s3",
                vpc_id=vpc_id,
                service_name=f"com.amazonaws.{region}.s3",
                vpc_endpoint_type="Gateway",
                route_table_ids=list(route_table_ids),
                tags={**tags, "Name": f"{resource_name}-s3"},
                opts=child,
            ).id
        if interface_services:
            group = aws.ec2.SecurityGroup(
                f"{resource_name}-interface",
                description="Interface endpoints: HTTPS from inside the VPC",
                vpc_id=vpc_id,
                tags=dict(tags),
                opts=child,
            )
            aws.vpc.SecurityGroupIngressRule(
                f"{resource_name}-interface-https",
                security_group_id=group.id,
                cidr_ipv4=vpc_cidr,
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                tags=dict(tags),
                opts=child,
            )
            for service in interface_services:
                self.endpoint_ids[service] = aws.ec2.VpcEndpoint(
                    f"{resource_name}-{service.replace('.', '-')}",
                    vpc_id=vpc_id,
                    service_name=f"com.amazonaws.{region}.{service}",
                    vpc_endpoint_type="Interface",
                    private_dns_enabled=True,
                    subnet_ids=list(subnet_ids),
                    security_group_ids=[group.id],
                    tags={**tags, "Name": f"{resource_name}-{service}"},
                    opts=child,
                ).id
        self.register_outputs({"endpoint_ids": self.endpoint_ids})
