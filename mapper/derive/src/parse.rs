//! Reading a `#[derive(Model)]` struct and its `#[cql(...)]` attributes
//! into a [`ModelDef`], with every rule that can be checked on the syntax.

use std::collections::HashMap;

use proc_macro2::Span;
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, GenericArgument, Ident, Lit, LitStr, PathArguments, Type};

/// The model, as the attributes describe it.
pub(crate) struct ModelDef {
    pub(crate) ident: Ident,
    pub(crate) vis: syn::Visibility,
    pub(crate) table: String,
    pub(crate) keyspace: Option<String>,
    pub(crate) options: Vec<(String, String)>,
    pub(crate) discriminator_value: Option<DiscriminatorLit>,
    /// The name of the module of column constants.
    pub(crate) module: Ident,
    pub(crate) slots: Vec<Slot>,
}

/// A column group (`#[derive(Columns)]`), as the attributes describe it.
pub(crate) struct GroupDef {
    pub(crate) ident: Ident,
    pub(crate) vis: syn::Visibility,
    /// The name of the struct of typed columns.
    pub(crate) columns: Ident,
    pub(crate) slots: Vec<Slot>,
}

/// A `discriminator_value`, as written.
#[derive(Clone)]
pub(crate) enum DiscriminatorLit {
    Text(String),
    Int(i64),
}

/// One field of a model or a group: a column, or a flattened group of
/// columns.
pub(crate) enum Slot {
    Column(FieldDef),
    Group(GroupField),
}

/// A `#[cql(flatten)]` field.
pub(crate) struct GroupField {
    pub(crate) ident: Ident,
    /// The field's name without `r#`.
    pub(crate) name: String,
    /// The group's type: a path without generic arguments.
    pub(crate) ty: Type,
    /// The field's documentation.
    pub(crate) docs: Vec<syn::Attribute>,
}

/// The role of a column, as the attributes give it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    PartitionKey,
    /// Clustering, descending or not.
    Clustering {
        desc: bool,
    },
    Static,
    Regular,
}

/// An attribute that overrides the column type the Rust type gives.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypeOverride {
    Timeuuid,
    Ascii,
    Counter,
}

/// How a field is filled when its column is missing from a row.
pub(crate) enum DefaultFill {
    /// `#[cql(default)]`: `Default::default()`.
    Trait,
    /// `#[cql(default = "path")]`: `path()`.
    Function(syn::ExprPath),
}

/// One field and its column.
pub(crate) struct FieldDef {
    pub(crate) ident: Ident,
    /// The field's name without `r#`.
    pub(crate) name: String,
    pub(crate) db_name: String,
    pub(crate) ty: Type,
    pub(crate) role: Role,
    pub(crate) type_override: Option<TypeOverride>,
    pub(crate) index: bool,
    pub(crate) required: bool,
    pub(crate) min_length: Option<usize>,
    pub(crate) max_length: Option<usize>,
    pub(crate) discriminator: bool,
    pub(crate) default: Option<DefaultFill>,
    /// The field's documentation, for the column constant's.
    pub(crate) docs: Vec<syn::Attribute>,
}

/// What one field's attributes said, with the span of each, before the
/// model-wide rules are checked.
#[derive(Default)]
struct FieldAttrs {
    partition_key: Option<Span>,
    clustering_key: Option<Span>,
    order: Option<(bool, Span)>,
    static_column: Option<Span>,
    type_override: Option<(TypeOverride, Span)>,
    index: bool,
    required: bool,
    min_length: Option<(usize, Span)>,
    max_length: Option<(usize, Span)>,
    db_field: Option<LitStr>,
    discriminator: Option<Span>,
    default: Option<DefaultFill>,
    flatten: Option<Span>,
    /// The first key other than `flatten`, for the error if both are given.
    other: Option<Span>,
}

