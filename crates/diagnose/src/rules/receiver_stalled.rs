use crate::engine::meta::RuleMeta;
use crate::engine::sql::Dialect;
use crate::engine::{ChannelView, Context, Output, Rule};
use crate::finding::{Cited, Confidence, Finding, Severity};
use crate::plan::{Check, Expect, Plan, RiskLevel, Step, Target};
use crate::{Class, text};

/// ## What it detects
/// A receiver that says `Yes` but receives nothing: between two samples its read position did
/// not move while the source's binlog did, or the source already writes a later binlog file
/// than the one the receiver is reading.
///
/// ## Why it happens
/// The TCP connection died without either side noticing (a firewall or NAT dropping idle
/// connections, a network partition), or the source's dump thread was killed; the receiver
/// waits for events until `slave_net_timeout` (default 60 s, 3600 s before 5.7.7) expires.
///
/// ## How to fix
/// Restart the receiver (`STOP SLAVE IO_THREAD; START SLAVE IO_THREAD`): it reconnects from its
/// position. Set `slave_net_timeout` to a minute and `MASTER_HEARTBEAT_PERIOD` below it so a
/// dead connection is noticed.
///
/// ## References
/// - MySQL manual: replica_net_timeout:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-options-replica.html#sysvar_replica_net_timeout>
#[derive(Debug)]
pub struct ReceiverStalled;

static META: RuleMeta = RuleMeta {
    class: Class::ReceiverStalled,
    errors: &[],
    references: &[(
        "MySQL manual: replica_net_timeout",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-options-replica.html#sysvar_replica_net_timeout",
    )],
};

impl Rule for ReceiverStalled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for view in &context.channels {
            if view.io_running() != Some(true) || view.receiver_failure.is_some() {
                continue;
            }
            let Some(source) = context.source_of(view.server) else {
                continue;
            };
            let Some(stall) = Stall::read(view, source) else {
                continue;
            };
            let mut finding = Finding::new(
                META.class,
                Severity::Critical,
                stall.confidence,
                text!(
                    "The receiver says Yes but receives nothing: it reads {file} at {pos} while the source writes {source_file} at {source_pos}",
                    "接收线程显示 Yes 却收不到任何事件：它在读 {file} 的 {pos}，而主库正在写 {source_file} 的 {source_pos}",
                    file = stall.read_file,
                    pos = stall.read_pos,
                    source_file = stall.source_file,
                    source_pos = stall.source_pos
                ),
            );
            finding.facts.server = view.server_label();
            finding.facts.channel = Some(view.status.channel_name.clone());
            finding.facts.source_log_file = Some(stall.read_file.clone());
            finding.facts.set("read_source_log_pos", stall.read_pos);
            finding
                .facts
                .set("source_binlog_file", stall.source_file.clone());
            finding.facts.set("source_binlog_pos", stall.source_pos);
            finding.evidence = stall.cited;
            finding.root_cause = text!(
                "The connection to the source is dead but neither side has noticed (a firewall \
                 or NAT dropping idle connections, a killed dump thread): the receiver keeps \
                 waiting for events until slave_net_timeout expires.",
                "与主库的连接已断开但双方都未察觉（防火墙或 NAT 丢弃空闲连接、dump 线程被终止）：\
                 接收线程会一直等待事件，直到 slave_net_timeout 超时。"
            );
            let dialect = Dialect::of(view.server, context.flavor(view.server));
            let (file_column, position_column) = dialect.receiver_position_columns();
            let still_at = |name: &str, value: String| {
                Check::sql(
                    text!(
                        "the receiver still reads {file} at {pos}: nothing arrived since",
                        "接收线程仍停在 {file} 的 {pos}：此后没有收到任何内容",
                        file = stall.read_file,
                        pos = stall.read_pos
                    ),
                    dialect.show_status(),
                    Expect::Column {
                        name: name.to_owned(),
                        value,
                    },
                )
            };
            finding.fix = Plan {
                summary: text!(
                    "reconnect the receiver, then detect dead connections sooner",
                    "重连接收线程，并让其更早发现断开的连接"
                ),
                steps: vec![
                    Step::sql(
                        Target::Replica,
                        &[&dialect.stop_io_thread(), &dialect.start_io_thread()],
                        text!(
                            "the receiver reconnects on a new connection from the position it reached",
                            "接收线程通过新连接从已到达的位置重新连接"
                        ),
                        RiskLevel::Low,
                    )
                    .with_precondition(still_at(file_column, stall.read_file.clone()))
                    .with_precondition(still_at(position_column, stall.read_pos.to_string()))
                    .with_verify(Check::sql(
                        text!("the receiver runs", "接收线程在运行"),
                        dialect.show_status(),
                        Expect::Column {
                            name: dialect.io_running_column().to_owned(),
                            value: "Yes".to_owned(),
                        },
                    )),
                    Step::manual(
                        Target::Dba,
                        text!(
                            "notice a dead connection within a minute: SET GLOBAL slave_net_timeout = 60 \
                             (and in the option file), with MASTER_HEARTBEAT_PERIOD below it",
                            "一分钟内发现断开的连接：SET GLOBAL slave_net_timeout = 60（并写入配置文件），\
                             并让 MASTER_HEARTBEAT_PERIOD 小于该值"
                        ),
                        text!(
                            "the next silent drop is found in a minute instead of an hour",
                            "下一次静默断连能在一分钟而非一小时内被发现"
                        ),
                    ),
                ],
                alternatives: Vec::new(),
                data_loss: None,
            };
            finding.references = META.references();
            output.push(finding);
        }
    }
}

struct Stall {
    read_file: String,
    read_pos: u64,
    source_file: String,
    source_pos: u64,
    confidence: Confidence,
    cited: Vec<Cited>,
}

impl Stall {
    fn read(view: &ChannelView<'_>, source: &evidence::model::ServerEvidence) -> Option<Self> {
        let status = view.status;
        let read_file = status.source_log_file.clone()?;
        let read_pos = status.read_source_log_pos?;
        let samples: Vec<_> = source
            .samples
            .iter()
            .filter_map(|s| s.binlog_position.as_ref())
            .collect();
        let latest = samples.last()?;
        let source_pos = latest.position?;
        let frozen = view.earlier.is_some_and(|earlier| {
            earlier.source_log_file.as_deref() == Some(read_file.as_str())
                && earlier.read_source_log_pos == Some(read_pos)
        });
        let source_moved = samples.len() >= 2
            && samples.first().map(|p| (&p.file, p.position))
                != Some((&latest.file, latest.position));
        let later_file = file_number(&latest.file) > file_number(&read_file);
        let confidence = if frozen && source_moved {
            Confidence::High
        } else if later_file && (frozen || view.earlier.is_none()) {
            Confidence::Medium
        } else {
            return None;
        };
        let cited = vec![
            Cited {
                server: view.server_label(),
                source: format!(
                    "replica status ({}): Master_Log_File, Read_Master_Log_Pos",
                    status.origin
                ),
                quote: format!("{read_file} {read_pos}"),
            },
            Cited {
                server: source.label.clone(),
                source: format!("SHOW MASTER STATUS ({})", latest.origin),
                quote: format!("{} {}", latest.file, source_pos),
            },
        ];
        Some(Self {
            read_file,
            read_pos,
            source_file: latest.file.clone(),
            source_pos,
            confidence,
            cited,
        })
    }
}

/// The sequence number of a binlog file name (`mysql-bin.000379` → 379).
fn file_number(name: &str) -> Option<u64> {
    name.rsplit('.').next()?.parse().ok()
}
