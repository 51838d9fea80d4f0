//! Company logos: the formats stored, and (crate feature `logo`, only in the function that
//! saves the settings) the preparation of an uploaded logo.
//!
//! An upload is decoded once, with limits checked before any pixel buffer is allocated, then
//! downscaled to what the invoice PDF needs, turned the way its EXIF orientation says, and
//! re-encoded. Only that prepared image is stored, so every PDF embeds a small image of a
//! known kind, and nothing of the upload's metadata (EXIF with camera or GPS data, XMP,
//! ICC profiles, text chunks) is kept.

/// The encoding of a stored logo.
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

/// What a stored logo is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
}

/// Largest logo accepted, in bytes (the upload, and the prepared image: the stored item, in
/// base64, must stay under DynamoDB's 400 KB).
pub const MAX_LOGO_BYTES: usize = 256 * 1024;
/// Largest width or height of an upload, in pixels (checked from the header, before decoding).
pub const MAX_LOGO_SIDE: u32 = 4096;
/// Largest decoded upload, in bytes: 4096 x 4096 pixels of 8-bit RGBA (checked before the
/// pixel buffer is allocated; 16-bit images count double).
pub const MAX_DECODED_BYTES: u64 = 64 * 1024 * 1024;
/// The box a prepared logo fits in. The PDF prints the logo within 160 x 60 pt, so this is
/// 4 pixels per point (about 290 dpi) at the largest size it can print.
pub const LOGO_BOX_WIDTH: u32 = 640;
pub const LOGO_BOX_HEIGHT: u32 = 240;

#[cfg(feature = "logo")]
pub use prepare::{PreparedLogo, prepare_logo};

#[cfg(feature = "logo")]
mod prepare {
    use std::io::Cursor;

    use image::codecs::jpeg::JpegEncoder;
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    use image::error::LimitErrorKind;
    use image::metadata::Orientation;
    use image::{DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageError};

    use super::*;

    /// Quality of re-encoded JPEG logos: no visible loss at print size, a few tens of KB.
    const JPEG_QUALITY: u8 = 90;

    const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    const JPEG_SIGNATURE: &[u8] = &[0xFF, 0xD8, 0xFF];

    const ERR_EMPTY: &str = "the logo is empty";
    const ERR_TOO_LARGE: &str = "the logo must be at most 256 KiB";
    const ERR_FORMAT: &str = "the logo must be a PNG or JPEG image";
    const ERR_SIDE: &str = "the logo must be at most 4096 x 4096 pixels";
    const ERR_DECODED: &str = "the logo is too large once decoded (at most 64 MiB, e.g. 4096 x 4096 \
         pixels of 8-bit colour with transparency): use a smaller or an 8-bit image";
    const ERR_TOO_DETAILED: &str = "the logo is too detailed: even fitted into 640 x 240 pixels it \
         takes more than 256 KiB; use a simpler image";

    /// A logo ready to store: at most [`LOGO_BOX_WIDTH`] x [`LOGO_BOX_HEIGHT`] pixels, 8-bit,
    /// upright, without metadata; PNG (grey or RGB, with alpha only when some pixel is not
    /// opaque, not interlaced) or baseline JPEG (grey or RGB).
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct PreparedLogo {
        pub info: ImageInfo,
        pub bytes: Vec<u8>,
    }

