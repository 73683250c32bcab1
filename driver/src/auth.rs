//! Authentication: a provider makes one [`Authenticator`] per connection.
//!
//! On protocol v2 the authenticator runs Cassandra's SASL exchange
//! (AUTH_RESPONSE, AUTH_CHALLENGE ..., AUTH_SUCCESS); on v1 the provider's
//! [`credentials`](AuthProvider::credentials) are sent as one CREDENTIALS
//! message. [`PlainTextAuthProvider`] does both for Cassandra's
//! `PasswordAuthenticator`.

use std::fmt;
use std::net::SocketAddr;

use bytes::Bytes;

/// Makes an authenticator for each new connection.
pub trait AuthProvider: Send + Sync + fmt::Debug {
    /// A fresh authenticator for a connection to `host`, whose server asked
    /// for authentication with `authenticator` (its Java class name).
    fn new_authenticator(&self, authenticator: &str, host: SocketAddr) -> Box<dyn Authenticator>;

    /// The string map sent in a v1 CREDENTIALS message, or `None` if this
    /// provider cannot authenticate over v1.
    fn credentials(&self, authenticator: &str, host: SocketAddr) -> Option<Vec<(String, String)>> {
        let _ = (authenticator, host);
        None
    }
}

/// One connection's side of a SASL exchange.
pub trait Authenticator: Send {
    /// The first token, sent in the first AUTH_RESPONSE.
    fn initial_response(&mut self) -> Option<Bytes>;

    /// The answer to a server challenge, or an error message to abort.
    fn evaluate_challenge(&mut self, challenge: Option<&[u8]>) -> Result<Option<Bytes>, String>;

    /// Called with AUTH_SUCCESS's final token; an error aborts the
    /// connection.
    fn on_success(&mut self, token: Option<&[u8]>) -> Result<(), String> {
        let _ = token;
        Ok(())
    }
}

/// Username and password, for Cassandra's `PasswordAuthenticator` (SASL
/// PLAIN on v2, CREDENTIALS on v1).
#[derive(Clone)]
pub struct PlainTextAuthProvider {
    username: String,
    password: String,
}

impl PlainTextAuthProvider {
    /// A provider with these credentials.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        PlainTextAuthProvider {
            username: username.into(),
            password: password.into(),
        }
    }
}

impl fmt::Debug for PlainTextAuthProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlainTextAuthProvider")
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .finish()
    }
}

impl AuthProvider for PlainTextAuthProvider {
    fn new_authenticator(&self, _authenticator: &str, _host: SocketAddr) -> Box<dyn Authenticator> {
        Box::new(PlainTextAuthenticator {
            username: self.username.clone(),
            password: self.password.clone(),
        })
    }

    fn credentials(
        &self,
        _authenticator: &str,
        _host: SocketAddr,
    ) -> Option<Vec<(String, String)>> {
        Some(vec![
            ("username".to_string(), self.username.clone()),
            ("password".to_string(), self.password.clone()),
        ])
    }
}

struct PlainTextAuthenticator {
    username: String,
    password: String,
}

impl Authenticator for PlainTextAuthenticator {
    fn initial_response(&mut self) -> Option<Bytes> {
        // SASL PLAIN: authzid NUL authcid NUL password, with an empty authzid.
        let mut token = Vec::with_capacity(self.username.len() + self.password.len() + 2);
        token.push(0);
        token.extend_from_slice(self.username.as_bytes());
        token.push(0);
        token.extend_from_slice(self.password.as_bytes());
        Some(Bytes::from(token))
    }

    fn evaluate_challenge(&mut self, _challenge: Option<&[u8]>) -> Result<Option<Bytes>, String> {
        Err("PasswordAuthenticator sent a challenge, which PLAIN does not expect".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_token_is_sasl_plain() {
        let provider = PlainTextAuthProvider::new("cassandra", "pw");
        let address = "127.0.0.1:9042".parse().unwrap();
        let mut auth = provider.new_authenticator("PasswordAuthenticator", address);
        assert_eq!(auth.initial_response().unwrap(), &b"\0cassandra\0pw"[..]);
        assert!(auth.evaluate_challenge(Some(b"x")).is_err());
        let creds = provider
            .credentials("PasswordAuthenticator", address)
            .unwrap();
        assert_eq!(creds[0], ("username".into(), "cassandra".into()));
        assert!(!format!("{provider:?}").contains("pw\""));
    }
}
