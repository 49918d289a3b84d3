//! A replica and its source read again and again over sessions kept open, as `repldoctor
//! watch` does. Each poll reads what a collection reads, with one sample; the previous poll's
//! sample stands in as the first of the two the rules compare, so consecutive polls show what a
//! collection's two samples show (positions moving, errors current or stale), over the real
//! time between them.

use std::time::{Duration, Instant};

use evidence::bundle::{Capture, Collection, Gap, SliceEntry, StatementEntry};
use evidence::model::Role;
use session::dsn::Endpoint;
use session::{ConnectError, Session};

use super::recorder::Recorder;
use super::slice::{self, FailedTransaction};
use super::{
    CollectOptions, ReplicaRead, ServerRead, SourceRead, add_slice_and_rows, assemble, finish,
    named_source, read_logs, read_once, read_sample,
};

/// How long the rows and events read for one failing transaction are reused while the replica
/// stays stopped on it, before they are read again.
const FAILURE_READ_REUSED_FOR: Duration = Duration::from_secs(60);

/// A replica (and its source) polled over sessions kept between polls.
#[derive(Debug)]
pub struct Poller {
    replica: Endpoint,
    source: Option<Endpoint>,
    options: CollectOptions,
    replica_session: Option<Recorder>,
    source_session: Option<Recorder>,
    previous: Option<Previous>,
    failure: Option<FailureRead>,
}

/// The sampled statements of the last poll.
#[derive(Debug)]
struct Previous {
    at: Instant,
    captures: Vec<Capture>,
    statements: Vec<StatementEntry>,
}

/// What was read about the transaction the replica's applier failed on: its events, the rows
/// it met, and what could not be read.
#[derive(Debug)]
struct FailureRead {
    failed: FailedTransaction,
    read_at: Instant,
    slice_entry: Option<SliceEntry>,
    slice: Option<Vec<u8>>,
    captures: Vec<Capture>,
    gaps: Vec<Gap>,
}

impl Poller {
    /// A poller of `replica` and, when given, `source`; nothing is connected until the first
    /// poll. With `options.follow_source`, the source the replica's status names is read when
    /// none is given.
    pub fn new(replica: Endpoint, source: Option<Endpoint>, options: CollectOptions) -> Self {
        Poller {
            replica,
            source,
            options,
            replica_session: None,
            source_session: None,
            previous: None,
            failure: None,
        }
    }

    /// The replica polled.
    pub fn replica(&self) -> &Endpoint {
        &self.replica
    }

    /// Reads both servers once. Fails only when the replica cannot be reached; its sessions
    /// are then dropped and the next poll logs in again.
    pub async fn poll(&mut self) -> Result<Collection, ConnectError> {
        let started = Instant::now();
        let collected_at = jiff::Timestamp::now();
        let timeouts = self.options.timeouts();
        if self.replica_session.is_none() {
            self.previous = None;
            let session = Session::connect(&self.replica, "replica", timeouts).await?;
            self.replica_session = Some(Recorder::new(session, Role::Replica, &self.options));
        }
        let sample = usize::from(self.previous.is_some());
        let options = &self.options;
        let replica_session = self.replica_session.as_mut().expect("connected above");
        let (replica_read, source_read) = match &self.source {
            Some(source) => {
                let read_source = read_source(&mut self.source_session, source, options, sample);
                tokio::join!(read_side(replica_session, options, sample), read_source)
            }
            None => {
                let replica_read = read_side(replica_session, options, sample).await;
                let named = named_source(
                    &replica_read.record.captures,
                    sample,
                    replica_session.endpoint(),
                );
                let source_read = match named {
                    Some(named) if options.follow_source => {
                        read_source(&mut self.source_session, &named, options, sample).await
                    }
                    named => SourceRead::NotRead {
                        given: false,
                        named: named.map(|n| n.to_string()),
                    },
                };
                (replica_read, source_read)
            }
        };
        let identified = replica_read
            .record
            .captures
            .iter()
            .any(|c| c.statement == dialect::catalogue::IDENTIFY.sql);
        if !identified {
            // The replica went away during the poll: say so rather than diagnose its gaps.
            let reason = replica_read
                .record
                .gaps
                .first()
                .map_or_else(|| "no answer".to_owned(), |gap| gap.reason.clone());
            self.close().await;
            return Err(ConnectError {
                role: "replica".into(),
                server: self.replica.to_string(),
                reason,
            });
        }
        let replica_session = self.replica_session.as_ref().expect("connected above");
        let replica_label = replica_session.label.clone();
        let (replica_read, source_read) = self.with_previous(replica_read, source_read, sample);
        let replica = ReplicaRead {
            endpoint: &self.replica,
            label: replica_label.clone(),
            identity: replica_session.session().identity().clone(),
            tls: replica_session.session().tls().map(ToString::to_string),
            read: replica_read,
        };
        let (mut collection, replica_variables, source_reached) =
            assemble(replica, source_read, &self.options, collected_at);
        if let Some(previous) = &self.previous {
            collection.manifest.options.interval_seconds =
                started.duration_since(previous.at).as_secs_f64();
        }
        self.previous = Some(Previous {
            at: started,
            captures: collection
                .captures
                .iter()
                .filter(|c| c.sample == Some(sample))
                .cloned()
                .collect(),
            statements: collection
                .manifest
                .statements
                .iter()
                .filter(|s| s.sample == Some(sample))
                .cloned()
                .collect(),
        });
        let failed = collection
            .evidence()
            .server(Some(&replica_label))
            .and_then(slice::failed_transaction);
        match (failed, self.failure.take()) {
            (Some(failed), Some(known))
                if known.failed == failed && known.read_at.elapsed() < FAILURE_READ_REUSED_FOR =>
            {
                collection.manifest.binlog_slice = known.slice_entry.clone();
                collection.binlog_slice = known.slice.clone();
                collection.captures.extend(known.captures.iter().cloned());
                collection.manifest.gaps.extend(known.gaps.iter().cloned());
                self.failure = Some(known);
            }
            (Some(failed), _) => {
                let (captures, gaps) = (collection.captures.len(), collection.manifest.gaps.len());
                let source = source_reached.as_ref();
                let replica = (&self.replica, replica_label.as_str(), &replica_variables);
                add_slice_and_rows(&mut collection, replica, source, &self.options).await;
                self.failure = Some(FailureRead {
                    failed,
                    read_at: Instant::now(),
                    slice_entry: collection.manifest.binlog_slice.clone(),
                    slice: collection.binlog_slice.clone(),
                    captures: collection.captures[captures..].to_vec(),
                    gaps: collection.manifest.gaps[gaps..].to_vec(),
                });
            }
            (None, _) => {}
        }
        finish(
            &mut collection,
            &self.replica,
            source_reached.as_ref().map(|(endpoint, _, _)| endpoint),
            started,
        );
        Ok(collection)
    }

