//! Demo openings: social jobs and courses across Almaty's districts, in Kazakh and Russian, made
//! through the same checks as `POST /openings`. Deterministic (a fixed seed), so benchmark runs
//! compare like with like.

use chrono::{Duration, NaiveDate, NaiveTime};
use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::{
    db::DbConnection,
    error::AppError,
    openings::{
        calendar::WeekDay,
        model::{
            Coordinates, LocalisedText, OpeningInput, OpeningKind, Schedule, WeeklyPattern,
            WorkTime,
        },
        service::{checked_new, insert_many},
    },
};

/// kk title, ru title, kk description, ru description, skills, full time?, hours a week, and which
/// poster offers it (index into the employers or providers, in `STAFF_AND_MEMBERS` order).
type Template = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    bool,
    i32,
    usize,
);

const JOBS: &[Template] = &[
    (
        "Тігінші",
        "Швея",
        "Мектеп формасы мен арнайы киім тігу. Тәжірибесі жоқтарды үйретеміз.",
        "Пошив школьной формы и спецодежды в цехе. Обучим без опыта.",
        &["тігін"],
        false,
        20,
        1,
    ),
    (
        "Аспаз көмекшісі",
        "Помощник повара",
        "Мектеп асханасында таңғы ас пен түскі ас дайындауға көмектесу.",
        "Помощь в приготовлении завтраков и обедов в школьной столовой.",
        &["аспаз"],
        true,
        40,
        3,
    ),
    (
        "Тазалықшы",
        "Уборщица",
        "Кеңселер мен кіреберістерді жинау, икемді кесте.",
        "Уборка офисов и подъездов, гибкий график.",
        &["тазалық"],
        false,
        20,
        0,
    ),
    (
        "Кассир",
        "Кассир",
        "Үй жанындағы дүкенде кассада жұмыс, ауысымдық кесте.",
        "Работа на кассе в магазине у дома, сменный график.",
        &["кассир"],
        true,
        40,
        4,
    ),
    (
        "Бағбан",
        "Озеленитель",
        "Қалалық саябақтар мен гүлзарларды күту.",
        "Уход за городскими парками, скверами и клумбами.",
        &["бағбандық"],
        true,
        40,
        2,
    ),
    (
        "Тәрбиешінің көмекшісі",
        "Помощник воспитателя",
        "Балабақшада балаларға күтім және тәрбиешіге көмек.",
        "Присмотр за детьми и помощь воспитателю в детском саду.",
        &["балалармен жұмыс"],
        false,
        25,
        0,
    ),
    (
        "Call-орталық операторы",
        "Оператор колл-центра",
        "Тұрғындардың қоңырауларына жауап беру, компьютерде жұмыс.",
        "Приём звонков горожан, работа на компьютере.",
        &["компьютер", "қазақ тілі", "орыс тілі"],
        false,
        20,
        4,
    ),
    (
        "Наубайшы",
        "Пекарь",
        "Наубайханада нан мен тоқаш пісіру.",
        "Выпечка хлеба и булочек в пекарне.",
        &["наубайшы"],
        true,
        40,
        3,
    ),
    (
        "Кір жуушы",
        "Прачка",
        "Ауруханада кір жуу және үтіктеу.",
        "Стирка и глажка белья в больнице.",
        &["тазалық"],
        false,
        30,
        0,
    ),
    (
        "Әкімшілік көмекші",
        "Помощник администратора",
        "Құжаттармен жұмыс және келушілерді қабылдау.",
        "Работа с документами и приём посетителей.",
        &["компьютер", "орыс тілі"],
        false,
        25,
        4,
    ),
];

const COURSES: &[Template] = &[
    (
        "Кондитер курсы",
        "Курсы кондитера",
        "Торт, печенье және тәтті тағамдар дайындауды үйрену. Стипендия төленеді.",
        "Обучение приготовлению тортов, печенья и десертов. Выплачивается стипендия.",
        &[],
        false,
        9,
        0,
    ),
    (
        "Тігін курсы",
        "Курсы кройки и шитья",
        "Тігін машинасымен жұмыс, өрнек құру, киім тігу.",
        "Работа на швейной машине, построение выкроек, пошив одежды.",
        &[],
        false,
        12,
        0,
    ),
    (
        "Компьютерлік сауаттылық",
        "Компьютерная грамотность",
        "Компьютер, интернет, электрондық үкімет қызметтері.",
        "Компьютер, интернет, услуги электронного правительства.",
        &[],
        false,
        6,
        1,
    ),
    (
        "Шаштараз курсы",
        "Курсы парикмахера",
        "Шаш қию мен сәндеудің негіздері.",
        "Основы стрижки и укладки волос.",
        &[],
        false,
        12,
        1,
    ),
    (
        "Бухгалтерия негіздері (1С)",
        "Основы бухгалтерии (1С)",
        "Бастапқы есеп және 1С бағдарламасы.",
        "Первичный учёт и программа 1С.",
        &["компьютер"],
        false,
        9,
        1,
    ),
    (
        "Маникюр шебері",
        "Мастер маникюра",
        "Маникюр мен педикюр, гигиена талаптары.",
        "Маникюр и педикюр, санитарные требования.",
        &[],
        false,
        9,
        0,
    ),
];

