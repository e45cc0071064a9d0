//! Major-event deployment (重大安保): an event (活动) with its posts — checkpoints (检查站) and
//! duty points (执勤点) — each needing a number of units of given kinds over a shift. Units are
//! sent to posts by instruction (指令), and every post's state follows its units' positions and
//! the clock: staffed, late, empty, relieved.
//!
//! The state of a post is a function of its facts (who is assigned, who is on site, who left)
//! and of `now`. [`Post::refresh`] recomputes it and counts lapses — a lapse being a stretch of
//! time during which the post is late or empty — so that the store can raise one alert per lapse.

use serde::{Deserialize, Serialize};

use crate::{DomainError, LonLat, Time, UnitKind};

/// Most posts in one event.
pub const MAX_POSTS: usize = 1000;
/// Most places (sum of staff) in one event.
pub const MAX_PLACES: usize = 5000;
/// A unit late by less than this is not yet late: AVL fixes arrive every few seconds and a
/// predicted travel time is a prediction.
pub const GRACE_MIN_S: f64 = 60.0;
/// Beyond the minimum, a unit may take this share of its travel time longer than predicted.
pub const GRACE_SHARE: f64 = 0.25;

/// What a post is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PostKind {
    /// A checkpoint on an access road (检查站): vehicles are stopped and checked.
    Checkpoint,
    /// A duty point (执勤点): a place held for presence and response.
    DutyPoint,
}

impl PostKind {
    /// The snake_case code.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Checkpoint => "checkpoint",
            Self::DutyPoint => "duty_point",
        }
    }
    /// Chinese and English labels.
    pub fn labels(&self) -> (&'static str, &'static str) {
        match self {
            Self::Checkpoint => ("检查站", "Checkpoint"),
            Self::DutyPoint => ("执勤点", "Duty point"),
        }
    }
}

/// Whether the event is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// Being prepared or under way: posts are staffed and watched.
    Active,
    /// Over: units released, instructions closed.
    Closed,
}

/// Where a post stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PostStatus {
    /// Before the shift: units on their way in time, or places not yet filled (待到位).
    Pending,
    /// Enough units on site (到位).
    Staffed,
    /// A unit is overdue — past its expected arrival, or left the post — or the shift has
    /// begun with the post only partly manned (迟到).
    Late,
    /// The shift has begun and nobody is on site (空岗).
    Empty,
    /// A relief unit is on its way in time and nobody else is overdue (替补中).
    Relieved,
    /// The shift is over (已收岗).
    Ended,
}

impl PostStatus {
    /// All statuses.
    pub const ALL: [Self; 6] = [
        Self::Pending,
        Self::Staffed,
        Self::Late,
        Self::Empty,
        Self::Relieved,
        Self::Ended,
    ];
    /// The snake_case code.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Staffed => "staffed",
            Self::Late => "late",
            Self::Empty => "empty",
            Self::Relieved => "relieved",
            Self::Ended => "ended",
        }
    }
    /// Parses the snake_case code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// Chinese and English labels.
    pub fn labels(&self) -> (&'static str, &'static str) {
        match self {
            Self::Pending => ("待到位", "Pending"),
            Self::Staffed => ("到位", "Staffed"),
            Self::Late => ("迟到", "Late"),
            Self::Empty => ("空岗", "Empty"),
            Self::Relieved => ("替补中", "Relief coming"),
            Self::Ended => ("已收岗", "Ended"),
        }
    }
    /// Late and empty are lapses: the post is not held as it should be.
    pub fn is_lapse(&self) -> bool {
        matches!(self, Self::Late | Self::Empty)
    }
}

/// Where one unit's posting stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PostingStatus {
    /// Sent, not yet there.
    Assigned,
    /// At the post.
    OnSite,
    /// Was at the post and moved away.
    Left,
    /// Replaced by a relief unit; no longer counted.
    Replaced,
    /// Released when the event closed.
    Released,
}

impl PostingStatus {
    /// Still holds a place of the post.
    pub fn is_active(&self) -> bool {
        matches!(self, Self::Assigned | Self::OnSite | Self::Left)
    }
}

