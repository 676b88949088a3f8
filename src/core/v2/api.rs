//! V2 calls as data: the route under `api/`, the validated fields (V1's
//! rules where the fields are shared), whether the call may be sent again,
//! and the answer it reads. `pid`, `timestamp` and the signature are added
//! at each attempt ([`super::client::Client`]).
//!
//! Retries: queries, and refunds, which always carry an `out_refund_no`
//! the gateway de-duplicates on. `pay/create` and `pay/close` are never
//! sent again.

use super::answers::{Reading, CREATED_ORDER, MERCHANT_INFO, REFUND, REFUND_STATUS};
use super::client::Account;
use crate::core::api::{OrderRef, MAX_PAGE_LIMIT};
use crate::core::error::{decimal, Error, Result};
use crate::core::merchant::with_pid;
use crate::core::money::Money;
use crate::core::order::{check_merchant_no, validate_order, Endpoint};
use crate::core::params::Params;

/// The shortest `out_refund_no` a v3096 server de-duplicates on, in bytes:
/// it ignores one of 5 bytes or fewer.
pub const MIN_OUT_REFUND_NO: usize = 6;

/// A V2 call: where it goes, what it sends, whether it may be sent again,
/// and how its answer is read.
#[derive(Debug, Clone)]
pub struct Call {
    /// The route under `api/`, e.g. `pay/query`.
    pub route: &'static str,
    /// The fields to send, before `pid`, `timestamp` and the signature.
    pub params: Params<'static>,
    /// Whether the call may be sent again after a network error or a 5xx.
    pub retryable: bool,
    /// How its answer is read.
    pub reading: Reading,
}

impl Call {
    /// A query: retryable, its fields given as pairs.
    fn query(route: &'static str, pairs: Vec<(&'static str, String)>, reading: Reading) -> Self {
        let mut params = Params::default();
        for (name, value) in pairs {
            params.set(name, value);
        }
        Call { route, params, retryable: true, reading }
    }
}

/// `pay/create`: the order validated for the server API (`type` and
/// `clientip` required, `method` defaulting to `jump`, `device` to `pc`),
/// the account's pid filled in. Never retried.
pub fn create_order(account: &Account, order: &Params) -> Result<Call> {
    let order = validate_order(&with_pid(&account.pid, order)?, Endpoint::PayCreate)?;
    Ok(Call { route: "pay/create", params: order.into_owned(), retryable: false, reading: Reading::Shape(&CREATED_ORDER) })
}

/// The fields of a `pay/submit` order (the page hand-over), validated as
/// for V1's `submit.php`, the account's pid filled in: what is stamped and
/// signed for the page.
pub fn submit_order(account: &Account, order: &Params) -> Result<Params<'static>> {
    Ok(validate_order(&with_pid(&account.pid, order)?, Endpoint::Submit)?.into_owned())
}

/// `pay/query`: one order.
pub fn query_order(which: &OrderRef) -> Call {
    Call::query("pay/query", vec![which.pair()], Reading::Order)
}

/// `pay/refund`: refunds `money` yuan of an order under the merchant's
/// refund number `out_refund_no` (6–64 of `a-z A-Z 0-9 . _ - |`). The
/// gateway de-duplicates refunds on it, so the call is retried with it.
pub fn refund(which: &OrderRef, money: &str, out_refund_no: &str) -> Result<Call> {
    let money = Money::parse_positive("money", money)?.text();
    check_merchant_no("out_refund_no", out_refund_no)?;
    if out_refund_no.len() < MIN_OUT_REFUND_NO {
        return Err(Error::invalid(
            "out_refund_no",
            "out_refund_no must be at least 6 characters: gateways ignore shorter ones, and a retried refund could then be made twice",
        ));
    }
    let pairs = vec![which.pair(), ("money", money), ("out_refund_no", out_refund_no.to_owned())];
    Ok(Call::query("pay/refund", pairs, Reading::Shape(&REFUND)))
}

