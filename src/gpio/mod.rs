//! The kiosk's status LED and capture button on a Raspberry Pi's GPIO header.
//!
//! What this module owns: turning the service's state into an LED pattern (steady =
//! ready, 1 Hz blink = capturing, 5 Hz blink = error, double blink = uploads queued),
//! and turning a debounced button press into a capture. The timing and debounce logic
//! is [`logic`] (pure, tested with numbers); the pins sit behind [`PanelPins`] so the
//! driver loop is tested with a fake. The hardware backend is the kernel's GPIO
//! character device through `gpiocdev` (rppal, the earlier backend, is retired
//! upstream): lines by name, `GPIO{led_pin}` and `GPIO{button_pin}`.
//!
//! Wiring (BCM numbers from `[gpio]`): LED + resistor from `led_pin` to GND (lit when
//! high); button from `button_pin` to GND (the internal pull-up is enabled, pressed
//! reads low).
//!
//! Off unless `[gpio] enabled = true` *and* the binary has the `gpio` feature *and*
//! the GPIO chip opens; otherwise [`start`] logs one line saying which and does
//! nothing else.

pub mod logic;

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::GpioConfig;
use crate::scanner::capture::Phase;
use crate::scanner::ScannerHandle;
use crate::service::Service;
use logic::{KioskState, LedPattern, Panel};

/// How often the button is read and the LED updated (the shortest LED phase is 100 ms,
/// the debounce time 30 ms).
pub const TICK: Duration = Duration::from_millis(10);
/// How often the kiosk's state is re-read for the LED.
pub const STATE_REFRESH: Duration = Duration::from_millis(500);

/// Errors opening the GPIO pins.
#[derive(Debug, thiserror::Error)]
pub enum GpioError {
    #[error("cannot read the GPIO chips: {0}")]
    Chip(String),
    #[error("no GPIO line is named {0}")]
    NoLine(String),
    #[error("cannot request GPIO line {0}: {1}")]
    Request(String, String),
}

/// The two pins of the panel.
pub trait PanelPins: Send + 'static {
    /// Drives the LED.
    fn set_led(&mut self, lit: bool);
    /// The button's raw (not debounced) level: `true` while pressed.
    fn button_pressed(&mut self) -> bool;
}

/// Starts a capture, as `PUT /image` without `data` does.
pub trait CaptureTrigger: Send + Sync + 'static {
    /// Starts one capture; `Ok` carries a short description for the log.
    fn capture(&self) -> BoxFuture<'static, Result<String, String>>;
}

/// The LED-relevant state of the running service: the upload queue depth, whether a
/// component is not ok (error: no mat, uploads failing), and whether the scanner is in
/// a capture (waiting for a stance or settling).
pub async fn kiosk_state(state: &Service) -> KioskState {
    let capturing = state
        .scanner
        .as_ref()
        .is_some_and(|s| matches!(s.phase(), Phase::Waiting | Phase::Settling));
    let Some(snapshot) = crate::notify::snapshot(state).await else {
        return KioskState {
            ready: true,
            capturing,
            error: true,
            ..KioskState::default()
        };
    };
    KioskState {
        ready: true,
        capturing,
        error: snapshot.queued.is_none() || snapshot.components.iter().any(|(_, s)| !s.ok),
        queued: snapshot.queued.map_or(0, |n| n.max(0) as u64),
    }
}

/// The button's capture: the scanner's own capture, the one `PUT /image` without `data`
/// runs (concurrent callers share one capture, so the kiosk app joining it gets the
/// same result).
pub struct ScannerCapture(pub ScannerHandle);

impl CaptureTrigger for ScannerCapture {
    fn capture(&self) -> BoxFuture<'static, Result<String, String>> {
        let scanner = self.0.clone();
        Box::pin(async move {
            scanner
                .capture()
                .await
                .map(|c| {
                    format!(
                        "{} frames averaged in {} ms",
                        c.frames_averaged, c.elapsed_ms
                    )
                })
                .map_err(|e| e.to_string())
        })
    }
}

/// Runs the panel: reads the button and drives the LED every [`TICK`] until the task
/// is aborted. `state` is the kiosk's current state.
pub async fn drive(
    mut pins: impl PanelPins,
    state: watch::Receiver<KioskState>,
    trigger: Option<Arc<dyn CaptureTrigger>>,
) {
    let start = tokio::time::Instant::now();
    let mut panel = Panel::new();
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticker.tick().await;
        let pattern = LedPattern::for_state(&state.borrow());
        let actions = panel.tick(start.elapsed(), pins.button_pressed(), pattern);
        if let Some(lit) = actions.led {
            pins.set_led(lit);
        }
        if actions.capture {
            match &trigger {
                Some(trigger) => {
                    let capture = trigger.capture();
                    tokio::spawn(async move {
                        match capture.await {
                            Ok(what) => tracing::info!(%what, "capture button: captured"),
                            Err(error) => tracing::warn!(%error, "capture button: capture failed"),
                        }
                    });
                }
                None => tracing::warn!("capture button pressed, but no scanner can capture"),
            }
        }
    }
}

