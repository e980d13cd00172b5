//! Messages that explain themselves (SPEC 2.2, issue 11 items 5 and 6), on real batch files:
//! organisation IDs matched ignoring case, spaces and hyphens, with "did you mean" for an
//! unknown one; and the Excel traps behind a value named in its message. Each test asserts
//! the exact code, column and message.

use crate::common;
use crate::raw;
use common::*;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A finished run: its output directory, kept alive with its temporary directory.
struct Out {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Out {
    /// Every finding of one source row as (column, code, message), in report order.
    fn row(&self, source_row: u32) -> Vec<(String, String, String)> {
        read_report(&self.path.join("findings.csv"))
            .1
            .into_iter()
            .filter(|r| r[0] == source_row.to_string())
            .map(|r| (r[1].clone(), r[2].clone(), r[4].clone()))
            .collect()
    }

    /// The rows of a CSV report as maps, by header.
    fn report(&self, name: &str) -> Vec<BTreeMap<String, String>> {
        let (headers, rows) = read_report(&self.path.join(name));
        rows.into_iter()
            .map(|row| headers.iter().cloned().zip(row).collect())
            .collect()
    }

    /// The row of a report with this source row.
    fn report_row(&self, name: &str, source_row: u32) -> BTreeMap<String, String> {
        self.report(name)
            .into_iter()
            .find(|r| r["source_row"] == source_row.to_string())
            .unwrap_or_else(|| panic!("row {source_row} is not in {name}"))
    }
}

/// One finding as (column, code, message).
fn finding(column: &str, code: &str, message: &str) -> (String, String, String) {
    (column.to_string(), code.to_string(), message.to_string())
}

/// Validates a batch file already written in a temporary directory.
fn run(dir: tempfile::TempDir, batch: &Path, rows: usize, extra: &[&str]) -> Out {
    let path = dir.path().join("out");
    let result = validate(batch, &path, extra);
    assert!(
        result.status == 0 || result.status == 1,
        "exit {}: {}",
        result.status,
        result.stderr
    );
    assert_conserved(&path, rows);
    Out { _dir: dir, path }
}

/// Validates a CSV batch of these rows.
fn run_csv(rows: &[BTreeMap<&'static str, String>], extra: &[&str]) -> Out {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch.csv");
    write_csv(&batch, rows);
    run(dir, &batch, rows.len(), extra)
}

/// Validates an xlsx batch: the canonical header row, then these rows of cells, each given
/// as the good row's text cells with some cells replaced.
fn run_xlsx(rows: &[Vec<(&'static str, Cell)>]) -> Out {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch.xlsx");
    let mut grid = vec![HEADERS.iter().map(|h| t(h)).collect::<Vec<_>>()];
    for (i, changes) in rows.iter().enumerate() {
        let id = format!("1000000000{:02}", i + 1);
        let good = row_with(&[("Member ID", &id)]);
        let mut cells: Vec<Cell> = HEADERS
            .iter()
            .map(|h| match good[h].as_str() {
                "" => Cell::Blank,
                v => t(v),
            })
            .collect();
        for (header, cell) in changes {
            let at = HEADERS.iter().position(|h| h == header).unwrap();
            cells[at] = cell.clone();
        }
        grid.push(cells);
    }
    write_xlsx(&batch, &[("Batch", grid)]);
    run(dir, &batch, rows.len(), &[])
}

/// `row_with` for another member.
fn member(id: &str, changes: &[(&'static str, &str)]) -> BTreeMap<&'static str, String> {
    let mut row = row_with(changes);
    row.insert("Member ID", id.to_string());
    row
}

fn transfer(
    id: &str,
    from: &str,
    changes: &[(&'static str, &str)],
) -> BTreeMap<&'static str, String> {
    let mut row = member(
        id,
        &[
            ("Action", "TRANSFER"),
            ("From CP ID", from),
            ("Reason Code", "MEMBER_CHOICE"),
        ],
    );
    for (k, v) in changes {
        row.insert(k, v.to_string());
    }
    row
}

// ---------------------------------------------------------------------------------------
// Item 5: organisation IDs (SPEC 2.2)

#[test]
fn organisation_ids_match_ignoring_case_spaces_and_hyphens() {
    let out = run_csv(
        &[
            // Every ID in another spelling: accepted, reported in the roster's form.
            row_with(&[
                ("CP ID", "bhcp-01"),
                ("Plan ID", "acpp 01"),
                ("Submitter ID", "Acpp-01"),
            ]),
            // A CP submitting its own transfer, From CP ID spelled with a hyphen.
            transfer(
                "100000000002",
                "bhcp-02",
                &[("CP ID", "BHCP 01"), ("Submitter ID", "bhcp01")],
            ),
            // The same CP on both sides, spelled differently: C004.
            transfer("100000000003", "Bhcp-01", &[]),
            // The first row again with its IDs as the roster spells them: a duplicate.
            row_with(&[]),
            // MassHealth in any spelling.
            member("100000000005", &[("Submitter ID", "Mass-Health")]),
        ],
        &[],
    );
    assert_eq!(out.row(2), vec![]);
    let accepted = out.report_row("accepted.csv", 2);
    assert_eq!(
        (
            accepted["cp_id"].as_str(),
            accepted["plan_id"].as_str(),
            accepted["submitter_id"].as_str()
        ),
        ("BHCP01", "ACPP01", "ACPP01")
    );
    assert_eq!(out.row(3), vec![]);
    let moved = out.report_row("transfers.csv", 3);
    assert_eq!(
        (moved["from_cp_id"].as_str(), moved["to_cp_id"].as_str()),
        ("BHCP02", "BHCP01")
    );
    assert_eq!(
        out.row(4),
        vec![finding(
            "From CP ID",
            "C004",
            "From CP ID and CP ID are both BHCP01; a transfer must move the member to another CP"
        )]
    );
    assert_eq!(
        out.row(5)
            .into_iter()
            .map(|(column, code, _)| (column, code))
            .collect::<Vec<_>>(),
        vec![("Member ID".to_string(), "B001".to_string())]
    );
    assert_eq!(out.row(6), vec![]);
    assert_eq!(
        out.report_row("accepted.csv", 6)["submitter_id"],
        "MASSHEALTH"
    );
}

#[test]
fn an_unknown_organisation_id_names_the_nearest_roster_id() {
    let out = run_xlsx(&[
        vec![("CP ID", t("BHCP8"))],
        // Normalised to BHCP2: BHCP02 and BHCP12 are one edit away; the first is named.
        vec![
            ("Action", t("TRANSFER")),
            ("From CP ID", t("bhcp-2")),
            ("Reason Code", t("MEMBER_CHOICE")),
        ],
        vec![("Plan ID", t("ACPP1"))],
        vec![("Submitter ID", t("Mass Healt"))],
        // Nothing within two edits: no suggestion.
        vec![("CP ID", t("XYZ"))],
    ]);
    assert_eq!(
        out.row(2),
        vec![finding(
            "CP ID",
            "C001",
            "CP ID \"BHCP8\" is not in the CP roster; did you mean BHCP08?"
        )]
    );
    assert_eq!(
        out.row(3),
        vec![finding(
            "From CP ID",
            "C001",
            "From CP ID \"bhcp-2\" is not in the CP roster; did you mean BHCP02?"
        )]
    );
    assert_eq!(
        out.row(4),
        vec![finding(
            "Plan ID",
            "C003",
            "Plan ID \"ACPP1\" is not in the plan roster; did you mean ACPP01?"
        )]
    );
    assert_eq!(
        out.row(5),
        vec![finding(
            "Submitter ID",
            "C006",
            "Submitter ID \"Mass Healt\" is not a known plan, CP or MASSHEALTH; did you mean MASSHEALTH?"
        )]
    );
    assert_eq!(
        out.row(6),
        vec![finding(
            "CP ID",
            "C001",
            "CP ID \"XYZ\" is not in the CP roster"
        )]
    );
}

/// The snapshot columns (SPEC 2.4), and a line of the good row's member with some fields
/// replaced: eligible since 2026-01-01 in ACPP01, ZIP 02118.
const EVS_HEADER: &str = "member_id,last_name,first_name,date_of_birth,elig_start,elig_end,coverage_type,plan_id,medicare,other_insurance,nursing_facility,dmh_affiliation,zip,cp_id,cp_start,date_of_death";

fn evs_line(member_id: &str, plan: &str, cp: &str, cp_start: &str) -> String {
    format!(
        "{member_id},Rivera,Ana,1980-04-02,2026-01-01,,STANDARD,{plan},N,N,N,NONE,02118,{cp},{cp_start},"
    )
}

#[test]
fn reconciliation_compares_organisation_ids_ignoring_case_spaces_and_hyphens() {
    let dir = tempfile::tempdir().unwrap();
    let evs = dir.path().join("evs.csv");
    let lines = [
        EVS_HEADER.to_string(),
        evs_line("100000000001", "ACPP01", "BHCP01", "2026-01-01"),
        evs_line("100000000002", "acpp-01", "bhcp 01", "2026-01-01"),
        evs_line("100000000003", "ACPP01", "BHCP02", "2026-01-01"),
    ];
    std::fs::write(&evs, lines.join("\n") + "\n").unwrap();
    let rows = [
        // Already with this CP: R010, not R011; the plan is the same: no R005.
        row_with(&[("CP ID", "bhcp-01"), ("Plan ID", "Acpp-01")]),
        // Leaving the CP EVS shows, spelled otherwise on both sides: no R012.
        member(
            "100000000002",
            &[
                ("Action", "DISENROLL"),
                ("Reason Code", "DECLINED"),
                ("CP ID", "BHCP-01"),
            ],
        ),
        // Transferring from the CP EVS shows: no R013.
        transfer("100000000003", "bhcp-02", &[]),
    ];
    let batch = dir.path().join("batch.csv");
    write_csv(&batch, &rows);
    let out = run(dir, &batch, rows.len(), &["--evs", evs.to_str().unwrap()]);
    assert_eq!(
        out.row(2),
        vec![finding(
            "CP ID",
            "R010",
            "EVS already shows the member with CP BHCP01"
        )]
    );
    assert_eq!(out.row(3), vec![]);
    assert_eq!(out.row(4), vec![]);
}

// ---------------------------------------------------------------------------------------
// Item 6: messages that name the Excel trap (SPEC 2.2)

#[test]
fn a_member_id_in_scientific_notation_or_with_a_fraction_is_explained() {
    let csv = run_csv(&[row_with(&[("Member ID", "1.00E+11")])], &[]);
    assert_eq!(
        csv.row(2),
        vec![finding(
            "Member ID",
            "S003",
            "Member ID \"1.00E+11\" is not a 12-digit MassHealth ID (Excel turned the ID into a number in scientific notation and lost digits; format the column as text and enter the ID again)"
        )]
    );
    let xlsx = run_xlsx(&[
        vec![("Member ID", t("1.00012E+11"))],
        vec![("Member ID", Cell::Number(100012345678.5))],
        // An ID that is only short keeps its message.
        vec![("Member ID", t("10001234567"))],
    ]);
    assert_eq!(
        xlsx.row(2),
        vec![finding(
            "Member ID",
            "S003",
            "Member ID \"1.00012E+11\" is not a 12-digit MassHealth ID (Excel turned the ID into a number in scientific notation and lost digits; format the column as text and enter the ID again)"
        )]
    );
    assert_eq!(
        xlsx.row(3),
        vec![finding(
            "Member ID",
            "S003",
            "Member ID 100012345678.5 is not a 12-digit MassHealth ID (a number with a fractional part, where an ID of 12 whole digits belongs; format the column as text and enter the ID again)"
        )]
    );
    assert_eq!(
        xlsx.row(4),
        vec![finding(
            "Member ID",
            "S003",
            "Member ID \"10001234567\" is not a 12-digit MassHealth ID (11 digits)"
        )]
    );
}

#[test]
fn a_text_date_written_day_first_is_named_as_such() {
    let out = run_csv(
        &[
            row_with(&[("Date of Birth", "15/12/1980")]),
            member("100000000002", &[("Effective Date", "31-12-2026")]),
            // Impossible either way round: the message is unchanged.
            member("100000000003", &[("Effective Date", "02/30/2026")]),
        ],
        &[],
    );
    assert_eq!(
        out.row(2),
        vec![finding(
            "Date of Birth",
            "S004",
            "Date of Birth \"15/12/1980\" looks like DD/MM/YYYY; dates must be MM/DD/YYYY or YYYY-MM-DD"
        )]
    );
    assert_eq!(
        out.row(3),
        vec![finding(
            "Effective Date",
            "S004",
            "Effective Date \"31-12-2026\" looks like DD/MM/YYYY; dates must be MM/DD/YYYY or YYYY-MM-DD"
        )]
    );
    assert_eq!(
        out.row(4),
        vec![finding(
            "Effective Date",
            "S004",
            "Effective Date \"02/30/2026\" is not a real calendar date"
        )]
    );
}

/// Writes a one-sheet batch as a program writes it (rust_xlsxwriter with no formula results):
/// the canonical headers, then for each row the good row's text, with these columns as
/// formulas that have no saved value (`<f>…</f><v></v>`) or as blank cells ("").
fn write_uncomputed(path: &Path, rows: &[Vec<(&'static str, &str)>]) {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_formula_result_default("");
    for (c, header) in HEADERS.iter().enumerate() {
        sheet.write_string(0, c as u16, *header).unwrap();
    }
    for (r, changes) in rows.iter().enumerate() {
        let id = format!("1000000000{:02}", r + 1);
        let good = row_with(&[("Member ID", &id)]);
        for (c, header) in HEADERS.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match changes.iter().find(|(h, _)| h == header) {
                Some((_, "")) => {}
                Some((_, formula)) => {
                    sheet.write_formula(r, c, *formula).unwrap();
                }
                None if good[header].is_empty() => {}
                None => {
                    sheet.write_string(r, c, &good[header]).unwrap();
                }
            }
        }
    }
    workbook.save(path).unwrap();
}

#[test]
fn a_formula_with_no_saved_value_is_blank_and_its_s001_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch.xlsx");
    write_uncomputed(
        &batch,
        &[
            vec![
                ("Member ID", "=\"1000000000\"&\"01\""),
                // The last column: a trailing formula is kept too.
                ("Submitter ID", "=\"ACPP\"&\"01\""),
            ],
            // A blank cell keeps its message.
            vec![("Last Name", "")],
        ],
    );
    let out = run(dir, &batch, 2, &[]);
    let formula = ". The cell holds a formula with no saved value: the file was written by a program and never opened in Excel; open it in Excel and save it, or type the value";
    assert_eq!(
        out.row(2),
        vec![
            finding(
                "Member ID",
                "S001",
                &format!("Member ID is blank; it is required{formula}")
            ),
            finding(
                "Submitter ID",
                "S001",
                &format!("Submitter ID is blank; it is required{formula}")
            ),
        ]
    );
    let rejected = out.report_row("rejected.csv", 2);
    assert_eq!(
        (
            rejected["Member ID"].as_str(),
            rejected["Submitter ID"].as_str()
        ),
        ("", "")
    );
    assert_eq!(
        out.row(3),
        vec![finding(
            "Last Name",
            "S001",
            "Last Name is blank; it is required"
        )]
    );
}

#[test]
fn a_formula_with_no_value_element_is_blank_in_both_readers() {
    // As openpyxl writes a formula (`<f>…</f><v/>`, no type), and with no `<v>` at all.
    let placeholder = |h: &str| format!("@@{h}@@");
    let mut rows = vec![
        HEADERS
            .iter()
            .map(|h| raw::RawXml::Text(h.to_string()))
            .collect(),
    ];
    let good = good_row();
    rows.push(
        HEADERS
            .iter()
            .map(|h| match *h {
                "Member ID" | "Submitter ID" => raw::RawXml::Text(placeholder(h)),
                _ => raw::RawXml::Text(good[h].clone()),
            })
            .collect::<Vec<_>>(),
    );
    let member = HEADERS.iter().position(|h| *h == "Member ID").unwrap() as u32;
    let submitter = HEADERS.iter().position(|h| *h == "Submitter ID").unwrap() as u32;
    let inline = |col: u32, h: &str| {
        format!(
            r#"<c r="{}2" t="inlineStr"><is><t>{}</t></is></c>"#,
            raw::column_name(col),
            placeholder(h)
        )
    };
    let sheet = raw::sheet_xml(&rows)
        .replace(
            &inline(member, "Member ID"),
            &format!(
                r#"<c r="{}2"><f>SUM(1,2)</f><v/></c>"#,
                raw::column_name(member)
            ),
        )
        .replace(
            &inline(submitter, "Submitter ID"),
            &format!(r#"<c r="{}2"><f>A1</f></c>"#, raw::column_name(submitter)),
        );
    assert!(!sheet.contains("@@"), "{sheet}");
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch.xlsx");
    raw::write_raw_xlsx(&batch, &sheet, None, false);
    // calamine, the reference reader, reads it alike.
    let read = cpbatch::batch::read_batch_with_calamine(&batch, None).unwrap();
    let kinds: Vec<_> = [member, submitter]
        .iter()
        .map(|c| {
            (
                read.rows[0].cell(*c as usize).kind,
                read.rows[0].cell(*c as usize).text,
            )
        })
        .collect();
    assert_eq!(kinds, vec![(cpbatch::batch::CellKind::Formula, ""); 2]);
    let out = run(dir, &batch, 1, &[]);
    let codes: Vec<_> = out
        .row(2)
        .into_iter()
        .map(|(column, code, message)| {
            (
                column,
                code,
                message.contains("formula with no saved value"),
            )
        })
        .collect();
    assert_eq!(
        codes,
        vec![
            ("Member ID".to_string(), "S001".to_string(), true),
            ("Submitter ID".to_string(), "S001".to_string(), true),
        ]
    );
}

#[test]
fn a001_on_a_row_with_no_plan_says_who_may_submit_it() {
    let out = run_csv(
        &[
            // A CBFS member outside managed care, submitted by a plan.
            row_with(&[
                ("Plan ID", ""),
                ("DMH Affiliation", "CBFS"),
                ("Submitter ID", "ACPP02"),
            ]),
            // Another plan's member: the message is unchanged.
            member("100000000002", &[("Submitter ID", "ACPP02")]),
        ],
        &[],
    );
    assert_eq!(
        out.row(2),
        vec![finding(
            "Submitter ID",
            "A001",
            "submitter ACPP02 is a plan and may submit only its own members' rows; this row has no Plan ID, so it must come from the CP or MassHealth"
        )]
    );
    assert_eq!(
        out.row(3),
        vec![finding(
            "Submitter ID",
            "A001",
            "submitter ACPP02 is a plan and may submit only rows whose Plan ID is ACPP02"
        )]
    );
}
