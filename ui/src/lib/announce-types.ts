// Provisional shapes of the announcement types, until the core's generated bindings land.
export type Template = "new_event" | "reminder" | "rescheduled" | "cancelled" | "cosponsor_invitation";
export type AnnouncementState = "draft" | "queued" | "sending" | "paused" | "cancelled" | "done";
export type DeliveryStatus = "queued" | "sending" | "sent" | "failed" | "uncertain";
export type Security = "starttls" | "tls" | "plain";
export type Draft = { subject: string; body: string };
export type AnnouncementInput = {
  event_id: number | null;
  tour_id: number | null;
  template: Template;
  list_id: number;
  segment: string | null;
  subject: string;
  body: string;
  attach_flyer: boolean;
};
export type Announcement = AnnouncementInput & {
  id: number;
  state: AnnouncementState;
  about: string;
  created_at: string;
  queued_at: string | null;
};
export type SendProgress = {
  announcement_id: number;
  state: AnnouncementState;
  total: number;
  queued: number;
  sending: number;
  sent: number;
  failed: number;
  uncertain: number;
  rate_per_minute: number;
  seconds_left: number | null;
  note: string | null;
};
export type Delivery = {
  id: number;
  email: string;
  name: string;
  status: DeliveryStatus;
  attempts: number;
  reply: string | null;
  updated_at: string;
};
export type Preview = {
  from: string;
  to: string;
  subject: string;
  headers: [string, string][];
  text: string;
  html: string;
  attachment: [string, number] | null;
};
export type AccountInput = {
  host: string;
  port: number;
  security: Security;
  username: string;
  rate_per_minute: number;
  daily_cap: number;
};
export type AccountView = {
  account: AccountInput | null;
  password: "keychain" | "session" | "missing";
  keychain: boolean;
  outbox: string;
  sent_today: number;
};
export type ConnectionReport = { ok: boolean; stage: string | null; message: string };
