//! The pages' words in kk, ru and en. A key missing in one language is a test failure.

use std::collections::BTreeMap;

use crate::locale::Locale;

const KEYS: &[(&str, [&str; 3])] = &[
    // (key, [kk, ru, en])
    (
        "service",
        [
            "Әлеуметтік жұмыс орындары және курстар",
            "Социальные рабочие места и курсы",
            "Social jobs and courses",
        ],
    ),
    ("language", ["Тіл", "Язык", "Language"]),
    (
        "verify_title",
        [
            "Электрондық поштаны растау",
            "Подтверждение электронной почты",
            "Confirm your email address",
        ],
    ),
    (
        "verify_intro",
        [
            "Бұл мекенжай сіздікі екенін растау үшін батырманы басыңыз.",
            "Нажмите кнопку, чтобы подтвердить, что этот адрес ваш.",
            "Press the button to confirm that this address is yours.",
        ],
    ),
    ("verify_button", ["Растау", "Подтвердить", "Confirm"]),
    (
        "verified",
        [
            "Электрондық пошта расталды.",
            "Адрес электронной почты подтверждён.",
            "Your email address is confirmed.",
        ],
    ),
    (
        "signin_in_app",
        [
            "Енді қосымшаға немесе кабинетке кіре аласыз.",
            "Теперь можно войти в приложение или кабинет.",
            "You can now sign in to the app or the cabinet.",
        ],
    ),
    (
        "reset_title",
        [
            "Құпиясөзді қалпына келтіру",
            "Восстановление пароля",
            "Reset your password",
        ],
    ),
    (
        "reset_intro",
        [
            "Электрондық поштаңызды жазыңыз: жаңа құпиясөз орнату сілтемесін жібереміз.",
            "Укажите адрес электронной почты: мы пришлём ссылку для нового пароля.",
            "Enter your email address: we will send a link to set a new password.",
        ],
    ),
    (
        "email",
        ["Электрондық пошта", "Электронная почта", "Email address"],
    ),
    (
        "send_link",
        ["Сілтеме жіберу", "Прислать ссылку", "Send the link"],
    ),
    (
        "link_sent",
        [
            "Бұл мекенжайға аккаунт тіркелген болса, сілтеме жіберілді. Поштаңызды тексеріңіз.",
            "Если с этим адресом есть учётная запись, мы отправили ссылку. Проверьте почту.",
            "If this address has an account, a link is on its way. Check your email.",
        ],
    ),
    (
        "new_password",
        ["Жаңа құпиясөз", "Новый пароль", "New password"],
    ),
    (
        "repeat_password",
        [
            "Жаңа құпиясөзді қайталаңыз",
            "Повторите новый пароль",
            "Repeat the new password",
        ],
    ),
    (
        "password_hint",
        [
            "Кемінде 10 таңба; электрондық пошта мекенжайы немесе жиі кездесетін құпиясөз болмауы керек.",
            "Не менее 10 символов; не адрес почты и не распространённый пароль.",
            "At least 10 characters; not your email address or a common password.",
        ],
    ),
    (
        "set_password",
        ["Құпиясөзді орнату", "Сохранить пароль", "Set the password"],
    ),
    (
        "password_set",
        [
            "Жаңа құпиясөз орнатылды. Барлық құрылғылардағы сеанстар аяқталды.",
            "Новый пароль сохранён. Сеансы на всех устройствах завершены.",
            "Your new password is set. You have been signed out everywhere.",
        ],
    ),
    (
        "passwords_differ",
        [
            "Құпиясөздер сәйкес келмейді.",
            "Пароли не совпадают.",
            "The two passwords differ.",
        ],
    ),
    (
        "form_expired",
        [
            "Форманың мерзімі өтті. Бетті жаңартып, қайталап көріңіз.",
            "Форма устарела. Обновите страницу и попробуйте снова.",
            "This form has expired. Reload the page and try again.",
        ],
    ),
];

