//! The page plan: how the Tesseract engine prepares a page, decides its
//! orientation and script, reads it, reads again what its layout analysis
//! got wrong (furigana, [`crate::ruby`]; rows cut short, [`crate::missed`]),
//! and maps the result back.

use crate::engine::Engine;
use crate::geometry::{effective_dpi, square, Frame};
use crate::lang::Tessdata;
use crate::preprocess;
use crate::result::{BBox, Block, Line, PageResult, Paragraph, Word};
use crate::settings::{Preprocess, Settings};
use crate::tess::{self, RawBlock, Stop};
use crate::tesseract::TesseractEngine;
use crate::{CancelToken, OcrError};
use image::GrayImage;
use ocrloom_raster::Page;
use std::borrow::Cow;

impl Engine for TesseractEngine {
    fn name(&self) -> &str {
        "tesseract"
    }

    fn tessdata(&self) -> Option<&Tessdata> {
        Some(TesseractEngine::tessdata(self))
    }

    fn recognize_cancellable(
        &self,
        page: &Page,
        settings: &Settings,
        cancel: &CancelToken,
    ) -> Result<PageResult, OcrError> {
        let stop = Stop::starting_now(cancel, settings.page_timeout);
        stop.check()?;
        let pre = &settings.preprocess;
        let (w, h) = (page.image.width(), page.image.height());
        let index = page.info.index;
        if w == 0 || h == 0 {
            return Ok(PageResult::empty(index, w, h, 300.0));
        }
        let lang = settings.languages.resolve(&self.tessdata)?;
        let gray = preprocess::to_gray(&page.image);
        let square = square(page);
        let gray: Cow<GrayImage> = match square {
            Some((sw, sh)) => Cow::Owned(preprocess::resize(&gray, sw, sh)?),
            None => gray,
        };
        let square = square.unwrap_or((w, h));

        let stats = preprocess::page_stats(&gray);
        let text_h = stats.text_height;
        let dpi = effective_dpi(page, text_h);
        if stats.blank {
            // Nothing to read: skip OSD and recognition, which would still
            // analyse the layout of the noise and could "read" specks.
            tracing::debug!(page = index, "blank page");
            return Ok(PageResult::empty(index, w, h, dpi));
        }
        let mut factor = 1.0f32;
        if pre.normalize_resolution {
            if let Some(th) = text_h {
                if th < pre.target_text_height {
                    factor = (pre.target_text_height / th).min(pre.max_upscale.max(1.0));
                } else if pre.reduce_above > 0.0 && th > pre.reduce_above * pre.target_text_height {
                    factor = pre.reduce_to * pre.target_text_height / th;
                }
            }
            // Below ~5% change the resampling costs more than it brings.
            if (factor - 1.0).abs() < 0.05 {
                factor = 1.0;
            }
        }
        let gray: Cow<GrayImage> = match stats.backdrop {
            Some(b) => Cow::Owned(preprocess::paint_backdrop(&gray, b)),
            None => gray,
        };
        // A skewed page is levelled: Tesseract's own handling of skew loses
        // words from a fraction of a degree on, and most of the page past a
        // few degrees (phototest turned 7 degrees: 48 of its 60 words read;
        // 12 degrees: none). Pages on their side are levelled too: their
        // lines are found running down the page. Before scaling: on the
        // smaller image (most pages are enlarged), and no more page images
        // in memory at once than scaling alone holds.
        let skew = match (pre.deskew, text_h) {
            (true, Some(th)) => preprocess::find_skew(&gray, stats.threshold, th)
                .filter(|a| a.abs() >= pre.min_skew),
            _ => None,
        };
        let gray: Cow<GrayImage> = match skew {
            Some(degrees) => {
                let levelled = preprocess::level(&gray, degrees);
                drop(gray);
                Cow::Owned(levelled)
            }
            None => gray,
        };
        let scaled: Cow<GrayImage> = if factor != 1.0 {
            let scaled = preprocess::scale(&gray, factor)?;
            // Not kept alive beside the scaled copy while Tesseract reads.
            drop(gray);
            Cow::Owned(scaled)
        } else {
            gray
        };
        let ppi = (dpi * factor).round().clamp(70.0, 4800.0) as i32;
        tracing::debug!(
            page = index,
            text_h,
            factor,
            ppi,
            skew,
            threshold = stats.threshold,
            "prepared"
        );
        // How the prepared image maps back, before any turn.
        let frame = Frame {
            w,
            h,
            square,
            level: skew,
            scale: factor,
            rot: 0,
        };

        // Read first: a page that reads clearly as it is is upright, and the
        // read is the result. OSD costs about half a recognition, so this
        // saves that on nearly every page and costs one extra read on the
        // rare turned page.
        let mut first = None;
        if let (true, true, Some(l)) = (pre.orientation, pre.read_first, &lang) {
            stop.check()?;
            let raw =
                self.with_handle(l, tess::PSM_AUTO, |hd| hd.recognize(&scaled, ppi, &stop))??;
            let r = Readability::of(&raw);
            tracing::debug!(
                page = index,
                words = r.words,
                across = r.across,
                mean_conf = r.mean_conf,
                "first read"
            );
            if r.reads_clearly() {
                let again = Again {
                    img: &scaled,
                    lang: l,
                    psm: tess::PSM_AUTO,
                    ppi,
                    threshold: stats.threshold,
                };
                let raw = self.read_again(raw, &again, settings, &stop)?;
                return Ok(build(index, dpi, l, frame, raw));
            }
            first = Some(raw);
        }
        // Orientation and, for `Auto`, the script, from OSD. On the enlarged
        // image: on the original, small text gets wrong directions (an
        // upright letter read as turned 180 with confidence 10.6, see
        // `PREPROCESSING.md`).
        let want_osd = (pre.orientation || lang.is_none()) && self.tessdata.has_osd;
        // Before each step that Tesseract cannot interrupt.
        stop.check()?;
        let osd = if want_osd {
            self.with_handle("osd", tess::PSM_OSD_ONLY, |hd| {
                hd.detect_orientation(&scaled, ppi)
            })?
        } else {
            None
        };
        // A page OSD finds in Han script may be Japanese or Chinese: read
        // as Japanese first, and as Chinese when no kana come back.
        let han = lang.is_none() && osd.as_ref().is_some_and(|o| o.script == "Han");
        let lang = match lang {
            Some(l) => l,
            None => osd
                .as_ref()
                .and_then(|o| self.tessdata.model_for_script(&o.script))
                .or_else(|| self.tessdata.model_for_script("Latin"))
                .ok_or_else(|| OcrError::UnsupportedLanguage {
                    requested: "auto".into(),
                    installed: self.tessdata.languages.clone(),
                })?,
        };
        let mut rot = 0u16;
        if let (true, Some(o)) = (pre.orientation, &osd) {
            // OSD reports how far the page was turned clockwise (a page
            // turned 90 degrees clockwise reads 90, "Rotate: 270" in the
            // CLI); turning it clockwise by the rest of 360 undoes it.
            let proposed = ((360 - o.orient_deg.rem_euclid(360)) % 360) as u16;
            let sth = text_h.unwrap_or(pre.target_text_height) * factor;
            rot = if proposed == 0 && (o.orient_conf >= OSD_SURE_UPRIGHT || !pre.verify_orientation)
            {
                0
            } else if pre.verify_orientation {
                self.check_orientation(
                    &scaled,
                    stats.threshold,
                    sth,
                    proposed,
                    o.orient_conf,
                    pre,
                    &lang,
                    ppi,
                    &stop,
                )?
            } else if o.orient_conf >= pre.min_orientation_confidence {
                proposed
            } else {
                0
            };
            tracing::debug!(
                page = index,
                deg = o.orient_deg,
                conf = o.orient_conf,
                script = %o.script,
                script_conf = o.script_conf,
                rot,
                "osd"
            );
        }
        let upright = if rot != 0 {
            Cow::Owned(preprocess::rotate(&scaled, rot))
        } else {
            scaled
        };
        drop(osd);

        let raw = match first {
            Some(raw) if rot == 0 => raw,
            _ => {
                stop.check()?;
                self.with_handle(&lang, tess::PSM_AUTO, |hd| {
                    hd.recognize(&upright, ppi, &stop)
                })??
            }
        };
        let read = |lang: &str, psm: u32| -> Result<Vec<RawBlock>, OcrError> {
            stop.check()?;
            self.with_handle(lang, psm, |hd| hd.recognize(&upright, ppi, &stop))?
        };
        let (mut lang, mut raw) = (lang, raw);
        let mut shape = Shape::of(&raw);
        let mut psm = tess::PSM_AUTO;
        if han && lang == "jpn" && !shape.has_kana() {
            if let Some(chinese) = self.tessdata.chinese_model() {
                tracing::debug!(
                    page = index,
                    kana = shape.kana,
                    cjk = shape.cjk,
                    "Han without kana: Chinese"
                );
                raw = read(&chinese, tess::PSM_AUTO)?;
                lang = chinese;
                shape = Shape::of(&raw);
            }
        }
        // Columns of Chinese or Japanese read with the horizontal model come
        // out as nonsense: a page mostly in columns is read again with the
        // vertical models added. Tesseract's automatic layout finds some
        // pages' columns and misses others' (a traditional Chinese page:
        // 95.5% CER with it, 1.0% read as one block of vertical text), so
        // the page is also read as one vertical block, and the reading
        // Tesseract is surer of is kept.
        if shape.mostly_vertical() {
            let added = self.tessdata.with_vertical(&lang);
            let has_vertical = lang.split('+').any(|c| c.ends_with("_vert"));
            if let Some(with_vert) = added.clone().or(has_vertical.then(|| lang.clone())) {
                if added.is_some() {
                    raw = read(&with_vert, tess::PSM_AUTO)?;
                }
                let block = read(&with_vert, tess::PSM_VERTICAL_BLOCK)?;
                let (auto, one) = (char_confidence(&raw), char_confidence(&block));
                tracing::debug!(
                    page = index,
                    vertical = shape.vertical,
                    chars = shape.chars,
                    auto,
                    block = one,
                    "vertical text"
                );
                if one > auto {
                    raw = block;
                    psm = tess::PSM_VERTICAL_BLOCK;
                }
                lang = with_vert;
            }
        }
        let again = Again {
            img: &upright,
            lang: &lang,
            psm,
            ppi,
            threshold: stats.threshold,
        };
        let raw = self.read_again(raw, &again, settings, &stop)?;
        Ok(build(index, dpi, &lang, Frame { rot, ..frame }, raw))
    }
}

