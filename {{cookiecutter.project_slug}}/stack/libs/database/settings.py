"""The connection settings of a module's database, read with the module's own prefix
(``BILLING_DATABASE_HOST`` ...). In AWS the service stack sets host, port, name and user as
plain variables and the password through the task definition's ``secrets`` (from the
secret RDS manages); locally the runtime points them at its PostgreSQL server."""

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import URL


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    # A host name, or a directory holding PostgreSQL's Unix socket (what the local server uses).
    database_host: str = "127.0.0.1"
    database_port: int = 5432
    database_name: str = "postgres"
    database_user: str = "postgres"
    database_password: SecretStr = SecretStr("")
    # RDS requires TLS; a local server on a Unix socket has none ("prefer" uses it when offered).
    database_sslmode: str = "prefer"
    database_pool_size: int = 5
    # Seconds a statement may run before PostgreSQL cancels it.
    database_statement_timeout_seconds: int = 30

    def database_url(self) -> URL:
        query = {"sslmode": self.database_sslmode}
        if self.database_host.startswith("/"):
            # libpq reads a socket directory from the "host" parameter, not the URL's host part.
            return URL.create(
                "postgresql+psycopg",
                username=self.database_user,
                password=self.database_password.get_secret_value() or None,
                database=self.database_name,
                query={**query, "host": self.database_host, "port": str(self.database_port)},
            )
        return URL.create(
            "postgresql+psycopg",
            username=self.database_user,
            password=self.database_password.get_secret_value() or None,
            host=self.database_host,
            port=self.database_port,
            database=self.database_name,
            query=query,
        )
