DROP TABLE message_reports;
DROP TABLE messages;
DROP TABLE conversations;
