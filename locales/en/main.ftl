# English: the bot's own words. Service-specific texts are in services.ftl.

welcome = Hello! Welcome to Peygir, the e-services assistant of the { $directorate }.
    Here you can submit a request, follow it with its tracking code, and file a complaint or suggestion. Every service is free of charge.
choose-language = لطفاً زبان را انتخاب کنید. / Please choose a language.
language-fa = فارسی
language-en = English

menu = What would you like to do?
menu-submit = Submit a new request
menu-track = Track with a code
menu-complain = File a complaint or suggestion
menu-mine = My requests
menu-help = Help

nav-back = Back
nav-cancel = Cancel
nav-skip = Skip

choose-service = Which service do you need?
service-intro = { $name }
    { $about }
    This service is free of charge. Press "Back" or "Cancel" at any point.
share-contact-hint = Or press "Share my mobile number" below.
share-contact = Share my mobile number
confirm-summary = Please check your "{ $service }" request:
summary-line = { $label }: { $value }
confirm-yes = Confirm and submit
value-skipped = (not given)
cancelled = Cancelled; nothing was saved.
submitted = Your "{ $service }" request is registered.
    Tracking code: { $code }
    Keep this code: with it you can see the request's status at any time. Keeping the tracking code is your responsibility.

ask-code = Send the tracking code (18 digits, Persian or Latin digits, with or without hyphens).
lookup-public = Service: { $service }
    Status: { $status }
    Last change: { $updated }
lookup-owner = Tracking code: { $code }
    Service: { $service }
    Stage: { $stage }
    Overall status: { $status }
    Submitted: { $submitted }
    Last change: { $updated }
    Stage history:
lookup-note = The reviewer's note: { $note }
history-line = • { $at } — { $stage }
lookup-documents-due = The documents are due by the end of office hours on { $date }.
lookup-notices = The latest notice to you:
lookup-notice-line = • { $way }: { $state } — { $at }
notice-by-chat = a message in this bot
notice-by-sms = SMS
notice-by-bale = a Bale message to your mobile number
notice-state-pending = waiting to be sent
notice-state-sent = sent
notice-state-delivered = reached your phone
notice-state-failed = did not arrive
notice-state-blocked = not sent: the bot is blocked
lookup-complaint = Complaint { $code }
    Status: { $status }
    Last change: { $updated }
lookup-not-found = No request or complaint has this tracking code. Please check the code.

complaint-subject = Which request is your complaint or suggestion about?
complaint-general = A general matter (not about one request)
complaint-about = { $code } — { $service }
complaint-ask-text = Write your complaint or suggestion (at most { $max } characters).
complaint-filed = Your complaint is registered.
    Complaint tracking code: { $code }
    Use this code to follow it up.
complaint-status-open = awaiting review
complaint-status-answered = answered
complaint-status-closed = closed

mine-empty = You have not submitted any request or complaint yet.
mine-requests = Your requests:
mine-request-line = • { $code } | { $service }: { $status } ({ $updated })
mine-complaints = Your complaints:
mine-complaint-line = • { $code }: { $status } ({ $updated })

help = Peygir help
    Services:
    { $services }
    • Every service is free of charge; you are never asked to pay.
    • Every request and every complaint gets a unique tracking code; see its status with "Track with a code" or the /track command.
    • The services are available around the clock; you are told of any fault, and maintenance is announced in advance.
    • Your information is kept confidential.
    • Commands: /start start, /menu menu, /back back, /cancel cancel, /track track, /status service status, /lang language.
help-service-line = • { $name }: { $about }

not-understood = Sorry, I did not understand. Please pick one of the options or send a tracking code.
stale-button = That button belongs to an older message and no longer works. Please use the latest message.
unexpected-document = I was not expecting a file here. Please answer the question.
pick-one = Please pick one of the options.
internal-error = Sorry, something went wrong and your message was not saved. Please send it again in a moment.
throttled-messages = Your messages are arriving faster than they can be answered. Please wait a minute, then send again.
throttled-lookups = You can look up at most { $limit } tracking codes a minute. Please try again in a minute.
lookups-paused = Looking up tracking codes is paused for a moment. Please try again in a minute.

