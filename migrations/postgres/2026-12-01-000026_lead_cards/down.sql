DROP TABLE lead_cards;
