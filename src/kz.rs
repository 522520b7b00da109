//! Kazakhstan's identification numbers — the IIN (people) and the BIN (organisations) share one
//! 12-digit layout whose last digit is a check digit — and its IBANs and phone numbers. Pure
//! functions, parsed at the edge into types that cannot hold an invalid value.

use chrono::NaiveDate;

/// The check digit for the first 11 digits, or `None` when the scheme gives 10 twice (such numbers
/// are never issued).
pub fn check_digit(first11: &[u8; 11]) -> Option<u8> {
    let weighted = |weights: [u32; 11]| {
        first11
            .iter()
            .zip(weights)
            .map(|(d, w)| u32::from(*d) * w)
            .sum::<u32>()
            % 11
    };
    let s = weighted([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    let s = if s == 10 {
        weighted([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2])
    } else {
        s
    };
    (s != 10).then_some(s as u8)
}

fn digits(s: &str) -> Option<[u8; 12]> {
    let bytes = s.as_bytes();
    if bytes.len() != 12 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut out = [0u8; 12];
    for (o, b) in out.iter_mut().zip(bytes) {
        *o = b - b'0';
    }
    Some(out)
}

/// Whether `s` is 12 digits whose last is the right check digit.
pub fn has_valid_check_digit(s: &str) -> bool {
    let Some(d) = digits(s) else { return false };
    let mut first = [0u8; 11];
    first.copy_from_slice(&d[..11]);
    check_digit(&first) == Some(d[11])
}

/// Sex as the IIN records it (digit 7: odd male, even female).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Female,
    Male,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
        }
    }
}

/// An individual identification number with what it says about its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iin {
    value: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
}

/// Why a string is not a valid IIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IinError {
    /// Not 12 digits, or the check digit is wrong.
    Format,
    /// Digits 1–7 do not make a real date of birth and century.
    BirthDate,
    /// The birth date it encodes has not come yet.
    FutureBirthDate,
}

