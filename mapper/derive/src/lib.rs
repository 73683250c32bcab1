//! `#[derive(Model)]` and `#[derive(Columns)]` for `cqlengine`, the object
//! mapper for Apache Cassandra.
//!
//! Use them through `cqlengine::Model` and `cqlengine::Columns` (the crate
//! re-exports the macros beside the traits `Model` and `ColumnGroup`); the
//! generated code names `::cqlengine`, so the mapper must be a dependency
//! of the crate that derives. The full descriptions, with compiled
//! examples, are on the re-exports in `cqlengine`'s documentation; this
//! page repeats the attribute syntax.
//!
//! # Attributes
//!
//! On the struct, `#[cql(...)]` with any of:
//!
//! | key | meaning |
//! | --- | --- |
//! | `table = "name"` | the table's name; by default the struct's name in snake case (`BlogPost` → `blog_post`) |
//! | `keyspace = "name"` | the keyspace the model is fixed to (optional) |
//! | `options(name = "cql", ...)` | table options, each value the CQL text as written: `options(comment = "'users'", default_time_to_live = "3600")` |
//! | `discriminator_value = "value"` / `= 1` | the value of the discriminator column that selects this model in a polymorphic table: a string for a text (or `ascii`) discriminator, an integer literal (`-1` too) for an `i32` or `i64` one (`DiscriminatorValue::Text` / `Int`) |
//! | `module = "name"` | the name of the module of column constants; by default the struct's name in snake case |
//!
//! On a field, `#[cql(...)]` with any of:
//!
//! | key | meaning |
//! | --- | --- |
//! | `partition_key` | part of the partition key, in field order. With no field so marked, the first field is the partition key (cqlengine's rule) |
//! | `clustering_key` | a clustering column, in field order |
//! | `order = "asc"` / `"desc"` | the clustering order (clustering keys only; ascending by default) |
//! | `static_column` | a static column (not on a key; the table needs a clustering key) |
//! | `index` | the column has a secondary index |
//! | `db_field = "name"` | the column's name in Cassandra, if not the field's |
//! | `required` | null is refused by `validate` (keys always are) |
//! | `min_length = N`, `max_length = N` | text length bounds, in characters, checked by `validate` |
//! | `timeuuid`, `ascii`, `counter` | the column type, instead of the one the Rust type gives (`Uuid` → uuid, `String` → text); a counter is an `i64` |
//! | `discriminator` | the discriminator column of a polymorphic table (one at most, not a counter or collection) |
//! | `default`, `default = "path::to::function"` | when the column is missing from a row (a partial select), or null and the field is not an `Option`, the field is `Default::default()` or `function()` instead of an error |
//! | `flatten` | the field is a column group (a struct with `#[derive(Columns)]`, named by its path): its columns take the field's place in the schema, in the group's field order. It takes no other key |
//!
//! # Column groups
//!
//! `#[derive(Columns)]` on a struct with named fields makes a group of
//! columns that models share (cqlengine's `__abstract__` base models). Its
//! fields take the field keys above (`flatten` too: groups nest); the
//! struct's `#[cql(...)]` takes only `columns = "Name"`, the name of the
//! struct of its typed columns (by default `{Group}Columns`, with the
//! group's visibility). The derive implements `ColumnGroup` (the column
//! count and names as constants, the column definitions, serializing,
//! validation) and `FromRow`, and makes `{Group}Columns<M>`: one public
//! `Column<M, T>` per field (a nested group's columns struct for a
//! flattened one), `Copy`, with `const fn new(offset)`.
//!
//! In a model, `#[cql(flatten)] stamps: Timestamps` puts the group's
//! columns at the field's place; the later fields' indexes are offset by
//! `Timestamps::COLUMN_COUNT` (in constant expressions), and the column
//! module's `stamps` is a `TimestampsColumns<Model>`:
//! `user::stamps.created.gt(t)` is a filter on `User`. The group's
//! columns are the model's own for writes, queries, tracking and
//! `sync_table`; `FromRow` reads the group with the group's `FromRow`.
//!
//! A group is not a table, so a model that flattens one is checked in
//! part at run time: the derive cannot see the group's columns, and
//! `ModelSchema::check` (at first use) checks the rules that involve them:
//! a partition key (with none marked, the first column — its own or a
//! group's — becomes the partition key if it is a regular, non-counter
//! column; else the definition is refused), the counter table rules,
//! static columns needing a clustering key, one discriminator, a
//! `discriminator_value` needing a discriminator column of a type that
//! holds it, distinct column names. The rules of each field (in a group
//! too) are still checked at compile time.
//!
//! # Polymorphic models
//!
//! A struct with `discriminator_value` is one kind of row of a shared
//! table: its `column_value` of the discriminator column is always that
//! value (whatever the field holds), and its `FromRow` refuses a row whose
//! discriminator holds another value. `validate` does not look at it.
//!
//! On an enum whose variants each hold one such model struct
//! (`Cat(Cat)`), the derive makes the polymorphic model of the table:
//! its schema is the union of the variants' columns
//! (`ModelSchema::polymorphic`), `column_value` and `validate` delegate to
//! the active variant (a column the variant lacks is null), `FromRow`
//! builds the variant the row's discriminator names, `From<Variant>` is
//! implemented for each variant, and the column module (the enum's name in
//! snake case, or `#[cql(module = "...")]`, the only key an enum takes)
//! holds the union's columns, each typed as in the first variant that has
//! it. The variants must be model structs of the same crate whose field
//! types can be named where the enum is defined (the struct derive leaves
//! a hidden macro listing its columns, which the enum's column module is
//! built from). Whether the variants fit together (one table, one primary
//! key, one discriminator column, distinct values, one type per column) is
//! checked at run time, by `ModelSchema::check`, at first use.
//!
//! A variant may flatten column groups: the enum's column module then has
//! the group's columns struct (built by its hidden `__in_union`
//! constructor), and every constant's index is the column's place in the
//! union, computed by a constant function over the variants' column
//! names (the group types, like the variants' field types, must be
//! nameable where the enum is defined).
//!
//! # Checked at compile time
//!
//! A model is a struct with named fields and no generics, or an enum of
//! one-field tuple variants with at least one variant and no generics;
//! keys are known;
//! `order` is on a clustering key; a field is not both a partition and a
//! clustering key; a key is not static; there is at most one discriminator,
//! not a counter and not a collection; a counter is an `i64`, not in the
//! primary key, and a table with counters holds only counters and key
//! columns; static columns need a clustering key; no two fields map to the
//! same column name; table, keyspace and column names are not empty; a
//! `discriminator_value` is a string or an integer literal that the
//! discriminator field's type, as written, can hold (a `String` takes a
//! string, an `i32` an integer that fits it, an `i64` any integer; a type
//! the derive does not know, such as an alias, is checked at run time).
//! A `flatten` field takes no other key and names a column group by its
//! path; a group is a struct with named fields and no generics, with at
//! least one field. With a group flattened, the rules that involve the
//! group's columns (the implicit partition key, the counter table rules,
//! static columns needing a clustering key, a `discriminator_value`
//! without a discriminator field) are left to run time.
//! `ModelSchema::check` repeats the checks that depend on the real column
//! types at run time.

