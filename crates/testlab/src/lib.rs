//! Real MariaDB servers for tests.
