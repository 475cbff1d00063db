//! The system configuration file (`system.toml`): partitions, schedule, channels, health actions.
//! What each key means for the running system: docs/configuration.md.
//!
//! ```toml
//! [schedule]
//! policy = "cyclic"                       # "round-robin" (default), "cyclic", "fixed-priority"
//! slots = [{ partition = "rtos", us = 5000 }, { partition = "fft", us = 5000 }]
//!
//! [[partition]]
//! name = "rtos"                           # up to 8 characters, unique
//! image = "target/images/rtos.elf"        # relative to the configuration file's folder
//! memory = "16M"                          # bytes, or with K or M; a multiple of 4 KiB, at most 16M (the last partition: up to 112M)
//! mode = "full"                           # "full" (default), "para", "previrt"
//! devices = ["uart0", "sram"]             # granted devices: "uart0", "uart1", "sram", "nvram", "fpga"
//! console = "direct"                      # UART0's address: "direct" (default), "emulated", "uart1"
//! priority = 0                            # fixed-priority: 0 is the highest
//! budget_us = 2000                        # fixed-priority: time it may run per period
//! period_us = 10000
//! on_fault = "halt"                       # "halt" (default), "restart", "log"
//! on_watchdog = "restart"                 # default: "reset", what the 405 does (TCR[WRC]); or "halt", "restart", "log"
//! on_overrun = "log"                      # default: "log"
//! max_restarts = 3                        # restarts before it is halted instead (default 0: no limit)
//! irfm_address = 0xFFFF8000               # para/previrt: where its IRFM pages are (4 KiB steps up to 0xFFFFE000)
//!
//! [[channel]]
//! between = ["rtos", "fft"]               # two partitions
//! address = 0xE0000000                    # where both see the shared page (default: 0xE0000000 + 4 KiB × n)
//! ```
//!
//! Every mistake is reported before anything is built, naming the file, the key and the reason.

