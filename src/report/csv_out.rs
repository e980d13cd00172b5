//! CSV rendering of a report table.

use std::io::Write;

use super::tables::Table;

pub fn write(out: &mut impl Write, table: Table<'_>) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(&table.headers)?;
    let mut record = csv::StringRecord::new();
    for row in table.rows {
        record.clear();
        for value in &row {
            record.push_field(&value.to_text());
        }
        writer.write_record(&record)?;
    }
    writer.flush()
}
