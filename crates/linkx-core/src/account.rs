//! Operator accounts: roles, user names and the password policy. Hashing lives with the callers
//! (argon2id in `linkx-web::auth`); this module only decides what is acceptable.

use crate::domain::DomainError;
use serde::Serialize;

/// What an account may do. Admins manage everything; moderators only readers' contributions
/// (comments and mentions) and their own password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Moderator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Moderator => "moderator",
        }
    }

    pub fn parse(s: &str) -> Result<Role, DomainError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "moderator" => Ok(Role::Moderator),
            other => Err(DomainError::Invalid {
                what: "role",
                value: other.to_string(),
                expected: "`admin` or `moderator`",
            }),
        }
    }
}

/// A login name: 1–64 characters of letters, digits, `.`, `_`, `-` and `@`, kept as typed but
/// compared case-insensitively (it is stored lower-cased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserName(String);

impl UserName {
    pub fn parse(s: &str) -> Result<UserName, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("Enter a user name.".into());
        }
        if s.chars().count() > 64 {
            return Err("A user name has at most 64 characters.".into());
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')))
        {
            return Err(format!(
                "A user name may not contain {c:?}: use letters, digits, '.', '_', '-' or '@'."
            ));
        }
        Ok(UserName(s.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Shortest and longest acceptable passwords (characters). The upper bound keeps hashing cost
/// bounded for hostile input.
pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 1024;

/// Checks a new password; the message says what to do.
pub fn check_new_password(password: &str, user_name: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(format!(
            "Use a password of at least {PASSWORD_MIN_CHARS} characters (a few words make a good one)."
        ));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(format!(
            "Use a password of at most {PASSWORD_MAX_CHARS} characters."
        ));
    }
    if password.to_lowercase().contains(&user_name.to_lowercase()) {
        return Err("The password may not contain the user name.".into());
    }
    let distinct: std::collections::HashSet<char> = password.chars().collect();
    if distinct.len() < 5 {
        return Err(
            "The password repeats too few characters: choose something less guessable.".into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_and_plain() {
        assert_eq!(UserName::parse(" Editor ").unwrap().as_str(), "editor");
        assert!(UserName::parse("").is_err());
        assert!(UserName::parse("a b").is_err());
        assert!(UserName::parse("<script>").is_err());
        assert!(UserName::parse(&"x".repeat(65)).is_err());
    }

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        assert!(
            check_new_password("short", "ed")
                .unwrap_err()
                .contains("12")
        );
        assert!(check_new_password("aaaaaaaaaaaaaaaa", "ed").is_err());
        assert!(check_new_password("editor-is-my-name", "editor").is_err());
        assert!(check_new_password("correct horse battery", "editor").is_ok());
    }

    #[test]
    fn roles_round_trip() {
        for role in [Role::Admin, Role::Moderator] {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        assert!(Role::parse("root").is_err());
    }
}
