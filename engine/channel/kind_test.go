package channel_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
)

// sample is a kind shaped like the real ones: QD fields first, then Herald's own.
var sample = &channel.Kind{
	ID:       "sample",
	QDFields: 3,
	Fields: []channel.Field{
		{Key: "token", Aliases: []string{"SAMPLE_TOKEN"}, Type: channel.TypeString, Required: true, Secret: true,
			Validate: func(v string) error {
				if !strings.HasPrefix(v, "SEC") {
					return errors.New("must start with SEC")
				}
				return nil
			}},
		{Key: "port", Type: channel.TypeInt, Default: "465"},
		{Key: "ssl", Type: channel.TypeBool, Default: "true"},
		{Key: "to", Type: channel.TypeList},
		{Key: "mode", Type: channel.TypeChoice, Choices: []string{"text", "markdown"}, Default: "text"},
		{Key: "headers", Type: channel.TypeJSON},
		channel.APIField("https://api.example.com"),
		channel.ProxyField(),
	},
	Open: func(c channel.Config, d channel.Deps) (channel.Channel, error) { return nil, nil },
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		raw     map[string]string
		want    map[string]string
		wantErr string
	}{
		{"defaults applied, alias case-insensitive",
			map[string]string{"sample_token": " SECabc "},
			map[string]string{"token": "SECabc", "port": "465", "ssl": "true", "mode": "text", "api": "https://api.example.com"}, ""},
		{"normalised bool and choice",
			map[string]string{"token": "SECa", "SSL": "no", "mode": "MARKDOWN", "to": "a@x, b@x"},
			map[string]string{"token": "SECa", "port": "465", "ssl": "false", "mode": "markdown", "to": "a@x, b@x", "api": "https://api.example.com"}, ""},
		{"required missing", map[string]string{}, nil, "sample: token: required"},
		{"field rule names the fix", map[string]string{"token": "abc"}, nil, "sample: token: must start with SEC"},
		{"bad int", map[string]string{"token": "SECa", "port": "4x"}, nil, `sample: port: must be a whole number, got "4x"`},
		{"bad bool", map[string]string{"token": "SECa", "ssl": "maybe"}, nil, `sample: ssl: must be true or false, got "maybe"`},
		{"bad choice", map[string]string{"token": "SECa", "mode": "html"}, nil, `sample: mode: must be one of text, markdown, got "html"`},
		{"bad json", map[string]string{"token": "SECa", "headers": "{'a': 1}"}, nil, "sample: headers: must be a JSON object"},
		{"bad url", map[string]string{"token": "SECa", "api": "ftp://x"}, nil, "sample: api: must start with http:// or https://"},
		{"bad proxy", map[string]string{"token": "SECa", "proxy": "gopher://x:1"}, nil, `sample: proxy: scheme must be http, https, socks5 or socks5h, got "gopher"`},
		{"unknown field", map[string]string{"token": "SECa", "colour": "red"}, nil, "sample: colour: unknown field (known: token, port, ssl, to, mode, headers, api, proxy)"},
		{"all errors in field order", map[string]string{"port": "x", "token": "bad"}, nil, "sample: token: must start with SEC; sample: port: must be a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sample.Parse(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				var fe *channel.FieldError
				if !errors.As(err, &fe) || fe.Field == "" {
					t.Fatalf("error %v does not expose a *FieldError naming the field", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(map[string]string(got)) != fmt.Sprint(tt.want) {
				t.Fatalf("got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestParseQD(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]string
		wantErr string
	}{
		{"SECabc;587;false", map[string]string{"token": "SECabc", "port": "587", "ssl": "false"}, ""},
		{"SECabc;;", map[string]string{"token": "SECabc"}, ""},
		{"SECabc;;false;;;", map[string]string{"token": "SECabc", "ssl": "false"}, ""},
		{" SECabc ; 25 ", map[string]string{"token": "SECabc", "port": "25"}, ""},
		{";587;true", nil, "sample: token: missing from the QD string (expected token;port;ssl)"},
		{"", nil, "sample: token: missing"},
		{"a;b;c;d", nil, "sample: qd: has 4 values but QD's sample string has at most 3 (token;port;ssl)"},
	}
	for _, tt := range tests {
		got, err := sample.ParseQD(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseQD(%q) err = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("ParseQD(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// FuzzParseQD: any string either fails with a field error or maps onto
// at most QDFields known fields, and never panics.
func FuzzParseQD(f *testing.F) {
	for _, s := range []string{"SECa;1;true", ";;;", "a;b;c;d", "中文;;", "\x00;\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw, err := sample.ParseQD(s)
		if err != nil {
			var fe *channel.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a FieldError", err)
			}
			return
		}
		if len(raw) > sample.QDFields || raw["token"] == "" {
			t.Fatalf("ParseQD(%q) = %v", s, raw)
		}
		for k := range raw {
			if _, ok := sample.Field(k); !ok {
				t.Fatalf("unknown key %q", k)
			}
		}
		_, _ = sample.Parse(raw)
	})
}

// Retry-After in seconds or as an HTTP date, read on a fixed clock; a
// past date, a negative or unreadable value wait nothing.
func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 120 ", 120 * time.Second},
		{"-3", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"soon", 0},
	} {
		if got := channel.ParseRetryAfter(tc.value, now); got != tc.want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", tc.value, got, tc.want)
		}
	}
}

func TestStatusErrorClassification(t *testing.T) {
	tests := []struct {
		status     int
		retryAfter string
		transient  bool
		wait       time.Duration
	}{
		{400, "", false, 0},
		{401, "", false, 0},
		{404, "", false, 0},
		{408, "", true, 0},
		{429, "7", true, 7 * time.Second},
		{500, "", true, 0},
		{503, "120", true, 120 * time.Second},
	}
	for _, tt := range tests {
		resp := &http.Response{StatusCode: tt.status, Header: http.Header{}}
		if tt.retryAfter != "" {
			resp.Header.Set("Retry-After", tt.retryAfter)
		}
		err := channel.StatusError("x", resp, []byte(`{"message":"nope"}`))
		if channel.IsTransient(err) != tt.transient {
			t.Errorf("%d: transient = %v, want %v", tt.status, !tt.transient, tt.transient)
		}
		// Seconds only: an HTTP date is read on the clock (TestParseRetryAfter).
		if got := channel.RetryAfter(err); got != tt.wait {
			t.Errorf("%d: RetryAfter = %v, want ≈%v", tt.status, got, tt.wait)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("HTTP %d", tt.status)) || !strings.Contains(err.Error(), "nope") {
			t.Errorf("%d: error text %q lacks status or answer", tt.status, err)
		}
	}
	if channel.IsTransient(context.Canceled) {
		t.Error("context.Canceled classified transient")
	}
	if !channel.IsTransient(errors.New("unclassified")) {
		t.Error("unclassified errors must count as transient")
	}
}

func TestDoStripsSecretURLFromNetworkErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // connection refused from now on
	u := srv.URL + "/bot123456:SECRETSECRETSECRETSECRETSECRET/sendMessage?access_token=TOPSECRET"
	_, _, err := channel.PostJSON(context.Background(), srv.Client(), "x", u, map[string]string{"a": "b"}, nil)
	if err == nil || !channel.IsTransient(err) {
		t.Fatalf("err = %v, want transient", err)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("network error leaks the URL: %v", err)
	}
}

func TestDoHonoursContext(t *testing.T) {
	srv := channeltest.HungServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := channel.PostJSON(ctx, srv.Client(), "x", srv.URL, nil, nil)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
	if !channel.IsTransient(err) {
		t.Fatalf("deadline exceeded should be transient: %v", err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	_, _, err = channel.PostJSON(ctx2, srv.Client(), "x", srv.URL, nil, nil)
	if err == nil || channel.IsTransient(err) {
		t.Fatalf("cancelled request: err = %v, want permanent (the caller gave up)", err)
	}
}

func TestClientVerifiesTLSAndUsesProxy(t *testing.T) {
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer tlsSrv.Close()
	c, err := channel.Client(channel.Deps{}, "")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = channel.PostJSON(context.Background(), c, "x", tlsSrv.URL, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("self-signed server accepted: %v", err)
	}

	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("direct")) }))
	defer target.Close()
	var proxied []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied = append(proxied, r.Method+" "+r.URL.String()+" "+r.Header.Get("Proxy-Authorization"))
		w.Write([]byte("via proxy"))
	}))
	defer proxy.Close()
	pu, _ := url.Parse(proxy.URL)
	pu.User = url.UserPassword("bob", "pw")
	c, err = channel.Client(channel.Deps{HTTP: &http.Client{Timeout: time.Second}}, pu.String())
	if err != nil {
		t.Fatal(err)
	}
	_, body, err := channel.PostJSON(context.Background(), c, "x", target.URL+"/push", nil, nil)
	if err != nil || string(body) != "via proxy" {
		t.Fatalf("body %q, %v; want the proxy's answer", body, err)
	}
	if len(proxied) != 1 || !strings.HasPrefix(proxied[0], "POST "+target.URL+"/push Basic ") {
		t.Fatalf("proxy saw %q", proxied)
	}
}

