//! Typed values of a batch row and the rules for reading them from raw cells (SPEC 2.1–2.3),
//! one file per idea: columns, coded values, IDs, dates, and the text keys they match on.

mod codes;
mod columns;
mod dates;
mod ids;
mod text;

pub use codes::{Action, CoverageType, Dmh, PlanType, Program, ReasonCode, parse_yes_no};
pub(crate) use codes::{CodeName, NO_WORDS, YES_WORDS};
pub(crate) use columns::CellFormat;
pub use columns::{ADDED_HEADERS, Column, Requirement, is_added_header, marker_free};
pub use dates::{DateError, age_on, excel_serial_date, parse_text_date};
pub(crate) use dates::{DateForm, reads_day_first};
pub(crate) use ids::IdTrap;
pub use ids::{MemberId, Zip};
pub(crate) use text::{code_key, collapse_whitespace, header_key, is_space_byte, or_list};
