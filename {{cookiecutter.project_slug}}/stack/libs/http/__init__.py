"""The HTTP side every module's API gets: see ``app.create_service_app``."""

from stack.libs.http.app import ErrorAnswer, ReadinessCheck, create_service_app
from stack.libs.http.server import serve

__all__ = ["ErrorAnswer", "ReadinessCheck", "create_service_app", "serve"]
