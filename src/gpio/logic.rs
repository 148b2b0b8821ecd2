//! The panel's logic without hardware: which LED pattern the kiosk's state asks for,
//! whether the LED is lit at a given moment of that pattern, and the button debouncer.
//! [`Panel::tick`] takes the time, the raw button level and the wanted pattern and
//! returns what to do; it never touches a pin, so every timing is tested with plain
//! numbers.

use std::time::Duration;

/// How long the button must read the same level before it counts (contact bounce of
/// a tactile switch lasts 1-10 ms).
pub const DEBOUNCE: Duration = Duration::from_millis(30);
/// Shortest time between two captures started by the button: a press while a capture
/// is still settling must not start another.
pub const CAPTURE_HOLD_OFF: Duration = Duration::from_secs(2);

/// What the LED shows, by priority (the first that applies wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedPattern {
    /// Fast blink, 5 Hz: something is wrong (a component is not ok, e.g. no mat).
    Error,
    /// Blink, 1 Hz: a capture is in progress; stand still.
    Capturing,
    /// Double blink every 1.5 s: ready, uploads are waiting for the network.
    UploadsQueued,
    /// Steady: ready.
    Ready,
    /// Off: starting or stopping.
    Off,
}

/// What the kiosk is doing, as the LED needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KioskState {
    pub ready: bool,
    pub capturing: bool,
    pub error: bool,
    pub queued: u64,
}

impl LedPattern {
    /// The pattern for `state`. A capture outranks an error: the person on the mat is
    /// told to stand still even when, say, the upload link is down.
    pub fn for_state(state: &KioskState) -> LedPattern {
        if !state.ready {
            LedPattern::Off
        } else if state.capturing {
            LedPattern::Capturing
        } else if state.error {
            LedPattern::Error
        } else if state.queued > 0 {
            LedPattern::UploadsQueued
        } else {
            LedPattern::Ready
        }
    }

    /// Whether the LED is lit `t` after the pattern started (every pattern starts lit,
    /// so a change is visible at once).
    pub fn lit_at(self, t: Duration) -> bool {
        let ms = t.as_millis();
        match self {
            LedPattern::Off => false,
            LedPattern::Ready => true,
            LedPattern::Capturing => ms % 1000 < 500,
            LedPattern::Error => ms % 200 < 100,
            LedPattern::UploadsQueued => {
                let phase = ms % 1500;
                phase < 150 || (300..450).contains(&phase)
            }
        }
    }
}

/// Debounces the raw button level; reports a press once per stable press.
#[derive(Debug, Clone)]
pub struct Debouncer {
    stable: bool,
    candidate: bool,
    candidate_since: Duration,
}

impl Default for Debouncer {
    fn default() -> Self {
        Debouncer::new()
    }
}

impl Debouncer {
    /// A released button.
    pub fn new() -> Debouncer {
        Debouncer {
            stable: false,
            candidate: false,
            candidate_since: Duration::ZERO,
        }
    }

    /// Feeds the level read at `now` (`true` = pressed); `true` when this reading
    /// completes a press (the level has been pressed for [`DEBOUNCE`]).
    pub fn update(&mut self, pressed: bool, now: Duration) -> bool {
        if pressed != self.candidate {
            self.candidate = pressed;
            self.candidate_since = now;
        }
        if self.candidate != self.stable && now.saturating_sub(self.candidate_since) >= DEBOUNCE {
            self.stable = self.candidate;
            return self.stable;
        }
        false
    }
}

/// What [`Panel::tick`] asks the caller to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Actions {
    /// Drive the LED to this level (only when it changes).
    pub led: Option<bool>,
    /// Start a capture now.
    pub capture: bool,
}

/// LED and button state between ticks.
#[derive(Debug, Clone)]
pub struct Panel {
    pattern: LedPattern,
    pattern_since: Duration,
    lit: Option<bool>,
    button: Debouncer,
    last_capture: Option<Duration>,
}

