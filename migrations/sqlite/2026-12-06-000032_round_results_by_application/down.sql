DROP INDEX round_results_application;
