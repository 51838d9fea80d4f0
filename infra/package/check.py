#!/usr/bin/env python3
"""Checks the arm64 Lambda packages that `infra/package.sh` built (Python 3 standard library).

For every function `template.yaml` builds with `rust-cargolambda` (its `Binary`), it reads
`<lambda-dir>/<binary>/bootstrap.zip` and checks what Lambda needs:

- the zip holds one entry, `bootstrap`, with the executable bits;
- `bootstrap` is a 64-bit little-endian ELF for aarch64 (`e_machine` 183), an executable with
  the interpreter `/lib/ld-linux-aarch64.so.1`, needing only glibc's own libraries (and
  libgcc_s), and no `GLIBC_x.y` symbol version newer than Amazon Linux 2023's 2.34 (read from
  the dynamic section's version needs, so no binutils are needed);
- it starts under `qemu-aarch64 -cpu neoverse-n1` (Graviton2, the oldest CPU arm64 Lambda
  runs on) against a stand-in of the Lambda Runtime API, with the environment Lambda gives it
  and the template's variables (AWS endpoints pointed at a moto_server that this script
  starts, with the template's table and the secrets created in it), and answers one invocation
  of each kind it serves:
  - HTTP functions: an API Gateway HTTP API (payload 2.0) event for a route the template
    declares for it, without a token: a 401 `application/problem+json` (the Salesforce
    webhook: without its signature, its 401 `invalid-signature`, after reading its secret);
  - notifier: a DynamoDB stream batch with an inserted outbox item the table does not hold
    (read from the table, skipped: `{"batchItemFailures": []}`), and the 5-minute EventBridge
    schedule event (a sweep of the empty outbox: nothing sent);
  - reminders: the daily schedule's event (`{}`, the template's `Input`): the day's run over
    the empty table, a report with nothing examined or sent for today's date.

usage:
  check.py sizes [--lambda-dir DIR] [--only a,b] [--enforce-size]
  check.py run   [--lambda-dir DIR] [--only a,b] [--timeout 60]

`sizes` prints each zip's size against the limits (3 MiB; 4 MiB for the PDF-rendering
functions) and fails on one over its limit only with --enforce-size. `run` does the checks
above and exits 1 when any fails. `--only hello` checks `infra/hello`'s package too (a bare
lambda_http function, not in the template: it answers 200 "hello").
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.server
import io
import json
import os
import secrets
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import template  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024
ZIP_LIMIT = 3 * MIB
# The functions that embed the fonts and render invoice PDFs.
PDF_FUNCTIONS = {"invoices": 4 * MIB, "notifier": 4 * MIB}
GLIBC_MAX = (2, 34)  # Amazon Linux 2023 (provided.al2023)
INTERPRETER = "/lib/ld-linux-aarch64.so.1"
# What an al2023 function may link: glibc's libraries and libgcc_s (Rust's std links it).
ALLOWED_NEEDED = {
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "libutil.so.1",
    "libgcc_s.so.1",
    "ld-linux-aarch64.so.1",
}
EM_AARCH64 = 183
REGION = "us-east-1"
ACCOUNT = "123456789012"
SYSROOT = "/usr/aarch64-linux-gnu"

# The route each HTTP function is invoked on, when not its first GET route without a path
# parameter: most auth routes are public, and the Salesforce routes are signed, not signed in.
PREFERRED_ROUTE = {
    "auth": ("GET", "/api/v1/auth/me"),
    "salesforce": ("POST", "/api/v1/integrations/salesforce/events"),
}


def mib(n: int) -> str:
    return f"{n / MIB:.2f} MiB"


# ------------------------------------------------------------------ which packages


@dataclass
class Package:
    name: str  # the bin name
    function: template.Function | None  # None: the hello baseline
    zip_path: Path

    @property
    def limit(self) -> int:
        return PDF_FUNCTIONS.get(self.name, ZIP_LIMIT)


def packages(doc, lambda_dir: Path, only: list[str] | None) -> list[Package]:
    out = [Package(f.binary, f, lambda_dir / f.binary / "bootstrap.zip") for f in template.functions(doc)]
    if only:
        known = {p.name for p in out} | {"hello"}
        unknown = [n for n in only if n not in known]
        if unknown:
            sys.exit(f"check.py: unknown function(s) {', '.join(unknown)}; the template builds {', '.join(sorted(known - {'hello'}))}")
        out = [p for p in out if p.name in only]
        if "hello" in only:
            out.append(Package("hello", None, lambda_dir / "hello" / "bootstrap.zip"))
    return out


# ------------------------------------------------------------------ zip and ELF


def read_bootstrap(zip_path: Path) -> tuple[bytes, list[str]]:
    """The `bootstrap` entry's bytes and the problems of the zip."""
    problems = []
    with zipfile.ZipFile(zip_path) as z:
        infos = z.infolist()
        names = [i.filename for i in infos]
        if names != ["bootstrap"]:
            problems.append(f"zip holds {names}, expected only 'bootstrap'")
        info = next((i for i in infos if i.filename == "bootstrap"), None)
        if info is None:
            return b"", problems + ["no 'bootstrap' in the zip"]
        mode = info.external_attr >> 16
        if info.create_system != 3 or mode & 0o111 != 0o111 or not (mode & 0o170000) in (0, 0o100000):
            problems.append(f"bootstrap is not an executable file in the zip (mode {oct(mode)})")
        return z.read(info), problems


