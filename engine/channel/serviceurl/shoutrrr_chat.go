package serviceurl

import (
	"net/url"
	"slices"
	"strings"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/kinds"
)

// shoutrrr's schemes of the chat and push kinds, read as their configs'
// SetURL do (nicholas-fedor/shoutrrr, pkg/services/*/*_config.go).

func init() {
	register(
		&scheme{names: []string{"discord"}, style: Shoutrrr, kind: "discord", service: "Discord", parse: sDiscord, format: gDiscord,
			claims: shoutrrrDiscord},
		&scheme{names: []string{"slack"}, style: Shoutrrr, kind: "slack", service: "Slack", parse: sSlack, format: gSlack,
			claims: func(p *parts) bool {
				return p.hasPass || p.hasAny("color", "icon", "icon_emoji", "icon_url", "thread_ts", "title", "username")
			}},
		&scheme{names: []string{"pushover"}, style: Shoutrrr, kind: "pushover", service: "Pushover", parse: sPushover, format: gPushover},
		&scheme{names: []string{"matrix"}, style: Shoutrrr, kind: "matrix", service: "Matrix", parse: sMatrix, format: gMatrix,
			claims: func(p *parts) bool { return p.hasAny("rooms", "room", "disabletls") || (p.hasPass && p.user == "") }},
		&scheme{names: []string{"signal"}, style: Shoutrrr, kind: "signal", service: "Signal", parse: sSignal, format: gSignal,
			claims: func(p *parts) bool { return p.hasAny("disabletls", "token", "apikey", "recipients", "source") }},
		&scheme{names: []string{"teams"}, style: Shoutrrr, kind: "teams", service: "Microsoft Teams", parse: sTeams, format: gTeams},
		&scheme{names: []string{"googlechat", "hangouts"}, style: Shoutrrr, kind: "google_chat", service: "Google Chat", parse: sGoogleChat, format: gGoogleChat},
		&scheme{names: []string{"mattermost"}, style: Shoutrrr, kind: "mattermost", service: "Mattermost", parse: sMattermost, format: gMattermost},
		&scheme{names: []string{"rocketchat"}, style: Shoutrrr, kind: "rocketchat", service: "Rocket.Chat", parse: sRocketChat, format: gRocketChat},
		&scheme{names: []string{"pushbullet"}, style: Shoutrrr, kind: "pushbullet", service: "Pushbullet", parse: sPushbullet, format: gPushbullet},
	)
}

// shoutrrrDiscord tells discord://{token}@{webhookid}[/raw] from
// Apprise's discord://[{botname}@]{webhook_id}/{webhook_token}.
func shoutrrrDiscord(p *parts) bool {
	return p.user != "" && (len(p.segs) == 0 || (len(p.segs) == 1 && p.segs[0] == "raw"))
}

// unsetOrDefault refuses fields of kind set to other than their default:
// the style has no place for them.
func unsetOrDefault(c channel.Config, kind string, style Style, keys ...string) error {
	k, _ := kinds.Get(kind)
	for _, f := range k.Fields {
		if slices.Contains(keys, f.Key) && c[f.Key] != "" && c[f.Key] != f.Default {
			return formatField(f.Key, style)
		}
	}
	return nil
}

// --- Discord: discord://{token}@{webhookid}?username=&avatar=&thread_id=
// (chat/discord/discord_config.go); /raw sends the message as JSON.

func sDiscord(p *parts) (map[string]string, error) {
	if err := sOnly(p, "username", "avatar", "avatarurl", "color", "colorerror", "colorwarn", "colorinfo", "colordebug", "splitlines", "json", "thread_id"); err != nil {
		return nil, err
	}
	if len(p.segs) > 0 { // /raw: the message is the JSON payload
		return nil, p.errf("serviceurl.query.unsupported", "Name", "json")
	}
	if err := p.refuseYes("json"); err != nil {
		return nil, err
	}
	if p.user == "" {
		return nil, p.errf("serviceurl.user.missing", "What", "{token}")
	}
	if p.authority == "" {
		return nil, p.errf("serviceurl.host.missing", "What", "{webhookid}")
	}
	return map[string]string{"url": discordHooks + esc(p.authority) + "/" + esc(p.user),
		"username": p.get("username"), "avatar_url": p.get("avatar", "avatarurl"), "thread_id": p.get("thread_id")}, nil
}

