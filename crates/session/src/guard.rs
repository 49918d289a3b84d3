//! The login guard: every TCP login goes through it, on a loopback port of our own.
//!
//! mysql_async answers a caching_sha2_password "full authentication" request on a plain TCP
//! connection by asking the server for its RSA key and encrypting the password under whatever
//! key comes back, so whoever answers at the address can read the password; it has no option
//! to refuse. The guard reads the server's greeting first (so the session knows whether TLS is
//! on offer before it chooses), then watches only the MySQL packet framing (3-byte length,
//! sequence id) of the login and cuts both connections before the password could leave: when
//! the server asks for the password itself (`0x01 0x04`, or a switch to sha256_password) and
//! the user allowed no server key, when the key the server sends is not the pinned one, or when
//! the server switches to mysql_clear_password. Once the client asks for TLS (TLS takes over)
//! or the server accepts the login, it copies bytes blindly.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// CLIENT_SSL in the capability flags: the server offers TLS, or the client asks for it.
const CLIENT_SSL: u32 = 0x0800;
/// Login packets are small (a greeting, a handshake response, a PEM key); a bigger one is not a
/// login.
const MAX_LOGIN_PACKET: usize = 64 << 10;

pub(crate) const FULL_AUTH_REFUSED: &str = "the server asked for the password itself on a \
connection that is neither TLS nor a Unix socket (caching_sha2_password full authentication); \
nothing was sent. Use --ssl-mode=REQUIRED, or --get-server-public-key or \
--server-public-key-path FILE to send it encrypted under the server's RSA key";
pub(crate) const SHA256_REFUSED: &str = "the server asked for sha256_password authentication \
on a connection that is neither TLS nor a Unix socket; nothing was sent. Use \
--ssl-mode=REQUIRED, or --get-server-public-key or --server-public-key-path FILE";
pub(crate) const CLEARTEXT_REFUSED: &str = "the server asked for the password in clear text \
(mysql_clear_password); refused";
pub(crate) const KEY_MISMATCH: &str = "the RSA public key the server sent is not the one in \
--server-public-key-path; the password was not sent";
const OVERSIZED: &str = "the server or the driver sent an oversized packet during the login";

/// Which server keys the password may be encrypted under.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyRules {
    /// `--get-server-public-key`: whatever key the server sends.
    pub any_key: bool,
    /// `--server-public-key-path`: only this one (PEM text).
    pub pinned: Option<Vec<u8>>,
}

impl KeyRules {
    fn allows_a_key(&self) -> bool {
        self.any_key || self.pinned.is_some()
    }
}

/// A guard listening for the driver on 127.0.0.1, already connected to the server.
#[derive(Debug)]
pub(crate) struct Guard {
    /// The loopback port the driver connects to instead of the server.
    pub port: u16,
    /// The server's greeting has CLIENT_SSL.
    pub offers_tls: bool,
    refusal: Arc<Mutex<Option<&'static str>>>,
}

impl Guard {
    /// Connects to the server, reads its greeting and waits (at most `accept_within`) for the
    /// driver on a loopback port.
    pub async fn open(
        host: &str,
        port: u16,
        rules: KeyRules,
        accept_within: Duration,
    ) -> io::Result<Guard> {
        let mut server = TcpStream::connect((host, port)).await?;
        server.set_nodelay(true)?;
        let greeting = read_packet(&mut server).await?;
        let offers_tls = offers_tls(&greeting[4..]);
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let local_port = listener.local_addr()?.port();
        let refusal = Arc::new(Mutex::new(None));
        let verdict = Arc::clone(&refusal);
        tokio::spawn(async move {
            let Ok(Ok((mut client, _))) =
                tokio::time::timeout(accept_within, listener.accept()).await
            else {
                return;
            };
            drop(listener);
            let _ = client.set_nodelay(true);
            if client.write_all(&greeting).await.is_err() {
                return;
            }
            let mut login = Login {
                rules,
                first_client_packet: true,
                key_expected: false,
            };
            match login.watch(&mut client, &mut server).await {
                Ok(Watch::Done) => {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
                Ok(Watch::Refused(reason)) => {
                    if let Ok(mut slot) = verdict.lock() {
                        *slot = Some(reason);
                    }
                }
                Ok(Watch::Closed) | Err(_) => {}
            }
            // Both connections close here, after the reason was stored: the driver sees its
            // connection end only once the session can tell why.
        });
        Ok(Guard {
            port: local_port,
            offers_tls,
            refusal,
        })
    }

    /// Why the guard cut the login, if it did.
    pub fn refusal(&self) -> Option<&'static str> {
        self.refusal.lock().ok().and_then(|slot| *slot)
    }
}

