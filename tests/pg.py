"""A throwaway PostgreSQL + PostGIS server for the tests: Debian's binaries, a temporary
data directory, a free loopback port, stopped (and deleted) afterwards.

``scripts/test`` installs the Debian packages (``postgresql``, ``postgresql-*-postgis-3``).
PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user
the package creates.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def find_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder that has PostGIS beside it, or None."""
    for bin_dir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        version = Path(bin_dir).parent.name
        if glob.glob(f"/usr/share/postgresql/{version}/extension/postgis.control"):
            return Path(bin_dir)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(cmd: list[str], *, as_postgres: bool) -> None:
    if as_postgres:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")


@contextmanager
def postgis_server(bin_dir: Path) -> Iterator[str]:
    """Start a server; yield the URL of a database with PostGIS to use as a template."""
    as_postgres = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="sf-pg-"))
    data, port = root / "data", _free_port()
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
    try:
        _run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
             "-E", "UTF8", "--locale=C", "--no-sync"],
            as_postgres=as_postgres,
        )  # fmt: skip
        opts = (
            f"-p {port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        _run(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"),
             "-w", "-t", "60", "start"],
            as_postgres=as_postgres,
        )  # fmt: skip
        try:
            import psycopg

            base = f"postgresql://postgres@127.0.0.1:{port}"
            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute("CREATE DATABASE sf_template")
            with psycopg.connect(f"{base}/sf_template", autocommit=True) as conn:
                conn.execute("CREATE EXTENSION postgis")
            yield f"{base}/sf_template"
        finally:
            _run(
                [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                as_postgres=as_postgres,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def fresh_database(template_url: str) -> str:
    """A new empty database (PostGIS installed) on the template's server; its URL."""
    import psycopg

    base = template_url.rsplit("/", 1)[0]
    name = f"sf_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE sf_template")
    return f"{base}/{name}"
