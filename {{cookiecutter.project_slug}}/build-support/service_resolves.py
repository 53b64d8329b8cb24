# Loaded into every BUILD file (see build_file_prelude_globs in pants.toml).
# The service modules' resolves: shared code under stack/libs is built for each of them.
# The new-service command keeps this tuple and [python.resolves] in pants.toml in step.
SERVICE_RESOLVES = ("reports",)
