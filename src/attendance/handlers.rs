//! HTTP for course sessions, attendance, closed months and a seeker's enrollments.

use actix_web::{HttpRequest, get, post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;

use serde::Deserialize;

use super::service::{
    self, AttendanceInput, EnrolledPage, EnrollmentView, MyAttendance, PeriodView,
    SessionAttendance, SessionChange, SessionView,
};
use crate::{
    error::AppError,
    http::{
        auth::Caller,
        extract::{Json, Query},
        locale::Locale,
        problem::ProblemBody,
    },
    startup::AppState,
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EnrolledQuery {
    /// Page size, 1–100, default 50.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; empty or absent for the first page.
    pub cursor: Option<String>,
}

/// A course's enrollments, oldest first (its provider and staff).
#[utoipa::path(tag = "attendance", security(("bearer" = [])), params(("id" = String, Path, description = "Course (opening) id"), EnrolledQuery), responses(
    (status = 200, description = "A page of enrollments", body = EnrolledPage),
    (status = 403, description = "Another organisation's course", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such course", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "A cursor this list did not give, or a limit out of range", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/courses/{id}/enrollments")]
pub async fn course_enrollments(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
    query: Query<EnrolledQuery>,
) -> Result<web::Json<EnrolledPage>, AppError> {
    let q = query.0;
    Ok(web::Json(
        service::enrollments_of_course(
            &state.db,
            &user,
            id.into_inner(),
            crate::paging::given(q.cursor),
            crate::paging::limit(q.limit, 50, 100)?,
        )
        .await?,
    ))
}

/// A course's calendar (its provider and staff).
#[utoipa::path(tag = "attendance", security(("bearer" = [])), params(("id" = String, Path, description = "Course (opening) id")), responses(
    (status = 200, description = "Sessions in order", body = Vec<SessionView>),
    (status = 403, description = "Another organisation's course", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such course", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/courses/{id}/sessions")]
pub async fn course_sessions(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
) -> Result<web::Json<Vec<SessionView>>, AppError> {
    Ok(web::Json(
        service::sessions(&state.db, &user, id.into_inner()).await?,
    ))
}

/// Add a session, or move or cancel one with a reason (the course's provider). Times are Almaty
/// time. Not in a closed month.
#[utoipa::path(tag = "attendance", security(("bearer" = [])), params(("id" = String, Path, description = "Course (opening) id")), request_body = SessionChange, responses(
    (status = 200, description = "The session as it now is", body = SessionView),
    (status = 403, description = "Another organisation's course", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such course", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "The month is closed", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "Unknown session, times out of order, no reason", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/courses/{id}/sessions")]
pub async fn change_course_session(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
    body: Json<SessionChange>,
) -> Result<web::Json<SessionView>, AppError> {
    Ok(web::Json(
        service::change_session(&state.db, &user, id.into_inner(), body.0).await?,
    ))
}

/// Mark attendance for a held session in bulk (the course's provider). Send `Idempotency-Key` to
/// make retries safe: the same request again returns the first response; another request with the
/// same key is 422. A changed mark keeps the earlier one as a correction.
#[utoipa::path(tag = "attendance", security(("bearer" = [])), params(
    ("id" = String, Path, description = "Session id"),
    ("Idempotency-Key" = Option<String>, Header, description = "1–200 visible ASCII characters; makes a retry return the first response", min_length = 1, max_length = 200, pattern = "^[!-~]([ -~]*[!-~])?$"),
), request_body = AttendanceInput, responses(
    (status = 200, description = "The session's attendance", body = SessionAttendance),
    (status = 400, description = "An empty or over-long Idempotency-Key", body = ProblemBody, content_type = "application/problem+json"),
    (status = 403, description = "Another organisation's course", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such session", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "Cancelled, not held yet, or its month is closed", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "Unknown enrollments, or a reused Idempotency-Key", body = ProblemBody, content_type = "application/problem+json"),
))]
#[put("/api/v1/sessions/{id}/attendance")]
pub async fn put_attendance(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    body: Json<AttendanceInput>,
) -> Result<web::Json<serde_json::Value>, AppError> {
    let key = req
        .headers()
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::to_owned).unwrap_or_default());
    Ok(web::Json(
        service::record(
            &state.db,
            &state.settings,
            &user,
            id.into_inner(),
            body.0,
            key,
        )
        .await?,
    ))
}