error-empty = The answer is empty. Please write something.
error-required = This question needs an answer; it cannot be skipped.
error-too-long = The text is too long (at most { $max } characters).
error-not-number = Please write a number only.
error-range = The number must be from { $min } to { $max }.
error-range-min = The number must be at least { $min }.
error-range-max = The number must be at most { $max }.
error-number-too-large = That number is too large.
error-option = Please pick one of the options.
error-date = That date is not valid. Write it as year/month/day in the Solar Hijri calendar, e.g. 1403/07/15.
error-date-range = That date is not accepted; write a date between { $earliest } and { $latest }. Perhaps the year is mistyped.
error-plain-number = Write digits only, without a minus or plus sign, dash, range, decimals or letters, e.g. 1500000 or 1,500,000.
error-untrusted-characters = The text contains a control character or a direction override that is not closed. Please type it again without it.
error-mobile = That mobile number is not valid. Write an Iranian mobile number, e.g. 09121234567; numbers of other countries are not accepted.
error-length = This id must have { $expected } digits; if it starts with zeros, type them too.
error-check-digit = The check digit of this id does not match; a digit is probably mistyped.
error-plate = That plate is not valid. Write two digits, the letter, three digits and the region code, e.g. 12 الف‎ 345 ‎- 67.
error-document-expected = Please send the file.
error-document-not-expected = This question needs a written answer, not a file.
error-file-type = That file type is not accepted. Send a PDF, JPEG or PNG.
error-file-size = The file is larger than allowed ({ $mb } MB).

code-not-digits = A tracking code has digits only.
code-length = A tracking code has { $expected } digits, but you sent { $got }.
code-check-digit = That tracking code is not valid; a digit is probably mistyped or two digits are swapped.

terminal-start = Peygir terminal chat. Type /start to begin; press Ctrl+D to end.
terminal-document-hint = (Type the path of the file on this computer.)
terminal-file-missing = No readable file at that path.

notice-stage-changed = Your "{ $service }" request (tracking code { $code }) has moved to a new stage: { $stage }.
notice-stage-changed-with-note = Your "{ $service }" request (tracking code { $code }) has moved to a new stage: { $stage }.
    Note from the reviewer: { $note }
notice-complaint-answered = Your complaint (tracking code { $code }) has been answered:
    { $answer }

sms-notice-documents-requested = Your "{ $service }" request (tracking code { $code }) needs supplementary documents: { $note }
    Send them in the peygir bot: choose "Send requested documents" in its menu.
notice-documents-requested = Your "{ $service }" request (tracking code { $code }) needs supplementary documents.
    What the reviewer asked for: { $note }
    Send them here: choose "Send requested documents" in the menu, or type /documents

menu-documents = Send requested documents
supplement-choose = Which request are the documents for?
supplement-ask = Send the documents requested for { $code }, one file per message (PDF, JPEG or PNG, at most { $mb } MB).
    When all are sent, press "Done, send them".
supplement-received = Received "{ $name }" ({ $count } so far).
supplement-done = Done, send them
supplement-sent = Your documents for { $code } have reached the reviewer; the request is back in review.
supplement-none = None of your requests is waiting for documents now.
supplement-too-late = This request is no longer waiting for documents; nothing was recorded. Look it up by its tracking code to see where it stands.
supplement-limit = At most { $max } files are taken at a time. Press "Done, send them".
supplement-nothing-yet = You have not sent a file yet. Send the documents, or press "Cancel".

