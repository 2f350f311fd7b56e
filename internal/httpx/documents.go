package httpx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Public documents: GET /sets/{id}.json, /sets/{id}.yaml and the same for
// patterns. The mux cannot match "{id}.json", so the route takes the whole
// last segment and docFile splits it.

// DocFile splits "12.json" into 12 and "json"; ok is false for anything
// else (no suffix, another suffix, a bad id), which answers 404.
func DocFile(file string) (id int64, format string, ok bool) {
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

// WriteDocument answers doc as JSON or as YAML (text/yaml, as upstream's
// Express sent it; see EncodeYAML). Public documents may be read from any origin.
func WriteDocument(w http.ResponseWriter, format string, doc any) error {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if format == "json" {
		return Encode(w, http.StatusOK, doc)
	}
	return EncodeYAML(w, doc)
}

// YAMLType is the media type of every .yaml answer.
const YAMLType = "text/yaml; charset=utf-8"

// EncodeYAML answers v as YAML: v is marshalled as JSON first, so the
// YAML has the same names, order and values as the JSON answer. It is
// served as text/yaml (what upstream sent; Node HTTP clients do not read
// an application/yaml body as text).
func EncodeYAML(w http.ResponseWriter, v any) error {
	j, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b, err := yamlFromJSON(j)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", YAMLType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(b); err != nil {
		return ErrWritten
	}
	return nil
}

// yamlFromJSON converts one JSON value to a YAML document, keeping key
// order and number literals as they are.
func yamlFromJSON(j []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	n, err := yamlNode(dec)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{n}}); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func yamlNode(dec *json.Decoder) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	scalar := func(tag, v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v} }
	switch t := tok.(type) {
	case json.Delim:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		if t == '{' {
			n = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		}
		for dec.More() {
			if n.Kind == yaml.MappingNode {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := k.(string)
				n.Content = append(n.Content, scalar("!!str", key))
			}
			v, err := yamlNode(dec)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, v)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		if len(n.Content) == 0 {
			n.Style = yaml.FlowStyle // [] and {}
		}
		return n, nil
	case string:
		// Encoded as yaml.v3 encodes a Go string: quoted where a YAML 1.1
		// reader would take it for something else ("yes", "1:20"), a
		// block for several lines.
		n := &yaml.Node{}
		if err := n.Encode(t); err != nil {
			return nil, err
		}
		return n, nil
	case json.Number:
		v := t.String()
		if !strings.ContainsAny(v, ".eE") {
			return scalar("!!int", v), nil
		}
		// 1e-7 is a float in YAML 1.2 but a string to YAML 1.1 readers;
		// 1.0e-7 is a float to both.
		if i := strings.IndexAny(v, "eE"); i >= 0 && !strings.Contains(v[:i], ".") {
			v = v[:i] + ".0" + v[i:]
		}
		return scalar("!!float", v), nil
	case bool:
		return scalar("!!bool", fmt.Sprint(t)), nil
	case nil:
		return scalar("!!null", "null"), nil
	}
	return nil, fmt.Errorf("yaml: unexpected JSON token %v", tok)
}
