//! Measures orientation correction: the pages of the chosen sets of a
//! ground-truth folder, turned by 90/180/270 degrees in memory, recognized
//! with the given settings; prints how many came back upright.
//!
//! ```text
//! OMP_THREAD_LIMIT=1 cargo run --release -p ocrloom-ocr --example orient -- \
//!     GT_DIR SET[,SET...] [--settings JSON] [--turns 0,90,180,270]
//! ```

use ocrloom_ocr::{score, Languages, Recognizer, Settings, TesseractEngine};
use ocrloom_raster::{Document, PageImage};
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `RUST_LOG=ocrloom_ocr=debug` shows each page's reads and OSD answers.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let mut args = std::env::args().skip(1);
    let mut pos = Vec::new();
    let mut settings = Settings::default();
    let mut turns = vec![90u16, 180, 270];
    while let Some(a) = args.next() {
        match a.as_str() {
            "--settings" => settings = serde_json::from_str(&args.next().unwrap_or_default())?,
            "--turns" => {
                turns = args
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()?
            }
            _ => pos.push(a),
        }
    }
    let [gt, sets] = pos.as_slice() else {
        return Err("usage: orient GT_DIR SET[,SET...] [--settings JSON] [--turns LIST]".into());
    };
    let mut cases = Vec::new();
    for set in sets.split(',') {
        let mut files: Vec<PathBuf> = std::fs::read_dir(PathBuf::from(gt).join(set))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let n = p.to_string_lossy();
                !n.ends_with(".txt") && !n.ends_with(".uzn")
            })
            .collect();
        files.sort();
        for f in files {
            for &t in &turns {
                cases.push((set.to_string(), f.clone(), t));
            }
        }
    }
    let recognizer = Recognizer::new(Arc::new(TesseractEngine::new()?), None)?;
    let start = std::time::Instant::now();
    let rows: Vec<(String, PathBuf, u16, Option<u16>)> = recognizer.pool().install(|| {
        cases
            .into_par_iter()
            .map(|(set, path, turn)| {
                let mut s = settings.clone();
                s.languages = Languages::Codes(vec![score::set_language(&set)]);
                let got = Document::open_path(&path, &Default::default())
                    .and_then(|d| d.render(0, Default::default()))
                    .ok()
                    .and_then(|mut page| {
                        let g = page.image.to_gray();
                        page.image = PageImage::Gray(match turn {
                            90 => image::imageops::rotate90(&g),
                            180 => image::imageops::rotate180(&g),
                            270 => image::imageops::rotate270(&g),
                            _ => g,
                        });
                        recognizer.recognize_page(&page, &s).ok()
                    })
                    .map(|r| r.orientation);
                (set, path, turn, got)
            })
            .collect()
    });
    let mut right = 0;
    for (set, path, turn, got) in &rows {
        let want = (360 - turn) % 360;
        let ok = *got == Some(want);
        right += ok as usize;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        println!(
            "{set:22} {name:34} turned {turn:3}: {} {}",
            got.map_or("error".to_string(), |g| g.to_string()),
            if ok { "ok" } else { "WRONG" }
        );
    }
    println!(
        "{right}/{} upright, {:.1} s",
        rows.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
