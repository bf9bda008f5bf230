"""Independent reader for the tests: opens a DOCX with python-docx (and the zip and XML
libraries of Python's standard library) and prints what a person would see, as JSON.

Usage: python3 tests/support/read_docx.py FILE.docx

Prints {"paragraphs": [...], "tables": [[[cell, ...], ...], ...], "headers": [...],
"footers": [...], "footnotes": [...], "endnotes": [...], "title": ..., "subject": ...,
"tags_left": [...]} and exits 1 if the file cannot be opened or a zip entry is damaged.
"""
import json
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

try:
    from docx import Document
except ImportError:
    sys.exit("python-docx is not installed: pip install python-docx==1.2.0")

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TAG = re.compile(r"\{\{|\}\}")


def notes(z, name, kind):
    if name not in z.namelist():
        return []
    root = ET.fromstring(z.read(name))
    out = []
    for note in root.findall(f"{W}{kind}"):
        if note.get(f"{W}type") in ("separator", "continuationSeparator"):
            continue
        out.append("".join(t.text or "" for t in note.iter(f"{W}t")))
    return out


def main(path):
    with zipfile.ZipFile(path) as z:
        bad = z.testzip()
        if bad:
            sys.exit(f"damaged zip entry {bad}")
        footnotes = notes(z, "word/footnotes.xml", "footnote")
        endnotes = notes(z, "word/endnotes.xml", "endnote")
        # Every XML part must parse with a strict reader.
        for name in z.namelist():
            if name.endswith(".xml") or name.endswith(".rels"):
                ET.fromstring(z.read(name))
    doc = Document(path)
    paragraphs = [p.text for p in doc.paragraphs]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    headers = [p.text for s in doc.sections for p in s.header.paragraphs]
    footers = [p.text for s in doc.sections for p in s.footer.paragraphs]
    everything = paragraphs + [c for t in tables for r in t for c in r] + headers + footers + footnotes + endnotes
    print(json.dumps({
        "paragraphs": paragraphs,
        "tables": tables,
        "headers": headers,
        "footers": footers,
        "footnotes": footnotes,
        "endnotes": endnotes,
        "title": doc.core_properties.title,
        "subject": doc.core_properties.subject,
        "tags_left": [s for s in everything if TAG.search(s)],
    }, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
