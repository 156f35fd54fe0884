//! A chat's notices keep their order across overlapping rounds. A round is claimed while the
//! one before it still sends (see `Dispatcher::run`), so a chat's next notice may sit in a later
//! round while an earlier one waits out the chat's pace; when that earlier one runs past its
//! round's deadline it goes back to the queue, and without this the later one, already
//! claimed, would be sent first.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::dispatcher::ChatKey;

/// The notices that went back late, per chat, until a round holds them again.
pub(super) struct LateNotices {
    marks: Mutex<HashMap<ChatKey, Mark>>,
    /// After this, the notice that went back is anyone's to claim (another instance may send
    /// it): this dispatcher stops holding its chat's later notices.
    hold: Duration,
}

#[derive(Clone, Copy)]
struct Mark {
    /// The oldest notice of the chat that went back.
    id: i64,
    until: Instant,
}

impl LateNotices {
    pub(super) fn new(hold: Duration) -> Self {
        Self {
            marks: Mutex::new(HashMap::new()),
            hold,
        }
    }

    /// Notice `id` of `chat` went back late: the chat's later notices wait until it is claimed
    /// again.
    pub(super) fn went_late(&self, chat: ChatKey, id: i64) {
        let until = Instant::now() + self.hold;
        let mut marks = self.marks.lock().unwrap_or_else(|e| e.into_inner());
        let mark = marks.entry(chat).or_insert(Mark { id, until });
        mark.id = mark.id.min(id);
        mark.until = until;
    }

    /// A round claimed `ids` of `chat`: once it holds the notice that went back, the chat's
    /// order is that round's again.
    pub(super) fn claimed(&self, chat: ChatKey, ids: &[i64]) {
        let mut marks = self.marks.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        marks.retain(|_, mark| mark.until > now);
        if marks.get(&chat).is_some_and(|mark| ids.contains(&mark.id)) {
            marks.remove(&chat);
        }
    }

    /// Whether notice `id` of `chat` must wait: an older notice of its chat went back late and
    /// no round has claimed it again yet.
    pub(super) fn must_wait(&self, chat: ChatKey, id: i64) -> bool {
        let marks = self.marks.lock().unwrap_or_else(|e| e.into_inner());
        marks
            .get(&chat)
            .is_some_and(|mark| id > mark.id && mark.until > Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::applicants::ApplicantId;

    #[test]
    fn later_notices_wait_until_the_late_one_is_claimed_again() {
        let late = LateNotices::new(Duration::from_secs(30));
        let chat = ChatKey::Applicant(ApplicantId(1));
        let other = ChatKey::Applicant(ApplicantId(2));
        late.went_late(chat, 10);
        assert!(late.must_wait(chat, 11));
        assert!(!late.must_wait(chat, 10), "the late one itself goes when claimed");
        assert!(!late.must_wait(other, 11), "other chats are not held");
        late.claimed(chat, &[11, 12]);
        assert!(late.must_wait(chat, 12), "a round without the late one changes nothing");
        late.claimed(chat, &[10, 11]);
        assert!(!late.must_wait(chat, 11));
    }

    #[test]
    fn the_hold_ends_after_the_lease() {
        let late = LateNotices::new(Duration::ZERO);
        let chat = ChatKey::StaffGroup;
        late.went_late(chat, 10);
        assert!(!late.must_wait(chat, 11));
    }
}
