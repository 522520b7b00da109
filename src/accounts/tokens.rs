//! Tokens: the short-lived access JWT, and opaque random tokens (refresh, email verification,
//! password reset) that are stored only as SHA-256 digests. Each kind is checked where it is used
//! and nowhere else: a verification token is not a JWT, an access JWT is not in any token table.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::model::Role;
use crate::{clock::Clock, config::Settings};

/// The `typ` claim of access tokens; anything else is refused where an access token is expected.
const ACCESS: &str = "access";

/// Seconds of clock difference tolerated on `exp`.
const LEEWAY_SECS: u64 = 5;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    /// The account id.
    pub sub: String,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    pub typ: String,
    /// When the token was issued, in milliseconds: sessions issued before the account's
    /// `tokens_valid_after` are refused (iat has only whole seconds).
    pub auth_time_ms: i64,
}

/// Signs and checks access tokens with the configured algorithm only.
#[derive(Clone)]
pub struct AccessTokens {
    algorithm: Algorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_secs: i64,
    clock: Clock,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("invalid access token")]
    Invalid,
}

impl AccessTokens {
    pub fn from_settings(s: &Settings, clock: Clock) -> anyhow::Result<AccessTokens> {
        let algorithm: Algorithm = s.jwt_algorithm.parse()?;
        anyhow::ensure!(
            matches!(
                algorithm,
                Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
            ),
            "jwt_algorithm must be HS256, HS384 or HS512"
        );
        let secret = s.jwt_secret.expose_secret().as_bytes();
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[&s.jwt_issuer]);
        validation.set_audience(&[&s.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        // Expiry is checked against the service's clock in `verify`, not the system's.
        validation.validate_exp = false;
        Ok(AccessTokens {
            algorithm,
            encoding: EncodingKey::from_secret(secret)?,
            decoding: DecodingKey::from_secret(secret)?,
            validation,
            issuer: s.jwt_issuer.clone(),
            audience: s.jwt_audience.clone(),
            ttl_secs: s.access_token_ttl_secs as i64,
            clock,
        })
    }

    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    pub fn issue(
        &self,
        account_id: &str,
        role: Role,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let issued = self.clock.now();
        let now = issued.timestamp();
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: account_id.to_owned(),
            role,
            iat: now,
            exp: now + self.ttl_secs,
            jti: uuid::Uuid::new_v4().to_string(),
            typ: ACCESS.to_owned(),
            auth_time_ms: issued.timestamp_millis(),
        };
        jsonwebtoken::encode(&Header::new(self.algorithm), &claims, &self.encoding)
    }

    /// Checks signature, algorithm (only the configured one; `none` never), issuer, audience,
    /// expiry and purpose.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenError::Invalid)?;
        if data.claims.typ != ACCESS
            || data.claims.exp.saturating_add(LEEWAY_SECS as i64) < self.clock.now().timestamp()
        {
            return Err(TokenError::Invalid);
        }
        Ok(data.claims)
    }
}

/// A new random opaque token (256 bits, URL-safe) and the digest to store for it.
pub fn new_opaque() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let digest = digest(&token);
    (token, digest)
}

/// What is stored for an opaque token: its SHA-256, hex. (The token has 256 random bits, so a fast
/// hash is enough; a database leak does not reveal usable tokens.)
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(secret: &str, alg: &str) -> AccessTokens {
        let s = Settings {
            jwt_secret: secret.to_owned().into(),
            jwt_algorithm: alg.to_owned(),
            ..Settings::default()
        };
        AccessTokens::from_settings(&s, Clock::system()).unwrap()
    }

    #[test]
    fn issued_tokens_verify_and_carry_role_and_subject() {
        let t = tokens("a-secret-of-enough-length-for-tests-0001", "HS256");
        let jwt = t.issue("acc-1", Role::Provider).unwrap();
        let claims = t.verify(&jwt).unwrap();
        assert_eq!(
            (claims.sub.as_str(), claims.role),
            ("acc-1", Role::Provider)
        );
        assert_eq!(claims.exp - claims.iat, 900);
    }

    #[test]
    fn other_keys_algorithms_and_alg_none_are_refused() {
        let t = tokens("a-secret-of-enough-length-for-tests-0001", "HS256");
        let other_key = tokens("another-secret-of-enough-length-000002", "HS256");
        assert!(
            t.verify(&other_key.issue("x", Role::Admin).unwrap())
                .is_err()
        );
        let other_alg = tokens("a-secret-of-enough-length-for-tests-0001", "HS512");
        assert!(
            t.verify(&other_alg.issue("x", Role::Admin).unwrap())
                .is_err()
        );
        let jwt = t.issue("x", Role::Seeker).unwrap();
        let payload = jwt.split('.').nth(1).unwrap();
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert!(t.verify(&format!("{none_header}.{payload}.")).is_err());
        assert!(t.verify("not.a.jwt").is_err());
    }

    #[test]
    fn expiry_is_read_from_the_service_clock() {
        let s = Settings {
            jwt_secret: "a-secret-of-enough-length-for-tests-0001".to_owned().into(),
            ..Settings::default()
        };
        // Issued years in the past by the service's clock: the system clock would call it
        // expired long ago, the service's clock does not.
        let clock = Clock::starting_at(chrono::Utc::now() - chrono::Duration::days(800));
        let t = AccessTokens::from_settings(&s, clock.clone()).unwrap();
        let jwt = t.issue("acc-1", Role::Seeker).unwrap();
        assert!(t.verify(&jwt).is_ok());
        clock.advance(chrono::Duration::seconds(900 + LEEWAY_SECS as i64 + 1));
        assert!(t.verify(&jwt).is_err(), "expired by the service's clock");
    }

    #[test]
    fn opaque_tokens_are_random_and_stored_as_digests() {
        let (a, da) = new_opaque();
        let (b, _) = new_opaque();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(digest(&a), da);
        assert_ne!(da, a);
    }
}

