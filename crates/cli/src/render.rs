//! `ocrloom render`: the page images ocrloom would recognize, as PNG files.

use crate::Failure;
use anyhow::Context;
use ocrloom::raster::{Document, OpenOptions, PageImage, RenderDpi};
use std::path::PathBuf;

/// Arguments of `ocrloom render`.
#[derive(clap::Args)]
pub struct Args {
    /// The input file (PDF, TIFF, JPEG, PNG or BMP; detected from its bytes).
    input: PathBuf,
    /// Folder for the page images (`page-0001.png`, ...); created if missing.
    /// Without it, pages are rendered and checked but not written.
    #[arg(long, short)]
    out_dir: Option<PathBuf>,
    /// Resolution for PDF pages.
    #[arg(long, default_value_t = 300.0)]
    dpi: f32,
    /// Password of an encrypted PDF.
    #[arg(long)]
    password: Option<String>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let options = OpenOptions {
        password: args.password,
        ..Default::default()
    };
    let doc = Document::open_path(&args.input, &options)?;
    if let Some(dir) = &args.out_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    for page in doc.stream(RenderDpi::Fixed(args.dpi)) {
        let page = page?;
        let n = page.info.index + 1;
        let (w, h) = (page.image.width(), page.image.height());
        let dpi = page
            .dpi
            .map_or("unknown".into(), |d| format!("{:.0}x{:.0}", d.x, d.y));
        println!("page {n}: {w}x{h} px, {dpi} dpi");
        if let Some(dir) = &args.out_dir {
            let path = dir.join(format!("page-{n:04}.png"));
            match &page.image {
                PageImage::Gray(i) => i.save(&path),
                PageImage::Rgb(i) => i.save(&path),
            }
            .with_context(|| format!("writing {}", path.display()))?;
        }
    }
    Ok(())
}
