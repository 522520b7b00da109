//! The browse query: filters, full-text search, distance and keyset cursors, written once as SQL
//! with `?` placeholders and bind values. Only two things differ per backend and are written here
//! per dialect: the full-text match (PostgreSQL `tsvector`, SQLite FTS5) and substring position
//! (`strpos`/`instr`). Pure: builds text, runs nothing.
//!
//! Orders (every one ends in the id, so it is total and a cursor resumes exactly after the last
//! item; inserts between pages land before or after the cursor, never shifting what is left):
//! - `newest`: publication instant, newest first;
//! - `deadline`: application deadline, soonest first;
//! - `relevance` (needs `q`): per search word, 2 points if it occurs in a title and 1 if anywhere
//!   in the text; then newest first. Computed from the opening's own text only, so adding other
//!   openings never changes an opening's score (unlike BM25), and both backends agree;
//! - `distance` (needs `near`): nearest first, by the equirectangular approximation (under 0.1 %
//!   off at city scale).

use chrono::{NaiveDate, NaiveDateTime};

use super::model::{OpeningKind, WorkTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    Sqlite,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    Int(i64),
    Float(f64),
    Date(NaiveDate),
    Timestamp(NaiveDateTime),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    Relevance,
    Newest,
    Deadline,
    Distance,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Near {
    pub lat: f64,
    pub lon: f64,
    pub radius_km: f64,
}

/// Kilometres per degree of latitude (mean Earth radius 6371.0 km).
pub const KM_PER_DEGREE: f64 = 111.194_926_644_558_73;

impl Near {
    /// cos² of the latitude: squeezes longitude degrees to the same length as latitude degrees.
    fn lon_scale2(&self) -> f64 {
        let c = self.lat.to_radians().cos();
        c * c
    }

    /// Half the width of the box around the circle, in degrees of longitude: a point in the
    /// circle has |Δlon| · cos(lat) ≤ radius, so |Δlon| ≤ radius / cos(lat). A hair wider (the
    /// circle test decides) so rounding never drops a point on the edge. `None` near a pole,
    /// where the circle spans every longitude.
    fn lon_half_width(&self) -> Option<f64> {
        let c = self.lat.to_radians().cos();
        let dlon = self.radius_km / KM_PER_DEGREE / c * (1.0 + 1e-9) + 1e-12;
        (c > 1e-9 && dlon < 180.0).then_some(dlon)
    }

    /// Kilometres from the centre for the squared-degree value the SQL computes.
    pub fn km(d2: f64) -> f64 {
        d2.max(0.0).sqrt() * KM_PER_DEGREE
    }
}

/// What a browse asks for, already checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub kind: Option<OpeningKind>,
    pub programme_id: Option<String>,
    pub district: Option<String>,
    pub skill: Option<String>,
    pub schedule: Option<WorkTime>,
    pub has_stipend: Option<bool>,
    /// Lower-case search words, all required (each as a prefix).
    pub terms: Vec<String>,
    pub near: Option<Near>,
}

/// Where the previous page stopped, for the order it was in.
#[derive(Debug, Clone, PartialEq)]
pub enum Cursor {
    Newest {
        published_at: NaiveDateTime,
        id: String,
    },
    Deadline {
        deadline: NaiveDate,
        id: String,
    },
    Relevance {
        score: i64,
        published_at: NaiveDateTime,
        id: String,
    },
    Distance {
        d2: f64,
        id: String,
    },
}

impl Cursor {
    pub fn sort(&self) -> Sort {
        match self {
            Cursor::Newest { .. } => Sort::Newest,
            Cursor::Deadline { .. } => Sort::Deadline,
            Cursor::Relevance { .. } => Sort::Relevance,
            Cursor::Distance { .. } => Sort::Distance,
        }
    }

