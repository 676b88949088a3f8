//! Every order of a merchant, a page of `act=orders` at a time
//! (`client.orders()`): where the listing ends, and the optional status
//! filter. `act=orders` takes no status in the document (v3096 reads one,
//! and then answers a filter that matches nothing with its HTTP 500), so
//! the filter is applied here, to the rows received.

use super::answer::{Answer, Fields};
use super::answers::GatewayOrder;
use super::api::{query_orders, Call, Position, MAX_PAGE_LIMIT};
use super::error::{Error, Result};
use super::merchant::Merchant;
use super::transport::{exchange, Transport};

/// Whether an answer to `act=orders` is v3096's "past the last page": HTTP
/// 500 with an empty body (a PHP error on an empty list). Nothing tells it
/// from a real failure, so it counts as the end only right after a full
/// page, where the next page may well be empty; anywhere else it is the
/// `HTTP_ERROR` it looks like.
pub fn is_past_the_end(after_full_page: bool, status: u16, body: &str) -> bool {
    after_full_page && status == 500 && body.is_empty()
}

/// A walk through every order, newest first.
#[derive(Debug)]
pub struct OrdersCursor {
    limit: u32,
    status: Option<i64>,
    /// Orders received so far: where the next page starts.
    offset: u64,
    /// The last page was full: there may be more.
    after_full_page: bool,
    /// A short page came: nothing more to fetch.
    done: bool,
    /// Orders received and not yet handed out, in order (at most a page:
    /// taking the first out of a `Vec` is cheaper in code than a `VecDeque`).
    ready: Vec<GatewayOrder>,
}

impl OrdersCursor {
    /// A walk by pages of `limit` (1–50) orders, keeping those whose
    /// `status` is `status` when one is given (0 unpaid, 1 paid, 2 refunded).
    pub fn new(limit: u32, status: Option<i64>) -> Result<Self> {
        if !(1..=MAX_PAGE_LIMIT).contains(&limit) {
            return Err(Error::invalid("limit", "limit must be an integer from 1 to 50"));
        }
        if status.is_some_and(|s| s < 0) {
            return Err(Error::invalid("status", "status must be an integer from 0 (0 unpaid, 1 paid, 2 refunded)"));
        }
        Ok(OrdersCursor { limit, status, offset: 0, after_full_page: false, done: false, ready: Vec::new() })
    }

    /// A new walk from the first page, with the same limit and filter.
    pub fn restart(&self) -> OrdersCursor {
        OrdersCursor { offset: 0, after_full_page: false, done: false, ready: Vec::new(), ..*self }
    }

    /// Orders per page.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Orders received so far: where the next page starts.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The status asked for, if any.
    pub fn status(&self) -> Option<i64> {
        self.status
    }

    /// The `act=orders` call for the next page; `None` once the last page
    /// came.
    pub fn next_call(&self, m: &Merchant) -> Option<Result<Call<Vec<GatewayOrder>>>> {
        (!self.done).then(|| query_orders(m, self.limit, Position::Offset(self.offset)))
    }

    /// Judges the answer to [`OrdersCursor::next_call`]: the page, empty
    /// when it is [past the end](is_past_the_end).
    pub fn judge(&self, call: &Call<Vec<GatewayOrder>>, status: u16, body: &str) -> Result<Vec<GatewayOrder>> {
        Answer::read(self.envelope(call, status, body)?)
    }

    /// [`judge`](Self::judge) but the reading of the rows: the answer's
    /// fields, none (an empty page) when it is past the end.
    fn envelope(&self, call: &Call<Vec<GatewayOrder>>, status: u16, body: &str) -> Result<Fields> {
        if is_past_the_end(self.after_full_page, status, body) {
            return Ok(Fields::default());
        }
        call.envelope(status, body)
    }

    /// Takes a page in: the listing ends at a short page; its orders (those
    /// of the status asked for) are handed out next.
    pub fn take(&mut self, page: Vec<GatewayOrder>) {
        let received = page.len();
        self.offset += received as u64;
        self.after_full_page = received >= self.limit as usize;
        self.done = !self.after_full_page;
        let status = self.status;
        self.ready.extend(page.into_iter().filter(|o| status.is_none() || o.status == status));
    }

