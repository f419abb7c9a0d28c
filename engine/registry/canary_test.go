package registry_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/redact"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/testenv"
)

// canaries hands out unique, random-looking secret values and remembers
// them so that every form of each can be searched for afterwards.
type canaries struct {
	all   map[string]string // value → what it stands for
	count int               // occurrences found by hits
}

func (c *canaries) new(what string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	v := "cy" + hex.EncodeToString(b[:])
	if c.all == nil {
		c.all = map[string]string{}
	}
	c.all[v] = what
	return v
}

// canaryForms are the encodings a secret may travel in. Base64 is taken at
// each of its three alignments (a secret inside "user:password" or SMTP's
// "\x00user\x00password" starts mid-group), without the edge groups.
func canaryForms(v string) map[string]string {
	b := []byte(v)
	forms := map[string]string{
		"raw":   v,
		"hex":   hex.EncodeToString(b),
		"HEX":   strings.ToUpper(hex.EncodeToString(b)),
		"query": url.QueryEscape(v),
		"path":  url.PathEscape(v),
	}
	for shift := range 3 {
		in := append(make([]byte, shift), b...)
		for name, enc := range map[string]*base64.Encoding{"base64": base64.StdEncoding, "base64url": base64.URLEncoding} {
			e := enc.EncodeToString(in)
			forms[fmt.Sprintf("%s+%d", name, shift)] = e[4 : len(e)-4]
		}
	}
	return forms
}

// hits counts every form of every canary in text, described for failures.
func (c *canaries) hits(where, text string) []string {
	var out []string
	for v, what := range c.all {
		for form, f := range canaryForms(v) {
			if n := strings.Count(text, f); n > 0 {
				out = append(out, fmt.Sprintf("%s: %s (%s) ×%d", where, what, form, n))
				c.count += n
			}
		}
	}
	return out
}

// echoHandler answers every request with a dump of all of it: method, URL
// with query, every header and the body, as a service that quotes the
// request in its error would.
func echoHandler(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s\n", r.Method, r.URL.RequestURI())
		for _, k := range slices.Sorted(maps.Keys(r.Header)) {
			fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(r.Header[k], ", "))
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 4096))
		b.Write(body)
		dump := b.String()
		if status == http.StatusOK {
			// A 2xx answer in the shape of the services' own error JSON.
			w.Header().Set("Content-Type", "application/json")
			q := fmt.Sprintf("%q", dump)
			fmt.Fprintf(w, `{"ok":false,"errcode":40001,"errmsg":%s,"code":40001,"msg":%s,"message":%s,"error":%s,"description":%s}`, q, q, q, q, q)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(status)
		io.WriteString(w, dump)
	}
}

// smtpEcho is an SMTP server that offers mech and rejects the login with a
// 535 that quotes every line the client sent.
func smtpEcho(t *testing.T, mech string) (host, port string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go serveSMTPEcho(conn, mech)
		}
	}()
	host, port, _ = net.SplitHostPort(ln.Addr().String())
	return host, port
}

func serveSMTPEcho(conn net.Conn, mech string) {
	defer conn.Close()
	rd := bufio.NewReader(conn)
	fmt.Fprint(conn, "220 echo ESMTP\r\n")
	var seen []string
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		seen = append(seen, line)
		switch cmd := strings.ToUpper(strings.Fields(line + " x")[0]); {
		case cmd == "EHLO":
			fmt.Fprintf(conn, "250-echo\r\n250 AUTH %s\r\n", mech)
		case cmd == "AUTH" && mech == "LOGIN":
			fmt.Fprint(conn, "334 VXNlcm5hbWU6\r\n")
		case len(seen) == 3 && mech == "LOGIN":
			fmt.Fprint(conn, "334 UGFzc3dvcmQ6\r\n")
		case cmd == "QUIT":
			fmt.Fprint(conn, "221 bye\r\n")
			return
		default:
			fmt.Fprintf(conn, "535 5.7.8 rejected: %s\r\n", strings.Join(seen, " | "))
		}
	}
}

// canaryConfigs gives every kind settings with a canary in each secret
// field (and in each secret part of a field), pointed at the echo server.
// A kind missing here fails the test, so a new kind cannot skip it.
func canaryConfigs(t *testing.T, c *canaries, api, smtpHost, smtpPort string) map[string][]map[string]string {
	t.Helper()
	host := strings.TrimPrefix(api, "http://")
	return map[string][]map[string]string{
		"bark":       {{"url": "http://bu:" + c.new("bark basic-auth password") + "@" + host + "/" + c.new("bark device key")}},
		"serverchan": {{"sendkey": "SCT" + c.new("serverchan sendkey"), "api": api}},
		"wxpusher":   {{"app_token": "AT_" + c.new("wxpusher app token"), "uids": "UID_abcdefg", "api": api}},
		"email": {{"host": smtpHost, "port": smtpPort, "ssl": "false", "username": "me@example.com",
			"password": c.new("email password")}},
		"mailgun": {{"api_key": "key-" + c.new("mailgun api key"), "domain": "mg.example.com", "from": "a@example.com",
			"to": "b@example.com", "api": api}},
		"wecom_app": {{"corp_id": "ww0123456789", "agent_id": "1000002", "secret": c.new("wecom app secret"), "host": api}},
		"telegram":  {{"token": "123456789:" + c.new("telegram token"), "chat_id": "42", "host": api}},
		"dingtalk": {{"token": c.new("dingtalk token"), "secret": "SEC" + c.new("dingtalk secret"), "api": api},
			{"token": api + "/robot/send?access_token=" + c.new("dingtalk webhook-URL token")}},
		"wecom_webhook": {{"key": c.new("wecom webhook key"), "api": api}},
		"webhook": {{
			"url":     api + "/hook?key=" + c.new("webhook url key") + "&t={t}",
			"headers": `{"Authorization": "Bearer ` + c.new("webhook bearer header") + `", "X-Api-Key": "` + c.new("webhook x-api-key header") + `"}`,
			"body":    `{"log": "{log}"}`,
		}, {
			"url":     api + "/" + c.new("webhook url path token") + "/hook",
			"headers": `{"Authorization": "Basic ` + base64.StdEncoding.EncodeToString([]byte("wu:"+c.new("webhook basic header password"))) + `"}`,
		}},
		"feishu":   {{"token": c.new("feishu token"), "secret": c.new("feishu secret"), "api": api}},
		"pushplus": {{"token": c.new("pushplus token"), "api": api}},
		"ntfy": {{"server": api, "topic": "alerts", "username": "nu", "password": c.new("ntfy password")},
			{"server": api, "topic": "alerts", "token": "tk_" + c.new("ntfy token")}},
		"gotify":  {{"server": api, "token": c.new("gotify token")}},
		"desktop": {{}},
	}
}