@dataclass
class Elf:
    machine: int = 0
    kind: str = ""
    interpreter: str | None = None
    needed: list[str] = field(default_factory=list)
    versions: dict[str, set[str]] = field(default_factory=dict)  # library -> version names

    def glibc_max(self) -> tuple[int, ...] | None:
        best = None
        for names in self.versions.values():
            for v in names:
                if v.startswith("GLIBC_") and v[6:].replace(".", "").isdigit():
                    t = tuple(int(x) for x in v[6:].split("."))
                    best = t if best is None or t > best else best
        return best


def parse_elf(data: bytes) -> Elf:
    """Reads the header, the program headers and the dynamic section's needs (DT_NEEDED and
    DT_VERNEED, the same table `readelf -V` shows as `.gnu.version_r`) of a 64-bit
    little-endian ELF."""
    if data[:4] != b"\x7fELF":
        raise ValueError("not an ELF file")
    if data[4] != 2 or data[5] != 1:
        raise ValueError(f"not a 64-bit little-endian ELF (class {data[4]}, data {data[5]})")
    e_type, e_machine = struct.unpack_from("<HH", data, 16)
    (e_phoff,) = struct.unpack_from("<Q", data, 32)
    e_phentsize, e_phnum = struct.unpack_from("<HH", data, 54)
    elf = Elf(machine=e_machine, kind={2: "EXEC", 3: "DYN"}.get(e_type, f"type {e_type}"))
    loads, dynamic = [], None
    for i in range(e_phnum):
        p_type, _flags, off, vaddr, _paddr, filesz, _memsz, _align = struct.unpack_from(
            "<IIQQQQQQ", data, e_phoff + i * e_phentsize
        )
        if p_type == 1:  # PT_LOAD
            loads.append((vaddr, off, filesz))
        elif p_type == 2:  # PT_DYNAMIC
            dynamic = (off, filesz)
        elif p_type == 3:  # PT_INTERP
            elf.interpreter = data[off : off + filesz].rstrip(b"\0").decode()

    def at(vaddr: int) -> int:
        for start, off, size in loads:
            if start <= vaddr < start + size:
                return off + vaddr - start
        raise ValueError(f"address {vaddr:#x} is in no loaded segment")

    if dynamic is None:
        return elf  # static: nothing needed
    tags: dict[int, list[int]] = {}
    off, size = dynamic
    for j in range(0, size, 16):
        tag, val = struct.unpack_from("<qQ", data, off + j)
        if tag == 0:
            break
        tags.setdefault(tag, []).append(val)
    strtab = at(tags[5][0])  # DT_STRTAB

    def cstr(o: int) -> str:
        return data[strtab + o : data.index(b"\0", strtab + o)].decode()

    elf.needed = [cstr(v) for v in tags.get(1, [])]  # DT_NEEDED
    if 0x6FFFFFFE in tags:  # DT_VERNEED, DT_VERNEEDNUM
        pos = at(tags[0x6FFFFFFE][0])
        for _ in range(tags.get(0x6FFFFFFF, [0])[0]):
            _ver, cnt, file_, aux, nxt = struct.unpack_from("<HHIII", data, pos)
            lib = elf.versions.setdefault(cstr(file_), set())
            apos = pos + aux
            for _ in range(cnt):
                _hash, _flags, _other, name, anext = struct.unpack_from("<IHHII", data, apos)
                lib.add(cstr(name))
                apos += anext
            if not nxt:
                break
            pos += nxt
    return elf


