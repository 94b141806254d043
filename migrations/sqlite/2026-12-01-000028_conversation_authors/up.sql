-- What one person wrote, found without reading every message (erasing a deleted account's words).
CREATE INDEX messages_by_sender ON messages (sender_id);
CREATE INDEX message_reports_by_reporter ON message_reports (reporter_id);
