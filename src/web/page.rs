//! What every console page shares: its language and direction, links under the configured
//! prefix, the header with who is signed in, and the CSRF field of its forms.

use maud::{DOCTYPE, Markup, html};

use super::messages as w;
use super::session::Signed;
use crate::app::Application;
use crate::domain::Role;
use crate::i18n::{Arg, Locale, Msg};
use crate::staff::access::{Act, Item, decide, may_ever};

/// How one page is rendered: for whom, in which language.
pub struct Page<'a> {
    pub app: &'a Application,
    pub locale: Locale,
    pub signed: Option<&'a Signed>,
}

impl<'a> Page<'a> {
    pub fn for_member(app: &'a Application, signed: &'a Signed) -> Self {
        Self {
            app,
            locale: signed.session.locale,
            signed: Some(signed),
        }
    }

    pub fn anonymous(app: &'a Application, locale: Locale) -> Self {
        Self {
            app,
            locale,
            signed: None,
        }
    }

    /// A message without arguments.
    pub fn t(&self, id: &str) -> String {
        self.app.i18n().text(self.locale, id)
    }

    pub fn msg(&self, msg: &Msg) -> String {
        self.app.i18n().render(self.locale, msg)
    }

    /// A moment in Tehran time, as the locale writes it (Solar Hijri, Persian digits).
    pub fn time(&self, at: chrono::DateTime<chrono::Utc>) -> String {
        self.msg(&Msg::new(w::TIME).arg("at", Arg::Time(at)))
    }

    /// A console path (starting `/`) as a link, under the proxy's prefix.
    pub fn href(&self, path: &str) -> String {
        format!("{}/staff{path}", self.app.config().http.path_prefix)
    }

    /// The hidden field that proves a form came from a page this session was shown.
    pub fn csrf_field(&self) -> Markup {
        html! {
            @if let Some(signed) = self.signed {
                input type="hidden" name="csrf" value=(signed.session.csrf_token);
            }
        }
    }

    fn role_name(&self, role: Role) -> String {
        self.t(match role {
            Role::Admin => w::ROLE_ADMIN,
            Role::Operator => w::ROLE_OPERATOR,
            _ => w::ROLE_REVIEWER,
        })
    }

    /// The whole document around `main`.
    pub fn layout(&self, title: &str, main: Markup) -> Markup {
        let (lang, dir) = match self.locale {
            Locale::Fa => ("fa", "rtl"),
            Locale::En => ("en", "ltr"),
        };
        html! {
            (DOCTYPE)
            html lang=(lang) dir=(dir) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " — " (self.t(w::TITLE)) }
                    link rel="stylesheet" href=(self.href("/assets/style.css"));
                }
                body {
                    a.skip href="#main" { (self.t(w::SKIP)) }
                    header {
                        nav aria-label=(self.t(w::TITLE)) {
                            strong { (self.t(w::TITLE)) }
                            @if let Some(signed) = self.signed {
                                a href=(self.href("/")) { (self.t(w::NAV_QUEUE)) }
                                a href=(self.href("/dashboard")) { (self.t(w::NAV_DASHBOARD)) }
                                @if may_ever(&signed.member, Act::HandleComplaint).is_ok() {
                                    a href=(self.href("/complaints")) { (self.t(w::NAV_COMPLAINTS)) }
                                }
                                @if may_ever(&signed.member, Act::Operate).is_ok() {
                                    a href=(self.href("/operations")) { (self.t(w::NAV_OPERATIONS)) }
                                    a href=(self.href("/broadcasts")) { (self.t(w::NAV_BROADCASTS)) }
                                }
                                @if decide(&signed.member, Act::See, Item::Audit).is_ok() {
                                    a href=(self.href("/audit")) { (self.t(w::NAV_AUDIT)) }
                                }
                                @if decide(&signed.member, Act::Administer, Item::Roster).is_ok() {
                                    a href=(self.href("/members")) { (self.t(w::NAV_MEMBERS)) }
                                }
                                span.who {
                                    (self.msg(&Msg::new(w::SIGNED_IN_AS)
                                        .arg("name", Arg::Text(signed.member.name.clone()))
                                        .arg("role", Arg::Text(self.role_name(signed.member.role)))))
                                }
                                form.inline method="post" action=(self.href("/language")) {
                                    (self.csrf_field())
                                    input type="hidden" name="lang" value=(other_language(self.locale).code());
                                    button type="submit" lang=(other_language(self.locale).code()) { (self.t(w::OTHER_LANGUAGE)) }
                                }
                                form.inline method="post" action=(self.href("/sign-out")) {
                                    (self.csrf_field())
                                    button type="submit" { (self.t(w::SIGN_OUT)) }
                                }
                                form.inline method="post" action=(self.href("/sign-out-everywhere")) {
                                    (self.csrf_field())
                                    button type="submit" { (self.t(w::SIGN_OUT_EVERYWHERE)) }
                                }
                            } @else {
                                a lang=(other_language(self.locale).code())
                                    href=(format!("{}?lang={}", self.href("/sign-in"), other_language(self.locale).code())) {
                                    (self.t(w::OTHER_LANGUAGE))
                                }
                            }
                        }
                    }
                    main id="main" { h1 { (title) } (main) }
                }
            }
        }
    }
}

pub fn other_language(locale: Locale) -> Locale {
    match locale {
        Locale::Fa => Locale::En,
        Locale::En => Locale::Fa,
    }
}

/// Text that runs left to right whatever the page's direction (codes, ids, file names), so
/// that a right-to-left page does not reorder its groups.
pub fn ltr(text: &str) -> Markup {
    html! { bdi dir="ltr" { (text) } }
}

/// The console's style sheet, built into the binary (no CDN: it must work offline).
pub const STYLE: &str = include_str!("style.css");
