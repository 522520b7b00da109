//! What the service says to people, in each language it speaks: messages and the reasons a field
//! is refused. Language-neutral values built by the domain; the adapters (the API's problem
//! details, the cabinet's pages, emails) render them in the reader's language.

use crate::locale::Locale;

/// A message the service may show a person, in each language it speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    MalformedJson {
        line: usize,
        column: usize,
    },
    JsonBodyInvalid,
    JsonFieldMissing,
    JsonFieldUnknown,
    JsonFieldWrongType,
    UnsupportedMediaType {
        expected: &'static str,
    },
    PayloadTooLarge {
        limit: usize,
    },
    QueryInvalid,
    ResourceNotFound,
    RouteNotFound,
    MethodNotAllowed {
        allow: String,
    },
    ServiceBusy,
    DatabaseUnavailable,
    Internal {
        request_id: String,
    },
    OnlyDeadMessagesCanBeRetried,
    AuthenticationRequired,
    InvalidCredentials,
    Forbidden,
    TokenInvalid,
    TooManyAttempts,
    EmailAlreadyRegistered,
    AlreadyInOrganisation,
    OrganisationKindMismatch,
    BinAlreadyRegistered,
    CannotDisableYourself,
    IinHeldByOther,
    ProfileRequired,
    HouseholdNotSubmittable,
    HouseholdNotPending,
    OpeningNotDraft,
    OpeningNotPublished,
    OpeningClosed,
    OpeningKindForbidden,
    OrganisationNotApproved,
    ProgrammeNotInForce,
    DeadlinePassed,
    NotEligible,
    AlreadyApplied,
    TooManyApplications {
        max: u32,
    },
    ApplicationNotWithdrawable,
    RoundAlreadyRunning,
    OfferNotPending,
    OfferExpired,
    NoPlacesLeft,
    PlacementNotAwaitingStart,
    PlacementNotActive,
    /// A wage report already exists for this placement and month.
    WageReportExists,
    /// A confirmed wage report no longer changes.
    WageReportConfirmed,
    /// Only a submitted wage report is decided.
    WageReportNotSubmitted,
    PeriodClosed,
    PeriodNotOver,
    PeriodNotClosed,
    SessionCancelled,
    SessionNotHeldYet,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    CsvInvalid,
    /// A NUL character (`%00`, `\u0000`) anywhere in a request.
    NulCharacter,
    BankFileRejected,
    NothingToApprove,
    BatchNotExported,
    /// Another worker or case worker moved the payout on a moment ago.
    PayoutChangedMeanwhile,
    /// She has an erasure request waiting for a decision already.
    ErasureAlreadyRequested,
    /// The erasure request was decided already.
    ErasureNotOpen,
    /// The erasure must wait: `codes` names what blocks it (machine-readable codes).
    ErasureBlocked {
        codes: String,
    },
    /// A validation message of the caller's own.
    Field(FieldMsg),
}

/// Messages attached to one input field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldMsg {
    Required,
    TooLong {
        max: usize,
    },
    TooShort {
        min: usize,
    },
    OutOfRange {
        min: i64,
        max: i64,
    },
    Invalid,
    Unknown,
    PasswordLikeEmail,
    PasswordTooCommon,
    WrongPassword,
    BinInvalid,
    RoleNotAllowed,
    DistrictUnknown,
    IinInvalid,
    BirthDateInFuture,
    IbanInvalid,
    PhoneInvalid,
    ExactlyOneSelf,
    NotTheIinBirthDate,
    TierUnreachable,
    NotForThisKind,
    AbsentCannotCount,
    BelowMinimumWage {
        min_tiyn: i64,
    },
    MustBeAfter {
        field: &'static str,
    },
    MustBeBefore {
        field: &'static str,
    },
    KazakhOrRussianRequired,
    OutsideCourseDates,
    /// A date outside the years the service deals in ([`crate::clock::EARLIEST_DATE`] to
    /// [`crate::clock::LATEST_DATE`]).
    DateOutOfRange,
    /// A control, bidirectional-override or invisible character.
    ForbiddenCharacters,
    /// A confirmation file names this payout on an earlier line too.
    NamedTwice {
        first_line: usize,
    },
    CapacityBelowPlacesGiven {
        given: i64,
    },
    NeedsNear,
    /// Sessions of the course that would fall outside its new dates.
    SessionsOutsideDates {
        count: usize,
    },
    FixedOncePublished,
    SessionsXorWeekly,
    NoWordsToSearch,
    /// The account holder's BIN is not the organisation's.
    NotTheOrganisationBin,
    /// A month is reported once it has ended.
    MonthNotEnded,
    /// The month lies outside the placement (before it began, after it ended).
    OutsidePlacement,
}

