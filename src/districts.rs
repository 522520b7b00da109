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