/// A session's attendance with every correction (the course's provider and staff).
#[utoipa::path(tag = "attendance", security(("bearer" = [])), params(("id" = String, Path, description = "Session id")), responses(
    (status = 200, description = "The session's attendance", body = SessionAttendance),
    (status = 403, description = "Another organisation's course", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such session", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/sessions/{id}/attendance")]
pub async fn get_attendance(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
) -> Result<web::Json<SessionAttendance>, AppError> {
    Ok(web::Json(
        service::attendance_of_session(&state.db, &user, id.into_inner()).await?,
    ))
}

/// Close a month that has ended (the course's provider): its attendance is final unless a case
/// worker reopens it.
#[utoipa::path(tag = "attendance", security(("bearer" = [])), params(
    ("id" = String, Path, description = "Course (opening) id"),
    ("period" = String, Path, description = "`YYYY-MM`", pattern = "^20[0-9]{2}-(0[1-9]|1[0-2])$"),
), responses(
    (status = 200, description = "Closed", body = PeriodView),
    (status = 403, description = "Another organisation's course", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such course or month", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "Already closed, or not over yet", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/courses/{id}/periods/{period}/close")]
pub async fn close_period(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<PeriodView>, AppError> {
    let (id, period) = path.into_inner();
    Ok(web::Json(
        service::close_period(&state.db, &state.settings, &user, id, period).await?,
    ))
}

/// Reopen a closed month for late corrections (case workers; audited). Its payouts no money has
/// moved for (scheduled, held, approved in an unexported batch) are withdrawn and computed again
/// once the month is closed anew; those at the bank or paid keep their amounts.
#[utoipa::path(tag = "attendance", security(("bearer" = [])), params(
    ("id" = String, Path, description = "Course (opening) id"),
    ("period" = String, Path, description = "`YYYY-MM`", pattern = "^20[0-9]{2}-(0[1-9]|1[0-2])$"),
), responses(
    (status = 200, description = "Reopened, with what happened to the month's payouts", body = PeriodView),
    (status = 403, description = "Not a case worker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such course or month", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "The month is not closed", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/courses/{id}/periods/{period}/reopen")]
pub async fn reopen_period(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<PeriodView>, AppError> {
    let (id, period) = path.into_inner();
    Ok(web::Json(
        service::reopen_period(&state.db, &user, id, period).await?,
    ))
}

/// Her course enrollments with sessions held and attended so far.
#[utoipa::path(tag = "attendance", security(("bearer" = [])), responses(
    (status = 200, description = "Her enrollments", body = Vec<EnrollmentView>),
    (status = 403, description = "Not a seeker", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/me/enrollments")]
pub async fn my_enrollments(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
) -> Result<web::Json<Vec<EnrollmentView>>, AppError> {
    Ok(web::Json(
        service::my_enrollments(&state.db, &user, Locale::from_request(&req)).await?,
    ))
}

/// Her attendance, session by session, for one of her enrollments.
#[utoipa::path(tag = "attendance", security(("bearer" = [])), params(("id" = String, Path, description = "Enrollment id")), responses(
    (status = 200, description = "Sessions with her marks", body = Vec<MyAttendance>),
    (status = 403, description = "Not a seeker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such enrollment of hers", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/me/enrollments/{id}/attendance")]
pub async fn my_enrollment_attendance(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
) -> Result<web::Json<Vec<MyAttendance>>, AppError> {
    Ok(web::Json(
        service::my_attendance(&state.db, &user, id.into_inner()).await?,
    ))
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(course_sessions)
        .service(course_enrollments)
        .service(change_course_session)
        .service(put_attendance)
        .service(get_attendance)
        .service(close_period)
        .service(reopen_period)
        .service(my_enrollments)
        .service(my_enrollment_attendance);
}