func TestCheckFieldAgreesWithParse(t *testing.T) {
	k := &channel.Kind{ID: "k", Fields: []channel.Field{
		{Key: "url", Type: channel.TypeURL, Required: true},
		{Key: "port", Type: channel.TypeInt, Default: "25"},
		{Key: "mode", Type: channel.TypeChoice, Choices: []string{"a", "b"}},
	}}
	tests := []struct{ key, v, want string }{
		{"url", "", "k: url: required"},
		{"url", "  ", "k: url: required"},
		{"url", "example.com", "k: url: must start with http:// or https://"},
		{"url", "https://example.com", ""},
		{"port", "", ""},
		{"port", "x", `k: port: must be a whole number, got "x"`},
		{"mode", "B", ""},
		{"mode", "c", `k: mode: must be one of a, b, got "c"`},
		{"nope", "1", "k: nope: unknown field (known: url, port, mode)"},
	}
	for _, tt := range tests {
		err := k.CheckField(tt.key, tt.v)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("CheckField(%q, %q) = %q, want %q", tt.key, tt.v, got, tt.want)
		}
	}
}

// A kind's qinglong variables are accepted as settings: a field's Env as
// its name, packed ones through PackedEnv.Unpack.
func TestParseQinglongVariables(t *testing.T) {
	k := &channel.Kind{ID: "packed", Fields: []channel.Field{
		{Key: "corp", Env: "X_CORP", Type: channel.TypeString, Required: true},
		{Key: "host", Type: channel.TypeString},
		{Key: "port", Type: channel.TypeInt},
	}, PackedEnv: &channel.PackedEnv{
		Vars: []string{"X_SERVER"},
		Unpack: func(vars, raw map[string]string) error {
			host, port, ok := strings.Cut(vars["X_SERVER"], ":")
			if !ok {
				return &channel.FieldError{Field: "X_SERVER", Err: fmt.Errorf("want host:port")}
			}
			raw["host"], raw["port"] = host, port
			return nil
		},
		Pack: func(c channel.Config, vars map[string]string) { vars["X_SERVER"] = c["host"] + ":" + c["port"] },
	}}
	cases := []struct {
		raw      map[string]string
		want     channel.Config
		errField string
	}{
		{raw: map[string]string{"x_corp": "c", "X_SERVER": "h:25"}, want: channel.Config{"corp": "c", "host": "h", "port": "25"}},
		{raw: map[string]string{"corp": "c", "x_server": " "}, want: channel.Config{"corp": "c"}},
		{raw: map[string]string{"corp": "c", "X_SERVER": "h"}, errField: "X_SERVER"},
		{raw: map[string]string{"corp": "c", "host": "other", "X_SERVER": "h:25"}, errField: "host"},
		{raw: map[string]string{"corp": "c", "host": "h", "X_SERVER": "h:25"}, want: channel.Config{"corp": "c", "host": "h", "port": "25"}},
	}
	for _, c := range cases {
		got, err := k.Parse(c.raw)
		if c.errField != "" {
			var fes channel.FieldErrors
			if !errors.As(err, &fes) || fes[0].Field != c.errField || fes[0].Kind != "packed" {
				t.Errorf("Parse(%q) = %v, want an error on %s", c.raw, err, c.errField)
			}
			continue
		}
		if err != nil || fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", c.raw, got, err, c.want)
		}
	}
	if got := k.EnvVars(); fmt.Sprint(got) != "[X_CORP X_SERVER]" {
		t.Errorf("EnvVars = %v", got)
	}
}

func TestMaskTailHidesTheToken(t *testing.T) {
	for v, want := range map[string]string{
		"https://hooks.slack.com/services/T0001/B0002/XXXXsecretXXXX":     "https://hooks.slack.com/services/T0001/B0002/••••",
		"https://chat.example.com/hooks/abc123secret/":                    "https://chat.example.com/hooks/••••",
		"https://u:pw@rc.example.com/hooks/id1/tokensecret?x=tokensecret": "https://rc.example.com/hooks/id1/••••?••••",
		"not a url": "••••",
	} {
		if got := channel.MaskTail(v); got != want || strings.Contains(got, "secret") {
			t.Errorf("MaskTail(%q) = %q, want %q", v, got, want)
		}
	}
}

func TestScrub(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"msg":"bad key a+b/c=="}`, `{"msg":"bad key …"}`},
		{`GET /send/a%2Bb%2Fc%3D%3D failed`, `GET /send/… failed`},
		{`path /send/a+b%2Fc==`, `path /send/…`},
		{`nothing here`, `nothing here`},
	}
	for _, c := range cases {
		if got := string(channel.Scrub([]byte(c.in), "a+b/c==", "")); got != c.want {
			t.Errorf("Scrub(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
