package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/heraldpush/herald/app/cli"
	"github.com/heraldpush/herald/engine/channel/apprise/apprisetest"
	"github.com/heraldpush/herald/engine/channel/bark/barktest"
	"github.com/heraldpush/herald/engine/channel/dingtalk/dingtalktest"
	"github.com/heraldpush/herald/engine/channel/discord/discordtest"
	"github.com/heraldpush/herald/engine/channel/email/emailtest"
	"github.com/heraldpush/herald/engine/channel/feishu/feishutest"
	"github.com/heraldpush/herald/engine/channel/googlechat/googlechattest"
	"github.com/heraldpush/herald/engine/channel/gotify/gotifytest"
	"github.com/heraldpush/herald/engine/channel/homeassistant/homeassistanttest"
	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/channel/mailgun/mailguntest"
	"github.com/heraldpush/herald/engine/channel/matrix/matrixtest"
	"github.com/heraldpush/herald/engine/channel/mattermost/mattermosttest"
	"github.com/heraldpush/herald/engine/channel/ntfy/ntfytest"
	"github.com/heraldpush/herald/engine/channel/onebot/onebottest"
	"github.com/heraldpush/herald/engine/channel/pushbullet/pushbullettest"
	"github.com/heraldpush/herald/engine/channel/pushdeer/pushdeertest"
	"github.com/heraldpush/herald/engine/channel/pushme/pushmetest"
	"github.com/heraldpush/herald/engine/channel/pushover/pushovertest"
	"github.com/heraldpush/herald/engine/channel/pushplus/pushplustest"
	"github.com/heraldpush/herald/engine/channel/qmsg/qmsgtest"
	"github.com/heraldpush/herald/engine/channel/rocketchat/rocketchattest"
	"github.com/heraldpush/herald/engine/channel/serverchan/serverchantest"
	"github.com/heraldpush/herald/engine/channel/signal/signaltest"
	"github.com/heraldpush/herald/engine/channel/slack/slacktest"
	"github.com/heraldpush/herald/engine/channel/synologychat/synologychattest"
	"github.com/heraldpush/herald/engine/channel/teams/teamstest"
	"github.com/heraldpush/herald/engine/channel/telegram/telegramtest"
	"github.com/heraldpush/herald/engine/channel/webhook/webhooktest"
	"github.com/heraldpush/herald/engine/channel/wecomapp/wecomapptest"
	"github.com/heraldpush/herald/engine/channel/wecomwebhook/wecomwebhooktest"
	"github.com/heraldpush/herald/engine/channel/wxpusher/wxpushertest"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/testenv"
)

// fake is what every kind's contract server offers; Accepted() is read by
// reflection because each fake returns its own Accepted type with a Text field.
type fake interface {
	Config() map[string]string
	Violations() []string
}

var fakes = map[string]func(t testing.TB) fake{
	"pushplus":      func(t testing.TB) fake { return pushplustest.NewServer(t) },
	"feishu":        func(t testing.TB) fake { return feishutest.NewServer(t) },
	"gotify":        func(t testing.TB) fake { return gotifytest.NewServer(t) },
	"ntfy":          func(t testing.TB) fake { return ntfytest.NewServer(t) },
	"wxpusher":      func(t testing.TB) fake { return wxpushertest.NewServer(t) },
	"wecom_app":     func(t testing.TB) fake { return wecomapptest.NewServer(t) },
	"bark":          func(t testing.TB) fake { return barktest.NewServer(t) },
	"telegram":      func(t testing.TB) fake { return telegramtest.NewServer(t) },
	"webhook":       func(t testing.TB) fake { return webhooktest.NewServer(t) },
	"mailgun":       func(t testing.TB) fake { return mailguntest.NewServer(t) },
	"serverchan":    func(t testing.TB) fake { return serverchantest.NewServer(t) },
	"dingtalk":      func(t testing.TB) fake { return dingtalktest.NewServer(t) },
	"email":         func(t testing.TB) fake { return emailtest.NewServer(t) },
	"wecom_webhook": func(t testing.TB) fake { return wecomwebhooktest.NewServer(t) },
	"onebot":        func(t testing.TB) fake { return onebottest.NewServer(t) },
	"synology_chat": func(t testing.TB) fake { return synologychattest.NewServer(t) },
	"pushdeer":      func(t testing.TB) fake { return pushdeertest.NewServer(t) },
	"pushme":        func(t testing.TB) fake { return pushmetest.NewServer(t) },
	"qmsg":          func(t testing.TB) fake { return qmsgtest.NewServer(t) },
	"pushover":      func(t testing.TB) fake { return pushovertest.NewServer(t) },
	"pushbullet":    func(t testing.TB) fake { return pushbullettest.NewServer(t) },
	"signal":        func(t testing.TB) fake { return signaltest.NewServer(t) },
	"homeassistant": func(t testing.TB) fake { return homeassistanttest.NewServer(t) },
	"matrix":        func(t testing.TB) fake { return matrixtest.NewServer(t) },
	"apprise":       func(t testing.TB) fake { return apprisetest.NewServer(t) },
	"teams":         func(t testing.TB) fake { return teamstest.NewServer(t) },
	"google_chat":   func(t testing.TB) fake { return googlechattest.NewServer(t) },
	"discord":       func(t testing.TB) fake { return discordtest.NewServer(t) },
	"slack":         func(t testing.TB) fake { return slacktest.NewServer(t) },
	"mattermost":    func(t testing.TB) fake { return mattermosttest.NewServer(t) },
	"rocketchat":    func(t testing.TB) fake { return rocketchattest.NewServer(t) },
}