def elf_problems(elf: Elf) -> list[str]:
    problems = []
    if elf.machine != EM_AARCH64:
        problems.append(f"e_machine {elf.machine}, not aarch64 ({EM_AARCH64})")
    if elf.kind not in ("EXEC", "DYN"):
        problems.append(f"ELF {elf.kind} is not an executable")
    if elf.needed and elf.interpreter != INTERPRETER:
        problems.append(f"interpreter {elf.interpreter}, expected {INTERPRETER}")
    extra = [n for n in elf.needed if n not in ALLOWED_NEEDED]
    if extra:
        problems.append(f"needs libraries al2023's runtime lacks: {', '.join(extra)}")
    g = elf.glibc_max()
    if g is not None and g > GLIBC_MAX:
        problems.append(f"needs GLIBC_{'.'.join(map(str, g))} > {'.'.join(map(str, GLIBC_MAX))} (Amazon Linux 2023)")
    return problems


# ------------------------------------------------------------------ sizes


def cmd_sizes(args) -> int:
    doc = template.load((ROOT / "template.yaml").read_text())
    over = []
    print("| function | bootstrap | zip | zip limit | within |")
    print("|---|---|---|---|---|")
    for p in packages(doc, args.lambda_dir, args.only):
        if not p.zip_path.exists():
            print(f"| {p.name} | missing | missing | {mib(p.limit)} | - |")
            over.append(p.name)
            continue
        with zipfile.ZipFile(p.zip_path) as z:
            raw = sum(i.file_size for i in z.infolist())
        size = p.zip_path.stat().st_size
        ok = size <= p.limit
        if not ok:
            over.append(p.name)
        print(f"| {p.name} | {mib(raw)} | {mib(size)} | {mib(p.limit)} | {'yes' if ok else 'NO'} |")
    missing = [n for n in over if not (args.lambda_dir / n / "bootstrap.zip").exists()]
    if missing:
        print(f"missing packages: {', '.join(missing)}")
        return 1
    if over:
        verdict = "fails (--enforce-size)" if args.enforce_size else "reported only (no --enforce-size)"
        print(f"over the size limit: {', '.join(over)}: {verdict}")
        return 1 if args.enforce_size else 0
    print("every zip is within its limit")
    return 0


# ------------------------------------------------------------------ moto


