//! Reconnection: how often a down host is tried again.

use std::fmt;
use std::time::Duration;

/// Makes a schedule of delays for each host that went down.
pub trait ReconnectionPolicy: Send + Sync + fmt::Debug {
    /// A new schedule, started when a host goes down.
    fn new_schedule(&self) -> Box<dyn ReconnectionSchedule>;
}

/// The delays before each reconnection attempt to one host.
pub trait ReconnectionSchedule: Send {
    /// The delay before the next attempt.
    fn next_delay(&mut self) -> Duration;
}
