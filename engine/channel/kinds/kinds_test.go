package kinds_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/assets"
	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/message"
)

func load(t *testing.T, lang string) map[string]string {
	t.Helper()
	data, err := assets.Translations.ReadFile("translations/" + lang + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s.json: %v", lang, err)
	}
	return m
}

// Every kind's name and every field's label and help are translated, and the
// English file says what the code says (the code's text is the fallback).
func TestKindsAreTranslated(t *testing.T) {
	en, zh := load(t, "en"), load(t, "zh_Hans")
	for _, k := range kinds.All() {
		keys := map[string]string{k.NameKey(): k.Name}
		for _, f := range k.Fields {
			keys[k.LabelKey(f)] = f.Label
			keys[k.HelpKey(f)] = f.Help
		}
		for key, text := range keys {
			if en[key] != text {
				t.Errorf("en.json %s = %q, code says %q", key, en[key], text)
			}
			if strings.TrimSpace(zh[key]) == "" {
				t.Errorf("zh_Hans.json lacks %s", key)
			}
		}
	}
}

func TestKindSchemasAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range kinds.All() {
		if seen[k.ID] {
			t.Errorf("duplicate kind %s", k.ID)
		}
		seen[k.ID] = true
		if k.Open == nil || k.Name == "" || k.DocURL == "" || k.QDFields > len(k.Fields) {
			t.Errorf("%s: incomplete kind", k.ID)
		}
		names := map[string]bool{}
		for _, f := range k.Fields {
			for _, n := range append([]string{f.Key}, f.Aliases...) {
				if names[strings.ToLower(n)] {
					t.Errorf("%s: name %q used twice", k.ID, n)
				}
				names[strings.ToLower(n)] = true
			}
			if f.Label == "" || f.Help == "" || f.Type == "" {
				t.Errorf("%s.%s: label, help and type are required", k.ID, f.Key)
			}
			if f.Required && f.Default != "" {
				t.Errorf("%s.%s: required with a default", k.ID, f.Key)
			}
		}
		if _, ok := kinds.Get(strings.ToUpper(k.ID)); !ok {
			t.Errorf("Get(%q) failed", strings.ToUpper(k.ID))
		}
	}
}

// nasty values a person might paste into any field.
var nasty = []string{
	"", " ", ";", ";;;", "\x00", "\n\n", "中文", "{", `{"a":`, `{"a":1}`, "[]", "-1", "0", "99999999999999999999",
	"http://", "https://", "https://[::1", "://x", "socks5://", "SEC", "@all", strings.Repeat("x", 70000), "%zz", "a|b,c\nd",
}

// Every field of every kind takes any value without panicking: the result is
// a channel or an error naming a field, and a built channel fails cleanly
// against an unreachable service.
func TestNoPanicOnBadInput(t *testing.T) {
	deps := channel.Deps{HTTP: &http.Client{Timeout: 200 * time.Millisecond}}
	for _, k := range kinds.All() {
		for _, f := range k.Fields {
			for _, v := range nasty {
				raw := map[string]string{f.Key: v}
				func() {
					defer func() {
						if p := recover(); p != nil {
							t.Fatalf("%s.%s = %.40q: panic: %v", k.ID, f.Key, v, p)
						}
					}()
					_, err := k.New(raw, deps)
					var fe *channel.FieldError
					if err != nil && !errors.As(err, &fe) {
						t.Errorf("%s.%s = %.40q: error without a field: %v", k.ID, f.Key, v, err)
					}
					_, _ = k.ParseQD(v)
				}()
			}
		}
	}
}

