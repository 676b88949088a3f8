//! QR codes as SVG, for showing a `payurl` or `qrcode` to a shopper
//! without fetching anything from the network.

use super::error::{decimal, Error, Result};
use qrcodegen::{QrCode, QrCodeEcc};

/// How a QR code is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrOptions {
    /// Error correction: `L`, `M` (default), `Q` or `H`.
    pub ecc: char,
    /// Quiet zone around the code, in modules (default 4).
    pub border: u32,
    /// Colour of dark modules (default `#000`).
    pub dark: String,
    /// Background colour (default `#fff`).
    pub light: String,
    /// Width and height in pixels; `None` leaves the SVG to scale.
    pub size: Option<u32>,
}

impl Default for QrOptions {
    fn default() -> Self {
        QrOptions { ecc: 'M', border: 4, dark: "#000".into(), light: "#fff".into(), size: None }
    }
}

/// Whether `color` is safe and valid to write into an SVG attribute:
/// `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, or a keyword such as `black`.
fn check_color(field: &str, color: &str) -> Result<()> {
    let hex = color.strip_prefix('#').is_some_and(|h| {
        matches!(h.len(), 3 | 4 | 6 | 8) && h.bytes().all(|b| b.is_ascii_hexdigit())
    });
    let keyword = !color.is_empty() && color.len() <= 20 && color.bytes().all(|b| b.is_ascii_lowercase());
    if !(hex || keyword) {
        return Err(Error::invalid(field, [field, " must be a colour like #000, #1a2b3c or black"].concat()));
    }
    Ok(())
}

/// `text` (UTF-8, e.g. a pay URL) as a QR code in SVG: one `<path>` of
/// dark modules over a background `<rect>`, crisp at any scale. Encoded in
/// byte mode, the mode of every pay URL and wallet link: the denser
/// numeric and alphanumeric modes (digits only, or upper case only) are
/// left out, as their encoders cost 1.6 KB of gzipped wasm.
pub fn qr_svg(text: &str, options: &QrOptions) -> Result<String> {
    if text.is_empty() {
        return Err(Error::invalid("text", "text is empty"));
    }
    let ecc = match options.ecc {
        'L' => QrCodeEcc::Low,
        'M' => QrCodeEcc::Medium,
        'Q' => QrCodeEcc::Quartile,
        'H' => QrCodeEcc::High,
        _ => return Err(Error::invalid("ecc", "ecc must be L, M, Q or H")),
    };
    if options.border > 64 {
        return Err(Error::invalid("border", "border must be from 0 to 64 modules"));
    }
    check_color("dark", &options.dark)?;
    check_color("light", &options.light)?;
    let qr = QrCode::encode_binary(text.as_bytes(), ecc)
        .map_err(|_| Error::invalid("text", "text is too long for a QR code (at most 2953 bytes at ecc L, 2331 at M, 1663 at Q, 1273 at H)"))?;
    let border = options.border as i32;
    let full = qr.size() + 2 * border;
    let mut svg = String::with_capacity(64 * 1024);
    // Pieces and decimal() rather than write!: no integer formatting
    // machinery in the wasm for this alone, and faster per module.
    let full = decimal(i64::from(full));
    svg.push_str(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 "#);
    svg.push_str(&full);
    svg.push(' ');
    svg.push_str(&full);
    svg.push('"');
    if let Some(px) = options.size {
        let px = decimal(i64::from(px));
        svg.push_str(r#" width=""#);
        svg.push_str(&px);
        svg.push_str(r#"" height=""#);
        svg.push_str(&px);
        svg.push('"');
    }
    svg.push_str(r#" shape-rendering="crispEdges"><rect width="100%" height="100%" fill=""#);
    svg.push_str(&options.light);
    svg.push_str(r#""/><path fill=""#);
    svg.push_str(&options.dark);
    svg.push_str(r#"" d=""#);
    for y in 0..qr.size() {
        let row = decimal(i64::from(y + border));
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                svg.push('M');
                svg.push_str(&decimal(i64::from(x + border)));
                svg.push(',');
                svg.push_str(&row);
                svg.push_str("h1v1h-1z");
            }
        }
    }
    svg.push_str("\"/></svg>");
    Ok(svg)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    /// Reads the dark modules back out of the SVG path and decodes the
    /// picture with an independent QR decoder (rqrr).
    fn decode(svg: &str, border: usize) -> String {
        let view: usize = svg.split("viewBox=\"0 0 ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
        let path = svg.split(" d=\"").nth(1).unwrap();
        let mut dark = vec![false; view * view];
        for cmd in path.split('M').skip(1) {
            let xy = cmd.split('h').next().unwrap();
            let (x, y) = xy.split_once(',').unwrap();
            dark[y.parse::<usize>().unwrap() * view + x.parse::<usize>().unwrap()] = true;
        }
        assert!(border <= view);
        let scale = 4;
        let px = view * scale;
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(px, px, |x, y| {
            if dark[(y / scale) * view + x / scale] { 0 } else { 255 }
        });
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1);
        grids[0].decode().unwrap().1
    }

    #[test]
    fn round_trips_a_pay_url_through_a_decoder() {
        let url = "http://127.0.0.1:8787/pay/2026112807420564586?name=VIP会员";
        let svg = qr_svg(url, &QrOptions::default()).unwrap();
        assert!(svg.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 "#));
        assert_eq!(decode(&svg, 4), url);
    }

    #[test]
    fn options_are_applied_and_checked() {
        let opts = QrOptions { ecc: 'H', border: 2, dark: "#1a2b3c".into(), light: "white".into(), size: Some(200) };
        let svg = qr_svg("x", &opts).unwrap();
        assert!(svg.contains(r#"width="200" height="200""#) && svg.contains(r##"fill="#1a2b3c""##));
        assert_eq!(decode(&svg, 2), "x");
        let bad = |o: QrOptions| qr_svg("x", &o).unwrap_err().field.clone().unwrap();
        assert_eq!(bad(QrOptions { dark: "red\" onload=\"x".into(), ..QrOptions::default() }), "dark");
        assert_eq!(bad(QrOptions { ecc: 'X', ..QrOptions::default() }), "ecc");
        assert_eq!(bad(QrOptions { border: 65, ..QrOptions::default() }), "border");
        assert_eq!(qr_svg("", &QrOptions::default()).unwrap_err().field.as_deref(), Some("text"));
        assert_eq!(qr_svg(&"x".repeat(5000), &QrOptions::default()).unwrap_err().field.as_deref(), Some("text"));
    }

    #[test]
    fn digits_and_upper_case_round_trip_too() {
        for text in ["2026112807420564586", "HTTPS://G.CN/PAY/1", "weixin://wxpay/bizpayurl?pr=Ab1"] {
            assert_eq!(decode(&qr_svg(text, &QrOptions::default()).unwrap(), 4), text);
        }
        let longest = "9".repeat(2331); // byte mode at ecc M holds 2331 bytes
        assert_eq!(decode(&qr_svg(&longest, &QrOptions::default()).unwrap(), 4), longest);
        let too_long = qr_svg(&"9".repeat(2332), &QrOptions::default()).unwrap_err();
        assert_eq!(too_long.message, "text is too long for a QR code (at most 2953 bytes at ecc L, 2331 at M, 1663 at Q, 1273 at H)");
        for (ecc, most) in [('L', 2953), ('Q', 1663), ('H', 1273)] {
            let o = || QrOptions { ecc, ..QrOptions::default() };
            assert!(qr_svg(&"9".repeat(most), &o()).is_ok() && qr_svg(&"9".repeat(most + 1), &o()).is_err(), "{ecc}");
        }
    }
}