func gDiscord(c channel.Config, o *out) (string, error) {
	id, token, err := discordParts(c, Shoutrrr)
	if err != nil {
		return "", err
	}
	return "discord://" + o.secretUser(token) + "@" + o.secret(id) + query("username", c["username"], "avatar", c["avatar_url"],
		"thread_id", c["thread_id"]), nil
}

// --- Slack: slack://hook:{A}-{B}-{C}@webhook (chat/slack/slack_config.go,
// slack_token.go); the older slack://{A}/{B}/{C} too. Its API tokens
// (xoxb:, xoxp:) post as a bot, which Herald does not.

func sSlack(p *parts) (map[string]string, error) {
	if err := sOnly(p, "botname", "username", "icon", "icon_emoji", "icon_url", "color", "thread_ts"); err != nil {
		return nil, err
	}
	if err := p.refuse("botname", "username", "icon", "icon_emoji", "icon_url", "thread_ts"); err != nil {
		return nil, err
	}
	var tokens []string
	switch {
	case len(p.segs) > 0: // slack://[botname@]A/B/C
		if p.user != "" {
			return nil, p.errf("serviceurl.user.unsupported", "What", "{botname}")
		}
		tokens = append([]string{p.authority}, p.segs...)
	case strings.EqualFold(p.user, "hook"):
		if !strings.EqualFold(p.authority, "webhook") {
			return nil, p.errf("serviceurl.host.choice", "Choices", "webhook")
		}
		tokens = strings.Split(p.pass, "-")
	case strings.HasPrefix(strings.ToLower(p.user), "xox"):
		return nil, p.errf("serviceurl.slack.bot")
	default:
		return nil, p.errf("serviceurl.user.missing", "What", "hook:{token}")
	}
	if len(tokens) != 3 || slices.Contains(tokens, "") {
		return nil, p.errf("serviceurl.host.token", "What", "hook:{A}-{B}-{C}")
	}
	return map[string]string{"url": slackHooks + strings.Join(tokens, "/")}, nil
}

func gSlack(c channel.Config, o *out) (string, error) {
	t, err := slackTokens(c, Shoutrrr)
	if err != nil {
		return "", err
	}
	if strings.Contains(t[0]+t[1]+t[2], "-") { // the token's separator
		return "", formatField("url", Shoutrrr)
	}
	return "slack://hook:" + o.secretUser(t[0]) + "-" + o.secretUser(t[1]) + "-" + o.secretUser(t[2]) + "@webhook", nil
}

// --- Pushover: pushover://shoutrrr:{apiToken}@{userKey}/?devices=
// &priority= (push/pushover/pushover_config.go)

func sPushover(p *parts) (map[string]string, error) {
	if err := sOnly(p, "devices", "priority", "encryptionkey", "key"); err != nil {
		return nil, err
	}
	if err := p.refuse("encryptionkey", "key"); err != nil {
		return nil, err
	}
	if p.pass == "" {
		return nil, p.errf("serviceurl.user.missing", "What", "shoutrrr:{apiToken}")
	}
	if p.authority == "" {
		return nil, p.errf("serviceurl.host.missing", "What", "{userKey}")
	}
	return map[string]string{"token": p.pass, "user": p.authority, "device": p.get("devices"), "priority": p.get("priority")}, nil
}

func gPushover(c channel.Config, o *out) (string, error) {
	if err := defaultOnly(c, "api", "https://api.pushover.net", Shoutrrr); err != nil {
		return "", err
	}
	if err := unsetOrDefault(c, "pushover", Shoutrrr, "sound", "url", "url_title", "ttl", "retry", "expire"); err != nil {
		return "", err
	}
	return "pushover://shoutrrr:" + o.secretUser(c["token"]) + "@" + esc(c["user"]) + "/" +
		query("devices", strings.Join(c.List("device"), ","), "priority", c["priority"]), nil
}

