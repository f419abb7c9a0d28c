package serviceurl

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/bark"
	"github.com/heraldpush/herald/engine/i18n"
)

// Apprise's schemes, each read as its plugin's parse_url does
// (caronc/apprise, apprise/plugins/<name>.py) and written as its url().

// appriseCommon are Apprise's parameters every plugin takes (format,
// overflow…): they shape messages Herald shapes itself, so they are read
// and dropped.
var appriseCommon = []string{"format", "overflow", "emojis", "verify", "cto", "rto", "store", "tz"}

func aOnly(p *parts, known ...string) error { return p.only(append(known, appriseCommon...)...) }

func init() {
	register(
		&scheme{names: []string{"tgram"}, style: Apprise, kind: "telegram", service: "Telegram", parse: aTelegram, format: fTelegram},
		&scheme{names: []string{"dingtalk"}, style: Apprise, kind: "dingtalk", service: "DingTalk", parse: aDingTalk, format: fDingTalk},
		&scheme{names: []string{"wecombot"}, style: Apprise, kind: "wecom_webhook", service: "WeCom Bot", parse: aWeComBot, format: fWeComBot},
		&scheme{names: []string{"bark", "barks"}, style: Apprise, kind: "bark", service: "Bark", parse: aBark, format: fBark,
			claims: func(p *parts) bool { return !p.hasPass || p.user != "" }},
		&scheme{names: []string{"schan"}, style: Apprise, kind: "serverchan", service: "ServerChan", parse: aServerChan, format: fServerChan},
		&scheme{names: []string{"pushplus", "wecom"}, style: Apprise, kind: "pushplus", service: "PushPlus", parse: aPushPlus, format: fPushPlus,
			claims: func(p *parts) bool { return p.scheme == "pushplus" || pushplusToken.MatchString(p.authority) }},
		&scheme{names: []string{"feishu"}, style: Apprise, kind: "feishu", service: "Feishu", parse: aFeishu, format: fFeishu},
		&scheme{names: []string{"lark"}, style: Apprise, kind: "feishu", service: "Lark", parse: aLark,
			claims: func(p *parts) bool { return len(p.segs) == 0 }},
		&scheme{names: []string{"ntfy", "ntfys"}, style: Apprise, kind: "ntfy", service: "ntfy", parse: aNtfy, format: fNtfy},
		&scheme{names: []string{"gotify", "gotifys"}, style: Apprise, kind: "gotify", service: "Gotify", parse: aGotify, format: fGotify},
		&scheme{names: []string{"mailto", "mailtos"}, style: Apprise, kind: "email", service: "Email", parse: aEmail, format: fEmail},
		&scheme{names: []string{"json", "jsons"}, style: Apprise, kind: "webhook", service: "JSON", parse: aWebhook("json"), format: fWebhook},
		&scheme{names: []string{"form", "forms"}, style: Apprise, kind: "webhook", service: "Form", parse: aWebhook("form")},
		&scheme{names: []string{"wxpusher"}, style: Apprise, kind: "wxpusher", service: "WxPusher", parse: aWxPusher, format: fWxPusher},
		&scheme{names: []string{"wechat"}, style: Apprise, kind: "wecom_app", service: "WeCom (WeChat Work)", parse: aWeChat, format: fWeChat},
		&scheme{names: []string{"mailgun"}, style: Apprise, kind: "mailgun", service: "Mailgun", parse: aMailgun, format: fMailgun},
	)
}

// token is the host, or ?token= (Apprise's alias of the host in many plugins).
func (p *parts) token(names ...string) string {
	if v := p.get(names...); v != "" {
		return v
	}
	return p.authority
}

// --- Telegram: tgram://{bot_token}/{targets}?topic= (telegram.py)

var tgramToken = regexp.MustCompile(`^(?:bot)?([0-9]+:[A-Za-z0-9_-]+)$`)

