//! The drop-down lists of the coded columns, shared by the two workbooks a submitter fills
//! in: the template (`cpbatch template`) and `rejected.xlsx` (SPEC 4.2, 3.8). Both carry
//! the same Lists sheet and the same validations, so a fix is picked from the same list
//! whichever sheet the submitter starts from.

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, Format, Formula, Worksheet, XlsxError,
    column_number_to_name,
};

use crate::model::{Action, Column, CoverageType, Dmh, NO_WORDS, Program, ReasonCode, YES_WORDS};
use crate::reference::{MASSHEALTH, Reference};

/// The sheet that holds the lists.
pub const LISTS_SHEET: &str = "Lists";

/// The last row (0-based) the drop-down lists cover: the whole sheet. A range costs the same
/// few bytes in the file whatever its size, so there is no reason to stop short.
pub const LAST_ROW: u32 = 1_048_575;

/// A drop-down list of the Lists sheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List {
    Action,
    Program,
    CoverageType,
    Dmh,
    ReasonCode,
    YesNo,
    CpId,
    PlanId,
    SubmitterId,
}

/// The drop-down list a batch column takes, if any. Every column must be decided here, so a
/// new column cannot be forgotten.
pub fn list_of(column: Column) -> Option<List> {
    match column {
        Column::Action => Some(List::Action),
        Column::CpProgram => Some(List::Program),
        Column::CpId | Column::FromCpId => Some(List::CpId),
        Column::PlanId => Some(List::PlanId),
        Column::CoverageType => Some(List::CoverageType),
        Column::Medicare | Column::OtherInsurance | Column::NursingFacility => Some(List::YesNo),
        Column::DmhAffiliation => Some(List::Dmh),
        Column::ReasonCode => Some(List::ReasonCode),
        Column::SubmitterId => Some(List::SubmitterId),
        Column::MemberId
        | Column::LastName
        | Column::FirstName
        | Column::DateOfBirth
        | Column::ZipCode
        | Column::EffectiveDate => None,
    }
}

/// One column of the Lists sheet: a drop-down list, or a column describing its neighbour
/// (a CP's name and program, a plan's name and type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListColumn {
    pub header: &'static str,
    pub values: Vec<String>,
    pub list: Option<List>,
}

/// The columns of the Lists sheet, in order: the code lists, then the roster.
pub fn lists(reference: &Reference) -> Vec<ListColumn> {
    fn column(header: &'static str, values: Vec<String>, list: Option<List>) -> ListColumn {
        ListColumn {
            header,
            values,
            list,
        }
    }
    fn codes<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<String> {
        all.iter().map(|c| name(*c).to_string()).collect()
    }
    let cps: Vec<_> = reference.cps().collect();
    let plans: Vec<_> = reference.plans().collect();
    let submitters = std::iter::once(MASSHEALTH.to_string())
        .chain(plans.iter().map(|p| p.id.clone()))
        .chain(cps.iter().map(|c| c.id.clone()))
        .collect();
    vec![
        column(
            "Action",
            codes(Action::ALL, Action::as_str),
            Some(List::Action),
        ),
        column(
            "CP Program",
            codes(Program::ALL, Program::as_str),
            Some(List::Program),
        ),
        column(
            "Coverage Type",
            codes(CoverageType::ALL, CoverageType::as_str),
            Some(List::CoverageType),
        ),
        column(
            "DMH Affiliation",
            codes(Dmh::ALL, Dmh::as_str),
            Some(List::Dmh),
        ),
        column(
            "Reason Code",
            codes(ReasonCode::ALL, ReasonCode::as_str),
            Some(List::ReasonCode),
        ),
        column(
            "Y/N",
            vec![YES_WORDS[0].to_string(), NO_WORDS[0].to_string()],
            Some(List::YesNo),
        ),
        column(
            "CP ID",
            cps.iter().map(|c| c.id.clone()).collect(),
            Some(List::CpId),
        ),
        column(
            "Program",
            cps.iter().map(|c| c.program.as_str().to_string()).collect(),
            None,
        ),
        column(
            "CP Name",
            cps.iter().map(|c| c.name.clone()).collect(),
            None,
        ),
        column(
            "Plan ID",
            plans.iter().map(|p| p.id.clone()).collect(),
            Some(List::PlanId),
        ),
        column(
            "Plan Type",
            plans
                .iter()
                .map(|p| p.plan_type.as_str().to_string())
                .collect(),
            None,
        ),
        column(
            "Plan Name",
            plans.iter().map(|p| p.name.clone()).collect(),
            None,
        ),
        column("Submitter ID", submitters, Some(List::SubmitterId)),
    ]
}

/// The Lists column letter of a list.
pub fn list_letter(lists: &[ListColumn], list: List) -> Option<String> {
    let position = lists.iter().position(|c| c.list == Some(list))?;
    Some(column_number_to_name(position as u16))
}

/// The range a drop-down list refers to, as `Lists!$G$2:$G$28`. An empty list still refers
/// to one (blank) cell, so that every coded column keeps its drop-down.
pub fn list_range(lists: &[ListColumn], list: List) -> Option<String> {
    let letter = list_letter(lists, list)?;
    let length = lists
        .iter()
        .find(|c| c.list == Some(list))
        .map_or(1, |c| c.values.len().max(1));
    Some(format!(
        "{LISTS_SHEET}!${letter}$2:${letter}${}",
        length + 1
    ))
}

/// The drop-down of a coded column, referring to its list on the Lists sheet; `None` for a
/// column without a list. `message` is what its warning says when a value is not in the
/// list (at most 255 characters).
pub fn drop_down(
    lists: &[ListColumn],
    column: Column,
    message: impl Fn(Column, List) -> String,
) -> Result<Option<DataValidation>, XlsxError> {
    let Some(list) = list_of(column) else {
        return Ok(None);
    };
    let Some(range) = list_range(lists, list) else {
        return Ok(None);
    };
    // A warning, not a stop: aliases and IDs newer than this roster are still allowed.
    let validation = DataValidation::new()
        .allow_list_formula(Formula::new(range))
        .set_error_style(DataValidationErrorStyle::Warning)
        .set_error_title("Not in the list")?
        .set_error_message(message(column, list))?;
    Ok(Some(validation))
}

/// Writes the Lists sheet: a header row, then each list's values down its column.
pub fn write_lists_sheet(
    sheet: &mut Worksheet,
    lists: &[ListColumn],
    header: &Format,
) -> Result<(), XlsxError> {
    sheet.set_name(LISTS_SHEET)?;
    for (col, list) in lists.iter().enumerate() {
        let c = col as u16;
        let widest = list
            .values
            .iter()
            .map(|v| v.chars().count())
            .chain(std::iter::once(list.header.chars().count()))
            .max()
            .unwrap_or(0);
        sheet.set_column_width(c, (widest + 2).clamp(8, 50) as f64)?;
        sheet.write_string_with_format(0, c, list.header, header)?;
        for (row, value) in list.values.iter().enumerate() {
            sheet.write_string(row as u32 + 1, c, super::xlsx_out::clip(value).as_ref())?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_coded_column_refers_to_a_list_on_the_lists_sheet() {
        let lists = lists(&Reference::built_in().unwrap());
        for column in Column::ALL {
            if let Some(list) = list_of(column) {
                let range = list_range(&lists, list).unwrap();
                assert!(range.starts_with("Lists!$"), "{column:?}: {range}");
            }
        }
        assert_eq!(
            list_range(&lists, List::Action).as_deref(),
            Some("Lists!$A$2:$A$4")
        );
    }
}
