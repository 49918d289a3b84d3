//! A set of instances and the replication between them.

use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::error::LabError;
use crate::server::{REPLICATION_PASSWORD, REPLICATION_USER, Server, ServerConfig, copy_dir};
use crate::status::SlaveStatus;
use crate::template;

/// How long waits for replication states last before a test fails.
pub const WAIT_TIMEOUT: Duration = Duration::from_secs(30);

/// What every instance of a lab is started with.
#[derive(Debug, Clone, Default)]
pub struct LabOptions {
    /// `slave_parallel_threads`; 0 applies serially in the SQL thread.
    pub parallel_threads: u32,
    /// `slave_parallel_mode`: conservative, optimistic, aggressive, minimal, none.
    pub parallel_mode: Option<String>,
    /// More `name=value` option-file lines, e.g. `innodb-lock-wait-timeout=1`. Kept in the
    /// option file because `SET GLOBAL slave_parallel_*` is lost when a server restarts.
    pub extra: Vec<String>,
}

/// How a replica connects to its source.
#[derive(Debug, Clone, Default)]
pub struct ReplicationOptions {
    /// `MASTER_DELAY` in seconds.
    pub delay: Option<u32>,
    /// Connect to this port instead of the source's own: a [`crate::Proxy`] in between.
    pub port: Option<u16>,
}

/// Running instances; dropping the lab stops them all by pid and removes their files.
#[derive(Debug)]
pub struct Lab {
    // Declared before `dir` so the servers stop before their files are removed.
    servers: Vec<Server>,
    dir: tempfile::TempDir,
}

impl Lab {
    /// Starts `count` instances with server ids 1..=count, none replicating yet.
    pub async fn start(count: usize, options: &LabOptions) -> Result<Self, LabError> {
        let template = template::data_dir().await?;
        // Under /tmp so socket paths stay well below the 107-byte limit.
        let dir = tempfile::Builder::new()
            .prefix("rdlab-")
            .tempdir_in("/tmp")
            .map_err(|err| LabError::io("creating the lab directory in /tmp", err))?;
        let mut launches = JoinSet::new();
        for index in 0..count {
            let instance_dir = dir.path().join(format!("s{}", index + 1));
            std::fs::create_dir_all(&instance_dir)
                .map_err(|err| LabError::io(format!("creating {}", instance_dir.display()), err))?;
            copy_dir(&template, &instance_dir.join("data"))?;
            let config = ServerConfig {
                name: format!("s{}", index + 1),
                dir: instance_dir,
                server_id: index as u32 + 1,
                binlog: true,
                extra: instance_options(options),
            };
            launches.spawn(async move { (index, Server::launch(config).await) });
        }
        let mut started: Vec<(usize, Server)> = Vec::with_capacity(count);
        let mut first_error = None;
        while let Some(joined) = launches.join_next().await {
            match joined {
                Ok((index, Ok(server))) => started.push((index, server)),
                Ok((_, Err(err))) => first_error = first_error.or(Some(err)),
                Err(panic) => std::panic::resume_unwind(panic.into_panic()),
            }
        }
        if let Some(err) = first_error {
            // `started` is dropped here, which stops the instances that did start.
            return Err(err);
        }
        started.sort_by_key(|(index, _)| *index);
        Ok(Self {
            servers: started.into_iter().map(|(_, server)| server).collect(),
            dir,
        })
    }

    /// Instance 0 is the primary, instance 1 replicates from it.
    pub async fn primary_replica(options: &LabOptions) -> Result<Self, LabError> {
        let lab = Self::start(2, options).await?;
        lab.replicate(1, 0, &ReplicationOptions::default()).await?;
        Ok(lab)
    }

    /// Two instances replicating from each other (both primaries, same GTID domain).
    pub async fn dual_primary(options: &LabOptions) -> Result<Self, LabError> {
        let lab = Self::start(2, options).await?;
        lab.replicate(1, 0, &ReplicationOptions::default()).await?;
        lab.replicate(0, 1, &ReplicationOptions::default()).await?;
        Ok(lab)
    }

    pub fn server(&self, index: usize) -> &Server {
        &self.servers[index]
    }

    pub fn server_mut(&mut self, index: usize) -> &mut Server {
        &mut self.servers[index]
    }

    pub fn servers(&self) -> &[Server] {
        &self.servers
    }

    /// Where the lab keeps its instances' files.
    pub fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Makes `replica` replicate from `source` with GTIDs (`MASTER_USE_GTID=slave_pos`) and
    /// waits until both replication threads run.
    pub async fn replicate(
        &self,
        replica: usize,
        source: usize,
        options: &ReplicationOptions,
    ) -> Result<(), LabError> {
        let port = options.port.unwrap_or(self.servers[source].port());
        let delay = options
            .delay
            .map(|seconds| format!(", MASTER_DELAY={seconds}"))
            .unwrap_or_default();
        self.servers[replica]
            .exec(&format!(
                "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={port}, \
                 MASTER_USER='{REPLICATION_USER}', MASTER_PASSWORD='{REPLICATION_PASSWORD}', \
                 MASTER_CONNECT_RETRY=1, MASTER_USE_GTID=slave_pos{delay}; START SLAVE"
            ))
            .await?;
        self.wait_status(replica, "both replication threads running", |status| {
            status.io_running() && status.sql_running()
        })
        .await?;
        Ok(())
    }

    /// Waits until `replica` has applied everything `source` has binlogged.
    pub async fn wait_caught_up(&self, replica: usize, source: usize) -> Result<(), LabError> {
        let position = self.servers[source]
            .value("SELECT @@gtid_binlog_pos")
            .await?
            .unwrap_or_default();
        let seconds = WAIT_TIMEOUT.as_secs();
        let waited = self.servers[replica]
            .value(&format!("SELECT MASTER_GTID_WAIT('{position}', {seconds})"))
            .await?;
        match waited.as_deref() {
            Some("0") => Ok(()),
            _ => Err(LabError::Timeout {
                what: format!(
                    "{} to reach {position} of {}",
                    self.servers[replica].name(),
                    self.servers[source].name()
                ),
                seconds,
            }),
        }
    }

    /// Polls the default replication connection of `replica` until `done` holds.
    pub async fn wait_status(
        &self,
        replica: usize,
        what: &str,
        done: impl Fn(&SlaveStatus) -> bool,
    ) -> Result<SlaveStatus, LabError> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.servers[replica].default_channel().await?
                && done(&status)
            {
                return Ok(status);
            }
            if started.elapsed() > WAIT_TIMEOUT {
                return Err(LabError::Timeout {
                    what: format!("{} on {}", what, self.servers[replica].name()),
                    seconds: WAIT_TIMEOUT.as_secs(),
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn instance_options(options: &LabOptions) -> Vec<String> {
    let mut lines = vec![format!(
        "slave-parallel-threads={}",
        options.parallel_threads
    )];
    if let Some(mode) = &options.parallel_mode {
        lines.push(format!("slave-parallel-mode={mode}"));
    }
    lines.extend(options.extra.iter().cloned());
    lines
}