mod parse;
mod poly;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{parse_macro_input, DeriveInput};

use crate::parse::{
    strip_option, DefaultFill, DiscriminatorLit, FieldDef, GroupDef, ModelDef, Role, Slot,
    TypeOverride,
};

/// Derives `cqlengine::Model` and `cql_driver::FromRow` for a struct (or a
/// polymorphic enum of model structs), and makes a module of its typed
/// column constants.
///
/// See the crate documentation for the attributes, and `cqlengine::Model`
/// (the re-export) for an example.
#[proc_macro_derive(Model, attributes(cql))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    if let syn::Data::Enum(data) = &input.data {
        return match poly::parse_enum(&input, data) {
            Ok(model) => poly::expand_enum(&model).into(),
            Err(error) => error.to_compile_error().into(),
        };
    }
    match parse::parse(&input) {
        Ok(model) => expand(&model).into(),
        Err(error) => error.to_compile_error().into(),
    }
}

/// Derives `cqlengine::ColumnGroup` and `cql_driver::FromRow` for a struct
/// whose fields are columns that models include with a `#[cql(flatten)]`
/// field, and makes the struct of its typed columns (`{Name}Columns<M>`).
///
/// See the crate documentation for the attributes, and `cqlengine::Columns`
/// (the re-export) for an example.
#[proc_macro_derive(Columns, attributes(cql))]
pub fn derive_columns(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match parse::parse_group(&input) {
        Ok(group) => expand_group(&group).into(),
        Err(error) => error.to_compile_error().into(),
    }
}

