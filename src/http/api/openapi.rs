//! The OpenAPI 3 document, generated from the handlers' annotations and the types they use.

use axum::Json;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{applicants, audit, broadcasts, closures, complaints, error, maintenance, outages, requests};

#[derive(OpenApi)]
#[openapi(
    info(title = "peygir staff API", description = "Review requests, record decisions, answer complaints."),
    paths(
        requests::list, requests::show, requests::notices, requests::transition, requests::request_documents,
        complaints::list, complaints::answer, complaints::close,
        applicants::rebind, audit::list,
        maintenance::schedule, maintenance::list, maintenance::change, maintenance::cancel,
        outages::declare, outages::list, outages::resolve, closures::declare,
        broadcasts::draft, broadcasts::confirm, broadcasts::show, broadcasts::cancel,
    ),
    components(schemas(error::ErrorBody, error::ErrorDetail)),
    modifiers(&BearerAuth, &ErrorResponses),
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
            // Whether the method changes what it names.
            let operations = [
                (false, &mut item.get),
                (true, &mut item.post),
                (true, &mut item.put),
                (true, &mut item.delete),
                (true, &mut item.patch),
            ];
            for (changes, operation) in operations {
                let Some(operation) = operation else { continue };
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

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
