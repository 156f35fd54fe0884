//! The seed services' forms as applicants fill them: for each question, answers that must be
//! refused (with the message id expected) and the answer that moves on.

/// An answer, given the way an applicant would.
#[derive(Clone)]
pub enum Give {
    Text(&'static str),
    /// Text of this many letters.
    Long(usize),
    Pick(&'static str),
    Skip,
    File(&'static str, &'static str, u64),
    Contact(&'static str),
}

/// One question: answers that must be refused (with the message id expected) and the answer
/// that moves on.
pub struct Question {
    pub bad: Vec<(Give, &'static str)>,
    pub good: Give,
}

fn q(good: Give) -> Question {
    Question { bad: Vec::new(), good }
}

fn qb(bad: Vec<(Give, &'static str)>, good: Give) -> Question {
    Question { bad, good }
}

const MB: u64 = 1024 * 1024;

pub fn debt_respite_as_person() -> Vec<Question> {
    vec![
        qb(vec![(Give::Text("سلام"), "error-option")], Give::Pick("opt:person")),
        qb(
            vec![
                (Give::Text("123"), "error-length"),
                (Give::Text("0499370898"), "error-check-digit"),
                (Give::Text("abc"), "error-not-number"),
                (
                    Give::File("id.pdf", "application/pdf", 10),
                    "error-document-not-expected",
                ),
            ],
            Give::Text("۰۴۹۹۳۷۰۸۹۹"),
        ),
        qb(
            vec![
                (Give::Text("   "), "error-empty"),
                (Give::Long(201), "error-too-long"),
                (Give::Text("علی\u{202E} رضایی"), "error-untrusted-characters"),
            ],
            Give::Text("علی رضایی"),
        ),
        qb(
            vec![
                (Give::Text("02112345678"), "error-mobile"),
                (Give::Text("+9121234567"), "error-mobile"),
            ],
            Give::Contact("+989121234567"),
        ),
        q(Give::Text("اداره کل امور مالیاتی")),
        qb(
            vec![
                (Give::Text("0"), "error-range-min"),
                (Give::Text("abc"), "error-not-number"),
                (Give::Text("-5"), "error-plain-number"),
                (Give::Text("۱٬۰۰۰-۲٬۰۰۰"), "error-plain-number"),
            ],
            Give::Text("۲۵۰٬۰۰۰٬۰۰۰"),
        ),
        q(Give::Pick("opt:respite")),
        qb(
            vec![
                (Give::Text("1403/13/01"), "error-date"),
                (Give::Text("1402/12/30"), "error-date"),
                (Give::Text("1430/07/15"), "error-date-range"),
            ],
            Give::Text("۱۴۰۳/۰۷/۱۵"),
        ),
        qb(vec![(Give::Skip, "error-required")], Give::Text("کاهش درآمد")),
        qb(
            vec![
                (Give::Text("hello"), "error-document-expected"),
                (Give::File("a.zip", "application/zip", 100), "error-file-type"),
                (Give::File("big.pdf", "application/pdf", 20 * MB), "error-file-size"),
            ],
            Give::File("proof.pdf", "application/pdf", 2048),
        ),
    ]
}

pub fn debt_respite_as_company() -> Vec<Question> {
    vec![
        q(Give::Pick("opt:company")),
        qb(
            vec![
                (Give::Text("1400765091"), "error-length"),
                (Give::Text("14007650913"), "error-check-digit"),
            ],
            Give::Text("14007650912"),
        ),
        q(Give::Text("Acme Trading Co")),
        q(Give::Text("0912 123 4567")),
        q(Give::Text("Tax office")),
        q(Give::Text("1,500,000")),
        q(Give::Pick("opt:instalments")),
        qb(
            vec![
                (Give::Text("1"), "error-range"),
                (Give::Text("61"), "error-range"),
                (Give::Text("x"), "error-not-number"),
            ],
            Give::Text("12"),
        ),
        q(Give::Skip),
        q(Give::Text("Cash flow")),
        q(Give::Skip),
    ]
}

pub fn plate_removal() -> Vec<Question> {
    vec![
        q(Give::Text("اداره کل راه و شهرسازی")),
        qb(
            vec![(Give::Text("۱۴۰۰۷۶۵۰۹۱۳"), "error-check-digit")],
            Give::Text("۱۴۰۰۷۶۵۰۹۱۲"),
        ),
        q(Give::Text("مریم احمدی")),
        qb(
            vec![(Give::Text("+4915112345678"), "error-mobile")],
            Give::Text("09121234567"),
        ),
        qb(
            vec![
                (Give::Text("12345"), "error-plate"),
                (Give::Text("12 x 345 67"), "error-plate"),
            ],
            Give::Text("۱۲ الف ۳۴۵ ایران ۶۷"),
        ),
        q(Give::Text("پژو ۴۰۵")),
        qb(vec![(Give::Text("۹"), "error-option")], Give::Pick("opt:scrapped")),
        q(Give::Text("1403/08/01")),
        qb(
            vec![(Give::Text("x"), "error-document-expected")],
            Give::File("letter.pdf", "application/pdf", 4096),
        ),
    ]
}
