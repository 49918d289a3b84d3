use evidence::model::ThreadRunning;

use crate::engine::meta::{ErrorClaim, RuleMeta};
use crate::engine::simple::ErrorRule;
use crate::engine::{ChannelView, Context, Output, Rule};
use crate::finding::{Cited, Confidence, Finding, Severity};
use crate::plan::{Plan, Step, Target};
use crate::{Class, Text, text};

/// ## What it detects
/// The receiver cannot connect or log in to the source: 1045 access denied, 2003 / 2005 / 2013 /
/// 2026 / 2061 network, TLS and authentication-plugin errors, 1130 host not allowed; or a
/// receiver that says `Connecting` with no error recorded yet (it has not connected, and retries).
///
/// ## Why it happens
/// The replication account's password or grants changed, the source's address or port changed, a
/// firewall drops the connection, TLS is required on one side only, or MySQL 8's
/// `caching_sha2_password` needs TLS or `GET_MASTER_PUBLIC_KEY=1`.
///
/// ## How to fix
/// Test the login from the replica host with the same account (`mysql -h SOURCE -u repl -p`),
/// repair the password, grants (`REPLICATION SLAVE`), network or TLS settings, then `START SLAVE
/// IO_THREAD`.
///
/// ## References
/// - MySQL manual: Troubleshooting replication:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-problems.html>
#[derive(Debug)]
pub struct ConnectionFailed;

static META: RuleMeta = RuleMeta {
    class: Class::ConnectionFailed,
    errors: &[ErrorClaim::receiver(&[
        1045, 2003, 2005, 2013, 2026, 2061, 1130,
    ])],
    references: &[(
        "MySQL manual: Troubleshooting replication",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-problems.html",
    )],
};

impl Rule for ConnectionFailed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        ErrorRule {
            meta: &META,
            title: Text::new(
                "The replica cannot connect to its source",
                "从库无法连接主库",
            ),
            cause: Text::new(
                "The replica's IO thread cannot reach or log in to the source: the account's password or grants changed, the address or port changed, the network drops the connection, or TLS / authentication plugins do not match.",
                "从库的 IO 线程无法连接或登录主库：账号密码或权限被修改、地址或端口变化、网络断开连接，或 TLS / 认证插件不匹配。",
            ),
            repair: Text::new(
                "log in from the replica host with the replication account (mysql -h SOURCE -u USER -p) and repair what fails: password, REPLICATION SLAVE grant, network, TLS or GET_MASTER_PUBLIC_KEY",
                "在从库主机上用复制账号登录主库（mysql -h SOURCE -u USER -p），修复失败之处：密码、REPLICATION SLAVE 权限、网络、TLS 或 GET_MASTER_PUBLIC_KEY",
            ),
            repair_why: Text::new(
                "the IO thread retries with the same settings and fails the same way",
                "IO 线程会以相同设置重试并以相同方式失败",
            ),
        }
        .check_receiver(context, output);
        for view in &context.channels {
            let connecting = view.status.replica_io_running == Some(ThreadRunning::Connecting);
            if connecting && view.receiver_failure.is_none() {
                output.push(still_connecting(view));
            }
        }
    }
}

/// `Slave_IO_Running: Connecting` and no error: the receiver has not connected and retries
/// every `Connect_Retry` seconds; its next error, once recorded, says why.
fn still_connecting(view: &ChannelView<'_>) -> Finding {
    let status = view.status;
    let source = status
        .source_host
        .as_deref()
        .map(|host| format!(" to {host}:{}", status.source_port.unwrap_or(3306)))
        .unwrap_or_default();
    let mut finding = Finding::new(
        META.class,
        Severity::Warning,
        Confidence::Medium,
        text!(
            "The receiver is still connecting{source} and has not connected",
            "接收线程仍在连接{source}，尚未连上"
        ),
    );
    finding.facts.server = view.server_label();
    finding.facts.channel = Some(status.channel_name.clone());
    finding.evidence.push(Cited {
        server: view.server_label(),
        source: format!("replica status ({})", status.origin),
        quote: "Slave_IO_Running: Connecting".to_owned(),
    });
    finding.root_cause = text!(
        "The IO thread is trying to reach or log in to the source and has not succeeded; no \
         error is recorded yet (it retries every Connect_Retry seconds). A wrong address or \
         port, a firewall, a changed password or grant, or a TLS requirement keeps it there.",
        "IO 线程正在尝试连接或登录主库但尚未成功；暂未记录错误（每隔 Connect_Retry 秒重试）。\
         地址或端口错误、防火墙、密码或权限变更、TLS 要求都会使它停在这里。"
    );
    finding.fix = Plan {
        summary: text!(
            "find out why the replica cannot reach its source",
            "查明从库为何连不上主库"
        ),
        steps: vec![Step::manual(
            Target::ReplicaHost,
            text!(
                "log in from the replica host with the replication account (mysql -h SOURCE -P PORT -u USER -p), and read Last_IO_Error once it is set",
                "在从库主机上用复制账号登录主库（mysql -h SOURCE -P PORT -u USER -p），并在 Last_IO_Error 出现后查看它"
            ),
            text!(
                "the failed login says what to repair",
                "登录失败的信息说明需要修复什么"
            ),
        )],
        alternatives: Vec::new(),
        data_loss: None,
    };
    finding.references = META.references();
    finding
}
