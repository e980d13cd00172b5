//! End-to-end tests of `cpbatch template` and `cpbatch template --check` (SPEC 5): the
//! binary writes the workbook, which is read back with calamine (sheets, headers, lists) and,
//! for the formats and drop-down lists that calamine does not expose, as XML from the zip
//! package.

use crate::common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::*;
use cpbatch::model::{Action, Column, CoverageType, Dmh, Program, ReasonCode};
use cpbatch::reference::Reference;
use tempfile::TempDir;

/// The template committed to the repository.
const COMMITTED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/templates/cp-batch-template.xlsx"
);

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Runs `cpbatch template --out DIR/NAME` plus extra arguments; returns the path written.
fn write_template(dir: &TempDir, name: &str, extra: &[&str]) -> PathBuf {
    let path = dir.path().join(name);
    let mut args = vec![
        "template".to_string(),
        "--out".into(),
        path.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let run = cpbatch(&args);
    assert_eq!(run.status, 0, "template: {}{}", run.stdout, run.stderr);
    path
}

fn check(file: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "template".to_string(),
        "--check".into(),
        file.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    cpbatch(&args)
}

/// The cells of a sheet as text, from A1.
fn sheet_text(path: &Path, sheet: &str) -> Vec<Vec<String>> {
    let mut workbook: Xlsx<_> =
        open_workbook(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let range = workbook
        .worksheet_range(sheet)
        .unwrap_or_else(|e| panic!("{}: sheet {sheet}: {e}", path.display()));
    assert_eq!(range.start(), Some((0, 0)), "sheet {sheet} starts at A1");
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    other => panic!("sheet {sheet}: a cell that is not text: {other:?}"),
                })
                .collect()
        })
        .collect()
}

/// The Lists sheet as header → values (blank cells at the end of a column dropped).
fn lists_of(path: &Path) -> Vec<(String, Vec<String>)> {
    let rows = sheet_text(path, "Lists");
    (0..rows[0].len())
        .map(|col| {
            let mut values: Vec<String> = rows[1..].iter().map(|r| r[col].clone()).collect();
            while values.last().is_some_and(String::is_empty) {
                values.pop();
            }
            (rows[0][col].clone(), values)
        })
        .collect()
}

fn list<'a>(lists: &'a [(String, Vec<String>)], header: &str) -> &'a [String] {
    &lists
        .iter()
        .find(|(h, _)| h == header)
        .unwrap_or_else(|| panic!("no Lists column {header:?}"))
        .1
}

/// The letter of a 0-based column.
fn letter(col: usize) -> String {
    rust_xlsxwriter::column_number_to_name(col as u16)
}

/// Copies a package, changing some of its parts.
fn rewrite_parts(from: &Path, to: &Path, change: &[(&str, &dyn Fn(String) -> String)]) {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(from).unwrap()).unwrap();
    let mut writer = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut text = Vec::new();
        entry.read_to_end(&mut text).unwrap();
        let mut bytes = text;
        if let Some((_, f)) = change.iter().find(|(part, _)| *part == name) {
            bytes = f(String::from_utf8(bytes).unwrap()).into_bytes();
        }
        writer
            .start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(&bytes).unwrap();
    }
    writer.finish().unwrap();
}

/// An XML element: its local name, its parent's index, attributes and direct text.
#[derive(Debug, Clone)]
struct Element {
    name: String,
    parent: Option<usize>,
    attributes: BTreeMap<String, String>,
    text: String,
}

/// Every element of an XML document, in document order.
fn elements(xml: &str) -> Vec<Element> {
    crate::xml::parse(xml)
        .flatten()
        .into_iter()
        .map(|flat| Element {
            name: flat.element.name.clone(),
            parent: flat.parent,
            attributes: flat.element.attrs.clone(),
            text: flat.element.text.clone(),
        })
        .collect()
}

fn attribute<'a>(element: &'a Element, name: &str) -> Option<&'a str> {
    element.attributes.get(name).map(String::as_str)
}

