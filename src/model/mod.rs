//! Typed values of a batch row and the rules for reading them from raw cells (SPEC 2.1–2.3),
//! one file per idea: columns, coded values, IDs, dates, and the text keys they match on.

mod codes;
mod columns;
mod dates;
mod ids;
mod text;

pub use codes::{
    Action, CodeName, CoverageType, Dmh, NO_WORDS, PlanType, Program, ReasonCode, YES_WORDS,
    parse_yes_no,
};
pub use columns::{CellFormat, Column, Requirement};
pub use dates::{DateError, DateForm, age_on, excel_serial_date, parse_text_date};
pub use ids::{MemberId, Zip};
pub use text::{code_key, collapse_whitespace, header_key, or_list};