// A channel built from valid settings but pointed at a closed port fails
// with a transient error and does not panic on odd messages.
func TestOddMessagesToDeadServer(t *testing.T) {
	dead := channeltest.ClosedURL(t)
	msgs := []message.Message{
		{},
		{Title: "only title"},
		{Body: strings.Repeat("长", 100000), Markdown: true},
		{Title: "<b>&", Body: "```\nunclosed", Markdown: true, PictureURL: "javascript:alert(1)"},
		{Body: "x", PictureURL: "https://example.com/p.png", Level: message.LevelError},
	}
	for _, k := range kinds.All() {
		raw := minimalConfig(k, dead)
		if raw == nil {
			continue
		}
		ch, err := k.New(raw, channel.Deps{HTTP: &http.Client{Timeout: time.Second}})
		if err != nil {
			t.Errorf("%s: minimal config rejected: %v", k.ID, err)
			continue
		}
		for i, m := range msgs {
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("%s: message %d: panic: %v", k.ID, i, p)
					}
				}()
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				defer cancel()
				if err := ch.Send(ctx, m); err == nil {
					t.Errorf("%s: message %d: send to a dead server succeeded", k.ID, i)
				}
			}()
		}
	}
}

// Every field of every kind refuses text that is not UTF-8 and control
// characters (line breaks only in multi-line fields), and every host or URL
// field refuses a path; the error names the field.
func TestFieldsRefuseBadText(t *testing.T) {
	dead := "http://127.0.0.1:9"
	hostFields := map[string]bool{"host": true, "server": true, "api": true, "url": true, "proxy": true}
	for _, k := range kinds.All() {
		for _, f := range k.Fields {
			bad := []string{"ok\xffvalue", "a\x00b", "a\x1bb"}
			if f.Type != channel.TypeJSON && f.Type != channel.TypeList {
				bad = append(bad, "line one\nline two", "a\tb")
			}
			if hostFields[f.Key] {
				bad = append(bad, "../../../../etc/passwd", "/etc/passwd")
			}
			for _, v := range bad {
				raw := minimalConfig(k, dead)
				raw[f.Key] = v
				_, err := k.Parse(raw)
				var fes channel.FieldErrors
				if !errors.As(err, &fes) || !slices.ContainsFunc(fes, func(fe *channel.FieldError) bool { return fe.Field == f.Key }) {
					t.Errorf("%s.%s = %q: got %v, want an error naming %s", k.ID, f.Key, v, err, f.Key)
				}
			}
		}
	}
}

// minimalConfig builds valid settings from each kind's contract fake
// conventions; the API base (for email: the SMTP host and port) points at
// dead.
func minimalConfig(k *channel.Kind, dead string) map[string]string {
	switch k.ID {
	case "email":
		u, _ := url.Parse(dead)
		return map[string]string{"host": u.Hostname(), "port": u.Port(), "username": "me@example.com", "password": "pw"}
	case "bark":
		return map[string]string{"url": dead + "/devicekey123"}
	case "telegram":
		return map[string]string{"token": "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-2A", "chat_id": "42", "host": dead}
	case "dingtalk":
		return map[string]string{"token": "abcdef0123", "secret": "SEC0123456789abcdef", "api": dead}
	case "wecom_webhook":
		return map[string]string{"key": "693a91f6-7f9c-4bc4-97a0-0ec2f1fa5aaa", "api": dead}
	case "serverchan":
		return map[string]string{"sendkey": "SCT12345TabcdefABCDEF", "api": dead}
	case "mailgun":
		return map[string]string{"api_key": "key-0123456789abcdef", "domain": "mg.example.com", "from": "a@example.com", "to": "b@example.com", "api": dead}
	case "webhook":
		return map[string]string{"url": dead + "/hook?t={t}", "body": `{"log":"{log}"}`}
	case "wxpusher":
		return map[string]string{"app_token": "AT_abcdefghijk", "uids": "UID_abcdefg", "api": dead}
	case "feishu":
		return map[string]string{"token": "abc-123", "api": dead}
	case "pushplus":
		return map[string]string{"token": "0123456789abcdef0123456789abcdef", "api": dead}
	case "desktop":
		return map[string]string{}
	case "ntfy":
		return map[string]string{"server": dead, "topic": "t"}
	case "gotify":
		return map[string]string{"server": dead, "token": "Axxxxxxxxxxxxxx"}
	case "wecom_app":
		return map[string]string{"corp_id": "ww0123456789", "agent_id": "1000002", "secret": "secret0123456789", "host": dead}
	}
	return nil
}
