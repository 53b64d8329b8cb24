"""The [[ cookiecutter.service_name ]] module's Pulumi program (resolve "infra"): see program.py."""
