//! The site's secret and everything signed or hashed with it: form tokens (CSRF and the
//! time-to-submit check), the commenter cookie, commenter keys and IP address hashes.
//!
//! The secret lives in the database, so every process of a site shares it. Nothing here may
//! hash a value without the key: a plain hash of an email or IP address can be reversed by
//! guessing.

use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

pub struct Keys {
    key: hmac::Key,
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding (RFC 4648 §5).
pub fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// The bytes of a base64url text (padding tolerated), or `None` if it is not one.
pub fn unbase64url(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    if text.len() > 16 * 1024 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = B64.iter().position(|&b| b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// `n` random bytes from the operating system's generator.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    // The OS generator failing is not recoverable and does not depend on outside data; an
    // all-zero value would still be unique per process start only, so refuse to continue.
    if SystemRandom::new().fill(&mut bytes).is_err() {
        panic!("the operating system's random number generator failed");
    }
    bytes
}

/// `n` random bytes as hex.
pub fn random_hex(n: usize) -> String {
    hex(&random_bytes(n))
}

impl Keys {
    /// Keys from the site secret (hex, as stored).
    pub fn from_secret(secret: &str) -> Keys {
        Keys {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()),
        }
    }

    fn tag(&self, purpose: &str, data: &str) -> hmac::Tag {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(purpose.as_bytes());
        ctx.update(&[0]);
        ctx.update(data.as_bytes());
        ctx.sign()
    }

    /// A keyed hash of `data` for `purpose`, hex.
    pub fn hash(&self, purpose: &str, data: &str) -> String {
        hex(self.tag(purpose, data).as_ref())
    }

    /// `data.signature`: a value the client may hold but cannot forge.
    pub fn sign(&self, purpose: &str, data: &str) -> String {
        format!("{data}.{}", self.hash(purpose, data))
    }

    /// The data of a value made by [`Keys::sign`] for the same purpose, if the signature holds.
    pub fn verify<'a>(&self, purpose: &str, signed: &'a str) -> Option<&'a str> {
        let (data, signature) = signed.rsplit_once('.')?;
        let signature = unhex(signature)?;
        hmac::verify(
            &self.key,
            &[purpose.as_bytes(), &[0], data.as_bytes()].concat(),
            &signature,
        )
        .ok()
        .map(|()| data)
    }

    /// Who a commenter is, from their email address, without the address.
    pub fn author_key(&self, email_identity: &str) -> String {
        self.hash("author", email_identity)
    }

    pub fn ip_hash(&self, ip: &str) -> String {
        self.hash("ip", ip)
    }

    /// The path of `url` through the site's image proxy: `/img/{signature}/{url, base64url}`. Only
    /// URLs the site itself put on a page carry a valid signature, so the proxy cannot be used to
    /// fetch anything else.
    pub fn image_path(&self, url: &str) -> String {
        let signature = self.hash("image", url);
        format!("/img/{}/{}", &signature[..32], base64url(url.as_bytes()))
    }

    /// The URL an image path names, if its signature holds.
    pub fn check_image_path(&self, signature: &str, encoded: &str) -> Option<String> {
        let url = String::from_utf8(unbase64url(encoded)?).ok()?;
        let expected = self.hash("image", &url);
        // Compared in constant time: how much of a guess is right must not show in the timing.
        let (a, b) = (&expected.as_bytes()[..32], signature.as_bytes());
        let ok = a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
        ok.then_some(url)
    }

    /// A form token bound to the reader's session cookie and the time the form was shown.
    pub fn form_token(&self, session: &str, issued_at: i64) -> String {
        let signed = self.sign("form", &format!("{session}:{issued_at}"));
        // Only the time and the signature travel in the form; the session comes from the cookie.
        match signed.split_once(':') {
            Some((_, rest)) => rest.to_string(),
            None => signed,
        }
    }

    /// When the form was shown, if `token` was made for this session.
    pub fn check_form_token(&self, session: &str, token: &str) -> Option<i64> {
        let signed = format!("{session}:{token}");
        let data = self.verify("form", &signed)?;
        data.rsplit_once(':')?.1.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_bind_purpose_and_data() {
        let keys = Keys::from_secret("k");
        let signed = keys.sign("author", "abc");
        assert_eq!(keys.verify("author", &signed), Some("abc"));
        assert_eq!(keys.verify("form", &signed), None);
        assert_eq!(keys.verify("author", &signed.replace("abc", "abd")), None);
        assert_eq!(Keys::from_secret("other").verify("author", &signed), None);
    }

    #[test]
    fn image_paths_round_trip_and_refuse_forgeries() {
        let keys = Keys::from_secret("k");
        for url in ["https://example.org/a.jpg?x=1&y=ü", "h", "ab", "abc"] {
            let path = keys.image_path(url);
            let mut parts = path.trim_start_matches("/img/").splitn(2, '/');
            let (sig, enc) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            assert_eq!(keys.check_image_path(sig, enc).as_deref(), Some(url));
            assert_eq!(Keys::from_secret("other").check_image_path(sig, enc), None);
            let other = base64url(b"https://evil.test/x.png");
            assert_eq!(keys.check_image_path(sig, &other), None);
        }
        assert_eq!(unbase64url("!!"), None);
    }

    #[test]
    fn form_tokens_belong_to_one_session() {
        let keys = Keys::from_secret("k");
        let token = keys.form_token("s1", 1000);
        assert_eq!(keys.check_form_token("s1", &token), Some(1000));
        assert_eq!(keys.check_form_token("s2", &token), None);
        assert_eq!(keys.check_form_token("s1", "1000.00"), None);
    }
}
