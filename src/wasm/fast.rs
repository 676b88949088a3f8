//! The fast path of `sign` and `verifyNotify`, behind the JS shim
//! `pkg-template/fast.mjs`. Crossing the boundary field by field through
//! wasm-bindgen (`Object.entries`, a string per name and value) costs
//! several times the MD5 itself, so the shim writes the KEY and all the
//! fields as one UTF-8 text into a buffer here (`TextEncoder.encodeInto`),
//! their UTF-16 lengths in [`Header::lens`], and calls one number-only
//! export. The answer is left in the header (and, for `verifyNotify`, in
//! buffers it points at).
//!
//! Every export returns [`SLOW`] for anything it does not take as it comes
//! (an error, a lone surrogate, too many fields): the shim then calls the
//! regular export, which gives the result or the exact error. The protocol
//! is the core's, the very functions the regular exports call.
//!
//! JS writes the lengths and the text only between calls, and no export
//! here calls into JS: the state is borrowed for the length of one call.

use super::api::{notify_from_object, EXPECTED_KEYS};
use crate::core::notify::{parse_notify, verify_notify, Expected, Reason, Verification};
use crate::core::params::Params;
use crate::core::sign::{sign_hex, SIGN_LEN};
use epay_kernel::Field;
use js_sys::{Array, Object, Reflect};
use std::cell::RefCell;
use std::mem::offset_of;
use wasm_bindgen::prelude::*;

/// Returned when the regular export must handle the call.
const SLOW: u32 = u32::MAX;
/// Length slots: the KEY, the three expected values of `verifyNotify`
/// and up to 126 fields (a name and a value each).
const MAX_SEGMENTS: usize = 256;
/// `verifyNotify` flags: which expected values are given, and whether the
/// notify is a plain object's fields rather than a query string.
const EXPECT_PID: u32 = 1;
const EXPECT_OUT_TRADE_NO: u32 = 2;
const EXPECT_MONEY: u32 = 4;
const NOTIFY_OBJECT: u32 = 8;
/// The flag of each of `verifyNotify`'s [`EXPECTED_KEYS`], in their order:
/// the order of their segments after the KEY.
const EXPECT_FLAGS: [u32; 3] = [EXPECT_PID, EXPECT_OUT_TRADE_NO, EXPECT_MONEY];
/// Segments before a notify's own: the KEY and the expected values.
const NOTIFY_FIRST: usize = 1 + EXPECT_FLAGS.len();
const _: () = assert!(EXPECTED_KEYS.len() == EXPECT_FLAGS.len());
/// `verifyNotify` answers the index of the reason in [`REASONS`], plus
/// this when the notify says paid.
const PAID: u32 = 8;
const REASONS: [Option<Reason>; 7] = [
    None,
    Some(Reason::Malformed),
    Some(Reason::MissingSign),
    Some(Reason::BadSign),
    Some(Reason::PidMismatch),
    Some(Reason::OutTradeNoMismatch),
    Some(Reason::MoneyMismatch),
];

/// What JS reads and writes, at the address [`reserve`] returns. Its
/// layout is `LAYOUT` in `pkg-template/fast.mjs` (in u32 slots), which
/// tests/js/fast-path.test.mjs compares with [`layout`].
#[repr(C)]
struct Header {
    /// Address and size of the input text buffer (moves when it grows).
    text: u32,
    text_cap: u32,
    /// `verifyNotify`'s answer: `out_len` bytes at `out` and `out_count`
    /// u32s at `out_u32` (see [`verify`]).
    out: u32,
    out_len: u32,
    out_u32: u32,
    out_count: u32,
    /// `sign`'s answer: the signature as 32 hex bytes.
    signature: [u8; SIGN_LEN],
    /// UTF-16 lengths of the input's segments, written by JS.
    lens: [u32; MAX_SEGMENTS],
}

const H_TEXT: usize = 0;
const H_TEXT_CAP: usize = 1;
const H_OUT: usize = 2;
const H_OUT_LEN: usize = 3;
const H_OUT_U32: usize = 4;
const H_OUT_COUNT: usize = 5;
const H_SIGNATURE: usize = 6;
const H_LENS: usize = 14;
const _: () = {
    assert!(offset_of!(Header, text) == 4 * H_TEXT);
    assert!(offset_of!(Header, text_cap) == 4 * H_TEXT_CAP);
    assert!(offset_of!(Header, out) == 4 * H_OUT);
    assert!(offset_of!(Header, out_len) == 4 * H_OUT_LEN);
    assert!(offset_of!(Header, out_u32) == 4 * H_OUT_U32);
    assert!(offset_of!(Header, out_count) == 4 * H_OUT_COUNT);
    assert!(offset_of!(Header, signature) == 4 * H_SIGNATURE);
    assert!(offset_of!(Header, lens) == 4 * H_LENS);
};

