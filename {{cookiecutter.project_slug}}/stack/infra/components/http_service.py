"""A Fargate service behind a public Application Load Balancer: HTTPS with a TLS 1.2+
policy (80 only redirects), optional sign-in on the listener and WAF rate limiting,
access logs to an encrypted bucket, deletion protection where asked for."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from stack.infra.components import edge, fargate
from stack.infra.components.alarms import alarm_widget, http_alarms, metric_widget
from stack.infra.components.fargate import FargateTaskArgs


@dataclass(frozen=True)
class HttpServiceArgs:
    task: FargateTaskArgs
    public_subnet_ids: pulumi.Input[Sequence[str]]
    container_port: int = 8000
    health_check_path: str = "/health"
    # Average CPU the service scales to keep, in percent.
    cpu_target_percent: float = 60.0
    # With a certificate (or a domain to request one for) the ALB serves HTTPS on 443 and
    # redirects 80 there; without, plain HTTP on 80 (test and preview stacks only).
    certificate_arn: pulumi.Input[str] | None = None
    domain: edge.Domain | None = None
    # Sign-in on the listener (OIDC or Cognito); UNAUTHENTICATED_PATHS stay open.
    authentication: edge.Authentication | None = None
    # Requests per client IP per 5 minutes before WAF blocks it; None: no web ACL.
    waf_rate_limit: int | None = None
    # The environment's access log bucket (the foundation's accessLogBuckets); the
    # load balancer writes under its task name. Required: the policy wants logs everywhere.
    access_log_bucket: pulumi.Input[str] = ""
    deletion_protection: bool = False
    ingress_cidrs: Sequence[str] = ("0.0.0.0/0",)
    # Seconds after a task starts during which failed load balancer health checks are ignored.
    health_check_grace_period_seconds: int = 60
    # How long the load balancer keeps a deregistered task's open connections before ECS
    # sends it SIGTERM. None: the task's stop timeout, so a request that started before the
    # task left the target group gets as long as the app itself takes to shut down.
    deregistration_delay_seconds: int | None = None

    def __post_init__(self) -> None:
        if self.certificate_arn and self.domain:
            raise ValueError(f"{self.task.name}: give a certificate_arn or a domain to request one for, not both")
        if self.authentication and not self.https:
            raise ValueError(f"{self.task.name}: listener authentication needs HTTPS (a certificate or a domain)")
        if not self.access_log_bucket:
            raise ValueError(f"{self.task.name}: access_log_bucket is required (the load balancer's access logs)")
        if self.waf_rate_limit is not None and not 10 <= self.waf_rate_limit <= 2_000_000_000:
            raise ValueError(
                f"{self.task.name}: WAF rate limit must be 10..2000000000 requests, got {self.waf_rate_limit}"
            )
        delay = self.deregistration_delay
        if not 0 <= delay <= 3600:
            raise ValueError(f"{self.task.name}: deregistration delay must be 0..3600 s, got {delay}")

    @property
    def https(self) -> bool:
        return bool(self.certificate_arn or self.domain)

    @property
    def deregistration_delay(self) -> int:
        if self.deregistration_delay_seconds is None:
            return self.task.stop_timeout_seconds
        return self.deregistration_delay_seconds


class HttpService(pulumi.ComponentResource):
    """ALB -> target group (health-checked) -> Fargate tasks in private subnets.

    Tasks accept traffic on ``container_port`` from the load balancer's security group
    only. The task count follows CPU between the configured bounds. ``widgets`` are its
    dashboard widgets (see ServiceDashboard); ``alarms`` its CloudWatch alarms.
    """

    url: pulumi.Output[str]
    service_name: pulumi.Output[str]
    widgets: list[dict[str, Any]]

    def __init__(self, resource_name: str, args: HttpServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("pantstack:aws:HttpService", resource_name, None, opts)
        task = args.task
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(task.tags)

        log_group = fargate.create_log_group(self, resource_name, task)
        secrets = fargate.create_secrets(self, resource_name, task)
        roles = fargate.create_task_roles(self, resource_name, task, log_group, secrets)

        alb_sg = aws.ec2.SecurityGroup(
            f"{resource_name}-alb-sg",
            name=f"{task.name}-alb",
            description=f"Load balancer of {task.name}",
            vpc_id=task.vpc_id,
            tags=tags,
            opts=child,
        )
        task_sg = aws.ec2.SecurityGroup(
            f"{resource_name}-task-sg",
            name=f"{task.name}-tasks",
            description=f"Tasks of {task.name}: reachable from its load balancer only",
            vpc_id=task.vpc_id,
            tags=tags,
            opts=child,
        )
        listener_ports = [443, 80] if args.https else [80]
        for port in listener_ports:
            for index, cidr in enumerate(args.ingress_cidrs):
                aws.vpc.SecurityGroupIngressRule(
                    f"{resource_name}-alb-in-{port}-{index}",
                    security_group_id=alb_sg.id,
                    cidr_ipv4=cidr,
                    ip_protocol="tcp",
                    from_port=port,
                    to_port=port,
                    tags=tags,
                    opts=child,
                )
        aws.vpc.SecurityGroupEgressRule(
            f"{resource_name}-alb-to-tasks",
            security_group_id=alb_sg.id,
            referenced_security_group_id=task_sg.id,
            ip_protocol="tcp",
            from_port=args.container_port,
            to_port=args.container_port,
            tags=tags,
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{resource_name}-tasks-from-alb",
            security_group_id=task_sg.id,
            referenced_security_group_id=alb_sg.id,
            ip_protocol="tcp",
            from_port=args.container_port,
            to_port=args.container_port,
            tags=tags,
            opts=child,
        )
        fargate.create_task_egress(self, f"{resource_name}-tasks", task, task_sg)

        load_balancer = aws.lb.LoadBalancer(
            f"{resource_name}-alb",
            load_balancer_type="application",
            internal=False,
            security_groups=[alb_sg.id],
            subnets=args.public_subnet_ids,
            drop_invalid_header_fields=True,
            enable_deletion_protection=args.deletion_protection,
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(
                bucket=args.access_log_bucket, prefix=task.name, enabled=True
            ),
            tags=tags,
            opts=child,
        )
        target_group = aws.lb.TargetGroup(
            f"{resource_name}-tg",
            port=args.container_port,
            protocol="HTTP",
            target_type="ip",
            vpc_id=task.vpc_id,
            deregistration_delay=args.deregistration_delay,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True,
                path=args.health_check_path,
                port="traffic-port",
                protocol="HTTP",
                matcher="200",
                interval=15,
                timeout=5,
                healthy_threshold=2,
                unhealthy_threshold=3,
            ),
            tags=tags,
            opts=child,
        )
        listener, scheme = self._listeners(resource_name, args, load_balancer, target_group, tags)
        if args.domain:
            edge.create_alias(self, resource_name, args.domain, load_balancer)
        if args.waf_rate_limit is not None:
            edge.create_web_acl(
                self,
                resource_name,
                name=task.name,
                rate_limit=args.waf_rate_limit,
                load_balancer=load_balancer,
                tags=tags,
            )

        task_definition = fargate.create_task_definition(
            self,
            resource_name,
            task,
            container_name="app",
            roles=roles,
            log_group=log_group,
            container_port=args.container_port,
            secrets=secrets,
        )
        service = fargate.create_service(
            self,
            resource_name,
            task,
            task_definition=task_definition,
            security_group_ids=[task_sg.id],
            load_balancers=[
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=target_group.arn, container_name="app", container_port=args.container_port
                )
            ],
            health_check_grace_period_seconds=args.health_check_grace_period_seconds,
            # The target group must be attached to the load balancer before ECS registers tasks.
            depends_on=[listener],
        )
        scaling = fargate.create_scaling_target(self, resource_name, task, service)
        aws.appautoscaling.Policy(
            f"{resource_name}-cpu",
            policy_type="TargetTrackingScaling",
            service_namespace=scaling.service_namespace,
            scalable_dimension=scaling.scalable_dimension,
            resource_id=scaling.resource_id,
            target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                target_value=args.cpu_target_percent,
                predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                    predefined_metric_type="ECSServiceAverageCPUUtilization"
                ),
                scale_in_cooldown=300,
                scale_out_cooldown=60,
            ),
            opts=child,
        )

        self.alarms = fargate.create_ecs_alarms(self, resource_name, task, service)
        if task.alarms is not None:
            self.alarms += http_alarms(
                self,
                resource_name,
                name=task.name,
                load_balancer_suffix=load_balancer.arn_suffix,
                target_group_suffix=target_group.arn_suffix,
                target=task.alarms,
                tags=tags,
            )
        traffic = ["LoadBalancer", load_balancer.arn_suffix, "TargetGroup", target_group.arn_suffix]
        self.widgets = [
            *([alarm_widget(f"{task.name}: alarms", self.alarms)] if self.alarms else []),
            metric_widget(
                f"{task.name}: requests and 5xx",
                task.region,
                [
                    ["AWS/ApplicationELB", "RequestCount", *traffic],
                    ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", *traffic],
                    ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", load_balancer.arn_suffix],
                ],
                stat="Sum",
            ),
            metric_widget(
                f"{task.name}: response time p50 / p99 (s)",
                task.region,
                [
                    ["AWS/ApplicationELB", "TargetResponseTime", *traffic, {"stat": "p50"}],
                    ["AWS/ApplicationELB", "TargetResponseTime", *traffic, {"stat": "p99"}],
                ],
            ),
            *fargate.ecs_widgets(task, service),
        ]
        host = pulumi.Output.from_input(args.domain.name) if args.domain else load_balancer.dns_name
        self.url = host.apply(lambda name: f"{scheme}://{name}")
        self.service_name = service.name
        self.log_group_name = log_group.name
        self.task_security_group_id = task_sg.id
        self.task_role_arn = roles.task_role_arn
        self.register_outputs(
            {
                "url": self.url,
                "service_name": self.service_name,
                "log_group_name": self.log_group_name,
                "task_role_arn": self.task_role_arn,
            }
        )

    def _listeners(
        self,
        resource_name: str,
        args: HttpServiceArgs,
        load_balancer: aws.lb.LoadBalancer,
        target_group: aws.lb.TargetGroup,
        tags: dict[str, str],
    ) -> tuple[aws.lb.Listener, str]:
        """HTTPS on 443 (sign-in first when configured) and 80 redirecting there; or,
        without a certificate, plain HTTP on 80. Returns the listener ECS waits for."""
        child = pulumi.ResourceOptions(parent=self)
        forward = aws.lb.ListenerDefaultActionArgs(
            type="forward", target_group_arn=target_group.arn, order=2 if args.authentication else None
        )
        if not args.https:
            listener = aws.lb.Listener(
                f"{resource_name}-http",
                load_balancer_arn=load_balancer.arn,
                port=80,
                protocol="HTTP",
                default_actions=[forward],
                tags=tags,
                opts=child,
            )
            return listener, "http"
        certificate_arn = (
            edge.create_certificate(self, resource_name, args.domain, tags) if args.domain else args.certificate_arn
        )
        actions = [edge.authenticate_action(args.authentication), forward] if args.authentication else [forward]
        listener = aws.lb.Listener(
            f"{resource_name}-https",
            load_balancer_arn=load_balancer.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=edge.TLS_POLICY,
            certificate_arn=certificate_arn,
            default_actions=actions,
            tags=tags,
            opts=child,
        )
        aws.lb.Listener(
            f"{resource_name}-http-redirect",
            load_balancer_arn=load_balancer.arn,
            port=80,
            protocol="HTTP",
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="redirect",
                    redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                        port="443", protocol="HTTPS", status_code="HTTP_301"
                    ),
                )
            ],
            tags=tags,
            opts=child,
        )
        if args.authentication:
            # Health and readiness answer without sign-in (uptime checks; the target group's
            # own health checks go to the tasks directly and never pass the listener).
            aws.lb.ListenerRule(
                f"{resource_name}-open-paths",
                listener_arn=listener.arn,
                priority=1,
                actions=[aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=target_group.arn)],
                conditions=[
                    aws.lb.ListenerRuleConditionArgs(
                        path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(
                            values=list(edge.UNAUTHENTICATED_PATHS)
                        )
                    )
                ],
                tags=tags,
                opts=child,
            )
        return listener, "https"
