//! Logo validation: just enough PNG and JPEG header parsing (std only) to accept or refuse
//! an uploaded company logo with a short message a user can act on.
//!
//! Only what the invoice PDF renderer can embed without surprises is accepted:
//! - PNG: 8-bit grey, RGB, grey+alpha or RGBA, not interlaced (no palette, no 16-bit);
//! - JPEG: baseline or progressive (SOF0/SOF1/SOF2), 8-bit, grey or YCbCr/RGB (no CMYK).

/// The encoding of an accepted logo.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    Png,
    Jpeg,
}

impl ImageFormat {
    /// The MIME type to serve the stored bytes with.
    pub fn mime_type(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
        }
    }
}

/// What the header of an accepted logo says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
}

/// Largest logo accepted, in bytes.
pub const MAX_LOGO_BYTES: usize = 256 * 1024;
/// Largest width or height accepted, in pixels.
pub const MAX_LOGO_SIDE: u32 = 4096;

const ERR_EMPTY: &str = "the logo is empty";
const ERR_TOO_LARGE: &str = "the logo must be at most 256 KiB";
const ERR_FORMAT: &str = "the logo must be a PNG or JPEG image";
const ERR_SIDE: &str = "the logo must be between 1 and 4096 pixels wide and high";
const ERR_PNG_CORRUPT: &str = "the PNG logo is damaged or truncated";
const ERR_PNG_KIND: &str = "PNG logos must be 8-bit grey or RGB(A), not interlaced";
const ERR_JPEG_CORRUPT: &str = "the JPEG logo is damaged or truncated";
const ERR_JPEG_KIND: &str = "JPEG logos must be 8-bit baseline or progressive";
const ERR_JPEG_COLOUR: &str = "JPEG logos must be greyscale or RGB, not CMYK";

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// Parses the header of a PNG or JPEG logo; Err is a short user-facing message.
pub fn logo_info(bytes: &[u8]) -> Result<ImageInfo, &'static str> {
    if bytes.is_empty() {
        return Err(ERR_EMPTY);
    }
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(ERR_TOO_LARGE);
    }
    let info = if bytes.starts_with(&PNG_SIGNATURE) {
        png_info(bytes)?
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        jpeg_frame(bytes)?.0
    } else {
        return Err(ERR_FORMAT);
    };
    if info.width == 0
        || info.height == 0
        || info.width > MAX_LOGO_SIDE
        || info.height > MAX_LOGO_SIDE
    {
        return Err(ERR_SIDE);
    }
    Ok(info)
}

/// Number of colour components (1 = grey, 3 = YCbCr/RGB) of a JPEG that [`logo_info`] accepts;
/// the PDF renderer needs it to pick the colour space. `None` when the JPEG is not accepted.
pub fn jpeg_components(bytes: &[u8]) -> Option<u8> {
    jpeg_frame(bytes).ok().map(|(_, components)| components)
}

fn be_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

// ---------------------------------------------------------------------------------------------
// PNG

/// Walks the chunk list: IHDR first (13 bytes), every chunk's CRC-32 correct, at least one IDAT
/// before IEND. Bytes after IEND are tolerated (some tools append them).
fn png_info(bytes: &[u8]) -> Result<ImageInfo, &'static str> {
    let mut at = PNG_SIGNATURE.len();
    let mut header: Option<(u32, u32)> = None;
    let mut seen_idat = false;
    loop {
        // length (4) | type (4) | data (length) | crc (4)
        let length = be_u32(bytes, at).ok_or(ERR_PNG_CORRUPT)? as usize;
        let kind_at = at + 4;
        let data_at = kind_at + 4;
        let crc_at = data_at.checked_add(length).ok_or(ERR_PNG_CORRUPT)?;
        let stored_crc = be_u32(bytes, crc_at).ok_or(ERR_PNG_CORRUPT)?;
        // `crc_at + 4 <= len` is known from here on, so these slices are in bounds.
        let kind = &bytes[kind_at..data_at];
        let data = &bytes[data_at..crc_at];
        if crc32(&bytes[kind_at..crc_at]) != stored_crc {
            return Err(ERR_PNG_CORRUPT);
        }
        match (header, kind) {
            (None, b"IHDR") => {
                if length != 13 {
                    return Err(ERR_PNG_CORRUPT);
                }
                let width = be_u32(data, 0).ok_or(ERR_PNG_CORRUPT)?;
                let height = be_u32(data, 4).ok_or(ERR_PNG_CORRUPT)?;
                let (depth, colour, compression, filter, interlace) =
                    (data[8], data[9], data[10], data[11], data[12]);
                if compression != 0 || filter != 0 || interlace > 1 {
                    return Err(ERR_PNG_CORRUPT);
                }
                if depth != 8 || !matches!(colour, 0 | 2 | 4 | 6) || interlace != 0 {
                    return Err(ERR_PNG_KIND);
                }
                header = Some((width, height));
            }
            // The first chunk must be IHDR, and IHDR may appear only once.
            (None, _) | (Some(_), b"IHDR") => return Err(ERR_PNG_CORRUPT),
            (Some(_), b"IDAT") => seen_idat = true,
            (Some((width, height)), b"IEND") => {
                if !seen_idat {
                    return Err(ERR_PNG_CORRUPT);
                }
                return Ok(ImageInfo {
                    format: ImageFormat::Png,
                    width,
                    height,
                });
            }
            (Some(_), _) => {}
        }
        at = crc_at + 4;
    }
}

