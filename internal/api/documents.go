package api

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Public documents: GET /sets/{id}.json, /sets/{id}.yaml and the same for
// patterns. The mux cannot match "{id}.json", so the route takes the whole
// last segment and docFile splits it.

// docFile splits "12.json" into 12 and "json"; ok is false for anything
// else (no suffix, another suffix, a bad id), which answers 404.
func docFile(file string) (id int64, format string, ok bool) {
	base, format, found := strings.Cut(file, ".")
	if !found || (format != "json" && format != "yaml") {
		return 0, "", false
	}
	if base == "" || base[0] < '1' || base[0] > '9' {
		return 0, "", false
	}
	id, err := strconv.ParseInt(base, 10, 64)
	if err != nil {
		return 0, "", false
	}
	return id, format, true
}

// writeDocument answers doc as JSON or as YAML (application/yaml, RFC
// 9512). Public documents may be read from any origin.
func writeDocument(w http.ResponseWriter, format string, doc any) error {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if format == "json" {
		return encode(w, http.StatusOK, doc)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	b := buf.Bytes()
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(b); err != nil {
		return errWritten
	}
	return nil
}