func aTelegram(p *parts) (map[string]string, error) {
	if err := aOnly(p, "to", "topic", "thread", "image", "detect", "silent", "preview", "mdv", "content", "template"); err != nil {
		return nil, err
	}
	// The token's colon is no port: its second half is the first segment
	// unless the colon was escaped (%3A).
	tok := p.authority
	segs := p.segs
	if strings.HasSuffix(tok, ":") && len(segs) > 0 {
		tok, segs = tok+segs[0], segs[1:]
	}
	m := tgramToken.FindStringSubmatch(tok)
	if m == nil {
		return nil, p.errf("serviceurl.host.token", "What", "{bot_token}")
	}
	chat, err := p.one(append(slices.Clone(segs), channel.SplitList(p.get("to"))...), "{chat_id}")
	if err != nil {
		return nil, err
	}
	if !isNumber(chat) && !strings.HasPrefix(chat, "@") {
		chat = "@" + chat // telegram.py: a name is a channel's @username
	}
	return map[string]string{"token": m[1], "chat_id": chat, "thread_id": p.get("topic", "thread")}, nil
}

func fTelegram(c channel.Config, o *out) (string, error) {
	// A token "123:ABC" keeps its colon: Apprise reads it that way.
	num, rest, _ := strings.Cut(c["token"], ":")
	tok := o.secret(num) + ":" + o.secret(rest)
	if !o.reveal {
		tok = Masked
	}
	return "tgram://" + tok + "/" + strings.ReplaceAll(esc(c["chat_id"]), "%40", "@") + "/" + query("topic", c["thread_id"]), nil
}

// --- DingTalk: dingtalk://[{secret}@]{token}/[{targets}] (dingtalk.py);
// the targets are mobile numbers to @mention.

func aDingTalk(p *parts) (map[string]string, error) {
	if err := aOnly(p, "token", "secret", "to"); err != nil {
		return nil, err
	}
	secret := p.get("secret")
	if secret == "" {
		secret = p.user
	}
	return map[string]string{"token": p.token("token"), "secret": secret,
		"at_mobiles": list(p.segs, p.q["to"])}, nil
}

func fDingTalk(c channel.Config, o *out) (string, error) {
	token := dingtalkToken(c["token"])
	u := "dingtalk://"
	if c["secret"] != "" {
		u += o.secretUser(c["secret"]) + "@"
	}
	u += o.secret(token) + "/"
	for _, m := range c.List("at_mobiles") {
		u += esc(m) + "/"
	}
	return u, nil
}

// dingtalkToken is the access_token of a token field holding a whole
// webhook URL.
func dingtalkToken(v string) string {
	if u, err := url.Parse(v); err == nil && u.Query().Get("access_token") != "" {
		return u.Query().Get("access_token")
	}
	return v
}

// --- WeCom group robot: wecombot://{key} (wecombot.py)

func aWeComBot(p *parts) (map[string]string, error) {
	if err := aOnly(p, "key"); err != nil {
		return nil, err
	}
	if err := p.noUser(); err != nil {
		return nil, err
	}
	return map[string]string{"key": p.token("key")}, nil
}

func fWeComBot(c channel.Config, o *out) (string, error) {
	return "wecombot://" + o.secret(wecomKey(c["key"])), nil
}

// wecomKey is the key of a key field holding a whole webhook URL.
func wecomKey(v string) string {
	if u, err := url.Parse(v); err == nil && u.Query().Get("key") != "" {
		return u.Query().Get("key")
	}
	return v
}

// --- Bark: bark[s]://[{user}:{password}@]{host}[:{port}]/{targets}
// (bark.py): http for bark://, https for barks://.

func aBark(p *parts) (map[string]string, error) {
	if err := aOnly(p, "sound", "group", "level", "click", "icon", "to", "category", "badge", "volume", "image", "call", "key"); err != nil {
		return nil, err
	}
	if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	if p.get("key") != "" {
		return nil, p.errf("serviceurl.query.unsupported", "Name", "key")
	}
	key, err := p.one(append(slices.Clone(p.segs), channel.SplitList(p.get("to"))...), "{device_key}")
	if err != nil {
		return nil, err
	}
	base := "http://"
	if p.scheme == "barks" {
		base = "https://"
	}
	if p.hasUser {
		base += escUser(p.user) + ":" + escUser(p.pass) + "@"
	}
	return map[string]string{"url": base + p.hostPort() + "/" + esc(key), "sound": p.get("sound"), "group": p.get("group"),
		"level": p.get("level"), "click_url": p.get("click"), "icon": p.get("icon")}, nil
}

