//! Every Fluent id the code uses, in one list, so start-up can prove both locales have them.

macro_rules! message_ids {
    ($($name:ident = $id:literal),* $(,)?) => {
        $(pub const $name: &str = $id;)*
        /// All ids above, checked against the locales at start.
        pub const ALL: &[&str] = &[$($id),*];
    };
}

message_ids! {
    WELCOME = "welcome",
    CHOOSE_LANGUAGE = "choose-language",
    LANGUAGE_FA = "language-fa",
    LANGUAGE_EN = "language-en",
    MENU = "menu",
    MENU_SUBMIT = "menu-submit",
    MENU_TRACK = "menu-track",
    MENU_COMPLAIN = "menu-complain",
    MENU_MINE = "menu-mine",
    MENU_HELP = "menu-help",
    NAV_BACK = "nav-back",
    NAV_CANCEL = "nav-cancel",
    NAV_SKIP = "nav-skip",
    CHOOSE_SERVICE = "choose-service",
    SERVICE_INTRO = "service-intro",
    SHARE_CONTACT = "share-contact",
    CONFIRM_SUMMARY = "confirm-summary",
    SUMMARY_LINE = "summary-line",
    CONFIRM_YES = "confirm-yes",
    VALUE_SKIPPED = "value-skipped",
    CANCELLED = "cancelled",
    SUBMITTED = "submitted",
    ASK_CODE = "ask-code",
    LOOKUP_PUBLIC = "lookup-public",
    LOOKUP_OWNER = "lookup-owner",
    HISTORY_LINE = "history-line",
    LOOKUP_COMPLAINT = "lookup-complaint",
    LOOKUP_NOT_FOUND = "lookup-not-found",
    COMPLAINT_SUBJECT = "complaint-subject",
    COMPLAINT_GENERAL = "complaint-general",
    COMPLAINT_ABOUT = "complaint-about",
    COMPLAINT_ASK_TEXT = "complaint-ask-text",
    COMPLAINT_FILED = "complaint-filed",
    COMPLAINT_OPEN = "complaint-status-open",
    COMPLAINT_ANSWERED = "complaint-status-answered",
    COMPLAINT_CLOSED = "complaint-status-closed",
    MINE_EMPTY = "mine-empty",
    MINE_REQUESTS = "mine-requests",
    MINE_REQUEST_LINE = "mine-request-line",
    MINE_COMPLAINTS = "mine-complaints",
    MINE_COMPLAINT_LINE = "mine-complaint-line",
    HELP = "help",
    HELP_SERVICE_LINE = "help-service-line",
    NOT_UNDERSTOOD = "not-understood",
    STALE_BUTTON = "stale-button",
    UNEXPECTED_DOCUMENT = "unexpected-document",
    PICK_ONE = "pick-one",
    INTERNAL_ERROR = "internal-error",
    ERROR_EMPTY = "error-empty",
    ERROR_TOO_LONG = "error-too-long",
    ERROR_NOT_NUMBER = "error-not-number",
    ERROR_RANGE = "error-range",
    ERROR_OPTION = "error-option",
    ERROR_DATE = "error-date",
    ERROR_MOBILE = "error-mobile",
    ERROR_LENGTH = "error-length",
    ERROR_CHECK_DIGIT = "error-check-digit",
    ERROR_PLATE = "error-plate",
    ERROR_DOCUMENT_EXPECTED = "error-document-expected",
    ERROR_DOCUMENT_NOT_EXPECTED = "error-document-not-expected",
    ERROR_FILE_TYPE = "error-file-type",
    ERROR_FILE_SIZE = "error-file-size",
    CODE_NOT_DIGITS = "code-not-digits",
    CODE_LENGTH = "code-length",
    CODE_CHECK_DIGIT = "code-check-digit",
    TERMINAL_DOCUMENT_HINT = "terminal-document-hint",
    TERMINAL_FILE_MISSING = "terminal-file-missing",
    STATUS_RECEIVED = "status-received",
    STATUS_IN_REVIEW = "status-in-review",
    STATUS_WAITING = "status-waiting-for-applicant",
    STATUS_COMPLETED = "status-completed",
    STATUS_REJECTED = "status-rejected",
}

/// The attribute of a field's prompt that names it briefly, for summaries.
pub fn label_of(prompt_id: &str) -> String {
    format!("{prompt_id}.label")
}