// --- Matrix: matrix://:{token}@{host}[:{port}]/?rooms=&disableTLS=
// (chat/matrix/matrix_config.go): without a user the password is an
// access token; with one shoutrrr logs in, which Herald does not.

func sMatrix(p *parts) (map[string]string, error) {
	if err := sOnly(p, "rooms", "room", "disabletls"); err != nil {
		return nil, err
	}
	if p.user != "" {
		return nil, p.errf("serviceurl.matrix.login")
	}
	if p.pass == "" {
		return nil, p.errf("serviceurl.user.missing", "What", ":{token}")
	}
	if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	plain, err := p.yes("disabletls", false)
	if err != nil {
		return nil, err
	}
	room, err := p.one(channel.SplitList(p.get("rooms", "room")), "rooms")
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(room, "#") && !strings.HasPrefix(room, "!") {
		room = "#" + room // matrix_config.go's auto-prepending
	}
	return map[string]string{"homeserver": httpScheme(plain) + p.hostPort(), "access_token": p.pass, "room": room}, nil
}

func gMatrix(c channel.Config, o *out) (string, error) {
	if err := unsetOrDefault(c, "matrix", Shoutrrr, "msgtype"); err != nil {
		return "", err
	}
	hs, err := webURL(c, "homeserver", Shoutrrr)
	if err != nil || strings.Trim(hs.Path, "/") != "" {
		return "", formatField("homeserver", Shoutrrr)
	}
	if strings.Contains(c["room"], ",") { // rooms= is a list
		return "", formatField("room", Shoutrrr)
	}
	return "matrix://:" + o.secretUser(c["access_token"]) + "@" + hs.Host + "/" +
		query("rooms", c["room"], "disableTLS", yesNo(hs.Scheme == "http")), nil
}

// --- Signal: signal://[{user}[:{password}]@]{host}[:{port}]/{source}
// /{recipients}?disabletls= (chat/signal/signal_config.go): port 8080
// unless given, https unless disabletls; a group id's slashes stay in it.

func sSignal(p *parts) (map[string]string, error) {
	if err := sOnly(p, "host", "port", "user", "password", "token", "apikey", "source", "recipients", "to", "disabletls"); err != nil {
		return nil, err
	}
	if err := p.refuse("token", "apikey", "host", "port", "user", "password", "source", "recipients", "to"); err != nil {
		return nil, err
	}
	if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	plain, err := p.yes("disabletls", false)
	if err != nil {
		return nil, err
	}
	if len(p.segs) < 2 {
		return nil, p.errf("serviceurl.path.missing", "What", "{recipient}")
	}
	server := httpScheme(plain) + p.host + ":" + or(p.port, "8080")
	if (plain && p.port == "80") || (!plain && p.port == "443") {
		server = httpScheme(plain) + p.host // the scheme's own port, as Herald writes it
	}
	return map[string]string{"server": server, "number": p.segs[0],
		"recipients": strings.Join(signalRecipients(p.segs[1:]), ","), "username": p.user, "password": p.pass}, nil
}

// signalRecipients joins a group id's segments back as signal_config.go's
// parseRecipients does: after group.…, up to the next +number.
func signalRecipients(segs []string) []string {
	var out []string
	inGroup := false
	for _, s := range segs {
		if inGroup && !strings.HasPrefix(s, "+") && !strings.HasPrefix(s, "group.") {
			out[len(out)-1] += "/" + s
			continue
		}
		inGroup = strings.HasPrefix(s, "group.")
		out = append(out, s)
	}
	return out
}

