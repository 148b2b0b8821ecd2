//! The field table: every figure an InBody sheet prints, one row each.
//!
//! # What it owns
//! [`Field`] and its [`Row`]: the JSON name clients rely on (INBODY.md), the printed
//! labels (Korean, English) and the misreadings OCR is known to make of them, the
//! LookinBody export name, the unit, how many decimals the sheet prints, the bounds
//! a person's figure can have, and the identities of the sheet's arithmetic
//! ([`Identity`], see [`super::arith`]) the field takes part in. Everything else
//! names a field by this enum; the JSON name appears here and nowhere else.

use serde::Serialize;

/// One figure (or text) of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Field {
    Weight,
    TotalBodyWater,
    Protein,
    Minerals,
    BodyFatMass,
    FatFreeMass,
    MuscleMass,
    SkeletalMuscleMass,
    Bmi,
    PercentBodyFat,
    LeanLeftArm,
    LeanRightArm,
    LeanTrunk,
    LeanLeftLeg,
    LeanRightLeg,
    FatLeftArm,
    FatRightArm,
    FatTrunk,
    FatLeftLeg,
    FatRightLeg,
    InBodyScore,
    TargetWeight,
    WeightControl,
    FatControl,
    MuscleControl,
    BasalMetabolicRate,
    WaistHipRatio,
    VisceralFatLevel,
    Height,
    Age,
    Sex,
    TestedAt,
}

/// The unit a figure is printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Unit {
    Kg,
    Litre,
    KgPerM2,
    Percent,
    Kcal,
    Cm,
    Points,
    Years,
    /// A ratio or a level: no unit printed.
    None,
    /// Text, not a figure (`sex`, `tested_at`).
    Text,
}

/// The sheet's own arithmetic: relations its figures satisfy when all are read right
/// (the tolerances and the check itself: [`super::arith`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Identity {
    /// total body water + protein + minerals + body fat mass = weight.
    Composition,
    /// weight − body fat mass = fat free mass.
    FatFree,
    /// basal metabolic rate = 370 + 21.6 · fat free mass (kcal; the formula InBody
    /// prints its BMR by).
    Metabolic,
    /// bmi = weight / height².
    BodyMassIndex,
    /// percent body fat = 100 · body fat mass / weight.
    PercentFat,
    /// target weight − weight = weight control.
    Target,
    /// weight control = fat control + muscle control.
    Control,
    /// The five segmental lean figures sum to a little under the muscle mass.
    SegmentalLean,
    /// The five segmental fat figures sum to about the body fat mass.
    SegmentalFat,
}

/// A segment of the body, as the segmental tables print them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Segment {
    LeftArm,
    RightArm,
    Trunk,
    LeftLeg,
    RightLeg,
}

/// What the table knows of one field.
#[derive(Debug)]
pub struct Row {
    /// The JSON name of the report contract.
    pub name: &'static str,
    /// Printed labels, Korean first.
    pub ko: &'static [&'static str],
    pub en: &'static [&'static str],
    /// Readings of a label OCR is known to produce (matched like a label).
    pub misread: &'static [&'static str],
    /// The LookinBody export's name, when it has one.
    pub lookinbody: Option<&'static str>,
    pub unit: Unit,
    /// Decimals printed; `None` for an integer or text.
    pub decimals: Option<usize>,
    /// The figures a person can have (far wider than normal ranges): a figure
    /// outside is misread; inside, the arithmetic judges it.
    pub bounds: Option<(f64, f64)>,
    pub identities: &'static [Identity],
    /// For a segmental figure, its segment.
    pub segment: Option<Segment>,
}

use Identity::*;

const fn row(name: &'static str, unit: Unit, decimals: Option<usize>) -> Row {
    Row {
        name,
        ko: &[],
        en: &[],
        misread: &[],
        lookinbody: None,
        unit,
        decimals,
        bounds: None,
        identities: &[],
        segment: None,
    }
}

