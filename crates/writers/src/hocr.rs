//! hOCR 1.2: XHTML with `ocr_page`, `ocr_carea`, `ocr_par`, `ocr_line` and
//! `ocrx_word` elements; boxes in the pixels of the recognised image.

use crate::{xml_escape, WriteOptions};
use ocrloom_ocr::{BBox, Line, PageResult};
use ocrloom_raster::Document;
use std::fmt::Write as _;
use std::io::Write;

fn bbox(b: &BBox) -> String {
    format!("bbox {} {} {} {}", b.x0, b.y0, b.x1, b.y1)
}

/// `baseline slope offset`: the baseline as a line through the bottom-left
/// corner of the line's box shifted by `offset` pixels (hOCR convention).
fn baseline(line: &Line) -> String {
    let Some(b) = line.baseline else {
        return "baseline 0 0".into();
    };
    let dx = b.x1 - b.x0;
    let slope = if dx.abs() > f32::EPSILON {
        (b.y1 - b.y0) / dx
    } else {
        0.0
    };
    let y_at_left = b.y0 + slope * (line.bbox.x0 as f32 - b.x0);
    let offset = (y_at_left - line.bbox.y1 as f32).round() as i64;
    format!("baseline {} {}", round3(slope), offset)
}

fn round3(v: f32) -> String {
    let s = format!("{:.3}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".into()
    } else {
        s.into()
    }
}

pub(crate) fn write(
    doc: &Document,
    pages: &[Option<&PageResult>],
    options: &WriteOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut s = String::with_capacity(64 * 1024);
    s.push_str(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n",
        "    \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n",
        "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n",
        "<head>\n<title></title>\n",
        "<meta http-equiv=\"Content-Type\" content=\"text/html;charset=utf-8\"/>\n",
        "<meta name=\"ocr-system\" content=\"ocrloom ",
        env!("CARGO_PKG_VERSION"),
        "\"/>\n",
        "<meta name=\"ocr-capabilities\" content=\"ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrp_wconf\"/>\n",
        "</head>\n<body>\n"
    ));
    for (index, page) in pages.iter().enumerate() {
        let Some(page) = page else { continue };
        let n = index + 1;
        let image = options
            .source_name
            .as_deref()
            .map(|name| format!("image \"{}\"; ", xml_escape(name).replace('"', "")))
            .unwrap_or_default();
        let dpi = doc
            .pages()
            .get(index)
            .and_then(|i| i.dpi)
            .map(|d| (d.x.round() as i64, d.y.round() as i64));
        let dpi = match dpi {
            Some(d) if doc.format() != ocrloom_raster::Format::Pdf => d,
            _ => (page.dpi.round() as i64, page.dpi.round() as i64),
        };
        let _ = writeln!(
            s,
            "<div class=\"ocr_page\" id=\"page_{n}\" title=\"{image}bbox 0 0 {} {}; ppageno {index}; scan_res {} {}\">",
            page.width, page.height, dpi.0, dpi.1
        );
        let (mut par_n, mut line_n, mut word_n) = (0, 0, 0);
        for (b, block) in page.blocks.iter().enumerate() {
            let _ = writeln!(
                s,
                "<div class=\"ocr_carea\" id=\"block_{n}_{}\" title=\"{}\">",
                b + 1,
                bbox(&block.bbox)
            );
            for para in &block.paragraphs {
                par_n += 1;
                let _ = writeln!(
                    s,
                    "<p class=\"ocr_par\" id=\"par_{n}_{par_n}\" title=\"{}\">",
                    bbox(&para.bbox)
                );
                for line in &para.lines {
                    line_n += 1;
                    let x_size = if line.font_size > 0.0 {
                        line.font_size * page.dpi / 72.0
                    } else {
                        line.bbox.height() as f32
                    };
                    let _ = write!(
                        s,
                        "<span class=\"ocr_line\" id=\"line_{n}_{line_n}\" title=\"{}; {}; x_size {}\">",
                        bbox(&line.bbox),
                        baseline(line),
                        round3(x_size)
                    );
                    for (i, word) in line.words.iter().enumerate() {
                        word_n += 1;
                        if line.space_before(i) {
                            s.push(' ');
                        }
                        // A word read from a mark that is not text keeps
                        // its place, with the engine-specific property
                        // `x_noise` (hOCR's `x_` prefix).
                        let _ = write!(
                            s,
                            "<span class=\"ocrx_word\" id=\"word_{n}_{word_n}\" title=\"{}; x_wconf {}{}\">{}</span>",
                            bbox(&word.bbox),
                            word.confidence.round().clamp(0.0, 100.0) as i64,
                            if word.noise { "; x_noise 1" } else { "" },
                            xml_escape(&word.text)
                        );
                    }
                    s.push_str("</span>\n");
                }
                s.push_str("</p>\n");
            }
            s.push_str("</div>\n");
        }
        s.push_str("</div>\n");
    }
    s.push_str("</body>\n</html>\n");
    out.write_all(s.as_bytes())
}
