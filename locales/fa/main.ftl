# Persian: the bot's own words. Service-specific texts are in services.ftl.

welcome = با سلام؛ به «پیگیر»، دستیار خدمات الکترونیکی { $directorate }، خوش آمدید.
    این‌جا می‌توانید درخواست ثبت کنید، وضعیت آن را با کد پیگیری دنبال کنید و شکایت یا پیشنهاد بفرستید. همهٔ خدمات رایگان است.
choose-language = لطفاً زبان را انتخاب کنید. / Please choose a language.
language-fa = فارسی
language-en = English

menu = لطفاً یکی از گزینه‌های زیر را انتخاب کنید.
menu-submit = ثبت درخواست جدید
menu-track = وضعیت درخواست با کد پیگیری
menu-complain = ثبت شکایت یا پیشنهاد
menu-mine = درخواست‌های من
menu-help = راهنما

nav-back = بازگشت
nav-cancel = انصراف
nav-skip = بدون پاسخ، پرسش بعدی

choose-service = خدمت مورد نظر را انتخاب کنید.
service-intro = { $name }
    { $about }
    این خدمت رایگان است. در هر مرحله می‌توانید «بازگشت» یا «انصراف» را بزنید.
share-contact-hint = یا دکمهٔ «ارسال شمارهٔ همراه من» را در پایین صفحه بزنید.
share-contact = ارسال شمارهٔ همراه من
confirm-summary = لطفاً اطلاعات درخواست «{ $service }» را بررسی کنید:
summary-line = { $label }: { $value }
confirm-yes = تأیید و ثبت درخواست
value-skipped = (وارد نشده)
cancelled = درخواست لغو شد و اطلاعاتی ثبت نشد.
submitted = درخواست «{ $service }» ثبت شد.
    کد پیگیری شما: { $code }
    این کد را نگه دارید؛ با آن می‌توانید هر زمان وضعیت درخواست را پیگیری کنید. نگهداری کد پیگیری بر عهدهٔ شماست.

ask-code = کد پیگیری را بفرستید (۱۸ رقم، با ارقام فارسی یا انگلیسی، با خط تیره یا بدون آن).
lookup-public = خدمت: { $service }
    وضعیت: { $status }
    آخرین تغییر: { $updated }
lookup-owner = کد پیگیری: { $code }
    خدمت: { $service }
    مرحله: { $stage }
    وضعیت کلی: { $status }
    تاریخ ثبت: { $submitted }
    آخرین تغییر: { $updated }
    سابقهٔ مراحل:
lookup-note = توضیح کارشناس: { $note }
history-line = • { $at } — { $stage }
lookup-documents-due = مهلت ارسال مدارک: تا پایان وقت اداری { $date }
lookup-notices = آخرین اطلاع‌رسانی به شما:
lookup-notice-line = • { $way }: { $state } — { $at }
notice-by-chat = پیام در همین بات
notice-by-sms = پیامک
notice-by-bale = پیام بله به شمارهٔ همراه
notice-state-pending = در صف ارسال
notice-state-sent = فرستاده شد
notice-state-delivered = به گوشی رسید
notice-state-failed = نرسید
notice-state-blocked = فرستاده نشد، چون بات مسدود شده است
lookup-complaint = شکایت { $code }
    وضعیت: { $status }
    آخرین تغییر: { $updated }
lookup-not-found = درخواست یا شکایتی با این کد پیگیری پیدا نشد. لطفاً کد را دوباره بررسی کنید.

complaint-subject = شکایت یا پیشنهاد شما دربارهٔ کدام درخواست است؟
complaint-general = موضوع کلی (دربارهٔ درخواست خاصی نیست)
complaint-about = { $code } — { $service }
complaint-ask-text = متن شکایت یا پیشنهاد خود را بنویسید (حداکثر { $max } حرف).
complaint-filed = شکایت شما ثبت شد.
    کد پیگیری شکایت: { $code }
    با همین کد می‌توانید وضعیت آن را پیگیری کنید.
complaint-status-open = در انتظار رسیدگی
complaint-status-answered = پاسخ داده شده
complaint-status-closed = بسته شده

mine-empty = هنوز درخواست یا شکایتی ثبت نکرده‌اید.
mine-requests = درخواست‌های شما:
mine-request-line = • { $code } | { $service }: { $status } ({ $updated })
mine-complaints = شکایت‌های شما:
mine-complaint-line = • { $code }: { $status } ({ $updated })