func acceptedTexts(t *testing.T, f fake) []string {
	t.Helper()
	out := reflect.ValueOf(f).MethodByName("Accepted").Call(nil)[0]
	var texts []string
	for i := 0; i < out.Len(); i++ {
		a := out.Index(i)
		texts = append(texts, a.FieldByName("Title").String()+"\n"+a.FieldByName("Text").String())
	}
	return texts
}

type herald struct {
	t   *testing.T
	dir string
}

func newHerald(t *testing.T) *herald {
	testenv.NeedKeyring(t)
	return &herald{t: t, dir: t.TempDir()}
}

// run executes one CLI invocation in-process against the real data folder.
func (h *herald) run(stdin string, args ...string) (code int, stdout, stderr string) {
	h.t.Helper()
	var out, errb bytes.Buffer
	open := func(ctx context.Context) (*host.Env, error) { return host.Open(ctx, h.dir, host.Options{}) }
	code = cli.Run(context.Background(), args, cli.IO{In: strings.NewReader(stdin), Out: &out, Err: &errb}, open)
	return code, out.String(), errb.String()
}

func (h *herald) must(args ...string) string {
	h.t.Helper()
	code, out, errs := h.run("", args...)
	if code != 0 {
		h.t.Fatalf("herald %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// assertNoSecrets greps every file in the data folder (database, WAL, log)
// and the given outputs for the secret values.
func (h *herald) assertNoSecrets(secrets []string, outputs ...string) {
	h.t.Helper()
	var blobs []string
	filepath.Walk(h.dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			data, _ := os.ReadFile(p)
			blobs = append(blobs, p+"\x00"+string(data))
		}
		return nil
	})
	blobs = append(blobs, outputs...)
	for _, s := range secrets {
		for _, b := range blobs {
			if strings.Contains(b, s) {
				name, _, _ := strings.Cut(b, "\x00")
				h.t.Errorf("secret %q found in %s", s, name)
			}
		}
	}
}

func kvArgs(cfg map[string]string) []string {
	var args []string
	for k, v := range cfg {
		args = append(args, k+"="+v)
	}
	sort.Strings(args)
	return args
}

func TestEveryKindThroughTheCLI(t *testing.T) {
	for _, k := range kinds.All() {
		t.Run(k.ID, func(t *testing.T) {
			if k.ID == "desktop" {
				testDesktopKind(t)
				return
			}
			start, ok := fakes[k.ID]
			if !ok {
				t.Fatalf("kind %s has no contract fake registered in this test", k.ID)
			}
			srv := start(t)
			h := newHerald(t)
			cfg := srv.Config()
			var secrets []string
			for _, key := range k.SecretKeys() {
				if v := cfg[key]; len(v) >= 8 {
					secrets = append(secrets, v)
				}
			}

			// add → test → send
			id := strings.TrimSpace(h.must(append([]string{"channel", "add", k.ID, "via-add"}, kvArgs(cfg)...)...))
			if len(id) != 16 {
				t.Fatalf("channel add printed %q, want the channel id", id)
			}
			out := h.must("channel", "test", "via-add")
			if !strings.Contains(out, "via-add: ok") {
				t.Fatalf("channel test output %q", out)
			}
			sendOut := h.must("send", "--channel", "via-add", "--title", "Nightly backup", "backup finished: 42 files")
			texts := acceptedTexts(t, srv)
			if len(texts) != 2 || !strings.Contains(texts[0], "test push") || !strings.Contains(texts[1], "backup finished: 42 files") {
				t.Fatalf("fake accepted %q", texts)
			}
			if _, stdinOut, _ := h.run("from stdin\nline 2", "send", "--channel", "via-add", "-"); !strings.Contains(stdinOut, "via-add: ok") {
				t.Fatalf("send - : %q", stdinOut)
			}

			// show masks every secret
			show := h.must("channel", "show", "via-add")
			for _, key := range k.SecretKeys() {
				if cfg[key] != "" && !strings.Contains(show, "••••") {
					t.Errorf("show does not mask %s:\n%s", key, show)
				}
			}
			list := h.must("channel", "list")
			if !strings.Contains(list, "via-add") || !strings.Contains(list, "ok") {
				t.Errorf("list: %s", list)
			}

			// import from QD's ';' string, then point the rest at the fake with edit
			if k.QDFields > 0 {
				var qd []string
				for _, f := range k.Fields[:k.QDFields] {
					qd = append(qd, cfg[f.Key])
				}
				// Required fields QD's string lacks come as extra key=value
				// settings; the rest is set afterwards with edit.
				importArgs := []string{"channel", "import", k.ID, "via-qd", strings.Join(qd, ";")}
				var rest []string
				for _, f := range k.Fields[k.QDFields:] {
					if v, ok := cfg[f.Key]; ok {
						if f.Required {
							importArgs = append(importArgs, f.Key+"="+v)
						} else {
							rest = append(rest, f.Key+"="+v)
						}
					}
				}
				h.must(importArgs...)
				if len(rest) > 0 {
					h.must(append([]string{"channel", "edit", "via-qd"}, rest...)...)
				}
				h.must("channel", "test", "via-qd")
				if n := len(acceptedTexts(t, srv)); n != 4 {
					t.Fatalf("after import test: fake accepted %d messages, want 4", n)
				}
			}

			if v := srv.Violations(); len(v) > 0 {
				t.Fatalf("contract violations: %q", v)
			}
			h.assertNoSecrets(secrets, show, list, sendOut)

			h.must("channel", "rm", "via-add")
			if code, _, errs := h.run("", "channel", "show", "via-add"); code != 2 || !strings.Contains(errs, `no channel called "via-add"`) {
				t.Fatalf("show after rm: exit %d, %q", code, errs)
			}
		})
	}
}

func TestBadInputNamesTheFieldAndSavesNothing(t *testing.T) {
	h := newHerald(t)
	srv := dingtalktest.NewServer(t)
	h.must(append([]string{"channel", "add", "dingtalk", "kept"}, kvArgs(srv.Config())...)...)

	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"channel", "add", "dingtalk", "x", "token=abc", "secret=nope"}, "dingtalk: secret: must start with SEC"},
		{[]string{"channel", "add", "dingtalk", "x"}, "dingtalk: token: required"},
		{[]string{"channel", "add", "carrier-pigeon", "x"}, `unknown channel kind "carrier-pigeon"`},
		{[]string{"channel", "add", "dingtalk", "kept", "token=abcdef"}, `name: a channel called "kept" already exists`},
		{[]string{"channel", "add", "dingtalk", "x", "token"}, `"token": settings are key=value`},
		{[]string{"channel", "import", "dingtalk", "x", ";pic"}, "dingtalk: token: missing from the QD string"},
		{[]string{"channel", "edit", "kept", "secret=bad"}, "dingtalk: secret: must start with SEC"},
		{[]string{"channel", "edit", "kept", "colour=red"}, "dingtalk: colour: unknown field"},
		{[]string{"channel", "frobnicate"}, `unknown subcommand "frobnicate"`},
		{[]string{"send", "--all", "--bogus", "x"}, "flag provided but not defined: -bogus"},
		{[]string{"send", "body"}, "name a --channel or give --all"},
		{[]string{"channel", "test", "missing"}, `no channel called "missing"`},
	}
	for _, tt := range tests {
		code, _, errs := h.run("", tt.args...)
		if code != cli.ExitBadArgs || !strings.Contains(errs, tt.wantErr) {
			t.Errorf("herald %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tt.args, " "), code, errs, tt.wantErr)
		}
	}
	// Nothing new saved, and the edit that failed left the channel working.
	if list := h.must("channel", "list"); strings.Count(list, "\n") != 2 || !strings.Contains(list, "kept") {
		t.Fatalf("channels after bad input:\n%s", list)
	}
	h.must("channel", "test", "kept")
}

