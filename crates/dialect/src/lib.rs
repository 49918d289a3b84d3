//! How to speak to each MySQL and MariaDB release, without talking to any.
//!
//! - [`Version`]: the one parser of a server's `@@version` (flavor, release, the `5.5.5-` prefix
//!   some MariaDB builds print for old clients) and [`Fork`] from `@@version_comment`.
//! - [`Dialect`]: the replication statements spelled as that release understands them (MySQL
//!   8.0.22 renamed SLAVE to REPLICA, 8.2.0 renamed the MASTER statements, 8.4 removed the old
//!   names; MariaDB keeps them), with the release where each name appeared or went away.
//! - [`catalogue`]: every statement repldoctor sends to a server, each with the privilege it
//!   needs. A newcomer looking for "what does repldoctor run on my server" reads that file.
//!
//! Pure: no I/O. The live session (`crates/session`), the collector and the diagnosis's fix
//! plans all spell statements through this crate.

pub mod catalogue;
mod names;
mod version;

pub use catalogue::{Item, Privilege, Statement};
pub use names::{Dialect, Thread, identifier, qualified_table, quote};
pub use version::{Flavor, Fork, Version};
