//! A small SMTP server on 127.0.0.1 that accepts every message and records it: enough of
//! RFC 5321 (EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT) for a real
//! client to deliver to it.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One message as received.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The message (headers and body) as sent after DATA.
    pub data: String,
}

impl ReceivedMail {
    pub fn parsed(&self) -> mailparse::ParsedMail<'_> {
        mailparse::parse_mail(self.data.as_bytes()).expect("a well-formed message")
    }

    pub fn header(&self, name: &str) -> Option<String> {
        use mailparse::MailHeaderMap as _;
        self.parsed().headers.get_first_value(name)
    }

    /// The decoded body of the part of this MIME type (`text/plain`, `text/html`).
    pub fn part(&self, mime: &str) -> Option<String> {
        fn find(part: &mailparse::ParsedMail<'_>, mime: &str) -> Option<String> {
            if part.ctype.mimetype == mime {
                return part.get_body().ok();
            }
            part.subparts.iter().find_map(|sub| find(sub, mime))
        }
        find(&self.parsed(), mime)
    }
}

#[derive(Clone)]
pub struct FakeSmtp {
    pub url: String,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
}

impl FakeSmtp {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = Arc::clone(&received);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(session(socket, Arc::clone(&store)));
            }
        });
        Self { url, received }
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.received.lock().unwrap().clone()
    }

    /// Messages addressed to `address`.
    pub fn received_by(&self, address: &str) -> Vec<ReceivedMail> {
        self.received()
            .into_iter()
            .filter(|mail| mail.to.iter().any(|to| to == address))
            .collect()
    }
}

/// `MAIL FROM:<a@b>` -> `a@b`.
fn address(argument: &str) -> String {
    let start = argument.find('<').map_or(0, |i| i + 1);
    let end = argument.find('>').unwrap_or(argument.len());
    argument[start..end].to_owned()
}

async fn reply(writer: &mut tokio::net::tcp::OwnedWriteHalf, text: &str) -> bool {
    writer.write_all(text.as_bytes()).await.is_ok()
}

async fn session(socket: TcpStream, store: Arc<Mutex<Vec<ReceivedMail>>>) {
    let (reader, mut writer) = socket.into_split();
    let mut lines = BufReader::new(reader).lines();
    if !reply(&mut writer, "220 fake-smtp ESMTP ready\r\n").await {
        return;
    }
    let (mut from, mut to) = (String::new(), Vec::new());
    while let Ok(Some(line)) = lines.next_line().await {
        let upper = line.to_ascii_uppercase();
        let answer = if upper.starts_with("EHLO") {
            "250-fake-smtp\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n".to_owned()
        } else if upper.starts_with("HELO") {
            "250 fake-smtp\r\n".to_owned()
        } else if upper.starts_with("MAIL FROM:") {
            from = address(&line[10..]);
            "250 OK\r\n".to_owned()
        } else if upper.starts_with("RCPT TO:") {
            to.push(address(&line[8..]));
            "250 OK\r\n".to_owned()
        } else if upper == "DATA" {
            if !reply(&mut writer, "354 end with <CRLF>.<CRLF>\r\n").await {
                return;
            }
            let mut data = String::new();
            while let Ok(Some(line)) = lines.next_line().await {
                if line == "." {
                    break;
                }
                // Dot-stuffing: a line starting with "." was sent with one more.
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
                data.push_str("\r\n");
            }
            store.lock().unwrap().push(ReceivedMail {
                from: std::mem::take(&mut from),
                to: std::mem::take(&mut to),
                data,
            });
            "250 OK: queued\r\n".to_owned()
        } else if upper.starts_with("RSET") {
            from.clear();
            to.clear();
            "250 OK\r\n".to_owned()
        } else if upper.starts_with("NOOP") {
            "250 OK\r\n".to_owned()
        } else if upper.starts_with("QUIT") {
            let _ = reply(&mut writer, "221 bye\r\n").await;
            return;
        } else {
            "502 command not implemented\r\n".to_owned()
        };
        if !reply(&mut writer, &answer).await {
            return;
        }
    }
}
