package serviceurl

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/bark"
)

// shoutrrr's schemes, each read as its service's config SetURL does
// (nicholas-fedor/shoutrrr, pkg/services/*/*_config.go) and written as its
// GetURL. Where Apprise uses the same scheme (gotify://, ntfy://, bark://,
// lark://, wecom://), claims tells shoutrrr's URLs apart; the URLs Format
// writes always carry such a marker.

// shoutrrrCommon are parameters every shoutrrr service takes for a
// message's looks: Herald's messages bring their own.
var shoutrrrCommon = []string{"title"}

func sOnly(p *parts, known ...string) error { return p.only(append(known, shoutrrrCommon...)...) }

// hasAny says whether the query holds one of names.
func (p *parts) hasAny(names ...string) bool {
	return slices.ContainsFunc(names, func(n string) bool { return p.q.Has(n) })
}

func init() {
	register(
		&scheme{names: []string{"telegram"}, style: Shoutrrr, kind: "telegram", service: "Telegram", parse: sTelegram, format: gTelegram},
		&scheme{names: []string{"gotify"}, style: Shoutrrr, kind: "gotify", service: "Gotify", parse: sGotify, format: gGotify,
			claims: func(p *parts) bool {
				return p.hasAny("disabletls", "insecureskipverify", "useheader", "title", "date", "extras")
			}},
		&scheme{names: []string{"ntfy"}, style: Shoutrrr, kind: "ntfy", service: "ntfy", parse: sNtfy, format: gNtfy,
			claims: func(p *parts) bool {
				return p.hasAny("scheme", "disabletls", "disabletlsverification", "title", "markdown", "cache", "firebase", "icon")
			}},
		&scheme{names: []string{"smtp"}, style: Shoutrrr, kind: "email", service: "Email", parse: sSMTP, format: gSMTP},
		&scheme{names: []string{"generic", "generic+https", "generic+http"}, style: Shoutrrr, kind: "webhook", service: "Generic webhook", parse: sGeneric, format: gGeneric},
		&scheme{names: []string{"bark"}, style: Shoutrrr, kind: "bark", service: "Bark", parse: sBark, format: gBark,
			claims: func(p *parts) bool { return p.hasPass && p.user == "" }},
		&scheme{names: []string{"lark"}, style: Shoutrrr, kind: "feishu", service: "Lark", parse: sLark, format: gLark,
			claims: func(p *parts) bool { return len(p.segs) > 0 }},
		&scheme{names: []string{"wecom"}, style: Shoutrrr, kind: "wecom_webhook", service: "WeCom", parse: sWeCom, format: gWeCom,
			claims: func(p *parts) bool { return !pushplusToken.MatchString(p.authority) }},
	)
}

// --- Telegram: telegram://{token}@telegram?chats={chat}[:{thread}]
// (chat/telegram/telegram_config.go)

func sTelegram(p *parts) (map[string]string, error) {
	if err := sOnly(p, "chats", "channels", "preview", "notification", "parsemode"); err != nil {
		return nil, err
	}
	if !p.hasPass {
		return nil, p.errf("serviceurl.user.missing", "What", "{token}")
	}
	chat, err := p.one(channel.SplitList(p.get("chats", "channels")), "chats")
	if err != nil {
		return nil, err
	}
	raw := map[string]string{"token": p.user + ":" + p.pass, "chat_id": chat}
	// "chat:thread" names a forum topic (the service's docs).
	if c, thread, ok := strings.Cut(chat, ":"); ok && isNumber(thread) {
		raw["chat_id"], raw["thread_id"] = c, thread
	}
	return raw, nil
}

func gTelegram(c channel.Config, o *out) (string, error) {
	num, rest, _ := strings.Cut(c["token"], ":")
	chat := c["chat_id"]
	if c["thread_id"] != "" {
		chat += ":" + c["thread_id"]
	}
	user := escUser(num) + ":" + o.secretUser(rest)
	if !o.reveal {
		user = Masked + ":" + Masked
	}
	return "telegram://" + user + "@telegram/" + query("chats", chat), nil
}

// --- Gotify: gotify://{host}[:{port}][/{path}]/{token}?disabletls=&priority=
// (push/gotify/gotify_config.go): https unless disabletls.

