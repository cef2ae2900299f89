//! Helpers shared by integration tests.
//!
//! Each integration test file that needs them declares `mod common;`; not every
//! file uses every helper, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod journal_summary;
pub mod server;
pub mod tools;
