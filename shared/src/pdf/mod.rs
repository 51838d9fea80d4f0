//! Invoice and credit-note PDF rendering (crate feature `pdf`): PDF/A-3b, and Factur-X
//! (EN 16931 profile) when the e-invoice is attached ([`InvoicePdf::facturx`]).
//!
//! - Text is set in Liberation Sans (embedded, subset: [`font`]), so names and addresses in
//!   Polish, Czech, Greek or Cyrillic print as written. Characters the font lacks print as
//!   `?`. All text is real text (glyph ids with a ToUnicode map) that can be searched, copied
//!   and extracted.
//! - Text is measured with the font's advance widths to wrap descriptions and right-align
//!   amounts.
//! - Every string arrives pre-formatted (dates, money, rates): this module only measures,
//!   wraps and places text. The few fixed labels ("Bill to", column headings, "Page N of M")
//!   are English.
//! - Layout is a single top-to-bottom pass over A4 pages. The line table repeats its header
//!   on every page; the other blocks move to a new page when they do not fit. "Page N of M" and
//!   the footer are added to every page once the page count is known.
//! - PDF/A-3b ([`pdfa`]): fonts embedded, an sRGB output intent, XMP metadata, a file id;
//!   the CII e-invoice, when given, is embedded as `factur-x.xml` (an associated file).

mod font;
mod pdfa;

use std::io::Cursor;

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};

use font::Font;

use crate::domain::image::ImageFormat;

/// A named party with its address block, one entry per printed line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Party {
    pub name: String,
    pub lines: Vec<String>,
}

/// A logo as stored: prepared at upload (see [`crate::domain::image`]), so small and of a
/// kind the renderer embeds as it is (JPEG) or decodes cheaply (PNG).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logo {
    pub format: ImageFormat,
    pub bytes: Vec<u8>,
}

/// One row of the line table; every cell is pre-formatted text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PdfLine {
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub discount: String,
    pub tax_rate: String,
    pub amount: String,
}

/// One row of the tax breakdown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaxRow {
    pub rate: String,
    pub net: String,
    pub tax: String,
}

/// One row of the totals block; emphasised rows (Total, Balance due) are bold on a tinted band.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TotalRow {
    pub label: String,
    pub value: String,
    pub emphasised: bool,
}

/// Everything printed on an invoice or credit note.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvoicePdf {
    /// "Invoice" or "Credit note".
    pub title: String,
    /// "INV-2026-000123".
    pub number: String,
    pub brand_rgb: (u8, u8, u8),
    /// Left out (never an error) when it cannot be decoded.
    pub logo: Option<Logo>,
    /// Legal name + address lines, tax id line, email.
    pub company: Party,
    /// "Bill to": name + billing address lines.
    pub customer: Party,
    /// ("Issue date", "2026-03-01"), ("Due date", ...), ("Currency", "EUR").
    pub facts: Vec<(String, String)>,
    pub lines: Vec<PdfLine>,
    pub tax_breakdown: Vec<TaxRow>,
    /// Subtotal, Discount, Tax, Total, Paid, Credited, Balance due.
    pub totals: Vec<TotalRow>,
    pub notes: Option<String>,
    /// Bank details, one entry per line.
    pub payment_instructions: Vec<String>,
    pub footer: Option<String>,
    /// The document's date (its issue date), for the PDF's metadata; else the day it renders.
    pub date: Option<chrono::NaiveDate>,
    /// The e-invoice as CII XML, embedded as `factur-x.xml`: the PDF is then a Factur-X /
    /// ZUGFeRD invoice (EN 16931 profile).
    pub facturx: Option<Vec<u8>>,
}

/// The name of the embedded e-invoice, as Factur-X requires.
pub const FACTURX_FILE: &str = "factur-x.xml";

/// Why an invoice could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// A guard against runaway input (e.g. megabytes of notes): the layout stops at this many
    /// pages.
    #[error("the document would be longer than {max} pages")]
    TooManyPages { max: usize },
}

/// Renders the document to the bytes of a PDF file.
pub fn render_invoice(doc: &InvoicePdf) -> Result<Vec<u8>, PdfError> {
    let logo = doc.logo.as_ref().and_then(prepare_logo);
    let mut layout = Layout::new(doc);
    layout.header(logo.as_ref());
    layout.line_table()?;
    layout.summary()?;
    if let Some(notes) = doc.notes.as_deref() {
        let lines = wrap_paragraphs(notes, Font::Regular, BODY_SIZE, CONTENT_W);
        layout.text_section("Notes", &lines)?;
    }
    let payment: Vec<String> = doc
        .payment_instructions
        .iter()
        .flat_map(|line| wrap_paragraphs(line, Font::Regular, BODY_SIZE, CONTENT_W))
        .collect();
    layout.text_section("Payment instructions", &payment)?;
    let pages = layout.finish();
    Ok(write_pdf(doc, pages, logo.as_ref()))
}

// ---------------------------------------------------------------------------------------------
// Page geometry (points; the origin is the bottom-left corner) and styles.

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 40.0;
const RIGHT: f32 = PAGE_W - MARGIN_X;
const CONTENT_W: f32 = RIGHT - MARGIN_X;
/// Top of the content on every page.
const TOP: f32 = PAGE_H - 44.0;
/// Height of the brand-coloured strip along the top edge of every page.
const ACCENT_H: f32 = 6.0;
/// Where the body starts on pages 2.. (below the running header).
const CONTINUED_TOP: f32 = TOP - 30.0;
const LOGO_MAX_W: f32 = 160.0;
const LOGO_MAX_H: f32 = 60.0;

const BODY_SIZE: f32 = 9.0;
const BODY_LEADING: f32 = 12.0;
const SMALL_SIZE: f32 = 8.5;
const LABEL_SIZE: f32 = 7.5;

const TABLE_SIZE: f32 = 9.0;
const TABLE_LEADING: f32 = 10.8;
const CELL_PAD_X: f32 = 6.0;
const CELL_PAD_Y: f32 = 4.5;
const TABLE_HEAD_H: f32 = 20.0;
const TABLE_HEAD_SIZE: f32 = 8.0;

const FOOTER_SIZE: f32 = 7.5;
const FOOTER_LEADING: f32 = 9.5;
const FOOTER_BASELINE: f32 = 26.0;
const FOOTER_MAX_LINES: usize = 4;
/// Width kept free for "Page N of M" right of the footer text.
const PAGE_NUMBER_W: f32 = 80.0;

const SUMMARY_GAP: f32 = 16.0;
const SECTION_GAP: f32 = 18.0;
const TAX_W: f32 = 240.0;
const TAX_ROW_H: f32 = 16.0;
const TAX_HEAD_H: f32 = 16.0;
const TOTALS_W: f32 = 240.0;
const TOTAL_ROW_H: f32 = 18.0;
const TOTAL_EMPH_H: f32 = 22.0;

/// No input can make the renderer run away: the layout stops here.
const MAX_PAGES: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq)]
struct Rgb(f32, f32, f32);

const INK: Rgb = Rgb(0.13, 0.14, 0.16);
const MUTED: Rgb = Rgb(0.42, 0.44, 0.48);
const RULE: Rgb = Rgb(0.84, 0.85, 0.87);
const WHITE: Rgb = Rgb(1.0, 1.0, 1.0);
const BLACK: Rgb = Rgb(0.0, 0.0, 0.0);

impl Rgb {
    fn from_u8((r, g, b): (u8, u8, u8)) -> Self {
        Rgb(
            f32::from(r) / 255.0,
            f32::from(g) / 255.0,
            f32::from(b) / 255.0,
        )
    }

    /// Relative luminance (sRGB coefficients, good enough to pick a contrasting colour).
    fn luminance(self) -> f32 {
        0.2126 * self.0 + 0.7152 * self.1 + 0.0722 * self.2
    }

    /// `self` moved towards `other` by `t` (0 = self, 1 = other).
    fn mix(self, other: Rgb, t: f32) -> Rgb {
        Rgb(
            self.0 + (other.0 - self.0) * t,
            self.1 + (other.1 - self.1) * t,
            self.2 + (other.2 - self.2) * t,
        )
    }
}

