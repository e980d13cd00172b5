#!/usr/bin/env python3
"""Writes the seed corpus under fuzz/corpus/<target>/ from the repo's demo fixtures.

Run from anywhere: python3 fuzz/make_corpus.py. The seeds are committed; this script says
how they were made and remakes them after the fixtures change.
"""
import gzip
import io
import os
import re
import struct
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORPUS = os.path.join(HERE, "corpus")


def put(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


demo = zipfile.ZipFile(os.path.join(ROOT, "fixtures/demo/batch.xlsx"))
sheet = demo.read("xl/worksheets/sheet2.xml").decode()
head, rest = sheet.split("<sheetData>", 1)
rows_xml = re.findall(r'<row r="\d+"[^>]*>.*?</row>', rest)
tail = "</sheetData></worksheet>"


def cells(row_xml):
    """The (column letters, text) of a row of the demo sheet."""
    found = re.findall(r'<c r="([A-Z]+)\d+"[^>]*>(.*?)</c>', row_xml)
    return [(col, re.sub("<[^>]+>", "", inner)) for col, inner in found]


table = [cells(r) for r in rows_xml]

# batch_xlsx: the demo workbook as it is, small workbooks, and bare sheet XML (the target
# zips an input starting with `<` into a workbook itself).
put("batch_xlsx", "demo.xlsx", open(os.path.join(ROOT, "fixtures/demo/batch.xlsx"), "rb").read())
for n in (3, 6, 12):
    put("batch_xlsx", f"sheet-{n}-rows.xml", head + "<sheetData>" + "".join(rows_xml[:n]) + tail)
put(
    "batch_xlsx",
    "sheet-shared-strings.xml",
    head
    + '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Member ID</t></is></c></row>'
    + '<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2"><v>100000000001</v></c></row>'
    + tail
    + "\0"
    + '<sst count="2" uniqueCount="2"><si><t>Action</t></si><si><r><t>ENR</t></r><r><t>OLL</t></r></si></sst>',
)
put(
    "batch_xlsx",
    "sheet-1904-dates.xml",
    head
    + "<sheetData>"
    + "".join(rows_xml[1:4]).replace('t="inlineStr"><is><t>ENROLL', 't="inlineStr"><is><t>ENROLL')
    + '<row r="7"><c r="A7" t="b"><v>1</v></c><c r="B7" t="e"><v>#N/A</v></c><c r="E7" t="d"><v>1990-01-02T00:00:00</v></c><c r="P7" s="1"><v>-1.5</v></c></row>'
    + tail
    + "\0\0\0"
    + '<workbook xmlns:r="r"><workbookPr date1904="1"/><sheets><sheet name="Batch" sheetId="1" r:id="rId1"/></sheets></workbook>',
)
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as small:
    for info in demo.infolist():
        data = demo.read(info.filename)
        if info.filename == "xl/worksheets/sheet2.xml":
            data = (head + "<sheetData>" + "".join(rows_xml[:5]) + tail).encode()
        small.writestr(info.filename, data)
put("batch_xlsx", "demo-5-rows.xlsx", buffer.getvalue())

# sheet_rows: bare sheet XML whose rows come in every order and shape a reader must handle:
# in order, reversed, shuffled, a row repeated, a row split over two elements, a cell
# repeated, rows and cells without `r`, prefixed elements, and a sheet of all cell types.
body = rows_xml[:6]
put("sheet_rows", "in-order.xml", head + "<sheetData>" + "".join(body) + tail)
put("sheet_rows", "reversed.xml", head + "<sheetData>" + "".join(reversed(body)) + tail)
put("sheet_rows", "shuffled.xml", head + "<sheetData>" + "".join(body[i] for i in (0, 3, 1, 5, 2, 4)) + tail)
put("sheet_rows", "repeated-row.xml", head + "<sheetData>" + "".join(body[:4]) + body[2] + tail)
cut = body[2].index("</c>") + 4
put(
    "sheet_rows",
    "split-row.xml",
    head + "<sheetData>" + "".join(body[:2]) + body[2][:cut] + "</row>" + re.match(r"<row[^>]*>", body[2]).group(0) + body[2][cut:] + tail,
)
put("sheet_rows", "repeated-cell.xml", head + "<sheetData>" + body[0] + body[1].replace("</row>", re.findall(r"<c r=[^>]*>.*?</c>", body[1])[0] + "</row>") + tail)
unnumbered = [re.sub(r' r="[A-Z]*\d+"', "", r) for r in body]
put("sheet_rows", "no-references.xml", head + "<sheetData>" + "".join(unnumbered) + tail)
prefixed = "".join(body).replace("<row", "<x:row").replace("</row>", "</x:row>").replace("<c ", "<x:c ").replace("</c>", "</x:c>")
put("sheet_rows", "prefixed.xml", '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>' + prefixed + "</x:sheetData></x:worksheet>")
put(
    "sheet_rows",
    "cell-types.xml",
    head
    + "<sheetData>"
    + body[0]
    + '<row r="3"><c r="A3" t="b"><v>1</v></c><c r="B3" t="e"><v>#SPILL!</v></c><c r="C3" t="str"><f>A1</f><v>x_x000D_y</v></c>'
    + '<c r="D3" t="d"><v>1990-01-02T00:00:00</v></c><c r="E3" s="1"><v>29313</v></c><c r="F3"><f>1+1</f></c>'
    + '<c r="G3" t="s"><v>1</v></c><c r="H3" t="inlineStr"><is><r><t>O\'</t></r><r><t xml:space="preserve">Brien </t></r></is></c></row>'
    + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    + tail,
)

# batch_csv: the demo rows as CSV, with the variations a CSV can have.
def csv_line(row, quote=False):
    by_col = dict(row)
    width = max((ord(c[0][-1]) - 64 for c in row), default=0)
    values = [by_col.get(chr(65 + i), "") for i in range(width)]
    if quote:
        values = ['"' + v.replace('"', '""') + '"' for v in values]
    return ",".join(values)


body = [csv_line(r) for r in table[:8]]
put("batch_csv", "demo-8-rows.csv", "\n".join(body) + "\n")
put("batch_csv", "demo-crlf-bom.csv", "\ufeff" + "\r\n".join(body[1:5]) + "\r\n")
put("batch_csv", "demo-quoted.csv", "\n".join(csv_line(r, True) for r in table[1:4]) + "\n")
put("batch_csv", "blank-lines.csv", body[1] + "\n\n\r\n" + body[2] + "\r" + body[3] + "\n,,,\n")
put("batch_csv", "header-only.csv", body[1] + "\n")
put(
    "batch_csv",
    "multiline-field.csv",
    body[1] + '\nENROLL,"1000-0000-0001",\"O\'Brien\nJr\",Ann,1/2/1990,BH,BHCP01,,ACPP01\n',
)

# evs_line: pieces of the demo snapshot, and the other forms a snapshot takes.
evs = open(os.path.join(ROOT, "fixtures/demo/evs.csv"), encoding="utf-8").read().splitlines()
header, lines = evs[0], evs[1:]
for i, start in enumerate(range(0, 60, 12)):
    put("evs_line", f"demo-{i}.csv", "\n".join([header] + lines[start : start + 12]) + "\n")
piece = [header] + lines[:6]
put("evs_line", "pipe.csv", "\n".join(l.replace(",", "|") for l in piece) + "\n")
put("evs_line", "tab-crlf.csv", "\r\n".join(l.replace(",", "\t") for l in piece))
put("evs_line", "bom.csv", "\ufeff" + "\n".join(piece) + "\n")
quoted = [",".join(f'"{v}"' for v in l.split(",")) for l in piece]
put("evs_line", "quoted.csv", "\n".join(quoted) + "\n")
put("evs_line", "malformed.csv", "\n".join([header, lines[0], lines[0][:40], lines[1] + ",extra", "", lines[2]]))
put("evs_line", "demo.csv.gz", gzip.compress(("\n".join(piece) + "\n").encode(), mtime=0))

# dates: every accepted form, and near misses.
for i, text in enumerate(
    [
        "2026-01-05", "20260105", "01/05/2026", "1/5/2026", "01-05-2026",
        "2026-01-05 00:00:00", "2026-01-05T08:30", "2024-02-29", "2023-02-29",
        "1/5/26", "0000-01-01", "9999-12-31", "  2026-1-5  ", "2026-01-05T08:30:00Z",
    ]
):
    put("dates", f"text-{i}", text)
for i, serial in enumerate([1.0, 60.0, 61.0, 45000.5, 0.0, 2958465.9, -1.0, 1e300]):
    put("dates", f"serial-{i}", struct.pack("<d", serial))

# member_id: text, digits and numbers.
for i, text in enumerate(
    ["100000000001", "1000-0000-0001", "1000 0000 0001", "000000000001", "10000000000", "1000000000012", "１００００００００００１"]
):
    put("member_id", f"text-{i}", text)
for i, value in enumerate([100000000001.0, 1.0, 99999999999.0, 1e12, 1.5, -0.0]):
    put("member_id", f"number-{i}", struct.pack("<d", value))

# codes: every canonical code and alias, and ZIPs and yes/no words.
codes = [
    "ENROLL", "ENROLLMENT", "ADD", "DISENROLL", "TERM", "xfer", "BH CP", "long-term services and supports",
    "STANDARD", "family assistance", "SENIOR_BUY_IN", "ACCS", "CBFS", "NONE", "GOALS_MET", "member choice",
    "CP_CAPACITY", "ACPP", "PCACO", "MCO-ACO", "ONECARE", "FFS", "02118", "02118-1234", " 01001 ", "Y", "no",
    "TRUE", "0",
]
for i, text in enumerate(codes):
    put("codes", f"code-{i}", text)
