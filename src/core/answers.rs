//! The typed answers of `mapi.php` and `api.php`. Each keeps every field
//! the gateway sent beyond the documented ones, as received (`other`:
//! forks add fields); a documented field the gateway left out is `None`
//! (`null` in JS); documented integers are numbers whether sent as `1005`
//! or `"1005"`. The envelope's `code` and `msg` are dropped, but for a
//! refund, whose answer they are.
//!
//! They serialize (serde) to what JS receives. They are read with a
//! [`Reader`] from the core's JSON reader (`super::json`) rather than a
//! derived `Deserialize`: a field of the wrong type is named in the error,
//! and the derive's `flatten` machinery would cost about a third of the
//! wasm the answers take.

use super::answer::{bad_shape, integer, rows, Answer, Fields, Reader};
use super::error::Result;
use serde::Serialize;

/// `mapi.php`: the created order and whichever way to pay it the gateway
/// sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreatedOrder {
    /// The gateway's order number; never empty.
    pub trade_no: String,
    /// A page that takes the shopper through payment.
    pub payurl: Option<String>,
    /// Content to show as a QR code.
    pub qrcode: Option<String>,
    /// An app URL scheme that opens the payment app.
    pub urlscheme: Option<String>,
    /// HTML to render.
    pub html: Option<String>,
    /// Every other field, as received.
    #[serde(flatten)]
    pub other: Fields,
}

impl Answer for CreatedOrder {
    fn read(fields: Fields) -> Result<Self> {
        let mut f = Reader::answer("mapi.php", fields);
        Ok(CreatedOrder {
            trade_no: f.required("trade_no"),
            payurl: f.text("payurl"),
            qrcode: f.text("qrcode"),
            urlscheme: f.text("urlscheme"),
            html: f.text("html"),
            other: f.rest()?,
        })
    }
}

/// `act=query`: the merchant's account. The KEY the gateway echoes back is
/// dropped. The day counters are read under both spellings, the
/// document's `order_today`/`order_lastday` and v3096's
/// `orders_today`/`orders_lastday`, and given under the document's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MerchantInfo {
    /// The merchant id.
    pub pid: Option<i64>,
    /// The account is enabled (`active` 1; 0 is banned).
    pub active: Option<bool>,
    /// Balance in yuan, as the gateway writes it.
    pub money: Option<String>,
    /// Settlement method: 1 Alipay, 2 WeChat, 3 QQ, 4 bank card.
    #[serde(rename = "type")]
    pub settle_type: Option<i64>,
    /// Settlement account.
    pub account: Option<String>,
    /// Settlement account holder.
    pub username: Option<String>,
    /// Orders in total.
    pub orders: Option<i64>,
    /// Orders today.
    pub order_today: Option<i64>,
    /// Orders yesterday.
    pub order_lastday: Option<i64>,
    /// Every other field, as received.
    #[serde(flatten)]
    pub other: Fields,
}

impl Answer for MerchantInfo {
    fn read(fields: Fields) -> Result<Self> {
        let mut f = Reader::answer("act=query", fields);
        f.skip("key");
        // Both spellings are taken out: the result has the document's only.
        let (today, today_v3096) = (f.int("order_today"), f.int("orders_today"));
        let (lastday, lastday_v3096) = (f.int("order_lastday"), f.int("orders_lastday"));
        Ok(MerchantInfo {
            pid: f.int("pid"),
            active: f.int("active").map(|n| n == 1),
            money: f.text("money"),
            settle_type: f.int("type"),
            account: f.text("account"),
            username: f.text("username"),
            orders: f.int("orders"),
            order_today: today.or(today_v3096),
            order_lastday: lastday.or(lastday_v3096),
            other: f.rest()?,
        })
    }
}

/// `act=settle`: one settlement record, as the gateway sends it (the
/// document lists no fields).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Settlement(pub Fields);

