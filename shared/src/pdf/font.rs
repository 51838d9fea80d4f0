//! The two embedded fonts (Liberation Sans Regular and Bold 2.1.5, SIL Open Font License 1.1,
//! `shared/fonts/`): Latin, Greek and Cyrillic, metric-compatible with Helvetica. Text is
//! measured with the fonts' own advance widths and shown as glyph ids (Identity-H), and each
//! PDF embeds a subset of each font holding the glyphs the document can use (PDF/A forbids
//! fonts that are not embedded).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};

/// A font of the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Font {
    Regular,
    Bold,
}

pub(super) struct Face {
    data: &'static [u8],
    face: ttf_parser::Face<'static>,
    /// The name in the PDF (a subset tag is put in front).
    name: &'static str,
    units_per_em: f32,
    /// The glyph `?`, shown for characters the font has no glyph for.
    fallback: u16,
}

fn load(data: &'static [u8], name: &'static str) -> Face {
    let face = ttf_parser::Face::parse(data, 0).expect("the bundled font parses");
    let fallback = face.glyph_index('?').map_or(0, |g| g.0);
    Face {
        data,
        units_per_em: f32::from(face.units_per_em()),
        face,
        name,
        fallback,
    }
}

static REGULAR: LazyLock<Face> = LazyLock::new(|| {
    load(
        include_bytes!("../../fonts/LiberationSans-Regular.ttf"),
        "LiberationSans",
    )
});
static BOLD: LazyLock<Face> = LazyLock::new(|| {
    load(
        include_bytes!("../../fonts/LiberationSans-Bold.ttf"),
        "LiberationSans-Bold",
    )
});

impl Font {
    pub(super) const ALL: [Font; 2] = [Font::Regular, Font::Bold];

    pub(super) fn face(self) -> &'static Face {
        match self {
            Font::Regular => &REGULAR,
            Font::Bold => &BOLD,
        }
    }

    /// The resource name used in content streams.
    pub(super) fn resource(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }

    /// Advance width of `c` in 1/1000 em.
    pub(super) fn char_units(self, c: char) -> f32 {
        let f = self.face();
        let advance = f
            .face
            .glyph_hor_advance(ttf_parser::GlyphId(f.glyph(c)))
            .unwrap_or(0);
        f32::from(advance) * 1000.0 / f.units_per_em
    }

    /// Width of `text` in points.
    pub(super) fn width(self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.char_units(c)).sum::<f32>() * size / 1000.0
    }

    /// `text` as the 2-byte glyph ids of a `Tj` (Identity-H).
    pub(super) fn encode(self, text: &str) -> Vec<u8> {
        let f = self.face();
        text.chars()
            .flat_map(|c| f.glyph(c).to_be_bytes())
            .collect()
    }
}

impl Face {
    fn glyph(&self, c: char) -> u16 {
        self.face.glyph_index(c).map_or(self.fallback, |g| g.0)
    }

    /// Whether the font has a glyph for `c`.
    pub(super) fn has(&self, c: char) -> bool {
        self.face.glyph_index(c).is_some()
    }
}