/// CRC-32 (ISO-HDLC, as used by PNG and zlib's crc32), table driven.
pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc = CRC_TABLE[((crc ^ byte as u32) & 0xFF) as usize] ^ (crc >> 8);
    }
    crc ^ 0xFFFF_FFFF
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

// ---------------------------------------------------------------------------------------------
// JPEG

/// Walks the marker segments from SOI to the first frame header (SOFn) and returns the frame's
/// size and component count.
fn jpeg_frame(bytes: &[u8]) -> Result<(ImageInfo, u8), &'static str> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(ERR_FORMAT);
    }
    let mut at = 2;
    loop {
        // A marker is 0xFF followed by a code; extra 0xFF bytes before it are fill.
        if *bytes.get(at).ok_or(ERR_JPEG_CORRUPT)? != 0xFF {
            return Err(ERR_JPEG_CORRUPT);
        }
        while bytes.get(at) == Some(&0xFF) {
            at += 1;
        }
        let marker = *bytes.get(at).ok_or(ERR_JPEG_CORRUPT)?;
        at += 1;
        match marker {
            // Standalone markers carry no length: TEM and RST0..RST7.
            0x01 | 0xD0..=0xD7 => continue,
            // Start of scan or end of image before any frame header, or a stray 0xFF00.
            0xDA | 0xD9 | 0x00 | 0xD8 => return Err(ERR_JPEG_CORRUPT),
            _ => {}
        }
        let length = be_u16(bytes, at).ok_or(ERR_JPEG_CORRUPT)? as usize;
        if length < 2 {
            return Err(ERR_JPEG_CORRUPT);
        }
        let segment = bytes.get(at + 2..at + length).ok_or(ERR_JPEG_CORRUPT)?;
        match marker {
            // SOF0 baseline, SOF1 extended sequential, SOF2 progressive (all Huffman coded).
            0xC0..=0xC2 => {
                // precision (1) | height (2) | width (2) | components (1) | 3 bytes per component
                let precision = *segment.first().ok_or(ERR_JPEG_CORRUPT)?;
                let height = be_u16(segment, 1).ok_or(ERR_JPEG_CORRUPT)?;
                let width = be_u16(segment, 3).ok_or(ERR_JPEG_CORRUPT)?;
                let components = *segment.get(5).ok_or(ERR_JPEG_CORRUPT)?;
                if segment.len() < 6 + 3 * components as usize {
                    return Err(ERR_JPEG_CORRUPT);
                }
                if precision != 8 {
                    return Err(ERR_JPEG_KIND);
                }
                match components {
                    1 | 3 => {}
                    4 => return Err(ERR_JPEG_COLOUR),
                    _ => return Err(ERR_JPEG_CORRUPT),
                }
                let info = ImageInfo {
                    format: ImageFormat::Jpeg,
                    width: width.into(),
                    height: height.into(),
                };
                return Ok((info, components));
            }
            // Other frame types: lossless, hierarchical, arithmetic coded.
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => return Err(ERR_JPEG_KIND),
            // Anything else (APPn, DQT, DHT, DRI, COM, ...) is skipped.
            _ => at += length,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Adler-32 of zlib streams.
    fn adler32(data: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for &byte in data {
            a = (a + byte as u32) % 65521;
            b = (b + a) % 65521;
        }
        (b << 16) | a
    }

    /// A zlib stream made of "stored" (uncompressed) deflate blocks.
    fn zlib_stored(data: &[u8]) -> Vec<u8> {
        let mut out = vec![0x78, 0x01];
        let chunks: Vec<&[u8]> = if data.is_empty() {
            vec![&[]]
        } else {
            data.chunks(65535).collect()
        };
        for (i, chunk) in chunks.iter().enumerate() {
            out.push(u8::from(i + 1 == chunks.len())); // BFINAL, BTYPE=00
            let len = chunk.len() as u16;
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&(!len).to_le_bytes());
            out.extend_from_slice(chunk);
        }
        out.extend_from_slice(&adler32(data).to_be_bytes());
        out
    }

    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }

    /// A complete, decodable PNG: 8-bit, given colour type, every pixel byte = `fill`.
    fn png(width: u32, height: u32, depth: u8, colour: u8, interlace: u8) -> Vec<u8> {
        let channels = match colour {
            0 | 3 => 1,
            2 => 3,
            4 => 2,
            _ => 4,
        };
        let row = width as usize * channels * (depth as usize / 8).max(1);
        let mut raw = Vec::new();
        for y in 0..height {
            raw.push(0); // filter type None
            raw.extend((0..row).map(|x| (x as u32 * 7 + y * 13) as u8));
        }
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[depth, colour, 0, 0, interlace]);
        let mut out = PNG_SIGNATURE.to_vec();
        chunk(&mut out, b"IHDR", &ihdr);
        chunk(&mut out, b"IDAT", &zlib_stored(&raw));
        chunk(&mut out, b"IEND", &[]);
        out
    }

    /// A minimal JPEG header: SOI, APP0, then a frame header of the given type.
    fn jpeg(sof: u8, precision: u8, width: u16, height: u16, components: u8) -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8];
        // APP0 "JFIF\0" segment, skipped by the walker.
        out.extend_from_slice(&[
            0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
        ]);
        // A comment, preceded by fill bytes.
        out.extend_from_slice(&[0xFF, 0xFF, 0xFE, 0x00, 0x05, b'h', b'i', b'!']);
        let length = 8 + 3 * components as u16;
        out.extend_from_slice(&[0xFF, sof]);
        out.extend_from_slice(&length.to_be_bytes());
        out.push(precision);
        out.extend_from_slice(&height.to_be_bytes());
        out.extend_from_slice(&width.to_be_bytes());
        out.push(components);
        for id in 1..=components {
            out.extend_from_slice(&[id, 0x11, 0]);
        }
        // SOS would follow; the parser stops at the frame header.
        out.extend_from_slice(&[0xFF, 0xD9]);
        out
    }

    #[test]
    fn crc32_matches_the_reference_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn accepts_8bit_png_colour_types() {
        for colour in [0, 2, 4, 6] {
            let info = logo_info(&png(3, 2, 8, colour, 0)).expect("valid png");
            assert_eq!(
                info,
                ImageInfo {
                    format: ImageFormat::Png,
                    width: 3,
                    height: 2
                }
            );
        }
    }

    #[test]
    fn refuses_palette_16bit_and_interlaced_png() {
        assert_eq!(logo_info(&png(3, 2, 8, 3, 0)), Err(ERR_PNG_KIND));
        assert_eq!(logo_info(&png(3, 2, 16, 2, 0)), Err(ERR_PNG_KIND));
        assert_eq!(logo_info(&png(3, 2, 8, 6, 1)), Err(ERR_PNG_KIND));
    }

    #[test]
    fn refuses_damaged_png() {
        let good = png(4, 4, 8, 2, 0);
        // Wrong IHDR CRC.
        let mut bad = good.clone();
        bad[29] ^= 1;
        assert_eq!(logo_info(&bad), Err(ERR_PNG_CORRUPT));
        // Truncated: no IEND.
        assert_eq!(logo_info(&good[..good.len() - 12]), Err(ERR_PNG_CORRUPT));
        // Truncated in the middle of a chunk.
        assert_eq!(logo_info(&good[..40]), Err(ERR_PNG_CORRUPT));
        // Only the signature.
        assert_eq!(logo_info(&PNG_SIGNATURE), Err(ERR_PNG_CORRUPT));
        // IHDR of the wrong length.
        let mut out = PNG_SIGNATURE.to_vec();
        chunk(&mut out, b"IHDR", &[0; 12]);
        assert_eq!(logo_info(&out), Err(ERR_PNG_CORRUPT));
        // A chunk before IHDR.
        let mut out = PNG_SIGNATURE.to_vec();
        chunk(&mut out, b"tEXt", b"a\0b");
        out.extend_from_slice(&good[8..]);
        assert_eq!(logo_info(&out), Err(ERR_PNG_CORRUPT));
        // No IDAT.
        let mut out = good[..33].to_vec();
        chunk(&mut out, b"IEND", &[]);
        assert_eq!(logo_info(&out), Err(ERR_PNG_CORRUPT));
        // A huge declared length must not overflow or panic.
        let mut out = good[..33].to_vec();
        out.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, b'I', b'D', b'A', b'T']);
        assert_eq!(logo_info(&out), Err(ERR_PNG_CORRUPT));
    }

    #[test]
    fn png_sides_are_bounded() {
        assert_eq!(logo_info(&png(0, 2, 8, 0, 0)), Err(ERR_SIDE));
        assert_eq!(logo_info(&png(2, 0, 8, 0, 0)), Err(ERR_SIDE));
        // A header-only check: the IHDR says 5000 wide, the data does not matter here.
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&5000u32.to_be_bytes());
        ihdr.extend_from_slice(&1u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
        let mut out = PNG_SIGNATURE.to_vec();
        chunk(&mut out, b"IHDR", &ihdr);
        chunk(&mut out, b"IDAT", &zlib_stored(&[0; 5001]));
        chunk(&mut out, b"IEND", &[]);
        assert_eq!(logo_info(&out), Err(ERR_SIDE));
        assert_eq!(logo_info(&png(4096, 1, 8, 0, 0)).map(|i| i.width), Ok(4096));
    }

    #[test]
    fn accepts_baseline_extended_and_progressive_jpeg() {
        for sof in [0xC0, 0xC1, 0xC2] {
            for components in [1, 3] {
                let bytes = jpeg(sof, 8, 640, 200, components);
                let info = logo_info(&bytes).expect("valid jpeg");
                assert_eq!(
                    info,
                    ImageInfo {
                        format: ImageFormat::Jpeg,
                        width: 640,
                        height: 200
                    }
                );
                assert_eq!(jpeg_components(&bytes), Some(components));
            }
        }
    }

    #[test]
    fn refuses_cmyk_lossless_12bit_and_damaged_jpeg() {
        assert_eq!(logo_info(&jpeg(0xC0, 8, 10, 10, 4)), Err(ERR_JPEG_COLOUR));
        assert_eq!(jpeg_components(&jpeg(0xC0, 8, 10, 10, 4)), None);
        assert_eq!(logo_info(&jpeg(0xC3, 8, 10, 10, 3)), Err(ERR_JPEG_KIND));
        assert_eq!(logo_info(&jpeg(0xC9, 8, 10, 10, 3)), Err(ERR_JPEG_KIND));
        assert_eq!(logo_info(&jpeg(0xC1, 12, 10, 10, 3)), Err(ERR_JPEG_KIND));
        assert_eq!(logo_info(&jpeg(0xC0, 8, 0, 10, 3)), Err(ERR_SIDE));
        assert_eq!(logo_info(&jpeg(0xC0, 8, 4097, 10, 3)), Err(ERR_SIDE));
        assert_eq!(logo_info(&jpeg(0xC0, 8, 10, 10, 2)), Err(ERR_JPEG_CORRUPT));
        // Truncated inside the frame header, and right after SOI.
        let good = jpeg(0xC0, 8, 10, 10, 3);
        assert_eq!(logo_info(&good[..good.len() - 8]), Err(ERR_JPEG_CORRUPT));
        assert_eq!(logo_info(&[0xFF, 0xD8]), Err(ERR_JPEG_CORRUPT));
        assert_eq!(logo_info(&[0xFF, 0xD8, 0xFF]), Err(ERR_JPEG_CORRUPT));
        // Scan data before any frame header.
        assert_eq!(
            logo_info(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2]),
            Err(ERR_JPEG_CORRUPT)
        );
        // A segment whose length runs past the end.
        assert_eq!(
            logo_info(&[0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 0]),
            Err(ERR_JPEG_CORRUPT)
        );
        // Garbage where a marker should be.
        assert_eq!(logo_info(&[0xFF, 0xD8, 0x12, 0x34]), Err(ERR_JPEG_CORRUPT));
    }

    #[test]
    fn refuses_empty_large_and_other_formats() {
        assert_eq!(logo_info(&[]), Err(ERR_EMPTY));
        assert_eq!(logo_info(b"GIF89a\x01\x00\x01\x00"), Err(ERR_FORMAT));
        assert_eq!(
            logo_info(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            Err(ERR_FORMAT)
        );
        assert_eq!(logo_info(&[0x89]), Err(ERR_FORMAT));
        let mut big = png(4, 4, 8, 2, 0);
        big.resize(MAX_LOGO_BYTES + 1, 0);
        assert_eq!(logo_info(&big), Err(ERR_TOO_LARGE));
        // Exactly at the limit is fine (trailing bytes after IEND are tolerated).
        big.truncate(MAX_LOGO_BYTES);
        assert!(logo_info(&big).is_ok());
    }

    #[test]
    fn mime_types() {
        assert_eq!(ImageFormat::Png.mime_type(), "image/png");
        assert_eq!(ImageFormat::Jpeg.mime_type(), "image/jpeg");
    }
}
