//! The collection layouts (spec §6.10–6.12): a count followed by
//! length-prefixed elements.
//!
//! Both layouts are implemented. A top-level collection takes its protocol
//! version's layout ([`ProtocolVersion::collection_size_width`]); a
//! collection nested in another always takes the `[int]` one ([`layout`]):
//!
//! - [`CollectionSizeWidth::Short`] (v1, v2): `[short]` count and
//!   `[short bytes]` elements, so at most 65535 elements of at most 65535
//!   bytes, and no null elements;
//! - [`CollectionSizeWidth::Int`] (v3+): `[int]` count and `[bytes]`
//!   elements, which may be null (negative length).

use bytes::{BufMut, BytesMut};

use super::{IsNull, ValueError};
use crate::types::ColumnType;
use crate::version::{CollectionSizeWidth, ProtocolVersion};

/// The largest count or element length the `[short]` layout can hold.
pub const SHORT_LAYOUT_MAX: usize = u16::MAX as usize;

/// The largest count or element length the `[int]` layout can hold.
pub const INT_LAYOUT_MAX: usize = i32::MAX as usize;

fn max_for(width: CollectionSizeWidth) -> usize {
    match width {
        CollectionSizeWidth::Short => SHORT_LAYOUT_MAX,
        CollectionSizeWidth::Int => INT_LAYOUT_MAX,
    }
}

/// The layout of a collection value: the protocol version's own at the top
/// level, and always the v3 `[int]` layout for a collection nested in
/// another, whatever the version. Cassandra 2.1+ sends frozen nested
/// collections that way on v1/v2 connections, and the DataStax drivers read
/// and write them so (`max(3, protocol_version)` for inner values).
pub(crate) fn layout(version: ProtocolVersion, nested: bool) -> CollectionSizeWidth {
    if nested {
        CollectionSizeWidth::Int
    } else {
        version.collection_size_width()
    }
}

/// Writes a collection's element (or entry) count.
pub(crate) fn write_count(
    count: usize,
    width: CollectionSizeWidth,
    out: &mut BytesMut,
) -> Result<(), ValueError> {
    let max = max_for(width);
    if count > max {
        return Err(ValueError::TooManyElements { count, max });
    }
    match width {
        CollectionSizeWidth::Short => out.put_u16(count as u16),
        CollectionSizeWidth::Int => out.put_i32(count as i32),
    }
    Ok(())
}

/// Writes one element: a length placeholder, the element's bytes written by
/// `write`, then the real length patched in.
pub(crate) fn write_element<F>(
    collection: &ColumnType,
    width: CollectionSizeWidth,
    out: &mut BytesMut,
    write: F,
) -> Result<(), ValueError>
where
    F: FnOnce(&mut BytesMut) -> Result<IsNull, ValueError>,
{
    let start = out.len();
    let prefix = match width {
        CollectionSizeWidth::Short => 2,
        CollectionSizeWidth::Int => 4,
    };
    out.put_bytes(0, prefix);
    match write(out)? {
        IsNull::Yes => {
            out.truncate(start);
            match width {
                CollectionSizeWidth::Short => Err(ValueError::NullElement {
                    cql_type: collection.clone(),
                }),
                CollectionSizeWidth::Int => {
                    out.put_i32(-1);
                    Ok(())
                }
            }
        }
        IsNull::No => {
            let length = out.len() - start - prefix;
            let max = max_for(width);
            if length > max {
                out.truncate(start);
                return Err(ValueError::ElementTooLarge { length, max });
            }
            // `length` fits the prefix (checked above), so its low `prefix`
            // bytes of the big-endian u32 are the prefix.
            let encoded = (length as u32).to_be_bytes();
            if let (Some(slot), Some(low)) = (
                out.get_mut(start..start + prefix),
                encoded.get(4 - prefix..),
            ) {
                slot.copy_from_slice(low);
            }
            Ok(())
        }
    }
}

