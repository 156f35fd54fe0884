//! Bearer-token authentication: a handler that takes `Staff` runs only for a live token.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;

use super::ApiError;
use crate::app::Application;
use crate::domain::Role;
use crate::staff::access::{self, Act, Denied, Item};
use crate::store::staff::{self, StaffMember};

/// The authenticated member of staff.
pub struct Staff(pub StaffMember);

impl FromRequestParts<Application> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Application) -> Result<Self, ApiError> {
        let unauthorized = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "a valid bearer token is required",
            )
        };
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(unauthorized)?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .ok_or_else(unauthorized)?;
        let member = staff::by_token(app.pool(), token.trim())
            .await?
            .ok_or_else(unauthorized)?;
        Ok(Self(member))
    }
}

impl Staff {
    /// Refuses what the member may not do (see `staff::access`): items outside their sight
    /// answer 404 like items that do not exist, the rest 403.
    pub fn may(&self, act: Act<'_>, item: Item<'_>) -> Result<(), ApiError> {
        access::decide(&self.0, act, item).map_err(|denied| match (denied, item) {
            (Denied::Hidden, Item::Complaint { .. }) => ApiError::not_found("complaint"),
            (Denied::Hidden, _) => ApiError::not_found("request"),
            (Denied::Forbidden, _) => ApiError::forbidden("this role may not do that"),
        })
    }

    /// Refuses members whose role may never do `act` (see `access::may_ever`), before the
    /// endpoint reads its input.
    pub fn may_ever(&self, act: Act<'_>) -> Result<(), ApiError> {
        access::may_ever(&self.0, act).map_err(|_| ApiError::forbidden("this role may not do that"))
    }

    /// Refuses members whose role is not among `roles` (admins pass every check): the coarse
    /// check an endpoint makes before it reads its input.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if self.0.acts_as(roles) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this needs the role {}",
                roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" or ")
            )))
        }
    }
}
