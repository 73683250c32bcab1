//! Users and authentication (Cassandra 2.0's `PasswordAuthenticator`).

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use cql_protocol::message::request::Credentials;

/// The class name `PasswordAuthenticator` sends in AUTHENTICATE.
pub const PASSWORD_AUTHENTICATOR: &str = "org.apache.cassandra.auth.PasswordAuthenticator";

/// The message Cassandra sends (code 0x0100) for a wrong user name or password.
pub const BAD_CREDENTIALS: &str = "Username and/or password are incorrect";

/// The default superuser (and its password) every [`Users::new`] store has.
pub const DEFAULT_SUPERUSER: &str = "cassandra";

/// A user of the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    /// The password, in clear (this is a test server).
    pub password: String,
    /// Whether the user is a superuser.
    pub superuser: bool,
}

/// Why a change to [`Users`] was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    /// CREATE USER of a user that exists.
    #[error("User {0} already exists")]
    AlreadyExists(String),
    /// ALTER or DROP USER of a user that does not exist.
    #[error("User {0} doesn't exist")]
    NotFound(String),
}

/// The user store: shared (clones see the same users) and thread-safe.
///
/// The executor manages it with CREATE/ALTER/DROP USER; the
/// [`PasswordAuthenticator`] checks passwords against it.
#[derive(Clone, Debug)]
pub struct Users {
    users: Arc<RwLock<BTreeMap<String, UserRecord>>>,
}

impl Default for Users {
    fn default() -> Self {
        Users::new()
    }
}

impl Users {
    /// A store holding the default superuser `cassandra`/`cassandra`.
    pub fn new() -> Self {
        let users = Users::empty();
        let _ = users.create(DEFAULT_SUPERUSER, DEFAULT_SUPERUSER, true);
        users
    }

    /// A store without any user.
    pub fn empty() -> Self {
        Users {
            users: Arc::new(RwLock::new(BTreeMap::new())),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, UserRecord>> {
        self.users.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, UserRecord>> {
        self.users.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a user (CREATE USER).
    pub fn create(&self, name: &str, password: &str, superuser: bool) -> Result<(), UserError> {
        let mut users = self.write();
        if users.contains_key(name) {
            return Err(UserError::AlreadyExists(name.to_owned()));
        }
        users.insert(
            name.to_owned(),
            UserRecord {
                password: password.to_owned(),
                superuser,
            },
        );
        Ok(())
    }

    /// Changes a user's password and/or superuser flag (ALTER USER); `None`
    /// keeps the current value.
    pub fn alter(
        &self,
        name: &str,
        password: Option<&str>,
        superuser: Option<bool>,
    ) -> Result<(), UserError> {
        let mut users = self.write();
        let user = users
            .get_mut(name)
            .ok_or_else(|| UserError::NotFound(name.to_owned()))?;
        if let Some(password) = password {
            user.password = password.to_owned();
        }
        if let Some(superuser) = superuser {
            user.superuser = superuser;
        }
        Ok(())
    }

    /// Removes a user (DROP USER).
    pub fn drop_user(&self, name: &str) -> Result<(), UserError> {
        self.write()
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| UserError::NotFound(name.to_owned()))
    }

    /// Whether `name` exists and its password is `password`.
    pub fn check_password(&self, name: &str, password: &str) -> bool {
        self.read()
            .get(name)
            .is_some_and(|u| u.password == password)
    }

    /// Whether `name` exists.
    pub fn exists(&self, name: &str) -> bool {
        self.read().contains_key(name)
    }

    /// Whether `name` is a superuser; `None` if there is no such user.
    pub fn is_superuser(&self, name: &str) -> Option<bool> {
        self.read().get(name).map(|u| u.superuser)
    }

    /// A copy of one user.
    pub fn get(&self, name: &str) -> Option<UserRecord> {
        self.read().get(name).cloned()
    }

    /// Every user name with its superuser flag, sorted by name (LIST USERS).
    pub fn list(&self) -> Vec<(String, bool)> {
        self.read()
            .iter()
            .map(|(name, u)| (name.clone(), u.superuser))
            .collect()
    }
}

/// Why authentication failed; sent as ERROR 0x0100 with this message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AuthError(pub String);

/// The outcome of one SASL step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaslStep {
    /// Send AUTH_CHALLENGE with this token and wait for another AUTH_RESPONSE.
    Challenge(Option<Bytes>),
    /// Authentication succeeded: send AUTH_SUCCESS with `token`.
    Success {
        /// The authenticated user.
        user: String,
        /// The final token (`None` for PasswordAuthenticator).
        token: Option<Bytes>,
    },
}

/// One connection's SASL exchange (protocol v2).
pub trait SaslNegotiator: Send {
    /// Evaluates the token of an AUTH_RESPONSE.
    fn evaluate(&mut self, token: Option<&[u8]>) -> Result<SaslStep, AuthError>;
}

/// Decides who may connect.
pub trait Authenticator: Send + Sync + 'static {
    /// The class name sent in AUTHENTICATE.
    fn class_name(&self) -> &str;

    /// Checks v1 CREDENTIALS; returns the user name.
    fn authenticate(&self, credentials: &Credentials) -> Result<String, AuthError>;

    /// Starts a v2 SASL exchange.
    fn new_sasl_negotiator(&self) -> Box<dyn SaslNegotiator>;
}

/// Cassandra's `PasswordAuthenticator`: CREDENTIALS `username`/`password`
/// (v1) or SASL PLAIN (v2), checked against a [`Users`] store.
#[derive(Clone, Debug, Default)]
pub struct PasswordAuthenticator {
    users: Users,
}

impl PasswordAuthenticator {
    /// An authenticator checking against `users`.
    pub fn new(users: Users) -> Self {
        PasswordAuthenticator { users }
    }