    /// Opaque to clients.
    pub fn encode(&self) -> String {
        let micros = |t: &NaiveDateTime| t.and_utc().timestamp_micros();
        let text = match self {
            Cursor::Newest { published_at, id } => format!("n|{}|{id}", micros(published_at)),
            Cursor::Deadline { deadline, id } => format!("d|{deadline}|{id}"),
            Cursor::Relevance {
                score,
                published_at,
                id,
            } => format!("r|{score}|{}|{id}", micros(published_at)),
            Cursor::Distance { d2, id } => format!("g|{}|{id}", d2.to_bits()),
        };
        crate::paging::wrap(&text)
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        let text = crate::paging::unwrap_text(s)?;
        let parts: Vec<&str> = text.split('|').collect();
        let at = crate::paging::instant;
        let id = |s: &str| (!s.is_empty() && s.len() <= 64).then(|| s.to_owned());
        match parts.as_slice() {
            ["n", m, i] => Some(Cursor::Newest {
                published_at: at(m)?,
                id: id(i)?,
            }),
            ["d", d, i] => Some(Cursor::Deadline {
                deadline: d.parse().ok().filter(|d| crate::clock::date_in_range(*d))?,
                id: id(i)?,
            }),
            ["r", s, m, i] => Some(Cursor::Relevance {
                score: s.parse().ok()?,
                published_at: at(m)?,
                id: id(i)?,
            }),
            ["g", b, i] => Some(Cursor::Distance {
                d2: f64::from_bits(b.parse().ok()?),
                id: id(i)?,
            })
            .filter(|c| matches!(c, Cursor::Distance { d2, .. } if d2.is_finite())),
            _ => None,
        }
    }
}

/// The words of a search, lower-cased: runs of letters and digits (any script), at most 8 of at
/// most 40 characters each, so no input can carry query syntax to either backend.
pub fn terms(q: &str) -> Vec<String> {
    let mut out: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().chars().take(40).collect::<String>())
        .collect();
    out.dedup();
    out.truncate(8);
    out
}

/// SQL text with `?` placeholders and the values for them, in order.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Sql {
    pub text: String,
    pub binds: Vec<Bind>,
}

impl Sql {
    fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    fn bind(&mut self, b: Bind) -> &mut Self {
        self.text.push('?');
        self.binds.push(b);
        self
    }

    /// The text with PostgreSQL's numbered placeholders.
    pub fn text_for(&self, d: Dialect) -> String {
        match d {
            Dialect::Sqlite => self.text.clone(),
            Dialect::Postgres => {
                let mut out = String::with_capacity(self.text.len() + 16);
                let mut n = 0;
                for ch in self.text.chars() {
                    if ch == '?' {
                        n += 1;
                        out.push_str(&format!("${n}"));
                    } else {
                        out.push(ch);
                    }
                }
                out
            }
        }
    }
}

fn distance_expr(sql: &mut Sql, near: &Near) {
    sql.push("((o.latitude - ")
        .bind(Bind::Float(near.lat))
        .push(") * (o.latitude - ")
        .bind(Bind::Float(near.lat))
        .push(") + (o.longitude - ")
        .bind(Bind::Float(near.lon))
        .push(") * (o.longitude - ")
        .bind(Bind::Float(near.lon))
        .push(") * ")
        .bind(Bind::Float(near.lon_scale2()))
        .push(")");
}

fn relevance_expr(sql: &mut Sql, d: Dialect, terms: &[String]) {
    let contains = |sql: &mut Sql, column: &str, term: &str| {
        match d {
            Dialect::Postgres => sql.push("strpos(").push(column).push(", "),
            Dialect::Sqlite => sql.push("instr(").push(column).push(", "),
        };
        sql.bind(Bind::Text(term.to_owned())).push(") > 0");
    };
    sql.push("(0");
    for t in terms {
        sql.push(" + CASE WHEN ");
        contains(sql, "o.title_search", t);
        sql.push(" THEN 2 ELSE 0 END + CASE WHEN ");
        contains(sql, "o.search_text", t);
        sql.push(" THEN 1 ELSE 0 END");
    }
    sql.push(")");
}