/// How a reading was made, for reading parts of it again: the image read,
/// in `lang` with segmentation mode `psm` at `ppi`, ink darker than
/// `threshold`.
struct Again<'a> {
    img: &'a GrayImage,
    lang: &'a str,
    psm: u32,
    ppi: i32,
    threshold: u8,
}

impl TesseractEngine {
    /// `raw` with what Tesseract's layout analysis got wrong read again:
    /// furigana blanked out ([`TesseractEngine::without_ruby`]), then rows
    /// cut short ([`TesseractEngine::read_missed`]); `raw` itself with
    /// [`Settings::keep_noise`].
    fn read_again(
        &self,
        raw: Vec<RawBlock>,
        again: &Again<'_>,
        settings: &Settings,
        stop: &Stop<'_>,
    ) -> Result<Vec<RawBlock>, OcrError> {
        if settings.keep_noise {
            return Ok(raw);
        }
        let vertical = Shape::of(&raw).mostly_vertical();
        let raw = self.without_ruby(raw, again, vertical, stop)?;
        self.read_missed(raw, again, vertical, stop)
    }

    /// `raw` with each horizontal line that has missed ink on its row
    /// ([`crate::missed`]) read again as one line over it, where that reads
    /// better; `raw` itself on pages in columns (`vertical`) and in Chinese
    /// or Japanese.
    fn read_missed(
        &self,
        mut raw: Vec<RawBlock>,
        again: &Again<'_>,
        vertical: bool,
        stop: &Stop<'_>,
    ) -> Result<Vec<RawBlock>, OcrError> {
        let Again {
            img,
            lang,
            ppi,
            threshold,
            ..
        } = *again;
        // Chinese and Japanese: Tesseract reads a character a word, which
        // leaves [`crate::missed::better`] no words to compare.
        if lang.split('+').any(crate::lang::is_cjk) || vertical {
            return Ok(raw);
        }
        let missed = crate::missed::find(&raw, img, threshold);
        let mut replaced = 0;
        for m in &missed {
            stop.check()?;
            let r = m.region;
            // In black and white at the page's threshold: on a crop of a
            // row, mostly paper, Tesseract's own threshold can split the
            // paper's grain from the paper and read nothing.
            let mut crop =
                image::imageops::crop_imm(img, r.x0, r.y0, r.width(), r.height()).to_image();
            for p in crop.pixels_mut() {
                p.0[0] = if p.0[0] < threshold { 0 } else { 255 };
            }
            // A row Tesseract fails on keeps its first reading.
            let read = match self.with_handle(lang, tess::PSM_SINGLE_LINE, |hd| {
                hd.recognize(&crop, ppi, stop)
            })? {
                Ok(read) => read,
                Err(OcrError::OcrFailed(e)) => {
                    tracing::debug!("row read again failed: {e}");
                    continue;
                }
                Err(e) => return Err(e),
            };
            let mut words: Vec<tess::RawWord> = read
                .into_iter()
                .flat_map(|b| b.paras)
                .flat_map(|p| p.lines)
                .flat_map(|l| l.words)
                .collect();
            for w in &mut words {
                let b = w.bbox;
                w.bbox = BBox {
                    x0: b.x0 + r.x0,
                    y0: b.y0 + r.y0,
                    x1: b.x1 + r.x0,
                    y1: b.y1 + r.y0,
                };
            }
            let (b, p, l) = m.at;
            let line = &mut raw[b].paras[p].lines[l];
            // Beyond the line's ends only what stands on the missed ink: the
            // rest was specks and marks.
            words.retain(|w| m.holds(&w.bbox, &line.bbox));
            if !crate::missed::better(line, &words, m) {
                continue;
            }
            if let Some(row) = words.iter().map(|w| w.bbox).reduce(|a, b| a.union(&b)) {
                line.bbox = line.bbox.union(&row);
                line.words = words;
                let para = &mut raw[b].paras[p];
                para.bbox = para.bbox.union(&row);
                raw[b].bbox = raw[b].bbox.union(&row);
                replaced += 1;
            }
        }
        tracing::debug!(missed = missed.len(), replaced, "lines with missed ink");
        Ok(raw)
    }

