//! CQL values.