/// The named fields of a struct `#[derive(what)]` is on, refusing
/// generics, enums, unions, tuple and unit structs.
fn named_fields<'a>(input: &'a DeriveInput, what: &str) -> syn::Result<&'a syn::FieldsNamed> {
    if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
        let message = if what == "Model" {
            "#[derive(Model)] does not support generic structs: a model maps one table, \
             so its field types must be concrete"
        } else {
            "#[derive(Columns)] does not support generic structs: a column group's columns \
             have concrete types"
        };
        return Err(syn::Error::new_spanned(&input.generics, message));
    }
    let one_per = if what == "Model" {
        "one per column"
    } else {
        "one per column of the group"
    };
    match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => Ok(named),
            _ => Err(syn::Error::new_spanned(
                &data.fields,
                format!("#[derive({what})] needs a struct with named fields ({one_per})"),
            )),
        },
        Data::Enum(data) => Err(syn::Error::new_spanned(
            data.enum_token,
            format!("#[derive({what})] needs a struct with named fields, not an enum"),
        )),
        Data::Union(data) => Err(syn::Error::new_spanned(
            data.union_token,
            format!("#[derive({what})] needs a struct with named fields, not a union"),
        )),
    }
}

fn nonempty(lit: &LitStr, what: &str) -> syn::Result<String> {
    let value = lit.value();
    if value.trim().is_empty() {
        return Err(syn::Error::new_spanned(
            lit,
            format!("the {what} name cannot be empty"),
        ));
    }
    Ok(value)
}

/// Reads `discriminator_value = "text"` or `discriminator_value = 1` (or
/// `-1`).
fn discriminator_lit(input: ParseStream) -> syn::Result<(DiscriminatorLit, Span)> {
    let negative: Option<syn::Token![-]> = input.parse()?;
    let lit: Lit = input.parse()?;
    let span = match &negative {
        Some(minus) => minus.span.join(lit.span()).unwrap_or_else(|| lit.span()),
        None => lit.span(),
    };
    let value = match (&lit, negative.is_some()) {
        (Lit::Str(s), false) => DiscriminatorLit::Text(s.value()),
        (Lit::Int(int), negative) => {
            let magnitude: u64 = int.base10_parse()?;
            let value = if negative {
                0i64.checked_sub_unsigned(magnitude)
            } else {
                i64::try_from(magnitude).ok()
            };
            DiscriminatorLit::Int(value.ok_or_else(|| {
                syn::Error::new(span, "the discriminator value does not fit in an i64")
            })?)
        }
        _ => {
            return Err(syn::Error::new(
                span,
                "a discriminator value is a string or an integer literal: \
                 `discriminator_value = \"cat\"` or `discriminator_value = 1`",
            ))
        }
    };
    Ok((value, span))
}

