//! Searchable PDF from a PDF: the text layer is grafted onto the original
//! pages by an incremental update (ISO 32000-1, 7.5.6).
//!
//! The output is the input, byte for byte, followed by new objects and a new
//! cross-reference section whose trailer points back (`/Prev`) to the
//! original one. For each page that gets a layer, the update holds:
//! - a new version of the page dictionary (same object number), identical
//!   but for `/Contents` = `[q, original..., Q, layer]` (the `q`/`Q` streams
//!   keep the original's graphics state from leaking into the layer) and
//!   `/Resources` = the page's effective resources plus the layer's fonts;
//! - the layer's content stream (marked `/OCRLoom /TextLayer`, so that a
//!   later run can drop it, see below);
//!
//! and, once per document, the glyphless font objects (see `font.rs`).
//!
//! - **Object streams**: the new non-stream objects (page, resource and font
//!   dictionaries) go into object streams (ISO 32000-1, 7.5.7), so the
//!   update's section is a cross-reference stream, whatever the original's
//!   last section is (a `/Prev` from a stream to a table is legal, and read
//!   by qpdf, poppler, PDFium, pdf.js and MuPDF). Both are PDF 1.5: when
//!   neither the header nor the catalog says 1.5 or later, the update also
//!   holds a new version of the catalog with `/Version /1.5`. Every stream
//!   the update writes is compressed with libdeflate (`serialize::deflate`).
//! - **Damaged cross-references** (the reader had to rebuild them): `/Prev`
//!   would point at garbage, so the update's section lists every object (at
//!   the offsets the reader found) and has no `/Prev`: readers that trust the
//!   last section find the whole file.
//! - **Encryption**: the file is read with the empty (or given) password and
//!   every new string and stream is encrypted with the document's own key
//!   and crypt filters; the trailer keeps `/Encrypt` and `/ID`. AES needs a
//!   random IV, so output of AES-encrypted inputs is not byte-deterministic.
//!   Encrypted documents get no object stream: every object is written as
//!   it is, and the update's section has the form of the original's last
//!   one (a table after a table, a stream after a stream). Neither do
//!   documents that claim PDF/A-1 or PDF/X-1a, X-2 or X-3 (PDF 1.3 or 1.4,
//!   which have neither), and their version stays as it is.
//! - **One layer per page**: when a page gets a new layer, a layer this
//!   crate wrote earlier (recognised by its marker) is dropped from
//!   `/Contents`, and the invisible text of other producers is cut from the
//!   page's content (`strip.rs`): the page's streams are then replaced by one
//!   new stream. Searching finds each word once.

use crate::font::{self, CodeMap};
use crate::layer::{self, Affine, Prefixed};
use crate::serialize::{self, flate_stream, Entry, ObjectWriter, RealTexts};
use crate::strip;
use crate::{WriteError, WriteOptions};
use lopdf::{Dictionary, Object, ObjectId, Stream};
use ocrloom_ocr::PageResult;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::time::SystemTime;

/// The key marking streams this crate added to a page.
const MARKER: &[u8] = b"OCRLoom";

/// Largest decoded page content searched for an earlier invisible layer.
const MAX_CONTENT: usize = 64 << 20;

/// Deepest page-tree chain searched for inherited attributes.
const MAX_INHERIT_DEPTH: usize = 64;

/// What the update added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GraftStats {
    /// Pages that received a text layer.
    pub pages_with_layer: usize,
    /// Bytes appended to the input.
    pub bytes_added: u64,
}

