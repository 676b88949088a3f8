//! The browser hand-over to `submit.php`: an auto-submitting HTML form, or a
//! GET pay link.

use super::error::{Error, Result};
use super::order::{validate_order, Endpoint};
use super::params::Params;
use super::sign::sign;
use super::url::{encode_query, Gateway};

/// The fields a submit form or pay link carries: with a KEY, the order
/// validated for `submit.php` and signed; without one, the params as given,
/// which must then carry `sign` (signed on the merchant's server).
pub fn submit_fields<'a>(params: Params<'a>, key: Option<&str>) -> Result<Params<'a>> {
    let Some(key) = key else {
        require_sign(&params)?;
        return Ok(params);
    };
    sign_order(&params, key)
}

/// An order for `submit.php`, validated (money written as `1.00`, name cut
/// to 127 bytes, empty fields dropped) and signed: what the merchant server
/// hands to a page that has no KEY.
pub fn sign_order<'a>(order: &Params<'a>, key: &str) -> Result<Params<'a>> {
    let mut order = validate_order(order, Endpoint::Submit)?;
    let signature = sign(&order, key)?;
    order.set("sign", signature);
    order.set("sign_type", "MD5");
    Ok(order)
}

/// Checks that `params` carry a signature, as they must when the page has
/// no KEY and emits fields signed on the merchant's server.
pub fn require_sign(params: &Params) -> Result<()> {
    if params.get_non_empty("sign").is_none() {
        return Err(Error::invalid(
            "sign",
            "params must carry sign (signed on the merchant server), or pass key to sign them here",
        ));
    }
    Ok(())
}

/// Checks V2 params for the page hand-over, signed on the merchant's
/// server (`EpayClientV2.signOrder`): besides `sign` they must carry the
/// `timestamp` that was signed, which the gateway checks (±300 s).
pub fn require_sign_v2(params: &Params) -> Result<()> {
    require_sign(params)?;
    if params.get_non_empty("timestamp").is_none() {
        return Err(Error::invalid("timestamp", "params must carry timestamp: sign them with EpayClientV2.signOrder"));
    }
    Ok(())
}

/// Appends `text` escaped for a double-quoted HTML attribute: `& < > " '`
/// become entities, and CR becomes `&#13;` (HTML parsers would turn a raw CR
/// into LF). Every `&` is escaped, so `&notify_url` can never become
/// `¬ify_url`.
pub fn escape_html_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

/// V1's page hand-over endpoint.
pub const SUBMIT_PHP: &str = "submit.php";
/// V2's page hand-over endpoint.
pub const V2_SUBMIT: &str = "api/pay/submit";

/// [`submit_form_to`] the gateway's `submit.php`.
pub fn submit_form(gateway: &Gateway, params: &Params) -> Result<String> {
    submit_form_to(gateway, SUBMIT_PHP, params)
}

/// A complete HTML snippet that posts `params` to the gateway's `endpoint`
/// (`submit.php`, or V2's `api/pay/submit`): one hidden input per field
/// (empty ones left out), a visible submit button inside `<noscript>`, and
/// an inline script that submits the form at once. Fails on a NUL
/// character, which HTML cannot carry.
pub fn submit_form_to(gateway: &Gateway, endpoint: &str, params: &Params) -> Result<String> {
    let mut html = String::with_capacity(256 + 64 * params.len());
    html.push_str(r#"<form method="post" accept-charset="utf-8" action=""#);
    escape_html_into(&mut html, &gateway.endpoint(endpoint));
    html.push_str("\">\n");
    for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
        if v.contains('\0') {
            return Err(Error::invalid(k, [k, " contains a NUL character"].concat()));
        }
        html.push_str(r#"<input type="hidden" name=""#);
        escape_html_into(&mut html, k);
        html.push_str(r#"" value=""#);
        escape_html_into(&mut html, v);
        html.push_str("\">\n");
    }
    html.push_str(concat!(
        "<noscript><button type=\"submit\">Continue to payment</button></noscript>\n",
        "</form>\n",
        // A field named "submit" would shadow form.submit: call the prototype's.
        "<script>HTMLFormElement.prototype.submit.call(document.currentScript.previousElementSibling)</script>",
    ));
    Ok(html)
}

/// [`pay_url_to`] the gateway's `submit.php`.
pub fn pay_url(gateway: &Gateway, params: &Params) -> String {
    pay_url_to(gateway, SUBMIT_PHP, params)
}

/// A GET link to the gateway's `endpoint` carrying `params` (empty ones
/// left out), percent-encoded like `encodeURIComponent`.
pub fn pay_url_to(gateway: &Gateway, endpoint: &str, params: &Params) -> String {
    let query = encode_query(params.iter().filter(|(_, v)| !v.is_empty()));
    [&gateway.endpoint(endpoint), "?", &query].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gw() -> Gateway {
        Gateway::parse("https://pay.example/").unwrap()
    }

    #[test]
    fn form_escapes_every_attribute() {
        let p = Params::from_pairs([("name", r#""><script>alert(1)</script>&notify_url=x ¬ 'q'"#), ("sign", "s")]).unwrap();
        let html = submit_form(&gw(), &p).unwrap();
        assert!(html.starts_with(r#"<form method="post" accept-charset="utf-8" action="https://pay.example/submit.php">"#));
        assert!(html.contains(
            r#"<input type="hidden" name="name" value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;notify_url=x ¬ &#39;q&#39;">"#
        ));
        assert_eq!(html.matches("<script>").count(), 1, "only our own script");
        assert!(html.contains("<noscript><button type=\"submit\">"));
    }

    #[test]
    fn form_refuses_nul_and_skips_empty() {
        let p = Params::from_pairs([("name", "a\0b")]).unwrap();
        assert_eq!(submit_form(&gw(), &p).unwrap_err().field.as_deref(), Some("name"));
        let p = Params::from_pairs([("param", ""), ("pid", "1")]).unwrap();
        assert!(!submit_form(&gw(), &p).unwrap().contains("param"));
    }

    #[test]
    fn v2_hand_over_needs_sign_and_timestamp() {
        let field = |pairs: &[(&str, &str)]| {
            require_sign_v2(&Params::from_pairs(pairs.iter().copied()).unwrap()).err().map(|e| e.field.clone())
        };
        assert_eq!(field(&[("sign", "c2ln"), ("timestamp", "1796193661")]), None);
        assert_eq!(field(&[("sign", "c2ln"), ("timestamp", "")]), Some(Some("timestamp".into())));
        assert_eq!(field(&[("timestamp", "1796193661")]), Some(Some("sign".into())));
    }

    #[test]
    fn pay_url_is_percent_encoded() {
        let p = Params::from_pairs([("name", "VIP会员 &x=1"), ("pid", "1005"), ("param", "")]).unwrap();
        assert_eq!(
            pay_url(&gw(), &p),
            "https://pay.example/submit.php?name=VIP%E4%BC%9A%E5%91%98%20%26x%3D1&pid=1005"
        );
    }

    #[test]
    fn unsigned_params_are_refused_without_key() {
        let p = Params::from_pairs([("pid", "1")]).unwrap();
        assert_eq!(require_sign(&p).unwrap_err().field.as_deref(), Some("sign"));
    }
}
