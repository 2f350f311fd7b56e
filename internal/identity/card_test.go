package identity

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestCardSVGEscapesAndIsWellFormed(t *testing.T) {
	for _, c := range []struct{ site, name string }{
		{"FreeSewing", "seamstress"},
		{`<script>alert(1)</script>`, `a"b'c&d<e>`},
		{"S", strings.Repeat("ü", 80)},
	} {
		svg := string(CardSVG(c.site, c.name, 42))
		if strings.Contains(svg, "<script") || strings.Contains(svg, `a"b`) {
			t.Fatalf("unescaped: %s", svg)
		}
		d := xml.NewDecoder(strings.NewReader(svg))
		for {
			_, err := d.Token()
			if err != nil {
				if err.Error() != "EOF" {
					t.Fatalf("not well-formed (%v): %s", err, svg)
				}
				break
			}
		}
		if !strings.Contains(svg, "#42") {
			t.Fatalf("no id: %s", svg)
		}
	}
	if svg := string(CardSVG("S", strings.Repeat("x", 80), 1)); strings.Contains(svg, strings.Repeat("x", cardMaxName)) {
		t.Fatal("long name not cut")
	}
}