class Moto:
    """A moto_server on a free 127.0.0.1 port (infra/moto/launch.py), with the template's
    table and the secrets the functions read."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "infra/moto/launch.py")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline().strip()
        if not line.isdigit():
            err = self.proc.stderr.read() if self.proc.poll() is not None else ""
            self.proc.kill()
            raise RuntimeError(f"moto_server did not start (is moto[server] installed?): {line!r} {err[-2000:]}")
        self.endpoint = f"http://127.0.0.1:{line}"

    def call(self, service: str, target: str, body: dict, json_version: str) -> dict:
        req = urllib.request.Request(
            self.endpoint + "/",
            data=json.dumps(body).encode(),
            headers={
                "Content-Type": f"application/x-amz-json-{json_version}",
                "X-Amz-Target": target,
                # moto routes by the credential scope; it does not verify the signature.
                "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/{service}/aws4_request, SignedHeaders=host, Signature=0",
            },
        )
        with urllib.request.urlopen(req, timeout=30) as res:
            return json.loads(res.read() or b"{}")

    def create_table(self, name: str, props: dict) -> None:
        body = {"TableName": name, "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST")}
        for key in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if props.get(key):
                body[key] = props[key]
        if props.get("StreamSpecification"):
            body["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        self.call("dynamodb", "DynamoDB_20120810.CreateTable", body, "1.0")
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            self.call(
                "dynamodb",
                "DynamoDB_20120810.UpdateTimeToLive",
                {"TableName": name, "TimeToLiveSpecification": {"AttributeName": ttl["AttributeName"], "Enabled": True}},
                "1.0",
            )

    def create_secret(self, name: str, value: dict) -> str:
        out = self.call(
            "secretsmanager",
            "secretsmanager.CreateSecret",
            {"Name": name, "SecretString": json.dumps(value)},
            "1.1",
        )
        return out["ARN"]

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


# ------------------------------------------------------------------ the Runtime API stand-in


@dataclass
class Invocation:
    kind: str
    event: dict
    expect: callable  # (result: dict) -> str | None (a problem)
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    sent_at: float | None = None
    answered_at: float | None = None
    outcome: str | None = None  # "response" or "error"
    body: bytes = b""


class RuntimeApi:
    """Serves `invocation/next` from a queue (holding the request once it is empty) and
    records `/response`, `/error` and `/init/error`."""

    def __init__(self, function_arn: str, invocations: list[Invocation], timeout_s: int):
        self.arn = function_arn
        self.queue = list(invocations)
        self.by_id = {i.request_id: i for i in invocations}
        self.timeout_s = timeout_s
        self.lock = threading.Condition()
        self.first_next: float | None = None
        self.init_error: bytes | None = None
        self.stopping = False
        self.unexpected: list[str] = []
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    out = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return out
                        out += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def reply(self, status: int, payload: bytes, headers: dict | None = None):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                if self.path != "/2018-06-01/runtime/invocation/next":
                    api.unexpected.append(f"GET {self.path}")
                    return self.reply(404, b'{"errorMessage":"unknown path"}')
                with api.lock:
                    if api.first_next is None:
                        api.first_next = time.monotonic()
                    while not api.queue and not api.stopping:
                        api.lock.wait(0.5)
                    if api.stopping:
                        return
                    inv = api.queue.pop(0)
                    inv.sent_at = time.monotonic()
                payload = json.dumps(inv.event).encode()
                deadline = int(time.time() * 1000) + api.timeout_s * 1000
                trace = f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0;Lineage=1:{secrets.token_hex(4)}:0"
                self.reply(
                    200,
                    payload,
                    {
                        "Lambda-Runtime-Aws-Request-Id": inv.request_id,
                        "Lambda-Runtime-Deadline-Ms": str(deadline),
                        "Lambda-Runtime-Invoked-Function-Arn": api.arn,
                        "Lambda-Runtime-Trace-Id": trace,
                    },
                )

            def do_POST(self):
                data = self.body()
                parts = self.path.strip("/").split("/")
                if parts[:3] == ["2018-06-01", "runtime", "init"] and parts[3:] == ["error"]:
                    with api.lock:
                        api.init_error = data
                        api.lock.notify_all()
                    return self.reply(202, b'{"status":"OK"}')
                if len(parts) == 5 and parts[:3] == ["2018-06-01", "runtime", "invocation"] and parts[4] in ("response", "error"):
                    inv = api.by_id.get(parts[3])
                    if inv is None:
                        api.unexpected.append(f"POST for unknown request id {parts[3]}")
                        return self.reply(400, b'{"errorMessage":"unknown request id"}')
                    with api.lock:
                        inv.answered_at = time.monotonic()
                        inv.outcome = parts[4]
                        inv.body = data
                        api.lock.notify_all()
                    return self.reply(202, b'{"status":"OK"}')
                api.unexpected.append(f"POST {self.path}")
                self.reply(404, b'{"errorMessage":"unknown path"}')

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                # The function is killed once it has answered: its held `next` goes away.
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def done(self) -> bool:
        return self.init_error is not None or all(i.outcome for i in self.by_id.values())

    def stop(self):
        with self.lock:
            self.stopping = True
            self.lock.notify_all()
        self.server.shutdown()
        self.server.server_close()


# ------------------------------------------------------------------ the invocations


def http_event(method: str, path: str, body: dict | None = None) -> dict:
    now = dt.datetime.now(dt.timezone.utc)
    headers = {
        "accept": "application/json",
        "host": "abcdef1234.execute-api.us-east-1.amazonaws.com",
        "user-agent": "erp-package-check",
        "x-amzn-trace-id": f"Root=1-{int(now.timestamp()):08x}-{secrets.token_hex(12)}",
        "x-forwarded-for": "203.0.113.7",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    event = {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "abcdef1234",
            "domainName": headers["host"],
            "domainPrefix": "abcdef1234",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "erp-package-check",
            },
            "requestId": secrets.token_urlsafe(12),
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if body is not None:
        headers["content-type"] = "application/json"
        event["body"] = json.dumps(body)
    return event


def http_result(result: dict) -> tuple[int, dict, str]:
    headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    return int(result.get("statusCode", 0)), headers, body


def expect_problem(status: int, slug: str | None = None):
    def check(result: dict) -> str | None:
        code, headers, body = http_result(result)
        ctype = headers.get("content-type", "")
        if code != status:
            return f"status {code}, expected {status}: {body[:300]}"
        if not ctype.startswith("application/problem+json"):
            return f"content-type {ctype!r}, expected application/problem+json"
        try:
            problem = json.loads(body)
        except ValueError:
            return f"body is not JSON: {body[:300]}"
        if problem.get("status") != status:
            return f"problem status {problem.get('status')}, expected {status}"
        if slug and not str(problem.get("type", "")).endswith(f"/problems/{slug}"):
            return f"problem type {problem.get('type')!r}, expected /problems/{slug}"
        if "x-request-id" not in headers:
            return "no x-request-id header"
        return None

    check.describe = f"{status} problem+json" + (f" {slug}" if slug else "")
    return check


def http_invocation(p: Package) -> Invocation:
    f = p.function
    declared = [(m, path) for m, path in f.http_routes]
    route = PREFERRED_ROUTE.get(p.name)
    if route is None:
        gets = [r for r in declared if r[0] == "GET"]
        plain = [r for r in gets if "{" not in r[1]]
        route = (plain or gets or declared or [None])[0]
    if route is None or route not in declared:
        raise RuntimeError(f"{p.name}: the template declares no route {route} for it (routes: {declared})")
    method, path = route
    path = path.replace("{id}", str(uuid.uuid4())).replace("{pid}", str(uuid.uuid4()))
    if p.name == "salesforce":
        body = {"id": "package-check-1", "kind": "Account", "record": {"Id": "001000000000001AAA"}}
        return Invocation(f"apigw-v2 {method} {route[1]} unsigned", http_event(method, path, body), expect_problem(401, "invalid-signature"))
    return Invocation(f"apigw-v2 {method} {route[1]} anonymous", http_event(method, path), expect_problem(401))


def expect_json(predicate, describe: str):
    def check(result) -> str | None:
        try:
            return None if predicate(result) else f"answered {json.dumps(result)[:400]}"
        except (KeyError, TypeError) as e:
            return f"answered {json.dumps(result)[:400]} ({e})"

    check.describe = describe
    return check


def stream_event(table_arn: str) -> dict:
    outbox_id = str(uuid.uuid4())
    return {
        "Records": [
            {
                "eventID": secrets.token_hex(16),
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": REGION,
                "dynamodb": {
                    "ApproximateCreationDateTime": int(time.time()),
                    "Keys": {"pk": {"S": f"OUTBOX#{outbox_id}"}, "sk": {"S": "OUTBOX"}},
                    "SequenceNumber": "100000000000000000001",
                    "SizeBytes": 80,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
                "eventSourceARN": f"{table_arn}/stream/2026-01-01T00:00:00.000",
            }
        ]
    }


def matches(pattern, value) -> bool:
    """An event-filtering pattern (values listed; `{"prefix": ...}`) against a record."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(k in value and matches(v, value[k]) for k, v in pattern.items())
    if isinstance(pattern, list):
        for alt in pattern:
            if isinstance(alt, dict) and "prefix" in alt:
                if isinstance(value, str) and value.startswith(alt["prefix"]):
                    return True
            elif isinstance(alt, dict):
                raise RuntimeError(f"filter operator {alt} is not known to check.py")
            elif alt == value:
                return True
        return False
    return pattern == value


