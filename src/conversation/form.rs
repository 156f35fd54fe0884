//! Walking a service's form: which question comes next, going back, and the summary.

use crate::domain::{FieldSpec, FieldValue, Service};
use crate::i18n::{Arg, Msg};

use super::messages as m;

pub type Answers = Vec<(String, FieldValue)>;

/// The first field not yet answered whose condition (if any) holds.
pub fn next_field<'s>(service: &'s Service, answers: &Answers) -> Option<&'s FieldSpec> {
    service.fields.iter().find(|field| {
        let answered = answers.iter().any(|(id, _)| id == &field.id);
        !answered && applies(field, answers)
    })
}

fn applies(field: &FieldSpec, answers: &Answers) -> bool {
    field.only_if.as_ref().is_none_or(|cond| {
        answers
            .iter()
            .any(|(id, value)| id == &cond.field && *value == FieldValue::Choice(cond.equals.clone()))
    })
}

/// Puts `answers` in the form's order and drops those to questions that no longer apply (a
/// changed choice their condition named).
pub fn tidy(service: &Service, answers: &mut Answers) {
    let position = |id: &str| service.fields.iter().position(|f| f.id == id).unwrap_or(usize::MAX);
    answers.sort_by_key(|(id, _)| position(id));
    loop {
        let before = answers.len();
        let snapshot = answers.clone();
        answers.retain(|(id, _)| service.field(id).is_none_or(|field| applies(field, &snapshot)));
        if answers.len() == before {
            return;
        }
    }
}

/// How a stored answer is shown back to the applicant.
pub fn value_arg(service: &Service, field_id: &str, value: &FieldValue) -> Arg {
    match value {
        FieldValue::Text(text) => Arg::Text(text.clone()),
        FieldValue::Number(n) => Arg::Number(*n),
        FieldValue::AmountRial(n) => Arg::Rials(*n),
        FieldValue::Choice(option) => match service.field(field_id) {
            Some(field) => Arg::Msg(field.option_id(&service.id, option)),
            None => Arg::Text(option.clone()),
        },
        FieldValue::Date(date) => Arg::Date(*date),
        FieldValue::Mobile(e164) => Arg::Digits(format!("0{}", e164.trim_start_matches("+98"))),
        FieldValue::NationalId(id) | FieldValue::CompanyId(id) => Arg::Digits(id.clone()),
        FieldValue::Plate(plate) => Arg::Plate(plate.clone()),
        FieldValue::Document(doc) => Arg::Text(doc.file_name.clone()),
        FieldValue::Skipped => Arg::Msg(m::VALUE_SKIPPED.into()),
    }
}

/// One line per answer: "label: value".
pub fn summary_lines(service: &Service, answers: &Answers) -> Vec<Msg> {
    summary_lines_with(service, answers, value_arg)
}

/// One line per answer, each value shown by `show` (staff cards mask some).
pub fn summary_lines_with(
    service: &Service,
    answers: &Answers,
    show: impl Fn(&Service, &str, &FieldValue) -> Arg,
) -> Vec<Msg> {
    answers
        .iter()
        .map(|(field_id, value)| {
            let label = m::label_of(&format!("field-{}-{field_id}", service.id));
            Msg::new(m::SUMMARY_LINE)
                .arg("label", Arg::Msg(label))
                .arg("value", show(service, field_id, value))
        })
        .collect()
}