/// District code and a point near its centre.
const DISTRICTS: &[(&str, f64, f64)] = &[
    ("alatau", 43.300, 76.850),
    ("almaly", 43.255, 76.920),
    ("auezov", 43.225, 76.850),
    ("bostandyk", 43.210, 76.910),
    ("zhetysu", 43.300, 76.950),
    ("medeu", 43.240, 76.980),
    ("nauryzbay", 43.190, 76.790),
    ("turksib", 43.340, 76.960),
];

/// Who posts: (organisation id, member account id).
pub struct Posters {
    pub employers: Vec<(String, String)>,
    pub providers: Vec<(String, String)>,
}

/// Makes openings `from..to` of the demo set (jobs and courses alternating 3:2), published over
/// the past month, deadlines over the next two months.
#[allow(clippy::too_many_arguments)]
pub fn seed(
    c: &mut DbConnection,
    from: u32,
    to: u32,
    posters: &Posters,
    jobs_programme: &str,
    courses_programme: &str,
    minimum_wage_tiyn: i64,
    today: NaiveDate,
) -> Result<usize, AppError> {
    let now = crate::db::now();
    let mut made = Vec::with_capacity((to - from) as usize);
    for i in from..to {
        let mut rng = StdRng::seed_from_u64(u64::from(i) * 7919 + 17);
        let course = i % 5 >= 3;
        let (templates, programme, posters) = if course {
            (COURSES, courses_programme, &posters.providers)
        } else {
            (JOBS, jobs_programme, &posters.employers)
        };
        // The n-th job or the n-th course, so every template takes its turn.
        let n = (i / 5 * if course { 2 } else { 3 } + i % 5 - if course { 3 } else { 0 }) as usize;
        let (kk, ru, dkk, dru, skills, full_time, hours, poster) = templates[n % templates.len()];
        let Some((org, by)) = posters.get(poster).or_else(|| posters.first()) else {
            continue;
        };
        let (district, lat, lon) = DISTRICTS[(i as usize * 7 + i as usize / 10) % DISTRICTS.len()];
        let deadline = today + Duration::days(rng.random_range(7..60));
        let start = deadline + Duration::days(rng.random_range(10..30));
        let days = if full_time {
            vec![
                WeekDay::Mon,
                WeekDay::Tue,
                WeekDay::Wed,
                WeekDay::Thu,
                WeekDay::Fri,
            ]
        } else if i % 2 == 0 {
            vec![WeekDay::Mon, WeekDay::Wed, WeekDay::Fri]
        } else {
            vec![WeekDay::Tue, WeekDay::Thu]
        };
        let input = OpeningInput {
            kind: if course {
                OpeningKind::Course
            } else {
                OpeningKind::Job
            },
            programme_id: programme.to_owned(),
            title: LocalisedText {
                kk: Some(kk.to_owned()),
                ru: Some(ru.to_owned()),
                en: None,
            },
            description: LocalisedText {
                kk: Some(dkk.to_owned()),
                ru: Some(dru.to_owned()),
                en: None,
            },
            district: district.to_owned(),
            // Four in five give a place on the map, within about 3 km of the district's centre.
            coordinates: (i % 5 != 4).then(|| Coordinates {
                lat: lat + rng.random_range(-0.025..0.025),
                lon: lon + rng.random_range(-0.03..0.03),
            }),
            schedule: Schedule {
                employment: if full_time {
                    WorkTime::FullTime
                } else {
                    WorkTime::PartTime
                },
                hours_per_week: hours,
                days: days.clone(),
            },
            skills: skills.iter().map(|s| (*s).to_owned()).collect(),
            capacity: rng.random_range(1..=20),
            application_deadline: deadline,
            start_date: start,
            end_date: course.then(|| start + Duration::days(rng.random_range(27..90))),
            wage_monthly_tiyn: (!course)
                .then(|| minimum_wage_tiyn + 500_000 * rng.random_range(0..=12)),
            sessions: None,
            weekly: course.then(|| WeeklyPattern {
                days,
                start_time: NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default(),
                end_time: NaiveTime::from_hms_opt(13, 0, 0).unwrap_or_default(),
            }),
        };
        let published_at = now - Duration::seconds(rng.random_range(0..30 * 24 * 3600));
        made.push(checked_new(
            c,
            input,
            minimum_wage_tiyn,
            org,
            by,
            Some(published_at),
        )?);
    }
    insert_many(c, &made)?;
    Ok(made.len())
}