/// `WHERE …` for the published openings still open on `today` that match `f`.
fn where_clause(sql: &mut Sql, d: Dialect, f: &Filter, today: NaiveDate) {
    sql.push(" WHERE o.status = 'published' AND o.application_deadline >= ")
        .bind(Bind::Date(today));
    if let Some(k) = f.kind {
        sql.push(" AND o.kind = ")
            .bind(Bind::Text(k.as_str().into()));
    }
    if let Some(p) = &f.programme_id {
        sql.push(" AND o.programme_id = ")
            .bind(Bind::Text(p.clone()));
    }
    if let Some(x) = &f.district {
        sql.push(" AND o.district = ").bind(Bind::Text(x.clone()));
    }
    if let Some(s) = f.schedule {
        sql.push(" AND o.employment = ")
            .bind(Bind::Text(s.as_str().into()));
    }
    if let Some(h) = f.has_stipend {
        sql.push(if h {
            " AND o.has_stipend = TRUE"
        } else {
            " AND o.has_stipend = FALSE"
        });
    }
    if let Some(s) = &f.skill {
        sql.push(
            " AND EXISTS (SELECT 1 FROM opening_skills s WHERE s.opening_id = o.id AND s.skill = ",
        )
        .bind(Bind::Text(s.clone()))
        .push(")");
    }
    if !f.terms.is_empty() {
        match d {
            Dialect::Postgres => {
                let q = f
                    .terms
                    .iter()
                    .map(|t| format!("{t}:*"))
                    .collect::<Vec<_>>()
                    .join(" & ");
                sql.push(" AND to_tsvector('simple', o.search_text) @@ to_tsquery('simple', ")
                    .bind(Bind::Text(q))
                    .push(")");
            }
            Dialect::Sqlite => {
                let q = f
                    .terms
                    .iter()
                    .map(|t| format!("\"{t}\"*"))
                    .collect::<Vec<_>>()
                    .join(" AND ");
                sql.push(
                    " AND o.id IN (SELECT opening_id FROM openings_fts WHERE openings_fts MATCH ",
                )
                .bind(Bind::Text(q))
                .push(")");
            }
        }
    }
    if let Some(n) = &f.near {
        // A bounding box first (the (latitude, longitude) index narrows it to the box, dropping
        // rows to the east and west without reading them), then the circle. The longitude
        // formula does not wrap at ±180°, so neither does the box (clamped to real longitudes).
        let dlat = n.radius_km / KM_PER_DEGREE;
        sql.push(" AND o.latitude BETWEEN ")
            .bind(Bind::Float(n.lat - dlat))
            .push(" AND ")
            .bind(Bind::Float(n.lat + dlat))
            .push(" AND ");
        if let Some(dlon) = n.lon_half_width() {
            sql.push("o.longitude BETWEEN ")
                .bind(Bind::Float((n.lon - dlon).max(-180.0)))
                .push(" AND ")
                .bind(Bind::Float((n.lon + dlon).min(180.0)))
                .push(" AND ");
        }
        distance_expr(sql, n);
        sql.push(" <= ").bind(Bind::Float(dlat * dlat));
    }
}

/// The columns a list shows (`queries::ListedRow`): not the search texts, which are as long as
/// the titles and descriptions together and only the query needs.
const LISTED_COLUMNS: &str = "o.id, o.organisation_id, o.programme_id, o.kind, o.status, o.title, \
     o.description, o.district, o.latitude, o.longitude, o.employment, o.hours_per_week, \
     o.work_days, o.skills, o.capacity, o.places_given, o.application_deadline, o.start_date, \
     o.end_date, o.wage_monthly_tiyn, o.subsidy_percent, o.subsidy_months, \
     o.stipend_monthly_tiyn, o.has_stipend, o.published_at";

