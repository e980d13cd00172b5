//! Generates fictional test data from one deterministic member model (fixed seed):
//!
//! ```text
//! cargo run --release --example gen_data -- demo fixtures/demo
//! cargo run --release --example gen_data -- snapshot OUT.csv[.gz] [--members N]
//! cargo run --release --example gen_data -- batch OUT.xlsx|OUT.csv --rows N [--members N]
//! cargo run --release --example gen_data -- watch DIR [--members N] [--cp CP]
//! ```
//!
//! Member `i` is a pure function of the seed and `i`, so a batch drawn from the first N
//! members matches a snapshot of N members without reading it. Every name, ID and date is
//! made up. Batches are dated around `AS_OF`; validate them with `--as-of 2026-11-23`.

use std::io::Write;
use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate};
use cpbatch::model::{Column, Program, age_on};
use cpbatch::reference::{Cp, Plan, Reference};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

#[path = "gen_data/watch.rs"]
mod watch;

const SEED: u64 = 0x0C9B_A7C4;
const AS_OF: (i32, u32, u32) = (2026, 11, 23);
const FIRST_ID: u64 = 100_000_000_000;

const LAST: &[&str] = &[
    "Rivera",
    "Nguyen",
    "O'Brien",
    "Silva",
    "Murphy",
    "Pereira",
    "Tran",
    "Sullivan",
    "Gomes",
    "Walsh",
    "Santos",
    "Kelly",
    "Le",
    "Fitzgerald",
    "Medeiros",
    "Pham",
    "Doherty",
    "Costa",
    "Haddad",
    "Okafor",
    "Lindqvist",
    "Mendes-Ortiz",
    "St. Pierre",
    "Chen",
    "Baptiste",
    "Kowalski",
];
const FIRST: &[&str] = &[
    "Ana",
    "Minh",
    "Patrick",
    "Joana",
    "Brigid",
    "Luis",
    "Thao",
    "Kevin",
    "Maria",
    "Aoife",
    "Rafael",
    "Grace",
    "Hung",
    "Declan",
    "Ines",
    "Linh",
    "Sean",
    "Beatriz",
    "Omar",
    "Chidi",
    "Astrid",
    "José",
    "Marie-Claire",
    "Wei",
    "Jean",
    "Zofia",
];

/// SplitMix64: small, fast, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(AS_OF.0, AS_OF.1, AS_OF.2).unwrap()
}

/// One fictional member and their current eligibility.
struct Member<'r> {
    id: u64,
    last: &'static str,
    first: &'static str,
    dob: NaiveDate,
    plan: Option<&'r Plan>,
    coverage: &'static str,
    medicare: bool,
    tpl: bool,
    nf: bool,
    dmh: &'static str,
    zip: String,
    cp: Option<(&'r Cp, NaiveDate)>,
    elig_start: NaiveDate,
    elig_end: Option<NaiveDate>,
    prior: Option<(NaiveDate, NaiveDate, Option<&'r Plan>)>,
    death: Option<NaiveDate>,
}

struct World<'r> {
    reference: &'r Reference,
    plans: Vec<&'r Plan>,
    cps: Vec<&'r Cp>,
}

impl<'r> World<'r> {
    fn new(reference: &'r Reference) -> World<'r> {
        World {
            reference,
            plans: reference.plans().collect(),
            cps: reference.cps().collect(),
        }
    }

    fn plan(&self, id: &str) -> Option<&'r Plan> {
        self.plans.iter().copied().find(|p| p.id == id)
    }

    fn zip_for(&self, rng: &mut Rng) -> String {
        let cp = rng.pick(&self.cps);
        let area = rng.pick(self.reference.service_area(cp)).clone();
        if area.len() == 3 {
            format!("{area}{:02}", rng.below(100))
        } else {
            area
        }
    }

