package serviceurl

import (
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/heraldpush/herald/engine/channel"
)

// Apprise's schemes of the chat, push and self-hosted kinds, read as
// their plugins' parse_url do (caronc/apprise, apprise/plugins/<name>.py).

func init() {
	register(
		&scheme{names: []string{"discord"}, style: Apprise, kind: "discord", service: "Discord", parse: aDiscord, format: fDiscord,
			claims: func(p *parts) bool { return !shoutrrrDiscord(p) }},
		&scheme{names: []string{"slack"}, style: Apprise, kind: "slack", service: "Slack", parse: aSlack, format: fSlack},
		&scheme{names: []string{"pover"}, style: Apprise, kind: "pushover", service: "Pushover", parse: aPushover, format: fPushover},
		&scheme{names: []string{"matrix", "matrixs"}, style: Apprise, kind: "matrix", service: "Matrix", parse: aMatrix, format: fMatrix},
		&scheme{names: []string{"signal", "signals"}, style: Apprise, kind: "signal", service: "Signal", parse: aSignal, format: fSignal},
		&scheme{names: []string{"workflow", "workflows"}, style: Apprise, kind: "teams", service: "Microsoft Teams", parse: aWorkflows, format: fWorkflows},
		&scheme{names: []string{"msteams"}, style: Apprise, kind: "teams", service: "Microsoft Teams", parse: aMSTeams},
		&scheme{names: []string{"gchat"}, style: Apprise, kind: "google_chat", service: "Google Chat", parse: aGChat, format: fGChat},
		&scheme{names: []string{"hassio", "hassios"}, style: Apprise, kind: "homeassistant", service: "Home Assistant", parse: aHassio, format: fHassio},
		&scheme{names: []string{"mmost", "mmosts"}, style: Apprise, kind: "mattermost", service: "Mattermost", parse: aMattermost, format: fMattermost},
		&scheme{names: []string{"rocket", "rockets"}, style: Apprise, kind: "rocketchat", service: "Rocket.Chat", parse: aRocket, format: fRocket},
		&scheme{names: []string{"pbul"}, style: Apprise, kind: "pushbullet", service: "Pushbullet", parse: aPushbullet, format: fPushbullet},
		&scheme{names: []string{"apprise", "apprises"}, style: Apprise, kind: "apprise", service: "Apprise API", parse: aAppriseAPI, format: fAppriseAPI},
		&scheme{names: []string{"pushdeer", "pushdeers"}, style: Apprise, kind: "pushdeer", service: "PushDeer", parse: aPushDeer, format: fPushDeer},
		&scheme{names: []string{"pushme"}, style: Apprise, kind: "pushme", service: "PushMe", parse: aPushMe, format: fPushMe},
		&scheme{names: []string{"qq"}, style: Apprise, kind: "qmsg", service: "Qmsg (QQ)", parse: aQQ, format: fQQ},
		&scheme{names: []string{"synology", "synologys"}, style: Apprise, kind: "synology_chat", service: "Synology Chat", parse: aSynology, format: fSynology},
	)
}

// refuse errs on the first of names the query sets: options Herald
// cannot honour.
func (p *parts) refuse(names ...string) error {
	for _, n := range names {
		if p.get(n) != "" {
			return p.errf("serviceurl.query.unsupported", "Name", n)
		}
	}
	return nil
}

// refuseYes errs on a boolean option set to yes that Herald cannot honour.
func (p *parts) refuseYes(names ...string) error {
	for _, n := range names {
		if on, err := p.yes(n, false); err != nil || on {
			return p.errf("serviceurl.query.unsupported", "Name", n)
		}
	}
	return nil
}

// targets are the path's segments and ?to='s list.
func (p *parts) targets() []string {
	return append(slices.Clone(p.segs), channel.SplitList(p.get("to"))...)
}

// httpOf is http:// for a plain scheme, https:// for its secure form
// (the one ending in s).
func (p *parts) httpOf(plain string) string {
	if p.scheme == plain {
		return "http://"
	}
	return "https://"
}

// webURL takes a config's URL field apart for a formatter; style names
// the URL in the error.
func webURL(c channel.Config, key string, style Style) (*url.URL, error) {
	u, err := url.Parse(c[key])
	if err != nil || u.Host == "" {
		return nil, formatField(key, style)
	}
	return u, nil
}

// defaultOnly refuses a field (an API base) set to other than its default:
// the URL has no place for it.
func defaultOnly(c channel.Config, key, def string, style Style) error {
	if v := strings.TrimRight(c[key], "/"); v != "" && v != def {
		return formatField(key, style)
	}
	return nil
}

// noUserPart refuses a user name or password the style cannot write.
func noUserPart(u *url.URL, key string, style Style) error {
	if u.User != nil {
		return formatField(key, style)
	}
	return nil
}

// --- Discord: discord://[{botname}@]{webhook_id}/{webhook_token}
// ?avatar_url=&thread= (discord.py)

