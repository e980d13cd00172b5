//! Data for `cpbatch watch` (SPEC 7): a snapshot whose CP members (about 2 % of members,
//! as in MassHealth) include every M case in a realistic share, and a CP's roster with
//! stale rows.
//!
//! ```text
//! cargo run --release --example gen_data -- watch DIR [--members N] [--cp BHCP01]
//! ```
//!
//! writes `DIR/evs.csv` and `DIR/roster.xlsx`; watch them with `--as-of 2026-11-23`.

use super::*;

/// What happened to a CP member, per mille of CP members.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Case {
    Fine,
    /// M001
    Deceased,
    /// M002
    CoverageEnded,
    /// M003 (E003)
    Turned65,
    /// M003 (E005)
    GainedMedicare,
    /// M003 (E009)
    NursingFacility,
    /// M004: a plan the CP does not partner with.
    PlanChange,
    /// M005
    MovedAway,
    /// M010: a malformed line.
    Malformed,
    /// M010: died, and EVS has a name no batch can carry.
    OddName,
}

const CASES: [(u64, Case); 9] = [
    (4, Case::Deceased),
    (30, Case::CoverageEnded),
    (8, Case::Turned65),
    (10, Case::GainedMedicare),
    (5, Case::NursingFacility),
    (15, Case::PlanChange),
    (15, Case::MovedAway),
    (3, Case::Malformed),
    (2, Case::OddName),
];

fn draw(rng: &mut Rng) -> Case {
    let mut n = rng.below(1000);
    for (share, case) in CASES {
        if n < share {
            return case;
        }
        n -= share;
    }
    Case::Fine
}

/// Member `index` of the watch snapshot: the member model's, made a CP member (eligible
/// when assigned) about 2 % of the time, then drawn into a case.
fn watch_member<'r>(world: &World<'r>, index: u64) -> (Member<'r>, Case) {
    let mut m = world.member(index);
    m.cp = None;
    let mut rng = Rng::new(SEED ^ 0x3A7C_0000 ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    if !rng.chance(0.02) {
        return (m, Case::Fine);
    }
    let age = 18 + rng.below(45) as i64;
    m.dob = as_of() - Duration::days(age * 365 + rng.below(300) as i64);
    let dmh_path = rng.chance(0.05);
    let plans: Vec<&Plan> = world
        .plans
        .iter()
        .copied()
        .filter(|p| p.plan_type.is_aco_mco())
        .collect();
    m.plan = if dmh_path {
        world.plan("PCC")
    } else {
        Some(*rng.pick(&plans))
    };
    m.dmh = if dmh_path { "ACCS" } else { "NONE" };
    m.coverage = "STANDARD";
    (m.medicare, m.tpl, m.nf) = (false, false, false);
    (m.elig_end, m.death) = (None, None);
    let program = if rng.chance(0.6) {
        Program::Bh
    } else {
        Program::Ltss
    };
    let choices = world.cps_for(program, &m.zip, m.plan);
    if choices.is_empty() {
        return (m, Case::Fine);
    }
    let cp = *rng.pick(&choices);
    m.cp = Some((
        cp,
        (as_of() - Duration::days(30 + rng.below(600) as i64)).max(m.elig_start),
    ));
    let case = draw(&mut rng);
    let days = |rng: &mut Rng| Duration::days(1 + rng.below(40) as i64);
    match case {
        Case::Fine | Case::Malformed => {}
        Case::Deceased | Case::OddName => m.death = Some(as_of() - days(&mut rng)),
        Case::CoverageEnded => m.elig_end = Some(as_of() - days(&mut rng)),
        Case::Turned65 => {
            let birthday = as_of() - days(&mut rng);
            m.dob = NaiveDate::from_ymd_opt(
                birthday.year() - 65,
                birthday.month(),
                birthday.day().min(28),
            )
            .unwrap_or(m.dob);
            m.plan = m.plan.filter(|_| !dmh_path).or(Some(plans[0]));
            m.dmh = "NONE";
        }
        Case::GainedMedicare | Case::NursingFacility if dmh_path => {}
        Case::GainedMedicare => m.medicare = true,
        Case::NursingFacility => m.nf = true,
        Case::PlanChange => {
            let old = m.plan;
            let other = plans
                .iter()
                .find(|p| !world.reference.has_partnership(p, cp));
            if let (Some(other), false) = (other, dmh_path) {
                m.plan = Some(*other);
                m.prior = m.prior.map(|(s, e, _)| (s, e, old)).or(Some((
                    m.elig_start - Duration::days(400),
                    m.elig_start - Duration::days(1),
                    old,
                )));
            }
        }
        Case::MovedAway => {
            if let Some(zip) = (0..50).map(|_| world.zip_for(&mut rng)).find(|z| {
                !world
                    .reference
                    .serves(cp, &cpbatch::model::Zip::parse_text(z).unwrap())
            }) {
                m.zip = zip;
            }
        }
    }
    if case == Case::OddName {
        m.last = "Smith 2nd";
    }
    (m, case)
}

/// Writes the watch snapshot and the roster of `cp`, and says how many CP members each case has.
pub(super) fn write(dir: &Path, members: u64, cp: &str, world: &World<'_>) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut out =
        std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join("evs.csv"))?);
    writeln!(out, "{SNAPSHOT_HEADER}")?;
    let mut counts = std::collections::BTreeMap::new();
    let mut all = Vec::new();
    for i in 0..members {
        let (m, case) = watch_member(world, i);
        let mut lines = Vec::new();
        write_segments(&mut lines, &m)?;
        if case == Case::Malformed {
            // A date that cannot be: in the earlier segment's line when there is one (the
            // member stays watched through its current line: M010), else in the only one.
            let text = String::from_utf8(lines).unwrap_or_default();
            let start = m
                .prior
                .map_or(m.elig_start, |(start, _, _)| start)
                .to_string();
            lines = text.replacen(&start, "2026-13-45", 1).into_bytes();
        }
        out.write_all(&lines)?;
        if m.cp.is_some() {
            *counts.entry(format!("{case:?}")).or_insert(0u64) += 1;
        }
        all.push(m);
    }
    out.flush()?;
    write_roster(&dir.join("roster.xlsx"), cp, &all)?;
    eprintln!(
        "wrote {}/evs.csv ({members} members; CP members by case: {counts:?}) and roster.xlsx ({cp})",
        dir.display()
    );
    Ok(())
}