const fn seg(name: &'static str, s: Segment, d: usize, b: (f64, f64), id: Identity) -> Row {
    let (ko, en): (&[&str], &[&str]) = match s {
        Segment::LeftArm => (&["왼팔"], &["Left Arm"]),
        Segment::RightArm => (&["오른팔"], &["Right Arm"]),
        Segment::Trunk => (&["몸통"], &["Trunk"]),
        Segment::LeftLeg => (&["왼다리"], &["Left Leg"]),
        Segment::RightLeg => (&["오른다리"], &["Right Leg"]),
    };
    Row {
        ko,
        en,
        bounds: Some(b),
        identities: match id {
            SegmentalLean => &[SegmentalLean],
            _ => &[SegmentalFat],
        },
        segment: Some(s),
        ..row(name, Unit::Kg, Some(d))
    }
}

/// The table, in [`Field::ALL`]'s order (the contract's order).
static ROWS: [Row; 32] = [
    Row {
        ko: &["체중"],
        en: &["Weight"],
        lookinbody: Some("Weight"),
        bounds: Some((10.0, 300.0)),
        identities: &[Composition, FatFree, BodyMassIndex, PercentFat, Target],
        ..row("weight_kg", Unit::Kg, Some(1))
    },
    Row {
        ko: &["체수분"],
        en: &["Total Body Water"],
        lookinbody: Some("TBW"),
        bounds: Some((3.0, 200.0)),
        identities: &[Composition],
        ..row("total_body_water_l", Unit::Litre, Some(1))
    },
    Row {
        ko: &["단백질"],
        en: &["Protein"],
        lookinbody: Some("Protein"),
        bounds: Some((0.5, 60.0)),
        identities: &[Composition],
        ..row("protein_kg", Unit::Kg, Some(1))
    },
    Row {
        ko: &["무기질"],
        en: &["Minerals"],
        lookinbody: Some("Minerals"),
        bounds: Some((0.2, 20.0)),
        identities: &[Composition],
        ..row("minerals_kg", Unit::Kg, Some(2))
    },
    Row {
        ko: &["체지방", "체지방량"],
        en: &["Body Fat Mass"],
        lookinbody: Some("BFM"),
        bounds: Some((0.3, 250.0)),
        identities: &[Composition, FatFree, PercentFat, SegmentalFat],
        ..row("body_fat_mass_kg", Unit::Kg, Some(1))
    },
    Row {
        ko: &["제지방량"],
        en: &["Fat Free Mass"],
        lookinbody: Some("FFM"),
        bounds: Some((5.0, 250.0)),
        identities: &[FatFree, Metabolic],
        ..row("fat_free_mass_kg", Unit::Kg, Some(1))
    },
    Row {
        ko: &["근육량"],
        en: &["Soft Lean Mass", "Muscle Mass"],
        lookinbody: Some("SLM"),
        bounds: Some((3.0, 250.0)),
        identities: &[SegmentalLean],
        ..row("muscle_mass_kg", Unit::Kg, Some(1))
    },
    Row {
        ko: &["골격근량"],
        en: &["Skeletal Muscle Mass"],
        lookinbody: Some("SMM"),
        bounds: Some((2.0, 150.0)),
        ..row("skeletal_muscle_mass_kg", Unit::Kg, Some(1))
    },
    Row {
        ko: &[],
        en: &["BMI", "Body Mass Index"],
        lookinbody: Some("BMI"),
        bounds: Some((8.0, 80.0)),
        identities: &[BodyMassIndex],
        ..row("bmi", Unit::KgPerM2, Some(1))
    },
    Row {
        ko: &["체지방률"],
        en: &["Percent Body Fat", "PBF"],
        lookinbody: Some("PBF"),
        bounds: Some((1.0, 80.0)),
        identities: &[PercentFat],
        ..row("percent_body_fat", Unit::Percent, Some(1))
    },
    seg(
        "segmental_lean_left_arm_kg",
        Segment::LeftArm,
        2,
        (0.2, 15.0),
        SegmentalLean,
    ),
    seg(
        "segmental_lean_right_arm_kg",
        Segment::RightArm,
        2,
        (0.2, 15.0),
        SegmentalLean,
    ),
    seg(
        "segmental_lean_trunk_kg",
        Segment::Trunk,
        1,
        (2.0, 90.0),
        SegmentalLean,
    ),
    seg(
        "segmental_lean_left_leg_kg",
        Segment::LeftLeg,
        2,
        (0.8, 35.0),
        SegmentalLean,
    ),
    seg(
        "segmental_lean_right_leg_kg",
        Segment::RightLeg,
        2,
        (0.8, 35.0),
        SegmentalLean,
    ),
    seg(
        "segmental_fat_left_arm_kg",
        Segment::LeftArm,
        1,
        (0.0, 25.0),
        SegmentalFat,
    ),
    seg(
        "segmental_fat_right_arm_kg",
        Segment::RightArm,
        1,
        (0.0, 25.0),
        SegmentalFat,
    ),
    seg(
        "segmental_fat_trunk_kg",
        Segment::Trunk,
        1,
        (0.1, 120.0),
        SegmentalFat,
    ),
    seg(
        "segmental_fat_left_leg_kg",
        Segment::LeftLeg,
        1,
        (0.0, 45.0),
        SegmentalFat,
    ),
    seg(
        "segmental_fat_right_leg_kg",
        Segment::RightLeg,
        1,
        (0.0, 45.0),
        SegmentalFat,
    ),
    Row {
        ko: &["인바디점수"],
        en: &["InBody Score"],
        lookinbody: Some("InBodyScore"),
        bounds: Some((1.0, 100.0)),
        ..row("inbody_score", Unit::Points, None)
    },
    Row {
        ko: &["적정체중"],
        en: &["Target Weight"],
        misread: &["척정체중"],
        lookinbody: Some("TargetWeight"),
        bounds: Some((10.0, 300.0)),
        identities: &[Target],
        ..row("target_weight_kg", Unit::Kg, Some(1))
    },
    Row {
        ko: &["체중조절"],
        en: &["Weight Control"],
        lookinbody: Some("WeightControl"),
        bounds: Some((-100.0, 100.0)),
        identities: &[Target, Control],
        ..row("weight_control_kg", Unit::Kg, Some(1))
    },
    Row {
        ko: &["지방조절"],
        en: &["Fat Control"],
        lookinbody: Some("BFMControl"),
        bounds: Some((-100.0, 100.0)),
        identities: &[Control],
        ..row("fat_control_kg", Unit::Kg, Some(1))
    },
    Row {
        ko: &["근육조절"],
        en: &["Muscle Control"],
        lookinbody: Some("FFMControl"),
        bounds: Some((-100.0, 100.0)),
        identities: &[Control],
        ..row("muscle_control_kg", Unit::Kg, Some(1))
    },
    Row {
        ko: &["기초대사량"],
        en: &["Basal Metabolic Rate"],
        lookinbody: Some("BMR"),
        bounds: Some((300.0, 6000.0)),
        identities: &[Metabolic],
        ..row("basal_metabolic_rate_kcal", Unit::Kcal, None)
    },
    Row {
        ko: &["복부지방률"],
        en: &["Waist-Hip Ratio"],
        lookinbody: Some("WHR"),
        bounds: Some((0.3, 2.0)),
        ..row("waist_hip_ratio", Unit::None, Some(2))
    },
    Row {
        ko: &["내장지방레벨"],
        en: &["Visceral Fat Level"],
        lookinbody: Some("VFL"),
        bounds: Some((1.0, 30.0)),
        ..row("visceral_fat_level", Unit::None, None)
    },
    Row {
        ko: &["신장", "키"],
        en: &["Height"],
        lookinbody: Some("Height"),
        bounds: Some((50.0, 250.0)),
        identities: &[BodyMassIndex],
        ..row("height_cm", Unit::Cm, Some(1))
    },
    Row {
        ko: &["연령", "나이"],
        en: &["Age"],
        lookinbody: Some("Age"),
        bounds: Some((3.0, 120.0)),
        ..row("age", Unit::Years, None)
    },
    Row {
        ko: &["성별"],
        en: &["Gender", "Sex"],
        lookinbody: Some("Gender"),
        ..row("sex", Unit::Text, None)
    },
    Row {
        ko: &["검사일시"],
        en: &["Test Date / Time"],
        lookinbody: Some("TestDate"),
        ..row("tested_at", Unit::Text, None)
    },
];