/// Reads the elements of a collection value, with every length checked.
pub(crate) struct CollectionReader<'f> {
    rest: &'f [u8],
    width: CollectionSizeWidth,
}

impl<'f> CollectionReader<'f> {
    /// Reads the count of a collection value and checks that that many
    /// elements (entries of `per_entry` elements, for maps) can fit in the
    /// bytes that follow, before the caller allocates anything for them.
    pub(crate) fn new(
        ty: &ColumnType,
        bytes: &'f [u8],
        width: CollectionSizeWidth,
        per_entry: usize,
    ) -> Result<(Self, usize), ValueError> {
        let (count, rest, min_len) = match width {
            CollectionSizeWidth::Short => {
                let (count, rest) = bytes.split_first_chunk::<2>().ok_or_else(|| {
                    ValueError::malformed(
                        ty,
                        format!(
                            "truncated element count: needs 2 bytes, got {}",
                            bytes.len()
                        ),
                    )
                })?;
                (usize::from(u16::from_be_bytes(*count)), rest, 2)
            }
            CollectionSizeWidth::Int => {
                let (count, rest) = bytes.split_first_chunk::<4>().ok_or_else(|| {
                    ValueError::malformed(
                        ty,
                        format!(
                            "truncated element count: needs 4 bytes, got {}",
                            bytes.len()
                        ),
                    )
                })?;
                let count = i32::from_be_bytes(*count);
                let count = usize::try_from(count).map_err(|_| {
                    ValueError::malformed(ty, format!("negative element count {count}"))
                })?;
                (count, rest, 4)
            }
        };
        let min_element_len = min_len * per_entry;
        if count
            .checked_mul(min_element_len)
            .is_none_or(|needed| needed > rest.len())
        {
            return Err(ValueError::CountTooLarge {
                cql_type: ty.clone(),
                count,
                remaining: rest.len(),
                min_element_len,
            });
        }
        Ok((CollectionReader { rest, width }, count))
    }