/// The roster of one CP as its care-management system would export it: every member EVS
/// shows with the CP, and stale rows: members who left it (M006), members EVS lacks (M007),
/// a mistyped date of birth (M008), a Plan ID from before a plan change (M009), a row
/// repeated and a Member ID cut short (M010).
pub(super) fn write_roster(path: &Path, cp: &str, members: &[Member<'_>]) -> std::io::Result<()> {
    let mut rng = Rng::new(SEED ^ 0x7057_E700);
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::from_ymd(AS_OF.0 as u16, AS_OF.1 as u8, AS_OF.2 as u8).unwrap();
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let sheet = workbook.add_worksheet().set_name("Members").unwrap();
    let (bold, text_format, date_format) = (
        Format::new().set_bold(),
        Format::new().set_num_format("@"),
        Format::new().set_num_format("mm/dd/yyyy"),
    );
    let err = |e: rust_xlsxwriter::XlsxError| std::io::Error::other(e.to_string());
    sheet
        .write_string(0, 0, "Care management export (FICTIONAL DEMO DATA)")
        .map_err(err)?;
    let headers = [
        "Member ID",
        "CP ID",
        "Last Name",
        "First Name",
        "Date of Birth",
        "Plan ID",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(2, c as u16, *h, &bold)
            .map_err(err)?;
    }
    let mut row = 3u32;
    let mut put = |id: &str, m: &Member<'_>, dob: NaiveDate, plan: &str| -> std::io::Result<()> {
        sheet
            .write_string_with_format(row, 0, id, &text_format)
            .map_err(err)?;
        sheet.write_string(row, 1, cp).map_err(err)?;
        sheet.write_string(row, 2, m.last).map_err(err)?;
        sheet.write_string(row, 3, m.first).map_err(err)?;
        let date = ExcelDateTime::from_ymd(dob.year() as u16, dob.month() as u8, dob.day() as u8)
            .map_err(err)?;
        sheet
            .write_datetime_with_format(row, 4, &date, &date_format)
            .map_err(err)?;
        if !plan.is_empty() {
            sheet.write_string(row, 5, plan).map_err(err)?;
        }
        row += 1;
        Ok(())
    };
    let id = |m: &Member<'_>| format!("{:012}", m.id);
    let plan_of = |m: &Member<'_>| m.plan.map_or(String::new(), |p| p.id.clone());
    let mut repeated = None;
    for m in members {
        let ours = m.cp.is_some_and(|(c, _)| c.id == cp);
        if ours {
            let mut dob = m.dob;
            let mut plan = plan_of(m);
            if let Some((_, _, Some(old))) = m.prior.filter(|_| rng.chance(0.05)) {
                plan = old.id.clone();
            }
            if rng.chance(0.02) {
                dob = dob.succ_opt().unwrap_or(dob);
            }
            put(&id(m), m, dob, &plan)?;
            if repeated.is_none() && rng.chance(0.05) {
                repeated = Some(m);
            }
        } else if m.cp.is_none() && rng.chance(0.00005) {
            // Left the CP (or never joined): EVS shows no CP.
            put(&id(m), m, m.dob, &plan_of(m))?;
        }
    }
    if let Some(m) = repeated {
        put(&id(m), m, m.dob, &plan_of(m))?;
    }
    if let Some(m) = members.first() {
        let absent = format!("{:012}", FIRST_ID + members.len() as u64 * 3 + 11);
        put(&absent, m, m.dob, "")?;
        put(&id(m)[..10], m, m.dob, "")?;
    }
    sheet.set_column_width(0, 14).map_err(err)?;
    workbook.save(path).map_err(err)
}