func TestFailedPushExitsOneWithTheServiceAnswer(t *testing.T) {
	h := newHerald(t)
	srv := dingtalktest.NewServer(t)
	cfg := srv.Config()
	cfg["secret"] = "SEC0000000000000000000000000000000000000000000000000000000000000000"
	h.must(append([]string{"channel", "add", "dingtalk", "wrong-secret"}, kvArgs(cfg)...)...)
	code, out, _ := h.run("", "channel", "test", "wrong-secret")
	if code != cli.ExitFailed || !strings.Contains(out, "310000") || !strings.Contains(out, "sign not match") {
		t.Fatalf("exit %d, output %q; want exit 1 with DingTalk's 310000 answer", code, out)
	}
	list := h.must("channel", "list")
	if !strings.Contains(list, "failed: dingtalk: 310000") {
		t.Fatalf("last test result not recorded:\n%s", list)
	}
	h.assertNoSecrets([]string{cfg["secret"], cfg["token"]}, out, list)
}

func TestKindsListsEveryKindWithFields(t *testing.T) {
	h := &herald{t: t, dir: t.TempDir()}
	out := h.must("channel", "kinds")
	for _, k := range kinds.All() {
		if !strings.Contains(out, k.ID+" — ") {
			t.Errorf("kinds output lacks %s", k.ID)
		}
		for _, f := range k.Fields {
			if !strings.Contains(out, "  "+f.Key) {
				t.Errorf("kinds output lacks %s.%s", k.ID, f.Key)
			}
		}
	}
	if !strings.Contains(out, "QD string: token;pic_url") {
		t.Errorf("kinds output lacks the QD order for dingtalk:\n%s", out)
	}
}