pub(crate) fn parse(input: &DeriveInput) -> syn::Result<ModelDef> {
    let named = named_fields(input, "Model")?;
    if named.named.is_empty() {
        return Err(syn::Error::new_spanned(
            named,
            "a model needs at least one field: its partition key",
        ));
    }

    let struct_name = input.ident.unraw().to_string();
    let mut table: Option<LitStr> = None;
    let mut keyspace: Option<LitStr> = None;
    let mut module: Option<LitStr> = None;
    let mut discriminator_value: Option<(DiscriminatorLit, Span)> = None;
    let mut options: Vec<(String, String)> = Vec::new();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("cql")) {
        attr.parse_nested_meta(|meta| {
            let set = |slot: &mut Option<LitStr>, what: &str| -> syn::Result<()> {
                if slot.is_some() {
                    return Err(meta.error(format!("`{what}` is given twice")));
                }
                *slot = Some(meta.value()?.parse()?);
                Ok(())
            };
            if meta.path.is_ident("table") {
                set(&mut table, "table")
            } else if meta.path.is_ident("keyspace") {
                set(&mut keyspace, "keyspace")
            } else if meta.path.is_ident("module") {
                set(&mut module, "module")
            } else if meta.path.is_ident("discriminator_value") {
                if discriminator_value.is_some() {
                    return Err(meta.error("`discriminator_value` is given twice"));
                }
                discriminator_value = Some(discriminator_lit(meta.value()?)?);
                Ok(())
            } else if meta.path.is_ident("options") {
                meta.parse_nested_meta(|option| {
                    let Some(key) = option.path.get_ident() else {
                        return Err(option.error("a table option is a name: `name = \"value\"`"));
                    };
                    let key = key.unraw().to_string();
                    if options.iter().any(|(k, _)| *k == key) {
                        return Err(option.error(format!("the option `{key}` is given twice")));
                    }
                    let value = match option.value()?.parse::<Lit>()? {
                        Lit::Str(s) => s.value(),
                        lit @ (Lit::Int(_) | Lit::Float(_) | Lit::Bool(_)) => {
                            lit.to_token_stream().to_string()
                        }
                        other => {
                            return Err(syn::Error::new_spanned(
                                other,
                                "a table option's value is its CQL text, as a string: \
                                 `comment = \"'users'\"`",
                            ))
                        }
                    };
                    options.push((key, value));
                    Ok(())
                })
            } else {
                Err(meta.error(format!(
                    "unknown #[cql] key `{}` on a model; the keys are table, keyspace, \
                     options(...), discriminator_value and module",
                    meta.path.to_token_stream()
                )))
            }
        })?;
    }
    let table = match &table {
        Some(lit) => nonempty(lit, "table")?,
        None => snake_case(&struct_name),
    };
    let keyspace = keyspace
        .as_ref()
        .map(|lit| nonempty(lit, "keyspace"))
        .transpose()?;
    let module = match &module {
        Some(lit) => {
            let name = nonempty(lit, "module")?;
            module_ident(&name, lit.span()).ok_or_else(|| {
                syn::Error::new_spanned(lit, format!("`{name}` cannot be a module name"))
            })?
        }
        None => module_ident(&snake_case(&struct_name), input.ident.span()).ok_or_else(|| {
            syn::Error::new_spanned(
                &input.ident,
                "the column module's name (the struct's name in snake case) is not a valid \
                 module name; choose one with #[cql(module = \"...\")]",
            )
        })?,
    };

    let (slots, attrs) = parse_slots(named, true)?;
    // With a group flattened, the rules that involve every column are left
    // to `ModelSchema::check`, at run time: the group's columns are not
    // known here.
    let has_groups = slots.iter().any(|s| matches!(s, Slot::Group(_)));
    let fields: Vec<(&FieldDef, &syn::Field, &FieldAttrs)> = slots
        .iter()
        .zip(&attrs)
        .filter_map(|(slot, (field, a))| match slot {
            Slot::Column(def) => Some((def, *field, a)),
            Slot::Group(_) => None,
        })
        .collect();

    let discriminator = fields.iter().find(|(def, _, _)| def.discriminator);
    if let Some((value, span)) = &discriminator_value {
        match discriminator {
            Some((def, field, _)) => check_discriminator_lit(value, *span, def, field)?,
            None if !has_groups => {
                return Err(syn::Error::new(
                    *span,
                    "discriminator_value needs a field marked #[cql(discriminator)]",
                ));
            }
            None => {}
        }
    }

    if !has_groups {
        let is_counter = |f: &FieldDef| f.type_override == Some(TypeOverride::Counter);
        if fields.iter().any(|(def, _, _)| is_counter(def)) {
            for (def, field, _) in &fields {
                let key = matches!(def.role, Role::PartitionKey | Role::Clustering { .. });
                if !key && !is_counter(def) {
                    return Err(syn::Error::new_spanned(
                        field,
                        "a table with counters holds only counters and primary key columns; \
                         this field is neither (mark it #[cql(counter)], make it a key, or move \
                         it to another model)",
                    ));
                }
            }
        }

        if fields.iter().any(|(def, _, _)| def.role == Role::Static)
            && !fields
                .iter()
                .any(|(def, _, _)| matches!(def.role, Role::Clustering { .. }))
        {
            let span = fields
                .iter()
                .find_map(|(_, _, a)| a.static_column)
                .unwrap_or_else(Span::call_site);
            return Err(syn::Error::new(
                span,
                "static columns need a clustering key: a table without clustering columns has \
                 one row per partition",
            ));
        }
    }

    Ok(ModelDef {
        ident: input.ident.clone(),
        vis: input.vis.clone(),
        table,
        keyspace,
        options,
        discriminator_value: discriminator_value.map(|(value, _)| value),
        module,
        slots,
    })
}

