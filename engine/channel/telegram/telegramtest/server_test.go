package telegramtest

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// post sends a raw request to the fake and returns the status and answer.
func post(t *testing.T, s *Server, path, contentType, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(s.URL+path, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return resp.StatusCode, out
}

func TestFakeRefusesWhatTelegramRefuses(t *testing.T) {
	msg := func(text string) string {
		b, _ := json.Marshal(map[string]any{"chat_id": ChatID, "text": text, "parse_mode": "HTML",
			"link_preview_options": map[string]any{"is_disabled": true}})
		return string(b)
	}
	tests := []struct {
		name, path, ctype, body string
		status                  int
		desc                    string
		violation               string
	}{
		{"bare <", "/bot" + Token + "/sendMessage", "application/json", msg("a < b"), 400,
			`Bad Request: can't parse entities: Unsupported start tag "" at byte offset 2`, "not valid Telegram HTML"},
		{"bare &", "/bot" + Token + "/sendMessage", "application/json", msg("a & b"), 400,
			"Bad Request: can't parse entities: unescaped '&' at byte offset 2: write &amp;", "not valid Telegram HTML"},
		{"unsupported tag", "/bot" + Token + "/sendMessage", "application/json", msg("<p>x</p>"), 400,
			`Bad Request: can't parse entities: Unsupported start tag "p" at byte offset 0`, "not valid Telegram HTML"},
		{"unclosed", "/bot" + Token + "/sendMessage", "application/json", msg("<b>x"), 400,
			`Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`, "not valid Telegram HTML"},
		{"crossed", "/bot" + Token + "/sendMessage", "application/json", msg("<b><i>x</b></i>"), 400,
			`Bad Request: can't parse entities: Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`, "not valid Telegram HTML"},
		{"span needs class", "/bot" + Token + "/sendMessage", "application/json", msg("<span>x</span>"), 400,
			`Bad Request: can't parse entities: Tag "span" must have class "tg-spoiler" at byte offset 0`, "not valid Telegram HTML"},
		{"too long", "/bot" + Token + "/sendMessage", "application/json", msg(strings.Repeat("я", MaxText+1)), 400,
			"Bad Request: message is too long", "limit 4096"},
		{"empty", "/bot" + Token + "/sendMessage", "application/json", msg(" <b> </b> "), 400,
			"Bad Request: message text is empty", "empty text"},
		{"wrong token", "/bot1:x/sendMessage", "application/json", msg("x"), 401, "Unauthorized", ""},
		{"form body", "/bot" + Token + "/sendMessage", "application/x-www-form-urlencoded", "chat_id=1&text=x", 400,
			"Bad Request: message text is empty", "want application/json"},
		{"caption too long", "/bot" + Token + "/sendPhoto", "application/json",
			`{"chat_id":` + ChatID + `,"photo":"https://example.com/p.png","parse_mode":"HTML","caption":"` + strings.Repeat("c", MaxCaption+1) + `"}`,
			400, "Bad Request: message caption is too long", "limit 1024"},
		{"photo not a URL", "/bot" + Token + "/sendPhoto", "application/json",
			`{"chat_id":` + ChatID + `,"photo":"p.png","parse_mode":"HTML"}`, 400,
			"Bad Request: wrong file identifier/HTTP URL specified", "not an HTTP URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(t)
			status, out := post(t, s, tt.path, tt.ctype, tt.body)
			if status != tt.status || out["ok"] != false || out["description"] != tt.desc || out["error_code"] != float64(tt.status) {
				t.Errorf("answer %d %v, want %d %q", status, out, tt.status, tt.desc)
			}
			v := strings.Join(s.Violations(), "\n")
			if tt.violation == "" && v != "" || !strings.Contains(v, tt.violation) {
				t.Errorf("violations %q, want one containing %q", v, tt.violation)
			}
			if len(s.Accepted()) != 0 {
				t.Errorf("refused request recorded as accepted")
			}
		})
	}
}

func TestFakeRecordsContractSlips(t *testing.T) {
	s := NewServer(t)
	status, _ := post(t, s, "/bot"+Token+"/sendMessage", "application/json",
		`{"chat_id":"`+ChatID+`","text":"a > b","parse_mode":"HTML","parse_mod":"HTML"}`)
	if status != 200 {
		t.Fatalf("status %d, want 200 (Telegram accepts these)", status)
	}
	v := strings.Join(s.Violations(), "\n")
	for _, want := range []string{`unknown field "parse_mod"`, "link_preview_options", "unescaped '>'"} {
		if !strings.Contains(v, want) {
			t.Errorf("violations %q lack %q", v, want)
		}
	}
}

func TestFakeParsesHTML(t *testing.T) {
	text, ents, err := parseHTML(`<b>bold</b> <strong>s</strong> <i>i</i><em>e</em> <u>u</u><ins>n</ins> <s>s</s><strike>k</strike><del>d</del> ` +
		`<span class="tg-spoiler">sp</span><tg-spoiler>t</tg-spoiler> <a href="https://x.example/?a=1&amp;b=&quot;2&quot;">link</a> ` +
		`<code>c</code> <pre><code class="language-go">x &lt; y</code></pre> <blockquote expandable>q</blockquote> &#65;&#x42;&gt;`)
	if err != nil {
		t.Fatal(err)
	}
	if want := "bold s ie un skd spt link c x < y q AB>"; text != want {
		t.Errorf("text = %q, want %q", text, want)
	}
	var types []string
	for _, e := range ents {
		types = append(types, e.Type)
	}
	want := []string{"bold", "bold", "italic", "italic", "underline", "underline", "strikethrough", "strikethrough",
		"strikethrough", "spoiler", "spoiler", "text_link", "code", "pre", "blockquote"}
	if !reflect.DeepEqual(types, want) {
		t.Errorf("entities = %v, want %v", types, want)
	}
	if ents[11].URL != `https://x.example/?a=1&b="2"` || ents[13].Language != "go" || ents[13].Text != "x < y" {
		t.Errorf("link/pre details wrong: %+v %+v", ents[11], ents[13])
	}
}

func TestFakeScriptAndRetryAfter(t *testing.T) {
	s := NewServer(t)
	s.FailNext(TooManyRequests(5))
	body := `{"chat_id":` + ChatID + `,"text":"x","parse_mode":"HTML","link_preview_options":{"is_disabled":true}}`
	status, out := post(t, s, "/bot"+Token+"/sendMessage", "application/json", body)
	params, _ := out["parameters"].(map[string]any)
	if status != 429 || out["description"] != "Too Many Requests: retry after 5" || params["retry_after"] != float64(5) {
		t.Errorf("answer %d %v", status, out)
	}
	if status, _ = post(t, s, "/bot"+Token+"/sendMessage", "application/json", body); status != 200 || len(s.Accepted()) != 1 {
		t.Errorf("second request: %d, accepted %d", status, len(s.Accepted()))
	}
	if v := s.Violations(); len(v) != 0 {
		t.Errorf("violations: %v", v)
	}
}