/// Writes `input` followed by an incremental update adding the text layer of
/// `pages[i]` to page `i` (pages with `None` or without words are untouched).
/// Of `options`, the password opens an encrypted input, and a timestamp
/// becomes the document's `/ModDate`.
pub fn graft(
    input: &[u8],
    pages: &[Option<&PageResult>],
    options: &WriteOptions,
    out: &mut dyn Write,
) -> Result<GraftStats, WriteError> {
    let load = match options.password.as_deref() {
        Some(p) => lopdf::LoadOptions::with_password(p),
        None => lopdf::LoadOptions::default(),
    };
    let doc = lopdf::Document::load_mem_with_options(input, load)
        .map_err(|e| WriteError::PdfUnreadable(e.to_string()))?;
    if doc.is_encrypted() {
        return Err(WriteError::Encrypted);
    }
    let page_ids: Vec<ObjectId> = doc.get_pages().into_values().collect();
    if page_ids.len() != pages.len() {
        return Err(WriteError::Mismatch(format!(
            "the PDF has {} pages, the results describe {}",
            page_ids.len(),
            pages.len()
        )));
    }
    let size_hint = doc
        .trailer
        .get(b"Size")
        .and_then(Object::as_i64)
        .ok()
        .and_then(|s| u32::try_from(s).ok())
        .unwrap_or(0);
    let mut graft = Grafter {
        doc: &doc,
        input,
        reals: RealTexts::new(),
        next_id: doc.max_id.max(size_hint.saturating_sub(1)) + 1,
        objects: Vec::new(),
        variant_ids: BTreeMap::new(),
        codes: CodeMap::default(),
        wrap: None,
        shared_resources: HashMap::new(),
        info: None,
        claims: Claims::of(&doc),
    };
    let mut stats = GraftStats::default();
    for (index, (&page_id, result)) in page_ids.iter().zip(pages).enumerate() {
        let Some(result) = result else { continue };
        if graft
            .page(page_id, result)
            .map_err(|message| WriteError::Page {
                page: index + 1,
                message,
            })?
        {
            stats.pages_with_layer += 1;
        }
    }
    if stats.pages_with_layer == 0 {
        // Nothing to add: the input is the answer.
        out.write_all(input)?;
        return Ok(stats);
    }
    graft.fonts();
    if let Some(t) = options.timestamp {
        graft.mod_date(t);
    }
    let update = graft.finish(input)?;
    out.write_all(input)?;
    out.write_all(&update)?;
    stats.bytes_added = update.len() as u64;
    tracing::debug!(
        pages = stats.pages_with_layer,
        bytes = stats.bytes_added,
        "text layer grafted"
    );
    Ok(stats)
}

struct Grafter<'a> {
    doc: &'a lopdf::Document,
    input: &'a [u8],
    /// The original text of the reals in the objects copied into the update.
    reals: RealTexts,
    next_id: u32,
    /// New objects, in the order they are written.
    objects: Vec<(ObjectId, Object)>,
    /// The Type0 font object of each ascent variant in use.
    variant_ids: BTreeMap<usize, u32>,
    codes: CodeMap,
    /// The `q` and `Q` streams, once written.
    wrap: Option<(u32, u32)>,
    /// The document information dictionary, when the update has a new one.
    info: Option<ObjectId>,
    /// The standards the document claims to meet.
    claims: Claims,
    /// New resource dictionaries made from a shared (indirect) one, by the
    /// original's id, the name prefix and the variants they carry.
    shared_resources: HashMap<(ObjectId, String, Vec<usize>), u32>,
}

fn number(doc: &lopdf::Document, obj: &Object) -> Option<f64> {
    let obj = doc.dereference(obj).ok()?.1;
    obj.as_float().ok().map(f64::from)
}

fn rect(doc: &lopdf::Document, obj: &Object) -> Option<[f64; 4]> {
    let items = doc.dereference(obj).ok()?.1.as_array().ok()?;
    if items.len() != 4 {
        return None;
    }
    let v: Vec<f64> = items.iter().filter_map(|o| number(doc, o)).collect();
    let [x0, y0, x1, y1] = <[f64; 4]>::try_from(v).ok()?;
    Some([x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)])
}

