//! `rejected.xlsx` as the submitter's worksheet (SPEC 4.2, 3.8; 2.1): the batch's own
//! columns, then `Source Row` (the row numbers the messages cite) and `Errors`; every cell
//! top-aligned; the template's drop-down lists on the coded columns, referring to a hidden
//! Lists sheet; and the resubmission round trip: checked again as it is, then fixed with
//! values picked from its own lists, then accepted. Workbooks are read back with calamine
//! (values) and, for styles and validations, as raw XML with the `zip` crate.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::*;
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------
// Helpers (after tests/xlsx_reports.rs)
// ---------------------------------------------------------------------------------------

/// The sheet names of a workbook and the named sheet, as rows of cells.
fn read_sheet(path: &Path, sheet: &str) -> (Vec<String>, Vec<Vec<Data>>) {
    let mut workbook: Xlsx<_> =
        open_workbook(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let names = workbook.sheet_names().to_vec();
    let range = workbook
        .worksheet_range(sheet)
        .unwrap_or_else(|e| panic!("{}: sheet {sheet}: {e}", path.display()));
    (names, range.rows().map(|r| r.to_vec()).collect())
}

fn header_of(rows: &[Vec<Data>]) -> Vec<String> {
    rows[0].iter().map(text_of).collect()
}

/// A cell as text (dates as `YYYY-MM-DD`).
fn text_of(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::Bool(true) => "TRUE".into(),
        Data::Bool(false) => "FALSE".into(),
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        other => panic!("unexpected cell {other:?}"),
    }
}

/// The column letters of a 0-based column.
fn letters(col: usize) -> String {
    let mut letters = String::new();
    let mut n = col + 1;
    while n > 0 {
        letters.insert(0, (b'A' + ((n - 1) % 26) as u8) as char);
        n = (n - 1) / 26;
    }
    letters
}

/// A1-style reference of a 0-based (row, column).
fn cell_ref(row: usize, col: usize) -> String {
    format!("{}{}", letters(col), row + 1)
}

/// A part of an xlsx package, or None when it is not there.
fn zip_part(xlsx: &Path, member: &str) -> Option<String> {
    use std::io::Read;
    let file = std::fs::File::open(xlsx).expect("open the workbook");
    let mut archive = zip::ZipArchive::new(file).expect("a zip package");
    let mut part = archive.by_name(member).ok()?;
    let mut text = String::new();
    part.read_to_string(&mut text).expect("utf-8 xml");
    (!text.is_empty()).then_some(text)
}

/// The value of attribute `name` in an element's text.
fn attr<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = element.find(&key)? + key.len();
    let len = element[start..].find('"')?;
    Some(&element[start..start + len])
}

/// The opening tags of every `<tag ` element of `xml`.
fn elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag} ");
    xml.match_indices(&open)
        .map(|(i, _)| &xml[i..i + xml[i..].find('>').unwrap()])
        .collect()
}

/// The drop-down lists of a sheet: the first column letter of each validation's range (its
/// rows start at 2), and the range of cells its list comes from.
fn drop_downs(sheet_xml: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for part in sheet_xml.split("<dataValidation ").skip(1) {
        let head = format!(" {}", &part[..part.find('>').unwrap()]);
        assert_eq!(attr(&head, "type"), Some("list"), "{head}");
        let sqref = attr(&head, "sqref").unwrap();
        let formula =
            &part[part.find("<formula1>").unwrap() + 10..part.find("</formula1>").unwrap()];
        let first = sqref.split(':').next().unwrap();
        let column: String = first
            .chars()
            .take_while(char::is_ascii_alphabetic)
            .collect();
        assert_eq!(
            &first[column.len()..],
            "2",
            "from the first data row: {sqref}"
        );
        out.insert(column, formula.to_string());
    }
    out
}

