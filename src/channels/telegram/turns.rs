//! Chats take turns: each chat's updates are handled in order, one at a time, and a chat with
//! more waiting goes to the back of the line after each, so that a chat with thousands waiting
//! holds up another chat by one update at most. Only a few of a chat's updates (and only so
//! many in all) are kept in memory; the rest wait in the inbox table and are read back in
//! order when the chat's turn needs them.

use std::collections::{HashMap, VecDeque};

/// What a worker is to do next for a chat, which is its own until `finished` or `loaded`.
#[derive(Debug, PartialEq, Eq)]
pub enum Turn<T> {
    Handle {
        chat: i64,
        update_id: i64,
        item: T,
    },
    /// Read up to `count` of the chat's stored updates after `after` from the inbox table.
    Load {
        chat: i64,
        after: i64,
        count: usize,
    },
}

/// The chats with updates waiting, in the order they take turns. A chat is in `chats` while it
/// has updates waiting or a worker holds it, and in `line` when it has updates waiting and no
/// worker holds it.
#[derive(Debug)]
pub struct Turns<T> {
    chats: HashMap<i64, Chat<T>>,
    /// Chats with something waiting that no worker holds.
    line: VecDeque<i64>,
    in_memory: usize,
    stored_only: usize,
    per_chat: usize,
    memory_cap: usize,
}

#[derive(Debug)]
struct Chat<T> {
    in_memory: VecDeque<(i64, T)>,
    /// Updates of the chat in the table beyond those in memory, all newer than `last_id`.
    stored_only: usize,
    /// The newest update taken into memory.
    last_id: i64,
}

impl<T> Chat<T> {
    fn has_work(&self) -> bool {
        !self.in_memory.is_empty() || self.stored_only > 0
    }
}

impl<T> Turns<T> {
    /// At most `per_chat` updates of one chat, and `memory_cap` in all, in memory.
    pub fn new(per_chat: usize, memory_cap: usize) -> Self {
        Self {
            chats: HashMap::new(),
            line: VecDeque::new(),
            in_memory: 0,
            stored_only: 0,
            per_chat: per_chat.max(1),
            memory_cap: memory_cap.max(1),
        }
    }