def schedule_event(rule: str) -> dict:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}"],
        "detail": {},
    }


def invocations(p: Package, doc, table_arn: str) -> list[Invocation]:
    if p.function is None:  # hello
        def hello(result):
            code, _, body = http_result(result)
            return None if code == 200 and body == "hello" else f"status {code} body {body[:200]!r}"

        hello.describe = '200 "hello"'
        return [Invocation("apigw-v2 GET /", http_event("GET", "/"), hello)]
    kinds = set(p.function.event_kinds)
    out = []
    if "HttpApi" in kinds:
        out.append(http_invocation(p))
    if "DynamoDB" in kinds:
        event = stream_event(table_arn)
        for ev in template.resource(doc, p.function.logical_id)["Properties"]["Events"].values():
            if ev.get("Type") != "DynamoDB":
                continue
            for flt in ((ev.get("Properties") or {}).get("FilterCriteria") or {}).get("Filters") or []:
                pattern = json.loads(flt["Pattern"])
                for record in event["Records"]:
                    if not matches(pattern, record):
                        raise RuntimeError(f"{p.name}: the stream record would not pass the template's filter {flt['Pattern']}")
        out.append(
            Invocation(
                "dynamodb-stream INSERT OUTBOX# (unknown id)",
                event,
                expect_json(lambda r: r == {"batchItemFailures": []}, '{"batchItemFailures": []}'),
            )
        )
    if "Schedule" in kinds:
        out.append(
            Invocation(
                "eventbridge schedule",
                schedule_event(f"erp-{p.name}-schedule"),
                expect_json(lambda r: r["sweep"]["sent"] == 0 and r["sweep"]["failed"] == 0, "sweep, nothing sent"),
            )
        )
    if "ScheduleV2" in kinds:
        ev = next(
            e
            for e in template.resource(doc, p.function.logical_id)["Properties"]["Events"].values()
            if e.get("Type") == "ScheduleV2"
        )
        raw = (ev.get("Properties") or {}).get("Input")
        payload = json.loads(raw) if isinstance(raw, str) else schedule_event(f"erp-{p.name}-daily")
        today = dt.datetime.now(dt.timezone.utc).date().isoformat()

        def report_ok(r, today=today):
            # The job's day is today in ERP_TIME_ZONE (UTC here); either side of midnight.
            yesterday = (dt.date.fromisoformat(today) - dt.timedelta(days=1)).isoformat()
            return r["date"] in (today, yesterday) and r["examined"] == 0 and r["sent"] == 0

        out.append(Invocation(f"scheduler {json.dumps(payload)}", payload, expect_json(report_ok, f"report for {today}, nothing examined")))
    if not out:
        raise RuntimeError(f"{p.name}: no event kind this check knows ({sorted(kinds)})")
    return out


