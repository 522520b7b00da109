//! Rules for the text people type and the text the service writes into files others open: pure
//! functions, no framework.
//!
//! Names are shown to case workers and go into the bank's file, which is opened in spreadsheets:
//! a control character, a bidirectional override (which makes `ecnarf` read as `france`) or an
//! invisible character in a name hides what it says, and a leading `=` runs as a formula.

/// Characters no name may hold: every control character (tab and line breaks too), the Unicode
/// bidirectional embeddings, overrides, isolates and marks, and the invisible zero-width ones.
pub fn forbidden_in_name(c: char) -> bool {
    c.is_control() || invisible_or_bidi(c)
}

/// Characters no free text (a description, a note, a reason) may hold: as for names, except that
/// tabs and line breaks are allowed there.
pub fn forbidden_in_text(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || invisible_or_bidi(c)
}

fn invisible_or_bidi(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'           // Arabic letter mark
        | '\u{200B}'..='\u{200F}' // zero-width space, non-joiner, joiner; LRM, RLM
        | '\u{202A}'..='\u{202E}' // embeddings and overrides
        | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}' // isolates
        | '\u{FEFF}'              // zero-width no-break space (BOM)
        | '\u{FFF9}'..='\u{FFFB}' // interlinear annotations
    )
}

/// Whether a one-line name is free of [`forbidden_in_name`] characters.
pub fn name_is_clean(s: &str) -> bool {
    !s.chars().any(forbidden_in_name)
}

/// Whether free text is free of [`forbidden_in_text`] characters.
pub fn text_is_clean(s: &str) -> bool {
    !s.chars().any(forbidden_in_text)
}

/// A cell for a CSV file a person may open in a spreadsheet, after OWASP's advice on CSV
/// injection: a value that a spreadsheet would read as a formula (it starts with `=`, `+`, `-`,
/// `@`, a tab or a carriage return) is prefixed with `'`, so it shows as the text it is. Numbers
/// the service itself formats are not passed through this.
pub fn spreadsheet_safe(value: &str) -> std::borrow::Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠') => {
            std::borrow::Cow::Owned(format!("'{value}"))
        }
        _ => std::borrow::Cow::Borrowed(value),
    }
}

/// Writes `rows` as CSV (a header first), every text cell through [`spreadsheet_safe`], quoted by
/// the `csv` crate where it must be. `numeric[i]` marks the columns the service formats itself
/// (amounts), which are written as they are.
pub fn csv_file<'a, R>(header: &[&str], numeric: &[bool], rows: R) -> Result<String, csv::Error>
where
    R: IntoIterator<Item = Vec<std::borrow::Cow<'a, str>>>,
{
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(header)?;
    for row in rows {
        w.write_record(
            row.iter()
                .enumerate()
                .map(|(i, cell)| {
                    if numeric.get(i).copied().unwrap_or(false) {
                        std::borrow::Cow::Borrowed(cell.as_ref())
                    } else {
                        spreadsheet_safe(cell)
                    }
                })
                .map(|c| c.into_owned()),
        )?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    String::from_utf8(bytes)
        .map_err(|e| csv::Error::from(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn formula_cells_become_text() {
        for bad in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+cmd|' /C calc'!A0",
            "@SUM(A1)",
            "-2+3",
            "\t=1+1",
            "\r=1",
        ] {
            assert_eq!(spreadsheet_safe(bad), format!("'{bad}"), "{bad:?}");
        }
        assert_eq!(spreadsheet_safe("Айгүл Сейітқызы"), "Айгүл Сейітқызы");
        assert_eq!(spreadsheet_safe(""), "");
    }

    #[test]
    fn a_file_quotes_what_must_be_quoted_and_keeps_numbers() {
        let rows = vec![vec!["=1+1".into(), "a,\"b\"".into(), "-5.00".into()]];
        let file = csv_file(&["x", "y", "amount"], &[false, false, true], rows).unwrap();
        assert_eq!(file, "x,y,amount\n'=1+1,\"a,\"\"b\"\"\",-5.00\n");
    }

    #[test]
    fn names_refuse_controls_overrides_and_invisible_characters() {
        for bad in [
            "Ай\u{0}гүл",
            "Айгүл\tСейітқызы",
            "Ай\u{202E}гүл",
            "Ай\u{200B}гүл",
            "Ай\u{2066}гүл",
            "\u{FEFF}Айгүл",
            "a\u{7F}",
        ] {
            assert!(!name_is_clean(bad), "{bad:?}");
        }
        assert!(name_is_clean("Мария-Анна О'Нил"));
        assert!(text_is_clean("Строка один\nСтрока два\tтаб"));
        assert!(!text_is_clean("нуль\u{0}"));
        assert!(!text_is_clean("\u{202E}override"));
    }

    proptest! {
        /// Whatever the value, the cell a spreadsheet reads never starts a formula, and removing
        /// the one added quote gives the value back.
        #[test]
        fn no_cell_starts_a_formula(value in ".{0,40}") {
            let cell = spreadsheet_safe(&value);
            let first = cell.chars().next();
            prop_assert!(!matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')));
            let back = if cell.len() > value.len() { &cell[1..] } else { &cell[..] };
            prop_assert_eq!(back, value.as_str());
        }

        /// The file parses back to the cells written, each neutralised once.
        #[test]
        fn the_file_round_trips(cells in proptest::collection::vec(".{0,20}", 1..6)) {
            let header: Vec<String> = (0..cells.len()).map(|i| format!("c{i}")).collect();
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            let row: Vec<std::borrow::Cow<str>> = cells.iter().map(|c| c.as_str().into()).collect();
            let file = csv_file(&header, &[], vec![row]).unwrap();
            let mut r = csv::ReaderBuilder::new().from_reader(file.as_bytes());
            let got: Vec<String> = r.records().next().unwrap().unwrap().iter().map(str::to_owned).collect();
            let want: Vec<String> = cells.iter().map(|c| spreadsheet_safe(c).into_owned()).collect();
            prop_assert_eq!(got, want);
        }
    }
}
