//! XLSX opened by a real LibreOffice Calc: a workbook written from
//! constructed results is converted to CSV by `soffice --headless` (every
//! sheet, values as stored, not as shown), and the cells are the ones
//! written: one sheet per page, text rows in reading order, numbers as
//! numbers read by the page's language.

mod common;

use common::{bbox, fixture, page};
use ocrloom_ocr::DocumentResult;
use ocrloom_raster::{Document, OpenOptions};
use ocrloom_writers::{write, OutputFormat, WriteOptions};
use std::process::Command;

/// The CSV of each sheet of `xlsx`, by sheet name.
fn calc_csv(xlsx: &[u8]) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("book.xlsx");
    std::fs::write(&path, xlsx).expect("write");
    // Comma, double quote, UTF-8, from line 1, text cells quoted (token 7),
    // cell contents as stored (token 9 false), every sheet to its own file
    // (token 12 = -1): numbers come out unquoted, text quoted.
    let filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true,true,false,false,false,-1";
    let out = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.path().join("profile").display()
        ))
        .args(["--headless", "--convert-to", filter, "--outdir"])
        .arg(dir.path())
        .arg(&path)
        .output()
        .expect("soffice runs (LibreOffice Calc: scripts/setup.sh)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut sheets: Vec<(String, String)> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().into_owned();
            let sheet = name
                .strip_prefix("book-")?
                .strip_suffix(".csv")?
                .to_string();
            let csv = std::fs::read_to_string(dir.path().join(&name)).ok()?;
            Some((sheet, csv))
        })
        .collect();
    sheets.sort();
    sheets
}

#[test]
fn calc_reads_the_sheets_and_numbers_as_written() {
    // Three pages: the first in German, the second not recognized, the
    // third in English.
    let doc = Document::open_path(
        &fixture("../raster/palette-3pages.tif"),
        &OpenOptions::default(),
    )
    .expect("open");
    let mut de = page(
        0,
        1000,
        1000,
        &[
            &[("Preisliste", bbox(100, 100, 400, 140))],
            &[("1.234,56", bbox(100, 200, 300, 240))],
            &[
                ("19", bbox(100, 300, 150, 340)),
                ("%", bbox(155, 300, 180, 340)),
            ],
            &[
                ("12,50", bbox(100, 400, 200, 440)),
                ("€", bbox(210, 400, 230, 440)),
            ],
            &[
                ("Summe:", bbox(100, 500, 250, 540)),
                ("-3,5", bbox(260, 500, 330, 540)),
            ],
        ],
    );
    de.language = "deu".into();
    let en = page(
        2,
        1000,
        1000,
        &[
            &[("1,234.56", bbox(100, 100, 300, 140))],
            &[("$1,299.00", bbox(100, 200, 300, 240))],
            &[("007", bbox(100, 300, 160, 340))],
        ],
    );
    let result = DocumentResult {
        pages: vec![de, en],
    };
    let mut xlsx = Vec::new();
    write(
        OutputFormat::Xlsx,
        &doc,
        &result,
        &WriteOptions::default(),
        &mut xlsx,
    )
    .expect("write");
    let mut again = Vec::new();
    write(
        OutputFormat::Xlsx,
        &doc,
        &result,
        &WriteOptions::default(),
        &mut again,
    )
    .expect("write");
    assert_eq!(xlsx, again, "the same input gives the same bytes");

    let sheets = calc_csv(&xlsx);
    let names: Vec<&str> = sheets.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(names, ["Page 1", "Page 2", "Page 3"]);
    let rows = |csv: &str| -> Vec<String> {
        csv.lines()
            .map(|l| l.trim_end_matches(',').to_string())
            .filter(|l| !l.is_empty())
            .collect()
    };
    // Stored values: numbers unquoted (Calc writes a percentage with its
    // sign), text quoted.
    assert_eq!(
        rows(&sheets[0].1),
        [
            "\"Preisliste\"",
            "1234.56",
            "19%",
            "12.5",
            "\"Summe: -3,5\""
        ]
    );
    assert!(rows(&sheets[1].1).is_empty());
    assert_eq!(rows(&sheets[2].1), ["1234.56", "1299", "\"007\""]);
}
