//! Tables end to end: `ocrloom ocr PAGE -o p.json -o p.xlsx` on table pages
//! of `fixtures/tables/` (ruled with a merged header, German amounts,
//! horizontal rules only); each page's tables are found with the ground
//! truth's cells, and LibreOffice Calc converts the workbook to CSV without
//! error, every figure of the tables stored as a number of its value.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/tables")
}

const PAGES: [&str; 3] = ["ruled-merged-header", "german-prices", "booktabs"];

fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} (LibreOffice: scripts/setup.sh): {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The CSV fields of the first sheet of `xlsx`: text quoted, numbers as
/// stored.
fn csv_fields(xlsx: &Path, dir: &Path) -> Vec<String> {
    let filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true,true,false,false,false";
    run(Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.join("profile").display()
        ))
        .args(["--headless", "--convert-to", filter, "--outdir"])
        .arg(dir)
        .arg(xlsx));
    let csv = std::fs::read_to_string(xlsx.with_extension("csv")).expect("csv");
    csv.lines()
        .flat_map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
        .collect()
}

#[test]
fn table_pages_give_their_cells_and_numbers_in_calc() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut read = 0;
    for name in PAGES {
        let gt: Value = serde_json::from_str(
            &std::fs::read_to_string(fixtures().join(format!("{name}.json"))).expect("gt"),
        )
        .expect("gt json");
        let (json, xlsx) = (
            dir.path().join(format!("{name}.json")),
            dir.path().join(format!("{name}.xlsx")),
        );
        run(Command::new(env!("CARGO_BIN_EXE_ocrloom"))
            .arg("ocr")
            .arg(fixtures().join(format!("{name}.png")))
            .args(["-l", gt["language"].as_str().expect("language"), "-o"])
            .arg(&json)
            .arg("-o")
            .arg(&xlsx)
            .env("OMP_THREAD_LIMIT", "1"));
        let out: Value =
            serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("parse");
        let tables = out["pages"][0]["tables"].as_array().expect("tables");
        let want = gt["tables"].as_array().expect("gt tables");
        assert_eq!(tables.len(), want.len(), "{name}: tables");
        // Cells at their row and column with their text (the OCR may miss a
        // character: 80% at least).
        let cells = want[0]["cells"].as_array().expect("cells");
        let found = cells
            .iter()
            .filter(|g| {
                tables[0]["cells"]
                    .as_array()
                    .expect("cells")
                    .iter()
                    .any(|c| {
                        c["row"] == g["row"]
                            && c["column"] == g["col"]
                            && c["row_span"] == g["rowspan"]
                            && c["column_span"] == g["colspan"]
                            && fold(c["text"].as_str().unwrap_or_default())
                                == fold(g["text"].as_str().unwrap_or_default())
                    })
            })
            .count();
        assert!(
            found * 10 >= cells.len() * 8,
            "{name}: {found} of {} cells",
            cells.len()
        );
        // Every figure is a number of its value in Calc's CSV.
        let fields = csv_fields(&xlsx, dir.path());
        let figures: Vec<(f64, bool)> = cells
            .iter()
            .filter_map(|g| {
                let percent = g["text"].as_str()?.ends_with('%');
                Some((g["value"].as_f64()?, percent))
            })
            .collect();
        let stored = figures
            .iter()
            .filter(|&&(v, percent)| {
                let text = if percent {
                    format!("{}%", (v * 100.0).round())
                } else {
                    format!("{v}")
                };
                fields.contains(&text)
            })
            .count();
        assert!(
            stored * 10 >= figures.len() * 8,
            "{name}: {stored} of {} figures stored as numbers: {fields:?}",
            figures.len()
        );
        read += 1;
    }
    assert_eq!(read, PAGES.len());
}
