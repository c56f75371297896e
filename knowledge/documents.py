"""A school's policy document (.docx, .pdf or .txt) as plain text in the shape knowledge/policy.py
reads: one paragraph, heading or list item per line, blank lines between them, and the header
block's fields as `Name<TAB>value`.

Word documents are read with python-docx, in body order, tables included (a policy's header block
is often a table); PDFs with pypdf, whose text comes back as wrapped lines with no blank lines, so
lines are joined back into paragraphs before the policy parser sees them.
"""
from __future__ import annotations

import re
from pathlib import Path

from knowledge.policy_layout import BULLET_RE, HEADING_RE, NAMED_HEADING_RE, NUMBERED_PARAGRAPH_RE

SUPPORTED = (".docx", ".pdf", ".txt")
PAGE_FURNITURE_RE = re.compile(r"^\s*(?:page\s+)?\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?\s*$", re.I)
LIST_ITEM_RE = re.compile(r"^\s*(?:\(?[a-z]\)|\(?[ivx]{1,4}\)|[•\-*▪◦›>»])\s+", re.I)
# "Approved by: Full Governing Body" in the header block: a field once its tab is put back.
HEADER_FIELD_RE = re.compile(r"^([A-Z][A-Za-z ]{2,40}?):\s+(\S.*)$")
LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                           "\u00a0": " ", "\u00ad": "", "\u200b": ""})


class DocumentError(Exception):
    """The document cannot be read; the message says why and what to do."""


def read_policy_document(path: str | Path) -> str:
    path = Path(path)
    if not path.exists():
        raise DocumentError(f"{path} does not exist.")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DocumentError(f"{path.name} is not a Word (.docx), PDF (.pdf) or text (.txt) file. "
                            "Save the policy as one of those (an old .doc: File > Save As > Word Document).")
    try:
        if suffix == ".docx":
            text = _docx_text(path)
        elif suffix == ".pdf":
            text = _pdf_text(path)
        else:
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("cp1252", errors="replace")  # "Save as Plain Text" on Windows
    except DocumentError:
        raise
    except Exception as problem:  # a damaged or encrypted file: say so, not a traceback
        raise DocumentError(f"{path.name} could not be read as a {suffix[1:].upper()} file "
                            f"({type(problem).__name__}: {problem}).") from None
    return tidy(text)


def tidy(text: str) -> str:
    """Trailing spaces gone, ligatures and non-breaking spaces plain, at most one blank line in a row."""
    lines = [line.translate(LIGATURES).rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n") + "\n"


# --- Word ---------------------------------------------------------------------------------------

def _docx_text(path: Path) -> str:
    import docx
    from docx.table import Table

    document = docx.Document(str(path))
    blocks: list[str] = []
    headings_unnumbered = _unnumbered_headings(document)
    counters: list[int] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = _unique_cells(row)
                if any(cells):
                    blocks.append("\t".join(cells))
            blocks.append("")
            continue
        text = block.text.strip()
        if not text:
            continue
        level = _heading_level(block)
        if level and headings_unnumbered:
            # Word numbers these headings itself (python-docx sees no number): number them as Word shows.
            counters = (counters + [0] * level)[:level]
            counters[-1] += 1
            text = ".".join(map(str, counters)) + (". " if level == 1 else " ") + text
        elif _is_list_paragraph(block) and not LIST_ITEM_RE.match(text) and not HEADING_RE.match(text):
            text = "• " + text
        blocks.extend([text, ""])
    return "\n".join(blocks)


def _unique_cells(row) -> list[str]:
    cells: list[str] = []
    for cell in row.cells:  # merged cells repeat: keep each once
        value = " ".join(cell.text.split())
        if not cells or value != cells[-1]:
            cells.append(value)
    return cells


def _heading_level(paragraph) -> int:
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    match = re.match(r"Heading (\d)", name)
    return int(match.group(1)) if match else 0


def _is_list_paragraph(paragraph) -> bool:
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    if name.startswith("List"):
        return True
    properties = paragraph._p.pPr
    return properties is not None and properties.numPr is not None


def _unnumbered_headings(document) -> bool:
    """True when the document's headings carry no numbers of their own (Word numbers them)."""
    headings = [p.text.strip() for p in document.paragraphs if _heading_level(p) and p.text.strip()]
    if not headings:
        return False
    numbered = sum(1 for h in headings if HEADING_RE.match(h) or NAMED_HEADING_RE.match(h))
    return numbered == 0


# --- PDF ----------------------------------------------------------------------------------------

def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    if reader.is_encrypted:
        try:
            reader.decrypt("")
        except Exception:
            raise DocumentError(f"{path.name} is password-protected: save an unprotected copy.") from None
    pages = [page.extract_text() or "" for page in reader.pages]
    text = "\n".join(pages)
    if not text.strip():
        raise DocumentError(f"{path.name} has no text layer (a scanned image?): export the policy from Word "
                            "as .docx or PDF instead, or run it through OCR first.")
    return reflow(text)


# A heading's number as a wrapped line never starts: "2. Scope", "2.1 Facebook" (not "13 in their terms").
PDF_HEADING_RE = re.compile(r"^(?:\d+\.(?:\d+\.?)*)\s+\S")


def _starts_unit(line: str) -> bool:
    stripped = line.strip()
    return bool(PDF_HEADING_RE.match(stripped) or NAMED_HEADING_RE.match(stripped)
                or NUMBERED_PARAGRAPH_RE.match(stripped) or BULLET_RE.match(line) or LIST_ITEM_RE.match(line))


def reflow(text: str) -> str:
    """Wrapped PDF lines joined back into paragraphs, one per line with a blank line between.

    A line opens a new paragraph when it is a heading, a numbered paragraph or a list item, or when
    the line before it stopped well short of the page's width (or short of it, ending a sentence)."""
    lines = [line.rstrip() for line in text.split("\n")]
    lines = [line for line in lines if line.strip() and not PAGE_FURNITURE_RE.match(line)]
    if not lines:
        return ""
    width = sorted(len(line) for line in lines)[int(len(lines) * 0.9)]  # a full line, give or take
    units: list[str] = []
    previous = ""
    for line in lines:
        short = len(previous) < 0.7 * width
        # A sentence ending on a full line is usually mid-paragraph; on a shorter one, the paragraph's end.
        ended = previous.rstrip().endswith((".", ":", ";", "!", "?")) and len(previous) < 0.85 * width
        if not units or _starts_unit(line) or short or ended:
            units.append(line.strip())
        else:
            units[-1] += " " + line.strip()
        previous = line
    return "\n\n".join(_restore_header_tabs(units)) + "\n"


def _restore_header_tabs(units: list[str]) -> list[str]:
    """Before the first heading, "Next review date: September 2027" → "Next review date:<TAB>September 2027"
    (a PDF keeps no tabs; the policy parser reads a header field by its tab)."""
    out: list[str] = []
    in_header = True
    for unit in units:
        if in_header and (HEADING_RE.match(unit) or NAMED_HEADING_RE.match(unit)):
            in_header = False
        if in_header:
            field = HEADER_FIELD_RE.match(unit)
            if field:
                unit = f"{field.group(1)}:\t{field.group(2)}"
        out.append(unit)
    return out