staff-new-request = 🆕 New request
staff-documents-received = 📎 Supplementary documents received
staff-new-complaint = 📣 New complaint
staff-card-updated = 🔄 Updated
staff-request-card = { $headline }
    { $service } — { $code }
    Stage: { $stage }
    Submitted: { $submitted }
    { $answers }
    Attachments: { $documents }
staff-complaint-card = { $headline }
    Complaint { $code }
    About request: { $about }
    Status: { $status }
    Text: { $body }
    Answer: { $answer }
staff-document-caption = { $headline }
    "{ $name }" for request { $code }
staff-move-button = → { $stage }
staff-answer-button = Answer
staff-close-button = Close
staff-not-registered = Only registered staff can do this.
staff-invalid-button = This button is not valid.
staff-stale = This has changed since the message was posted; the card is updated. Please look again.
staff-forbidden = Your role may not do this.
staff-out-of-scope = This service is not among yours.
staff-text-invalid = The text cannot be sent as written: it is too long (at most 1,000 characters for a note, 2,000 for an answer) or has a control character or an unclosed direction override. Reply again.
staff-roster-invalid = This member cannot be added as given: check the name (up to 64 characters), the role (reviewer, operator or admin) and the services.
staff-name-taken = Another member has this name or Telegram id.
staff-not-allowed = The service's workflow does not allow this move.
staff-note-prompt = { $name }, moving request { $code } to "{ $stage }" needs a note. Reply to this message with it.
staff-answer-prompt = { $name }, reply to this message with the answer to complaint { $code }.
staff-reply-below = Write it as a reply to the message below.
staff-moved = Request { $code } moved to "{ $stage }".
staff-answered = The answer to complaint { $code } is on its way to the applicant.
staff-closed = Complaint { $code } closed.
staff-note-empty = The note is empty; reply to the same message again.
staff-prompt-not-yours = This question was put to a colleague.

status-received = received
status-in-review = under review
status-waiting-for-applicant = waiting for you
status-completed = completed
status-rejected = rejected

## SMS notices
menu-sms = SMS notices
sms-status-on = SMS is on: the outcome of your requests is also sent to the number ending in { $mobile }.
sms-status-off = SMS is off. Turn it on to get the outcome of your requests on your mobile too, even if you do not open this chat. Write "STOP" at any time to turn it off.
sms-turn-on = Turn SMS on
sms-turn-off = Turn SMS off
sms-change-number = Change number
sms-ask-phone = Type your mobile number (e.g. 09121234567) and we will text you a code to confirm it.
sms-not-own-contact = Please send your own number with the "Share my mobile number" button, not someone else's contact.
sms-ask-code = Type the 6-digit code we texted to the number ending in { $mobile }. It is valid for 10 minutes.
sms-resend = Send the code again
sms-code-format = The code has 6 digits; type just those.
sms-on = SMS is on. The outcome of your requests will also be texted to the number ending in { $mobile }.
sms-off = SMS is off. You will get no more text messages.
sms-was-off = SMS was already off.
sms-code-sent = We texted a code to the number ending in { $mobile }.
sms-code-cooldown = A code was sent a moment ago; you can ask again in { $seconds } seconds.
sms-code-too-many = Too many codes were asked for in the last hour. Please try again later.
sms-code-wrong = That code is not right. You can try { $left } more times.
sms-code-locked = The code was entered wrongly too many times and no longer works. You can ask for a new one.
sms-code-expired = The code has expired. You can ask for a new one.
sms-code-text = Your peygir confirmation code: { $code }
    Do not share this code.

## Planned maintenance. $service is a service's name or maintenance-every-service; $start and
## $end are Tehran times.
maintenance-every-service = all services
notice-maintenance-scheduled = Planned maintenance: "{ $service }" will be unavailable from { $start } to { $end }.
    Reason: { $reason }
notice-maintenance-changed = The maintenance of "{ $service }" has moved: now from { $start } to { $end }.
    Reason: { $reason }
