//! Almaty's districts: reference data (loaded by the first migration) that profiles, organisations
//! and openings name by code.

use diesel::prelude::*;

use crate::db::{DbConnection, schema::districts};

pub fn exists(conn: &mut DbConnection, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        districts::table.filter(districts::code.eq(code)),
    ))
    .get_result(conn)
}

/// Districts that share a border (approximate, from the city map), each pair once. Used to rank
/// openings near a seeker's home: a neighbouring district is a short bus ride away.
const NEIGHBOURS: &[(&str, &str)] = &[
    ("alatau", "almaly"),
    ("alatau", "auezov"),
    ("alatau", "nauryzbay"),
    ("alatau", "zhetysu"),
    ("almaly", "auezov"),
    ("almaly", "bostandyk"),
    ("almaly", "medeu"),
    ("almaly", "zhetysu"),
    ("auezov", "bostandyk"),
    ("auezov", "nauryzbay"),
    ("bostandyk", "medeu"),
    ("bostandyk", "nauryzbay"),
    ("medeu", "turksib"),
    ("medeu", "zhetysu"),
    ("turksib", "zhetysu"),
];

/// Whether two different districts share a border.
pub fn are_neighbours(a: &str, b: &str) -> bool {
    NEIGHBOURS
        .iter()
        .any(|(x, y)| (*x == a && *y == b) || (*x == b && *y == a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_district_has_a_neighbour_and_none_borders_itself() {
        let codes = [
            "alatau",
            "almaly",
            "auezov",
            "bostandyk",
            "zhetysu",
            "medeu",
            "nauryzbay",
            "turksib",
        ];
        for c in codes {
            assert!(codes.iter().any(|o| are_neighbours(c, o)), "{c}");
            assert!(!are_neighbours(c, c));
        }
        for (a, b) in NEIGHBOURS {
            assert!(codes.contains(a) && codes.contains(b));
            assert!(are_neighbours(b, a));
        }
    }
}
