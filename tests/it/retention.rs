//! Retention as the nightly housekeeping applies it: each kind is purged once past its period and
//! kept before it, records stay while their contents go, and the audit log cannot be emptied
//! of its last year whatever is asked.

use crate::support;

use chrono::Utc;
use peygir::i18n::Locale;
use peygir::retention::{self, Purged, RetentionConfig};
use peygir::store::{applicants, complaints, dialogues, requests};
use support::{Chat, spawn_app};

async fn run(app: &peygir::app::Application) -> Purged {
    let mut tx = app.pool().begin().await.unwrap();
    let purged = retention::apply(
        &mut tx,
        app.catalog(),
        app.vault(),
        &RetentionConfig::default(),
        Utc::now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    purged
}

async fn exec(app: &peygir::app::Application, sql: &str) {
    sqlx::query(sql).execute(app.pool()).await.unwrap();
}

#[tokio::test]
async fn each_kind_is_purged_past_its_period_and_kept_before_it() {
    let (app, _db) = spawn_app().await;

    // Two half-filled forms, one left 31 days ago; and a chat idle at the menu as long.
    for chat_id in [1, 2] {
        let mut chat = Chat::new(&app, chat_id);
        chat.says("/start").await;
        chat.presses("lang:fa").await;
        chat.presses("menu:submit").await;
        chat.presses("svc:debt-respite").await;
        chat.presses("opt:person").await;
    }
    let mut idle = Chat::new(&app, 3);
    idle.says("/start").await;
    idle.presses("lang:fa").await;
    exec(&app, "UPDATE dialogues SET updated_at = now() - interval '31 days' WHERE applicant_id IN (SELECT id FROM applicants WHERE chat_id IN (1, 3))").await;

    // Requests: one granted 400 days ago, one granted lately, one still in review since long ago;
    // each with a file.
    let mut tx = app.pool().begin().await.unwrap();
    let owner = applicants::find_or_create(&mut tx, "telegram", 9).await.unwrap();
    let mut ids = Vec::new();
    for stage in ["granted", "granted", "under-review"] {
        let (id, _) = requests::insert(
            &mut tx,
            app.vault(),
            owner,
            "debt-respite",
            stage,
            &Vec::new(),
            Locale::Fa,
        )
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO documents (request_id, field_id, file_name, mime, size_bytes, content)
             VALUES ($1, 'proof', 'proof.pdf', 'application/pdf', 3, '\\x255044')",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
        ids.push(id);
    }
    for (id, age) in [(ids[0], 400), (ids[1], 10), (ids[2], 400)] {
        sqlx::query(&format!(
            "UPDATE requests SET updated_at = now() - interval '{age} days' WHERE id = $1"
        ))
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    // Complaints: closed long ago, closed lately, open since long ago.
    let mut complaint_codes = Vec::new();
    for _ in 0..3 {
        let (_, code) = complaints::insert(&mut tx, app.vault(), owner, None, "هنوز پاسخی نگرفته‌ام")
            .await
            .unwrap();
        complaint_codes.push(code.to_stored());
    }
    for (code, status, age) in [
        (complaint_codes[0], "closed", 400),
        (complaint_codes[1], "closed", 10),
        (complaint_codes[2], "open", 400),
    ] {
        sqlx::query(&format!(
            "UPDATE complaints SET status = $2, updated_at = now() - interval '{age} days' WHERE code = $1"
        ))
        .bind(code)
        .bind(status)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    // Notices: sent 100 days ago, sent lately, and pending since long ago (still to go).
    for (key, status, age) in [("old", "sent", 100), ("new", "sent", 10), ("waiting", "pending", 100)] {
        sqlx::query(&format!(
            "INSERT INTO notifications (dedup_key, applicant_id, channel, kind, message, status, body, created_at)
             VALUES ($1, $2, 'sms', 'decision',
                     '{{\"id\": \"notice-stage-changed\", \"args\": [[\"note\", {{\"type\": \"text\", \"value\": \"x\"}}]]}}',
                     $3, 'text as sent', now() - interval '{age} days')"
        ))
        .bind(key)
        .bind(owner)
        .bind(status)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    // Audit entries six and two years old (the service may add entries, with their time).
    sqlx::query(
        "INSERT INTO audit_log (actor, action, at) VALUES ('staff:1', 'request.read', now() - interval '6 years'),
                                                          ('staff:1', 'request.read', now() - interval '2 years')",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let purged = run(&app).await;
    assert_eq!(
        purged,
        Purged {
            drafts: 1,
            notice_texts: 1,
            documents: 1,
            complaints: 1,
            audit: 1,
        }
    );
    assert_eq!(run(&app).await, Purged::default(), "a second run finds nothing");

    let mut conn = app.pool().acquire().await.unwrap();
    for (chat_id, unfinished) in [(1, false), (2, true)] {
        let applicant: i64 = sqlx::query_scalar("SELECT id FROM applicants WHERE chat_id = $1")
            .bind(chat_id)
            .fetch_one(app.pool())
            .await
            .unwrap();
        let applicant = applicants::ApplicantId(applicant);
        let dialogue = dialogues::peek(&mut conn, app.vault(), applicant)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(dialogue.state.holds_unfinished_input(), unfinished, "chat {chat_id}");
        assert_eq!(dialogue.locale, Locale::Fa, "the language stays");
    }
    let files: Vec<(i64, bool)> =
        sqlx::query_as("SELECT request_id, content IS NOT NULL FROM documents ORDER BY request_id")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(files, [(ids[0], false), (ids[1], true), (ids[2], true)]);
    let words: Vec<(i64, bool)> = sqlx::query_as("SELECT code, body_sealed IS NOT NULL FROM complaints ORDER BY id")
        .fetch_all(app.pool())
        .await
        .unwrap();
    assert_eq!(
        words,
        [
            (complaint_codes[0], false),
            (complaint_codes[1], true),
            (complaint_codes[2], true)
        ]
    );
    let texts: Vec<(String, bool)> = sqlx::query_as(
        "SELECT dedup_key, body IS NOT NULL AND message->'args' <> '[]' FROM notifications ORDER BY dedup_key",
    )
    .fetch_all(app.pool())
    .await
    .unwrap();
    assert_eq!(
        texts,
        [("new".into(), true), ("old".into(), false), ("waiting".into(), true)]
    );
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(audit, 1);

    // The last year of the audit log stays, whatever the service asks.
    let refused = sqlx::query("SELECT purge_audit_before(now())")
        .execute(app.pool())
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("at least a year"), "{refused}");
    assert!(
        RetentionConfig {
            audit_days: 30,
            ..RetentionConfig::default()
        }
        .validate()
        .is_err()
    );
}

#[tokio::test]
async fn a_purged_item_cannot_be_opened_from_a_backup_taken_before_the_purge() {
    use peygir::domain::{DocumentRef, DocumentSource};
    use peygir::store::documents;
    use peygir::store::shred_keys::{self, Owner};
    use peygir::vault::{Place, Vault, VaultError};

    let (app, _db) = spawn_app().await;
    let mut tx = app.pool().begin().await.unwrap();
    let owner = applicants::find_or_create(&mut tx, "telegram", 41).await.unwrap();
    let mut requests_made = Vec::new();
    for _ in 0..2 {
        let (request, _) = requests::insert(
            &mut tx,
            app.vault(),
            owner,
            "debt-respite",
            "granted",
            &Vec::new(),
            Locale::Fa,
        )
        .await
        .unwrap();
        let doc = DocumentRef {
            file_name: "کارت-ملی-علی-رضایی.jpg".into(),
            mime: "image/jpeg".into(),
            size_bytes: 1,
            source: DocumentSource::Bot {
                file_id: format!("AgADfile{request}"),
            },
        };
        let document = documents::insert(&mut tx, app.vault(), request, "id-card", &doc)
            .await
            .unwrap();
        requests_made.push((request, document));
    }
    let (_, complaint_code) = complaints::insert(&mut tx, app.vault(), owner, None, "کد ملی من ۰۴۹۹۳۷۰۸۹۹ است")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let [(old, old_doc), (recent, _)] = requests_made[..] else {
        unreachable!()
    };

    // A backup taken now holds the sealed values (and, as the README takes it, not the
    // secrets: they go in a dump of their own, kept for a short time).
    let backed_up_name: Vec<u8> = sqlx::query_scalar("SELECT file_name_sealed FROM documents WHERE id = $1")
        .bind(old_doc)
        .fetch_one(app.pool())
        .await
        .unwrap();
    let backed_up_words: Vec<u8> = sqlx::query_scalar("SELECT body_sealed FROM complaints WHERE code = $1")
        .bind(complaint_code.to_stored())
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert!(Vault::is_item_sealed(&backed_up_name) && Vault::is_item_sealed(&backed_up_words));
    let name_place_row = old_doc.to_string();
    let name_place = Place::new("documents", "file_name", &name_place_row);
    let words_place_row = complaint_code.to_stored().to_string();
    let words_place = Place::new("complaints", "body", &words_place_row);
    let mut conn = app.pool().acquire().await.unwrap();
    let secret = shred_keys::find(&mut conn, Owner::Request, old).await.unwrap();
    assert_eq!(
        app.vault()
            .open_text_for(name_place, secret.as_ref(), &backed_up_name)
            .unwrap(),
        "کارت-ملی-علی-رضایی.jpg",
        "before the purge the service opens it"
    );

    // One request decided 400 days ago and the complaint closed as long ago: purged.
    exec(
        &app,
        &format!("UPDATE requests SET updated_at = now() - interval '400 days' WHERE id = {old}"),
    )
    .await;
    exec(
        &app,
        "UPDATE complaints SET status = 'closed', updated_at = now() - interval '400 days'",
    )
    .await;
    let purged = run(&app).await;
    assert_eq!((purged.documents, purged.complaints), (1, 1));

    // Their secrets went with them; the other request's stays.
    for (owner, id, kept) in [
        (Owner::Request, old, false),
        (Owner::Request, recent, true),
        (Owner::Complaint, complaint_code.to_stored(), false),
    ] {
        assert_eq!(
            shred_keys::find(&mut conn, owner, id).await.unwrap().is_some(),
            kept,
            "{owner:?} {id}"
        );
    }
    // So the backed-up values open with nothing the service still holds: neither the data
    // key alone, nor any secret left.
    assert!(matches!(
        app.vault().open_for(name_place, None, &backed_up_name),
        Err(VaultError::Shredded)
    ));
    assert!(matches!(
        app.vault().open_for(words_place, None, &backed_up_words),
        Err(VaultError::Shredded)
    ));
    let left: Vec<Vec<u8>> = sqlx::query_scalar("SELECT secret FROM shred_keys")
        .fetch_all(app.pool())
        .await
        .unwrap();
    assert!(!left.is_empty());
    for stored in left {
        let secret = peygir::vault::ItemSecret::from_stored(&stored).unwrap();
        assert!(
            app.vault()
                .open_for(name_place, Some(&secret), &backed_up_name)
                .is_err()
        );
        assert!(
            app.vault()
                .open_for(words_place, Some(&secret), &backed_up_words)
                .is_err()
        );
    }
}
