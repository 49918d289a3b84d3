//! A TCP relay on 127.0.0.1 that can stop relaying without closing anything: what a firewall
//! or NAT that silently drops a connection looks like to both ends. Replication through it
//! stalls the way it does in production: the receiver still says `Yes`, nothing arrives; a
//! new connection, as a restarted receiver opens, goes through.

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
    /// How many times relaying was paused: a connection opened before the latest pause holds
    /// its bytes for good.
    paused: Arc<watch::Sender<u64>>,
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
        let paused = Arc::new(watch::Sender::new(0u64));
        let mut tasks = JoinSet::new();
        let relays = paused.clone();
        tasks.spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((client, _)) = listener.accept().await {
                let paused = relays.subscribe();
                let opened_in = *paused.borrow();
                connections.spawn(async move {
                    if let Ok(server) = TcpStream::connect(("127.0.0.1", target)).await {
                        relay(client, server, paused, opened_in).await;
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

    /// Stops relaying on the connections open now: they stay open, their bytes stay where
    /// they are. Connections opened afterwards relay.
    pub fn pause(&self) {
        self.paused.send_modify(|pauses| *pauses += 1);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.tasks.abort_all();
    }
}

/// Copies both ways until either side closes, holding every byte once a pause came after the
/// connection opened (`opened_in` pauses had happened then).
async fn relay(client: TcpStream, server: TcpStream, paused: watch::Receiver<u64>, opened_in: u64) {
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    tokio::select! {
        _ = pipe(client_read, server_write, paused.clone(), opened_in) => {}
        _ = pipe(server_read, client_write, paused, opened_in) => {}
    }
}

async fn pipe(
    mut from: impl AsyncReadExt + Unpin,
    mut to: impl AsyncWriteExt + Unpin,
    mut paused: watch::Receiver<u64>,
    opened_in: u64,
) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let Ok(read) = from.read(&mut buffer).await else {
            return;
        };
        if read == 0
            || paused
                .wait_for(|pauses| *pauses <= opened_in)
                .await
                .is_err()
        {
            return;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}