/// One unit sent to a post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostAssignment {
    /// The unit.
    pub unit_id: i64,
    /// Its call sign.
    pub call_sign: String,
    /// Its kind.
    pub kind: UnitKind,
    /// Its home organisation (sees the post).
    pub unit_org_id: String,
    /// The instruction that sent it.
    pub instruction_id: i64,
    /// Where it stands.
    pub status: PostingStatus,
    /// Sent as relief (替补) for a late or empty post.
    pub relief: bool,
    /// When sent.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub assigned_at: Time,
    /// Who sent it.
    pub assigned_by: String,
    /// Predicted travel time by road when sent (police profile), if known.
    pub travel_s: Option<f64>,
    /// When it should be there: sending time plus travel time (or the shift start when the
    /// travel time is unknown).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expected_at: Time,
    /// After this it is late: the expected time plus a grace of a quarter of the travel time,
    /// at least 60 s.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub due_at: Time,
    /// When the unit signed for its instruction.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub signed_at: Option<Time>,
    /// First arrival at the post.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub arrived_at: Option<Time>,
    /// When it last moved away from the post (cleared on return).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub left_at: Option<Time>,
    /// When replaced or released.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub closed_at: Option<Time>,
    /// The unit that replaced it.
    pub replaced_by: Option<i64>,
    /// Overdue at the post's last refresh (derived).
    pub late: bool,
}

impl PostAssignment {
    fn overdue(&self, now: Time) -> bool {
        match self.status {
            PostingStatus::Left => true,
            PostingStatus::Assigned => now > self.due_at,
            _ => false,
        }
    }
}

/// The due time for a unit expected at `expected_at` after driving `travel_s`.
pub fn due_after(expected_at: Time, travel_s: Option<f64>) -> Time {
    let grace = travel_s
        .map(|t| t * GRACE_SHARE)
        .unwrap_or(0.0)
        .max(GRACE_MIN_S);
    expected_at + chrono::Duration::milliseconds((grace * 1000.0) as i64)
}

/// A post of an event, as stored, served and published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Post {
    /// Assigned by the store.
    pub id: i64,
    /// The event.
    pub event_id: i64,
    /// Number within the event, from 1.
    pub index: usize,
    /// Checkpoint or duty point.
    pub kind: PostKind,
    /// Name shown on the board (e.g. the crossing).
    pub label: String,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// Unit kinds that may fill it; empty: any kind.
    pub kinds: Vec<UnitKind>,
    /// How many units it needs.
    pub staff: u32,
    /// When the units must be there.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub shift_start: Time,
    /// When the post is stood down.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub shift_end: Time,
    /// Status at the last refresh (the timers refresh within a second of each change due).
    pub status: PostStatus,
    /// Units on site.
    pub on_site: u32,
    /// Units holding a place (on site, on their way, or left).
    pub assigned: u32,
    /// Units overdue.
    pub overdue: u32,
    /// Places with no unit assigned.
    pub vacant: u32,
    /// How many lapses (late or empty stretches) the post has had.
    pub lapses: u32,
    /// Start of the current lapse.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub lapse_since: Option<Time>,
    /// Relief units sent.
    pub reliefs: u32,
    /// Every unit ever sent, oldest first.
    pub units: Vec<PostAssignment>,
    /// False once the event is closed.
    pub active: bool,
    /// Incremented on every change.
    pub version: u64,
}

/// What a refresh found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refresh {
    /// Anything derived changed (the record must be written).
    pub changed: bool,
    /// The status before.
    pub from: PostStatus,
    /// A lapse began with this refresh (raise its alert).
    pub lapse_started: bool,
}

/// What relief would do for a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReliefNeed {
    /// Fill a place nobody holds.
    Vacancy,
    /// Replace this unit, overdue or gone.
    Replace(i64),
}

impl Post {
    /// Whether the post accepts units of `kind`.
    pub fn accepts(&self, kind: UnitKind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }

    /// The post's position.
    pub fn position(&self) -> LonLat {
        LonLat {
            lon: self.lon,
            lat: self.lat,
        }
    }

    /// The assignment of `unit_id` that still holds a place, if any.
    pub fn active_of(&self, unit_id: i64) -> Option<&PostAssignment> {
        self.units
            .iter()
            .find(|a| a.unit_id == unit_id && a.status.is_active())
    }

    fn active_mut(&mut self, unit_id: i64) -> Option<&mut PostAssignment> {
        self.units
            .iter_mut()
            .find(|a| a.unit_id == unit_id && a.status.is_active())
    }

