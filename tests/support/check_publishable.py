"""Independent check that documents are fit to publish (issue 32): accessible, and with nothing
of the tool showing. Reads each DOCX with python-docx (it must open) and Python's own zip and
XML libraries, never with countersign's code.

Usage: python3 tests/support/check_publishable.py [--slug ID]... [--contents FILE.docx]... FILE.docx...

Checks every file for:
- language: the document's default run properties name a language (w:lang);
- default style: a paragraph style is marked as the default (w:default="1");
- table headers: the first row of every table is marked as a header row (w:tblHeader), so
  that screen readers announce it and it repeats on each page;
- heading order: the first heading is level 1 and no heading skips a level;
- images: every drawing has alternative text (wp:docPr/@descr);
- links: every hyperlink has text, and not "here", "click here", "link" or a bare address;
- footer: every run of a footer paragraph is the same size (page numbers as their words);
- nothing of the tool: no backtick, no "countersign" as a word, no file name (.docx, .json,
  .zip, .pdf, .key, .pub) and no id given with --slug as a word;
and, for each file given with --contents, a contents field (a TOC field instruction).

Prints one line per problem ("FILE: problem") and exits 1 if there is any, else prints how
many documents it checked and exits 0.
"""
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

try:
    from docx import Document
except ImportError:
    sys.exit("python-docx is not installed: pip install python-docx==1.2.0")

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
FILE_NAME = re.compile(r"[\w.-]+\.(docx|json|zip|pdf|key|pub)\b", re.IGNORECASE)
TOOL = re.compile(r"\bcountersign\b", re.IGNORECASE)
VAGUE_LINKS = {"here", "click here", "link", "this link", "more"}


def text_of(element):
    return "".join(t.text or "" for t in element.iter(f"{W}t"))


def heading_levels(styles_root):
    """Paragraph style id -> outline level (1-based) for styles that are headings."""
    levels = {}
    for style in styles_root.findall(f"{W}style"):
        sid = style.get(f"{W}styleId")
        outline = style.find(f"{W}pPr/{W}outlineLvl")
        if outline is None:
            # docx-rs writes pPr after rPr; outlineLvl may sit in either place it chose.
            outline = style.find(f".//{W}outlineLvl")
        if outline is not None:
            levels[sid] = int(outline.get(f"{W}val")) + 1
    return levels


def check(path, slugs, wants_contents):
    problems = []
    try:
        Document(path)
    except Exception as e:  # noqa: BLE001 - any failure to open is the finding
        return [f"python-docx cannot open it: {e}"]
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        document = ET.fromstring(z.read("word/document.xml"))
        styles = ET.fromstring(z.read("word/styles.xml"))
        parts = {n: ET.fromstring(z.read(n)) for n in names
                 if re.fullmatch(r"word/(header|footer)\d*\.xml", n)}

    lang = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    if lang is None or not lang.get(f"{W}val"):
        problems.append("no document language (w:lang in the default run properties)")
    if not any(s.get(f"{W}type") == "paragraph" and s.get(f"{W}default") in ("1", "true")
               for s in styles.findall(f"{W}style")):
        problems.append("no default paragraph style")

    for root in [document, *parts.values()]:
        for n, table in enumerate(root.iter(f"{W}tbl"), 1):
            first = table.find(f"{W}tr")
            if first is None or first.find(f"{W}trPr/{W}tblHeader") is None:
                problems.append(f"table {n} ({text_of(table)[:40]!r}) has no marked header row")

    levels = heading_levels(styles)
    previous = 0
    for p in document.iter(f"{W}p"):
        style = p.find(f"{W}pPr/{W}pStyle")
        level = levels.get(style.get(f"{W}val")) if style is not None else None
        if level is None:
            continue
        if level > previous + 1:
            problems.append(f"heading {text_of(p)[:50]!r} is level {level} after level {previous}")
        previous = level

    for doc_pr in document.iter(f"{WP}docPr"):
        if not (doc_pr.get("descr") or "").strip():
            problems.append(f"image {doc_pr.get('name')!r} has no alternative text")

    for link in document.iter(f"{W}hyperlink"):
        words = text_of(link).strip()
        if not words or words.lower() in VAGUE_LINKS or re.match(r"(https?://|www\.)", words):
            problems.append(f"link text {words!r} does not say where it goes")

    for name, root in parts.items():
        if "footer" not in name:
            continue
        for p in root.iter(f"{W}p"):
            sizes = set()
            for r in p.iter(f"{W}r"):
                if r.find(f"{W}t") is None and r.find(f"{W}fldChar") is None \
                        and r.find(f"{W}fldSimple") is None:
                    continue
                sz = r.find(f"{W}rPr/{W}sz")
                sizes.add(sz.get(f"{W}val") if sz is not None else "default")
            if len(sizes) > 1:
                problems.append(f"{name}: runs of one paragraph in sizes {sorted(sizes)}")

    all_text = "\n".join(text_of(root) for root in [document, *parts.values()])
    if "`" in all_text:
        problems.append("a backtick in the text")
    for m in TOOL.finditer(all_text):
        problems.append(f"the tool's name: ...{all_text[max(0, m.start() - 40):m.end() + 20]!r}")
    for m in FILE_NAME.finditer(all_text):
        problems.append(f"a file name: {m.group(0)!r}")
    for slug in slugs:
        for m in re.finditer(rf"(?<![\w.@-]){re.escape(slug)}(?![\w@-]|\.\w)", all_text):
            problems.append(
                f"the id {slug!r}: ...{all_text[max(0, m.start() - 40):m.end() + 20]!r}")

    if wants_contents:
        instructions = " ".join(t.text or "" for t in document.iter(f"{W}instrText"))
        if not re.search(r"\bTOC\b", instructions):
            problems.append("no contents (a TOC field)")
    return problems


def main(argv):
    slugs, contents, files = [], set(), []
    args = iter(argv)
    for a in args:
        if a == "--slug":
            slugs.append(next(args))
        elif a == "--contents":
            f = next(args)
            contents.add(f)
            files.append(f)
        else:
            files.append(a)
    if not files:
        sys.exit(__doc__)
    failed = False
    for f in dict.fromkeys(files):
        for problem in check(f, slugs, f in contents):
            print(f"{f}: {problem}")
            failed = True
    if failed:
        return 1
    print(f"{len(dict.fromkeys(files))} documents fit to publish")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
