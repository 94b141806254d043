DROP TABLE audit_log;
DROP TABLE connections;
DROP TABLE partner_area_cells;
DROP TABLE partner_categories;
DROP TABLE partner_profiles;
DROP TABLE categories;
