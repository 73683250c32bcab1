//! `#[derive(Model)]` on an enum: a polymorphic model over the model
//! structs of its newtype variants, all on one table.
//!
//! The enum's derive cannot see its variants' fields, so its column module
//! is made in steps: the derive of each struct defines a hidden
//! `macro_rules!` macro listing its columns; the enum's derive calls the
//! first variant's, which hands its list to [`expand_columns_call`] (the
//! hidden `__enum_columns!`), which calls the next variant's with the lists
//! so far, and so on; the last step makes the module.

use std::collections::HashSet;

use proc_macro2::TokenStream as TokenStream2;
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::{DataEnum, DeriveInput, Fields, Ident, LitStr, Token, Type};

use crate::parse::snake_case;

/// The name of the hidden macro listing the columns of the struct `ident`.
pub(crate) fn column_list_macro(ident: &Ident) -> Ident {
    format_ident!("__cqlengine_columns_{}", ident.unraw())
}

/// A polymorphic enum model.
pub(crate) struct EnumDef {
    ident: Ident,
    vis: syn::Visibility,
    module: Ident,
    /// Each variant's name and model type.
    variants: Vec<(Ident, syn::TypePath)>,
}

pub(crate) fn parse_enum(input: &DeriveInput, data: &DataEnum) -> syn::Result<EnumDef> {
    if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "#[derive(Model)] does not support generic enums: a polymorphic model maps one \
             table, so its variants must be concrete models",
        ));
    }
    if data.variants.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "a polymorphic model needs at least one variant, each holding a model struct: \
             `Cat(Cat)`",
        ));
    }
    let mut module: Option<LitStr> = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("cql")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("module") {
                if module.is_some() {
                    return Err(meta.error("`module` is given twice"));
                }
                module = Some(meta.value()?.parse()?);
                Ok(())
            } else {
                Err(meta.error(
                    "the only #[cql] key on a polymorphic enum model is `module`; the table, \
                     keyspace and options are its variants'",
                ))
            }
        })?;
    }
    let module_name = match &module {
        Some(lit) => lit.value(),
        None => snake_case(&input.ident.unraw().to_string()),
    };
    let module_span = module.as_ref().map_or(input.ident.span(), LitStr::span);
    let module = syn::parse_str::<Ident>(&module_name)
        .map(|_| Ident::new(&module_name, module_span))
        .or_else(|_| syn::parse_str::<Ident>(&format!("r#{module_name}")))
        .map_err(|_| {
            syn::Error::new(
                module_span,
                format!(
                    "`{module_name}` cannot be a module name; choose one with \
                     #[cql(module = \"...\")]"
                ),
            )
        })?;

    let mut variants = Vec::new();
    for variant in &data.variants {
        let wrong = || {
            syn::Error::new_spanned(
                variant,
                format!(
                    "each variant of a polymorphic model holds one model struct: `{0}({0})`",
                    variant.ident.unraw()
                ),
            )
        };
        if let Some(attr) = variant.attrs.iter().find(|a| a.path().is_ident("cql")) {
            return Err(syn::Error::new_spanned(
                attr,
                "a variant takes no #[cql] attributes; put them on its model struct",
            ));
        }
        let Fields::Unnamed(fields) = &variant.fields else {
            return Err(wrong());
        };
        if fields.unnamed.len() != 1 {
            return Err(wrong());
        }
        let ty = &fields.unnamed[0].ty;
        let path = match ty {
            Type::Path(path)
                if path.qself.is_none()
                    && path
                        .path
                        .segments
                        .last()
                        .is_some_and(|s| s.arguments.is_empty()) =>
            {
                path.clone()
            }
            _ => {
                return Err(syn::Error::new_spanned(
                    ty,
                    "a variant holds a model struct, named by its path (`Cat`, `zoo::Cat`)",
                ))
            }
        };
        variants.push((variant.ident.clone(), path));
    }
    Ok(EnumDef {
        ident: input.ident.clone(),
        vis: input.vis.clone(),
        module,
        variants,
    })
}

/// The path of the column list macro of the struct at `path`.
fn list_macro_path(path: &syn::TypePath) -> syn::Path {
    let mut path = path.path.clone();
    let last = path.segments.last_mut().expect("a path has a segment");
    last.ident = column_list_macro(&last.ident);
    path
}

