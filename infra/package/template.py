"""Reads what the packaging checks need from `template.yaml`, with the standard library only.

A small reader for the YAML that CloudFormation templates use (block mappings and sequences,
plain, quoted and block scalars, flow `[...]`/`{...}` collections, and the short-form
intrinsic tags `!Ref`, `!Sub`, `!GetAtt`, `!If`, ...), so that a fresh clone needs no PyYAML.
Tags become their long form (`{"Ref": "Table"}`, `{"Fn::Sub": "..."}`); every scalar stays a
string. `python3 infra/package/template.py [template.yaml]` prints the functions it found.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path


class TemplateError(Exception):
    pass


# ------------------------------------------------------------------ YAML subset


def _strip_comment(line: str) -> str:
    """Removes a `# comment` that is not inside quotes."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            # A quote only opens a quoted scalar at the start of a value.
            if i == 0 or line[i - 1] in " [{,:-":
                quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def _split_key(content: str):
    """`key: value` -> (key, value) or None when the line is not a mapping entry."""
    if content[:1] in "'\"":
        q = content[0]
        end = content.find(q, 1)
        while q == "'" and end != -1 and content[end + 1 : end + 2] == "'":
            end = content.find(q, end + 2)
        if end == -1:
            return None
        rest = content[end + 1 :]
        if rest == ":" or rest.startswith(": "):
            return _unquote(content[: end + 1]), rest[1:].strip()
        return None
    if content[:1] in "[{!|>":
        return None
    # The key ends at the first ": " (or a ':' ending the line): `ForAllValues:StringLike:`
    # is one key, `arn:aws:s3:::bucket` no key at all.
    at = content.find(": ")
    if at > 0:
        return content[:at].rstrip(), content[at + 2 :].strip()
    if content.endswith(":") and len(content) > 1:
        return content[:-1].rstrip(), ""
    return None


def _unquote(s: str) -> str:
    if s.startswith("'"):
        return s[1:-1].replace("''", "'")
    if s.startswith('"'):
        return json.loads(s)
    return s


def _tagged(tag: str, value):
    name = tag[1:]
    return {"Ref": value} if name == "Ref" else {f"Fn::{name}": value}


class _Flow:
    """A flow collection on one logical line: `[a, !Ref b, [c]]`, `{k: v}`."""

    def __init__(self, text: str):
        self.s = text
        self.i = 0

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t\n":
            self.i += 1

    def node(self):
        self.ws()
        s = self.s
        if s.startswith("!", self.i):
            m = re.compile(r"!\S+?(?=[\s\[\]{},]|$)").match(s, self.i)
            self.i = m.end()
            return _tagged(m.group(0), self.node())
        if s.startswith("[", self.i):
            self.i += 1
            out = []
            self.ws()
            while not s.startswith("]", self.i):
                out.append(self.node())
                self.ws()
                if s.startswith(",", self.i):
                    self.i += 1
                    self.ws()
            self.i += 1
            return out
        if s.startswith("{", self.i):
            self.i += 1
            out = {}
            self.ws()
            while not s.startswith("}", self.i):
                key = self.node()
                self.ws()
                if not s.startswith(":", self.i):
                    raise TemplateError(f"flow mapping without ':' in {s!r}")
                self.i += 1
                out[key] = self.node()
                self.ws()
                if s.startswith(",", self.i):
                    self.i += 1
                    self.ws()
            self.i += 1
            return out
        if s[self.i : self.i + 1] in ("'", '"'):
            q = s[self.i]
            j = self.i + 1
            while True:
                j = s.index(q, j)
                if q == "'" and s[j + 1 : j + 2] == "'":
                    j += 2
                    continue
                if q == '"' and s[j - 1] == "\\":
                    j += 1
                    continue
                break
            text = s[self.i : j + 1]
            self.i = j + 1
            return _unquote(text)
        m = re.compile(r"[^,\[\]{}]*?(?=\s*[,\]}]|\s*:\s|$)").match(s, self.i)
        self.i = m.end()
        return m.group(0).strip()


def _balanced(text: str) -> bool:
    depth, quote = 0, None
    for ch in text:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
    return depth <= 0


