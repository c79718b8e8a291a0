//! The throwaway Dovecot the mailbox tests read (support/dovecot.rs):
//! it starts, takes a message through IMAP APPEND, counts it, and is gone
//! with all its processes once dropped.

#[path = "support/dovecot.rs"]
mod dovecot;

use dovecot::Dovecot;

#[test]
fn dovecot_starts_takes_a_message_and_stops() {
    let imap = Dovecot::start();
    assert_eq!(imap.count("INBOX"), 0);
    imap.append(
        "INBOX",
        b"From: Boston <boston@handbill.test>\nTo: ok@example.test\nSubject: Hello\n\nA message.\n",
    );
    assert_eq!(imap.count("INBOX"), 1);
    assert_eq!(imap.count("Handbill/Handled"), 0);
    let pid_file = imap.dir.path().join("run/master.pid");
    let master: i32 = std::fs::read_to_string(&pid_file)
        .expect("Dovecot keeps its pid in its own base_dir")
        .trim()
        .parse()
        .unwrap();
    drop(imap);
    // SAFETY: signal 0 only asks whether the process exists.
    let alive = unsafe { libc::kill(master, 0) } == 0;
    assert!(!alive, "Dovecot's master ({master}) outlived the harness");
}