    /// Updates waiting, in memory or only in the table.
    pub fn len(&self) -> usize {
        self.in_memory + self.stored_only
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An update just stored, newer than any of its chat's before it.
    pub fn push(&mut self, chat: i64, update_id: i64, item: T) {
        let (per_chat, full) = (self.per_chat, self.in_memory >= self.memory_cap);
        let entry = self.chat(chat);
        if entry.stored_only == 0 && entry.in_memory.len() < per_chat && !full {
            entry.in_memory.push_back((update_id, item));
            entry.last_id = update_id;
            self.in_memory += 1;
        } else {
            // Dropped from memory: read back in order once the ones before it are handled.
            entry.stored_only += 1;
            self.stored_only += 1;
        }
    }

    /// `count` updates of a chat found only in the table (after a restart).
    pub fn push_stored(&mut self, chat: i64, count: usize) {
        self.chat(chat).stored_only += count;
        self.stored_only += count;
    }

    fn chat(&mut self, chat: i64) -> &mut Chat<T> {
        self.chats.entry(chat).or_insert_with(|| {
            self.line.push_back(chat);
            Chat {
                in_memory: VecDeque::new(),
                stored_only: 0,
                last_id: i64::MIN,
            }
        })
    }

    /// The next chat's turn, which the caller holds until it calls `finished` or `loaded`.
    pub fn next(&mut self) -> Option<Turn<T>> {
        while let Some(chat) = self.line.pop_front() {
            let Some(entry) = self.chats.get_mut(&chat) else {
                continue;
            };
            if let Some((update_id, item)) = entry.in_memory.pop_front() {
                self.in_memory -= 1;
                return Some(Turn::Handle { chat, update_id, item });
            }
            return Some(Turn::Load {
                chat,
                after: entry.last_id,
                count: entry.stored_only.min(self.per_chat),
            });
        }
        None
    }

    /// The chat's update from `next` is handled (or given up): the chat goes to the back of
    /// the line if it has more.
    pub fn finished(&mut self, chat: i64) {
        self.release(chat);
    }

    /// The chat's stored updates, read back in order for a `Load` turn; `None` for one that
    /// could not be read (and is dropped).
    pub fn loaded(&mut self, chat: i64, rows: Vec<(i64, Option<T>)>) {
        if let Some(entry) = self.chats.get_mut(&chat) {
            let read = if rows.is_empty() {
                // Nothing left to read (deleted by hand?): do not ask again.
                entry.stored_only
            } else {
                rows.len().min(entry.stored_only)
            };
            entry.stored_only -= read;
            self.stored_only -= read;
            for (update_id, item) in rows {
                entry.last_id = entry.last_id.max(update_id);
                if let Some(item) = item {
                    entry.in_memory.push_back((update_id, item));
                    self.in_memory += 1;
                }
            }
        }
        self.release(chat);
    }

    fn release(&mut self, chat: i64) {
        let Some(entry) = self.chats.get_mut(&chat) else {
            return;
        };
        if entry.has_work() {
            self.line.push_back(chat);
        } else {
            self.chats.remove(&chat);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handle(turn: Option<Turn<&'static str>>) -> (i64, i64) {
        match turn {
            Some(Turn::Handle { chat, update_id, .. }) => (chat, update_id),
            other => panic!("expected an update to handle, got {other:?}"),
        }
    }

    #[test]
    fn a_flooding_chat_holds_another_up_by_one_update_at_most() {
        let mut turns = Turns::new(8, 1000);
        for id in 1..=100 {
            turns.push(66, id, "flood");
        }
        turns.push(77, 101, "help");
        assert_eq!(handle(turns.next()), (66, 1));
        turns.finished(66);
        assert_eq!(handle(turns.next()), (77, 101));
        turns.finished(77);
        assert_eq!(handle(turns.next()), (66, 2));
    }

    #[test]
    fn a_chat_is_held_by_one_worker_at_a_time() {
        let mut turns = Turns::new(8, 1000);
        turns.push(1, 1, "a");
        turns.push(1, 2, "b");
        assert_eq!(handle(turns.next()), (1, 1));
        assert_eq!(turns.next(), None, "the chat's second update waits for its first");
        turns.push(1, 3, "c");
        assert_eq!(turns.next(), None, "an update arriving for a held chat waits too");
        turns.finished(1);
        assert_eq!(handle(turns.next()), (1, 2));
        turns.finished(1);
        assert_eq!(handle(turns.next()), (1, 3));
        turns.finished(1);
        assert!(turns.is_empty());
        assert!(turns.chats.is_empty(), "a chat with nothing left is forgotten");
    }

    #[test]
    fn updates_beyond_memory_are_read_back_in_order() {
        let mut turns = Turns::new(2, 1000);
        for id in 1..=5 {
            turns.push(1, id, "x");
        }
        assert_eq!(turns.len(), 5);
        assert_eq!(handle(turns.next()), (1, 1));
        turns.finished(1);
        assert_eq!(handle(turns.next()), (1, 2));
        turns.finished(1);
        assert_eq!(
            turns.next(),
            Some(Turn::Load {
                chat: 1,
                after: 2,
                count: 2
            })
        );
        // Newer updates keep to the table while older ones are still there.
        turns.push(1, 6, "x");
        turns.loaded(1, vec![(3, Some("x")), (4, None)]);
        assert_eq!(handle(turns.next()), (1, 3));
        turns.finished(1);
        // Update 4 could not be read: the chat goes on after it.
        assert_eq!(
            turns.next(),
            Some(Turn::Load {
                chat: 1,
                after: 4,
                count: 2
            })
        );
        turns.loaded(1, vec![(5, Some("x")), (6, Some("x"))]);
        assert_eq!(handle(turns.next()), (1, 5));
        turns.finished(1);
        assert_eq!(handle(turns.next()), (1, 6));
        turns.finished(1);
        assert!(turns.is_empty());
    }

    #[test]
    fn memory_holds_no_more_than_its_cap_in_all() {
        let mut turns = Turns::new(8, 3);
        for chat in 1..=5 {
            turns.push(chat, chat, "x");
        }
        assert_eq!((turns.in_memory, turns.stored_only), (3, 2));
        let mut loads = 0;
        while let Some(turn) = turns.next() {
            match turn {
                Turn::Handle { chat, .. } => turns.finished(chat),
                Turn::Load { chat, after, count } => {
                    assert_eq!((after, count), (i64::MIN, 1));
                    loads += 1;
                    turns.loaded(chat, vec![(chat, Some("x"))]);
                }
            }
        }
        assert_eq!(loads, 2);
        assert!(turns.is_empty());
    }

    #[test]
    fn stored_updates_found_at_start_are_read_from_the_beginning() {
        let mut turns: Turns<&str> = Turns::new(8, 100);
        turns.push_stored(9, 3);
        assert_eq!(
            turns.next(),
            Some(Turn::Load {
                chat: 9,
                after: i64::MIN,
                count: 3
            })
        );
        turns.loaded(9, vec![]);
        assert!(turns.is_empty(), "a chat whose rows are gone is not asked about again");
    }
}