const discordHooks = "https://discord.com/api/webhooks/"

func aDiscord(p *parts) (map[string]string, error) {
	if err := aOnly(p, "tts", "avatar", "avatar_url", "footer", "footer_logo", "image", "fields", "botname", "flags", "href", "url", "thread", "ping", "template", "batch"); err != nil {
		return nil, err
	}
	if err := p.refuse("flags", "href", "url", "ping", "template"); err != nil {
		return nil, err
	}
	if err := p.refuseYes("tts"); err != nil {
		return nil, err
	}
	if p.authority == "" {
		return nil, p.errf("serviceurl.host.missing", "What", "{webhook_id}")
	}
	token, err := p.one(p.segs, "{webhook_token}")
	if err != nil {
		return nil, err
	}
	return map[string]string{"url": discordHooks + esc(p.authority) + "/" + esc(token),
		"username": or(p.get("botname"), p.user), "avatar_url": p.get("avatar_url"), "thread_id": p.get("thread")}, nil
}

// discordParts are the webhook id and token of the url field.
func discordParts(c channel.Config, style Style) (id, token string, err error) {
	if err := defaultOnly(c, "api", "https://discord.com/api", style); err != nil {
		return "", "", err
	}
	v := c["url"]
	if u, perr := url.Parse(v); perr == nil && u.Host != "" {
		v = u.Path
	}
	segs := strings.Split(strings.Trim(v, "/"), "/")
	if len(segs) < 2 {
		return "", "", formatField("url", style)
	}
	return segs[len(segs)-2], segs[len(segs)-1], nil
}

func fDiscord(c channel.Config, o *out) (string, error) {
	id, token, err := discordParts(c, Apprise)
	if err != nil {
		return "", err
	}
	return "discord://" + o.secret(id) + "/" + o.secret(token) + "/" +
		query("botname", c["username"], "avatar_url", c["avatar_url"], "thread", c["thread_id"]), nil
}

// --- Slack: slack://[{botname}@]{token_a}/{token_b}/{token_c}
// (slack.py's webhook mode); its bot mode (slack://xoxb-…) and workflows
// Herald cannot send through, nor can it pick the webhook's channel.

const slackHooks = "https://hooks.slack.com/services/"

func aSlack(p *parts) (map[string]string, error) {
	if err := aOnly(p, "token", "to", "image", "timestamp", "blocks", "footer", "mode", "template", "botname", "user"); err != nil {
		return nil, err
	}
	if err := p.refuse("mode", "template", "botname"); err != nil {
		return nil, err
	}
	if p.user != "" {
		return nil, p.errf("serviceurl.user.unsupported", "What", "{botname}")
	}
	tokens := append([]string{p.authority}, p.segs...)
	if t := p.get("token"); t != "" {
		tokens = append(strings.Split(t, "/"), p.segs...)
	}
	if strings.HasPrefix(tokens[0], "xo") {
		return nil, p.errf("serviceurl.slack.bot")
	}
	if len(tokens) < 3 || tokens[0] == "" {
		return nil, p.errf("serviceurl.path.missing", "What", "{token_b}/{token_c}")
	}
	if len(tokens) > 3 || p.get("to") != "" {
		return nil, p.errf("serviceurl.path.unsupported", "What", "{targets}")
	}
	return map[string]string{"url": slackHooks + strings.Join(tokens, "/")}, nil
}

