//! The command center's local time, in one place.
//!
//! Every stored and transmitted time is UTC ([`crate::Time`]). What is written for people — times
//! inside instruction and alert texts, the calendar day of a bulletin, the hour of the day that
//! shapes the simulated call rate — uses the command center's clock: China Standard Time, UTC+8
//! all year (one time zone for the country, no daylight saving), so a fixed offset is exact.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Timelike};

use crate::Time;

/// Seconds east of UTC of the command center's clock.
pub const UTC_OFFSET_S: i32 = 8 * 3600;

/// The command center's offset from UTC (checked when compiling: an out-of-range offset would not
/// build).
const OFFSET: FixedOffset = match FixedOffset::east_opt(UTC_OFFSET_S) {
    Some(o) => o,
    None => panic!("UTC offset out of range"),
};

/// The command center's offset from UTC.
pub fn offset() -> FixedOffset {
    OFFSET
}

/// `t` on the command center's clock.
pub fn local(t: &Time) -> DateTime<FixedOffset> {
    t.with_timezone(&offset())
}

/// `HH:MM:SS` on the command center's clock, for instruction and alert texts.
pub fn hms(t: &Time) -> String {
    local(t).format("%H:%M:%S").to_string()
}

/// `MM月DD日 HH:MM` on the command center's clock, for instruction texts naming a day.
pub fn month_day_hm(t: &Time) -> String {
    local(t).format("%m月%d日 %H:%M").to_string()
}

/// The calendar day `t` falls on at the command center.
pub fn day(t: &Time) -> NaiveDate {
    local(t).date_naive()
}

/// The hour of the day (0–23) at the command center.
pub fn hour(t: &Time) -> u32 {
    local(t).hour()
}

/// The first instant (UTC) of calendar day `d` at the command center.
pub fn day_start(d: NaiveDate) -> Time {
    let midnight = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    offset()
        .from_local_datetime(&midnight)
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|| midnight.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_center_is_eight_hours_ahead_of_utc() {
        let t: Time = "2026-12-06T17:30:05Z".parse().unwrap();
        assert_eq!(hms(&t), "01:30:05");
        assert_eq!(month_day_hm(&t), "12月07日 01:30");
        assert_eq!(day(&t), NaiveDate::from_ymd_opt(2026, 12, 7).unwrap());
        assert_eq!(hour(&t), 1);
        let start = day_start(NaiveDate::from_ymd_opt(2026, 12, 7).unwrap());
        assert_eq!(start, "2026-12-06T16:00:00Z".parse::<Time>().unwrap());
    }
}