    /// Puts the previous poll's sample of each server before this poll's, as sample 0.
    fn with_previous(
        &self,
        mut replica: ServerRead,
        mut source: SourceRead,
        sample: usize,
    ) -> (ServerRead, SourceRead) {
        let Some(previous) = self.previous.as_ref().filter(|_| sample == 1) else {
            return (replica, source);
        };
        let add = |read: &mut ServerRead| {
            let Some(label) = read.record.captures.first().map(|c| c.server.clone()) else {
                return;
            };
            let earlier = previous.captures.iter().filter(|c| c.server == label);
            let earlier: Vec<Capture> = earlier
                .map(|c| Capture {
                    sample: Some(0),
                    ..c.clone()
                })
                .collect();
            read.record.captures.splice(0..0, earlier);
            let statements = previous.statements.iter().filter(|s| s.server == label);
            let statements: Vec<StatementEntry> = statements
                .map(|s| StatementEntry {
                    sample: Some(0),
                    ..s.clone()
                })
                .collect();
            read.record.statements.splice(0..0, statements);
        };
        add(&mut replica);
        if let SourceRead::Read { read, .. } = &mut source {
            add(read);
        }
        (replica, source)
    }

    /// Forgets both sessions without a word to the servers (a poll cut short left them in an
    /// unknown state, and a hung server would not answer a goodbye); the next poll logs in again.
    pub fn reset(&mut self) {
        self.replica_session = None;
        self.source_session = None;
        self.previous = None;
        self.failure = None;
    }

    /// Ends both sessions; the next poll logs in again.
    pub async fn close(&mut self) {
        for mut recorder in [self.replica_session.take(), self.source_session.take()]
            .into_iter()
            .flatten()
        {
            recorder.close().await;
        }
        self.previous = None;
    }
}

/// One server's poll: what is read once per reading, one sample, its logs.
async fn read_side(recorder: &mut Recorder, options: &CollectOptions, sample: usize) -> ServerRead {
    let mut read = ServerRead::default();
    let plan = read_once(recorder, &mut read).await;
    read_sample(recorder, &plan, sample).await;
    read.files = read_logs(recorder, &read.variables, options);
    read.record = std::mem::take(&mut recorder.record);
    read
}

/// Reads the source over the session kept in `session`, logging in first when there is none.
async fn read_source(
    session: &mut Option<Recorder>,
    endpoint: &Endpoint,
    options: &CollectOptions,
    sample: usize,
) -> SourceRead {
    let same_source = session
        .as_ref()
        .is_some_and(|recorder| recorder.endpoint() == endpoint);
    if !same_source {
        if let Some(mut old) = session.take() {
            old.close().await;
        }
        match Session::connect(endpoint, "source", options.timeouts()).await {
            Ok(connected) => *session = Some(Recorder::new(connected, Role::Source, options)),
            Err(err) => {
                return SourceRead::Unreachable {
                    endpoint: endpoint.clone(),
                    reason: err.reason,
                };
            }
        }
    }
    let recorder = session.as_mut().expect("connected above");
    let read = read_side(recorder, options, sample).await;
    let reached = read
        .record
        .captures
        .iter()
        .any(|c| c.statement == dialect::catalogue::IDENTIFY.sql);
    if !reached {
        let reason = read
            .record
            .gaps
            .first()
            .map_or_else(|| "no answer".to_owned(), |gap| gap.reason.clone());
        if let Some(mut old) = session.take() {
            old.close().await;
        }
        return SourceRead::Unreachable {
            endpoint: endpoint.clone(),
            reason,
        };
    }
    SourceRead::Read {
        endpoint: endpoint.clone(),
        identity: recorder.session().identity().clone(),
        tls: recorder.session().tls().map(ToString::to_string),
        read: Box::new(read),
    }
}
