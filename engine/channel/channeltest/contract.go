package channeltest

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/message"
)

// Recorder is what the contract suite needs of a kind's fake.
type Recorder interface {
	Requests() int
	Violations() []string
	// Close stops the fake: later sends meet a dead service.
	Close()
}

// Fixture is a kind's started contract fake with valid settings aimed at
// it; each <kind>test package exports one.
type Fixture struct {
	Config map[string]string
	Fake   Recorder
	// Addr is the host:port the kind connects to ("" for channel.NetNone).
	Addr string
	// Deps holds what the kind borrows besides HTTP (the desktop's notifier).
	Deps channel.Deps
}

// contractChecks are the behaviours every kind shares, by the networks
// they apply to.
var contractChecks = []struct {
	name string
	nets []channel.Network
	run  func(t *testing.T, k *channel.Kind, f Fixture)
}{
	{"send", allNets, checkSend},
	{"http proxy", httpOnly, checkHTTPProxy},
	{"socks5 proxy", httpOnly, checkSOCKSProxy},
	{"closed proxy", httpOnly, checkClosedProxy},
	{"network failure", allNets, checkNetworkFailure},
	{"dead server", allNets, checkDeadServer},
	{"context cancel", allNets, checkCanceled},
	{"hostile text", allNets, checkHostile},
	{"bad field text", allNets, checkBadText},
}

var (
	allNets  = []channel.Network{channel.NetHTTP, channel.NetSMTP, channel.NetNone}
	httpOnly = []channel.Network{channel.NetHTTP}
)

// RunContract runs the shared contract over kind k with a fresh fixture
// per check. A kind sending over HTTP must carry the proxy field; one that
// does not declares why in Kind.Network.
func RunContract(t *testing.T, k *channel.Kind, fixture func(testing.TB) Fixture) {
	_, hasProxy := k.Field("proxy")
	if hasProxy != (k.Network == channel.NetHTTP) {
		t.Errorf("%s: proxy field %t with network %q: HTTP kinds and only they take a proxy", k.ID, hasProxy, k.Network)
	}
	for _, c := range contractChecks {
		for _, n := range c.nets {
			if n == k.Network {
				t.Run(c.name, func(t *testing.T) { c.run(t, k, fixture(t)) })
			}
		}
	}
}

// open builds the kind's channel from the fixture's settings with extra
// key/value pairs on top.
func open(t *testing.T, k *channel.Kind, f Fixture, kv ...string) channel.Channel {
	t.Helper()
	deps := f.Deps
	deps.HTTP = &http.Client{Timeout: 5 * time.Second}
	ch, err := k.New(With(f.Config, kv...), deps)
	if err != nil {
		t.Fatalf("%s: fixture settings rejected: %v", k.ID, err)
	}
	return ch
}

// secretsOf lists the secret values of the fixture's settings.
func secretsOf(k *channel.Kind, f Fixture, more ...string) []string {
	out := more
	for _, key := range k.SecretKeys() {
		out = append(out, f.Config[key])
	}
	return out
}

var plain = message.Message{Title: "Contract", Body: "the contract suite's message"}

func checkSend(t *testing.T, k *channel.Kind, f Fixture) {
	if err := open(t, k, f).Send(context.Background(), plain); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if f.Fake.Requests() == 0 {
		t.Error("the fake saw no request")
	}
	NoViolations(t, f.Fake)
}

func checkHTTPProxy(t *testing.T, k *channel.Kind, f Fixture) {
	p := NewProxy(t)
	if err := open(t, k, f, "proxy", p.URLWithUser("herald", "pw")).Send(context.Background(), plain); err != nil {
		t.Fatalf("Send: %v", err)
	}
	seen := p.Requests()
	if len(seen) == 0 || len(seen) != f.Fake.Requests() {
		t.Errorf("proxy served %d requests, the fake saw %d", len(seen), f.Fake.Requests())
	}
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("herald:pw"))
	for _, r := range seen {
		if r.Host != f.Addr || r.ProxyAuthorization != auth {
			t.Errorf("proxy served %s, want every request to %s with %s", r, f.Addr, auth)
		}
	}
	NoViolations(t, f.Fake)
}

func checkSOCKSProxy(t *testing.T, k *channel.Kind, f Fixture) {
	socks := NewSOCKS5(t, "herald", "s0cks-pw")
	if err := open(t, k, f, "proxy", socks.URL()).Send(context.Background(), plain); err != nil {
		t.Fatalf("Send: %v", err)
	}
	c := socks.Connects()
	if len(c) == 0 || strings.Count(strings.Join(c, " "), f.Addr) != len(c) {
		t.Errorf("SOCKS5 CONNECTs = %q, want them all to %s", c, f.Addr)
	}
	NoViolations(t, f.Fake)
}

