DROP TABLE photo_removals;
DROP TABLE photos;