    /// The page read again with its furigana blanked out, when `raw` (in
    /// columns: `vertical`) is Japanese with ruby lines (see
    /// [`crate::ruby`]); `raw` itself otherwise. The ruby lines found are
    /// kept, flagged as noise, in a block of their own at the end.
    fn without_ruby(
        &self,
        mut raw: Vec<RawBlock>,
        again: &Again<'_>,
        vertical: bool,
        stop: &Stop<'_>,
    ) -> Result<Vec<RawBlock>, OcrError> {
        let Again {
            img,
            lang,
            psm,
            ppi,
            ..
        } = *again;
        if !lang.split('+').any(crate::lang::is_japanese) {
            return Ok(raw);
        }
        let mut ruby = crate::ruby::take_lines(&mut raw, vertical);
        if ruby.is_empty() {
            return Ok(raw);
        }
        // Each reading with more ruby blanked out can show ruby the one
        // before had read into the body's lines.
        for _ in 0..RUBY_READS {
            tracing::debug!(lines = ruby.len(), "furigana blanked, read again");
            let boxes: Vec<BBox> = ruby
                .iter()
                .flat_map(|l| l.words.iter().map(|w| w.bbox))
                .collect();
            let blanked = crate::ruby::blank(img, &boxes);
            stop.check()?;
            // Should Tesseract fail on the blanked page, the reading before
            // stays, without its ruby lines.
            raw = match self.with_handle(lang, psm, |hd| hd.recognize(&blanked, ppi, stop))? {
                Ok(read) => read,
                Err(OcrError::OcrFailed(e)) => {
                    tracing::debug!("reading without furigana failed: {e}");
                    break;
                }
                Err(e) => return Err(e),
            };
            let more = crate::ruby::take_lines(&mut raw, vertical);
            if more.is_empty() {
                break;
            }
            ruby.extend(more);
        }
        raw.push(crate::ruby::flagged_block(ruby));
        Ok(raw)
    }
}