impl Msg {
    pub fn text(&self, l: Locale) -> String {
        use Locale::*;
        match self {
            Msg::MalformedJson { line, column } => match l {
                Kk => format!("Сұраныс денесі жарамды JSON емес ({line}-жол, {column}-баған)."),
                Ru => format!(
                    "Тело запроса не является корректным JSON (строка {line}, столбец {column})."
                ),
                En => format!("The request body is not valid JSON (line {line}, column {column})."),
            },
            Msg::JsonBodyInvalid => match l {
                Kk => "Сұраныс денесінде қате өрістер бар.".into(),
                Ru => "В теле запроса есть ошибки в полях.".into(),
                En => "The request body has invalid fields.".into(),
            },
            Msg::JsonFieldMissing => match l {
                Kk => "Бұл өріс міндетті.".into(),
                Ru => "Это поле обязательно.".into(),
                En => "This field is required.".into(),
            },
            Msg::JsonFieldUnknown => match l {
                Kk => "Мұндай өріс жоқ.".into(),
                Ru => "Такого поля нет.".into(),
                En => "This field is not known.".into(),
            },
            Msg::JsonFieldWrongType => match l {
                Kk => "Мәннің түрі немесе пішімі қате.".into(),
                Ru => "Значение неверного типа или формата.".into(),
                En => "The value has the wrong type or format.".into(),
            },
            Msg::UnsupportedMediaType { expected } => match l {
                Kk => format!("Content-Type {expected} болуы керек."),
                Ru => format!("Content-Type должен быть {expected}."),
                En => format!("Content-Type must be {expected}."),
            },
            Msg::PayloadTooLarge { limit } => match l {
                Kk => format!("Сұраныс денесі тым үлкен (ең көбі {limit} байт)."),
                Ru => format!("Тело запроса слишком большое (не более {limit} байт)."),
                En => format!("The request body is too large (at most {limit} bytes)."),
            },
            Msg::QueryInvalid => match l {
                Kk => "Сұраныс параметрлері қате.".into(),
                Ru => "Неверные параметры запроса.".into(),
                En => "The query parameters are invalid.".into(),
            },
            Msg::ResourceNotFound => match l {
                Kk => "Сұралған нысан табылмады.".into(),
                Ru => "Запрошенный объект не найден.".into(),
                En => "The requested object was not found.".into(),
            },
            Msg::RouteNotFound => match l {
                Kk => "Мұндай мекенжай жоқ.".into(),
                Ru => "Такого адреса нет.".into(),
                En => "There is nothing at this address.".into(),
            },
            Msg::MethodNotAllowed { allow } => match l {
                Kk => format!("Бұл мекенжай тек {allow} әдістерін қабылдайды."),
                Ru => format!("Этот адрес принимает только методы {allow}."),
                En => format!("This address accepts only {allow}."),
            },
            Msg::ServiceBusy => match l {
                Kk => "Қызмет қазір бос емес. Сәлден соң қайталаңыз.".into(),
                Ru => "Сервис сейчас перегружен. Повторите чуть позже.".into(),
                En => "The service is busy. Please try again shortly.".into(),
            },
            Msg::DatabaseUnavailable => match l {
                Kk => "Дерекқор қолжетімсіз.".into(),
                Ru => "База данных недоступна.".into(),
                En => "The database is not reachable.".into(),
            },
            Msg::Internal { request_id } => match l {
                Kk => format!("Ішкі қате. Сұраныс нөмірі: {request_id}."),
                Ru => format!("Внутренняя ошибка. Номер запроса: {request_id}."),
                En => format!("Internal error. Request id: {request_id}."),
            },
            Msg::OnlyDeadMessagesCanBeRetried => match l {
                Kk => "Тек жіберілмей қалған (dead) хатты қайта жіберуге болады.".into(),
                Ru => "Повторно отправить можно только письмо в статусе dead.".into(),
                En => "Only a dead message can be retried.".into(),
            },
            Msg::AuthenticationRequired => match l {
                Kk => "Кіру қажет: жарамды қолжетімділік токенін жіберіңіз.".into(),
                Ru => "Требуется вход: передайте действующий токен доступа.".into(),
                En => "Sign in required: send a valid access token.".into(),
            },
            Msg::InvalidCredentials => match l {
                Kk => "Электрондық пошта немесе құпиясөз қате.".into(),
                Ru => "Неверный адрес электронной почты или пароль.".into(),
                En => "The email or password is wrong.".into(),
            },
            Msg::Forbidden => match l {
                Kk => "Сіздің рөліңізге бұл әрекетке рұқсат жоқ.".into(),
                Ru => "Вашей роли это действие не разрешено.".into(),
                En => "Your role may not do this.".into(),
            },
            Msg::TokenInvalid => match l {
                Kk => "Сілтеме немесе токен жарамсыз, пайдаланылған немесе мерзімі өткен.".into(),
                Ru => "Ссылка или токен недействительны, уже использованы или истекли.".into(),
                En => "The link or token is invalid, already used or expired.".into(),
            },
            Msg::TooManyAttempts => match l {
                Kk => "Әрекеттер тым көп. Кейінірек қайталаңыз.".into(),
                Ru => "Слишком много попыток. Повторите позже.".into(),
                En => "Too many attempts. Please try again later.".into(),
            },
            Msg::EmailAlreadyRegistered => match l {
                Kk => "Бұл электрондық пошта тіркелген.".into(),
                Ru => "Этот адрес электронной почты уже зарегистрирован.".into(),
                En => "This email is already registered.".into(),
            },
            Msg::AlreadyInOrganisation => match l {
                Kk => "Сіз ұйымның мүшесісіз.".into(),
                Ru => "Вы уже состоите в организации.".into(),
                En => "You already belong to an organisation.".into(),
            },
            Msg::OrganisationKindMismatch => match l {
                Kk => "Жұмыс беруші тек жұмыс беруші ұйымын, оқыту ұйымы тек оқыту ұйымын тіркей алады.".into(),
                Ru => "Работодатель регистрирует только организацию-работодателя, провайдер — только учебную.".into(),
                En => "An employer registers an employer organisation, a provider a training provider.".into(),
            },
            Msg::BinAlreadyRegistered => match l {
                Kk => "Бұл БСН-мен ұйым тіркелген.".into(),
                Ru => "Организация с этим БИН уже зарегистрирована.".into(),
                En => "An organisation with this BIN is already registered.".into(),
            },
            Msg::CannotDisableYourself => match l {
                Kk => "Өз аккаунтыңызды өшіре алмайсыз.".into(),
                Ru => "Нельзя отключить собственную учётную запись.".into(),
                En => "You cannot disable your own account.".into(),
            },
            Msg::IinHeldByOther => match l {
                Kk => "Бұл ЖСН-ді басқа расталған аккаунт ұстап тұр. Алдымен құжаттарды салыстырып, екеуінің бірін қабылдамаңыз.".into(),
                Ru => "Этот ИИН уже закреплён за другой подтверждённой учётной записью. Сверьте документы и отклоните одну из них.".into(),
                En => "Another verified account already holds this IIN. Check the documents and reject one of the two first.".into(),
            },
            Msg::ProfileRequired => match l {
                Kk => "Іздеушінің ЖСН көрсетілген профилі әлі жоқ: отбасын растау үшін алдымен профильді толтыруы керек.".into(),
                Ru => "У соискателя ещё нет профиля с ИИН: прежде чем подтверждать семью, профиль нужно заполнить.".into(),
                En => "The seeker has no profile with an IIN yet: it must be filled in before the household can be verified.".into(),
            },
            Msg::HouseholdNotSubmittable => match l {
                Kk => "Отбасы деректері тексеруде немесе расталған.".into(),
                Ru => "Данные семьи уже на проверке или подтверждены.".into(),
                En => "The household is already being checked or verified.".into(),
            },
            Msg::HouseholdNotPending => match l {
                Kk => "Тек тексеруге жіберілген отбасы деректерін шешуге болады.".into(),
                Ru => "Решение принимается только по данным, отправленным на проверку.".into(),
                En => "Only a household submitted for checking can be decided.".into(),
            },
            Msg::OpeningNotDraft => match l {
                Kk => "Тек жобадағы (draft) орынды жариялауға болады.".into(),
                Ru => "Опубликовать можно только черновик.".into(),
                En => "Only a draft opening can be published.".into(),
            },
            Msg::OpeningNotPublished => match l {
                Kk => "Бұл әрекет тек жарияланған орынға жасалады; жобаны өңдеңіз.".into(),
                Ru => "Это действие доступно только для опубликованного места; черновик можно просто изменить.".into(),
                En => "This is done only to a published opening; edit a draft instead.".into(),
            },
            Msg::OpeningClosed => match l {
                Kk => "Бұл орын жабылған, оны өзгертуге болмайды.".into(),
                Ru => "Это место закрыто и не может быть изменено.".into(),
                En => "This opening is closed and cannot be changed.".into(),
            },
            Msg::OpeningKindForbidden => match l {
                Kk => "Жұмыс берушілер тек жұмыс орнын, оқу орталықтары тек курсты жариялайды.".into(),
                Ru => "Работодатели размещают только вакансии, учебные центры — только курсы.".into(),
                En => "Employers post jobs and training providers post courses.".into(),
            },
            Msg::OrganisationNotApproved => match l {
                Kk => "Ұйым әлі бекітілмеген: орын ашуға болмайды.".into(),
                Ru => "Организация ещё не одобрена: размещать места нельзя.".into(),
                En => "Your organisation is not approved yet, so it cannot post openings.".into(),
            },
            Msg::ProgrammeNotInForce => match l {
                Kk => "Бағдарлама бұл күндері қолданылмайды.".into(),
                Ru => "Программа не действует в эти даты.".into(),
                En => "The programme is not in force for these dates.".into(),
            },
            Msg::DeadlinePassed => match l {
                Kk => "Өтінім беру мерзімі өтіп кеткен.".into(),
                Ru => "Срок подачи заявок уже прошёл.".into(),
                En => "The application deadline has passed.".into(),
            },
            Msg::NotEligible => match l {
                Kk => "Сіз бұл бағдарламаға сәйкес келмейсіз: отбасы деректері расталуы және шарттарға сай болуы керек.".into(),
                Ru => "Вы не соответствуете условиям программы: данные семьи должны быть подтверждены и отвечать условиям.".into(),
                En => "You are not eligible for this programme: your household must be verified and meet its conditions.".into(),
            },
            Msg::AlreadyApplied => match l {
                Kk => "Сіз бұл орынға өтінім бергенсіз.".into(),
                Ru => "Вы уже подали заявку на это место.".into(),
                En => "You have already applied for this opening.".into(),
            },
            Msg::TooManyApplications { max } => match l {
                Kk => format!("Бір бағдарламада ең көбі {max} өтінім болуы мүмкін."),
                Ru => format!("В одной программе может быть не больше {max} заявок."),
                En => format!("At most {max} applications per programme."),
            },
            Msg::ApplicationNotWithdrawable => match l {
                Kk => "Бұл өтінімді қайтарып алуға болмайды: ол бойынша ұсыныс жасалған немесе ол жабылған.".into(),
                Ru => "Эту заявку нельзя отозвать: по ней уже сделано предложение или она закрыта.".into(),
                En => "This application cannot be withdrawn: an offer was made on it, or it is closed.".into(),
            },
            Msg::RoundAlreadyRunning => match l {
                Kk => "Бұл бағдарлама мен түр бойынша тур қазір жүріп жатыр.".into(),
                Ru => "Тур по этой программе и виду уже идёт.".into(),
                En => "A round for this programme and kind is already running.".into(),
            },
            Msg::OfferNotPending => match l {
                Kk => "Бұл ұсынысқа жауап берілген.".into(),
                Ru => "На это предложение уже дан ответ.".into(),
                En => "This offer has already been answered.".into(),
            },
            Msg::OfferExpired => match l {
                Kk => "Ұсыныстың мерзімі өтіп кетті.".into(),
                Ru => "Срок ответа на предложение истёк.".into(),
                En => "The time to answer this offer has passed.".into(),
            },
            Msg::NoPlacesLeft => match l {
                Kk => "Бос орын қалмады.".into(),
                Ru => "Свободных мест не осталось.".into(),
                En => "No places are left.".into(),
            },
            Msg::PlacementNotAwaitingStart => match l {
                Kk => "Жұмыс басталып қойған немесе аяқталған.".into(),
                Ru => "Работа уже начата или завершена.".into(),
                En => "This placement has already started or ended.".into(),
            },
            Msg::WageReportExists => match l {
                Kk => "Бұл айға есеп бұрыннан бар: оны түзетіңіз.".into(),
                Ru => "Отчёт за этот месяц уже есть: исправьте его.".into(),
                En => "There is already a report for this month: correct it instead.".into(),
            },
            Msg::WageReportConfirmed => match l {
                Kk => "Есеп расталған, оны өзгертуге болмайды.".into(),
                Ru => "Отчёт подтверждён и больше не меняется.".into(),
                En => "The report is confirmed and no longer changes.".into(),
            },
            Msg::WageReportNotSubmitted => match l {
                Kk => "Тек жіберілген есеп бойынша шешім қабылданады.".into(),
                Ru => "Решение принимается только по поданному отчёту.".into(),
                En => "Only a submitted report can be decided.".into(),
            },
            Msg::PlacementNotActive => match l {
                Kk => "Тек басталған жұмысты аяқтауға болады.".into(),
                Ru => "Завершить можно только начатую работу.".into(),
                En => "Only a started placement can be ended.".into(),
            },
            Msg::PeriodClosed => match l {
                Kk => "Бұл ай жабылған: өзгерістер үшін оны маман қайта ашуы керек.".into(),
                Ru => "Этот месяц закрыт: для изменений его должен открыть специалист.".into(),
                En => "This month is closed: a case worker must reopen it for changes.".into(),
            },
            Msg::PeriodNotOver => match l {
                Kk => "Ай әлі аяқталған жоқ.".into(),
                Ru => "Месяц ещё не закончился.".into(),
                En => "The month is not over yet.".into(),
            },
            Msg::PeriodNotClosed => match l {
                Kk => "Бұл ай жабылмаған.".into(),
                Ru => "Этот месяц не закрыт.".into(),
                En => "This month is not closed.".into(),
            },
            Msg::SessionCancelled => match l {
                Kk => "Сабақ тоқтатылған.".into(),
                Ru => "Занятие отменено.".into(),
                En => "The session was cancelled.".into(),
            },
            Msg::SessionNotHeldYet => match l {
                Kk => "Сабақ әлі өткен жоқ.".into(),
                Ru => "Занятие ещё не состоялось.".into(),
                En => "The session has not taken place yet.".into(),
            },
            Msg::IdempotencyKeyInvalid => match l {
                Kk => "Idempotency-Key 1–200 таңба болуы керек.".into(),
                Ru => "Idempotency-Key должен содержать от 1 до 200 символов.".into(),
                En => "Idempotency-Key must be 1–200 characters.".into(),
            },
            Msg::IdempotencyKeyReused => match l {
                Kk => "Бұл Idempotency-Key басқа сұраныспен қолданылған.".into(),
                Ru => "Этот Idempotency-Key уже использован с другим запросом.".into(),
                En => "This Idempotency-Key was used with a different request.".into(),
            },
            Msg::CsvInvalid => match l {
                Kk => "Файл UTF-8 кодтауындағы CSV болуы керек.".into(),
                Ru => "Файл должен быть CSV в кодировке UTF-8.".into(),
                En => "The file must be CSV in UTF-8.".into(),
            },
            Msg::NulCharacter => match l {
                Kk => "Сұраныста NUL таңбасы бар (%00 немесе \\u0000); оны ешбір өріс қабылдамайды.".into(),
                Ru => "В запросе есть символ NUL (%00 или \\u0000); его не принимает ни одно поле.".into(),
                En => "The request holds a NUL character (%00 or \\u0000), which no field accepts.".into(),
            },
            Msg::BankFileRejected => match l {
                Kk => "Банк файлында қате жолдар бар; ештеңе өзгертілмеді.".into(),
                Ru => "В файле банка есть ошибочные строки; ничего не изменено.".into(),
                En => "The bank file has lines in error; nothing was changed.".into(),
            },
            Msg::NothingToApprove => match l {
                Kk => "Бұл айда бекітуге төлем жоқ.".into(),
                Ru => "За этот месяц нет выплат для утверждения.".into(),
                En => "There are no payouts of this month to approve.".into(),
            },
            Msg::BatchNotExported => match l {
                Kk => "Алдымен банк файлын жүктеп алыңыз.".into(),
                Ru => "Сначала выгрузите файл для банка.".into(),
                En => "Export the bank file first.".into(),
            },
            Msg::PayoutChangedMeanwhile => match l {
                Kk => "Төлем осы сәтте басқа әрекетпен өзгерді; бетті жаңартып, қайталаңыз.".into(),
                Ru => "Выплата только что изменена другим действием; обновите и повторите.".into(),
                En => "The payout was changed by another action a moment ago; reload and retry.".into(),
            },
            Msg::ErasureAlreadyRequested => match l {
                Kk => "Деректерді жою туралы өтінішіңіз қаралуда.".into(),
                Ru => "Ваш запрос на удаление данных уже рассматривается.".into(),
                En => "Your erasure request is already waiting for a decision.".into(),
            },
            Msg::ErasureNotOpen => match l {
                Kk => "Бұл өтініш бойынша шешім қабылданған.".into(),
                Ru => "По этому запросу решение уже принято.".into(),
                En => "This request has been decided already.".into(),
            },
            Msg::ErasureBlocked { codes } => match l {
                Kk => format!("Деректерді әзірге жоюға болмайды: {codes}."),
                Ru => format!("Данные пока нельзя удалить: {codes}."),
                En => format!("The data cannot be erased yet: {codes}."),
            },
            Msg::Field(f) => f.text(l),
        }
    }
}