impl Field {
    /// Every field, in the contract's order.
    pub const ALL: [Field; 32] = [
        Field::Weight,
        Field::TotalBodyWater,
        Field::Protein,
        Field::Minerals,
        Field::BodyFatMass,
        Field::FatFreeMass,
        Field::MuscleMass,
        Field::SkeletalMuscleMass,
        Field::Bmi,
        Field::PercentBodyFat,
        Field::LeanLeftArm,
        Field::LeanRightArm,
        Field::LeanTrunk,
        Field::LeanLeftLeg,
        Field::LeanRightLeg,
        Field::FatLeftArm,
        Field::FatRightArm,
        Field::FatTrunk,
        Field::FatLeftLeg,
        Field::FatRightLeg,
        Field::InBodyScore,
        Field::TargetWeight,
        Field::WeightControl,
        Field::FatControl,
        Field::MuscleControl,
        Field::BasalMetabolicRate,
        Field::WaistHipRatio,
        Field::VisceralFatLevel,
        Field::Height,
        Field::Age,
        Field::Sex,
        Field::TestedAt,
    ];

    /// Its row of the table.
    pub fn row(self) -> &'static Row {
        &ROWS[self as usize]
    }

    /// The JSON name.
    pub fn name(self) -> &'static str {
        self.row().name
    }

    /// The field of a JSON name.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Printed decimals (`None`: an integer or text).
    pub fn decimals(self) -> Option<usize> {
        self.row().decimals
    }

    /// Every printed label: Korean, English, then known misreadings.
    pub fn labels(self) -> impl Iterator<Item = &'static str> {
        let r = self.row();
        r.ko.iter().chain(r.en).chain(r.misread).copied()
    }

    /// Whether `value` is a figure a person can have for this field.
    pub fn plausible(self, value: f64) -> bool {
        value.is_finite()
            && self
                .row()
                .bounds
                .is_none_or(|(lo, hi)| (lo..=hi).contains(&value))
    }

    /// Whether the field is a figure the sheet prints with a sign (the controls).
    pub fn signed(self) -> bool {
        matches!(
            self,
            Field::WeightControl | Field::FatControl | Field::MuscleControl
        )
    }

    /// The five segmental fields of an identity, in the segments' order.
    pub fn segments(id: Identity) -> impl Iterator<Item = Field> {
        Field::ALL
            .into_iter()
            .filter(move |f| f.row().segment.is_some() && f.row().identities.contains(&id))
    }

    /// The fields taking part in `id`.
    pub fn in_identity(id: Identity) -> impl Iterator<Item = Field> {
        Field::ALL
            .into_iter()
            .filter(move |f| f.row().identities.contains(&id))
    }
}