impl Default for Panel {
    fn default() -> Self {
        Panel::new()
    }
}

impl Panel {
    pub fn new() -> Panel {
        Panel {
            pattern: LedPattern::Off,
            pattern_since: Duration::ZERO,
            lit: None,
            button: Debouncer::new(),
            last_capture: None,
        }
    }

    /// One step at `now` (time since start, monotonic) with the raw button level and
    /// the pattern the kiosk's state asks for.
    pub fn tick(&mut self, now: Duration, button_pressed: bool, pattern: LedPattern) -> Actions {
        if pattern != self.pattern {
            self.pattern = pattern;
            self.pattern_since = now;
        }
        let lit = self.pattern.lit_at(now.saturating_sub(self.pattern_since));
        let led = (self.lit != Some(lit)).then_some(lit);
        self.lit = Some(lit);

        let mut capture = false;
        if self.button.update(button_pressed, now) {
            let held_off = self
                .last_capture
                .is_some_and(|t| now.saturating_sub(t) < CAPTURE_HOLD_OFF);
            if !held_off && self.pattern != LedPattern::Capturing {
                capture = true;
                self.last_capture = Some(now);
            }
        }
        Actions { led, capture }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn ready() -> KioskState {
        KioskState {
            ready: true,
            ..KioskState::default()
        }
    }

    #[test]
    fn patterns_follow_the_priority_capture_error_queue_ready() {
        assert_eq!(
            LedPattern::for_state(&KioskState::default()),
            LedPattern::Off
        );
        assert_eq!(LedPattern::for_state(&ready()), LedPattern::Ready);
        let queued = KioskState {
            queued: 3,
            ..ready()
        };
        assert_eq!(LedPattern::for_state(&queued), LedPattern::UploadsQueued);
        let error = KioskState {
            error: true,
            ..queued
        };
        assert_eq!(LedPattern::for_state(&error), LedPattern::Error);
        let capturing = KioskState {
            capturing: true,
            ..error
        };
        assert_eq!(LedPattern::for_state(&capturing), LedPattern::Capturing);
    }

    /// The LED level every 10 ms over `span`, as (lit ms, number of on-edges).
    fn sample(pattern: LedPattern, span: u64) -> (u64, u32) {
        let mut lit_ms = 0;
        let mut edges = 0;
        let mut prev = false;
        for t in (0..span).step_by(10) {
            let lit = pattern.lit_at(ms(t));
            if lit {
                lit_ms += 10;
            }
            if lit && !prev {
                edges += 1;
            }
            prev = lit;
        }
        (lit_ms, edges)
    }

    #[test]
    fn steady_is_always_on_and_off_is_always_off() {
        assert_eq!(sample(LedPattern::Ready, 3000), (3000, 1));
        assert_eq!(sample(LedPattern::Off, 3000), (0, 0));
    }

    #[test]
    fn capturing_blinks_once_a_second_half_on() {
        assert_eq!(sample(LedPattern::Capturing, 3000), (1500, 3));
    }

    #[test]
    fn an_error_blinks_five_times_a_second() {
        assert_eq!(sample(LedPattern::Error, 1000), (500, 5));
    }

    #[test]
    fn queued_uploads_blink_twice_every_one_and_a_half_seconds() {
        assert_eq!(sample(LedPattern::UploadsQueued, 3000), (600, 4));
        // The two flashes are close together, then a long pause.
        assert!(LedPattern::UploadsQueued.lit_at(ms(0)));
        assert!(!LedPattern::UploadsQueued.lit_at(ms(200)));
        assert!(LedPattern::UploadsQueued.lit_at(ms(350)));
        assert!(!LedPattern::UploadsQueued.lit_at(ms(1000)));
    }

    #[test]
    fn a_bouncing_contact_counts_as_one_press() {
        let mut button = Debouncer::new();
        let mut presses = 0;
        // Bounce for 8 ms, then held for 100 ms, then bounce on release, then released.
        let levels = [1, 0, 1, 1, 0, 1, 0, 1]
            .into_iter()
            .chain([1; 100])
            .chain([0, 1, 0, 0, 1, 0])
            .chain([0; 100]);
        for (t, level) in levels.enumerate() {
            if button.update(level == 1, ms(t as u64)) {
                presses += 1;
            }
        }
        assert_eq!(presses, 1);
    }

    #[test]
    fn a_spike_shorter_than_the_debounce_time_is_ignored() {
        let mut button = Debouncer::new();
        for t in 0..20 {
            assert!(!button.update(true, ms(t)));
        }
        for t in 20..200 {
            assert!(!button.update(false, ms(t)));
        }
    }

    #[test]
    fn a_press_is_reported_once_the_level_held_for_the_debounce_time() {
        let mut button = Debouncer::new();
        assert!(!button.update(true, ms(0)));
        assert!(!button.update(true, ms(29)));
        assert!(button.update(true, ms(30)));
        assert!(
            !button.update(true, ms(500)),
            "holding is not a second press"
        );
    }

    #[test]
    fn the_panel_only_drives_the_led_when_its_level_changes() {
        let mut panel = Panel::new();
        let mut writes = Vec::new();
        for t in (0..2000).step_by(10) {
            if let Some(level) = panel.tick(ms(t), false, LedPattern::Capturing).led {
                writes.push((t, level));
            }
        }
        assert_eq!(
            writes,
            [(0, true), (500, false), (1000, true), (1500, false)]
        );
    }

    #[test]
    fn a_new_pattern_starts_lit_at_once() {
        let mut panel = Panel::new();
        panel.tick(ms(0), false, LedPattern::Ready);
        // 130 ms into nothing in particular, the state turns to "error".
        let actions = panel.tick(ms(130), false, LedPattern::Error);
        assert_eq!(actions.led, None, "already lit, no write needed");
        assert_eq!(
            panel.tick(ms(230), false, LedPattern::Error).led,
            Some(false)
        );
    }

    #[test]
    fn a_press_starts_one_capture_and_presses_during_the_hold_off_do_not() {
        let mut panel = Panel::new();
        let mut captures = Vec::new();
        let mut press = |panel: &mut Panel, from: u64| {
            for t in (from..from + 100).step_by(10) {
                if panel.tick(ms(t), true, LedPattern::Ready).capture {
                    captures.push(t);
                }
            }
            for t in (from + 100..from + 200).step_by(10) {
                panel.tick(ms(t), false, LedPattern::Ready);
            }
        };
        press(&mut panel, 0);
        press(&mut panel, 1000);
        press(&mut panel, 3000);
        assert_eq!(captures, [30, 3030]);
    }

    #[test]
    fn the_button_does_nothing_while_a_capture_is_running() {
        let mut panel = Panel::new();
        let started = (0..20).any(|i| panel.tick(ms(i * 10), true, LedPattern::Capturing).capture);
        assert!(!started);
    }

    proptest! {
        /// Whatever the button does, captures are at least the hold-off apart and each
        /// follows at least DEBOUNCE of pressed readings.
        #[test]
        fn captures_never_come_faster_than_the_hold_off(levels in prop::collection::vec(any::<bool>(), 0..2000)) {
            let mut panel = Panel::new();
            let mut last: Option<u64> = None;
            let mut pressed_since: Option<u64> = None;
            for (i, level) in levels.iter().enumerate() {
                let t = i as u64 * 5;
                if *level { pressed_since.get_or_insert(t); } else { pressed_since = None; }
                if panel.tick(ms(t), *level, LedPattern::Ready).capture {
                    prop_assert!(pressed_since.is_some_and(|s| t - s >= DEBOUNCE.as_millis() as u64));
                    if let Some(prev) = last {
                        prop_assert!(t - prev >= CAPTURE_HOLD_OFF.as_millis() as u64);
                    }
                    last = Some(t);
                }
            }
        }
    }
}
