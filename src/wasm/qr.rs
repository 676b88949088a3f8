//! `toQrSvg`: QR codes as SVG strings.

use super::api::{IntoJs, JsResult};
use super::convert::{check_options, get, int_option, optional, string_arg};
use crate::core::error::Error;
use crate::core::qr::{qr_svg, QrOptions};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const QR_TYPES: &'static str = r#"
/** Options of `toQrSvg`. Any other key is refused. */
export interface QrSvgOptions {
  /** Error correction level, default `'M'`. */
  ecc?: 'L' | 'M' | 'Q' | 'H';
  /** Quiet zone in modules, default 4. */
  border?: number;
  /** Colour of dark modules (`#rgb`, `#rrggbb`, or a keyword), default `#000`. */
  dark?: string;
  /** Background colour, default `#fff`. */
  light?: string;
  /** Width and height in pixels; without it the SVG scales to its container. */
  size?: number;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `QrSvgOptions` as an optional argument.
    #[wasm_bindgen(typescript_type = "QrSvgOptions")]
    pub type QrSvgOptionsArg;
}

fn text_option(options: &JsValue, field: &str) -> Result<Option<String>, Error> {
    let value = get(options, field);
    if value.is_undefined() {
        return Ok(None);
    }
    string_arg(field, &value).map(Some)
}

/// The keys of `QrSvgOptions`.
const QR_OPTION_KEYS: &[&str] = &["ecc", "border", "dark", "light", "size"];

/// `text` (e.g. the `payurl` from `createOrder`) as a QR code in SVG,
/// rendered here: nothing is fetched from the network. Safe to insert as
/// HTML: colours are validated, nothing of `text` appears in the markup.
/// Unknown option keys are refused.
#[wasm_bindgen(js_name = toQrSvg)]
pub fn to_qr_svg(#[wasm_bindgen(unchecked_param_type = "string")] text: JsValue, options: Option<QrSvgOptionsArg>) -> JsResult<String> {
    let text = string_arg("text", &text).js()?;
    let options = optional(options);
    check_options("options", "toQrSvg options", &options, QR_OPTION_KEYS).js()?;
    let defaults = QrOptions::default();
    let ecc = match text_option(&options, "ecc").js()? {
        Some(e) if e.len() == 1 => e.chars().next().unwrap_or('?'),
        Some(_) => '?',
        None => defaults.ecc,
    };
    let qr = QrOptions {
        ecc,
        border: int_option(&options, "border", 0, 64).js()?.map_or(defaults.border, |n| n as u32),
        dark: text_option(&options, "dark").js()?.unwrap_or(defaults.dark),
        light: text_option(&options, "light").js()?.unwrap_or(defaults.light),
        size: int_option(&options, "size", 0, 10_000).js()?.map(|n| n as u32),
    };
    qr_svg(&text, &qr).js()
}
