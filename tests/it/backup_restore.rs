//! Backup and restore as the README describes them: a `pg_dump` of the database without the
//! item secrets, one of the secrets alone, and the key file; restored into a fresh database,
//! the service opens every sealed value, carries on with the notices that were waiting, and
//! neither loses nor doubles anything. And the schema on a server's database made in a
//! language's locale, as most are.

use crate::support;

use std::path::{Path, PathBuf};

use peygir::i18n::{Arg, Msg};
use peygir::store::applicants::ApplicantId;
use peygir::store::{complaints, outbox};
use support::{build_app, config_text};

fn pg_tool(name: &str) -> PathBuf {
    peygir::store::cluster::find_bin_dir()
        .map(|dir| dir.join(name))
        .unwrap_or_else(|_| PathBuf::from(name))
}

fn run(tool: &str, args: &[&str]) {
    let out = std::process::Command::new(pg_tool(tool))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {tool}: {e}"));
    assert!(out.status.success(), "{tool}: {}", String::from_utf8_lossy(&out.stderr));
}

fn notice(applicant: ApplicantId) -> outbox::NewNotice {
    outbox::NewNotice {
        dedup_key: "backup-test:1:applicant:chat".into(),
        applicant,
        kind: peygir::notify::kind::NoticeKind::StageChanged,
        message: Msg::new("notice-complaint-answered")
            .arg("code", Arg::Code(peygir::domain::TrackingCode::generate()))
            .arg("answer", Arg::Text("پاسخ کارشناس".into())),
        subject: "test:1".into(),
    }
}

#[tokio::test]
async fn a_restored_dump_with_its_key_file_carries_on_with_nothing_lost_or_doubled() {
    let db = support::database::fresh_database().await;
    let app = build_app(&db, &config_text(|t| t), &[]).await;
    let (request, code) = support::stored_request(&app, 81, "plate-removal", "submitted").await;
    let mut tx = app.pool().begin().await.unwrap();
    let applicant = peygir::store::applicants::find_or_create(&mut tx, "telegram", 81)
        .await
        .unwrap();
    let (complaint, _) = complaints::insert(&mut tx, app.vault(), applicant, None, "کد ملی من ۰۴۹۹۳۷۰۸۹۹ است")
        .await
        .unwrap();
    assert!(outbox::enqueue(&mut tx, app.vault(), &notice(applicant)).await.unwrap());
    tx.commit().await.unwrap();

    // The backup as the README takes it: the database without the item secrets, and the
    // secrets in a dump of their own (the key file is kept apart, and here stays where it is).
    let dump = std::env::temp_dir().join(format!("peygir-backup-{}.dump", std::process::id()));
    let secrets = std::env::temp_dir().join(format!("peygir-backup-secrets-{}.dump", std::process::id()));
    run(
        "pg_dump",
        &[
            "--format=custom",
            "--exclude-table-data=shred_keys",
            "--file",
            dump.to_str().unwrap(),
            "--dbname",
            &db,
        ],
    );
    run(
        "pg_dump",
        &[
            "--format=custom",
            "--data-only",
            "--table=shred_keys",
            "--file",
            secrets.to_str().unwrap(),
            "--dbname",
            &db,
        ],
    );
    app.shutdown().await.unwrap();

    // The restore, into an empty database: first without the secrets, as an old backup would
    // be once its secrets dump has expired: the complaint's words do not open.
    let restored = support::database::fresh_database().await;
    run(
        "pg_restore",
        &["--no-owner", "--dbname", &restored, dump.to_str().unwrap()],
    );
    {
        let pool = sqlx::PgPool::connect(&restored).await.unwrap();
        let secrets_in_dump: i64 = sqlx::query_scalar("SELECT count(*) FROM shred_keys")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(secrets_in_dump, 0, "the database's dump leaves the item secrets out");
        pool.close().await;
    }
    run(
        "pg_restore",
        &[
            "--no-owner",
            "--data-only",
            "--dbname",
            &restored,
            secrets.to_str().unwrap(),
        ],
    );
    let _ = std::fs::remove_file(Path::new(&dump));
    let _ = std::fs::remove_file(Path::new(&secrets));
    let app = build_app(&restored, &config_text(|t| t), &[]).await;

    let mut conn = app.pool().acquire().await.unwrap();
    let found = peygir::store::requests::find_by_code(&mut conn, code)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.id, found.stage.as_str()), (request, "submitted"));
    let body = complaints::staff_view(&mut conn, complaint)
        .await
        .unwrap()
        .unwrap()
        .body(app.vault())
        .unwrap();
    assert_eq!(body.as_deref(), Some("کد ملی من ۰۴۹۹۳۷۰۸۹۹ است"), "sealed values open");
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications WHERE status = 'pending'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(pending, 1, "the notice that waited still waits");
    drop(conn);
    let mut tx = app.pool().begin().await.unwrap();
    assert!(
        !outbox::enqueue(&mut tx, app.vault(), &notice(applicant)).await.unwrap(),
        "and is not queued twice"
    );
    tx.commit().await.unwrap();
    // New rows continue after the old ones: the sequences came back with the data.
    let (next, next_code) = support::stored_request(&app, 82, "plate-removal", "submitted").await;
    assert!(next > request);
    assert_ne!(next_code, code);
}

/// A server's cluster is usually made in the machine's locale, where text compares by a
/// language's rules. The schema applies there, and the outbox's keys still compare bytes: every
/// notice queued writes its key into a unique index, and every SMS a gateway takes its
/// gateway's name and id, and their order in a language serves nothing (queueing took 1.7
/// times as long under en_US.UTF-8). The cascade's queries, which compare those gateways with
/// the ones a notice went through, run in such a database in `tests/it/sms.rs`.
#[tokio::test]
async fn in_a_database_made_in_a_languages_locale_the_outbox_keys_compare_bytes() {
    let db = support::database::fresh_database_in_locale("en-US").await;
    let app = build_app(&db, &config_text(|t| t), &[]).await;
    let mut conn = app.pool().acquire().await.unwrap();
    let in_english: bool = sqlx::query_scalar("SELECT 'a' < 'B'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert!(in_english, "the database's own text compares as in English: a before B");
    let collations: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.attname::text, c.collname::text FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation
         WHERE a.attrelid = 'notifications'::regclass
           AND a.attname IN ('dedup_key', 'provider', 'provider_message_id')
         ORDER BY a.attname",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert_eq!(
        collations,
        ["dedup_key", "provider", "provider_message_id"].map(|column| (column.to_owned(), "C".to_owned())),
        "the outbox's keys compare as bytes there"
    );
    drop(conn);

    let applicants = support::add_applicants(&app, 1..=40).await;
    let message = Msg::new("notice-broadcast").arg("text", Arg::Text("دفتر پنجشنبه تعطیل است.".into()));
    let audience = peygir::store::subscriptions::Audience {
        chat: applicants,
        sms: Vec::new(),
    };
    for queued in [40, 0] {
        let mut tx = app.pool().begin().await.unwrap();
        let added = outbox::announce(&mut tx, support::broadcast("closed:thursday", &message), &audience)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(added, queued, "each recipient's copy is queued once");
    }
}
