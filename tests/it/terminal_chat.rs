//! The terminal chat through the real binary with stdin piped, as a script would drive it:
//! both services in Persian and in English, lookups by codes written in Persian digits, and a
//! complaint.

use crate::support;

use std::io::Write;
use std::process::{Command, Stdio};

use peygir::domain::TrackingCode;
use peygir::domain::digits::to_persian_digits;
use support::tracking_codes;

/// Runs `peygir chat` as one applicant with `lines` on stdin; returns what it printed. From an
/// empty folder, with no locale folder named: the binary's built-in locales apply.
fn chat(database_url: &str, chat_id: i64, lines: &[String]) -> String {
    // Run from an empty folder: no bot.toml there, so the built-in defaults apply.
    let cwd = support::temp_file("empty", b"").parent().unwrap().to_owned();
    let mut child = Command::new(env!("CARGO_BIN_EXE_peygir"))
        .args(["chat", "--chat-id", &chat_id.to_string()])
        .current_dir(cwd)
        .env("PEYGIR_DATABASE_URL", database_url)
        // The keys kept with this database, whichever folder the chat runs from.
        .env("PEYGIR_DATA_KEYS_FILE", keys_file(database_url))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the peygir binary starts");
    let mut stdin = child.stdin.take().unwrap();
    for line in lines {
        writeln!(stdin, "{line}").unwrap();
    }
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "peygir chat failed:\n{}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The data keys of the test database at `database_url`.
fn keys_file(database_url: &str) -> std::path::PathBuf {
    let name = url::Url::parse(database_url)
        .unwrap()
        .path()
        .trim_start_matches('/')
        .to_owned();
    std::env::temp_dir().join(format!("peygir-test-keys-{name}.toml"))
}

fn lines(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn only_code(output: &str) -> TrackingCode {
    let codes = tracking_codes(output);
    assert_eq!(codes.len(), 1, "exactly one tracking code in:\n{output}");
    codes[0]
}

#[tokio::test]
async fn a_scripted_session_submits_looks_up_and_complains_in_both_languages() {
    let db = support::database::fresh_database().await;
    let letter = support::temp_file("letter.pdf", b"%PDF-1.4 official letter");
    let letter = letter.display().to_string();

    // Persian, debt respite; options picked by Persian digits, one by its label.
    let fa_debt = chat(
        &db,
        1,
        &lines(&[
            "/start",
            "۱",
            "ثبت درخواست جدید",
            "۱",
            "۱",
            "0499370898",
            "۰۴۹۹۳۷۰۸۹۹",
            "علی رضایی",
            "۰۹۱۲۱۲۳۴۵۶۷",
            "اداره کل امور مالیاتی",
            "۲۵۰٬۰۰۰٬۰۰۰",
            "۱",
            "۱۴۰۳/۰۷/۱۵",
            "کاهش درآمد",
            "/skip",
            "۱",
        ]),
    );
    assert!(
        fa_debt.contains("رقم کنترل این شناسه درست نیست"),
        "a bad national code is refused:\n{fa_debt}"
    );
    assert!(
        fa_debt.contains("شمارهٔ همراه خود را بنویسید") && !fa_debt.contains("ارسال شمارهٔ همراه من"),
        "the terminal has no share button, and the question does not mention one:\n{fa_debt}"
    );
    let fa_debt_code = only_code(&fa_debt);

    // Persian, plate removal, with the official letter as a file path (a missing one first).
    let fa_plate = chat(
        &db,
        1,
        &lines(&[
            "/menu",
            "1",
            "2",
            "اداره کل راه و شهرسازی",
            "14007650912",
            "مریم احمدی",
            "09121234567",
            "۱۲ الف ۳۴۵ ایران ۶۷",
            "پژو ۴۰۵",
            "1",
            "1403/08/01",
            "/tmp/no/such/letter.pdf",
            &letter,
            "1",
        ]),
    );
    assert!(fa_plate.contains("فایلی در این مسیر پیدا نشد"), "{fa_plate}");
    let fa_plate_code = only_code(&fa_plate);

    // English, both services.
    let en_debt = chat(
        &db,
        2,
        &lines(&[
            "/start",
            "2",
            "1",
            "1",
            "2",
            "14007650912",
            "Acme Trading Co",
            "0912 123 4567",
            "Tax office",
            "1,500,000",
            "2",
            "12",
            "/skip",
            "Cash flow",
            "/skip",
            "1",
        ]),
    );
    let en_debt_code = only_code(&en_debt);
    assert!(en_debt.contains("Tracking code:"), "{en_debt}");
    let en_plate = chat(
        &db,
        2,
        &lines(&[
            "/menu",
            "1",
            "2",
            "Roads directorate",
            "14007650912",
            "Maryam Ahmadi",
            "09121234567",
            "12 الف 345 67",
            "Peugeot 405",
            "2",
            "1403/08/01",
            &letter,
            "1",
        ]),
    );
    let en_plate_code = only_code(&en_plate);

    // Someone else looks every code up, typed in Persian digits, and files a complaint.
    let mut script = lines(&["/start", "۱"]);
    for code in [fa_debt_code, fa_plate_code, en_debt_code, en_plate_code] {
        script.push("۲".into());
        script.push(to_persian_digits(&code.to_string()));
    }
    script.extend(lines(&["۳", "پاسخ درخواستم دیر شده است.", "۴"]));
    let stranger = chat(&db, 3, &script);
    assert_eq!(
        stranger.matches("وضعیت: دریافت شد").count(),
        4,
        "each code shows its status:\n{stranger}"
    );
    assert!(stranger.contains("مجوز فک پلاک خودروهای دولتی"), "{stranger}");
    assert!(
        !stranger.contains("علی رضایی"),
        "a stranger sees no personal data:\n{stranger}"
    );
    assert!(stranger.contains("شکایت شما ثبت شد"), "{stranger}");
    let complaint_code = *tracking_codes(&stranger).last().unwrap();

    // The complaint's code works with the same lookup.
    let complaint = chat(&db, 3, &lines(&["/menu", &format!("/track {complaint_code}")]));
    assert!(complaint.contains("در انتظار رسیدگی"), "{complaint}");
}

/// A `peygir chat` on the private cluster under `data_dir`, read line by line as it prints.
struct LiveChat {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    lines: std::sync::mpsc::Receiver<String>,
}

impl LiveChat {
    fn start(data_dir: &std::path::Path, chat_id: i64) -> Self {
        let cwd = support::temp_file("empty", b"").parent().unwrap().to_owned();
        let mut child = Command::new(env!("CARGO_BIN_EXE_peygir"))
            .args(["chat", "--chat-id", &chat_id.to_string()])
            .current_dir(cwd)
            .env("PEYGIR_DATA_DIR", data_dir)
            .env("PEYGIR_LOCALES_DIR", support::locales_dir())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the peygir binary starts");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    return;
                }
            }
        });
        let mut chat = Self { child, stdin, lines };
        chat.expect("/start");
        chat
    }

    /// Waits for a printed line containing `text`.
    fn expect(&mut self, text: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(text) => return,
                Ok(_) => {}
                Err(_) => panic!("`{text}` was not printed within 60 s"),
            }
        }
    }

    /// Types `/start` and waits for the answer: the chat works, database and all.
    fn answers(&mut self) {
        writeln!(self.stdin.as_mut().unwrap(), "/start").unwrap();
        self.expect("Please choose a language");
    }

    /// Ends the chat with Ctrl-D.
    fn end_of_input(mut self) {
        drop(self.stdin.take());
        assert!(self.child.wait().unwrap().success());
    }

    /// Ends the chat with a signal (`TERM`, `HUP`).
    fn signal(mut self, name: &str) {
        let killed = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        assert!(self.child.wait().unwrap().success(), "a clean exit on SIG{name}");
    }
}

