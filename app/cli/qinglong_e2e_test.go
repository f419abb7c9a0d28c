package cli_test

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel/bark/barktest"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/dingtalk/dingtalktest"
	"github.com/heraldpush/herald/engine/channel/email/emailtest"
	"github.com/heraldpush/herald/engine/channel/feishu/feishutest"
	"github.com/heraldpush/herald/engine/channel/gotify/gotifytest"
	"github.com/heraldpush/herald/engine/channel/ntfy/ntfytest"
	"github.com/heraldpush/herald/engine/channel/onebot/onebottest"
	"github.com/heraldpush/herald/engine/channel/pushdeer/pushdeertest"
	"github.com/heraldpush/herald/engine/channel/pushme/pushmetest"
	"github.com/heraldpush/herald/engine/channel/pushplus/pushplustest"
	"github.com/heraldpush/herald/engine/channel/qinglong"
	"github.com/heraldpush/herald/engine/channel/qmsg/qmsgtest"
	"github.com/heraldpush/herald/engine/channel/serverchan/serverchantest"
	"github.com/heraldpush/herald/engine/channel/synologychat/synologychattest"
	"github.com/heraldpush/herald/engine/channel/telegram/telegramtest"
	"github.com/heraldpush/herald/engine/channel/webhook/webhooktest"
	"github.com/heraldpush/herald/engine/channel/wecomapp/wecomapptest"
	"github.com/heraldpush/herald/engine/channel/wecomwebhook/wecomwebhooktest"
	"github.com/heraldpush/herald/engine/channel/wxpusher/wxpushertest"
)

// qlService is one service of a qinglong config.sh: its variables as a
// person writes them, and the channel they must become.
type qlService struct {
	kind string
	// prefix is the --prefix of the import-env run holding the service;
	// "" is the main config.sh. Variable sets that exclude each other
	// (ntfy's token vs its username and password, WxPusher's app token vs
	// SPT) cannot share one config.sh: the second set is a run of its own.
	prefix string
	vars   [][2]string // in config.sh order
	// secrets are the secret values among vars (the fakes' fixed
	// credentials, or canaries where the fake takes any value).
	secrets []string
	// edit is what no qinglong variable holds, set with `channel edit`
	// after the import: mostly the API base of a service qinglong only
	// knows at its public address.
	edit []string
	// exported are the variables export-env writes that differ from vars
	// (name → value, "" for left out): each a normalisation, explained.
	exported map[string]string
	fake     fake
	check    func(t *testing.T) // extra checks after the channel test
}

func (s qlService) channel() string {
	if s.prefix == "" {
		return s.kind
	}
	return s.prefix + "-" + s.kind
}