impl Answer for Vec<Settlement> {
    fn read(mut fields: Fields) -> Result<Self> {
        Ok(rows("act=settle", &mut fields)?.into_iter().map(Settlement).collect())
    }
}

/// An order as `act=order` and `act=orders` report it, plus `paid` and
/// `refunded` read from `status` (0 unpaid, 1 paid, 2 refunded).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GatewayOrder {
    /// The gateway's order number.
    pub trade_no: String,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// The payment channel's order number (`None` before payment; not in
    /// `act=orders` rows).
    pub api_trade_no: Option<String>,
    /// Payment type.
    #[serde(rename = "type")]
    pub pay_type: Option<String>,
    /// The merchant id.
    pub pid: Option<i64>,
    /// When the order was created.
    pub addtime: Option<String>,
    /// When it was paid.
    pub endtime: Option<String>,
    /// Product name.
    pub name: Option<String>,
    /// Yuan, as the gateway writes it.
    pub money: Option<String>,
    /// 0 unpaid, 1 paid, 2 refunded.
    pub status: Option<i64>,
    /// The merchant's business data.
    pub param: Option<String>,
    /// The payer's account.
    pub buyer: Option<String>,
    /// The shopper paid (status 1 or 2).
    pub paid: bool,
    /// The order was refunded since (status 2).
    pub refunded: bool,
    /// Every other field, as received (but `paid` and `refunded`, which
    /// are ours).
    #[serde(flatten)]
    pub other: Fields,
}

impl GatewayOrder {
    /// Reads an order (V1's `act=order` and `act=orders` rows, V2's
    /// `pay/query` and `merchant/orders` rows).
    pub(crate) fn from(mut f: Reader) -> Result<Self> {
        let status = f.int("status");
        Ok(GatewayOrder {
            trade_no: f.required("trade_no"),
            out_trade_no: f.required("out_trade_no"),
            api_trade_no: f.text("api_trade_no"),
            pay_type: f.text("type"),
            pid: f.int("pid"),
            addtime: f.text("addtime"),
            endtime: f.text("endtime"),
            name: f.text("name"),
            money: f.text("money"),
            status,
            param: f.text("param"),
            buyer: f.text("buyer"),
            paid: matches!(status, Some(1 | 2)),
            refunded: status == Some(2),
            other: without(f.rest()?, &["paid", "refunded"]),
        })
    }
}

impl Answer for GatewayOrder {
    fn read(fields: Fields) -> Result<Self> {
        GatewayOrder::from(Reader::answer("act=order", fields))
    }
}

/// `act=orders`: one page of orders. The answer's `count` (the rows
/// returned) is not kept: it is the list's length.
impl Answer for Vec<GatewayOrder> {
    fn read(mut fields: Fields) -> Result<Self> {
        rows("act=orders", &mut fields)?.into_iter().map(|row| GatewayOrder::from(Reader::new("act=orders", row))).collect()
    }
}

/// `act=refund`: what the gateway said. Success is code 0 on v3096 and
/// code 1 in the document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RefundResult {
    /// 0 or 1.
    pub code: i64,
    /// The gateway's message, e.g. `退款成功！退款金额¥1.00`.
    pub msg: Option<String>,
    /// Every other field (v3096: `refund_no`, `out_refund_no`, `trade_no`,
    /// `out_trade_no`, `uid`, `money`, `reducemoney`), as received.
    #[serde(flatten)]
    pub other: Fields,
}

impl Answer for RefundResult {
    fn read(mut fields: Fields) -> Result<Self> {
        // The envelope was judged: its code is an integer.
        let code = fields.remove("code").as_ref().and_then(integer).ok_or_else(|| bad_shape("act=refund", "code is missing"))?;
        let mut f = Reader::new("act=refund", fields);
        Ok(RefundResult { code, msg: f.text("msg"), other: f.rest()? })
    }
}

/// `fields` without `names`.
fn without(mut fields: Fields, names: &[&str]) -> Fields {
    for name in names {
        fields.remove(name);
    }
    fields
}
