-- Many alerts raised together go out as one digest message; each alert row names the digest that carried it.
ALTER TABLE alerts_sent ADD COLUMN digest_key text;
