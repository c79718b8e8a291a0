//! Proves the TypeScript types committed under `ui/src/lib/bindings/` are the
//! ones the Rust types generate today, so the window and the core cannot drift.
//! Regenerate them with `make bindings` (UPDATE_BINDINGS=1).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use handbill_core::{
    branch, branch::status, coalition, db::backup, db::keys, demo, error, events, flyers,
    mail::announcements, mail::export, mail::import, mail::lists, mail::subscribers, publish,
};
use ts_rs::{Config, TS};

fn bindings_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings")
}

struct Check {
    cfg: Config,
    dir: PathBuf,
    update: bool,
    stale: Vec<String>,
    seen: BTreeSet<PathBuf>,
}

impl Check {
    fn ty<T: TS + 'static>(&mut self) {
        let rel = T::output_path().expect("every IPC type is exportable");
        let path = self.dir.join(&rel);
        let expected = T::export_to_string(&self.cfg).expect("the type exports");
        self.seen.insert(rel.clone());
        if self.update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &expected).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(expected.as_str()) {
            self.stale.push(rel.display().to_string());
        }
    }

    /// A module this test writes itself rather than ts-rs, checked the same way.
    fn file(&mut self, rel: &str, expected: &str) {
        let rel = PathBuf::from(rel);
        let path = self.dir.join(&rel);
        self.seen.insert(rel.clone());
        if self.update {
            std::fs::write(&path, expected).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(expected) {
            self.stale.push(rel.display().to_string());
        }
    }
}

/// `labels.ts`: the words the window shows for the core's enums, written from
/// the Rust that also prints them (listings, flyers, emails, the command line),
/// so each word lives once. In each enum's `ALL` order, the order the window offers them.
fn labels_module() -> String {
    let quote = |s: &str| serde_json::to_string(s).expect("a label is a string");
    let mut out = String::from(
        "// Generated from the Rust enums' names by src-tauri/core/tests/bindings.rs: do not edit.\n\
         // Regenerate with `make bindings`.\n\
         import type { EventKind } from \"./EventKind\";\n\
         import type { Template } from \"./Template\";\n\n\
         /** The kinds of event, named by `EventKind::name`. */\n\
         export const eventKinds: { id: EventKind; label: string }[] = [\n",
    );
    for kind in events::EventKind::ALL {
        out += &format!(
            "  {{ id: {}, label: {} }},\n",
            quote(kind.as_str()),
            quote(kind.name())
        );
    }
    out +=
        "];\n\n/** The templates an announcement can start from, named by `Template::label`. */\n\
            export const templates: { id: Template; label: string }[] = [\n";
    for template in announcements::Template::ALL {
        out += &format!(
            "  {{ id: {}, label: {} }},\n",
            quote(template.as_str()),
            quote(template.label())
        );
    }
    out += "];\n";
    out
}