impl FieldMsg {
    pub fn text(&self, l: Locale) -> String {
        use Locale::*;
        match self {
            FieldMsg::Required => Msg::JsonFieldMissing.text(l),
            FieldMsg::TooLong { max } => match l {
                Kk => format!("Ең көбі {max} таңба."),
                Ru => format!("Не более {max} символов."),
                En => format!("At most {max} characters."),
            },
            FieldMsg::TooShort { min } => match l {
                Kk => format!("Кемінде {min} таңба."),
                Ru => format!("Не менее {min} символов."),
                En => format!("At least {min} characters."),
            },
            FieldMsg::OutOfRange { min, max } => match l {
                Kk => format!("{min} мен {max} аралығында болуы керек."),
                Ru => format!("Должно быть от {min} до {max}."),
                En => format!("Must be between {min} and {max}."),
            },
            FieldMsg::Invalid => Msg::JsonFieldWrongType.text(l),
            FieldMsg::Unknown => Msg::JsonFieldUnknown.text(l),
            FieldMsg::PasswordLikeEmail => match l {
                Kk => "Құпиясөз электрондық поштаға ұқсамауы керек.".into(),
                Ru => "Пароль не должен совпадать с адресом почты.".into(),
                En => "The password must not be your email.".into(),
            },
            FieldMsg::PasswordTooCommon => match l {
                Kk => "Бұл құпиясөз тым кең таралған.".into(),
                Ru => "Этот пароль слишком распространён.".into(),
                En => "This password is too common.".into(),
            },
            FieldMsg::WrongPassword => match l {
                Kk => "Құпиясөз қате.".into(),
                Ru => "Неверный пароль.".into(),
                En => "The password is wrong.".into(),
            },
            FieldMsg::BinInvalid => match l {
                Kk => "БСН 12 цифрдан тұрады және бақылау цифры дұрыс болуы керек.".into(),
                Ru => "БИН — 12 цифр с верной контрольной цифрой.".into(),
                En => "A BIN is 12 digits with a valid check digit.".into(),
            },
            FieldMsg::RoleNotAllowed => match l {
                Kk => "Бұл рөлді мұнда таңдауға болмайды.".into(),
                Ru => "Эту роль здесь выбрать нельзя.".into(),
                En => "This role cannot be chosen here.".into(),
            },
            FieldMsg::IinInvalid => match l {
                Kk => {
                    "ЖСН 12 цифрдан тұрады, бақылау цифры мен туған күні дұрыс болуы керек.".into()
                }
                Ru => "ИИН — 12 цифр с верной контрольной цифрой и датой рождения.".into(),
                En => "An IIN is 12 digits with a valid check digit and birth date.".into(),
            },
            FieldMsg::BirthDateInFuture => match l {
                Kk => "ЖСН-дағы туған күн әлі келген жоқ.".into(),
                Ru => "Дата рождения в ИИН ещё не наступила.".into(),
                En => "The birth date in the IIN is in the future.".into(),
            },
            FieldMsg::IbanInvalid => match l {
                Kk => "IBAN: KZ, 20 таңба, бақылау сандары дұрыс болуы керек.".into(),
                Ru => "IBAN: KZ, 20 символов, с верными контрольными цифрами.".into(),
                En => "An IBAN here is KZ, 20 characters, with valid check digits.".into(),
            },
            FieldMsg::PhoneInvalid => match l {
                Kk => "Телефон +7 және он цифр болуы керек.".into(),
                Ru => "Телефон: +7 и десять цифр.".into(),
                En => "A phone number is +7 and ten digits.".into(),
            },
            FieldMsg::TierUnreachable => match l {
                Kk => "Бұл деңгейге ешкім жетпейді: алдыңғы деңгей оның барлық шарттарын қамтиды."
                    .into(),
                Ru => "Этот уровень недостижим: предыдущий уровень уже покрывает все его условия."
                    .into(),
                En => {
                    "No one can reach this tier: an earlier tier already covers all its conditions."
                        .into()
                }
            },
            FieldMsg::NotForThisKind => match l {
                Kk => "Бұл бағдарлама түріне арналмаған.".into(),
                Ru => "Не относится к программе этого вида.".into(),
                En => "Does not belong to a programme of this kind.".into(),
            },
            FieldMsg::BelowMinimumWage { min_tiyn } => {
                let tenge = min_tiyn / 100;
                match l {
                    Kk => format!("Ең төменгі жалақыдан ({tenge} ₸) кем болмауы керек."),
                    Ru => format!("Не меньше минимальной заработной платы ({tenge} ₸)."),
                    En => format!("At least the minimum wage ({tenge} ₸)."),
                }
            }
            FieldMsg::MustBeAfter { field } => match l {
                Kk => format!("`{field}` өрісінен кейін болуы керек."),
                Ru => format!("Должно быть позже `{field}`."),
                En => format!("Must be after `{field}`."),
            },
            FieldMsg::MustBeBefore { field } => match l {
                Kk => format!("`{field}` өрісінен бұрын болуы керек."),
                Ru => format!("Должно быть раньше `{field}`."),
                En => format!("Must be before `{field}`."),
            },
            FieldMsg::KazakhOrRussianRequired => match l {
                Kk => "Мәтінді қазақ немесе орыс тілінде беріңіз.".into(),
                Ru => "Укажите текст на казахском или русском языке.".into(),
                En => "Give the text in Kazakh or Russian.".into(),
            },
            FieldMsg::OutsideCourseDates => match l {
                Kk => "Сабақ курстың басталу және аяқталу күндерінің арасында болуы керек.".into(),
                Ru => "Занятие должно быть между датами начала и окончания курса.".into(),
                En => "A session must fall between the course's start and end dates.".into(),
            },
            FieldMsg::NamedTwice { first_line } => match l {
                Kk => format!(
                    "Бұл төлем файлда {first_line}-жолда да бар: файл тұтастай қабылданбады."
                ),
                Ru => {
                    format!("Эта выплата уже указана в строке {first_line}: файл отклонён целиком.")
                }
                En => format!(
                    "This payout is named on line {first_line} too: the file is rejected whole."
                ),
            },
            FieldMsg::ForbiddenCharacters => match l {
                Kk => "Басқару, мәтін бағытын ауыстыратын немесе көрінбейтін таңбаларға болмайды.".into(),
                Ru => "Нельзя использовать управляющие, невидимые символы и символы смены направления текста.".into(),
                En => "Control, invisible and text-direction characters are not allowed.".into(),
            },
            FieldMsg::DateOutOfRange => match l {
                Kk => "Күн 2000-01-01 мен 2099-12-31 аралығында болуы керек.".into(),
                Ru => "Дата должна быть между 2000-01-01 и 2099-12-31.".into(),
                En => "A date must lie between 2000-01-01 and 2099-12-31.".into(),
            },
            FieldMsg::CapacityBelowPlacesGiven { given } => match l {
                Kk => format!("Берілген орындар санынан ({given}) кем болмауы керек."),
                Ru => format!("Не меньше числа уже предоставленных мест ({given})."),
                En => format!("Cannot be less than the {given} places already given."),
            },
            FieldMsg::NeedsNear => match l {
                Kk => "`near=lat,lon` параметрімен бірге ғана.".into(),
                Ru => "Только вместе с параметром `near=lat,lon`.".into(),
                En => "Only together with `near=lat,lon`.".into(),
            },
            FieldMsg::FixedOncePublished => match l {
                Kk => "Жарияланғаннан кейін өзгертуге болмайды.".into(),
                Ru => "Нельзя изменить после публикации.".into(),
                En => "Cannot be changed once published.".into(),
            },
            FieldMsg::SessionsXorWeekly => match l {
                Kk => "`sessions` немесе `weekly` өрісінің біреуін ғана беріңіз.".into(),
                Ru => "Укажите ровно одно из полей `sessions` или `weekly`.".into(),
                En => "Give exactly one of `sessions` or `weekly`.".into(),
            },
            FieldMsg::SessionsOutsideDates { count } => match l {
                Kk => format!("{count} сабақ бұл күндерден тыс қалады: алдымен оларды жылжытыңыз немесе болдырмаңыз."),
                Ru => format!("Занятий вне этих дат: {count}. Сначала перенесите или отмените их."),
                En => format!("{count} session(s) would fall outside these dates: move or cancel them first."),
            },
            FieldMsg::NotTheOrganisationBin => match l {
                Kk => "Шот иесінің БСН ұйымның БСН-іне сәйкес келмейді.".into(),
                Ru => "БИН владельца счёта не совпадает с БИН организации.".into(),
                En => "The account holder's BIN is not the organisation's.".into(),
            },
            FieldMsg::MonthNotEnded => match l {
                Kk => "Ай аяқталғаннан кейін ғана есеп беріледі.".into(),
                Ru => "Отчёт подаётся после окончания месяца.".into(),
                En => "A month is reported once it has ended.".into(),
            },
            FieldMsg::OutsidePlacement => match l {
                Kk => "Бұл ай жұмыс мерзіміне кірмейді.".into(),
                Ru => "Этот месяц вне срока работы.".into(),
                En => "This month lies outside the placement.".into(),
            },
            FieldMsg::NoWordsToSearch => match l {
                Kk => "Іздеуге сөз жоқ.".into(),
                Ru => "Нет слов для поиска.".into(),
                En => "There are no words to search for.".into(),
            },
            FieldMsg::AbsentCannotCount => match l {
                Kk => "«absent» қатысу ретінде есептелмейді.".into(),
                Ru => "«absent» не может считаться посещением.".into(),
                En => "`absent` cannot count as attended.".into(),
            },
            FieldMsg::ExactlyOneSelf => match l {
                Kk => "Отбасы мүшелерінің ішінде дәл бір рет «self» (өзіңіз) болуы керек.".into(),
                Ru => "Среди членов семьи должен быть ровно один «self» (вы сами).".into(),
                En => "Exactly one member must be `self` (you).".into(),
            },
            FieldMsg::NotTheIinBirthDate => match l {
                Kk => "Туған күніңіз ЖСН-дағы күнмен сәйкес келмейді.".into(),
                Ru => "Ваша дата рождения не совпадает с датой в ИИН.".into(),
                En => "Your birth date differs from the one in your IIN.".into(),
            },
            FieldMsg::DistrictUnknown => match l {
                Kk => "Мұндай аудан жоқ.".into(),
                Ru => "Такого района нет.".into(),
                En => "No such district.".into(),
            },
        }
    }
}