/// The mean confidence of a reading's characters (each word's confidence
/// counted once per character, so that Chinese and Japanese, read a
/// character a word, weigh as much as words of letters); 0 when empty.
fn char_confidence(raw: &[RawBlock]) -> f32 {
    let (mut sum, mut n) = (0.0f32, 0usize);
    for w in raw
        .iter()
        .flat_map(|b| &b.paras)
        .flat_map(|p| &p.lines)
        .flat_map(|l| &l.words)
    {
        let chars = w.text.chars().filter(|c| !c.is_whitespace()).count();
        sum += w.confidence * chars as f32;
        n += chars;
    }
    if n == 0 {
        0.0
    } else {
        sum / n as f32
    }
}

/// What kind of text a recognition result holds, to choose the models.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Shape {
    /// Characters read, spaces aside.
    pub chars: usize,
    /// Those on lines standing upright (columns): at least
    /// [`VERTICAL_LINE_RATIO`] times taller than wide, with at least
    /// [`VERTICAL_LINE_MIN_CHARS`] characters.
    pub vertical: usize,
    /// Chinese and Japanese characters (see [`crate::joins_unspaced`]).
    pub cjk: usize,
    /// Of those, hiragana and katakana.
    pub kana: usize,
}

/// See [`Shape::vertical`].
const VERTICAL_LINE_RATIO: u32 = 2;
/// See [`Shape::vertical`].
const VERTICAL_LINE_MIN_CHARS: usize = 3;
/// [`Shape::mostly_vertical`]: this share of the characters in columns.
const VERTICAL_SHARE: f32 = 0.5;
/// [`Shape::has_kana`]: this share of the Chinese/Japanese characters in
/// kana (Japanese prose: 40-70%; Chinese read with the Japanese model: a
/// stray misreading or two).
const KANA_SHARE: f32 = 0.05;

