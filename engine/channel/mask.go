package channel

import (
	"net/url"
	"strings"
)

// MaskTail shows a webhook URL whose last path segment is the token
// (Slack's …/T…/B…/token, Mattermost's /hooks/key, Rocket.Chat's
// /hooks/id/token): scheme, host and the path before the token stay, the
// token, user info and query values do not.
func MaskTail(v string) string {
	const dots = "••••"
	p, err := url.Parse(strings.TrimSpace(v))
	if err != nil || p.Host == "" {
		return dots
	}
	dir, _, _ := cutLast(strings.TrimRight(p.EscapedPath(), "/"), "/")
	out := p.Scheme + "://" + p.Host + dir + "/" + dots
	if p.RawQuery != "" {
		out += "?" + dots
	}
	return out
}
