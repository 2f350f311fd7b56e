package apikey

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
)

func TestLevel(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want auth.Level
		code apierr.Code
	}{
		{``, 0, apierr.LevelMissing},
		{`null`, 0, apierr.LevelMissing},
		{`0`, auth.ReadNone, 0},
		{`4`, auth.User, 0},
		{`"5"`, auth.Curator, 0},
		{`" 9 "`, auth.Admin, 0},
		{`9.0`, auth.Admin, 0},
		{`"four"`, 0, apierr.LevelNotNumeric},
		{`true`, 0, apierr.LevelNotNumeric},
		{`"NaN"`, 0, apierr.LevelNotNumeric},
		{`"Inf"`, 0, apierr.LevelNotNumeric},
		{`4.5`, 0, apierr.InvalidLevel},
		{`-1`, 0, apierr.InvalidLevel},
		{`10`, 0, apierr.InvalidLevel},
	} {
		got, err := Level(json.RawMessage(tc.raw))
		if tc.code != 0 {
			if !errors.Is(err, tc.code) {
				t.Errorf("Level(%s) err = %v, want %s", tc.raw, err, tc.code.Name())
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Level(%s) = %d, %v; want %d", tc.raw, got, err, tc.want)
		}
	}
}

func TestLifetime(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want time.Duration
		code apierr.Code
	}{
		{``, 0, apierr.ExpiresInMissing},
		{`null`, 0, apierr.ExpiresInMissing},
		{`1`, time.Second, 0},
		{`"3600"`, time.Hour, 0},
		{`31536000`, 365 * 24 * time.Hour, 0},
		{`31536001`, 0, apierr.ExpiresIsHigherThanMax},
		{`0`, 0, apierr.ExpiresIsLowerThanMin},
		{`-5`, 0, apierr.ExpiresIsLowerThanMin},
		{`1.5`, 0, apierr.ExpiresIsNotNumeric},
		{`"soon"`, 0, apierr.ExpiresIsNotNumeric},
		{`{}`, 0, apierr.ExpiresIsNotNumeric},
	} {
		got, err := Lifetime(json.RawMessage(tc.raw))
		if tc.code != 0 {
			if !errors.Is(err, tc.code) {
				t.Errorf("Lifetime(%s) err = %v, want %s", tc.raw, err, tc.code.Name())
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Lifetime(%s) = %v, %v; want %v", tc.raw, got, err, tc.want)
		}
	}
}

func TestName(t *testing.T) {
	if got, err := Name("  ci key "); err != nil || got != "ci key" {
		t.Errorf("Name = %q, %v", got, err)
	}
	if _, err := Name(" \t "); !errors.Is(err, apierr.NameMissing) {
		t.Errorf("blank name: %v", err)
	}
	if _, err := Name(strings.Repeat("x", maxName)); err != nil {
		t.Errorf("name at the limit: %v", err)
	}
	// The bound is in bytes: 101 two-byte runes are over it.
	if _, err := Name(strings.Repeat("é", maxName/2+1)); !errors.Is(err, apierr.NameTooLong) {
		t.Errorf("long name: %v", err)
	}
}

func TestCheckOrderAndCap(t *testing.T) {
	req := func(name, level, exp string) *APIKeyRequest {
		return &APIKeyRequest{Name: name, Level: json.RawMessage(level), ExpiresIn: json.RawMessage(exp)}
	}
	for _, tc := range []struct {
		name string
		req  *APIKeyRequest
		max  auth.Level
		code apierr.Code
	}{
		// The first problem in field order is the one answered.
		{"name before level", req("", "x", "0"), auth.Admin, apierr.NameMissing},
		{"level before expiry", req("k", "12", "0"), auth.Admin, apierr.InvalidLevel},
		// The cap comes last: an over-level key with a bad expiry answers the expiry.
		{"expiry before cap", req("k", "9", "0"), auth.User, apierr.ExpiresIsLowerThanMin},
		{"above the creator", req("k", "5", "60"), auth.User, apierr.KeyLevelExceedsRoleLevel},
		{"a key caller's capped level", req("k", "3", "60"), auth.ReadOnly, apierr.KeyLevelExceedsRoleLevel},
		{"at the creator's level", req("k", "4", "60"), auth.User, 0},
		{"below", req("k", "0", "60"), auth.User, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec, err := tc.req.Check(tc.max)
			if tc.code != 0 {
				if !errors.Is(err, tc.code) {
					t.Fatalf("err = %v, want %s", err, tc.code.Name())
				}
				return
			}
			if err != nil || spec.Name != "k" || spec.Lifetime != time.Minute || spec.Level > tc.max {
				t.Fatalf("Check = %+v, %v", spec, err)
			}
		})
	}
}
