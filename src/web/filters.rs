//! Template filters: instants in Almaty time, money as people read it.

use chrono::DateTime;
use minijinja::Environment;

use crate::locale::Locale;

/// An RFC 3339 instant as Almaty wall-clock time (`2026-06-16 11:00`); anything else unchanged.
fn almaty(value: String) -> String {
    match DateTime::parse_from_rfc3339(&value) {
        Ok(t) => t
            .with_timezone(&chrono_tz::Asia::Almaty)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        Err(_) => value,
    }
}

/// Almaty time of day only (`11:00`), for a session's end beside its start.
fn almaty_time(value: String) -> String {
    match DateTime::parse_from_rfc3339(&value) {
        Ok(t) => t
            .with_timezone(&chrono_tz::Asia::Almaty)
            .format("%H:%M")
            .to_string(),
        Err(_) => value,
    }
}

/// An Almaty date (`2026-06-16`) of an instant.
fn almaty_date(value: String) -> String {
    match DateTime::parse_from_rfc3339(&value) {
        Ok(t) => t
            .with_timezone(&chrono_tz::Asia::Almaty)
            .format("%Y-%m-%d")
            .to_string(),
        Err(_) => value,
    }
}

/// Tiyn (an integer) or tenge (`"11250.00"`) as the page's language writes tenge.
fn tenge(value: minijinja::Value, lang: String) -> String {
    let locale = Locale::parse(&lang).unwrap_or(Locale::Ru);
    let amount = match i64::try_from(value.clone()) {
        Ok(tiyn) => crate::payouts::tenge(tiyn),
        Err(_) => value.to_string(),
    };
    crate::notifications::templates::format_tenge(&amount, locale)
}

pub fn register(env: &mut Environment<'static>) {
    env.add_filter("almaty", almaty);
    env.add_filter("almaty_time", almaty_time);
    env.add_filter("almaty_date", almaty_date);
    env.add_filter("tenge", tenge);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_shown_in_almaty_time() {
        assert_eq!(almaty("2026-06-16T06:00:00Z".into()), "2026-06-16 11:00");
        assert_eq!(almaty_time("2026-06-16T06:00:00Z".into()), "11:00");
        assert_eq!(almaty_date("2026-06-30T20:00:00Z".into()), "2026-07-01");
        assert_eq!(almaty("not a time".into()), "not a time");
    }

    #[test]
    fn money_is_written_in_the_page_language() {
        assert_eq!(tenge(1_125_000.into(), "en".into()), "11,250.00\u{a0}₸");
        assert_eq!(
            tenge("11250.00".into(), "ru".into()),
            "11\u{202F}250,00\u{a0}₸"
        );
    }
}