# ------------------------------------------------------------------ the environment


def resolve(value, refs: dict, doc) -> str:
    """A template value with the stand-ins for this check: parameters by their defaults or
    samples, resources by what was created on the emulator."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Ref" in value:
        name = value["Ref"]
        if name in refs:
            return refs[name]
        default = template.parameter_default(doc, name)
        if default is not None:
            return str(default)
        raise RuntimeError(f"no stand-in for !Ref {name}: add it to SAMPLES in infra/package/check.py")
    if isinstance(value, dict) and "Fn::Sub" in value and "{{resolve:secretsmanager:" in str(value["Fn::Sub"]):
        return "package-check-" + secrets.token_hex(8)
    raise RuntimeError(f"no stand-in for {value}: extend resolve() in infra/package/check.py")


SAMPLES = {
    # Parameters without a default.
    "EmailFrom": "no-reply@example.com",
    "PublicUrl": "https://app.example.com",
    "SesIdentity": "example.com",
    "AllowedOrigins": "https://app.example.com",
}


def lambda_env(p: Package, runtime_api: str, refs: dict, doc, moto_endpoint: str) -> dict:
    name = f"erp-{p.name}"
    memory = p.function.memory if p.function else 256
    env = {
        # What Lambda sets (provided.al2023).
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": f"2026/01/01/[$LATEST]{secrets.token_hex(16)}",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EXECUTION_ENV": "AWS_Lambda_provided.al2023",
        "AWS_ACCESS_KEY_ID": "ASIAPACKAGECHECK0000",
        "AWS_SECRET_ACCESS_KEY": "package-check-secret",
        "AWS_SESSION_TOKEN": "package-check-session",
        "LAMBDA_TASK_ROOT": "/var/task",
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "_HANDLER": "bootstrap",
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        "LD_LIBRARY_PATH": "/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
        # Not Lambda's: every AWS client goes to the emulator, and no instance metadata.
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    if p.function:
        for k, v in p.function.environment.items():
            env[k] = resolve(v, refs, doc)
    return env


# ------------------------------------------------------------------ run


@dataclass
class Outcome:
    name: str
    elf: str = "-"
    glibc: str = "-"
    lines: list = field(default_factory=list)  # (kind, status, ready_ms, invoke_ms)
    problems: list = field(default_factory=list)
    stderr: str = ""


def qemu_command(binary: Path) -> list[str]:
    return ["qemu-aarch64", "-cpu", "neoverse-n1", "-L", SYSROOT, str(binary)]


def run_one(p: Package, doc, refs, moto: Moto, table_arn: str, timeout_s: int, work: Path) -> Outcome:
    o = Outcome(p.name)
    if not p.zip_path.exists():
        o.problems.append(f"{p.zip_path} missing (build it with infra/package.sh)")
        return o
    data, problems = read_bootstrap(p.zip_path)
    o.problems += problems
    if not data:
        return o
    try:
        elf = parse_elf(data)
    except (ValueError, struct.error, KeyError, IndexError) as e:
        o.problems.append(f"ELF: {e}")
        return o
    eprob = elf_problems(elf)
    o.problems += eprob
    o.elf = "ok" if not eprob and not problems else "BAD"
    g = elf.glibc_max()
    o.glibc = "none" if g is None else ".".join(map(str, g))
    if elf.machine != EM_AARCH64:
        return o
    task = work / p.name
    task.mkdir()
    binary = task / "bootstrap"
    binary.write_bytes(data)
    binary.chmod(0o755)
    try:
        invs = invocations(p, doc, table_arn)
    except RuntimeError as e:
        o.problems.append(str(e))
        return o
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:erp-{p.name}"
    api = RuntimeApi(arn, invs, timeout_s)
    env = lambda_env(p, api.address, refs, doc, moto.endpoint)
    err_path = task / "stderr.log"
    started = time.monotonic()
    with open(err_path, "wb") as err:
        proc = subprocess.Popen(qemu_command(binary), cwd=task, env=env, stdin=subprocess.DEVNULL, stdout=err, stderr=subprocess.STDOUT)
        deadline = started + timeout_s
        while time.monotonic() < deadline and proc.poll() is None:
            with api.lock:
                if api.done():
                    break
                api.lock.wait(0.1)
        exited = proc.poll()
        if exited is None:
            proc.kill()
        proc.wait()
    api.stop()
    o.stderr = err_path.read_text(errors="replace")
    ready_ms = None if api.first_next is None else (api.first_next - started) * 1000
    if api.init_error is not None:
        o.problems.append(f"init error: {api.init_error.decode(errors='replace')[:500]}")
    elif api.first_next is None:
        o.problems.append(
            f"never asked for an invocation ({'exited with ' + str(exited) if exited is not None else f'timed out after {timeout_s} s'})"
        )
    for inv in invs:
        invoke_ms = None if inv.answered_at is None or inv.sent_at is None else (inv.answered_at - inv.sent_at) * 1000
        if inv.outcome == "response":
            try:
                result = json.loads(inv.body)
                problem = inv.expect(result)
            except ValueError:
                problem = f"response is not JSON: {inv.body[:300]!r}"
            status = "ok " + inv.expect.describe if problem is None else "FAILED"
            if problem:
                o.problems.append(f"{inv.kind}: {problem}")
        elif inv.outcome == "error":
            status = "FAILED (error)"
            o.problems.append(f"{inv.kind}: the function reported an error: {inv.body.decode(errors='replace')[:500]}")
        else:
            status = "no answer"
            if api.first_next is not None:
                o.problems.append(
                    f"{inv.kind}: no answer within {timeout_s} s"
                    + (f" (the process exited with {exited})" if exited is not None else "")
                )
        o.lines.append((inv.kind, status, ready_ms, invoke_ms))
    o.problems += [f"unexpected request to the Runtime API: {u}" for u in api.unexpected]
    return o


def fmt_ms(v) -> str:
    return "-" if v is None else f"{v:.0f}"


def cmd_run(args) -> int:
    doc = template.load((ROOT / "template.yaml").read_text())
    pkgs = packages(doc, args.lambda_dir, args.only)
    for tool in ("qemu-aarch64",):
        if not shutil.which(tool):
            sys.exit(f"check.py: {tool} missing (apt-get install qemu-user)")
    if not Path(SYSROOT, "lib", "ld-linux-aarch64.so.1").exists():
        sys.exit(f"check.py: {SYSROOT} has no arm64 glibc (apt-get install libc6-arm64-cross)")
    moto = Moto()
    try:
        table = "erp-package-check"
        moto.create_table(table, template.resource(doc, "Table")["Properties"])
        table_arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}"
        app_secret = moto.create_secret(
            "erp-package-check-keys", {"kid": "k1", "signing_key": secrets.token_urlsafe(48)}
        )
        sf_secret = moto.create_secret(
            "erp-package-check-salesforce", {"webhook_secret": secrets.token_urlsafe(48)}
        )
        refs = dict(SAMPLES)
        refs.update(
            {
                "Table": table,
                "AppSecret": app_secret,
                "SalesforceSecret": sf_secret,
                "SalesforceOrgId": "00D000000000001AAA",
                "AWS::Region": REGION,
                "AWS::AccountId": ACCOUNT,
                "AWS::StackName": "erp",
            }
        )
        print(f"qemu: {' '.join(qemu_command(Path('bootstrap')))}; Runtime API stand-in per function; AWS at moto_server {moto.endpoint}")
        print("| function | ELF | glibc max | invocation | result | ready ms | invoke ms |")
        print("|---|---|---|---|---|---|---|")
        failed = []
        with tempfile.TemporaryDirectory(prefix="erp-package-check-") as tmp:
            for p in pkgs:
                o = run_one(p, doc, refs, moto, table_arn, args.timeout, Path(tmp))
                rows = o.lines or [("-", "not started", None, None)]
                for kind, status, ready, inv in rows:
                    print(f"| {o.name} | {o.elf} | {o.glibc} | {kind} | {status} | {fmt_ms(ready)} | {fmt_ms(inv)} |", flush=True)
                if o.problems:
                    failed.append(o)
        for o in failed:
            print(f"\n{o.name} FAILED:")
            for pr in o.problems:
                print(f"  - {pr}")
            if o.stderr:
                tail = o.stderr[-6000:]
                print(f"  its output (last {len(tail)} characters):")
                print("    " + tail.replace("\n", "\n    "))
        print(f"\n{len(pkgs) - len(failed)} passed, {len(failed)} failed")
        return 1 if failed else 0
    finally:
        moto.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("sizes", "run"):
        sp = sub.add_parser(name)
        sp.add_argument("--lambda-dir", type=Path, default=ROOT / "target" / "lambda")
        sp.add_argument("--only", type=lambda s: [x for x in s.split(",") if x], default=None)
        if name == "sizes":
            sp.add_argument("--enforce-size", action="store_true")
        else:
            sp.add_argument("--timeout", type=int, default=int(os.environ.get("PACKAGE_CHECK_TIMEOUT", "60")))
    args = ap.parse_args()
    return cmd_sizes(args) if args.cmd == "sizes" else cmd_run(args)


if __name__ == "__main__":
    sys.exit(main())
