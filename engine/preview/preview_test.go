package preview

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/apprise/apprisetest"
	"github.com/heraldpush/herald/engine/channel/bark/barktest"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/desktop/desktoptest"
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
	"github.com/heraldpush/herald/engine/message"
)

// fixtures are the contract fakes by kind id (without its underscores).
var fixtures = map[string]func(testing.TB) channeltest.Fixture{
	"apprise":       apprisetest.Fixture,
	"bark":          barktest.Fixture,
	"desktop":       desktoptest.Fixture,
	"dingtalk":      dingtalktest.Fixture,
	"discord":       discordtest.Fixture,
	"email":         emailtest.Fixture,
	"feishu":        feishutest.Fixture,
	"googlechat":    googlechattest.Fixture,
	"gotify":        gotifytest.Fixture,
	"homeassistant": homeassistanttest.Fixture,
	"mailgun":       mailguntest.Fixture,
	"matrix":        matrixtest.Fixture,
	"mattermost":    mattermosttest.Fixture,
	"ntfy":          ntfytest.Fixture,
	"onebot":        onebottest.Fixture,
	"pushbullet":    pushbullettest.Fixture,
	"pushdeer":      pushdeertest.Fixture,
	"pushme":        pushmetest.Fixture,
	"pushover":      pushovertest.Fixture,
	"pushplus":      pushplustest.Fixture,
	"qmsg":          qmsgtest.Fixture,
	"rocketchat":    rocketchattest.Fixture,
	"serverchan":    serverchantest.Fixture,
	"signal":        signaltest.Fixture,
	"slack":         slacktest.Fixture,
	"synologychat":  synologychattest.Fixture,
	"teams":         teamstest.Fixture,
	"telegram":      telegramtest.Fixture,
	"webhook":       webhooktest.Fixture,
	"wecomapp":      wecomapptest.Fixture,
	"wecomwebhook":  wecomwebhooktest.Fixture,
	"wxpusher":      wxpushertest.Fixture,
}

// tap sits in front of a fake and records every byte clients send it, one
// buffer per connection in the order they were accepted.
type tap struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []*bytes.Buffer
}

func newTap(t *testing.T, target string) *tap {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tp := &tap{ln: ln, target: target}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			buf := &bytes.Buffer{}
			tp.mu.Lock()
			tp.conns = append(tp.conns, buf)
			tp.mu.Unlock()
			go func() {
				defer up.Close()
				io.Copy(up, io.TeeReader(c, lockedWriter{&tp.mu, buf}))
			}()
			go func() {
				defer c.Close()
				io.Copy(c, up)
			}()
		}
	}()
	return tp
}

type lockedWriter struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (tp *tap) stream() []byte {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	var all []byte
	for _, b := range tp.conns {
		all = append(all, b.Bytes()...)
	}
	return all
}

var mimeNoise = []*regexp.Regexp{
	regexp.MustCompile(`(?m)^Date: .*\r$`),
	regexp.MustCompile(`(?m)^Message-ID: .*\r$`),
}

var boundary = regexp.MustCompile(`boundary="?([^";\r\n]+)`)

// normalizeBoundaries blanks the MIME boundaries, which mime/multipart
// draws at random for each request (mailgun's form).
func normalizeBoundaries(s string) string {
	for _, m := range boundary.FindAllStringSubmatch(s, -1) {
		s = strings.ReplaceAll(s, m[1], "BOUNDARY")
	}
	return s
}

// normalizeMail blanks what go-mail makes anew on each send: the date, the
// message id and the MIME boundaries.
func normalizeMail(s string) string {
	s = normalizeBoundaries(s)
	for _, re := range mimeNoise {
		s = re.ReplaceAllStringFunc(s, func(l string) string { return l[:strings.Index(l, ":")] + ": …\r" })
	}
	return s
}

// variants are extra settings on top of a kind's fixture, each run as a
// case of its own, with the values the fake answers that the preview's
// canned answer replaces (fake's → canned, as they appear in requests).
var variants = map[string][]struct {
	name     string
	settings map[string]string
	answered map[string]string
}{
	"matrix": {{"alias", map[string]string{"room": matrixtest.Alias},
		map[string]string{url.PathEscape(matrixtest.RoomID): url.PathEscape("!preview:preview.invalid")}}},
}

var messages = []struct {
	name string
	m    message.Message
}{
	{"plain", message.Message{Title: "Nightly backup", Body: "backup finished: 42 files", Level: message.LevelInfo, DeliveryID: "42"}},
	{"markdown failure", message.Message{Title: "Nightly backup failed", Body: "**exit 2**\n\n- disk `/dev/sda1` full\n- <script>&amp;\n\n" + strings.Repeat("log line with ünïcödé 🙂\n", 40), Markdown: true, Level: message.LevelError, DeliveryID: "43"}},
	{"long", message.Message{Title: "Long log", Body: strings.Repeat("0123456789 abcdefghij ", 250), Level: message.LevelError, DeliveryID: "44"}},
}