/// The indices of the children of element `parent` named `name`.
fn children(all: &[Element], parent: usize, name: &str) -> Vec<usize> {
    (0..all.len())
        .filter(|i| all[*i].parent == Some(parent) && all[*i].name == name)
        .collect()
}

fn first(all: &[Element], name: &str) -> usize {
    all.iter()
        .position(|e| e.name == name)
        .unwrap_or_else(|| panic!("no <{name}>"))
}

/// The styles of a workbook: for each cell style index, its number format and boldness.
fn cell_styles(xlsx: &Path) -> Vec<(String, bool)> {
    let styles = elements(&zip_part(xlsx, "xl/styles.xml").expect("the part is in the package"));
    let custom: BTreeMap<String, String> = styles
        .iter()
        .filter(|e| e.name == "numFmt")
        .map(|e| {
            (
                attribute(e, "numFmtId").unwrap().to_string(),
                attribute(e, "formatCode").unwrap().to_string(),
            )
        })
        .collect();
    let font_is_bold: Vec<bool> = children(&styles, first(&styles, "fonts"), "font")
        .into_iter()
        .map(|font| !children(&styles, font, "b").is_empty())
        .collect();
    children(&styles, first(&styles, "cellXfs"), "xf")
        .into_iter()
        .map(|xf| {
            let xf = &styles[xf];
            let id = attribute(xf, "numFmtId").unwrap_or("0");
            let format = match id {
                "0" => "General".to_string(),
                "49" => "@".to_string(),
                "14" => "m/d/yyyy".to_string(),
                id => custom.get(id).cloned().unwrap_or_else(|| format!("#{id}")),
            };
            let font: usize = attribute(xf, "fontId").unwrap_or("0").parse().unwrap();
            (format, font_is_bold[font])
        })
        .collect()
}

/// The Batch sheet's list validations: column letter → (sqref, formula).
fn batch_validations(xlsx: &Path) -> BTreeMap<String, (String, String)> {
    let sheet =
        elements(&zip_part(xlsx, "xl/worksheets/sheet1.xml").expect("the part is in the package"));
    let mut out = BTreeMap::new();
    for (i, validation) in sheet.iter().enumerate() {
        if validation.name != "dataValidation" {
            continue;
        }
        assert_eq!(attribute(validation, "type"), Some("list"));
        let sqref = attribute(validation, "sqref").unwrap().to_string();
        let formula = sheet[children(&sheet, i, "formula1")[0]].text.clone();
        let column: String = sqref.chars().take_while(char::is_ascii_uppercase).collect();
        let previous = out.insert(column.clone(), (sqref, formula));
        assert!(previous.is_none(), "two validations on column {column}");
    }
    out
}

/// The Lists header each coded Batch column's drop-down refers to.
fn list_header(column: Column) -> Option<&'static str> {
    Some(match column {
        Column::Action => "Action",
        Column::CpProgram => "CP Program",
        Column::CpId | Column::FromCpId => "CP ID",
        Column::PlanId => "Plan ID",
        Column::CoverageType => "Coverage Type",
        Column::Medicare | Column::OtherInsurance | Column::NursingFacility => "Y/N",
        Column::DmhAffiliation => "DMH Affiliation",
        Column::ReasonCode => "Reason Code",
        Column::SubmitterId => "Submitter ID",
        _ => return None,
    })
}

fn strings<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    values.into_iter().map(String::from).collect()
}

// ---------------------------------------------------------------------------------------
// The workbook
// ---------------------------------------------------------------------------------------

#[test]
fn the_template_has_three_sheets_and_the_canonical_headers() {
    let dir = TempDir::new().unwrap();
    let path = write_template(&dir, "t.xlsx", &[]);
    let workbook: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(workbook.sheet_names(), ["Batch", "Instructions", "Lists"]);
    let batch = sheet_text(&path, "Batch");
    assert_eq!(batch.len(), 1, "the Batch sheet holds only its header row");
    let canonical: Vec<&str> = Column::ALL.iter().map(|c| c.header()).collect();
    assert_eq!(batch[0], canonical);
    assert_eq!(batch[0], HEADERS);
}

