//! RFC 9457 problem details, localised.
//!
//! A [`Problem`] is built in the handler (through [`crate::error::AppError`]) in language-neutral
//! form: a status and [`Msg`] values. [`localise_problems`] renders it in the request's language on
//! the way out, and turns any error response that is not yet a problem (actix's own 404/405, a
//! panic-free fallback) into one.

use std::collections::BTreeMap;

use actix_web::{
    HttpMessage, HttpRequest, HttpResponse,
    body::{BoxBody, EitherBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{StatusCode, header},
    middleware::Next,
};
use serde::Serialize;

use super::locale::Locale;

pub const PROBLEM_JSON: &str = "application/problem+json";

pub use crate::messages::{FieldMsg, Msg};

/// The short, status-level title of a problem.
pub fn title(status: StatusCode, l: Locale) -> &'static str {
    use Locale::*;
    match (status.as_u16(), l) {
        (400, Kk) => "Қате сұраныс",
        (400, Ru) => "Некорректный запрос",
        (401, Kk) => "Кіру қажет",
        (401, Ru) => "Требуется вход",
        (401, En) => "Authentication required",
        (403, Kk) => "Рұқсат жоқ",
        (403, Ru) => "Доступ запрещён",
        (403, En) => "Forbidden",
        (404, Kk) => "Табылмады",
        (404, Ru) => "Не найдено",
        (404, En) => "Not found",
        (405, Kk) => "Әдіс рұқсат етілмеген",
        (405, Ru) => "Метод не разрешён",
        (405, En) => "Method not allowed",
        (409, Kk) => "Қайшылық",
        (409, Ru) => "Конфликт",
        (409, En) => "Conflict",
        (413, Kk) => "Сұраныс тым үлкен",
        (413, Ru) => "Слишком большой запрос",
        (413, En) => "Payload too large",
        (415, Kk) => "Қолдау көрсетілмейтін пішім",
        (415, Ru) => "Неподдерживаемый формат",
        (415, En) => "Unsupported media type",
        (422, Kk) => "Деректер тексеруден өтпеді",
        (422, Ru) => "Ошибка проверки данных",
        (422, En) => "Validation failed",
        (429, Kk) => "Сұраныстар тым көп",
        (429, Ru) => "Слишком много запросов",
        (429, En) => "Too many requests",
        (503, Kk) => "Қызмет уақытша қолжетімсіз",
        (503, Ru) => "Сервис временно недоступен",
        (503, En) => "Service unavailable",
        (500..=599, Kk) => "Ішкі қате",
        (500..=599, Ru) => "Внутренняя ошибка",
        (500..=599, En) => "Internal error",
        (_, Kk) => "Қате",
        (_, Ru) => "Ошибка",
        _ => "Bad request",
    }
}

/// A problem in language-neutral form; rendered per request by [`localise_problems`].
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    /// The last segment of the problem's `type` URI, e.g. `validation`.
    pub kind: &'static str,
    pub detail: Msg,
    pub errors: BTreeMap<String, Msg>,
}

/// The JSON body of a problem response (`application/problem+json`).
#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ProblemBody {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Field → message, for validation problems.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, String>,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &'static str, detail: Msg) -> Problem {
        Problem {
            status,
            kind,
            detail,
            errors: BTreeMap::new(),
        }
    }

    pub fn body(&self, l: Locale) -> ProblemBody {
        ProblemBody {
            kind: format!("https://social-jobs.almaty.kz/problems/{}", self.kind),
            title: title(self.status, l).to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.text(l),
            errors: self
                .errors
                .iter()
                .map(|(k, v)| (k.clone(), v.text(l)))
                .collect(),
        }
    }

    /// The response in one language, carrying the neutral problem for later re-rendering.
    pub fn response(&self, l: Locale) -> HttpResponse {
        let mut res = HttpResponse::build(self.status)
            .content_type(PROBLEM_JSON)
            .body(serde_json::to_string(&self.body(l)).unwrap_or_default());
        res.extensions_mut().insert(self.clone());
        res
    }
}

/// Middleware: renders problems in the request's language; turns bare error responses into problems.
pub async fn localise_problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, actix_web::Error> {
    let locale = Locale::from_request(req.request());
    let res = next.call(req).await?;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Ok(res.map_into_boxed_body().map_into_left_body());
    }
    let problem = res.response().extensions().get::<Problem>().cloned();
    let mut problem = match problem {
        Some(p) => p,
        None => {
            let is_problem = res
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
            // A page (the browser's) explains itself in its own language already.
            let is_page = res
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
            if is_problem || is_page {
                return Ok(res.map_into_boxed_body().map_into_left_body());
            }
            // A response made outside our error type (e.g. by actix itself): keep its status, give it
            // a problem body without echoing anything from the request.
            let detail = match status.as_u16() {
                404 => Msg::RouteNotFound,
                413 => Msg::PayloadTooLarge { limit: 0 },
                s if s >= 500 => Msg::Internal {
                    request_id: String::new(),
                },
                _ => Msg::QueryInvalid,
            };
            Problem::new(status, "http", detail)
        }
    };
    if let Msg::Internal { request_id } = &mut problem.detail {
        *request_id = self::request_id(res.request());
    }
    let (req, old) = res.into_parts();
    let mut new = problem.response(locale);
    // Keep headers such as Allow and Retry-After that the original response set.
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().insert(name.clone(), value.clone());
        }
    }
    Ok(ServiceResponse::new(req, new)
        .map_into_boxed_body()
        .map_into_right_body())
}

/// The request id that tracing gave this request (also sent back as `X-Request-Id`).
pub fn request_id(req: &HttpRequest) -> String {
    req.extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(|id| id.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_text_in_every_language() {
        let msgs = [
            Msg::MalformedJson { line: 1, column: 2 },
            Msg::JsonBodyInvalid,
            Msg::UnsupportedMediaType {
                expected: "application/json",
            },
            Msg::PayloadTooLarge { limit: 10 },
            Msg::RouteNotFound,
            Msg::ServiceBusy,
            Msg::Field(FieldMsg::TooLong { max: 3 }),
        ];
        for m in msgs {
            let texts: Vec<String> = Locale::ALL.iter().map(|l| m.text(*l)).collect();
            assert!(texts.iter().all(|t| !t.is_empty()));
            assert_ne!(texts[0], texts[2], "{m:?} is not translated to kk");
            assert_ne!(texts[1], texts[2], "{m:?} is not translated to ru");
        }
    }

    #[test]
    fn body_follows_rfc_9457() {
        let mut p = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            Msg::JsonBodyInvalid,
        );
        p.errors
            .insert("name".into(), Msg::Field(FieldMsg::Required));
        let v = serde_json::to_value(p.body(Locale::Ru)).unwrap_or_default();
        assert_eq!(v["status"], 422);
        assert_eq!(v["title"], "Ошибка проверки данных");
        assert_eq!(v["errors"]["name"], "Это поле обязательно.");
        assert!(
            v["type"]
                .as_str()
                .unwrap_or_default()
                .ends_with("/validation")
        );
    }
}
