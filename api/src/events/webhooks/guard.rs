//! Where webhooks may go. An endpoint is an `https` URL on the public internet: never this
//! machine, a private or link-local network, a multicast address or a cloud metadata service
//! (server-side request forgery). The URL is checked when it is set, and every delivery checks
//! the addresses its host resolves to at connect time, so a name that later resolves to a
//! private address (DNS rebinding) still reaches nothing. With `WEBHOOK_ALLOW_LOOPBACK` (never
//! in production), `http` and `https` endpoints on this machine are accepted too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// What an endpoint URL may point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    pub allow_loopback: bool,
}

impl Reach {
    /// Whether a delivery may connect to `ip`.
    pub fn allows(self, ip: IpAddr) -> bool {
        is_public(ip) || (self.allow_loopback && ip.is_loopback())
    }

    /// Checks an endpoint URL as its owner sets it; the message says what is wrong.
    pub fn check_url(self, text: &str) -> Result<Url, String> {
        let url = Url::parse(text.trim()).map_err(|error| format!("is not a URL ({error})"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not carry a user name or password".into());
        }
        let host = url.host_str().unwrap_or_default();
        if host.is_empty() {
            return Err("must name a host".into());
        }
        let literal = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .ok();
        let on_this_machine = host.eq_ignore_ascii_case("localhost")
            || host.to_ascii_lowercase().ends_with(".localhost")
            || literal.is_some_and(|ip| ip.is_loopback());
        match url.scheme() {
            "https" => {}
            "http" if self.allow_loopback && on_this_machine => {}
            "http" => return Err("must be https".into()),
            _ => return Err("must be an https URL".into()),
        }
        if on_this_machine && !self.allow_loopback {
            return Err("must not point at this machine".into());
        }
        if let Some(ip) = literal
            && !self.allows(ip)
        {
            return Err("must be a public address, not a private or reserved one".into());
        }
        Ok(url)
    }
}

/// Whether `ip` is on the public internet: not loopback, private, shared, link-local
/// (cloud metadata lives at 169.254.169.254), multicast, broadcast, documentation,
/// benchmarking or reserved space, nor an IPv6 form of one of those.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24.
        || (a == 192 && b == 0 && c == 0)
        // Benchmarking, 198.18.0.0/15.
        || (a == 198 && (b == 18 || b == 19))
        // Reserved, 240.0.0.0/4.
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local, fc00::/7.
        || (first & 0xfe00) == 0xfc00
        // Link-local, fe80::/10.
        || (first & 0xffc0) == 0xfe80
        // Documentation, 2001:db8::/32.
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        // Site-local (deprecated), fec0::/10.
        || (first & 0xffc0) == 0xfec0
        // IPv4-compatible forms, and the local-use NAT64 prefix 64:ff9b:1::/48.
        || ip.segments()[..6].iter().all(|s| *s == 0)
        || (first == 0x64 && ip.segments()[1] == 0xff9b && ip.segments()[2] == 1)
        // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach IPv4 space: judged by the IPv4 rules.
        || (ip.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
            && !is_public_v4(embedded_v4(ip.segments()[6], ip.segments()[7])))
        || (first == 0x2002 && !is_public_v4(embedded_v4(ip.segments()[1], ip.segments()[2]))))
}

/// The IPv4 address held by two 16-bit groups of an IPv6 address.
fn embedded_v4(high: u16, low: u16) -> Ipv4Addr {
    Ipv4Addr::from((u32::from(high) << 16) | u32::from(low))
}

/// The resolver webhook deliveries connect through: the system's answer, less every address
/// the [`Reach`] does not allow. A host with none left fails to connect.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver(pub Reach);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let reach = self.0;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|address| reach.allows(address.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLIC: Reach = Reach {
        allow_loopback: false,
    };
    const DEVELOPMENT: Reach = Reach {
        allow_loopback: true,
    };

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "198.18.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::a9fe:a9fe",
            "2002:a9fe:a9fe::1",
            "2002:0a00:0001::1",
            "fec0::1",
            "2001:db8::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "2002:0808:0808::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn endpoint_urls_are_https_on_the_public_internet() {
        assert!(PUBLIC.check_url("https://crm.example.com/hooks").is_ok());
        for refused in [
            "http://crm.example.com/hooks",
            "ftp://crm.example.com/hooks",
            "https://user:pass@crm.example.com/hooks",
            "https://localhost/hooks",
            "https://127.0.0.1/hooks",
            "https://[::1]/hooks",
            "https://10.0.0.5/hooks",
            "https://169.254.169.254/latest/meta-data",
            "not a url",
        ] {
            assert!(PUBLIC.check_url(refused).is_err(), "{refused}");
        }
        // Development: this machine too, over http as well, but still nothing private.
        assert!(DEVELOPMENT.check_url("http://127.0.0.1:9000/hooks").is_ok());
        assert!(DEVELOPMENT.check_url("http://localhost:9000/hooks").is_ok());
        assert!(
            DEVELOPMENT
                .check_url("http://crm.example.com/hooks")
                .is_err()
        );
        assert!(DEVELOPMENT.check_url("https://10.0.0.5/hooks").is_err());
    }

    #[tokio::test]
    async fn a_name_resolving_to_this_machine_reaches_nothing() {
        let resolve = |reach| async move {
            GuardedResolver(reach)
                .resolve("localhost".parse().unwrap())
                .await
                .map(Iterator::count)
        };
        assert!(resolve(PUBLIC).await.is_err());
        assert!(resolve(DEVELOPMENT).await.unwrap() >= 1);
    }
}