func sGotify(p *parts) (map[string]string, error) {
	if err := sOnly(p, "priority", "disabletls", "insecureskipverify", "useheader", "date", "extras"); err != nil {
		return nil, err
	}
	if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	if len(p.segs) == 0 {
		return nil, p.errf("serviceurl.path.missing", "What", "{token}")
	}
	plain, err := p.yes("disabletls", false)
	if err != nil {
		return nil, err
	}
	return map[string]string{"server": httpScheme(plain) + p.hostPort() + segPath(p.segs[:len(p.segs)-1]),
		"token": p.segs[len(p.segs)-1], "priority": p.get("priority")}, nil
}

func httpScheme(plain bool) string {
	if plain {
		return "http://"
	}
	return "https://"
}

func gGotify(c channel.Config, o *out) (string, error) {
	su, err := url.Parse(c["server"])
	if err != nil {
		return "", formatField("server", Shoutrrr)
	}
	u := "gotify://" + su.Host + strings.TrimRight(su.EscapedPath(), "/") + "/" + o.secret(c["token"])
	return u + query("disabletls", yesNo(su.Scheme == "http"), "priority", c["priority"]), nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// --- ntfy: ntfy://[{user}:{password}@]{host}/{topic}?scheme=&priority=
// &tags=&click=&icon= (push/ntfy/ntfy_config.go): https unless
// scheme=http or disabletls.

func sNtfy(p *parts) (map[string]string, error) {
	if err := sOnly(p, "scheme", "priority", "tags", "click", "icon", "disabletls", "disabletlsverification", "markdown", "cache", "firebase", "actions", "attach", "filename", "delay", "at", "in", "email"); err != nil {
		return nil, err
	}
	for _, n := range []string{"actions", "attach", "delay", "at", "in", "email"} {
		if p.get(n) != "" {
			return nil, p.errf("serviceurl.query.unsupported", "Name", n)
		}
	}
	plain, err := p.yes("disabletls", false)
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(p.get("scheme")) {
	case "http":
		plain = true
	case "", "https":
	default:
		return nil, p.errf("serviceurl.query.choice", "Name", "scheme", "Choices", "https, http")
	}
	host := p.hostPort()
	if host == "" {
		host = "ntfy.sh"
	} else if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	if len(p.segs) == 0 {
		return nil, p.errf("serviceurl.path.missing", "What", "{topic}")
	}
	raw := map[string]string{"server": httpScheme(plain) + host, "topic": strings.Join(p.segs, "/"),
		"priority": p.get("priority"), "tags": p.get("tags"), "click": p.get("click"), "icon": p.get("icon")}
	if p.user != "" || p.pass != "" {
		raw["username"], raw["password"] = p.user, p.pass
	}
	return raw, nil
}

func gNtfy(c channel.Config, o *out) (string, error) {
	su, err := url.Parse(c["server"])
	if err != nil || strings.Trim(su.Path, "/") != "" {
		return "", formatField("server", Shoutrrr)
	}
	if c["token"] != "" { // shoutrrr's ntfy has no access tokens
		return "", formatField("token", Shoutrrr)
	}
	u := "ntfy://"
	if c["username"] != "" {
		u += escUser(c["username"]) + ":" + o.secretUser(c["password"]) + "@"
	}
	u += su.Host + "/" + esc(c["topic"])
	return u + query("scheme", su.Scheme, "priority", c["priority"], "tags", c["tags"], "click", c["click"], "icon", c["icon"]), nil
}

// --- Email: smtp://{user}:{password}@{host}:{port}/?fromaddress=
// &toaddresses=&encryption=&usestarttls=&subject= (email/smtp/smtp_config.go).
// encryption Auto is implicit TLS on port 465, else STARTTLS when usestarttls.

func sSMTP(p *parts) (map[string]string, error) {
	if err := sOnly(p, "fromaddress", "from", "fromname", "toaddresses", "to", "subject", "auth", "encryption", "usestarttls", "starttls", "usehtml", "clienthost", "requirestarttls", "skiptlsverify", "timeout"); err != nil {
		return nil, err
	}
	if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	port := or(p.port, "25")
	starttls, err := p.yes("usestarttls", true)
	if err != nil {
		return nil, err
	}
	if p.q.Has("starttls") {
		if starttls, err = p.yes("starttls", true); err != nil {
			return nil, err
		}
	}
	ssl := false
	switch strings.ToLower(p.get("encryption")) {
	case "", "auto":
		ssl = port == "465"
		starttls = starttls && !ssl
	case "implicittls":
		ssl, starttls = true, false
	case "explicittls":
		starttls = true
	case "none":
		starttls = false
	default:
		return nil, p.errf("serviceurl.query.choice", "Name", "encryption", "Choices", "Auto, None, ExplicitTLS, ImplicitTLS")
	}
	from := p.get("fromaddress", "from")
	if name := p.get("fromname"); name != "" && from != "" {
		from = name + " <" + from + ">"
	}
	return map[string]string{"host": p.host, "port": port, "username": p.user, "password": p.pass,
		"ssl": strconv.FormatBool(ssl), "starttls": strconv.FormatBool(starttls),
		"from": from, "to": p.get("toaddresses", "to"), "subject": p.get("subject")}, nil
}

func gSMTP(c channel.Config, o *out) (string, error) {
	enc := "None"
	switch {
	case c.Bool("ssl"):
		enc = "ImplicitTLS"
	case c.Bool("starttls"):
		enc = "ExplicitTLS"
	}
	from, name := c["from"], ""
	if i := strings.LastIndex(from, "<"); i >= 0 && strings.HasSuffix(from, ">") {
		name, from = strings.TrimSpace(from[:i]), from[i+1:len(from)-1]
	}
	u := "smtp://" + escUser(c["username"]) + ":" + o.secretUser(c["password"]) + "@" + c["host"] + ":" + c["port"] + "/"
	return u + query("fromaddress", from, "fromname", name, "toaddresses", strings.Join(c.List("to"), ","),
		"subject", c["subject"], "encryption", enc), nil
}

// --- Generic webhook: generic://{host}[:{port}]/{path}?@Header=v
// &method=&contenttype=&disabletls= or generic+https://… (specialized/generic):
// other parameters belong to the webhook's own URL.

var genericKeys = []string{"contenttype", "disabletls", "template", "titlekey", "messagekey", "method", "title"}

func sGeneric(p *parts) (map[string]string, error) {
	if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	plain := p.scheme == "generic+http"
	headers, params := map[string]string{}, url.Values{}
	for _, k := range p.keys {
		v := p.q.Get(strings.ToLower(k))
		switch {
		case p.scheme != "generic":
			params.Set(k, v) // generic+https:// forwards every parameter
		case strings.HasPrefix(k, "@"):
			headers[http.CanonicalHeaderKey(k[1:])] = v
		case strings.HasPrefix(k, "$"):
			return nil, p.errf("serviceurl.query.unsupported", "Name", k)
		case !slices.Contains(genericKeys, strings.ToLower(k)):
			params.Set(k, v)
		}
	}
	if p.scheme == "generic" {
		var err error
		if plain, err = p.yes("disabletls", false); err != nil {
			return nil, err
		}
	}
	u := httpScheme(plain)
	if p.hasUser {
		u += escUser(p.user) + ":" + escUser(p.pass) + "@"
	}
	u += p.hostPort() + segPath(p.segs)
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	raw := map[string]string{"url": u, "method": strings.ToUpper(p.generic("method"))}
	switch ct := strings.ToLower(p.generic("contenttype")); {
	case ct == "" || strings.Contains(ct, "json"):
	case ct == "application/x-www-form-urlencoded":
		raw["content_type"] = "form"
	default:
		return nil, p.errf("serviceurl.query.choice", "Name", "contenttype", "Choices", "application/json, application/x-www-form-urlencoded")
	}
	if len(headers) > 0 {
		b, _ := json.Marshal(headers)
		raw["headers"] = string(b)
	}
	return raw, nil
}

// generic is a generic:// parameter; generic+https:// has none.
func (p *parts) generic(name string) string {
	if p.scheme != "generic" {
		return ""
	}
	return p.get(name)
}

func gGeneric(c channel.Config, o *out) (string, error) {
	if c["body"] != "" {
		return "", formatField("body", Shoutrrr)
	}
	wu, err := url.Parse(c["url"])
	if err != nil {
		return "", formatField("url", Shoutrrr)
	}
	for k := range wu.Query() {
		if slices.Contains(genericKeys, strings.ToLower(k)) || strings.HasPrefix(k, "@") || strings.HasPrefix(k, "$") {
			return "", formatField("url", Shoutrrr)
		}
	}
	u := "generic://" + wu.Host
	if o.reveal {
		u += wu.EscapedPath()
	} else if wu.Path != "" && wu.Path != "/" {
		u += "/" + Masked
	}
	kv := []string{"disabletls", yesNo(wu.Scheme == "http")}
	if c["method"] != "" {
		kv = append(kv, "method", c["method"])
	}
	if c["content_type"] == "form" {
		kv = append(kv, "contenttype", "application/x-www-form-urlencoded")
	}
	var headers map[string]string
	_ = json.Unmarshal([]byte(c["headers"]), &headers)
	for _, k := range sortedKeys(headers) {
		kv = append(kv, "@"+k, o.hide(headers[k]))
	}
	for _, k := range sortedKeys(wu.Query()) {
		kv = append(kv, k, o.hide(wu.Query().Get(k)))
	}
	return u + query(kv...), nil
}

// --- Bark: bark://:{devicekey}@{host}[/{path}]?scheme=&sound=&group=
// &icon=&url= (push/bark/bark_config.go): https unless scheme=http.

func sBark(p *parts) (map[string]string, error) {
	if err := sOnly(p, "scheme", "sound", "badge", "icon", "group", "url", "category", "copy"); err != nil {
		return nil, err
	}
	if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	if p.pass == "" {
		return nil, p.errf("serviceurl.user.missing", "What", ":{devicekey}")
	}
	scheme := "https://"
	switch strings.ToLower(p.get("scheme")) {
	case "http":
		scheme = "http://"
	case "", "https":
	default:
		return nil, p.errf("serviceurl.query.choice", "Name", "scheme", "Choices", "https, http")
	}
	return map[string]string{"url": scheme + p.hostPort() + segPath(p.segs) + "/" + esc(p.pass),
		"sound": p.get("sound"), "group": p.get("group"), "icon": p.get("icon"), "click_url": p.get("url")}, nil
}

func gBark(c channel.Config, o *out) (string, error) {
	server, key, err := bark.ParseURL(c["url"])
	if err != nil {
		return "", err
	}
	su, err := url.Parse(server)
	if err != nil || su.User != nil { // shoutrrr's Bark has no basic auth
		return "", formatField("url", Shoutrrr)
	}
	u := "bark://:" + o.secretUser(key) + "@" + su.Host + strings.TrimRight(su.EscapedPath(), "/") + "/"
	return u + query("scheme", su.Scheme, "sound", c["sound"], "group", c["group"], "icon", c["icon"], "url", c["click_url"]), nil
}

// --- Lark: lark://{host}/{token}?secret= (chat/lark/lark_config.go):
// host open.larksuite.com (Lark) or open.feishu.cn (Feishu).

func sLark(p *parts) (map[string]string, error) {
	if err := sOnly(p, "secret", "link"); err != nil {
		return nil, err
	}
	h := strings.ToLower(p.hostPort())
	if h != "open.larksuite.com" && h != "open.feishu.cn" {
		return nil, p.errf("serviceurl.host.choice", "Choices", "open.larksuite.com, open.feishu.cn")
	}
	token, err := p.one(p.segs, "{token}")
	if err != nil {
		return nil, err
	}
	return map[string]string{"token": "https://" + h + "/open-apis/bot/v2/hook/" + esc(token), "secret": p.get("secret")}, nil
}

func gLark(c channel.Config, o *out) (string, error) {
	tok, lark := feishuToken(c["token"])
	host := "open.feishu.cn"
	if lark {
		host = "open.larksuite.com"
	}
	secret := ""
	if c["secret"] != "" {
		secret = o.hide(c["secret"])
	}
	return "lark://" + host + "/" + o.secret(tok) + query("secret", secret), nil
}

// --- WeCom robot: wecom://{key} (chat/wecom/wecom_config.go)

func sWeCom(p *parts) (map[string]string, error) {
	if err := sOnly(p); err != nil {
		return nil, err
	}
	if err := p.noUser(); err != nil {
		return nil, err
	}
	return map[string]string{"key": p.authority}, nil
}

func gWeCom(c channel.Config, o *out) (string, error) {
	return "wecom://" + o.secret(wecomKey(c["key"])), nil
}
