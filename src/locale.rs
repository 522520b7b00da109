//! The languages the service speaks (`kk`, `ru`, `en`). How an HTTP request picks one is in
//! `http::locale`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    Kk,
    Ru,
    En,
}

impl Locale {
    pub const ALL: [Locale; 3] = [Locale::Kk, Locale::Ru, Locale::En];

    pub fn code(self) -> &'static str {
        match self {
            Locale::Kk => "kk",
            Locale::Ru => "ru",
            Locale::En => "en",
        }
    }

    pub fn parse(tag: &str) -> Option<Locale> {
        // "kk-KZ", "ru_RU", "EN" all name a language we speak by their primary subtag.
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "kk" | "kz" => Some(Locale::Kk),
            "ru" => Some(Locale::Ru),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The best language for an `Accept-Language` value: highest q first, header order breaking
    /// ties; English when none is spoken here.
    pub fn negotiate(header: Option<&str>) -> Locale {
        let Some(header) = header else {
            return Locale::En;
        };
        let mut best: Option<(f32, usize, Locale)> = None;
        for (index, item) in header.split(',').enumerate().take(32) {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or_default();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if !(q > 0.0 && q <= 1.0) {
                continue;
            }
            if let Some(locale) = Locale::parse(tag)
                && best.is_none_or(|(bq, bi, _)| q > bq || (q == bq && index < bi))
            {
                best = Some((q, index, locale));
            }
        }
        best.map_or(Locale::En, |(_, _, l)| l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_highest_quality_language_we_speak() {
        assert_eq!(Locale::negotiate(None), Locale::En);
        assert_eq!(
            Locale::negotiate(Some("ru-RU,ru;q=0.9,en;q=0.8")),
            Locale::Ru
        );
        assert_eq!(
            Locale::negotiate(Some("de, kk;q=0.5, ru;q=0.4")),
            Locale::Kk
        );
        assert_eq!(Locale::negotiate(Some("en;q=0.2, ru;q=0.7")), Locale::Ru);
        assert_eq!(Locale::negotiate(Some("fr, de")), Locale::En);
        assert_eq!(Locale::negotiate(Some("kk;q=0, ru")), Locale::Ru);
        assert_eq!(Locale::negotiate(Some(";;;,,q=abc")), Locale::En);
    }
}