func fBark(c channel.Config, o *out) (string, error) {
	server, key, err := bark.ParseURL(c["url"])
	if err != nil {
		return "", err
	}
	su, err := url.Parse(server)
	if err != nil {
		return "", err
	}
	u := "bark://"
	if su.Scheme == "https" {
		u = "barks://"
	}
	if pw, ok := su.User.Password(); ok {
		u += escUser(su.User.Username()) + ":" + o.secretUser(pw) + "@"
	}
	u += su.Host + strings.TrimRight(su.EscapedPath(), "/") + "/" + o.secret(key) + "/"
	return u + query("sound", c["sound"], "group", c["group"], "level", c["level"], "click", c["click_url"], "icon", c["icon"]), nil
}

// --- ServerChan: schan://{token} (serverchan.py)

func aServerChan(p *parts) (map[string]string, error) {
	if err := aOnly(p); err != nil {
		return nil, err
	}
	if err := p.noUser(); err != nil {
		return nil, err
	}
	return map[string]string{"sendkey": p.authority}, nil
}

func fServerChan(c channel.Config, o *out) (string, error) {
	return "schan://" + o.secret(c["sendkey"]) + "/", nil
}

// --- PushPlus: pushplus://[{webhook}@]{token}[/{topic}]?channel=
// (pushplus.py; Apprise's "wecom://" is an alias, but shoutrrr's wecom://
// is a WeCom robot: a 32-hex token tells PushPlus's).

var pushplusToken = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)

func aPushPlus(p *parts) (map[string]string, error) {
	if err := aOnly(p, "token", "to", "topic", "mode", "channel", "name", "template"); err != nil {
		return nil, err
	}
	topic := list(p.segs, p.q["to"], p.q["topic"])
	if strings.Contains(topic, ",") {
		return nil, p.errf("serviceurl.path.many", "What", "{topic}")
	}
	raw := map[string]string{"token": p.token("token"), "topic": topic, "channel": p.get("channel", "mode"),
		"webhook": p.get("name"), "template": p.get("template")}
	if p.user != "" {
		if raw["webhook"] == "" {
			raw["webhook"] = p.user
		}
		if raw["channel"] == "" {
			raw["channel"] = "webhook"
		}
	}
	return raw, nil
}

func fPushPlus(c channel.Config, o *out) (string, error) {
	u := "pushplus://" + o.secret(c["token"]) + "/"
	if c["topic"] != "" {
		u += esc(c["topic"]) + "/"
	}
	ch := c["channel"]
	if ch == "wechat" { // the default both sides
		ch = ""
	}
	return u + query("channel", ch, "name", c["webhook"], "template", c["template"]), nil
}

// --- Feishu: feishu://{token} (feishu.py); Lark: lark://{token} (lark.py)

func aFeishu(p *parts) (map[string]string, error) {
	if err := aOnly(p, "token"); err != nil {
		return nil, err
	}
	if err := p.noUser(); err != nil {
		return nil, err
	}
	return map[string]string{"token": p.token("token")}, nil
}

const larkHook = "https://open.larksuite.com/open-apis/bot/v2/hook/"

func aLark(p *parts) (map[string]string, error) {
	raw, err := aFeishu(p)
	if err != nil {
		return nil, err
	}
	raw["token"] = larkHook + esc(raw["token"])
	return raw, nil
}

// fFeishu writes lark:// for a Lark webhook, feishu:// otherwise; a
// signing secret has no place in either (shoutrrr's lark:// has one).
func fFeishu(c channel.Config, o *out) (string, error) {
	if c["secret"] != "" { // without it the bot refuses every message
		return "", formatField("secret", Apprise)
	}
	tok, lark := feishuToken(c["token"])
	if lark {
		return "lark://" + o.secret(tok) + "/", nil
	}
	return "feishu://" + o.secret(tok) + "/", nil
}

