//! Consistency levels (`[consistency]`, spec §3).

use std::fmt;

use crate::error::DecodeError;
use crate::wire::Reader;

/// A consistency level, as carried by QUERY, EXECUTE, BATCH and several errors.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Consistency {
    /// ANY (0x0000): writes only; a hint is enough.
    Any,
    /// ONE (0x0001).
    One,
    /// TWO (0x0002).
    Two,
    /// THREE (0x0003).
    Three,
    /// QUORUM (0x0004).
    Quorum,
    /// ALL (0x0005).
    All,
    /// LOCAL_QUORUM (0x0006).
    LocalQuorum,
    /// EACH_QUORUM (0x0007).
    EachQuorum,
    /// SERIAL (0x0008): for the Paxos phase of lightweight transactions.
    Serial,
    /// LOCAL_SERIAL (0x0009).
    LocalSerial,
    /// LOCAL_ONE (0x000A).
    LocalOne,
}

impl Consistency {
    /// Every level, in code order.
    pub const ALL: [Consistency; 11] = [
        Consistency::Any,
        Consistency::One,
        Consistency::Two,
        Consistency::Three,
        Consistency::Quorum,
        Consistency::All,
        Consistency::LocalQuorum,
        Consistency::EachQuorum,
        Consistency::Serial,
        Consistency::LocalSerial,
        Consistency::LocalOne,
    ];

    /// The wire code.
    pub fn code(self) -> u16 {
        match self {
            Consistency::Any => 0x0000,
            Consistency::One => 0x0001,
            Consistency::Two => 0x0002,
            Consistency::Three => 0x0003,
            Consistency::Quorum => 0x0004,
            Consistency::All => 0x0005,
            Consistency::LocalQuorum => 0x0006,
            Consistency::EachQuorum => 0x0007,
            Consistency::Serial => 0x0008,
            Consistency::LocalSerial => 0x0009,
            Consistency::LocalOne => 0x000A,
        }
    }

    /// The level for a wire code, if there is one.
    pub fn from_code(code: u16) -> Option<Self> {
        Consistency::ALL.get(usize::from(code)).copied()
    }

    /// The name Cassandra uses, e.g. `"LOCAL_QUORUM"`.
    pub fn name(self) -> &'static str {
        match self {
            Consistency::Any => "ANY",
            Consistency::One => "ONE",
            Consistency::Two => "TWO",
            Consistency::Three => "THREE",
            Consistency::Quorum => "QUORUM",
            Consistency::All => "ALL",
            Consistency::LocalQuorum => "LOCAL_QUORUM",
            Consistency::EachQuorum => "EACH_QUORUM",
            Consistency::Serial => "SERIAL",
            Consistency::LocalSerial => "LOCAL_SERIAL",
            Consistency::LocalOne => "LOCAL_ONE",
        }
    }

    /// Whether this is SERIAL or LOCAL_SERIAL.
    pub fn is_serial(self) -> bool {
        matches!(self, Consistency::Serial | Consistency::LocalSerial)
    }

    /// Whether the level only involves the local data center.
    pub fn is_dc_local(self) -> bool {
        matches!(
            self,
            Consistency::LocalQuorum | Consistency::LocalSerial | Consistency::LocalOne
        )
    }

    /// Reads a `[consistency]`.
    pub fn read(reader: &mut Reader, context: &'static str) -> Result<Self, DecodeError> {
        let offset = reader.position();
        let code = reader.read_u16(context)?;
        Consistency::from_code(code).ok_or(DecodeError::UnknownCode {
            what: "consistency",
            code: code.into(),
            offset,
        })
    }
}

impl fmt::Display for Consistency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn codes_match_the_spec() {
        let expected = [
            (Consistency::Any, 0x0000, "ANY"),
            (Consistency::One, 0x0001, "ONE"),
            (Consistency::Two, 0x0002, "TWO"),
            (Consistency::Three, 0x0003, "THREE"),
            (Consistency::Quorum, 0x0004, "QUORUM"),
            (Consistency::All, 0x0005, "ALL"),
            (Consistency::LocalQuorum, 0x0006, "LOCAL_QUORUM"),
            (Consistency::EachQuorum, 0x0007, "EACH_QUORUM"),
            (Consistency::Serial, 0x0008, "SERIAL"),
            (Consistency::LocalSerial, 0x0009, "LOCAL_SERIAL"),
            (Consistency::LocalOne, 0x000A, "LOCAL_ONE"),
        ];
        for (c, code, name) in expected {
            assert_eq!(c.code(), code);
            assert_eq!(Consistency::from_code(code), Some(c));
            assert_eq!(c.name(), name);
        }
        assert_eq!(Consistency::from_code(0x0010), None);
    }

    #[test]
    fn unknown_code_is_typed() {
        let mut r = Reader::new(Bytes::from_static(&[0x00, 0x0b]));
        assert_eq!(
            Consistency::read(&mut r, "consistency"),
            Err(DecodeError::UnknownCode {
                what: "consistency",
                code: 0x0b,
                offset: 0
            })
        );
    }
}
