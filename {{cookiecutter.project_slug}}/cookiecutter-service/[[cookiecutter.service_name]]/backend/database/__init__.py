"""The [[ cookiecutter.service_name ]] module's PostgreSQL: tables, the repository, migrations (see docs/database.md)."""
