package serviceurl

import (
	"encoding/json"
	"errors"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/i18n"
)

// urlCase is a documented URL and the "channel add" settings it means.
type urlCase struct {
	url  string
	kind string
	kv   map[string]string
}

// Apprise's examples, from each plugin's tests (caronc/apprise,
// tests/test_plugin_<name>.py) unless noted, with tokens shaped as the
// services issue them where Herald checks their form.
var appriseCases = []urlCase{
	// test_plugin_telegram.py: "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/lead2gold/"
	{"tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/lead2gold/", "telegram",
		map[string]string{"token": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "chat_id": "@lead2gold"}},
	// telegram.py's thread form (?topic=, alias ?thread=) and bot prefix
	{"tgram://bot987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-1001234567890/?thread=42", "telegram",
		map[string]string{"token": "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "chat_id": "-1001234567890", "thread_id": "42"}},
	// dingtalk.py templates: "{schema}://{secret}@{token}/{targets}/"
	{"dingtalk://SEC0123456789abcdef@0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/13800000000/", "dingtalk",
		map[string]string{"token": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "secret": "SEC0123456789abcdef", "at_mobiles": "13800000000"}},
	// test_plugin_wecombot.py: "wecombot://botkey"
	{"wecombot://693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa", "wecom_webhook",
		map[string]string{"key": "693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa"}},
	// test_plugin_bark.py: "bark://192.168.0.6:8081/device_key/?sound=alarm"
	{"bark://192.168.0.6:8081/device_key/?sound=alarm", "bark",
		map[string]string{"url": "http://192.168.0.6:8081/device_key", "sound": "alarm"}},
	// test_plugin_bark.py: "…/device_key/?level=critical", barks:// for https
	{"barks://user:pass@bark.example.com/device_key/?level=critical&group=apprise&click=https://example.com", "bark",
		map[string]string{"url": "https://user:pass@bark.example.com/device_key", "level": "critical", "group": "apprise", "click_url": "https://example.com"}},
	// serverchan.py templates: "{schema}://{token}"
	{"schan://SCT123456TabcdefGHIJKLmnopqrstuvw/", "serverchan",
		map[string]string{"sendkey": "SCT123456TabcdefGHIJKLmnopqrstuvw"}},
	// test_plugin_pushplus.py: "pushplus://{}/mygroup"
	{"pushplus://0123456789abcdef0123456789abcdef/mygroup", "pushplus",
		map[string]string{"token": "0123456789abcdef0123456789abcdef", "topic": "mygroup"}},
	// pushplus.py: "pushplus://{webhook}@{token}" picks the webhook channel
	{"pushplus://myhook@0123456789abcdef0123456789abcdef", "pushplus",
		map[string]string{"token": "0123456789abcdef0123456789abcdef", "channel": "webhook", "webhook": "myhook"}},
	// test_plugin_feishu.py: "feishu://abc123"
	{"feishu://abc123", "feishu", map[string]string{"token": "abc123"}},
	// lark.py templates: "{schema}://{token}"
	{"lark://abc123", "feishu", map[string]string{"token": "https://open.larksuite.com/open-apis/bot/v2/hook/abc123"}},
	// test_plugin_ntfy.py: "ntfy://localhost/topic1"
	{"ntfy://localhost/topic1", "ntfy", map[string]string{"server": "http://localhost", "topic": "topic1"}},
	// ntfy.py templates: "{schema}://{topic}" is ntfy.sh's
	{"ntfy://my-alerts?priority=high&tags=warning,skull", "ntfy",
		map[string]string{"topic": "my-alerts", "priority": "high", "tags": "warning,skull"}},
	// test_plugin_ntfy.py: "ntfy://abcd123456@localhost/topic1?auth=token"
	{"ntfys://tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2@ntfy.example.com/topic1?auth=token", "ntfy",
		map[string]string{"server": "https://ntfy.example.com", "topic": "topic1", "token": "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2"}},
	// test_plugin_ntfy.py: "ntfy://:abcd123456@localhost/topic1?auth=token"
	{"ntfy://:tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2@localhost/topic1?auth=token", "ntfy",
		map[string]string{"server": "http://localhost", "topic": "topic1", "token": "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2"}},
	{"ntfys://user:pass@ntfy.example.com:8443/topic1", "ntfy",
		map[string]string{"server": "https://ntfy.example.com:8443", "topic": "topic1", "username": "user", "password": "pass"}},
	// test_plugin_gotify.py: "gotify://hostname/a/path/ending/in/a/slash/%s"
	{"gotify://hostname/a/path/ending/in/a/slash/AbCdEfGhIjKlMnO/", "gotify",
		map[string]string{"server": "http://hostname/a/path/ending/in/a/slash", "token": "AbCdEfGhIjKlMnO"}},
	{"gotifys://gotify.example.com/AbCdEfGhIjKlMnO?priority=high", "gotify",
		map[string]string{"server": "https://gotify.example.com", "token": "AbCdEfGhIjKlMnO", "priority": "8"}},
	// test_plugin_email.py: "mailto://user:pass@example.com:2525?…"; STARTTLS is Apprise's default
	{"mailtos://user:pass@example.com:2525", "email",
		map[string]string{"host": "example.com", "port": "2525", "ssl": "false", "starttls": "true", "username": "user", "password": "pass", "from": "user@example.com"}},
	// email/base.py: ?smtp= names the server, mode=ssl is port 465
	{"mailtos://me%40example.com:secret@example.com/you@example.org?smtp=smtp.example.com&mode=ssl&from=me@example.com", "email",
		map[string]string{"host": "smtp.example.com", "port": "465", "ssl": "true", "starttls": "false", "username": "me@example.com", "password": "secret", "from": "me@example.com", "to": "you@example.org"}},
	// test_plugin_custom_json.py: "json://localhost:8080/path?+HeaderKey=HeaderValue"
	{"json://localhost:8080/path?+HeaderKey=HeaderValue", "webhook",
		map[string]string{"url": "http://localhost:8080/path", "headers": `{"HeaderKey":"HeaderValue"}`}},
	// test_plugin_custom_json.py: "json://user@localhost?method=get"
	{"jsons://hooks.example.com/in?method=post&-ParamA=Value", "webhook",
		map[string]string{"url": "https://hooks.example.com/in?ParamA=Value", "method": "POST"}},
	// test_plugin_custom_form.py: "form://user:pass@localhost:8080"
	{"form://user:pass@localhost:8080", "webhook",
		map[string]string{"url": "http://localhost:8080", "content_type": "form", "headers": `{"Authorization":"Basic dXNlcjpwYXNz"}`}},
	// test_plugin_wxpusher.py: "wxpusher://AT_appid//UID_123/UID_abc/123456789"
	{"wxpusher://AT_appid//UID_123/UID_abc/123456789", "wxpusher",
		map[string]string{"app_token": "AT_appid", "uids": "UID_123,UID_abc", "topic_ids": "123456789"}},
	// test_plugin_wechat.py: "wechat://{}:{}@{}/johndoe"
	{"wechat://ww0123456789abcdef:secret0123456789@1000002/johndoe/@jane", "wecom_app",
		map[string]string{"corp_id": "ww0123456789abcdef", "secret": "secret0123456789", "agent_id": "1000002", "to_user": "johndoe|jane"}},
	// test_plugin_mailgun.py: "mailgun://user@localhost.localdomain/{apikey}?from=luke@rebels.com"
	{"mailgun://user@localhost.localdomain/key-0123456789abcdef/to@example.com?region=eu", "mailgun",
		map[string]string{"api_key": "key-0123456789abcdef", "domain": "localhost.localdomain", "from": "user@localhost.localdomain", "to": "to@example.com", "region": "eu"}},
}

// shoutrrr's examples, from its docs (nicholas-fedor/shoutrrr,
// docs/services/<group>/<name>/index.md) unless noted.
var shoutrrrCases = []urlCase{
	// chat/telegram: "telegram://token@telegram?chats=channel-1[,chat-id-1,...]"
	{"telegram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw@telegram?chats=@my_channel", "telegram",
		map[string]string{"token": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "chat_id": "@my_channel"}},
	// chat/telegram: a chat's message thread is "$chat_id:$message_thread_id"
	{"telegram://987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw@telegram/?chats=-1001234567890:7&preview=No", "telegram",
		map[string]string{"token": "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "chat_id": "-1001234567890", "thread_id": "7"}},
	// push/gotify config: "gotify://gotify-host/token" with disabletls
	{"gotify://gotify.example.com/AzyoeNS.D4iJLVa?disabletls=yes&priority=5", "gotify",
		map[string]string{"server": "http://gotify.example.com", "token": "AzyoeNS.D4iJLVa", "priority": "5"}},
	{"gotify://gotify.example.com/sub/AzyoeNS.D4iJLVa?title=x", "gotify",
		map[string]string{"server": "https://gotify.example.com/sub", "token": "AzyoeNS.D4iJLVa"}},
	// push/ntfy: "ntfy://username:password@ntfy.sh/privatetopic"
	{"ntfy://username:password@ntfy.sh/privatetopic?scheme=https", "ntfy",
		map[string]string{"server": "https://ntfy.sh", "topic": "privatetopic", "username": "username", "password": "password"}},
	// push/ntfy: "ntfy://ntfy.sh/alerts?priority=5&tags=warning,fire&title=System+Alert"
	{"ntfy://ntfy.sh/alerts?priority=5&tags=warning,fire&title=System+Alert", "ntfy",
		map[string]string{"server": "https://ntfy.sh", "topic": "alerts", "priority": "5", "tags": "warning,fire"}},
	// email/smtp: "smtp://username:password@host:port/?fromaddress=…&toaddresses=…"
	{"smtp://me%40example.com:secret@smtp.example.com:587/?fromaddress=me@example.com&toaddresses=a@example.com,b@example.com", "email",
		map[string]string{"host": "smtp.example.com", "port": "587", "ssl": "false", "starttls": "true", "username": "me@example.com", "password": "secret", "from": "me@example.com", "to": "a@example.com,b@example.com"}},
	{"smtp://me:secret@smtp.example.com:465/?from=me@example.com&encryption=ImplicitTLS&subject=Hi", "email",
		map[string]string{"host": "smtp.example.com", "port": "465", "ssl": "true", "starttls": "false", "username": "me", "password": "secret", "from": "me@example.com", "subject": "Hi"}},
	// specialized/generic: "generic://api.example.com/webhook?@Authorization=Bearer%20token123&@X-Custom=value"
	{"generic://api.example.com/webhook?@Authorization=Bearer%20token123&@X-Custom=value", "webhook",
		map[string]string{"url": "https://api.example.com/webhook", "headers": `{"Authorization":"Bearer token123","X-Custom":"value"}`}},
	// specialized/generic: "generic+https://example.com/api/v1/postStuff"
	{"generic+https://example.com/api/v1/postStuff?log=1", "webhook",
		map[string]string{"url": "https://example.com/api/v1/postStuff?log=1"}},
	// push/bark config: "bark://:devicekey@host" (bark_config.go: the key is the password)
	{"bark://:devicekey@api.day.app?sound=minuet&group=ops", "bark",
		map[string]string{"url": "https://api.day.app/devicekey", "sound": "minuet", "group": "ops"}},
	// chat/lark: "lark://open.larksuite.com/abc123?secret=xyz789&title=Alert"
	{"lark://open.feishu.cn/abc123?title=Alert", "feishu",
		map[string]string{"token": "https://open.feishu.cn/open-apis/bot/v2/hook/abc123"}},
	// chat/wecom: "wecom://693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa"
	{"wecom://693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa", "wecom_webhook",
		map[string]string{"key": "693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa"}},
}

func TestApprise(t *testing.T)  { runCases(t, appriseCases, Apprise) }
func TestShoutrrr(t *testing.T) { runCases(t, shoutrrrCases, Shoutrrr) }

// runCases checks each URL means its settings and that the channel
// written back in style means the same again.
func runCases(t *testing.T, cases []urlCase, style Style) {
	for _, tc := range cases {
		t.Run(tc.url, func(t *testing.T) {
			k, ok := kinds.Get(tc.kind)
			if !ok {
				t.Fatalf("no kind %s", tc.kind)
			}
			want, err := k.Parse(tc.kv)
			if err != nil {
				t.Fatalf("channel add settings: %v", err)
			}
			got := parseConfig(t, tc.url, style, tc.kind)
			if !maps.Equal(got, want) {
				t.Fatalf("Parse:\n got %v\nwant %v", got, want)
			}
			u, err := Format(tc.kind, want, style, true)
			if err != nil {
				t.Fatalf("Format: %v", err)
			}
			if back := parseConfig(t, u, Auto, tc.kind); !maps.Equal(back, want) {
				t.Fatalf("Format wrote %s, which reads back as\n got %v\nwant %v", u, back, want)
			}
			checkMasked(t, k, want, style)
		})
	}
}

func parseConfig(t *testing.T, u string, style Style, wantKind string) channel.Config {
	t.Helper()
	kind, raw, err := ParseStyle(u, style)
	if err != nil {
		t.Fatalf("Parse(%s): %v", u, err)
	}
	if kind != wantKind {
		t.Fatalf("Parse(%s) kind %s, want %s", u, kind, wantKind)
	}
	k, _ := kinds.Get(kind)
	c, err := k.Parse(raw)
	if err != nil {
		t.Fatalf("kind.Parse(%v): %v", raw, err)
	}
	return c
}

// checkMasked: without secrets no secret value, nor a part of one, shows.
func checkMasked(t *testing.T, k *channel.Kind, c channel.Config, style Style) {
	t.Helper()
	u, err := Format(k.ID, c, style, false)
	if err != nil {
		t.Fatalf("Format masked: %v", err)
	}
	for _, key := range k.SecretKeys() {
		v := c[key]
		if v == "" {
			continue
		}
		for _, part := range secretParts(v) {
			if strings.Contains(u, part) {
				t.Errorf("masked URL %s shows %s's %q", u, key, part)
			}
		}
	}
}

// secretParts are the telling pieces of a secret: itself, or for a URL
// its password, path segments and query values (its host is no secret),
// a token's halves, a JSON object's values.
func secretParts(v string) []string {
	if u, err := url.Parse(v); err == nil && u.Host != "" {
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		if pw, ok := u.User.Password(); ok {
			parts = append(parts, pw)
		}
		for _, vs := range u.Query() {
			parts = append(parts, vs...)
		}
		return long(parts)
	}
	var obj map[string]string
	if json.Unmarshal([]byte(v), &obj) == nil {
		return long(slices.Collect(maps.Values(obj)))
	}
	return long(append(strings.Split(v, ":"), v))
}

// fixedWords are the paths every webhook of a service shares.
var fixedWords = []string{"open-apis", "hook", "bot", "hooks", "services", "webhooks", "workflows", "triggers", "manual", "paths",
	"invoke", "spaces", "messages", "powerautomate", "automations", "direct", "/triggers/manual/run"}

// long drops pieces too short to tell anything ("api", "1").
func long(parts []string) []string {
	return slices.DeleteFunc(parts, func(p string) bool { return len(p) < 4 || slices.Contains(fixedWords, p) })
}

// Errors name the URL's part and the service, never a secret.
func TestErrors(t *testing.T) {
	cases := []errorCase{
		{"", "serviceurl.empty", ""},
		{"https://example.com/x", "serviceurl.scheme.web", ""},
		{"carrierpigeon://coop/1", "serviceurl.scheme.unknown", ""},
		{"no scheme here", "serviceurl.no_scheme", ""},
		{"twilio://SID:TOKENSECRET@15551234567/15557654321", "serviceurl.scheme.unsupported", "TOKENSECRET"},
		{"zulip://bot:KEYSECRET@example.zulipchat.com", "serviceurl.scheme.unsupported", "KEYSECRET"},
		{"tgram://notatoken/123", "serviceurl.host.token", "notatoken"},
		{"tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/", "serviceurl.path.missing", "abcdefg"},
		{"tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/a/b", "serviceurl.path.many", "abcdefg"},
		{"tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/a?bogus=1", "serviceurl.query.unknown", "abcdefg"},
		{"gotify://gotify.example.com", "serviceurl.path.missing", ""},
		{"ntfy://ntfy.sh/topic1/topic2/", "serviceurl.path.many", ""}, // test_plugin_ntfy.py
		{"ntfy://localhost/t?mode=moon", "serviceurl.query.choice", ""},
		{"gotify://bad_host!/AbCdEfGhIjKlMnO", "serviceurl.host.bad", "AbCdEfGh"},
		{"bark://host.example.com:99999/KEYSECRET", "serviceurl.port.bad", "KEYSECRET"},
		{"mailtos://u:PWSECRET@example.com?mode=tls", "serviceurl.query.choice", "PWSECRET"},
		{"mailtos://u:PWSECRET@example.com?cc=x@example.com", "serviceurl.query.unsupported", "PWSECRET"},
		{"wechat://ww01:SECRETX@1000002/%23dept", "serviceurl.path.bad", "SECRETX"},
		{"wecombot://KEY%zz", "serviceurl.escape", "KEY"},
		{"json://host?x=%zz", "serviceurl.query.syntax", ""},
		{"lark://example.com/TOKENX", "serviceurl.host.choice", "TOKENX"},
		{"telegram://123456789:SECRETPART@telegram", "serviceurl.path.missing", "SECRETPART"},
	}
	checkErrors(t, cases)
}

// A service's own webhook address goes whole into its kind's field, as
// Apprise's parse_native_url reads it.
func TestNative(t *testing.T) {
	cases := []struct{ url, kind, key string }{
		{"https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "dingtalk", "token"},
		{"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa", "wecom_webhook", "key"},
		{"https://open.larksuite.com/open-apis/bot/v2/hook/abc123", "feishu", "token"},
		{"https://open.feishu.cn/open-apis/bot/v2/hook/abc123", "feishu", "token"},
		{"https://api.day.app/devicekey", "bark", "url"},
		{"https://discord.com/api/webhooks/693853386302554172/W3dE2OZz4C13_4z_uHfDOoC7BqTW288s", "discord", "url"},
		{"https://hooks.slack.com/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", "slack", "url"},
		{"https://chat.googleapis.com/v1/spaces/AAAA/messages?key=k&token=t", "google_chat", "url"},
	}
	for _, tc := range cases {
		kind, raw, err := Parse(tc.url)
		if err != nil || kind != tc.kind || raw[tc.key] != tc.url {
			t.Errorf("Parse(%s) = %s, %v, %v; want %s with %s", tc.url, kind, raw, err, tc.kind, tc.key)
		}
	}
}

// A kind's own checks come back as its FieldErrors, without the value.
func TestKindErrors(t *testing.T) {
	_, _, err := Parse("wxpusher://NOTANAPPTOKEN/UID_1")
	var fe channel.FieldErrors
	if !errors.As(err, &fe) || fe[0].Field != "app_token" {
		t.Fatalf("err = %v, want app_token's FieldError", err)
	}
	if strings.Contains(err.Error(), "NOTANAPPTOKEN") {
		t.Errorf("error quotes the token: %v", err)
	}
}

// A scheme both projects use is Apprise's unless a shoutrrr parameter
// says otherwise; ParseStyle decides outright.
func TestSharedSchemes(t *testing.T) {
	cases := []struct {
		url    string
		style  Style
		key, v string
	}{
		{"gotify://g.example.com/AbCdEfGhIjKlMnO", Auto, "server", "http://g.example.com"},
		{"gotify://g.example.com/AbCdEfGhIjKlMnO", Shoutrrr, "server", "https://g.example.com"},
		{"gotify://g.example.com/AbCdEfGhIjKlMnO?disabletls=no", Auto, "server", "https://g.example.com"},
		{"ntfy://n.example.com/t", Auto, "server", "http://n.example.com"},
		{"ntfy://n.example.com/t", Shoutrrr, "server", "https://n.example.com"},
		{"wecom://0123456789abcdef0123456789abcdef", Auto, "token", "0123456789abcdef0123456789abcdef"},
		{"wecom://693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa", Auto, "key", "693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa"},
		{"lark://open.larksuite.com/abc", Auto, "token", "https://open.larksuite.com/open-apis/bot/v2/hook/abc"},
		{"bark://:k@b.example.com", Auto, "url", "https://b.example.com/k"},
		{"bark://b.example.com/k", Auto, "url", "http://b.example.com/k"},
	}
	for _, tc := range cases {
		_, raw, err := ParseStyle(tc.url, tc.style)
		if err != nil || raw[tc.key] != tc.v {
			t.Errorf("ParseStyle(%s, %v) = %v, %v; want %s=%s", tc.url, tc.style, raw, err, tc.key, tc.v)
		}
	}
}

// A setting the style cannot carry, without which the channel would not
// work, is refused by name rather than dropped.
func TestFormatRefusesWhatItCannotWrite(t *testing.T) {
	c := channel.Config{"token": "abc123", "secret": "signingsecret"}
	_, err := Format("feishu", c, Apprise, false)
	var ie *i18n.Error
	if !errors.As(err, &ie) || ie.Text.Key != "serviceurl.format.field" || !strings.Contains(err.Error(), "secret") {
		t.Fatalf("err = %v", err)
	}
	if u, err := Format("feishu", c, Shoutrrr, true); err != nil || !strings.Contains(u, "secret=signingsecret") {
		t.Fatalf("shoutrrr: %s, %v", u, err)
	}
}

// Every kind with a URL of a style writes one; others say they have none.
func TestFormatNone(t *testing.T) {
	_, err := Format("desktop", channel.Config{}, Apprise, true)
	var ie *i18n.Error
	if !errors.As(err, &ie) || ie.Text.Key != "serviceurl.format.none" {
		t.Fatalf("err = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, tc := range slices.Concat(urlsOf(appriseCases), urlsOf(shoutrrrCases), urlsOf(appriseCases2), urlsOf(shoutrrrCases2)) {
		f.Add(tc)
	}
	for _, s := range []string{"", "://", "tgram://", "a://b@c@d:1/%", "mailto://@:0", "json://[::1]:80/?+=&-=", "generic+http://x?@=1", "bark://:@/",
		"rocket://a/b@", "rocket://a/@:1", "discord://@/", "slack://hook:@webhook", "teams://?host=%zz", "hassio://h/a.b.c/../x", "signal://h/group./x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		kind, raw, err := Parse(u)
		if err != nil {
			var ie *i18n.Error
			var fe channel.FieldErrors
			if !errors.As(err, &ie) && !errors.As(err, &fe) {
				t.Fatalf("Parse(%q): %T %v is neither an i18n error nor FieldErrors", u, err, err)
			}
			return
		}
		k, ok := kinds.Get(kind)
		if !ok {
			t.Fatalf("Parse(%q) kind %q", u, kind)
		}
		c, err := k.Parse(raw)
		if err != nil {
			t.Fatalf("Parse(%q) settings %v: %v", u, raw, err)
		}
		for _, style := range []Style{Apprise, Shoutrrr} {
			_, _ = Format(kind, c, style, false)
		}
	})
}

func urlsOf(cases []urlCase) []string {
	out := make([]string, len(cases))
	for i, c := range cases {
		out[i] = c.url
	}
	return out
}

// errorCase is a URL Parse refuses with the error key, whose text in
// neither language may quote notIn (a secret part of the URL).
type errorCase struct{ url, key, notIn string }

func checkErrors(t *testing.T, cases []errorCase) {
	t.Helper()
	for _, tc := range cases {
		_, _, err := Parse(tc.url)
		var ie *i18n.Error
		if !errors.As(err, &ie) || ie.Text.Key != tc.key {
			t.Errorf("Parse(%q) = %v, want %s", tc.url, err, tc.key)
			continue
		}
		for _, lang := range []string{i18n.English, i18n.Chinese} {
			if msg := ie.Text.In(lang); tc.notIn != "" && strings.Contains(msg, tc.notIn) {
				t.Errorf("Parse(%q) error %q quotes a secret", tc.url, msg)
			}
		}
	}
}