struct State {
    header: Header,
    /// The input buffer: JS writes the call's text at its start. All of it
    /// is initialised, so that reading what JS wrote is plain safe code.
    text: Vec<u8>,
    out: Vec<u8>,
    out_u32: Vec<u32>,
}

thread_local! {
    static STATE: RefCell<State> = const {
        RefCell::new(State {
            header: Header { text: 0, text_cap: 0, out: 0, out_len: 0, out_u32: 0, out_count: 0, signature: [0; SIGN_LEN], lens: [0; MAX_SEGMENTS] },
            text: Vec::new(),
            out: Vec::new(),
            out_u32: Vec::new(),
        })
    };
}

/// The module's memory, for the fast path (`WebAssembly.Memory`).
#[wasm_bindgen(js_name = fastMemory, skip_typescript)]
pub fn memory() -> JsValue {
    wasm_bindgen::memory()
}

/// Makes the input buffer at least `cap` bytes long and returns the
/// header's address (the same for the life of the instance). May grow
/// memory: JS then renews its views and re-reads `Header::text`.
#[wasm_bindgen(js_name = fastReserve, skip_typescript)]
pub fn reserve(cap: u32) -> u32 {
    STATE.with_borrow_mut(|s| {
        if s.text.len() < cap as usize {
            s.text.resize(cap as usize, 0);
        }
        s.header.text = s.text.as_ptr() as u32;
        s.header.text_cap = s.text.len() as u32;
        &s.header as *const Header as u32
    })
}

/// The layout and codes above, for tests/js/fast-path.test.mjs to compare
/// with the shim's `LAYOUT`.
#[wasm_bindgen(js_name = fastLayout, skip_typescript)]
pub fn layout() -> JsValue {
    let numbers = [
        ("H_TEXT", H_TEXT as u32),
        ("H_TEXT_CAP", H_TEXT_CAP as u32),
        ("H_OUT", H_OUT as u32),
        ("H_OUT_LEN", H_OUT_LEN as u32),
        ("H_OUT_U32", H_OUT_U32 as u32),
        ("H_OUT_COUNT", H_OUT_COUNT as u32),
        ("H_SIGNATURE", H_SIGNATURE as u32),
        ("H_LENS", H_LENS as u32),
        ("MAX_SEGMENTS", MAX_SEGMENTS as u32),
        ("SLOW", SLOW),
        ("EXPECT_PID", EXPECT_PID),
        ("EXPECT_OUT_TRADE_NO", EXPECT_OUT_TRADE_NO),
        ("EXPECT_MONEY", EXPECT_MONEY),
        ("NOTIFY_OBJECT", NOTIFY_OBJECT),
        ("PAID", PAID),
        ("NOTIFY_FIRST", NOTIFY_FIRST as u32),
    ];
    let out = Object::new();
    let put = |name: &str, value: &JsValue| {
        // Cannot fail: a fresh plain object.
        let _ = Reflect::set(&out, &JsValue::from(name), value);
    };
    for (name, value) in numbers {
        put(name, &JsValue::from(value));
    }
    let reasons: Array = REASONS.iter().map(|r| r.map_or(JsValue::NULL, |r| JsValue::from(r.as_str()))).collect();
    put("REASONS", &reasons);
    put("EXPECTED_KEYS", &EXPECTED_KEYS.iter().map(|&k| JsValue::from(k)).collect::<Array>());
    out.into()
}

/// The call's input: the text JS wrote, cut into segments by the UTF-16
/// lengths it wrote in [`Header::lens`].
struct Input<'s> {
    text: &'s str,
    lens: &'s [u32],
    pos: usize,
}

impl<'s> Input<'s> {
    fn new(s: &'s State, text_len: u32) -> Option<Self> {
        let text = std::str::from_utf8(s.text.get(..text_len as usize)?).ok()?;
        Some(Input { text, lens: &s.header.lens, pos: 0 })
    }