// feishuToken is the hook token of a token field and whether its webhook
// is Lark's.
func feishuToken(v string) (token string, lark bool) {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		return v, false
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	return segs[len(segs)-1], strings.EqualFold(u.Hostname(), "open.larksuite.com")
}

// --- ntfy: ntfy://{topic} (ntfy.sh), ntfy[s]://[{user}[:{password}]@ or
// {token}@]{host}[:{port}]/{targets} (ntfy.py): http for ntfy://,
// https for ntfys://.

var ntfyAuthDetect = regexp.MustCompile(`(?i)^tk_[a-z0-9]+$`) // ntfy.py's NTFY_AUTH_DETECT_RE

func aNtfy(p *parts) (map[string]string, error) {
	if err := aOnly(p, "priority", "tags", "xtags", "click", "avatar_url", "to", "token", "auth", "mode", "image", "attach", "filename", "delay", "email", "actions"); err != nil {
		return nil, err
	}
	for _, n := range []string{"attach", "delay", "email", "actions"} {
		if p.get(n) != "" {
			return nil, p.errf("serviceurl.query.unsupported", "Name", n)
		}
	}
	raw := map[string]string{"priority": p.get("priority"), "tags": p.get("tags", "xtags"), "click": p.get("click"), "icon": p.get("avatar_url")}
	topics := append(slices.Clone(p.segs), channel.SplitList(p.get("to"))...)
	// ntfy.py's mode: private (the host is a server) when the host is one
	// and topics follow, else cloud (ntfy.sh, the host being a topic).
	mode := strings.ToLower(p.get("mode"))
	if mode == "" {
		mode = "cloud"
		if channel.CheckHostName(p.host) == nil && len(topics) > 0 {
			mode = "private"
		}
	}
	switch mode {
	case "cloud":
		if !strings.Contains(strings.ToLower(p.host), "ntfy.sh") && p.authority != "" {
			topics = append([]string{p.authority}, topics...)
		}
	case "private":
		if err := p.needHost("{host}"); err != nil {
			return nil, err
		}
		scheme := "http://"
		if p.scheme == "ntfys" {
			scheme = "https://"
		}
		raw["server"] = scheme + p.hostPort()
	default:
		return nil, p.errf("serviceurl.query.choice", "Name", "mode", "Choices", "cloud, private")
	}
	topic, err := p.one(topics, "{topic}")
	if err != nil {
		return nil, err
	}
	raw["topic"] = topic
	p.ntfyAuth(raw)
	return raw, nil
}

// ntfyAuth reads the credentials as ntfy.py does: ?token=, a lone user
// looking like a token, else user and password.
func (p *parts) ntfyAuth(raw map[string]string) {
	auth := strings.ToLower(p.get("auth"))
	switch {
	case p.get("token") != "":
		raw["token"] = p.get("token")
	case p.user != "" && !p.hasPass && (auth == "token" || (auth == "" && ntfyAuthDetect.MatchString(p.user))):
		raw["token"] = p.user
	case p.user == "" && p.pass != "" && auth == "token":
		raw["token"] = p.pass
	case p.user != "":
		raw["username"], raw["password"] = p.user, p.pass
	}
}

func fNtfy(c channel.Config, o *out) (string, error) {
	su, err := url.Parse(c["server"])
	if err != nil || strings.Trim(su.Path, "/") != "" {
		return "", formatField("server", Apprise)
	}
	u := "ntfy://"
	if su.Scheme == "https" {
		u = "ntfys://"
	}
	switch {
	case c["token"] != "":
		u += o.secretUser(c["token"]) + "@"
	case c["username"] != "":
		u += escUser(c["username"]) + ":" + o.secretUser(c["password"]) + "@"
	}
	u += su.Host + "/" + esc(c["topic"]) + "/"
	return u + query("priority", c["priority"], "tags", c["tags"], "click", c["click"], "avatar_url", c["icon"]), nil
}

func formatField(field string, style Style) error {
	return i18n.New("serviceurl.format.field", "Field", field, "Style", style.String())
}

// --- Gotify: gotify[s]://{host}[:{port}][{path}]{token}?priority=
// (gotify.py): http for gotify://, https for gotifys://.

