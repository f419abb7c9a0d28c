// Package serviceurl reads and writes channels as the service URLs of
// Apprise (tgram://…) and shoutrrr (telegram://…), so people who keep
// their channels as such URLs can bring them to Herald and take them away.
//
// Each scheme is one entry of a table: the kind it becomes, a parser from
// URL parts to the kind's raw settings and a formatter back. Adding a
// kind's URL is adding an entry (see apprise.go and shoutrrr.go); schemes
// of services Herald lacks are listed in others.go so their errors can
// name the service.
package serviceurl

import (
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/i18n"
)

// Style is the URL dialect: Apprise's or shoutrrr's.
type Style int

const (
	// Auto reads a scheme both projects use (gotify://, ntfy://) as
	// Apprise does unless the URL carries a shoutrrr-only parameter.
	Auto Style = iota
	Apprise
	Shoutrrr
)

func (s Style) String() string {
	if s == Shoutrrr {
		return "shoutrrr"
	}
	return "Apprise"
}

// scheme is one URL scheme of one style and the kind it maps to.
type scheme struct {
	names   []string // URL schemes, lower case
	style   Style
	kind    string // Herald kind id
	service string // the service's name in errors
	// parse turns the URL's parts into the kind's raw settings; nil: the
	// kind has no reader yet (see others.go).
	parse func(p *parts) (map[string]string, error)
	// format writes a config of the kind; nil: reading only.
	format func(c channel.Config, o *out) (string, error)
	// claims, when set, says whether an Auto read of a scheme both styles
	// use is this entry's (shoutrrr's markers).
	claims func(p *parts) bool
}

// table lists every scheme Herald reads; apprise.go and shoutrrr.go fill it.
var table []*scheme

func register(s ...*scheme) { table = append(table, s...) }

// Parse reads an Apprise or shoutrrr URL into a kind and raw settings
// (as "herald channel add KIND NAME key=value…" takes them), checked by
// the kind. Errors are i18n errors naming the URL's wrong part, or the
// kind's FieldErrors; none quotes a secret part.
func Parse(u string) (kind string, raw map[string]string, err error) {
	return ParseStyle(u, Auto)
}

// ParseStyle is Parse reading a scheme both projects use in style's way.
func ParseStyle(u string, style Style) (kind string, raw map[string]string, err error) {
	p, err := split(u)
	if err != nil {
		return "", nil, err
	}
	if p.scheme == "http" || p.scheme == "https" {
		return parseNative(u)
	}
	s, err := lookup(p, style)
	if err != nil {
		return "", nil, err
	}
	p.service = s.service
	k, ok := kinds.Get(s.kind)
	if !ok {
		return "", nil, unsupported(p.scheme, s.service)
	}
	if s.parse == nil {
		return "", nil, i18n.New("serviceurl.scheme.no_reader", "Service", s.service, "Scheme", p.scheme, "Kind", k.ID)
	}
	if raw, err = s.parse(p); err != nil {
		return "", nil, err
	}
	for key, v := range raw {
		if v == "" {
			delete(raw, key)
		}
	}
	if _, err := k.Parse(raw); err != nil {
		return "", nil, err
	}
	return k.ID, raw, nil
}

// parseNative reads a service's own webhook address, checked by its kind.
func parseNative(u string) (string, map[string]string, error) {
	id, raw, ok := native(u)
	if !ok {
		return "", nil, webError()
	}
	k, _ := kinds.Get(id)
	if _, err := k.Parse(raw); err != nil {
		return "", nil, err
	}
	return id, raw, nil
}

// lookup finds the scheme's entry: of style, or under Auto the first that
// claims the URL, else the first.
func lookup(p *parts, style Style) (*scheme, error) {
	var found []*scheme
	for _, s := range table {
		if slices.Contains(s.names, p.scheme) && (style == Auto || s.style == style) {
			found = append(found, s)
		}
	}
	if len(found) == 0 {
		if name, ok := others[p.scheme]; ok {
			return nil, unsupported(p.scheme, name)
		}
		return nil, i18n.New("serviceurl.scheme.unknown", "Scheme", p.scheme)
	}
	for _, s := range found {
		if s.claims != nil && s.claims(p) {
			return s, nil
		}
	}
	for _, s := range found {
		if s.claims == nil {
			return s, nil
		}
	}
	return found[0], nil
}

func unsupported(scheme, service string) error {
	return i18n.New("serviceurl.scheme.unsupported", "Service", service, "Scheme", scheme)
}

// Format writes a channel of kind as a URL of style; secret parts are
// masked as **** unless withSecrets. Settings the style cannot express
// (a proxy, Herald's own options) are left out.
func Format(kind string, c channel.Config, style Style, withSecrets bool) (string, error) {
	if style == Auto {
		style = Apprise
	}
	for _, s := range table {
		if s.format != nil && s.style == style && strings.EqualFold(s.kind, kind) {
			return s.format(c, &out{reveal: withSecrets})
		}
	}
	return "", i18n.New("serviceurl.format.none", "Kind", kind, "Style", style.String())
}

// Masked stands for a secret part in a URL shown without secrets.
const Masked = "****"

// out writes URL parts, masking secrets unless reveal.
type out struct{ reveal bool }

// secret is v escaped for a URL path, or Masked.
func (o *out) secret(v string) string {
	if !o.reveal {
		return Masked
	}
	return esc(v)
}

// secretUser is v escaped for a URL's user part, or Masked.
func (o *out) secretUser(v string) string {
	if !o.reveal {
		return Masked
	}
	return escUser(v)
}

// hide is v for a query value, or Masked.
func (o *out) hide(v string) string {
	if !o.reveal {
		return Masked
	}
	return v
}

// sortedKeys are m's keys in order, so URLs come out the same each time.
func sortedKeys[V any](m map[string]V) []string {
	keys := slices.Collect(maps.Keys(m))
	slices.Sort(keys)
	return keys
}

// escKey escapes a query key, keeping a leading prefix (+Header, -param,
// @Header) as Apprise and shoutrrr read it.
func escKey(k string) string {
	if k != "" && strings.ContainsRune("+-:@$", rune(k[0])) {
		return k[:1] + url.QueryEscape(k[1:])
	}
	return url.QueryEscape(k)
}

// esc escapes a path segment.
func esc(v string) string { return url.PathEscape(v) }

// escUser escapes a user or password before @.
func escUser(v string) string {
	return strings.NewReplacer(":", "%3A", "@", "%40", "/", "%2F", "?", "%3F", "#", "%23").Replace(url.PathEscape(v))
}

// query writes name=value pairs in order, empty values left out; a
// Masked value stays readable.
func query(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		if b.Len() == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		v := url.QueryEscape(kv[i+1])
		if kv[i+1] == Masked {
			v = Masked
		}
		b.WriteString(escKey(kv[i]) + "=" + v)
	}
	return b.String()
}