pub(crate) fn expand_enum(model: &EnumDef) -> TokenStream2 {
    let ident = &model.ident;
    let model_name = ident.unraw().to_string();
    let names: Vec<&Ident> = model.variants.iter().map(|(v, _)| v).collect();
    let types: Vec<&syn::TypePath> = model.variants.iter().map(|(_, t)| t).collect();
    let indexes = 0..model.variants.len();
    let variant_count = model.variants.len();

    let froms = model.variants.iter().map(|(variant, ty)| {
        let doc = format!("`{model_name}::{}`.", variant.unraw());
        quote! {
            #[automatically_derived]
            impl ::core::convert::From<#ty> for #ident {
                #[doc = #doc]
                fn from(model: #ty) -> Self {
                    #ident::#variant(model)
                }
            }
        }
    });

    let macros: Vec<syn::Path> = model
        .variants
        .iter()
        .map(|(_, t)| list_macro_path(t))
        .collect();
    let first = &macros[0];
    let rest = &macros[1..];
    let vis = &model.vis;
    let module = &model.module;
    let checked_schema = crate::checked_schema();

    quote! {
        #[automatically_derived]
        impl ::cqlengine::Model for #ident {
            fn schema() -> &'static ::cqlengine::ModelSchema {
                static SCHEMA: ::cqlengine::__private::OnceLock<::cqlengine::ModelSchema> =
                    ::cqlengine::__private::OnceLock::new();
                SCHEMA.get_or_init(|| {
                    ::cqlengine::ModelSchema::polymorphic(
                        #model_name,
                        ::std::vec![#(<#types as ::cqlengine::Model>::schema()),*],
                    )
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
                let ::core::option::Option::Some(column) = schema.columns.get(index) else {
                    return ::core::result::Result::Err(
                        ::cqlengine::__private::ValueError::OutOfRange {
                            rust_type: #model_name,
                            cql_type: ::cqlengine::__private::ColumnType::Int,
                            value: ::std::format!(
                                "column index {} (the model has {} columns)",
                                index,
                                schema.columns.len(),
                            ),
                        },
                    );
                };
                match self {
                    #(#ident::#names(model) => ::cqlengine::__private::variant_column_value(
                        model,
                        column.name,
                        version,
                    ),)*
                }
            }

            fn validate(&self) -> ::core::result::Result<(), ::cqlengine::ValidationError> {
                match self {
                    #(#ident::#names(model) => ::cqlengine::Model::validate(model),)*
                }
            }

            #checked_schema
        }

        #[automatically_derived]
        impl ::cqlengine::driver::FromRow for #ident {
            fn from_row(
                row: &::cqlengine::__private::Row,
            ) -> ::core::result::Result<Self, ::cqlengine::__private::RowError> {
                let schema = <Self as ::cqlengine::Model>::schema();
                match ::cqlengine::__private::select_variant(row, #model_name, schema)? {
                    #(#indexes => ::core::result::Result::Ok(#ident::#names(
                        <#types as ::cqlengine::driver::FromRow>::from_row(row)?,
                    )),)*
                    other => ::core::unreachable!(
                        "variant {} of {} (it has {})",
                        other,
                        #model_name,
                        #variant_count,
                    ),
                }
            }
        }

        #(#froms)*

        #first! { #ident, #module, [#vis], [#(#rest),*], }
    }
}

/// One step of the column module of an enum model: `Enum, module, [vis],
/// [macros still to call], {(field "name" Type) (field flatten Group) ...}
/// ...`.
pub(crate) struct ColumnsCall {
    ident: Ident,
    module: Ident,
    vis: syn::Visibility,
    remaining: Vec<syn::Path>,
    lists: Vec<Vec<Entry>>,
}

/// One field of a variant, in its column list.
enum Entry {
    /// A column: the field, the column's name, its type.
    Column(Ident, LitStr, Type),
    /// A flattened column group: the field, the group's type.
    Group(Ident, Type),
}