// slackTokens are the three tokens of the url field's webhook.
func slackTokens(c channel.Config, style Style) ([]string, error) {
	u, err := webURL(c, "url", style)
	if err != nil {
		return nil, err
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(segs) != 4 || segs[0] != "services" {
		return nil, formatField("url", style)
	}
	return segs[1:], nil
}

func fSlack(c channel.Config, o *out) (string, error) {
	t, err := slackTokens(c, Apprise)
	if err != nil {
		return "", err
	}
	return "slack://" + o.secret(t[0]) + "/" + o.secret(t[1]) + "/" + o.secret(t[2]) + "/", nil
}

// --- Pushover: pover://{user_key}@{token}/{devices}?priority=&sound=
// &url=&url_title=&expire=&interval= (pushover.py)

func aPushover(p *parts) (map[string]string, error) {
	if err := aOnly(p, "priority", "sound", "url", "url_title", "expire", "interval", "to", "key", "e2ee", "image"); err != nil {
		return nil, err
	}
	if err := p.refuse("key", "e2ee"); err != nil {
		return nil, err
	}
	if p.user == "" {
		return nil, p.errf("serviceurl.user.missing", "What", "{user_key}")
	}
	if p.authority == "" {
		return nil, p.errf("serviceurl.host.missing", "What", "{token}")
	}
	return map[string]string{"token": p.authority, "user": p.user, "device": strings.Join(p.targets(), ","),
		"priority": pushoverPriority(p.get("priority")), "sound": p.get("sound"), "url": p.get("url"),
		"url_title": p.get("url_title"), "expire": p.get("expire"), "retry": p.get("interval")}, nil
}

// pushoverPriority maps pushover.py's priority names (by first letter,
// as its PUSHOVER_PRIORITY_MAP) to Pushover's numbers.
func pushoverPriority(v string) string {
	if v == "" || isNumber(v) {
		return v
	}
	names := map[byte]string{'l': "-2", 'm': "-1", 'n': "0", 'h': "1", 'e': "2"}
	if n, ok := names[strings.ToLower(v)[0]]; ok {
		return n
	}
	return v
}

func fPushover(c channel.Config, o *out) (string, error) {
	if err := defaultOnly(c, "api", "https://api.pushover.net", Apprise); err != nil {
		return "", err
	}
	if c["ttl"] != "" {
		return "", formatField("ttl", Apprise)
	}
	u := "pover://" + escUser(c["user"]) + "@" + o.secret(c["token"]) + "/"
	for _, d := range c.List("device") {
		u += esc(d) + "/"
	}
	return u + query("priority", c["priority"], "sound", c["sound"], "url", c["url"], "url_title", c["url_title"],
		"expire", c["expire"], "interval", c["retry"]), nil
}

// --- Matrix: matrix[s]://{token}@{host}[:{port}]/{room}?msgtype=
// (matrix/base.py); its user:password login and t2bot webhooks Herald
// has no use for: it posts with an access token.

func aMatrix(p *parts) (map[string]string, error) {
	if err := aOnly(p, "to", "image", "discovery", "hsreq", "path", "e2ee", "mode", "msgtype", "token", "version", "v"); err != nil {
		return nil, err
	}
	if err := p.refuse("path"); err != nil {
		return nil, err
	}
	if err := p.refuseYes("e2ee"); err != nil {
		return nil, err
	}
	if m := strings.ToLower(p.get("mode")); m != "" && m != "off" && m != "matrix" { // slack, t2bot, hookshot: webhooks
		return nil, p.errf("serviceurl.query.unsupported", "Name", "mode")
	}
	token := or(p.get("token"), p.user)
	if p.hasPass && p.get("token") == "" {
		return nil, p.errf("serviceurl.matrix.login")
	}
	if token == "" {
		return nil, p.errf("serviceurl.user.missing", "What", "{token}")
	}
	if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	room, err := p.one(p.targets(), "{room}")
	if err != nil {
		return nil, err
	}
	msgtype := strings.ToLower(p.get("msgtype"))
	if msgtype != "" {
		msgtype = "m." + strings.TrimPrefix(msgtype, "m.")
	}
	hsreq, err := p.yes("hsreq", true)
	if err != nil {
		return nil, err
	}
	return map[string]string{"homeserver": p.httpOf("matrix") + p.hostPort(), "access_token": token,
		"room": matrixRoom(room, p.host, hsreq), "msgtype": msgtype}, nil
}

// matrixRoom completes a room as matrix/base.py does: a bare name is an
// alias (#), which gets the URL's server; a room id (!) too unless
// hsreq=no.
func matrixRoom(room, server string, hsreq bool) string {
	if !strings.HasPrefix(room, "!") && !strings.HasPrefix(room, "#") {
		room = "#" + room
	}
	if !strings.Contains(room, ":") && (hsreq || strings.HasPrefix(room, "#")) {
		room += ":" + server
	}
	return room
}

func fMatrix(c channel.Config, o *out) (string, error) {
	hs, err := webURL(c, "homeserver", Apprise)
	if err != nil || strings.Trim(hs.Path, "/") != "" {
		return "", formatField("homeserver", Apprise)
	}
	u := "matrix://"
	if hs.Scheme == "https" {
		u = "matrixs://"
	}
	room, hsreq := c["room"], ""
	if !strings.Contains(room, ":") {
		if !strings.HasPrefix(room, "!") { // Apprise would put the host's name after it
			return "", formatField("room", Apprise)
		}
		hsreq = "no"
	}
	return u + o.secretUser(c["access_token"]) + "@" + hs.Host + "/" + esc(room) + "/" +
		query("msgtype", strings.TrimPrefix(c["msgtype"], "m."), "hsreq", hsreq), nil
}

// --- Signal: signal[s]://[{user}:{password}@]{host}[:{port}]/{from_phone}
// /{targets} (signal_api.py)

func aSignal(p *parts) (map[string]string, error) {
	if err := aOnly(p, "from", "source", "to", "batch", "status", "image"); err != nil {
		return nil, err
	}
	if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	targets := slices.Clone(p.segs)
	from := p.get("from", "source")
	if from == "" && len(targets) > 0 {
		from, targets = targets[0], targets[1:]
	}
	if from == "" {
		return nil, p.errf("serviceurl.path.missing", "What", "{from_phone}")
	}
	targets = append(targets, channel.SplitList(p.get("to"))...)
	if len(targets) == 0 {
		return nil, p.errf("serviceurl.path.missing", "What", "{targets}")
	}
	return map[string]string{"server": p.httpOf("signal") + p.hostPort(), "number": from,
		"recipients": strings.Join(targets, ","), "username": p.user, "password": p.pass}, nil
}

func fSignal(c channel.Config, o *out) (string, error) {
	su, err := webURL(c, "server", Apprise)
	if err != nil || strings.Trim(su.Path, "/") != "" {
		return "", formatField("server", Apprise)
	}
	u := "signal://"
	if su.Scheme == "https" {
		u = "signals://"
	}
	if c["username"] != "" {
		u += escUser(c["username"]) + ":" + o.secretUser(c["password"]) + "@"
	}
	u += su.Host + "/" + esc(c["number"]) + "/"
	for _, r := range c.List("recipients") {
		u += esc(r) + "/"
	}
	return u, nil
}

// --- Microsoft Teams Workflows: workflows://{host}[:{port}]/{workflow}
// /{signature}?pa=&ver= (workflows.py), posted to
// https://{host}/[powerautomate/automations/direct/]workflows/{workflow}
// /triggers/manual/paths/invoke?api-version=…&sp=…&sv=1.0&sig={signature}.

const (
	workflowsAPI = "2016-06-01"         // workflows.py's APIVersion.WORKFLOW
	automateAPI  = "2022-03-01-preview" // APIVersion.POWER_AUTOMATE
	automatePath = "/powerautomate/automations/direct"
)

func aWorkflows(p *parts) (map[string]string, error) {
	if err := aOnly(p, "image", "pa", "powerautomate", "route", "routeid", "wrap", "template", "workflow", "id", "signature", "sig", "api-version", "ver"); err != nil {
		return nil, err
	}
	if err := p.refuse("template", "route", "routeid"); err != nil {
		return nil, err
	}
	if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	segs := slices.Clone(p.segs)
	workflow, sig := p.get("workflow", "id"), p.get("signature", "sig")
	if workflow == "" && len(segs) > 0 {
		workflow, segs = segs[0], segs[1:]
	}
	if sig == "" && len(segs) > 0 {
		sig = segs[0]
	}
	if workflow == "" {
		return nil, p.errf("serviceurl.path.missing", "What", "{workflow}")
	}
	if sig == "" {
		return nil, p.errf("serviceurl.path.missing", "What", "{signature}")
	}
	pa, err := p.yes("pa", false)
	if err == nil && p.q.Has("powerautomate") {
		pa, err = p.yes("powerautomate", false)
	}
	if err != nil {
		return nil, err
	}
	path, ver := "", workflowsAPI
	if pa {
		path, ver = automatePath, automateAPI
	}
	ver = or(p.get("api-version", "ver"), ver)
	q := "api-version=" + url.QueryEscape(ver) + "&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + url.QueryEscape(sig)
	return map[string]string{"url": "https://" + p.hostPort() + path + "/workflows/" + esc(workflow) +
		"/triggers/manual/paths/invoke?" + q}, nil
}

// workflowParts takes a Workflows trigger URL apart for workflows://.
func workflowParts(c channel.Config, style Style) (host, workflow, sig string, pa bool, ver string, err error) {
	u, err := webURL(c, "url", style)
	if err != nil {
		return "", "", "", false, "", err
	}
	path := strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/triggers/manual/paths/invoke")
	pa = strings.HasPrefix(path, automatePath+"/")
	path = strings.TrimPrefix(path, automatePath)
	workflow, ok := strings.CutPrefix(path, "/workflows/")
	q := u.Query()
	if !ok || strings.Contains(workflow, "/") || u.Scheme != "https" || q.Get("sig") == "" || q.Get("sv") != "1.0" ||
		q.Get("sp") != "/triggers/manual/run" || len(q) != 4 {
		return "", "", "", false, "", formatField("url", style)
	}
	return u.Host, workflow, q.Get("sig"), pa, q.Get("api-version"), nil
}

func fWorkflows(c channel.Config, o *out) (string, error) {
	host, workflow, sig, pa, ver, err := workflowParts(c, Apprise)
	if err != nil {
		return "", err
	}
	def := workflowsAPI
	if pa {
		def = automateAPI
	}
	if ver == def {
		ver = ""
	}
	paYes := ""
	if pa {
		paYes = "yes"
	}
	if !o.reveal {
		ver = "" // it would tell the masked path apart
	}
	return "workflows://" + host + "/" + o.secret(workflow) + "/" + o.secret(sig) + "/" + query("pa", paYes, "ver", ver), nil
}

// aMSTeams refuses msteams://: Microsoft has retired the Office 365
// connectors its webhooks belonged to; Teams takes Workflows webhooks.
func aMSTeams(p *parts) (map[string]string, error) {
	return nil, p.errf("serviceurl.teams.connector")
}

// --- Google Chat: gchat://{workspace}/{webhook_key}/{webhook_token}
// [/{thread_key}] (google_chat.py)

const gchatAPI = "https://chat.googleapis.com"

func aGChat(p *parts) (map[string]string, error) {
	if err := aOnly(p, "workspace", "key", "token", "thread", "threadkey"); err != nil {
		return nil, err
	}
	segs := slices.Clone(p.segs)
	pop := func(names ...string) string {
		v := ""
		if len(segs) > 0 {
			v, segs = segs[0], segs[1:]
		}
		return or(p.get(names...), v)
	}
	ws, key, token, thread := or(p.get("workspace"), p.authority), pop("key"), pop("token"), pop("thread", "threadkey")
	for _, need := range [][2]string{{ws, "{workspace}"}, {key, "{webhook_key}"}, {token, "{webhook_token}"}} {
		if need[0] == "" {
			return nil, p.errf("serviceurl.path.missing", "What", need[1])
		}
	}
	if len(segs) > 0 {
		return nil, p.errf("serviceurl.path.many", "What", "{thread_key}")
	}
	return map[string]string{"url": gchatAPI + "/v1/spaces/" + esc(ws) + "/messages?key=" + url.QueryEscape(key) +
		"&token=" + url.QueryEscape(token), "thread_key": thread}, nil
}

// gchatParts are the space, key and token of the url field's webhook.
func gchatParts(c channel.Config, style Style) (space, key, token string, err error) {
	if err := defaultOnly(c, "api", gchatAPI, style); err != nil {
		return "", "", "", err
	}
	u, err := webURL(c, "url", style)
	if err != nil {
		return "", "", "", err
	}
	space, ok := strings.CutPrefix(u.Path, "/v1/spaces/")
	space, ok2 := strings.CutSuffix(space, "/messages")
	q := u.Query()
	if !ok || !ok2 || u.Host != "chat.googleapis.com" || q.Get("key") == "" || q.Get("token") == "" || len(q) != 2 {
		return "", "", "", formatField("url", style)
	}
	return space, q.Get("key"), q.Get("token"), nil
}

func fGChat(c channel.Config, o *out) (string, error) {
	space, key, token, err := gchatParts(c, Apprise)
	if err != nil {
		return "", err
	}
	u := "gchat://" + o.secret(space) + "/" + o.secret(key) + "/" + o.secret(token) + "/"
	if c["thread_key"] != "" {
		u += esc(c["thread_key"]) + "/"
	}
	return u, nil
}

// --- Home Assistant: hassio[s]://{host}[:{port}]/{accesstoken}
// [/{service}]?prefix= (home_assistant.py): http on port 8123 unless
// given; no service is a persistent notification; a service is
// [notify.]{name}, Herald's only domain, without :{targets}.

var hassToken = regexp.MustCompile(`(?i)^([0-9a-f]{8}\.[0-9a-f]{64}|[a-z0-9_-]+\.[a-z0-9_-]+\.[a-z0-9_-]+)$`) // RE_IS_LONG_LIVED_TOKEN

func aHassio(p *parts) (map[string]string, error) {
	if err := aOnly(p, "accesstoken", "token", "to", "prefix", "batch", "nid"); err != nil {
		return nil, err
	}
	if err := p.refuse("nid"); err != nil {
		return nil, err
	}
	if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	if p.hasUser {
		return nil, p.errf("serviceurl.user.unsupported", "What", "{user}:{password}")
	}
	token, targets, err := p.hassTargets()
	if err != nil {
		return nil, err
	}
	service := ""
	if len(targets) > 0 {
		if service, err = p.one(targets, "{service}"); err != nil {
			return nil, err
		}
		domain, name, ok := strings.Cut(service, ".")
		if strings.Contains(service, ":") || (ok && domain != "notify") {
			return nil, p.errf("serviceurl.path.bad", "N", slices.Index(p.segs, service)+1, "Want", "notify.{service}")
		}
		service = or(name, domain)
	}
	host := p.hostPort()
	switch {
	case p.scheme == "hassio" && p.port == "":
		host += ":8123" // home_assistant.py's default_insecure_port
	case p.scheme == "hassio" && p.port == "80":
		host = p.host // http's own port, as Herald writes it
	}
	prefix := strings.Trim(p.get("prefix"), "/")
	if prefix != "" {
		prefix = "/" + prefix
	}
	return map[string]string{"server": p.httpOf("hassio") + host + prefix, "token": token, "service": service}, nil
}

// hassTargets are the token and the services, found as home_assistant.py
// does: ?token=, else the segment looking like one, else the last.
func (p *parts) hassTargets() (string, []string, error) {
	segs, token := p.segs, p.get("accesstoken", "token")
	if token == "" {
		i := slices.IndexFunc(segs, hassToken.MatchString)
		if i < 0 {
			i = len(segs) - 1
		}
		if i < 0 {
			return "", nil, p.errf("serviceurl.path.missing", "What", "{accesstoken}")
		}
		token, segs = segs[i], append(slices.Clone(segs[i+1:]), segs[:i]...)
	}
	return token, append(slices.Clone(segs), channel.SplitList(p.get("to"))...), nil
}

func fHassio(c channel.Config, o *out) (string, error) {
	if c["data"] != "" {
		return "", formatField("data", Apprise)
	}
	su, err := webURL(c, "server", Apprise)
	if err != nil {
		return "", err
	}
	if err := noUserPart(su, "server", Apprise); err != nil {
		return "", err
	}
	u := "hassios://" + su.Host
	if su.Scheme == "http" {
		u = "hassio://" + su.Hostname() + ":" + or(su.Port(), "80")
	}
	service, token := c["service"], ""
	if service == "persistent_notification" {
		service = ""
	}
	if service != "" && !hassToken.MatchString(c["token"]) {
		token = o.hide(c["token"]) // else the path's last segment would be the token
	} else {
		u += "/" + o.secret(c["token"])
	}
	if service != "" {
		u += "/" + esc(service)
	}
	return u + "/" + query("token", token, "prefix", strings.TrimRight(su.Path, "/")), nil
}

// --- Mattermost: mmost[s]://[{botname}@]{host}[:{port}][/{path}]/{token}
// ?channel=&icon_url= (mattermost.py's webhook mode)

func aMattermost(p *parts) (map[string]string, error) {
	if err := aOnly(p, "to", "channel", "channels", "image", "mode", "team", "botname", "icon_url"); err != nil {
		return nil, err
	}
	if err := p.refuse("team"); err != nil {
		return nil, err
	}
	if m := strings.ToLower(p.get("mode")); m != "" && !strings.HasPrefix("webhook", m) {
		return nil, p.errf("serviceurl.query.unsupported", "Name", "mode")
	}
	if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	if len(p.segs) == 0 {
		return nil, p.errf("serviceurl.path.missing", "What", "{token}")
	}
	var chans []string
	for _, n := range []string{"to", "channel", "channels"} {
		chans = append(chans, channel.SplitList(p.get(n))...)
	}
	ch := ""
	if len(chans) > 0 {
		var err error
		if ch, err = p.one(chans, "channel"); err != nil {
			return nil, err
		}
	}
	return map[string]string{"url": p.httpOf("mmost") + p.hostPort() + segPath(p.segs[:len(p.segs)-1]) + "/hooks/" + esc(p.segs[len(p.segs)-1]),
		"channel": ch, "username": or(p.get("botname"), p.user), "icon_url": p.get("icon_url")}, nil
}

// hookParts are a Mattermost or Rocket.Chat webhook URL's base (scheme,
// host and path before /hooks/) and what follows /hooks/.
func hookParts(c channel.Config, style Style) (base *url.URL, token string, err error) {
	u, err := webURL(c, "url", style)
	if err != nil {
		return nil, "", err
	}
	i := strings.LastIndex(u.Path, "/hooks/")
	if i < 0 || u.RawQuery != "" || u.User != nil {
		return nil, "", formatField("url", style)
	}
	token = strings.Trim(u.Path[i+len("/hooks/"):], "/")
	u.Path, u.RawPath = u.Path[:i], ""
	return u, token, nil
}

func fMattermost(c channel.Config, o *out) (string, error) {
	if c["icon_emoji"] != "" {
		return "", formatField("icon_emoji", Apprise)
	}
	if c.Bool("card") {
		return "", formatField("card", Apprise)
	}
	base, token, err := hookParts(c, Apprise)
	if err != nil {
		return "", err
	}
	u := "mmost://"
	if base.Scheme == "https" {
		u = "mmosts://"
	}
	if c["username"] != "" {
		u += escUser(c["username"]) + "@"
	}
	return u + base.Host + base.EscapedPath() + "/" + o.secret(token) + "/" +
		query("channel", c["channel"], "icon_url", c["icon_url"]), nil
}

// --- Rocket.Chat: rocket[s]://{token_a}%2F{token_b}@{host}[:{port}]
// /{#channel or @user} (rocketchat.py's webhook mode)

func aRocket(p *parts) (map[string]string, error) {
	if err := aOnly(p, "mode", "avatar", "to", "webhook"); err != nil {
		return nil, err
	}
	if m := strings.ToLower(p.get("mode")); m != "" && m != "webhook" {
		return nil, p.errf("serviceurl.query.unsupported", "Name", "mode")
	}
	if !p.hasUser && len(p.segs) > 0 && strings.Contains(p.segs[0], "@") {
		// rocketchat.py reads rocket://{a}/{b}@{host}: the webhook's slash
		// unescaped before the host.
		b, host, _ := strings.Cut(p.segs[0], "@")
		p.user, p.segs = p.authority+"/"+b, p.segs[1:]
		if err := p.setAuthority(host); err != nil {
			return nil, err
		}
	}
	if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	hook := or(p.get("webhook"), p.user)
	if p.hasPass || !strings.Contains(hook, "/") {
		return nil, p.errf("serviceurl.user.missing", "What", "{webhook}")
	}
	ch := ""
	if t := p.targets(); len(t) > 0 {
		var err error
		if ch, err = p.one(t, "{channel}"); err != nil {
			return nil, err
		}
		if !strings.HasPrefix(ch, "@") && !strings.HasPrefix(ch, "#") {
			ch = "#" + ch
		}
	}
	return map[string]string{"url": p.httpOf("rocket") + p.hostPort() + "/hooks/" + hook, "channel": ch}, nil
}

func fRocket(c channel.Config, o *out) (string, error) {
	for _, k := range []string{"alias", "avatar", "emoji"} {
		if c[k] != "" {
			return "", formatField(k, Apprise)
		}
	}
	base, token, err := hookParts(c, Apprise)
	if err != nil {
		return "", err
	}
	a, b, ok := strings.Cut(token, "/")
	if !ok || strings.Trim(base.Path, "/") != "" {
		return "", formatField("url", Apprise)
	}
	u := "rocket://"
	if base.Scheme == "https" {
		u = "rockets://"
	}
	u += o.secretUser(a) + "%2F" + o.secretUser(b) + "@" + base.Host + "/"
	if ch := c["channel"]; ch != "" {
		u += strings.ReplaceAll(esc(ch), "%40", "@") + "/"
	}
	return u, nil
}

// --- Pushbullet: pbul://{accesstoken}/{target} (pushbullet.py): a
// device's iden, #channel or an e-mail address.

func aPushbullet(p *parts) (map[string]string, error) {
	if err := aOnly(p, "to"); err != nil {
		return nil, err
	}
	if err := p.noUser(); err != nil {
		return nil, err
	}
	raw := map[string]string{"token": p.authority}
	if t := p.targets(); len(t) > 0 {
		target, err := p.one(t, "{target}")
		if err != nil {
			return nil, err
		}
		pushbulletTarget(raw, target)
	}
	return raw, nil
}

// pushbulletTarget files a target as pushbullet.py tells them apart.
func pushbulletTarget(raw map[string]string, t string) {
	switch {
	case strings.HasPrefix(t, "#"):
		raw["channel_tag"] = t[1:]
	case strings.Contains(t, "@"):
		raw["email"] = t
	default:
		raw["device_iden"] = t
	}
}

// pushbulletTarget is the config's one target, #channel, e-mail or iden.
func pushbulletTargetOf(c channel.Config, style Style) (string, error) {
	if err := defaultOnly(c, "api", "https://api.pushbullet.com", style); err != nil {
		return "", err
	}
	switch {
	case c["channel_tag"] != "":
		return "%23" + esc(c["channel_tag"]), nil
	case c["email"] != "":
		return strings.ReplaceAll(esc(c["email"]), "%40", "@"), nil
	}
	return esc(c["device_iden"]), nil
}

func fPushbullet(c channel.Config, o *out) (string, error) {
	t, err := pushbulletTargetOf(c, Apprise)
	if err != nil {
		return "", err
	}
	return "pbul://" + o.secret(c["token"]) + "/" + t, nil
}

// --- Apprise API: apprise[s]://[{user}:{password}@]{host}[:{port}]
// [/{path}]/{token}?tags= (apprise_api.py); the token is the saved
// configuration's key.

func aAppriseAPI(p *parts) (map[string]string, error) {
	if err := aOnly(p, "tags", "token", "to", "method", "+"); err != nil {
		return nil, err
	}
	for _, k := range p.keys {
		if strings.HasPrefix(k, "+") {
			return nil, p.errf("serviceurl.query.unsupported", "Name", k)
		}
	}
	if m := strings.ToLower(p.get("method")); m != "" && m != "json" {
		return nil, p.errf("serviceurl.query.unsupported", "Name", "method")
	}
	if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	segs, key := p.segs, p.get("token", "to")
	if key == "" {
		if len(segs) == 0 {
			return nil, p.errf("serviceurl.path.missing", "What", "{token}")
		}
		key, segs = segs[len(segs)-1], segs[:len(segs)-1]
	}
	return map[string]string{"server": p.httpOf("apprise") + p.hostPort() + segPath(segs), "key": key,
		"tag": p.get("tags"), "username": p.user, "password": p.pass}, nil
}

func fAppriseAPI(c channel.Config, o *out) (string, error) {
	if c["key"] == "" { // Apprise's URL always names a saved configuration
		return "", formatField("urls", Apprise)
	}
	su, err := webURL(c, "server", Apprise)
	if err != nil {
		return "", err
	}
	u := "apprise://"
	if su.Scheme == "https" {
		u = "apprises://"
	}
	if c["username"] != "" {
		u += escUser(c["username"]) + ":" + o.secretUser(c["password"]) + "@"
	}
	return u + su.Host + strings.TrimRight(su.EscapedPath(), "/") + "/" + esc(c["key"]) + "/" + query("tags", c["tag"]), nil
}

// --- PushDeer: pushdeer[s]://[{host}[:{port}]/]{pushkey} (pushdeer.py):
// without a host, api2.pushdeer.com.

const pushdeerAPI = "https://api2.pushdeer.com"

func aPushDeer(p *parts) (map[string]string, error) {
	if err := aOnly(p); err != nil {
		return nil, err
	}
	if err := p.noUser(); err != nil {
		return nil, err
	}
	if len(p.segs) == 0 {
		return map[string]string{"key": p.authority}, nil
	}
	if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	key, err := p.one(p.segs, "{pushkey}")
	if err != nil {
		return nil, err
	}
	return map[string]string{"key": key, "api": p.httpOf("pushdeer") + p.hostPort()}, nil
}

func fPushDeer(c channel.Config, o *out) (string, error) {
	api := strings.TrimRight(c["api"], "/")
	if api == "" || api == pushdeerAPI {
		return "pushdeer://" + o.secret(c["key"]) + "/", nil
	}
	su, err := webURL(c, "api", Apprise)
	if err != nil || strings.Trim(su.Path, "/") != "" || su.User != nil {
		return "", formatField("api", Apprise)
	}
	u := "pushdeer://"
	if su.Scheme == "https" {
		u = "pushdeers://"
	}
	return u + su.Host + "/" + o.secret(c["key"]) + "/", nil
}

// --- PushMe: pushme://{token} (pushme.py)

func aPushMe(p *parts) (map[string]string, error) {
	if err := aOnly(p, "token", "push_key", "status"); err != nil {
		return nil, err
	}
	if err := p.noUser(); err != nil {
		return nil, err
	}
	return map[string]string{"key": or(p.get("token", "push_key"), p.authority)}, nil
}

func fPushMe(c channel.Config, o *out) (string, error) {
	if err := defaultOnly(c, "api", "https://push.i-i.me", Apprise); err != nil {
		return "", err
	}
	if strings.Contains(c["key"], ",") {
		return "", formatField("key", Apprise)
	}
	return "pushme://" + o.secret(c["key"]) + "/", nil
}

// --- Qmsg: qq://{token} (qq.py): Qmsg酱's private pushes to every QQ
// number the key's management page lists.

func aQQ(p *parts) (map[string]string, error) {
	if err := aOnly(p, "token"); err != nil {
		return nil, err
	}
	if err := p.noUser(); err != nil {
		return nil, err
	}
	return map[string]string{"key": p.token("token")}, nil
}

func fQQ(c channel.Config, o *out) (string, error) {
	if err := defaultOnly(c, "api", "https://qmsg.zendee.cn", Apprise); err != nil {
		return "", err
	}
	for _, k := range []string{"type", "qq"} {
		if c[k] != "" && c[k] != "private" {
			return "", formatField(k, Apprise)
		}
	}
	return "qq://" + o.secret(c["key"]) + "/", nil
}

// --- Synology Chat: synology[s]://{host}[:{port}]/{token} (synology.py),
// posted to /webapi/entry.cgi?api=SYNO.Chat.External&method=incoming
// &version=2&token="{token}".

func aSynology(p *parts) (map[string]string, error) {
	if err := aOnly(p, "token", "file_url", "+"); err != nil {
		return nil, err
	}
	for _, k := range p.keys {
		if strings.HasPrefix(k, "+") {
			return nil, p.errf("serviceurl.query.unsupported", "Name", k)
		}
	}
	if err := p.refuse("file_url"); err != nil {
		return nil, err
	}
	if p.hasUser {
		return nil, p.errf("serviceurl.user.unsupported", "What", "{user}:{password}")
	}
	if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	segs, token := p.segs, p.get("token")
	if token == "" {
		if len(segs) == 0 {
			return nil, p.errf("serviceurl.path.missing", "What", "{token}")
		}
		token, segs = segs[0], segs[1:]
	}
	return map[string]string{"url": p.httpOf("synology") + p.hostPort() + segPath(segs) +
		"/webapi/entry.cgi?api=SYNO.Chat.External&method=incoming&version=2&token=" + url.QueryEscape(`"`+token+`"`)}, nil
}

// synologyParts are the NAS's address (scheme, host, path) and the token
// of a webhook URL.
func synologyParts(c channel.Config, style Style) (*url.URL, string, error) {
	u, err := webURL(c, "url", style)
	if err != nil {
		return nil, "", err
	}
	q := u.Query()
	base, ok := strings.CutSuffix(u.Path, "/webapi/entry.cgi")
	if !ok || u.User != nil || len(q) != 4 || q.Get("version") != "2" {
		return nil, "", formatField("url", style)
	}
	u.Path, u.RawPath, u.RawQuery = base, "", ""
	return u, strings.Trim(q.Get("token"), `"`), nil
}

func fSynology(c channel.Config, o *out) (string, error) {
	base, token, err := synologyParts(c, Apprise)
	if err != nil {
		return "", err
	}
	u := "synology://"
	if base.Scheme == "https" {
		u = "synologys://"
	}
	// synology.py: the path after the token goes before /webapi.
	return u + base.Host + "/" + o.secret(token) + base.EscapedPath() + "/", nil
}
