package kinds_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/assets"
	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/bark"
	"github.com/heraldpush/herald/engine/channel/bark/barktest"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/desktop"
	"github.com/heraldpush/herald/engine/channel/desktop/desktoptest"
	"github.com/heraldpush/herald/engine/channel/dingtalk"
	"github.com/heraldpush/herald/engine/channel/dingtalk/dingtalktest"
	"github.com/heraldpush/herald/engine/channel/email"
	"github.com/heraldpush/herald/engine/channel/email/emailtest"
	"github.com/heraldpush/herald/engine/channel/feishu"
	"github.com/heraldpush/herald/engine/channel/feishu/feishutest"
	"github.com/heraldpush/herald/engine/channel/gotify"
	"github.com/heraldpush/herald/engine/channel/gotify/gotifytest"
	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/channel/mailgun"
	"github.com/heraldpush/herald/engine/channel/mailgun/mailguntest"
	"github.com/heraldpush/herald/engine/channel/ntfy"
	"github.com/heraldpush/herald/engine/channel/ntfy/ntfytest"
	"github.com/heraldpush/herald/engine/channel/pushplus"
	"github.com/heraldpush/herald/engine/channel/pushplus/pushplustest"
	"github.com/heraldpush/herald/engine/channel/serverchan"
	"github.com/heraldpush/herald/engine/channel/serverchan/serverchantest"
	"github.com/heraldpush/herald/engine/channel/telegram"
	"github.com/heraldpush/herald/engine/channel/telegram/telegramtest"
	"github.com/heraldpush/herald/engine/channel/webhook"
	"github.com/heraldpush/herald/engine/channel/webhook/webhooktest"
	"github.com/heraldpush/herald/engine/channel/wecomapp"
	"github.com/heraldpush/herald/engine/channel/wecomapp/wecomapptest"
	"github.com/heraldpush/herald/engine/channel/wecomwebhook"
	"github.com/heraldpush/herald/engine/channel/wecomwebhook/wecomwebhooktest"
	"github.com/heraldpush/herald/engine/channel/wxpusher"
	"github.com/heraldpush/herald/engine/channel/wxpusher/wxpushertest"
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
		if k.Open == nil || k.Name == "" || k.DocURL == "" || k.Badge.Text == "" || k.QDFields > len(k.Fields) {
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

// fixtures are the contract fakes of the registered kinds.
var fixtures = map[string]func(testing.TB) channeltest.Fixture{
	bark.Kind.ID:         barktest.Fixture,
	serverchan.Kind.ID:   serverchantest.Fixture,
	wxpusher.Kind.ID:     wxpushertest.Fixture,
	email.Kind.ID:        emailtest.Fixture,
	mailgun.Kind.ID:      mailguntest.Fixture,
	wecomapp.Kind.ID:     wecomapptest.Fixture,
	telegram.Kind.ID:     telegramtest.Fixture,
	dingtalk.Kind.ID:     dingtalktest.Fixture,
	wecomwebhook.Kind.ID: wecomwebhooktest.Fixture,
	webhook.Kind.ID:      webhooktest.Fixture,
	feishu.Kind.ID:       feishutest.Fixture,
	pushplus.Kind.ID:     pushplustest.Fixture,
	ntfy.Kind.ID:         ntfytest.Fixture,
	gotify.Kind.ID:       gotifytest.Fixture,
	desktop.Kind.ID:      desktoptest.Fixture,
}

// Every registered kind runs the shared contract against its fake; a kind
// without a fixture fails.
func TestContract(t *testing.T) {
	for _, k := range kinds.All() {
		t.Run(k.ID, func(t *testing.T) {
			fixture, ok := fixtures[k.ID]
			if !ok {
				t.Fatalf("%s has no contract fixture: add its <kind>test.Fixture to fixtures", k.ID)
			}
			channeltest.RunContract(t, k, fixture)
		})
	}
}

// Every field of every kind refuses text that is not UTF-8 and control
// characters (line breaks only in multi-line fields), and every host or URL
// field refuses a path; the error names the field.
func TestFieldsRefuseBadText(t *testing.T) {
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
				raw := channeltest.With(fixtures[k.ID](t).Config, f.Key, v)
				_, err := k.Parse(raw)
				var fes channel.FieldErrors
				if !errors.As(err, &fes) || !slices.ContainsFunc(fes, func(fe *channel.FieldError) bool { return fe.Field == f.Key }) {
					t.Errorf("%s.%s = %q: got %v, want an error naming %s", k.ID, f.Key, v, err, f.Key)
				}
			}
		}
	}
}