/// A `discriminator_value` against the type of the discriminator field, as
/// far as the written type tells (an alias is checked at run time).
fn check_discriminator_lit(
    value: &DiscriminatorLit,
    span: Span,
    def: &FieldDef,
    field: &syn::Field,
) -> syn::Result<()> {
    let ty = strip_option(&field.ty).unwrap_or(&field.ty);
    let type_name = match def.type_override {
        Some(TypeOverride::Ascii) => "ascii".to_string(),
        Some(TypeOverride::Timeuuid) => "timeuuid".to_string(),
        _ => match last_segment(ty) {
            Some(segment) => segment.ident.to_string(),
            None => return Ok(()),
        },
    };
    let name = &def.name;
    let message = match (value, type_name.as_str()) {
        (DiscriminatorLit::Text(_), "String" | "str" | "ascii") => return Ok(()),
        (DiscriminatorLit::Int(_), "i64") => return Ok(()),
        (DiscriminatorLit::Int(n), "i32") => {
            if i32::try_from(*n).is_ok() {
                return Ok(());
            }
            format!("the discriminator `{name}` is an i32, and {n} does not fit in one")
        }
        (DiscriminatorLit::Text(text), "i32" | "i64") => format!(
            "the discriminator `{name}` is an integer ({type_name}), so its value is an \
             integer literal, not the string {text:?}"
        ),
        (DiscriminatorLit::Int(n), "String" | "str" | "ascii") => format!(
            "the discriminator `{name}` is text, so its value is a string literal: \
             `discriminator_value = \"{n}\"`"
        ),
        (
            _,
            "bool" | "f32" | "f64" | "Uuid" | "timeuuid" | "IpAddr" | "CqlTimestamp" | "Bytes"
            | "Vec",
        ) => format!(
            "the discriminator `{name}` is a {type_name}; a discriminator_value is text or an \
             integer, for a String, i32 or i64 discriminator"
        ),
        // A type the derive does not know (an alias...): checked at run
        // time by `ModelSchema::check`.
        _ => return Ok(()),
    };
    Err(syn::Error::new(span, message))
}

pub(crate) fn parse_group(input: &DeriveInput) -> syn::Result<GroupDef> {
    let named = named_fields(input, "Columns")?;
    if named.named.is_empty() {
        return Err(syn::Error::new_spanned(
            named,
            "a column group needs at least one field",
        ));
    }
    let mut columns: Option<LitStr> = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("cql")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("columns") {
                if columns.is_some() {
                    return Err(meta.error("`columns` is given twice"));
                }
                columns = Some(meta.value()?.parse()?);
                Ok(())
            } else {
                Err(meta.error(format!(
                    "unknown #[cql] key `{}` on a column group; the only key is \
                     columns = \"Name\" (the struct of typed columns); the table, keyspace, \
                     options and discriminator_value are the model's",
                    meta.path.to_token_stream()
                )))
            }
        })?;
    }
    let columns = match &columns {
        Some(lit) => {
            let name = nonempty(lit, "columns struct")?;
            syn::parse_str::<Ident>(&name)
                .map(|_| Ident::new(&name, lit.span()))
                .map_err(|_| {
                    syn::Error::new_spanned(lit, format!("`{name}` cannot be a struct name"))
                })?
        }
        None => quote::format_ident!("{}Columns", input.ident.unraw()),
    };
    let (slots, _) = parse_slots(named, false)?;
    Ok(GroupDef {
        ident: input.ident.clone(),
        vis: input.vis.clone(),
        columns,
        slots,
    })
}

/// Each field and what its attributes said.
type FieldsAttrs<'a> = Vec<(&'a syn::Field, FieldAttrs)>;

