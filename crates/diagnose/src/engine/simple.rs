//! What the rules for one error family share: an applier or receiver failure of the class, the
//! standard facts and citations, a cause, one repair step done by a person, then the restart of
//! the stopped thread with its precondition and check. A rule supplies only its words.

use super::meta::RuleMeta;
use super::plans;
use super::sql::Dialect;
use super::{Context, Output};
use crate::finding::{Confidence, Finding, Severity};
use crate::plan::{Check, Expect, Plan, RiskLevel, Step, Target};
use crate::text::Text;

/// The words of a rule for an error family.
#[derive(Debug)]
pub struct ErrorRule {
    /// The rule's declaration: its class and references.
    pub meta: &'static RuleMeta,
    /// One line: what is wrong (`{table}` is replaced by the table, when known).
    pub title: Text,
    pub cause: Text,
    /// What a person must do before the thread can be restarted.
    pub repair: Text,
    pub repair_why: Text,
}

impl ErrorRule {
    fn title_for(&self, table: Option<&str>) -> Text {
        let table = table.unwrap_or("a table");
        Text::new(
            self.title.en.replace("{table}", table),
            self.title.zh.replace("{table}", table),
        )
    }

    /// Reports every applier failure of the class.
    pub fn check_applier(&self, context: &Context<'_>, output: &mut Output) {
        for (view, failure) in context.applier_failures(self.meta.class) {
            let table = failure.find(|m| m.table().map(|t| t.to_string()));
            let mut finding = super::applier::finding(
                view,
                failure,
                self.meta.class,
                self.title_for(table.as_deref()),
            );
            finding.root_cause = self.cause.clone();
            let dialect = Dialect::of(view.server, context.flavor(view.server));
            let mut steps = Vec::new();
            steps.extend(plans::read_failing_event_of(failure));
            steps.push(Step::manual(
                Target::Dba,
                self.repair.clone(),
                self.repair_why.clone(),
            ));
            steps.push(plans::resume_applier(
                &dialect,
                view,
                failure.code(),
                crate::text!(
                    "apply the failing transaction again once the cause is repaired",
                    "原因修复后重新应用失败的事务"
                ),
            ));
            finding.fix = Plan {
                summary: self.repair.clone(),
                steps,
                alternatives: Vec::new(),
                data_loss: None,
            };
            finding.references = self.meta.references();
            output.push(finding);
        }
    }

    /// Reports every receiver failure of the class.
    pub fn check_receiver(&self, context: &Context<'_>, output: &mut Output) {
        for failure in context.receiver_failures(self.meta.class) {
            let mut finding = Finding::new(
                self.meta.class,
                Severity::Critical,
                Confidence::Certain,
                self.title_for(None),
            );
            finding.error_code = failure.errno;
            finding.facts = failure.facts();
            finding.evidence = failure.cited.clone();
            finding.root_cause = self.cause.clone();
            let dialect = Dialect::of(failure.server, context.flavor(failure.server));
            finding.fix = Plan {
                summary: self.repair.clone(),
                steps: vec![
                    Step::manual(Target::Dba, self.repair.clone(), self.repair_why.clone()),
                    Step::sql(
                        Target::Replica,
                        &[&dialect.stop_io_thread(), &dialect.start_io_thread()],
                        crate::text!("reconnect once the cause is repaired", "原因修复后重新连接"),
                        RiskLevel::Low,
                    )
                    .with_precondition(match failure.errno {
                        Some(errno) => Check::sql(
                            crate::text!(
                                "the receiver still fails with error {errno} (nothing else broke since)",
                                "接收线程仍以错误 {errno} 失败（此后没有其他问题）"
                            ),
                            dialect.show_status(),
                            Expect::Column {
                                name: "Last_IO_Errno".to_owned(),
                                value: errno.to_string(),
                            },
                        ),
                        None => Check::sql(
                            crate::text!("the receiver is still not connected", "接收线程仍未连接"),
                            dialect.show_status(),
                            Expect::ColumnIsNot {
                                name: dialect.io_running_column().to_owned(),
                                value: "Yes".to_owned(),
                            },
                        ),
                    })
                    .with_verify(Check::sql(
                        crate::text!("the IO thread is connected", "IO 线程已连接"),
                        dialect.show_status(),
                        Expect::Column {
                            name: dialect.io_running_column().to_owned(),
                            value: "Yes".to_owned(),
                        },
                    )),
                ],
                alternatives: Vec::new(),
                data_loss: None,
            };
            finding.references = self.meta.references();
            output.push(finding);
        }
    }
}
