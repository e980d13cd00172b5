//! The row every stage after the format stage works on: each value read and typed.

use std::borrow::Cow;

use chrono::NaiveDate;

use super::{RowKey, Val};
use crate::model::{Action, CoverageType, Dmh, MemberId, Program, ReasonCode, Zip, code_key};
use crate::reference::{Reference, id_key};

/// A batch row with every value read and typed.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    pub source_row: u32,
    pub action: Val<Action>,
    pub member_id: Val<MemberId>,
    pub last_name: Val<Cow<'a, str>>,
    pub first_name: Val<Cow<'a, str>>,
    pub date_of_birth: Val<NaiveDate>,
    pub program: Val<Program>,
    pub cp_id: Val<Cow<'a, str>>,
    /// Read on TRANSFER rows only; `Blank` elsewhere.
    pub from_cp_id: Val<Cow<'a, str>>,
    pub plan_id: Val<Cow<'a, str>>,
    pub coverage: Val<CoverageType>,
    pub medicare: Val<bool>,
    pub other_insurance: Val<bool>,
    pub nursing_facility: Val<bool>,
    pub dmh: Val<Dmh>,
    pub zip: Val<Zip>,
    pub effective: Val<NaiveDate>,
    pub reason: Val<ReasonCode>,
    pub submitter: Val<Cow<'a, str>>,
    /// The raw action text, for the batch key of a row whose Action is unknown.
    pub(super) action_text: &'a str,
    pub(super) effective_text: &'a str,
}

impl Record<'_> {
    pub(crate) fn is(&self, action: Action) -> bool {
        self.action.get() == Some(action)
    }

    pub(crate) fn is_enroll_or_transfer(&self) -> bool {
        self.is(Action::Enroll) || self.is(Action::Transfer)
    }

    /// False when the row's Plan ID names no plan: blank where it is required (S001),
    /// invalid, or not in the roster (C003). Such a value gets its own finding only: no E007
    /// ([`super::eligibility::Facts::plan_named`]) or C005, even when the facts they judge
    /// are EVS's (SPEC 3.7).
    pub(crate) fn plan_id_known(&self, reference: &Reference) -> bool {
        match &self.plan_id {
            Val::Ok(id) => reference.plan(id).is_some(),
            // Not required with a DMH affiliation (SPEC 2.1): the row names no plan.
            Val::Blank => self.dmh.get().is_some_and(Dmh::is_affiliated),
            Val::Invalid => false,
        }
    }

    pub(crate) fn key(&self) -> RowKey {
        RowKey {
            action: self
                .action
                .get()
                .ok_or_else(|| code_key(self.action_text).into_boxed_str()),
            cp_id: self
                .cp_id
                .ok()
                .map(|c| id_key(c))
                .unwrap_or_default()
                .into_boxed_str(),
            effective: self
                .effective
                .get()
                .ok_or_else(|| self.effective_text.trim().into()),
        }
    }
}