/// The fields of a model (`model`: the first field may be the implicit
/// partition key) or a group, with the rules of each field and those
/// among its plain columns that hold whatever a flattened group adds.
fn parse_slots(named: &syn::FieldsNamed, model: bool) -> syn::Result<(Vec<Slot>, FieldsAttrs<'_>)> {
    let mut slots = Vec::new();
    let mut attrs = Vec::new();
    for field in &named.named {
        let Some(ident) = field.ident.clone() else {
            return Err(syn::Error::new_spanned(field, "a field needs a name"));
        };
        let a = field_attrs(field)?;
        let name = ident.unraw().to_string();
        let docs: Vec<syn::Attribute> = field
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("doc"))
            .cloned()
            .collect();
        if a.flatten.is_some() {
            if let Some(other) = a.other {
                return Err(syn::Error::new(
                    other,
                    "a #[cql(flatten)] field takes no other attribute: the group's fields \
                     carry their own",
                ));
            }
            if !is_group_path(&field.ty) {
                return Err(syn::Error::new_spanned(
                    &field.ty,
                    "#[cql(flatten)] needs a column group (a struct with #[derive(Columns)]), \
                     named by its path: `Timestamps`, `shared::Timestamps`",
                ));
            }
            slots.push(Slot::Group(GroupField {
                ident,
                name,
                ty: field.ty.clone(),
                docs,
            }));
            attrs.push((field, a));
            continue;
        }
        let db_name = match &a.db_field {
            Some(lit) => nonempty(lit, "db_field")?,
            None => name.clone(),
        };
        slots.push(Slot::Column(FieldDef {
            ident,
            name,
            db_name,
            ty: field.ty.clone(),
            role: Role::Regular,
            type_override: a.type_override.map(|(t, _)| t),
            index: a.index,
            required: a.required,
            min_length: a.min_length.map(|(n, _)| n),
            max_length: a.max_length.map(|(n, _)| n),
            discriminator: a.discriminator.is_some(),
            default: None,
            docs,
        }));
        attrs.push((field, a));
    }

    // cqlengine's rule: with no field marked partition_key, the first field
    // is the partition key. A model that flattens a group applies it at run
    // time (the group may have the key); a group, never.
    let has_groups = slots.iter().any(|s| matches!(s, Slot::Group(_)));
    let implicit_key =
        model && !has_groups && !attrs.iter().any(|(_, a)| a.partition_key.is_some());
    let first_span = named
        .named
        .first()
        .map_or_else(Span::call_site, Spanned::span);
    for (i, (slot, (field, a))) in slots.iter_mut().zip(&mut attrs).enumerate() {
        let Slot::Column(def) = slot else { continue };
        if let (Some(_), Some(c)) = (a.partition_key, a.clustering_key) {
            return Err(syn::Error::new(
                c,
                "a field cannot be both a partition key and a clustering key",
            ));
        }
        let implicit = implicit_key && i == 0;
        def.role = if a.partition_key.is_some() || implicit {
            Role::PartitionKey
        } else if a.clustering_key.is_some() {
            Role::Clustering {
                desc: a.order.is_some_and(|(desc, _)| desc),
            }
        } else if a.static_column.is_some() {
            Role::Static
        } else {
            Role::Regular
        };
        let why_key = if implicit {
            " (with no field marked partition_key, the first field is the partition key)"
        } else {
            ""
        };
        if implicit && a.clustering_key.is_some() {
            return Err(syn::Error::new(
                first_span,
                "the first field is the partition key when no field is marked partition_key, \
                 so it cannot be a clustering key; mark the partition key with \
                 #[cql(partition_key)]",
            ));
        }
        if let Some((_, span)) = a.order {
            if !matches!(def.role, Role::Clustering { .. }) {
                return Err(syn::Error::new(
                    span,
                    "`order` applies only to a clustering_key field",
                ));
            }
        }
        if let Some(span) = a.static_column {
            if def.role != Role::Static {
                return Err(syn::Error::new(
                    span,
                    format!("a primary key column cannot be static{why_key}"),
                ));
            }
        }
        if let Some((TypeOverride::Counter, span)) = a.type_override {
            if !is_i64(&field.ty) {
                return Err(syn::Error::new_spanned(
                    &field.ty,
                    "a counter field must be an i64 (or an Option<i64>)",
                ));
            }
            if matches!(def.role, Role::PartitionKey | Role::Clustering { .. }) {
                return Err(syn::Error::new(
                    span,
                    format!("a counter cannot be part of the primary key{why_key}"),
                ));
            }
            if def.role == Role::Static {
                return Err(syn::Error::new(span, "a counter cannot be static"));
            }
        }
        if let Some(span) = a.discriminator {
            if a.type_override
                .is_some_and(|(t, _)| t == TypeOverride::Counter)
            {
                return Err(syn::Error::new(span, "a discriminator cannot be a counter"));
            }
            if is_collection(&field.ty) {
                return Err(syn::Error::new(
                    span,
                    "a discriminator cannot be a collection (list, set or map)",
                ));
            }
        }
        def.default = a.default.take();
    }

    let discriminators: Vec<Span> = attrs.iter().filter_map(|(_, a)| a.discriminator).collect();
    if let Some(second) = discriminators.get(1) {
        let what = if model { "a model" } else { "a column group" };
        return Err(syn::Error::new(
            *second,
            format!("{what} may have only one discriminator field"),
        ));
    }

    let mut seen: HashMap<&str, &Ident> = HashMap::new();
    for (slot, (field, a)) in slots.iter().zip(&attrs) {
        let Slot::Column(def) = slot else { continue };
        if let Some(other) = seen.insert(&def.db_name, &def.ident) {
            let message = format!(
                "the column name `{}` is already used by the field `{}`",
                def.db_name,
                other.unraw()
            );
            return Err(match &a.db_field {
                Some(lit) => syn::Error::new_spanned(lit, message),
                None => syn::Error::new_spanned(&field.ident, message),
            });
        }
    }
    Ok((slots, attrs))
}

