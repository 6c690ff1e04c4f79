//! The demo catalog's product pictures, drawn rather than stored: a PNG
//! whose colours come from the product's category (or its variant's
//! colour) and whose shape from its category, so products of a kind look
//! alike and colour variants differ. PNG rather than SVG because WhatsApp
//! and Telegram take only JPEG and PNG pictures.
//!
//! The encoder is the smallest honest PNG: a 4-colour palette, 2 bits a
//! pixel, in uncompressed (stored) deflate blocks, with the CRC-32 and
//! Adler-32 checks the format requires; about 26 KB a picture.

use std::sync::LazyLock;

/// Width and height of a picture, in pixels.
pub const SIZE: u32 = 320;

/// The `Content-Type` of a picture.
pub const CONTENT_TYPE: &str = "image/png";

type Rgb = [u8; 3];

/// Background colours of categories, picked by a hash of the category.
const BACKGROUNDS: &[Rgb] = &[
    [0x4f, 0x46, 0xe5],
    [0x0e, 0x94, 0x88],
    [0xd9, 0x77, 0x06],
    [0xdb, 0x27, 0x77],
    [0x25, 0x63, 0xeb],
    [0x65, 0xa3, 0x0d],
    [0x7c, 0x3a, 0xed],
    [0xdc, 0x26, 0x26],
];

/// The colour named by a variant's `colour` (or `color`) option, if known.
fn named_colour(name: &str) -> Option<Rgb> {
    Some(match name.trim().to_lowercase().as_str() {
        "black" | "preto" | "negro" | "noir" | "schwarz" => [0x1f, 0x20, 0x24],
        "white" | "branco" | "blanco" | "blanc" | "weiß" | "weiss" => [0xee, 0xee, 0xea],
        "blue" | "azul" | "bleu" | "blau" => [0x1d, 0x4e, 0xd8],
        "red" | "vermelho" | "rojo" | "rouge" | "rot" => [0xc8, 0x1e, 0x1e],
        "green" | "verde" | "vert" | "grün" => [0x15, 0x80, 0x3d],
        "pink" | "rosa" | "rose" => [0xec, 0x48, 0x99],
        "grey" | "gray" | "cinza" | "gris" | "grau" => [0x6b, 0x72, 0x80],
        _ => return None,
    })
}

fn hash(text: &str) -> u32 {
    // FNV-1a: stable across runs and platforms, unlike the std hasher.
    text.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// Mixes `c` towards white (`towards` 255) or black (0) by `amount`/8.
fn mix(c: Rgb, towards: u8, amount: u16) -> Rgb {
    c.map(|v| {
        let v = u16::from(v);
        let t = u16::from(towards);
        u8::try_from((v * (8 - amount) + t * amount) / 8).unwrap_or(u8::MAX)
    })
}

fn light(c: Rgb) -> bool {
    u32::from(c[0]) * 299 + u32::from(c[1]) * 587 + u32::from(c[2]) * 114 > 160_000
}

/// What a picture shows: the product's category and, for a colour variant,
/// its colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject<'a> {
    /// Category (shape and default colour).
    pub category: &'a str,
    /// The variant's colour option, when it has one.
    pub colour: Option<&'a str>,
}

/// The picture of `subject`, as PNG bytes.
pub fn render(subject: &Subject<'_>) -> Vec<u8> {
    let h = hash(subject.category);
    let background = subject
        .colour
        .and_then(named_colour)
        .unwrap_or(BACKGROUNDS[h as usize % BACKGROUNDS.len()]);
    let tone = if light(background) { 0 } else { 255 };
    let palette = [
        background,
        mix(background, tone, 3),
        mix(background, tone, 6),
        mix(background, 255 - tone, 4),
    ];
    let shape = (h / 8) % 4;
    let pixels = draw(shape);
    encode(&palette, &pixels)
}