// qlServices are the services of qinglong's notify.py that Herald imports,
// each pointed at its contract fake. c hands out the canaries.
func qlServices(t *testing.T, c *channeltest.Canaries) []qlService {
	bark := barktest.NewServer(t)
	barkPass := c.New("bark basic-auth password")
	bark.RequireBasicAuth("bu", barkPass)
	barkHost := strings.TrimPrefix(bark.URL, "http://")

	ding, fs, sc, pp := dingtalktest.NewServer(t), feishutest.NewServer(t), serverchantest.NewServer(t), pushplustest.NewServer(t)
	got, deer, syno, qm := gotifytest.NewServer(t), pushdeertest.NewServer(t), synologychattest.NewServer(t), qmsgtest.NewServer(t)
	wa, ww, tg, pm := wecomapptest.NewServer(t), wecomwebhooktest.NewServer(t), telegramtest.NewServer(t), pushmetest.NewServer(t)
	ob, nt, nt2, wx, wx2 := onebottest.NewServer(t), ntfytest.NewServer(t), ntfytest.NewServer(t), wxpushertest.NewServer(t), wxpushertest.NewServer(t)
	hook, mail := webhooktest.NewServer(t), emailtest.NewServer(t)

	proxy := channeltest.NewProxy(t)
	proxyHost, proxyPort, _ := net.SplitHostPort(strings.TrimPrefix(proxy.URL, "http://"))
	proxyPass := c.New("telegram proxy password")

	synoURL, synoToken, _ := strings.Cut(syno.Config()["url"], "token=")
	mailHost, mailPort, _ := net.SplitHostPort(mail.TLSAddr)
	cfg := func(f fake, key string) string { return f.Config()[key] }

	return []qlService{
		{kind: "bark", fake: bark, secrets: []string{barkPass, barktest.DeviceKey}, vars: [][2]string{
			{"BARK_PUSH", "http://bu:" + barkPass + "@" + barkHost + "/" + barktest.DeviceKey},
			{"BARK_ARCHIVE", "1"}, {"BARK_GROUP", "herald"}, {"BARK_SOUND", "minuet"},
			{"BARK_ICON", "https://example.com/icon.png"}, {"BARK_LEVEL", "timeSensitive"},
			{"BARK_URL", "https://example.com/click"},
		}},
		// DingTalk, Feishu, ServerChan, PushPlus, Qmsg, WeCom robot and
		// WxPusher: qinglong has no variable for the API base.
		{kind: "dingtalk", fake: ding, edit: []string{"api=" + ding.URL},
			secrets: []string{cfg(ding, "token"), cfg(ding, "secret")}, vars: [][2]string{
				{"DD_BOT_TOKEN", cfg(ding, "token")}, {"DD_BOT_SECRET", cfg(ding, "secret")},
			}},
		{kind: "feishu", fake: fs, edit: []string{"api=" + fs.URL},
			secrets: []string{feishutest.Token, feishutest.Secret}, vars: [][2]string{
				{"FSKEY", feishutest.Token}, {"FSSECRET", feishutest.Secret},
			}},
		{kind: "gotify", fake: got, secrets: []string{cfg(got, "token")}, vars: [][2]string{
			{"GOTIFY_URL", got.URL}, {"GOTIFY_TOKEN", cfg(got, "token")}, {"GOTIFY_PRIORITY", "7"},
		}},
		{kind: "serverchan", fake: sc, edit: []string{"api=" + sc.URL},
			secrets: []string{cfg(sc, "sendkey")}, vars: [][2]string{{"PUSH_KEY", cfg(sc, "sendkey")}}},
		{kind: "pushdeer", fake: deer, secrets: []string{pushdeertest.Key}, vars: [][2]string{
			{"DEER_KEY", pushdeertest.Key}, {"DEER_URL", deer.URL},
		}},
		{kind: "synology_chat", fake: syno, secrets: []string{synologychattest.Token}, vars: [][2]string{
			{"CHAT_URL", synoURL + "token="}, {"CHAT_TOKEN", synoToken},
		}},
		// PUSH_PLUS_TO needs a channel reaching friends (wechat or cp), and
		// cp a webhook code.
		{kind: "pushplus", fake: pp, edit: []string{"api=" + pp.URL},
			secrets: []string{pushplustest.Token}, vars: [][2]string{
				{"PUSH_PLUS_TOKEN", pushplustest.Token}, {"PUSH_PLUS_USER", "grp1"},
				{"PUSH_PLUS_TEMPLATE", "html"}, {"PUSH_PLUS_CHANNEL", "cp"}, {"PUSH_PLUS_WEBHOOK", "cphook"},
				{"PUSH_PLUS_CALLBACKURL", "https://example.com/pushplus-callback"}, {"PUSH_PLUS_TO", "friend01"},
			}},
		{kind: "qmsg", fake: qm, edit: []string{"api=" + qm.URL},
			secrets: []string{qmsgtest.Key}, vars: [][2]string{{"QMSG_KEY", qmsgtest.Key}, {"QMSG_TYPE", "group"}}},
		// The fifth part, a media_id, makes notify.py send an mpnews
		// article with that cover; so does Herald.
		{kind: "wecom_app", fake: wa, secrets: []string{wecomapptest.Secret}, vars: [][2]string{
			{"QYWX_AM", strings.Join([]string{wecomapptest.CorpID, wecomapptest.Secret, "@all", strconv.Itoa(wecomapptest.AgentID), wecomapptest.MediaID}, ",")},
			{"QYWX_ORIGIN", wa.URL},
		}},
		{kind: "wecom_webhook", fake: ww, edit: []string{"api=" + ww.URL},
			secrets: []string{wecomwebhooktest.Key}, vars: [][2]string{{"QYWX_KEY", wecomwebhooktest.Key}}},
		// The proxy relays to the fake, so the push really goes through it.
		{kind: "telegram", fake: tg, secrets: []string{cfg(tg, "token"), proxyPass}, vars: [][2]string{
			{"TG_BOT_TOKEN", cfg(tg, "token")}, {"TG_USER_ID", cfg(tg, "chat_id")}, {"TG_API_HOST", tg.URL},
			{"TG_PROXY_HOST", proxyHost}, {"TG_PROXY_PORT", proxyPort}, {"TG_PROXY_AUTH", "pu:" + proxyPass},
		}, check: func(t *testing.T) {
			want := "Basic " + base64.StdEncoding.EncodeToString([]byte("pu:"+proxyPass))
			reqs := proxy.Requests()
			if len(reqs) == 0 || reqs[0].ProxyAuthorization != want || reqs[0].Host != strings.TrimPrefix(tg.URL, "http://") {
				t.Errorf("telegram did not push through the proxy with TG_PROXY_AUTH: %v", reqs)
			}
		}},
		// The fake speaks implicit TLS with its own CA, which no qinglong
		// variable names.
		{kind: "email", fake: mail, edit: []string{"ca_file=" + mail.CAFile},
			secrets: []string{emailtest.Password}, vars: [][2]string{
				{"SMTP_SERVER", net.JoinHostPort(mailHost, mailPort)}, {"SMTP_SSL", "true"},
				{"SMTP_EMAIL", emailtest.Username}, {"SMTP_PASSWORD", emailtest.Password},
				{"SMTP_NAME", "Herald Bot"}, {"SMTP_EMAIL_TO", "ops@example.net;oncall@example.net"},
			}},
		{kind: "pushme", fake: pm, secrets: []string{pushmetest.Key}, vars: [][2]string{
			{"PUSHME_KEY", pushmetest.Key}, {"PUSHME_URL", pm.URL},
		}},
		{kind: "onebot", fake: ob, secrets: []string{cfg(ob, "access_token")}, vars: [][2]string{
			{"GOBOT_URL", ob.URL + "/send_private_msg"}, {"GOBOT_QQ", "user_id=" + cfg(ob, "user_id")},
			{"GOBOT_TOKEN", cfg(ob, "access_token")},
		}},
		{kind: "ntfy", fake: nt, secrets: []string{ntfytest.Token}, vars: [][2]string{
			{"NTFY_URL", nt.URL}, {"NTFY_TOPIC", ntfytest.Topic}, {"NTFY_PRIORITY", "4"},
			{"NTFY_TOKEN", ntfytest.Token}, {"NTFY_ACTIONS", "view, Open portal, https://example.com/portal"},
		}},
		{kind: "ntfy", prefix: "pw", fake: nt2, secrets: []string{ntfytest.Password}, vars: [][2]string{
			{"NTFY_URL", nt2.URL}, {"NTFY_TOPIC", ntfytest.Topic},
			{"NTFY_USERNAME", ntfytest.User}, {"NTFY_PASSWORD", ntfytest.Password},
		}},
		{kind: "wxpusher", fake: wx, edit: []string{"api=" + wx.URL},
			secrets: []string{wxpushertest.AppToken}, vars: [][2]string{
				{"WXPUSHER_APP_TOKEN", wxpushertest.AppToken}, {"WXPUSHER_TOPIC_IDS", strconv.Itoa(wxpushertest.TopicID)},
				{"WXPUSHER_UIDS", wxpushertest.UID + ";" + wxpushertest.UID2},
			}},
		{kind: "wxpusher", prefix: "spt", fake: wx2, edit: []string{"api=" + wx2.URL},
			secrets: []string{wxpushertest.SPT, wxpushertest.SPT2}, vars: [][2]string{
				{"WXPUSHER_SPT_LIST", wxpushertest.SPT + "," + wxpushertest.SPT2},
			}},
		{kind: "webhook", fake: hook, secrets: []string{webhooktest.Token}, vars: [][2]string{
			{"WEBHOOK_URL", hook.URL + "/hook?log=$content&t=$title"}, {"WEBHOOK_METHOD", "POST"},
			{"WEBHOOK_BODY", "log: $content\ntitle: $title\nsource: herald"},
			{"WEBHOOK_HEADERS", "Authorization: Bearer " + webhooktest.Token},
			{"WEBHOOK_CONTENT_TYPE", "application/json"},
		}},
	}
}

