//! Derive macros for `cqlengine`.
//!
//! Not written yet: this crate is a placeholder in the workspace so that its
//! layout is fixed.
