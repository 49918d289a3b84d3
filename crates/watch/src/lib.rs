//! Watching a fleet of replicas.
//!
//! Periodic collection and diagnosis of every configured replica, Prometheus metrics, a web page
//! with history, and alerts when a finding appears or clears.