// Without a reachable keyring, adding a channel with a secret fails with a
// message saying what to start, and nothing is saved (no plaintext fallback).
func TestNoKeyringFailsClearlyAndSavesNothing(t *testing.T) {
	dir := os.Getenv("HERALD_TEST_DATA_DIR")
	if os.Getenv("HERALD_TEST_CHILD") == "nobus" {
		h := &herald{t: t, dir: dir}
		code, out, errs := h.run("", "channel", "add", "dingtalk", "team", "token=canary-token-123456", "secret=SECcanary0123456789")
		os.Stdout.WriteString("EXIT=" + string(rune('0'+code)) + "\n" + out + errs)
		return
	}
	dir = t.TempDir()
	out := testenv.RunSelf(t, "TestNoKeyringFailsClearlyAndSavesNothing", map[string]string{
		"HERALD_TEST_CHILD":        "nobus",
		"HERALD_TEST_DATA_DIR":     dir,
		"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/herald-test-bus",
	})
	for _, want := range []string{"EXIT=1", "no OS keyring is reachable", "gnome-keyring", "herald/"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	h := &herald{t: t, dir: dir}
	if list := h.must("channel", "list"); strings.Contains(list, "team") {
		t.Fatalf("channel saved without its secrets:\n%s", list)
	}
	h.assertNoSecrets([]string{"canary-token-123456", "SECcanary0123456789"}, out)
}

// The desktop kind has no service: without a window in this process a push
// stays queued for the app, and the CLI says so. A test is tried once.
func testDesktopKind(t *testing.T) {
	h := newHerald(t)
	h.must("channel", "add", "desktop", "here")
	code, out, _ := h.run("", "channel", "test", "here")
	if code != cli.ExitFailed || !strings.Contains(out, "no Herald window") {
		t.Fatalf("channel test: exit %d %q", code, out)
	}
	code, out, _ = h.run("", "send", "--channel", "here", "hello")
	if code != cli.ExitFailed || !strings.Contains(out, "queued for retry") {
		t.Fatalf("send: exit %d %q", code, out)
	}
	if list := h.must("outbox", "list", "--state", "pending"); strings.Count(list, "here") != 1 || !strings.Contains(list, "send") {
		t.Fatalf("the push was not kept for the app:\n%s", list)
	}
	if list := h.must("outbox", "list", "--state", "failed"); strings.Count(list, "here") != 1 || !strings.Contains(list, "test") {
		t.Fatalf("the test was not tried once:\n%s", list)
	}
}

func TestErrorsFollowTheTerminalLanguage(t *testing.T) {
	h := newHerald(t)
	args := []string{"channel", "add", "dingtalk", "x", "token=abc", "secret=nope"}
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"LANG": "zh_CN.UTF-8"}, "herald: 签名密钥：必须以 SEC 开头"},
		{map[string]string{"LANG": "en_US.UTF-8", "LANGUAGE": "zh_CN"}, "herald: 签名密钥：必须以 SEC 开头"},
		{map[string]string{"LANG": "C", "LANGUAGE": "zh_CN"}, "herald: bad input: dingtalk: secret: must start with SEC"},
		{map[string]string{}, "herald: bad input: dingtalk: secret: must start with SEC"},
	}
	for _, tt := range tests {
		for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"} {
			t.Setenv(k, tt.env[k])
		}
		code, _, errs := h.run("", args...)
		if code != cli.ExitBadArgs || !strings.HasPrefix(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tt.env, code, errs, tt.want)
		}
	}
}