    /// The next segment; `None` when the lengths do not fit the text, or
    /// on a lone surrogate ([`epay_kernel::take_utf16`]).
    fn next(&mut self) -> Option<&'s str> {
        let (&len, rest) = self.lens.split_first()?;
        self.lens = rest;
        epay_kernel::take_utf16(self.text, &mut self.pos, len)
    }

    /// The next `count` (name, value) fields.
    fn fields(&mut self, count: u32) -> Option<Vec<Field<'s>>> {
        let (lens, rest) = self.lens.split_at_checked(usize::try_from(count.checked_mul(2)?).ok()?)?;
        self.lens = rest;
        epay_kernel::take_fields(self.text, &mut self.pos, lens)
    }
}

/// `sign`: the KEY, then `count` (name, value) pairs. Returns 0 with the
/// signature in `Header::signature`, or [`SLOW`].
#[wasm_bindgen(js_name = fastSign, skip_typescript)]
pub fn sign(count: u32, text_len: u32) -> u32 {
    STATE.with_borrow_mut(|s| {
        let signature = (|| {
            let mut input = Input::new(s, text_len)?;
            let key = input.next()?;
            sign_hex(&Params::from_fields(input.fields(count)?).ok()?, key).ok()
        })();
        match signature {
            Some(signature) => {
                s.header.signature = signature;
                0
            }
            None => SLOW,
        }
    })
}

/// `verifyNotify`: the KEY, the expected pid, out_trade_no and money
/// (empty unless `flags` has `EXPECT_*`), then the query string or, with
/// `NOTIFY_OBJECT`, `count` (name, value) pairs. Returns the reason's
/// index in [`REASONS`] plus [`PAID`], or [`SLOW`]. Leaves the received
/// fields, sorted by name, for JS to build `data` from:
/// - from a query string: their UTF-8 at `Header::out` and their UTF-16
///   lengths at `Header::out_u32` (name, value, name, value...);
/// - from an object, whose fields JS already has as strings: at
///   `Header::out_u32`, the index of each among the pairs it wrote.
#[wasm_bindgen(js_name = fastVerify, skip_typescript)]
pub fn verify(flags: u32, count: u32, text_len: u32) -> u32 {
    STATE.with_borrow_mut(|s| {
        let mut out = std::mem::take(&mut s.out);
        let mut out_u32 = std::mem::take(&mut s.out_u32);
        out.clear();
        out_u32.clear();
        let code = verify_into(s, flags, count, text_len, &mut out, &mut out_u32).unwrap_or(SLOW);
        s.header.out = out.as_ptr() as u32;
        s.header.out_len = out.len() as u32;
        s.header.out_u32 = out_u32.as_ptr() as u32;
        s.header.out_count = out_u32.len() as u32;
        s.out = out;
        s.out_u32 = out_u32;
        code
    })
}

fn verify_into(s: &State, flags: u32, count: u32, text_len: u32, out: &mut Vec<u8>, out_u32: &mut Vec<u32>) -> Option<u32> {
    let mut input = Input::new(s, text_len)?;
    let key = input.next()?;
    let mut expected = [None; 3];
    for (slot, flag) in expected.iter_mut().zip(EXPECT_FLAGS) {
        let text = input.next()?;
        *slot = (flags & flag != 0).then_some(text);
    }
    let expected = Expected::new(expected[0], expected[1], expected[2]).ok()?;
    let verification: Verification;
    if flags & NOTIFY_OBJECT != 0 {
        let fields = input.fields(count)?;
        // Where each name is in the text, in the order JS wrote them: the
        // fields of `data` borrow their names from there.
        let names: Vec<*const u8> = fields.iter().map(|(name, _)| name.as_ptr()).collect();
        verification = verify_notify(notify_from_object(Params::from_fields(fields)), key, &expected).ok()?;
        for (name, _) in verification.data.iter() {
            // In text order, so in address order.
            let index = names.binary_search(&name.as_ptr()).ok()?;
            out_u32.push(index as u32);
        }
    } else {
        verification = verify_notify(parse_notify(input.next()?), key, &expected).ok()?;
        for (name, value) in verification.data.iter() {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(value.as_bytes());
            out_u32.push(name.len() as u32); // names are ASCII
            out_u32.push(value.encode_utf16().count() as u32);
        }
    }
    let reason = REASONS.iter().position(|&r| r == verification.reason)? as u32;
    Some(reason | if verification.paid { PAID } else { 0 })
}
