//! The pages' words in kk, ru and en. A key missing in one language is a test failure.

use std::collections::BTreeMap;

use crate::http::locale::Locale;

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

/// Every text of the pages in `locale`.
pub fn all(locale: Locale) -> BTreeMap<&'static str, &'static str> {
    let i = match locale {
        Locale::Kk => 0,
        Locale::Ru => 1,
        Locale::En => 2,
    };
    KEYS.iter().map(|(k, v)| (*k, v[i])).collect()
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
    fn every_text_is_written_in_every_language() {
        for (key, texts) in KEYS {
            assert!(texts.iter().all(|t| !t.is_empty()), "{key}");
            assert_ne!(texts[0], texts[2], "{key} is not in Kazakh");
            assert_ne!(texts[1], texts[2], "{key} is not in Russian");
        }
        let mut keys: Vec<_> = KEYS.iter().map(|(k, _)| k).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), KEYS.len(), "a key is defined twice");
    }
}