    /// The status at `now` (pure; see [`PostStatus`] for the rules, applied in this order:
    /// ended, staffed, relieved, empty, late, pending).
    pub fn status_at(&self, now: Time) -> PostStatus {
        if now >= self.shift_end {
            return PostStatus::Ended;
        }
        let active: Vec<&PostAssignment> =
            self.units.iter().filter(|a| a.status.is_active()).collect();
        let on_site = active
            .iter()
            .filter(|a| a.status == PostingStatus::OnSite)
            .count() as u32;
        if on_site >= self.staff {
            return PostStatus::Staffed;
        }
        let overdue = active.iter().filter(|a| a.overdue(now)).count();
        let vacant = self.staff.saturating_sub(active.len() as u32);
        let relief_coming = active
            .iter()
            .any(|a| a.relief && a.status == PostingStatus::Assigned && !a.overdue(now));
        if relief_coming && overdue == 0 && vacant == 0 {
            return PostStatus::Relieved;
        }
        let started = now >= self.shift_start;
        if started && on_site == 0 {
            return PostStatus::Empty;
        }
        if overdue > 0 || started {
            return PostStatus::Late;
        }
        PostStatus::Pending
    }

    /// Recomputes the derived fields at `now` and follows lapses; bumps the version when
    /// anything changed.
    pub fn refresh(&mut self, now: Time) -> Refresh {
        let from = self.status;
        let before = (
            self.status,
            self.on_site,
            self.assigned,
            self.overdue,
            self.vacant,
            self.lapse_since,
        );
        let late_before: Vec<bool> = self.units.iter().map(|a| a.late).collect();
        let status = if self.active {
            self.status_at(now)
        } else {
            self.status
        };
        for a in &mut self.units {
            a.late = a.status.is_active() && a.overdue(now);
        }
        let active = self.units.iter().filter(|a| a.status.is_active());
        self.assigned = active.clone().count() as u32;
        self.on_site = active
            .clone()
            .filter(|a| a.status == PostingStatus::OnSite)
            .count() as u32;
        self.overdue = active.filter(|a| a.late).count() as u32;
        self.vacant = self.staff.saturating_sub(self.assigned);
        self.status = status;
        let mut lapse_started = false;
        if status.is_lapse() {
            if self.lapse_since.is_none() {
                self.lapse_since = Some(now);
                self.lapses += 1;
                lapse_started = true;
            }
        } else {
            self.lapse_since = None;
        }
        let after = (
            self.status,
            self.on_site,
            self.assigned,
            self.overdue,
            self.vacant,
            self.lapse_since,
        );
        let changed = before != after || self.units.iter().map(|a| a.late).ne(late_before);
        if changed {
            self.version += 1;
        }
        Refresh {
            changed,
            from,
            lapse_started,
        }
    }

    /// The next moment after `now` at which the clock alone may change the post: the shift's
    /// start or end, or a unit's due time.
    pub fn next_check(&self, now: Time) -> Option<Time> {
        if !self.active {
            return None;
        }
        let dues = self
            .units
            .iter()
            .filter(|a| a.status == PostingStatus::Assigned)
            .map(|a| a.due_at);
        [self.shift_start, self.shift_end]
            .into_iter()
            .chain(dues)
            .filter(|t| *t > now)
            .min()
    }