func aGotify(p *parts) (map[string]string, error) {
	if err := aOnly(p, "priority"); err != nil {
		return nil, err
	}
	if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	if err := p.noUser(); err != nil {
		return nil, err
	}
	if len(p.segs) == 0 {
		return nil, p.errf("serviceurl.path.missing", "What", "{token}")
	}
	scheme := "http://"
	if p.scheme == "gotifys" {
		scheme = "https://"
	}
	return map[string]string{"server": scheme + p.hostPort() + segPath(p.segs[:len(p.segs)-1]),
		"token": p.segs[len(p.segs)-1], "priority": gotifyPriority(p.get("priority"))}, nil
}

// gotifyPriority maps gotify.py's priority names (read by their first
// letter, as its GOTIFY_PRIORITY_MAP does) to their numbers; a number
// stays as given (Apprise would round it to one of those five).
func gotifyPriority(v string) string {
	if v == "" || isNumber(v) {
		return v
	}
	names := map[byte]string{'l': "0", 'm': "3", 'n': "5", 'h': "8", 'e': "10"}
	if n, ok := names[strings.ToLower(v)[0]]; ok {
		return n
	}
	return v
}

// segPath joins segments as a path prefix ("/a/b"), escaped.
func segPath(segs []string) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteString("/" + esc(s))
	}
	return b.String()
}

func fGotify(c channel.Config, o *out) (string, error) {
	su, err := url.Parse(c["server"])
	if err != nil {
		return "", formatField("server", Apprise)
	}
	u := "gotify://"
	if su.Scheme == "https" {
		u = "gotifys://"
	}
	u += su.Host + strings.TrimRight(su.EscapedPath(), "/") + "/" + o.secret(c["token"]) + "/"
	return u + query("priority", c["priority"]), nil
}

// --- Email: mailto[s]://[{user}:{password}@]{host}[:{port}]/{targets}
// ?smtp=&from=&name=&to=&mode= (email/base.py). Apprise secures both
// schemes unless mode=insecure: STARTTLS on 587 by default, ssl on 465.

func aEmail(p *parts) (map[string]string, error) {
	if err := aOnly(p, "user", "pass", "smtp", "from", "name", "to", "mode", "cc", "bcc", "reply", "pgp", "pgppub", "pgpkey", "pgpprv", "wkd", "inline"); err != nil {
		return nil, err
	}
	for _, n := range []string{"cc", "bcc", "reply", "pgp", "pgppub", "pgpkey", "pgpprv"} {
		if p.get(n) != "" {
			return nil, p.errf("serviceurl.query.unsupported", "Name", n)
		}
	}
	if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	p.user, p.pass = or(p.get("user"), p.user), or(p.get("pass"), p.pass) // base.py's ?user= and ?pass=
	raw := map[string]string{"host": p.host, "port": p.port, "username": p.user, "password": p.pass,
		"to": list(p.segs, p.q["to"])}
	if smtp := p.get("smtp"); smtp != "" {
		raw["host"] = smtp
	}
	switch strings.ToLower(p.get("mode")) {
	case "", "starttls":
		raw["ssl"], raw["starttls"] = "false", "true"
		raw["port"] = or(raw["port"], "587")
	case "ssl":
		raw["ssl"], raw["starttls"] = "true", "false"
		raw["port"] = or(raw["port"], "465")
	case "insecure":
		raw["ssl"], raw["starttls"] = "false", "false"
		raw["port"] = or(raw["port"], "25")
	default:
		return nil, p.errf("serviceurl.query.choice", "Name", "mode", "Choices", "ssl, starttls, insecure")
	}
	raw["from"] = emailFrom(p)
	return raw, nil
}

