//! What every rule reads: the evidence, organised around the replication channels, with the
//! analysis several rules share done once.

use evidence::model::{
    ChannelStatus, Evidence, Flavor, LockWait, ProcessRow, Role, ServerEvidence, WorkerRow,
};

use super::applier::ApplierFailure;
use super::receiver::ReceiverFailure;

/// One replication channel of one server, with its workers and what changed between samples.
#[derive(Debug)]
pub struct ChannelView<'a> {
    pub server: &'a ServerEvidence,
    pub status: &'a ChannelStatus,
    /// The same channel in the sample before the latest one, when two were taken.
    pub earlier: Option<&'a ChannelStatus>,
    /// Applier worker rows of this channel in the latest sample.
    pub workers: Vec<&'a WorkerRow>,
    /// The server's processlist in the latest sample.
    pub processlist: &'a [ProcessRow],
    pub applier_failure: Option<ApplierFailure<'a>>,
    pub receiver_failure: Option<ReceiverFailure<'a>>,
}

impl<'a> ChannelView<'a> {
    /// The server's label, for facts and citations.
    pub fn server_label(&self) -> Option<String> {
        self.server.label.clone()
    }

    pub fn io_running(&self) -> Option<bool> {
        self.status
            .replica_io_running
            .as_ref()
            .map(|r| r.is_running())
    }

    pub fn sql_running(&self) -> Option<bool> {
        self.status
            .replica_sql_running
            .as_ref()
            .map(|r| r.is_running())
    }

