//! The seam between the calls and the network: a [`Transport`] sends one
//! request; [`exchange`] sends a call through it, retrying where the call
//! allows, judges the answer and takes the KEY out of every error. The
//! wasm client's transport is `fetch` (`crate::client`); the tests here
//! use a scripted one.

use super::answer::{Answer, Fields};
use super::api::{retry_delay_ms, should_retry, Call, Request};
use super::error::Result;
use super::merchant::Merchant;

/// Sends requests to the gateway.
// No `Send` bound on the futures: the wasm client is single-threaded.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// Sends `request` once: the HTTP status and the body as text, or a
    /// `NETWORK`, `TIMEOUT` or (body too large) `BAD_RESPONSE` error. A
    /// redirect is returned as it is, never followed.
    async fn send(&self, request: &Request) -> Result<(u16, String)>;

    /// Waits `ms` milliseconds before a retry.
    async fn sleep(&self, ms: u32);
}

/// Sends `call` and reads its answer, retrying up to `retries` times when
/// the call allows it (network errors and 5xx, with a short backoff).
pub async fn send<A: Answer>(t: &impl Transport, m: &Merchant, call: &Call<A>, retries: u32) -> Result<A> {
    exchange(t, m, &call.request, call.retryable, retries, &|status, body| call.envelope(status, body)).await.and_then(A::read)
}

/// Sends `request` as [`send`] does and judges every attempt's status and
/// body with `envelope` (a call's [`Call::envelope`]): the answer's fields,
/// to read as the call's answer. Every error has the KEY redacted (reading
/// the fields after cannot bring it back: its errors name documented
/// fields only). One retry loop for every V1 call, whatever it reads.
pub async fn exchange(
    t: &impl Transport,
    m: &Merchant,
    request: &Request,
    retryable: bool,
    retries: u32,
    envelope: &dyn Fn(u16, &str) -> Result<Fields>,
) -> Result<Fields> {
    let attempt = async || t.send(request).await.and_then(|(status, body)| envelope(status, &body));
    retrying(t, retryable, retries, attempt).await.map_err(|e| m.redact_error(e))
}

/// Runs `attempt` until it succeeds or fails for good: a failure is tried
/// again, after [`retry_delay_ms`], up to `retries` times when the call is
/// `retryable` and the failure a network error or a 5xx ([`should_retry`]).
/// Each attempt is made anew: a V2 call is stamped and signed again.
pub async fn retrying<T>(t: &impl Transport, retryable: bool, retries: u32, mut attempt: impl AsyncFnMut() -> Result<T>) -> Result<T> {
    let mut attempts = 0;
    loop {
        match attempt().await {
            Err(e) if attempts < retries && should_retry(retryable, &e) => {
                attempts += 1;
                t.sleep(retry_delay_ms(attempts)).await;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::api::{query_merchant, refund, OrderRef};
    use crate::core::error::{Detail, Error, ErrorCode};
    use std::cell::RefCell;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    pub const KEY: &str = "80TWQztHqTVvV440KTKVqVPQh11AkfpF";

    /// Answers from a script, in order, and records what was sent.
    #[derive(Default)]
    pub struct Scripted {
        pub answers: RefCell<Vec<Result<(u16, String)>>>,
        pub sent: RefCell<Vec<String>>,
        pub slept: RefCell<Vec<u32>>,
    }

    impl Scripted {
        pub fn new(answers: Vec<Result<(u16, &str)>>) -> Self {
            let answers = answers.into_iter().rev().map(|a| a.map(|(s, b)| (s, b.to_owned()))).collect();
            Scripted { answers: RefCell::new(answers), ..Scripted::default() }
        }
    }

    impl Transport for Scripted {
        async fn send(&self, request: &Request) -> Result<(u16, String)> {
            self.sent.borrow_mut().push(request.full_url());
            self.answers.borrow_mut().pop().expect("no more scripted answers")
        }

        async fn sleep(&self, ms: u32) {
            self.slept.borrow_mut().push(ms);
        }
    }

    /// Runs a future that never waits (the scripted transport's).
    pub fn block_on<F: Future>(future: F) -> F::Output {
        let mut future = pin!(future);
        match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("the scripted transport never waits"),
        }
    }

    pub fn merchant() -> Merchant {
        Merchant::new("http://g.cn/", "1005", KEY).unwrap()
    }

    fn network() -> Error {
        Error::gateway(ErrorCode::Network, "could not reach the gateway: reset", None)
    }

    #[test]
    fn retries_5xx_and_network_errors_then_reads_the_answer() {
        let t = Scripted::new(vec![Ok((502, "")), Err(network()), Ok((200, r#"{"code":1,"pid":1005}"#))]);
        let info = block_on(send(&t, &merchant(), &query_merchant(&merchant()), 2)).unwrap();
        assert_eq!(info.pid, Some(1005));
        assert_eq!(t.sent.borrow().len(), 3);
        assert_eq!(*t.slept.borrow(), [100, 200]);
    }

    #[test]
    fn gives_up_after_the_retries_with_the_last_error() {
        let t = Scripted::new(vec![Ok((500, "")), Ok((503, ""))]);
        let e = block_on(send(&t, &merchant(), &query_merchant(&merchant()), 1)).unwrap_err();
        assert_eq!((e.code, e.detail.clone()), (ErrorCode::HttpError, Some(Detail::Status(503))));
        assert_eq!(t.sent.borrow().len(), 2);
    }

    #[test]
    fn does_not_retry_answers_timeouts_or_a_refund() {
        for answer in [Ok((200, r#"{"code":-3,"msg":"商户密钥错误"}"#)), Ok((200, "<html>")), Ok((404, "")), Err(Error::gateway(ErrorCode::Timeout, "late", None))] {
            let t = Scripted::new(vec![answer]);
            assert!(block_on(send(&t, &merchant(), &query_merchant(&merchant()), 5)).is_err());
            assert_eq!(t.sent.borrow().len(), 1);
        }
        let which = OrderRef::new(Some("1"), None).unwrap();
        for answer in [Ok((500, "")), Err(network())] {
            let t = Scripted::new(vec![answer]);
            assert!(block_on(send(&t, &merchant(), &refund(&merchant(), &which, "1").unwrap(), 5)).is_err());
            assert_eq!(t.sent.borrow().len(), 1);
        }
    }

    #[test]
    fn the_key_is_redacted_from_every_error() {
        let echo = format!(r#"{{"code":-3,"msg":"KEY {KEY} 校验失败"}}"#);
        let t = Scripted::new(vec![Ok((200, &echo))]);
        let e = block_on(send(&t, &merchant(), &query_merchant(&merchant()), 0)).unwrap_err();
        assert_eq!(e.detail, Some(Detail::Gateway { code: -3, msg: "KEY *** 校验失败".into() }));
        let body = format!("{}{KEY}", "x".repeat(185)); // the KEY straddles the 200-character cut
        let t = Scripted::new(vec![Ok((200, &body))]);
        let e = block_on(send(&t, &merchant(), &query_merchant(&merchant()), 0)).unwrap_err();
        assert_eq!(e.detail, Some(Detail::Body(format!("{}***", "x".repeat(185)))));
        assert!(!e.message.contains(&KEY[..8]), "{}", e.message);
        let t = Scripted::new(vec![Err(Error::gateway(ErrorCode::Network, format!("no route to {KEY}"), None))]);
        assert_eq!(block_on(send(&t, &merchant(), &query_merchant(&merchant()), 0)).unwrap_err().message, "no route to ***");
    }
}
