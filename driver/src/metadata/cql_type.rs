//! Cassandra's marshal class names (`system.schema_columns.validator`,
//! `schema_columnfamilies.comparator` and `key_validator`) turned into
//! [`ColumnType`]s.
//!
//! The text is what Cassandra's `AbstractType.toString()` writes: a class
//! name, fully qualified or not, optionally followed by parameters in
//! parentheses, e.g.
//! `org.apache.cassandra.db.marshal.MapType(org.apache.cassandra.db.marshal.UTF8Type,org.apache.cassandra.db.marshal.Int32Type)`.
//! A `ReversedType(T)` (a clustering column in DESC order) reads as `T` with
//! [`MarshalType::reversed`] set; `FrozenType(T)` (2.1+) reads as `T`.
//! Classes the protocol has no id for (`CompositeType`, `LexicalUUIDType`,
//! user classes, ...) read as [`ColumnType::Custom`] with the whole text.
//!
//! ```
//! use cql_driver::metadata::parse_marshal_type;
//! use cql_driver::protocol::ColumnType;
//!
//! let t = parse_marshal_type(
//!     "org.apache.cassandra.db.marshal.ReversedType(org.apache.cassandra.db.marshal.Int32Type)",
//! )?;
//! assert_eq!(t.ty, ColumnType::Int);
//! assert!(t.reversed);
//! # Ok::<(), cql_driver::metadata::MetadataError>(())
//! ```

use cql_protocol::types::MAX_TYPE_NESTING;
use cql_protocol::ColumnType;

use super::MetadataError;

/// The package of Cassandra's own types.
const MARSHAL_PACKAGE: &str = "org.apache.cassandra.db.marshal.";

/// How much of a bad type's text an error repeats.
const ERROR_TEXT_LIMIT: usize = 200;

/// A column type read from a marshal class name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MarshalType {
    /// The type.
    pub ty: ColumnType,
    /// Whether the type was wrapped in `ReversedType` (a clustering column
    /// in descending order).
    pub reversed: bool,
}

/// Parses a marshal class name into a column type.
///
/// Unknown classes give [`ColumnType::Custom`]; text that is not a class
/// name with balanced parameters, a collection with the wrong number of
/// parameters, or nesting deeper than [`MAX_TYPE_NESTING`] gives
/// [`MetadataError::BadType`].
pub fn parse_marshal_type(text: &str) -> Result<MarshalType, MetadataError> {
    let node = parse_tree(text)?;
    to_marshal_type(&node, text)
}

/// One part of a composite comparator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Component {
    /// A clustering (or column-name) component.
    Type(MarshalType),
    /// The trailing `ColumnToCollectionType(...)` of a table with
    /// collections.
    Collections,
}

/// The components of a `CompositeType(...)` comparator or key validator,
/// or `None` when the type is not composite.
pub(crate) fn parse_composite(text: &str) -> Result<Option<Vec<Component>>, MetadataError> {
    let node = parse_tree(text)?;
    if short_name(node.name) != Some("CompositeType") || !node.has_params {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(node.params.len());
    for param in &node.params {
        if param.alias.is_some() {
            return Err(bad(text, "a CompositeType component has an alias"));
        }
        if short_name(param.node.name) == Some("ColumnToCollectionType") {
            out.push(Component::Collections);
        } else {
            out.push(Component::Type(to_marshal_type(&param.node, text)?));
        }
    }
    Ok(Some(out))
}

/// A parsed class name with its parameters.
#[derive(Debug)]
struct Node<'a> {
    /// The class name as written.
    name: &'a str,
    /// The whole text of the node, parameters included.
    text: &'a str,
    /// Whether the name was followed by parentheses.
    has_params: bool,
    /// The parameters.
    params: Vec<Param<'a>>,
}

/// A parameter: a type, optionally preceded by `alias:` (the hex column
/// names of `ColumnToCollectionType`) or `alias=>` (`DynamicCompositeType`).
#[derive(Debug)]
struct Param<'a> {
    alias: Option<&'a str>,
    node: Node<'a>,
}

