//! [`CqlDecimal`]: the `decimal` type, an unscaled varint and a 32-bit scale.

use std::fmt;

use num_bigint::{BigInt, Sign};

/// A CQL `decimal`: the number `unscaled × 10^(-scale)` (spec §6.5).
///
/// Equality is structural, as for Java's `BigDecimal.equals`: `1.0`
/// (unscaled 10, scale 1) and `1.00` (unscaled 100, scale 2) differ.
/// `Display` follows Java's `BigDecimal.toString`, which is what Cassandra
/// prints.
///
/// ```
/// use cql_protocol::value::CqlDecimal;
/// let d = CqlDecimal::new(123.into(), 2);
/// assert_eq!(d.to_string(), "1.23");
/// assert_eq!(CqlDecimal::new(5.into(), -3).to_string(), "5E+3");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct CqlDecimal {
    /// The unscaled value.
    pub unscaled: BigInt,
    /// The power of ten the unscaled value is divided by.
    pub scale: i32,
}

impl CqlDecimal {
    /// The decimal `unscaled × 10^(-scale)`.
    pub fn new(unscaled: BigInt, scale: i32) -> Self {
        CqlDecimal { unscaled, scale }
    }
}

impl fmt::Display for CqlDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.unscaled.magnitude().to_string();
        if self.unscaled.sign() == Sign::Minus {
            f.write_str("-")?;
        }
        let scale = i64::from(self.scale);
        let len = digits.len() as i64;
        let adjusted = -scale + (len - 1);
        if scale == 0 {
            return f.write_str(&digits);
        }
        if scale > 0 && adjusted >= -6 {
            // Plain notation; at most six leading zeros after the point.
            if len > scale {
                let (int, frac) = digits.split_at((len - scale) as usize);
                return write!(f, "{int}.{frac}");
            }
            f.write_str("0.")?;
            for _ in 0..(scale - len) {
                f.write_str("0")?;
            }
            return f.write_str(&digits);
        }
        // Scientific notation: one digit before the point.
        let (first, rest) = digits.split_at(1);
        f.write_str(first)?;
        if !rest.is_empty() {
            write!(f, ".{rest}")?;
        }
        if adjusted != 0 {
            if adjusted > 0 {
                write!(f, "E+{adjusted}")?;
            } else {
                write!(f, "E{adjusted}")?;
            }
        }
        Ok(())
    }
}

#[cfg(feature = "bigdecimal")]
mod bigdecimal_impls {
    use super::CqlDecimal;
    use crate::value::ValueError;
    use bigdecimal::BigDecimal;

    impl From<CqlDecimal> for BigDecimal {
        fn from(d: CqlDecimal) -> Self {
            BigDecimal::new(d.unscaled, i64::from(d.scale))
        }
    }

    impl From<&CqlDecimal> for BigDecimal {
        fn from(d: &CqlDecimal) -> Self {
            BigDecimal::new(d.unscaled.clone(), i64::from(d.scale))
        }
    }

    impl TryFrom<BigDecimal> for CqlDecimal {
        type Error = ValueError;

        /// Fails with [`ValueError::DecimalScaleOutOfRange`] if the scale
        /// does not fit in an `i32`.
        fn try_from(d: BigDecimal) -> Result<Self, Self::Error> {
            let (unscaled, scale) = d.into_bigint_and_exponent();
            let scale =
                i32::try_from(scale).map_err(|_| ValueError::DecimalScaleOutOfRange { scale })?;
            Ok(CqlDecimal { unscaled, scale })
        }
    }

    impl TryFrom<&BigDecimal> for CqlDecimal {
        type Error = ValueError;

        /// Fails with [`ValueError::DecimalScaleOutOfRange`] if the scale
        /// does not fit in an `i32`.
        fn try_from(d: &BigDecimal) -> Result<Self, Self::Error> {
            let (unscaled, scale) = d.as_bigint_and_scale();
            let scale =
                i32::try_from(scale).map_err(|_| ValueError::DecimalScaleOutOfRange { scale })?;
            Ok(CqlDecimal {
                unscaled: unscaled.into_owned(),
                scale,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(unscaled: i64, scale: i32) -> String {
        CqlDecimal::new(unscaled.into(), scale).to_string()
    }

    #[test]
    fn displays_like_java_big_decimal() {
        assert_eq!(d(123, 2), "1.23");
        assert_eq!(d(-123, 2), "-1.23");
        assert_eq!(d(123, 0), "123");
        assert_eq!(d(123, -1), "1.23E+3");
        assert_eq!(d(1, -2), "1E+2");
        assert_eq!(d(123, 5), "0.00123");
        assert_eq!(d(0, 2), "0.00");
        assert_eq!(d(0, 0), "0");
        assert_eq!(d(1, 7), "1E-7");
        assert_eq!(d(123, 10), "1.23E-8");
        assert_eq!(d(-5, 6), "-0.000005");
        assert_eq!(d(1, i32::MIN), format!("1E+{}", -(i32::MIN as i64)));
        assert_eq!(d(1, i32::MAX), format!("1E-{}", i32::MAX));
    }
}
