-- Every change of a set row tells every replica's set-row cache, from
-- inside the transaction that makes it (PostgreSQL delivers a NOTIFY if
-- and only if its transaction commits, identical ones once): whichever
-- version of Bobbin, tool or cascade wrote it (store/records/setcache.go,
-- engine/notify.go). The payload names the record stripes: the set's row
-- and its owner's list, before and after.
CREATE FUNCTION bobbin_sets_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM pg_notify('bobbin_revoke', 'tsets:' || OLD.id || ',sets.user_id:' || OLD.user_id);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM pg_notify('bobbin_revoke', 'tsets:' || NEW.id || ',sets.user_id:' || NEW.user_id);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER sets_changed AFTER INSERT OR UPDATE OR DELETE ON sets
  FOR EACH ROW EXECUTE FUNCTION bobbin_sets_changed();
