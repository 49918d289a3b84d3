//! A client that keeps writing to a server in the background, as an application would, until
//! it is stopped: the load under which a comparison or a repair must stay right.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use mysql_async::prelude::Queryable;

use crate::server::Server;

/// Runs `statement(1)`, `statement(2)`, ... on one connection to a server, `pause` apart, on a
/// thread of its own (the test's runtime stays free), until [`Writer::stop`].
#[derive(Debug)]
pub struct Writer {
    stop: Arc<AtomicBool>,
    done: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    /// Starts writing in `database` of `server` as root. A statement that fails ends the test
    /// (the panic surfaces in [`Writer::stop`]).
    pub fn start(
        server: &Server,
        database: &str,
        pause: Duration,
        statement: impl Fn(u64) -> String + Send + 'static,
    ) -> Writer {
        let url = format!("mysql://root@127.0.0.1:{}/{database}", server.port());
        let stop = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicU64::new(0));
        let thread = {
            let (stop, done) = (stop.clone(), done.clone());
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime for the writer");
                runtime.block_on(async move {
                    let mut conn = mysql_async::Conn::from_url(url)
                        .await
                        .expect("the writer's connection");
                    while !stop.load(Ordering::Relaxed) {
                        let n = done.load(Ordering::Relaxed) + 1;
                        let sql = statement(n);
                        conn.query_drop(&sql)
                            .await
                            .unwrap_or_else(|err| panic!("the writer's {sql}: {err}"));
                        done.store(n, Ordering::Relaxed);
                        if !pause.is_zero() {
                            tokio::time::sleep(pause).await;
                        }
                    }
                });
            })
        };
        Writer {
            stop,
            done,
            thread: Some(thread),
        }
    }

    /// Stops writing and returns how many statements ran.
    pub fn stop(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take()
            && let Err(panic) = thread.join()
        {
            std::panic::resume_unwind(panic);
        }
        self.done.load(Ordering::Relaxed)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
