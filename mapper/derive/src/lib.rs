//! `#[derive(Model)]` for `cqlengine`, the object mapper for Apache
//! Cassandra.
//!
//! Use it through `cqlengine::Model` (the crate re-exports the macro beside
//! the trait); the generated code names `::cqlengine`, so the mapper must be
//! a dependency of the crate that derives. The full description, with a
//! compiled example, is on the re-export in `cqlengine`'s documentation;
//! this page repeats the attribute syntax.
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
//! | `discriminator_value = "value"` | the value of the discriminator column that selects this model in a polymorphic table |
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
//! same column name; table, keyspace and column names are not empty.
//! `ModelSchema::check` repeats the checks that depend on the real column
//! types at run time.

mod parse;
mod poly;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{parse_macro_input, DeriveInput};

use crate::parse::{strip_option, DefaultFill, ModelDef, Role, TypeOverride};

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
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    };
    let options = model
        .options
        .iter()
        .map(|(key, value)| quote!((#key, ::std::string::String::from(#value))));

    let columns = model.fields.iter().map(|f| {
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
    });

    let value_arms = model.fields.iter().enumerate().map(|(i, f)| {
        let field = &f.ident;
        match &model.discriminator_value {
            // A polymorphic model always writes its own discriminator value.
            Some(value) if f.discriminator => quote! {
                #i => ::cqlengine::__private::to_raw_value(#value, &schema.columns[#i].ty, version),
            },
            _ => quote! {
                #i => ::cqlengine::__private::to_raw_value(&self.#field, &schema.columns[#i].ty, version),
            },
        }
    });
    let discriminator_check = match &model.discriminator_value {
        Some(value) => {
            let i = model
                .fields
                .iter()
                .position(|f| f.discriminator)
                .expect("the parser requires a discriminator field with discriminator_value");
            quote! {
                ::cqlengine::__private::check_discriminator(
                    row,
                    #model_name,
                    &<Self as ::cqlengine::Model>::schema().columns[#i],
                    #value,
                )?;
            }
        }
        None => quote!(),
    };

    let validations = model.fields.iter().enumerate().map(|(i, f)| {
        let field = &f.ident;
        quote! {
            ::cqlengine::validate_field(#model_name, &schema.columns[#i], &self.#field)?;
        }
    });

    let reads = model.fields.iter().map(|f| {
        let field = &f.ident;
        let name = &f.db_name;
        let ty = &f.ty;
        let get = quote_spanned!(ty.span()=> row.get::<#ty>(#name)?);
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
                    #field: match row.raw(#name) {
                        ::core::option::Option::None => #fill,
                        #null_arm
                        ::core::option::Option::Some(_) => #get,
                    },
                }
            }
        }
    });

    let vis = &model.vis;
    let module = &model.module;
    let module_doc = format!(
        "The columns of `{model_name}` (table `{table}`), for typed \
         filters and assignments: one constant per field, named after it."
    );
    let consts = model.fields.iter().enumerate().map(|(i, f)| {
        let field = &f.ident;
        let name = &f.db_name;
        let ty = strip_option(&f.ty).unwrap_or(&f.ty);
        let docs = &f.docs;
        let sep = if docs.is_empty() {
            quote!()
        } else {
            quote!(#[doc = ""])
        };
        let doc = format!(
            "The column `{name}` of `{model_name}` (field `{}`).",
            f.name
        );
        quote! {
            #(#docs)*
            #sep
            #[doc = #doc]
            #[allow(non_upper_case_globals)]
            pub const #field: ::cqlengine::Column<super::#ident, #ty> =
                ::cqlengine::Column::new(#i, #name);
        }
    });
    let field_count = model.fields.len();
    let checked_schema = checked_schema();

    // The column list, for the column module of a polymorphic enum model
    // that has this struct as a variant (see `poly::expand_enum`).
    let list_macro = poly::column_list_macro(ident);
    let entries = model.fields.iter().map(|f| {
        let field = &f.ident;
        let name = &f.db_name;
        let ty = strip_option(&f.ty).unwrap_or(&f.ty);
        quote!((#field #name #ty))
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
                    columns: ::std::vec![#(#columns),*],
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
                match index {
                    #(#value_arms)*
                    _ => ::core::result::Result::Err(
                        ::cqlengine::__private::ValueError::OutOfRange {
                            rust_type: #model_name,
                            cql_type: ::cqlengine::__private::ColumnType::Int,
                            value: ::std::format!(
                                "column index {} (the model has {} columns)",
                                index,
                                #field_count,
                            ),
                        },
                    ),
                }
            }

            fn validate(&self) -> ::core::result::Result<(), ::cqlengine::ValidationError> {
                let schema = <Self as ::cqlengine::Model>::schema();
                #(#validations)*
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