impl Shape {
    /// Counts the characters of `raw`.
    pub(crate) fn of(raw: &[RawBlock]) -> Shape {
        let mut s = Shape::default();
        for line in raw.iter().flat_map(|b| &b.paras).flat_map(|p| &p.lines) {
            let n: usize = line
                .words
                .iter()
                .map(|w| w.text.chars().filter(|c| !c.is_whitespace()).count())
                .sum();
            s.chars += n;
            if n >= VERTICAL_LINE_MIN_CHARS
                && line.bbox.height() >= VERTICAL_LINE_RATIO * line.bbox.width()
            {
                s.vertical += n;
            }
            for c in line.words.iter().flat_map(|w| w.text.chars()) {
                if crate::joins_unspaced(c) {
                    s.cjk += 1;
                    s.kana += usize::from(crate::result::is_kana(c));
                }
            }
        }
        s
    }

    /// Most characters stand in columns.
    pub(crate) fn mostly_vertical(&self) -> bool {
        self.chars > 0 && self.vertical as f32 >= VERTICAL_SHARE * self.chars as f32
    }

    /// Enough kana among the Chinese/Japanese characters to be Japanese.
    pub(crate) fn has_kana(&self) -> bool {
        self.cjk > 0 && self.kana as f32 >= KANA_SHARE * self.cjk as f32
    }
}

/// How well a crop reads, for comparing orientations of the same pixels.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Readability {
    /// Words with at least two letters or digits.
    pub words: usize,
    /// Those of them on lines running across the image (left to right).
    pub across: usize,
    /// Their mean confidence.
    pub mean_conf: f32,
    /// Letters and digits of those words, each weighted by the word's
    /// confidence (0..1) squared: text read confidently counts, garbage
    /// from text on its side hardly does.
    pub score: f32,
}

impl Readability {
    /// Reads like upright text: turned samples of the corpus reached a mean
    /// confidence of at most 51, upright ones at least 55 (most over 70).
    fn reads_well(&self) -> bool {
        self.score >= CHECK_MIN_SCORE && self.mean_conf >= 60.0
    }

    /// Reads so clearly that the page is upright: enough words, read with a
    /// confidence turned text does not reach, on lines that run across the
    /// page. (Tesseract's layout analysis finds text on its side and reads
    /// it well, so confidence alone does not tell a page turned by 90
    /// degrees; see `PREPROCESSING.md`.)
    fn reads_clearly(&self) -> bool {
        self.words >= CLEAR_MIN_WORDS
            && self.mean_conf >= CLEAR_MIN_CONFIDENCE
            && self.across as f32 >= CLEAR_MIN_ACROSS * self.words as f32
    }

    /// Rates a recognition result.
    fn of(raw: &[RawBlock]) -> Readability {
        let mut r = Readability::default();
        let mut conf_sum = 0.0;
        for line in raw.iter().flat_map(|b| &b.paras).flat_map(|p| &p.lines) {
            let across = match line.baseline {
                Some(b) => (b.x1 - b.x0).abs() >= (b.y1 - b.y0).abs(),
                None => line.bbox.x1 - line.bbox.x0 >= line.bbox.y1 - line.bbox.y0,
            };
            for w in &line.words {
                let n = w.text.chars().filter(|c| c.is_alphanumeric()).count();
                if n >= 2 {
                    let c = w.confidence / 100.0;
                    r.words += 1;
                    r.across += usize::from(across);
                    conf_sum += w.confidence;
                    r.score += n as f32 * c * c;
                }
            }
        }
        r.mean_conf = if r.words > 0 {
            conf_sum / r.words as f32
        } else {
            0.0
        };
        r
    }
}