    /// CPs of a program that serve the ZIP and partner with the plan (when it is an ACO/MCO).
    fn cps_for(&self, program: Program, zip: &str, plan: Option<&Plan>) -> Vec<&'r Cp> {
        let zip = cpbatch::model::Zip::parse_text(zip).unwrap();
        self.cps
            .iter()
            .copied()
            .filter(|cp| cp.program == program && self.reference.serves(cp, &zip))
            .filter(|cp| match plan {
                Some(p) if p.plan_type.is_aco_mco() => self.reference.has_partnership(p, cp),
                _ => true,
            })
            .collect()
    }

    fn member(&self, index: u64) -> Member<'r> {
        let mut rng = Rng::new(SEED ^ index.wrapping_mul(0x2545_F491_4F6C_DD1D));
        let age = match rng.below(100) {
            0..=14 => rng.below(18),
            15..=84 => 18 + rng.below(47),
            _ => 65 + rng.below(30),
        } as i64;
        let dob = as_of() - Duration::days(age * 365 + rng.below(365) as i64);
        let plan_id = if age >= 65 {
            *rng.pick(&["SCO01", "SCO02", "FFS", "ONECARE01", "ACPP01"])
        } else {
            *rng.pick(&[
                "ACPP01",
                "ACPP02",
                "ACPP03",
                "ACPP04",
                "ACPP05",
                "ACPP01",
                "ACPP02",
                "PCACO01",
                "PCACO02",
                "PCACO03",
                "MCOACO01",
                "MCO01",
                "MCO02",
                "MCO01",
                "PCC",
                "ONECARE02",
                "FFS",
                "",
            ])
        };
        let plan = self.plan(plan_id);
        let coverage = *rng.pick(&[
            "STANDARD",
            "STANDARD",
            "STANDARD",
            "STANDARD",
            "CAREPLUS",
            "CAREPLUS",
            "COMMONHEALTH",
            "FAMILY_ASSISTANCE",
            "LIMITED",
            "SENIOR_BUY_IN",
            "OTHER",
        ]);
        let medicare = if age >= 65 {
            rng.chance(0.9)
        } else {
            rng.chance(0.04)
        };
        let tpl = rng.chance(0.05);
        let nf = rng.chance(if age >= 65 { 0.12 } else { 0.01 });
        let dmh = match rng.below(100) {
            0..=4 => "ACCS",
            5 => "CBFS",
            _ => "NONE",
        };
        let zip = self.zip_for(&mut rng);
        let elig_start = as_of() - Duration::days(30 + rng.below(2000) as i64);
        let elig_end = rng
            .chance(0.06)
            .then(|| as_of() - Duration::days(rng.below(20) as i64 + 1));
        let program = if age >= 18 && rng.chance(0.6) {
            Program::Bh
        } else {
            Program::Ltss
        };
        let cp = if rng.chance(0.3) {
            let choices = self.cps_for(program, &zip, plan);
            (!choices.is_empty()).then(|| {
                let start = as_of() - Duration::days(10 + rng.below(700) as i64);
                (*rng.pick(&choices), start.max(elig_start))
            })
        } else {
            None
        };
        let prior = rng.chance(0.6).then(|| {
            let end = elig_start - Duration::days(1);
            (
                end - Duration::days(200 + rng.below(900) as i64),
                end,
                Some(*rng.pick(&self.plans)),
            )
        });
        let death = rng
            .chance(0.004)
            .then(|| as_of() - Duration::days(rng.below(60) as i64));
        Member {
            id: FIRST_ID + index * 3 + 1,
            last: rng.pick::<&str>(LAST),
            first: rng.pick::<&str>(FIRST),
            dob,
            plan,
            coverage,
            medicare,
            tpl,
            nf,
            dmh,
            zip,
            cp,
            elig_start,
            elig_end,
            prior,
            death,
        }
    }
}

fn yn(b: bool) -> &'static str {
    if b { "Y" } else { "N" }
}