    /// Decodes an uploaded PNG or JPEG within the limits above, downscales it to fit the logo
    /// box (aspect ratio kept, never enlarged), applies its EXIF orientation and re-encodes it:
    /// a PNG stays a PNG (lossless, keeps transparency; an opaque one that would exceed
    /// [`MAX_LOGO_BYTES`] becomes a JPEG), a JPEG stays a JPEG (a photo: as PNG it would be
    /// several times larger, and it has no transparency to keep). Err is a short message for
    /// the user.
    pub fn prepare_logo(upload: &[u8]) -> Result<PreparedLogo, String> {
        if upload.is_empty() {
            return Err(ERR_EMPTY.into());
        }
        if upload.len() > MAX_LOGO_BYTES {
            return Err(ERR_TOO_LARGE.into());
        }
        let source = if upload.starts_with(PNG_SIGNATURE) {
            ImageFormat::Png
        } else if upload.starts_with(JPEG_SIGNATURE) {
            ImageFormat::Jpeg
        } else {
            return Err(ERR_FORMAT.into());
        };
        let refused = |e: ImageError| refusal(source, e);
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(MAX_LOGO_SIDE);
        limits.max_image_height = Some(MAX_LOGO_SIDE);
        limits.max_alloc = Some(MAX_DECODED_BYTES);
        let codec = match source {
            ImageFormat::Png => image::ImageFormat::Png,
            ImageFormat::Jpeg => image::ImageFormat::Jpeg,
        };
        let mut reader = image::ImageReader::with_format(Cursor::new(upload), codec);
        reader.limits(limits);
        // The header is read here; its width and height are checked against the limits.
        let mut decoder = reader.into_decoder().map_err(refused)?;
        if decoder.total_bytes() > MAX_DECODED_BYTES {
            return Err(ERR_DECODED.into());
        }
        let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
        let mut image = DynamicImage::from_decoder(decoder).map_err(refused)?;

        // Downscale before turning: turning a large image would copy it. A quarter turn
        // swaps the box.
        let turns = matches!(
            orientation,
            Orientation::Rotate90
                | Orientation::Rotate270
                | Orientation::Rotate90FlipH
                | Orientation::Rotate270FlipH
        );
        let (box_w, box_h) = if turns {
            (LOGO_BOX_HEIGHT, LOGO_BOX_WIDTH)
        } else {
            (LOGO_BOX_WIDTH, LOGO_BOX_HEIGHT)
        };
        let premultiplied = image.width() > box_w || image.height() > box_h;
        if premultiplied {
            // Filters average neighbouring pixels; with straight alpha the colour of invisible
            // pixels (often black) would bleed into the edges, so average premultiplied colours.
            premultiply(&mut image);
            // Far larger than the box: average blocks of pixels down to twice the box first
            // (5 times faster than filtering 4096 x 4096 directly, and a small intermediate).
            if image.width() > 2 * box_w || image.height() > 2 * box_h {
                image = image.thumbnail(2 * box_w, 2 * box_h);
            }
            image = image.resize(box_w, box_h, image::imageops::FilterType::CatmullRom);
        }
        image.apply_orientation(orientation);

        let mut rgba = image.into_rgba8();
        if premultiplied {
            unpremultiply(&mut rgba);
        }
        let (width, height) = rgba.dimensions();
        let opaque = rgba.pixels().all(|p| p[3] == u8::MAX);
        let grey = rgba.pixels().all(|p| p[0] == p[1] && p[1] == p[2]);
        let info = |format| ImageInfo {
            format,
            width,
            height,
        };
        let encoded = match source {
            ImageFormat::Png => {
                let png = encode_png(&rgba, grey, opaque)?;
                if png.len() <= MAX_LOGO_BYTES {
                    Some((ImageFormat::Png, png))
                } else if opaque {
                    let jpeg = encode_jpeg(&rgba, grey)?;
                    (jpeg.len() <= MAX_LOGO_BYTES).then_some((ImageFormat::Jpeg, jpeg))
                } else {
                    None
                }
            }
            ImageFormat::Jpeg => {
                let jpeg = encode_jpeg(&rgba, grey)?;
                (jpeg.len() <= MAX_LOGO_BYTES).then_some((ImageFormat::Jpeg, jpeg))
            }
        };
        let (format, bytes) = encoded.ok_or(ERR_TOO_DETAILED)?;
        Ok(PreparedLogo {
            info: info(format),
            bytes,
        })
    }

    /// The user-facing message for a decoder's refusal.
    fn refusal(source: ImageFormat, e: ImageError) -> String {
        let kind = match source {
            ImageFormat::Png => "PNG",
            ImageFormat::Jpeg => "JPEG",
        };
        match e {
            ImageError::Limits(l) if l.kind() == LimitErrorKind::DimensionError => ERR_SIDE.into(),
            ImageError::Limits(_) => ERR_DECODED.into(),
            ImageError::Unsupported(_) => format!(
                "this kind of {kind} is not supported: save the logo as an ordinary PNG or JPEG"
            ),
            _ => format!("the {kind} logo is damaged or truncated"),
        }
    }

