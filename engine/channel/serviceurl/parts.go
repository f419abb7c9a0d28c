package serviceurl

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
)

// parts is a service URL taken apart as Apprise does: more leniently than
// net/url, since tokens sit where a host goes ("tgram://123:ABC/…").
type parts struct {
	scheme  string
	service string // for errors, set once the scheme's entry is known

	hasUser    bool
	user, pass string
	hasPass    bool
	authority  string // after userinfo, unescaped: host[:port], or a token
	host, port string // authority split at a numeric port
	segs       []string
	q          url.Values // keys in lower case
	keys       []string   // the query's keys as written, in order
}

// split takes u apart; errors name the part and never quote it.
func split(u string) (*parts, error) {
	u = strings.TrimSpace(u)
	if u == "" {
		return nil, i18n.New("serviceurl.empty")
	}
	i := strings.Index(u, "://")
	if i <= 0 || !schemeOK(u[:i]) {
		return nil, i18n.New("serviceurl.no_scheme")
	}
	p := &parts{scheme: strings.ToLower(u[:i]), q: url.Values{}}
	// A # is no fragment: Apprise and shoutrrr URLs write #channel targets
	// with it, and a dropped channel would send elsewhere unseen.
	rest := strings.ReplaceAll(u[i+3:], "#", "%23")
	rest, rawQuery, _ := strings.Cut(rest, "?")
	auth, path, _ := strings.Cut(rest, "/")
	if err := p.setAuthority(auth); err != nil {
		return nil, err
	}
	for _, s := range strings.Split(path, "/") {
		v, err := url.PathUnescape(s)
		if err != nil {
			return nil, i18n.New("serviceurl.escape", "Part", i18n.T("serviceurl.part.path"))
		}
		if v = strings.TrimSpace(v); v != "" {
			p.segs = append(p.segs, v)
		}
	}
	return p, p.setQuery(rawQuery)
}

func schemeOK(s string) bool {
	for i, r := range s {
		letter := (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !letter && (i == 0 || !(r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return false
		}
	}
	return true
}

func (p *parts) setAuthority(auth string) error {
	if at := strings.LastIndex(auth, "@"); at >= 0 {
		p.hasUser = true
		user, pass, hasPass := strings.Cut(auth[:at], ":")
		var err1, err2 error
		p.user, err1 = url.PathUnescape(user)
		p.pass, err2 = url.PathUnescape(pass)
		p.hasPass = hasPass
		if err1 != nil || err2 != nil {
			return i18n.New("serviceurl.escape", "Part", i18n.T("serviceurl.part.user"))
		}
		auth = auth[at+1:]
	}
	a, err := url.PathUnescape(auth)
	if err != nil {
		return i18n.New("serviceurl.escape", "Part", i18n.T("serviceurl.part.host"))
	}
	p.authority, p.host = a, a
	if c := strings.LastIndex(a, ":"); c >= 0 && !strings.HasSuffix(a, "]") {
		if _, err := strconv.Atoi(a[c+1:]); err == nil {
			p.host, p.port = a[:c], a[c+1:]
		}
	}
	return nil
}

// setQuery reads the query as Apprise does: a key's leading + (a header),
// - or : stays literal, where url.ParseQuery would make + a space.
func (p *parts) setQuery(raw string) error {
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		prefix := ""
		if strings.HasPrefix(k, "+") {
			prefix, k = "+", k[1:]
		}
		key, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return i18n.New("serviceurl.query.syntax")
		}
		key = prefix + key
		p.keys = append(p.keys, key)
		p.q[strings.ToLower(key)] = append(p.q[strings.ToLower(key)], val)
	}
	return nil
}

// get is the query parameter's first value, trimmed, of the first name
// given (a parameter and its aliases).
func (p *parts) get(names ...string) string {
	for _, n := range names {
		if v := strings.TrimSpace(p.q.Get(n)); v != "" {
			return v
		}
	}
	return ""
}

// list joins list parameters and path segments with commas.
func list(items ...[]string) string {
	var all []string
	for _, it := range items {
		for _, v := range it {
			all = append(all, channel.SplitList(v)...)
		}
	}
	return strings.Join(all, ",")
}

// only checks that every query parameter is one of known (or a prefixed
// one the parser reads itself: its prefix in known, "+" for "+Header").
func (p *parts) only(known ...string) error {
	for _, k := range p.keys {
		name := strings.ToLower(k)
		ok := false
		for _, kn := range known {
			if name == kn || (len(kn) == 1 && strings.HasPrefix(name, kn)) {
				ok = true
			}
		}
		if !ok {
			return p.errf("serviceurl.query.unknown", "Name", k)
		}
	}
	return nil
}

// errf is an error of the service's URL.
func (p *parts) errf(key string, kv ...any) error {
	return i18n.New(key, append([]any{"Service", p.service}, kv...)...)
}

// needHost requires a host (what names it in the style's syntax) and a
// valid port.
func (p *parts) needHost(what string) error {
	if p.host == "" {
		return p.errf("serviceurl.host.missing", "What", what)
	}
	if channel.CheckHostName(p.host) != nil {
		return p.errf("serviceurl.host.bad")
	}
	if p.port != "" {
		if n, _ := strconv.Atoi(p.port); n < 1 || n > 65535 {
			return p.errf("serviceurl.port.bad")
		}
	}
	return nil
}

// noUser refuses a user part the syntax does not have.
func (p *parts) noUser() error {
	if p.hasUser {
		return p.errf("serviceurl.user.unexpected")
	}
	return nil
}

// one returns the single value of targets, refusing more: a Herald
// channel sends to one (what); missing names what is needed.
func (p *parts) one(targets []string, what string) (string, error) {
	switch len(targets) {
	case 0:
		return "", p.errf("serviceurl.path.missing", "What", what)
	case 1:
		return targets[0], nil
	}
	return "", p.errf("serviceurl.path.many", "What", what)
}

// hostPort is the host with its port, IPv6 in brackets.
func (p *parts) hostPort() string {
	if p.port == "" {
		return p.host
	}
	return p.host + ":" + p.port
}

// yes reads a boolean parameter as Apprise and shoutrrr do; def when unset.
func (p *parts) yes(name string, def bool) (bool, error) {
	v := strings.ToLower(p.get(name))
	switch v {
	case "":
		return def, nil
	case "1", "true", "yes", "on", "y", "t", "enable", "enabled":
		return true, nil
	case "0", "false", "no", "off", "n", "f", "disable", "disabled":
		return false, nil
	}
	return false, p.errf("serviceurl.query.bool", "Name", name)
}
