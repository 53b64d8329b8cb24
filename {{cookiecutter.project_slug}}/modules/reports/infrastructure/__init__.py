"""The reports module's Pulumi program (resolve "infra"): see program.py."""