    /// Adds a unit to a place; refuses a full post or a kind it does not accept. `field` names
    /// the request field that chose the unit.
    pub fn assign(&mut self, a: PostAssignment, field: &str) -> Result<(), DomainError> {
        if !self.active {
            return Err(DomainError::conflict("status", "the event is closed"));
        }
        if !self.accepts(a.kind) {
            return Err(DomainError::invalid(
                field,
                format!(
                    "{} is a {}; this post takes {}",
                    a.call_sign,
                    a.kind.as_str(),
                    self.kinds
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        if self.active_of(a.unit_id).is_some() {
            return Err(DomainError::conflict(
                field,
                format!("{} already holds this post", a.call_sign),
            ));
        }
        let held = self.units.iter().filter(|u| u.status.is_active()).count() as u32;
        if held >= self.staff {
            return Err(DomainError::conflict(
                field,
                format!("post {} has all {} places filled", self.index, self.staff),
            ));
        }
        if a.relief {
            self.reliefs += 1;
        }
        self.units.push(a);
        self.version += 1;
        Ok(())
    }

    /// The unit signed for its instruction; once.
    pub fn mark_signed(&mut self, instruction_id: i64, now: Time) -> bool {
        let hit = self
            .units
            .iter_mut()
            .find(|a| a.instruction_id == instruction_id && a.signed_at.is_none());
        match hit {
            Some(a) => {
                a.signed_at = Some(now);
                self.version += 1;
                true
            }
            None => false,
        }
    }

    /// The unit is at the post (again); false when it already was.
    pub fn mark_arrived(&mut self, unit_id: i64, now: Time) -> bool {
        let Some(a) = self.active_mut(unit_id) else {
            return false;
        };
        if a.status == PostingStatus::OnSite {
            return false;
        }
        a.status = PostingStatus::OnSite;
        a.arrived_at.get_or_insert(now);
        a.left_at = None;
        self.version += 1;
        true
    }

    /// The unit moved away from the post.
    pub fn mark_left(&mut self, unit_id: i64, now: Time) -> bool {
        let Some(a) = self.active_mut(unit_id) else {
            return false;
        };
        if a.status != PostingStatus::OnSite {
            return false;
        }
        a.status = PostingStatus::Left;
        a.left_at = Some(now);
        self.version += 1;
        true
    }

    /// What relief would do at `now`: fill a vacancy, or replace the unit that is overdue (the
    /// one that left or is the most overdue first). `None` when the post needs no relief.
    pub fn relief_need(&self, now: Time) -> Option<ReliefNeed> {
        if !self.active || now >= self.shift_end {
            return None;
        }
        let status = self.status_at(now);
        if status == PostStatus::Staffed {
            return None;
        }
        let active: Vec<&PostAssignment> =
            self.units.iter().filter(|a| a.status.is_active()).collect();
        if (active.len() as u32) < self.staff {
            return Some(ReliefNeed::Vacancy);
        }
        let mut late: Vec<&&PostAssignment> = active.iter().filter(|a| a.overdue(now)).collect();
        late.sort_by_key(|a| (a.status != PostingStatus::Left, a.due_at));
        if let Some(a) = late.first() {
            return Some(ReliefNeed::Replace(a.unit_id));
        }
        // Shift running with units still on their way in time: the one expected last.
        if now >= self.shift_start {
            return active
                .iter()
                .filter(|a| a.status == PostingStatus::Assigned && !a.relief)
                .max_by_key(|a| a.expected_at)
                .map(|a| ReliefNeed::Replace(a.unit_id));
        }
        None
    }

    /// Takes `unit_id` off the post in favour of `by`.
    pub fn mark_replaced(&mut self, unit_id: i64, by: i64, now: Time) -> bool {
        let Some(a) = self.active_mut(unit_id) else {
            return false;
        };
        a.status = PostingStatus::Replaced;
        a.closed_at = Some(now);
        a.replaced_by = Some(by);
        a.late = false;
        self.version += 1;
        true
    }

    /// Ends the post with its event: every unit released.
    pub fn release_all(&mut self, now: Time) {
        for a in &mut self.units {
            if a.status.is_active() {
                a.status = PostingStatus::Released;
                a.closed_at = Some(now);
                a.late = false;
            }
        }
        self.active = false;
        self.lapse_since = None;
        self.version += 1;
    }
}

/// An event as stored and served (its posts are records of their own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MajorEvent {
    /// Assigned by the store.
    pub id: i64,
    /// Name of the event (e.g. 国际马拉松赛).
    pub name: String,
    /// Where it takes place.
    pub venue: String,
    /// When it begins.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub starts_at: Time,
    /// When it ends.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub ends_at: Time,
    /// The organisation running the deployment (its jurisdiction sees and changes it).
    pub org_id: String,
    /// Username of the creator.
    pub created_by: String,
    /// When created.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Time,
    /// Active or closed.
    pub status: EventStatus,
    /// Number of checkpoints.
    pub checkpoints: u32,
    /// Number of duty points.
    pub duty_points: u32,
    /// Sum of the posts' staff.
    pub places: u32,
    /// Given on closing.
    pub summary: Option<String>,
    /// When closed.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub closed_at: Option<Time>,
    /// Who closed it.
    pub closed_by: Option<String>,
    /// Incremented on every change.
    pub version: u64,
}

/// A post in a creation request.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPost {
    /// Checkpoint or duty point.
    pub kind: PostKind,
    /// Name on the board; default: the kind and its number.
    #[serde(default)]
    pub label: Option<String>,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// Unit kinds that may fill it; empty or absent: any kind.
    #[serde(default)]
    pub kinds: Vec<UnitKind>,
    /// Units needed (1..=100).
    pub staff: u32,
    /// Default: the event's start.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub shift_start: Option<Time>,
    /// Default: the event's end.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub shift_end: Option<Time>,
}

/// The body of a creation request: the event and all its posts.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    /// Name (1..100 characters).
    pub name: String,
    /// Venue (up to 200 characters).
    #[serde(default)]
    pub venue: String,
    /// When it begins.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub starts_at: Time,
    /// When it ends (after the start, within 7 days of it, not in the past).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub ends_at: Time,
    /// The organisation running it; default: the creator's.
    #[serde(default)]
    pub org_id: Option<String>,
    /// The posts (1..=1000).
    pub posts: Vec<NewPost>,
}

fn text(field: &str, s: &str, min: usize, max: usize) -> Result<String, DomainError> {
    let t = s.trim();
    let n = t.chars().count();
    if n < min || n > max || t.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            field,
            format!("{min} to {max} printable characters"),
        ));
    }
    Ok(t.to_owned())
}