func checkClosedProxy(t *testing.T, k *channel.Kind, f Fixture) {
	proxy := "http://proxyuser:proxysecret@" + strings.TrimPrefix(ClosedURL(t), "http://")
	err := open(t, k, f, "proxy", proxy).Send(context.Background(), plain)
	assertTransient(t, err)
	AssertNoSecrets(t, err, secretsOf(k, f, "proxysecret")...)
	if n := f.Fake.Requests(); n != 0 {
		t.Errorf("the fake saw %d requests past a closed proxy", n)
	}
}

func checkNetworkFailure(t *testing.T, k *channel.Kind, f Fixture) {
	ch := open(t, k, f)
	f.Fake.Close()
	err := ch.Send(context.Background(), plain)
	assertTransient(t, err)
	AssertNoSecrets(t, err, secretsOf(k, f)...)
}

// oddMessages are what a task may produce: empty, huge, half-formatted.
var oddMessages = []message.Message{
	{},
	{Title: "only title"},
	{Body: strings.Repeat("长", 100000), Markdown: true},
	{Title: "<b>&", Body: "```\nunclosed", Markdown: true, PictureURL: "javascript:alert(1)"},
	{Body: "x", PictureURL: "https://example.com/p.png", Level: message.LevelError},
}

// checkDeadServer sends odd messages to a closed fake: each fails, none
// panics.
func checkDeadServer(t *testing.T, k *channel.Kind, f Fixture) {
	ch := open(t, k, f)
	f.Fake.Close()
	for i, m := range oddMessages {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := ch.Send(ctx, m)
		cancel()
		if err == nil {
			t.Errorf("message %d: send to a dead server succeeded", i)
		}
		AssertNoSecrets(t, err, secretsOf(k, f)...)
	}
}

func checkCanceled(t *testing.T, k *channel.Kind, f Fixture) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := open(t, k, f).Send(ctx, plain)
	AssertCanceled(t, err, f.Fake.Requests())
	AssertNoSecrets(t, err, secretsOf(k, f)...)
}

// hostileMessages carry text that breaks naive formats: markup, protocol
// line ends, template syntax, control and bidi characters.
var hostileMessages = []message.Message{
	{Title: "a\r\nBcc: evil@example.com", Body: "line\r\n.\r\nQUIT\r\n"},
	{Title: `"}],"x":{"`, Body: `</pre><script>alert(1)</script>{{.}} ${x} %s %n \u0000`},
	{Title: "\x00\x1b[31m\u202e", Body: "*_`[]()~>#+-=|{}.!\\ **unclosed", Markdown: true},
	{Body: "&lt;&amp; <a href=\"x\">link</a> <b><i>nested</b></i>", PictureURL: "https://example.com/p.png?a=1&b=<2>"},
}

// checkHostile sends hostile text to the live fake: no panic, no contract
// break, and a failure is a classified *channel.Error without secrets.
func checkHostile(t *testing.T, k *channel.Kind, f Fixture) {
	ch := open(t, k, f)
	for i, m := range hostileMessages {
		err := ch.Send(context.Background(), m)
		var e *channel.Error
		if err != nil && !errors.As(err, &e) {
			t.Errorf("message %d: unclassified error %v", i, err)
		}
		AssertNoSecrets(t, err, secretsOf(k, f)...)
	}
	NoViolations(t, f.Fake)
}

// checkBadText: every field refuses text that is not UTF-8 and control
// characters (line breaks only in multi-line fields), and every host or URL
// field refuses a path; the error names the field.
func checkBadText(t *testing.T, k *channel.Kind, f Fixture) {
	hostFields := map[string]bool{"host": true, "server": true, "api": true, "url": true, "proxy": true}
	for _, fd := range k.Fields {
		bad := []string{"ok\xffvalue", "a\x00b", "a\x1bb"}
		if fd.Type != channel.TypeJSON && fd.Type != channel.TypeList {
			bad = append(bad, "line one\nline two", "a\tb")
		}
		if hostFields[fd.Key] {
			bad = append(bad, "../../../../etc/passwd", "/etc/passwd")
		}
		for _, v := range bad {
			_, err := k.Parse(With(f.Config, fd.Key, v))
			var fes channel.FieldErrors
			if !errors.As(err, &fes) || !slices.ContainsFunc(fes, func(fe *channel.FieldError) bool { return fe.Field == fd.Key }) {
				t.Errorf("%s.%s = %q: got %v, want an error naming %s", k.ID, fd.Key, v, err, fd.Key)
			}
		}
	}
}

func assertTransient(t *testing.T, err error) {
	t.Helper()
	if err == nil || !channel.IsTransient(err) {
		t.Fatalf("err = %v, want a transient error", err)
	}
}
