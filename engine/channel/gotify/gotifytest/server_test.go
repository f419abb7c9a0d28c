package gotifytest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel/channeltest"
)

func do(t *testing.T, method, u string, header map[string]string, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, data := channeltest.Do(t, req)
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("answer %q is not JSON", data)
	}
	return resp.StatusCode, out
}

func TestFakeAnswersLikeGotify(t *testing.T) {
	js := "application/json"
	key := map[string]string{"X-Gotify-Key": Token, "Content-Type": js}
	tests := []struct {
		name, method, path string
		header             map[string]string
		body               string
		status             int
		desc               string // errorDescription; "" for success
		violation          string
	}{
		{"success", "POST", "/message", key, `{"title":"T","message":"m","priority":5}`, 200, "", ""},
		{"markdown and notification extras", "POST", "/message", key,
			`{"message":"m","priority":8,"extras":{"client::display":{"contentType":"text/markdown"},"client::notification":{"bigImageUrl":"https://x/p.png","click":{"url":"https://x"}}}}`, 200, "", ""},
		{"wrong token", "POST", "/message", map[string]string{"X-Gotify-Key": "Anope", "Content-Type": js}, `{"message":"m","priority":5}`, 401,
			"you need to provide a valid access token or user credentials to access this api", ""},
		{"no token", "POST", "/message", map[string]string{"Content-Type": js}, `{"message":"m","priority":5}`, 401,
			"you need to provide a valid access token or user credentials to access this api", `token sent in ""`},
		{"token in the query", "POST", "/message?token=" + Token, map[string]string{"Content-Type": js}, `{"message":"m","priority":5}`, 200, "", `token sent in "query"`},
		{"bearer token", "POST", "/message", map[string]string{"Authorization": "Bearer " + Token, "Content-Type": js}, `{"message":"m","priority":5}`, 200, "", `token sent in "authorization"`},
		{"client token without appid", "POST", "/message", map[string]string{"X-Gotify-Key": ClientToken, "Content-Type": js}, `{"message":"m","priority":5}`, 400,
			"appid is required when not authenticating with an application token", ""},
		{"client token with appid", "POST", "/message", map[string]string{"X-Gotify-Key": ClientToken, "Content-Type": js}, `{"appid":7,"message":"m","priority":5}`, 200, "", ""},
		{"wrong path", "POST", "/messages", key, `{"message":"m"}`, 404, "page not found", "POST /message"},
		{"form body", "POST", "/message", map[string]string{"X-Gotify-Key": Token, "Content-Type": "application/x-www-form-urlencoded"}, "message=m", 400,
			"Field 'message' is required", "want application/json"},
		{"no message", "POST", "/message", key, `{"title":"T","priority":5}`, 400, "Field 'message' is required", "message missing"},
		{"priority as string", "POST", "/message", key, `{"message":"m","priority":"5"}`, 400,
			"json: cannot unmarshal string into Go struct field CreateMessage.priority of type int", `field "priority" is string`},
		{"priority out of range", "POST", "/message", key, `{"message":"m","priority":11}`, 200, "", "priority 11 is outside 0-10"},
		{"no priority", "POST", "/message", key, `{"message":"m"}`, 200, "", "priority missing"},
		{"unknown field", "POST", "/message", key, `{"message":"m","priority":5,"url":"x"}`, 200, "", `unknown field "url"`},
		{"bad content type", "POST", "/message", key, `{"message":"m","priority":5,"extras":{"client::display":{"contentType":"text/html"}}}`, 200, "", "contentType text/html"},
		{"bad click", "POST", "/message", key, `{"message":"m","priority":5,"extras":{"client::notification":{"click":"https://x"}}}`, 200, "", "click https://x"},
		{"bad image", "POST", "/message", key, `{"message":"m","priority":5,"extras":{"client::notification":{"bigImageUrl":"x.png"}}}`, 200, "", "bigImageUrl x.png"},
		{"other namespace", "POST", "/message", key, `{"message":"m","priority":5,"extras":{"android::action":{"onReceive":{"intentUrl":"https://x"}}}}`, 200, "", `namespace "android::action"`},
		{"not JSON", "POST", "/message", key, `{"message":`, 400, "invalid character in JSON body", "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(t)
			status, out := do(t, tt.method, s.URL+tt.path, tt.header, tt.body)
			if status != tt.status {
				t.Errorf("status %d, want %d (%v)", status, tt.status, out)
			}
			if tt.desc == "" {
				if out["id"] != float64(1) || out["appid"] != float64(AppID) || out["date"] == nil {
					t.Errorf("success answer %v lacks id, appid or date", out)
				}
			} else if out["errorCode"] != float64(tt.status) || out["error"] != http.StatusText(tt.status) || out["errorDescription"] != tt.desc {
				t.Errorf("error answer %v, want %d %q", out, tt.status, tt.desc)
			}
			v := strings.Join(s.Violations(), "\n")
			if (tt.violation == "") != (v == "") || !strings.Contains(v, tt.violation) {
				t.Errorf("violations %q, want %q", v, tt.violation)
			}
			if accepted := len(s.Accepted()) == 1; accepted != (tt.status == 200) {
				t.Errorf("accepted = %v for status %d", accepted, tt.status)
			}
		})
	}
}

func TestFakeScriptAndRecord(t *testing.T) {
	s := NewServer(t)
	key := map[string]string{"X-Gotify-Key": Token, "Content-Type": "application/json"}
	s.FailNext(InternalError("database is locked"))
	if status, out := do(t, "POST", s.URL+"/message", key, `{"message":"m","priority":5}`); status != 500 || out["errorDescription"] != "database is locked" {
		t.Errorf("scripted answer %d %v", status, out)
	}
	body := `{"message":"**m**","priority":9,"extras":{"client::display":{"contentType":"text/markdown"},"client::notification":{"bigImageUrl":"https://x/p.png","click":{"url":"https://c"}}}}`
	status, out := do(t, "POST", s.URL+"/message", key, body)
	if status != 200 || out["title"] != AppName || out["priority"] != float64(9) || out["message"] != "**m**" || out["extras"] == nil {
		t.Errorf("answer %d %v", status, out)
	}
	acc := s.Accepted()
	if len(acc) != 1 || acc[0].Text != "**m**" || acc[0].Title != "" || acc[0].Priority != 9 || !acc[0].Markdown ||
		acc[0].BigImage != "https://x/p.png" || acc[0].Click != "https://c" {
		t.Errorf("accepted %+v", acc)
	}
	if s.Requests() != 2 || len(s.Violations()) != 0 {
		t.Errorf("requests %d, violations %v", s.Requests(), s.Violations())
	}
}
