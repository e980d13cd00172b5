//! Row format (SPEC 2.2, 3.2): reads every cell of a row into a typed [`Record`], reporting
//! S001–S009 and W002 on the way.

mod cells;

use super::{Code, Context, Finding, Record, RowSink, Val};
use crate::batch::{RawCell, RawRow};
use crate::model::{Action, Column, CoverageType, Dmh, MemberId, Program};
use cells::{
    check_birth_range, check_window, read_code, read_date, read_id, read_member_id, read_name,
    read_optional_code, read_reason, read_text, read_yes_no, read_zip,
};

/// Reads a row. Findings of the format stage are appended to `out`.
pub fn parse_row<'a>(raw: &'a RawRow, ctx: &Context<'_>, out: &mut Vec<Finding>) -> Record<'a> {
    let cell = |column: Column| {
        ctx.layout
            .position(column)
            .map_or(RawCell::EMPTY, |p| raw.cell(p))
    };
    let mut sink = RowSink {
        row: raw.source_row,
        out,
    };
    let s = &mut sink;

    let (action_cell, effective_cell) = (cell(Column::Action), cell(Column::EffectiveDate));
    let action = read_code(
        s,
        action_cell,
        Column::Action,
        Code::S002,
        Action::parse,
        Action::choices(),
    );
    let member_id = read_member_id(s, cell(Column::MemberId));
    let last_name = read_name(s, cell(Column::LastName), Column::LastName);
    let first_name = read_name(s, cell(Column::FirstName), Column::FirstName);
    let date_of_birth = read_date(
        s,
        cell(Column::DateOfBirth),
        Column::DateOfBirth,
        ctx.is_1904,
    );
    let program = read_code(
        s,
        cell(Column::CpProgram),
        Column::CpProgram,
        Code::S005,
        Program::parse,
        Program::choices(),
    );
    let cp_id = read_id(s, cell(Column::CpId), Column::CpId);
    let from_cp_id = match action {
        Val::Ok(Action::Transfer) => read_id(s, cell(Column::FromCpId), Column::FromCpId),
        _ => Val::Blank,
    };
    // DMH Affiliation is read before Plan ID: it decides whether Plan ID is required.
    let dmh_cell = cell(Column::DmhAffiliation);
    let dmh = read_optional_code(
        s,
        dmh_cell,
        Column::DmhAffiliation,
        Dmh::parse,
        Dmh::choices(),
    );
    let plan_cell = cell(Column::PlanId);
    let plan_id = if dmh.get().is_some_and(Dmh::is_affiliated) {
        read_text(plan_cell)
    } else {
        read_id(s, plan_cell, Column::PlanId)
    };
    let coverage = read_optional_code(
        s,
        cell(Column::CoverageType),
        Column::CoverageType,
        CoverageType::parse,
        CoverageType::choices(),
    );
    let medicare = read_yes_no(s, cell(Column::Medicare), Column::Medicare);
    let other_insurance = read_yes_no(s, cell(Column::OtherInsurance), Column::OtherInsurance);
    let nursing_facility = read_yes_no(s, cell(Column::NursingFacility), Column::NursingFacility);
    let zip = read_zip(s, cell(Column::ZipCode));
    let effective = read_date(s, effective_cell, Column::EffectiveDate, ctx.is_1904);
    let reason = read_reason(s, cell(Column::ReasonCode), &action);
    let submitter = read_id(s, cell(Column::SubmitterId), Column::SubmitterId);

    // A birth date out of range is invalid: the age checks that need it stay silent.
    let date_of_birth = check_birth_range(s, date_of_birth, &effective);
    if let Val::Ok(date) = effective {
        check_window(s, date, ctx);
    }
    Record {
        source_row: raw.source_row,
        action_text: action_cell.text,
        effective_text: effective_cell.text,
        action,
        member_id,
        last_name,
        first_name,
        date_of_birth,
        program,
        cp_id,
        from_cp_id,
        plan_id,
        coverage,
        medicare,
        other_insurance,
        nursing_facility,
        dmh,
        zip,
        effective,
        reason,
        submitter,
    }
}

/// The row's Member ID if it is valid; for collecting the IDs to look up in EVS.
pub(crate) fn member_id(raw: &RawRow, layout: &crate::batch::Layout) -> Option<MemberId> {
    let cell = layout
        .position(Column::MemberId)
        .map_or(RawCell::EMPTY, |p| raw.cell(p));
    let mut ignored = Vec::new();
    let mut sink = RowSink {
        row: raw.source_row,
        out: &mut ignored,
    };
    read_member_id(&mut sink, cell).get()
}
