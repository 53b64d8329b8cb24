"""Resource options for children of the foundation's components."""

import pulumi


def moved_into(component: pulumi.Resource) -> pulumi.ResourceOptions:
    """Parent a resource to ``component``. The foundation's resources were children of the
    stack itself before its program was split into components: the alias lets an existing
    stack adopt them in place instead of replacing its roles, keys and network."""
    return pulumi.ResourceOptions(parent=component, aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)])
