package barktest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

func do(t *testing.T, method, u, contentType, body string) (int, map[string]any, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, data := channeltest.Do(t, req)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return resp.StatusCode, out, string(data)
}

func TestFakeAnswersLikeBarkServer(t *testing.T) {
	big := strings.Repeat("x", APNsMax)
	tests := []struct {
		name, method, path, ctype, body string
		status                          int
		message                         string
		violation                       string
	}{
		{"success", "POST", "/push", "application/json; charset=utf-8", `{"device_key":"` + DeviceKey + `","body":"hi"}`, 200, "success", ""},
		{"unknown key", "POST", "/push", "application/json", `{"device_key":"nope","body":"hi"}`, 400,
			"failed to get device token: failed to get [nope] device token from database", ""},
		{"no key", "POST", "/push", "application/json", `{"body":"hi"}`, 400, "device key is empty", "device_key missing"},
		{"form body", "POST", "/push", "application/x-www-form-urlencoded", "device_key=" + DeviceKey, 400, "device key is empty", "want application/json"},
		{"too large", "POST", "/push", "application/json", `{"device_key":"` + DeviceKey + `","body":"` + big + `"}`, 500, "push failed: PayloadTooLarge", "over 4096"},
		{"not JSON", "POST", "/push", "application/json", `{"device_key":`, 400, "request bind failed: unexpected EOF", "not a JSON object"},
		{"empty and unknown fields", "POST", "/push", "application/json", `{"device_key":"` + DeviceKey + `","body":"x","group":"","badge_count":"1"}`, 200, "success", `unknown field "badge_count"`},
		{"bad level", "POST", "/push", "application/json", `{"device_key":"` + DeviceKey + `","body":"x","level":"loud"}`, 200, "success", `level "loud"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(t)
			status, out, _ := do(t, tt.method, s.URL+tt.path, tt.ctype, tt.body)
			if status != tt.status || out["code"] != float64(tt.status) || out["message"] != tt.message || out["timestamp"] == nil {
				t.Errorf("answer %d %v, want %d %q", status, out, tt.status, tt.message)
			}
			v := strings.Join(s.Violations(), "\n")
			if (tt.violation == "") != (v == "") || !strings.Contains(v, tt.violation) {
				t.Errorf("violations %q, want %q", v, tt.violation)
			}
		})
	}
}

func TestFakeOtherRoutesAndAuth(t *testing.T) {
	s := NewServer(t)
	if status, _, text := do(t, "GET", s.URL+"/"+DeviceKey+"/hi", "", ""); status != 404 || text != "Cannot GET /"+DeviceKey+"/hi" {
		t.Errorf("compat route answered %d %q", status, text)
	}
	if len(s.Violations()) != 1 {
		t.Errorf("compat route not recorded as a violation: %v", s.Violations())
	}
	s.RequireBasicAuth("u", "p")
	if status, _, text := do(t, "POST", s.URL+"/push", "application/json", `{"device_key":"`+DeviceKey+`"}`); status != 418 || text != "I'm a teapot" {
		t.Errorf("unauthenticated push answered %d %q", status, text)
	}
}

func TestAPNsPayload(t *testing.T) {
	p := APNsPayload(map[string]any{"device_key": "k", "title": "T", "sound": "minuet", "group": "g", "markdown": "**m**"})
	var got map[string]any
	if err := json.Unmarshal(p, &got); err != nil {
		t.Fatal(err)
	}
	aps := got["aps"].(map[string]any)
	alert := aps["alert"].(map[string]any)
	if alert["title"] != "T" || aps["sound"] != "minuet.caf" || aps["thread-id"] != "g" || got["group"] != "g" ||
		got["markdown"] != "**m**" || got["device_key"] != nil || aps["mutable-content"] != float64(1) {
		t.Errorf("payload %s", p)
	}
	empty := APNsPayload(map[string]any{"device_key": "k"})
	if !strings.Contains(string(empty), `"body":"Empty Message"`) || !strings.Contains(string(empty), `"sound":"1107"`) {
		t.Errorf("empty payload %s", empty)
	}
}