notice-maintenance-cancelled = The maintenance of "{ $service }" announced for { $start } to { $end } is cancelled; the service runs as usual.
notice-maintenance-reminder = Reminder: "{ $service }" will be unavailable for maintenance from { $start } to { $end }.
notice-maintenance-started = The maintenance of "{ $service }" has begun and lasts until { $end }. Tracking requests and filing complaints still work.
notice-maintenance-ended = The maintenance of "{ $service }" is over and the service is available again.

maintenance-under-way = "{ $service }" is under maintenance until { $end } and takes no new requests until then. Your answers are kept; confirm them again once the maintenance is over.
    Tracking requests and filing complaints still work.
    Reason: { $reason }

## Outages (faults). $start and $end are Tehran times.
notice-outage-started = Service fault: "{ $service }" has had a fault since { $start } and our staff are fixing it. We will tell you when it is resolved.
outage-under-way = "{ $service }" has had a fault since { $start }. Your request is still recorded and gets its tracking code, but reviewing it may wait until the fault is fixed.
notice-outage-resolved = The fault in "{ $service }" that began at { $start } was resolved at { $end }; the service is available again.
staff-outage-started = ⚠️ Fault in "{ $service }" since { $start }
    Reason: { $reason }
    Declared by: { $by }
    { $notified } applicants were told.
staff-outage-resolved = ✅ The fault in "{ $service }" is resolved ({ $start } to { $end }).
    Resolved by: { $by }
    { $notified } applicants were told.

## The public status (/status).
menu-status = Service status
status-title = Service status:
status-all-well = Every service is running normally and no maintenance is planned.
status-outage = • Fault in "{ $service }" since { $start }; being fixed.
status-maintenance-now = • "{ $service }" is under maintenance until { $end }.
status-maintenance-ahead = • Maintenance of "{ $service }" from { $start } to { $end }.

