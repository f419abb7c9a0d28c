package channeltest

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// Canaries hands out unique, random-looking secret values and remembers
// them so that every form of each can be searched for afterwards.
type Canaries struct {
	all   map[string]string // value → what it stands for
	Count int               // occurrences found by hits
}

func (c *Canaries) New(what string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	v := "cy" + hex.EncodeToString(b[:])
	if c.all == nil {
		c.all = map[string]string{}
	}
	c.all[v] = what
	return v
}

// NewLen is New for a secret of a fixed length n (at least 18): a canary
// of n characters, still unique.
func (c *Canaries) NewLen(what string, n int) string {
	v := c.New(what)
	delete(c.all, v)
	v = v[:n]
	c.all[v] = what
	return v
}

// CanaryForms are the encodings a secret may travel in. Base64 is taken at
// each of its three alignments (a secret inside "user:password" or SMTP's
// "\x00user\x00password" starts mid-group), without the edge groups.
func CanaryForms(v string) map[string]string {
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

// Hits counts every form of every canary in text, described for failures.
func (c *Canaries) Hits(where, text string) []string {
	var out []string
	for v, what := range c.all {
		for form, f := range CanaryForms(v) {
			if n := strings.Count(text, f); n > 0 {
				out = append(out, fmt.Sprintf("%s: %s (%s) ×%d", where, what, form, n))
				c.Count += n
			}
		}
	}
	return out
}

// EchoHandler answers every request with a dump of all of it: method, URL
// with query, every header and the body, as a service that quotes the
// request in its error would.
func EchoHandler(status int) http.HandlerFunc {
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

// SMTPEcho is an SMTP server that offers mech and rejects the login with a
// 535 that quotes every line the client sent.
func SMTPEcho(t testing.TB, mech string) (host, port string) {
	t.Helper()
	ln := listen(t, func(conn net.Conn) { serveSMTPEcho(conn, mech) })
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

// CanaryConfigs gives every kind settings with a canary in each secret
// field (and in each secret part of a field), pointed at the echo server.
// A kind missing here fails the canary tests, so a new kind cannot skip
// them.
func CanaryConfigs(c *Canaries, api, smtpHost, smtpPort string) map[string][]map[string]string {
	host := strings.TrimPrefix(api, "http://")
	return map[string][]map[string]string{
		"bark":       {{"url": "http://bu:" + c.New("bark basic-auth password") + "@" + host + "/" + c.New("bark device key")}},
		"serverchan": {{"sendkey": "SCT" + c.New("serverchan sendkey"), "api": api}},
		"wxpusher": {{"app_token": "AT_" + c.New("wxpusher app token"), "uids": "UID_abcdefg", "api": api},
			{"spt": "SPT_" + c.New("wxpusher spt"), "api": api}},
		"email": {{"host": smtpHost, "port": smtpPort, "ssl": "false", "username": "me@example.com",
			"password": c.New("email password")}},
		"mailgun": {{"api_key": "key-" + c.New("mailgun api key"), "domain": "mg.example.com", "from": "a@example.com",
			"to": "b@example.com", "api": api}},
		"wecom_app": {{"corp_id": "ww0123456789", "agent_id": "1000002", "secret": c.New("wecom app secret"), "host": api}},
		"telegram":  {{"token": "123456789:" + c.New("telegram token"), "chat_id": "42", "host": api}},
		"dingtalk": {{"token": c.New("dingtalk token"), "secret": "SEC" + c.New("dingtalk secret"), "api": api},
			{"token": api + "/robot/send?access_token=" + c.New("dingtalk webhook-URL token")}},
		"wecom_webhook": {{"key": c.New("wecom webhook key"), "api": api}},
		"webhook": {{
			"url":     api + "/hook?key=" + c.New("webhook url key") + "&t={t}",
			"headers": `{"Authorization": "Bearer ` + c.New("webhook bearer header") + `", "X-Api-Key": "` + c.New("webhook x-api-key header") + `"}`,
			"body":    `{"log": "{log}"}`,
		}, {
			"url":     api + "/" + c.New("webhook url path token") + "/hook",
			"headers": `{"Authorization": "Basic ` + base64.StdEncoding.EncodeToString([]byte("wu:"+c.New("webhook basic header password"))) + `"}`,
		}},
		"feishu":   {{"token": c.New("feishu token"), "secret": c.New("feishu secret"), "api": api}},
		"pushplus": {{"token": c.New("pushplus token"), "api": api}},
		"ntfy": {{"server": api, "topic": "alerts", "username": "nu", "password": c.New("ntfy password")},
			{"server": api, "topic": "alerts", "token": "tk_" + c.New("ntfy token")}},
		"gotify": {{"server": api, "token": c.New("gotify token")}},
		"onebot": {{"url": api, "access_token": c.New("onebot access token"), "user_id": "10001"}},
		"synology_chat": {{"url": api + "/webapi/entry.cgi?api=SYNO.Chat.External&method=incoming&version=2&token=%22" +
			c.New("synology chat webhook token") + "%22"}},
		"pushdeer":      {{"key": c.New("pushdeer key"), "api": api}},
		"pushme":        {{"key": c.New("pushme key"), "api": api}},
		"qmsg":          {{"key": c.New("qmsg key"), "qq": "12345", "api": api}, {"key": c.New("qmsg group key"), "type": "group", "api": api}},
		"pushover":      {{"token": "A" + c.NewLen("pushover app token", 29), "user": "uQiRzpo4DXghDmr9QzzfQu27cmVRsG", "api": api}},
		"pushbullet":    {{"token": "o." + c.New("pushbullet access token"), "device_iden": "ujpah72o0sjAoRtnM0jc", "api": api}},
		"signal":        {{"server": api, "number": "+4915112345678", "recipients": "+4915187654321", "username": "herald", "password": c.New("signal basic-auth password")}},
		"homeassistant": {{"server": api, "token": c.New("homeassistant token"), "service": "notify.mobile_app_phone"}},
		"matrix": {{"homeserver": api, "access_token": "syt_" + c.New("matrix access token"), "room": "!room:example.org"},
			{"homeserver": api, "access_token": "syt_" + c.New("matrix access token (alias)"), "room": "#alerts:example.org"}},
		"apprise": {{"server": api, "key": "alerts", "username": "au", "password": c.New("apprise basic-auth password")},
			{"server": api, "urls": "tgram://123456789:" + c.New("apprise url bot token") + "/42, mailto://me:" + c.New("apprise url mail password") + "@gmail.com"}},
		"teams":       {{"url": api + "/workflows/0b7a7c2fa3d94e4f8c1d2e3f4a5b6c7d/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + c.New("teams workflow signature")}},
		"google_chat": {{"url": api + "/v1/spaces/AAAAbCdEfGh/messages?key=" + c.New("google chat key") + "&token=" + c.New("google chat token"), "api": api}},
		"discord": {{"url": api + "/api/webhooks/1186789012345678901/" + c.New("discord webhook token")},
			{"url": "1186789012345678901/" + c.New("discord id/token token"), "api": api + "/api"}},
		"slack":      {{"url": api + "/services/T0123ABCD/B0456EFGH/" + c.New("slack webhook token")}},
		"mattermost": {{"url": api + "/hooks/" + c.New("mattermost hook key")}},
		"rocketchat": {{"url": api + "/hooks/n4Zq7yXmB2pKcW9rD/" + c.New("rocketchat webhook token")}},
		"desktop":    {{}},
	}
}
