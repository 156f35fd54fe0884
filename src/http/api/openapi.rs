//! The OpenAPI 3 document, generated from the handlers' annotations and the types they use.

use axum::Json;
use axum::extract::State;
use utoipa::openapi::Schema;
use utoipa::openapi::path::{Operation, Parameter, PathItem};
use utoipa::openapi::schema::Object;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::app::Application;
use crate::domain::Catalog;

use super::{applicants, audit, broadcasts, closures, complaints, error, maintenance, outages, requests};

#[derive(OpenApi)]
#[openapi(
    info(title = "peygir staff API", description = "Review requests, record decisions, answer complaints."),
    paths(
        requests::list, requests::show, requests::notices, requests::transition, requests::request_documents,
        requests::extend_deadline,
        complaints::list, complaints::answer, complaints::close,
        applicants::rebind, audit::list,
        maintenance::schedule, maintenance::list, maintenance::change, maintenance::cancel,
        outages::declare, outages::list, outages::resolve, closures::declare,
        broadcasts::draft, broadcasts::confirm, broadcasts::show, broadcasts::cancel,
    ),
    components(schemas(error::ErrorBody, error::ErrorDetail)),
    modifiers(&BearerAuth, &ErrorResponses, &TextRules),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The errors any operation may answer, declared on each so that a client (or a fuzzer holding
/// the API to its document) knows every status it can meet: 400 bad input, 401 no valid token,
/// 403 a role that may not, 404 for paths naming an item, 413/415/422 for operations that take a
/// body, and 500.
struct ErrorResponses;

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let names_an_item = path.contains('{');
            for (changes, operation) in operations_of(item) {
                let takes_body = operation.request_body.is_some();
                let secured = operation.security.is_some();
                let mut wanted = vec![
                    (
                        "400",
                        "bad input: a malformed parameter, body or query (`bad_request`, `bad_query`, `bad_path`, `malformed_json`)",
                    ),
                    ("500", "an unexpected failure (`internal`)"),
                ];
                if secured {
                    wanted.push(("401", "no valid bearer token (`unauthorized`)"));
                    wanted.push(("403", "the member's role may not do this (`forbidden`)"));
                }
                if names_an_item {
                    wanted.push(("404", "no such item, or not one the member may see (`not_found`)"));
                }
                if names_an_item && changes {
                    wanted.push(("409", "the item is not in a state that allows this (`transition_not_allowed`, `stale_stage`, `window_closed`, …)"));
                }
                if takes_body {
                    wanted.push(("413", "the body is over 64 KiB (`payload_too_large`)"));
                    wanted.push(("415", "the body is not JSON (`unsupported_media_type`)"));
                    wanted.push(("422", "the body is JSON but not what the operation takes, or has control characters (`invalid_body`, `invalid_text`, …)"));
                }
                for (status, description) in wanted {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error(description).into());
                }
            }
        }
    }
}

/// The texts staff write for others to read, refused unless something in them is visible
/// ([`crate::domain::text::visible_within`]): the body schema, its field and the most
/// characters it takes.
const WRITTEN: &[(&str, &str, usize)] = &[
    ("RebindBody", "reason", applicants::MAX_REASON),
    ("DraftBody", "text", crate::broadcast::MAX_BODY),
    ("ClosureBody", "reason", crate::office::MAX_CLOSURE_REASON),
    ("AnswerBody", "answer", crate::workflow::MAX_ANSWER),
    ("WindowBody", "reason", crate::maintenance::MAX_REASON),
    ("DeclareBody", "reason", crate::maintenance::MAX_REASON),
    ("TransitionBody", "note", crate::workflow::MAX_NOTE),
    ("DocumentRequestBody", "note", crate::workflow::MAX_NOTE),
];

/// The tracking code's shape (its check digit aside).
const CODE_PATTERN: &str = r"^[0-9]{6}-[0-9]{6}-[0-9]{6}$";

/// A Solar Hijri day as staff write it, with a month and day that exist.
const SOLAR_HIJRI_DAY: &str = r"^1[34][0-9]{2}/(0?[1-6]/(0?[1-9]|[12][0-9]|3[01])|(0?[7-9]|1[01])/(0?[1-9]|[12][0-9]|30)|12/(0?[1-9]|[12][0-9]))$";

/// States in the document the rules every text meets ([`super::extract`] refuses control
/// characters in every string of a query or body), so that a request the document allows is
/// not refused for a rule it did not state: every string parameter and body field without a
/// pattern of its own gets the plain-text pattern, and the texts of [`WRITTEN`] the visible-
/// text pattern with their lengths. Rules no schema can state stay in the descriptions: a
/// maintenance window's end after its start and within a year, a closure day within a month
/// past and a year ahead, tracking codes in a broadcast naming existing items.
struct TextRules;

impl Modify for TextRules {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::schema::ArrayItems;
        let plain = crate::domain::text::plain_pattern();
        for parameter in parameters_of(openapi) {
            if let Some(RefOr::T(schema)) = &mut parameter.schema {
                plain_strings(schema, &plain);
            }
        }
        for (name, object) in request_bodies_of(openapi) {
            plain_object(object, &plain);
            if let Some(RefOr::T(Schema::Object(day))) = object.properties.get_mut("day") {
                day.pattern = Some(SOLAR_HIJRI_DAY.to_owned());
            }
            if let Some(RefOr::T(Schema::Array(codes))) = object.properties.get_mut("codes") {
                // An empty list is refused: it would send to no one.
                codes.min_items = Some(1);
                if let ArrayItems::RefOrSchema(items) = &mut codes.items
                    && let RefOr::T(Schema::Object(code)) = items.as_mut()
                {
                    code.pattern = Some(CODE_PATTERN.to_owned());
                }
            }
            for &(_, field, max) in WRITTEN.iter().filter(|(body, ..)| *body == name) {
                if let Some(RefOr::T(Schema::Object(text))) = object.properties.get_mut(field) {
                    text.pattern = Some(crate::domain::text::visible_pattern());
                    text.min_length = Some(1);
                    text.max_length = Some(max);
                }
            }
        }
    }
}

