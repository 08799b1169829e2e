-- CRC-32 of a file's content (a u32 held in an INTEGER), once read: zip entries need it.
ALTER TABLE order_files ADD COLUMN crc32 INTEGER;
