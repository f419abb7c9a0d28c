package cli_test

import (
	"strings"
	"testing"

	"github.com/heraldpush/herald/app/cli"
	"github.com/heraldpush/herald/engine/channel/gotify/gotifytest"
)

// An Apprise URL makes a working channel, and show --url writes it back,
// its secret masked unless asked for.
func TestAddURLAndShowURL(t *testing.T) {
	h := newHerald(t)
	srv := gotifytest.NewServer(t)
	token := srv.Config()["token"]
	// Apprise's gotify:// is plain http, as the fake server is.
	u := "gotify://" + strings.TrimPrefix(srv.URL, "http://") + "/" + token + "/?priority=5"
	out := h.must("channel", "add-url", "home", u)
	if !strings.Contains(out, "(gotify)") {
		t.Fatalf("add-url printed %q", out)
	}
	h.must("channel", "test", "home")
	if v := srv.Violations(); len(v) > 0 {
		t.Fatalf("violations: %v", v)
	}

	shown := h.must("channel", "show", "home")
	masked := h.must("channel", "show", "home", "--url")
	shoutrrr := h.must("channel", "show", "home", "--url", "--shoutrrr")
	h.assertNoSecrets([]string{token}, out, shown, masked, shoutrrr)
	if want := "gotify://" + strings.TrimPrefix(srv.URL, "http://") + "/****/?priority=5\n"; masked != want {
		t.Errorf("show --url = %q, want %q", masked, want)
	}
	if !strings.HasPrefix(shoutrrr, "gotify://") || !strings.Contains(shoutrrr, "disabletls=yes") {
		t.Errorf("show --url --shoutrrr = %q", shoutrrr)
	}
	full := h.must("channel", "show", "home", "--url", "--with-secrets")
	if full != u+"\n" {
		t.Errorf("show --url --with-secrets = %q, want %q", full, u)
	}
	// The URL written reads back as the same channel.
	h.must("channel", "add-url", "again", strings.TrimSpace(full))
	if a, b := h.must("channel", "show", "home"), h.must("channel", "show", "again"); cut(a) != cut(b) {
		t.Errorf("read back:\n%s\nwant\n%s", b, a)
	}
}

// cut drops show's name and id lines.
func cut(show string) string {
	lines := strings.Split(show, "\n")
	return strings.Join(lines[3:], "\n")
}

// "-" reads the URL from stdin, out of the shell's history.
func TestAddURLFromStdin(t *testing.T) {
	h := newHerald(t)
	code, out, errs := h.run("wecombot://693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa\n", "channel", "add-url", "bot", "-")
	if code != 0 || !strings.Contains(out, "(wecom_webhook)") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// A bad URL exits 2, names the wrong part and saves nothing; its secret
// parts never show.
func TestAddURLBadInput(t *testing.T) {
	h := newHerald(t)
	tests := []struct {
		args    []string
		wantErr string
		secret  string
	}{
		{[]string{"channel", "add-url", "x", "tgram://123456789:SECRETSECRETSECRETSECRETSECRET12/"}, "Telegram URL: the path segment {chat_id} is missing", "SECRETSECRET"},
		{[]string{"channel", "add-url", "x", "twilio://SID:APPTOKENSECRET@15551234567/15557654321"}, "Herald does not support Twilio (twilio://) yet", "APPTOKENSECRET"},
		{[]string{"channel", "add-url", "x", "zulip://bot:KEYSECRET@example.zulipchat.com"}, "kind apprise", "KEYSECRET"},
		{[]string{"channel", "add-url", "x", "mailtos://me:PWSECRET@example.com?mode=tls"}, "query parameter mode must be one of", "PWSECRET"},
		{[]string{"channel", "add-url", "x", "wxpusher://NOTATOKEN/UID_1"}, "wxpusher: app_token:", "NOTATOKEN"},
		{[]string{"channel", "add-url", "x"}, "usage: herald channel add-url NAME URL", ""},
		{[]string{"channel", "show", "x", "--with-secrets"}, "go with --url", ""},
	}
	for _, tt := range tests {
		code, out, errs := h.run("", tt.args...)
		if code != cli.ExitBadArgs || !strings.Contains(errs, tt.wantErr) {
			t.Errorf("herald %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tt.args, " "), code, errs, tt.wantErr)
		}
		if tt.secret != "" {
			h.assertNoSecrets([]string{tt.secret}, out, errs)
		}
	}
	if list := h.must("channel", "list"); strings.Count(list, "\n") != 1 {
		t.Fatalf("channels after bad input:\n%s", list)
	}
}

// A kind without a URL of the style says so.
func TestShowURLNoScheme(t *testing.T) {
	h := newHerald(t)
	h.must("channel", "add", "desktop", "here")
	code, _, errs := h.run("", "channel", "show", "here", "--url")
	if code != cli.ExitBadArgs || !strings.Contains(errs, "desktop channels have no Apprise URL") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}
