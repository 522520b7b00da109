//! Who is acting, and what their role may do: below every adapter (API, web cabinet, CLI, jobs) and
//! known to every service. Knows nothing of HTTP.
//!
//! [`Caller`] is the acting account; [`Permission`] is the one table of which role may call what.
//! Object-level checks (is this her household, their organisation's opening?) are made by each
//! service, answering 404 to outsiders.

use crate::{accounts::model::Role, audit::Actor, error::AppError, locale::Locale};

/// What a role may do. Each handler names the permission it needs; [`Permission::roles`] is the only
/// place that says who has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Create case workers and admins; disable staff.
    ManageStaff,
    /// Register an organisation (employers and providers, for their own kind).
    RegisterOrganisation,
    /// Approve an organisation.
    ApproveOrganisation,
    /// See any organisation (staff); members see their own by object-level check.
    ReadAnyOrganisation,
    /// Keep one's own seeker data: profile, household, eligibility.
    ManageOwnProfile,
    /// See households and verify or reject them.
    VerifyHouseholds,
    /// Create programmes and change their rules.
    ManageProgrammes,
    /// Apply for places, rank and withdraw applications, answer offers.
    Apply,
    /// Start matching rounds and read their results.
    RunMatching,
    /// See every seeker's payouts.
    ViewPayouts,
    /// Reopen a closed attendance month.
    ReopenPeriods,
    /// Post and edit openings for one's organisation (employers jobs, providers courses).
    PostOpenings,
    /// See any organisation's draft and closed openings (staff).
    ReadAnyOpening,
    /// Enqueue periodic jobs by hand.
    RunJobs,
    /// See and retry the email outbox.
    ManageOutbox,
    /// Read the city's reports (every figure, unsuppressed).
    ViewReports,
    /// See people's erasure requests and approve or reject them.
    DecideErasure,
}

impl Permission {
    pub fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Permission::ManageStaff => &[Admin],
            Permission::RegisterOrganisation => &[Employer, Provider],
            Permission::ApproveOrganisation => &[Admin],
            Permission::ReadAnyOrganisation => &[Caseworker, Admin],
            Permission::ManageOwnProfile => &[Seeker],
            Permission::VerifyHouseholds => &[Caseworker, Admin],
            Permission::ManageProgrammes => &[Admin],
            Permission::Apply => &[Seeker],
            Permission::RunMatching => &[Caseworker, Admin],
            Permission::ViewPayouts => &[Caseworker, Admin],
            Permission::ReopenPeriods => &[Caseworker, Admin],
            Permission::PostOpenings => &[Employer, Provider],
            Permission::ReadAnyOpening => &[Caseworker, Admin],
            Permission::RunJobs => &[Admin],
            Permission::ManageOutbox => &[Admin],
            Permission::ViewReports => &[Caseworker, Admin],
            Permission::DecideErasure => &[Caseworker, Admin],
        }
    }
}

/// Who is acting: the signed-in account, as the database had it when the request (or the job, or
/// the command) began. Built by the adapters (the API's bearer-token extractor in `http::auth`);
/// services receive it by reference and ask it what it may do.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: String,
    pub email: String,
    pub role: Role,
    pub locale: Locale,
    pub email_verified: bool,
    pub organisation_id: Option<String>,
    pub organisation_approved: bool,
    pub actor: Actor,
}

impl Caller {
    /// Function-level check: 403 when the role lacks the permission.
    pub fn require(&self, permission: Permission) -> Result<&Caller, AppError> {
        if permission.roles().contains(&self.role) {
            Ok(self)
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn has(&self, permission: Permission) -> bool {
        permission.roles().contains(&self.role)
    }

    /// What a list of an organisation's money shows the caller: everything (`None`) to staff with
    /// `staff`, her own organisation's to a member of one, 403 to anyone else.
    pub fn staff_or_own_organisation(&self, staff: Permission) -> Result<Option<String>, AppError> {
        if self.has(staff) {
            return Ok(None);
        }
        self.require(Permission::PostOpenings)?;
        self.organisation_id
            .clone()
            .map(Some)
            .ok_or(AppError::Forbidden)
    }

    /// For actions that need a confirmed email (a seeker applying, an organisation publishing).
    pub fn require_verified_email(&self) -> Result<&Caller, AppError> {
        if self.email_verified {
            Ok(self)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The organisation this account may act for: only once an admin approved it.
    pub fn acting_organisation(&self) -> Option<&str> {
        self.organisation_approved
            .then_some(self.organisation_id.as_deref())
            .flatten()
    }
}