// configSHOf writes the services of one run as qinglong's config.sh does.
func configSHOf(services []qlService, prefix string) string {
	lines := []string{"## 通知 (herald acceptance test)"}
	for _, s := range services {
		if s.prefix != prefix {
			continue
		}
		for _, v := range s.vars {
			lines = append(lines, "export "+v[0]+"="+qinglong.Quote(v[1]))
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// The acceptance test: a config.sh with every qinglong notify
// variable Herald reads imports into one working channel per service,
// exports back to the same variables, and no secret leaks on the way.
func TestQinglongConfigImportsEveryService(t *testing.T) {
	var c channeltest.Canaries
	services := qlServices(t, &c)
	h := newHerald(t)
	dir := t.TempDir()
	var secrets []string
	for _, s := range services {
		secrets = append(secrets, s.secrets...)
	}

	runs := []string{"", "pw", "spt"}
	var outputs []string
	for _, prefix := range runs {
		file := filepath.Join(dir, "config"+prefix+".sh")
		if err := os.WriteFile(file, []byte(configSHOf(services, prefix)), 0o600); err != nil {
			t.Fatal(err)
		}
		args := []string{"channel", "import-env", "--dry-run", file}
		if prefix != "" {
			args = slices.Insert(args, 2, "--prefix", prefix)
		}
		before := h.must("channel", "list")
		code, out, errs := h.run("", args...)
		outputs = append(outputs, out+errs)
		if code != 0 || errs != "" || !strings.Contains(out, "would create") {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
		if list := h.must("channel", "list"); list != before {
			t.Fatalf("the dry run created channels:\n%s", list)
		}
		dry := out
		code, out, errs = h.run("", slices.DeleteFunc(args, func(a string) bool { return a == "--dry-run" })...)
		outputs = append(outputs, out+errs)
		if code != 0 || errs != "" {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
		for _, s := range services {
			name := s.channel() + " (" + s.kind + ")"
			if s.prefix == prefix && (!strings.Contains(dry, "would create "+name) || !strings.Contains(out, "created "+name)) {
				t.Errorf("run %q does not create %s:\n%s%s", prefix, name, dry, out)
			}
		}
	}

	list := h.must("channel", "list")
	if n := strings.Count(list, "\n") - 1; n != len(services) {
		t.Errorf("%d channels, want %d:\n%s", n, len(services), list)
	}
	for _, s := range services {
		t.Run(s.channel(), func(t *testing.T) {
			if len(s.edit) > 0 {
				h.must(append([]string{"channel", "edit", s.channel()}, s.edit...)...)
			}
			out := h.must("channel", "test", s.channel())
			outputs = append(outputs, out)
			if !strings.Contains(out, s.channel()+": ok") {
				t.Errorf("channel test: %q", out)
			}
			if n := len(acceptedTexts(t, s.fake)); n != 1 {
				t.Errorf("the fake accepted %d pushes, want 1", n)
			}
			if v := s.fake.Violations(); len(v) > 0 {
				t.Errorf("contract violations: %q", v)
			}
			if s.check != nil {
				s.check(t)
			}
		})
	}

	code, full, errs := h.run("", "channel", "export-env", "--all", "--with-secrets")
	if code != 0 {
		t.Fatalf("export-env --with-secrets: exit %d\n%s", code, errs)
	}
	t.Logf("export-env --all --with-secrets:\n%s%s", full, errs)
	exported := exportBlocks(t, full)
	for _, s := range services {
		want := map[string]string{}
		for _, v := range s.vars {
			want[v[0]] = v[1]
		}
		for name, v := range s.exported {
			want[name] = v
			if v == "" {
				delete(want, name)
			}
		}
		if got := exported[s.channel()]; !maps.Equal(got, want) {
			t.Errorf("%s: export-env gives back\n%s\nwant\n%s", s.channel(), sortedVars(got), sortedVars(want))
		}
	}

	code, public, errs := h.run("", "channel", "export-env", "--all")
	outputs = append(outputs, public+errs)
	if code != 0 {
		t.Fatalf("export-env: exit %d\n%s", code, errs)
	}
	assertNoneOf(t, secrets, "output", strings.Join(outputs, "\n"))
	filepath.Walk(h.dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			data, _ := os.ReadFile(p)
			assertNoneOf(t, secrets, "file "+p, string(data))
		}
		return nil
	})
}

// exportBlocks parses export-env's output channel by channel.
func exportBlocks(t *testing.T, out string) map[string]map[string]string {
	blocks := map[string]map[string]string{}
	for _, block := range strings.Split(out, "# herald channel ")[1:] {
		head, body, _ := strings.Cut(block, "\n") // "NAME (kind)"
		name, _, _ := strings.Cut(head, " ")
		vars, warnings := qinglong.Parse(body)
		if len(warnings) > 0 {
			t.Errorf("%s: export does not parse: %v", name, warnings)
		}
		blocks[name] = map[string]string{}
		for _, v := range vars {
			blocks[name][v.Name] = v.Value
		}
	}
	return blocks
}

func sortedVars(m map[string]string) string {
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		lines = append(lines, fmt.Sprintf("  %s=%q", k, m[k]))
	}
	return strings.Join(lines, "\n")
}

// assertNoneOf fails for each secret found in text in any of its
// encodings (raw, hex, base64 at every alignment, URL-escaped).
func assertNoneOf(t *testing.T, secrets []string, where, text string) {
	t.Helper()
	for _, s := range secrets {
		for form, f := range channeltest.CanaryForms(s) {
			if strings.Contains(text, f) {
				t.Errorf("%s holds the secret %.8s… (%s)", where, s, form)
			}
		}
	}
}
