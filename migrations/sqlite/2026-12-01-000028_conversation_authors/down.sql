DROP INDEX message_reports_by_reporter;
DROP INDEX messages_by_sender;
