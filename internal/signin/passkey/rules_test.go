package passkey

import (
	"errors"
	"testing"

	"github.com/go-webauthn/webauthn/webauthn"

	"bobbin/internal/apierr"
	"bobbin/internal/config"
)

func TestRelyingParty(t *testing.T) {
	rp, err := RelyingParty(&config.Config{WebsiteURL: "https://freesewing.org", URL: "https://backend.freesewing.org", Site: config.Site{SiteName: "FreeSewing"}})
	if err != nil {
		t.Fatal(err)
	}
	if rp.RPID != "freesewing.org" || len(rp.RPOrigins) != 2 || rp.RPOrigins[1] != "https://backend.freesewing.org" || rp.RPDisplayName != "FreeSewing" {
		t.Fatalf("%+v", rp)
	}
	rp, err = RelyingParty(&config.Config{WebsiteURL: "http://localhost:3000", URL: "http://localhost:3000"})
	if err != nil || rp.RPID != "localhost" || len(rp.RPOrigins) != 1 {
		t.Fatalf("%+v %v", rp, err)
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{"": "Passkey", "  Phone ": "Phone", "Ключ": "Ключ"} {
		if got, err := CleanName(in); err != nil || got != want {
			t.Errorf("CleanName(%q) = %q %v", in, got, err)
		}
	}
	for _, bad := range []string{"a\nb", string(make([]rune, 65)), "\xff"} {
		if _, err := CleanName(bad); !errors.Is(err, apierr.NameInvalid) {
			t.Errorf("CleanName(%q) = %v", bad, err)
		}
	}
}

func TestCheck(t *testing.T) {
	ok := &webauthn.Credential{Flags: webauthn.CredentialFlags{UserVerified: true}}
	if err := Check(ok); err != nil {
		t.Fatal(err)
	}
	cloned := *ok
	cloned.Authenticator.CloneWarning = true
	if !errors.Is(Check(&cloned), ErrCloned) {
		t.Error("clone warning not refused")
	}
	if !errors.Is(Check(&webauthn.Credential{}), ErrUnverified) {
		t.Error("unverified not refused")
	}
}