#[test]
fn the_header_is_bold_and_frozen_and_ids_and_dates_are_formatted() {
    let dir = TempDir::new().unwrap();
    let path = write_template(&dir, "t.xlsx", &[]);
    let styles = cell_styles(&path);
    let sheet =
        elements(&zip_part(&path, "xl/worksheets/sheet1.xml").expect("the part is in the package"));

    let pane = &sheet[first(&sheet, "pane")];
    assert_eq!(attribute(pane, "ySplit"), Some("1"));
    assert_eq!(attribute(pane, "state"), Some("frozen"));

    let header_cells: Vec<&Element> = sheet
        .iter()
        .filter(|e| e.name == "c" && attribute(e, "r").is_some_and(|r| r.ends_with('1')))
        .collect();
    assert_eq!(header_cells.len(), Column::ALL.len());
    for cell in header_cells {
        let style: usize = attribute(cell, "s").unwrap_or("0").parse().unwrap();
        assert!(styles[style].1, "{:?} is bold", attribute(cell, "r"));
    }

    // Column formats, so that every cell typed below the header takes them.
    let mut formats = BTreeMap::new();
    for col in sheet.iter().filter(|e| e.name == "col") {
        let min: usize = attribute(col, "min").unwrap().parse().unwrap();
        let max: usize = attribute(col, "max").unwrap().parse().unwrap();
        let style: usize = attribute(col, "style").unwrap_or("0").parse().unwrap();
        for n in min..=max {
            formats.insert(n - 1, styles[style].0.clone());
        }
    }
    for (i, column) in Column::ALL.into_iter().enumerate() {
        let format = formats.get(&i).map_or("General", String::as_str);
        match column {
            Column::MemberId | Column::ZipCode => assert_eq!(format, "@", "{column:?}"),
            Column::DateOfBirth | Column::EffectiveDate => {
                assert!(
                    format.contains("yyyy") && format.contains("mm") && format.contains("dd"),
                    "{column:?}: {format}"
                )
            }
            _ => assert_eq!(format, "General", "{column:?}"),
        }
    }
}

#[test]
fn every_coded_column_has_a_drop_down_list_of_its_lists_range() {
    let dir = TempDir::new().unwrap();
    let path = write_template(&dir, "t.xlsx", &[]);
    let validations = batch_validations(&path);
    let lists = lists_of(&path);
    let mut expected = 0;
    for (i, column) in Column::ALL.into_iter().enumerate() {
        let batch_letter = letter(i);
        let Some(header) = list_header(column) else {
            assert!(
                !validations.contains_key(&batch_letter),
                "{column:?} has no drop-down"
            );
            continue;
        };
        expected += 1;
        let position = lists.iter().position(|(h, _)| h == header).unwrap();
        let lists_letter = letter(position);
        let length = lists[position].1.len();
        let (sqref, formula) = validations
            .get(&batch_letter)
            .unwrap_or_else(|| panic!("{column:?} has no drop-down list"));
        assert_eq!(sqref, &format!("{batch_letter}2:{batch_letter}1048576"));
        assert_eq!(
            formula,
            &format!("Lists!${lists_letter}$2:${lists_letter}${}", length + 1),
            "{column:?}"
        );
    }
    assert_eq!(validations.len(), expected);
}