func gSignal(c channel.Config, o *out) (string, error) {
	su, err := webURL(c, "server", Shoutrrr)
	if err != nil || strings.Trim(su.Path, "/") != "" {
		return "", formatField("server", Shoutrrr)
	}
	u := "signal://"
	if c["username"] != "" {
		u += escUser(c["username"]) + ":" + o.secretUser(c["password"]) + "@"
	}
	host := su.Host
	if su.Port() == "" {
		host += map[bool]string{true: ":80", false: ":443"}[su.Scheme == "http"]
	}
	u += host + "/" + esc(c["number"])
	for _, r := range c.List("recipients") {
		u += "/" + strings.ReplaceAll(esc(r), "%2F", "/")
	}
	return u + query("disabletls", yesNo(su.Scheme == "http")), nil
}

// --- Teams: teams://?host={workflow URL}&title=&color= (chat/teams,
// the Workflows format); the older teams://{group}@{tenant}/… was an
// Office 365 connector's, which Microsoft has retired.

func sTeams(p *parts) (map[string]string, error) {
	if err := sOnly(p, "host", "color"); err != nil {
		return nil, err
	}
	if p.hasUser || len(p.segs) > 0 || p.authority != "" {
		return nil, p.errf("serviceurl.teams.connector")
	}
	hook := p.get("host")
	if hook == "" {
		return nil, p.errf("serviceurl.query.missing", "Name", "host")
	}
	return map[string]string{"url": hook}, nil
}

func gTeams(c channel.Config, o *out) (string, error) {
	if _, _, _, _, _, err := workflowParts(c, Shoutrrr); err != nil {
		return "", err
	}
	if !o.reveal { // the path and signature are the secret
		return "teams://?host=" + Masked, nil
	}
	return "teams://?host=" + url.QueryEscape(c["url"]), nil
}

// --- Google Chat: googlechat://chat.googleapis.com/v1/spaces/{space}
// /messages?key=&token= (chat/googlechat/googlechat_config.go): the
// webhook's URL with its scheme swapped.

func sGoogleChat(p *parts) (map[string]string, error) {
	if err := sOnly(p, "key", "token"); err != nil {
		return nil, err
	}
	if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	for _, n := range []string{"key", "token"} {
		if p.get(n) == "" {
			return nil, p.errf("serviceurl.query.missing", "Name", n)
		}
	}
	return map[string]string{"url": "https://" + p.hostPort() + segPath(p.segs) + "?key=" + url.QueryEscape(p.get("key")) +
		"&token=" + url.QueryEscape(p.get("token"))}, nil
}

func gGoogleChat(c channel.Config, o *out) (string, error) {
	if c["thread_key"] != "" {
		return "", formatField("thread_key", Shoutrrr)
	}
	space, key, token, err := gchatParts(c, Shoutrrr)
	if err != nil {
		return "", err
	}
	return "googlechat://chat.googleapis.com/v1/spaces/" + o.secret(space) + "/messages" + query("key", o.hide(key), "token", o.hide(token)), nil
}

// --- Mattermost: mattermost://[{username}@]{host}[:{port}]/{token}
// [/{channel}]?icon=&disabletls= (chat/mattermost/mattermost_config.go):
// an icon starting with http is a picture, else an emoji.

func sMattermost(p *parts) (map[string]string, error) {
	if err := sOnly(p, "icon", "icon_emoji", "icon_url", "disabletls"); err != nil {
		return nil, err
	}
	if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	if len(p.segs) == 0 {
		return nil, p.errf("serviceurl.path.missing", "What", "{token}")
	}
	if len(p.segs) > 2 {
		return nil, p.errf("serviceurl.path.many", "What", "{channel}")
	}
	plain, err := p.yes("disabletls", false)
	if err != nil {
		return nil, err
	}
	raw := map[string]string{"url": httpScheme(plain) + p.hostPort() + "/hooks/" + esc(p.segs[0]), "username": p.user}
	if len(p.segs) == 2 {
		raw["channel"] = p.segs[1]
	}
	if icon := p.get("icon", "icon_emoji", "icon_url"); strings.HasPrefix(icon, "http") {
		raw["icon_url"] = icon
	} else {
		raw["icon_emoji"] = icon
	}
	return raw, nil
}

