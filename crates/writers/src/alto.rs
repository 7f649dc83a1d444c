//! ALTO v4 (4.2): `MeasurementUnit` pixel; Page / PrintSpace / TextBlock /
//! TextLine / String and SP, with positions in the pixels of the
//! recognised image and word confidences as `WC` (0..1).

use crate::{xml_escape, WriteOptions};
use ocrloom_ocr::{BBox, PageResult};
use ocrloom_raster::{Document, Unit};
use std::fmt::Write as _;
use std::io::Write;

/// The ID of the tag that marks words read from marks that are not text.
const NOISE_TAG: &str = "noise";

fn pos(b: &BBox) -> String {
    format!(
        "HPOS=\"{}\" VPOS=\"{}\" WIDTH=\"{}\" HEIGHT=\"{}\"",
        b.x0,
        b.y0,
        b.width(),
        b.height()
    )
}

/// Writes every page of `doc`; a page without a result (not recognised)
/// is an empty `Page` of its size (in pixels at [`crate::FALLBACK_DPI`] for
/// a PDF page), so that page numbers and counts match the document and the
/// `Layout` is never empty (the schema wants at least one `Page`).
pub(crate) fn write(
    doc: &Document,
    pages: &[Option<&PageResult>],
    options: &WriteOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut s = String::with_capacity(64 * 1024);
    s.push_str(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<alto xmlns=\"http://www.loc.gov/standards/alto/ns-v4#\" ",
        "xmlns:xlink=\"http://www.w3.org/1999/xlink\" ",
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" ",
        "xsi:schemaLocation=\"http://www.loc.gov/standards/alto/ns-v4# ",
        "http://www.loc.gov/alto/v4/alto-4-2.xsd\">\n",
        "<Description>\n<MeasurementUnit>pixel</MeasurementUnit>\n"
    ));
    if let Some(name) = &options.source_name {
        let _ = writeln!(
            s,
            "<sourceImageInformation>\n<fileName>{}</fileName>\n</sourceImageInformation>",
            xml_escape(name)
        );
    }
    s.push_str("<Processing ID=\"OCR_0\">\n");
    if let Some(t) = options.timestamp {
        let _ = writeln!(
            s,
            "<processingDateTime>{}</processingDateTime>",
            crate::iso_time(t)
        );
    }
    s.push_str(concat!(
        "<processingSoftware>\n",
        "<softwareName>ocrloom</softwareName>\n<softwareVersion>",
        env!("CARGO_PKG_VERSION"),
        "</softwareVersion>\n</processingSoftware>\n</Processing>\n",
        "</Description>\n"
    ));
    // Words read from marks that are not text keep their place, tagged
    // (`TAGREFS`) with a tag declared once; no tags without such words.
    if pages.iter().flatten().any(|p| p.words().any(|w| w.noise)) {
        let _ = writeln!(
            s,
            "<Tags>\n<OtherTag ID=\"{NOISE_TAG}\" LABEL=\"noise\" DESCRIPTION=\"read from a mark that is not text (stamp, handwriting, signature); not in the text outputs\"/>\n</Tags>"
        );
    }
    s.push_str("<Layout>\n");
    for (index, page) in pages.iter().enumerate() {
        let n = index + 1;
        let Some(page) = page else {
            let (w, h) = match doc.pages().get(index) {
                Some(info) if info.unit == Unit::Px => {
                    (f64::from(info.width), f64::from(info.height))
                }
                Some(info) => {
                    let (w, h) = crate::page_size_pt(info);
                    let k = f64::from(crate::FALLBACK_DPI) / 72.0;
                    (w * k, h * k)
                }
                None => (0.0, 0.0),
            };
            let _ = writeln!(
                s,
                "<Page ID=\"page_{n}\" PHYSICAL_IMG_NR=\"{n}\" WIDTH=\"{}\" HEIGHT=\"{}\"/>",
                w.round() as u64,
                h.round() as u64
            );
            continue;
        };
        let _ = writeln!(
            s,
            "<Page ID=\"page_{n}\" PHYSICAL_IMG_NR=\"{n}\" WIDTH=\"{}\" HEIGHT=\"{}\" PROCESSING=\"OCR_0\">",
            page.width, page.height
        );
        let _ = writeln!(
            s,
            "<PrintSpace HPOS=\"0\" VPOS=\"0\" WIDTH=\"{}\" HEIGHT=\"{}\">",
            page.width, page.height
        );
        let (mut line_n, mut word_n) = (0, 0);
        for (b, block) in page.blocks.iter().enumerate() {
            let _ = writeln!(
                s,
                "<TextBlock ID=\"block_{n}_{}\" {}>",
                b + 1,
                pos(&block.bbox)
            );
            for line in block.paragraphs.iter().flat_map(|p| p.lines.iter()) {
                line_n += 1;
                let baseline = line
                    .baseline
                    .map(|b| {
                        format!(
                            " BASELINE=\"{},{} {},{}\"",
                            b.x0.round() as i64,
                            b.y0.round() as i64,
                            b.x1.round() as i64,
                            b.y1.round() as i64
                        )
                    })
                    .unwrap_or_default();
                let _ = writeln!(
                    s,
                    "<TextLine ID=\"line_{n}_{line_n}\" {}{baseline}>",
                    pos(&line.bbox)
                );
                for (i, word) in line.words.iter().enumerate() {
                    word_n += 1;
                    if line.space_before(i) {
                        let prev = &line.words[i - 1].bbox;
                        let gap = word.bbox.x0.saturating_sub(prev.x1);
                        let _ = writeln!(
                            s,
                            "<SP WIDTH=\"{gap}\" HPOS=\"{}\" VPOS=\"{}\"/>",
                            prev.x1,
                            prev.y0.min(word.bbox.y0)
                        );
                    }
                    let wc = (word.confidence / 100.0).clamp(0.0, 1.0);
                    let tag = if word.noise {
                        format!(" TAGREFS=\"{NOISE_TAG}\"")
                    } else {
                        String::new()
                    };
                    let _ = writeln!(
                        s,
                        "<String ID=\"string_{n}_{word_n}\" {} WC=\"{:.2}\" CONTENT=\"{}\"{tag}/>",
                        pos(&word.bbox),
                        wc,
                        xml_escape(&word.text)
                    );
                }
                s.push_str("</TextLine>\n");
            }
            s.push_str("</TextBlock>\n");
        }
        s.push_str("</PrintSpace>\n</Page>\n");
    }
    s.push_str("</Layout>\n</alto>\n");
    out.write_all(s.as_bytes())
}