/// True when the member can join a CP on `on` by either path, as the rules judge it.
fn eligible(m: &Member<'_>, on: NaiveDate) -> bool {
    let age = age_on(m.dob, on);
    let managed =
        ["STANDARD", "COMMONHEALTH", "CAREPLUS", "FAMILY_ASSISTANCE"].contains(&m.coverage);
    let aco = m.plan.is_some_and(|p| p.plan_type.is_aco_mco())
        && (3..65).contains(&age)
        && managed
        && !m.medicare
        && !m.tpl
        && !m.nf;
    let one_care = m.plan.is_some_and(|p| p.plan_type.as_str() == "ONECARE");
    let dmh = m.dmh != "NONE" && age >= 18 && !one_care;
    (aco || dmh) && m.death.is_none() && m.elig_end.is_none()
}

fn write_segments(out: &mut impl Write, m: &Member<'_>) -> std::io::Result<()> {
    let mut line = |start: NaiveDate,
                    end: Option<NaiveDate>,
                    plan: Option<&Plan>,
                    cp: Option<(&Cp, NaiveDate)>| {
        writeln!(
            out,
            "{:012},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            m.id,
            m.last,
            m.first,
            m.dob,
            start,
            end.map(|d| d.to_string()).unwrap_or_default(),
            m.coverage,
            plan.map_or("", |p| p.id.as_str()),
            yn(m.medicare),
            yn(m.tpl),
            yn(m.nf),
            m.dmh,
            m.zip,
            cp.map_or("", |c| c.0.id.as_str()),
            cp.map(|c| c.1.to_string()).unwrap_or_default(),
            m.death.map(|d| d.to_string()).unwrap_or_default(),
        )
    };
    if let Some((start, end, plan)) = m.prior {
        line(start, Some(end), plan, None)?;
    }
    line(m.elig_start, m.elig_end, m.plan, m.cp)
}

const SNAPSHOT_HEADER: &str = "member_id,last_name,first_name,date_of_birth,elig_start,elig_end,coverage_type,plan_id,medicare,other_insurance,nursing_facility,dmh_affiliation,zip,cp_id,cp_start,date_of_death";

fn write_snapshot(path: &Path, members: u64, world: &World<'_>) -> std::io::Result<u64> {
    let file = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut out: Box<dyn Write> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::write::GzEncoder::new(
            file,
            flate2::Compression::fast(),
        ))
    } else {
        Box::new(file)
    };
    writeln!(out, "{SNAPSHOT_HEADER}")?;
    for i in 0..members {
        write_segments(&mut out, &world.member(i))?;
    }
    out.flush()?;
    Ok(members)
}

/// One cell of a generated batch row.
#[derive(Clone)]
enum Cell {
    Text(String),
    Number(f64),
    Date(NaiveDate),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.to_string(),
        }
    }
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

/// The canonical headers, in template order, from the library's column table.
fn headers() -> [&'static str; 18] {
    Column::ALL.map(Column::header)
}

fn col(name: &str) -> usize {
    headers().iter().position(|h| *h == name).unwrap()
}