/// The JSON names in the contract's order (what `inbody::FIELDS` has always been).
pub const NAMES: [&str; 32] = {
    let mut out = [""; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = ROWS[i].name;
        i += 1;
    }
    out
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rows_are_in_the_order_of_the_enum_and_every_name_is_unique() {
        for (i, f) in Field::ALL.iter().enumerate() {
            assert_eq!(*f as usize, i, "{f:?} out of order");
            assert_eq!(Field::from_name(f.name()), Some(*f));
        }
        let mut names: Vec<&str> = NAMES.to_vec();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 32);
    }

    #[test]
    fn every_figure_has_bounds_and_every_printed_field_a_label() {
        for f in Field::ALL {
            let r = f.row();
            assert!(f.labels().next().is_some(), "{f:?} has no label");
            if r.unit != Unit::Text {
                assert!(r.bounds.is_some(), "{f:?} has no bounds");
            }
        }
    }

    #[test]
    fn each_segmental_identity_has_five_segments_and_a_total() {
        assert_eq!(Field::segments(SegmentalLean).count(), 5);
        assert_eq!(Field::segments(SegmentalFat).count(), 5);
        assert!(Field::in_identity(SegmentalFat).any(|f| f == Field::BodyFatMass));
        assert!(Field::in_identity(SegmentalLean).any(|f| f == Field::MuscleMass));
    }

    #[test]
    fn bounds_refuse_the_misreads_they_are_for() {
        assert!(Field::Weight.plausible(59.1));
        assert!(!Field::Weight.plausible(591.0));
        assert!(!Field::FatLeftArm.plausible(178.0));
        assert!(!Field::Age.plausible(f64::NAN));
        assert!(Field::Sex.plausible(0.0));
    }
}
