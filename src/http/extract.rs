//! Extractors that turn bad input into clear problems: `Json<T>` (content type, size limit, syntax,
//! and field errors by path) and `Query<T>`. Messages never echo the submitted values, which may be
//! an IIN or an income.

use std::{collections::BTreeMap, future::Future, pin::Pin};

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::{
    error::AppError,
    http::{
        object_de::ObjectsOnly,
        problem::{FieldMsg, Msg},
    },
};

/// The largest body a request may carry; set from `max_body_bytes`.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A JSON request body, parsed into `T`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<BodyLimit>().map_or(1024 * 1024, |l| l.0);
        let content_type_ok = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<mime::Mime>().ok())
            .is_some_and(|m| {
                m.type_() == mime::APPLICATION
                    && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
            });
        let declared_len = declared_length(req);
        let payload = payload.take();
        Box::pin(async move {
            if !content_type_ok {
                return Err(AppError::UnsupportedMediaType {
                    expected: "application/json",
                });
            }
            let body = read_body(payload, declared_len, limit).await?;
            parse_json(&body).map(Json)
        })
    }
}

/// The request's `Content-Length`, if it gives one.
pub fn declared_length(req: &HttpRequest) -> Option<usize> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
}

/// Reads a body of at most `limit` bytes: 413 as soon as the declared length or the bytes read
/// pass it, so an oversized body is never held whole.
pub async fn read_body(
    mut payload: Payload,
    declared_len: Option<usize>,
    limit: usize,
) -> Result<web::Bytes, AppError> {
    if declared_len.is_some_and(|n| n > limit) {
        return Err(AppError::PayloadTooLarge { limit });
    }
    let mut body = web::BytesMut::with_capacity(declared_len.unwrap_or(0).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| AppError::BadRequest(Msg::JsonBodyInvalid))?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// A CSV request body (`text/csv`, UTF-8), for files from banks. Read by the handler after it has
/// checked who is calling, so an unauthorised caller gets 403 whatever it sent.
pub fn csv_text(req: &HttpRequest, body: &[u8]) -> Result<String, AppError> {
    let content_type_ok = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| m.type_() == mime::TEXT && m.subtype() == mime::CSV);
    if !content_type_ok {
        return Err(AppError::UnsupportedMediaType {
            expected: "text/csv",
        });
    }
    let text =
        String::from_utf8(body.to_vec()).map_err(|_| AppError::BadRequest(Msg::CsvInvalid))?;
    if text.contains('\0') {
        return Err(AppError::BadRequest(Msg::NulCharacter));
    }
    Ok(text)
}

/// Whether a JSON document holds a NUL, which JSON can only write as the escape `\u0000` (a
/// raw NUL is a syntax error): an escape is one whose `\` is not itself escaped.
fn has_escaped_nul(body: &[u8]) -> bool {
    body.windows(6).enumerate().any(|(i, w)| {
        w == b"\\u0000" && body[..i].iter().rev().take_while(|b| **b == b'\\').count() % 2 == 0
    })
}

/// Parses a JSON document, mapping serde's errors to problems without echoing input.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    if has_escaped_nul(body) {
        return Err(AppError::BadRequest(Msg::NulCharacter));
    }
    // Read as a value first (integral numbers as integers, no key twice), then into `T` by a
    // deserializer that takes a struct only from an object.
    let value = match serde_json::from_slice::<Strict>(body) {
        Ok(Strict(value)) => value,
        Err(e) if e.classify() == serde_json::error::Category::Data => {
            let mut errors = BTreeMap::new();
            errors.insert("body".to_owned(), Msg::Field(FieldMsg::Invalid));
            return Err(AppError::Validation {
                detail: Msg::JsonBodyInvalid,
                errors,
            });
        }
        Err(e) => {
            return Err(AppError::BadRequest(Msg::MalformedJson {
                line: e.line(),
                column: e.column(),
            }));
        }
    };
    let value: Result<T, _> = serde_path_to_error::deserialize(ObjectsOnly(&value));
    value.map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let (field, msg) = field_error(&path, &inner.to_string());
                let mut errors = BTreeMap::new();
                errors.insert(field, Msg::Field(msg));
                AppError::Validation {
                    detail: Msg::JsonBodyInvalid,
                    errors,
                }
            }
            _ => AppError::BadRequest(Msg::MalformedJson {
                line: inner.line(),
                column: inner.column(),
            }),
        }
    })
}

/// A JSON value with integral numbers as integers and no key twice in an object.
struct Strict(serde_json::Value);

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        // Within ±2^53 every integer is exact as an f64.
        const EXACT: f64 = 9_007_199_254_740_992.0;
        if v.fract() == 0.0 && v.abs() <= EXACT {
            Ok((v as i64).into())
        } else {
            Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
        }
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(items.into())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some((k, Strict(v))) = map.next_entry::<String, Strict>()? {
            if object.insert(k, v).is_some() {
                return Err(serde::de::Error::custom("a key given twice"));
            }
        }
        Ok(object.into())
    }
}

