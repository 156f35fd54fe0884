//! The OpenAPI 3 document, generated from the handlers' annotations and the types they use.

use axum::Json;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{applicants, audit, broadcasts, complaints, error, maintenance, outages, requests};

#[derive(OpenApi)]
#[openapi(
    info(title = "peygir staff API", description = "Review requests, record decisions, answer complaints."),
    paths(
        requests::list, requests::show, requests::notices, requests::transition, requests::request_documents,
        complaints::list, complaints::answer, complaints::close,
        applicants::rebind, audit::list,
        maintenance::schedule, maintenance::list, maintenance::change, maintenance::cancel,
        outages::declare, outages::list, outages::resolve,
        broadcasts::draft, broadcasts::confirm, broadcasts::show, broadcasts::cancel,
    ),
    components(schemas(error::ErrorBody, error::ErrorDetail)),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