    /// The pixels in the fewest channels that keep them: grey or RGB, alpha when needed.
    fn samples(rgba: &image::RgbaImage, grey: bool, opaque: bool) -> (Vec<u8>, ExtendedColorType) {
        let pick: &[usize] = match (grey, opaque) {
            (true, true) => &[0],
            (true, false) => &[0, 3],
            (false, true) => &[0, 1, 2],
            (false, false) => &[0, 1, 2, 3],
        };
        let colour = match pick.len() {
            1 => ExtendedColorType::L8,
            2 => ExtendedColorType::La8,
            3 => ExtendedColorType::Rgb8,
            _ => ExtendedColorType::Rgba8,
        };
        let data = rgba
            .pixels()
            .flat_map(|p| pick.iter().map(move |&c| p[c]))
            .collect();
        (data, colour)
    }

    fn encode_png(rgba: &image::RgbaImage, grey: bool, opaque: bool) -> Result<Vec<u8>, String> {
        let (data, colour) = samples(rgba, grey, opaque);
        let mut out = Vec::new();
        PngEncoder::new_with_quality(&mut out, CompressionType::Best, FilterType::Adaptive)
            .write_image(&data, rgba.width(), rgba.height(), colour)
            .map_err(|e| format!("the logo could not be re-encoded: {e}"))?;
        Ok(out)
    }

    /// JPEG has no transparency: the alpha channel (opaque here) is dropped.
    fn encode_jpeg(rgba: &image::RgbaImage, grey: bool) -> Result<Vec<u8>, String> {
        let (data, colour) = samples(rgba, grey, true);
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
            .write_image(&data, rgba.width(), rgba.height(), colour)
            .map_err(|e| format!("the logo could not be re-encoded: {e}"))?;
        Ok(out)
    }

    /// Multiplies colour samples by alpha, in place (PNG and JPEG decode to 8 or 16 bits).
    fn premultiply(image: &mut DynamicImage) {
        match image {
            DynamicImage::ImageLumaA8(b) => premultiply_samples(b, 2, u8::MAX.into()),
            DynamicImage::ImageRgba8(b) => premultiply_samples(b, 4, u8::MAX.into()),
            DynamicImage::ImageLumaA16(b) => premultiply_samples(b, 2, u16::MAX.into()),
            DynamicImage::ImageRgba16(b) => premultiply_samples(b, 4, u16::MAX.into()),
            _ => {}
        }
    }

    fn premultiply_samples<T>(samples: &mut [T], channels: usize, max: u64)
    where
        T: Copy + Into<u64> + TryFrom<u64>,
    {
        for px in samples.chunks_exact_mut(channels) {
            let (colour, alpha) = px.split_at_mut(channels - 1);
            let a: u64 = alpha[0].into();
            if a == max {
                continue;
            }
            for c in colour {
                let v: u64 = (*c).into();
                *c = T::try_from((v * a + max / 2) / max).unwrap_or(*c);
            }
        }
    }