class _Parser:
    def __init__(self, text: str):
        self.lines = []  # (indent, content, raw line) of non-blank lines
        self.raw = text.splitlines()
        for n, raw in enumerate(self.raw):
            content = _strip_comment(raw)
            if not content.strip() or content.strip() in ("---", "..."):
                continue
            indent = len(content) - len(content.lstrip(" "))
            self.lines.append((indent, content.strip(), n))
        self.i = 0

    def peek(self):
        return self.lines[self.i] if self.i < len(self.lines) else None

    def document(self):
        node = self.block(0) if self.lines else None
        if self.i != len(self.lines):
            _, content, n = self.lines[self.i]
            raise TemplateError(f"line {n + 1}: unexpected {content!r}")
        return node

    def block(self, min_indent: int):
        line = self.peek()
        if line is None or line[0] < min_indent:
            return None
        indent, content, _ = line
        if content == "-" or content.startswith("- "):
            return self.sequence(indent)
        if _split_key(content) is None:
            # A scalar (or tagged or flow value) on the line below its key.
            self.i += 1
            return self.value(content, indent - 1, line[2])
        return self.mapping(indent)

    def mapping(self, indent: int):
        out = {}
        while (line := self.peek()) and line[0] == indent:
            _, content, n = line
            if content == "-" or content.startswith("- "):
                break
            kv = _split_key(content)
            if kv is None:
                raise TemplateError(f"line {n + 1}: expected 'key: value', got {content!r}")
            key, value = kv
            self.i += 1
            out[key] = self.value(value, indent, n, allow_same_indent_seq=True)
        return out

    def sequence(self, indent: int):
        out = []
        while (line := self.peek()) and line[0] == indent:
            _, content, n = line
            if not (content == "-" or content.startswith("- ")):
                break
            rest = content[1:].lstrip()
            if not rest:
                self.i += 1
                out.append(self.block(indent + 1))
                continue
            column = indent + (len(content) - len(rest))
            if _split_key(rest) is not None or rest == "-" or rest.startswith("- "):
                # `- key: value` opens a mapping whose keys sit at the column of `key`, and
                # `- - a` a sequence at the column of the second dash.
                self.lines[self.i] = (column, rest, n)
                out.append(self.block(column))
            else:
                self.i += 1
                out.append(self.value(rest, column - 1, n))
        return out

    def value(self, text: str, indent: int, n: int, allow_same_indent_seq=False):
        if text.startswith("!"):
            tag, _, rest = text.partition(" ")
            return _tagged(tag, self.value(rest.strip(), indent, n, allow_same_indent_seq))
        if text == "":
            line = self.peek()
            if line and line[0] > indent:
                return self.block(line[0])
            if (
                allow_same_indent_seq
                and line
                and line[0] == indent
                and (line[1] == "-" or line[1].startswith("- "))
            ):
                return self.sequence(indent)
            return None
        if text[0] in "|>":
            return self.block_scalar(text, indent, n)
        if text[0] in "[{":
            while not _balanced(text):
                _, more, _ = self.lines[self.i]
                self.i += 1
                text += " " + more
            return _Flow(text).node()
        if text[0] in "'\"":
            return _unquote(text)
        # A plain scalar may continue on deeper-indented lines.
        parts = [text]
        while (line := self.peek()) and line[0] > indent and _split_key(line[1]) is None:
            parts.append(line[1])
            self.i += 1
        return " ".join(parts)

    def block_scalar(self, header: str, indent: int, n: int) -> str:
        # Read raw lines (blank lines and '#' belong to the text) below the header line.
        raw_n = n + 1
        body = []
        while raw_n < len(self.raw):
            raw = self.raw[raw_n]
            if raw.strip() and len(raw) - len(raw.lstrip(" ")) <= indent:
                break
            body.append(raw)
            raw_n += 1
        while self.i < len(self.lines) and self.lines[self.i][2] < raw_n:
            self.i += 1
        while body and not body[-1].strip():
            body.pop()
        if not body:
            return ""
        cut = min(len(b) - len(b.lstrip(" ")) for b in body if b.strip())
        lines = [b[cut:] for b in body]
        if header[0] == "|":
            text = "\n".join(lines)
        else:
            text, prev_blank = "", True
            for ln in lines:
                if not ln.strip():
                    text += "\n"
                    prev_blank = True
                else:
                    text += ("" if prev_blank else " ") + ln
                    prev_blank = False
        return text if header.endswith("-") else text + "\n"


def load(text: str):
    return _Parser(text).document()


# ------------------------------------------------------------------ what the checks need


@dataclass
class Function:
    logical_id: str
    binary: str
    code_uri: str
    memory: int
    timeout: int
    environment: dict  # name -> raw template value (strings or intrinsic functions)
    http_routes: list = field(default_factory=list)  # (method, path)
    event_kinds: list = field(default_factory=list)  # template event types


def functions(doc: dict) -> list[Function]:
    """Every `AWS::Serverless::Function` built with `rust-cargolambda`, in template order."""
    glob = (doc.get("Globals") or {}).get("Function") or {}
    genv = ((glob.get("Environment") or {}).get("Variables")) or {}
    out = []
    for lid, res in (doc.get("Resources") or {}).items():
        if not isinstance(res, dict) or res.get("Type") != "AWS::Serverless::Function":
            continue
        meta = res.get("Metadata") or {}
        if meta.get("BuildMethod") != "rust-cargolambda":
            continue
        props = res.get("Properties") or {}
        binary = (meta.get("BuildProperties") or {}).get("Binary")
        if not binary:
            raise TemplateError(f"{lid}: rust-cargolambda without BuildProperties.Binary")
        env = dict(genv)
        env.update(((props.get("Environment") or {}).get("Variables")) or {})
        f = Function(
            logical_id=lid,
            binary=binary,
            code_uri=str(props.get("CodeUri", glob.get("CodeUri", "."))),
            memory=int(props.get("MemorySize", glob.get("MemorySize", 128))),
            timeout=int(props.get("Timeout", glob.get("Timeout", 3))),
            environment=env,
        )
        for ev in (props.get("Events") or {}).values():
            kind = ev.get("Type")
            f.event_kinds.append(kind)
            if kind == "HttpApi":
                p = ev.get("Properties") or {}
                f.http_routes.append((str(p.get("Method", "ANY")).upper(), p.get("Path")))
        out.append(f)
    return out


def resource(doc: dict, logical_id: str) -> dict:
    res = (doc.get("Resources") or {}).get(logical_id)
    if not isinstance(res, dict):
        raise TemplateError(f"no resource {logical_id}")
    return res


def parameter_default(doc: dict, name: str):
    p = (doc.get("Parameters") or {}).get(name)
    return None if p is None else p.get("Default")


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "template.yaml")
    doc = load(path.read_text())
    for f in functions(doc):
        print(f"{f.binary}\t{f.code_uri}\t{f.logical_id}\t{f.memory}\t{','.join(f.event_kinds)}")


if __name__ == "__main__":
    main()
