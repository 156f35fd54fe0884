//! Applicants' data at rest: after whole journeys (both services, a complaint, SMS turned on,
//! staff moves), a `pg_dump` of the database holds none of the typed national and company ids,
//! mobiles, names or plates; a sealed value copied to another row does not open; rotating the
//! keys re-seals every value, after which the old key can be removed and everything still reads.

use crate::support;

use std::path::PathBuf;

use peygir::domain::{PhoneNumber, Role, TrackingCode, VehiclePlate};
use peygir::i18n::Locale;
use peygir::store::{applicants, requests, sms};
use peygir::vault::{Keyring, Vault, rotation, sweep};
use support::api::Api;
use support::bot_api::FakeBotApi;
use support::journeys::{debt_respite_as_person, plate_removal};
use support::service::Running;

/// What the journeys type, in every form it could be stored in.
fn typed_values() -> Vec<String> {
    let plate = VehiclePlate::parse("۱۲ الف ۳۴۵ ایران ۶۷").unwrap().to_string();
    [
        "0499370899",
        "۰۴۹۹۳۷۰۸۹۹",
        "علی رضایی",
        "9121234567",
        "۹۱۲۱۲۳۴۵۶۷",
        "14007650912",
        "۱۴۰۰۷۶۵۰۹۱۲",
        "مریم احمدی",
        "اداره کل راه و شهرسازی",
        "0012345679",
        // The names of the files sent.
        "letter.pdf",
        "proof.pdf",
        &plate,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

fn pg_dump(database_url: &str) -> String {
    let bin = peygir::store::cluster::find_bin_dir()
        .map(|dir| dir.join("pg_dump"))
        .unwrap_or_else(|_| PathBuf::from("pg_dump"));
    let out = std::process::Command::new(bin)
        .args(["--data-only", "--no-owner", "--dbname", database_url])
        .output()
        .expect("running pg_dump");
    assert!(
        out.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the dump is UTF-8")
}

async fn keys_in_use(bot: &Running) -> Vec<u32> {
    sweep::keys_in_use(bot.app.pool()).await.unwrap().into_iter().collect()
}

#[tokio::test]
async fn a_dump_after_whole_journeys_holds_no_typed_personal_data_and_keys_rotate() {
    let keys_dir = std::env::temp_dir().join(format!("peygir-confidentiality-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&keys_dir);
    let keys_file = keys_dir.join("data-keys.toml");
    let fake = FakeBotApi::start().await;
    let db = support::database::fresh_database().await;
    let env = [("PEYGIR_DATA_KEYS_FILE", keys_file.display().to_string())];
    let bot = Running::start(&fake, &db, &env).await;

    let mut person = bot.user(700);
    let debt = person
        .submits(Locale::Fa, "debt-respite", &debt_respite_as_person())
        .await;
    let mut agency = bot.user(701);
    let plate = agency.submits(Locale::Fa, "plate-removal", &plate_removal()).await;
    person.says("/complain").await;
    person.presses(&format!("about:{debt}")).await;
    let filed = person
        .says("کد ملی من ۰۰۱۲۳۴۵۶۷۹ است و هنوز پاسخی نگرفته‌ام؛ شماره‌ام ۰۹۱۲۱۲۳۴۵۶۷.")
        .await;
    assert!(!support::tracking_codes(&filed).is_empty(), "{filed}");
    let mut tx = bot.app.pool().begin().await.unwrap();
    let applicant = applicants::find_or_create(&mut tx, "telegram", 700).await.unwrap();
    let phone = PhoneNumber::parse("09121234567").unwrap();
    sms::opt_in(&mut tx, bot.app.vault(), applicant, &phone).await.unwrap();
    tx.commit().await.unwrap();
    let reviewer = Api::for_member(&bot, "rev", Role::Reviewer, None).await;
    // Staff notes and answers that quote the applicant reach them, and are sealed too.
    for code in [&debt, &plate] {
        let note = "مدارک مریم احمدی با کد ملی ۰۴۹۹۳۷۰۸۹۹ بررسی می‌شود.";
        let (status, body) = reviewer.moves(code, "under-review", Some(note)).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    }
    let complaint = support::tracking_codes(&filed)[0].to_string();
    let (status, body) = reviewer
        .post(
            &format!("/api/v1/complaints/{complaint}/answer"),
            serde_json::json!({"answer": "آقای علی رضایی، شمارهٔ ۰۹۱۲۱۲۳۴۵۶۷ را تماس می‌گیریم."}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    let reached = |text: &str| {
        bot.fake
            .sent_to(700)
            .iter()
            .any(|m| m["text"].as_str().is_some_and(|t| t.contains(text)))
    };
    for _ in 0..100 {
        if reached("بررسی می‌شود") && reached("تماس می‌گیریم") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(reached("بررسی می‌شود"), "the note reaches the applicant");
    assert!(reached("تماس می‌گیریم"), "the answer reaches the applicant");
    bot.replies_delivered().await;
    // The owner and staff still read everything.
    let (_, detail) = reviewer.get(&format!("/api/v1/requests/{plate}")).await;
    assert!(detail["answers"].to_string().contains("14007650912"), "{detail}");
    let mine = person.says(&format!("/track {debt}")).await;
    assert!(mine.contains("علی رضایی"), "{mine}");

    let dump = pg_dump(&db);
    assert!(
        dump.contains("plate-removal") && dump.contains("under-review"),
        "the dump holds the requests' plain facts"
    );
    let found: Vec<String> = typed_values()
        .into_iter()
        .filter(|v| dump.contains(v.as_str()))
        .collect();
    let context = |value: &str| {
        let at = dump.find(value).unwrap_or(0);
        let line_start = dump[..at].rfind("\nCOPY ").unwrap_or(0);
        let table: String = dump[line_start..].chars().take(120).collect();
        let line: String = dump[dump[..at].rfind('\n').unwrap_or(0)..].chars().take(300).collect();
        format!("{table} … {line}")
    };
    assert!(
        found.is_empty(),
        "the dump holds typed values: {found:?}\n{}",
        found.first().map(|v| context(v)).unwrap_or_default()
    );

    let (debt_code, plate_code) = (
        TrackingCode::parse(&debt).unwrap(),
        TrackingCode::parse(&plate).unwrap(),
    );
    let mut conn = bot.app.pool().acquire().await.unwrap();
    // Rotation: everything ends under the new key, the old key goes, and all still opens.
    assert_eq!(keys_in_use(&bot).await, [1]);
    let rotated = rotation::rotate(&bot.app).await.unwrap();
    assert_eq!(rotated.new_key, 2);
    assert!(rotated.resealed > 0);
    assert_eq!(rotated.unused, [1]);
    assert_eq!(keys_in_use(&bot).await, [2]);
    assert_eq!(rotation::prune(&bot.app).await.unwrap(), [1]);
    let text = std::fs::read_to_string(&keys_file).unwrap();
    let fresh = Vault::new(Keyring::from_text(&text).unwrap());
    let debt_row = requests::find_by_code(&mut conn, debt_code).await.unwrap().unwrap();
    let answers = debt_row.answers(&fresh).expect("opens with the new key alone");
    assert!(serde_json::to_string(&answers).unwrap().contains("0499370899"));
    let subscription = sms::subscription(&mut conn, &fresh, applicant).await.unwrap();
    assert_eq!(subscription.mobile, Some(phone));
    // The running service read the key file again and goes on answering.
    let again = person.says(&format!("/track {debt}")).await;
    assert!(again.contains("علی رضایی"), "{again}");
    // A sealed value moved to another row does not open there.
    sqlx::query(
        "UPDATE requests SET answers_sealed = (SELECT answers_sealed FROM requests WHERE code = $1) WHERE code = $2",
    )
    .bind(debt_code.to_stored())
    .bind(plate_code.to_stored())
    .execute(bot.app.pool())
    .await
    .unwrap();
    let moved = requests::find_by_code(&mut conn, plate_code).await.unwrap().unwrap();
    let refused = moved.answers(bot.app.vault()).unwrap_err();
    assert!(format!("{refused:#}").contains("does not open"), "{refused:#}");
    let (status, body) = reviewer.get(&format!("/api/v1/requests/{plate}")).await;
    assert_eq!(status, reqwest::StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert!(!body.to_string().contains("0499370899"), "{body}");

    bot.stop().await;
    std::fs::remove_dir_all(&keys_dir).unwrap();
}

#[tokio::test]
async fn values_stored_in_the_clear_before_sealing_are_sealed_at_start() {
    let (app, _db) = support::spawn_app().await;
    // Rows as the version before sealing wrote them.
    let applicant: i64 = sqlx::query_scalar(
        "INSERT INTO applicants (platform, chat_id, mobile, mobile_verified_at, sms_consent_at)
         VALUES ('telegram', 1, '+989121234567', now(), now()) RETURNING id",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    let code = TrackingCode::generate();
    sqlx::query("INSERT INTO tracking_codes (code, kind) VALUES ($1, 'request')")
        .bind(code.to_stored())
        .execute(app.pool())
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO requests (code, service_id, applicant_id, stage, answers, locale)
         VALUES ($1, 'debt-respite', $2, 'submitted', $3, 'fa')",
    )
    .bind(code.to_stored())
    .bind(applicant)
    .bind(serde_json::json!([["national-id", {"type": "national-id", "value": "0499370899"}]]))
    .execute(app.pool())
    .await
    .unwrap();

    let document: i64 = sqlx::query_scalar(
        "INSERT INTO documents (request_id, field_id, file_name, mime, size_bytes, content)
         SELECT id, 'proof', 'ali-rezaei-id.pdf', 'application/pdf', 4, '\\x25504446' FROM requests RETURNING id",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();

    // What every start runs after the migrations: the number, the answers, the file's name and bytes.
    assert_eq!(sweep::seal_plaintext(app.pool(), app.vault()).await.unwrap(), 4);
    assert_eq!(
        sweep::seal_plaintext(app.pool(), app.vault()).await.unwrap(),
        0,
        "once only"
    );
    // Then the document's name and bytes move under their request's item secret, so that
    // retention can shred them.
    assert_eq!(
        sweep::seal_under_item_secrets(app.pool(), app.vault()).await.unwrap(),
        2
    );
    assert_eq!(
        sweep::seal_under_item_secrets(app.pool(), app.vault()).await.unwrap(),
        0
    );
    let (name, bytes): (Vec<u8>, Vec<u8>) =
        sqlx::query_as("SELECT file_name_sealed, content_sealed FROM documents WHERE id = $1")
            .bind(document)
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert!(peygir::vault::Vault::is_item_sealed(&name) && peygir::vault::Vault::is_item_sealed(&bytes));
    let clear: (Option<String>, Option<serde_json::Value>) =
        sqlx::query_as("SELECT a.mobile, r.answers FROM applicants a JOIN requests r ON r.applicant_id = a.id")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(clear, (None, None), "nothing stays in the clear");
    let mut conn = app.pool().acquire().await.unwrap();
    let row = requests::find_by_code(&mut conn, code).await.unwrap().unwrap();
    assert!(format!("{:?}", row.answers(app.vault()).unwrap()).contains("0499370899"));
    let subscription = sms::subscription(&mut conn, app.vault(), applicants::ApplicantId(applicant))
        .await
        .unwrap();
    assert_eq!(subscription.mobile, Some(PhoneNumber::parse("09121234567").unwrap()));
    assert!(subscription.active);
    let file = peygir::store::documents::fetch(&mut conn, app.vault(), document)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (file.file_name.as_str(), file.content.as_deref()),
        ("ali-rezaei-id.pdf", Some(&b"%PDF"[..]))
    );
    // The inbound opt-out finds the number through its blind index.
    let stopped = sms::opt_out_number(&mut conn, app.vault(), &PhoneNumber::parse("09121234567").unwrap())
        .await
        .unwrap();
    assert_eq!(stopped, 1);
}

#[tokio::test]
async fn the_service_role_cannot_change_the_schema_or_the_audit_log() {
    let (app, _db) = support::spawn_app().await;
    let role: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(role, peygir::store::roles::SERVICE_ROLE);
    let mut tx = app.pool().begin().await.unwrap();
    peygir::store::audit::record(&mut tx, "staff:1", "request.read", "request:1", serde_json::json!({}))
        .await
        .expect("the service adds to the audit log");
    tx.commit().await.unwrap();
    for statement in [
        "DELETE FROM audit_log",
        "UPDATE audit_log SET actor = 'someone else'",
        "TRUNCATE audit_log",
        // Notices name applicants with no foreign key: an applicant, once seen, stays.
        "DELETE FROM applicants",
        "TRUNCATE applicants CASCADE",
        // Nor do they name requests, complaints or documents by a foreign key.
        "DELETE FROM requests",
        "DELETE FROM complaints",
        "DELETE FROM documents",
        "TRUNCATE requests CASCADE",
        "ALTER TABLE requests ADD COLUMN smuggled TEXT",
        "DROP TABLE replies",
        "CREATE TABLE smuggled (x int)",
        "DELETE FROM _sqlx_migrations",
    ] {
        let refused = sqlx::query(statement).execute(app.pool()).await.unwrap_err();
        let code = refused
            .as_database_error()
            .and_then(|e| e.code())
            .map(|c| c.into_owned());
        assert_eq!(code.as_deref(), Some("42501"), "{statement}: {refused}");
    }
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(kept, 1);
}
