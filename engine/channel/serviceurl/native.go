package serviceurl

import (
	"net/url"
	"strings"

	"github.com/heraldpush/herald/engine/i18n"
)

// A service's own webhook address (Apprise's parse_native_url): pasted
// whole into the kind's field, which takes it as is.
var natives = []struct {
	host, path string // path prefix
	kind, key  string
}{
	{"oapi.dingtalk.com", "/robot/send", "dingtalk", "token"},                // dingtalk.py
	{"qyapi.weixin.qq.com", "/cgi-bin/webhook/send", "wecom_webhook", "key"}, // wecombot.py
	{"open.feishu.cn", "/open-apis/bot/v2/hook/", "feishu", "token"},
	{"open.larksuite.com", "/open-apis/bot/v2/hook/", "feishu", "token"}, // lark.py
	{"api.day.app", "/", "bark", "url"},
	{"discord.com", "/api/webhooks/", "discord", "url"}, // discord.py
	{"discordapp.com", "/api/webhooks/", "discord", "url"},
	{"hooks.slack.com", "/services/", "slack", "url"},            // slack.py
	{"chat.googleapis.com", "/v1/spaces/", "google_chat", "url"}, // google_chat.py
}

// native reads a service's own https address; ok is false for any other.
func native(u string) (kind string, raw map[string]string, ok bool) {
	pu, err := url.Parse(strings.TrimSpace(u))
	if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") {
		return "", nil, false
	}
	for _, n := range natives {
		if strings.EqualFold(pu.Hostname(), n.host) && strings.HasPrefix(pu.Path, n.path) {
			return n.kind, map[string]string{n.key: strings.TrimSpace(u)}, true
		}
	}
	return "", nil, false
}

// webError is the error for an http(s) address no kind recognises.
func webError() error { return i18n.New("serviceurl.scheme.web") }
