"""Build the DOCX test fixtures and the render example with python-docx (and LibreOffice).

Usage: python3 scripts/make_fixtures.py [--no-libreoffice]

Writes:
  tests/fixtures/render/basic.docx        title, header, footer, document title property,
                                          a row loop, a paragraph loop, if/else, helpers
  tests/fixtures/render/split.docx        tags split over runs with formatting changes,
                                          proofErr marks and bookmarks between the pieces
  tests/fixtures/render/libreoffice.docx  basic.docx opened and saved again by LibreOffice
  tests/fixtures/render/doctpl_rows.docx  a loop whose tags sit in rows of their own
  tests/fixtures/render/notes.docx        basic.docx with a footnote and an endnote holding tags
  tests/fixtures/render/bad/*.docx        broken and hostile packages for the error tests
  examples/render/signature-sheet.docx    the template of the README's render example

The outputs are committed: LibreOffice stamps the time into what it saves, so rebuilding
changes bytes (not content). Run this script again only when a fixture has to change.
"""
import os
import shutil
import subprocess
import sys
import tempfile

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "tests", "fixtures", "render")


def header_footer(doc, header, footer):
    sec = doc.sections[0]
    sec.header.paragraphs[0].text = header
    sec.footer.paragraphs[0].text = footer


def table(doc, rows):
    t = doc.add_table(rows=len(rows), cols=len(rows[0]))
    t.style = "Table Grid"
    for ri, row in enumerate(rows):
        for ci, text in enumerate(row):
            t.cell(ri, ci).text = text
    return t


def basic(path):
    doc = Document()
    doc.core_properties.title = "{{title}}"
    doc.core_properties.subject = "{{area}} information sharing"
    header_footer(doc, "{{title}} (version {{version}})", "{{area}}: issued {{date issued}}")
    doc.add_paragraph("{{title}}", style="Title")
    doc.add_paragraph("Area: {{area}}. Partners: {{join partners}}.")
    doc.add_paragraph("Signatories", style="Heading 1")
    table(doc, [["Organisation", "Signatory", "Position"],
                ["{{#each signatories}}{{organisation}}", "{{name}}", "{{position}}{{/each}}"]])
    doc.add_paragraph("Principles", style="Heading 1")
    doc.add_paragraph("{{#each principles}}")
    doc.add_paragraph("{{@index}}. {{this}}", style="List Number")
    doc.add_paragraph("{{/each}}")
    doc.add_paragraph("{{#if review}}")
    doc.add_paragraph("Review by {{date review}}.")
    doc.add_paragraph("{{else}}")
    doc.add_paragraph("No review date is set.")
    doc.add_paragraph("{{/if}}")
    doc.add_paragraph("Contact: {{default contact \"not named\"}}")
    doc.add_paragraph("End of document.")
    doc.save(path)


def add_marker(p, tag, **attrs):
    el = OxmlElement(tag)
    for k, v in attrs.items():
        el.set(qn(k), v)
    p._p.append(el)


def split(path):
    """Runs split the way Word splits them while a person types and corrects."""
    doc = Document()
    header_footer(doc, "Protocol {{id}}", "Version {{version}}")
    p = doc.add_paragraph()
    p.add_run("Agreed by {{organ")
    add_marker(p, "w:proofErr", **{"w:type": "spellStart"})
    add_marker(p, "w:bookmarkStart", **{"w:id": "7", "w:name": "org"})
    r = p.add_run("isation.na")
    r.bold = True
    r.font.size = Pt(14)
    add_marker(p, "w:bookmarkEnd", **{"w:id": "7"})
    add_marker(p, "w:proofErr", **{"w:type": "spellEnd"})
    p.add_run("me}} on {")
    p.add_run("{date signed}}.")
    p2 = doc.add_paragraph()
    p2.add_run("{{#e")
    p2.add_run("ach parties}}")
    r = p2.add_run("{{this}}")
    r.italic = True
    p2.add_run("{{#unless @last}}, {{/un")
    p2.add_run("less}}{{/each}}")
    doc.save(path)


def rows_loop(path):
    doc = Document()
    doc.add_paragraph("Core members")
    table(doc, [["Member", "Sector"], ["{{#each members}}", ""], ["{{name}}", "{{sector}}"], ["{{/each}}", ""]])
    doc.save(path)