/// The values of a list range such as `Lists!$G$2:$G$28`, read from the workbook itself.
fn list_values(xlsx: &Path, range: &str) -> Vec<String> {
    let (sheet, cells) = range.split_once('!').unwrap();
    let (first, last) = cells.split_once(':').unwrap();
    let parse = |cell: &str| {
        let cell = cell.replace('$', "");
        let letters: String = cell.chars().take_while(char::is_ascii_alphabetic).collect();
        let col = letters
            .bytes()
            .fold(0usize, |n, b| n * 26 + (b - b'A' + 1) as usize)
            - 1;
        let row: usize = cell[letters.len()..].parse().unwrap();
        (row - 1, col)
    };
    let ((top, col), (bottom, last_col)) = (parse(first), parse(last));
    assert_eq!(col, last_col, "a list is one column: {range}");
    let (_, rows) = read_sheet(xlsx, sheet);
    (top..=bottom)
        .map(|r| rows.get(r).map_or(String::new(), |row| text_of(&row[col])))
        .collect()
}

/// The cells of the (only) rejected sheet that carry a note.
fn noted_cells(xlsx: &Path) -> Vec<String> {
    zip_part(xlsx, "xl/comments1.xml").map_or_else(Vec::new, |xml| {
        elements(&xml, "comment")
            .into_iter()
            .map(|c| attr(c, "ref").unwrap().to_string())
            .collect()
    })
}

fn run_ok(batch: &Path, out: &Path) -> Run {
    let run = validate(batch, out, &[]);
    assert!(
        run.status == 0 || run.status == 1,
        "exit {}: {}{}",
        run.status,
        run.stdout,
        run.stderr
    );
    run
}