/// Writes font `font` as a Type0 font at `id` (with its descendant CIDFont, descriptor,
/// subset program, widths, CID-to-glyph map and ToUnicode map), holding the glyphs of
/// `chars`. `tag` is the six-letter subset tag. Returns the next free object number.
pub(super) fn write(pdf: &mut Pdf, font: Font, id: Ref, chars: &[char], tag: &str) -> Ref {
    let f = font.face();
    let cid_id = Ref::new(id.get() + 1);
    let descriptor_id = Ref::new(id.get() + 2);
    let program_id = Ref::new(id.get() + 3);
    let cmap_id = Ref::new(id.get() + 4);
    let map_id = Ref::new(id.get() + 5);

    // Glyphs by their id in the font (the CIDs of the content streams), with a character each.
    let mut glyphs: BTreeMap<u16, char> = BTreeMap::new();
    glyphs.insert(f.fallback, '?');
    for &c in chars {
        glyphs.entry(f.glyph(c)).or_insert(c);
    }
    let mut remapper = subsetter::GlyphRemapper::new();
    remapper.remap(0);
    for &g in glyphs.keys() {
        remapper.remap(g);
    }
    let program = subsetter::subset(f.data, 0, &remapper).expect("the bundled font subsets");

    let base_font = format!("{tag}+{}", f.name);
    let system_info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    pdf.type0_font(id)
        .base_font(Name(base_font.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_id)
        .to_unicode(cmap_id);

    let scale = 1000.0 / f.units_per_em;
    let mut cid = pdf.cid_font(cid_id);
    cid.subtype(CidFontType::Type2)
        .base_font(Name(base_font.as_bytes()))
        .system_info(system_info)
        .font_descriptor(descriptor_id)
        .default_width(0.0)
        .cid_to_gid_map_stream(map_id);
    let mut widths = cid.widths();
    for &g in glyphs.keys() {
        let advance = f
            .face
            .glyph_hor_advance(ttf_parser::GlyphId(g))
            .unwrap_or(0);
        widths.consecutive(g, [f32::from(advance) * scale]);
    }
    widths.finish();
    cid.finish();

    let bbox = f.face.global_bounding_box();
    let mut flags = FontFlags::NON_SYMBOLIC;
    if font == Font::Bold {
        flags |= FontFlags::FORCE_BOLD;
    }
    pdf.font_descriptor(descriptor_id)
        .name(Name(base_font.as_bytes()))
        .flags(flags)
        .bbox(Rect::new(
            f32::from(bbox.x_min) * scale,
            f32::from(bbox.y_min) * scale,
            f32::from(bbox.x_max) * scale,
            f32::from(bbox.y_max) * scale,
        ))
        .italic_angle(0.0)
        .ascent(f32::from(f.face.ascender()) * scale)
        .descent(f32::from(f.face.descender()) * scale)
        .cap_height(f32::from(f.face.capital_height().unwrap_or(f.face.ascender())) * scale)
        .stem_v(if font == Font::Bold { 140.0 } else { 80.0 })
        .font_file2(program_id);

    let compressed = super::deflate(&program);
    let mut stream = pdf.stream(program_id, &compressed);
    stream.filter(Filter::FlateDecode);
    stream.pair(Name(b"Length1"), program.len() as i32);
    stream.finish();

    let mut cmap = UnicodeCmap::new(Name(b"Custom"), system_info);
    for (&g, &c) in &glyphs {
        cmap.pair(g, c);
    }
    pdf.cmap(cmap_id, &super::deflate(&cmap.finish()))
        .filter(Filter::FlateDecode);

    // CID (the font's glyph id) → glyph id in the subset, two bytes each.
    let last = glyphs.keys().next_back().copied().unwrap_or(0);
    let mut map = vec![0u8; (usize::from(last) + 1) * 2];
    for &g in glyphs.keys() {
        let new = remapper.get(g).unwrap_or(0);
        map[usize::from(g) * 2..usize::from(g) * 2 + 2].copy_from_slice(&new.to_be_bytes());
    }
    pdf.stream(map_id, &super::deflate(&map))
        .filter(Filter::FlateDecode);
    Ref::new(id.get() + 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_with_the_fonts_advance_widths() {
        // Liberation Sans has Helvetica's metrics: "Hello" at 10 pt is 22.78 pt (AFM).
        assert!((Font::Regular.width("Hello", 10.0) - 22.78).abs() < 0.05);
        assert!((Font::Bold.width("Hello", 10.0) - 24.45).abs() < 0.05);
        assert!(Font::Regular.width("Łódź Αθήνα Москва", 10.0) > 50.0);
    }

    #[test]
    fn covers_latin_greek_and_cyrillic() {
        let f = Font::Regular.face();
        assert!("ąčęłńőřšůźżĀ€ΑΩαωЖжЯя–“”…".chars().all(|c| f.has(c)));
        assert!(!f.has('日'));
        assert_eq!(
            Font::Regular.encode("日").len(),
            2,
            "a missing glyph shows as ?"
        );
    }
}