/// The colours derived from the brand colour.
#[derive(Clone, Copy, Debug)]
struct Palette {
    /// Fills: accent strip, table header.
    brand: Rgb,
    /// Brand colour used as text on white; darkened when the brand colour is too light to read.
    brand_ink: Rgb,
    /// Text on a `brand` fill.
    on_brand: Rgb,
    /// A very light tint for bands and boxes.
    tint: Rgb,
}

impl Palette {
    fn new(brand: (u8, u8, u8)) -> Self {
        let brand = Rgb::from_u8(brand);
        let luminance = brand.luminance();
        Palette {
            brand,
            brand_ink: if luminance > 0.6 {
                brand.mix(BLACK, 0.45)
            } else {
                brand
            },
            on_brand: if luminance > 0.6 { INK } else { WHITE },
            tint: brand.mix(WHITE, 0.9),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Fonts, WinAnsi encoding, measuring and wrapping.

/// Text as printed: invisible format characters (soft hyphen, zero-width spaces) dropped,
/// line breaks, tabs and other control characters as spaces, and characters the font has no
/// glyph for as `?`.
fn printable(text: &str) -> String {
    let face = Font::Regular.face();
    text.chars()
        .filter_map(|c| match c {
            '\u{AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => None,
            c if c.is_control() => Some(' '),
            c if face.has(c) => Some(c),
            _ => Some('?'),
        })
        .collect()
}

/// Greedy word wrap of printable text into lines at most `max_w` points wide. Runs of
/// spaces collapse; a word longer than a line is broken between characters. Always returns
/// at least one (possibly empty) line.
fn wrap(text: &str, font: Font, size: f32, max_w: f32) -> Vec<String> {
    let max_units = max_w.max(0.0) * 1000.0 / size;
    let space = font.char_units(' ');
    let units = |w: &str| w.chars().map(|c| font.char_units(c)).sum::<f32>();
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_units = 0.0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let word_units = units(word);
        if !line.is_empty() && line_units + space + word_units <= max_units {
            line.push(' ');
            line.push_str(word);
            line_units += space + word_units;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line_units = 0.0;
        }
        if word_units <= max_units {
            line.push_str(word);
            line_units = word_units;
            continue;
        }
        // A word wider than a whole line: cut it, at least one character per line.
        for c in word.chars() {
            let u = font.char_units(c);
            if !line.is_empty() && line_units + u > max_units {
                lines.push(std::mem::take(&mut line));
                line_units = 0.0;
            }
            line.push(c);
            line_units += u;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Wraps text that may contain explicit line breaks; blank lines are kept as empty lines.
fn wrap_paragraphs(text: &str, font: Font, size: f32, max_w: f32) -> Vec<String> {
    let text = text.trim_end();
    if text.is_empty() {
        return Vec::new();
    }
    text.lines()
        .flat_map(|paragraph| wrap(&printable(paragraph), font, size, max_w))
        .collect()
}

/// The font size at which `text` fits in `max_w` (never above `size`, never below 5 pt).
fn fit_size(text: &str, font: Font, size: f32, max_w: f32) -> f32 {
    let width = font.width(text, size);
    if width <= max_w || width <= 0.0 {
        size
    } else {
        (size * max_w / width).max(5.0)
    }
}

/// Cuts text to at most `max_w` points, ending it with "..." when something was cut.
fn truncate(text: &str, font: Font, size: f32, max_w: f32) -> String {
    if font.width(text, size) <= max_w {
        return text.to_string();
    }
    let budget = max_w - font.width("...", size);
    let mut out = String::new();
    let mut width = 0.0;
    for c in text.chars() {
        width += font.char_units(c) * size / 1000.0;
        if width > budget {
            break;
        }
        out.push(c);
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out.push_str("...");
    out
}

// ---------------------------------------------------------------------------------------------
// Drawing primitives.

/// Font, size and colour of a piece of text.
#[derive(Clone, Copy, Debug)]
struct Style {
    font: Font,
    size: f32,
    colour: Rgb,
}

const fn style(font: Font, size: f32, colour: Rgb) -> Style {
    Style { font, size, colour }
}

impl Style {
    fn width(self, text: &str) -> f32 {
        self.font.width(text, self.size)
    }

    /// The same style, its size reduced so that `text` fits in `max_w`.
    fn fitted(self, text: &str, max_w: f32) -> Style {
        Style {
            size: fit_size(text, self.font, self.size, max_w),
            ..self
        }
    }

    fn truncate(self, text: &str, max_w: f32) -> String {
        truncate(text, self.font, self.size, max_w)
    }

    fn wrap(self, text: &str, max_w: f32) -> Vec<String> {
        wrap(&printable(text), self.font, self.size, max_w)
    }
}

/// Shows `text` with its baseline starting at (x, y).
fn draw_text(c: &mut Content, x: f32, y: f32, style: Style, text: &str) {
    if text.is_empty() {
        return;
    }
    let Rgb(r, g, b) = style.colour;
    c.set_fill_rgb(r, g, b);
    c.begin_text();
    c.set_font(style.font.resource(), style.size);
    c.next_line(x, y);
    c.show(Str(&style.font.encode(text)));
    c.end_text();
}

/// Shows `text` with its baseline ending at (right, y).
fn draw_text_right(c: &mut Content, right: f32, y: f32, style: Style, text: &str) {
    draw_text(c, right - style.width(text), y, style, text);
}

fn fill_rect(c: &mut Content, x: f32, y: f32, w: f32, h: f32, colour: Rgb) {
    let Rgb(r, g, b) = colour;
    c.set_fill_rgb(r, g, b);
    c.rect(x, y, w, h);
    c.fill_nonzero();
}

/// A thin horizontal rule.
fn hline(c: &mut Content, x1: f32, x2: f32, y: f32) {
    let Rgb(r, g, b) = RULE;
    c.set_stroke_rgb(r, g, b);
    c.set_line_width(0.5);
    c.move_to(x1, y);
    c.line_to(x2, y);
    c.stroke();
}

// ---------------------------------------------------------------------------------------------
// The line table's columns.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NumCol {
    Quantity,
    UnitPrice,
    Discount,
    TaxRate,
    Amount,
}

impl NumCol {
    const ALL: [NumCol; 5] = [
        NumCol::Quantity,
        NumCol::UnitPrice,
        NumCol::Discount,
        NumCol::TaxRate,
        NumCol::Amount,
    ];

    fn label(self) -> &'static str {
        match self {
            NumCol::Quantity => "Qty",
            NumCol::UnitPrice => "Unit price",
            NumCol::Discount => "Discount",
            NumCol::TaxRate => "Tax %",
            NumCol::Amount => "Amount",
        }
    }

    fn cell(self, line: &PdfLine) -> &str {
        match self {
            NumCol::Quantity => &line.quantity,
            NumCol::UnitPrice => &line.unit_price,
            NumCol::Discount => &line.discount,
            NumCol::TaxRate => &line.tax_rate,
            NumCol::Amount => &line.amount,
        }
    }

    /// Discount and tax columns are left out when no line fills them.
    fn optional(self) -> bool {
        matches!(self, NumCol::Discount | NumCol::TaxRate)
    }
}

const CELL: Style = style(Font::Regular, TABLE_SIZE, INK);

/// Column widths: the numeric columns take what their widest cell needs (together at most
/// 60 % of the table), the description takes the rest.
struct Columns {
    numeric: Vec<(NumCol, f32)>,
    description_w: f32,
}

impl Columns {
    fn measure(lines: &[PdfLine]) -> Self {
        let head = style(Font::Bold, TABLE_HEAD_SIZE, INK);
        let mut numeric = Vec::new();
        for col in NumCol::ALL {
            if col.optional() && lines.iter().all(|l| col.cell(l).trim().is_empty()) {
                continue;
            }
            let widest = lines
                .iter()
                .map(|l| CELL.width(&printable(col.cell(l).trim())))
                .fold(head.width(col.label()), f32::max);
            numeric.push((col, widest.max(30.0) + 2.0 * CELL_PAD_X));
        }
        let available = CONTENT_W * 0.6;
        let total: f32 = numeric.iter().map(|(_, w)| w).sum();
        if total > available {
            // Too wide: shrink proportionally; cells then shrink their font to fit.
            for (_, w) in &mut numeric {
                *w *= available / total;
            }
        }
        let used: f32 = numeric.iter().map(|(_, w)| w).sum();
        let description_w = CONTENT_W - used;
        Columns {
            numeric,
            description_w,
        }
    }
}

/// A line ready to draw: the description wrapped, the cells encoded.
struct PreparedLine {
    description: Vec<String>,
    cells: Vec<String>,
}

fn row_height(lines: usize) -> f32 {
    2.0 * CELL_PAD_Y + lines as f32 * TABLE_LEADING
}

// ---------------------------------------------------------------------------------------------
// Layout.

struct Layout<'a> {
    doc: &'a InvoicePdf,
    palette: Palette,
    /// Pages already filled.
    done: Vec<Content>,
    /// The page being filled.
    page: Content,
    /// Current position: everything above it on this page is drawn.
    y: f32,
    /// The body never goes below this (the footer lives under it).
    bottom: f32,
    footer: Vec<String>,
    columns: Columns,
}

const FOOTER: Style = style(Font::Regular, FOOTER_SIZE, MUTED);
const BODY: Style = style(Font::Regular, BODY_SIZE, INK);
const LABEL: Style = style(Font::Bold, LABEL_SIZE, MUTED);

impl<'a> Layout<'a> {
    fn new(doc: &'a InvoicePdf) -> Self {
        let footer_w = CONTENT_W - PAGE_NUMBER_W;
        let mut footer: Vec<String> = doc
            .footer
            .as_deref()
            .map(|f| wrap_paragraphs(f, FOOTER.font, FOOTER.size, footer_w))
            .unwrap_or_default()
            .into_iter()
            .filter(|l| !l.is_empty())
            .collect();
        if footer.len() > FOOTER_MAX_LINES {
            footer.truncate(FOOTER_MAX_LINES);
            if let Some(last) = footer.last_mut() {
                let mut text = std::mem::take(last);
                text.push_str(" ...");
                *last = FOOTER.truncate(&text, footer_w);
            }
        }
        let bottom = footer_rule_y(footer.len()) + 16.0;
        let mut layout = Layout {
            doc,
            palette: Palette::new(doc.brand_rgb),
            done: Vec::new(),
            page: Content::new(),
            y: TOP,
            bottom,
            footer,
            columns: Columns::measure(&doc.lines),
        };
        layout.accent_strip();
        layout
    }

    fn room(&self) -> f32 {
        self.y - self.bottom
    }

    /// The room on an empty continuation page.
    fn fresh_room(&self) -> f32 {
        CONTINUED_TOP - self.bottom
    }

    fn new_page(&mut self) -> Result<(), PdfError> {
        if self.done.len() + 1 >= MAX_PAGES {
            return Err(PdfError::TooManyPages { max: MAX_PAGES });
        }
        let filled = std::mem::replace(&mut self.page, Content::new());
        self.done.push(filled);
        self.accent_strip();
        self.running_header();
        self.y = CONTINUED_TOP;
        Ok(())
    }

    /// Starts a new page unless `height` fits below the current position.
    fn ensure(&mut self, height: f32) -> Result<(), PdfError> {
        if height > self.room() {
            self.new_page()
        } else {
            Ok(())
        }
    }

    fn accent_strip(&mut self) {
        let brand = self.palette.brand;
        fill_rect(
            &mut self.page,
            0.0,
            PAGE_H - ACCENT_H,
            PAGE_W,
            ACCENT_H,
            brand,
        );
    }

    /// Pages 2..: "Invoice INV-…" on the left, the company name on the right.
    fn running_header(&mut self) {
        let doc = self.doc;
        let c = &mut self.page;
        let baseline = TOP - 8.0;
        let heading_style = style(Font::Bold, 10.0, self.palette.brand_ink);
        let heading = format!("{} {}", doc.title, doc.number);
        let heading = heading_style.truncate(&printable(&heading), CONTENT_W * 0.5);
        draw_text(c, MARGIN_X, baseline, heading_style, &heading);
        let company_style = style(Font::Regular, SMALL_SIZE, MUTED);
        let company = company_style.truncate(&printable(&doc.company.name), CONTENT_W * 0.45);
        draw_text_right(c, RIGHT, baseline, company_style, &company);
        hline(c, MARGIN_X, RIGHT, TOP - 16.0);
    }

    /// Page 1: logo and company on the left, title and number on the right; then the bill-to
    /// block on the left and the facts box on the right.
    fn header(&mut self, logo: Option<&LogoImage>) {
        let doc = self.doc;
        let p = self.palette;
        let c = &mut self.page;

        // Left column: logo, company name, company lines. `left` is the top of the next line.
        let left_w = CONTENT_W * 0.55;
        let mut left = TOP;
        if let Some(logo) = logo {
            let (w, h) = logo.fitted_size();
            c.save_state();
            c.transform([w, 0.0, 0.0, h, MARGIN_X, TOP - h]);
            c.x_object(Name(LOGO_RESOURCE));
            c.restore_state();
            left -= h + 14.0;
        }
        let name = style(Font::Bold, if logo.is_some() { 11.0 } else { 14.0 }, INK);
        for line in name.wrap(&doc.company.name, left_w) {
            draw_text(c, MARGIN_X, left - name.size * 0.8, name, &line);
            left -= name.size * 1.25;
        }
        left -= 2.0;
        let address = style(Font::Regular, SMALL_SIZE, MUTED);
        for text in &doc.company.lines {
            for line in address.wrap(text, left_w) {
                draw_text(c, MARGIN_X, left - 7.0, address, &line);
                left -= 11.0;
            }
        }

        // Right column: title and number in the brand colour.
        let right_w = CONTENT_W - left_w - 10.0;
        let title = printable(&doc.title);
        let title_style = style(Font::Bold, 22.0, p.brand_ink).fitted(&title, right_w);
        draw_text_right(c, RIGHT, TOP - 16.0, title_style, &title);
        let number = printable(&doc.number);
        let number_style = style(Font::Bold, 11.0, p.brand_ink).fitted(&number, right_w);
        draw_text_right(c, RIGHT, TOP - 34.0, number_style, &number);
        let right = TOP - 40.0;

        // Second band: bill-to on the left, facts on the right.
        let band = left.min(right) - 24.0;
        let mut left = band;
        draw_text(c, MARGIN_X, left - 6.0, LABEL, "BILL TO");
        left -= 14.0;
        let bill_w = CONTENT_W * 0.5;
        let customer = style(Font::Bold, 10.5, INK);
        for line in customer.wrap(&doc.customer.name, bill_w) {
            draw_text(c, MARGIN_X, left - 8.5, customer, &line);
            left -= 13.5;
        }
        left -= 1.0;
        for text in &doc.customer.lines {
            for line in BODY.wrap(text, bill_w) {
                draw_text(c, MARGIN_X, left - 7.5, BODY, &line);
                left -= BODY_LEADING;
            }
        }

        let mut right = band;
        if !doc.facts.is_empty() {
            // Labels left, values right-aligned; the box grows (within limits) for long values.
            let label_style = style(Font::Regular, SMALL_SIZE, MUTED);
            let value_style = style(Font::Bold, BODY_SIZE, INK);
            let labels: Vec<String> = doc.facts.iter().map(|(l, _)| printable(l)).collect();
            let values: Vec<String> = doc.facts.iter().map(|(_, v)| printable(v)).collect();
            let widest =
                |texts: &[String], s: Style| texts.iter().map(|t| s.width(t)).fold(0.0, f32::max);
            let label_w = widest(&labels, label_style).min(110.0);
            let value_w = widest(&values, value_style);
            let box_w = (label_w + value_w + 32.0).clamp(200.0, 255.0);
            let value_max = box_w - 20.0 - label_w - 12.0;
            let x0 = RIGHT - box_w;
            let row_h = 15.0;
            let box_h = doc.facts.len() as f32 * row_h + 12.0;
            fill_rect(c, x0, band - box_h, box_w, box_h, p.tint);
            let mut baseline = band - 6.0 - 10.5;
            for (label, value) in labels.iter().zip(&values) {
                let label = label_style.truncate(label, label_w);
                draw_text(c, x0 + 10.0, baseline, label_style, &label);
                let value_style = value_style.fitted(value, value_max);
                draw_text_right(c, RIGHT - 10.0, baseline, value_style, value);
                baseline -= row_h;
            }
            right = band - box_h;
        }
        self.y = left.min(right) - 24.0;
    }

    /// The table header row in the brand colour.
    fn table_header(&mut self) {
        let c = &mut self.page;
        let top = self.y;
        fill_rect(
            c,
            MARGIN_X,
            top - TABLE_HEAD_H,
            CONTENT_W,
            TABLE_HEAD_H,
            self.palette.brand,
        );
        let baseline = top - 13.0;
        let head = style(Font::Bold, TABLE_HEAD_SIZE, self.palette.on_brand);
        draw_text(c, MARGIN_X + CELL_PAD_X, baseline, head, "Description");
        let mut x = MARGIN_X + self.columns.description_w;
        for &(col, w) in &self.columns.numeric {
            let label = col.label();
            let head = head.fitted(label, w - 2.0 * CELL_PAD_X);
            draw_text_right(c, x + w - CELL_PAD_X, baseline, head, label);
            x += w;
        }
        self.y -= TABLE_HEAD_H;
    }

    /// One row, or a part of a row with a very long description (`cells` only on the first).
    fn table_row(&mut self, description: &[String], cells: Option<&[String]>) {
        let c = &mut self.page;
        let top = self.y;
        let height = row_height(description.len());
        let first_baseline = top - CELL_PAD_Y - 7.9;
        for (i, line) in description.iter().enumerate() {
            let baseline = first_baseline - i as f32 * TABLE_LEADING;
            draw_text(c, MARGIN_X + CELL_PAD_X, baseline, CELL, line);
        }
        if let Some(cells) = cells {
            let mut x = MARGIN_X + self.columns.description_w;
            for (&(_, w), cell) in self.columns.numeric.iter().zip(cells) {
                let fitted = CELL.fitted(cell, w - 2.0 * CELL_PAD_X);
                draw_text_right(c, x + w - CELL_PAD_X, first_baseline, fitted, cell);
                x += w;
            }
        }
        hline(c, MARGIN_X, RIGHT, top - height);
        self.y -= height;
    }

    fn line_table(&mut self) -> Result<(), PdfError> {
        let text_w = self.columns.description_w - 2.0 * CELL_PAD_X;
        let lines: Vec<PreparedLine> = self
            .doc
            .lines
            .iter()
            .map(|line| PreparedLine {
                description: CELL.wrap(line.description.trim(), text_w),
                cells: (self.columns.numeric.iter())
                    .map(|&(col, _)| printable(col.cell(line).trim()))
                    .collect(),
            })
            .collect();

        // The header never stands alone at the bottom of a page.
        let first_lines = lines.first().map_or(0, |l| l.description.len().min(3));
        self.ensure(TABLE_HEAD_H + row_height(first_lines))?;
        self.table_header();
        for line in &lines {
            let mut description: &[String] = &line.description;
            let mut cells = Some(line.cells.as_slice());
            loop {
                let height = row_height(description.len());
                if height <= self.room() {
                    self.table_row(description, cells);
                    break;
                }
                // A row that fits on a new page moves there whole; a taller one (a very long
                // description) is split, keeping at least three lines on this page.
                let lines_here = ((self.room() - 2.0 * CELL_PAD_Y) / TABLE_LEADING).floor();
                if height <= self.fresh_room() - TABLE_HEAD_H || lines_here < 3.0 {
                    self.new_page()?;
                    self.table_header();
                    continue;
                }
                let split = (lines_here as usize).min(description.len());
                let (here, rest) = description.split_at(split);
                self.table_row(here, cells.take());
                description = rest;
                self.new_page()?;
                self.table_header();
            }
        }
        Ok(())
    }

    /// Tax breakdown (left) and totals (right), side by side when they fit on the page.
    fn summary(&mut self) -> Result<(), PdfError> {
        let doc = self.doc;
        let tax_h = if doc.tax_breakdown.is_empty() {
            0.0
        } else {
            TAX_HEAD_H + doc.tax_breakdown.len() as f32 * TAX_ROW_H
        };
        let totals_h: f32 = (doc.totals.iter())
            .map(|t| {
                if t.emphasised {
                    TOTAL_EMPH_H
                } else {
                    TOTAL_ROW_H
                }
            })
            .sum();
        let height = tax_h.max(totals_h);
        if height <= 0.0 {
            return Ok(());
        }
        self.y -= SUMMARY_GAP;
        if height > self.room() && height <= self.fresh_room() {
            self.new_page()?;
        }
        // Only a breakdown longer than a page (hundreds of rates) flows; both blocks then
        // come one after the other.
        let side_by_side = height <= self.room();
        let top = self.y;
        self.tax_breakdown()?;
        if side_by_side {
            let below_tax = self.y;
            self.y = top;
            self.totals()?;
            self.y = self.y.min(below_tax);
        } else {
            self.totals()?;
        }
        Ok(())
    }

    fn tax_breakdown(&mut self) -> Result<(), PdfError> {
        let doc = self.doc;
        if doc.tax_breakdown.is_empty() {
            return Ok(());
        }
        let x = MARGIN_X;
        let (rate_w, amount_w) = (TAX_W * 0.3, TAX_W * 0.35);
        let net_right = x + rate_w + amount_w;
        self.ensure(TAX_HEAD_H + TAX_ROW_H)?;
        let c = &mut self.page;
        let baseline = self.y - 10.0;
        draw_text(c, x, baseline, LABEL, "TAX RATE");
        draw_text_right(c, net_right, baseline, LABEL, "NET");
        draw_text_right(c, x + TAX_W, baseline, LABEL, "TAX");
        hline(c, x, x + TAX_W, self.y - TAX_HEAD_H + 2.0);
        self.y -= TAX_HEAD_H;
        for row in &doc.tax_breakdown {
            self.ensure(TAX_ROW_H)?;
            let c = &mut self.page;
            let baseline = self.y - 11.5;
            let rate = BODY.truncate(&printable(&row.rate), rate_w - 4.0);
            draw_text(c, x, baseline, BODY, &rate);
            let net = printable(&row.net);
            draw_text_right(
                c,
                net_right,
                baseline,
                BODY.fitted(&net, amount_w - 6.0),
                &net,
            );
            let tax = printable(&row.tax);
            draw_text_right(
                c,
                x + TAX_W,
                baseline,
                BODY.fitted(&tax, amount_w - 6.0),
                &tax,
            );
            self.y -= TAX_ROW_H;
        }
        Ok(())
    }

    fn totals(&mut self) -> Result<(), PdfError> {
        let doc = self.doc;
        let x = RIGHT - TOTALS_W;
        let half = TOTALS_W * 0.5 - 8.0;
        for row in &doc.totals {
            let (height, label_style, value_style) = if row.emphasised {
                let bold = style(Font::Bold, 10.0, INK);
                (TOTAL_EMPH_H, bold, bold)
            } else {
                (TOTAL_ROW_H, style(Font::Regular, BODY_SIZE, MUTED), BODY)
            };
            self.ensure(height)?;
            let c = &mut self.page;
            if row.emphasised {
                fill_rect(c, x, self.y - height, TOTALS_W, height, self.palette.tint);
            }
            let baseline = self.y - height / 2.0 - label_style.size * 0.35;
            let label = label_style.truncate(&printable(&row.label), half);
            draw_text(c, x + 8.0, baseline, label_style, &label);
            let value = printable(&row.value);
            draw_text_right(
                c,
                RIGHT - 8.0,
                baseline,
                value_style.fitted(&value, half),
                &value,
            );
            self.y -= height;
        }
        Ok(())
    }

    /// A heading and wrapped lines; kept on one page when it fits on one, else it flows.
    fn text_section(&mut self, heading: &str, lines: &[String]) -> Result<(), PdfError> {
        if lines.is_empty() {
            return Ok(());
        }
        let heading_h = 16.0;
        let height = heading_h + lines.len() as f32 * BODY_LEADING;
        self.y -= SECTION_GAP;
        let keep_together = height <= self.fresh_room();
        let orphaned = heading_h + 2.0 * BODY_LEADING > self.room();
        if height > self.room() && (keep_together || orphaned) {
            self.new_page()?;
        }
        let heading_style = style(Font::Bold, BODY_SIZE, INK);
        draw_text(
            &mut self.page,
            MARGIN_X,
            self.y - 8.0,
            heading_style,
            &printable(heading),
        );
        self.y -= heading_h;
        for line in lines {
            self.ensure(BODY_LEADING)?;
            draw_text(&mut self.page, MARGIN_X, self.y - 7.5, BODY, line);
            self.y -= BODY_LEADING;
        }
        Ok(())
    }

    /// Adds the footer and "Page N of M" to every page and returns the page contents.
    fn finish(self) -> Vec<Vec<u8>> {
        let mut pages = self.done;
        pages.push(self.page);
        let count = pages.len();
        let top_baseline = FOOTER_BASELINE + (self.footer.len().max(1) - 1) as f32 * FOOTER_LEADING;
        let rule_y = footer_rule_y(self.footer.len());
        let mut out = Vec::with_capacity(count);
        for (i, mut c) in pages.into_iter().enumerate() {
            hline(&mut c, MARGIN_X, RIGHT, rule_y);
            for (j, line) in self.footer.iter().enumerate() {
                let baseline = top_baseline - j as f32 * FOOTER_LEADING;
                draw_text(&mut c, MARGIN_X, baseline, FOOTER, line);
            }
            let number = format!("Page {} of {}", i + 1, count);
            draw_text_right(&mut c, RIGHT, top_baseline, FOOTER, &number);
            out.push(c.finish().into_vec());
        }
        out
    }
}

/// Height of the footer separator for a footer of `lines` lines.
fn footer_rule_y(lines: usize) -> f32 {
    FOOTER_BASELINE + (lines.max(1) - 1) as f32 * FOOTER_LEADING + FOOTER_SIZE + 6.0
}

// ---------------------------------------------------------------------------------------------
// Logo.

const LOGO_RESOURCE: &[u8] = b"Im1";

/// A decoded logo ready to embed as an image XObject.
struct LogoImage {
    width: u32,
    height: u32,
    /// 1 (DeviceGray) or 3 (DeviceRGB).
    components: u8,
    /// The image data: the JPEG file itself (DCTDecode) or zlib-compressed samples.
    data: Vec<u8>,
    filter: Filter,
    /// zlib-compressed 8-bit alpha, when the PNG has transparency.
    alpha: Option<Vec<u8>>,
}

impl LogoImage {
    /// Size on the page: fitted into LOGO_MAX_W x LOGO_MAX_H, aspect ratio kept.
    fn fitted_size(&self) -> (f32, f32) {
        let (w, h) = (self.width as f32, self.height as f32);
        let scale = (LOGO_MAX_W / w).min(LOGO_MAX_H / h);
        (w * scale, h * scale)
    }
}

/// Most bytes of pixels decoded for a PNG logo. A logo prepared at upload is at most
/// 640 x 240 RGBA (600 KiB); a larger PNG (stored before logos were prepared) is left out
/// instead of costing every PDF its decoding.
const MAX_LOGO_DECODED: usize = 1024 * 1024;

/// The logo as an image XObject; None (logo left out) when it cannot be embedded. The bytes
/// decide, not the declared format. A JPEG is embedded as it is (DCTDecode: nothing decoded
/// here); a PNG is decoded to split colour and alpha.
fn prepare_logo(logo: &Logo) -> Option<LogoImage> {
    let image = if logo.bytes.starts_with(b"\x89PNG") {
        decode_png(&logo.bytes)
    } else {
        jpeg_header(&logo.bytes).map(|(width, height, components)| LogoImage {
            width,
            height,
            components,
            data: logo.bytes.clone(),
            filter: Filter::DctDecode,
            alpha: None,
        })
    };
    if image.is_none() {
        tracing::warn!(
            bytes = logo.bytes.len(),
            "the logo is left out of the PDF: not a prepared PNG or JPEG (upload it again)"
        );
    }
    image
}

/// Width, height and colour components (1 grey, 3 YCbCr) of a JPEG that PDF readers decode:
/// 8-bit baseline, extended or progressive (SOF0..SOF2), not CMYK. Walks the marker segments
/// from SOI to the frame header.
fn jpeg_header(bytes: &[u8]) -> Option<(u32, u32, u8)> {
    let be_u16 = |at: usize| Some(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]));
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut at = 2;
    loop {
        // A marker is 0xFF then a code; extra 0xFF bytes before the code are fill.
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        while bytes.get(at) == Some(&0xFF) {
            at += 1;
        }
        let marker = *bytes.get(at)?;
        at += 1;
        match marker {
            // Standalone markers (TEM, RST0..7) carry no length.
            0x01 | 0xD0..=0xD7 => continue,
            // SOI again, EOI or SOS before a frame header, or a stuffed 0x00.
            0xD8 | 0xD9 | 0xDA | 0x00 => return None,
            _ => {}
        }
        let length = usize::from(be_u16(at)?);
        if length < 2 {
            return None;
        }
        if let 0xC0..=0xC2 = marker {
            // precision (1) | height (2) | width (2) | components (1) | 3 bytes each
            let segment = bytes.get(at + 2..at + length)?;
            let (precision, components) = (*segment.first()?, *segment.get(5)?);
            let height = be_u16(at + 3)?;
            let width = be_u16(at + 5)?;
            let complete = segment.len() >= 6 + 3 * usize::from(components);
            return (precision == 8
                && matches!(components, 1 | 3)
                && complete
                && width > 0
                && height > 0)
                .then_some((width.into(), height.into(), components));
        }
        // Other frame types (lossless, hierarchical, arithmetic) are not embedded.
        if matches!(marker, 0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF) {
            return None;
        }
        at += length;
    }
}

fn decode_png(bytes: &[u8]) -> Option<LogoImage> {
    let limits = png::Limits {
        bytes: MAX_LOGO_DECODED,
    };
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    // Palette to RGB, tRNS to alpha, 16-bit to 8-bit, low bit depths to 8-bit.
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().ok()?;
    let size = reader.output_buffer_size()?;
    if size > MAX_LOGO_DECODED {
        return None;
    }
    let mut buf = vec![0; size];
    let frame = reader.next_frame(&mut buf).ok()?;
    let (colour, depth) = reader.output_color_type();
    if depth != png::BitDepth::Eight {
        return None;
    }
    let (components, has_alpha) = match colour {
        png::ColorType::Grayscale => (1, false),
        png::ColorType::GrayscaleAlpha => (1, true),
        png::ColorType::Rgb => (3, false),
        png::ColorType::Rgba => (3, true),
        png::ColorType::Indexed => return None,
    };
    let (width, height) = (frame.width, frame.height);
    let channels = usize::from(components) + usize::from(has_alpha);
    let row = width as usize * channels;
    let mut colour_data =
        Vec::with_capacity(width as usize * height as usize * usize::from(components));
    let mut alpha = Vec::new();
    for y in 0..height as usize {
        let line = buf.get(y * frame.line_size..y * frame.line_size + row)?;
        if has_alpha {
            for px in line.chunks_exact(channels) {
                let (colour_part, alpha_part) = px.split_at(usize::from(components));
                colour_data.extend_from_slice(colour_part);
                alpha.extend_from_slice(alpha_part);
            }
        } else {
            colour_data.extend_from_slice(line);
        }
    }
    // A fully opaque alpha channel needs no soft mask.
    let alpha = (has_alpha && alpha.iter().any(|&a| a != 255)).then(|| deflate(&alpha));
    Some(LogoImage {
        width,
        height,
        components,
        data: deflate(&colour_data),
        filter: Filter::FlateDecode,
        alpha,
    })
}

fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

// ---------------------------------------------------------------------------------------------
// PDF objects.

/// Every character the document can print: its text and the fixed labels (so each font's
/// subset holds what the pages show).
fn charset(doc: &InvoicePdf) -> Vec<char> {
    const ASCII: &str = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
    let mut texts: Vec<&str> = vec![
        ASCII,
        &doc.title,
        &doc.number,
        &doc.company.name,
        &doc.customer.name,
    ];
    texts.extend(doc.company.lines.iter().map(String::as_str));
    texts.extend(doc.customer.lines.iter().map(String::as_str));
    for (label, value) in &doc.facts {
        texts.extend([label.as_str(), value.as_str()]);
    }
    for l in &doc.lines {
        texts.extend([
            l.description.as_str(),
            &l.quantity,
            &l.unit_price,
            &l.discount,
            &l.tax_rate,
            &l.amount,
        ]);
    }
    for r in &doc.tax_breakdown {
        texts.extend([r.rate.as_str(), &r.net, &r.tax]);
    }
    for t in &doc.totals {
        texts.extend([t.label.as_str(), &t.value]);
    }
    texts.extend(doc.notes.as_deref());
    texts.extend(doc.payment_instructions.iter().map(String::as_str));
    texts.extend(doc.footer.as_deref());
    let mut chars: Vec<char> = texts
        .iter()
        .flat_map(|t| printable(t).chars().collect::<Vec<_>>())
        .collect();
    chars.sort_unstable();
    chars.dedup();
    chars
}

/// A PDF date from a day (midnight UTC).
fn pdf_date(d: chrono::NaiveDate) -> pdf_writer::Date {
    use chrono::Datelike;
    pdf_writer::Date::new(d.year().clamp(0, 9999) as u16)
        .month(d.month() as u8)
        .day(d.day() as u8)
        .hour(0)
        .minute(0)
        .second(0)
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

/// A six-letter subset tag derived from the document (stable for the same document).
fn subset_tag(doc: &InvoicePdf, font: Font) -> String {
    let digest = crate::auth::sha256_hex(format!("{}{}{font:?}", doc.title, doc.number).as_bytes());
    digest
        .bytes()
        .take(6)
        .map(|b| char::from(b'A' + b % 26))
        .collect()
}

fn write_pdf(doc: &InvoicePdf, pages: Vec<Vec<u8>>, logo: Option<&LogoImage>) -> Vec<u8> {
    use pdf_writer::TextStr;
    use pdf_writer::types::{AssociationKind, OutputIntentSubtype};
    let mut next = 1;
    let mut alloc = || {
        let id = Ref::new(next);
        next += 1;
        id
    };
    let catalog_id = alloc();
    let tree_id = alloc();
    let info_id = alloc();
    let metadata_id = alloc();
    let icc_id = alloc();
    let file_ids = doc.facturx.as_ref().map(|_| (alloc(), alloc()));
    let logo_ids = logo.map(|l| (alloc(), l.alpha.as_ref().map(|_| alloc())));
    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (alloc(), alloc())).collect();
    // Each font takes six objects from here on.
    let regular_id = alloc();
    let bold_id = Ref::new(regular_id.get() + 6);

    let mut pdf = Pdf::new();
    let title = format!("{} {}", doc.title, doc.number);
    let title = title.trim();
    let date = doc.date.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let producer = "ERP";

    let mut catalog = pdf.catalog(catalog_id);
    catalog.pages(tree_id).metadata(metadata_id);
    catalog
        .output_intents()
        .push()
        .subtype(OutputIntentSubtype::PDFA)
        .output_condition_identifier(TextStr("sRGB IEC61966-2.1"))
        .info(TextStr("sRGB IEC61966-2.1"))
        .dest_output_profile(icc_id);
    if let Some((spec_id, _)) = file_ids {
        catalog
            .names()
            .embedded_files()
            .names()
            .insert(Str(FACTURX_FILE.as_bytes()), spec_id);
        catalog.insert(Name(b"AF")).array().item(spec_id);
    }
    catalog.finish();
    pdf.pages(tree_id)
        .kids(page_ids.iter().map(|&(page, _)| page))
        .count(page_ids.len() as i32);

    let mut info = pdf.document_info(info_id);
    info.title(TextStr(title));
    if !doc.company.name.is_empty() {
        info.author(TextStr(&doc.company.name));
    }
    info.producer(TextStr(producer))
        .creation_date(pdf_date(date))
        .modified_date(pdf_date(date));
    info.finish();

    let stamp = format!("{date}T00:00:00Z");
    let xmp = pdfa::xmp(&pdfa::Meta {
        title,
        author: &doc.company.name,
        producer,
        date: &stamp,
        facturx: doc.facturx.as_ref().map(|_| FACTURX_FILE),
    });
    pdf.metadata(metadata_id, xmp.as_bytes());
    let icc = deflate(&pdfa::srgb_icc());
    pdf.icc_profile(icc_id, &icc)
        .n(3)
        .filter(Filter::FlateDecode);

    if let (Some(xml), Some((spec_id, file_id))) = (&doc.facturx, file_ids) {
        let compressed = deflate(xml);
        let mut file = pdf.embedded_file(file_id, &compressed);
        file.filter(Filter::FlateDecode);
        file.subtype(Name(b"text/xml"));
        file.params()
            .size(xml.len() as i32)
            .modification_date(pdf_date(date));
        file.finish();
        pdf.file_spec(spec_id)
            .path(Str(FACTURX_FILE.as_bytes()))
            .unic_file(TextStr(FACTURX_FILE))
            .description(TextStr("Factur-X / ZUGFeRD e-invoice (EN 16931)"))
            .embedded_file_with_unicode(file_id)
            .association_kind(AssociationKind::Alternative);
    }

    let chars = charset(doc);
    let after_regular = font::write(
        &mut pdf,
        Font::Regular,
        regular_id,
        &chars,
        &subset_tag(doc, Font::Regular),
    );
    debug_assert_eq!(after_regular, bold_id);
    font::write(
        &mut pdf,
        Font::Bold,
        bold_id,
        &chars,
        &subset_tag(doc, Font::Bold),
    );

    if let (Some(logo), Some((image_id, mask_id))) = (logo, logo_ids) {
        let mut image = pdf.image_xobject(image_id, &logo.data);
        image.filter(logo.filter);
        image.width(logo.width as i32);
        image.height(logo.height as i32);
        if logo.components == 1 {
            image.color_space().device_gray();
        } else {
            image.color_space().device_rgb();
        }
        image.bits_per_component(8);
        if let Some(mask_id) = mask_id {
            image.s_mask(mask_id);
        }
        image.finish();
        if let (Some(mask_id), Some(alpha)) = (mask_id, &logo.alpha) {
            let mut mask = pdf.image_xobject(mask_id, alpha);
            mask.filter(Filter::FlateDecode);
            mask.width(logo.width as i32);
            mask.height(logo.height as i32);
            mask.color_space().device_gray();
            mask.bits_per_component(8);
            mask.finish();
        }
    }

    for (i, (content, &(page_id, content_id))) in pages.iter().zip(&page_ids).enumerate() {
        let mut page = pdf.page(page_id);
        page.parent(tree_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.contents(content_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        for (font, id) in Font::ALL.into_iter().zip([regular_id, bold_id]) {
            fonts.pair(font.resource(), id);
        }
        fonts.finish();
        if let (0, Some((image_id, _))) = (i, logo_ids) {
            resources.x_objects().pair(Name(LOGO_RESOURCE), image_id);
        }
        resources.finish();
        page.finish();
        pdf.stream(content_id, &deflate(content))
            .filter(Filter::FlateDecode);
    }
    let id = crate::auth::sha256_hex(title.as_bytes()).into_bytes()[..32].to_vec();
    pdf.set_file_id((id.clone(), id));
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    // --- Fixtures --------------------------------------------------------------------------

    /// A realistic mix: most descriptions are short, every tenth is the 200-character maximum.
    fn description(i: usize) -> String {
        match i % 10 {
            3 => "Annual software licence, including updates and priority support".to_string(),
            7 => {
                let text = "On-site installation and configuration of the warehouse barcode scanners at the \
                            Rotterdam distribution centre, travel included, two engineers for three days, plus \
                            a follow-up remote session and a written report";
                text.chars().take(200).collect()
            }
            _ => format!("Widget type {} (pack of {})", i % 13, 5 + i % 20),
        }
    }

    fn sample(lines: usize) -> InvoicePdf {
        InvoicePdf {
            title: "Invoice".into(),
            number: "INV-2026-000123".into(),
            brand_rgb: (20, 90, 160),
            logo: None,
            company: Party {
                name: "Acme Trading B.V.".into(),
                lines: vec![
                    "Keizersgracht 123".into(),
                    "1015 CJ Amsterdam, Netherlands".into(),
                    "VAT NL123456789B01".into(),
                    "billing@acme.example".into(),
                ],
            },
            customer: Party {
                name: "Zoë Müller GmbH".into(),
                lines: vec![
                    "Friedrichstraße 42".into(),
                    "10117 Berlin".into(),
                    "Germany".into(),
                ],
            },
            facts: vec![
                ("Issue date".into(), "2026-03-01".into()),
                ("Due date".into(), "2026-03-31".into()),
                ("Currency".into(), "EUR".into()),
            ],
            lines: (0..lines)
                .map(|i| PdfLine {
                    description: description(i),
                    quantity: format!("{}", 1 + i % 7),
                    unit_price: format!("€{}.{:02}", 10 + i % 90, i % 100),
                    discount: if i % 4 == 0 {
                        "10%".into()
                    } else {
                        String::new()
                    },
                    tax_rate: "21%".into(),
                    amount: format!("€{},{:03}.50", 1 + i % 9, (i * 211) % 1000),
                })
                .collect(),
            tax_breakdown: vec![TaxRow {
                rate: "21%".into(),
                net: "€12,100.00".into(),
                tax: "€2,541.00".into(),
            }],
            totals: vec![
                TotalRow {
                    label: "Subtotal".into(),
                    value: "€12,100.00".into(),
                    emphasised: false,
                },
                TotalRow {
                    label: "Tax".into(),
                    value: "€2,541.00".into(),
                    emphasised: false,
                },
                TotalRow {
                    label: "Total".into(),
                    value: "€14,641.00".into(),
                    emphasised: true,
                },
                TotalRow {
                    label: "Balance due".into(),
                    value: "€14,641.00".into(),
                    emphasised: true,
                },
            ],
            notes: Some("Thank you for your business.\nPlease quote the invoice number.".into()),
            payment_instructions: vec!["IBAN NL91 INGB 0001 2345 67".into(), "BIC INGBNL2A".into()],
            footer: Some("Acme Trading B.V. · Chamber of Commerce 12345678".into()),
            date: chrono::NaiveDate::from_ymd_opt(2026, 3, 1),
            facturx: None,
        }
    }

    /// A PNG made with the png crate's encoder: a square whose alpha is `alpha` everywhere.
    fn png_logo(colour: png::ColorType, alpha: u8) -> Logo {
        png_logo_sized(40, 20, colour, alpha)
    }

    fn png_logo_sized(w: u32, h: u32, colour: png::ColorType, alpha: u8) -> Logo {
        let channels = match colour {
            png::ColorType::Grayscale => 1,
            png::ColorType::GrayscaleAlpha => 2,
            png::ColorType::Rgb => 3,
            _ => 4,
        };
        let mut data = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let px = [(x * 6) as u8, (y * 12) as u8, 160, alpha];
                match channels {
                    1 => data.push(px[0]),
                    2 => data.extend_from_slice(&[px[0], alpha]),
                    3 => data.extend_from_slice(&px[..3]),
                    _ => data.extend_from_slice(&px),
                }
            }
        }
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, w, h);
        encoder.set_color(colour);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("png header");
        writer.write_image_data(&data).expect("png data");
        writer.finish().expect("png end");
        Logo {
            format: ImageFormat::Png,
            bytes,
        }
    }