use crate::{Action, Console, Device, Health, Mode, PartitionSpec, Policy, SystemSpec, TICKS_PER_MICROSECOND};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    schedule: ScheduleFile,
    partition: Vec<PartitionFile>,
    #[serde(default)]
    channel: Vec<ChannelFile>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ScheduleFile {
    #[serde(default)]
    policy: Option<String>,
    #[serde(default)]
    slots: Vec<SlotFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SlotFile {
    partition: String,
    us: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartitionFile {
    name: String,
    image: PathBuf,
    #[serde(default)]
    memory: Option<toml::Value>,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    devices: Vec<String>,
    #[serde(default)]
    console: Option<String>,
    #[serde(default)]
    priority: u8,
    #[serde(default)]
    budget_us: u64,
    #[serde(default)]
    period_us: u64,
    #[serde(default)]
    on_fault: Option<String>,
    #[serde(default)]
    on_watchdog: Option<String>,
    #[serde(default)]
    on_overrun: Option<String>,
    #[serde(default)]
    max_restarts: u8,
    #[serde(default)]
    irfm_address: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChannelFile {
    between: [String; 2],
    #[serde(default)]
    address: Option<u32>,
}

/// A configuration mistake: the file, where in it, what is wrong.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

fn ticks(microseconds: u64) -> u32 {
    (microseconds as f64 * TICKS_PER_MICROSECOND).round().min(f64::from(u32::MAX)) as u32
}

fn memory(value: &toml::Value) -> Option<u32> {
    match value {
        toml::Value::Integer(bytes) => u32::try_from(*bytes).ok(),
        toml::Value::String(text) => {
            let text = text.trim().trim_end_matches("iB").trim_end_matches('B');
            let (number, scale) = match text.chars().last()? {
                'M' | 'm' => (&text[..text.len() - 1], 1 << 20),
                'K' | 'k' => (&text[..text.len() - 1], 1 << 10),
                _ => (text, 1),
            };
            number.trim().parse::<u32>().ok()?.checked_mul(scale)
        }
        _ => None,
    }
}

fn one_of<T: Copy>(
    file: &Path,
    what: &str,
    value: Option<&str>,
    default: T,
    choices: &[(&str, T)],
) -> Result<T, ConfigError> {
    let Some(value) = value else { return Ok(default) };
    choices.iter().find(|(name, _)| *name == value).map(|(_, choice)| *choice).ok_or_else(|| {
        let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
        ConfigError(format!("{}: {what}: '{value}' is not one of {}", file.display(), names.join(", ")))
    })
}

/// Reads a system configuration file.
pub fn load(path: &Path) -> Result<SystemSpec, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
    parse(path, &text)
}

/// Parses a system configuration; `path` names it in errors and anchors relative image paths.
pub fn parse(path: &Path, text: &str) -> Result<SystemSpec, ConfigError> {
    let file: File = toml::from_str(text).map_err(|e| {
        let message = e.message().to_string();
        let line = e.span().map(|span| text[..span.start].lines().count()).unwrap_or(0);
        ConfigError(format!("{}:{line}: {message}", path.display()))
    })?;
    let folder = path.parent().unwrap_or(Path::new("."));
    let actions = [("halt", Action::Halt), ("restart", Action::Restart), ("log", Action::Log)];
    // The watchdog's reset may also be left to do what a 405 does.
    let watchdog_actions = [("reset", Action::Reset), ("halt", Action::Halt), ("restart", Action::Restart), ("log", Action::Log)];
    let mut partitions = Vec::new();
    for (index, p) in file.partition.iter().enumerate() {
        let at = format!("partition '{}'", p.name);
        if p.name.is_empty() || p.name.len() > 8 {
            return Err(ConfigError(format!("{}: {at}: key 'name': 1 to 8 characters", path.display())));
        }
        if file.partition[..index].iter().any(|other| other.name == p.name) {
            return Err(ConfigError(format!("{}: {at}: key 'name': used twice", path.display())));
        }
        let bytes = match &p.memory {
            None => 16 << 20,
            Some(value) => memory(value)
                .filter(|bytes| *bytes > 0 && *bytes <= irfm::image::partition_limit(index, file.partition.len()) && bytes % 4096 == 0)
                .ok_or_else(|| {
                    ConfigError(format!(
                        "{}: {at}: key 'memory': a multiple of 4 KiB up to 16M (the last partition: up to {}M)",
                        path.display(),
                        irfm::image::partition_limit(file.partition.len() - 1, file.partition.len()) >> 20
                    ))
                })?,
        };
        let mut devices = Vec::new();
        for name in &p.devices {
            devices.push(Device::from_name(name).ok_or_else(|| {
                ConfigError(format!("{}: {at}: key 'devices': no device '{name}' (uart0, uart1, sram, nvram, fpga)", path.display()))
            })?);
        }
        let image = folder.join(&p.image);
        if !image.is_file() {
            return Err(ConfigError(format!("{}: {at}: key 'image': {} does not exist", path.display(), image.display())));
        }
        if (p.budget_us == 0) != (p.period_us == 0) || p.budget_us > p.period_us {
            return Err(ConfigError(format!(
                "{}: {at}: keys 'budget_us'/'period_us': give both, budget at most the period",
                path.display()
            )));
        }
        partitions.push(PartitionSpec {
            image,
            name: p.name.clone(),
            memory: bytes,
            devices,
            mode: one_of(path, &format!("{at}: key 'mode'"), p.mode.as_deref(), Mode::Full, &[
                ("full", Mode::Full),
                ("para", Mode::Para),
                ("previrt", Mode::Previrt),
            ])?,
            console: one_of(path, &format!("{at}: key 'console'"), p.console.as_deref(), Console::Direct, &[
                ("direct", Console::Direct),
                ("emulated", Console::Emulated),
                ("uart1", Console::Uart1),
            ])?,
            priority: p.priority,
            budget: ticks(p.budget_us),
            period: ticks(p.period_us),
            health: Health {
                on_fault: one_of(path, &format!("{at}: key 'on_fault'"), p.on_fault.as_deref(), Action::Halt, &actions)?,
                on_watchdog: one_of(path, &format!("{at}: key 'on_watchdog'"), p.on_watchdog.as_deref(), Action::Reset, &watchdog_actions)?,
                on_overrun: one_of(path, &format!("{at}: key 'on_overrun'"), p.on_overrun.as_deref(), Action::Log, &actions)?,
                max_restarts: p.max_restarts,
            },
            irfm_base: match p.irfm_address {
                None => irfm::page::RO_PAGE,
                Some(base) if irfm::page::valid_base(base) => base,
                Some(base) => {
                    return Err(ConfigError(format!(
                        "{}: {at}: key 'irfm_address': {base:#x} is not a 4 KiB boundary from 0xFFFF8000 to 0xFFFFE000",
                        path.display()
                    )))
                }
            },
        });
    }
    let index_of = |name: &str, key: &str| {
        file.partition
            .iter()
            .position(|p| p.name == name)
            .map(|index| index as u8)
            .ok_or_else(|| ConfigError(format!("{}: {key}: no partition '{name}'", path.display())))
    };
    let policy = one_of(path, "schedule: key 'policy'", file.schedule.policy.as_deref(), Policy::RoundRobin, &[
        ("round-robin", Policy::RoundRobin),
        ("cyclic", Policy::Cyclic),
        ("fixed-priority", Policy::FixedPriority),
    ])?;
    let mut slots = Vec::new();
    for slot in &file.schedule.slots {
        slots.push((index_of(&slot.partition, "schedule: key 'slots'")?, ticks(slot.us)));
    }
    if policy == Policy::Cyclic && slots.is_empty() {
        return Err(ConfigError(format!("{}: schedule: key 'slots': a cyclic schedule needs slots", path.display())));
    }
    let mut channels = Vec::new();
    for (index, channel) in file.channel.iter().enumerate() {
        let ends = [index_of(&channel.between[0], "channel: key 'between'")?, index_of(&channel.between[1], "channel: key 'between'")?];
        let address = channel.address.unwrap_or(0xe000_0000 + 4096 * index as u32);
        channels.push((ends, address));
    }
    Ok(SystemSpec { partitions, policy, slots, channels })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder_with_image() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("config-{}-{:?}", std::process::id(), std::thread::current().id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("g.elf"), b"x").unwrap();
        dir
    }

    #[test]
    fn a_full_configuration_is_read() {
        let dir = folder_with_image();
        let text = r#"
            [schedule]
            policy = "cyclic"
            slots = [{ partition = "a", us = 1000 }, { partition = "b", us = 3000 }]
            [[partition]]
            name = "a"
            image = "g.elf"
            memory = "8M"
            devices = ["uart0"]
            console = "emulated"
            on_fault = "restart"
            max_restarts = 2
            [[partition]]
            name = "b"
            image = "g.elf"
            mode = "previrt"
            [[channel]]
            between = ["a", "b"]
        "#;
        let system = parse(&dir.join("system.toml"), text).unwrap();
        assert_eq!(system.partitions.len(), 2);
        assert_eq!(system.partitions[0].memory, 8 << 20);
        assert_eq!(system.partitions[0].console, Console::Emulated);
        assert_eq!(system.partitions[0].health.on_fault, Action::Restart);
        assert_eq!(system.partitions[0].health.max_restarts, 2);
        assert_eq!(system.partitions[1].health.max_restarts, 0);
        assert_eq!(system.partitions[1].health.on_watchdog, Action::Reset);
        assert_eq!(system.partitions[1].mode, Mode::Previrt);
        assert_eq!(system.slots, vec![(0, 333_333), (1, 1_000_000)]);
        assert_eq!(system.channels, vec![([0, 1], 0xe000_0000)]);
    }

    #[test]
    fn mistakes_name_the_file_the_key_and_the_reason() {
        let dir = folder_with_image();
        let file = dir.join("system.toml");
        let cases = [
            (r#"[[partition]]
                name = "a"
                image = "g.elf"
                memory = "113M""#, "partition 'a': key 'memory': a multiple of 4 KiB up to 16M (the last partition: up to 112M)"),
            (r#"[[partition]]
                name = "a"
                image = "g.elf"
                memory = "17M"
                [[partition]]
                name = "b"
                image = "g.elf""#, "partition 'a': key 'memory': a multiple of 4 KiB up to 16M"),
            (r#"[[partition]]
                name = "a"
                image = "g.elf"
                devices = ["uart9"]"#, "partition 'a': key 'devices': no device 'uart9'"),
            (r#"[[partition]]
                name = "a"
                image = "g.elf"
                on_fault = "reset""#, "partition 'a': key 'on_fault': 'reset' is not one of halt, restart, log"),
            (r#"[[partition]]
                name = "a"
                image = "g.elf"
                irfm_address = 0xFFFFF000"#, "partition 'a': key 'irfm_address': 0xfffff000 is not a 4 KiB boundary"),
            (r#"[[partition]]
                name = "a"
                image = "missing.elf""#, "partition 'a': key 'image':"),
            (r#"[schedule]
                policy = "cyclic"
                [[partition]]
                name = "a"
                image = "g.elf""#, "schedule: key 'slots': a cyclic schedule needs slots"),
            (r#"[[partition]]
                name = "a"
                image = "g.elf"
                colour = "red""#, "unknown field `colour`"),
            (r#"[[partition]]
                name = "a"
                image = "g.elf"
                mode = "fast""#, "key 'mode': 'fast' is not one of full, para, previrt"),
        ];
        for (text, expected) in cases {
            let error = parse(&file, text).unwrap_err().to_string();
            assert!(error.starts_with(&file.display().to_string()), "{error}");
            assert!(error.contains(expected), "{error} should say {expected}");
            assert!(!error.contains('\n'), "one line: {error}");
        }
    }
}