help = راهنمای «پیگیر»
    خدمات:
    { $services }
    • همهٔ خدمات رایگان است و هیچ هزینه‌ای از شما گرفته نمی‌شود.
    • برای هر درخواست و هر شکایت یک کد پیگیری یکتا صادر می‌شود؛ با «وضعیت درخواست با کد پیگیری» یا فرمان ‎/track وضعیت آن را ببینید.
    • خدمات شبانه‌روزی در دسترس است؛ هر اختلال به شما اطلاع داده می‌شود و کارهای نگهداری از پیش اعلام می‌شود.
    • اطلاعات شما محرمانه نگهداری می‌شود.
    • فرمان‌ها: ‎/start شروع، ‎/menu منو، ‎/back بازگشت، ‎/cancel انصراف، ‎/track پیگیری، ‎/status وضعیت خدمات، ‎/lang زبان.
help-service-line = • { $name }: { $about }

not-understood = متوجه نشدم. لطفاً یکی از گزینه‌ها را انتخاب کنید یا کد پیگیری را بفرستید.
stale-button = این دکمه مربوط به پیام قدیمی‌تری است و دیگر کار نمی‌کند. لطفاً از آخرین پیام استفاده کنید.
unexpected-document = در این مرحله فایلی لازم نیست؛ لطفاً به پرسش پاسخ دهید.
pick-one = لطفاً یکی از گزینه‌ها را انتخاب کنید.
internal-error = متأسفیم، خطایی پیش آمد و پیام شما ثبت نشد. لطفاً چند لحظهٔ دیگر دوباره بفرستید.
throttled-messages = پیام‌های شما سریع‌تر از آن می‌رسد که بتوان به آن‌ها پاسخ داد. لطفاً یک دقیقه صبر کنید و سپس دوباره بفرستید.
throttled-lookups = در هر دقیقه حداکثر { $limit } بار می‌توانید با کد پیگیری جست‌وجو کنید. لطفاً یک دقیقهٔ دیگر دوباره امتحان کنید.
lookups-paused = جست‌وجو با کد پیگیری چند لحظه متوقف شده است. لطفاً یک دقیقهٔ دیگر دوباره امتحان کنید.

error-empty = پاسخ خالی است. لطفاً چیزی بنویسید.
error-required = پاسخ به این پرسش الزامی است.
error-too-long = متن بیش از اندازه بلند است (حداکثر { $max } حرف).
error-not-number = لطفاً فقط عدد بنویسید.
error-range = عدد باید از { $min } تا { $max } باشد.
error-range-min = عدد باید دست‌کم { $min } باشد.
error-range-max = عدد باید حداکثر { $max } باشد.
error-number-too-large = این عدد بیش از اندازه بزرگ است.
error-option = لطفاً یکی از گزینه‌ها را انتخاب کنید.
error-date = تاریخ نامعتبر است. آن را به شکل سال/ماه/روز شمسی بنویسید، مثلاً ۱۴۰۳/۰۷/۱۵.
error-date-range = این تاریخ پذیرفته نیست؛ تاریخی میان { $earliest } و { $latest } بنویسید. شاید سال اشتباه نوشته شده است.
error-plain-number = فقط رقم بنویسید، بدون علامت منفی یا مثبت، خط تیره، بازه، اعشار یا حرف؛ مثلاً ۱۵۰۰۰۰۰ یا ۱٬۵۰۰٬۰۰۰.
error-untrusted-characters = متن نشانه‌ای نامرئی (کنترلی، یا تغییر جهتی که بسته نشده است) دارد. لطفاً متن را دوباره و بدون آن بنویسید.
error-mobile = شمارهٔ همراه نامعتبر است. یک شمارهٔ همراه ایران بنویسید، مثلاً ۰۹۱۲۱۲۳۴۵۶۷؛ شماره‌های کشورهای دیگر پذیرفته نیست.
error-length = این شناسه باید { $expected } رقم باشد؛ اگر با صفر شروع می‌شود، صفرهای ابتدای آن را هم بنویسید.
error-check-digit = رقم کنترل این شناسه درست نیست؛ احتمالاً یک رقم اشتباه نوشته شده است.
error-plate = پلاک نامعتبر است. آن را به شکل دو رقم، حرف، سه رقم و کد استان بنویسید، مثلاً ۱۲ الف ۳۴۵ - ۶۷.
error-document-expected = لطفاً فایل را بفرستید.
error-document-not-expected = این پرسش پاسخ نوشتاری می‌خواهد، نه فایل.
error-file-type = این نوع فایل پذیرفته نیست. فقط فایل PDF یا تصویر JPEG/PNG بفرستید.
error-file-size = فایل از اندازهٔ مجاز ({ $mb } مگابایت) بزرگ‌تر است.

