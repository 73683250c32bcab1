//! The cluster: nodes, ring, clock, system tables and control.
