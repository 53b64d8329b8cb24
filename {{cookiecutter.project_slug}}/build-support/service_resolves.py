# Loaded into every BUILD file (see build_file_prelude_globs in pants.toml).
# The service modules' resolves: shared code under stack/libs is built for each of them.
# The new-service command keeps this tuple and [python.resolves] in pants.toml in step.
SERVICE_RESOLVES = ("reports",)
# The service resolves of modules with a database (`new-service NAME --with-database`), which
# lock SQLAlchemy, psycopg and Alembic: stack/libs/database is built for these only.
DATABASE_RESOLVES = ()


# Imports whose distribution Pants cannot guess from the module name (its built-in mapping
# covers most others), for the stack resolve and every service resolve. Functions, because
# a prelude may only export hashable values.
def shared_module_mapping():
    return {
        "boto3": ["boto3", "botocore"],
        "opentelemetry-sdk-extension-aws": ["opentelemetry.sdk.extension.aws"],
        "opentelemetry-propagator-aws-xray": ["opentelemetry.propagators.aws"],
    }


def service_module_mapping():
    return dict(shared_module_mapping(), fastapi=["fastapi", "starlette"])


def service_module(name):
    """The whole of modules/<name>/BUILD: the module's resolve and its boundaries, both ways.

    - Other modules may use only backend/public (and backend/schemas, which it re-exports);
      everything else is private to the module.
    - The service layer imports neither the api nor the worker.
    - A test file never imports another test file (shared helpers go in conftest.py or a
      support module).
    """
    __defaults__(all=dict(resolve=name))
    __dependents_rules__(
        (("/backend/public/**", "/backend/schemas/**"), "*"),
        ("*", "/**", "!*"),
    )
    __dependencies_rules__(
        ("/backend/service/**", "!/backend/api/**", "!/backend/worker/**", "*"),
        ("<python_tests>", "!<python_tests>", "*"),
        ("*", "*"),
    )