    fn check(&self, user: &str, password: &str) -> Result<String, AuthError> {
        if self.users.check_password(user, password) {
            Ok(user.to_owned())
        } else {
            Err(AuthError(BAD_CREDENTIALS.to_owned()))
        }
    }
}

impl Authenticator for PasswordAuthenticator {
    fn class_name(&self) -> &str {
        PASSWORD_AUTHENTICATOR
    }

    fn authenticate(&self, credentials: &Credentials) -> Result<String, AuthError> {
        let user = credentials
            .get("username")
            .ok_or_else(|| AuthError("Required key 'username' is missing".to_owned()))?;
        let password = credentials
            .get("password")
            .ok_or_else(|| AuthError("Required key 'password' is missing".to_owned()))?;
        self.check(user, password)
    }

    fn new_sasl_negotiator(&self) -> Box<dyn SaslNegotiator> {
        Box::new(PlainNegotiator {
            authenticator: self.clone(),
        })
    }
}

struct PlainNegotiator {
    authenticator: PasswordAuthenticator,
}

impl SaslNegotiator for PlainNegotiator {
    fn evaluate(&mut self, token: Option<&[u8]>) -> Result<SaslStep, AuthError> {
        let (user, password) = decode_plain(token.unwrap_or_default())?;
        let user = self.authenticator.check(&user, &password)?;
        Ok(SaslStep::Success { user, token: None })
    }
}

/// Splits a SASL PLAIN token `[authzid] NUL authcid NUL password` into user
/// and password, scanning from the end as Cassandra 2.0's
/// `PlainTextSaslAuthenticator` does (so an authzid is accepted and ignored).
pub fn decode_plain(token: &[u8]) -> Result<(String, String), AuthError> {
    let mut parts = token.rsplitn(3, |&b| b == 0);
    let password = parts.next();
    let user = parts.next();
    // A token without NUL has no separator at all: rsplitn yields it whole.
    let (Some(password), Some(user)) = (password, user) else {
        return Err(AuthError("Authentication ID must not be null".to_owned()));
    };
    let text =
        |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|_| AuthError(BAD_CREDENTIALS.to_owned()));
    Ok((text(user)?, text(password)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_tokens() {
        assert_eq!(
            decode_plain(b"\0bob\0pw").unwrap(),
            ("bob".to_owned(), "pw".to_owned())
        );
        assert_eq!(
            decode_plain(b"admin\0bob\0pw").unwrap(),
            ("bob".to_owned(), "pw".to_owned())
        );
        assert!(decode_plain(b"bobpw").is_err());
    }

    #[test]
    fn user_store() {
        let users = Users::new();
        assert!(users.check_password("cassandra", "cassandra"));
        assert_eq!(users.is_superuser("cassandra"), Some(true));
        users.create("bob", "pw", false).unwrap();
        assert!(users.create("bob", "x", false).is_err());
        users.alter("bob", Some("new"), Some(true)).unwrap();
        assert!(users.check_password("bob", "new"));
        assert_eq!(users.list().len(), 2);
        users.drop_user("bob").unwrap();
        assert!(!users.exists("bob"));
        assert!(users.alter("bob", None, None).is_err());
    }
}
