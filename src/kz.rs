//! Kazakhstan's identification numbers: the IIN (people) and the BIN (organisations) share one
//! 12-digit layout whose last digit is a check digit. Pure functions.

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