impl Grafter<'_> {
    fn new_id(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn push(&mut self, id: u32, obj: Object) {
        self.objects.push(((id, 0), obj));
    }

    fn dict(&self, obj: &Object) -> Option<Dictionary> {
        match self.doc.dereference(obj).ok()?.1 {
            Object::Dictionary(d) => Some(d.clone()),
            _ => None,
        }
    }

    /// Records the original text of the reals of object `id` (when it is
    /// stored uncompressed in the input), so that its copy writes them as
    /// they were (see [`serialize::real_texts`]).
    fn keep_reals(&mut self, id: ObjectId) {
        let Some(lopdf::xref::XrefEntry::Normal { offset, .. }) =
            self.doc.reference_table.get(id.0)
        else {
            return;
        };
        let Some(rest) = self.input.get(*offset as usize..) else {
            return;
        };
        // The object's text runs to its `endobj` (a page or resource
        // dictionary holds no stream).
        let end = rest
            .windows(6)
            .position(|w| w == b"endobj")
            .unwrap_or(rest.len().min(1 << 16));
        serialize::real_texts(&rest[..end], &mut self.reals);
    }

    /// An attribute of the page or, if absent, of its nearest ancestor.
    fn inherited<'d>(&'d self, page: &'d Dictionary, key: &[u8]) -> Option<&'d Object> {
        let mut node = page;
        for _ in 0..MAX_INHERIT_DEPTH {
            if let Ok(v) = node.get(key) {
                return Some(v);
            }
            let parent = node.get(b"Parent").ok()?;
            node = self.doc.dereference(parent).ok()?.1.as_dict().ok()?;
        }
        None
    }

    /// Adds the layer of `result` to the page; false when there was nothing
    /// to add.
    fn page(&mut self, page_id: ObjectId, result: &PageResult) -> Result<bool, String> {
        let doc = self.doc;
        let page = doc
            .get_dictionary(page_id)
            .map_err(|e| format!("page dictionary: {e}"))?;
        // The copies of the page and of its resources keep their numbers' text.
        self.keep_reals(page_id);
        let mut node = page;
        for _ in 0..MAX_INHERIT_DEPTH {
            for key in [&b"Resources"[..], b"Parent"] {
                if let Ok(Object::Reference(id)) = node.get(key) {
                    self.keep_reals(*id);
                }
            }
            match node
                .get(b"Parent")
                .ok()
                .and_then(|p| doc.dereference(p).ok())
                .and_then(|(_, o)| o.as_dict().ok())
            {
                Some(parent) => node = parent,
                None => break,
            }
        }
        // The displayed area, as PDFium computes it: the crop box clipped to
        // the media box (US Letter when the file gives none).
        let media = self
            .inherited(page, b"MediaBox")
            .and_then(|o| rect(doc, o))
            .unwrap_or([0.0, 0.0, 612.0, 792.0]);
        let crop = self
            .inherited(page, b"CropBox")
            .and_then(|o| rect(doc, o))
            .map(|c| {
                [
                    c[0].max(media[0]),
                    c[1].max(media[1]),
                    c[2].min(media[2]),
                    c[3].min(media[3]),
                ]
            })
            .filter(|c| c[2] > c[0] && c[3] > c[1])
            .unwrap_or(media);
        let rotate = self
            .inherited(page, b"Rotate")
            .and_then(|o| number(doc, o))
            .map_or(0, |r| ((r as i64 / 90).rem_euclid(4) * 90) as u16);

        // Font resource names that cannot clash with the page's own.
        let resources = self
            .inherited(page, b"Resources")
            .and_then(|o| self.dict(o))
            .unwrap_or_default();
        let fonts = resources
            .get(b"Font")
            .ok()
            .and_then(|o| self.dict(o))
            .unwrap_or_default();
        // Short: the layer names a font at every change of variant.
        let prefix = (0..)
            .map(|i| {
                if i == 0 {
                    "L".to_string()
                } else {
                    format!("L{i}_")
                }
            })
            .find(|p| !fonts.iter().any(|(k, _)| k.starts_with(p.as_bytes())))
            .unwrap_or_default();

        let to_user = Affine::for_pdf_page(crop, rotate, result.width, result.height);
        let (content, used) = layer::content(result, &to_user, &mut self.codes, &Prefixed(&prefix));
        if content.is_empty() {
            return Ok(false);
        }

        // Resources: the effective ones plus the layer's fonts.
        let mut font_dict = fonts;
        for &k in &used {
            let id = match self.variant_ids.get(&k) {
                Some(&id) => id,
                None => {
                    let id = self.new_id();
                    self.variant_ids.insert(k, id);
                    id
                }
            };
            font_dict.set(format!("{prefix}{k}"), Object::Reference((id, 0)));
        }
        let forms = resources.get(b"XObject").ok().and_then(|o| self.dict(o));
        let mut new_resources = resources;
        new_resources.set("Font", Object::Dictionary(font_dict));
        let resources_obj = match self.inherited(page, b"Resources") {
            Some(Object::Reference(shared)) => {
                let key = (*shared, prefix.clone(), used.iter().copied().collect());
                let id = match self.shared_resources.get(&key) {
                    Some(&id) => id,
                    None => {
                        let id = self.new_id();
                        self.push(id, Object::Dictionary(new_resources));
                        self.shared_resources.insert(key, id);
                        id
                    }
                };
                Object::Reference((id, 0))
            }
            _ => Object::Dictionary(new_resources),
        };

        // Contents: the original's streams (minus an earlier layer of ours),
        // wrapped in q/Q, then the new layer.
        let original: Vec<Object> = match page.get(b"Contents") {
            Ok(Object::Reference(id)) => match doc.get_object(*id) {
                Ok(Object::Array(items)) => items.clone(),
                _ => vec![Object::Reference(*id)],
            },
            Ok(Object::Array(items)) => items.clone(),
            _ => Vec::new(),
        };
        let original: Vec<Object> = original.into_iter().filter(|o| !self.is_ours(o)).collect();
        let original = self.without_invisible_text(original, forms.as_ref());
        let layer_id = self.new_id();
        let mut layer_dict = Dictionary::new();
        layer_dict.set(MARKER, Object::Name(b"TextLayer".to_vec()));
        self.push(layer_id, flate_stream(layer_dict, &content));
        let mut contents = Vec::with_capacity(original.len() + 3);
        if !original.is_empty() {
            let (q, big_q) = self.wrap_streams();
            contents.push(Object::Reference((q, 0)));
            contents.extend(original);
            contents.push(Object::Reference((big_q, 0)));
        }
        contents.push(Object::Reference((layer_id, 0)));

        let mut new_page = page.clone();
        new_page.set("Contents", Object::Array(contents));
        new_page.set("Resources", resources_obj);
        self.objects.push((page_id, Object::Dictionary(new_page)));
        Ok(true)
    }

    /// The page's content streams, or one new stream with their content
    /// without an earlier invisible text layer (see `strip.rs`). Content that
    /// cannot be decoded is left as it is.
    fn without_invisible_text(
        &mut self,
        original: Vec<Object>,
        forms: Option<&Dictionary>,
    ) -> Vec<Object> {
        // One budget for everything decoded here: a page cannot make this
        // decode more than MAX_CONTENT, however many streams or forms it lists.
        let budget = Cell::new(MAX_CONTENT);
        let plain = |obj: &Object| match self.doc.dereference(obj) {
            Ok((_, Object::Stream(s))) => {
                let bytes = s.get_plain_content_with_limit(budget.get()).ok()?;
                budget.set(budget.get().saturating_sub(bytes.len()));
                Some(bytes)
            }
            _ => None,
        };
        let mut content = Vec::new();
        for obj in &original {
            let Some(bytes) = plain(obj) else {
                return original;
            };
            // Streams are joined as if one: a token never spans two of them.
            content.extend_from_slice(&bytes);
            content.push(b'\n');
        }
        let seen: RefCell<HashMap<Vec<u8>, bool>> = RefCell::default();
        let hidden_form = |name: &[u8]| {
            if let Some(&hidden) = seen.borrow().get(name) {
                return hidden;
            }
            let hidden = match forms.and_then(|f| f.get(name).ok()) {
                Some(obj) => match self.doc.dereference(obj) {
                    Ok((_, Object::Stream(s)))
                        if s.dict.get(b"Subtype").and_then(Object::as_name).ok()
                            == Some(b"Form") =>
                    {
                        plain(obj).is_some_and(|c| strip::is_invisible_text_only(&c))
                    }
                    _ => false,
                },
                None => false,
            };
            seen.borrow_mut().insert(name.to_vec(), hidden);
            hidden
        };
        let Some(stripped) = strip::drop_invisible_text(&content, hidden_form) else {
            return original;
        };
        let id = self.new_id();
        self.push(id, flate_stream(Dictionary::new(), &stripped));
        vec![Object::Reference((id, 0))]
    }

    /// True for a content stream this crate added (a layer or a q/Q wrapper).
    fn is_ours(&self, obj: &Object) -> bool {
        match self.doc.dereference(obj) {
            Ok((_, Object::Stream(s))) => s.dict.has(MARKER),
            _ => false,
        }
    }

    fn wrap_streams(&mut self) -> (u32, u32) {
        if let Some(ids) = self.wrap {
            return ids;
        }
        let (q, big_q) = (self.new_id(), self.new_id());
        let mut dict = Dictionary::new();
        dict.set(MARKER, Object::Name(b"Wrap".to_vec()));
        self.push(
            q,
            Object::Stream(Stream::new(dict.clone(), b"q\n".to_vec())),
        );
        self.push(big_q, Object::Stream(Stream::new(dict, b"\nQ\n".to_vec())));
        self.wrap = Some((q, big_q));
        (q, big_q)
    }

    /// The font objects of every variant in use, sharing one program,
    /// one CIDToGIDMap and one ToUnicode CMap.
    fn fonts(&mut self) {
        let [program, gid_map, to_unicode] = [self.new_id(), self.new_id(), self.new_id()];
        let [p, g, t] = font_streams(&self.codes);
        self.push(program, p);
        self.push(gid_map, g);
        self.push(to_unicode, t);
        let variants: Vec<(usize, u32)> =
            self.variant_ids.iter().map(|(&k, &id)| (k, id)).collect();
        for (k, type0) in variants {
            let (cid, descriptor) = (self.new_id(), self.new_id());
            let objects = font_objects(k, type0, cid, descriptor, program, gid_map, to_unicode);
            self.objects.extend(objects);
        }
    }

    /// A new version of the catalog saying `/Version /1.5` (object streams
    /// and cross-reference streams are PDF 1.5), when neither the header
    /// nor the catalog says 1.5 or later.
    fn catalog_version(&mut self) {
        let doc = self.doc;
        let at_least_1_5 = |v: &[u8]| {
            let v = String::from_utf8_lossy(v);
            let mut parts = v.trim().splitn(2, '.');
            let major = parts.next().and_then(|m| m.parse::<u32>().ok());
            let minor = parts.next().map_or(Some(0), |m| m.parse::<u32>().ok());
            matches!((major, minor), (Some(m), Some(n)) if (m, n) >= (1, 5))
        };
        if at_least_1_5(doc.version.as_bytes()) {
            return;
        }
        let Ok(root) = doc.trailer.get(b"Root").and_then(Object::as_reference) else {
            return;
        };
        let Ok(catalog) = doc.get_dictionary(root) else {
            return;
        };
        if catalog
            .get(b"Version")
            .and_then(Object::as_name)
            .is_ok_and(at_least_1_5)
        {
            return;
        }
        self.keep_reals(root);
        let mut catalog = catalog.clone();
        catalog.set("Version", Object::Name(b"1.5".to_vec()));
        self.objects.push((root, Object::Dictionary(catalog)));
    }

    /// A new version of the document information dictionary with
    /// `/ModDate` (a new dictionary when there is none), unless the
    /// document claims PDF/A or PDF/X: its XMP metadata would have to say
    /// the same.
    fn mod_date(&mut self, t: SystemTime) {
        if self.claims.any() {
            tracing::info!("the document claims PDF/A or PDF/X: its dates are left as they are");
            return;
        }
        let original = self.doc.trailer.get(b"Info").ok();
        let (id, mut info) = match original.and_then(|i| self.doc.dereference(i).ok()) {
            Some((Some(id), Object::Dictionary(info))) => {
                self.keep_reals(id);
                (id, info.clone())
            }
            // A direct dictionary in the trailer (rare) becomes an object of
            // its own; so does a new one.
            found => {
                let info = found.and_then(|(_, i)| i.as_dict().ok()).cloned();
                ((self.new_id(), 0), info.unwrap_or_default())
            }
        };
        info.set("ModDate", crate::pdf_time(t));
        self.objects.push((id, Object::Dictionary(info)));
        self.info = Some(id);
    }

    /// The update after the input: objects, cross-reference section, trailer.
    ///
    /// The new non-stream objects go into object streams and the section
    /// is a cross-reference stream, except for encrypted documents and those
    /// pinned to PDF 1.4 (see [`Claims::pinned_to_pdf_1_4`]): their update keeps the form of the original's last
    /// section, every object written as it is (in an encrypted document an
    /// object stream would have to be encrypted as a whole, its objects'
    /// strings not; one rule for all objects is simpler, and the saving on a
    /// few dictionaries is small).
    fn finish(mut self, input: &[u8]) -> Result<Vec<u8>, WriteError> {
        let doc = self.doc;
        let state = doc.encryption_state.clone();
        let pack = state.is_none() && !self.claims.pinned_to_pdf_1_4();
        if pack {
            self.catalog_version();
        }
        let newline = !matches!(input.last(), Some(b'\n' | b'\r'));
        // The separating newline is part of the update (counted by `buf`).
        let mut w = ObjectWriter::new(input.len() as u64);
        w.reals = std::mem::take(&mut self.reals);
        if newline {
            w.buf.push(b'\n');
        }
        if pack {
            w.pack();
        }
        for (id, mut obj) in std::mem::take(&mut self.objects) {
            if let Some(state) = &state {
                lopdf::encryption::encrypt_object(state, id, &mut obj)
                    .map_err(|e| WriteError::PdfUnreadable(format!("cannot encrypt: {e}")))?;
            }
            w.indirect(id, &obj);
        }
        w.object_streams(|| self.new_id());
        let mut trailer = Dictionary::new();
        for key in [&b"Root"[..], b"Info", b"ID"] {
            if let Ok(v) = doc.trailer.get(key) {
                trailer.set(key, v.clone());
            }
        }
        if let Some(info) = self.info {
            trailer.set("Info", Object::Reference(info));
        }
        if let Some(state) = &state {
            match state.encrypt_object_id() {
                Some(id) => trailer.set("Encrypt", Object::Reference(id)),
                None => return Err(WriteError::Encrypted),
            }
        }
        let repaired = doc.xref_recovery.is_some() || !xref_at(input, doc.xref_start);
        let mut compressed = false;
        if repaired {
            // The old sections cannot be trusted: list every object.
            w.entries.entry(0).or_insert(Entry::Free);
            for (&id, e) in &doc.reference_table.entries {
                let entry = match *e {
                    lopdf::xref::XrefEntry::Normal { offset, generation } => {
                        Entry::Offset(u64::from(offset), generation)
                    }
                    lopdf::xref::XrefEntry::Compressed { container, index } => {
                        compressed = true;
                        Entry::Compressed(container, index)
                    }
                    _ => continue,
                };
                w.entries.entry(id).or_insert(entry);
            }
            tracing::warn!("damaged cross-reference data: the update lists every object");
        } else {
            trailer.set("Prev", doc.xref_start as i64);
        }
        let stream = pack
            || compressed
            || matches!(
                doc.reference_table.cross_reference_type,
                lopdf::xref::XrefType::CrossReferenceStream
            );
        Ok(if stream {
            let id = self.new_id();
            trailer.set("Size", i64::from(self.next_id));
            w.finish_stream(trailer, id)
        } else {
            w.finish_table(trailer, self.next_id)
        })
    }
}

