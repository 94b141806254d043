//! The client's address, the one place that decides it: the connection's peer, or, when the peer
//! is one of `TRUSTED_PROXIES`, the nearest address in `X-Forwarded-For` that is not a trusted
//! proxy. A client that is not behind a trusted proxy cannot choose its address with a header.
//! Used wherever an address is recorded or limited: the login throttle, the agreement
//! signature's evidence, anonymous profile views and rate limits.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::net::{IpAddr, SocketAddr};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use ipnet::IpNet;

use crate::state::AppState;

const FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address (none when the connection has no peer address, as in some tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    pub fn of(req: &HttpRequest) -> Self {
        let trusted = req
            .app_data::<web::Data<AppState>>()
            .map(|state| state.settings.trusted_proxies.as_slice())
            .unwrap_or_default();
        let forwarded: Vec<&str> = req
            .headers()
            .get_all(FORWARDED_FOR)
            .filter_map(|value| value.to_str().ok())
            .collect();
        Self(client_ip(
            req.peer_addr().map(|addr| addr.ip()),
            &forwarded,
            trusted,
        ))
    }

    /// The address as text (empty when unknown).
    pub fn text(self) -> String {
        self.0.map(|ip| ip.to_string()).unwrap_or_default()
    }
}

impl FromRequest for ClientIp {
    type Error = Infallible;
    type Future = Ready<Result<Self, Infallible>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self::of(req)))
    }
}

/// Walks `X-Forwarded-For` (every header line, in order) from the nearest hop back while the
/// hop is a trusted proxy; the first one that is not is the client. An entry that is not an
/// address stops the walk at the last trusted hop.
pub fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: &[&str],
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer?;
    if !is_trusted(&client) {
        return Some(client);
    }
    let hops = forwarded_for
        .iter()
        .flat_map(|line| line.split(','))
        .map(str::trim)
        .rev();
    for hop in hops {
        let Some(ip) = parse_hop(hop) else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    Some(client)
}

/// `203.0.113.7`, `2001:db8::1`, `[2001:db8::1]:4711` or `203.0.113.7:4711`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|addr| addr.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|net| net.parse().unwrap()).collect()
    }

    #[test]
    fn a_header_is_believed_only_from_a_trusted_proxy() {
        let proxies = nets(&["10.0.0.0/8"]);
        // Straight from the internet: the header is the client's own word, ignored.
        assert_eq!(
            client_ip(Some(ip("198.51.100.9")), &["1.2.3.4"], &proxies),
            Some(ip("198.51.100.9"))
        );
        // Through our proxy: the address it saw.
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), &["198.51.100.9"], &proxies),
            Some(ip("198.51.100.9"))
        );
        // A client that sends its own header through the proxy cannot pick its address.
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), &["1.2.3.4, 198.51.100.9"], &proxies),
            Some(ip("198.51.100.9"))
        );
        // Two proxies of ours, over two header lines.
        assert_eq!(
            client_ip(
                Some(ip("10.0.0.2")),
                &["198.51.100.9", "10.0.0.7"],
                &proxies
            ),
            Some(ip("198.51.100.9"))
        );
        // Nothing trusted configured: always the peer.
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), &["198.51.100.9"], &[]),
            Some(ip("10.0.0.2"))
        );
    }

    #[test]
    fn odd_headers_stop_at_the_last_trusted_hop() {
        let proxies = nets(&["10.0.0.0/8", "::1/128"]);
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), &["unknown"], &proxies),
            Some(ip("10.0.0.2"))
        );
        assert_eq!(
            client_ip(Some(ip("::1")), &["[2001:db8::7]:4711"], &proxies),
            Some(ip("2001:db8::7"))
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), &["10.0.0.3"], &proxies),
            Some(ip("10.0.0.3")),
            "every hop trusted: the farthest"
        );
        assert_eq!(client_ip(None, &["1.2.3.4"], &proxies), None);
    }
}