impl NewEvent {
    /// Checks the request's own fields against the clock; the organisation is the store's.
    pub fn validate(&self, now: Time) -> Result<(), DomainError> {
        text("name", &self.name, 1, 100)?;
        text("venue", &self.venue, 0, 200)?;
        if self.ends_at <= self.starts_at {
            return Err(DomainError::invalid("ends_at", "must lie after starts_at"));
        }
        if self.ends_at - self.starts_at > chrono::Duration::days(7) {
            return Err(DomainError::invalid(
                "ends_at",
                "an event lasts at most 7 days",
            ));
        }
        if self.ends_at <= now {
            return Err(DomainError::invalid("ends_at", "the event is already over"));
        }
        if self.posts.is_empty() || self.posts.len() > MAX_POSTS {
            return Err(DomainError::invalid(
                "posts",
                format!("1 to {MAX_POSTS} posts"),
            ));
        }
        let mut places = 0usize;
        for (i, p) in self.posts.iter().enumerate() {
            let f = format!("posts[{i}]");
            LonLat {
                lon: p.lon,
                lat: p.lat,
            }
            .validate(&f)?;
            if let Some(l) = &p.label {
                text(&format!("{f}.label"), l, 0, 60)?;
            }
            if !(1..=100).contains(&p.staff) {
                return Err(DomainError::invalid(format!("{f}.staff"), "1 to 100 units"));
            }
            places += p.staff as usize;
            for (k, kind) in p.kinds.iter().enumerate() {
                if p.kinds[..k].contains(kind) {
                    return Err(DomainError::invalid(
                        format!("{f}.kinds[{k}]"),
                        format!("{} is listed twice", kind.as_str()),
                    ));
                }
            }
            let (start, end) = self.shift_of(p);
            if end <= start {
                return Err(DomainError::invalid(
                    format!("{f}.shift_end"),
                    "must lie after shift_start",
                ));
            }
            if start >= self.ends_at || end <= self.starts_at {
                return Err(DomainError::invalid(
                    format!("{f}.shift_start"),
                    "the shift must overlap the event",
                ));
            }
        }
        if places > MAX_PLACES {
            return Err(DomainError::invalid(
                "posts",
                format!("at most {MAX_PLACES} places in all"),
            ));
        }
        Ok(())
    }

    fn shift_of(&self, p: &NewPost) -> (Time, Time) {
        (
            p.shift_start.unwrap_or(self.starts_at),
            p.shift_end.unwrap_or(self.ends_at),
        )
    }