// dataFolder is a data folder as the app lays it out: store, keyring, a
// redacting herald.log, the registry and the dispatcher.
type dataFolder struct {
	dir      string
	store    *store.Store
	registry *registry.Registry
	dispatch *dispatch.Dispatcher
	logFile  *os.File
}

func openDataFolder(t *testing.T, client *http.Client) *dataFolder {
	t.Helper()
	dir := t.TempDir()
	red := &redact.Redactor{}
	lf, err := os.OpenFile(filepath.Join(dir, "herald.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lf.Close() })
	log := slog.New(redact.NewHandler(slog.NewTextHandler(lf, nil), red))
	st, err := store.Open(context.Background(), filepath.Join(dir, "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	reg := &registry.Registry{Store: st, Secrets: secret.Keyring{}, Redactor: red, Deps: channel.Deps{HTTP: client}, Log: log}
	d := dispatch.New(dispatch.Params{Store: st, Registry: reg, Redactor: red, Log: log})
	return &dataFolder{dir: dir, store: st, registry: reg, dispatch: d, logFile: lf}
}

// files returns the text of every file in the data folder.
func (f *dataFolder) files(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(f.dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(data)
	}
	return out
}

// No secret, in any encoding, reaches the database, the log or any text
// shown to a person, even when every service quotes the whole request
// (credentials, signed URLs, headers) back in its error.
func TestCanarySecretsNeverLeaveTheKeyring(t *testing.T) {
	testenv.NeedKeyring(t)
	variants := []struct {
		name   string
		status int
		mech   string
		proxy  bool
	}{
		{"400", http.StatusBadRequest, "PLAIN", false},
		{"500 via proxy", http.StatusInternalServerError, "LOGIN", true},
		{"200 error JSON", http.StatusOK, "PLAIN", false},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			hits, n := runCanaries(t, v.status, v.mech, v.proxy)
			for _, h := range hits {
				t.Error(h)
			}
			t.Logf("canary hits: %d places, %d occurrences", len(hits), n)
		})
	}
}

func runCanaries(t *testing.T, status int, mech string, proxy bool) ([]string, int) {
	ctx := context.Background()
	srv := httptest.NewServer(echoHandler(status))
	t.Cleanup(srv.Close)
	smtpHost, smtpPort := smtpEcho(t, mech)
	var c canaries
	configs := canaryConfigs(t, &c, srv.URL, smtpHost, smtpPort)
	var proxyURL string
	if proxy {
		proxyURL = channeltest.NewProxy(t).URLWithUser("pu", c.new("proxy password"))
	}
	f := openDataFolder(t, &http.Client{Timeout: channel.DefaultTimeout})
	outputs := map[string]string{}
	var names []string
	for _, k := range kinds.All() {
		cfgs, ok := configs[k.ID]
		if !ok {
			t.Errorf("%s: no canary settings; add the kind to canaryConfigs", k.ID)
			continue
		}
		for i, cfg := range cfgs {
			if _, has := k.Field("proxy"); has && proxyURL != "" {
				cfg["proxy"] = proxyURL
			}
			name := fmt.Sprintf("%s-%d", k.ID, i)
			where := name + ": "
			ch, err := f.registry.Add(ctx, k.ID, name, cfg)
			if err != nil {
				outputs[where+"add error"] = f.registry.Redactor.Error(err)
				t.Errorf("%s: add: %v", name, f.registry.Redactor.Error(err))
				continue
			}
			names = append(names, name)
			del, err := f.dispatch.TestChannel(ctx, ch)
			outputs[where+"test answer"] = del.Answer
			outputs[where+"test error"] = errText(err)
			outputs[where+"send error"] = errText(f.registry.Send(ctx, ch, message.Message{Title: "canary", Body: "canary body"}))
			for _, fv := range f.registry.Show(ch) {
				outputs[where+"show "+fv.Key] = fv.Value
			}
			for _, key := range ch.Secrets {
				masked, err := f.registry.Reveal(ctx, ch, key, false)
				outputs[where+"reveal "+key] = masked + errText(err)
			}
		}
	}
	t.Cleanup(func() {
		for _, n := range names {
			_ = f.registry.Remove(context.Background(), n)
		}
	})
	var hits []string
	for where, text := range outputs {
		hits = append(hits, c.hits("output "+where, text)...)
	}
	for name, text := range f.files(t) {
		hits = append(hits, c.hits("file "+name, text)...)
	}
	if testing.Verbose() {
		for _, k := range slices.Sorted(maps.Keys(outputs)) {
			t.Logf("%s: %.300s", k, outputs[k])
		}
	}
	sort.Strings(hits)
	return hits, c.count
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