/// A realistic row for the member: the action EVS makes sensible, consistent facts.
fn batch_row(world: &World<'_>, m: &Member<'_>, rng: &mut Rng) -> Vec<Cell> {
    let effective = as_of() + Duration::days(rng.below(60) as i64 - 15);
    let age = age_on(m.dob, effective);
    let mut row: Vec<Cell> = headers().iter().map(|_| text("")).collect();
    let (action, program, cp, from, reason) = match m.cp {
        Some((current, _)) if rng.chance(0.5) => {
            let others: Vec<_> = world
                .cps_for(current.program, &m.zip, m.plan)
                .into_iter()
                .filter(|c| c.id != current.id)
                .collect();
            match others.first() {
                Some(_) => (
                    "TRANSFER",
                    current.program,
                    rng.pick(&others).id.clone(),
                    current.id.clone(),
                    *rng.pick(&["MEMBER_CHOICE", "MOVED", "CP_CAPACITY", "OTHER"]),
                ),
                None => (
                    "DISENROLL",
                    current.program,
                    current.id.clone(),
                    String::new(),
                    "GOALS_MET",
                ),
            }
        }
        Some((current, _)) => (
            "DISENROLL",
            current.program,
            current.id.clone(),
            String::new(),
            *rng.pick(&["DECLINED", "UNREACHABLE", "MOVED", "GOALS_MET", "OTHER"]),
        ),
        None => {
            let first = if age >= 18 && rng.chance(0.65) {
                Program::Bh
            } else {
                Program::Ltss
            };
            let other = if first == Program::Bh {
                Program::Ltss
            } else {
                Program::Bh
            };
            let (program, choices) = [first, other]
                .into_iter()
                .map(|p| (p, world.cps_for(p, &m.zip, m.plan)))
                .find(|(_, c)| !c.is_empty())
                .unwrap_or((first, vec![world.cps[0]]));
            let cp = *rng.pick(&choices);
            (
                "ENROLL",
                program,
                cp.id.clone(),
                String::new(),
                *rng.pick(&["REFERRAL", "ASSIGNED", ""]),
            )
        }
    };
    row[col("Action")] = text(action);
    row[col("Member ID")] = if rng.chance(0.3) {
        Cell::Number(m.id as f64)
    } else {
        Cell::Text(format!("{:012}", m.id))
    };
    row[col("Last Name")] = text(m.last);
    row[col("First Name")] = text(m.first);
    row[col("Date of Birth")] = if rng.chance(0.7) {
        Cell::Date(m.dob)
    } else {
        Cell::Text(format!(
            "{:02}/{:02}/{}",
            m.dob.month(),
            m.dob.day(),
            m.dob.year()
        ))
    };
    row[col("CP Program")] = text(program.as_str());
    row[col("CP ID")] = Cell::Text(cp.clone());
    row[col("From CP ID")] = Cell::Text(from);
    let plan_id = m.plan.map_or(String::new(), |p| p.id.clone());
    row[col("Plan ID")] = Cell::Text(plan_id.clone());
    if rng.chance(0.9) {
        row[col("Coverage Type")] = text(m.coverage);
        row[col("Medicare")] = text(yn(m.medicare));
        row[col("Other Insurance")] = text(yn(m.tpl));
        row[col("Nursing Facility")] = text(yn(m.nf));
    }
    row[col("DMH Affiliation")] = text(m.dmh);
    row[col("ZIP Code")] = Cell::Text(m.zip.clone());
    row[col("Effective Date")] = Cell::Date(effective);
    row[col("Reason Code")] = text(reason);
    row[col("Submitter ID")] = match rng.below(10) {
        0..=5 if !plan_id.is_empty() && m.plan.is_some_and(|p| p.plan_type.is_aco_mco()) => {
            Cell::Text(plan_id)
        }
        0..=7 => Cell::Text(cp),
        _ => text("MASSHEALTH"),
    };
    row
}

/// Breaks one thing in a row, as submitters do. Returns what was broken.
fn inject_error(row: &mut Vec<Cell>, rng: &mut Rng) -> &'static str {
    let mutation = rng.below(24);
    let set = |row: &mut Vec<Cell>, name: &str, cell: Cell| row[col(name)] = cell;
    match mutation {
        0 => set(row, "Last Name", text("")),
        1 => set(row, "Action", text("ENROL")),
        2 => set(row, "Member ID", text("10000000123")),
        3 => set(row, "First Name", text("J0hn")),
        4 => set(row, "Date of Birth", text("4/1/85")),
        5 => set(row, "Effective Date", text("02/30/2026")),
        6 => set(row, "CP ID", text("BHCP77")),
        7 => set(row, "CP Program", text("LTSS")),
        8 => set(row, "Plan ID", text("ACPP09")),
        9 => set(row, "Submitter ID", text("ACME HEALTH")),
        10 => set(row, "Submitter ID", text("LTCP09")),
        11 => set(
            row,
            "Date of Birth",
            Cell::Date(as_of() - Duration::days(365 * 15)),
        ),
        12 => set(
            row,
            "Date of Birth",
            Cell::Date(as_of() - Duration::days(365 * 70)),
        ),
        13 => set(row, "Coverage Type", text("LIMITED")),
        14 => set(row, "Medicare", text("Y")),
        15 => set(row, "Nursing Facility", text("YES")),
        16 => set(row, "ZIP Code", text("01247")),
        17 => set(
            row,
            "Effective Date",
            Cell::Date(as_of() - Duration::days(120)),
        ),
        18 => set(row, "Reason Code", text("DECEASED")),
        19 => set(row, "Member ID", Cell::Number(12_345_678_901.0)),
        20 => set(row, "Medicare", text("maybe")),
        21 => set(row, "ZIP Code", text("2118")),
        22 => set(row, "Date of Birth", text("1975-13-01")),
        _ => set(row, "Other Insurance", text("Y")),
    }
    [
        "blank",
        "action",
        "id",
        "name",
        "year",
        "date",
        "cp",
        "program",
        "plan",
        "submitter",
        "auth",
        "minor",
        "senior",
        "coverage",
        "medicare",
        "nf",
        "zip",
        "window",
        "reason",
        "w002",
        "yn",
        "zip5",
        "month",
        "tpl",
    ][mutation as usize]
}