    /// A complete, decodable 8x8 mid-grey baseline JPEG written by hand: one quantisation
    /// table, one-code Huffman tables, and a scan whose only block has DC = 0 and an
    /// immediate end-of-block.
    fn jpeg_logo() -> Logo {
        let mut b = vec![0xFF, 0xD8];
        b.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x43, 0x00]);
        b.extend_from_slice(&[1; 64]);
        b.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 8, 0, 8, 0, 8, 1, 1, 0x11, 0]);
        for class in [0x00, 0x10] {
            // One code of length 1 for symbol 0 (DC: size 0; AC: end of block).
            b.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x14, class, 1]);
            b.extend_from_slice(&[0; 15]);
            b.push(0);
        }
        b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 1, 1, 0x00, 0, 63, 0]);
        b.push(0b0011_1111); // DC code "0", EOB code "0", padded with ones.
        b.extend_from_slice(&[0xFF, 0xD9]);
        Logo {
            format: ImageFormat::Jpeg,
            bytes: b,
        }
    }

    fn pages_text(pdf: &[u8]) -> Vec<String> {
        pdf_extract::extract_text_from_mem_by_pages(pdf).expect("text extraction")
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    // --- Text handling ---------------------------------------------------------------------

    #[test]
    fn prints_what_the_font_has() {
        assert_eq!(printable("Abc 1"), "Abc 1");
        assert_eq!(
            printable("café €5 – “ok” Łódź Αθήνα Москва"),
            "café €5 – “ok” Łódź Αθήνα Москва"
        );
        assert_eq!(printable("a\u{AD}b\u{200B}c"), "abc");
        assert_eq!(printable("日本 ł"), "?? ł");
        assert_eq!(printable("a\tb\nc"), "a b c");
    }

    #[test]
    fn wraps_words_and_breaks_long_ones() {
        let text = printable("the quick brown fox jumps over the lazy dog");
        let lines = wrap(&text, Font::Regular, 10.0, 60.0);
        assert!(lines.len() > 1);
        for line in &lines {
            assert!(Font::Regular.width(line, 10.0) <= 60.0);
            assert!(!line.starts_with(' ') && !line.ends_with(' '));
        }
        assert_eq!(lines.join(" "), text);
        let long = "W".repeat(40);
        let lines = wrap(&long, Font::Regular, 10.0, 50.0);
        assert_eq!(lines.concat(), long);
        assert!(
            lines
                .iter()
                .all(|l| !l.is_empty() && Font::Regular.width(l, 10.0) <= 50.0)
        );
        assert_eq!(wrap("", Font::Regular, 10.0, 50.0), vec![String::new()]);
        assert_eq!(wrap("   ", Font::Regular, 10.0, 50.0), vec![String::new()]);
        // Even a zero width makes progress.
        assert_eq!(wrap("ab", Font::Regular, 10.0, 0.0).len(), 2);
        assert_eq!(
            wrap_paragraphs("a\n\nb\n", Font::Regular, 10.0, 50.0),
            vec!["a".to_string(), String::new(), "b".to_string()]
        );
    }

    #[test]
    fn truncates_with_an_ellipsis() {
        let text = printable("A rather long company name that goes on");
        let cut = truncate(&text, Font::Regular, 10.0, 80.0);
        assert!(cut.ends_with("..."));
        assert!(Font::Regular.width(&cut, 10.0) <= 80.0);
        assert_eq!(truncate("short", Font::Regular, 10.0, 80.0), "short");
    }

    #[test]
    fn light_brand_colours_stay_readable() {
        let light = Palette::new((250, 240, 120));
        assert_eq!(light.on_brand, INK);
        assert!(light.brand_ink.luminance() < 0.6);
        let dark = Palette::new((20, 90, 160));
        assert_eq!(dark.on_brand, WHITE);
        assert_eq!(dark.brand_ink, dark.brand);
    }

    // --- Whole documents -------------------------------------------------------------------

    #[test]
    fn three_line_invoice_has_extractable_text() {
        let mut doc = sample(3);
        doc.logo = Some(png_logo(png::ColorType::Rgba, 128));
        let pdf = render_invoice(&doc).expect("render");
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(contains(&pdf, b"/FlateDecode"));
        assert!(contains(&pdf, b"+LiberationSans-Bold"));
        assert!(contains(&pdf, b"/FontFile2") && contains(&pdf, b"/ToUnicode"));
        assert!(contains(&pdf, b"<pdfaid:part>3</pdfaid:part>"));
        assert!(contains(&pdf, b"/OutputIntents") && contains(&pdf, b"/GTS_PDFA1"));
        assert!(
            !contains(&pdf, b"/EmbeddedFiles"),
            "no e-invoice given, none embedded"
        );
        let pages = pages_text(&pdf);
        assert_eq!(pages.len(), 1);
        let text = &pages[0];
        for needle in [
            "INV-2026-000123",
            "Zoë Müller GmbH",
            "Friedrichstraße 42",
            "Acme Trading B.V.",
            "Page 1 of 1",
            "€14,641.00",
            "Balance due",
            "Widget type 0 (pack of 5)",
            "Thank you for your business.",
            "IBAN NL91 INGB 0001 2345 67",
            "Chamber of Commerce 12345678",
            "2026-03-31",
        ] {
            assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
        }
    }

    #[test]
    fn five_hundred_lines_paginate_with_repeated_headers() {
        let doc = sample(500);
        let pdf = render_invoice(&doc).expect("render");
        let pages = pages_text(&pdf);
        let n = pages.len();
        assert!((12..=20).contains(&n), "{n} pages");
        for (i, page) in pages.iter().enumerate() {
            assert!(
                page.contains(&format!("Page {} of {n}", i + 1)),
                "page {}:\n{page}",
                i + 1
            );
            assert!(
                page.contains("Chamber of Commerce 12345678"),
                "footer on page {}",
                i + 1
            );
            assert!(page.contains("INV-2026-000123"), "number on page {}", i + 1);
            // The table (and so its header) may end before the summary's page.
            assert!(
                i + 1 == n || page.contains("Unit price"),
                "table header on page {}",
                i + 1
            );
        }
        assert!(pages[0].contains("Zoë Müller GmbH"));
        // The totals follow the last line (notes or payment details may spill onto a next page).
        let end = pages[n - 2..].concat();
        assert!(
            end.contains("€14,641.00") && end.contains("Balance due"),
            "{end}"
        );
        // Every line is printed exactly once, in order: its amount is unique in the sample.
        let all = pages.concat();
        let mut from = 0;
        for line in &doc.lines[..50] {
            let at = all[from..].find(&line.amount).map(|p| p + from);
            assert!(at.is_some(), "{} missing or out of order", line.amount);
            from = at.unwrap_or(from);
        }
    }

    #[test]
    fn long_description_is_split_across_pages() {
        let mut doc = sample(2);
        doc.lines[1].description = "lorem ipsum dolor ".repeat(800);
        let pdf = render_invoice(&doc).expect("render");
        let pages = pages_text(&pdf);
        assert!(pages.len() >= 3, "{} pages", pages.len());
        let all = pages.concat();
        // Nothing lost or repeated where the row was split, and the totals come after it.
        assert_eq!(all.matches("lorem").count(), 800, "{all}");
        let (last_lorem, total) = (all.rfind("lorem"), all.rfind("€14,641.00"));
        assert!(last_lorem < total, "{all}");
        // The cells are printed once, on the row's first part.
        assert_eq!(all.matches("€2,211.50").count(), 1);
    }

    #[test]
    fn png_logo_with_alpha_gets_a_soft_mask() {
        let mut doc = sample(1);
        doc.logo = Some(png_logo(png::ColorType::Rgba, 100));
        let pdf = render_invoice(&doc).expect("render");
        assert!(contains(&pdf, b"/SMask"));
        assert!(contains(&pdf, b"/Im1"));
        for colour in [png::ColorType::Rgb, png::ColorType::Grayscale] {
            doc.logo = Some(png_logo(colour, 255));
            let pdf = render_invoice(&doc).expect("render");
            assert!(contains(&pdf, b"/Im1") && !contains(&pdf, b"/SMask"));
        }
        // Opaque alpha needs no mask either.
        doc.logo = Some(png_logo(png::ColorType::GrayscaleAlpha, 255));
        let pdf = render_invoice(&doc).expect("render");
        assert!(contains(&pdf, b"/DeviceGray") && !contains(&pdf, b"/SMask"));
    }

    #[test]
    fn jpeg_logo_is_embedded_as_is() {
        let mut doc = sample(1);
        let logo = jpeg_logo();
        assert_eq!(jpeg_header(&logo.bytes), Some((8, 8, 1)));
        doc.logo = Some(logo.clone());
        let pdf = render_invoice(&doc).expect("render");
        assert!(contains(&pdf, b"/DCTDecode"));
        assert!(contains(&pdf, &logo.bytes));
        assert!(pages_text(&pdf)[0].contains("INV-2026-000123"));
    }

    #[test]
    fn jpeg_headers_that_readers_cannot_show_are_refused() {
        let good = jpeg_logo().bytes;
        // The frame header (SOF0) is after SOI (2) and the quantisation table (69).
        let sof = 2 + 69;
        assert_eq!(&good[sof..sof + 2], &[0xFF, 0xC0]);
        let with = |at: usize, value: u8| {
            let mut b = good.clone();
            b[at] = value;
            b
        };
        assert_eq!(
            jpeg_header(&with(sof + 1, 0xC2)),
            Some((8, 8, 1)),
            "progressive"
        );
        assert_eq!(jpeg_header(&with(sof + 1, 0xC3)), None, "lossless");
        assert_eq!(jpeg_header(&with(sof + 1, 0xC9)), None, "arithmetic");
        assert_eq!(jpeg_header(&with(sof + 4, 12)), None, "12-bit");
        assert_eq!(jpeg_header(&with(sof + 9, 4)), None, "CMYK");
        assert_eq!(jpeg_header(&with(sof + 6, 0)), None, "zero height");
        assert_eq!(jpeg_header(&good[..sof + 6]), None, "truncated");
        assert_eq!(jpeg_header(&[0xFF, 0xD8]), None);
        assert_eq!(
            jpeg_header(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2]),
            None,
            "scan first"
        );
        assert_eq!(jpeg_header(&[0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 0]), None);
        assert_eq!(jpeg_header(&[0xFF, 0xD8, 0x12, 0x34]), None);
    }

    #[test]
    fn a_png_larger_than_a_prepared_logo_is_left_out() {
        let mut doc = sample(1);
        // 1.4 MB of RGBA once decoded: more than any logo prepared at upload.
        doc.logo = Some(png_logo_sized(600, 600, png::ColorType::Rgba, 255));
        let pdf = render_invoice(&doc).expect("render");
        assert!(!contains(&pdf, b"/Im1"));
        // The largest prepared logo is embedded.
        doc.logo = Some(png_logo_sized(640, 240, png::ColorType::Rgba, 200));
        let pdf = render_invoice(&doc).expect("render");
        assert!(contains(&pdf, b"/Im1") && contains(&pdf, b"/SMask"));
    }

    #[test]
    fn undecodable_logo_is_left_out() {
        let mut doc = sample(1);
        for bytes in [
            b"not an image".to_vec(),
            vec![],
            png_logo(png::ColorType::Rgb, 255).bytes[..60].to_vec(),
        ] {
            doc.logo = Some(Logo {
                format: ImageFormat::Png,
                bytes,
            });
            let pdf = render_invoice(&doc).expect("render");
            assert!(!contains(&pdf, b"/Im1"));
            assert!(pages_text(&pdf)[0].contains("INV-2026-000123"));
        }
        // A PNG whose header is fine but whose image data is damaged.
        let mut bytes = png_logo(png::ColorType::Rgb, 255).bytes;
        let idat = bytes.windows(4).position(|w| w == b"IDAT").expect("idat");
        bytes[idat + 8] ^= 0xFF;
        doc.logo = Some(Logo {
            format: ImageFormat::Png,
            bytes,
        });
        assert!(render_invoice(&doc).is_ok());
    }

    #[test]
    fn empty_and_odd_documents_render() {
        let pdf = render_invoice(&InvoicePdf::default()).expect("render");
        assert_eq!(pages_text(&pdf).len(), 1);
        let mut doc = sample(1);
        doc.customer.name = "Ελληνικά ÆØÅ".into();
        doc.lines[0].amount = "€1,000,000,000,000.00".into();
        doc.footer = Some("legal text ".repeat(200));
        doc.notes = Some("note ".repeat(3000));
        let pdf = render_invoice(&doc).expect("render");
        let pages = pages_text(&pdf);
        assert!(pages[0].contains("Ελληνικά ÆØÅ"), "{}", pages[0]);
        assert!(pages.len() >= 2);
    }

    #[test]
    fn runaway_input_is_refused() {
        let mut doc = sample(1);
        doc.notes = Some("x\n".repeat(80_000));
        assert!(matches!(
            render_invoice(&doc),
            Err(PdfError::TooManyPages { max: MAX_PAGES })
        ));
    }
}