#[test]
fn two_chats_on_one_data_directory_each_outlive_the_other() {
    let data_dir = std::env::temp_dir().join(format!("peygir-two-chats-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let server_running = || data_dir.join("postgres/postmaster.pid").exists();

    // The first starts the private cluster; ending it leaves the second working.
    let first = LiveChat::start(&data_dir, 1);
    let mut second = LiveChat::start(&data_dir, 2);
    first.end_of_input();
    second.answers();
    // Ending the one that did not start it leaves the others working too, on any signal.
    let mut third = LiveChat::start(&data_dir, 3);
    second.signal("TERM");
    third.answers();
    third.signal("HUP");
    // The process that started the server is gone: the server is left running for the next.
    assert!(server_running());

    let fourth = LiveChat::start(&data_dir, 4);
    let mut fifth = LiveChat::start(&data_dir, 5);
    fourth.end_of_input();
    fifth.answers();
    fifth.end_of_input();
    assert!(
        server_running(),
        "stopped by none of the processes that did not start it"
    );

    // Stopped by hand, then started and stopped by one chat alone.
    let stop = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "B=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1); \
             if [ \"$(id -u)\" = 0 ]; then runuser -u postgres -- \"$B/pg_ctl\" stop -D '{0}' -m fast -w; \
             else \"$B/pg_ctl\" stop -D '{0}' -m fast -w; fi",
            data_dir.join("postgres").display()
        ))
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(stop.success());
    let mut alone = LiveChat::start(&data_dir, 6);
    alone.answers();
    alone.signal("TERM");
    assert!(
        !server_running(),
        "the chat that started the server stops it when it is the last"
    );
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test]
async fn a_start_with_other_data_keys_than_the_database_was_sealed_with_stops_and_says_why() {
    let db = support::database::fresh_database().await;
    chat(&db, 5, &lines(&["/start", "1"]));
    let wrong = support::temp_file("other-keys.toml", b"").with_file_name("missing-keys.toml");
    let output = Command::new(env!("CARGO_BIN_EXE_peygir"))
        .args(["chat", "--chat-id", "5"])
        .env("PEYGIR_DATABASE_URL", &db)
        .env("PEYGIR_LOCALES_DIR", support::locales_dir())
        .env("PEYGIR_DATA_KEYS_FILE", &wrong)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "started with keys that cannot open the data");
    assert!(
        stderr.contains("is not the key this database's data was sealed with"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_chat_ended_mid_form_shows_the_pending_question_when_it_starts_again() {
    let db = support::database::fresh_database().await;
    let first = chat(&db, 5, &lines(&["/start", "2", "/new", "2", "Roads directorate"]));
    assert!(first.contains("11-digit"), "the agency id is asked:\n{first}");
    // Ctrl-D here; the next session says where the applicant was before taking anything.
    let second = chat(&db, 5, &lines(&["14007650912"]));
    let before_input = second.split("staff member following").next().unwrap();
    assert!(
        before_input.contains("is unfinished") && before_input.contains("Roads directorate"),
        "the unfinished form, with its answers, comes first:\n{second}"
    );
    assert!(second.contains("11-digit"), "then its pending question:\n{second}");
    assert!(
        second.contains("staff member following"),
        "and the answer typed then is taken for it:\n{second}"
    );
}