#[test]
fn committed_typescript_bindings_match_the_rust_types() {
    let mut check = Check {
        cfg: Config::new().with_large_int("number"),
        dir: bindings_dir(),
        update: std::env::var_os("UPDATE_BINDINGS").is_some(),
        stale: Vec::new(),
        seen: BTreeSet::new(),
    };
    check.ty::<error::Error>();
    check.ty::<error::ErrorCode>();
    check.ty::<error::FieldProblem>();
    check.ty::<branch::BranchProfile>();
    check.ty::<branch::BranchInput>();
    check.ty::<branch::LogoInfo>();
    check.ty::<demo::DemoReport>();
    check.ty::<status::AppStatus>();
    check.ty::<status::FirstSteps>();
    check.ty::<backup::BackupInfo>();
    check.ty::<backup::BackupKind>();
    check.ty::<keys::Access>();
    check.ty::<keys::Privacy>();
    check.ty::<lists::List>();
    check.ty::<lists::Facets>();
    check.ty::<lists::Segment>();
    check.ty::<lists::SegmentFilter>();
    check.ty::<subscribers::ConsentStatus>();
    check.ty::<subscribers::Subscriber>();
    check.ty::<subscribers::SubscriberInput>();
    check.ty::<subscribers::Membership>();
    check.ty::<subscribers::ConsentEntry>();
    check.ty::<subscribers::SubscriberDetail>();
    check.ty::<subscribers::SubscriberRow>();
    check.ty::<subscribers::SubscriberQuery>();
    check.ty::<subscribers::SubscriberPage>();
    check.ty::<subscribers::UnsubscribeReport>();
    check.ty::<import::Field>();
    check.ty::<import::ColumnPreview>();
    check.ty::<import::ImportPreview>();
    check.ty::<import::GreetingPreview>();
    check.ty::<import::ImportOptions>();
    check.ty::<import::RowOutcome>();
    check.ty::<import::ReportRow>();
    check.ty::<import::ImportState>();
    check.ty::<import::ImportReport>();
    check.ty::<import::ImportPhase>();
    check.ty::<import::ImportProgress>();
    check.ty::<import::ImportFinished>();
    check.ty::<import::ImportJob>();
    check.ty::<export::ExportOptions>();
    check.ty::<export::ExportReport>();
    check.ty::<handbill_core::mail::person::PersonExport>();
    check.ty::<handbill_core::mail::person::ForgetReport>();
    check.ty::<handbill_core::mail::person::PersonRecord>();
    check.ty::<handbill_core::mail::person::PersonOptOut>();
    check.ty::<handbill_core::mail::person::PersonDelivery>();
    check.ty::<handbill_core::mail::person::PersonContact>();
    check.ty::<handbill_core::mail::person::PersonDraft>();
    check.ty::<handbill_core::mail::person::PersonMailboxMessage>();
    check.ty::<handbill_core::mail::mailbox::ImapAccount>();
    check.ty::<handbill_core::mail::mailbox::Action>();
    check.ty::<handbill_core::mail::mailbox::MailboxEntry>();
    check.ty::<handbill_core::mail::mailbox::CheckReport>();
    check.ty::<handbill_core::mail::mailbox::MailboxView>();
    check.ty::<handbill_core::mail::mailbox::MessageView>();
    check.ty::<handbill_core::mail::mailbox::ProbeReport>();
    check.ty::<handbill_core::mail::mailbox::Resolution>();
    check.ty::<handbill_core::share::Invitation>();
    check.ty::<handbill_core::share::LaptopRow>();
    check.ty::<handbill_core::share::Problem>();
    check.ty::<handbill_core::share::Choice>();
    check.ty::<handbill_core::share::Conflict>();
    check.ty::<handbill_core::share::ShareStatus>();
    check.ty::<handbill_core::share::SyncReport>();
    check.ty::<handbill_core::mail::attendance::SignInRow>();
    check.ty::<handbill_core::mail::attendance::SignIn>();
    check.ty::<handbill_core::mail::attendance::SignInResult>();
    check.ty::<handbill_core::mail::attendance::MailChoice>();
    check.ty::<handbill_core::mail::attendance::Attendee>();
    check.ty::<handbill_core::mail::attendance::Absent>();
    check.ty::<handbill_core::mail::attendance::EventAttendance>();
    check.ty::<handbill_core::mail::attendance::KnownPerson>();
    check.ty::<handbill_core::mail::attendance::SheetProblem>();
    check.ty::<handbill_core::mail::attendance::SheetImport>();
    check.ty::<handbill_core::mail::lists::AttendedEvent>();
    check.ty::<handbill_core::mail::person::PersonAttendance>();
    check.ty::<events::EventKind>();
    check.ty::<events::EventStatus>();
    check.ty::<events::public::CancelledShown>();
    check.ty::<events::rows::EventRow>();
    check.ty::<events::rows::RowVenue>();
    check.ty::<events::rows::EventPage>();
    check.ty::<events::rows::EventScope>();
    check.ty::<events::Attendance>();
    check.ty::<events::Reading>();
    check.ty::<events::EventLinks>();
    check.ty::<events::CosponsorCall>();
    check.ty::<events::EventInput>();
    check.ty::<events::EventTranslation>();
    check.ty::<events::StopOverrides>();
    check.ty::<events::Event>();
    check.ty::<events::When>();
    check.ty::<events::typed::WhenRead>();
    check.ty::<events::HistoryKind>();
    check.ty::<events::HistoryEntry>();
    check.ty::<events::Venue>();
    check.ty::<events::VenueInput>();
    check.ty::<events::Speaker>();
    check.ty::<events::SpeakerInput>();
    check.ty::<events::Tour>();
    check.ty::<events::TourInput>();
    check.ty::<events::TourWithStops>();
    check.ty::<events::StopInput>();
    check.ty::<events::MonthGroup>();
    check.ty::<events::series::Repeat>();
    check.ty::<events::series::RepeatRequest>();
    check.ty::<events::series::SkipRequest>();
    check.ty::<events::series::MoveRequest>();
    check.ty::<events::series::EndRequest>();
    check.ty::<events::series::DatesRequest>();
    check.ty::<events::series::Occurrence>();
    check.ty::<events::series::SeriesDates>();
    check.ty::<events::json::JsonImport>();
    check.ty::<coalition::OrganizationKind>();
    check.ty::<coalition::Contact>();
    check.ty::<coalition::ContactInput>();
    check.ty::<coalition::Organization>();
    check.ty::<coalition::OrganizationInput>();
    check.ty::<coalition::DuplicateReason>();
    check.ty::<coalition::DuplicateWarning>();
    check.ty::<coalition::OrganizationSaved>();
    check.ty::<coalition::CosponsorStatus>();
    check.ty::<coalition::CosponsorTarget>();
    check.ty::<coalition::CosponsorshipStep>();
    check.ty::<coalition::Cosponsorship>();
    check.ty::<coalition::StepInput>();
    check.ty::<coalition::Cosponsor>();
    check.ty::<coalition::BoardFilter>();
    check.ty::<coalition::BoardRow>();
    check.ty::<coalition::Demand>();
    check.ty::<coalition::DemandListVersion>();
    check.ty::<coalition::DemandUse>();
    check.ty::<coalition::DemandList>();
    check.ty::<coalition::DemandListSummary>();
    check.ty::<coalition::DemandInput>();
    check.ty::<coalition::DemandListInput>();
    check.ty::<coalition::TranslationInput>();
    check.ty::<coalition::Endorsement>();
    check.ty::<coalition::TextChange>();
    check.ty::<coalition::DemandChangeKind>();
    check.ty::<coalition::DemandChange>();
    check.ty::<coalition::DemandListDiff>();
    check.ty::<coalition::EmailDraft>();
    check.ty::<coalition::OrgField>();
    check.ty::<coalition::OrgColumnPreview>();
    check.ty::<coalition::OrgImportPreview>();
    check.ty::<coalition::OrgImportOptions>();
    check.ty::<coalition::OrgRowOutcome>();
    check.ty::<coalition::OrgReportRow>();
    check.ty::<coalition::OrgImportReport>();
    check.ty::<flyers::Layout>();
    check.ty::<flyers::Paper>();
    check.ty::<flyers::Theme>();
    check.ty::<flyers::FlyerOptions>();
    check.ty::<flyers::FlyerContent>();
    check.ty::<flyers::Place>();
    check.ty::<flyers::SpeakerMark>();
    check.ty::<flyers::DemandBlock>();
    check.ty::<flyers::CosponsorMark>();
    check.ty::<flyers::Translation>();
    check.ty::<flyers::ChangeNotice>();
    check.ty::<flyers::StopMark>();
    check.ty::<flyers::BranchMark>();
    check.ty::<flyers::FlyerRequest>();
    check.ty::<flyers::FlyerPreview>();
    check.ty::<publish::PublishReport>();
    check.ty::<flyers::FlyerPage>();
    check.ty::<flyers::SigninRequest>();
    check.ty::<flyers::ImageFormat>();
    check.ty::<flyers::ImageRequest>();
    check.ty::<flyers::SavedImage>();

    check.ty::<announcements::Template>();
    check.ty::<announcements::AnnouncementInput>();
    check.ty::<announcements::Announcement>();
    check.ty::<announcements::AnnouncementVersion>();
    check.ty::<announcements::AnnouncementState>();
    check.ty::<announcements::SendProgress>();
    check.ty::<announcements::Delivery>();
    check.ty::<announcements::DeliveryStatus>();
    check.ty::<announcements::UncertainDecision>();
    check.ty::<announcements::schedule::Schedule>();
    check.ty::<announcements::schedule::ScheduleWhen>();
    check.ty::<announcements::schedule::ScheduleRequest>();
    check.ty::<announcements::schedule::Standing>();
    check.ty::<announcements::Told>();
    check.ty::<announcements::ToldList>();
    check.ty::<announcements::Preview>();
    check.ty::<announcements::SmtpAccount>();
    check.ty::<announcements::Security>();
    check.ty::<announcements::ConnectionReport>();
    check.ty::<announcements::ConnectionProblem>();
    check.ty::<announcements::account::AccountView>();
    check.ty::<announcements::account::PasswordHome>();
    check.file("labels.ts", &labels_module());

    let leftovers: Vec<String> = std::fs::read_dir(&check.dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| PathBuf::from(e.file_name()))
                .filter(|name| {
                    name.extension().is_some_and(|x| x == "ts") && !check.seen.contains(name)
                })
                .map(|name| name.display().to_string())
                .collect()
        })
        .unwrap_or_default();
    if check.update {
        for name in &leftovers {
            std::fs::remove_file(check.dir.join(name)).unwrap();
        }
        return;
    }
    assert!(
        check.stale.is_empty(),
        "these TypeScript bindings are out of date with the Rust types: {:?}. Run `make bindings` and commit the result.",
        check.stale
    );
    assert!(
        leftovers.is_empty(),
        "these bindings no longer match any Rust type: {leftovers:?}. Run `make bindings`."
    );
}
