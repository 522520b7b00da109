//! The fit score that orders a seeker's recommendations, with the reasons behind it. Pure.
//!
//! Out of 100:
//! - **skills, up to 40**: 40 × (required skills she has) / (required skills), rounded down; an
//!   opening that asks for no skills scores 30 (open to everyone, but a match is better);
//! - **place, up to 25**: 25 in her district, 12 in a neighbouring one, 0 elsewhere;
//! - **schedule, up to 20**: 10 when the kind of hours fits (she said `any`, or the same full/part
//!   time), 10 when the weekly hours are within what she can work;
//! - **childcare, up to 5**: 5 if she needs no childcare, or if the opening is part time with no
//!   weekend days; 0 otherwise;
//! - **places left, up to 10**: one point per place left, at most 10.
//!
//! Ties are broken by the sooner application deadline, then by id, so the order is stable.

use serde::Serialize;

use super::{calendar::WeekDay, model::WorkTime};
use crate::{locale::Locale, seekers::profile::Employment};

#[derive(Debug, Clone)]
pub struct SeekerFit<'a> {
    pub district: &'a str,
    /// Normalised as openings' skills are.
    pub skills: &'a [String],
    pub employment: Employment,
    pub hours_per_week: i32,
    pub needs_childcare: bool,
}

#[derive(Debug, Clone)]
pub struct OpeningFit<'a> {
    pub district: &'a str,
    pub skills: &'a [String],
    pub employment: WorkTime,
    pub hours_per_week: i32,
    pub days: &'a [WeekDay],
    pub places_left: i32,
}

/// Why an opening ranks where it does: a stable code with its figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum FitReason {
    SkillsMatch { matched: usize, required: usize },
    NoSkillsRequired,
    SameDistrict,
    NeighbouringDistrict,
    OtherDistrict,
    HoursKindFits,
    HoursKindDiffers,
    HoursWithinAvailability,
    MoreHoursThanAvailable { hours: i32, available: i32 },
    FitsAroundChildcare,
    HardWithChildcare,
    PlacesLeft { places: i32 },
}

