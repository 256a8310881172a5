//! Bearer-token authentication shared by the gRPC and REST front ends; constant-time, and the token never printed.

use std::fmt;
use std::sync::Arc;

use subtle::ConstantTimeEq;

/// The shared secret clients present as `authorization: Bearer <token>`.
#[derive(Clone)]
pub struct Token(Arc<[u8]>);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Shortest token accepted: a guessable secret on an order gateway is worse than none at all.
pub const MIN_TOKEN_LEN: usize = 16;

impl Token {
    /// A token from its text (surrounding whitespace, e.g. a file's final newline, is dropped).
    pub fn new(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.len() < MIN_TOKEN_LEN {
            return Err(format!(
                "the token has {} characters; at least {MIN_TOKEN_LEN} are required",
                text.len()
            ));
        }
        if !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("the token must be printable ASCII without spaces".into());
        }
        Ok(Self(text.as_bytes().into()))
    }

    /// Checks an `authorization` header value. The comparison takes the same time wherever the bytes differ.
    pub fn accepts(&self, header: Option<&[u8]>) -> bool {
        let Some(presented) = header.and_then(|h| h.strip_prefix(b"Bearer ")) else {
            return false;
        };
        bool::from(presented.ct_eq(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_bearer_token_passes() {
        let token = Token::new("s3cret-token-0123456789\n").unwrap();
        assert!(token.accepts(Some(b"Bearer s3cret-token-0123456789")));
        for wrong in [
            &b"Bearer s3cret-token-0123456788"[..],
            b"Bearer s3cret-token-012345678",
            b"bearer s3cret-token-0123456789",
            b"s3cret-token-0123456789",
            b"Bearer ",
        ] {
            assert!(
                !token.accepts(Some(wrong)),
                "{}",
                String::from_utf8_lossy(wrong)
            );
        }
        assert!(!token.accepts(None));
        assert_eq!(format!("{token:?}"), "Token(<redacted>)");
    }

    #[test]
    fn short_or_spaced_tokens_are_refused() {
        assert!(Token::new("short").unwrap_err().contains("at least 16"));
        assert!(Token::new("has a space in the middle").is_err());
    }
}
