use crate::engine::meta::{ErrorClaim, RuleMeta};
use crate::engine::simple::ErrorRule;
use crate::engine::{Context, Output, Rule};
use crate::{Class, Text};

/// ## What it detects
/// The receiver cannot connect or log in to the source: 1045 access denied, 2003 / 2005 / 2013 /
/// 2026 / 2061 network, TLS and authentication-plugin errors, 1130 host not allowed.
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
    }
}
