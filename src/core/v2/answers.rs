//! The answers of the V2 API, read once the platform's signature verified
//! and the envelope (`code`, `msg`, `sign`, `sign_type`, `timestamp`) is
//! dropped ([`super::client`]). As V1's ([`crate::core::answers`]):
//! documented fields are checked for their type (integers are numbers
//! whether sent as `1000` or `"1000"`), a documented field the gateway left
//! out is `None` (`null` in JS), and every other field is kept as received.
//!
//! Orders are V1's [`GatewayOrder`] (`status`, `paid`, `refunded`). The
//! other answers are read by a [`Shape`], a table of their documented
//! fields, rather than one struct each: the wasm carries one reader and one
//! serializer instead of one per answer (about 1.5 KB of wasm each).

use crate::core::answer::{rows, Fields, Reader};
use crate::core::answers::GatewayOrder;
use crate::core::error::Result;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

/// How a documented field is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text that must be there, not empty.
    Required,
    /// Text; `None` when absent or `null`.
    Text,
    /// An integer, sent as a number or as text; `None` when absent or `null`.
    Int,
}

/// The documented fields of an answer, in the order they are given.
#[derive(Debug)]
pub struct Shape {
    /// The route, for errors: `pay/create`.
    pub what: &'static str,
    /// Each documented field and how it is read.
    pub fields: &'static [(&'static str, Kind)],
}

use Kind::{Int, Required, Text};

/// `pay/create`: the order, and how the shopper pays it: `pay_type` says
/// what `pay_info` is (`jump`: a page to send the shopper to; `html`,
/// `qrcode`, `urlscheme`, `jsapi`, `app`, `scan`, `wxplugin`, `wxapp`).
pub const CREATED_ORDER: Shape = Shape { what: "pay/create", fields: &[("trade_no", Required), ("pay_type", Required), ("pay_info", Text)] };

/// The fields of a refund.
const REFUND_FIELDS: [(&str, Kind); 6] = [
    ("refund_no", Required),
    ("out_refund_no", Required),
    ("trade_no", Text),
    ("out_trade_no", Text),
    ("money", Text),
    ("reducemoney", Text),
];

/// `pay/refund`: the refund made (or, for an `out_refund_no` already used,
/// the one made then, without `out_trade_no`: the gateway de-duplicates on
/// it).
pub const REFUND: Shape = Shape { what: "pay/refund", fields: &REFUND_FIELDS };

/// `pay/refundquery`: a refund and its `status` (1 done).
pub const REFUND_STATUS: Shape = Shape {
    what: "pay/refundquery",
    fields: &[
        REFUND_FIELDS[0], REFUND_FIELDS[1], REFUND_FIELDS[2], REFUND_FIELDS[3], REFUND_FIELDS[4], REFUND_FIELDS[5],
        ("status", Int),
    ],
};

/// `merchant/info`: the merchant's account.
pub const MERCHANT_INFO: Shape = Shape {
    what: "merchant/info",
    fields: &[
        ("pid", Int), ("status", Int), ("pay_status", Int), ("settle_status", Int), ("money", Text), ("order_num", Int),
        ("order_num_today", Int), ("order_num_lastday", Int), ("order_money_today", Text), ("order_money_lastday", Text),
    ],
};

/// A documented field's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Typed {
    /// Text, or `None` (`null`).
    Text(Option<String>),
    /// An integer, or `None` (`null`).
    Int(Option<i64>),
}

/// An answer read by its [`Shape`]: the documented fields, typed, then
/// every other field as received.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shaped {
    /// The documented fields, in the shape's order.
    #[serde(flatten)]
    pub documented: Documented,
    /// Every other field, as received.
    #[serde(flatten)]
    pub other: Fields,
}

/// The documented fields of a [`Shaped`] answer, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Documented(pub Vec<(&'static str, Typed)>);

