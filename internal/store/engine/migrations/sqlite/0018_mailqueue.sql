-- The mail queue (an outbox table, mailqueue.go): every mail a change
-- causes is written here in the same transaction as the change, and a
-- worker per replica delivers it over SMTP, retrying with backoff until
-- retry_from + the retry window, then marking it failed. Recipient and
-- message are encrypted like every personal field. A delivered row is
-- deleted; a failed one stays for `bobbin mail list|retry`.
CREATE TABLE mail_queue (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  to_enc TEXT NOT NULL,
  body_enc TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued', -- queued, failed
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,    -- unix ms: not before (also a claim's lease)
  retry_from INTEGER NOT NULL, -- unix ms: the retry window starts here
  last_error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE INDEX mail_queue_due ON mail_queue(status, next_at);
