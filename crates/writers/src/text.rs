//! Plain text in the layout model's reading order (columns one after the
//! other, tables where the DOCX sets them, [`ocrloom_layout::Page::text`]):
//! lines by newlines, paragraphs and tables by a blank line, a table's
//! cells by tabs; pages separated by a form feed.

use crate::WriteError;
use ocrloom_ocr::PageResult;
use ocrloom_raster::{Document, PageInfo, PageText};
use std::io::Write;

/// The text the text output writes for a recognized page (`info`: the
/// input page, for its size): its layout's reading order, lines by
/// newlines, paragraphs and tables by a blank line.
pub fn page_text(info: &PageInfo, result: &PageResult) -> String {
    ocrloom_layout::Page::build(&ocrloom_layout::PageInput {
        result,
        size_pt: crate::page_size_pt(info),
    })
    .text()
}

/// Writes every page, ending with a newline: the recognized text, or for a
/// page that was not recognized the text it already carries (PDF pages left
/// alone because they had text), or nothing.
pub(crate) fn write(
    doc: &Document,
    pages: &[Option<&PageResult>],
    out: &mut dyn Write,
) -> Result<(), WriteError> {
    let text = pages
        .iter()
        .zip(doc.pages())
        .map(|(result, info)| match result {
            Some(r) => Ok(page_text(info, r)),
            None if info.text != PageText::None => Ok(doc
                .page_text(info.index)?
                .replace("\r\n", "\n")
                .trim_end()
                .to_string()),
            None => Ok(String::new()),
        })
        .collect::<Result<Vec<String>, WriteError>>()?;
    out.write_all(text.join("\n\x0c").as_bytes())?;
    out.write_all(b"\n")?;
    Ok(())
}