impl Serialize for Documented {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl Shaped {
    /// A documented field's value.
    pub fn get(&self, name: &str) -> Option<&Typed> {
        self.documented.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

impl Shape {
    /// Reads `fields` (the envelope already dropped) by this shape.
    pub fn read(&self, fields: Fields) -> Result<Shaped> {
        let mut f = Reader::new(self.what, fields);
        let mut documented = Vec::with_capacity(self.fields.len());
        for &(name, kind) in self.fields {
            let value = match kind {
                Required => Typed::Text(Some(f.required(name))),
                Text => Typed::Text(f.text(name)),
                Int => Typed::Int(f.int(name)),
            };
            documented.push((name, value));
        }
        Ok(Shaped { documented: Documented(documented), other: f.rest()? })
    }
}

/// How a call's answer is read.
#[derive(Debug, Clone, Copy)]
pub enum Reading {
    /// By a [`Shape`].
    Shape(&'static Shape),
    /// `pay/query`: one order.
    Order,
    /// `merchant/orders`: a page of orders, not covered by the platform's
    /// signature (only an answer's scalar fields are): nothing proves a row
    /// came from the gateway.
    Orders,
    /// `pay/close`: nothing to read once the answer verified as a success.
    Nothing,
}

/// A V2 answer, read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Reply {
    /// Read by a [`Shape`].
    Shaped(Shaped),
    /// One order.
    Order(GatewayOrder),
    /// A page of orders.
    Orders(Vec<GatewayOrder>),
    /// Nothing (`pay/close`).
    Nothing,
}

impl Reading {
    /// Reads the verified fields of an answer.
    pub fn read(self, fields: Fields) -> Result<Reply> {
        Ok(match self {
            Reading::Shape(shape) => Reply::Shaped(shape.read(fields)?),
            Reading::Order => Reply::Order(GatewayOrder::from(Reader::new("pay/query", fields))?),
            Reading::Orders => Reply::Orders(orders(fields)?),
            Reading::Nothing => Reply::Nothing,
        })
    }
}

/// The rows of a `merchant/orders` answer.
pub fn orders(mut fields: Fields) -> Result<Vec<GatewayOrder>> {
    rows("merchant/orders", &mut fields)?.into_iter().map(|row| GatewayOrder::from(Reader::new("merchant/orders", row))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::answer::judge;
    use crate::core::error::ErrorCode;

    fn fields(json: &str) -> Fields {
        judge(&[0], 200, json).unwrap()
    }

    #[test]
    fn shapes_type_the_documented_fields_and_keep_the_others() {
        let info = MERCHANT_INFO.read(fields(r#"{"code":0,"pid":1000,"status":"1","money":"10.53","extra":[1]}"#)).unwrap();
        assert_eq!(info.get("pid"), Some(&Typed::Int(Some(1000))));
        assert_eq!(info.get("status"), Some(&Typed::Int(Some(1))), "an integer sent as text");
        assert_eq!(info.get("order_num"), Some(&Typed::Int(None)), "left out: null");
        assert_eq!(info.get("money"), Some(&Typed::Text(Some("10.53".into()))));
        assert_eq!(info.documented.0.len(), MERCHANT_INFO.fields.len());
        assert!(info.other.get("extra").is_some() && info.other.get("code").is_some(), "the envelope is dropped before, not here");
        let status = REFUND_STATUS.read(fields(r#"{"code":0,"refund_no":"1","out_refund_no":"R123456","status":1}"#)).unwrap();
        assert_eq!((status.get("status"), status.get("out_trade_no")), (Some(&Typed::Int(Some(1))), Some(&Typed::Text(None))));
    }

    #[test]
    fn a_field_of_the_wrong_type_or_missing_is_named() {
        let cases = [
            (&CREATED_ORDER, r#"{"code":0,"pay_type":"jump"}"#, "gateway answer to pay/create is not of the expected shape: trade_no is missing"),
            (&CREATED_ORDER, r#"{"code":0,"trade_no":"T1","pay_type":"jump","pay_info":{}}"#, "gateway answer to pay/create is not of the expected shape: pay_info is not text"),
            (&MERCHANT_INFO, r#"{"code":0,"pid":1.5}"#, "gateway answer to merchant/info is not of the expected shape: pid is not an integer"),
            (&REFUND, r#"{"code":0,"refund_no":"1"}"#, "gateway answer to pay/refund is not of the expected shape: out_refund_no is missing"),
        ];
        for (shape, json, message) in cases {
            let e = shape.read(fields(json)).unwrap_err();
            assert_eq!((e.code, e.message.as_str()), (ErrorCode::BadResponse, message));
        }
    }

    #[test]
    fn orders_are_v1s_gateway_orders() {
        let reply = Reading::Order.read(fields(r#"{"code":0,"trade_no":"T1","out_trade_no":"A1","status":2,"refundmoney":"1.00"}"#)).unwrap();
        let Reply::Order(order) = reply else { panic!("{reply:?}") };
        assert_eq!((order.paid, order.refunded, order.other.get("refundmoney").is_some()), (true, true, true));
        let Reply::Orders(rows) = Reading::Orders.read(fields(r#"{"code":0,"data":[]}"#)).unwrap() else { panic!() };
        assert!(rows.is_empty());
        let e = Reading::Orders.read(fields(r#"{"code":0,"data":[{"trade_no":"T1"}]}"#)).unwrap_err();
        assert_eq!(e.message, "gateway answer to merchant/orders is not of the expected shape: out_trade_no is missing");
    }
}