// emailFrom is ?from= (with ?name=), else the user's local part at the
// URL's host, as email/base.py builds it.
func emailFrom(p *parts) string {
	from, name := p.get("from"), p.get("name")
	switch {
	case from != "" && name != "":
		return name + " <" + from + ">"
	case from != "":
		return from
	case p.user != "":
		local, _, _ := strings.Cut(p.user, "@")
		return local + "@" + p.host
	}
	return ""
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func fEmail(c channel.Config, o *out) (string, error) {
	mode := "insecure"
	switch {
	case c.Bool("ssl"):
		mode = "ssl"
	case c.Bool("starttls"):
		mode = "starttls"
	}
	u := "mailtos://" + escUser(c["username"]) + ":" + o.secretUser(c["password"]) + "@" + c["host"] + ":" + c["port"] + "/"
	for _, to := range c.List("to") {
		u += esc(to) + "/"
	}
	local, _, _ := strings.Cut(c["username"], "@")
	from := c["from"]
	if from == local+"@"+c["host"] {
		from = ""
	}
	if from == "" && c["from"] == "" && strings.Contains(c["username"], "@") {
		from = c["username"] // Herald's default sender
	}
	return u + query("mode", mode, "from", from), nil
}

// --- JSON and form webhooks: json[s]://[{user}[:{password}]@]{host}
// [:{port}]/{path}?method=&+Header=v&-param=v (custom_json.py,
// custom_form.py).

func aWebhook(contentType string) func(p *parts) (map[string]string, error) {
	return func(p *parts) (map[string]string, error) {
		if err := aOnly(p, "method", "+", "-", ":", "attach-as"); err != nil {
			return nil, err
		}
		if err := p.needHost("{host}"); err != nil {
			return nil, err
		}
		headers, params := map[string]string{}, url.Values{}
		for _, k := range p.keys {
			switch {
			case strings.HasPrefix(k, "+"):
				headers[k[1:]] = p.q.Get(strings.ToLower(k))
			case strings.HasPrefix(k, "-"):
				params.Set(k[1:], p.q.Get(strings.ToLower(k)))
			case strings.HasPrefix(k, ":"):
				return nil, p.errf("serviceurl.query.unsupported", "Name", k)
			}
		}
		if p.hasUser {
			headers["Authorization"] = "Basic " + base64.StdEncoding.EncodeToString([]byte(p.user+":"+p.pass))
		}
		scheme := "http://"
		if strings.HasSuffix(p.scheme, "s") {
			scheme = "https://"
		}
		u := scheme + p.hostPort() + segPath(p.segs)
		if len(params) > 0 {
			u += "?" + params.Encode()
		}
		raw := map[string]string{"url": u, "method": strings.ToUpper(p.get("method")), "content_type": contentType}
		if len(headers) > 0 {
			b, _ := json.Marshal(headers)
			raw["headers"] = string(b)
		}
		return raw, nil
	}
}

// fWebhook writes json:// or form:// by the content type.
func fWebhook(c channel.Config, o *out) (string, error) {
	if c["body"] != "" {
		return "", formatField("body", Apprise)
	}
	wu, err := url.Parse(c["url"])
	if err != nil {
		return "", formatField("url", Apprise)
	}
	u := or(c["content_type"], "json")
	if wu.Scheme == "https" {
		u += "s"
	}
	u += "://" + wu.Host
	if o.reveal {
		u += wu.EscapedPath()
	} else if wu.Path != "" && wu.Path != "/" {
		u += "/" + Masked
	}
	var kv []string
	if c["method"] != "" {
		kv = append(kv, "method", c["method"])
	}
	var headers map[string]string
	_ = json.Unmarshal([]byte(c["headers"]), &headers)
	for _, k := range sortedKeys(headers) {
		kv = append(kv, "+"+k, o.hide(headers[k]))
	}
	for _, k := range sortedKeys(wu.Query()) {
		kv = append(kv, "-"+k, o.hide(wu.Query().Get(k)))
	}
	return u + query(kv...), nil
}

// --- WxPusher: wxpusher://{token}/{targets} (wxpusher.py): UID_… users,
// numbers topics.

func aWxPusher(p *parts) (map[string]string, error) {
	if err := aOnly(p, "token", "to"); err != nil {
		return nil, err
	}
	token, targets := p.authority, append(slices.Clone(p.segs), channel.SplitList(p.get("to"))...)
	if t := p.get("token"); t != "" {
		token = t
		if p.authority != "" {
			targets = append(targets, p.authority)
		}
	}
	var uids, topics []string
	for i, t := range targets {
		switch {
		case strings.HasPrefix(strings.ToUpper(t), "UID_"):
			uids = append(uids, t)
		case isNumber(t):
			topics = append(topics, t)
		default:
			return nil, p.errf("serviceurl.path.bad", "N", i+1, "Want", "UID_… / 123")
		}
	}
	return map[string]string{"app_token": token, "uids": strings.Join(uids, ","), "topic_ids": strings.Join(topics, ",")}, nil
}

func isNumber(v string) bool {
	_, err := strconv.Atoi(v)
	return err == nil
}

func fWxPusher(c channel.Config, o *out) (string, error) {
	u := "wxpusher://" + o.secret(c["app_token"]) + "/"
	for _, t := range append(c.List("uids"), c.List("topic_ids")...) {
		u += esc(t) + "/"
	}
	return u, nil
}

// --- WeCom app: wechat://{corpid}:{secret}@{agentid}/{targets}
// (wechat.py): @user or user; #department and +tag Herald cannot send to.

func aWeChat(p *parts) (map[string]string, error) {
	if err := aOnly(p, "to"); err != nil {
		return nil, err
	}
	if p.user == "" || !p.hasPass {
		return nil, p.errf("serviceurl.user.missing", "What", "{corpid}:{secret}")
	}
	if p.authority == "" {
		return nil, p.errf("serviceurl.host.missing", "What", "{agentid}")
	}
	var users []string
	for i, t := range append(slices.Clone(p.segs), channel.SplitList(p.get("to"))...) {
		switch {
		case strings.HasPrefix(t, "#") || strings.HasPrefix(t, "+"):
			return nil, p.errf("serviceurl.path.bad", "N", i+1, "Want", "@user")
		case strings.EqualFold(t, "@all") || strings.EqualFold(t, "all"):
			users = append(users, "@all")
		default:
			users = append(users, strings.TrimPrefix(t, "@"))
		}
	}
	return map[string]string{"corp_id": p.user, "secret": p.pass, "agent_id": p.authority, "to_user": strings.Join(users, "|")}, nil
}

func fWeChat(c channel.Config, o *out) (string, error) {
	u := "wechat://" + escUser(c["corp_id"]) + ":" + o.secretUser(c["secret"]) + "@" + esc(c["agent_id"]) + "/"
	for _, t := range c.List("to_user") {
		if t != "@all" {
			t = "@" + t
		}
		u += strings.ReplaceAll(esc(t), "%40", "@") + "/"
	}
	return u, nil
}

// --- Mailgun: mailgun://{user}@{domain}/{apikey}/{targets}?from=&region=
// (mailgun.py): the sender is user@domain unless ?from= names one.

func aMailgun(p *parts) (map[string]string, error) {
	if err := aOnly(p, "from", "name", "region", "to", "cc", "bcc", "batch"); err != nil {
		return nil, err
	}
	for _, n := range []string{"cc", "bcc"} {
		if p.get(n) != "" {
			return nil, p.errf("serviceurl.query.unsupported", "Name", n)
		}
	}
	if err := p.needHost("{domain}"); err != nil {
		return nil, err
	}
	if len(p.segs) == 0 {
		return nil, p.errf("serviceurl.path.missing", "What", "{apikey}")
	}
	from := p.get("from")
	if from == "" && p.user != "" {
		from = p.user + "@" + p.host
	}
	if name := p.get("name"); name != "" && from != "" {
		from = name + " <" + from + ">"
	}
	return map[string]string{"api_key": p.segs[0], "domain": p.host, "from": from,
		"to": list(p.segs[1:], p.q["to"]), "region": strings.ToLower(p.get("region"))}, nil
}

func fMailgun(c channel.Config, o *out) (string, error) {
	local, domain, _ := strings.Cut(c["from"], "@")
	from := c["from"]
	if domain == c["domain"] && !strings.ContainsAny(local, " <") {
		from = ""
	} else {
		local = "noreply"
	}
	u := "mailgun://" + escUser(local) + "@" + c["domain"] + "/" + o.secret(c["api_key"]) + "/"
	for _, to := range c.List("to") {
		u += esc(to) + "/"
	}
	region := c["region"]
	if region == "us" {
		region = ""
	}
	return u + query("from", from, "region", region), nil
}
