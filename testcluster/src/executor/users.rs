//! CREATE/ALTER/DROP USER and LIST USERS.

use cql_protocol::message::response::{ResultBody, RowsBuilder, RowsMetadata};
use cql_protocol::{ColumnSpec, ColumnType, TableSpec};

use super::errors::{invalid, unauthorized, ExecResult};
use super::{Call, Executor};
use crate::cql::Statement;

impl Executor {
    fn is_superuser(&self, call: &Call) -> bool {
        match &call.conn.user {
            None => true,
            Some(u) => self.ctx().users().is_superuser(u).unwrap_or(false),
        }
    }

    pub(crate) fn user_statement(&self, call: &Call, stmt: &Statement) -> ExecResult<ResultBody> {
        let users = self.ctx().users();
        match stmt {
            Statement::CreateUser {
                name,
                if_not_exists,
                options,
            } => {
                if !self.is_superuser(call) {
                    return Err(unauthorized(
                        "Only superusers are allowed to perform CREATE USER queries",
                    ));
                }
                if users.exists(name) {
                    if *if_not_exists {
                        return Ok(ResultBody::Void);
                    }
                    return Err(invalid(format!("User {name} already exists")));
                }
                users
                    .create(
                        name,
                        options.password.as_deref().unwrap_or(""),
                        options.superuser.unwrap_or(false),
                    )
                    .map_err(|e| invalid(e.to_string()))?;
                Ok(ResultBody::Void)
            }
            Statement::AlterUser { name, options } => {
                if !users.exists(name) {
                    return Err(invalid(format!("User {name} doesn't exist")));
                }
                let me = call.conn.user.as_deref();
                let superuser = self.is_superuser(call);
                if options.superuser.is_some() {
                    if me == Some(name.as_str()) {
                        return Err(unauthorized(
                            "You aren't allowed to alter your own superuser status",
                        ));
                    }
                    if !superuser {
                        return Err(unauthorized(
                            "Only superusers are allowed to alter superuser status",
                        ));
                    }
                }
                if !superuser && me != Some(name.as_str()) {
                    return Err(unauthorized("You aren't allowed to alter this user"));
                }
                users
                    .alter(name, options.password.as_deref(), options.superuser)
                    .map_err(|e| invalid(e.to_string()))?;
                Ok(ResultBody::Void)
            }
            Statement::DropUser { name, if_exists } => {
                if !self.is_superuser(call) {
                    return Err(unauthorized(
                        "Only superusers are allowed to perform DROP USER queries",
                    ));
                }
                if call.conn.user.as_deref() == Some(name.as_str()) {
                    return Err(invalid("Users aren't allowed to DROP themselves"));
                }
                if !users.exists(name) {
                    if *if_exists {
                        return Ok(ResultBody::Void);
                    }
                    return Err(invalid(format!("User {name} doesn't exist")));
                }
                users.drop_user(name).map_err(|e| invalid(e.to_string()))?;
                Ok(ResultBody::Void)
            }
            _ => {
                let spec = TableSpec::new("system_auth", "users");
                let mut rows = RowsBuilder::new(RowsMetadata::new(vec![
                    ColumnSpec::new(spec.clone(), "name", ColumnType::Varchar),
                    ColumnSpec::new(spec, "super", ColumnType::Boolean),
                ]));
                for (name, sup) in users.list() {
                    let flag = [u8::from(sup)];
                    rows.push_row([Some(name.as_bytes()), Some(&flag[..])])
                        .map_err(|e| invalid(e.to_string()))?;
                }
                Ok(ResultBody::Rows(rows.finish()))
            }
        }
    }
}