fn bad(text: &str, reason: impl Into<String>) -> MetadataError {
    let mut shown: String = text.chars().take(ERROR_TEXT_LIMIT).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    MetadataError::BadType {
        text: shown,
        reason: reason.into(),
    }
}

fn parse_tree(text: &str) -> Result<Node<'_>, MetadataError> {
    let mut parser = Parser { text, pos: 0 };
    let node = parser.node(0)?;
    parser.skip_ws();
    if parser.pos != text.len() {
        return Err(bad(text, format!("unexpected text at byte {}", parser.pos)));
    }
    Ok(node)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

fn is_identifier_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.' | b'_' | b'&' | b'$')
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    fn identifier(&mut self) -> Result<&'a str, MetadataError> {
        self.skip_ws();
        let start = self.pos;
        while self.peek().is_some_and(is_identifier_byte) {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(match self.peek() {
                None => bad(self.text, "a class name is missing at the end"),
                Some(_) => bad(
                    self.text,
                    format!("expected a class name at byte {}", self.pos),
                ),
            });
        }
        // Only ASCII bytes were consumed, so these are char boundaries.
        Ok(self.text.get(start..self.pos).unwrap_or_default())
    }

    fn node(&mut self, depth: usize) -> Result<Node<'a>, MetadataError> {
        self.skip_ws();
        let start = self.pos;
        let name = self.identifier()?;
        self.skip_ws();
        let mut params = Vec::new();
        let mut has_params = false;
        if self.peek() == Some(b'(') {
            if depth >= MAX_TYPE_NESTING {
                return Err(bad(
                    self.text,
                    format!("types nest deeper than {MAX_TYPE_NESTING} levels"),
                ));
            }
            has_params = true;
            self.pos += 1;
            self.skip_ws();
            if self.peek() == Some(b')') {
                self.pos += 1;
            } else {
                loop {
                    params.push(self.param(depth + 1)?);
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b')') => {
                            self.pos += 1;
                            break;
                        }
                        None => return Err(bad(self.text, "unbalanced parentheses")),
                        Some(_) => {
                            return Err(bad(
                                self.text,
                                format!("expected ',' or ')' at byte {}", self.pos),
                            ))
                        }
                    }
                }
            }
        }
        let text = self.text.get(start..self.pos).unwrap_or_default().trim();
        Ok(Node {
            name,
            text,
            has_params,
            params,
        })
    }

    fn param(&mut self, depth: usize) -> Result<Param<'a>, MetadataError> {
        self.skip_ws();
        let start = self.pos;
        let first = self.identifier()?;
        self.skip_ws();
        let rest = self.text.get(self.pos..).unwrap_or_default();
        let alias_len = if rest.starts_with("=>") {
            2
        } else if rest.starts_with(':') {
            1
        } else {
            0
        };
        if alias_len > 0 {
            self.pos += alias_len;
            let node = self.node(depth)?;
            return Ok(Param {
                alias: Some(first),
                node,
            });
        }
        self.pos = start;
        Ok(Param {
            alias: None,
            node: self.node(depth)?,
        })
    }
}

/// The class name without Cassandra's package, or `None` for a class of
/// another package.
fn short_name(name: &str) -> Option<&str> {
    match name.strip_prefix(MARSHAL_PACKAGE) {
        Some(short) => Some(short),
        None if !name.contains('.') => Some(name),
        None => None,
    }
}

fn simple_type(short: &str) -> Option<ColumnType> {
    Some(match short {
        "AsciiType" => ColumnType::Ascii,
        "LongType" => ColumnType::Bigint,
        "BytesType" => ColumnType::Blob,
        "BooleanType" => ColumnType::Boolean,
        "CounterColumnType" => ColumnType::Counter,
        "DecimalType" => ColumnType::Decimal,
        "DoubleType" => ColumnType::Double,
        "FloatType" => ColumnType::Float,
        "InetAddressType" => ColumnType::Inet,
        "Int32Type" => ColumnType::Int,
        "UTF8Type" => ColumnType::Varchar,
        "TimestampType" | "DateType" => ColumnType::Timestamp,
        "UUIDType" => ColumnType::Uuid,
        "IntegerType" => ColumnType::Varint,
        "TimeUUIDType" => ColumnType::Timeuuid,
        _ => return None,
    })
}