impl Iin {
    /// Parses and checks an IIN; `today` bounds the birth date.
    pub fn parse(raw: &str, today: NaiveDate) -> Result<Iin, IinError> {
        let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        let d = digits(&s).ok_or(IinError::Format)?;
        if !has_valid_check_digit(&s) {
            return Err(IinError::Format);
        }
        let (century, sex) = match d[6] {
            1 => (1800, Sex::Male),
            2 => (1800, Sex::Female),
            3 => (1900, Sex::Male),
            4 => (1900, Sex::Female),
            5 => (2000, Sex::Male),
            6 => (2000, Sex::Female),
            _ => return Err(IinError::BirthDate),
        };
        let num = |i: usize| u32::from(d[i]) * 10 + u32::from(d[i + 1]);
        let year = century + num(0) as i32;
        let birth_date =
            NaiveDate::from_ymd_opt(year, num(2), num(4)).ok_or(IinError::BirthDate)?;
        if birth_date > today {
            return Err(IinError::FutureBirthDate);
        }
        Ok(Iin {
            value: s,
            birth_date,
            sex,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }
}

/// An IIN or BIN shown to someone who may not see it in full: first four and last two digits.
pub fn mask_id(id: &str) -> String {
    mask(id, 4, 2)
}

/// An IBAN shown masked: country, check digits and the last four characters.
pub fn mask_iban(iban: &str) -> String {
    mask(iban, 4, 4)
}

fn mask(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let hidden = chars.len() - head - tail;
    chars[..head]
        .iter()
        .chain(std::iter::repeat_n(&'*', hidden))
        .chain(&chars[chars.len() - tail..])
        .collect()
}

/// A Kazakh IBAN: `KZ`, two check digits, a 3-digit bank code and 13 account characters; ISO 13616
/// mod-97 check. Stored without spaces, upper case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iban(String);

impl Iban {
    pub fn parse(raw: &str) -> Option<Iban> {
        let s: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let b = s.as_bytes();
        let shape = b.len() == 20
            && s.starts_with("KZ")
            && b[2..7].iter().all(u8::is_ascii_digit)
            && b[7..].iter().all(u8::is_ascii_alphanumeric);
        (shape && mod97(&s) == 1).then_some(Iban(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// ISO 13616: the first four characters moved to the end, letters as 10–35, the number mod 97.
fn mod97(iban: &str) -> u32 {
    iban[4..]
        .chars()
        .chain(iban[..4].chars())
        .fold(0u32, |acc, c| {
            let v = c.to_digit(36).unwrap_or(0);
            if v >= 10 {
                (acc * 100 + v) % 97
            } else {
                (acc * 10 + v) % 97
            }
        })
}

/// A Kazakh mobile or landline number as `+7` and ten digits; spaces, dashes and brackets are ignored,
/// and a leading 8 is read as +7.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let kept: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    let rest = kept
        .strip_prefix("+7")
        .or_else(|| kept.strip_prefix('8').filter(|r| r.len() == 10))?;
    (rest.len() == 10 && rest.chars().all(|c| c.is_ascii_digit())).then(|| format!("+7{rest}"))
}

/// The input is not a valid BIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidBin;

/// A business identification number: 12 digits, digit 5 is 4 (resident legal entity), 5
/// (non-resident) or 6 (sole trader / joint venture), valid check digit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Bin(String);

impl Bin {
    pub fn parse(raw: &str) -> Result<Bin, InvalidBin> {
        let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        let ok =
            has_valid_check_digit(&s) && matches!(s.as_bytes().get(4), Some(b'4' | b'5' | b'6'));
        if ok { Ok(Bin(s)) } else { Err(InvalidBin) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn published_iin_examples_are_valid() {
        assert!(has_valid_check_digit("791028302728"));
        assert!(has_valid_check_digit("061211600012"));
        assert!(!has_valid_check_digit("791028302727"));
        assert!(!has_valid_check_digit("79102830272"));
        assert!(!has_valid_check_digit("79102830272a"));
    }

    #[test]
    fn bins_need_an_organisation_type_digit() {
        // Same check-digit scheme; digit 5 must be 4, 5 or 6.
        let first: [u8; 11] = [1, 5, 0, 3, 4, 0, 0, 1, 2, 3, 4];
        let d = check_digit(&first).unwrap();
        let valid = format!("15034001234{d}");
        assert!(Bin::parse(&valid).is_ok(), "{valid}");
        assert!(Bin::parse(&format!(" {} ", &valid)).is_ok());
        // An IIN (digit 5 is a month digit) is not a BIN.
        assert!(Bin::parse("791028302728").is_err());
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn iin_table() {
        let today = day(2026, 11, 28);
        let ok = Iin::parse("791028302728", today).unwrap();
        assert_eq!((ok.birth_date, ok.sex), (day(1979, 10, 28), Sex::Male));
        let ok = Iin::parse("061211600012", today).unwrap();
        assert_eq!((ok.birth_date, ok.sex), (day(2006, 12, 11), Sex::Female));
        assert_eq!(
            Iin::parse(" 7910 2830 2728 ", today).map(|i| i.as_str().to_owned()),
            Ok("791028302728".into())
        );
        // Wrong check digit, wrong length, letters.
        assert_eq!(Iin::parse("791028302727", today), Err(IinError::Format));
        assert_eq!(Iin::parse("79102830272", today), Err(IinError::Format));
        assert_eq!(Iin::parse("7910283O2728", today), Err(IinError::Format));
        // Valid check digits around impossible or future dates.
        let with_check = |first: &str| {
            let d: Vec<u8> = first.bytes().map(|b| b - b'0').collect();
            let c = check_digit(&d.try_into().unwrap()).unwrap();
            format!("{first}{c}")
        };
        assert_eq!(
            Iin::parse(&with_check("79023030272"), today),
            Err(IinError::BirthDate),
            "30 February"
        );
        assert_eq!(
            Iin::parse(&with_check("79102890272"), today),
            Err(IinError::BirthDate),
            "century digit 9"
        );
        assert_eq!(
            Iin::parse(&with_check("27010150001"), today),
            Err(IinError::FutureBirthDate),
            "born 2027"
        );
    }

    #[test]
    fn iban_table() {
        assert_eq!(
            Iban::parse("KZ86125KZT5004100100").map(|i| i.as_str().to_owned()),
            Some("KZ86125KZT5004100100".into())
        );
        assert!(Iban::parse("kz86 125K ZT50 0410 0100").is_some());
        assert!(
            Iban::parse("KZ87125KZT5004100100").is_none(),
            "check digits"
        );
        assert!(
            Iban::parse("KZ86125KZT500410010").is_none(),
            "19 characters"
        );
        assert!(
            Iban::parse("DE89370400440532013000").is_none(),
            "another country"
        );
        assert!(
            Iban::parse("KZ86A25KZT5004100100").is_none(),
            "bank code not digits"
        );
    }

    #[test]
    fn masking_and_phones() {
        assert_eq!(mask_id("791028302728"), "7910******28");
        assert_eq!(mask_iban("KZ86125KZT5004100100"), "KZ86************0100");
        assert_eq!(
            normalize_phone("+7 (701) 234-56-78").as_deref(),
            Some("+77012345678")
        );
        assert_eq!(
            normalize_phone("8 701 234 56 78").as_deref(),
            Some("+77012345678")
        );
        assert_eq!(normalize_phone("+7 701 234 56").as_deref(), None);
        assert_eq!(normalize_phone("+1 701 234 5678").as_deref(), None);
    }

    proptest! {
        #[test]
        fn exactly_one_check_digit_is_valid(first in proptest::array::uniform11(0u8..10)) {
            let body: String = first.iter().map(|d| char::from(b'0' + d)).collect();
            let valid: Vec<u8> = (0..10).filter(|c| has_valid_check_digit(&format!("{body}{c}"))).collect();
            match check_digit(&first) {
                Some(c) => prop_assert_eq!(valid, vec![c]),
                None => prop_assert!(valid.is_empty()),
            }
        }

    }
}