/// The cabinet's texts, one per line: `key|kk|ru|en` (blank lines and `#` comments skipped).
const CABINET: &str = include_str!("texts.txt");

fn cabinet_lines() -> impl Iterator<Item = (&'static str, [&'static str; 3])> {
    CABINET
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.split('|').map(str::trim);
            let key = parts.next()?;
            Some((key, [parts.next()?, parts.next()?, parts.next()?]))
        })
}

/// Every text of the pages in `locale`.
pub fn all(locale: Locale) -> &'static BTreeMap<&'static str, &'static str> {
    static TABLES: std::sync::OnceLock<[BTreeMap<&'static str, &'static str>; 3]> =
        std::sync::OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        let table = |i: usize| {
            KEYS.iter()
                .map(|(k, v)| (*k, v[i]))
                .chain(cabinet_lines().map(|(k, v)| (k, v[i])))
                .collect()
        };
        [table(0), table(1), table(2)]
    });
    match locale {
        Locale::Kk => &tables[0],
        Locale::Ru => &tables[1],
        Locale::En => &tables[2],
    }
}

/// One text in `locale`; a missing key shows as itself (and fails the tests that render pages).
pub fn get(locale: Locale, key: &str) -> &str {
    all(locale).get(key).copied().unwrap_or(key)
}

/// The texts as templates see them: `t.key` or `t["prefix_" ~ value]`. A key without a text
/// shows as itself (a status the table does not name yet), never as an error; the tests check
/// that every literal key the templates use has its text.
#[derive(Debug)]
pub struct Texts(pub &'static BTreeMap<&'static str, &'static str>);

impl minijinja::value::Object for Texts {
    fn get_value(self: &std::sync::Arc<Self>, key: &minijinja::Value) -> Option<minijinja::Value> {
        let key = key.as_str()?;
        Some(minijinja::Value::from(
            self.0.get(key).copied().unwrap_or(key),
        ))
    }
}

/// A language's name in itself, for the switcher.
pub fn language_name(locale: Locale) -> &'static str {
    match locale {
        Locale::Kk => "Қазақша",
        Locale::Ru => "Русский",
        Locale::En => "English",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_a_template_names_has_its_text() {
        let keys = all(Locale::En);
        let mut missing = Vec::new();
        for name in <super::super::TemplateFiles as rust_embed::RustEmbed>::iter() {
            let file = <super::super::TemplateFiles as rust_embed::RustEmbed>::get(&name).unwrap();
            let text = String::from_utf8(file.data.into_owned()).unwrap();
            for (i, _) in text.match_indices("t.") {
                let before = text[..i].chars().last().unwrap_or(' ');
                if before.is_alphanumeric() || before == '_' || before == '.' {
                    continue;
                }
                let key: String = text[i + 2..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !key.is_empty() && !keys.contains_key(key.as_str()) {
                    missing.push(format!("{name}: {key}"));
                }
            }
        }
        assert!(missing.is_empty(), "texts missing: {missing:?}");
    }

    #[test]
    fn every_text_is_written_in_every_language() {
        for (key, texts) in KEYS {
            assert!(texts.iter().all(|t| !t.is_empty()), "{key}");
            assert_ne!(texts[0], texts[2], "{key} is not in Kazakh");
            assert_ne!(texts[1], texts[2], "{key} is not in Russian");
        }
        for line in CABINET
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            assert_eq!(line.split('|').count(), 4, "not key|kk|ru|en: {line}");
        }
        for (key, texts) in cabinet_lines() {
            assert!(texts.iter().all(|t| !t.is_empty()), "{key}");
            assert_ne!(texts[1], texts[2], "{key} is not in Russian");
        }
        let mut keys: Vec<_> = KEYS
            .iter()
            .map(|(k, _)| *k)
            .chain(cabinet_lines().map(|(k, _)| k))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(
            keys.len(),
            KEYS.len() + cabinet_lines().count(),
            "a key is defined twice"
        );
    }
}