impl FitReason {
    pub fn text(&self, l: Locale) -> String {
        use Locale::*;
        match self {
            FitReason::SkillsMatch { matched, required } => match l {
                Kk => format!("Қажетті {required} дағдының {matched}-і сізде бар."),
                Ru => format!("У вас {matched} из {required} нужных навыков."),
                En => format!("You have {matched} of the {required} skills asked for."),
            },
            FitReason::NoSkillsRequired => match l {
                Kk => "Арнайы дағды талап етілмейді.".into(),
                Ru => "Особых навыков не требуется.".into(),
                En => "No particular skills are asked for.".into(),
            },
            FitReason::SameDistrict => match l {
                Kk => "Сіздің ауданыңызда.".into(),
                Ru => "В вашем районе.".into(),
                En => "In your district.".into(),
            },
            FitReason::NeighbouringDistrict => match l {
                Kk => "Көрші ауданда.".into(),
                Ru => "В соседнем районе.".into(),
                En => "In a neighbouring district.".into(),
            },
            FitReason::OtherDistrict => match l {
                Kk => "Сіздің ауданыңыздан алыс.".into(),
                Ru => "Далеко от вашего района.".into(),
                En => "Far from your district.".into(),
            },
            FitReason::HoursKindFits => match l {
                Kk => "Жұмыс түрі (толық/жартылай) сізге сай.".into(),
                Ru => "Подходит вид занятости (полная/частичная).".into(),
                En => "Full or part time as you wish.".into(),
            },
            FitReason::HoursKindDiffers => match l {
                Kk => "Жұмыс түрі (толық/жартылай) сіз қалағандай емес.".into(),
                Ru => "Вид занятости не тот, что вы указали.".into(),
                En => "Not the full or part time you asked for.".into(),
            },
            FitReason::HoursWithinAvailability => match l {
                Kk => "Аптасына сағат саны сіздің мүмкіндігіңізге сай.".into(),
                Ru => "Часы в неделю в пределах вашей доступности.".into(),
                En => "The weekly hours are within what you can work.".into(),
            },
            FitReason::MoreHoursThanAvailable { hours, available } => match l {
                Kk => format!(
                    "Аптасына {hours} сағат, сіз {available} сағат қана жұмыс істей аласыз."
                ),
                Ru => format!("{hours} ч в неделю, а вы можете {available} ч."),
                En => format!("{hours} hours a week; you can work {available}."),
            },
            FitReason::FitsAroundChildcare => match l {
                Kk => "Бала күтімімен үйлеседі.".into(),
                Ru => "Совместимо с уходом за детьми.".into(),
                En => "Fits around childcare.".into(),
            },
            FitReason::HardWithChildcare => match l {
                Kk => "Толық күн немесе демалыс күндері: бала күтімімен қиын болуы мүмкін.".into(),
                Ru => "Полный день или выходные: может быть трудно совмещать с детьми.".into(),
                En => "Full time or weekends: may be hard with childcare.".into(),
            },
            FitReason::PlacesLeft { places } => match l {
                Kk => format!("{places} бос орын қалды."),
                Ru => format!("Осталось мест: {places}."),
                En => format!("{places} places left."),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fit {
    /// 0–100.
    pub score: i32,
    pub reasons: Vec<FitReason>,
}

pub fn fit(seeker: &SeekerFit<'_>, opening: &OpeningFit<'_>) -> Fit {
    let mut score = 0;
    let mut reasons = Vec::new();

    if opening.skills.is_empty() {
        score += 30;
        reasons.push(FitReason::NoSkillsRequired);
    } else {
        let matched = opening
            .skills
            .iter()
            .filter(|s| seeker.skills.contains(s))
            .count();
        score += (40 * matched / opening.skills.len()) as i32;
        reasons.push(FitReason::SkillsMatch {
            matched,
            required: opening.skills.len(),
        });
    }

    if seeker.district == opening.district {
        score += 25;
        reasons.push(FitReason::SameDistrict);
    } else if crate::districts::are_neighbours(seeker.district, opening.district) {
        score += 12;
        reasons.push(FitReason::NeighbouringDistrict);
    } else {
        reasons.push(FitReason::OtherDistrict);
    }

    let kind_fits = match seeker.employment {
        Employment::Any => true,
        Employment::FullTime => opening.employment == WorkTime::FullTime,
        Employment::PartTime => opening.employment == WorkTime::PartTime,
    };
    if kind_fits {
        score += 10;
        reasons.push(FitReason::HoursKindFits);
    } else {
        reasons.push(FitReason::HoursKindDiffers);
    }
    if opening.hours_per_week <= seeker.hours_per_week {
        score += 10;
        reasons.push(FitReason::HoursWithinAvailability);
    } else {
        reasons.push(FitReason::MoreHoursThanAvailable {
            hours: opening.hours_per_week,
            available: seeker.hours_per_week,
        });
    }

    if !seeker.needs_childcare {
        score += 5;
    } else if opening.employment == WorkTime::PartTime
        && !opening.days.iter().any(|d| d.is_weekend())
    {
        score += 5;
        reasons.push(FitReason::FitsAroundChildcare);
    } else {
        reasons.push(FitReason::HardWithChildcare);
    }

    let places = opening.places_left.max(0);
    score += places.min(10);
    reasons.push(FitReason::PlacesLeft { places });

    Fit { score, reasons }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const DISTRICTS: [&str; 8] = [
        "alatau",
        "almaly",
        "auezov",
        "bostandyk",
        "zhetysu",
        "medeu",
        "nauryzbay",
        "turksib",
    ];
    const SKILLS: [&str; 6] = ["тігін", "тазалық", "кассир", "повар", "швея", "english"];

    fn skills() -> impl Strategy<Value = Vec<String>> {
        proptest::sample::subsequence(SKILLS.to_vec(), 0..=SKILLS.len())
            .prop_map(|v| v.into_iter().map(String::from).collect())
    }

    fn days() -> impl Strategy<Value = Vec<WeekDay>> {
        proptest::sample::subsequence(
            vec![
                WeekDay::Mon,
                WeekDay::Wed,
                WeekDay::Fri,
                WeekDay::Sat,
                WeekDay::Sun,
            ],
            1..=5,
        )
    }

    fn employment() -> impl Strategy<Value = Employment> {
        prop_oneof![
            Just(Employment::Any),
            Just(Employment::FullTime),
            Just(Employment::PartTime)
        ]
    }

    fn work_time() -> impl Strategy<Value = WorkTime> {
        prop_oneof![Just(WorkTime::FullTime), Just(WorkTime::PartTime)]
    }

    proptest! {
        #[test]
        fn the_score_is_within_0_and_100_and_has_reasons(
            sd in 0usize..8, od in 0usize..8, ss in skills(), os in skills(),
            se in employment(), oe in work_time(), sh in 1i32..60, oh in 1i32..60,
            care in any::<bool>(), days in days(), places in -5i32..100,
        ) {
            let s = SeekerFit { district: DISTRICTS[sd], skills: &ss, employment: se, hours_per_week: sh, needs_childcare: care };
            let o = OpeningFit { district: DISTRICTS[od], skills: &os, employment: oe, hours_per_week: oh, days: &days, places_left: places };
            let f = fit(&s, &o);
            prop_assert!((0..=100).contains(&f.score));
            prop_assert!(f.reasons.len() >= 4);
        }

        #[test]
        fn having_one_more_required_skill_never_lowers_the_score(
            ss in skills(), os in skills(), extra in 0usize..6,
        ) {
            let days = [WeekDay::Mon];
            let o = OpeningFit { district: "almaly", skills: &os, employment: WorkTime::PartTime, hours_per_week: 20, days: &days, places_left: 3 };
            let s = |sk: &[String]| fit(&SeekerFit { district: "almaly", skills: sk, employment: Employment::Any, hours_per_week: 40, needs_childcare: false }, &o).score;
            let mut more = ss.clone();
            more.push(SKILLS[extra].to_owned());
            prop_assert!(s(&more) >= s(&ss));
        }

        #[test]
        fn her_own_district_beats_a_neighbour_which_beats_the_rest(od in 0usize..8, sd in 0usize..8) {
            let days = [WeekDay::Mon];
            let no: [String; 0] = [];
            let score = |home: &str| fit(&SeekerFit { district: home, skills: &no, employment: Employment::Any, hours_per_week: 40, needs_childcare: false },
                &OpeningFit { district: DISTRICTS[od], skills: &no, employment: WorkTime::PartTime, hours_per_week: 20, days: &days, places_left: 3 }).score;
            let own = score(DISTRICTS[od]);
            let other = score(DISTRICTS[sd]);
            prop_assert!(own >= other);
            if crate::districts::are_neighbours(DISTRICTS[sd], DISTRICTS[od]) {
                prop_assert_eq!(own - other, 13);
            } else if sd != od {
                prop_assert_eq!(own - other, 25);
            }
        }
    }

    #[test]
    fn a_worked_example() {
        let ss = vec!["тігін".to_owned(), "кассир".to_owned()];
        let os = vec!["тігін".to_owned(), "повар".to_owned()];
        let days = [WeekDay::Mon, WeekDay::Sat];
        let f = fit(
            &SeekerFit {
                district: "auezov",
                skills: &ss,
                employment: Employment::PartTime,
                hours_per_week: 20,
                needs_childcare: true,
            },
            &OpeningFit {
                district: "almaly",
                skills: &os,
                employment: WorkTime::PartTime,
                hours_per_week: 30,
                days: &days,
                places_left: 4,
            },
        );
        // 20 (1 of 2 skills) + 12 (neighbour) + 10 (part time) + 0 (30 h > 20 h) + 0 (Saturday) + 4.
        assert_eq!(f.score, 46);
        assert!(f.reasons.contains(&FitReason::MoreHoursThanAvailable {
            hours: 30,
            available: 20
        }));
        assert!(f.reasons.contains(&FitReason::HardWithChildcare));
        assert_eq!(
            FitReason::SkillsMatch {
                matched: 1,
                required: 2
            }
            .text(Locale::Ru),
            "У вас 1 из 2 нужных навыков."
        );
    }
}