## The SLA clock, in the staff group.
staff-overdue = ⏰ Overdue: this request has been at "{ $stage }" since { $since } (the stage's target: { $hours } office hours).
staff-undelivered = ⚠️ The decision on this request reached the applicant by no way (bot, Bale, SMS). Call them, or ask them to collect it in person.
staff-sms-low-credit = 💳 The SMS credit at { $provider } is down to { $credit }. Top it up, or SMS will wait (or go through the other provider, if there is one).
staff-digest = 📊 Daily digest, { $date }
    Open requests per stage:
    { $stages }
    Overdue: { $overdue }
    Median time from submission to decision (last 30 days): { $median }
    Open complaints: { $complaints }
    Applicants' satisfaction (last 30 days):
    { $satisfaction }
staff-digest-stage = • { $service } / { $stage }: { $count }
staff-digest-nothing-open = • No open requests.
staff-digest-hours = { $hours } hours
staff-digest-no-decisions = no decisions yet

## A broadcast from staff; $text is theirs, as written.
notice-broadcast = 📢 Notice
    { $text }

## Announcement settings (maintenance, outages, staff notices), per service.
menu-announcements = Announcements
announcements-title = How do you want maintenance, fault and staff announcements for each service? Press a service's name to change its setting.
announcements-line = • { $service }: { $setting }
announcements-none = not received
announcements-chat = in the chat
announcements-chat-sms = in the chat and by SMS
announcements-all-off = All announcements are off.
announcements-mute = Turn all announcements off
announcements-unmute = Turn announcements back on
announcements-saved = Saved: announcements for "{ $service }": { $setting }.
announcements-sms-off = SMS is off for you; turn it on under "SMS notices" to receive SMS.
announcements-muted = All announcements are off. Notices about your own requests still come.
announcements-unmuted = Announcements are back on.

## Broadcasts from the staff group.
staff-broadcast-to = To: applicants of "{ $service }"
staff-broadcast-to-codes = To: the owners of { $count } tracking codes
staff-broadcast-draft = 📝 Draft notice
    { $audience } ({ $estimated ->
        [yes] about { $recipients }
       *[no] { $recipients }
    } people)
    As applicants will read it:
    { $preview }
staff-broadcast-sending = 📤 Notice being sent
    { $audience }
    Sent: { $sent } of { $total } (waiting: { $waiting }, failed: { $failed }){ $sms }
staff-broadcast-cancelled = ⛔ Notice cancelled
    { $audience }
    Sent before it was cancelled: { $sent } of { $total }{ $sms }
staff-broadcast-sms = SMS: { $sent } of { $total } sent (waiting: { $waiting }, failed: { $failed })
staff-broadcast-send = Send
staff-broadcast-drop = Cancel
staff-broadcast-refresh = Refresh progress
staff-broadcast-stop = Stop sending
staff-broadcast-usage = To send a notice write: /broadcast TEXT (to everyone), /broadcast SERVICE-ID TEXT (to one service's applicants) or /broadcast CODE CODE… TEXT (to the owners of those requests and complaints). Operators and admins only.
staff-broadcast-unknown-codes = { $count } of the tracking codes name no request or complaint; nothing was drafted.
staff-broadcast-sent = The notice is queued for { $count } people.
staff-broadcast-dropped = The notice is cancelled.
staff-broadcast-refreshed = Progress refreshed.

## Maintenance from the staff group.
staff-maintenance-usage = To schedule maintenance write: /maintenance SERVICE-ID|all DATE TIME DATE TIME REASON, e.g. /maintenance all 1405/09/03 22:00 1405/09/03 23:30 database upgrade (Tehran time); to cancel: /maintenance cancel ID.
staff-deadline-usage = To extend the deadline for documents write: /deadline CODE DAYS, e.g. /deadline 123456-123456-123456 3 (office days, 1 to 60).
staff-deadline-extended = The documents for request { $code } are now due by the end of office hours on { $date }; the applicant is being told.
staff-maintenance-scheduled = 🛠 Maintenance { $id } of "{ $service }" from { $start } to { $end } is scheduled; applicants are told now and reminded before it.
staff-maintenance-cancelled = Maintenance { $id } is cancelled, and the cancellation announced.
staff-maintenance-bad-time = Write each time as a date and a time of day in Tehran time, e.g. 1405/09/03 22:00.
staff-maintenance-not-found = No maintenance window has that number.
staff-maintenance-unknown-service = No service has that id; write a service id or all.
staff-maintenance-ends-before-start = The window must end after it starts.
staff-maintenance-starts-in-past = The window must start in the future; for a fault under way, declare an outage.
staff-maintenance-too-far-ahead = The window must end within a year from now.
staff-maintenance-reason = The reason must have 1 to 500 characters, something visible among them, and no control characters.
staff-maintenance-closed = That window was cancelled or is over.

menu-language = زبان / Language
# `$what`: form (with `$service`), complaint, documents, mobile.
resume-ask = { $what ->
    [form] Your request for “{ $service }” is
    [complaint] Your complaint is
    [documents] Sending your documents is
   *[mobile] Confirming your mobile number is
} unfinished. Continue where you left off, or start over?
resume-pending = { $what ->
    [form] Your request for “{ $service }” is
    [complaint] Your complaint is
    [documents] Sending your documents is
   *[mobile] Confirming your mobile number is
} unfinished. Here is where you left off:
resume-continue = Continue where I left off
resume-restart = Start over

# Every SMS begins with its sender, `[sms] sender` in bot.toml when set. A notice too long for
# `[sms] max_parts` is sent in its sms-short- form, which points to the bot.
sms-sender = { $directorate }
sms-notice-stage-changed = Your "{ $service }" request (tracking code { $code }): { $stage }.
    Details in the peygir bot with this code.
sms-notice-stage-changed-with-note = Your "{ $service }" request (tracking code { $code }): { $stage }.
    Note from the reviewer: { $note }
sms-short-notice-stage-changed-with-note = Your "{ $service }" request (tracking code { $code }): { $stage }.
    The reviewer's note is in the peygir bot, with this code.
sms-short-notice-documents-requested = Your "{ $service }" request (tracking code { $code }) needs supplementary documents.
    The list, and where to send them: the peygir bot, "Send requested documents".
sms-short-notice-complaint-answered = Your complaint (tracking code { $code }) has been answered. Read the answer in the peygir bot with this code.

# An amount of rials echoed back: the figure, then the tomans in words (a rial/toman mix-up is a
# factor of ten). `$has-rest` is yes when rials are left over after the tomans.
amount-rials = { $rials } rials ({ $has-rest ->
    [yes] { $tomans } tomans and { $rest } rials
   *[no] { $tomans } tomans
})

## Withdrawing a request the staff have not taken up yet.
menu-withdraw = Withdraw a request
withdraw-none = You have no request that can still be withdrawn; once review has begun, it cannot be withdrawn through the bot.
withdraw-choose = Which request do you want to withdraw?
withdraw-confirm = Withdraw your "{ $service }" request (tracking code { $code })? Review of it stops, and this cannot be undone.
withdraw-yes = Yes, withdraw it
withdrawn = Your request (tracking code { $code }) has been withdrawn.
withdraw-too-late = Review of this request has begun, so it can no longer be withdrawn through the bot. You can file a complaint or suggestion to ask for it.
staff-request-withdrawn = ↩️ The applicant withdrew this request.
status-withdrawn = Withdrawn

## Editing a request the staff have not taken up yet.
menu-edit = Edit a request
edit-none = You have no request that can still be edited; once review has begun, it cannot be edited through the bot.
edit-choose = Which request do you want to edit?
edit-heading = Editing your request (tracking code { $code }): press an answer's button to change it.
edit-save = Save the changes
confirm-change = Change "{ $label }"
edited = The changes to your request (tracking code { $code }) are saved; staff will review it with the new answers.
edit-unchanged = No answer changed; your request (tracking code { $code }) stays as it was.
edit-too-late = Review of this request has begun, so it can no longer be edited through the bot. You can file a complaint or suggestion to correct it.
staff-request-edited = ✏️ The applicant edited this request's answers.

## Satisfaction with a decision or a complaint's answer.
rate-ask = How satisfied are you with the outcome and how it was handled? Press one, from 1 (not at all) to 5 (very).
rate-button = { $score }
rate-thanks = Thank you for your rating.
seen-button = ✅ I have seen it
seen-thanks = Noted: you have seen this message. Thank you.
seen-not-yours = This message is not about a request of yours.
rate-not-yours = This survey is not about a request or complaint of yours, or it has not been decided yet.
rate-comment-ask = If you would like to add a comment, write it now; otherwise press "No comment".
rate-comment-skip = No comment
rate-comment-thanks = Your comment has been recorded. Thank you.
staff-digest-satisfaction = • { $service }: average satisfaction { $whole }.{ $tenth } of 5 ({ $count } ratings)
staff-digest-no-ratings = • No ratings in the last 30 days.
staff-digest-general = complaints about no request

## Closure days declared at short notice.
notice-closure = Notice: the Directorate is closed on { $day } ({ $reason }). Open requests are not worked on that day; work resumes on the next working day.
notice-documents-deadline = The documents for request { $code } are due by the end of office hours on { $date }. Send them in this bot.
notice-documents-reminder = Reminder: the documents for request { $code } are due by the end of office hours on { $date }.
notice-documents-extended = The deadline for the documents of request { $code } is extended to the end of office hours on { $date }.
staff-closure-declared = { $day } is declared closed; its office hours do not count towards any target.
staff-closure-again = { $day } was declared closed before; that declaration stands.
staff-closure-usage = /closed 1405/09/12 REASON — a Solar Hijri date, from a month back to a year ahead, with a reason.
