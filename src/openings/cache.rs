//! Recent answers of `GET /openings`, in this process. Most browse traffic repeats a few queries
//! between rare writes, so an answer is kept as the bytes sent, under the normalised query (the
//! parsed filters, the reader's language and Almaty's date), with the data version it was made
//! at. The version is a counter in the database (`data_versions`) that triggers bump in the
//! transaction of every write a list shows (openings, their skills, organisation names): read
//! fresh for every request, it makes a kept answer unusable the moment a write commits, in every
//! instance sharing the database. The time to live is only a safety net.

use std::{sync::Arc, time::Duration};

use bytes::Bytes;
use diesel::{RunQueryDsl, sql_types::BigInt};
use sha2::{Digest, Sha256};

use crate::{db::DbConnection, dispatch};

/// How long an answer is kept even if nothing changes.
pub const TTL: Duration = Duration::from_secs(60);

/// A browse answer as sent: the JSON body and its tag.
#[derive(Debug)]
pub struct Answer {
    /// The data version the answer was made at.
    pub version: i64,
    /// The body's digest: it changes exactly when what the reader sees changes.
    pub etag: String,
    pub body: Bytes,
}

impl Answer {
    pub fn new(version: i64, body: Vec<u8>) -> Answer {
        let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..16]));
        Answer {
            version,
            etag,
            body: Bytes::from(body),
        }
    }
}

/// The kept answers; switched off (`browse_cache_bytes = 0`) it keeps nothing and asks for no
/// version.
#[derive(Clone)]
pub struct BrowseCache(Option<mini_moka::sync::Cache<String, Arc<Answer>>>);

impl BrowseCache {
    /// Keeps at most about `max_bytes` of answers (keys and bodies); 0 keeps none.
    pub fn new(max_bytes: u64) -> BrowseCache {
        BrowseCache((max_bytes > 0).then(|| {
            mini_moka::sync::Cache::builder()
                .weigher(|k: &String, v: &Arc<Answer>| {
                    u32::try_from(k.len() + v.body.len() + v.etag.len()).unwrap_or(u32::MAX)
                })
                .max_capacity(max_bytes)
                .time_to_live(TTL)
                .build()
        }))
    }

    pub fn enabled(&self) -> bool {
        self.0.is_some()
    }

    /// The answer kept under `key`, if it was made at `version`.
    pub fn get(&self, key: &String, version: i64) -> Option<Arc<Answer>> {
        self.0.as_ref()?.get(key).filter(|a| a.version == version)
    }

    pub fn put(&self, key: String, answer: Arc<Answer>) {
        if let Some(c) = &self.0 {
            c.insert(key, answer);
        }
    }
}

#[derive(diesel::QueryableByName)]
struct Version {
    #[diesel(sql_type = BigInt)]
    version: i64,
}

/// The current version of what lists of openings show (one indexed row).
pub fn openings_version(conn: &mut DbConnection) -> diesel::QueryResult<i64> {
    let q = "SELECT version FROM data_versions WHERE name = 'openings'";
    let v: Version = dispatch!(conn, |c| diesel::sql_query(q).get_result(c))?;
    Ok(v.version)
}
