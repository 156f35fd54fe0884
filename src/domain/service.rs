//! Services are data: each is declared in `bot.toml` with its form and its workflow, and the
//! catalog checks the declarations hang together before anything runs.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::field::FieldKind;

/// One e-service an applicant can request, as declared in configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Stable slug, e.g. `debt-respite`; Fluent ids derive from it (`service-debt-respite`).
    pub id: String,
    /// The form, asked field by field in this order.
    pub fields: Vec<FieldSpec>,
    /// Workflow stages; the first is where a new request starts.
    pub stages: Vec<Stage>,
    /// Moves staff may make between stages.
    #[serde(default)]
    pub transitions: Vec<Transition>,
}

/// One question of a service's form. (No `deny_unknown_fields` here: serde cannot combine it
/// with `flatten`; the kind's own variant still refuses unknown keys.)
#[derive(Debug, Clone, Deserialize)]
pub struct FieldSpec {
    pub id: String,
    #[serde(flatten)]
    pub kind: FieldKind,
    /// An optional field can be skipped.
    #[serde(default)]
    pub optional: bool,
    /// Asked only when an earlier choice field has the given option.
    #[serde(default)]
    pub only_if: Option<Condition>,
}

/// `only_if = { field = "applicant-kind", equals = "person" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    pub equals: String,
}

/// The coarse status anyone holding a tracking code may see; details stay with the owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PublicStatus {
    Received,
    InReview,
    WaitingForApplicant,
    Completed,
    Rejected,
    /// The applicant withdrew it before staff acted on it.
    Withdrawn,
}

impl PublicStatus {
    pub fn message_id(self) -> &'static str {
        match self {
            Self::Received => "status-received",
            Self::InReview => "status-in-review",
            Self::WaitingForApplicant => "status-waiting-for-applicant",
            Self::Completed => "status-completed",
            Self::Rejected => "status-rejected",
            Self::Withdrawn => "status-withdrawn",
        }
    }

    /// A decision was made (what the time to a decision measures).
    pub fn is_decision(self) -> bool {
        matches!(self, Self::Completed | Self::Rejected)
    }

    /// Nothing more happens to a request here: decided or withdrawn.
    pub fn is_closed(self) -> bool {
        self.is_decision() || self == Self::Withdrawn
    }
}

/// A workflow stage with its SLA target.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub id: String,
    pub public: PublicStatus,
    /// How long a request should sit here at most; `None` for final stages.
    #[serde(default)]
    pub target_hours: Option<u32>,
}

/// Who acts on requests. Admins may make any staff move; applicants only the moves that name
/// them (such as sending the documents staff asked for).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Reviewer,
    Operator,
    Admin,
    Applicant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reviewer => "reviewer",
            Self::Operator => "operator",
            Self::Admin => "admin",
            Self::Applicant => "applicant",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Reviewer, Self::Operator, Self::Admin, Self::Applicant]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

/// A move between stages, who may make it, and whether the applicant is told.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    pub from: String,
    pub to: String,
    #[serde(default = "default_roles")]
    pub roles: Vec<Role>,
    #[serde(default = "default_true")]
    pub notify: bool,
    #[serde(default)]
    pub note_required: bool,
}

fn default_roles() -> Vec<Role> {
    vec![Role::Reviewer]
}

impl Transition {
    /// Admins may make every move staff may make.
    pub fn allows(&self, role: Role) -> bool {
        self.roles.contains(&role) || (role == Role::Admin && self.roles.iter().any(|r| *r != Role::Applicant))
    }
}

fn default_true() -> bool {
    true
}

impl Service {
    pub fn name_id(&self) -> String {
        format!("service-{}", self.id)
    }

    pub fn about_id(&self) -> String {
        format!("service-{}-about", self.id)
    }