    /// Lock waits of the latest sample in which an applier thread (the SQL thread or a
    /// worker, a `system user` of the processlist) is the one waiting.
    pub fn applier_lock_waits(&self) -> Vec<&'a LockWait> {
        let appliers: Vec<u64> = self
            .processlist
            .iter()
            .filter(|p| p.is_system_user())
            .filter_map(|p| p.id)
            .collect();
        self.server
            .latest_sample()
            .map(|s| {
                s.lock_waits
                    .iter()
                    .filter(|w| w.waiting_thread_id.is_some_and(|id| appliers.contains(&id)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether the applier moved between the two samples; `None` with one sample.
    pub fn applier_moved(&self) -> Option<bool> {
        let earlier = self.earlier?;
        let before = (&earlier.relay_source_log_file, earlier.exec_source_log_pos);
        let now = (
            &self.status.relay_source_log_file,
            self.status.exec_source_log_pos,
        );
        if before.1.is_none() || now.1.is_none() {
            return None;
        }
        Some(before != now || earlier.gtid_replica_pos != self.status.gtid_replica_pos)
    }
}

/// The evidence with the shared analysis done.
#[derive(Debug)]
pub struct Context<'a> {
    pub evidence: &'a Evidence,
    pub channels: Vec<ChannelView<'a>>,
}

impl<'a> Context<'a> {
    pub fn new(evidence: &'a Evidence) -> Self {
        let mut channels = Vec::new();
        for server in &evidence.servers {
            let latest = server.latest_sample();
            let earlier_sample = server
                .samples
                .len()
                .checked_sub(2)
                .and_then(|i| server.samples.get(i));
            let server_channels = latest.map_or(&[][..], |s| s.channels.as_slice());
            for (status, latest) in server_channels
                .iter()
                .zip(std::iter::repeat(latest).flatten())
            {
                let name = status.channel_name.as_str();
                let workers: Vec<&WorkerRow> = latest
                    .workers
                    .iter()
                    .filter(|w| w.channel_name == name)
                    .collect();
                let mut view = ChannelView {
                    server,
                    status,
                    earlier: earlier_sample.and_then(|s| s.channel(name)),
                    workers,
                    processlist: &latest.processlist,
                    applier_failure: None,
                    receiver_failure: None,
                };
                view.applier_failure = ApplierFailure::of_channel(&view);
                view.receiver_failure = ReceiverFailure::of_channel(&view);
                channels.push(view);
            }
        }
        Self { evidence, channels }
    }

    /// The server's flavor: as identified, else from MariaDB-only channel columns.
    pub fn flavor(&self, server: &ServerEvidence) -> Option<Flavor> {
        server.identity.flavor.or_else(|| {
            let mariadb_columns = server.channels().iter().any(|c| {
                c.using_gtid.is_some() || c.gtid_io_pos.is_some() || c.gtid_replica_pos.is_some()
            });
            mariadb_columns.then_some(Flavor::Mariadb)
        })
    }

    /// The source of `replica`: the one server with the source role, else, when the evidence
    /// holds exactly two servers, the other one.
    pub fn source_of(&self, replica: &ServerEvidence) -> Option<&'a ServerEvidence> {
        let others: Vec<&ServerEvidence> = self
            .evidence
            .servers
            .iter()
            .filter(|s| !std::ptr::eq(*s, replica))
            .collect();
        let sources: Vec<&&ServerEvidence> = others
            .iter()
            .filter(|s| matches!(s.role, Some(Role::Source | Role::SourceAndReplica)))
            .collect();
        match (sources.as_slice(), others.as_slice()) {
            ([only], _) => Some(only),
            (_, [only]) => Some(only),
            _ => None,
        }
    }

    /// Servers replicating from each other: two servers that both have channels, or that the
    /// DBA marked as both source and replica.
    pub fn is_dual_primary(&self) -> bool {
        let replicating = self
            .evidence
            .servers
            .iter()
            .filter(|s| !s.channels().is_empty() || s.role == Some(Role::SourceAndReplica))
            .count();
        replicating >= 2 && self.evidence.servers.len() == 2
    }
}

impl<'a> Context<'a> {
    /// The channels whose applier failure belongs to `class`.
    pub fn applier_failures(
        &self,
        class: crate::class::Class,
    ) -> impl Iterator<Item = (&ChannelView<'a>, &ApplierFailure<'a>)> {
        self.channels.iter().filter_map(move |view| {
            let failure = view.applier_failure.as_ref()?;
            let source = self.source_of(view.server);
            (super::classify::applier_class(failure, view, source) == class)
                .then_some((view, failure))
        })
    }

    /// The receiver failures, from channel status or error logs, that belong to `class`.
    pub fn receiver_failures(
        &self,
        class: crate::class::Class,
    ) -> impl Iterator<Item = &ReceiverFailure<'a>> {
        self.channels
            .iter()
            .filter_map(|view| view.receiver_failure.as_ref())
            .filter(move |failure| super::classify::receiver_class(failure) == class)
    }

    /// Each replica with its source, when the evidence says which server that is.
    pub fn replica_source_pairs(
        &self,
    ) -> impl Iterator<Item = (&'a ServerEvidence, &'a ServerEvidence)> + '_ {
        self.replicas()
            .filter_map(|replica| Some((replica, self.source_of(replica)?)))
    }

    /// The servers that replicate: those with a channel or the replica role.
    pub fn replicas(&self) -> impl Iterator<Item = &'a ServerEvidence> {
        self.evidence.replicas()
    }
}

impl<'a> Context<'a> {
    /// Servers that act as a source: marked so, or the source of a replica in the evidence.
    pub fn sources(&self) -> Vec<&'a ServerEvidence> {
        let mut sources: Vec<&'a ServerEvidence> = self
            .evidence
            .servers
            .iter()
            .filter(|s| matches!(s.role, Some(Role::Source | Role::SourceAndReplica)))
            .collect();
        for replica in self.replicas() {
            if let Some(source) = self.source_of(replica)
                && !sources.iter().any(|s| std::ptr::eq(*s, source))
            {
                sources.push(source);
            }
        }
        sources
    }

    /// Cites one variable of a server.
    pub fn cite_variable(&self, server: &ServerEvidence, name: &str) -> Option<crate::Cited> {
        let value = server.variables.values.get(name)?;
        Some(crate::Cited {
            server: server.label.clone(),
            source: format!("variables ({})", value.origin),
            quote: format!("{name} = {}", value.value),
        })
    }
}