    fn unpremultiply(rgba: &mut image::RgbaImage) {
        for p in rgba.pixels_mut() {
            let a = u32::from(p[3]);
            if a == 0 || a == 255 {
                continue;
            }
            for c in &mut p.0[..3] {
                *c = ((u32::from(*c) * 255 + a / 2) / a).min(255) as u8;
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn encode(img: &DynamicImage, format: image::ImageFormat) -> Vec<u8> {
            let mut out = Cursor::new(Vec::new());
            img.write_to(&mut out, format).expect("encode fixture");
            out.into_inner()
        }

        fn decode(bytes: &[u8]) -> DynamicImage {
            image::load_from_memory(bytes).expect("prepared logo decodes")
        }

        /// CRC-32 as PNG chunks use it (bitwise; test fixtures only).
        fn crc32(data: &[u8]) -> u32 {
            let mut crc = !0u32;
            for &b in data {
                crc ^= u32::from(b);
                for _ in 0..8 {
                    crc = if crc & 1 != 0 {
                        0xEDB8_8320 ^ (crc >> 1)
                    } else {
                        crc >> 1
                    };
                }
            }
            !crc
        }

        /// A valid small PNG whose header then claims another size and bit depth / colour
        /// type (CRC fixed): what a decompression bomb looks like to a decoder.
        fn png_claiming(width: u32, height: u32, depth: u8, colour: u8) -> Vec<u8> {
            let mut png = encode(&DynamicImage::new_rgba8(8, 8), image::ImageFormat::Png);
            // Signature (8), IHDR length (4), "IHDR" at 12..16, data at 16..29, CRC at 29..33.
            png[16..20].copy_from_slice(&width.to_be_bytes());
            png[20..24].copy_from_slice(&height.to_be_bytes());
            png[24] = depth;
            png[25] = colour;
            let crc = crc32(&png[12..29]);
            png[29..33].copy_from_slice(&crc.to_be_bytes());
            png
        }

        /// A JPEG with an APP1 EXIF segment (orientation 6: turn 90° clockwise, and an
        /// image description that must not survive) inserted after SOI.
        fn jpeg_with_exif(img: &DynamicImage, secret: &[u8]) -> Vec<u8> {
            let jpeg = encode(img, image::ImageFormat::Jpeg);
            let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
            tiff.extend_from_slice(&2u16.to_be_bytes());
            // Orientation (0x0112), SHORT, 1 value: 6.
            tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
            // ImageDescription (0x010E), ASCII, stored after the IFD at offset 38.
            let count = secret.len() as u32 + 1;
            tiff.extend_from_slice(&[0x01, 0x0E, 0, 2]);
            tiff.extend_from_slice(&count.to_be_bytes());
            tiff.extend_from_slice(&38u32.to_be_bytes());
            tiff.extend_from_slice(&0u32.to_be_bytes());
            tiff.extend_from_slice(secret);
            tiff.push(0);
            let mut app1 = b"Exif\x00\x00".to_vec();
            app1.extend_from_slice(&tiff);
            let mut out = jpeg[..2].to_vec();
            out.extend_from_slice(&[0xFF, 0xE1]);
            out.extend_from_slice(&(app1.len() as u16 + 2).to_be_bytes());
            out.extend_from_slice(&app1);
            out.extend_from_slice(&jpeg[2..]);
            out
        }

        fn contains(haystack: &[u8], needle: &[u8]) -> bool {
            haystack.windows(needle.len()).any(|w| w == needle)
        }

        #[test]
        fn a_large_png_is_downscaled_into_the_box() {
            // 4096 x 4096, compresses to a few tens of KB, 64 MiB once decoded.
            let img = image::RgbaImage::from_fn(4096, 4096, |_, y| {
                image::Rgba([(y / 16) as u8, 80, 160, 255])
            });
            let mut upload = Vec::new();
            PngEncoder::new_with_quality(&mut upload, CompressionType::Best, FilterType::Adaptive)
                .write_image(&img, 4096, 4096, ExtendedColorType::Rgba8)
                .expect("encode fixture");
            assert!(upload.len() < MAX_LOGO_BYTES, "{} bytes", upload.len());
            let logo = prepare_logo(&upload).expect("accepted");
            assert_eq!(
                logo.info,
                ImageInfo {
                    format: ImageFormat::Png,
                    width: 240,
                    height: 240
                }
            );
            let back = decode(&logo.bytes);
            assert_eq!((back.width(), back.height()), (240, 240));
            // Opaque colour: stored as RGB without alpha.
            assert_eq!(back.color(), image::ColorType::Rgb8);
            // A wide logo is bounded by the width.
            let wide = DynamicImage::new_luma8(2000, 100);
            let logo = prepare_logo(&encode(&wide, image::ImageFormat::Png)).expect("accepted");
            assert_eq!((logo.info.width, logo.info.height), (640, 32));
            assert_eq!(decode(&logo.bytes).color(), image::ColorType::L8);
        }

        #[test]
        fn a_small_logo_is_kept_at_its_size_and_transparency() {
            let img = image::RgbaImage::from_fn(120, 40, |x, _| {
                image::Rgba([200, 30, 30, if x < 60 { 0 } else { 255 }])
            });
            let logo = prepare_logo(&encode(&img.clone().into(), image::ImageFormat::Png))
                .expect("accepted");
            assert_eq!((logo.info.width, logo.info.height), (120, 40));
            let back = decode(&logo.bytes).into_rgba8();
            assert_eq!(back, img, "lossless when no downscale is needed");
        }

        #[test]
        fn transparent_edges_do_not_darken_when_downscaled() {
            // Red on transparent black: a straight-alpha filter would average in the black.
            let img = image::RgbaImage::from_fn(1280, 480, |x, _| {
                if x < 640 {
                    image::Rgba([0, 0, 0, 0])
                } else {
                    image::Rgba([255, 0, 0, 255])
                }
            });
            let logo =
                prepare_logo(&encode(&img.into(), image::ImageFormat::Png)).expect("accepted");
            let back = decode(&logo.bytes).into_rgba8();
            assert_eq!(back.dimensions(), (640, 240));
            for p in back.pixels().filter(|p| p[3] > 16) {
                assert!(p[0] >= 250 && p[1] <= 5 && p[2] <= 5, "edge pixel {p:?}");
            }
        }

        #[test]
        fn exif_is_dropped_and_its_orientation_applied() {
            let img =
                image::RgbImage::from_fn(300, 100, |x, _| image::Rgb([(x % 256) as u8, 90, 40]));
            let upload = jpeg_with_exif(&img.into(), b"GPS 51.5074N 0.1278W");
            assert!(contains(&upload, b"Exif") && contains(&upload, b"GPS 51.5074N"));
            let logo = prepare_logo(&upload).expect("accepted");
            assert_eq!(logo.info.format, ImageFormat::Jpeg);
            // Turned a quarter: 100 x 300, then fitted to 240 high.
            assert_eq!((logo.info.width, logo.info.height), (80, 240));
            assert!(!contains(&logo.bytes, b"Exif"));
            assert!(!contains(&logo.bytes, b"GPS 51.5074N"));
            let back = decode(&logo.bytes);
            assert_eq!((back.width(), back.height()), (80, 240));
        }

        #[test]
        fn png_metadata_is_dropped() {
            let png = encode(&DynamicImage::new_rgb8(4, 4), image::ImageFormat::Png);
            // A tEXt chunk after IHDR (signature 8 + IHDR 25 bytes).
            let text = b"Comment\x00made at 1 Secret Lane";
            let mut chunk = (text.len() as u32).to_be_bytes().to_vec();
            chunk.extend_from_slice(b"tEXt");
            chunk.extend_from_slice(text);
            let crc = crc32(&chunk[4..]);
            chunk.extend_from_slice(&crc.to_be_bytes());
            let upload = [&png[..33], &chunk[..], &png[33..]].concat();
            assert!(contains(&upload, b"Secret Lane"));
            let logo = prepare_logo(&upload).expect("accepted");
            assert!(!contains(&logo.bytes, b"Secret Lane"));
            assert!(!contains(&logo.bytes, b"tEXt"));
        }

        #[test]
        fn bombs_are_refused_before_decoding() {
            // 65535 x 65535 RGBA: 16 GiB decoded, from a file of about a hundred bytes.
            assert_eq!(
                prepare_logo(&png_claiming(65535, 65535, 8, 6)),
                Err(ERR_SIDE.into())
            );
            assert_eq!(
                prepare_logo(&png_claiming(4097, 1, 8, 0)),
                Err(ERR_SIDE.into())
            );
            // Within the sides but 128 MiB decoded (16-bit RGBA).
            assert_eq!(
                prepare_logo(&png_claiming(4096, 4096, 16, 6)),
                Err(ERR_DECODED.into())
            );
            // A JPEG header claiming 65535 x 65535.
            let mut jpeg = encode(&DynamicImage::new_rgb8(8, 8), image::ImageFormat::Jpeg);
            let sof = jpeg
                .windows(2)
                .position(|w| w == [0xFF, 0xC0])
                .expect("SOF0");
            jpeg[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
            assert_eq!(prepare_logo(&jpeg), Err(ERR_SIDE.into()));
        }

        /// A palette PNG (colour type 3) of random pixels in 256 random colours (each channel
        /// within `spread` of mid-grey), stored uncompressed; `alpha` adds a tRNS chunk giving
        /// every colour that opacity.
        fn noisy_palette_png(width: u32, height: u32, spread: u8, alpha: Option<u8>) -> Vec<u8> {
            let mut seed = 0x2545_F491u32;
            let mut noise = move || {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                seed as u8
            };
            let mut out = PNG_SIGNATURE.to_vec();
            let mut chunk = |kind: &[u8], data: &[u8]| {
                out.extend_from_slice(&(data.len() as u32).to_be_bytes());
                let start = out.len();
                out.extend_from_slice(kind);
                out.extend_from_slice(data);
                let crc = crc32(&out[start..]);
                out.extend_from_slice(&crc.to_be_bytes());
            };
            let mut ihdr = width.to_be_bytes().to_vec();
            ihdr.extend_from_slice(&height.to_be_bytes());
            ihdr.extend_from_slice(&[8, 3, 0, 0, 0]);
            chunk(b"IHDR", &ihdr);
            let palette: Vec<u8> = (0..256 * 3)
                .map(|_| 128 - spread / 2 + noise() % spread.max(1))
                .collect();
            chunk(b"PLTE", &palette);
            if let Some(a) = alpha {
                chunk(b"tRNS", &[a; 256]);
            }
            let mut raw = Vec::new();
            for _ in 0..height {
                raw.push(0); // no filter
                raw.extend((0..width).map(|_| noise()));
            }
            // zlib: header, "stored" deflate blocks, Adler-32.
            let mut zlib = vec![0x78, 0x01];
            let blocks: Vec<&[u8]> = raw.chunks(65535).collect();
            for (i, block) in blocks.iter().enumerate() {
                zlib.push(u8::from(i + 1 == blocks.len()));
                let len = block.len() as u16;
                zlib.extend_from_slice(&len.to_le_bytes());
                zlib.extend_from_slice(&(!len).to_le_bytes());
                zlib.extend_from_slice(block);
            }
            let (mut a, mut b) = (1u32, 0u32);
            for &byte in &raw {
                a = (a + u32::from(byte)) % 65521;
                b = (b + a) % 65521;
            }
            zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
            chunk(b"IDAT", &zlib);
            chunk(b"IEND", &[]);
            out
        }

        #[test]
        fn a_detailed_opaque_png_becomes_a_jpeg_and_a_transparent_one_is_refused() {
            // One byte per pixel as a palette PNG (150 KB), three once expanded to RGB: as
            // noise does not compress, about 380 KB as a PNG, so it is stored as a JPEG.
            let opaque = noisy_palette_png(640, 240, 64, None);
            assert!(opaque.len() <= MAX_LOGO_BYTES, "{} bytes", opaque.len());
            let (data, colour) = samples(&decode(&opaque).into_rgba8(), false, true);
            let mut png = Vec::new();
            PngEncoder::new_with_quality(&mut png, CompressionType::Best, FilterType::Adaptive)
                .write_image(&data, 640, 240, colour)
                .unwrap();
            assert!(png.len() > MAX_LOGO_BYTES, "as a PNG: {} bytes", png.len());
            let logo = prepare_logo(&opaque).expect("accepted as JPEG");
            assert_eq!(logo.info.format, ImageFormat::Jpeg);
            assert_eq!((logo.info.width, logo.info.height), (640, 240));
            assert!(
                logo.bytes.len() <= MAX_LOGO_BYTES,
                "{} bytes",
                logo.bytes.len()
            );
            let transparent = noisy_palette_png(640, 240, 64, Some(128));
            assert_eq!(prepare_logo(&transparent), Err(ERR_TOO_DETAILED.into()));
            // An opaque logo that compresses stays a PNG.
            let img = image::RgbImage::from_fn(64, 64, |x, _| image::Rgb([(x * 4) as u8, 0, 0]));
            let logo = prepare_logo(&encode(&img.into(), image::ImageFormat::Png)).expect("png");
            assert_eq!(logo.info.format, ImageFormat::Png);
        }

        #[test]
        fn refuses_empty_large_damaged_and_other_formats() {
            assert_eq!(prepare_logo(&[]), Err(ERR_EMPTY.into()));
            assert_eq!(
                prepare_logo(b"GIF89a\x01\x00\x01\x00"),
                Err(ERR_FORMAT.into())
            );
            assert_eq!(
                prepare_logo(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
                Err(ERR_FORMAT.into())
            );
            let png = encode(&DynamicImage::new_rgb8(40, 20), image::ImageFormat::Png);
            let mut big = png.clone();
            big.resize(MAX_LOGO_BYTES + 1, 0);
            assert_eq!(prepare_logo(&big), Err(ERR_TOO_LARGE.into()));
            let damaged = "the PNG logo is damaged or truncated".to_string();
            assert_eq!(prepare_logo(&png[..png.len() - 20]), Err(damaged.clone()));
            assert_eq!(prepare_logo(&png[..8]), Err(damaged.clone()));
            let mut bad_crc = png.clone();
            bad_crc[29] ^= 1;
            assert_eq!(prepare_logo(&bad_crc), Err(damaged));
            let jpeg = encode(&DynamicImage::new_rgb8(40, 20), image::ImageFormat::Jpeg);
            assert_eq!(
                prepare_logo(&jpeg[..jpeg.len() / 2]).map(|l| l.info.width),
                Err("the JPEG logo is damaged or truncated".into())
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_types() {
        assert_eq!(ImageFormat::Png.mime_type(), "image/png");
        assert_eq!(ImageFormat::Jpeg.mime_type(), "image/jpeg");
    }
}
