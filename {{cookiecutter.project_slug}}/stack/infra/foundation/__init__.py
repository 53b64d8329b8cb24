"""The foundation stack: what every service stack in the AWS account shares."""