/// `pay/refundquery`: one refund, by `refund_no` or `out_refund_no`
/// ([`crate::core::api::which`]).
pub fn query_refund(which: (&'static str, String)) -> Call {
    Call::query("pay/refundquery", vec![which], Reading::Shape(&REFUND_STATUS))
}

/// `pay/close`: closes an unpaid order. Never retried.
pub fn close_order(which: &OrderRef) -> Call {
    Call { retryable: false, ..Call::query("pay/close", vec![which.pair()], Reading::Nothing) }
}

/// `merchant/info`: the merchant's account.
pub fn query_merchant() -> Call {
    Call::query("merchant/info", Vec::new(), Reading::Shape(&MERCHANT_INFO))
}

/// `merchant/orders`: one page of `limit` (1–50) orders from `offset`,
/// newest first, only those in `status` when given (0 unpaid, 1 paid,
/// 2 refunded). The list is not covered by the platform's signature.
pub fn query_orders(offset: u64, limit: u32, status: Option<i64>) -> Result<Call> {
    if !(1..=MAX_PAGE_LIMIT).contains(&limit) {
        return Err(Error::invalid("limit", "limit must be an integer from 1 to 50"));
    }
    let mut pairs = vec![("offset", decimal(offset as i64)), ("limit", decimal(limit.into()))];
    match status {
        Some(s) if s < 0 => return Err(Error::invalid("status", "status must be 0 (unpaid), 1 (paid) or 2 (refunded)")),
        Some(s) => pairs.push(("status", decimal(s))),
        None => {}
    }
    Ok(Call::query("merchant/orders", pairs, Reading::Orders))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::api::which;

    fn account() -> Account {
        Account::new("http://g.cn/", "1000").unwrap()
    }

    fn fields(call: &Call) -> Vec<(&str, &str)> {
        call.params.iter().collect()
    }

    #[test]
    fn create_order_is_validated_with_v1s_rules_and_v2s_defaults() {
        let order = Params::from_pairs([
            ("type", "alipay"), ("out_trade_no", "A1"), ("notify_url", "http://m.cn/n"), ("name", "VIP"), ("money", "1"), ("clientip", "127.0.0.1"),
        ])
        .unwrap();
        let call = create_order(&account(), &order).unwrap();
        assert_eq!((call.route, call.retryable), ("pay/create", false));
        assert_eq!(fields(&call), [
            ("clientip", "127.0.0.1"), ("device", "pc"), ("method", "jump"), ("money", "1.00"), ("name", "VIP"),
            ("notify_url", "http://m.cn/n"), ("out_trade_no", "A1"), ("pid", "1000"), ("type", "alipay"),
        ]);
        let mut other = order.clone();
        other.set("pid", "1001");
        assert_eq!(create_order(&account(), &other).err().and_then(|e| e.field.clone()).as_deref(), Some("pid"));
        let mut bad = order;
        bad.set("notify_url", "http://m.cn/n?x=1");
        assert_eq!(create_order(&account(), &bad).err().and_then(|e| e.field.clone()).as_deref(), Some("notify_url"));
    }

    #[test]
    fn submit_orders_need_a_return_url() {
        let order = Params::from_pairs([("out_trade_no", "A1"), ("notify_url", "http://m.cn/n"), ("name", "VIP"), ("money", "1")]).unwrap();
        assert_eq!(submit_order(&account(), &order).unwrap_err().field.as_deref(), Some("return_url"));
        let mut order = order;
        order.set("return_url", "http://m.cn/r");
        assert_eq!(submit_order(&account(), &order).unwrap().get("pid"), Some("1000"));
    }

    #[test]
    fn refunds_carry_a_refund_number_the_gateway_de_duplicates_on() {
        let which = OrderRef::new(Some("T1"), None).unwrap();
        let call = refund(&which, "0.5", "R2026120206410100c0ffee12345678").unwrap();
        assert_eq!((call.route, call.retryable), ("pay/refund", true));
        assert_eq!(fields(&call), [("money", "0.50"), ("out_refund_no", "R2026120206410100c0ffee12345678"), ("trade_no", "T1")]);
        assert!(refund(&which, "0.5", "R12345").is_ok());
        for (money, no, field) in [("0", "R123456", "money"), ("1", "R1234", "out_refund_no"), ("1", "R 123456", "out_refund_no"), ("1", "", "out_refund_no")] {
            assert_eq!(refund(&which, money, no).err().and_then(|e| e.field.clone()).as_deref(), Some(field), "{money} {no}");
        }
    }

    #[test]
    fn queries_and_close() {
        let by_out = OrderRef::new(None, Some("A1")).unwrap();
        let query = query_order(&by_out);
        assert_eq!((query.route, query.retryable, fields(&query)), ("pay/query", true, vec![("out_trade_no", "A1")]));
        let close = close_order(&by_out);
        assert_eq!((close.route, close.retryable), ("pay/close", false));
        let refund = query_refund(which(("refund_no", Some("123")), ("out_refund_no", Some("R1"))).unwrap());
        assert_eq!((refund.route, fields(&refund)), ("pay/refundquery", vec![("refund_no", "123")]));
        assert_eq!(which(("refund_no", None), ("out_refund_no", None)).unwrap_err().message, "give refund_no or out_refund_no");
        assert_eq!(which(("refund_no", Some("1-2")), ("out_refund_no", None)).unwrap_err().field.as_deref(), Some("refund_no"));
        assert_eq!(query_merchant().route, "merchant/info");
    }

    #[test]
    fn orders_are_paged_by_offset_with_the_status_sent() {
        let call = query_orders(40, 20, Some(1)).unwrap();
        assert_eq!((call.route, fields(&call)), ("merchant/orders", vec![("limit", "20"), ("offset", "40"), ("status", "1")]));
        assert_eq!(fields(&query_orders(0, 50, None).unwrap()), [("limit", "50"), ("offset", "0")]);
        for (limit, status, field) in [(0, None, "limit"), (51, None, "limit"), (10, Some(-1), "status")] {
            assert_eq!(query_orders(0, limit, status).err().and_then(|e| e.field.clone()).as_deref(), Some(field));
        }
    }
}
