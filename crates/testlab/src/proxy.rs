//! A TCP relay on 127.0.0.1 that can stop relaying without closing anything: what a firewall
//! or NAT that silently drops a connection looks like to both ends. Replication through it
//! stalls the way it does in production: the receiver still says `Yes`, nothing arrives.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::error::LabError;

/// Relays connections to `127.0.0.1:target`; dropping it closes every connection.
#[derive(Debug)]
pub struct Proxy {
    port: u16,
    paused: Arc<watch::Sender<bool>>,
    tasks: JoinSet<()>,
}

impl Proxy {
    pub async fn start(target: u16) -> Result<Self, LabError> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|err| LabError::io("binding the proxy's port", err))?;
        let port = listener
            .local_addr()
            .map_err(|err| LabError::io("reading the proxy's port", err))?
            .port();
        let paused = Arc::new(watch::Sender::new(false));
        let mut tasks = JoinSet::new();
        let relays = paused.clone();
        tasks.spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((client, _)) = listener.accept().await {
                let paused = relays.subscribe();
                connections.spawn(async move {
                    if let Ok(server) = TcpStream::connect(("127.0.0.1", target)).await {
                        relay(client, server, paused).await;
                    }
                });
            }
        });
        Ok(Self {
            port,
            paused,
            tasks,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops relaying: connections stay open, bytes stay where they are.
    pub fn pause(&self) {
        self.paused.send_replace(true);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.tasks.abort_all();
    }
}

/// Copies both ways until either side closes, holding every byte while paused.
async fn relay(client: TcpStream, server: TcpStream, paused: watch::Receiver<bool>) {
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    tokio::select! {
        _ = pipe(client_read, server_write, paused.clone()) => {}
        _ = pipe(server_read, client_write, paused) => {}
    }
}

async fn pipe(
    mut from: impl AsyncReadExt + Unpin,
    mut to: impl AsyncWriteExt + Unpin,
    mut paused: watch::Receiver<bool>,
) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let Ok(read) = from.read(&mut buffer).await else {
            return;
        };
        if read == 0 || paused.wait_for(|p| !*p).await.is_err() {
            return;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}
