use std::collections::BTreeMap;

/// One row of `SHOW ALL SLAVES STATUS` (MariaDB), by column name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlaveStatus {
    pub fields: BTreeMap<String, Option<String>>,
}

impl SlaveStatus {
    /// The value of a column, `None` for SQL NULL or an absent column.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(|value| value.as_deref())
    }

    fn number(&self, name: &str) -> u64 {
        self.get(name).and_then(|v| v.parse().ok()).unwrap_or(0)
    }

    pub fn connection_name(&self) -> &str {
        self.get("Connection_name").unwrap_or_default()
    }

    pub fn io_running(&self) -> bool {
        self.get("Slave_IO_Running") == Some("Yes")
    }

    pub fn sql_running(&self) -> bool {
        self.get("Slave_SQL_Running") == Some("Yes")
    }

    pub fn sql_errno(&self) -> u64 {
        self.number("Last_SQL_Errno")
    }

    pub fn sql_error(&self) -> &str {
        self.get("Last_SQL_Error").unwrap_or_default()
    }

    pub fn io_errno(&self) -> u64 {
        self.number("Last_IO_Errno")
    }

    pub fn io_error(&self) -> &str {
        self.get("Last_IO_Error").unwrap_or_default()
    }

    /// True once the SQL thread stopped, whatever `Last_SQL_Errno` says (it can be 0 when the
    /// thread stopped on "Query caused different errors on master and slave").
    pub fn sql_stopped(&self) -> bool {
        self.get("Slave_SQL_Running") == Some("No")
    }
}