/// [`Readability::reads_clearly`]: at least this many words...
const CLEAR_MIN_WORDS: usize = 20;
/// ...with at least this mean confidence...
const CLEAR_MIN_CONFIDENCE: f32 = 75.0;
/// ...nearly all on lines across the page.
const CLEAR_MIN_ACROSS: f32 = 0.9;

/// Side of the square checked by [`TesseractEngine::check_orientation`], in
/// text heights: room for ~15 lines of ~50 characters, a few hundred
/// milliseconds per orientation.
const CHECK_SIDE_TEXT_HEIGHTS: f32 = 32.0;
/// Below this [`Readability::score`] in both orientations the check cannot
/// tell (too little text in the sample, or text that reads badly either
/// way); upright crops of the corpus score 50-340, turned ones 2-60.
const CHECK_MIN_SCORE: f32 = 20.0;
/// How much better the turned crop must read than the crop as it is. On the
/// corpus the right orientation read 1.9-30x better than the wrong ones.
const CHECK_MARGIN: f32 = 1.5;

/// At most this many readings with furigana blanked out (see
/// [`TesseractEngine::without_ruby`]): on the ruby pages of
/// `scripts/cjk-pages`, the second reading found the rest of the ruby.
const RUBY_READS: usize = 2;

/// OSD "upright" answers at or above this confidence are taken without a
/// check; below it, turned receipts and small typewritten pages were often
/// reported upright (see `PREPROCESSING.md`).
const OSD_SURE_UPRIGHT: f32 = 5.0;

impl TesseractEngine {
    /// Decides how far to turn the page, starting from OSD's `proposed`
    /// rotation: reads a sample of the page (the densest text,
    /// [`preprocess::text_crop`]) as it is and turned, and keeps the
    /// orientation that reads clearly best. OSD's confidence alone cannot
    /// separate small turned pages (phototest: 9.3) from upright letters it
    /// misreads, and it confuses 90 with 270; recognition can tell. When no
    /// orientation reads, OSD's confidence decides as without the check.
    #[allow(clippy::too_many_arguments)]
    fn check_orientation(
        &self,
        img: &GrayImage,
        threshold: u8,
        text_h: f32,
        proposed: u16,
        conf: f32,
        pre: &Preprocess,
        lang: &str,
        ppi: i32,
        stop: &Stop<'_>,
    ) -> Result<u16, OcrError> {
        let side = (CHECK_SIDE_TEXT_HEIGHTS * text_h).round() as u32;
        let crop = preprocess::text_crop(img, threshold, text_h, side);
        let as_is = self.readability(lang, &crop, ppi, stop)?;
        let candidates: &[u16] = match proposed {
            // An unsure "upright": if the sample reads well it is; otherwise
            // try every turn.
            0 if as_is.reads_well() => &[],
            0 => &[90, 180, 270],
            // OSD mixes up 90 and 270; upside-down text reads better than
            // text on its side, so the wrong one of the pair can still beat
            // the page as it is: try both.
            90 | 270 => &[90, 270],
            _ => &[180],
        };
        let mut best = (0u16, as_is.score);
        let mut best_turned = 0.0f32;
        for &rot in candidates {
            let q = self.readability(lang, &preprocess::rotate(&crop, rot), ppi, stop)?;
            if q.score > best_turned {
                best_turned = q.score;
                best.0 = rot;
            }
        }
        let rot = if candidates.is_empty() {
            0
        } else if as_is.score.max(best_turned) < CHECK_MIN_SCORE {
            if conf >= pre.min_orientation_confidence {
                proposed
            } else {
                0
            }
        } else if best_turned > CHECK_MARGIN * best.1 {
            best.0
        } else {
            0
        };
        tracing::debug!(
            proposed,
            conf,
            as_is = as_is.score,
            best_turned,
            rot,
            "orientation check"
        );
        Ok(rot)
    }

