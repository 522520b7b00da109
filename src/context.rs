//! What the account use cases need beyond the database: the settings and the keys that sign and
//! check tokens. A plain struct, cheap to clone, built by any adapter (the API from its state, a
//! command or a job from what it assembled); it knows nothing of HTTP.

use std::sync::Arc;

use crate::{accounts::AuthKeys, config::Settings, db::Db};

#[derive(Clone)]
pub struct Ctx {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub auth: Arc<AuthKeys>,
}