#[test]
fn the_lists_sheet_holds_every_code_and_roster_id() {
    let dir = TempDir::new().unwrap();
    let path = write_template(&dir, "t.xlsx", &[]);
    let lists = lists_of(&path);
    assert_eq!(
        list(&lists, "Action"),
        strings(Action::ALL.iter().map(|c| c.as_str()))
    );
    assert_eq!(
        list(&lists, "CP Program"),
        strings(Program::ALL.iter().map(|c| c.as_str()))
    );
    assert_eq!(
        list(&lists, "Coverage Type"),
        strings(CoverageType::ALL.iter().map(|c| c.as_str()))
    );
    assert_eq!(
        list(&lists, "DMH Affiliation"),
        strings(Dmh::ALL.iter().map(|c| c.as_str()))
    );
    assert_eq!(
        list(&lists, "Reason Code"),
        strings(ReasonCode::ALL.iter().map(|c| c.as_str()))
    );
    assert_eq!(list(&lists, "Y/N"), ["Y", "N"]);

    let roster = Reference::built_in().unwrap();
    let cps: Vec<String> = roster.cps().map(|c| c.id.clone()).collect();
    let plans: Vec<String> = roster.plans().map(|p| p.id.clone()).collect();
    assert_eq!(cps.len(), 27);
    assert_eq!(list(&lists, "CP ID"), cps);
    assert_eq!(
        list(&lists, "Program"),
        strings(roster.cps().map(|c| c.program.as_str()))
    );
    assert_eq!(list(&lists, "Plan ID"), plans);
    assert_eq!(
        list(&lists, "Plan Type"),
        strings(roster.plans().map(|p| p.plan_type.as_str()))
    );
    let mut submitters = vec!["MASSHEALTH".to_string()];
    submitters.extend(plans);
    submitters.extend(cps);
    assert_eq!(list(&lists, "Submitter ID"), submitters);
}

#[test]
fn the_instructions_describe_every_column_and_rule() {
    let dir = TempDir::new().unwrap();
    let path = write_template(&dir, "t.xlsx", &[]);
    let rows = sheet_text(&path, "Instructions");
    let find = |first: &str| {
        rows.iter()
            .find(|r| r[0] == first)
            .unwrap_or_else(|| panic!("no Instructions row for {first}"))
    };
    for column in Column::ALL {
        let row = find(column.header());
        assert_eq!(row[1], column.requirement().describe());
        assert_eq!(row[2], column.meaning());
        assert!(!row[3].is_empty(), "{column:?} has allowed values");
    }
    assert!(find("Action")[3].contains("TRANSFER (also XFER)"));
    assert!(find("Plan ID")[1].contains("unless DMH Affiliation is ACCS or CBFS"));
    for rule in cpbatch::catalog::RULES {
        let row = find(rule.code.as_str());
        assert_eq!(
            row[1..4],
            [rule.severity.as_str(), rule.title, rule.description]
        );
    }
}

