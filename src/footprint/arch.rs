//! Arch classes (Cavanagh & Rodgers, J Biomech 1987) and their names for the kiosk.
//!
//! Shared by the analysis (which measures the index) and the synthetic feet (which know
//! the true index of the shape they draw), so both classify with the same thresholds.

use serde::{Deserialize, Serialize};

/// At or below this arch index the arch is high (요족).
pub const HIGH_ARCH_MAX_INDEX: f32 = 0.21;
/// At or above this arch index the foot is flat (평발).
pub const FLAT_FOOT_MIN_INDEX: f32 = 0.26;

/// The arch class of a foot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ArchType {
    /// Arch index <= 0.21 (요족, pes cavus).
    High,
    /// 0.21 < arch index < 0.26 (정상).
    Normal,
    /// Arch index >= 0.26 (평발, pes planus).
    Flat,
}

impl ArchType {
    /// The class of an arch index.
    pub fn from_index(arch_index: f32) -> ArchType {
        if arch_index <= HIGH_ARCH_MAX_INDEX {
            ArchType::High
        } else if arch_index >= FLAT_FOOT_MIN_INDEX {
            ArchType::Flat
        } else {
            ArchType::Normal
        }
    }

    /// The JSON name (`high`, `normal`, `flat`).
    pub fn as_str(self) -> &'static str {
        match self {
            ArchType::High => "high",
            ArchType::Normal => "normal",
            ArchType::Flat => "flat",
        }
    }

    /// The Korean name shown on the kiosk.
    pub fn korean(self) -> &'static str {
        match self {
            ArchType::High => "요족",
            ArchType::Normal => "정상",
            ArchType::Flat => "평발",
        }
    }

    /// The English name shown next to the Korean one.
    pub fn english(self) -> &'static str {
        match self {
            ArchType::High => "high arch",
            ArchType::Normal => "normal arch",
            ArchType::Flat => "flat foot",
        }
    }
}

impl std::str::FromStr for ArchType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "high" => Ok(ArchType::High),
            "normal" => Ok(ArchType::Normal),
            "flat" => Ok(ArchType::Flat),
            other => Err(format!(
                "unknown arch type {other:?} (expected high, normal or flat)"
            )),
        }
    }
}

impl std::fmt::Display for ArchType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_class_boundaries_follow_cavanagh_and_rodgers() {
        assert_eq!(ArchType::from_index(0.0), ArchType::High);
        assert_eq!(ArchType::from_index(0.21), ArchType::High);
        assert_eq!(ArchType::from_index(0.211), ArchType::Normal);
        assert_eq!(ArchType::from_index(0.259), ArchType::Normal);
        assert_eq!(ArchType::from_index(0.26), ArchType::Flat);
        assert_eq!(ArchType::Flat.korean(), "평발");
        assert_eq!("high".parse::<ArchType>(), Ok(ArchType::High));
    }
}