    /// Reads the next element: `None` for a null element (only possible in
    /// the `[int]` layout).
    pub(crate) fn next_element(&mut self, ty: &ColumnType) -> Result<Option<&'f [u8]>, ValueError> {
        let (len, rest) = match self.width {
            CollectionSizeWidth::Short => match self.rest.split_first_chunk::<2>() {
                Some((len, rest)) => (usize::from(u16::from_be_bytes(*len)), rest),
                None => return Err(self.truncated(ty, "element length", 2)),
            },
            CollectionSizeWidth::Int => match self.rest.split_first_chunk::<4>() {
                Some((len, rest)) => match usize::try_from(i32::from_be_bytes(*len)) {
                    Ok(len) => (len, rest),
                    Err(_) => {
                        self.rest = rest;
                        return Ok(None);
                    }
                },
                None => return Err(self.truncated(ty, "element length", 4)),
            },
        };
        match rest.split_at_checked(len) {
            Some((element, rest)) => {
                self.rest = rest;
                Ok(Some(element))
            }
            None => {
                self.rest = rest;
                Err(self.truncated(ty, "element", len))
            }
        }
    }

    fn truncated(&self, ty: &ColumnType, what: &str, needed: usize) -> ValueError {
        ValueError::malformed(
            ty,
            format!(
                "truncated {what}: needs {needed} bytes, {} left",
                self.rest.len()
            ),
        )
    }

    /// Fails if bytes remain after the last element.
    pub(crate) fn finish(self, ty: &ColumnType) -> Result<(), ValueError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(ValueError::malformed(
                ty,
                format!("{} trailing bytes after the last element", self.rest.len()),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list_int() -> ColumnType {
        ColumnType::List(Box::new(ColumnType::Int))
    }

    fn write_all(width: CollectionSizeWidth, items: &[Option<i32>]) -> Result<Vec<u8>, ValueError> {
        let ty = list_int();
        let mut out = BytesMut::new();
        write_count(items.len(), width, &mut out)?;
        for item in items {
            write_element(&ty, width, &mut out, |out| match item {
                Some(v) => {
                    out.put_i32(*v);
                    Ok(IsNull::No)
                }
                None => Ok(IsNull::Yes),
            })?;
        }
        Ok(out.to_vec())
    }

    fn read_all(
        width: CollectionSizeWidth,
        bytes: &[u8],
    ) -> Result<Vec<Option<Vec<u8>>>, ValueError> {
        let ty = list_int();
        let (mut r, count) = CollectionReader::new(&ty, bytes, width, 1)?;
        let mut out = Vec::new();
        for _ in 0..count {
            out.push(r.next_element(&ty)?.map(<[u8]>::to_vec));
        }
        r.finish(&ty)?;
        Ok(out)
    }

    #[test]
    fn short_layout() {
        let bytes = write_all(CollectionSizeWidth::Short, &[Some(1), Some(2)]).unwrap();
        assert_eq!(bytes, [0, 2, 0, 4, 0, 0, 0, 1, 0, 4, 0, 0, 0, 2]);
        assert_eq!(
            read_all(CollectionSizeWidth::Short, &bytes).unwrap(),
            [Some(vec![0, 0, 0, 1]), Some(vec![0, 0, 0, 2])]
        );
        assert_eq!(
            write_all(CollectionSizeWidth::Short, &[Some(1), None]),
            Err(ValueError::NullElement {
                cql_type: list_int()
            })
        );
    }

    #[test]
    fn int_layout_with_null_elements() {
        let bytes = write_all(CollectionSizeWidth::Int, &[Some(1), None]).unwrap();
        assert_eq!(
            bytes,
            [0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]
        );
        assert_eq!(
            read_all(CollectionSizeWidth::Int, &bytes).unwrap(),
            [Some(vec![0, 0, 0, 1]), None]
        );
    }

    #[test]
    fn int_layout_rejects_bad_counts() {
        assert!(matches!(
            read_all(CollectionSizeWidth::Int, &[0xff, 0xff, 0xff, 0xff]),
            Err(ValueError::MalformedCollection { .. })
        ));
        assert!(matches!(
            read_all(
                CollectionSizeWidth::Int,
                &[0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]
            ),
            Err(ValueError::CountTooLarge {
                count: 0x7fff_ffff,
                remaining: 4,
                min_element_len: 4,
                ..
            })
        ));
        assert!(matches!(
            read_all(CollectionSizeWidth::Int, &[0, 0, 0, 1, 0, 0, 0, 9, 1]),
            Err(ValueError::MalformedCollection { .. })
        ));
        assert!(matches!(
            read_all(CollectionSizeWidth::Int, &[0, 0]),
            Err(ValueError::MalformedCollection { .. })
        ));
    }

    #[test]
    fn short_layout_limits() {
        let ty = list_int();
        let mut out = BytesMut::new();
        assert_eq!(
            write_count(65_536, CollectionSizeWidth::Short, &mut out),
            Err(ValueError::TooManyElements {
                count: 65_536,
                max: 65_535
            })
        );
        write_count(65_535, CollectionSizeWidth::Short, &mut out).unwrap();
        assert_eq!(&out[..], &[0xff, 0xff]);
        let mut out = BytesMut::new();
        let err = write_element(&ty, CollectionSizeWidth::Short, &mut out, |out| {
            out.put_bytes(7, 65_536);
            Ok(IsNull::No)
        });
        assert_eq!(
            err,
            Err(ValueError::ElementTooLarge {
                length: 65_536,
                max: 65_535
            })
        );
        assert!(out.is_empty());
        write_element(&ty, CollectionSizeWidth::Short, &mut out, |out| {
            out.put_bytes(7, 65_535);
            Ok(IsNull::No)
        })
        .unwrap();
        assert_eq!(&out[..2], &[0xff, 0xff]);
        assert_eq!(out.len(), 65_537);
    }
}