/// A path naming a column group: no qualified self, no generic arguments
/// (groups are not generic).
fn is_group_path(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => {
            path.qself.is_none() && path.path.segments.iter().all(|s| s.arguments.is_empty())
        }
        Type::Group(group) => is_group_path(&group.elem),
        Type::Paren(paren) => is_group_path(&paren.elem),
        _ => false,
    }
}

/// Reads the `#[cql(...)]` attributes of one field.
fn field_attrs(field: &syn::Field) -> syn::Result<FieldAttrs> {
    let mut a = FieldAttrs::default();
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("cql")) {
        attr.parse_nested_meta(|meta| {
            let span = meta.path.span();
            let flag = |slot: &mut Option<Span>, what: &str| -> syn::Result<()> {
                if slot.replace(span).is_some() {
                    return Err(meta.error(format!("`{what}` is given twice")));
                }
                Ok(())
            };
            let ty = |slot: &mut Option<(TypeOverride, Span)>, t| -> syn::Result<()> {
                if slot.replace((t, span)).is_some() {
                    return Err(meta.error(
                        "only one of timeuuid, ascii and counter may be given for a field",
                    ));
                }
                Ok(())
            };
            let length = |slot: &mut Option<(usize, Span)>| -> syn::Result<()> {
                let lit: syn::LitInt = meta.value()?.parse()?;
                *slot = Some((lit.base10_parse()?, lit.span()));
                Ok(())
            };
            let path = &meta.path;
            if !path.is_ident("flatten") && a.other.is_none() {
                a.other = Some(span);
            }
            if path.is_ident("flatten") {
                flag(&mut a.flatten, "flatten")
            } else if path.is_ident("partition_key") {
                flag(&mut a.partition_key, "partition_key")
            } else if path.is_ident("clustering_key") {
                flag(&mut a.clustering_key, "clustering_key")
            } else if path.is_ident("static_column") {
                flag(&mut a.static_column, "static_column")
            } else if path.is_ident("discriminator") {
                flag(&mut a.discriminator, "discriminator")
            } else if path.is_ident("order") {
                let lit: LitStr = meta.value()?.parse()?;
                let desc = match lit.value().to_ascii_lowercase().as_str() {
                    "asc" => false,
                    "desc" => true,
                    _ => {
                        return Err(syn::Error::new_spanned(
                            lit,
                            "the order is \"asc\" or \"desc\"",
                        ))
                    }
                };
                a.order = Some((desc, span));
                Ok(())
            } else if path.is_ident("timeuuid") {
                ty(&mut a.type_override, TypeOverride::Timeuuid)
            } else if path.is_ident("ascii") {
                ty(&mut a.type_override, TypeOverride::Ascii)
            } else if path.is_ident("counter") {
                ty(&mut a.type_override, TypeOverride::Counter)
            } else if path.is_ident("index") {
                a.index = true;
                Ok(())
            } else if path.is_ident("required") {
                a.required = true;
                Ok(())
            } else if path.is_ident("min_length") {
                length(&mut a.min_length)
            } else if path.is_ident("max_length") {
                length(&mut a.max_length)
            } else if path.is_ident("db_field") {
                a.db_field = Some(meta.value()?.parse()?);
                Ok(())
            } else if path.is_ident("default") {
                a.default = Some(if meta.input.peek(syn::Token![=]) {
                    let lit: LitStr = meta.value()?.parse()?;
                    DefaultFill::Function(lit.parse().map_err(|_| {
                        syn::Error::new_spanned(
                            &lit,
                            "`default` names a function: `default = \"path::to::function\"`",
                        )
                    })?)
                } else {
                    DefaultFill::Trait
                });
                Ok(())
            } else {
                Err(meta.error(format!(
                    "unknown #[cql] key `{}` on a field; the keys are partition_key, \
                     clustering_key, order, static_column, index, db_field, required, \
                     min_length, max_length, timeuuid, ascii, counter, discriminator, \
                     default and flatten",
                    path.to_token_stream()
                )))
            }
        })?;
    }
    if let (Some((min, _)), Some((max, span))) = (a.min_length, a.max_length) {
        if min > max {
            return Err(syn::Error::new(
                span,
                format!("max_length {max} is less than min_length {min}"),
            ));
        }
    }
    Ok(a)
}

