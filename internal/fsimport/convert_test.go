package fsimport

import "testing"

func TestConvertUserRefusalsAndFields(t *testing.T) {
	v := loadVectors(t)
	c, err := NewCipher(v.EncryptionKey)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewCipher("another key")
	enc := func(c *Cipher, x any) string { s, _ := c.Encrypt(x); return s }
	base := func() row {
		return row{"id": int64(3), "username": "u", "email": enc(c, "u@example.com"), "initial": enc(c, "u@example.com"),
			"role": "user", "password": v.Password.V3, "createdAt": int64(1700000000000)}
	}
	cv := &conv{c: c, fields: map[string]int{}}
	if u, reason := cv.user(base()); reason != "" || u.Email != "u@example.com" || u.UpdatedAt != 1700000000000 {
		t.Fatalf("good row: %+v %q", u, reason)
	}
	for name, mod := range map[string]func(r row){
		"undecryptable field users.bio": func(r row) { r["bio"] = enc(other, "x") },
		`unknown role "root"`:           func(r row) { r["role"] = "root" },
		"empty username":                func(r row) { r["username"] = " " },
		"empty email":                   func(r row) { r["email"] = enc(c, "") },
		"id is not a positive number":   func(r row) { r["id"] = int64(0) },
	} {
		r := base()
		mod(r)
		if _, reason := cv.user(r); reason != name {
			t.Errorf("got reason %q, want %q", reason, name)
		}
	}
	r := base()
	r["password"] = "plain text"
	if _, reason := cv.user(r); reason != "" || cv.fields["users.password"] != 1 {
		t.Errorf("unreadable password: %q %v", reason, cv.fields)
	}
	// Prisma's DateTime as milliseconds, seconds or text.
	for in, want := range map[any]int64{int64(1700000000000): 1700000000000, int64(1700000000): 1700000000000,
		"2023-11-14T22:13:20Z": 1700000000000, "2023-11-14 22:13:20": 1700000000000, nil: 0} {
		if got := (row{"t": in}).time("t"); got != want {
			t.Errorf("time(%v) = %d, want %d", in, got, want)
		}
	}
}