func gMattermost(c channel.Config, o *out) (string, error) {
	if c.Bool("card") {
		return "", formatField("card", Shoutrrr)
	}
	if c["icon_url"] != "" && c["icon_emoji"] != "" {
		return "", formatField("icon_url", Shoutrrr)
	}
	base, token, err := hookParts(c, Shoutrrr)
	if err != nil || strings.Trim(base.Path, "/") != "" {
		return "", formatField("url", Shoutrrr)
	}
	u := "mattermost://"
	if c["username"] != "" {
		u += escUser(c["username"]) + "@"
	}
	u += base.Host + "/" + o.secret(token)
	if c["channel"] != "" {
		u += "/" + strings.ReplaceAll(esc(c["channel"]), "%40", "@")
	}
	return u + query("icon", or(c["icon_url"], c["icon_emoji"]), "disabletls", yesNo(base.Scheme == "http")), nil
}

// --- Rocket.Chat: rocketchat://[{username}@]{host}[:{port}]/{tokenA}
// /{tokenB}[/{channel} or /@{user}] (chat/rocketchat/rocketchat_config.go):
// always https; a bare channel name is a #channel.

func sRocketChat(p *parts) (map[string]string, error) {
	if err := sOnly(p); err != nil {
		return nil, err
	}
	if err := p.needHost("{host}"); err != nil {
		return nil, err
	}
	if len(p.segs) < 2 {
		return nil, p.errf("serviceurl.path.missing", "What", "{tokenA}/{tokenB}")
	}
	if len(p.segs) > 3 {
		return nil, p.errf("serviceurl.path.many", "What", "{channel}")
	}
	raw := map[string]string{"url": "https://" + p.hostPort() + "/hooks/" + esc(p.segs[0]) + "/" + esc(p.segs[1]), "alias": p.user}
	if len(p.segs) == 3 {
		raw["channel"] = p.segs[2]
		if !strings.HasPrefix(raw["channel"], "@") {
			raw["channel"] = "#" + strings.TrimPrefix(raw["channel"], "#")
		}
	}
	return raw, nil
}

func gRocketChat(c channel.Config, o *out) (string, error) {
	for _, k := range []string{"avatar", "emoji"} {
		if c[k] != "" {
			return "", formatField(k, Shoutrrr)
		}
	}
	base, token, err := hookParts(c, Shoutrrr)
	if err != nil || strings.Trim(base.Path, "/") != "" || base.Scheme != "https" {
		return "", formatField("url", Shoutrrr)
	}
	a, b, ok := strings.Cut(token, "/")
	if !ok {
		return "", formatField("url", Shoutrrr)
	}
	u := "rocketchat://"
	if c["alias"] != "" {
		u += escUser(c["alias"]) + "@"
	}
	u += base.Host + "/" + o.secret(a) + "/" + o.secret(b)
	if ch := c["channel"]; ch != "" {
		u += "/" + strings.ReplaceAll(esc(strings.TrimPrefix(ch, "#")), "%40", "@")
	}
	return u, nil
}

// --- Pushbullet: pushbullet://{api-token}[/{target}] (push/pushbullet/
// pushbullet_config.go): a device, #channel or e-mail address.

func sPushbullet(p *parts) (map[string]string, error) {
	if err := sOnly(p); err != nil {
		return nil, err
	}
	if err := p.noUser(); err != nil {
		return nil, err
	}
	raw := map[string]string{"token": p.authority}
	if len(p.segs) > 0 {
		target, err := p.one(p.segs, "{target}")
		if err != nil {
			return nil, err
		}
		pushbulletTarget(raw, target)
	}
	return raw, nil
}

func gPushbullet(c channel.Config, o *out) (string, error) {
	t, err := pushbulletTargetOf(c, Shoutrrr)
	if err != nil {
		return "", err
	}
	return "pushbullet://" + o.secret(c["token"]) + "/" + t, nil
}