code-not-digits = کد پیگیری فقط از رقم تشکیل شده است.
code-length = کد پیگیری { $expected } رقم دارد، اما شما { $got } رقم فرستادید.
code-check-digit = این کد پیگیری معتبر نیست؛ احتمالاً یک رقم اشتباه نوشته شده، دو رقم یا گروه‌های شش‌رقمی کد جابه‌جا شده است.

terminal-start = گفت‌وگوی «پیگیر» در پایانه. برای شروع ‎/start را بنویسید؛ برای پایان Ctrl+D را بزنید.
terminal-document-hint = (مسیر فایل روی این رایانه را بنویسید.)
terminal-file-missing = فایلی در این مسیر پیدا نشد یا خواندنی نیست.

notice-stage-changed = وضعیت درخواست «{ $service }» با کد پیگیری { $code } به «{ $stage }» تغییر کرد.
notice-stage-changed-with-note = وضعیت درخواست «{ $service }» با کد پیگیری { $code } به «{ $stage }» تغییر کرد.
    توضیح کارشناس: { $note }
notice-complaint-answered = به شکایت شما با کد پیگیری { $code } پاسخ داده شد:
    { $answer }

sms-notice-documents-requested = درخواست «{ $service }» با کد پیگیری { $code } مدارک تکمیلی لازم دارد: { $note }
    ارسال مدارک در بات «پیگیر».
notice-documents-requested = برای درخواست «{ $service }» با کد پیگیری { $code } مدارک تکمیلی لازم است.
    آنچه کارشناس خواسته: { $note }
    مدارک را همین‌جا بفرستید: در منو «ارسال مدارک درخواستی» را بزنید، یا بنویسید /documents

menu-documents = ارسال مدارک درخواستی
supplement-choose = مدارک برای کدام درخواست است؟
supplement-ask = مدارک درخواستی برای درخواست { $code } را بفرستید؛ هر پرونده در یک پیام؛ فایل PDF یا تصویر JPEG/PNG تا { $mb } مگابایت.
    وقتی همه را فرستادید، «پایان و ارسال» را بزنید.
supplement-received = «{ $name }» دریافت شد ({ $count } پرونده تا اکنون).
supplement-done = پایان و ارسال
supplement-sent = مدارک شما برای درخواست { $code } به کارشناس رسید و درخواست دوباره بررسی می‌شود.
supplement-none = هیچ‌یک از درخواست‌های شما اکنون منتظر مدارک نیست.
supplement-too-late = این درخواست دیگر منتظر مدارک نیست؛ مدارک ثبت نشد. وضعیت آن را با کد پیگیری ببینید.
supplement-limit = در هر نوبت حداکثر { $max } پرونده پذیرفته می‌شود. «پایان و ارسال» را بزنید.
supplement-nothing-yet = هنوز پرونده‌ای نفرستاده‌اید. مدارک را بفرستید یا «انصراف» را بزنید.

staff-new-request = 🆕 درخواست تازه
staff-documents-received = 📎 مدارک تکمیلی رسید
staff-new-complaint = 📣 شکایت تازه
staff-card-updated = 🔄 به‌روز شد
staff-request-card = { $headline }
    { $service } — { $code }
    مرحله: { $stage }
    تاریخ ثبت: { $submitted }
    { $answers }
    پیوست‌ها: { $documents }
staff-complaint-card = { $headline }
    شکایت { $code }
    دربارهٔ درخواست: { $about }
    وضعیت: { $status }
    متن: { $body }
    پاسخ: { $answer }
staff-document-caption = { $headline }
    «{ $name }» برای درخواست { $code }
