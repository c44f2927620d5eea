"""Create the PostgreSQL database named in DATABASE_URL if it does not exist yet (for
`make serve`; a production database is created by its operator)."""

from __future__ import annotations

import os
import sys

import dj_database_url
import psycopg
from psycopg import sql


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must name a PostgreSQL database.")
    config = dj_database_url.parse(url)
    connect = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    try:
        with psycopg.connect(**connect) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
            ).fetchone()
            if not exists:
                connection.execute(
                    sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"]))
                )
                print(f"Created the database {config['NAME']}.")
    except psycopg.OperationalError as error:
        sys.exit(f"PostgreSQL is not answering at {config['HOST']}:{config['PORT']}: {error}")


if __name__ == "__main__":
    main()