/// Text rows with real date cells for the dates, as a plan's workbook has them.
fn workbook_rows(rows: &[BTreeMap<&'static str, String>]) -> Vec<Vec<Cell>> {
    let position = |h: &str| HEADERS.iter().position(|x| *x == h).unwrap();
    let mut sheet = text_rows(rows);
    for row in sheet.iter_mut().skip(1) {
        for header in ["Date of Birth", "Effective Date"] {
            if let Cell::Text(text) = &row[position(header)] {
                let parts: Vec<&str> = text.split('-').collect();
                if let [y, m, d] = parts[..] {
                    row[position(header)] =
                        Cell::Date(y.parse().unwrap(), m.parse().unwrap(), d.parse().unwrap());
                }
            }
        }
    }
    sheet
}

// ---------------------------------------------------------------------------------------
// Source Row
// ---------------------------------------------------------------------------------------

#[test]
fn source_row_follows_the_batch_columns_and_gives_the_row_numbers_the_messages_cite() {
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("batch.xlsx");
    // A title row above the header: the data rows are spreadsheet rows 3 to 6.
    let mut sheet = vec![vec![t("Community Partners batch")]];
    sheet.extend(workbook_rows(&[
        good_row(),
        good_row(),
        row_with(&[("Member ID", "100000000005")]),
        row_with(&[("Member ID", "12345")]),
    ]));
    write_xlsx(&batch, &[("Batch", sheet)]);
    let out = dir.path().join("out");
    assert_eq!(run_ok(&batch, &out).status, 1);

    let xlsx = out.join("rejected.xlsx");
    let (names, rows) = read_sheet(&xlsx, "Rejected");
    assert_eq!(names, ["Rejected", "Lists"]);
    let mut expected: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
    expected.extend(["Source Row".to_string(), "Errors".to_string()]);
    assert_eq!(
        header_of(&rows),
        expected,
        "own columns, Source Row, Errors"
    );
    let (source_col, errors_col) = (HEADERS.len(), HEADERS.len() + 1);
    let source_rows: Vec<&Data> = rows[1..].iter().map(|r| &r[source_col]).collect();
    assert_eq!(
        source_rows,
        [&Data::Float(4.0), &Data::Float(6.0)],
        "the rows' numbers in the batch, as numbers"
    );
    // The duplicate's message cites row 3, which is the Source Row of no rejected row: the
    // first of the pair is accepted, and the sheet says which row it was.
    let duplicate = text_of(&rows[1][errors_col]);
    assert!(duplicate.contains("duplicate of row 3"), "{duplicate}");
    assert!(text_of(&rows[2][errors_col]).starts_with("S003: "));
    // rejected.csv gives the same numbers.
    let (headers, csv_rows) = read_report(&out.join("rejected.csv"));
    assert_eq!(headers[0], "source_row");
    assert!(!headers.iter().any(|h| h == "Source Row" || h == "Errors"));
    let numbers: Vec<&str> = csv_rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(numbers, ["4", "6"]);
}

// ---------------------------------------------------------------------------------------
// Alignment and drop-down lists
// ---------------------------------------------------------------------------------------

#[test]
fn every_cell_is_top_aligned_and_the_coded_columns_keep_the_template_drop_downs() {
    let dir = TempDir::new().unwrap();
    // The batch's own order and spelling, an extra column, and no Coverage Type column: the
    // lists follow the columns by header, not by position.
    let headers: Vec<(&str, Option<&'static str>)> = vec![
        ("Notes", None),
        ("Member ID", Some("Member ID")),
        ("Program", Some("CP Program")),
        ("Action", Some("Action")),
        ("Last Name", Some("Last Name")),
        ("First Name", Some("First Name")),
        ("DOB", Some("Date of Birth")),
        ("CP ID", Some("CP ID")),
        ("From CP ID", Some("From CP ID")),
        ("Plan ID", Some("Plan ID")),
        ("Medicare", Some("Medicare")),
        ("Other Insurance", Some("Other Insurance")),
        ("Nursing Facility", Some("Nursing Facility")),
        ("DMH Affiliation", Some("DMH Affiliation")),
        ("ZIP Code", Some("ZIP Code")),
        ("Effective Date", Some("Effective Date")),
        ("Reason Code", Some("Reason Code")),
        ("Submitter ID", Some("Submitter ID")),
    ];
    let rows = [
        row_with(&[("Last Name", ""), ("First Name", "")]),
        row_with(&[("Member ID", "100000000002"), ("CP ID", "ZZCP99")]),
    ];
    let batch = dir.path().join("batch.csv");
    let mut writer = csv::Writer::from_path(&batch).unwrap();
    writer
        .write_record(headers.iter().map(|(h, _)| *h))
        .unwrap();
    for row in &rows {
        writer
            .write_record(
                headers
                    .iter()
                    .map(|(_, c)| c.map_or("see me", |c| row[c].as_str())),
            )
            .unwrap();
    }
    writer.flush().unwrap();
    let out = dir.path().join("out");
    assert_eq!(run_ok(&batch, &out).status, 1);
    let xlsx = out.join("rejected.xlsx");
    let sheet = zip_part(&xlsx, "xl/worksheets/sheet1.xml").unwrap();
    let styles = zip_part(&xlsx, "xl/styles.xml").unwrap();

    // Every cell written, and every column's own format (for cells typed in later), is
    // top-aligned: header, values, marked cells, Source Row, Errors.
    let xfs: Vec<&str> = {
        let start = styles.find("<cellXfs").unwrap();
        let section = &styles[start..start + styles[start..].find("</cellXfs>").unwrap()];
        section.split("<xf ").skip(1).collect()
    };
    let top = |style: Option<&str>| {
        let xf = xfs[style.map_or(0, |s| s.parse().unwrap())];
        xf[..xf.find("</xf>").unwrap_or(xf.len())].contains("vertical=\"top\"")
    };
    let cells = elements(&sheet, "c");
    assert_eq!(
        cells.len(),
        3 * (headers.len() + 2) - 2,
        "blank cells are not written"
    );
    for cell in &cells {
        assert!(top(attr(cell, "s")), "{cell} is top-aligned");
    }
    let columns = elements(&sheet, "col");
    assert_eq!(columns.len(), headers.len() + 2);
    for column in &columns {
        assert!(top(attr(column, "style")), "{column} is top-aligned");
    }
    let tall = elements(&sheet, "row")
        .into_iter()
        .filter(|r| attr(r, "ht").is_some())
        .count();
    assert_eq!(tall, 1, "the row with two errors is taller");

    // The drop-downs: on every coded column the batch has, the very list (the same range of
    // the same Lists sheet) the template gives that column; on no other column.
    let template = dir.path().join("template.xlsx");
    let run = cpbatch(&["template", "--out", template.to_str().unwrap()]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let template_sheet = zip_part(&template, "xl/worksheets/sheet1.xml").unwrap();
    let template_lists: BTreeMap<String, String> = drop_downs(&template_sheet)
        .into_iter()
        .map(|(letter, range)| {
            let col = HEADERS
                .iter()
                .enumerate()
                .find(|(i, _)| letters(*i) == letter);
            (col.unwrap().1.to_string(), range)
        })
        .collect();
    let expected: BTreeMap<String, String> = headers
        .iter()
        .enumerate()
        .filter_map(|(col, (_, canonical))| {
            let range = template_lists.get((*canonical)?)?;
            Some((letters(col), range.clone()))
        })
        .collect();
    for coded in [
        "Action",
        "CP Program",
        "CP ID",
        "From CP ID",
        "Plan ID",
        "Medicare",
    ] {
        assert!(
            template_lists.contains_key(coded),
            "{coded}: {template_lists:?}"
        );
    }
    for coded in ["Other Insurance", "Nursing Facility", "DMH Affiliation"] {
        assert!(template_lists.contains_key(coded), "{coded}");
    }
    for coded in ["Reason Code", "Submitter ID", "Coverage Type"] {
        assert!(template_lists.contains_key(coded), "{coded}");
    }
    assert_eq!(
        expected.len(),
        template_lists.len() - 1,
        "all but Coverage Type"
    );
    assert_eq!(drop_downs(&sheet), expected);
    assert!(
        sheet.contains("errorStyle=\"warning\""),
        "a warning, as in the template"
    );
    // The lists they refer to are the template's Lists sheet, hidden.
    let workbook = zip_part(&xlsx, "xl/workbook.xml").unwrap();
    let lists = elements(&workbook, "sheet")
        .into_iter()
        .find(|s| attr(s, "name") == Some("Lists"))
        .expect("a Lists sheet");
    assert_eq!(attr(lists, "state"), Some("hidden"), "{lists}");
    assert_eq!(
        read_sheet(&xlsx, "Lists").1,
        read_sheet(&template, "Lists").1,
        "the template's Lists sheet"
    );

    // A rerun writes the same bytes.
    let again = dir.path().join("again");
    assert_eq!(run_ok(&batch, &again).status, 1);
    assert!(
        std::fs::read(&xlsx).unwrap() == std::fs::read(again.join("rejected.xlsx")).unwrap(),
        "rejected.xlsx is byte-identical from run to run"
    );
}

// ---------------------------------------------------------------------------------------
// The resubmission round trip
// ---------------------------------------------------------------------------------------

/// The rows of the round trip: one good row, and rows whose errors are on coded columns
/// (fixed from the drop-downs) or on the Member ID (typed).
fn round_trip_rows() -> Vec<BTreeMap<&'static str, String>> {
    vec![
        good_row(),
        row_with(&[("Member ID", "100000000002"), ("Action", "ENROL")]),
        row_with(&[
            ("Member ID", "100000000003"),
            ("CP Program", "XX"),
            ("Coverage Type", "GOLD"),
        ]),
        row_with(&[
            ("Member ID", "100000000004"),
            ("CP ID", "ZZCP99"),
            ("Medicare", "maybe"),
        ]),
        row_with(&[
            ("Member ID", "100000000005"),
            ("DMH Affiliation", "X"),
            ("Reason Code", "BECAUSE"),
            ("Submitter ID", "NOSUCH"),
        ]),
        row_with(&[
            ("Member ID", "12345"),
            ("Other Insurance", "perhaps"),
            ("Nursing Facility", "?"),
        ]),
    ]
}

/// A calamine cell as a cell to write back, keeping its type.
fn as_written(cell: &Data) -> Cell {
    match cell {
        Data::Empty => Cell::Blank,
        Data::String(s) => t(s),
        Data::Float(f) => Cell::Number(*f),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            Cell::Date(y, m, d)
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// Fixes `rejected.xlsx` as a submitter would: each noted cell of a coded column gets a
/// value picked from the cell's own drop-down list (read from the workbook), a noted Member
/// ID a typed one. `keep_added` keeps `Source Row` and `Errors`; otherwise they are
/// deleted, as before an upload. Returns the number of fixed cells.
fn fix_from_drop_downs(rejected: &Path, fixed: &Path, keep_added: bool) -> usize {
    let (_, rows) = read_sheet(rejected, "Rejected");
    let headers = header_of(&rows);
    assert_eq!(headers[headers.len() - 2..], ["Source Row", "Errors"]);
    let kept = if keep_added {
        headers.len()
    } else {
        headers.len() - 2
    };
    let sheet_xml = zip_part(rejected, "xl/worksheets/sheet1.xml").unwrap();
    let drop_downs = drop_downs(&sheet_xml);
    let noted = noted_cells(rejected);
    let good = good_row();
    let mut next_id = 200_000_000_000u64;
    let mut fixes = 0;
    let mut out: Vec<Vec<Cell>> = vec![headers[..kept].iter().map(|h| t(h)).collect()];
    for (r, row) in rows.iter().enumerate().skip(1) {
        let mut cells = Vec::new();
        for (c, cell) in row[..kept].iter().enumerate() {
            if !noted.contains(&cell_ref(r, c)) {
                cells.push(as_written(cell));
                continue;
            }
            fixes += 1;
            let header = headers[c].as_str();
            assert_ne!(header, "Errors", "every error of this batch names a cell");
            let value = match drop_downs.get(&letters(c)) {
                Some(range) => {
                    let choices = list_values(rejected, range);
                    let wanted = &good[header];
                    choices
                        .iter()
                        .find(|v| *v == wanted)
                        .unwrap_or_else(|| panic!("{header}: {wanted} is not in {choices:?}"))
                        .clone()
                }
                None => {
                    assert_eq!(header, "Member ID", "only the Member ID is typed");
                    next_id += 1;
                    next_id.to_string()
                }
            };
            cells.push(t(&value));
        }
        out.push(cells);
    }
    write_xlsx(fixed, &[("Batch", out)]);
    fixes
}

#[test]
fn rejected_workbook_checked_again_as_it_is_then_fixed_from_its_drop_downs_is_accepted() {
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("batch.xlsx");
    let source = round_trip_rows();
    write_xlsx(&batch, &[("Batch", workbook_rows(&source))]);
    let out = dir.path().join("out");
    assert_eq!(run_ok(&batch, &out).status, 1);
    assert_conserved(&out, source.len());
    let rejected = out.join("rejected.xlsx");
    let (csv_headers, first) = read_report(&out.join("rejected.csv"));
    assert_eq!(first.len(), 5);

    // Checked again as it is: no W001 for Source Row and Errors, the same rows rejected with
    // the same codes and messages, and the same rejected reports but for the row numbers,
    // which are the rejected workbook's own.
    let again = dir.path().join("again");
    let run = run_ok(&rejected, &again);
    assert_eq!(run.status, 1);
    assert!(!run.stdout.contains("W001"), "{}", run.stdout);
    assert!(findings(&again).iter().all(|(_, _, code)| code != "W001"));
    assert_conserved(&again, 5);
    let (again_headers, second) = read_report(&again.join("rejected.csv"));
    assert_eq!(
        again_headers, csv_headers,
        "Source Row and Errors are left out"
    );
    for (n, (a, b)) in first.iter().zip(&second).enumerate() {
        assert_eq!(b[0], (n + 2).to_string(), "the rejected workbook's own row");
        assert_eq!(
            a[1..],
            b[1..],
            "row {}: the same values, codes, messages",
            a[0]
        );
    }
    let (_, sheet) = read_sheet(&rejected, "Rejected");
    let (_, sheet_again) = read_sheet(&again.join("rejected.xlsx"), "Rejected");
    assert_eq!(header_of(&sheet_again), header_of(&sheet), "written afresh");
    let source_col = sheet[0].len() - 2;
    for (n, (a, b)) in sheet[1..].iter().zip(&sheet_again[1..]).enumerate() {
        assert_eq!(b[source_col], Data::Float((n + 2) as f64));
        assert_eq!(a[..source_col], b[..source_col], "the same values");
        assert_eq!(a[source_col + 1], b[source_col + 1], "the same errors");
    }

    // Fixed with values from its own drop-down lists, with or without the added columns.
    for keep_added in [true, false] {
        let fixed = dir.path().join(format!("fixed-{keep_added}.xlsx"));
        let fixes = fix_from_drop_downs(&rejected, &fixed, keep_added);
        assert_eq!(fixes, 11, "every bad cell");
        let done = dir.path().join(format!("done-{keep_added}"));
        let run = run_ok(&fixed, &done);
        assert_eq!(
            run.status, 0,
            "keep_added={keep_added}: every row accepted:\n{}",
            run.stdout
        );
        assert!(findings(&done).is_empty(), "{:?}", findings(&done));
        assert_eq!(read_report(&done.join("accepted.csv")).1.len(), 5);
    }
}

// ---------------------------------------------------------------------------------------
// Excel's cell limit
// ---------------------------------------------------------------------------------------

/// A cell holds 32,767 UTF-16 units. A value that a CSV batch can hold and a cell cannot (here
/// 20,000 emoji, two units each) is cut to fit, saying so, and the workbook is written: a cut
/// counted in characters let the mark push it over, and rust_xlsxwriter refused the report.
#[test]
fn a_value_longer_than_a_cell_holds_in_utf16_units_is_cut_to_fit_and_marked() {
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("wide.csv");
    let wide = "\u{1F600}".repeat(20_000);
    write_csv(
        &batch,
        &[
            row_with(&[("Last Name", &wide)]),
            row_with(&[("Member ID", "100000000002")]),
        ],
    );
    let out = dir.path().join("out");
    let run = run_ok(&batch, &out);
    assert_eq!(run.status, 1, "{}", run.stderr);
    let (_, sheet) = read_sheet(&out.join("rejected.xlsx"), "Rejected");
    let col = header_of(&sheet)
        .iter()
        .position(|h| h == "Last Name")
        .unwrap();
    let cell = text_of(&sheet[1][col]);
    assert!(
        cell.ends_with(" [cut at Excel's cell limit]"),
        "{}",
        cell.len()
    );
    assert!(cell.encode_utf16().count() <= 32_767);
    assert!(cell.starts_with(&"\u{1F600}".repeat(16_000)));
}

/// The batch's own column headers go into `rejected.xlsx` as they are: one longer than a cell
/// holds is cut to fit there too, and the workbook is written.
#[test]
fn a_header_longer_than_a_cell_holds_is_cut_to_fit() {
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("wide-header.csv");
    let wide = "\u{1F600}".repeat(20_000);
    let mut writer = csv::Writer::from_path(&batch).unwrap();
    let mut header: Vec<&str> = HEADERS.to_vec();
    header.push(&wide);
    writer.write_record(&header).unwrap();
    let row = row_with(&[("Medicare", "MAYBE")]);
    let mut record: Vec<String> = HEADERS
        .iter()
        .map(|h| row.get(h).cloned().unwrap_or_default())
        .collect();
    record.push("kept".into());
    writer.write_record(&record).unwrap();
    writer.flush().unwrap();
    let out = dir.path().join("out");
    let run = run_ok(&batch, &out);
    assert_eq!(run.status, 1, "{}", run.stderr);
    let (_, sheet) = read_sheet(&out.join("rejected.xlsx"), "Rejected");
    let headers = header_of(&sheet);
    let cut = headers
        .iter()
        .find(|h| h.starts_with('\u{1F600}'))
        .expect("the long header is kept");
    assert!(cut.ends_with(" [cut at Excel's cell limit]"));
    assert!(cut.encode_utf16().count() <= 32_767);
}