staff-move-button = ← { $stage }
staff-answer-button = پاسخ
staff-close-button = بستن
staff-not-registered = فقط کارکنان ثبت‌شده می‌توانند این کار را انجام دهند.
staff-invalid-button = این دکمه معتبر نیست.
staff-stale = این مورد از زمان این پیام تغییر کرده است؛ کارت به‌روز شد. دوباره بررسی کنید.
staff-forbidden = نقش شما اجازهٔ این کار را ندارد.
staff-out-of-scope = این خدمت در حوزهٔ کار شما نیست.
staff-text-invalid = این متن را نمی‌توان همان‌گونه فرستاد: بیش از اندازه بلند است (یادداشت تا ۱٬۰۰۰ و پاسخ تا ۲٬۰۰۰ حرف) یا نشانهٔ نامرئی کنترلی یا تغییر جهتِ بسته‌نشده دارد. دوباره پاسخ دهید.
staff-roster-invalid = این همکار را نمی‌توان این‌گونه افزود: نام (تا ۶۴ نویسه)، نقش (کارشناس، متصدی عملیات یا مدیر) یا خدمت‌ها درست نیست.
staff-name-taken = همکار دیگری همین نام یا شناسهٔ تلگرام را دارد.
staff-not-allowed = این تغییر مرحله در گردش کار این خدمت مجاز نیست.
staff-note-prompt = { $name }، برای انتقال درخواست { $code } به مرحلهٔ «{ $stage }» توضیح لازم است. به همین پیام پاسخ دهید.
staff-answer-prompt = { $name }، پاسخ شکایت { $code } را در پاسخ به همین پیام بنویسید.
staff-reply-below = توضیح را در پاسخ به پیام زیر بنویسید.
staff-moved = درخواست { $code } به مرحلهٔ «{ $stage }» منتقل شد.
staff-answered = پاسخ شکایت { $code } برای متقاضی فرستاده شد.
staff-closed = شکایت { $code } بسته شد.
staff-note-empty = توضیح خالی است؛ دوباره به همان پیام پاسخ دهید.
staff-prompt-not-yours = این پرسش از همکار دیگری است.

status-received = دریافت شد
status-in-review = در حال بررسی
status-waiting-for-applicant = در انتظار اقدام شما
status-completed = انجام شد
status-rejected = رد شد

## پیامک
menu-sms = اطلاع‌رسانی پیامکی
sms-status-on = اطلاع‌رسانی پیامکی فعال است؛ نتیجهٔ درخواست‌ها به شماره‌ای که به { $mobile } ختم می‌شود هم پیامک می‌شود.
sms-status-off = اطلاع‌رسانی پیامکی غیرفعال است. اگر آن را فعال کنید، نتیجهٔ درخواست‌هایتان به شمارهٔ همراهتان هم پیامک می‌شود، حتی اگر این گفت‌وگو را باز نکنید. هر زمان بخواهید می‌توانید با ارسال «لغو» آن را غیرفعال کنید.
sms-turn-on = فعال‌سازی پیامک
sms-turn-off = غیرفعال‌سازی پیامک
sms-change-number = تغییر شماره
sms-ask-phone = شمارهٔ همراه خود را بنویسید (مثلاً ۰۹۱۲۱۲۳۴۵۶۷) تا کد تأیید برایتان پیامک شود.
sms-not-own-contact = لطفاً شمارهٔ خودتان را با دکمهٔ «ارسال شمارهٔ همراه من» بفرستید، نه مخاطب دیگری را.
sms-ask-code = کد شش‌رقمی‌ای را که به شماره‌ای با پایان { $mobile } پیامک شد بنویسید. این کد ۱۰ دقیقه اعتبار دارد.
sms-resend = ارسال دوبارهٔ کد
sms-code-format = کد تأیید ۶ رقم است؛ همان را بنویسید.
sms-on = اطلاع‌رسانی پیامکی فعال شد. نتیجهٔ درخواست‌هایتان به شماره‌ای که به { $mobile } ختم می‌شود هم پیامک می‌شود.
sms-off = اطلاع‌رسانی پیامکی غیرفعال شد. دیگر پیامکی برایتان فرستاده نمی‌شود.
sms-was-off = اطلاع‌رسانی پیامکی از قبل غیرفعال بود.
sms-code-sent = کد تأیید به شماره‌ای با پایان { $mobile } پیامک شد.
sms-code-cooldown = کد تازه‌ای فرستاده شده است؛ { $seconds } ثانیهٔ دیگر می‌توانید دوباره درخواست کنید.
sms-code-too-many = در این یک ساعت کد زیادی درخواست شده است. لطفاً بعداً دوباره تلاش کنید.
sms-code-wrong = کد درست نیست. { $left } بار دیگر می‌توانید امتحان کنید.
sms-code-locked = کد چند بار اشتباه وارد شد و دیگر معتبر نیست. می‌توانید کد تازه‌ای بخواهید.
sms-code-expired = کد منقضی شده است. می‌توانید کد تازه‌ای بخواهید.
sms-code-text = کد تأیید پیگیر: { $code } ({ $ascii })
    این کد را به کسی ندهید.

