//! Property tests (issue 5): values read back as written, whatever their form; every row
//! ends in exactly one report, whatever is wrong with it; and outputs do not depend on the
//! thread count or on how the snapshot is read.
//!
//! Reading properties go through the library (`read_batch`, then the row parsing of the
//! format stage); the run properties through the binary.

use crate::common;
use crate::raw;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use common::*;
use cpbatch::batch::{Batch, read_batch};
use cpbatch::reference::Reference;
use cpbatch::rules::Record;
use cpbatch::rules::format::parse_row;
use cpbatch::rules::{CheckConfig, Code, Context, Finding};
use proptest::prelude::*;
use raw::RawXml;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

// ---------------------------------------------------------------------------------------
// Reading through the library
// ---------------------------------------------------------------------------------------

/// Each row of a batch read with the library: its record and findings, by source row.
fn read_rows(path: &Path, each: impl Fn(u32, &Record<'_>, &[Finding])) -> usize {
    let batch: Batch = read_batch(path, None).unwrap_or_else(|e| panic!("{e}"));
    let reference = Reference::built_in().unwrap();
    let config = CheckConfig {
        as_of: NaiveDate::parse_from_str(AS_OF, "%Y-%m-%d").unwrap(),
        max_retro_days: 60,
        max_future_days: 90,
    };
    let ctx = Context {
        reference: &reference,
        config: &config,
        layout: &batch.layout,
        is_1904: batch.is_1904,
        evs: None,
    };
    for row in &batch.rows {
        let mut findings = Vec::new();
        let record = parse_row(row, &ctx, &mut findings);
        each(row.source_row, &record, &findings);
    }
    batch.rows.len()
}

fn position(header: &str) -> usize {
    HEADERS.iter().position(|h| *h == header).unwrap()
}

/// Every text form of a date that SPEC 2.2 accepts, some with a time after the date.
fn text_forms(date: NaiveDate) -> Vec<String> {
    let (y, m, d) = (date.year(), date.month(), date.day());
    vec![
        format!("{y:04}-{m:02}-{d:02}"),
        format!("{y:04}{m:02}{d:02}"),
        format!("{m:02}/{d:02}/{y:04}"),
        format!("{m}/{d}/{y:04}"),
        format!("{m:02}-{d:02}-{y:04}"),
        format!("  {y:04}-{m:02}-{d:02} 13:45:07  "),
        format!("{y:04}-{m:02}-{d:02}T08:30"),
    ]
}

/// Days from 1900-03-01 (Excel's first date past its phantom 29 February) to 9999-12-31.
fn date_1900() -> impl Strategy<Value = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(1900, 3, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
    (0..=(last - first).num_days()).prop_map(move |n| first + chrono::Duration::days(n))
}

/// Days from 1904-01-01 (serial 0 of the 1904 system) to 9999-12-31.
fn date_1904() -> impl Strategy<Value = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(1904, 1, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
    (0..=(last - first).num_days()).prop_map(move |n| first + chrono::Duration::days(n))
}

/// Asserts that every row of the batch has `date` as its Date of Birth and Effective Date.
fn assert_dates(path: &Path, date: NaiveDate, rows: usize) {
    let read = read_rows(path, |row, record, findings| {
        assert_eq!(
            (record.date_of_birth.get(), record.effective.get()),
            (Some(date), Some(date)),
            "{}: row {row}: {findings:?}",
            path.display()
        );
    });
    assert_eq!(read, rows);
}

/// A good row whose two date columns hold `cell`.
fn row_with_dates(cell: Cell) -> Vec<Cell> {
    let mut row = text_rows(&[good_row()]).remove(1);
    row[position("Date of Birth")] = cell.clone();
    row[position("Effective Date")] = cell;
    row
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// 1900 system: a date cell (with or without a time of day), its serial number, and
    /// every text form, in a workbook and in a CSV, read back as the same date.
    #[test]
    fn dates_of_the_1900_system_read_back(
        date in date_1900(),
        (hour, minute, second) in (0u16..24, 0u8..60, 0u8..60),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (y, m, d) = (date.year() as u16, date.month() as u8, date.day() as u8);
        let serial = (date - NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()).num_days() as f64;
        let mut rows = vec![HEADERS.iter().map(|h| t(h)).collect::<Vec<_>>()];
        rows.push(row_with_dates(Cell::Date(y, m, d)));
        rows.push(row_with_dates(Cell::Number(serial)));
        rows.push(row_with_dates(Cell::Number(serial + 0.75)));
        rows.extend(text_forms(date).into_iter().map(|text| row_with_dates(t(&text))));
        let xlsx = dir.path().join("dates.xlsx");
        write_xlsx(&xlsx, &[("Batch", rows.clone())]);
        assert_dates(&xlsx, date, rows.len() - 1);

        // A datetime cell keeps its date part.
        let at = ExcelDateTime::from_ymd(y, m, d).unwrap().and_hms(hour, minute, second).unwrap();
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        let format = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        for (c, row) in rows[..2].iter().enumerate() {
            for (col, cell) in row.iter().enumerate() {
                if let Cell::Text(text) = cell {
                    sheet.write_string(c as u32, col as u16, text).unwrap();
                }
            }
        }
        for column in ["Date of Birth", "Effective Date"] {
            sheet.write_datetime_with_format(1, position(column) as u16, &at, &format).unwrap();
        }
        let datetime = dir.path().join("datetime.xlsx");
        workbook.save(&datetime).unwrap();
        assert_dates(&datetime, date, 1);

        let csv_rows: Vec<BTreeMap<&'static str, String>> = text_forms(date)
            .into_iter()
            .map(|text| row_with(&[("Date of Birth", &text), ("Effective Date", &text)]))
            .collect();
        let csv = dir.path().join("dates.csv");
        write_csv(&csv, &csv_rows);
        assert_dates(&csv, date, csv_rows.len());
    }

    /// 1904 system (a hand-made workbook: rust_xlsxwriter cannot write one): a date cell, its
    /// serial number and every text form read back as the same date.
    #[test]
    fn dates_of_the_1904_system_read_back(date in date_1904()) {
        let dir = tempfile::tempdir().unwrap();
        let serial = (date - NaiveDate::from_ymd_opt(1904, 1, 1).unwrap()).num_days() as f64;
        let good = good_row();
        let row = |cell: &dyn Fn() -> RawXml| -> Vec<RawXml> {
            HEADERS
                .iter()
                .map(|h| match *h {
                    "Date of Birth" | "Effective Date" => cell(),
                    _ => RawXml::Text(good[h].clone()),
                })
                .collect()
        };
        let mut rows = vec![HEADERS.iter().map(|h| RawXml::Text(h.to_string())).collect()];
        rows.push(row(&|| RawXml::Date(serial)));
        rows.push(row(&|| RawXml::Date(serial + 0.5)));
        rows.push(row(&|| RawXml::Number(serial)));
        for text in text_forms(date) {
            rows.push(row(&|| RawXml::Text(text.clone())));
        }
        let path = dir.path().join("dates1904.xlsx");
        raw::write_raw_xlsx(&path, &raw::sheet_xml(&rows), None, true);
        assert_dates(&path, date, rows.len() - 1);
    }

    /// Any 12-digit ID reads back exactly: as text (with spaces or hyphens anywhere), and as
    /// a number, padded with zeros and warned (W002) when it has fewer than 12 digits.
    #[test]
    fn member_ids_read_back_exactly(
        id in 0u64..=999_999_999_999,
        separators in proptest::collection::vec((0usize..12, prop_oneof![Just(' '), Just('-')]), 0..4),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let digits = format!("{id:012}");
        let mut spaced: Vec<char> = digits.chars().collect();
        for (at, separator) in separators.iter().rev() {
            spaced.insert(*at, *separator);
        }
        let spaced: String = spaced.into_iter().collect();
        let mut rows = vec![HEADERS.iter().map(|h| t(h)).collect::<Vec<_>>()];
        for cell in [t(&digits), t(&spaced), Cell::Number(id as f64)] {
            let mut row = text_rows(&[good_row()]).remove(1);
            row[position("Member ID")] = cell;
            rows.push(row);
        }
        let xlsx = dir.path().join("ids.xlsx");
        write_xlsx(&xlsx, &[("Batch", rows)]);
        read_rows(&xlsx, |row, record, findings| {
            assert_eq!(record.member_id.get().map(|m| m.to_string()), Some(digits.clone()), "row {row}");
            let padded = findings.iter().any(|f| f.code == Code::W002);
            assert_eq!(padded, row == 4 && id < 100_000_000_000, "row {row}: {findings:?}");
        });

        let csv = dir.path().join("ids.csv");
        write_csv(&csv, &[row_with(&[("Member ID", &spaced)])]);
        let read = read_rows(&csv, |_, record, findings| {
            assert_eq!(record.member_id.get().map(|m| m.to_string()), Some(digits.clone()));
            assert!(findings.iter().all(|f| f.code != Code::W002));
        });
        assert_eq!(read, 1);
    }
}

// ---------------------------------------------------------------------------------------
// Random batches with random faults, through the binary
// ---------------------------------------------------------------------------------------

/// What may happen to one cell.
#[derive(Clone, Debug)]
enum Fault {
    Blank,
    Garbage(String),
    Number(f64),
    Bool(bool),
    Date(u16, u8, u8),
    Error,
    BadDate(&'static str),
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        2 => Just(Fault::Blank),
        2 => "[ -~]{0,14}".prop_map(Fault::Garbage),
        1 => prop_oneof![Just(12345.0), Just(1.5), Just(100000000001.0), Just(46357.0)]
            .prop_map(Fault::Number),
        1 => any::<bool>().prop_map(Fault::Bool),
        1 => (1900u16..2100, 1u8..13, 1u8..29).prop_map(|(y, m, d)| Fault::Date(y, m, d)),
        1 => Just(Fault::Error),
        1 => prop_oneof![Just("02/30/2020"), Just("1/5/20"), Just("2020-13-01"), Just("tomorrow")]
            .prop_map(Fault::BadDate),
    ]
}

/// The members of random batches and snapshots: 1 to [`MEMBERS`].
const MEMBERS: usize = 60;

fn member_id(member: usize) -> String {
    format!("1000000000{:02}", member % MEMBERS + 1)
}

/// A random batch: rows of every action, about half of them with up to three faulty
/// cells; members repeat now and then (a duplicate, or another action for the member).
#[derive(Clone, Debug)]
struct RandomBatch {
    rows: Vec<RandomRow>,
    csv: bool,
}

/// A row's action (0 ENROLL, 1 DISENROLL, 2 TRANSFER), member, and faults by column.
type RandomRow = (usize, usize, Vec<(usize, Fault)>);

fn random_batch(max_rows: usize) -> impl Strategy<Value = RandomBatch> {
    let faults = prop_oneof![
        Just(Vec::new()),
        proptest::collection::vec((0..HEADERS.len(), fault()), 1..4),
    ];
    let row = (0usize..3, 0usize..MEMBERS * 4, faults);
    (proptest::collection::vec(row, 1..max_rows), any::<bool>())
        .prop_map(|(rows, csv)| RandomBatch { rows, csv })
}

impl RandomBatch {
    /// The cells of each row, in header order.
    fn cells(&self) -> Vec<Vec<Cell>> {
        self.rows
            .iter()
            .map(|(action, member, faults)| {
                let id = member_id(*member);
                let base = match action {
                    0 => row_with(&[("Member ID", &id)]),
                    1 => row_with(&[
                        ("Member ID", &id),
                        ("Action", "DISENROLL"),
                        ("Reason Code", "MOVED"),
                    ]),
                    _ => row_with(&[
                        ("Member ID", &id),
                        ("Action", "TRANSFER"),
                        ("From CP ID", "BHCP02"),
                        ("Reason Code", "MEMBER_CHOICE"),
                    ]),
                };
                let mut cells: Vec<Cell> = HEADERS
                    .iter()
                    .map(|h| match base[h].as_str() {
                        "" => Cell::Blank,
                        value => t(value),
                    })
                    .collect();
                for (column, fault) in faults {
                    cells[*column] = match fault {
                        Fault::Blank => Cell::Blank,
                        Fault::Garbage(text) => t(text),
                        Fault::Number(n) => Cell::Number(*n),
                        Fault::Bool(b) => Cell::Bool(*b),
                        Fault::Date(y, m, d) => Cell::Date(*y, *m, *d),
                        Fault::Error => Cell::Error("#N/A".into()),
                        Fault::BadDate(text) => t(text),
                    };
                }
                cells
            })
            .collect()
    }

    /// Rows with at least one non-blank cell: the data rows (SPEC 2.1).
    fn data_rows(&self) -> usize {
        self.cells()
            .iter()
            .filter(|row| {
                row.iter().any(|cell| match cell {
                    Cell::Blank => false,
                    Cell::Text(text) => !text.trim().is_empty(),
                    _ => true,
                })
            })
            .count()
    }

    /// Writes the batch as xlsx, or as CSV with every value as text.
    fn write(&self, dir: &Path) -> std::path::PathBuf {
        let mut rows = vec![HEADERS.iter().map(|h| t(h)).collect::<Vec<_>>()];
        rows.extend(self.cells());
        if !self.csv {
            let path = dir.join("batch.xlsx");
            write_xlsx(&path, &[("Batch", rows)]);
            return path;
        }
        let path = dir.join("batch.csv");
        let mut writer = csv::Writer::from_path(&path).unwrap();
        for row in rows {
            writer
                .write_record(row.iter().map(|cell| match cell {
                    Cell::Blank => String::new(),
                    Cell::Text(text) => text.clone(),
                    Cell::Number(n) => n.to_string(),
                    Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
                    Cell::Date(y, m, d) => format!("{y:04}-{m:02}-{d:02}"),
                    Cell::Error(e) => e.clone(),
                    Cell::Formula(_, cached) => cached.clone(),
                }))
                .unwrap();
        }
        writer.flush().unwrap();
        path
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Conservation: rows = accepted + rejected, and every data row is in exactly one of
    /// accepted.csv and rejected.csv, whatever is wrong with the rows.
    #[test]
    fn every_row_ends_in_exactly_one_report(batch in random_batch(40)) {
        let dir = tempfile::tempdir().unwrap();
        let path = batch.write(dir.path());
        let out = dir.path().join("out");
        let run = validate(&path, &out, &["--format", "csv"]);
        assert!(run.status == 0 || run.status == 1, "exit {}: {}", run.status, run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        assert_conserved(&out, batch.data_rows());
    }
}

/// Snapshot lines for some members of [`RandomBatch`]: eligible and
/// ineligible segments, CP assignments, deaths and malformed lines.
fn snapshot() -> impl Strategy<Value = String> {
    let segment = (
        0..MEMBERS + 10,
        0usize..8,
        prop_oneof![Just(""), Just("BHCP01"), Just("BHCP02")],
    );
    // Most members have an eligible segment, with no CP or with the one a row names.
    let eligible = proptest::collection::vec(
        prop_oneof![1 => Just(None), 3 => Just(Some("")), 3 => Just(Some("BHCP01")), 3 => Just(Some("BHCP02"))],
        MEMBERS,
    );
    let others = proptest::collection::vec(segment, 0..40);
    (eligible, others).prop_map(|(eligible, others)| {
        let mut text = String::from(
            "member_id,last_name,first_name,date_of_birth,elig_start,elig_end,coverage_type,plan_id,medicare,other_insurance,nursing_facility,dmh_affiliation,zip,cp_id,cp_start,date_of_death\n",
        );
        let segments = eligible
            .into_iter()
            .enumerate()
            .filter_map(|(member, cp)| cp.map(|cp| (member, 0, cp)))
            .chain(others);
        for (member, kind, cp) in segments {
            let id = member_id(member);
            let line = match kind {
                0 => format!("{id},Rivera,Ana,1980-04-02,2026-01-01,,STANDARD,ACPP01,N,N,N,NONE,02118,{cp},2026-01-01,"),
                1 => format!("{id},Rivera,Ana,1980-04-02,2020-01-01,2026-06-30,COMMONHEALTH,ACPP01,Y,N,N,NONE,02118,{cp},2020-01-01,"),
                2 => format!("{id},Other,Ana,1981-04-02,2026-01-01,,STANDARD,PCC01,N,N,N,ACCS,01001,{cp},2026-12-15,"),
                3 => format!("{id},Rivera,Ana,1980-04-02,2026-01-01,,STANDARD,ACPP01,N,N,N,NONE,02118,{cp},2026-01-01,2026-11-30"),
                4 => format!("{id},Rivera,Ana,not a date,2026-01-01,,STANDARD,ACPP01,N,N,N,NONE,02118,,,"),
                5 => format!("{id},Rivera,Ana"),
                6 => format!("{id},Rivera,Ana,1980-04-02,2027-01-01,,LIMITED,,N,Y,Y,NONE,02118,{cp},2027-01-01,"),
                _ => format!("{id},Rivera,Ana,1980-04-02,2026-01-01,,STANDARD,MCO01,N,N,N,CBFS,02118,{cp},2025-06-01,"),
            };
            text.push_str(&line);
            text.push('\n');
        }
        text
    })
}

/// Every file of a run's output directory, summary.json without its timings.
fn outputs(out: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let mut bytes = std::fs::read(e.path()).unwrap();
            if name == "summary.json" {
                let mut summary: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                summary.as_object_mut().unwrap().remove("timings_ms");
                bytes = summary.to_string().into_bytes();
            }
            (name, bytes)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Outputs are byte-identical with 1 and 4 threads, without a snapshot and with one read
    /// either way (`--evs-read scan|index`).
    #[test]
    fn outputs_do_not_depend_on_threads_or_snapshot_reading(
        batch in random_batch(60),
        evs in snapshot(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = batch.write(dir.path());
        let evs_path = dir.path().join("evs.csv");
        std::fs::write(&evs_path, evs).unwrap();
        let evs_arg = evs_path.to_str().unwrap();
        let variants: [(&str, Vec<&str>); 6] = [
            ("plain-1", vec!["--threads", "1"]),
            ("plain-4", vec!["--threads", "4"]),
            ("scan-1", vec!["--threads", "1", "--evs", evs_arg, "--evs-read", "scan"]),
            ("scan-4", vec!["--threads", "4", "--evs", evs_arg, "--evs-read", "scan"]),
            ("index-1", vec!["--threads", "1", "--evs", evs_arg, "--evs-read", "index"]),
            ("index-4", vec!["--threads", "4", "--evs", evs_arg, "--evs-read", "index"]),
        ];
        let mut results = Vec::new();
        for (name, extra) in &variants {
            let out = dir.path().join(name);
            let run = validate(&path, &out, extra);
            assert!(run.status == 0 || run.status == 1, "{name}: exit {}: {}", run.status, run.stderr);
            assert_conserved(&out, batch.data_rows());
            results.push((name, run.status, run.stdout, outputs(&out)));
        }
        for group in results.chunks(2).chain([&results[2..]]) {
            let (first_name, status, stdout, files) = &group[0];
            for (name, other_status, other_stdout, other_files) in &group[1..] {
                assert_eq!(status, other_status, "{first_name} vs {name}");
                assert_eq!(stdout, other_stdout, "{first_name} vs {name}");
                assert_eq!(files.keys().collect::<Vec<_>>(), other_files.keys().collect::<Vec<_>>());
                for (file, bytes) in files {
                    assert!(bytes == &other_files[file], "{file} differs: {first_name} vs {name}");
                }
            }
        }
    }
}
