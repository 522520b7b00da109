DROP TABLE wage_reports;