## Planned maintenance. $service is a service's name or maintenance-every-service; $start and
## $end are Tehran times with Jalali dates.
maintenance-every-service = همهٔ خدمات
notice-maintenance-scheduled = اطلاعیهٔ نگهداری برنامه‌ریزی‌شده: «{ $service }» از { $start } تا { $end } در دسترس نخواهد بود.
    علت: { $reason }
notice-maintenance-changed = زمان نگهداری «{ $service }» تغییر کرد: از { $start } تا { $end }.
    علت: { $reason }
notice-maintenance-cancelled = نگهداری «{ $service }» که برای { $start } تا { $end } اعلام شده بود لغو شد؛ خدمت طبق روال در دسترس است.
notice-maintenance-reminder = یادآوری: «{ $service }» از { $start } تا { $end } برای نگهداری در دسترس نخواهد بود.
notice-maintenance-started = نگهداری «{ $service }» آغاز شد و تا { $end } ادامه دارد. پیگیری درخواست‌ها و ثبت شکایت در این مدت ممکن است.
notice-maintenance-ended = نگهداری «{ $service }» به پایان رسید و خدمت دوباره در دسترس است.

maintenance-under-way = «{ $service }» تا { $end } برای نگهداری در دسترس نیست و درخواست تازه برای آن پذیرفته نمی‌شود. پاسخ‌های شما نگه داشته شده است؛ پس از پایان نگهداری دوباره تأیید کنید.
    پیگیری درخواست‌ها و ثبت شکایت در این مدت ممکن است.
    علت: { $reason }

## Outages (faults). $start and $end are Tehran times with Jalali dates.
notice-outage-started = اطلاعیهٔ اختلال: «{ $service }» از { $start } با اختلال روبه‌روست و همکاران ما در حال رفع آن هستند. پس از رفع اختلال به شما خبر می‌دهیم.
outage-under-way = «{ $service }» از { $start } با اختلال روبه‌روست. درخواست شما ثبت می‌شود و کد پیگیری می‌گیرد، اما بررسی آن ممکن است تا رفع اختلال طول بکشد.
notice-outage-resolved = اختلال «{ $service }» که از { $start } آغاز شده بود در { $end } برطرف شد و خدمت دوباره در دسترس است.
staff-outage-started = ⚠️ اختلال در «{ $service }» از { $start }
    علت: { $reason }
    اعلام‌کننده: { $by }
    به { $notified } متقاضی اطلاع داده شد.
staff-outage-resolved = ✅ اختلال «{ $service }» برطرف شد ({ $start } تا { $end }).
    رفع‌کننده: { $by }
    به { $notified } متقاضی اطلاع داده شد.

## The public status (/status).
menu-status = وضعیت خدمات
status-title = وضعیت خدمات:
status-all-well = همهٔ خدمات به‌طور عادی در دسترس است و نگهداری برنامه‌ریزی‌شده‌ای در پیش نیست.
status-outage = • اختلال در «{ $service }» از { $start }؛ در حال رفع.
status-maintenance-now = • «{ $service }» تا { $end } در حال نگهداری است.
status-maintenance-ahead = • نگهداری «{ $service }» از { $start } تا { $end }.

## The SLA clock, in the staff group.
staff-overdue = ⏰ گذشته از موعد: این درخواست از { $since } در مرحلهٔ «{ $stage }» مانده است (موعد این مرحله: { $hours } ساعت اداری).
staff-undelivered = ⚠️ اطلاع‌رسانی تصمیم این درخواست از هیچ راهی (بات، بله، پیامک) به متقاضی نرسید. با او تماس بگیرید یا بخواهید حضوری مراجعه کند.
staff-sms-low-credit = 💳 اعتبار پیامک در { $provider } به { $credit } رسیده است. آن را شارژ کنید، وگرنه پیامک‌ها منتظر می‌مانند (یا اگر سامانهٔ دومی تنظیم شده باشد، از آن فرستاده می‌شوند).
staff-digest = 📊 گزارش روزانه، { $date }
    درخواست‌های باز در هر مرحله:
    { $stages }
    گذشته از موعد: { $overdue }
    میانهٔ زمان ثبت تا تصمیم (۳۰ روز اخیر): { $median }
    شکایت‌های باز: { $complaints }
    رضایت متقاضیان (۳۰ روز اخیر):
    { $satisfaction }