    /// Recognizes `img` as one block (no layout analysis: cheap) and rates it.
    pub(crate) fn readability(
        &self,
        lang: &str,
        img: &GrayImage,
        ppi: i32,
        stop: &Stop<'_>,
    ) -> Result<Readability, OcrError> {
        let raw = self.with_handle(lang, tess::PSM_SINGLE_BLOCK, |hd| {
            hd.recognize(img, ppi, stop)
        })??;
        Ok(Readability::of(&raw))
    }
}

/// The page result from Tesseract's blocks, mapped back to the input image
/// through `frame`.
fn build(index: usize, dpi: f32, lang: &str, frame: Frame, raw: Vec<RawBlock>) -> PageResult {
    let rot = frame.rot;
    let mut result = PageResult::empty(index, frame.w, frame.h, dpi);
    result.orientation = rot;
    result.language = lang.to_string();
    // Skew of the block with the most words stands for the page.
    let main = raw.iter().max_by_key(|b| {
        b.paras
            .iter()
            .flat_map(|p| &p.lines)
            .map(|l| l.words.len())
            .sum::<usize>()
    });
    // Tesseract's deskew angle turns the block level, counter-clockwise
    // positive: the lines' skew is its opposite (phototest turned 1.5
    // degrees counter-clockwise: -1.39). On a page levelled before reading
    // what remains is noise (Tesseract finds -0.1 to -0.7 degrees on all of
    // them), so the levelling angle stands for the page.
    result.skew = frame
        .level
        .unwrap_or_else(|| main.map_or(0.0, |b| -b.deskew.to_degrees()));
    for b in raw {
        let mut block = Block {
            bbox: frame.bbox(b.bbox),
            paragraphs: Vec::new(),
        };
        for p in b.paras {
            let mut para = Paragraph {
                bbox: frame.bbox(p.bbox),
                lines: Vec::new(),
            };
            for l in p.lines {
                let mut sizes: Vec<i32> = l
                    .words
                    .iter()
                    .map(|w| w.pointsize)
                    .filter(|s| *s > 0)
                    .collect();
                sizes.sort_unstable();
                let bbox = frame.bbox(l.bbox);
                // Tesseract's point size comes from the row's x-height plus
                // ascender/descender and the resolution we gave it (the
                // input DPI times the scale), so it is in input points. When it
                // has none, the line height is roughly 1.2 em.
                let font_size = match sizes.get(sizes.len() / 2) {
                    Some(s) => *s as f32,
                    None => {
                        let lh = if rot == 90 || rot == 270 {
                            bbox.width()
                        } else {
                            bbox.height()
                        };
                        (lh as f32 * 72.0 / dpi / 1.2 * 10.0).round() / 10.0
                    }
                };
                para.lines.push(Line {
                    bbox,
                    baseline: l.baseline.map(|bl| frame.baseline(bl)),
                    font_size,
                    words: l
                        .words
                        .into_iter()
                        .map(|w| Word {
                            text: w.text,
                            bbox: frame.bbox(w.bbox),
                            confidence: w.confidence,
                            noise: w.noise,
                        })
                        .collect(),
                });
            }
            block.paragraphs.push(para);
        }
        result.blocks.push(block);
    }
    result.update_mean_confidence();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::BBox;
    use crate::tess::{RawLine, RawPara, RawWord};

    /// One block of one line with these words (text, confidence).
    fn reading(words: &[(&str, f32)]) -> Vec<RawBlock> {
        let words = words
            .iter()
            .map(|&(text, confidence)| RawWord {
                text: text.to_owned(),
                bbox: BBox::default(),
                confidence,
                pointsize: 0,
                noise: false,
            })
            .collect();
        vec![RawBlock {
            bbox: BBox::default(),
            deskew: 0.0,
            paras: vec![RawPara {
                bbox: BBox::default(),
                lines: vec![RawLine {
                    bbox: BBox::default(),
                    baseline: None,
                    words,
                }],
            }],
        }]
    }

    #[test]
    fn a_readings_confidence_weighs_each_character() {
        // Chinese read a character a word weighs as much as a word of
        // letters: three characters at 90 and one at 30 make 75.
        let columns = reading(&[("這", 90.0), ("裡", 90.0), ("描", 90.0), ("述", 30.0)]);
        assert_eq!(char_confidence(&columns), 75.0);
        let words = reading(&[("abc", 90.0), ("d", 30.0)]);
        assert_eq!(char_confidence(&words), 75.0);
        assert_eq!(char_confidence(&[]), 0.0);
    }
}