/// One page of openings in `sort` order after `cursor`, with each row's sort value as the column
/// `sort_value` (relevance score or squared degrees; 0 otherwise). Asks for `limit` rows.
///
/// A `near` or `q` page orders every match (950 rows in a 3 km circle of the benchmark), and
/// ordering whole rows made each one be read and sorted in full: there the ids of the page are
/// found and ordered first, carrying only what the order needs, and the page's rows are read
/// last. Other pages walk an index in their order and stop at `limit`, which the two steps only
/// slowed (a quarter fewer `newest` pages a second).
pub fn page(
    d: Dialect,
    f: &Filter,
    sort: Sort,
    cursor: Option<&Cursor>,
    today: NaiveDate,
    limit: i64,
) -> Sql {
    let two_steps = f.near.is_some() || !f.terms.is_empty();
    let mut sql = Sql::default();
    sql.push("SELECT ").push(LISTED_COLUMNS);
    if two_steps {
        sql.push(", p.sort_value FROM (SELECT o.id, o.published_at, o.application_deadline");
    }
    sql.push(", CAST(");
    match (sort, &f.near) {
        (Sort::Relevance, _) => relevance_expr(&mut sql, d, &f.terms),
        (Sort::Distance, Some(n)) => distance_expr(&mut sql, n),
        _ => {
            sql.push("0");
        }
    }
    sql.push(" AS DOUBLE PRECISION) AS sort_value FROM openings o");
    where_clause(&mut sql, d, f, today);
    match cursor {
        Some(Cursor::Newest { published_at, id }) => {
            sql.push(" AND (o.published_at < ")
                .bind(Bind::Timestamp(*published_at))
                .push(" OR (o.published_at = ")
                .bind(Bind::Timestamp(*published_at))
                .push(" AND o.id < ")
                .bind(Bind::Text(id.clone()))
                .push("))");
        }
        Some(Cursor::Deadline { deadline, id }) => {
            sql.push(" AND (o.application_deadline > ")
                .bind(Bind::Date(*deadline))
                .push(" OR (o.application_deadline = ")
                .bind(Bind::Date(*deadline))
                .push(" AND o.id > ")
                .bind(Bind::Text(id.clone()))
                .push("))");
        }
        Some(Cursor::Relevance {
            score,
            published_at,
            id,
        }) => {
            sql.push(" AND (");
            relevance_expr(&mut sql, d, &f.terms);
            sql.push(" < ").bind(Bind::Int(*score)).push(" OR (");
            relevance_expr(&mut sql, d, &f.terms);
            sql.push(" = ")
                .bind(Bind::Int(*score))
                .push(" AND (o.published_at < ")
                .bind(Bind::Timestamp(*published_at))
                .push(" OR (o.published_at = ")
                .bind(Bind::Timestamp(*published_at))
                .push(" AND o.id < ")
                .bind(Bind::Text(id.clone()))
                .push("))))");
        }
        Some(Cursor::Distance { d2, id }) => {
            if let Some(n) = &f.near {
                sql.push(" AND (");
                distance_expr(&mut sql, n);
                sql.push(" > ").bind(Bind::Float(*d2)).push(" OR (");
                distance_expr(&mut sql, n);
                sql.push(" = ")
                    .bind(Bind::Float(*d2))
                    .push(" AND o.id > ")
                    .bind(Bind::Text(id.clone()))
                    .push("))");
            }
        }
        None => {}
    }
    sql.push(match sort {
        Sort::Newest => " ORDER BY o.published_at DESC, o.id DESC",
        Sort::Deadline => " ORDER BY o.application_deadline ASC, o.id ASC",
        Sort::Relevance => " ORDER BY sort_value DESC, o.published_at DESC, o.id DESC",
        Sort::Distance => " ORDER BY sort_value ASC, o.id ASC",
    });
    sql.push(" LIMIT ").bind(Bind::Int(limit));
    if !two_steps {
        return sql;
    }
    sql.push(") p JOIN openings o ON o.id = p.id");
    sql.push(match sort {
        Sort::Newest => " ORDER BY p.published_at DESC, p.id DESC",
        Sort::Deadline => " ORDER BY p.application_deadline ASC, p.id ASC",
        Sort::Relevance => " ORDER BY p.sort_value DESC, p.published_at DESC, p.id DESC",
        Sort::Distance => " ORDER BY p.sort_value ASC, p.id ASC",
    });
    sql
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Facet {
    District,
    Kind,
    Skill,
}

/// Counts by `facet` value over everything `f` matches (not just one page): columns `value`, `n`.
pub fn facet(d: Dialect, f: &Filter, facet: Facet, today: NaiveDate) -> Sql {
    let mut sql = Sql::default();
    match facet {
        Facet::District => sql.push("SELECT o.district AS value, COUNT(*) AS n FROM openings o"),
        Facet::Kind => sql.push("SELECT o.kind AS value, COUNT(*) AS n FROM openings o"),
        Facet::Skill => sql.push(
            "SELECT k.skill AS value, COUNT(*) AS n FROM openings o \
             JOIN opening_skills k ON k.opening_id = o.id",
        ),
    };
    where_clause(&mut sql, d, f, today);
    sql.push(match facet {
        Facet::District => " GROUP BY o.district ORDER BY n DESC, value",
        Facet::Kind => " GROUP BY o.kind ORDER BY n DESC, value",
        // The 30 most asked-for skills; a long tail helps no one choose.
        Facet::Skill => " GROUP BY k.skill ORDER BY n DESC, value LIMIT 30",
    });
    sql
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn search_words_cannot_carry_query_syntax() {
        assert_eq!(
            terms("Швея-МОТОРИСТКА \"OR\" *"),
            vec!["швея", "мотористка", "or"]
        );
        assert_eq!(terms("ТІГІНШІ: қазақ"), vec!["тігінші", "қазақ"]);
        assert!(terms(" - ! ").is_empty());
    }

    #[test]
    fn placeholders_are_numbered_for_postgres_and_match_the_binds() {
        let f = Filter {
            kind: Some(OpeningKind::Job),
            terms: vec!["швея".into(), "цех".into()],
            near: Some(Near {
                lat: 43.2,
                lon: 76.9,
                radius_km: 5.0,
            }),
            skill: Some("тігін".into()),
            ..Filter::default()
        };
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let c = Cursor::Relevance {
            score: 3,
            published_at: NaiveDateTime::default(),
            id: "x".into(),
        };
        for d in [Dialect::Postgres, Dialect::Sqlite] {
            let sql = page(d, &f, Sort::Relevance, Some(&c), today, 21);
            assert_eq!(sql.text.matches('?').count(), sql.binds.len());
            let pg = sql.text_for(Dialect::Postgres);
            assert!(pg.contains(&format!("${}", sql.binds.len())));
            assert!(!pg.contains('?'));
        }
    }

    fn cursor() -> impl Strategy<Value = Cursor> {
        let id = "[0-9a-f-]{1,36}";
        // Cursors hold instants and dates within the service's range (2000..2099).
        let at = (946_684_800_000_000i64..4_000_000_000_000_000).prop_map(|m| {
            chrono::DateTime::from_timestamp_micros(m)
                .unwrap()
                .naive_utc()
        });
        prop_oneof![
            (at.clone(), id).prop_map(|(published_at, id)| Cursor::Newest { published_at, id }),
            (0i64..36_500, id).prop_map(|(n, id)| Cursor::Deadline {
                deadline: NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()
                    + chrono::Days::new(n as u64),
                id
            }),
            (0i64..100, at, id).prop_map(|(score, published_at, id)| Cursor::Relevance {
                score,
                published_at,
                id
            }),
            (0f64..10.0, id).prop_map(|(d2, id)| Cursor::Distance { d2, id }),
        ]
    }

    proptest! {
        #[test]
        fn cursors_round_trip_exactly(c in cursor()) {
            prop_assert_eq!(Cursor::decode(&c.encode()), Some(c));
        }

        #[test]
        fn garbage_is_not_a_cursor_and_never_panics(s in ".{0,80}") {
            let _ = Cursor::decode(&s);
        }
    }
}
