//! Benchmark floor (b): reads every record of a delimited file with the csv crate's
//! ByteRecord, reusing one record, and does nothing else. `floor_csv FILE.csv`
fn main() {
    let path = std::env::args().nth(1).expect("a CSV path");
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&path)
        .expect("open the file");
    let mut record = csv::ByteRecord::new();
    let (mut records, mut fields) = (0u64, 0usize);
    while reader.read_byte_record(&mut record).expect("a record") {
        records += 1;
        fields += record.len();
    }
    println!("{records} records, {fields} fields");
}
