//! Password rules and hashing. Argon2id at OWASP's recommended parameters (19 MiB, 2 passes, 1 lane:
//! the argon2 crate's defaults).

use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier},
};

use crate::messages::FieldMsg;

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 128;

/// Passwords people choose most often (lists of leaked passwords), at least 10 characters long —
/// shorter ones fail the length rule anyway. Compared case-insensitively.
const COMMON: &str = include_str!("common_passwords.txt");

/// Why a new password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    SameAsEmail,
    TooCommon,
}

impl PasswordProblem {
    pub fn field_msg(self) -> FieldMsg {
        match self {
            PasswordProblem::TooShort => FieldMsg::TooShort { min: MIN_LEN },
            PasswordProblem::TooLong => FieldMsg::TooLong { max: MAX_LEN },
            PasswordProblem::SameAsEmail => FieldMsg::PasswordLikeEmail,
            PasswordProblem::TooCommon => FieldMsg::PasswordTooCommon,
        }
    }
}

/// Checks a new password against the rules. Length counts characters, not bytes (Cyrillic).
pub fn check_new(password: &str, email: &str) -> Result<(), PasswordProblem> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(PasswordProblem::TooShort);
    }
    if len > MAX_LEN {
        return Err(PasswordProblem::TooLong);
    }
    let folded = password.trim().to_lowercase();
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    if folded == email || (!local.is_empty() && folded == local) {
        return Err(PasswordProblem::SameAsEmail);
    }
    let one_char_repeated = folded.chars().all(|c| folded.starts_with(c));
    if one_char_repeated || COMMON.lines().any(|common| common.trim() == folded) {
        return Err(PasswordProblem::TooCommon);
    }
    Ok(())
}

/// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) for a password. CPU-heavy: call it off the
/// async executor.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    Ok(Argon2::default()
        .hash_password(password.as_bytes())?
        .to_string())
}

/// Whether `password` matches the stored hash. A malformed hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), stored)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rules() {
        assert_eq!(check_new("short", "a@b.kz"), Err(PasswordProblem::TooShort));
        assert_eq!(
            check_new(&"x1".repeat(65), "a@b.kz"),
            Err(PasswordProblem::TooLong)
        );
        assert_eq!(
            check_new("Aigul.K@mail.kz", "aigul.k@mail.kz"),
            Err(PasswordProblem::SameAsEmail)
        );
        assert_eq!(
            check_new("aigul.kasym", "aigul.kasym@mail.kz"),
            Err(PasswordProblem::SameAsEmail)
        );
        assert_eq!(
            check_new("Password123", "a@b.kz"),
            Err(PasswordProblem::TooCommon)
        );
        assert_eq!(
            check_new("qwertyuiop", "a@b.kz"),
            Err(PasswordProblem::TooCommon)
        );
        assert_eq!(
            check_new("aaaaaaaaaaaa", "a@b.kz"),
            Err(PasswordProblem::TooCommon)
        );
        assert_eq!(check_new("Тау-самал 2026 көктем", "a@b.kz"), Ok(()));
        // Ten Cyrillic characters are twenty bytes but ten characters.
        assert_eq!(check_new("жұмысорынд", "a@b.kz"), Ok(()));
    }

    #[test]
    fn hashes_are_argon2id_at_owasp_parameters_and_verify() {
        let h = hash("Тау-самал 2026 көктем").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("Тау-самал 2026 көктем", &h));
        assert!(!verify("Тау-самал 2026 көктеm", &h));
        assert!(!verify("anything", "not a hash"));
        assert_ne!(
            h,
            hash("Тау-самал 2026 көктем").unwrap(),
            "salts must differ"
        );
    }

    proptest! {
        #[test]
        fn every_accepted_password_has_a_valid_length(p in "\\PC{0,140}") {
            if check_new(&p, "someone@example.kz").is_ok() {
                let n = p.chars().count();
                prop_assert!((MIN_LEN..=MAX_LEN).contains(&n));
            }
        }
    }
}
