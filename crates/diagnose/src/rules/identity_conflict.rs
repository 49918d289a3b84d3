use crate::engine::meta::{Condition, ErrorClaim, RuleMeta};
use crate::engine::simple::ErrorRule;
use crate::engine::{Context, Output, Rule};
use crate::{Class, Text};

/// ## What it detects
/// The receiver stopped because two servers share an identity: 1593 "master and slave have equal
/// MySQL server ids" or equal server UUIDs, or another replica connected with the same server_id.
///
/// ## Why it happens
/// A server was cloned with its configuration and `auto.cnf` (server_uuid), or two replicas got
/// the same `server_id`; the source then drops one replica's dump thread whenever the other
/// connects.
///
/// ## How to fix
/// Give every server a unique `server_id`; remove `auto.cnf` from a cloned datadir so the server
/// generates a new UUID; restart the replica.
///
/// ## References
/// - MySQL manual: server_id:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-options.html#sysvar_server_id>
#[derive(Debug)]
pub struct IdentityConflict;

static META: RuleMeta = RuleMeta {
    class: Class::IdentityConflict,
    errors: &[
        // 1593 is the receiver's generic fatal error: an identity conflict only when the text
        // that would say otherwise is missing (the identity texts are read from the message).
        ErrorClaim::receiver(&[1593]).only_if(Condition::NoMessage),
    ],
    references: &[(
        "MySQL manual: server_id",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-options.html#sysvar_server_id",
    )],
};

impl Rule for IdentityConflict {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        ErrorRule {
            meta: &META,
            title: Text::new(
                "Two servers share a server_id or server_uuid",
                "两台服务器的 server_id 或 server_uuid 相同",
            ),
            cause: Text::new(
                "Two servers of the topology share an identity: a clone kept its configuration and auto.cnf, or two replicas were given the same server_id.",
                "拓扑中两台服务器的标识相同：克隆时保留了配置和 auto.cnf，或两台从库被设置了相同的 server_id。",
            ),
            repair: Text::new(
                "give the replica a unique server_id (and remove auto.cnf from a cloned datadir so it gets a new server_uuid), then restart it",
                "为从库设置唯一的 server_id（克隆的数据目录需删除 auto.cnf 以生成新的 server_uuid），然后重启",
            ),
            repair_why: Text::new(
                "the source refuses or keeps dropping the connection until identities are unique",
                "标识唯一之前主库会拒绝或不断断开连接",
            ),
        }
        .check_receiver(context, output);
    }
}
