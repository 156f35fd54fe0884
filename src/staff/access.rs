//! Who of staff may see and do what. Every staff read and action asks [`decide`]; lists ask
//! [`services_in_scope`], the same rule in the form a SQL filter takes.
//!
//! The rules: a member sees the requests of the services they handle (every service when they
//! are not limited to some), with those requests' documents and notices, and the complaints
//! about them; a complaint about no request is seen only by members who handle every service.
//! Seen items are acted on as the role allows. The audit log, which names every service's
//! items, is read by admins who handle every service. What a member may not see is reported as
//! not there ([`Denied::Hidden`]), so a tracking code is never confirmed to someone outside its
//! service.

use crate::domain::{Role, Transition};
use crate::store::staff::StaffMember;

/// What an act is done to.
#[derive(Debug, Clone, Copy)]
pub enum Item<'a> {
    /// A request of `service`, or one of its documents or notices.
    Request { service: &'a str },
    /// A complaint, with the service of the request it is about (`None`: about no request).
    Complaint { service: Option<&'a str> },
    /// The audit log.
    Audit,
    /// The directorate's operations: maintenance, outages, broadcasts, re-binding applicants.
    Operations,
    /// The staff roster: members, their roles, scopes and API tokens.
    Roster,
}

/// What a member wants to do.
#[derive(Debug, Clone, Copy)]
pub enum Act<'a> {
    /// Read the item (or list it).
    See,
    /// Move a request along this transition of its workflow.
    Move(&'a Transition),
    /// Answer or close a complaint.
    HandleComplaint,
    /// Schedule, change or end maintenance and outages, send broadcasts, re-bind applicants.
    Operate,
    /// Add and disable members, issue and revoke their tokens.
    Administer,
}

/// Why an act was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The item is outside what the member may see: answered as if it did not exist.
    #[error("not found")]
    Hidden,
    /// The member sees the item but their role may not do this to it.
    #[error("this role may not do that")]
    Forbidden,
}

/// Whether `member` may do `act` to `item`.
pub fn decide(member: &StaffMember, act: Act<'_>, item: Item<'_>) -> Result<(), Denied> {
    if !sees(member, item) {
        return Err(Denied::Hidden);
    }
    let allowed = match act {
        // The audit log and the roster name every service's people and items.
        Act::See if matches!(item, Item::Audit | Item::Roster) => admin_of_everything(member),
        other => role_allows(member, other),
    };
    if allowed { Ok(()) } else { Err(Denied::Forbidden) }
}

/// Whether `member`'s role may ever do `act`, whatever it is done to: the check an endpoint
/// makes before it reads its input, so that a role that may not act learns nothing of it.
pub fn may_ever(member: &StaffMember, act: Act<'_>) -> Result<(), Denied> {
    if role_allows(member, act) {
        Ok(())
    } else {
        Err(Denied::Forbidden)
    }
}

fn role_allows(member: &StaffMember, act: Act<'_>) -> bool {
    match act {
        Act::See => true,
        Act::Move(transition) => transition.allows(member.role),
        Act::HandleComplaint => member.acts_as(&[Role::Reviewer, Role::Operator]),
        Act::Operate => member.acts_as(&[Role::Operator]),
        Act::Administer => admin_of_everything(member),
    }
}

/// An admin who handles every service: who may read the audit log and keep the roster (a
/// member who could add members could add one wider than themselves).
fn admin_of_everything(member: &StaffMember) -> bool {
    member.role == Role::Admin && member.services.is_none()
}

/// The services whose requests and complaints `member`'s lists may hold; `None` for all. A
/// complaint about no request belongs to no service and is listed only for `None`.
pub fn services_in_scope(member: &StaffMember) -> Option<&[String]> {
    member.services.as_deref()
}

fn sees(member: &StaffMember, item: Item<'_>) -> bool {
    let handles_every_service = member.services.is_none();
    match item {
        Item::Request { service } | Item::Complaint { service: Some(service) } => member.covers(service),
        Item::Complaint { service: None } => handles_every_service,
        // That there is an audit log, and what operations run, is no secret; who may read and
        // do what there is the role's business.
        Item::Audit | Item::Operations | Item::Roster => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(role: Role, services: Option<&[&str]>) -> StaffMember {
        StaffMember {
            id: 1,
            name: "m".into(),
            role,
            services: services.map(|s| s.iter().map(|x| (*x).to_owned()).collect()),
            telegram_user_id: None,
        }
    }

    fn transition(roles: &[Role]) -> Transition {
        toml::from_str::<Transition>(&format!(
            "from = 'a'\nto = 'b'\nroles = [{}]",
            roles
                .iter()
                .map(|r| format!("'{}'", r.as_str()))
                .collect::<Vec<_>>()
                .join(",")
        ))
        .unwrap()
    }

    #[test]
    fn a_scoped_reviewer_sees_and_acts_only_within_its_services() {
        let rp = member(Role::Reviewer, Some(&["plate-removal"]));
        let ours = Item::Request {
            service: "plate-removal",
        };
        let theirs = Item::Request {
            service: "debt-respite",
        };
        let review = transition(&[Role::Reviewer]);
        assert_eq!(decide(&rp, Act::See, ours), Ok(()));
        assert_eq!(decide(&rp, Act::Move(&review), ours), Ok(()));
        assert_eq!(decide(&rp, Act::See, theirs), Err(Denied::Hidden));
        assert_eq!(decide(&rp, Act::Move(&review), theirs), Err(Denied::Hidden));
        let about_theirs = Item::Complaint {
            service: Some("debt-respite"),
        };
        assert_eq!(decide(&rp, Act::HandleComplaint, about_theirs), Err(Denied::Hidden));
        let about_nothing = Item::Complaint { service: None };
        assert_eq!(decide(&rp, Act::See, about_nothing), Err(Denied::Hidden));
        assert_eq!(decide(&rp, Act::See, Item::Audit), Err(Denied::Forbidden));
        assert_eq!(decide(&rp, Act::Operate, Item::Operations), Err(Denied::Forbidden));
    }

    #[test]
    fn roles_limit_what_a_seen_item_allows() {
        let operator = member(Role::Operator, None);
        let review = transition(&[Role::Reviewer]);
        let request = Item::Request {
            service: "debt-respite",
        };
        assert_eq!(decide(&operator, Act::See, request), Ok(()));
        assert_eq!(decide(&operator, Act::Move(&review), request), Err(Denied::Forbidden));
        assert_eq!(decide(&operator, Act::Operate, Item::Operations), Ok(()));
        assert_eq!(decide(&operator, Act::See, Item::Audit), Err(Denied::Forbidden));
        let admin = member(Role::Admin, None);
        assert_eq!(decide(&admin, Act::Move(&review), request), Ok(()));
        assert_eq!(decide(&admin, Act::See, Item::Audit), Ok(()));
        let scoped_admin = member(Role::Admin, Some(&["debt-respite"]));
        assert_eq!(decide(&scoped_admin, Act::See, Item::Audit), Err(Denied::Forbidden));
        assert_eq!(decide(&admin, Act::Administer, Item::Roster), Ok(()));
        assert_eq!(
            decide(&scoped_admin, Act::Administer, Item::Roster),
            Err(Denied::Forbidden)
        );
        assert_eq!(decide(&operator, Act::See, Item::Roster), Err(Denied::Forbidden));
    }
}
