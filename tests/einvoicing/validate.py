#!/usr/bin/env python3
"""Runs the official EN 16931 validation rules (CEN/TC 434, release 1.3.16: ubl/ and cii/ here)
over e-invoices and reports, per file, the rules that failed.

Usage:  validate.py ubl|cii FILE...
Prints one JSON object per file: {"file", "fatal": [rule ids], "warnings": [rule ids]}, or
{"file", "error"} when the file does not parse. Exit status 1 when any file has a fatal
failure or does not parse. Needs saxonche (PyPI): infra/test.sh installs it.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = {
    "ubl": os.path.join(HERE, "ubl", "EN16931-UBL-validation.xslt"),
    "cii": os.path.join(HERE, "cii", "EN16931-CII-validation.xslt"),
}
ASSERT = re.compile(r"<svrl:failed-assert\b([^>]*)>", re.S)


def attribute(tag, name):
    m = re.search(r'\b' + name + r'="([^"]*)"', tag)
    return m.group(1) if m else ""


def main(argv):
    if len(argv) < 3 or argv[1] not in RULES:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        from saxonche import PySaxonProcessor
    except ImportError:
        print("saxonche is not installed: python3 -m pip install saxonche", file=sys.stderr)
        return 2
    failed = 0
    with PySaxonProcessor(license=False) as saxon:
        rules = saxon.new_xslt30_processor().compile_stylesheet(stylesheet_file=RULES[argv[1]])
        for path in argv[2:]:
            try:
                report = rules.transform_to_string(source_file=os.path.abspath(path)) or ""
            except Exception as e:  # not well-formed, or not a document of that syntax
                print(json.dumps({"file": path, "error": str(e).strip()[:300]}))
                failed += 1
                continue
            tags = ASSERT.findall(report)
            fatal = [attribute(t, "id") for t in tags if attribute(t, "flag") == "fatal"]
            warnings = [attribute(t, "id") for t in tags if attribute(t, "flag") != "fatal"]
            print(json.dumps({"file": path, "fatal": fatal, "warnings": warnings}))
            failed += bool(fatal)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