impl quote::ToTokens for Entry {
    fn to_tokens(&self, tokens: &mut TokenStream2) {
        tokens.extend(match self {
            Entry::Column(field, name, ty) => quote!((#field #name #ty)),
            Entry::Group(field, ty) => quote!((#field flatten #ty)),
        });
    }
}

pub(crate) fn parse_columns_call(input: ParseStream) -> syn::Result<ColumnsCall> {
    let ident: Ident = input.call(Ident::parse_any)?;
    input.parse::<Token![,]>()?;
    let module: Ident = input.call(Ident::parse_any)?;
    input.parse::<Token![,]>()?;
    let vis_group;
    syn::bracketed!(vis_group in input);
    let vis: syn::Visibility = vis_group.parse()?;
    input.parse::<Token![,]>()?;
    let remaining_group;
    syn::bracketed!(remaining_group in input);
    let remaining = remaining_group
        .parse_terminated(syn::Path::parse_mod_style, Token![,])?
        .into_iter()
        .collect();
    input.parse::<Token![,]>()?;
    let mut lists = Vec::new();
    while !input.is_empty() {
        let list;
        syn::braced!(list in input);
        let mut columns = Vec::new();
        while !list.is_empty() {
            let column;
            syn::parenthesized!(column in list);
            let field: Ident = column.call(Ident::parse_any)?;
            if column.peek(LitStr) {
                let name: LitStr = column.parse()?;
                let ty: Type = column.parse()?;
                columns.push(Entry::Column(field, name, ty));
            } else {
                let marker: Ident = column.parse()?;
                if marker != "flatten" {
                    return Err(syn::Error::new_spanned(marker, "expected `flatten`"));
                }
                let ty: Type = column.parse()?;
                columns.push(Entry::Group(field, ty));
            }
        }
        lists.push(columns);
    }
    Ok(ColumnsCall {
        ident,
        module,
        vis,
        remaining,
        lists,
    })
}

pub(crate) fn expand_columns_call(call: ColumnsCall) -> TokenStream2 {
    let ColumnsCall {
        ident,
        module,
        vis,
        remaining,
        lists,
    } = call;
    if let Some((next, rest)) = remaining.split_first() {
        let lists = lists.iter().map(|list| quote!({ #(#list)* }));
        return quote! {
            #next! { #ident, #module, [#vis], [#(#rest),*], #(#lists)* }
        };
    }
    // The union by column name, in first-seen order: the order of
    // `ModelSchema::polymorphic`, so the indexes agree. Without groups the
    // indexes are counted here; with them (whose names this macro does not
    // see), by a constant function over every variant's column names.
    let has_groups = lists
        .iter()
        .flatten()
        .any(|e| matches!(e, Entry::Group(..)));
    let variants_const = if has_groups {
        let variants = lists.iter().map(|list| {
            let mut segments = Vec::new();
            let mut run = Vec::new();
            for entry in list {
                match entry {
                    Entry::Column(_, name, _) => run.push(name),
                    Entry::Group(_, ty) => {
                        if !run.is_empty() {
                            segments.push(quote!(&[#(#run),*]));
                            run.clear();
                        }
                        segments.push(quote!(<#ty as ::cqlengine::ColumnGroup>::COLUMN_NAMES));
                    }
                }
            }
            if !run.is_empty() {
                segments.push(quote!(&[#(#run),*]));
            }
            quote!(&[#(#segments),*])
        });
        quote! {
            const __CQLENGINE_VARIANTS: &[&[&[&::core::primitive::str]]] = &[#(#variants),*];
        }
    } else {
        quote!()
    };
    let mut names = HashSet::new();
    let mut fields = HashSet::new();
    let mut consts = Vec::new();
    for entry in lists.iter().flatten() {
        match entry {
            Entry::Column(field, name, ty) => {
                if !names.insert(name.value()) {
                    continue;
                }
                let index = if has_groups {
                    quote!(::cqlengine::__private::union_index(__CQLENGINE_VARIANTS, #name))
                } else {
                    let index = names.len() - 1;
                    quote!(#index)
                };
                // Two columns of one field name in different variants: the
                // first keeps the constant (the other is reachable through
                // its variant).
                if !fields.insert(field.unraw().to_string()) {
                    continue;
                }
                let doc = format!(
                    "The column `{}` of `{}` (field `{}` of the first variant that has it).",
                    name.value(),
                    ident.unraw(),
                    field.unraw()
                );
                consts.push(quote! {
                    #[doc = #doc]
                    #[allow(non_upper_case_globals)]
                    pub const #field: ::cqlengine::Column<super::#ident, #ty> =
                        ::cqlengine::Column::new(#index, #name);
                });
            }
            Entry::Group(field, ty) => {
                if !fields.insert(field.unraw().to_string()) {
                    continue;
                }
                let doc = format!(
                    "The columns of `{}` from the group in the field `{}` (of the first \
                     variant that has the field).",
                    ident.unraw(),
                    field.unraw()
                );
                let model = quote!(super::#ident);
                let columns = crate::group_columns(ty, &model);
                let union = crate::group_columns_new(
                    ty,
                    &model,
                    "__in_union",
                    quote!(__CQLENGINE_VARIANTS),
                );
                consts.push(quote! {
                    #[doc = #doc]
                    #[allow(non_upper_case_globals)]
                    pub const #field: #columns = #union;
                });
            }
        }
    }
    let module_doc = format!(
        "The columns of the polymorphic model `{}`: the union of its variants' columns, \
         for typed filters and assignments.",
        ident.unraw()
    );
    quote! {
        #[doc = #module_doc]
        #[allow(unused_imports)]
        #vis mod #module {
            use super::*;

            #variants_const
            #(#consts)*
        }
    }
}