    /// Builds the event record.
    pub fn to_event(&self, id: i64, org_id: &str, created_by: &str, now: Time) -> MajorEvent {
        let count = |k: PostKind| self.posts.iter().filter(|p| p.kind == k).count() as u32;
        MajorEvent {
            id,
            name: self.name.trim().to_owned(),
            venue: self.venue.trim().to_owned(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            org_id: org_id.to_owned(),
            created_by: created_by.to_owned(),
            created_at: now,
            status: EventStatus::Active,
            checkpoints: count(PostKind::Checkpoint),
            duty_points: count(PostKind::DutyPoint),
            places: self.posts.iter().map(|p| p.staff).sum(),
            summary: None,
            closed_at: None,
            closed_by: None,
            version: 1,
        }
    }

    /// Builds the post records, ids from `first_id`, refreshed at `now`. Unnamed posts are
    /// numbered per kind (检查站 3, 执勤点 17).
    pub fn to_posts(&self, event_id: i64, first_id: i64, now: Time) -> Vec<Post> {
        let mut per_kind = [0usize; 2];
        self.posts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let slot = match p.kind {
                    PostKind::Checkpoint => 0,
                    PostKind::DutyPoint => 1,
                };
                per_kind[slot] += 1;
                let label = p
                    .label
                    .as_deref()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("{} {}", p.kind.labels().0, per_kind[slot]));
                let (shift_start, shift_end) = self.shift_of(p);
                let mut post = Post {
                    id: first_id + i as i64,
                    event_id,
                    index: i + 1,
                    kind: p.kind,
                    label,
                    lon: p.lon,
                    lat: p.lat,
                    kinds: p.kinds.clone(),
                    staff: p.staff,
                    shift_start,
                    shift_end,
                    status: PostStatus::Pending,
                    on_site: 0,
                    assigned: 0,
                    overdue: 0,
                    vacant: p.staff,
                    lapses: 0,
                    lapse_since: None,
                    reliefs: 0,
                    units: Vec::new(),
                    active: true,
                    version: 0,
                };
                post.refresh(now);
                post.version = 1;
                post
            })
            .collect()
    }
}