    /// The next order, fetching the next page with `fetch` (given this
    /// cursor: its [`limit`](Self::limit), [`offset`](Self::offset),
    /// [`status`](Self::status)) as needed; `None` at the end. An error
    /// leaves the cursor where it was: calling again asks for the same page.
    pub async fn next_with(&mut self, mut fetch: impl AsyncFnMut(&OrdersCursor) -> Result<Vec<GatewayOrder>>) -> Result<Option<GatewayOrder>> {
        loop {
            if !self.ready.is_empty() {
                return Ok(Some(self.ready.remove(0))); // ok: not empty, checked above
            }
            if self.done {
                return Ok(None);
            }
            let page = fetch(self).await?;
            self.take(page);
        }
    }

    /// [`next_with`](Self::next_with) through `act=orders`.
    pub async fn next(&mut self, t: &impl Transport, m: &Merchant, retries: u32) -> Result<Option<GatewayOrder>> {
        self.next_with(async |cursor| match cursor.next_call(m) {
            Some(call) => {
                let call = call?;
                let envelope = |status, body: &str| cursor.envelope(&call, status, body);
                exchange(t, m, &call.request, call.retryable, retries, &envelope).await.and_then(Answer::read)
            }
            None => Ok(Vec::new()), // next_with asks only while there may be more
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::{Detail, ErrorCode};
    use crate::core::transport::tests::{block_on, merchant, Scripted, KEY};

    #[test]
    fn pages_are_handed_out_in_order_even_when_taken_early() {
        let order = |n: u32| Vec::<GatewayOrder>::read(crate::core::answer::judge(&[1], 200, &page(&[(n, 1)])).unwrap()).unwrap();
        let mut cursor = OrdersCursor::new(2, None).unwrap();
        cursor.take([order(1), order(2)].concat());
        let next = |c: &mut OrdersCursor| block_on(c.next_with(async |_| panic!("no fetch while orders are pending"))).unwrap().unwrap().trade_no;
        assert_eq!(next(&mut cursor), "T1");
        cursor.take(order(3)); // a page taken while T2 is pending
        assert_eq!([next(&mut cursor), next(&mut cursor)], ["T2", "T3"]);
    }

    #[test]
    fn the_end_is_a_500_with_an_empty_body_right_after_a_full_page_only() {
        assert!(is_past_the_end(true, 500, ""));
        assert!(!is_past_the_end(false, 500, ""));
        assert!(!is_past_the_end(true, 500, " "));
        assert!(!is_past_the_end(true, 500, "<b>Fatal error</b>"));
        assert!(!is_past_the_end(true, 502, ""));
        assert!(!is_past_the_end(true, 200, ""));
    }

    fn page(trade_nos: &[(u32, i64)]) -> String {
        let rows: Vec<String> = trade_nos
            .iter()
            .map(|(n, status)| format!(r#"{{"trade_no":"T{n}","out_trade_no":"A{n}","status":{status}}}"#))
            .collect();
        format!(r#"{{"code":1,"count":{},"data":[{}]}}"#, rows.len(), rows.join(","))
    }

    fn all(cursor: &mut OrdersCursor, t: &Scripted) -> Result<Vec<String>> {
        let mut out = Vec::new();
        while let Some(order) = block_on(cursor.next(t, &merchant(), 0))? {
            out.push(order.trade_no);
        }
        Ok(out)
    }

    fn url(offset: u32, page: Option<u32>) -> String {
        let page = page.map_or(String::new(), |p| format!("&page={p}"));
        format!("http://g.cn/api.php?act=orders&pid=1005&key={KEY}&limit=3&offset={offset}{page}")
    }

    #[test]
    fn walks_every_page_and_stops_at_a_short_one() {
        let t = Scripted::new(vec![
            Ok((200, &page(&[(7, 0), (6, 1), (5, 2)]))),
            Ok((200, &page(&[(4, 0), (3, 0), (2, 1)]))),
            Ok((200, &page(&[(1, 0)]))),
        ]);
        let mut cursor = OrdersCursor::new(3, None).unwrap();
        assert_eq!(all(&mut cursor, &t).unwrap(), ["T7", "T6", "T5", "T4", "T3", "T2", "T1"]);
        assert_eq!(*t.sent.borrow(), [url(0, Some(1)), url(3, Some(2)), url(6, Some(3))]);
        assert!(block_on(cursor.next(&t, &merchant(), 0)).unwrap().is_none(), "nothing more is fetched");
    }

    #[test]
    fn after_a_full_page_an_empty_500_or_an_empty_page_is_the_end() {
        let t = Scripted::new(vec![Ok((200, &page(&[(6, 0), (5, 1), (4, 2)]))), Ok((500, ""))]);
        assert_eq!(all(&mut OrdersCursor::new(3, None).unwrap(), &t).unwrap(), ["T6", "T5", "T4"]);
        let t = Scripted::new(vec![Ok((200, &page(&[(6, 0), (5, 1), (4, 2)]))), Ok((200, r#"{"code":1,"data":null}"#))]);
        assert_eq!(all(&mut OrdersCursor::new(3, None).unwrap(), &t).unwrap(), ["T6", "T5", "T4"]);
    }

    #[test]
    fn any_other_failure_is_thrown_and_the_page_can_be_asked_again() {
        let mut cursor = OrdersCursor::new(3, None).unwrap();
        let t = Scripted::new(vec![Ok((500, ""))]);
        let e = block_on(cursor.next(&t, &merchant(), 0)).unwrap_err();
        assert_eq!((e.code, e.detail.clone()), (ErrorCode::HttpError, Some(Detail::Status(500))), "a 500 on the first page is an error");
        let t = Scripted::new(vec![Ok((200, &page(&[(6, 0), (5, 1), (4, 2)]))), Ok((500, "<b>Fatal error</b>")), Ok((200, &page(&[(3, 0)])))]);
        let mut cursor = OrdersCursor::new(3, None).unwrap();
        for _ in 0..3 {
            assert!(block_on(cursor.next(&t, &merchant(), 0)).unwrap().is_some());
        }
        assert_eq!(block_on(cursor.next(&t, &merchant(), 0)).unwrap_err().code, ErrorCode::HttpError);
        assert_eq!(all(&mut cursor, &t).unwrap(), ["T3"]);
        assert_eq!(t.sent.borrow()[1..], [url(3, Some(2)), url(3, Some(2))]);
    }

    #[test]
    fn the_status_filter_applies_to_the_rows_received() {
        let t = Scripted::new(vec![Ok((200, &page(&[(6, 0), (5, 1), (4, 2)]))), Ok((200, &page(&[(3, 1)])))]);
        assert_eq!(all(&mut OrdersCursor::new(3, Some(1)).unwrap(), &t).unwrap(), ["T5", "T3"]);
        assert!(t.sent.borrow().iter().all(|u| !u.contains("status")));
    }

    #[test]
    fn a_page_longer_than_the_limit_moves_the_offset_by_what_came() {
        let t = Scripted::new(vec![Ok((200, &page(&[(5, 0), (4, 0), (3, 0), (2, 0)]))), Ok((200, &page(&[(1, 0)])))]);
        assert_eq!(all(&mut OrdersCursor::new(3, None).unwrap(), &t).unwrap(), ["T5", "T4", "T3", "T2", "T1"]);
        assert_eq!(t.sent.borrow()[1], url(4, None));
    }

    #[test]
    fn restart_walks_again_from_the_first_page() {
        let t = Scripted::new(vec![Ok((200, &page(&[(2, 1)]))), Ok((200, &page(&[(2, 1)])))]);
        let mut cursor = OrdersCursor::new(3, Some(1)).unwrap();
        assert_eq!(all(&mut cursor, &t).unwrap(), ["T2"]);
        assert_eq!(all(&mut cursor.restart(), &t).unwrap(), ["T2"]);
        assert_eq!(t.sent.borrow()[1], url(0, Some(1)));
    }

    #[test]
    fn bad_limits_and_statuses_are_refused() {
        for limit in [0, 51] {
            assert_eq!(OrdersCursor::new(limit, None).unwrap_err().field.as_deref(), Some("limit"));
        }
        assert_eq!(OrdersCursor::new(3, Some(-1)).unwrap_err().field.as_deref(), Some("status"));
    }
}