/// Palette indices, row by row: a shape on the background, a shadow under
/// it and a band at the bottom.
fn draw(shape: u32) -> Vec<u8> {
    let n = i64::from(SIZE);
    let c = n / 2;
    let r = n * 3 / 10;
    let mut out = Vec::with_capacity((SIZE * SIZE) as usize);
    for y in 0..n {
        for x in 0..n {
            let (dx, dy) = (x - c, y - c + n / 20);
            let inside = match shape {
                0 => dx * dx + dy * dy <= r * r,
                1 => dx.abs() + dy.abs() <= r * 13 / 10,
                2 => dx.abs() <= r && dy.abs() <= r,
                _ => {
                    let d = dx * dx + dy * dy;
                    d <= r * r && d >= (r / 2) * (r / 2)
                }
            };
            let shadow = {
                let (sx, sy) = (x - c, y - (c + r + n / 12));
                sx * sx / 4 + sy * sy * 4 <= (r / 2) * (r / 2) / 2
            };
            let band = y >= n * 17 / 20 && y < n * 17 / 20 + n / 40;
            out.push(if inside {
                2
            } else if shadow || band {
                3
            } else if (x + y) % 16 == 0 {
                1
            } else {
                0
            });
        }
    }
    out
}

static CRC_TABLE: LazyLock<[u32; 256]> = LazyLock::new(|| {
    let mut table = [0u32; 256];
    for (n, entry) in table.iter_mut().enumerate() {
        let mut c = n as u32;
        for _ in 0..8 {
            c = if c & 1 == 1 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
        *entry = c;
    }
    table
});

fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(u32::MAX, |c, &b| {
        CRC_TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8)
    })
}

fn adler32(bytes: &[u8]) -> u32 {
    let (a, b) = bytes.iter().fold((1u32, 0u32), |(a, b), &x| {
        let a = (a + u32::from(x)) % 65_521;
        (a, (b + a) % 65_521)
    });
    (b << 16) | a
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(u32::MAX).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A 2-bit indexed PNG of `pixels` (`SIZE` × `SIZE` palette indices 0–3).
fn encode(palette: &[Rgb; 4], pixels: &[u8]) -> Vec<u8> {
    let side = SIZE as usize;
    // Each row: filter type 0, then 4 pixels a byte, high bits first.
    let mut raw = Vec::with_capacity(side * (1 + side / 4));
    for row in pixels.chunks(side) {
        raw.push(0);
        for quad in row.chunks(4) {
            raw.push(
                quad.iter()
                    .enumerate()
                    .fold(0u8, |byte, (i, &p)| byte | ((p & 3) << (6 - 2 * i))),
            );
        }
    }
    // zlib: header, stored deflate blocks of at most 65 535 bytes, Adler-32.
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());

    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&SIZE.to_be_bytes());
    header.extend_from_slice(&SIZE.to_be_bytes());
    // Bit depth 2, colour type 3 (indexed), deflate, filter 0, no interlace.
    header.extend_from_slice(&[2, 3, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"PLTE", &palette.concat());
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject<'a>(category: &'a str, colour: Option<&'a str>) -> Subject<'a> {
        Subject { category, colour }
    }

    #[test]
    fn the_checksums_are_the_formats() {
        // Known values: CRC-32 of "IEND" and Adler-32 of "Wikipedia".
        assert_eq!(crc32(b"IEND"), 0xae42_6082);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }

    #[test]
    fn a_picture_is_a_png_of_the_stated_size_ending_in_iend() {
        let png = render(&subject("sneakers", None));

        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(&png[16..20], &SIZE.to_be_bytes());
        assert_eq!(&png[png.len() - 8..png.len() - 4], b"IEND");
        // The IDAT holds every row (1 filter byte + 80 bytes) once.
        let idat = png.windows(4).position(|w| w == b"IDAT").unwrap_or(0);
        let len = u32::from_be_bytes(png[idat - 4..idat].try_into().unwrap_or([0; 4]));
        let rows = SIZE as usize * (1 + SIZE as usize / 4);
        let blocks = rows.div_ceil(65_535);
        assert_eq!(len as usize, 2 + rows + 5 * blocks + 4);
    }

    #[test]
    fn colour_variants_differ_and_a_category_always_looks_the_same() {
        let black = render(&subject("tops", Some("black")));
        let white = render(&subject("tops", Some("white")));

        assert_ne!(black, white);
        assert_eq!(
            render(&subject("tops", None)),
            render(&subject("tops", None))
        );
        assert_ne!(
            render(&subject("tops", None)),
            render(&subject("dresses", None))
        );
    }
}