/// Keeps `tx` up to date with [`kiosk_state`] every [`STATE_REFRESH`].
async fn watch_state(app: Arc<Service>, tx: watch::Sender<KioskState>) {
    let mut ticker = tokio::time::interval(STATE_REFRESH);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let state = kiosk_state(&app).await;
        tx.send_replace(state);
    }
}

/// The running panel; stopping it (or dropping the handle's tasks) releases the pins,
/// which turns the LED off.
pub struct GpioHandle {
    tasks: Vec<JoinHandle<()>>,
}

impl GpioHandle {
    pub fn stop(self) {
        for task in self.tasks {
            task.abort();
        }
    }
}

/// Starts the panel when configured and possible; otherwise logs why not and returns
/// `None`.
pub fn start(
    config: &GpioConfig,
    app: Arc<Service>,
    trigger: Option<Arc<dyn CaptureTrigger>>,
) -> Option<GpioHandle> {
    let pins = pins_if_enabled(config)?;
    tracing::info!(
        led_pin = config.led_pin,
        button_pin = config.button_pin,
        "GPIO status LED and capture button on"
    );
    Some(spawn(pins, app, trigger))
}

/// The pins when `[gpio]` is enabled and they open; otherwise one log line and `None`.
fn pins_if_enabled(config: &GpioConfig) -> Option<impl PanelPins> {
    if !config.enabled {
        tracing::debug!("GPIO off (gpio.enabled = false)");
        return None;
    }
    match open_pins(config) {
        Ok(pins) => Some(pins),
        Err(reason) => {
            tracing::warn!(%reason, "GPIO LED and button are off");
            None
        }
    }
}

fn spawn(
    pins: impl PanelPins,
    app: Arc<Service>,
    trigger: Option<Arc<dyn CaptureTrigger>>,
) -> GpioHandle {
    let (tx, rx) = watch::channel(KioskState::default());
    GpioHandle {
        tasks: vec![
            tokio::spawn(watch_state(app, tx)),
            tokio::spawn(drive(pins, rx, trigger)),
        ],
    }
}

#[cfg(feature = "gpio")]
fn open_pins(config: &GpioConfig) -> Result<cdev::CdevPins, String> {
    cdev::CdevPins::open(config.led_pin, config.button_pin).map_err(|e| {
        format!("{e} (not a Raspberry Pi, or no access to /dev/gpiochip*: see systemd/gpio.conf)")
    })
}

#[cfg(not(feature = "gpio"))]
fn open_pins(_config: &GpioConfig) -> Result<NoPins, String> {
    Err("gpio.enabled is true, but this binary was built without the `gpio` feature".into())
}

/// Stands in for the pins in a binary without the `gpio` feature (never constructed:
/// [`open_pins`] always fails there).
#[cfg(not(feature = "gpio"))]
struct NoPins;

#[cfg(not(feature = "gpio"))]
impl PanelPins for NoPins {
    fn set_led(&mut self, _lit: bool) {}
    fn button_pressed(&mut self) -> bool {
        false
    }
}

#[cfg(feature = "gpio")]
mod cdev {
    //! The GPIO character-device backend (`gpiocdev`, the kernel's uAPI v2): lines
    //! are found by name (`GPIO17`, as the Pi's device tree names the header pins on
    //! every model, Pi 5 included) on whichever `/dev/gpiochip*` has them, so no
    //! memory-mapped `/dev/gpiomem` and no board detection are needed.

    use gpiocdev::line::{Bias, Value};
    use gpiocdev::Request;

    use super::{GpioError, PanelPins};

    /// Consumer label shown by `gpioinfo` for the lines we hold.
    const CONSUMER: &str = "carenco-edge";

    pub struct CdevPins {
        led: Request,
        led_offset: u32,
        button: Request,
        button_offset: u32,
        /// The LED write failed once (logged once, not on every tick).
        led_failed: bool,
    }

    /// The line name of a BCM pin on a Raspberry Pi.
    pub fn line_name(pin: u8) -> String {
        format!("GPIO{pin}")
    }