fn to_marshal_type(node: &Node<'_>, whole: &str) -> Result<MarshalType, MetadataError> {
    let Some(short) = short_name(node.name) else {
        return Ok(MarshalType {
            ty: ColumnType::Custom(node.text.to_owned()),
            reversed: false,
        });
    };
    let plain = |ty| MarshalType {
        ty,
        reversed: false,
    };
    let args = |n: usize| -> Result<Vec<&Node<'_>>, MetadataError> {
        if node.params.len() != n {
            return Err(bad(
                whole,
                format!("{short} takes {n} parameter(s), not {}", node.params.len()),
            ));
        }
        node.params
            .iter()
            .map(|p| match p.alias {
                Some(_) => Err(bad(whole, format!("a parameter of {short} has an alias"))),
                None => Ok(&p.node),
            })
            .collect()
    };
    let element = |n: &Node<'_>| to_marshal_type(n, whole).map(|m| Box::new(m.ty));
    match short {
        "ReversedType" => {
            let inner = to_marshal_type(args(1)?[0], whole)?;
            Ok(MarshalType {
                ty: inner.ty,
                reversed: !inner.reversed,
            })
        }
        "FrozenType" => to_marshal_type(args(1)?[0], whole),
        "ListType" => Ok(plain(ColumnType::List(element(args(1)?[0])?))),
        "SetType" => Ok(plain(ColumnType::Set(element(args(1)?[0])?))),
        "MapType" => {
            let kv = args(2)?;
            Ok(plain(ColumnType::Map(element(kv[0])?, element(kv[1])?)))
        }
        _ => match simple_type(short) {
            Some(_) if node.has_params => Err(bad(whole, format!("{short} takes no parameters"))),
            Some(ty) => Ok(plain(ty)),
            None => Ok(plain(ColumnType::Custom(node.text.to_owned()))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(short: &str) -> String {
        format!("{MARSHAL_PACKAGE}{short}")
    }

    fn ty(text: &str) -> ColumnType {
        let t = parse_marshal_type(text).unwrap();
        assert!(!t.reversed, "{text}");
        t.ty
    }

    #[test]
    fn every_simple_type() {
        let cases = [
            ("AsciiType", ColumnType::Ascii),
            ("LongType", ColumnType::Bigint),
            ("BytesType", ColumnType::Blob),
            ("BooleanType", ColumnType::Boolean),
            ("CounterColumnType", ColumnType::Counter),
            ("DecimalType", ColumnType::Decimal),
            ("DoubleType", ColumnType::Double),
            ("FloatType", ColumnType::Float),
            ("InetAddressType", ColumnType::Inet),
            ("Int32Type", ColumnType::Int),
            ("UTF8Type", ColumnType::Varchar),
            ("TimestampType", ColumnType::Timestamp),
            ("DateType", ColumnType::Timestamp),
            ("UUIDType", ColumnType::Uuid),
            ("IntegerType", ColumnType::Varint),
            ("TimeUUIDType", ColumnType::Timeuuid),
        ];
        for (short, expected) in cases {
            assert_eq!(ty(&m(short)), expected, "{short}");
            assert_eq!(ty(short), expected, "unqualified {short}");
        }
    }

    #[test]
    fn collections_frozen_and_reversed() {
        assert_eq!(
            ty(&format!("{}({})", m("ListType"), m("UTF8Type"))),
            ColumnType::List(Box::new(ColumnType::Varchar))
        );
        assert_eq!(
            ty(&format!("{}({})", m("SetType"), m("TimeUUIDType"))),
            ColumnType::Set(Box::new(ColumnType::Timeuuid))
        );
        assert_eq!(
            ty(&format!(
                "{}({}, {})",
                m("MapType"),
                m("UTF8Type"),
                m("Int32Type")
            )),
            ColumnType::Map(Box::new(ColumnType::Varchar), Box::new(ColumnType::Int))
        );
        let frozen = format!(
            "{}({}({}))",
            m("FrozenType"),
            m("ListType"),
            m("DoubleType")
        );
        assert_eq!(ty(&frozen), ColumnType::List(Box::new(ColumnType::Double)));
        let desc =
            parse_marshal_type(&format!("{}({})", m("ReversedType"), m("DateType"))).unwrap();
        assert_eq!(
            desc,
            MarshalType {
                ty: ColumnType::Timestamp,
                reversed: true
            }
        );
    }

    #[test]
    fn unknown_and_composite_classes_are_custom() {
        assert_eq!(
            ty("com.example.PointType"),
            ColumnType::Custom("com.example.PointType".into())
        );
        assert_eq!(
            ty(&m("LexicalUUIDType")),
            ColumnType::Custom(m("LexicalUUIDType"))
        );
        let composite = format!(
            "{}({},{})",
            m("CompositeType"),
            m("Int32Type"),
            m("UTF8Type")
        );
        assert_eq!(ty(&composite), ColumnType::Custom(composite.clone()));
        let c2c = format!(
            "{}(6c:{}({}))",
            m("ColumnToCollectionType"),
            m("ListType"),
            m("Int32Type")
        );
        assert_eq!(ty(&c2c), ColumnType::Custom(c2c.clone()));
        // A user class with parameters keeps its whole text.
        assert_eq!(
            ty(" com.example.T(a, b) "),
            ColumnType::Custom("com.example.T(a, b)".into())
        );
        // A collection of a custom type.
        assert_eq!(
            ty(&format!("{}(com.example.PointType)", m("ListType"))),
            ColumnType::List(Box::new(ColumnType::Custom("com.example.PointType".into())))
        );
    }

    #[test]
    fn composite_components() {
        let text = format!(
            "{}({}({}),{},{}(76:{}({})))",
            m("CompositeType"),
            m("ReversedType"),
            m("Int32Type"),
            m("UTF8Type"),
            m("ColumnToCollectionType"),
            m("ListType"),
            m("Int32Type")
        );
        let parts = parse_composite(&text).unwrap().unwrap();
        assert_eq!(
            parts,
            vec![
                Component::Type(MarshalType {
                    ty: ColumnType::Int,
                    reversed: true
                }),
                Component::Type(MarshalType {
                    ty: ColumnType::Varchar,
                    reversed: false
                }),
                Component::Collections,
            ]
        );
        assert_eq!(parse_composite(&m("UTF8Type")).unwrap(), None);
    }

    #[test]
    fn malformed_text_is_an_error() {
        let bad_inputs = [
            "",
            "   ",
            "ListType(",
            "ListType(UTF8Type",
            "ListType(UTF8Type))",
            "ListType(UTF8Type,)",
            "ListType()",
            "ListType(UTF8Type,Int32Type)",
            "MapType(UTF8Type)",
            "ReversedType(UTF8Type, UTF8Type)",
            "Int32Type(UTF8Type)",
            "ListType(6c:UTF8Type)",
            "UTF8Type garbage",
            "(UTF8Type)",
            "UTF8Type;",
            "ListType(é)",
        ];
        for text in bad_inputs {
            assert!(
                matches!(parse_marshal_type(text), Err(MetadataError::BadType { .. })),
                "{text:?} should be rejected"
            );
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let mut text = m("Int32Type");
        for _ in 0..MAX_TYPE_NESTING {
            text = format!("{}({text})", m("ListType"));
        }
        assert!(parse_marshal_type(&text).is_ok());
        let deeper = format!("{}({text})", m("ListType"));
        assert!(parse_marshal_type(&deeper).is_err());
        // Very deep input fails without overflowing the stack.
        let hostile = "ListType(".repeat(100_000);
        assert!(parse_marshal_type(&hostile).is_err());
    }

    #[test]
    fn long_error_texts_are_truncated() {
        let text = format!("{}(", "A".repeat(1000));
        let Err(MetadataError::BadType { text: shown, .. }) = parse_marshal_type(&text) else {
            panic!("expected an error");
        };
        assert!(shown.chars().count() <= ERROR_TEXT_LIMIT + 1);
    }
}
