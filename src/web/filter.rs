//! What the console's list pages (the queue, the audit log) share about their filters: fields
//! left empty, a Solar Hijri date range, and a link to the next page keeping the filters.

use chrono::{DateTime, Duration, Utc};

use super::page::Page;
use crate::domain::jalali;
use crate::office;

/// A filter field as the form sent it: `None` when left empty.
pub fn given(field: &Option<String>) -> Option<&str> {
    field.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The moments a typed date range covers, in Tehran days: from the start of `from`'s day to the
/// end of `to`'s, either side open when left empty. `Err` carries the text that is no date.
pub fn date_range(from: &Option<String>, to: &Option<String>) -> Result<[Option<DateTime<Utc>>; 2], String> {
    let start_of = |field: &Option<String>, days_after: i64| match given(field) {
        None => Ok(None),
        Some(text) => jalali::parse_date(text)
            .map(|day| Some(office::day_starts(day + Duration::days(days_after))))
            .map_err(|_| text.to_owned()),
    };
    Ok([start_of(from, 0)?, start_of(to, 1)?])
}

/// The link to `path` with the `filters` given and `next` (the page to show) after them.
pub fn link(page: &Page<'_>, path: &str, filters: &[(&str, &Option<String>)], next: (&str, String)) -> String {
    let mut pairs = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in filters {
        if let Some(value) = given(value) {
            pairs.append_pair(name, value);
        }
    }
    pairs.append_pair(next.0, &next.1);
    format!("{}?{}", page.href(path), pairs.finish())
}