struct BatchWriter {
    workbook: Option<(Workbook, std::path::PathBuf)>,
    csv: Option<csv::Writer<std::fs::File>>,
    row: u32,
}

impl BatchWriter {
    fn create(path: &Path, titles: &[&str]) -> BatchWriter {
        let mut writer = if path.extension().is_some_and(|e| e == "csv") {
            BatchWriter {
                workbook: None,
                csv: Some(csv::Writer::from_path(path).unwrap()),
                row: 0,
            }
        } else {
            let mut workbook = Workbook::new();
            // A fixed creation time: the same seed gives the same bytes.
            let created =
                ExcelDateTime::from_ymd(AS_OF.0 as u16, AS_OF.1 as u8, AS_OF.2 as u8).unwrap();
            workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
            let notes = workbook.add_worksheet().set_name("Instructions").unwrap();
            notes.write_string(0, 0, "Fictional demo batch generated by cpbatch's gen_data example. No real member data.").unwrap();
            workbook
                .add_worksheet_with_constant_memory()
                .unwrap()
                .set_name("Batch")
                .unwrap();
            BatchWriter {
                workbook: Some((workbook, path.to_path_buf())),
                csv: None,
                row: 0,
            }
        };
        for title in titles {
            writer.write(&[text(title)]);
        }
        if !titles.is_empty() {
            writer.write(&[]);
        }
        writer.write(&headers().map(text));
        writer
    }

    fn write(&mut self, cells: &[Cell]) {
        if let Some(csv) = &mut self.csv {
            csv.write_record(cells.iter().map(Cell::text)).unwrap();
        } else if let Some((workbook, _)) = &mut self.workbook {
            let sheet = workbook.worksheet_from_name("Batch").unwrap();
            let date_format = Format::new().set_num_format("mm/dd/yyyy");
            for (c, cell) in cells.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) if s.is_empty() => {}
                    Cell::Text(s) => {
                        sheet.write_string(self.row, c, s).unwrap();
                    }
                    Cell::Number(n) => {
                        sheet.write_number(self.row, c, *n).unwrap();
                    }
                    Cell::Date(d) => {
                        let date = ExcelDateTime::from_ymd(
                            d.year() as u16,
                            d.month() as u8,
                            d.day() as u8,
                        )
                        .unwrap();
                        sheet
                            .write_datetime_with_format(self.row, c, &date, &date_format)
                            .unwrap();
                    }
                }
            }
        }
        self.row += 1;
    }

    fn finish(self) {
        if let Some(mut csv) = self.csv {
            csv.flush().unwrap();
        }
        if let Some((mut workbook, path)) = self.workbook {
            workbook.save(&path).unwrap();
        }
    }
}