/// The column module of a polymorphic enum model: called by the column
/// list macros of its variants, one after the other, each adding its
/// columns; the last call makes the module. Not a public API.
#[doc(hidden)]
#[proc_macro]
pub fn __enum_columns(input: TokenStream) -> TokenStream {
    match syn::parse::Parser::parse(poly::parse_columns_call, input) {
        Ok(call) => poly::expand_columns_call(call).into(),
        Err(error) => error.to_compile_error().into(),
    }
}

/// `<Type as ::cqlengine::ColumnGroup>`, spanned on the type so that a
/// type that is not a group is reported there.
fn group_trait(ty: &syn::Type) -> TokenStream2 {
    quote_spanned!(ty.span()=> <#ty as ::cqlengine::ColumnGroup>)
}

/// `<Type as ::cqlengine::ColumnGroup>::Columns<M>`, spanned on the type.
fn group_columns(ty: &syn::Type, model: &TokenStream2) -> TokenStream2 {
    quote_spanned!(ty.span()=> <#ty as ::cqlengine::ColumnGroup>::Columns<#model>)
}

/// A call of a constructor of a group's columns struct, spanned on the
/// group's type.
fn group_columns_new(
    ty: &syn::Type,
    model: &TokenStream2,
    constructor: &str,
    args: TokenStream2,
) -> TokenStream2 {
    let columns = group_columns(ty, model);
    let constructor = syn::Ident::new(constructor, ty.span());
    quote_spanned!(ty.span()=> <#columns>::#constructor(#args))
}

/// Where each field's columns start (a constant expression: a number, plus
/// the column counts of the groups before it), and the total.
struct Layout {
    starts: Vec<TokenStream2>,
    total: TokenStream2,
}

fn layout(slots: &[Slot]) -> Layout {
    let render = |plain: usize, groups: &[TokenStream2]| {
        let plain = proc_macro2::Literal::usize_unsuffixed(plain);
        quote!(#plain #(+ #groups::COLUMN_COUNT)*)
    };
    let mut plain = 0;
    let mut groups = Vec::new();
    let mut starts = Vec::new();
    for slot in slots {
        starts.push(render(plain, &groups));
        match slot {
            Slot::Column(_) => plain += 1,
            Slot::Group(group) => groups.push(group_trait(&group.ty)),
        }
    }
    Layout {
        starts,
        total: render(plain, &groups),
    }
}

/// The `ColumnDef` of a column field.
fn column_def(f: &FieldDef) -> TokenStream2 {
    let field = &f.name;
    let name = &f.db_name;
    let ty = &f.ty;
    let cql_type = match f.type_override {
        Some(TypeOverride::Timeuuid) => quote!(::cqlengine::__private::ColumnType::Timeuuid),
        Some(TypeOverride::Ascii) => quote!(::cqlengine::__private::ColumnType::Ascii),
        Some(TypeOverride::Counter) => quote!(::cqlengine::__private::ColumnType::Counter),
        None => quote_spanned!(ty.span()=> <#ty as ::cqlengine::CqlColumn>::cql_type()),
    };
    let role = match f.role {
        Role::PartitionKey => quote!(::cqlengine::ColumnRole::PartitionKey),
        Role::Clustering { desc: false } => {
            quote!(::cqlengine::ColumnRole::Clustering(
                ::cqlengine::ClusteringOrder::Asc
            ))
        }
        Role::Clustering { desc: true } => {
            quote!(::cqlengine::ColumnRole::Clustering(
                ::cqlengine::ClusteringOrder::Desc
            ))
        }
        Role::Static => quote!(::cqlengine::ColumnRole::Static),
        Role::Regular => quote!(::cqlengine::ColumnRole::Regular),
    };
    let index = f.index;
    let required = f.required;
    let discriminator = f.discriminator;
    let min_length = option_usize(f.min_length);
    let max_length = option_usize(f.max_length);
    quote! {{
        let mut column = ::cqlengine::ColumnDef::new(#field, #name, #cql_type);
        column.role = #role;
        column.index = #index;
        column.required = #required;
        column.min_length = #min_length;
        column.max_length = #max_length;
        column.discriminator = #discriminator;
        column
    }}
}

/// The `Vec<ColumnDef>` of the fields, groups' columns in their places.
fn column_defs(slots: &[Slot], model: bool) -> TokenStream2 {
    let has_groups = slots.iter().any(|s| matches!(s, Slot::Group(_)));
    if !has_groups {
        let defs = slots.iter().filter_map(|slot| match slot {
            Slot::Column(f) => Some(column_def(f)),
            Slot::Group(_) => None,
        });
        return quote!(::std::vec![#(#defs),*]);
    }
    let pushes = slots.iter().map(|slot| match slot {
        Slot::Column(f) => {
            let def = column_def(f);
            quote!(columns.push(#def);)
        }
        Slot::Group(group) => {
            let group = group_trait(&group.ty);
            quote!(columns.extend(#group::column_defs());)
        }
    });
    let implicit_key = if model {
        quote!(::cqlengine::__private::implicit_partition_key(&mut columns);)
    } else {
        quote!()
    };
    let total = layout(slots).total;
    quote! {{
        let mut columns = ::std::vec::Vec::with_capacity(#total);
        #(#pushes)*
        #implicit_key
        columns
    }}
}

/// The arms of a `match index` serializing each field's columns; `ty` is
/// the expression of the column type at `index`.
fn value_arms(slots: &[Slot], ty: &TokenStream2) -> (Vec<TokenStream2>, Vec<TokenStream2>) {
    let layout = layout(slots);
    let mut consts = Vec::new();
    let mut arms = Vec::new();
    for (k, (slot, start)) in slots.iter().zip(&layout.starts).enumerate() {
        match slot {
            Slot::Column(f) => {
                let at = format_ident!("__CQLENGINE_AT_{}", k);
                let field = &f.ident;
                consts.push(quote!(const #at: ::core::primitive::usize = #start;));
                arms.push(quote! {
                    #at => ::cqlengine::__private::to_raw_value(&self.#field, #ty, version),
                });
            }
            Slot::Group(group) => {
                let field = &group.ident;
                let g = group_trait(&group.ty);
                arms.push(quote! {
                    index if ((#start)..(#start) + #g::COLUMN_COUNT).contains(&index) => {
                        #g::column_value(&self.#field, index - (#start), #ty, version)
                    }
                });
            }
        }
    }
    (consts, arms)
}

/// The arms of `write_column` (each field serialized straight into the
/// request) and of `column_is_null`, for the fields that are columns of
/// the model itself; a group's columns take the trait's default path
/// (through `column_value`).
fn write_arms(slots: &[Slot]) -> (Vec<TokenStream2>, Vec<TokenStream2>, Vec<TokenStream2>) {
    let layout = layout(slots);
    let mut consts = Vec::new();
    let mut writes = Vec::new();
    let mut nulls = Vec::new();
    for (k, (slot, start)) in slots.iter().zip(&layout.starts).enumerate() {
        if let Slot::Column(f) = slot {
            let at = format_ident!("__CQLENGINE_AT_{}", k);
            let field = &f.ident;
            consts.push(quote!(const #at: ::core::primitive::usize = #start;));
            writes.push(quote! {
                #at => ::cqlengine::__private::SerializeValue::serialize(&self.#field, ty, version, out),
            });
            nulls.push(quote! {
                #at => ::core::result::Result::Ok(::cqlengine::CqlColumn::is_null(&self.#field)),
            });
        }
    }
    (consts, writes, nulls)
}

/// The validation of each field against `columns` (a slice of the
/// fields' column definitions, in order), for the model named `model`.
fn validations(slots: &[Slot], columns: &TokenStream2, model: &TokenStream2) -> TokenStream2 {
    let layout = layout(slots);
    let checks = slots
        .iter()
        .zip(&layout.starts)
        .map(|(slot, start)| match slot {
            Slot::Column(f) => {
                let field = &f.ident;
                quote! {
                    ::cqlengine::validate_field(#model, &#columns[#start], &self.#field)?;
                }
            }
            Slot::Group(group) => {
                let field = &group.ident;
                let g = group_trait(&group.ty);
                quote! {
                    #g::validate(
                        &self.#field,
                        #model,
                        &#columns[(#start)..(#start) + #g::COLUMN_COUNT],
                    )?;
                }
            }
        });
    quote!(#(#checks)*)
}

/// The field initializers of `FromRow`, reading `row`.
/// The reads of each field from `row`. A model's own columns (`hinted`)
/// are looked for first where a SELECT of every column has them, its
/// schema position; a group's, by name.
fn reads(slots: &[Slot], hinted: bool) -> Vec<TokenStream2> {
    let layout = layout(slots);
    slots
        .iter()
        .zip(&layout.starts)
        .map(|(slot, start)| {
            let f = match slot {
                Slot::Column(f) => f,
                Slot::Group(group) => {
                    let field = &group.ident;
                    let ty = &group.ty;
                    let read = quote_spanned!(ty.span()=>
                        ::cqlengine::__private::read_group::<#ty>(row)?
                    );
                    return quote!(#field: #read,);
                }
            };
            let field = &f.ident;
            let name = &f.db_name;
            let ty = &f.ty;
            let at = if hinted {
                quote!(::cqlengine::__private::NamedAt(#name, #start))
            } else {
                quote!(#name)
            };
            let get = quote_spanned!(ty.span()=> row.get::<#ty>(#at)?);
            match &f.default {
                None => quote!(#field: #get,),
                Some(fill) => {
                    let fill = match fill {
                        DefaultFill::Trait => quote!(::core::default::Default::default()),
                        DefaultFill::Function(path) => quote_spanned!(path.span()=> #path()),
                    };
                    // An Option field reads a null as None; any other field
                    // takes its default for a null too.
                    let null_arm = if strip_option(ty).is_some() {
                        quote!()
                    } else {
                        quote!(::core::option::Option::Some(::core::option::Option::None) => #fill,)
                    };
                    quote! {
                        #field: match row.raw(#at) {
                            ::core::option::Option::None => #fill,
                            #null_arm
                            ::core::option::Option::Some(_) => #get,
                        },
                    }
                }
            }
        })
        .collect()
}

/// The documentation of a typed column: the field's own, then a line
/// naming the column.
fn column_docs(docs: &[syn::Attribute], line: String) -> TokenStream2 {
    let sep = if docs.is_empty() {
        quote!()
    } else {
        quote!(#[doc = ""])
    };
    quote! {
        #(#docs)*
        #sep
        #[doc = #line]
    }
}

fn discriminator_tokens(value: &DiscriminatorLit) -> TokenStream2 {
    match value {
        DiscriminatorLit::Text(text) => quote!(::cqlengine::DiscriminatorValue::Text(#text)),
        DiscriminatorLit::Int(n) => {
            let n = proc_macro2::Literal::i64_suffixed(*n);
            quote!(::cqlengine::DiscriminatorValue::Int(#n))
        }
    }
}

/// The generated code for a checked model.
fn expand(model: &ModelDef) -> TokenStream2 {
    let ident = &model.ident;
    let model_name = syn::ext::IdentExt::unraw(ident).to_string();
    let table = &model.table;
    let keyspace = match &model.keyspace {
        Some(k) => quote!(::core::option::Option::Some(#k)),
        None => quote!(::core::option::Option::None),
    };
    let discriminator_value = match &model.discriminator_value {
        Some(v) => {
            let v = discriminator_tokens(v);
            quote!(::core::option::Option::Some(#v))
        }
        None => quote!(::core::option::Option::None),
    };
    let options = model
        .options
        .iter()
        .map(|(key, value)| quote!((#key, ::std::string::String::from(#value))));
    let columns = column_defs(&model.slots, true);
    let layout = layout(&model.slots);
    let total = &layout.total;

    let (value_consts, value_arms) = value_arms(&model.slots, &quote!(&schema.columns[index].ty));
    // A polymorphic model always writes its own discriminator value, in
    // whichever column (its own or a group's) is the discriminator.
    let discriminator_write = match &model.discriminator_value {
        Some(value) => {
            let value = discriminator_tokens(value);
            quote! {
                if let ::core::option::Option::Some(column) = schema.columns.get(index) {
                    if column.discriminator {
                        return ::cqlengine::__private::to_raw_value(&#value, &column.ty, version);
                    }
                }
            }
        }
        None => quote!(),
    };
    let (write_consts, write_arms, null_arms) = write_arms(&model.slots);
    let (discriminator_write_into, discriminator_not_null) = match &model.discriminator_value {
        Some(value) => {
            let value = discriminator_tokens(value);
            (
                quote! {
                    if <Self as ::cqlengine::Model>::schema()
                        .columns
                        .get(index)
                        .is_some_and(|column| column.discriminator)
                    {
                        return ::cqlengine::__private::SerializeValue::serialize(
                            &#value, ty, version, out,
                        );
                    }
                },
                quote! {
                    if <Self as ::cqlengine::Model>::schema()
                        .columns
                        .get(index)
                        .is_some_and(|column| column.discriminator)
                    {
                        return ::core::result::Result::Ok(false);
                    }
                },
            )
        }
        None => (quote!(), quote!()),
    };
    let discriminator_check = match &model.discriminator_value {
        Some(_) => quote! {
            ::cqlengine::__private::check_discriminator(
                row,
                #model_name,
                <Self as ::cqlengine::Model>::schema(),
            )?;
        },
        None => quote!(),
    };

    let validations = validations(&model.slots, &quote!(schema.columns), &quote!(#model_name));
    let reads = reads(&model.slots, true);

    let vis = &model.vis;
    let module = &model.module;
    let module_doc = format!(
        "The columns of `{model_name}` (table `{table}`), for typed \
         filters and assignments: one constant per field, named after it."
    );
    let consts = model
        .slots
        .iter()
        .zip(&layout.starts)
        .map(|(slot, start)| match slot {
            Slot::Column(f) => {
                let field = &f.ident;
                let name = &f.db_name;
                let ty = strip_option(&f.ty).unwrap_or(&f.ty);
                let docs = column_docs(
                    &f.docs,
                    format!(
                        "The column `{name}` of `{model_name}` (field `{}`).",
                        f.name
                    ),
                );
                quote! {
                    #docs
                    #[allow(non_upper_case_globals)]
                    pub const #field: ::cqlengine::Column<super::#ident, #ty> =
                        ::cqlengine::Column::new(#start, #name);
                }
            }
            Slot::Group(group) => {
                let field = &group.ident;
                let model = quote!(super::#ident);
                let columns = group_columns(&group.ty, &model);
                let new = group_columns_new(&group.ty, &model, "new", quote!(#start));
                let docs = column_docs(
                    &group.docs,
                    format!(
                        "The columns of `{model_name}` from the group in its field `{}`.",
                        group.name
                    ),
                );
                quote! {
                    #docs
                    #[allow(non_upper_case_globals)]
                    pub const #field: #columns = #new;
                }
            }
        });
    let checked_schema = checked_schema();

    // The column list, for the column module of a polymorphic enum model
    // that has this struct as a variant (see `poly::expand_enum`).
    let list_macro = poly::column_list_macro(ident);
    let entries = model.slots.iter().map(|slot| match slot {
        Slot::Column(f) => {
            let field = &f.ident;
            let name = &f.db_name;
            let ty = strip_option(&f.ty).unwrap_or(&f.ty);
            quote!((#field #name #ty))
        }
        Slot::Group(group) => {
            let field = &group.ident;
            let ty = &group.ty;
            quote!((#field flatten #ty))
        }
    });
    let column_list = quote! {
        #[doc(hidden)]
        macro_rules! #list_macro {
            ($($args:tt)*) => {
                ::cqlengine::__private::__enum_columns! { $($args)* { #(#entries)* } }
            };
        }
        #[doc(hidden)]
        #[allow(unused_imports)]
        pub(crate) use #list_macro;
    };

    quote! {
        #[automatically_derived]
        impl ::cqlengine::Model for #ident {
            fn schema() -> &'static ::cqlengine::ModelSchema {
                static SCHEMA: ::cqlengine::__private::OnceLock<::cqlengine::ModelSchema> =
                    ::cqlengine::__private::OnceLock::new();
                SCHEMA.get_or_init(|| ::cqlengine::ModelSchema {
                    model: #model_name,
                    table: #table,
                    keyspace: #keyspace,
                    columns: #columns,
                    options: ::std::vec![#(#options),*],
                    discriminator_value: #discriminator_value,
                    variants: ::std::vec::Vec::new(),
                })
            }

            fn column_value(
                &self,
                index: ::core::primitive::usize,
                version: ::cqlengine::__private::ProtocolVersion,
            ) -> ::core::result::Result<
                ::cqlengine::__private::RawValue,
                ::cqlengine::__private::ValueError,
            > {
                let schema = <Self as ::cqlengine::Model>::schema();
                #discriminator_write
                #(#value_consts)*
                #[allow(unreachable_patterns)]
                match index {
                    #(#value_arms)*
                    _ => ::core::result::Result::Err(
                        ::cqlengine::__private::column_out_of_range(#model_name, index, #total),
                    ),
                }
            }

            fn write_column(
                &self,
                index: ::core::primitive::usize,
                ty: &::cqlengine::__private::ColumnType,
                version: ::cqlengine::__private::ProtocolVersion,
                out: &mut ::cqlengine::__private::BytesMut,
            ) -> ::core::result::Result<
                ::cqlengine::__private::IsNull,
                ::cqlengine::__private::ValueError,
            > {
                #discriminator_write_into
                #(#write_consts)*
                #[allow(unreachable_patterns)]
                match index {
                    #(#write_arms)*
                    _ => ::cqlengine::__private::write_column_value(self, index, ty, version, out),
                }
            }

            fn column_is_null(
                &self,
                index: ::core::primitive::usize,
                version: ::cqlengine::__private::ProtocolVersion,
            ) -> ::core::result::Result<
                ::core::primitive::bool,
                ::cqlengine::__private::ValueError,
            > {
                #discriminator_not_null
                #(#write_consts)*
                #[allow(unreachable_patterns)]
                match index {
                    #(#null_arms)*
                    _ => ::cqlengine::__private::column_value_is_null(self, index, version),
                }
            }

            fn validate(&self) -> ::core::result::Result<(), ::cqlengine::ValidationError> {
                let schema = <Self as ::cqlengine::Model>::schema();
                #validations
                ::core::result::Result::Ok(())
            }

            #checked_schema
        }

        #[automatically_derived]
        impl ::cqlengine::driver::FromRow for #ident {
            fn from_row(
                row: &::cqlengine::__private::Row,
            ) -> ::core::result::Result<Self, ::cqlengine::__private::RowError> {
                #discriminator_check
                ::core::result::Result::Ok(#ident {
                    #(#reads)*
                })
            }
        }

        #column_list

        #[doc = #module_doc]
        #[allow(unused_imports)]
        #vis mod #module {
            use super::*;

            #(#consts)*
        }
    }
}

/// The generated code for a column group.
fn expand_group(group: &GroupDef) -> TokenStream2 {
    let ident = &group.ident;
    let group_name = syn::ext::IdentExt::unraw(ident).to_string();
    let columns_ident = &group.columns;
    let vis = &group.vis;
    let layout = layout(&group.slots);
    let total = &layout.total;
    let defs = column_defs(&group.slots, false);
    let (value_consts, value_arms) = value_arms(&group.slots, &quote!(ty));
    let validations = validations(&group.slots, &quote!(columns), &quote!(model));
    let reads = reads(&group.slots, false);

    // The names, as segments: runs of this group's columns, and the names
    // of the groups it flattens.
    let mut segments: Vec<TokenStream2> = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    let mut nested = false;
    for slot in &group.slots {
        match slot {
            Slot::Column(f) => run.push(&f.db_name),
            Slot::Group(inner) => {
                if !run.is_empty() {
                    segments.push(quote!(&[#(#run),*]));
                    run.clear();
                }
                let g = group_trait(&inner.ty);
                segments.push(quote!(#g::COLUMN_NAMES));
                nested = true;
            }
        }
    }
    let names = if nested {
        if !run.is_empty() {
            segments.push(quote!(&[#(#run),*]));
        }
        quote!(&::cqlengine::__private::concat_names::<{ #total }>(&[#(#segments),*]))
    } else {
        quote!(&[#(#run),*])
    };

    let mut struct_fields = Vec::new();
    let mut at_offset = Vec::new();
    let mut in_union = Vec::new();
    let mut debug_fields = Vec::new();
    for (slot, start) in group.slots.iter().zip(&layout.starts) {
        match slot {
            Slot::Column(f) => {
                let field = &f.ident;
                let name = &f.db_name;
                let ty = strip_option(&f.ty).unwrap_or(&f.ty);
                let docs = column_docs(
                    &f.docs,
                    format!(
                        "The column `{name}` (field `{}` of `{group_name}`).",
                        f.name
                    ),
                );
                struct_fields.push(quote! {
                    #docs
                    pub #field: ::cqlengine::Column<M, #ty>,
                });
                at_offset.push(quote! {
                    #field: ::cqlengine::Column::new(offset + (#start), #name),
                });
                in_union.push(quote! {
                    #field: ::cqlengine::Column::new(
                        ::cqlengine::__private::union_index(variants, #name),
                        #name,
                    ),
                });
                debug_fields.push(quote!(.field(#name, &self.#field)));
            }
            Slot::Group(inner) => {
                let field = &inner.ident;
                let name = &inner.name;
                let m = quote!(M);
                let columns = group_columns(&inner.ty, &m);
                let new = group_columns_new(&inner.ty, &m, "new", quote!(offset + (#start)));
                let union = group_columns_new(&inner.ty, &m, "__in_union", quote!(variants));
                let docs = column_docs(
                    &inner.docs,
                    format!("The columns of the group in the field `{name}` of `{group_name}`."),
                );
                struct_fields.push(quote! {
                    #docs
                    pub #field: #columns,
                });
                at_offset.push(quote!(#field: #new,));
                in_union.push(quote!(#field: #union,));
                debug_fields.push(quote!(.field(#name, &self.#field)));
            }
        }
    }
    let struct_doc = format!(
        "The typed columns of the column group `{group_name}` within the model `M`: \
         one per field (a flattened group's as its own columns struct), each a \
         `Column<M, T>` at its place in `M`'s schema. A model's column module holds one \
         for each field that flattens `{group_name}`."
    );
    let columns_name = columns_ident.to_string();

    quote! {
        #[automatically_derived]
        impl ::cqlengine::ColumnGroup for #ident {
            const COLUMN_COUNT: ::core::primitive::usize = #total;
            const COLUMN_NAMES: &'static [&'static ::core::primitive::str] = #names;
            type Columns<M> = #columns_ident<M>;

            fn column_defs() -> ::std::vec::Vec<::cqlengine::ColumnDef> {
                #defs
            }

            fn column_value(
                &self,
                index: ::core::primitive::usize,
                ty: &::cqlengine::__private::ColumnType,
                version: ::cqlengine::__private::ProtocolVersion,
            ) -> ::core::result::Result<
                ::cqlengine::__private::RawValue,
                ::cqlengine::__private::ValueError,
            > {
                #(#value_consts)*
                #[allow(unreachable_patterns)]
                match index {
                    #(#value_arms)*
                    _ => ::core::result::Result::Err(
                        ::cqlengine::__private::column_out_of_range(#group_name, index, #total),
                    ),
                }
            }

            fn validate(
                &self,
                model: &'static ::core::primitive::str,
                columns: &[::cqlengine::ColumnDef],
            ) -> ::core::result::Result<(), ::cqlengine::ValidationError> {
                #validations
                ::core::result::Result::Ok(())
            }
        }

        #[automatically_derived]
        impl ::cqlengine::driver::FromRow for #ident {
            fn from_row(
                row: &::cqlengine::__private::Row,
            ) -> ::core::result::Result<Self, ::cqlengine::__private::RowError> {
                ::core::result::Result::Ok(#ident {
                    #(#reads)*
                })
            }
        }

        #[doc = #struct_doc]
        #vis struct #columns_ident<M> {
            #(#struct_fields)*
        }

        #[automatically_derived]
        impl<M> ::core::clone::Clone for #columns_ident<M> {
            fn clone(&self) -> Self {
                *self
            }
        }

        #[automatically_derived]
        impl<M> ::core::marker::Copy for #columns_ident<M> {}

        #[automatically_derived]
        impl<M> ::core::fmt::Debug for #columns_ident<M> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#columns_name)
                    #(#debug_fields)*
                    .finish()
            }
        }

        impl<M> #columns_ident<M> {
            /// The group's columns within a model whose schema has the
            /// group's first column at index `offset` (what the model's
            /// column module uses).
            pub const fn new(offset: ::core::primitive::usize) -> Self {
                #columns_ident {
                    #(#at_offset)*
                }
            }

            /// The group's columns within a polymorphic enum model whose
            /// variants have the column names `variants`. Not a public API.
            #[doc(hidden)]
            pub const fn __in_union(variants: &[&[&[&'static ::core::primitive::str]]]) -> Self {
                #columns_ident {
                    #(#in_union)*
                }
            }
        }
    }
}

/// `Model::checked_schema`, with the check's outcome cached.
fn checked_schema() -> TokenStream2 {
    quote! {
        fn checked_schema() -> ::core::result::Result<
            &'static ::cqlengine::ModelSchema,
            ::cqlengine::MapperError,
        > {
            static CHECKED: ::cqlengine::__private::OnceLock<
                ::core::result::Result<(), ::cqlengine::MapperError>,
            > = ::cqlengine::__private::OnceLock::new();
            let schema = <Self as ::cqlengine::Model>::schema();
            CHECKED
                .get_or_init(|| schema.check())
                .clone()
                .map(|()| schema)
        }
    }
}

fn option_usize(value: Option<usize>) -> TokenStream2 {
    match value {
        Some(n) => quote!(::core::option::Option::Some(#n)),
        None => quote!(::core::option::Option::None),
    }
}