impl MajorEvent {
    /// Ends the event.
    pub fn close(&mut self, summary: &str, by: &str, now: Time) -> Result<(), DomainError> {
        if self.status == EventStatus::Closed {
            return Err(DomainError::Transition {
                record: "event",
                from: "closed".into(),
                to: "closed".into(),
            });
        }
        let summary = text("summary", summary, 0, 2000)?;
        self.status = EventStatus::Closed;
        self.summary = (!summary.is_empty()).then_some(summary);
        self.closed_at = Some(now);
        self.closed_by = Some(by.to_owned());
        self.version += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> Time {
        chrono::Utc.timestamp_opt(1_790_000_000 + s, 0).unwrap()
    }

    fn new_event(posts: Vec<NewPost>) -> NewEvent {
        NewEvent {
            name: "马拉松".into(),
            venue: "体育中心".into(),
            starts_at: t(600),
            ends_at: t(7200),
            org_id: None,
            posts,
        }
    }

    fn post(kind: PostKind, staff: u32) -> NewPost {
        NewPost {
            kind,
            label: None,
            lon: 9.52,
            lat: 47.14,
            kinds: vec![UnitKind::PatrolCar],
            staff,
            shift_start: None,
            shift_end: None,
        }
    }

    fn unit(id: i64, at: i64, travel: f64, relief: bool) -> PostAssignment {
        let expected = t(at) + chrono::Duration::seconds(travel as i64);
        PostAssignment {
            unit_id: id,
            call_sign: format!("U{id}"),
            kind: UnitKind::PatrolCar,
            unit_org_id: "s1".into(),
            instruction_id: id * 10,
            status: PostingStatus::Assigned,
            relief,
            assigned_at: t(at),
            assigned_by: "boss".into(),
            travel_s: Some(travel),
            expected_at: expected,
            due_at: due_after(expected, Some(travel)),
            signed_at: None,
            arrived_at: None,
            left_at: None,
            closed_at: None,
            replaced_by: None,
            late: false,
        }
    }

    #[test]
    fn validation_names_the_field() {
        let now = t(0);
        assert_eq!(
            new_event(vec![]).validate(now).unwrap_err().field(),
            Some("posts")
        );
        let mut e = new_event(vec![
            post(PostKind::Checkpoint, 1),
            post(PostKind::DutyPoint, 0),
        ]);
        assert_eq!(e.validate(now).unwrap_err().field(), Some("posts[1].staff"));
        e.posts[1].staff = 2;
        e.posts[1].kinds = vec![UnitKind::Traffic, UnitKind::Traffic];
        assert_eq!(
            e.validate(now).unwrap_err().field(),
            Some("posts[1].kinds[1]")
        );
        e.posts[1].kinds.pop();
        e.posts[0].shift_end = Some(t(300));
        assert_eq!(
            e.validate(now).unwrap_err().field(),
            Some("posts[0].shift_end")
        );
        e.posts[0].shift_end = None;
        e.posts[0].lat = 99.0;
        assert_eq!(e.validate(now).unwrap_err().field(), Some("posts[0].lat"));
        e.posts[0].lat = 47.0;
        e.ends_at = t(500);
        assert_eq!(e.validate(now).unwrap_err().field(), Some("ends_at"));
        e.ends_at = t(7200);
        e.name = "  ".into();
        assert_eq!(e.validate(now).unwrap_err().field(), Some("name"));
        e.name = "马拉松".into();
        e.validate(now).unwrap();
        let posts = e.to_posts(1, 10, now);
        assert_eq!(posts[0].label, "检查站 1");
        assert_eq!(posts[1].label, "执勤点 1");
        assert_eq!(posts[1].id, 11);
        assert_eq!(posts[1].vacant, 2);
    }

    #[test]
    fn a_post_follows_its_units_and_the_clock_and_counts_each_lapse_once() {
        let e = new_event(vec![post(PostKind::DutyPoint, 2)]);
        let mut p = e.to_posts(1, 1, t(0)).remove(0);
        assert_eq!(p.status, PostStatus::Pending);
        // Two units, 100 s and 200 s away: due at 160 s and 260 s (grace 60 s).
        p.assign(unit(1, 0, 100.0, false), "u").unwrap();
        p.assign(unit(2, 0, 200.0, false), "u").unwrap();
        assert!(p.assign(unit(3, 0, 10.0, false), "u").is_err(), "full");
        assert_eq!(p.next_check(t(0)), Some(t(160)));
        p.refresh(t(1));
        assert_eq!((p.status, p.vacant), (PostStatus::Pending, 0));
        // Unit 1 is overdue at 161 s: late, a lapse begins.
        let r = p.refresh(t(161));
        assert!(r.lapse_started && r.changed);
        assert_eq!((p.status, p.overdue, p.lapses), (PostStatus::Late, 1, 1));
        assert!(!p.refresh(t(162)).lapse_started, "still the same lapse");
        // Both arrive: staffed, the lapse is over.
        assert!(p.mark_arrived(1, t(170)));
        assert!(!p.mark_arrived(1, t(171)));
        assert!(p.mark_arrived(2, t(180)));
        p.refresh(t(180));
        assert_eq!(
            (p.status, p.on_site, p.lapse_since),
            (PostStatus::Staffed, 2, None)
        );
        // Unit 2 leaves during the shift: a second lapse.
        assert!(p.mark_left(2, t(700)));
        let r = p.refresh(t(700));
        assert!(r.lapse_started);
        assert_eq!((p.status, p.lapses), (PostStatus::Late, 2));
        assert_eq!(p.relief_need(t(700)), Some(ReliefNeed::Replace(2)));
        // Relief: unit 3 replaces unit 2 and is on its way in time.
        assert!(p.mark_replaced(2, 3, t(710)));
        p.assign(unit(3, 710, 60.0, true), "u").unwrap();
        p.refresh(t(711));
        assert_eq!((p.status, p.reliefs), (PostStatus::Relieved, 1));
        // Unit 1 leaves too: nobody on site during the shift → empty (a third lapse).
        p.mark_left(1, t(720));
        p.refresh(t(720));
        assert_eq!((p.status, p.lapses), (PostStatus::Empty, 3), "unit 1 left");
        assert!(p.mark_arrived(1, t(725)));
        assert!(p.mark_arrived(3, t(760)));
        p.refresh(t(760));
        assert_eq!(p.status, PostStatus::Staffed);
        assert_eq!(p.status_at(t(7200)), PostStatus::Ended);
    }

    #[test]
    fn an_unstaffed_post_is_empty_once_the_shift_runs() {
        let e = new_event(vec![post(PostKind::Checkpoint, 1)]);
        let mut p = e.to_posts(1, 1, t(0)).remove(0);
        assert_eq!(p.next_check(t(0)), Some(t(600)));
        let r = p.refresh(t(600));
        assert!(r.lapse_started);
        assert_eq!(p.status, PostStatus::Empty);
        assert_eq!(p.relief_need(t(600)), Some(ReliefNeed::Vacancy));
        // A unit sent at the shift start is expected later: still empty until it is there.
        p.assign(unit(1, 600, 300.0, false), "u").unwrap();
        p.refresh(t(601));
        assert_eq!((p.status, p.lapses), (PostStatus::Empty, 1));
        p.refresh(t(976));
        assert_eq!(
            (p.status, p.lapses),
            (PostStatus::Empty, 1),
            "overdue now, still nobody there"
        );
    }
}
