"""The peer `make bench` holds Hearth's room list against: the same
GET /api/v1/rooms written as a FastAPI + MariaDB service usually is.

It reads the stack's hearth.conf (HEARTH_CONF) and its roles file, and
answers from the same database as hearth-api:

- the X-API-Key dependency finds the key's row by its prefix in api_keys,
  compares SHA-256 digests with hmac.compare_digest and refuses a revoked
  key, or a person's key whose person is gone or disabled;
- the role must allow "GET /api/v1/rooms" (roles.conf's fnmatch patterns);
- the page is one SELECT with the columns, sensor_count subquery, ORDER BY
  id and LIMIT of lib/store/rooms.c, through PyMySQL, no cache;
- the reply has Hearth's shape, pydantic models, and the same signed
  next_cursor (lib/cursor.c), so a client can page through either.

Sync endpoints: FastAPI runs them in its thread pool, each request on a
connection of a small per-process pool.  Served by uvicorn; bench/run.sh
starts it:

    HEARTH_CONF=.devstack/hearth.conf python3 -m uvicorn --app-dir bench/peer \\
        app:app --uds .devstack/run/peer.sock
"""
import base64
import configparser
import fnmatch
import hashlib
import hmac
import os
import queue
import re
from typing import Iterator, List, Optional

import pymysql
from fastapi import Depends, FastAPI, Header, HTTPException, Query
from pydantic import BaseModel

conf = configparser.ConfigParser(interpolation=None)
conf.read(os.environ["HEARTH_CONF"])
DB = dict(
    unix_socket=conf["database"]["socket"],
    user=conf["database"]["user"],
    password=conf["database"]["password"],
    database=conf["database"]["name"],
    charset="utf8mb4",
    autocommit=True,
    init_command="SET time_zone = '+00:00'",
)
SECRET = bytes.fromhex(conf["security"]["secret_key"])


def read_roles(path: str) -> dict:
    """{role: ([allow patterns], [deny patterns])} from roles.conf, whose
    keys repeat (configparser would keep only the last)."""
    roles: dict = {}
    role = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("[") and line.endswith("]"):
                role = roles.setdefault(line[1:-1], ([], []))
            elif role is not None and "=" in line and line[0] not in "#;":
                name, value = (s.strip() for s in line.split("=", 1))
                if name in ("allow", "deny"):
                    role[name == "deny"].append(value)
    return roles


ROLES = read_roles(conf["api"]["roles_file"])

app = FastAPI(title="Hearth bench peer", docs_url=None, redoc_url=None, openapi_url=None)

# ------------------------------------------------------------------ database

_idle: "queue.SimpleQueue[pymysql.connections.Connection]" = queue.SimpleQueue()


def get_db() -> Iterator[pymysql.connections.Connection]:
    """A connection of this process's pool for the request; one that
    failed is closed rather than put back."""
    try:
        conn = _idle.get_nowait()
    except queue.Empty:
        conn = pymysql.connect(**DB)
    try:
        yield conn
    except pymysql.MySQLError:
        conn.close()
        raise
    _idle.put(conn)


@app.on_event("shutdown")
def close_db() -> None:
    """Say goodbye to the server, which otherwise logs each connection of
    the pool as aborted."""
    while not _idle.empty():
        _idle.get_nowait().close()


# ---------------------------------------------------------------------- auth

KEY = re.compile(r"hk_([0-9a-f]{8})_[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]")
FIND_KEY = (
    "SELECT COALESCE(u.role, k.role), k.key_hash,"
    " k.revoked_at IS NOT NULL OR (k.user_id IS NOT NULL AND (u.id IS NULL OR u.disabled))"
    " FROM api_keys k LEFT JOIN users u ON u.id = k.user_id WHERE k.prefix = %s"
)


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": 'Bearer realm="hearth"'})


def api_key_role(
    x_api_key: Optional[str] = Header(None),
    db: pymysql.connections.Connection = Depends(get_db),
) -> str:
    """The role of the key in X-API-Key, or 401."""
    if not x_api_key:
        raise unauthorized("authentication required")
    m = KEY.fullmatch(x_api_key)
    if not m:
        raise unauthorized("invalid API key")
    with db.cursor() as cur:
        cur.execute(FIND_KEY, (m.group(1),))
        row = cur.fetchone()
    digest = hashlib.sha256(x_api_key.encode()).digest()
    if row is None or row[2] or not hmac.compare_digest(bytes(row[1]), digest):
        raise unauthorized("invalid API key")
    return row[0]


def allowed(request: str):
    """A dependency: the key's role must allow REQUEST ("METHOD /path")."""

    def check(role: str = Depends(api_key_role)) -> str:
        allow, deny = ROLES.get(role, ([], []))
        if not any(fnmatch.fnmatchcase(request, p) for p in allow) or any(
            fnmatch.fnmatchcase(request, p) for p in deny
        ):
            raise HTTPException(403, "your role may not do this")
        return role

    return check


# ------------------------------------------------------------------- cursors


def _tag(scope: str, body: bytes) -> bytes:
    return hmac.new(SECRET, scope.encode() + body, hashlib.sha256).digest()[:12]


def cursor_encode(scope: str, last_id: int) -> str:
    body = b"\x01" + last_id.to_bytes(8, "big")
    return base64.urlsafe_b64encode(body + _tag(scope, body)).decode().rstrip("=")


def cursor_decode(scope: str, cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except ValueError:
        raw = b""
    if len(raw) != 21 or raw[0] != 1 or not hmac.compare_digest(raw[9:], _tag(scope, raw[:9])):
        raise HTTPException(422, "Invalid pagination cursor; use next_cursor from a previous reply of this list")
    return int.from_bytes(raw[1:9], "big")


# --------------------------------------------------------------------- rooms


class Room(BaseModel):
    id: int
    name: str
    description: Optional[str]
    sensor_count: int
    created_at: str
    updated_at: str


class Pagination(BaseModel):
    limit: int
    next_cursor: Optional[str]
    has_more: bool


class RoomPage(BaseModel):
    items: List[Room]
    pagination: Pagination


LIST_ROOMS = (
    "SELECT r.id, r.name, r.description,"
    " (SELECT COUNT(*) FROM sensors s WHERE s.room_id = r.id),"
    " DATE_FORMAT(r.created_at, '%%Y-%%m-%%dT%%H:%%i:%%sZ'),"
    " DATE_FORMAT(r.updated_at, '%%Y-%%m-%%dT%%H:%%i:%%sZ')"
    " FROM rooms r WHERE r.id > %s ORDER BY r.id LIMIT %s"
)


@app.get("/api/v1/rooms", response_model=RoomPage)
def list_rooms(
    limit: int = Query(100, ge=1, le=1000),
    cursor: str = "",
    _role: str = Depends(allowed("GET /api/v1/rooms")),
    db: pymysql.connections.Connection = Depends(get_db),
) -> RoomPage:
    after = cursor_decode("rooms", cursor) if cursor else 0
    with db.cursor() as cur:
        cur.execute(LIST_ROOMS, (after, limit + 1))
        rows = cur.fetchall()
    items = [Room(id=r[0], name=r[1], description=r[2], sensor_count=r[3],
                  created_at=r[4], updated_at=r[5]) for r in rows[:limit]]
    has_more = len(rows) > limit
    next_cursor = cursor_encode("rooms", items[-1].id) if has_more else None
    return RoomPage(items=items,
                    pagination=Pagination(limit=limit, next_cursor=next_cursor, has_more=has_more))
