//! Standard base64 (RFC 4648 §4: `A-Z a-z 0-9 + /`, `=` padding), strict:
//! signatures and keys are written by `base64_encode` / openssl, which
//! always pad and leave the spare bits zero, so anything else is refused
//! rather than guessed at. Our own ~60 lines instead of the `base64` crate:
//! two functions are all V2 needs.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The 6-bit value of a base64 digit.
fn digit(b: u8) -> Option<u32> {
    let value = match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(value))
}

/// Decodes `text`: a multiple of 4 characters, at most two `=` at the very
/// end, no whitespace, spare bits zero (one spelling per byte string).
/// `None` for anything else.
pub fn decode(text: &[u8]) -> Option<Vec<u8>> {
    if text.len() % 4 != 0 {
        return None;
    }
    let padding = text.iter().rev().take(2).take_while(|&&b| b == b'=').count();
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    for (i, quad) in text.chunks_exact(4).enumerate() {
        let last = i + 1 == text.len() / 4;
        let used = if last { 4 - padding } else { 4 };
        let mut bits = 0u32;
        for &b in &quad[..used] {
            bits = bits << 6 | digit(b)?;
        }
        bits <<= 6 * (4 - used);
        let bytes = [(bits >> 16) as u8, (bits >> 8) as u8, bits as u8];
        let kept = used - 1; // 4 digits → 3 bytes, 3 → 2, 2 → 1
        if bytes[kept..].iter().any(|&b| b != 0) {
            return None; // spare bits set: not the canonical spelling
        }
        out.extend_from_slice(&bytes[..kept]);
    }
    Some(out)
}

/// Encodes `bytes`, padded with `=`.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let bits = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            let c = if i <= chunk.len() { ALPHABET[(bits >> (18 - 6 * i) & 63) as usize] } else { b'=' };
            out.push(char::from(c));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4648 §10 test vectors.
    const VECTORS: [(&str, &str); 7] =
        [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")];

    #[test]
    fn rfc_4648_vectors_both_ways() {
        for (plain, coded) in VECTORS {
            assert_eq!(encode(plain.as_bytes()), coded);
            assert_eq!(decode(coded.as_bytes()).as_deref(), Some(plain.as_bytes()));
        }
    }

    #[test]
    fn every_byte_value_round_trips() {
        let all: Vec<u8> = (0..=255).collect();
        for len in 0..all.len() {
            assert_eq!(decode(encode(&all[..len]).as_bytes()).as_deref(), Some(&all[..len]));
        }
        // printf '%s' 'ABC…+/' | base64 -d | xxd -p -c 100
        let all_digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let want = "00108310518720928b30d38f41149351559761969b71d79f8218a39259a7a29aabb2dbafc31cb3d35db7e39ebbf3dfbf";
        let bytes = decode(all_digits.as_bytes()).unwrap();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, want);
        assert_eq!(encode(&bytes), all_digits);
    }

    #[test]
    fn refuses_what_is_not_canonical() {
        for bad in [
            "Zg", "Zg=", "Zg===", "Z===", "====", "Zh==", "Zm9=", "Zg==Zg==", "Zm9v\n", " Zm9v", "Zm-v", "Zm_v", "Zm9v=",
            "Z=9v", "Zm9vYg=A", "名名名名",
        ] {
            assert_eq!(decode(bad.as_bytes()), None, "{bad:?}");
        }
    }
}