/// Largest XMP metadata stream searched for a standard's claim.
const MAX_METADATA: usize = 4 << 20;

/// The PDF/A part and the PDF/X version a document claims, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Claims {
    /// `pdfaid:part="1"` (attribute) or `<pdfaid:part>1</pdfaid:part>` in
    /// the XMP metadata.
    pdfa: Option<u32>,
    /// The Info dictionary's `/GTS_PDFXVersion (PDF/X-3:2002)`, or the same
    /// value in the XMP.
    pdfx: Option<u32>,
}

impl Claims {
    fn of(doc: &lopdf::Document) -> Self {
        let xmp = xmp(doc).unwrap_or_default();
        let info = doc
            .trailer
            .get(b"Info")
            .and_then(|i| doc.dereference(i))
            .and_then(|(_, i)| i.as_dict())
            .and_then(|i| i.get(b"GTS_PDFXVersion"))
            .and_then(Object::as_str)
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_default();
        Claims {
            pdfa: number_after(&xmp, "pdfaid:part"),
            pdfx: number_after(&info, "PDF/X-").or_else(|| number_after(&xmp, "PDF/X-")),
        }
    }

    /// True for a standard that pins the document to PDF 1.4 or earlier,
    /// which has neither object streams nor cross-reference streams:
    /// PDF/A-1 (PDF 1.4), or PDF/X-1a, X-2 or X-3 (PDF 1.3 or 1.4; PDF/X-4
    /// is PDF 1.6). The update must keep such a claim true.
    fn pinned_to_pdf_1_4(self) -> bool {
        self.pdfa == Some(1) || self.pdfx.is_some_and(|v| (1..4).contains(&v))
    }