#[test]
fn a_reference_directory_changes_the_lists_and_their_ranges() {
    let dir = TempDir::new().unwrap();
    let reference = dir.path().join("reference");
    write_reference(&reference, "plan_id,cp_id\nACPP01,BHCP01\n");
    let reference = reference.display().to_string();
    let path = write_template(&dir, "t.xlsx", &["--reference", &reference]);
    let lists = lists_of(&path);
    assert_eq!(list(&lists, "CP ID"), ["BHCP01"]);
    assert_eq!(list(&lists, "CP Name"), ["CP One"]);
    assert_eq!(list(&lists, "Plan ID"), ["ACPP01"]);
    assert_eq!(
        list(&lists, "Submitter ID"),
        ["MASSHEALTH", "ACPP01", "BHCP01"]
    );
    let validations = batch_validations(&path);
    assert_eq!(validations["G"].1, "Lists!$G$2:$G$2");
    assert_eq!(validations["I"].1, "Lists!$J$2:$J$2");

    // It is the current template for that roster, and not for the built-in one.
    assert_eq!(check(&path, &["--reference", &reference]).status, 0);
    let run = check(&path, &[]);
    assert_eq!(run.status, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("Lists!G: CP ID values differ: missing BHCP02, BHCP03"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "Batch column \"CP ID\": drop-down list Lists!$G$2:$G$2, expected drop-down list \
             Lists!$G$2:$G$28"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn the_template_is_the_same_bytes_on_every_run_and_is_the_committed_one() {
    let dir = TempDir::new().unwrap();
    let first = std::fs::read(write_template(&dir, "a.xlsx", &[])).unwrap();
    let second = std::fs::read(write_template(&dir, "b.xlsx", &[])).unwrap();
    assert!(first == second, "two runs wrote different bytes");
    assert!(
        first == std::fs::read(COMMITTED).unwrap(),
        "templates/cp-batch-template.xlsx is stale: run \
         `cargo run -- template --out templates/cp-batch-template.xlsx`"
    );
    let core = zip_part(&dir.path().join("a.xlsx"), "docProps/core.xml")
        .expect("the part is in the package");
    assert!(core.contains("2026-01-01T00:00:00Z"), "{core}");
}

#[test]
fn out_defaults_to_the_working_directory_and_may_name_a_directory() {
    let dir = TempDir::new().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cpbatch"))
        .arg("template")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("wrote cp-batch-template.xlsx"));
    assert!(dir.path().join("cp-batch-template.xlsx").is_file());

    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let run = cpbatch(&["template", "--out", &sub.display().to_string()]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(sub.join("cp-batch-template.xlsx").is_file());
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(&sub).unwrap().collect();
    assert_eq!(names.len(), 1);
}

// ---------------------------------------------------------------------------------------
// --check
// ---------------------------------------------------------------------------------------

#[test]
fn check_passes_on_a_fresh_and_on_the_committed_template() {
    let dir = TempDir::new().unwrap();
    let path = write_template(&dir, "t.xlsx", &[]);
    for file in [path.as_path(), Path::new(COMMITTED)] {
        let run = check(file, &[]);
        assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
        assert_eq!(
            run.stdout,
            format!("{}: the current template\n", file.display())
        );
    }
}

#[test]
fn check_lists_a_renamed_header_a_removed_list_entry_and_a_removed_drop_down() {
    let dir = TempDir::new().unwrap();
    let path = write_template(&dir, "t.xlsx", &[]);
    let broken = dir.path().join("broken.xlsx");
    let rename_header = |xml: String| {
        // C1, "Last Name", becomes an inline string "Last name"; drop the Action drop-down.
        let start = xml.find("<c r=\"C1\"").unwrap();
        let end = start + xml[start..].find("</c>").unwrap() + 4;
        let xml = format!(
            "{}<c r=\"C1\" s=\"1\" t=\"inlineStr\"><is><t>Last name</t></is></c>{}",
            &xml[..start],
            &xml[end..]
        );
        let start = xml.find("<dataValidation ").unwrap();
        assert!(xml[start..].contains("sqref=\"A2:A1048576\""));
        let end = start + xml[start..].find("</dataValidation>").unwrap() + 17;
        format!("{}{}", &xml[..start], &xml[end..]).replace("count=\"12\"", "count=\"11\"")
    };
    let remove_last_cp = |xml: String| {
        let start = xml.find("<c r=\"G28\"").unwrap();
        let end = start + xml[start..].find("</c>").unwrap() + 4;
        format!("{}{}", &xml[..start], &xml[end..])
    };
    rewrite_parts(
        &path,
        &broken,
        &[
            ("xl/worksheets/sheet1.xml", &rename_header),
            ("xl/worksheets/sheet3.xml", &remove_last_cp),
        ],
    );
    let run = check(&broken, &[]);
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        [
            "Batch!C1: header is \"Last name\", expected \"Last Name\"",
            "Batch column \"Action\": no drop-down list",
            "Lists!G: CP ID values differ: missing LTCP09",
            &format!(
                "{}: 3 differences from the current template",
                broken.display()
            ),
        ]
    );
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn check_compares_the_batch_formats_the_frozen_bold_header_and_the_sheets() {
    let dir = TempDir::new().unwrap();
    let path = write_template(&dir, "t.xlsx", &[]);
    // The same formats numbered another way (as another program saves them): still the
    // current template. "@" becomes built-in format 49, the date format another number.
    let renumbered = dir.path().join("renumbered.xlsx");
    let renumber = |xml: String| {
        xml.replace(r#"<numFmt numFmtId="164" formatCode="@"/>"#, "")
            .replace(r#"numFmtId="164""#, r#"numFmtId="49""#)
            .replace(r#"numFmtId="165""#, r#"numFmtId="170""#)
    };
    rewrite_parts(&path, &renumbered, &[("xl/styles.xml", &renumber)]);
    let run = check(&renumbered, &[]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    // Member ID loses its text format (Excel would drop leading zeros), the header row is
    // no longer frozen, and A1 is no longer bold.
    let drifted = dir.path().join("drifted.xlsx");
    let drift = |xml: String| {
        let start = xml.find(r#"<col min="2" max="2""#).unwrap();
        let end = start + xml[start..].find("/>").unwrap();
        let col = xml[start..end].replace(r#" style="2""#, "");
        let xml = format!("{}{col}{}", &xml[..start], &xml[end..]);
        let start = xml.find("<pane ").unwrap();
        let end = start + xml[start..].find("/>").unwrap() + 2;
        let xml = format!("{}{}", &xml[..start], &xml[end..]);
        xml.replacen(r#"<c r="A1" s="1""#, r#"<c r="A1""#, 1)
    };
    rewrite_parts(&path, &drifted, &[("xl/worksheets/sheet1.xml", &drift)]);
    let run = check(&drifted, &[]);
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        [
            "Batch column B (Member ID) has the General format, not the Text format (@)",
            "the Batch header row is not frozen",
            "Batch header not bold in column A (Action)",
            &format!(
                "{}: 3 differences from the current template",
                drifted.display()
            ),
        ]
    );
    // A sheet the template does not have.
    let extra = dir.path().join("extra.xlsx");
    write_xlsx(&extra, &[("Batch", text_rows(&[])), ("Notes", vec![])]);
    let run = check(&extra, &[]);
    assert_eq!(run.status, 1);
    assert!(
        run.stdout
            .lines()
            .any(|l| l == "an extra sheet named \"Notes\""),
        "{}",
        run.stdout
    );
}

#[test]
fn check_reports_missing_sheets() {
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("batch.xlsx");
    write_xlsx(&batch, &[("Batch", text_rows(&[]))]);
    let run = check(&batch, &[]);
    assert_eq!(run.status, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines.contains(&"Batch column \"Action\": no drop-down list"));
    assert!(lines.contains(&"no sheet named \"Lists\""));
    assert!(lines.contains(&"no sheet named \"Instructions\""));
}

#[test]
fn check_refuses_a_file_that_is_not_a_workbook() {
    let dir = TempDir::new().unwrap();
    let text = dir.path().join("batch.xlsx");
    write_csv(&text, &[good_row()]);
    let missing = dir.path().join("missing.xlsx");
    for file in [text.as_path(), missing.as_path(), dir.path()] {
        let run = check(file, &[]);
        assert_eq!(run.status, 2, "{}: {}", file.display(), run.stdout);
        assert!(run.stdout.is_empty(), "{}", run.stdout);
        assert!(
            run.stderr.starts_with(&format!(
                "cpbatch: F001 error: {}: cannot read the workbook: ",
                file.display()
            )),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn out_and_check_cannot_be_given_together() {
    let run = cpbatch(&["template", "--out", "a.xlsx", "--check", "b.xlsx"]);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------
// The template as a batch
// ---------------------------------------------------------------------------------------

#[test]
fn the_blank_template_validates_as_a_batch_of_no_rows() {
    let dir = TempDir::new().unwrap();
    let fresh = write_template(&dir, "t.xlsx", &[]);
    for (n, file) in [Path::new(COMMITTED), fresh.as_path()].iter().enumerate() {
        let out = dir.path().join(format!("out{n}"));
        let run = validate(file, &out, &[]);
        assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
        assert_eq!(run.stdout, "0 rows: 0 accepted, 0 rejected (0 transfers)\n");
        assert_conserved(&out, 0);
        assert!(findings(&out).is_empty());
    }
}

#[test]
fn formatted_empty_cells_are_not_rows() {
    // Cells with a format and no value, as Excel leaves them after a row is cleared.
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("batch.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Batch").unwrap();
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
    let row = good_row();
    for (c, header) in HEADERS.iter().enumerate() {
        sheet.write_string(0, c as u16, *header).unwrap();
        for r in 1..40 {
            sheet.write_blank(r, c as u16, &text).unwrap();
        }
        sheet.write_string(40, c as u16, &row[header]).unwrap();
        sheet.write_blank(41, c as u16, &text).unwrap();
    }
    workbook.save(&path).unwrap();
    let out = dir.path().join("out");
    let run = validate(&path, &out, &[]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    assert_conserved(&out, 1);
    assert_eq!(read_report(&out.join("accepted.csv")).1[0][0], "41");
}

// ---------------------------------------------------------------------------------------
// Replacing a file (SPEC 5): only a blank template, unless --force
// ---------------------------------------------------------------------------------------

fn template_out(path: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "template".to_string(),
        "--out".into(),
        path.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    cpbatch(&args)
}

#[test]
fn template_refuses_to_replace_a_filled_batch_or_a_file_that_is_not_a_workbook() {
    let dir = TempDir::new().unwrap();
    let filled = dir.path().join("filled.xlsx");
    let rows: Vec<_> = (1..=18)
        .map(|i| row_with(&[("Member ID", &format!("1000000{i:05}"))]))
        .collect();
    write_xlsx(&filled, &[("Batch", text_rows(&rows))]);
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "not a workbook").unwrap();
    for (path, what) in [
        (&filled, "holds 18 data rows"),
        (&notes, "is not a workbook"),
    ] {
        let before = std::fs::read(path).unwrap();
        let run = template_out(path, &[]);
        assert_eq!(run.status, 2, "{}{}", run.stdout, run.stderr);
        assert_eq!(
            run.stderr,
            format!(
                "cpbatch: error: {} {what}: it is not replaced (use --force to replace it)\n",
                path.display()
            )
        );
        assert_eq!(std::fs::read(path).unwrap(), before, "{what}");
        // --force replaces it.
        let run = template_out(path, &["--force"]);
        assert_eq!(run.status, 0, "{}", run.stderr);
        assert_eq!(check(path, &[]).status, 0);
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "no temporary file left"
    );
}

#[test]
fn plain_template_refuses_to_replace_a_filled_default_file_but_replaces_a_blank_one() {
    let dir = TempDir::new().unwrap();
    let run_here = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_cpbatch"))
            .arg("template")
            .args(extra)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    // A blank template, an older one made by hand too, is replaced.
    let default = dir.path().join("cp-batch-template.xlsx");
    write_xlsx(&default, &[("Batch", text_rows(&[]))]);
    assert_eq!(run_here(&[]).status.code(), Some(0));
    assert_eq!(check(&default, &[]).status, 0);
    assert_eq!(
        run_here(&[]).status.code(),
        Some(0),
        "the current template is blank"
    );
    // A filled one is not.
    write_xlsx(&default, &[("Batch", text_rows(&[good_row()]))]);
    let before = std::fs::read(&default).unwrap();
    let output = run_here(&[]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "cpbatch: error: cp-batch-template.xlsx holds 1 data row: it is not replaced (use --force to replace it)\n"
    );
    assert_eq!(std::fs::read(&default).unwrap(), before);
    assert_eq!(run_here(&["--force"]).status.code(), Some(0));
    assert_eq!(check(&default, &[]).status, 0);
}

#[test]
fn template_help_mentions_force() {
    let run = cpbatch(&["template", "--help"]);
    assert_eq!(run.status, 0);
    assert!(run.stdout.contains("--force"), "{}", run.stdout);
}