/// Device tokens (OWASP's "device cookies"): after a successful sign-in the client is given a
/// token bound to that account; presenting it later lets that device sign in to that account
/// even while the account or the client's address is throttled by someone else's guessing. The
/// token is a keyed MAC, so nothing is stored: `<issued unix ms>.<nonce>.<mac>`. It stops
/// being valid after its lifetime and when the account's sessions are ended (password change or
/// reset), which moves `tokens_valid_after` past its issue time.
#[derive(Clone)]
pub struct DeviceTokens {
    key: Vec<u8>,
    ttl: chrono::Duration,
}

impl DeviceTokens {
    pub fn from_settings(s: &Settings) -> DeviceTokens {
        // A key of its own, derived from the signing secret: a device token is never an access
        // token's signature, nor the other way round.
        let mut key = Sha256::new();
        key.update(b"social-jobs device token v1\0");
        key.update(s.jwt_secret.expose_secret().as_bytes());
        DeviceTokens {
            key: key.finalize().to_vec(),
            ttl: chrono::Duration::days(i64::from(s.device_token_ttl_days.max(1))),
        }
    }

    fn mac(&self, account_id: &str, issued: i64, nonce: &str) -> Vec<u8> {
        use hmac::{Mac, SimpleHmac};
        // Any key length is valid for HMAC; the error branch cannot happen.
        let Ok(mut mac) = SimpleHmac::<Sha256>::new_from_slice(&self.key) else {
            return Vec::new();
        };
        mac.update(format!("{account_id}|{issued}|{nonce}").as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// A new token for `account_id`, issued at `now`.
    pub fn issue(&self, account_id: &str, now: chrono::NaiveDateTime) -> String {
        let issued = now.and_utc().timestamp_millis();
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let nonce = URL_SAFE_NO_PAD.encode(nonce);
        let mac = URL_SAFE_NO_PAD.encode(self.mac(account_id, issued, &nonce));
        format!("{issued}.{nonce}.{mac}")
    }

    /// Whether `token` was issued by this service for `account_id`, is within its lifetime at
    /// `now`, and was issued after `valid_after` (the account's sessions ended then).
    pub fn valid_for(
        &self,
        token: &str,
        account_id: &str,
        valid_after: chrono::NaiveDateTime,
        now: chrono::NaiveDateTime,
    ) -> bool {
        let mut parts = token.splitn(3, '.');
        let (Some(issued), Some(nonce), Some(mac)) = (parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        let Ok(issued) = issued.parse::<i64>() else {
            return false;
        };
        let Some(at) = chrono::DateTime::from_timestamp_millis(issued).map(|t| t.naive_utc())
        else {
            return false;
        };
        // Milliseconds: a token issued in the millisecond the sessions ended counts as before it.
        if at <= valid_after || at > now || now - at > self.ttl {
            return false;
        }
        let Ok(given) = URL_SAFE_NO_PAD.decode(mac) else {
            return false;
        };
        let expected = self.mac(account_id, issued, nonce);
        // Compared as digests, so the time taken says nothing about a partial match.
        !expected.is_empty() && Sha256::digest(&given) == Sha256::digest(&expected)
    }
}

#[cfg(test)]
mod device_token_tests {
    use super::*;

    fn at(secs: i64) -> chrono::NaiveDateTime {
        chrono::DateTime::from_timestamp(1_780_000_000 + secs, 0)
            .unwrap_or_default()
            .naive_utc()
    }

    #[test]
    fn a_device_token_opens_only_its_account_within_its_life() {
        let tokens = DeviceTokens::from_settings(&Settings::default());
        let t = tokens.issue("acc-1", at(0));
        assert!(tokens.valid_for(&t, "acc-1", at(-100), at(10)));
        assert!(!tokens.valid_for(&t, "acc-2", at(-100), at(10)));
        // Sessions ended after it was issued.
        assert!(!tokens.valid_for(&t, "acc-1", at(5), at(10)));
        // Past its lifetime (180 days by default).
        assert!(!tokens.valid_for(&t, "acc-1", at(-100), at(181 * 86_400)));
        // Tampered with or forged.
        let mut forged = t.clone();
        forged.pop();
        assert!(!tokens.valid_for(&forged, "acc-1", at(-100), at(10)));
        assert!(!tokens.valid_for("1.2.3", "acc-1", at(-100), at(10)));
        assert!(!tokens.valid_for("", "acc-1", at(-100), at(10)));
        // Another deployment's secret.
        let other = DeviceTokens::from_settings(&Settings {
            jwt_secret: secrecy::SecretString::from(
                "another secret entirely, long enough".to_owned(),
            ),
            ..Settings::default()
        });
        assert!(!other.valid_for(&t, "acc-1", at(-100), at(10)));
    }
}