staff-digest-stage = • { $service } / { $stage }: { $count }
staff-digest-nothing-open = • درخواست بازی نیست.
staff-digest-hours = { $hours } ساعت
staff-digest-no-decisions = تصمیمی گرفته نشده است

## A broadcast from staff; $text is theirs, as written.
notice-broadcast = 📢 اطلاعیه
    { $text }

## Announcement settings (maintenance, outages, staff notices), per service.
menu-announcements = تنظیم اطلاعیه‌ها
announcements-title = اطلاعیه‌های نگهداری، اختلال و اطلاع‌رسانی‌ها را برای هر خدمت چگونه دریافت کنید؟ با زدن نام هر خدمت، تنظیم آن عوض می‌شود.
announcements-line = • { $service }: { $setting }
announcements-none = دریافت نمی‌کنم
announcements-chat = در گفت‌وگو
announcements-chat-sms = در گفت‌وگو و با پیامک
announcements-all-off = همهٔ اطلاعیه‌ها خاموش است.
announcements-mute = خاموش کردن همهٔ اطلاعیه‌ها
announcements-unmute = روشن کردن دوبارهٔ اطلاعیه‌ها
announcements-saved = ثبت شد: اطلاعیه‌های «{ $service }»: { $setting }.
announcements-sms-off = پیامک برای شما خاموش است؛ برای دریافت پیامک آن را از «اطلاع‌رسانی پیامکی» روشن کنید.
announcements-muted = همهٔ اطلاعیه‌ها خاموش شد. اطلاع‌رسانی دربارهٔ درخواست‌های خودتان همچنان ارسال می‌شود.
announcements-unmuted = اطلاعیه‌ها دوباره روشن شد.

## Broadcasts from the staff group.
staff-broadcast-to = مخاطبان: متقاضیان «{ $service }»
staff-broadcast-to-codes = مخاطبان: صاحبان { $count } کد پیگیری
staff-broadcast-draft = 📝 پیش‌نویس اطلاعیه
    { $audience } ({ $estimated ->
        [yes] حدود { $recipients }
       *[no] { $recipients }
    } نفر)
    متن، همان‌گونه که متقاضیان می‌بینند:
    { $preview }
staff-broadcast-sending = 📤 اطلاعیه در حال ارسال
    { $audience }
    ارسال‌شده: { $sent } از { $total } (در صف: { $waiting }، ناموفق: { $failed }){ $sms }
staff-broadcast-cancelled = ⛔ اطلاعیه لغو شد
    { $audience }
    ارسال‌شده پیش از لغو: { $sent } از { $total }{ $sms }
staff-broadcast-sms = پیامک: { $sent } از { $total } ارسال شد (در صف: { $waiting }، ناموفق: { $failed })
staff-broadcast-send = ارسال
staff-broadcast-drop = لغو
staff-broadcast-refresh = به‌روزرسانی پیشرفت
staff-broadcast-stop = توقف ارسال
staff-broadcast-usage = برای اطلاعیه بنویسید: ‎/broadcast متن‌اطلاعیه‎ (به همه)، ‎/broadcast شناسهٔ‌خدمت متن‎ (به متقاضیان یک خدمت) یا ‎/broadcast کد‌پیگیری کد‌پیگیری… متن‎ (به صاحبان آن درخواست‌ها و شکایت‌ها). فقط متصدیان و مدیران.
staff-broadcast-unknown-codes = { $count } کد پیگیری به هیچ درخواست یا شکایتی تعلق ندارد؛ اطلاعیه‌ای ساخته نشد.
staff-broadcast-sent = اطلاعیه برای { $count } نفر در صف ارسال قرار گرفت.
staff-broadcast-dropped = اطلاعیه لغو شد.
staff-broadcast-refreshed = پیشرفت به‌روز شد.

