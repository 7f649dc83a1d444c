//! What the Office Open XML writers (DOCX, PPTX) share: XML written as
//! typed events (`quick-xml`) with flat start/end helpers, relationships,
//! content types, and the zip package with fixed entry times (so the same
//! input gives the same bytes).

use crate::WriteError;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use std::io::{self, Write};

/// English Metric Units per point.
pub(crate) const EMU: f32 = 12700.0;

/// DrawingML.
pub(crate) const NS_A: &str = "http://schemas.openxmlformats.org/drawingml/2006/main";
/// Relationship references inside a part (`r:id`, `r:embed`).
pub(crate) const NS_R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const NS_PKG_RELS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const NS_TYPES: &str = "http://schemas.openxmlformats.org/package/2006/content-types";
/// The package's main part.
pub(crate) const REL_DOC: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument";
/// A picture.
pub(crate) const REL_IMAGE: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image";

/// An XML part being written.
pub(crate) type Xml = Writer<Vec<u8>>;

/// A new part, its XML declaration written.
pub(crate) fn part() -> io::Result<Xml> {
    let mut x = Xml::new(Vec::new());
    x.write_event(Event::Decl(BytesDecl::new(
        "1.0",
        Some("UTF-8"),
        Some("yes"),
    )))?;
    Ok(x)
}

/// `<name attrs...>`.
pub(crate) fn start(x: &mut Xml, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
    let mut e = BytesStart::new(name);
    e.extend_attributes(attrs.iter().copied());
    x.write_event(Event::Start(e))
}

/// `</name>`.
pub(crate) fn end(x: &mut Xml, name: &str) -> io::Result<()> {
    x.write_event(Event::End(BytesEnd::new(name)))
}

/// `<name attrs.../>`.
pub(crate) fn empty(x: &mut Xml, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
    let mut e = BytesStart::new(name);
    e.extend_attributes(attrs.iter().copied());
    x.write_event(Event::Empty(e))
}

/// `<name attrs...>text</name>`, characters XML 1.0 forbids dropped.
pub(crate) fn text(x: &mut Xml, name: &str, attrs: &[(&str, &str)], text: &str) -> io::Result<()> {
    let clean: String = text.chars().filter(|&c| xml_char(c)).collect();
    start(x, name, attrs)?;
    x.write_event(Event::Text(BytesText::new(&clean)))?;
    end(x, name)
}

/// Whether XML 1.0 allows `c` in text.
pub(crate) fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Points as EMU.
pub(crate) fn emu(v: f32) -> String {
    ((v * EMU).round() as i64).to_string()
}

/// `<prefix:blipFill>`: the picture of relationship `rel`, stretched.
pub(crate) fn blip_fill(x: &mut Xml, prefix: &str, rel: &str) -> io::Result<()> {
    let name = format!("{prefix}:blipFill");
    start(x, &name, &[])?;
    empty(x, "a:blip", &[("r:embed", rel)])?;
    start(x, "a:stretch", &[])?;
    empty(x, "a:fillRect", &[])?;
    end(x, "a:stretch")?;
    end(x, &name)
}

/// `<a:xfrm>` at `at` with `size`, points, and a rectangle's geometry.
pub(crate) fn frame(x: &mut Xml, at: (f32, f32), size: (f32, f32)) -> io::Result<()> {
    start(x, "a:xfrm", &[])?;
    empty(x, "a:off", &[("x", &emu(at.0)), ("y", &emu(at.1))])?;
    empty(x, "a:ext", &[("cx", &emu(size.0)), ("cy", &emu(size.1))])?;
    end(x, "a:xfrm")?;
    start(x, "a:prstGeom", &[("prst", "rect")])?;
    empty(x, "a:avLst", &[])?;
    end(x, "a:prstGeom")
}

/// Language tags (BCP 47, as Word's `w:lang` and DrawingML's `lang` take
/// them) for Tesseract's `+`-joined codes: the first language written with
/// spaces and the first Chinese, Japanese or Korean one; `None` when no
/// code is known.
pub(crate) fn language_tags(codes: &str) -> Option<(Option<&'static str>, Option<&'static str>)> {
    let mut latin = None;
    let mut east_asian = None;
    for code in codes.split('+') {
        let (tag, cjk) = match code {
            "eng" => ("en-US", false),
            "deu" => ("de-DE", false),
            "fra" => ("fr-FR", false),
            "spa" => ("es-ES", false),
            "ita" => ("it-IT", false),
            "por" => ("pt-PT", false),
            "nld" => ("nl-NL", false),
            "pol" => ("pl-PL", false),
            "rus" => ("ru-RU", false),
            "swe" => ("sv-SE", false),
            "dan" => ("da-DK", false),
            "nor" => ("nb-NO", false),
            "fin" => ("fi-FI", false),
            "ces" => ("cs-CZ", false),
            "tur" => ("tr-TR", false),
            "jpn" | "jpn_vert" => ("ja-JP", true),
            "chi_sim" | "chi_sim_vert" => ("zh-CN", true),
            "chi_tra" | "chi_tra_vert" => ("zh-TW", true),
            "kor" | "kor_vert" => ("ko-KR", true),
            _ => continue,
        };
        if cjk {
            east_asian = east_asian.or(Some(tag));
        } else {
            latin = latin.or(Some(tag));
        }
    }
    if latin.is_none() && east_asian.is_none() {
        return None;
    }
    Some((latin.or(east_asian), east_asian))
}

/// One relationship of a part.
pub(crate) struct Rel {
    /// Its id in the part (`rId1`).
    pub id: String,
    /// Its type (a relationship URI).
    pub kind: &'static str,
    /// The target, relative to the part's folder.
    pub target: String,
}