/// Gives every string in `schema` (its properties and array items, however deep) that has
/// no enum, format or pattern of its own the plain-text `pattern`.
fn plain_strings(schema: &mut Schema, pattern: &str) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::ArrayItems;
    match schema {
        Schema::Object(object) => plain_object(object, pattern),
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items
                && let RefOr::T(inner) = items.as_mut()
            {
                plain_strings(inner, pattern);
            }
        }
        Schema::OneOf(one_of) => {
            for item in &mut one_of.items {
                if let RefOr::T(inner) = item {
                    plain_strings(inner, pattern);
                }
            }
        }
        _ => {}
    }
}

/// [`plain_strings`] for an object schema: itself when it is a string, and its properties.
fn plain_object(object: &mut Object, pattern: &str) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{SchemaType, Type};
    let is_string = match &object.schema_type {
        SchemaType::Type(Type::String) => true,
        SchemaType::Array(types) => types.contains(&Type::String),
        _ => false,
    };
    let free = object.enum_values.is_none() && object.format.is_none() && object.pattern.is_none();
    if is_string && free {
        object.pattern = Some(pattern.to_owned());
    }
    for property in object.properties.values_mut() {
        if let RefOr::T(inner) = property {
            plain_strings(inner, pattern);
        }
    }
}

/// The operations of a path, each with whether its method changes what it names (all but GET).
fn operations_of(item: &mut PathItem) -> impl Iterator<Item = (bool, &mut Operation)> {
    [
        (false, &mut item.get),
        (true, &mut item.post),
        (true, &mut item.put),
        (true, &mut item.delete),
        (true, &mut item.patch),
    ]
    .into_iter()
    .filter_map(|(changes, operation)| Some((changes, operation.as_mut()?)))
}

/// Every parameter of every operation in the document.
fn parameters_of(doc: &mut utoipa::openapi::OpenApi) -> impl Iterator<Item = &mut Parameter> {
    doc.paths
        .paths
        .values_mut()
        .flat_map(operations_of)
        .flat_map(|(_, operation)| operation.parameters.iter_mut().flatten())
}

/// The request bodies' schemas (the components named `…Body`, the error body aside), by name.
fn request_bodies_of(doc: &mut utoipa::openapi::OpenApi) -> impl Iterator<Item = (&str, &mut Object)> {
    use utoipa::openapi::RefOr;
    doc.components
        .iter_mut()
        .flat_map(|components| components.schemas.iter_mut())
        .filter(|(name, _)| name.ends_with("Body") && *name != "ErrorBody")
        .filter_map(|(name, schema)| match schema {
            RefOr::T(Schema::Object(object)) => Some((name.as_str(), object)),
            _ => None,
        })
}

/// The document, with the configured services and stages as the values their fields and
/// parameters take: they come from the catalog, not from the code.
pub async fn document(State(app): State<Application>) -> Json<utoipa::openapi::OpenApi> {
    let mut doc = ApiDoc::openapi();
    name_catalog_values(&mut doc, app.catalog());
    Json(doc)
}

/// Gives the `service` and stage fields and parameters the catalog's values as their enum.
fn name_catalog_values(doc: &mut utoipa::openapi::OpenApi, catalog: &Catalog) {
    use utoipa::openapi::RefOr;
    let services: Vec<&str> = catalog.services().iter().map(|s| s.id.as_str()).collect();
    let mut stages: Vec<&str> = catalog
        .services()
        .iter()
        .flat_map(|s| s.stages.iter().map(|stage| stage.id.as_str()))
        .collect();
    stages.sort_unstable();
    stages.dedup();
    // Query parameters name a stage `stage`; bodies name one `to` or `expected_from` (a query's
    // `to` is a time).
    let parameter_values = |name: &str| match name {
        "service" => Some(&services),
        "stage" => Some(&stages),
        _ => None,
    };
    let field_values = |name: &str| match name {
        "service" => Some(&services),
        "to" | "expected_from" => Some(&stages),
        _ => None,
    };
    for parameter in parameters_of(doc) {
        if let (Some(values), Some(RefOr::T(Schema::Object(object)))) =
            (parameter_values(&parameter.name), &mut parameter.schema)
        {
            enumerate(object, values);
        }
    }
    for (_, body) in request_bodies_of(doc) {
        for (field, property) in body.properties.iter_mut() {
            if let (Some(values), RefOr::T(Schema::Object(object))) = (field_values(field), property) {
                enumerate(object, values);
            }
        }
    }
}

/// Restricts a string schema to `values` (and null, when it may be null).
fn enumerate(object: &mut Object, values: &[&str]) {
    use utoipa::openapi::schema::{SchemaType, Type};
    let mut listed: Vec<serde_json::Value> = values.iter().map(|v| serde_json::Value::from(*v)).collect();
    if matches!(&object.schema_type, SchemaType::Array(types) if types.contains(&Type::Null)) {
        listed.push(serde_json::Value::Null);
    }
    object.enum_values = Some(listed);
    object.pattern = None;
}
