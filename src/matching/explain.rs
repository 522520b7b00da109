//! What a round says about each application, in words a seeker understands, in kk, ru and en.
//! Pure.

use serde::{Deserialize, Serialize};

use super::algorithm::Explanation;
use crate::locale::Locale;

/// The stored outcome of one application in one round: the algorithm's explanation, or why it
/// did not take part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Offered,
    HigherChoiceOffered,
    NoPlaces,
    HigherTier {
        places: u32,
    },
    LowerFit {
        places: u32,
        fit: i32,
        cutoff_fit: i32,
    },
    Lottery {
        places: u32,
        position: u32,
        of: u32,
        admitted: u32,
    },
    /// Her household is not verified, or she is not eligible for the programme, at the round.
    NotEligible,
}

impl From<Explanation> for Outcome {
    fn from(e: Explanation) -> Outcome {
        match e {
            Explanation::Offered => Outcome::Offered,
            Explanation::HigherChoiceOffered => Outcome::HigherChoiceOffered,
            Explanation::NoPlaces => Outcome::NoPlaces,
            Explanation::HigherTier { places } => Outcome::HigherTier { places },
            Explanation::LowerFit {
                places,
                fit,
                cutoff_fit,
            } => Outcome::LowerFit {
                places,
                fit,
                cutoff_fit,
            },
            Explanation::Lottery {
                places,
                position,
                of,
                admitted,
            } => Outcome::Lottery {
                places,
                position,
                of,
                admitted,
            },
        }
    }
}

impl Outcome {
    pub fn text(&self, l: Locale) -> String {
        use Locale::*;
        match *self {
            Outcome::Offered => match l {
                Kk => "Сізге орын ұсынылды.".into(),
                Ru => "Вам предложено место.".into(),
                En => "You are offered a place.".into(),
            },
            Outcome::HigherChoiceOffered => match l {
                Kk => "Сіз жоғарырақ қойған орыннан ұсыныс алдыңыз.".into(),
                Ru => "Вы получили предложение по месту, которое поставили выше.".into(),
                En => "You received an offer from an opening you ranked higher.".into(),
            },
            Outcome::NoPlaces => match l {
                Kk => "Бұл турда бос орын болмады.".into(),
                Ru => "В этом туре свободных мест не было.".into(),
                En => "There were no places left in this round.".into(),
            },
            Outcome::HigherTier { places } => match l {
                Kk => format!("Барлық {places} орын басымдығы жоғары үміткерлерге берілді."),
                Ru => format!("Все места ({places}) получили заявители с более высоким приоритетом."),
                En => format!("All {places} places went to applicants of higher priority."),
            },
            Outcome::LowerFit {
                places,
                fit,
                cutoff_fit,
            } => match l {
                Kk => format!(
                    "Барлық {places} орын сіздің басымдық тобыңыздағы сәйкестігі жоғары үміткерлерге берілді (сіздің сәйкестігіңіз {fit}, ең төменгі қабылданған {cutoff_fit})."
                ),
                Ru => format!(
                    "Все места ({places}) получили заявители вашей группы приоритета с более высоким соответствием (у вас {fit}, у последнего принятого {cutoff_fit})."
                ),
                En => format!(
                    "All {places} places went to applicants of your priority group with a better fit (yours {fit}, the lowest admitted {cutoff_fit})."
                ),
            },
            Outcome::Lottery {
                places,
                position,
                of,
                admitted,
            } => match l {
                Kk => format!(
                    "Басымдық тең; жеребе бойынша {of} үміткердің ішінде {position}-орын, оларға {admitted} орын тиді ({places} орынның)."
                ),
                Ru => format!(
                    "Равный приоритет; место в жеребьёвке {position} из {of}, им досталось мест: {admitted} (из {places})."
                ),
                En => format!(
                    "Equal priority; lottery position {position} of {of} for {admitted} of the {places} places."
                ),
            },
            Outcome::NotEligible => match l {
                Kk => "Тур кезінде сіз бағдарламаға сәйкес келмедіңіз (отбасы деректері расталмаған немесе табыс шегінен жоғары).".into(),
                Ru => "На момент тура вы не соответствовали условиям программы (данные семьи не подтверждены или доход выше порога).".into(),
                En => "At the time of the round you were not eligible for the programme (household not verified, or income above the line).".into(),
            },
        }
    }

    pub fn offered(&self) -> bool {
        matches!(self, Outcome::Offered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_reads_in_every_language() {
        let all = [
            Outcome::Offered,
            Outcome::HigherChoiceOffered,
            Outcome::NoPlaces,
            Outcome::HigherTier { places: 12 },
            Outcome::LowerFit {
                places: 3,
                fit: 40,
                cutoff_fit: 65,
            },
            Outcome::Lottery {
                places: 12,
                position: 31,
                of: 40,
                admitted: 12,
            },
            Outcome::NotEligible,
        ];
        for o in all {
            for l in Locale::ALL {
                assert!(o.text(l).len() > 10, "{o:?} {l:?}");
            }
        }
        assert_eq!(
            Outcome::Lottery {
                places: 12,
                position: 31,
                of: 40,
                admitted: 12
            }
            .text(Locale::En),
            "Equal priority; lottery position 31 of 40 for 12 of the 12 places."
        );
    }
}
