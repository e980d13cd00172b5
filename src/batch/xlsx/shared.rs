//! The shared strings table (`xl/sharedStrings.xml`), held compactly: every string's text
//! back to back in one buffer, and the end of each. What it takes in memory is bounded by
//! what the workbook's sheets can use (see `limits::shared_strings_budget`), and counted as
//! it is read, so that a table inflating to gigabytes is refused after reading only the
//! budget.

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::Event;

use super::damage::{Damage, XmlProblem};
use super::xml;

/// The table, indexed by a `t="s"` cell's value.
#[derive(Debug, Default)]
pub struct SharedStrings {
    text: String,
    ends: Vec<u32>,
}

/// Why the table was not read.
#[derive(Debug)]
pub enum SharedError {
    Damaged(Damage),
    /// It would take more than `budget` bytes in memory.
    OverBudget {
        budget: u64,
    },
}

impl From<Damage> for SharedError {
    fn from(damage: Damage) -> Self {
        SharedError::Damaged(damage)
    }
}

impl SharedStrings {
    /// The string at `index`.
    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)? as usize;
        let start = match index.checked_sub(1) {
            Some(before) => *self.ends.get(before)? as usize,
            None => 0,
        };
        self.text.get(start..end)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// What the table takes in memory: its text and an offset per string.
    pub fn memory(&self) -> u64 {
        self.text.len() as u64 + 4 * self.ends.len() as u64
    }

    /// Reads the table; `budget` (at most `u32::MAX`) bounds what it may take in memory.
    pub fn read<R: BufRead>(
        xml: &mut Reader<R>,
        budget: u64,
    ) -> Result<SharedStrings, SharedError> {
        let budget = budget.min(u64::from(u32::MAX));
        let mut table = SharedStrings::default();
        let (mut buf, mut scratch) = (Vec::new(), String::new());
        let over = || SharedError::OverBudget { budget };
        loop {
            match xml::next(xml, &mut buf)? {
                Event::Start(element) if element.local_name().as_ref() == b"si" => {
                    // What this string may still add, less the offset it needs.
                    let room = budget.saturating_sub(table.memory() + 4);
                    let limit = table.text.len() + room as usize;
                    match xml::read_rich(xml, &mut buf, &mut scratch, &mut table.text, limit) {
                        Err(Damage::TooLarge) => return Err(over()),
                        other => other?,
                    }
                    if table.text.len() > limit {
                        return Err(over());
                    }
                    // Within the budget, so below u32::MAX.
                    table.ends.push(table.text.len() as u32);
                }
                Event::End(element) if element.local_name().as_ref() == b"sst" => return Ok(table),
                Event::Eof => return Err(Damage::Xml(XmlProblem::Truncated).into()),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, budget: u64) -> Result<SharedStrings, SharedError> {
        SharedStrings::read(&mut xml::reader(text.as_bytes()), budget)
    }

    #[test]
    fn plain_rich_and_phonetic_strings() {
        let table = read(
            r#"<sst><si><t>Rivera</t></si><si><r><rPr><b/></rPr><t>O'</t></r><r><t xml:space="preserve">Brien </t></r></si><si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh></si><si/><si><t> a_x000D_b &amp; c </t></si></sst>"#,
            1 << 20,
        )
        .unwrap();
        let all: Vec<_> = (0..table.len()).map(|i| table.get(i).unwrap()).collect();
        assert_eq!(all, ["Rivera", "O'Brien ", "東京", "", "a\rb & c"]);
        assert_eq!(table.get(5), None);
    }

    #[test]
    fn a_table_beyond_its_budget_is_refused_when_the_budget_is_reached() {
        let text = format!("<sst>{}</sst>", "<si><t>0123456789</t></si>".repeat(1000));
        assert!(read(&text, 14 * 1000).is_ok());
        assert!(matches!(
            read(&text, 14 * 1000 - 1),
            Err(SharedError::OverBudget { budget: 13_999 })
        ));
        // One string larger than the whole budget stops at the budget.
        let long = format!("<sst><si><t>{}</t></si></sst>", "x".repeat(10_000));
        assert!(matches!(
            read(&long, 100),
            Err(SharedError::OverBudget { .. })
        ));
    }

    #[test]
    fn a_truncated_table_is_damaged() {
        assert!(matches!(
            read("<sst><si><t>Rivera</t></si>", 1 << 20),
            Err(SharedError::Damaged(Damage::Xml(XmlProblem::Truncated)))
        ));
    }
}