    impl CdevPins {
        pub fn open(led_pin: u8, button_pin: u8) -> Result<CdevPins, GpioError> {
            let led_name = line_name(led_pin);
            let button_name = line_name(button_pin);
            // One scan per name (the first chip that has it), not a map of all lines:
            // the binary has a 10 MB budget.
            let line = |name: &str| {
                gpiocdev::find_named_line(name).ok_or_else(|| GpioError::NoLine(name.to_string()))
            };
            let (led_found, button_found) = (line(&led_name)?, line(&button_name)?);
            let (led_line, button_line) = (&led_found, &button_found);
            // Released when dropped (service stop): the LED line goes back to input
            // and the LED dark.
            let led = Request::builder()
                .with_consumer(CONSUMER)
                .with_found_line(led_line)
                .as_output(Value::Inactive)
                .request()
                .map_err(|e| GpioError::Request(led_name.clone(), e.to_string()))?;
            let button = Request::builder()
                .with_consumer(CONSUMER)
                .with_found_line(button_line)
                .as_input()
                .with_bias(Bias::PullUp)
                .request()
                .map_err(|e| GpioError::Request(button_name.clone(), e.to_string()))?;
            Ok(CdevPins {
                led,
                led_offset: led_line.info.offset,
                button,
                button_offset: button_line.info.offset,
                led_failed: false,
            })
        }
    }

    impl PanelPins for CdevPins {
        fn set_led(&mut self, lit: bool) {
            let value = if lit { Value::Active } else { Value::Inactive };
            if let Err(error) = self.led.set_value(self.led_offset, value) {
                if !self.led_failed {
                    self.led_failed = true;
                    tracing::warn!(%error, "cannot drive the status LED");
                }
            }
        }
        fn button_pressed(&mut self) -> bool {
            // Pull-up: the button connects the pin to ground, so pressed reads low.
            // An unreadable line counts as not pressed.
            matches!(self.button.value(self.button_offset), Ok(Value::Inactive))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Mutex;

    /// Pins that record LED writes and read the button from a shared flag.
    #[derive(Clone, Default)]
    struct FakePins {
        led_writes: Arc<Mutex<Vec<bool>>>,
        pressed: Arc<AtomicBool>,
    }

    impl PanelPins for FakePins {
        fn set_led(&mut self, lit: bool) {
            self.led_writes.lock().unwrap().push(lit);
        }
        fn button_pressed(&mut self) -> bool {
            self.pressed.load(Ordering::SeqCst)
        }
    }

    #[derive(Default)]
    struct CountingTrigger {
        captures: AtomicUsize,
    }

    impl CaptureTrigger for Arc<CountingTrigger> {
        fn capture(&self) -> BoxFuture<'static, Result<String, String>> {
            self.captures.fetch_add(1, Ordering::SeqCst);
            Box::pin(async { Ok("scan".to_string()) })
        }
    }

    #[tokio::test]
    async fn the_driver_blinks_the_led_for_an_error_and_a_press_starts_one_capture() {
        let pins = FakePins::default();
        let counter = Arc::new(CountingTrigger::default());
        let trigger: Arc<dyn CaptureTrigger> = Arc::new(counter.clone());
        let (tx, rx) = watch::channel(KioskState {
            ready: true,
            error: true,
            ..KioskState::default()
        });
        let task = tokio::spawn(drive(pins.clone(), rx, Some(trigger)));

        tokio::time::sleep(Duration::from_millis(450)).await;
        let writes = pins.led_writes.lock().unwrap().clone();
        // 5 Hz: about four on/off pairs in 450 ms (scheduling on a busy machine may
        // swallow a phase or two).
        assert!(writes.len() >= 4, "{writes:?}");
        assert!(
            writes.windows(2).all(|w| w[0] != w[1]),
            "only changes: {writes:?}"
        );

        tx.send_replace(KioskState {
            ready: true,
            ..KioskState::default()
        });
        pins.pressed.store(true, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(200)).await;
        pins.pressed.store(false, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(counter.captures.load(Ordering::SeqCst), 1);
        assert_eq!(
            pins.led_writes.lock().unwrap().last(),
            Some(&true),
            "steady"
        );
        task.abort();
    }

    #[test]
    fn disabled_gpio_opens_no_pins() {
        assert!(pins_if_enabled(&GpioConfig::default()).is_none());
    }

    #[test]
    fn enabled_gpio_off_a_pi_is_a_log_line_not_a_panic() {
        let enabled = GpioConfig {
            enabled: true,
            ..GpioConfig::default()
        };
        // Without the feature the pins never open; with it, no chip off a Pi has a
        // line named GPIO17.
        let has_chip = std::fs::read_dir("/dev").is_ok_and(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("gpiochip"))
        });
        if cfg!(not(feature = "gpio")) || !has_chip {
            assert!(pins_if_enabled(&enabled).is_none());
        }
    }

    #[cfg(feature = "gpio")]
    #[test]
    fn bcm_pins_are_found_by_their_line_names() {
        assert_eq!(cdev::line_name(17), "GPIO17");
        assert_eq!(cdev::line_name(27), "GPIO27");
    }
}