    pub fn initial_stage(&self) -> &Stage {
        self.stages
            .first()
            .expect("the catalog refuses services without stages")
    }

    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    pub fn field(&self, id: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.id == id)
    }

    /// The declared move from one stage to another, if there is one.
    pub fn transition(&self, from: &str, to: &str) -> Option<&Transition> {
        self.transitions.iter().find(|t| t.from == from && t.to == to)
    }

    /// The moves out of a stage, in declaration order.
    pub fn transitions_from<'s>(&'s self, stage: &'s str) -> impl Iterator<Item = &'s Transition> + 's {
        self.transitions.iter().filter(move |t| t.from == stage)
    }

    /// The move the applicant makes from a stage that waits for them (sending documents).
    pub fn applicant_move(&self, stage: &str) -> Option<&Transition> {
        self.transitions
            .iter()
            .find(|t| t.from == stage && t.allows(Role::Applicant) && !self.withdraws(t))
    }

    /// The applicant's withdrawal from `stage`, while staff have not acted on the request.
    pub fn withdrawal(&self, stage: &str) -> Option<&Transition> {
        self.transitions
            .iter()
            .find(|t| t.from == stage && t.allows(Role::Applicant) && self.withdraws(t))
    }

    fn withdraws(&self, transition: &Transition) -> bool {
        self.stage(&transition.to)
            .is_some_and(|s| s.public == PublicStatus::Withdrawn)
    }

    /// The move from `stage` to a stage that waits for the applicant's documents.
    pub fn document_request(&self, stage: &str) -> Option<&Transition> {
        self.transitions
            .iter()
            .find(|t| t.from == stage && self.applicant_move(&t.to).is_some())
    }

    /// The moves staff can make from `stage`, in declaration order; a staff button's slot is its
    /// index here.
    pub fn staff_moves(&self, stage: &str) -> Vec<&Transition> {
        self.transitions
            .iter()
            .filter(|t| t.from == stage && t.allows(Role::Admin))
            .collect()
    }
}

impl FieldSpec {
    /// Fluent id of the question, e.g. `field-debt-respite-amount`.
    pub fn prompt_id(&self, service: &str) -> String {
        format!("field-{service}-{}", self.id)
    }

    /// Fluent id of a choice option's label.
    pub fn option_id(&self, service: &str, option: &str) -> String {
        format!("field-{service}-{}-{option}", self.id)
    }
}

/// Fluent id of a stage's name, shared by every service that has the stage.
pub fn stage_name_id(stage: &str) -> String {
    format!("stage-{stage}")
}

/// The validated set of services.
#[derive(Debug, Clone)]
pub struct Catalog {
    services: Vec<Service>,
}

/// A declaration that does not hang together, naming the service and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("service `{service}`: {problem}")]
pub struct CatalogError {
    pub service: String,
    pub problem: String,
}

impl Catalog {
    pub fn new(services: Vec<Service>) -> Result<Self, CatalogError> {
        let mut ids = HashSet::new();
        for service in &services {
            let fail = |problem: String| CatalogError {
                service: service.id.clone(),
                problem,
            };
            if !is_slug(&service.id) {
                return Err(fail("ids are lower-case letters, digits and hyphens".into()));
            }
            if !ids.insert(service.id.as_str()) {
                return Err(fail("declared twice".into()));
            }
            validate_form(service).map_err(fail)?;
            validate_workflow(service).map_err(fail)?;
        }
        if services.is_empty() {
            return Err(CatalogError {
                service: "-".into(),
                problem: "no service is declared".into(),
            });
        }
        Ok(Self { services })
    }

    pub fn services(&self) -> &[Service] {
        &self.services
    }