// TestDryRunMatchesFake is the "done when": for every kind, what
// the preview shows is byte for byte what the kind's contract fake
// receives on a real send with the same clock, signatures included, once
// the channel's secrets are masked alike.
func TestDryRunMatchesFake(t *testing.T) {
	// Kinds making several requests (a token fetch, a split message) are
	// covered too.
	var multi sync.Map
	defer func() {
		var seen []string
		multi.Range(func(k, v any) bool { seen = append(seen, fmt.Sprintf("%s×%d", k, v)); return true })
		for _, want := range []string{"wecom_app/plain", "telegram/long", "matrix/alias/plain"} {
			if _, ok := multi.Load(want); !ok && !t.Failed() {
				t.Errorf("%s made one request; multi-request cases: %v", want, seen)
			}
		}
		t.Logf("multi-request cases: %v", seen)
	}()
	for _, k := range kinds.All() {
		fix, ok := fixtures[strings.ReplaceAll(k.ID, "_", "")]
		if !ok {
			t.Errorf("kind %s has no contract fixture in this test", k.ID)
			continue
		}
		type variant struct {
			name               string
			settings, answered map[string]string
		}
		vs := []variant{{}}
		for _, v := range variants[k.ID] {
			vs = append(vs, variant{v.name, v.settings, v.answered})
		}
		for _, v := range vs {
			for _, tc := range messages {
				name := k.ID + "/" + tc.name
				if v.name != "" {
					name = k.ID + "/" + v.name + "/" + tc.name
				}
				t.Run(name, func(t *testing.T) {
					f := fix(t)
					// The fakes check timestamps against their own clock.
					clock := time.Now().Truncate(time.Second)
					now := func() time.Time { return clock }
					cfg := maps.Clone(f.Config)
					maps.Copy(cfg, v.settings)
					var tp *tap
					if k.Network == channel.NetHTTP {
						tp = newTap(t, f.Addr)
						cfg = map[string]string{}
						for key, val := range f.Config {
							cfg[key] = strings.ReplaceAll(val, f.Addr, tp.ln.Addr().String())
						}
						maps.Copy(cfg, v.settings)
					}
					res, err := Channel(context.Background(), k, cfg, tc.m, Options{Now: now})
					if err != nil {
						t.Fatalf("preview: %v", err)
					}
					if len(res.Requests) == 0 {
						t.Fatalf("preview shows no request (err %q)", res.Err)
					}
					assertNoSecrets(t, k, f.Config, strings.Join(res.Requests, "\n"))

					deps := f.Deps
					deps.HTTP = &http.Client{Timeout: 5 * time.Second}
					deps.Now = now
					ch, err := k.New(cfg, deps)
					if err != nil {
						t.Fatal(err)
					}
					if err := ch.Send(channel.WithMessage(context.Background(), tc.m), tc.m); err != nil {
						t.Fatalf("real send: %v", err)
					}
					channeltest.NoViolations(t, f.Fake)
					var got []string
					switch k.Network {
					case channel.NetHTTP:
						got, err = Split(tp.stream())
						if err != nil {
							t.Fatalf("split the recorded stream: %v", err)
						}
						for i := range got {
							got[i] = normalizeBoundaries(res.Mask(got[i]))
							for fake, canned := range v.answered {
								got[i] = strings.ReplaceAll(got[i], fake, canned)
							}
						}
						for i := range res.Requests {
							res.Requests[i] = normalizeBoundaries(res.Requests[i])
						}
					case channel.NetSMTP:
						for _, a := range accepted(f.Fake) {
							raw := a.FieldByName("Raw").Bytes()
							got = append(got, string(raw))
						}
						for i, r := range res.Requests {
							_, data, _ := strings.Cut(r, " bytes)\r\n")
							res.Requests[i] = normalizeMail(data)
						}
						for i := range got {
							got[i] = normalizeMail(got[i])
						}
					case channel.NetNone:
						for _, a := range accepted(f.Fake) {
							got = append(got, "Title: "+a.Field(0).String()+"\n\n"+a.Field(1).String()+"\n")
						}
					}
					if len(got) != len(res.Requests) {
						t.Fatalf("the fake received %d requests, the preview shows %d:\nfake:\n%s\npreview:\n%s", len(got), len(res.Requests), strings.Join(got, "\n----\n"), strings.Join(res.Requests, "\n----\n"))
					}
					if len(got) > 1 {
						multi.Store(name, len(got))
					}
					for i := range got {
						if got[i] != res.Requests[i] {
							t.Errorf("request %d differs:\nfake received:\n%q\npreview:\n%q", i+1, got[i], res.Requests[i])
						}
					}
				})
			}
		}
	}
}

func accepted(f channeltest.Recorder) []reflect.Value {
	out := reflect.ValueOf(f).MethodByName("Accepted").Call(nil)[0]
	var vs []reflect.Value
	for i := 0; i < out.Len(); i++ {
		vs = append(vs, out.Index(i))
	}
	return vs
}

// assertNoSecrets fails when text holds any secret of cfg in any form it
// may travel in.
func assertNoSecrets(t *testing.T, k *channel.Kind, cfg map[string]string, text string) {
	t.Helper()
	for _, key := range k.SecretKeys() {
		v := cfg[key]
		if len(v) < 8 {
			continue
		}
		for form, f := range channeltest.CanaryForms(v) {
			if len(f) >= 8 && strings.Contains(text, f) {
				t.Errorf("the preview shows secret %s (%s form)", key, form)
			}
		}
	}
}