## Maintenance from the staff group.
staff-maintenance-usage = برای نگهداری بنویسید: ‎/maintenance شناسهٔ‌خدمت|all تاریخ ساعت تاریخ ساعت علت‎، مثلاً ‎/maintenance all 1405/09/03 22:00 1405/09/03 23:30 ارتقای سامانه‎ (به وقت تهران)؛ برای لغو: ‎/maintenance cancel شماره‎.
staff-deadline-usage = برای تمدید مهلت مدارک بنویسید: ‎/deadline کد‌پیگیری شمار‌روز‎، مثلاً ‎/deadline 123456-123456-123456 3‎ (روزهای اداری، از ۱ تا ۶۰).
staff-deadline-extended = مهلت مدارک درخواست { $code } تا پایان ساعت اداری { $date } تمدید شد و به متقاضی اطلاع داده می‌شود.
staff-maintenance-scheduled = 🛠 نگهداری شمارهٔ { $id } برای «{ $service }» از { $start } تا { $end } ثبت شد؛ به متقاضیان اکنون اطلاع داده می‌شود و پیش از آن یادآوری می‌شود.
staff-maintenance-cancelled = نگهداری شمارهٔ { $id } لغو شد و لغو آن اعلام می‌شود.
staff-maintenance-bad-time = زمان را به شکل تاریخ و ساعت به وقت تهران بنویسید، مثلاً 1405/09/03 22:00.
staff-maintenance-not-found = نگهداری‌ای با این شماره نیست.
staff-maintenance-unknown-service = چنین خدمتی نیست؛ شناسهٔ یک خدمت یا all را بنویسید.
staff-maintenance-ends-before-start = پایان نگهداری باید پس از آغاز آن باشد.
staff-maintenance-starts-in-past = آغاز نگهداری باید در آینده باشد؛ برای اختلالی که رخ داده است، اختلال اعلام کنید.
staff-maintenance-too-far-ahead = پایان نگهداری باید تا یک سال آینده باشد.
staff-maintenance-reason = علت باید ۱ تا ۵۰۰ حرف دیدنی و بدون نشانهٔ نامرئی کنترلی باشد.
staff-maintenance-closed = این نگهداری لغو شده یا به پایان رسیده است.

menu-language = زبان / Language
# `$what`: form (with `$service`), complaint, documents, mobile.
resume-ask = { $what ->
    [form] درخواست «{ $service }» شما
    [complaint] شکایت شما
    [documents] ارسال مدارک شما
   *[mobile] تأیید شمارهٔ همراه شما
} نیمه‌تمام مانده است. آیا از همان‌جا ادامه می‌دهید یا از نو شروع می‌کنید؟
resume-pending = { $what ->
    [form] درخواست «{ $service }» شما
    [complaint] شکایت شما
    [documents] ارسال مدارک شما
   *[mobile] تأیید شمارهٔ همراه شما
} نیمه‌تمام مانده است. از همان‌جا که مانده بود ادامه دهید:
resume-continue = ادامه از همان‌جا
resume-restart = شروع از نو

# Every SMS begins with its sender, `[sms] sender` in bot.toml when set. A notice too long for
# `[sms] max_parts` is sent in its sms-short- form, which points to the bot.
sms-sender = { $directorate }
sms-notice-stage-changed = درخواست «{ $service }» با کد پیگیری { $code }: { $stage }.
    جزئیات در بات «پیگیر» با همین کد.
sms-notice-stage-changed-with-note = درخواست «{ $service }» با کد پیگیری { $code }: { $stage }.
    توضیح کارشناس: { $note }
sms-short-notice-stage-changed-with-note = درخواست «{ $service }» با کد پیگیری { $code }: { $stage }.
    توضیح کارشناس در بات «پیگیر» با همین کد.
sms-short-notice-documents-requested = درخواست «{ $service }» با کد پیگیری { $code } مدارک تکمیلی لازم دارد.
    فهرست و ارسال در بات «پیگیر»، «ارسال مدارک درخواستی».
sms-short-notice-complaint-answered = به شکایت شما با کد پیگیری { $code } پاسخ داده شد. متن پاسخ در بات «پیگیر» با همین کد.

# An amount of rials echoed back: the figure, then the tomans in words (a rial/toman mix-up is a
# factor of ten). `$has-rest` is yes when rials are left over after the tomans.
amount-rials = { $rials } ریال ({ $has-rest ->
    [yes] { $tomans } تومان و { $rest } ریال
   *[no] { $tomans } تومان
})

