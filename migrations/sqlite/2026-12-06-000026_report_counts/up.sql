-- The city's figures, counted by the same transactions that change the data: one row per month
-- (Asia/Almaty), programme, district (the opening's) and metric. A year of a national programme
-- is a few thousand rows per district, so reports never scan applications or payouts.
CREATE TABLE report_counts (
    period TEXT NOT NULL,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    district TEXT NOT NULL,
    metric TEXT NOT NULL,
    count BIGINT NOT NULL,
    amount_tiyn BIGINT NOT NULL,
    PRIMARY KEY (period, programme_id, district, metric)
);
