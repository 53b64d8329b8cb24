"""The policy pack's policies, run on what a mocked run recorded (see stack/infra/testing.py).

``evaluate`` hands the recorded resources to each policy of stack/infra/policy_pack exactly
as the Pulumi CLI hands it a preview's: as ``pulumi_policy.PolicyResource`` objects whose
properties raise on unknown values, with their parents and property dependencies. So a
stack that passes here passes ``pulumi preview --policy-pack`` on the same inputs. It
returns one ``Violation`` per problem, naming the rule and the resource; ``enforce`` raises
with all of them at once.
"""

from collections.abc import Sequence

from pulumi_policy import PolicyCustomTimeouts, PolicyResource, PolicyResourceOptions, StackValidationArgs
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import unknown_checking_proxy

from stack.infra.policy_pack.pack import POLICIES, resource_views
from stack.infra.policy_pack.rules import PolicyContext, Violation
from stack.infra.testing import RecordedResource

__all__ = ["PolicyContext", "PolicyViolationError", "Violation", "enforce", "evaluate", "policy_resources"]


class PolicyViolationError(AssertionError):
    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = list(violations)
        lines = "\n".join(f"  - {v}" for v in self.violations)
        super().__init__(f"{len(self.violations)} policy violation(s):\n{lines}")


def policy_resources(recorded: Sequence[RecordedResource]) -> list[PolicyResource]:
    """The recorded resources as CrossGuard sees a stack (stack references and the root
    stack included, as in a real run)."""
    by_urn: dict[str, PolicyResource] = {}
    for r in recorded:
        options = PolicyResourceOptions(
            False, list(r.ignore_changes), None, [], PolicyCustomTimeouts(0, 0, 0), [], r.parent_urn or None
        )
        # As the CLI's AnalyzeStack hands them over: secrets unwrapped, unknowns checked.
        props = unknown_checking_proxy(deserialize_properties(r.inputs))
        by_urn[r.urn] = PolicyResource(r.type, props, r.urn, r.name, options, None, None, [], {})
    for r in recorded:
        resource = by_urn[r.urn]
        resource.parent = by_urn.get(r.parent_urn)
        resource.property_dependencies = {
            key: [by_urn[urn] for urn in urns if urn in by_urn] for key, urns in r.property_dependencies.items()
        }
        resource.dependencies = [by_urn[urn] for urn in r.dependencies if urn in by_urn]
    return list(by_urn.values())


def evaluate(recorded: Sequence[RecordedResource], context: PolicyContext) -> list[Violation]:
    resources = policy_resources(recorded)
    messages: list[str] = []

    def report_violation(message: str, urn: str | None = None) -> None:
        messages.append(message)

    for policy in POLICIES:
        policy.validate(StackValidationArgs(resources, config=context.as_config()), report_violation)
    violations = [_parse(message) for message in messages]
    views = resource_views(resources)
    violations += [violation for rule in context.extra_rules for violation in rule(views, context)]
    return violations


def _parse(message: str) -> Violation:
    """Back from the "[rule] resource: message" text a policy reports (Violation.__str__)."""
    rule, rest = message[1:].split("] ", 1)
    resource, text = rest.split(": ", 1)
    return Violation(rule, resource, text)


def enforce(recorded: Sequence[RecordedResource], context: PolicyContext) -> None:
    violations = evaluate(recorded, context)
    if violations:
        raise PolicyViolationError(violations)