def signature_sheet(path):
    doc = Document()
    doc.core_properties.title = "{{title}} - signature sheet"
    header_footer(doc, "{{title}}, version {{version}}", "Signature sheet for {{title}}")
    doc.add_paragraph("{{title}}", style="Title")
    doc.add_paragraph("Signature sheet, version {{version}}, issued {{date issued}}.")
    doc.add_paragraph(
        "By signing below, each organisation agrees to share personal information under the "
        "terms of this framework.")
    table(doc, [["Organisation", "Signatory", "Position", "Date", "Signature"],
                ["{{#each signatories}}{{organisation}}", "{{name}}", "{{position}}", "", "{{/each}}"]])
    doc.save(path)


FOOTNOTES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w:{kind}s xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
    '<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:{kind}>'
    '<w:{kind} w:id="1"><w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p></w:{kind}>'
    '</w:{kind}s>')


def with_notes(src, dst):
    """basic.docx plus a footnote and an endnote holding tags (python-docx cannot add notes)."""
    import re
    import zipfile
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", (
                    b'<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/>'
                    b'<Override PartName="/word/endnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml"/></Types>'))
            elif item.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", (
                    b'<Relationship Id="rIdFn" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/>'
                    b'<Relationship Id="rIdEn" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes" Target="endnotes.xml"/></Relationships>'))
            elif item.filename == "word/document.xml":
                data = re.sub(rb"(End of document\.</w:t></w:r>)",
                              rb'\1<w:r><w:footnoteReference w:id="1"/></w:r><w:r><w:endnoteReference w:id="1"/></w:r>', data)
            zout.writestr(item, data)
        zout.writestr("word/footnotes.xml", FOOTNOTES.format(kind="footnote", text="Footnote for {{area}}."))
        zout.writestr("word/endnotes.xml", FOOTNOTES.format(kind="endnote", text="Endnote: {{upper version}}"))


def bad_inputs(folder):
    """Hostile and broken packages for the error tests."""
    import zipfile
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "not-a-zip.docx"), "w") as f:
        f.write("This is a letter, not a Word document.\n")
    with zipfile.ZipFile(os.path.join(folder, "no-document.docx"), "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    src = os.path.join(FIX, "basic.docx")

    def variant(name, change):
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(os.path.join(folder, name), "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                data = change(item.filename, zin.read(item.filename))
                if data is not None:
                    zout.writestr(item, data)
            if name == "escaping-name.docx":
                zout.writestr("../../outside.txt", "escape")
            if name == "bomb.docx":
                with zout.open("word/media/bomb.bin", "w", force_zip64=True) as big:
                    chunk = bytes(1024 * 1024)
                    for _ in range(300):
                        big.write(chunk)

    variant("malformed-xml.docx", lambda n, d: d.replace(b"</w:body>", b"</w:bod>") if n == "word/document.xml" else d)
    variant("escaping-name.docx", lambda n, d: d)
    variant("bomb.docx", lambda n, d: d)
    variant("bad-tags.docx", lambda n, d: d.replace(b"{{/if}}", b"{{/fi}}").replace(b"{{join partners}}", b"{{joined partners}}") if n == "word/document.xml" else d)


def libreoffice_copy(src, dst):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        sys.exit("LibreOffice is not installed: apt-get install -y libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as profile:
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless",
                        "--convert-to", "docx:MS Word 2007 XML", "--outdir", out, src],
                       check=True, capture_output=True)
        shutil.move(os.path.join(out, os.path.basename(src)), dst)


def main():
    os.makedirs(FIX, exist_ok=True)
    basic(os.path.join(FIX, "basic.docx"))
    split(os.path.join(FIX, "split.docx"))
    rows_loop(os.path.join(FIX, "doctpl_rows.docx"))
    signature_sheet(os.path.join(ROOT, "examples", "render", "signature-sheet.docx"))
    with_notes(os.path.join(FIX, "basic.docx"), os.path.join(FIX, "notes.docx"))
    bad_inputs(os.path.join(FIX, "bad"))
    if "--no-libreoffice" not in sys.argv:
        libreoffice_copy(os.path.join(FIX, "basic.docx"), os.path.join(FIX, "libreoffice.docx"))
    print("fixtures written to", FIX)


if __name__ == "__main__":
    main()