    /// True for any PDF/A or PDF/X claim: their validators want the Info
    /// dictionary's dates to agree with the XMP metadata's.
    fn any(self) -> bool {
        self.pdfa.is_some() || self.pdfx.is_some()
    }
}

/// The document's XMP metadata, as text.
fn xmp(doc: &lopdf::Document) -> Option<String> {
    let metadata = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"Metadata").ok())
        .and_then(|m| doc.dereference(m).ok());
    let Some((_, Object::Stream(s))) = metadata else {
        return None;
    };
    let xmp = s.get_plain_content_with_limit(MAX_METADATA).ok()?;
    Some(String::from_utf8_lossy(&xmp).into_owned())
}

/// The number that follows the first `key` in `text` (after any
/// whitespace, `=`, quote or `>`), if any.
fn number_after(text: &str, key: &str) -> Option<u32> {
    text.split(key).skip(1).find_map(|rest| {
        let value = rest.trim_start_matches(|c: char| c.is_whitespace() || "=\"'>".contains(c));
        value
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|n| n.parse().ok())
    })
}

/// True when `offset` holds a cross-reference table or stream object.
fn xref_at(input: &[u8], offset: usize) -> bool {
    let Some(rest) = input.get(offset..) else {
        return false;
    };
    let rest = &rest[..rest.len().min(64)];
    if rest.starts_with(b"xref") {
        return true;
    }
    // "N G obj"
    let text = String::from_utf8_lossy(rest);
    let mut parts = text.split_ascii_whitespace();
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(n), Some(g), Some(o)) if n.parse::<u32>().is_ok() && g.parse::<u16>().is_ok() && o.starts_with("obj")
    )
}

