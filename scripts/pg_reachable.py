"""Exit 0 when the PostgreSQL server named by the URL accepts a connection, 1 otherwise."""

import sys

import psycopg


def main(url: str) -> int:
    server_url = url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(server_url, connect_timeout=3):
            return 0
    except psycopg.Error:
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