enum Watch {
    /// The login is over (accepted, refused by the server, or TLS took over): copy blindly.
    Done,
    Refused(&'static str),
    Closed,
}

enum Verdict {
    Pass,
    /// Pass this packet, then everything blindly.
    Done,
    Refuse(&'static str),
}

struct Login {
    rules: KeyRules,
    first_client_packet: bool,
    /// The server was allowed to ask for the full password: its next `0x01` packet is its key.
    key_expected: bool,
}

impl Login {
    async fn watch(&mut self, client: &mut TcpStream, server: &mut TcpStream) -> io::Result<Watch> {
        let (mut client_read, mut client_write) = client.split();
        let (mut server_read, mut server_write) = server.split();
        let mut from_client = Vec::with_capacity(4096);
        let mut from_server = Vec::with_capacity(4096);
        loop {
            tokio::select! {
                read = client_read.read_buf(&mut from_client) => if read? == 0 {
                    return Ok(Watch::Closed);
                },
                read = server_read.read_buf(&mut from_server) => if read? == 0 {
                    return Ok(Watch::Closed);
                },
            }
            loop {
                let packet = match take_packet(&mut from_client) {
                    Err(reason) => return Ok(Watch::Refused(reason)),
                    Ok(None) => break,
                    Ok(Some(packet)) => packet,
                };
                match self.client_packet(&packet[4..]) {
                    Verdict::Refuse(reason) => return Ok(Watch::Refused(reason)),
                    Verdict::Pass => server_write.write_all(&packet).await?,
                    Verdict::Done => {
                        server_write.write_all(&packet).await?;
                        server_write.write_all(&from_client).await?;
                        client_write.write_all(&from_server).await?;
                        return Ok(Watch::Done);
                    }
                }
            }
            loop {
                let packet = match take_packet(&mut from_server) {
                    Err(reason) => return Ok(Watch::Refused(reason)),
                    Ok(None) => break,
                    Ok(Some(packet)) => packet,
                };
                match self.server_packet(&packet[4..]) {
                    Verdict::Refuse(reason) => return Ok(Watch::Refused(reason)),
                    Verdict::Pass => client_write.write_all(&packet).await?,
                    Verdict::Done => {
                        client_write.write_all(&packet).await?;
                        client_write.write_all(&from_server).await?;
                        server_write.write_all(&from_client).await?;
                        return Ok(Watch::Done);
                    }
                }
            }
        }
    }

    fn client_packet(&mut self, payload: &[u8]) -> Verdict {
        if std::mem::take(&mut self.first_client_packet) {
            // An SSL request is the 32-byte head of a handshake response, with CLIENT_SSL.
            let ssl_request = payload.len() == 32 && capabilities(payload) & CLIENT_SSL != 0;
            return if ssl_request {
                Verdict::Done
            } else {
                Verdict::Pass
            };
        }
        // 0x02 asks for the caching_sha2_password key, 0x01 for the sha256_password key.
        let asks_for_key = payload == [0x02] || payload == [0x01];
        if asks_for_key && !self.rules.allows_a_key() {
            return Verdict::Refuse(FULL_AUTH_REFUSED);
        }
        Verdict::Pass
    }

    fn server_packet(&mut self, payload: &[u8]) -> Verdict {
        match payload.first() {
            Some(0x00 | 0xff) => Verdict::Done,
            Some(0xfe) => {
                let plugin = payload[1..].split(|b| *b == 0).next().unwrap_or_default();
                match plugin {
                    b"mysql_clear_password" => Verdict::Refuse(CLEARTEXT_REFUSED),
                    b"sha256_password" if !self.rules.allows_a_key() => {
                        Verdict::Refuse(SHA256_REFUSED)
                    }
                    b"sha256_password" => {
                        self.key_expected = true;
                        Verdict::Pass
                    }
                    _ => Verdict::Pass,
                }
            }
            Some(0x01) if payload.get(1) == Some(&0x04) && !self.key_expected => {
                if self.rules.allows_a_key() {
                    self.key_expected = true;
                    Verdict::Pass
                } else {
                    Verdict::Refuse(FULL_AUTH_REFUSED)
                }
            }
            Some(0x01) if std::mem::take(&mut self.key_expected) => match &self.rules.pinned {
                Some(pinned) if pem_text(&payload[1..]) != pem_text(pinned) => {
                    Verdict::Refuse(KEY_MISMATCH)
                }
                _ => Verdict::Pass,
            },
            _ => Verdict::Pass,
        }
    }
}

/// A PEM key with the whitespace and padding that do not change it removed.
fn pem_text(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace() && *b != 0)
        .collect()
}

/// The 4-byte capability flags a greeting or handshake response starts with (response), or
/// carries after the version and scramble (greeting); 0 when the packet is too short.
fn capabilities(payload: &[u8]) -> u32 {
    payload
        .get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .unwrap_or(0)
}

/// Whether a greeting (protocol 10: version, NUL, id, 8 scramble bytes, filler, flags) has
/// CLIENT_SSL. An error packet in its place (too many connections, host blocked) offers
/// nothing.
fn offers_tls(greeting: &[u8]) -> bool {
    if greeting.first() != Some(&10) {
        return false;
    }
    let Some(version_end) = greeting[1..].iter().position(|b| *b == 0) else {
        return false;
    };
    let flags_at = 1 + version_end + 1 + 4 + 8 + 1;
    greeting
        .get(flags_at..flags_at + 2)
        .is_some_and(|b| u16::from_le_bytes([b[0], b[1]]) as u32 & CLIENT_SSL != 0)
}

/// Removes one whole packet (header and payload) from the front of `buffer`, if it holds one.
fn take_packet(buffer: &mut Vec<u8>) -> Result<Option<Vec<u8>>, &'static str> {
    let Some(header) = buffer.get(..4) else {
        return Ok(None);
    };
    let length =
        usize::from(header[0]) | usize::from(header[1]) << 8 | usize::from(header[2]) << 16;
    if length > MAX_LOGIN_PACKET {
        return Err(OVERSIZED);
    }
    if buffer.len() < 4 + length {
        return Ok(None);
    }
    Ok(Some(buffer.drain(..4 + length).collect()))
}