/// The streams all font variants share: the font program, the
/// `CIDToGIDMap` and the `ToUnicode` CMap of `codes`.
pub(crate) fn font_streams(codes: &CodeMap) -> [Object; 3] {
    let ttf = font::glyphless_ttf();
    let mut program = Dictionary::new();
    program.set("Length1", ttf.len() as i64);
    [
        flate_stream(program, &ttf),
        flate_stream(Dictionary::new(), &font::cid_to_gid_map()),
        flate_stream(Dictionary::new(), &codes.to_unicode_cmap()),
    ]
}

/// The Type0 font, its CIDFontType2 and its descriptor for ascent variant `k`.
pub(crate) fn font_objects(
    k: usize,
    type0: u32,
    cid: u32,
    descriptor: u32,
    program: u32,
    gid_map: u32,
    to_unicode: u32,
) -> [(ObjectId, Object); 3] {
    let name = |s: &str| Object::Name(s.as_bytes().to_vec());
    let ascent = (font::variant_ascent(k) * f32::from(font::UNITS_PER_EM)).round() as i64;
    let mut t0 = Dictionary::new();
    t0.set("Type", name("Font"));
    t0.set("Subtype", name("Type0"));
    t0.set("BaseFont", name("GlyphLessFont"));
    t0.set("Encoding", name("Identity-H"));
    t0.set(
        "DescendantFonts",
        Object::Array(vec![Object::Reference((cid, 0))]),
    );
    t0.set("ToUnicode", Object::Reference((to_unicode, 0)));
    let mut info = Dictionary::new();
    info.set("Registry", Object::string_literal("Adobe"));
    info.set("Ordering", Object::string_literal("Identity"));
    info.set("Supplement", 0);
    let mut c = Dictionary::new();
    c.set("Type", name("Font"));
    c.set("Subtype", name("CIDFontType2"));
    c.set("BaseFont", name("GlyphLessFont"));
    c.set("CIDSystemInfo", Object::Dictionary(info));
    c.set("FontDescriptor", Object::Reference((descriptor, 0)));
    c.set("DW", i64::from(font::ADVANCE));
    c.set("CIDToGIDMap", Object::Reference((gid_map, 0)));
    let mut d = Dictionary::new();
    d.set("Type", name("FontDescriptor"));
    d.set("FontName", name("GlyphLessFont"));
    // Fixed pitch + symbolic.
    d.set("Flags", 5);
    d.set(
        "FontBBox",
        Object::Array(vec![
            0.into(),
            0.into(),
            i64::from(font::ADVANCE).into(),
            ascent.into(),
        ]),
    );
    d.set("ItalicAngle", 0);
    d.set("Ascent", ascent);
    // Not 0: readers take 0 as "unknown" and substitute a deep default.
    d.set("Descent", -1);
    d.set("CapHeight", ascent);
    d.set("StemV", 80);
    d.set("FontFile2", Object::Reference((program, 0)));
    [
        ((type0, 0), Object::Dictionary(t0)),
        ((cid, 0), Object::Dictionary(c)),
        ((descriptor, 0), Object::Dictionary(d)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_metadata(xmp: &str) -> lopdf::Document {
        let mut doc = lopdf::Document::with_version("1.4");
        let metadata = doc.add_object(Stream::new(Dictionary::new(), xmp.as_bytes().to_vec()));
        let mut catalog = Dictionary::new();
        catalog.set("Type", Object::Name(b"Catalog".to_vec()));
        catalog.set("Metadata", Object::Reference(metadata));
        let root = doc.add_object(catalog);
        doc.trailer.set("Root", Object::Reference(root));
        doc
    }

    fn pinned(doc: &lopdf::Document) -> bool {
        Claims::of(doc).pinned_to_pdf_1_4()
    }

    #[test]
    fn pdfa_1_is_recognised_in_both_xmp_forms() {
        assert!(pinned(&with_metadata(
            r#"<rdf:Description pdfaid:part="1"/>"#
        )));
        assert!(pinned(&with_metadata("<pdfaid:part>\n 1\n</pdfaid:part>")));
        let pdfa_2 = Claims::of(&with_metadata(r#"<rdf:Description pdfaid:part="2"/>"#));
        assert!(!pdfa_2.pinned_to_pdf_1_4() && pdfa_2.any());
        assert!(!pinned(&with_metadata("<pdfaid:part>12</pdfaid:part>")));
        assert!(!Claims::of(&with_metadata("no claim")).any());
    }

    #[test]
    fn pdfx_before_4_is_recognised_in_info_and_xmp() {
        let with_info = |version: &str| {
            let mut doc = with_metadata("no claim");
            let mut info = Dictionary::new();
            info.set("GTS_PDFXVersion", Object::string_literal(version));
            let info = doc.add_object(info);
            doc.trailer.set("Info", Object::Reference(info));
            doc
        };
        assert!(pinned(&with_info("PDF/X-3:2002")));
        assert!(pinned(&with_info("PDF/X-1a:2001")));
        let pdfx_4 = Claims::of(&with_info("PDF/X-4"));
        assert!(!pdfx_4.pinned_to_pdf_1_4() && pdfx_4.any());
        assert!(pinned(&with_metadata(
            "<pdfxid:GTS_PDFXVersion>PDF/X-3:2002</pdfxid:GTS_PDFXVersion>"
        )));
        assert!(!pinned(&with_metadata(
            "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>"
        )));
    }
}
