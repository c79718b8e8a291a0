//! Announcing an event (or a tour) to a list in one step, as `handbill
//! announce` does: reuse the announcement of it that is still open, or write a
//! new one from its template, then queue it. The rules that keep the record
//! honest live here and in [`store::queue_with`]: the same event is not
//! announced with the same template to the same list a second time unless
//! the organizer says `again`; an announcement still queued is reused, never
//! queued twice, and an option that differs from what was queued is refused
//! rather than silently ignored.

use super::letter::Template;
use super::store::{self, Announcement, AnnouncementInput, AnnouncementState};
use crate::db::Database;
use crate::error::{Error, Result};

/// What the organizer asked for. `None` is an option not given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnounceRequest {
    pub event_id: Option<i64>,
    pub tour_id: Option<i64>,
    pub list_id: i64,
    /// A saved segment's name or a filter; empty for the whole list.
    pub segment: String,
    pub template: Template,
    /// A subject instead of the template's.
    pub subject: Option<String>,
    /// A Markdown body instead of the template's.
    pub body: Option<String>,
    /// `Some(true)` when the flyer is asked for.
    pub attach_flyer: Option<bool>,
    /// Announce it again even though it went to this list before.
    pub again: bool,
    /// Languages of the branch (other than its first) to add a version in,
    /// drafted from the template in that language.
    pub versions_in: Vec<String>,
}

/// What [`plan`] found to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// An announcement of this is still open (a draft, queued, sending or
    /// paused): it is the one sent. The notes say so, and how it differs from
    /// what was asked where that matters.
    Reuse {
        announcement: Announcement,
        notes: Vec<String>,
    },
    /// A new announcement, written from the template.
    New {
        input: AnnouncementInput,
        notes: Vec<String>,
    },
}

/// An announcement ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announced {
    pub announcement: Announcement,
    pub reused: bool,
    /// Sentences for the organizer: what was reused and why.
    pub notes: Vec<String>,
}

/// Decides what announcing means now, saving nothing: for a dry run, and
/// the first step of [`announce`].
pub fn plan(db: &Database, request: &AnnounceRequest) -> Result<Plan> {
    store::check_template(db, request.event_id, request.tour_id, request.template)?;
    let segment = store::segment_for(
        db,
        request.list_id,
        request.event_id,
        request.template,
        &request.segment,
    )?;
    let segment = segment.as_str();
    if let Some(open) = store::find_open(
        db,
        request.event_id,
        request.tour_id,
        request.list_id,
        segment,
        request.template,
    )? {
        return reuse(open, request);
    }
    if !request.again {
        if let Some(earlier) = store::earlier_send(
            db,
            request.event_id,
            request.tour_id,
            request.list_id,
            request.template,
            0,
        )? {
            // The refusal names the earlier announcement and when it went.
            return Err(store::repeat_error(db, earlier, request.template)?);
        }
    }
    let (subject, body) = super::draft(db, request.event_id, request.tour_id, request.template)?;
    let mut notes = Vec::new();
    if request.again {
        if let Some(earlier) = store::earlier_send(
            db,
            request.event_id,
            request.tour_id,
            request.list_id,
            request.template,
            0,
        )? {
            notes.push(format!(
                "Announcing it again, as asked: announcement {} went out on {}.",
                earlier.announcement_id,
                store::when_text(&earlier.queued_at)
            ));
        }
    }
    let input = AnnouncementInput {
        event_id: request.event_id,
        tour_id: request.tour_id,
        template: request.template,
        list_id: request.list_id,
        segment: segment.to_owned(),
        subject: request.subject.clone().unwrap_or(subject),
        body: request.body.clone().unwrap_or(body),
        attach_flyer: request.attach_flyer.unwrap_or(false),
        versions: request
            .versions_in
            .iter()
            .map(|language| {
                let (subject, body) = super::templates::draft_in(
                    db,
                    request.event_id,
                    request.tour_id,
                    request.template,
                    language,
                )?;
                Ok(super::letter::AnnouncementVersion {
                    language: language.trim().to_owned(),
                    subject,
                    body,
                })
            })
            .collect::<Result<Vec<_>>>()?,
    };
    // The checks saving it would make (a NUL, a subject too long…), so a dry
    // run refuses what the real run would.
    store::check_input(db, &input)?;
    Ok(Plan::New { input, notes })
}

fn reuse(open: Announcement, request: &AnnounceRequest) -> Result<Plan> {
    let id = open.id;
    let what = if open.state == AnnouncementState::Draft {
        "a draft".to_owned()
    } else {
        format!("still {}", open.state.as_str())
    };
    let since = open
        .queued_at
        .as_deref()
        .map(|at| format!(" since {}", store::when_text(at)))
        .unwrap_or_default();
    let refuse = |option: &str, detail: String| {
        Error::invalid_field(
            option.trim_start_matches("--").replace('-', "_").as_str(),
            format!(
                "Announcement {id} of this to “{}” is {what}{since}, and {detail}. \
                 The queued announcement is what goes out: run the command without {option} to send it as it is, \
                 or cancel it first (handbill send cancel {id}) and announce again.",
                open.list_name
            ),
        )
    };
    if let Some(subject) = &request.subject {
        if subject.trim() != open.subject.trim() {
            return Err(refuse(
                "--subject",
                format!(
                    "its subject is “{}”, not “{}”",
                    open.subject,
                    subject.trim()
                ),
            ));
        }
    }
    if let Some(body) = &request.body {
        if body.trim() != open.body.trim() {
            return Err(refuse(
                "--body-file",
                "its text is not the one in the file given".to_owned(),
            ));
        }
    }
    if request.attach_flyer == Some(true) && !open.attach_flyer {
        return Err(refuse(
            "--flyer",
            "it was queued without the flyer".to_owned(),
        ));
    }
    let mut notes = vec![format!(
        "Announcement {id} of this to “{}” (“{}”) is {what}{since}: sending it rather than queueing everyone a second time.",
        open.list_name, open.subject
    )];
    if open.attach_flyer && request.attach_flyer.is_none() {
        notes.push("It attaches the flyer, as it was queued.".to_owned());
    }
    if request.again {
        notes.push("--again does not make a second one while this one is still open.".to_owned());
    }
    Ok(Plan::Reuse {
        announcement: open,
        notes,
    })
}

/// Announces: reuses the open announcement of this or writes a new one
/// (see [`plan`]), and queues it (a backup first). Sending is the caller's
/// next step ([`super::send::run`]).
pub fn announce(db: &Database, request: &AnnounceRequest) -> Result<Announced> {
    match plan(db, request)? {
        Plan::Reuse {
            announcement,
            notes,
        } => {
            if announcement.state == AnnouncementState::Draft {
                store::queue_with(db, announcement.id, request.again)?;
            }
            Ok(Announced {
                announcement: store::get(db, announcement.id)?,
                reused: true,
                notes,
            })
        }
        Plan::New { input, notes } => {
            let a = store::create(db, input)?;
            if let Err(e) = store::queue_with(db, a.id, request.again) {
                // Nothing was queued: the draft would only be in the way of the next try.
                store::delete_draft(db, a.id)?;
                return Err(e);
            }
            Ok(Announced {
                announcement: store::get(db, a.id)?,
                reused: false,
                notes,
            })
        }
    }
}
