//! Carrying out fix plans safely.
//!
//! A plan is a list of typed steps, each with the server it runs on, a precondition and a check
//! afterwards. Execution is a dry run unless the caller asks to apply; when applying, every
//! precondition is checked again right before its step, and every change is journaled.