/// The field a serde data error is about, and the message for it. serde names a missing or unknown
/// field only in its message (between backticks), so it is taken from there; the value never is.
fn field_error(path: &str, message: &str) -> (String, FieldMsg) {
    let join = |name: &str| {
        if path == "." || path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    let quoted = || message.split('`').nth(1).unwrap_or("body").to_owned();
    if message.starts_with("missing field") {
        (join(&quoted()), FieldMsg::Required)
    } else if message.starts_with("unknown field") {
        // Here serde_path_to_error's path already ends at the unknown key.
        let name = quoted();
        let field = if path.ends_with(name.as_str()) {
            path.to_owned()
        } else {
            join(&name)
        };
        (field, FieldMsg::Unknown)
    } else {
        let field = if path == "." || path.is_empty() {
            "body".to_owned()
        } else {
            path.to_owned()
        };
        (field, FieldMsg::Invalid)
    }
}

/// Query-string parameters parsed into `T`; a bad parameter is a 422 naming it.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(
            req.query_string().as_bytes(),
        ));
        std::future::ready(
            serde_path_to_error::deserialize(de)
                .map(Query)
                .map_err(|err| {
                    let path = err.path().to_string();
                    let (field, msg) = field_error(&path, &err.into_inner().to_string());
                    let mut errors = BTreeMap::new();
                    errors.insert(field, Msg::Field(msg));
                    AppError::Validation {
                        detail: Msg::QueryInvalid,
                        errors,
                    }
                }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_escape_is_found_and_an_escaped_backslash_is_not_one() {
        assert!(has_escaped_nul(br#"{"name":"A\u0000"}"#));
        assert!(has_escaped_nul(br#"{"a\u0000":1}"#));
        assert!(has_escaped_nul(br#"{"name":"\\\u0000"}"#));
        assert!(!has_escaped_nul(br#"{"name":"\\u0000"}"#));
        assert!(!has_escaped_nul(br#"{"name":"u0000"}"#));
        let err = parse_json::<serde_json::Value>(br#"{"email":"a\u0000@b.kz"}"#).unwrap_err();
        assert!(
            matches!(err, AppError::BadRequest(Msg::NulCharacter)),
            "{err:?}"
        );
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Person {
        name: String,
        children: u8,
        address: Address,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Address {
        district: String,
    }

    fn errors(e: AppError) -> BTreeMap<String, Msg> {
        match e {
            AppError::Validation { errors, .. } => errors,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Counts {
        children: u8,
        income: i64,
        share: f64,
    }

    #[test]
    fn a_number_without_fraction_is_an_integer() {
        let c = parse_json::<Counts>(br#"{"children":4.0,"income":-1.5e3,"share":0.5}"#).unwrap();
        assert_eq!((c.children, c.income, c.share), (4, -1500, 0.5));
        // A fraction is not, nor a value out of the field's range, nor a key given twice.
        for bad in [
            br#"{"children":4.5,"income":1,"share":1}"#.as_slice(),
            br#"{"children":256.0,"income":1,"share":1}"#,
            br#"{"children":4.0,"children":4,"income":1,"share":1}"#,
            br#"[4,1,1.0]"#,
            br#"{"children":4,"income":1,"share":1,"extra":[1]}"#,
        ] {
            let e = parse_json::<Counts>(bad).unwrap_err();
            assert!(matches!(e, AppError::Validation { .. }), "{e:?}");
        }
    }

    #[test]
    fn syntax_errors_are_bad_requests_with_a_position() {
        let e = parse_json::<Person>(b"{\"name\": ").unwrap_err();
        assert!(matches!(
            e,
            AppError::BadRequest(Msg::MalformedJson { line: 1, .. })
        ));
        let e = parse_json::<Person>(
            br#"{"name":"A","children":1,"address":{"district":"x"}} trailing"#,
        )
        .unwrap_err();
        assert!(matches!(e, AppError::BadRequest(Msg::MalformedJson { .. })));
    }

    #[test]
    fn data_errors_name_the_field_without_echoing_the_value() {
        let e = errors(
            parse_json::<Person>(
                br#"{"name":"A","children":"791028302728","address":{"district":"x"}}"#,
            )
            .unwrap_err(),
        );
        assert_eq!(e.get("children"), Some(&Msg::Field(FieldMsg::Invalid)));
        let e =
            errors(parse_json::<Person>(br#"{"name":"A","children":1,"address":{}}"#).unwrap_err());
        assert_eq!(
            e.get("address.district"),
            Some(&Msg::Field(FieldMsg::Required))
        );
        let e = errors(
            parse_json::<Person>(
                br#"{"name":"A","children":1,"address":{"district":"x"},"iin":"1"}"#,
            )
            .unwrap_err(),
        );
        assert_eq!(e.get("iin"), Some(&Msg::Field(FieldMsg::Unknown)));
        // serde's structs also take an array of their fields; the contract says object.
        let e = errors(parse_json::<Person>(br#"["A",1,{"district":"x"}]"#).unwrap_err());
        assert_eq!(e.get("body"), Some(&Msg::Field(FieldMsg::Invalid)));
        let e = errors(
            parse_json::<Person>(br#"{"name":"A","children":1,"address":["x"]}"#).unwrap_err(),
        );
        assert_eq!(e.get("address"), Some(&Msg::Field(FieldMsg::Invalid)));
        let ok = parse_json::<Person>(br#"{"name":"A","children":1,"address":{"district":"x"}}"#);
        assert!(ok.is_ok(), "{ok:?}");
    }
}