    pub fn get(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    /// Checks a service id staff typed to scope maintenance, an outage or a broadcast; `None`
    /// (every service) always passes.
    pub fn check_scope(&self, service: Option<&str>) -> Result<(), UnknownService> {
        match service {
            Some(id) if self.get(id).is_none() => Err(UnknownService(id.to_owned())),
            _ => Ok(()),
        }
    }

    /// Every Fluent id the catalog refers to, so that start-up can check the locales have them.
    pub fn message_ids(&self) -> Vec<String> {
        let mut ids = Vec::new();
        for service in &self.services {
            ids.push(service.name_id());
            ids.push(service.about_id());
            for field in &service.fields {
                ids.push(field.prompt_id(&service.id));
                if let FieldKind::Choice { options } = &field.kind {
                    ids.extend(options.iter().map(|o| field.option_id(&service.id, o)));
                }
            }
            ids.extend(service.stages.iter().map(|s| stage_name_id(&s.id)));
        }
        ids
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn validate_form(service: &Service) -> Result<(), String> {
    if service.fields.is_empty() {
        return Err("the form has no fields".into());
    }
    let mut seen: Vec<&FieldSpec> = Vec::new();
    for field in &service.fields {
        if !is_slug(&field.id) {
            return Err(format!(
                "field `{}`: ids are lower-case letters, digits and hyphens",
                field.id
            ));
        }
        if seen.iter().any(|f| f.id == field.id) {
            return Err(format!("field `{}` is declared twice", field.id));
        }
        field
            .kind
            .validate()
            .map_err(|p| format!("field `{}`: {p}", field.id))?;
        if let Some(cond) = &field.only_if {
            let earlier = seen.iter().find(|f| f.id == cond.field);
            match earlier.map(|f| &f.kind) {
                Some(FieldKind::Choice { options }) if options.contains(&cond.equals) => {}
                _ => {
                    return Err(format!(
                        "field `{}`: only_if must name an earlier choice field and one of its options",
                        field.id
                    ));
                }
            }
        }
        seen.push(field);
    }
    Ok(())
}

fn validate_workflow(service: &Service) -> Result<(), String> {
    if service.stages.is_empty() {
        return Err("the workflow has no stages".into());
    }
    let mut stage_ids = HashSet::new();
    for stage in &service.stages {
        if !is_slug(&stage.id) || !stage_ids.insert(stage.id.as_str()) {
            return Err(format!("stage `{}` is malformed or declared twice", stage.id));
        }
    }
    for t in &service.transitions {
        if !stage_ids.contains(t.from.as_str()) || !stage_ids.contains(t.to.as_str()) {
            return Err(format!("transition {} → {} names an unknown stage", t.from, t.to));
        }
    }
    Ok(())
}

/// A service id the catalog does not have.
#[derive(Debug, thiserror::Error)]
#[error("no service is called `{0}`")]
pub struct UnknownService(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml_text: &str) -> Result<Catalog, CatalogError> {
        #[derive(Deserialize)]
        struct Doc {
            services: Vec<Service>,
        }
        Catalog::new(toml::from_str::<Doc>(toml_text).expect("valid toml").services)
    }

    const OK: &str = r#"
        [[services]]
        id = "s"
        stages = [{ id = "submitted", public = "received" }, { id = "done", public = "completed" }]
        transitions = [{ from = "submitted", to = "done" }]
        [[services.fields]]
        id = "kind"
        kind = "choice"
        options = ["a", "b"]
        [[services.fields]]
        id = "nid"
        kind = "national-id"
        only_if = { field = "kind", equals = "a" }
    "#;

    #[test]
    fn a_coherent_service_is_accepted_and_lists_its_message_ids() {
        let catalog = parse(OK).unwrap();
        let ids = catalog.message_ids();
        assert!(ids.contains(&"field-s-kind-a".to_string()));
        assert!(ids.contains(&"stage-done".to_string()));
    }

    #[test]
    fn a_scope_is_every_service_or_one_the_catalog_has() {
        let catalog = parse(OK).unwrap();
        assert!(catalog.check_scope(None).is_ok());
        assert!(catalog.check_scope(Some("s")).is_ok());
        let err = catalog.check_scope(Some("t")).unwrap_err();
        assert_eq!(err.to_string(), "no service is called `t`");
    }

    #[test]
    fn incoherent_declarations_name_the_problem() {
        let unknown_stage = OK.replace(r#"to = "done""#, r#"to = "nowhere""#);
        assert!(parse(&unknown_stage).unwrap_err().problem.contains("unknown stage"));
        let bad_condition = OK.replace(r#"equals = "a""#, r#"equals = "z""#);
        assert!(parse(&bad_condition).unwrap_err().problem.contains("only_if"));
        let empty_choice = OK.replace(r#"options = ["a", "b"]"#, "options = []");
        assert!(parse(&empty_choice).is_err());
    }
}