impl Rel {
    /// A relationship.
    pub fn new(id: impl Into<String>, kind: &'static str, target: impl Into<String>) -> Self {
        Rel {
            id: id.into(),
            kind,
            target: target.into(),
        }
    }
}

/// A relationships part (`_rels/*.rels`).
pub(crate) fn relationships(rels: &[Rel]) -> io::Result<Vec<u8>> {
    let mut x = part()?;
    start(&mut x, "Relationships", &[("xmlns", NS_PKG_RELS)])?;
    for r in rels {
        empty(
            &mut x,
            "Relationship",
            &[("Id", &r.id), ("Type", r.kind), ("Target", &r.target)],
        )?;
    }
    end(&mut x, "Relationships")?;
    Ok(x.into_inner())
}

/// A package being put together: its parts in the order they are added,
/// `[Content_Types].xml` first when written.
#[derive(Default)]
pub(crate) struct Package {
    /// Name, content type (for an `Override`; `None` for parts typed by
    /// their extension), bytes.
    parts: Vec<(String, Option<&'static str>, Vec<u8>)>,
}

impl Package {
    /// An XML part of `content_type`.
    pub fn xml(&mut self, name: impl Into<String>, content_type: &'static str, bytes: Vec<u8>) {
        self.parts.push((name.into(), Some(content_type), bytes));
    }

    /// A relationships part for the part `of` (`""` for the package's).
    pub fn rels(&mut self, of: &str, rels: &[Rel]) -> io::Result<()> {
        let name = match of.rsplit_once('/') {
            Some((folder, file)) => format!("{folder}/_rels/{file}.rels"),
            None if of.is_empty() => "_rels/.rels".to_owned(),
            None => format!("_rels/{of}.rels"),
        };
        self.parts.push((name, None, relationships(rels)?));
        Ok(())
    }

    /// A PNG picture.
    pub fn png(&mut self, name: impl Into<String>, bytes: Vec<u8>) {
        self.parts.push((name.into(), None, bytes));
    }

    /// `[Content_Types].xml`.
    fn content_types(&self) -> io::Result<Vec<u8>> {
        let mut x = part()?;
        start(&mut x, "Types", &[("xmlns", NS_TYPES)])?;
        let mut defaults = vec![
            (
                "rels",
                "application/vnd.openxmlformats-package.relationships+xml",
            ),
            ("xml", "application/xml"),
        ];
        if self.parts.iter().any(|p| p.0.ends_with(".png")) {
            defaults.push(("png", "image/png"));
        }
        for (ext, ty) in defaults {
            empty(
                &mut x,
                "Default",
                &[("Extension", ext), ("ContentType", ty)],
            )?;
        }
        for (name, ty, _) in &self.parts {
            if let Some(ty) = ty {
                let part_name = format!("/{name}");
                empty(
                    &mut x,
                    "Override",
                    &[("PartName", &part_name), ("ContentType", ty)],
                )?;
            }
        }
        end(&mut x, "Types")?;
        Ok(x.into_inner())
    }

    /// The zip: XML deflated, pictures stored, fixed entry times.
    pub fn write(self, out: &mut dyn Write) -> Result<(), WriteError> {
        let zip_err = |e: zip::result::ZipError| WriteError::Io(io::Error::other(e));
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        let stored = deflated.compression_method(zip::CompressionMethod::Stored);
        let mut zip = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
        zip.start_file("[Content_Types].xml", deflated)
            .map_err(zip_err)?;
        zip.write_all(&self.content_types()?)?;
        for (name, _, bytes) in &self.parts {
            let options = if name.ends_with(".png") {
                stored
            } else {
                deflated
            };
            zip.start_file(name.as_str(), options).map_err(zip_err)?;
            zip.write_all(bytes)?;
        }
        let bytes = zip.finish().map_err(zip_err)?.into_inner();
        out.write_all(&bytes)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_loses_characters_xml_forbids() {
        assert!(xml_char('a') && xml_char('\t') && xml_char('語'));
        assert!(!xml_char('\u{0}') && !xml_char('\u{1b}') && !xml_char('\u{FFFF}'));
    }

    #[test]
    fn languages_map_to_tags() {
        assert_eq!(language_tags("eng"), Some((Some("en-US"), None)));
        assert_eq!(
            language_tags("jpn+jpn_vert"),
            Some((Some("ja-JP"), Some("ja-JP")))
        );
        assert_eq!(
            language_tags("eng+chi_sim"),
            Some((Some("en-US"), Some("zh-CN")))
        );
        assert_eq!(language_tags("xyz"), None);
        assert_eq!(language_tags(""), None);
    }

    #[test]
    fn relationship_parts_sit_beside_their_part() {
        let mut p = Package::default();
        p.rels("", &[]).expect("rels");
        p.rels("word/document.xml", &[]).expect("rels");
        let names: Vec<&str> = p.parts.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(names, ["_rels/.rels", "word/_rels/document.xml.rels"]);
    }

    #[test]
    fn content_types_override_xml_parts_and_default_pictures() {
        let mut p = Package::default();
        p.xml("word/document.xml", "application/x-main+xml", Vec::new());
        p.png("word/media/image1.png", Vec::new());
        let types = String::from_utf8(p.content_types().expect("types")).expect("UTF-8");
        assert!(types.contains(
            r#"<Override PartName="/word/document.xml" ContentType="application/x-main+xml"/>"#
        ));
        assert!(types.contains(r#"<Default Extension="png" ContentType="image/png"/>"#));
        assert!(!types.contains("image1"));
    }
}
