"""The VPC every service runs in: public subnets for load balancers, private ones for tasks."""

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from stack.infra.components.vpc_endpoints import VpcEndpoints
from stack.infra.conventions import PROJECT_SLUG
from stack.infra.foundation.aliases import moved_into


class Network(pulumi.ComponentResource):
    """A VPC with a public and a private subnet per availability zone; private subnets
    reach the internet (ECR, SQS, S3) through NAT gateways (``nat_gateways``: 0 for none,
    1 shared, or one per zone). With ``existing`` ({vpcId, publicSubnetIds,
    privateSubnetIds, privateRouteTableIds}) the VPC is reused and no network is created.
    Either way its private subnets get VPC endpoints (components.vpc_endpoints): S3's
    gateway endpoint where there are route tables to add it to, and the interface
    endpoints ``interface_endpoints`` names."""

    vpc_id: pulumi.Output[str]
    cidr: pulumi.Output[str]
    public_subnet_ids: Sequence[pulumi.Input[str]]
    private_subnet_ids: Sequence[pulumi.Input[str]]
    # Where the S3 gateway endpoint adds its route; a reused VPC names them (or has its own).
    private_route_table_ids: Sequence[pulumi.Input[str]]

    def __init__(
        self,
        name: str,
        *,
        cidr: str,
        availability_zones: int,
        nat_gateways: int,
        region: str,
        tags: Mapping[str, str],
        existing: Mapping[str, Any] | None = None,
        interface_endpoints: Sequence[str] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pantstack:foundation:Network", name, None, opts)
        if existing:
            vpc = aws.ec2.get_vpc_output(id=existing["vpcId"])
            self.vpc_id = vpc.id
            self.cidr = vpc.cidr_block
            self.public_subnet_ids = list(existing["publicSubnetIds"])
            self.private_subnet_ids = list(existing["privateSubnetIds"])
            self.private_route_table_ids = list(existing.get("privateRouteTableIds") or ())
        else:
            self._create(cidr, availability_zones, nat_gateways, tags)
        endpoints = VpcEndpoints(
            "endpoints",
            vpc_id=self.vpc_id,
            vpc_cidr=self.cidr,
            region=region,
            route_table_ids=self.private_route_table_ids,
            subnet_ids=self.private_subnet_ids,
            interface_services=interface_endpoints,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "publicSubnetIds": self.public_subnet_ids,
                "privateSubnetIds": self.private_subnet_ids,
                "endpointIds": endpoints.endpoint_ids,
            }
        )

    def _create(self, cidr: str, availability_zones: int, nat_gateways: int, tags: Mapping[str, str]) -> None:
        zones = aws.get_availability_zones(state="available").names[:availability_zones]
        if len(zones) < availability_zones:
            raise ValueError(
                f"the region has {len(zones)} available zones; availabilityZones asks for {availability_zones}"
            )
        blocks = list(ipaddress.ip_network(cidr).subnets(new_prefix=20))
        if len(blocks) < 2 * len(zones):
            raise ValueError(f"vpcCidr {cidr} is too small for {2 * len(zones)} /20 subnets")

        def named(name: str) -> dict[str, str]:
            return {**tags, "Name": f"{PROJECT_SLUG}-{name}"}

        opts = moved_into(self)
        vpc = aws.ec2.Vpc(
            "vpc", cidr_block=cidr, enable_dns_hostnames=True, enable_dns_support=True, tags=named("vpc"), opts=opts
        )
        gateway = aws.ec2.InternetGateway("igw", vpc_id=vpc.id, tags=named("igw"), opts=opts)
        public_routes = aws.ec2.RouteTable(
            "public-routes",
            vpc_id=vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=gateway.id)],
            tags=named("public"),
            opts=opts,
        )
        public_ids: list[pulumi.Output[str]] = []
        private_ids: list[pulumi.Output[str]] = []
        private_tables: list[pulumi.Output[str]] = []
        nat_ids: list[pulumi.Output[str]] = []
        for index, zone in enumerate(zones):
            public = aws.ec2.Subnet(
                f"public-{zone}",
                vpc_id=vpc.id,
                availability_zone=zone,
                cidr_block=str(blocks[index]),
                map_public_ip_on_launch=False,
                tags=named(f"public-{zone}"),
                opts=opts,
            )
            aws.ec2.RouteTableAssociation(
                f"public-{zone}", subnet_id=public.id, route_table_id=public_routes.id, opts=opts
            )
            public_ids.append(public.id)
            if index < nat_gateways:
                address = aws.ec2.Eip(f"nat-{zone}", domain="vpc", tags=named(f"nat-{zone}"), opts=opts)
                nat = aws.ec2.NatGateway(
                    f"nat-{zone}",
                    allocation_id=address.id,
                    subnet_id=public.id,
                    tags=named(f"nat-{zone}"),
                    opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[gateway])),
                )
                nat_ids.append(nat.id)
        for index, zone in enumerate(zones):
            private = aws.ec2.Subnet(
                f"private-{zone}",
                vpc_id=vpc.id,
                availability_zone=zone,
                cidr_block=str(blocks[len(zones) + index]),
                map_public_ip_on_launch=False,
                tags=named(f"private-{zone}"),
                opts=opts,
            )
            routes = (
                [aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nat_ids[index % len(nat_ids)])]
                if nat_ids
                else []
            )
            table = aws.ec2.RouteTable(
                f"private-{zone}", vpc_id=vpc.id, routes=routes, tags=named(f"private-{zone}"), opts=opts
            )
            aws.ec2.RouteTableAssociation(f"private-{zone}", subnet_id=private.id, route_table_id=table.id, opts=opts)
            private_ids.append(private.id)
            private_tables.append(table.id)
        self.vpc_id = vpc.id
        self.cidr = vpc.cidr_block
        self.public_subnet_ids = public_ids
        self.private_subnet_ids = private_ids
        self.private_route_table_ids = private_tables
