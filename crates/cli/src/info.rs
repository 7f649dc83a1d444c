//! `ocrloom info`: what a document holds, without rendering it.

use crate::Failure;
use ocrloom::raster::{Document, OpenOptions, PageInfo, PageText};
use serde::Serialize;
use std::path::PathBuf;

/// Arguments of `ocrloom info`.
#[derive(clap::Args)]
pub struct Args {
    /// The input file (PDF, TIFF, JPEG, PNG or BMP; detected from its bytes).
    input: PathBuf,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Password of an encrypted PDF.
    #[arg(long)]
    password: Option<String>,
}

#[derive(Serialize)]
struct Report<'a> {
    format: &'a str,
    pages: &'a [PageInfo],
}

pub fn run(args: Args) -> Result<(), Failure> {
    let options = OpenOptions {
        password: args.password,
        ..Default::default()
    };
    let doc = Document::open_path(&args.input, &options)?;
    if args.json {
        let report = Report {
            format: doc.format().name(),
            pages: doc.pages(),
        };
        let json = serde_json::to_string_pretty(&report).map_err(anyhow::Error::from)?;
        println!("{json}");
        return Ok(());
    }
    println!("format: {}", doc.format());
    println!("pages:  {}", doc.pages().len());
    println!(
        "{:>5} {:>9} {:>9} {:>4} {:>11} {:>8} {:>5}",
        "page", "width", "height", "unit", "dpi", "rotation", "text"
    );
    for p in doc.pages() {
        let dpi = p.dpi.map_or("unknown".to_string(), |d| {
            if (d.x - d.y).abs() < 0.5 {
                format!("{:.0}", d.x)
            } else {
                format!("{:.0}x{:.0}", d.x, d.y)
            }
        });
        let unit = serde_json::to_value(p.unit)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        println!(
            "{:>5} {:>9.1} {:>9.1} {:>4} {:>11} {:>8} {:>5}",
            p.index + 1,
            p.width,
            p.height,
            unit,
            dpi,
            p.rotation,
            match p.text {
                PageText::None => "no",
                PageText::Invisible => "hidden",
                PageText::Visible => "yes",
            }
        );
    }
    Ok(())
}
