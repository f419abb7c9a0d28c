package api

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel/email"
)

// Every route the mux serves is documented in openapi.json, and the
// document lists no endpoint the mux does not serve.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
		Comps   struct {
			Security map[string]map[string]any `json:"securitySchemes"`
		} `json:"components"`
		Security []map[string][]string `json:"security"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
		t.Errorf("openapi = %q, want 3.0.x", doc.OpenAPI)
	}
	if s := doc.Comps.Security["bearerAuth"]; s["type"] != "http" || s["scheme"] != "bearer" {
		t.Errorf("securitySchemes.bearerAuth = %v, want http bearer", s)
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearerAuth"] == nil {
		t.Errorf("security = %v, want bearerAuth for every operation", doc.Security)
	}
	served := map[string]bool{}
	for _, rt := range routes() {
		key := strings.ToLower(rt.method) + " " + rt.path
		served[key] = true
		op, ok := doc.Paths[rt.path][strings.ToLower(rt.method)]
		if !ok {
			t.Errorf("route %s %s is not in openapi.json", rt.method, rt.path)
			continue
		}
		responses, _ := op["responses"].(map[string]any)
		if _, ok := responses["401"]; !ok {
			t.Errorf("%s %s: the 401 answer is not documented", rt.method, rt.path)
		}
		if strings.Contains(rt.path, "{") {
			params, _ := op["parameters"].([]any)
			for _, seg := range strings.Split(rt.path, "/") {
				if name, ok := strings.CutPrefix(seg, "{"); ok {
					name = strings.TrimSuffix(name, "}")
					if !slices.ContainsFunc(params, func(p any) bool { m, _ := p.(map[string]any); return m["name"] == name && m["in"] == "path" }) {
						t.Errorf("%s %s: path parameter %s is not documented", rt.method, rt.path, name)
					}
				}
			}
		}
	}
	for _, path := range slices.Sorted(maps.Keys(doc.Paths)) {
		for method := range doc.Paths[path] {
			if !served[method+" "+path] {
				t.Errorf("openapi.json documents %s %s, which the server does not serve", strings.ToUpper(method), path)
			}
		}
	}
	// Every $ref points at something defined.
	var all map[string]any
	_ = json.Unmarshal(openAPI, &all)
	walkRefs(t, all, all)
}

func walkRefs(t *testing.T, root, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			var cur any = root
			for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
				m, _ := cur.(map[string]any)
				cur = m[part]
			}
			if cur == nil {
				t.Errorf("$ref %s points at nothing", ref)
			}
		}
		for _, x := range v {
			walkRefs(t, root, x)
		}
	case []any:
		for _, x := range v {
			walkRefs(t, root, x)
		}
	}
}

func TestLoopbackAddr(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"", "127.0.0.1:7787", true},
		{"127.0.0.1:0", "127.0.0.1:0", true},
		{":9000", "127.0.0.1:9000", true},
		{"localhost:9000", "127.0.0.1:9000", true},
		{"[::1]:9000", "[::1]:9000", true},
		{"127.0.0.2:9000", "127.0.0.2:9000", true},
		{"0.0.0.0:0", "", false},
		{"[::]:7787", "", false},
		{"192.0.2.2:7787", "", false},
		{"example.com:7787", "", false},
		{"127.0.0.1", "", false},
		{"127.0.0.1:99999", "", false},
	} {
		got, err := loopbackAddr(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("loopbackAddr(%q) = %q, %v; want %q, ok %t", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// Clients pair enable_tls with port 587 (STARTTLS); port 465 is implicit TLS.
func TestEmailTLSMapping(t *testing.T) {
	for _, tc := range []struct {
		name               string
		in                 map[string]string
		wantSSL, wantStart string // "" when the keys must stay unset
	}{
		{"587 with tls", map[string]string{"smtp_port": "587", "enable_tls": "true"}, "false", "true"},
		{"465 with tls", map[string]string{"smtp_port": "465", "enable_tls": "true"}, "true", "false"},
		{"25 with tls", map[string]string{"smtp_port": "25", "enable_tls": "true"}, "false", "true"},
		{"no port with tls: the default 465", map[string]string{"enable_tls": "true"}, "true", "false"},
		{"no tls", map[string]string{"smtp_port": "25", "enable_tls": "false"}, "false", "false"},
		{"Herald's own keys win", map[string]string{"port": "465", "enable_tls": "true", "ssl": "true"}, "true", ""},
		{"nothing said", map[string]string{"smtp_port": "465"}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := map[string]any{}
			for k, v := range tc.in {
				obj[k] = v
			}
			data, _ := json.Marshal(obj)
			raw, given, err := settingsOf(email.Kind, data)
			if err != nil {
				t.Fatal(err)
			}
			if raw["ssl"] != tc.wantSSL || raw["starttls"] != tc.wantStart {
				t.Errorf("ssl=%q starttls=%q, want %q %q (raw %v)", raw["ssl"], raw["starttls"], tc.wantSSL, tc.wantStart, raw)
			}
			if tc.wantStart != "" && tc.in["ssl"] == "" {
				if _, left := raw["enable_tls"]; left {
					t.Errorf("enable_tls left in %v", raw)
				}
				if given["starttls"] != "enable_tls" {
					t.Errorf("errors about starttls would not name enable_tls: %v", given)
				}
			}
		})
	}
}

func TestSettingText(t *testing.T) {
	data := []byte(`{"a":"x","n":587,"f":1.5,"b":true,"l":["x",2,false],"o":{"k":"v"},"z":null}`)
	raw, _, err := settingsOf(email.Kind, data)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "x", "n": "587", "f": "1.5", "b": "true", "l": "x,2,false", "o": `{"k":"v"}`}
	if !maps.Equal(raw, want) {
		t.Errorf("got %v, want %v", raw, want)
	}
	if _, _, err := settingsOf(email.Kind, []byte(`{"to":[["nested"]]}`)); err == nil || !strings.Contains(err.Error(), "to:") {
		t.Errorf("nested array: err = %v, want a field error naming to", err)
	}
	if _, _, err := settingsOf(email.Kind, []byte(`"text"`)); err == nil {
		t.Error("a string instead of an object was accepted")
	}
}

func TestTokenMatches(t *testing.T) {
	tok, err := newToken()
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 43 || strings.ContainsAny(tok, "+/=") {
		t.Errorf("token %q is not 32 bytes of unpadded base64url", tok)
	}
	for _, tc := range []struct {
		given string
		want  bool
	}{
		{tok, true},
		{tok[:42] + "x", tok[42] == 'x'},
		{tok[:20], false},
		{tok + "A", false},
		{"", false},
	} {
		if got := tokenMatches(tc.given, tok); got != tc.want {
			t.Errorf("tokenMatches(%q) = %t, want %t", tc.given, got, tc.want)
		}
	}
	if tokenMatches("", "") {
		t.Error("an empty token matched an unset one")
	}
}

// TokenReloadEvery exposes the keyring re-read interval to the external tests.
var TokenReloadEvery = tokenReloadEvery