/// Writes `rows` batch rows drawn from the first `members` members, with a share of errors.
fn write_batch(
    path: &Path,
    rows: u64,
    members: u64,
    world: &World<'_>,
    error_rate: f64,
    titles: &[&str],
) {
    let mut rng = Rng::new(SEED ^ rows ^ 0xBA7C);
    let mut writer = BatchWriter::create(path, titles);
    let mut previous: Option<Vec<Cell>> = None;
    // Walk the members in a scrambled order (a stride coprime to their count) so that each
    // appears at most once until all have been seen; most rows are for eligible members.
    let stride = (1..)
        .map(|k| members / 2 + 7919 * k)
        .find(|s| gcd(*s, members) == 1)
        .unwrap_or(1);
    let mut cursor = rng.below(members);
    let mut next_member = |rng: &mut Rng| loop {
        cursor = (cursor + stride) % members;
        let m = world.member(cursor);
        if eligible(&m, as_of()) || rng.chance(0.08) {
            return m;
        }
    };
    for n in 0..rows {
        // Now and then a duplicate of the previous row (B001), or a member not in EVS (R001).
        if let Some(prev) = previous.as_ref().filter(|_| rng.chance(0.01)) {
            writer.write(&prev.clone());
            continue;
        }
        let mut member = next_member(&mut rng);
        if rng.chance(0.01) {
            member.id = FIRST_ID + members * 3 + 10 + n * 3;
        }
        let mut row = batch_row(world, &member, &mut rng);
        if rng.chance(error_rate) {
            inject_error(&mut row, &mut rng);
        }
        if !titles.is_empty() && n % 200 == 7 {
            writer.write(&[]);
        }
        writer.write(&row);
        previous = Some(row);
    }
    writer.finish();
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

fn flag(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| v.parse().expect("a number"))
}

/// The watch snapshot and roster of `gen_data watch` (also used by tests/watch_generated.rs).
pub(crate) fn generate_watch(dir: &Path, members: u64, cp: &str) -> std::io::Result<()> {
    let reference = Reference::built_in().expect("built-in roster");
    watch::write(dir, members, cp, &World::new(&reference))
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let reference = Reference::built_in().expect("built-in roster");
    let world = World::new(&reference);
    match args.first().map(String::as_str) {
        Some("demo") => {
            let dir = Path::new(args.get(1).map_or("fixtures/demo", String::as_str));
            std::fs::create_dir_all(dir)?;
            let members = 1500;
            write_snapshot(&dir.join("evs.csv"), members, &world)?;
            write_batch(
                &dir.join("batch.xlsx"),
                300,
                members,
                &world,
                0.22,
                &["MassHealth CP Program - Enrollment batch (FICTIONAL DEMO DATA)"],
            );
            let all: Vec<Member<'_>> = (0..members).map(|i| world.member(i)).collect();
            watch::write_roster(&dir.join("roster.xlsx"), "BHCP01", &all)?;
            eprintln!(
                "wrote {}/batch.xlsx (300 rows), evs.csv ({members} members) and roster.xlsx (BHCP01)",
                dir.display()
            );
        }
        Some("snapshot") => {
            let path = Path::new(args.get(1).expect("an output path"));
            let members = flag(&args, "--members", 2_500_000);
            write_snapshot(path, members, &world)?;
            eprintln!("wrote {} ({members} members)", path.display());
        }
        Some("batch") => {
            let path = Path::new(args.get(1).expect("an output path"));
            let rows = flag(&args, "--rows", 10_000);
            let members = flag(&args, "--members", 2_500_000);
            write_batch(path, rows, members, &world, 0.08, &[]);
            eprintln!("wrote {} ({rows} rows)", path.display());
        }
        Some("watch") => {
            let dir = Path::new(args.get(1).expect("an output directory"));
            let members = flag(&args, "--members", 100_000);
            let cp = args
                .iter()
                .position(|a| a == "--cp")
                .and_then(|i| args.get(i + 1))
                .map_or("BHCP01", String::as_str);
            generate_watch(dir, members, cp)?;
        }
        _ => {
            eprintln!(
                "usage: gen_data demo [DIR] | snapshot OUT [--members N] | batch OUT --rows N [--members N] | watch DIR [--members N] [--cp CP]"
            );
            std::process::exit(2);
        }
    }
    Ok(())
}