/// `BlogPost` → `blog_post`, `HTTPRequest` → `http_request`.
pub(crate) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1);
            let boundary = match prev {
                None | Some('_') => false,
                Some(p) => {
                    p.is_lowercase()
                        || p.is_ascii_digit()
                        || (p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()))
                }
            };
            if boundary {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The identifier for a module named `name`: raw if `name` is a keyword,
/// `None` if it cannot be an identifier at all.
fn module_ident(name: &str, span: Span) -> Option<Ident> {
    if syn::parse_str::<Ident>(name).is_ok() {
        return Some(Ident::new(name, span));
    }
    if matches!(name, "self" | "super" | "crate" | "Self" | "_") {
        return None;
    }
    // A keyword (`type`, `match`...): a raw identifier, if it is one.
    syn::parse_str::<Ident>(&format!("r#{name}"))
        .ok()
        .map(|_| Ident::new_raw(name, span))
}

/// The type inside one outer `Option<...>`, if the type is written so.
pub(crate) fn strip_option(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(inner)) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// The last path segment's name, if the type is a path.
fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        Type::Group(group) => last_segment(&group.elem),
        Type::Paren(paren) => last_segment(&paren.elem),
        _ => None,
    }
}

/// `i64` or `Option<i64>`, as written.
fn is_i64(ty: &Type) -> bool {
    let ty = strip_option(ty).unwrap_or(ty);
    last_segment(ty).is_some_and(|s| s.ident == "i64" && s.arguments.is_empty())
}

/// A list, set or map type, as written (`Vec<u8>` is a blob, not a list).
fn is_collection(ty: &Type) -> bool {
    let ty = strip_option(ty).unwrap_or(ty);
    let Some(segment) = last_segment(ty) else {
        return false;
    };
    let name = segment.ident.to_string();
    match name.as_str() {
        "BTreeSet" | "HashSet" | "BTreeMap" | "HashMap" => true,
        "Vec" => {
            let byte = match &segment.arguments {
                PathArguments::AngleBracketed(args) => args.args.iter().any(|a| {
                    matches!(a, GenericArgument::Type(t)
                        if last_segment(t).is_some_and(|s| s.ident == "u8"))
                }),
                _ => false,
            };
            !byte
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn snake_case_names() {
        assert_eq!(snake_case("User"), "user");
        assert_eq!(snake_case("BlogPost"), "blog_post");
        assert_eq!(snake_case("HTTPRequest"), "http_request");
        assert_eq!(snake_case("PageV2"), "page_v2");
        assert_eq!(snake_case("Already_Snake"), "already_snake");
        assert_eq!(snake_case("ABC"), "abc");
    }
}
