//! Delimited text as spreadsheet programs write it (SPEC 2.1): `;` and tab delimiters,
//! UTF-16 LE and BE with a BOM ("Unicode Text"), Windows-1252 ("CSV" on Windows, W006),
//! CRLF line ends, and Excel's lock files named as batches.

use crate::common;
use common::*;

use std::collections::BTreeMap;
use std::path::Path;

/// Three rows: an accepted one with an accented name, one with a comma in a name (quoted
/// in a comma file), and a rejected one (S003).
fn rows() -> Vec<BTreeMap<&'static str, String>> {
    vec![
        row_with(&[("Last Name", "Müller"), ("First Name", "Zoë")]),
        row_with(&[
            ("Member ID", "100000000002"),
            ("Last Name", "O'Brien-Núñez"),
            ("First Name", "Ana María"),
        ]),
        row_with(&[("Member ID", "12345"), ("Last Name", "Smith, Jr")]),
    ]
}

/// The rows as delimited text with CRLF line ends, the way Excel writes them.
fn delimited(delimiter: u8) -> String {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer.write_record(HEADERS).unwrap();
    for row in rows() {
        writer
            .write_record(HEADERS.iter().map(|h| row[h].clone()))
            .unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let bom: [u8; 2] = if big_endian {
        [0xFE, 0xFF]
    } else {
        [0xFF, 0xFE]
    };
    bom.into_iter()
        .chain(text.encode_utf16().flat_map(move |unit| {
            if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            }
        }))
        .collect()
}

fn windows_1252(text: &str) -> Vec<u8> {
    let (bytes, _, lossy) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!lossy, "the fixture must be writable in Windows-1252");
    bytes.into_owned()
}

struct Checked {
    accepted: String,
    rejected_rows: Vec<String>,
    file_codes: Vec<String>,
    run: Run,
}

fn check(dir: &Path, name: &str, bytes: &[u8]) -> Checked {
    let batch = dir.join(name);
    std::fs::write(&batch, bytes).unwrap();
    let out = dir.join(format!("out-{name}"));
    let run = validate(&batch, &out, &["--format", "csv"]);
    assert_eq!(run.status, 1, "{name}: {}", run.stderr);
    assert_conserved(&out, 3);
    let (_, rejected) = read_report(&out.join("rejected.csv"));
    Checked {
        accepted: std::fs::read_to_string(out.join("accepted.csv")).unwrap(),
        rejected_rows: rejected.into_iter().map(|r| r[0].clone()).collect(),
        file_codes: findings(&out)
            .into_iter()
            .filter(|(row, ..)| row.is_empty())
            .map(|(.., code)| code)
            .collect(),
        run,
    }
}

#[test]
fn every_delimiter_and_encoding_excel_writes_gives_the_rows_of_the_utf8_comma_csv() {
    let dir = tempfile::tempdir().unwrap();
    let reference = check(dir.path(), "utf8.csv", delimited(b',').as_bytes());
    assert_eq!(reference.rejected_rows, ["4"]);
    assert!(
        reference.accepted.contains("Müller,Zoë"),
        "{}",
        reference.accepted
    );
    assert_eq!(reference.file_codes, Vec::<String>::new());
    let bom = [b"\xEF\xBB\xBF".as_slice(), delimited(b';').as_bytes()].concat();
    let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        ("utf8-bom-semicolon.csv", bom, &[]),
        (
            "semicolon-1252.csv",
            windows_1252(&delimited(b';')),
            &["W006"],
        ),
        ("comma-1252.csv", windows_1252(&delimited(b',')), &["W006"]),
        ("tab-1252.txt", windows_1252(&delimited(b'\t')), &["W006"]),
        ("unicode-le.txt", utf16(&delimited(b'\t'), false), &[]),
        ("unicode-be.txt", utf16(&delimited(b'\t'), true), &[]),
        ("tab.tsv", delimited(b'\t').into_bytes(), &[]),
    ];
    for (name, bytes, file_codes) in cases {
        let got = check(dir.path(), name, &bytes);
        assert_eq!(got.accepted, reference.accepted, "{name}");
        assert_eq!(got.rejected_rows, reference.rejected_rows, "{name}");
        assert_eq!(got.file_codes, file_codes, "{name}");
        // W006 on the console once, as a file-level finding.
        let w006: Vec<&str> = got
            .run
            .stdout
            .lines()
            .filter(|l| l.contains("W006"))
            .collect();
        assert_eq!(w006.len(), file_codes.len(), "{name}: {}", got.run.stdout);
        if let Some(line) = w006.first() {
            assert!(
                line.contains(
                    ": W006 warning the file is not UTF-8 text: it was read as Windows-1252"
                ),
                "{line}"
            );
        }
    }
}

#[test]
fn utf16_that_is_not_well_formed_is_f001_naming_the_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = utf16(&delimited(b'\t'), false);
    bytes.push(b'x'); // an odd byte out
    let batch = dir.path().join("damaged.txt");
    std::fs::write(&batch, &bytes).unwrap();
    let run = validate(&batch, &dir.path().join("out"), &[]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("F001") && run.stderr.contains("not well-formed UTF-16"),
        "{}",
        run.stderr
    );
}

#[test]
fn excel_lock_files_named_as_batches_are_skipped_with_a_line_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch.csv");
    write_csv(&batch, &[good_row()]);
    // What Excel leaves beside an open workbook: a small binary file.
    let lock = dir.path().join("~$batch.xlsx");
    std::fs::write(&lock, b"\x0bsomebody\x00\x00\x00\x00").unwrap();
    let out = dir.path().join("out");
    let run = cpbatch(&[
        "validate",
        lock.to_str().unwrap(),
        batch.to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "~$batch.xlsx is Excel's lock file of an open workbook, not a batch: skipped"
        ),
        "{}",
        run.stderr
    );
    // One batch is left: its reports go straight into --out, its summary line unnamed.
    assert_conserved(&out, 1);
    assert_eq!(run.stdout, "1 rows: 1 accepted, 0 rejected (0 transfers)\n");
    // Only lock files: nothing to do, a usage error.
    let alone = cpbatch(&["validate", lock.to_str().unwrap(), "--as-of", AS_OF]);
    assert_eq!(alone.status, 2);
    assert!(
        alone.stderr.contains("no batch to read"),
        "{}",
        alone.stderr
    );
}
