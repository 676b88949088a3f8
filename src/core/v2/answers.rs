//! The typed answers of the V2 API, read once the platform's signature
//! verified and the envelope (`code`, `msg`, `sign`, `sign_type`,
//! `timestamp`) is dropped ([`super::client`]). As V1's
//! ([`crate::core::answers`]): documented fields are checked for their
//! type (integers are numbers whether sent as `1000` or `"1000"`), a
//! documented field the gateway left out is `None` (`null` in JS), and
//! every other field is kept as received.

use crate::core::answer::{rows, Answer, Fields, Reader};
use crate::core::answers::GatewayOrder;
use crate::core::error::Result;
use serde::Serialize;

/// `pay/create`: the order, and how the shopper pays it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreatedOrder {
    /// The gateway's order number; never empty.
    pub trade_no: String,
    /// What `pay_info` is: `jump` (a page to send the shopper to), `html`,
    /// `qrcode`, `urlscheme`, `jsapi`, `app`, `scan`, `wxplugin`, `wxapp`.
    pub pay_type: String,
    /// The page, HTML, QR code content or wallet parameters `pay_type` says.
    pub pay_info: Option<String>,
    /// Every other field, as received.
    #[serde(flatten)]
    pub other: Fields,
}

impl Answer for CreatedOrder {
    fn read(fields: Fields) -> Result<Self> {
        let mut f = Reader::answer("pay/create", fields);
        Ok(CreatedOrder { trade_no: f.required("trade_no")?, pay_type: f.required("pay_type")?, pay_info: f.text("pay_info")?, other: f.rest() })
    }
}

/// `pay/query`: the order as V1's `act=order` gives it ([`GatewayOrder`]:
/// `status`, `paid`, `refunded`); `refundmoney` (after a refund) and
/// `clientip` are among its other fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct QueriedOrder(pub GatewayOrder);

impl Answer for QueriedOrder {
    fn read(fields: Fields) -> Result<Self> {
        GatewayOrder::from(Reader::answer("pay/query", fields)).map(QueriedOrder)
    }
}

/// `merchant/orders`: one page of orders, newest first. The list is not
/// covered by the platform's signature (only the answer's scalar fields
/// are): nothing proves a row came from the gateway.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Orders(pub Vec<GatewayOrder>);

impl Answer for Orders {
    fn read(mut fields: Fields) -> Result<Self> {
        let rows = rows("merchant/orders", &mut fields)?;
        rows.into_iter().map(|row| GatewayOrder::from(Reader::new("merchant/orders", row))).collect::<Result<_>>().map(Orders)
    }
}

/// `pay/refund`: the refund made (or, for an `out_refund_no` already used,
/// the one made then: the gateway de-duplicates on it, and that answer has
/// no `out_trade_no`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refund {
    /// The gateway's refund number.
    pub refund_no: String,
    /// The merchant's refund number.
    pub out_refund_no: String,
    /// The refunded order's gateway number.
    pub trade_no: Option<String>,
    /// The refunded order's merchant number.
    pub out_trade_no: Option<String>,
    /// Yuan refunded, as the gateway writes it.
    pub money: Option<String>,
    /// Yuan taken from the merchant's balance.
    pub reducemoney: Option<String>,
    /// Every other field, as received.
    #[serde(flatten)]
    pub other: Fields,
}

impl Refund {
    fn from(mut f: Reader) -> Result<Self> {
        Ok(Refund {
            refund_no: f.required("refund_no")?,
            out_refund_no: f.required("out_refund_no")?,
            trade_no: f.text("trade_no")?,
            out_trade_no: f.text("out_trade_no")?,
            money: f.text("money")?,
            reducemoney: f.text("reducemoney")?,
            other: f.rest(),
        })
    }
}

impl Answer for Refund {
    fn read(fields: Fields) -> Result<Self> {
        Refund::from(Reader::answer("pay/refund", fields))
    }
}

/// `pay/refundquery`: a refund and its `status` (1 done).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RefundStatus {
    /// The refund's status (1 done).
    pub status: Option<i64>,
    /// The refund.
    #[serde(flatten)]
    pub refund: Refund,
}

impl Answer for RefundStatus {
    fn read(fields: Fields) -> Result<Self> {
        let mut f = Reader::answer("pay/refundquery", fields);
        Ok(RefundStatus { status: f.int("status")?, refund: Refund::from(f)? })
    }
}

/// `merchant/info`: the merchant's account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MerchantInfo {
    /// The merchant id.
    pub pid: Option<i64>,
    /// 1 the account is enabled, 0 banned.
    pub status: Option<i64>,
    /// 1 the account may take payments.
    pub pay_status: Option<i64>,
    /// 1 the account is settled.
    pub settle_status: Option<i64>,
    /// Balance in yuan, as the gateway writes it.
    pub money: Option<String>,
    /// Orders in total.
    pub order_num: Option<i64>,
    /// Paid orders today.
    pub order_num_today: Option<i64>,
    /// Paid orders yesterday.
    pub order_num_lastday: Option<i64>,
    /// Yuan paid today, as the gateway writes it.
    pub order_money_today: Option<String>,
    /// Yuan paid yesterday, as the gateway writes it.
    pub order_money_lastday: Option<String>,
    /// Every other field, as received.
    #[serde(flatten)]
    pub other: Fields,
}

impl Answer for MerchantInfo {
    fn read(fields: Fields) -> Result<Self> {
        let mut f = Reader::answer("merchant/info", fields);
        Ok(MerchantInfo {
            pid: f.int("pid")?,
            status: f.int("status")?,
            pay_status: f.int("pay_status")?,
            settle_status: f.int("settle_status")?,
            money: f.text("money")?,
            order_num: f.int("order_num")?,
            order_num_today: f.int("order_num_today")?,
            order_num_lastday: f.int("order_num_lastday")?,
            order_money_today: f.text("order_money_today")?,
            order_money_lastday: f.text("order_money_lastday")?,
            other: f.rest(),
        })
    }
}

/// `pay/close`: nothing to read once the answer verified as a success.
impl Answer for () {
    fn read(_: Fields) -> Result<Self> {
        Ok(())
    }
}