/// Reads one whole packet, header included.
async fn read_packet(stream: &mut (impl AsyncRead + Unpin)) -> io::Result<Vec<u8>> {
    let mut packet = vec![0; 4];
    stream.read_exact(&mut packet).await?;
    let length =
        usize::from(packet[0]) | usize::from(packet[1]) << 8 | usize::from(packet[2]) << 16;
    if length > MAX_LOGIN_PACKET {
        return Err(io::Error::new(io::ErrorKind::InvalidData, OVERSIZED));
    }
    packet.resize(4 + length, 0);
    stream.read_exact(&mut packet[4..]).await?;
    Ok(packet)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(rules: KeyRules) -> Login {
        Login {
            rules,
            first_client_packet: false,
            key_expected: false,
        }
    }

    #[test]
    fn full_authentication_is_refused_unless_a_key_is_allowed() {
        let mut strict = login(KeyRules::default());
        assert!(matches!(
            strict.server_packet(&[0x01, 0x04]),
            Verdict::Refuse(FULL_AUTH_REFUSED)
        ));
        assert!(matches!(
            strict.client_packet(&[0x02]),
            Verdict::Refuse(FULL_AUTH_REFUSED)
        ));
        let mut fetching = login(KeyRules {
            any_key: true,
            pinned: None,
        });
        assert!(matches!(
            fetching.server_packet(&[0x01, 0x04]),
            Verdict::Pass
        ));
        assert!(matches!(fetching.client_packet(&[0x02]), Verdict::Pass));
        assert!(matches!(
            fetching.server_packet(b"\x01-----KEY"),
            Verdict::Pass
        ));
    }

    #[test]
    fn a_pinned_key_must_match() {
        let pinned = b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n".to_vec();
        let mut pinning = login(KeyRules {
            any_key: false,
            pinned: Some(pinned),
        });
        assert!(matches!(
            pinning.server_packet(&[0x01, 0x04]),
            Verdict::Pass
        ));
        assert!(matches!(
            pinning.server_packet(
                b"\x01-----BEGIN PUBLIC KEY-----\r\nBBBB\r\n-----END PUBLIC KEY-----"
            ),
            Verdict::Refuse(KEY_MISMATCH)
        ));
        pinning.key_expected = true;
        assert!(matches!(
            pinning.server_packet(
                b"\x01-----BEGIN PUBLIC KEY-----\r\nAAAA\r\n-----END PUBLIC KEY-----\0"
            ),
            Verdict::Pass
        ));
    }

    #[test]
    fn cleartext_is_refused_and_ssl_requests_end_the_watch() {
        let mut any = login(KeyRules {
            any_key: true,
            pinned: None,
        });
        assert!(matches!(
            any.server_packet(b"\xfemysql_clear_password\0"),
            Verdict::Refuse(CLEARTEXT_REFUSED)
        ));
        let mut first = Login {
            first_client_packet: true,
            ..login(KeyRules::default())
        };
        let mut ssl_request = vec![0u8; 32];
        ssl_request[1] = 0x08;
        assert!(matches!(first.client_packet(&ssl_request), Verdict::Done));
    }

    #[test]
    fn greeting_flags_are_found() {
        let mut greeting = vec![10];
        greeting.extend_from_slice(b"10.11.6-MariaDB\0");
        greeting.extend_from_slice(&[1, 0, 0, 0]);
        greeting.extend_from_slice(&[0; 9]);
        greeting.extend_from_slice(&(0xf7ffu16 | 0x0800).to_le_bytes());
        assert!(offers_tls(&greeting));
        let last = greeting.len() - 1;
        greeting[last - 1] = 0xff;
        greeting[last] = 0xf7;
        assert!(!offers_tls(&greeting));
        assert!(!offers_tls(b"\xff\x10\x04Too many connections"));
    }
}
