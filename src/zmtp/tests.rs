//! Two-peer tests.