## Withdrawing a request the staff have not taken up yet.
menu-withdraw = انصراف از درخواست
withdraw-none = درخواستی ندارید که بتوان از آن انصراف داد؛ پس از آغاز بررسی، انصراف از راه بات ممکن نیست.
withdraw-choose = از کدام درخواست انصراف می‌دهید؟
withdraw-confirm = آیا از درخواست «{ $service }» با کد پیگیری { $code } انصراف می‌دهید؟ پس از انصراف، بررسی آن متوقف می‌شود و این کار بازگشت‌پذیر نیست.
withdraw-yes = بله، انصراف می‌دهم
withdrawn = انصراف شما از درخواست با کد پیگیری { $code } ثبت شد.
withdraw-too-late = بررسی این درخواست آغاز شده است و انصراف از راه بات دیگر ممکن نیست. برای انصراف می‌توانید شکایت یا پیشنهاد ثبت کنید.
staff-request-withdrawn = ↩️ متقاضی از این درخواست انصراف داد.
status-withdrawn = انصراف داده شد

## Editing a request the staff have not taken up yet.
menu-edit = ویرایش درخواست
edit-none = درخواستی ندارید که بتوان آن را ویرایش کرد؛ پس از آغاز بررسی، ویرایش از راه بات ممکن نیست.
edit-choose = کدام درخواست را ویرایش می‌کنید؟
edit-heading = ویرایش درخواست با کد پیگیری { $code }: برای تغییر هر پاسخ، دکمهٔ آن را بزنید.
edit-save = ثبت تغییرات
confirm-change = تغییر «{ $label }»
edited = تغییرات درخواست با کد پیگیری { $code } ثبت شد و کارشناسان درخواست را با پاسخ‌های تازه بررسی می‌کنند.
edit-unchanged = پاسخی تغییر نکرد؛ درخواست با کد پیگیری { $code } همان‌گونه که بود باقی ماند.
edit-too-late = بررسی این درخواست آغاز شده است و ویرایش از راه بات دیگر ممکن نیست. برای اصلاح اطلاعات می‌توانید شکایت یا پیشنهاد ثبت کنید.
staff-request-edited = ✏️ متقاضی پاسخ‌های این درخواست را ویرایش کرد.

## Satisfaction with a decision or a complaint's answer.
rate-ask = از نتیجه و نحوهٔ رسیدگی چقدر راضی هستید؟ از ۱ (خیلی کم) تا ۵ (خیلی زیاد) یکی را بزنید.
rate-button = { $score }
rate-thanks = از نظر شما سپاسگزاریم.
seen-button = ✅ دیدم
seen-thanks = ثبت شد که این پیام را دیده‌اید. سپاسگزاریم.
seen-not-yours = این پیام دربارهٔ درخواست شما نیست.
rate-not-yours = این نظرسنجی به درخواست یا شکایت شما مربوط نیست یا هنوز به نتیجه نرسیده است.
rate-comment-ask = اگر توضیحی دارید بنویسید؛ در غیر این صورت «بدون توضیح» را بزنید.
rate-comment-skip = بدون توضیح
rate-comment-thanks = توضیح شما ثبت شد. سپاسگزاریم.
staff-digest-satisfaction = • { $service }: میانگین رضایت { $whole }٫{ $tenth } از ۵ ({ $count } نظر)
staff-digest-no-ratings = • در ۳۰ روز گذشته نظری ثبت نشده است.
staff-digest-general = شکایت‌های بدون درخواست

## Closure days declared at short notice.
notice-closure = اطلاعیه: ادارهٔ کل روز { $day } تعطیل است ({ $reason }). در آن روز به درخواست‌های باز رسیدگی نمی‌شود و رسیدگی از روز کاری بعد ادامه می‌یابد.
notice-documents-deadline = مهلت ارسال مدارک درخواست { $code }: تا پایان وقت اداری { $date }. مدارک را در همین بات بفرستید.
notice-documents-reminder = یادآوری: مهلت ارسال مدارک درخواست { $code } پایان وقت اداری { $date } تمام می‌شود.
notice-documents-extended = مهلت ارسال مدارک درخواست { $code } تمدید شد: تا پایان وقت اداری { $date }.
staff-closure-declared = روز { $day } تعطیل ثبت شد؛ ساعت اداری آن روز در موعدها شمرده نمی‌شود.
staff-closure-again = روز { $day } پیش‌تر تعطیل ثبت شده بود؛ همان ثبت پابرجاست.
staff-closure-usage = ‎/closed ۱۴۰۵/۰۹/۱۲ دلیل — تاریخ شمسی، حداکثر یک ماه پیش تا یک سال آینده، با دلیل.
