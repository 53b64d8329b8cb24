"""Infrastructure code shared by the Pulumi programs: the foundation stack, reusable
components, the policy rules every stack is checked against, and the mock-test harness."""
