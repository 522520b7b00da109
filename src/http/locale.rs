//! How a request picks one of the languages the service speaks ([`Locale`]).

use actix_web::{HttpRequest, http::header::ACCEPT_LANGUAGE};

pub use crate::locale::Locale;

impl Locale {
    pub fn from_request(req: &HttpRequest) -> Locale {
        Locale::negotiate(
            req.headers()
                .get(ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        )
    }
}
