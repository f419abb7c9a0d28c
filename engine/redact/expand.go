package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// maxDepth bounds how deep Expand looks into nested secrets (a JSON value
// holding a URL holding a query value…).
const maxDepth = 4

// placeholder matches template placeholders such as {t} and {log}: a
// secret header like "Bearer xyz {t}" is sent with the title filled in.
var placeholder = regexp.MustCompile(`\{[A-Za-z_]+\}`)

// Expand returns v in every form it may travel in (see Forms) together
// with the forms of its secret parts: each string of a JSON object, the
// query values, user info and long path segments of a URL, the credential
// of an Authorization value. Values shorter than minLen are left out.
func Expand(v string) []string {
	seen := map[string]bool{}
	var out []string
	var walk func(v string, depth int)
	walk = func(v string, depth int) {
		v = strings.TrimSpace(v)
		if len(v) < minLen || seen[v] {
			return
		}
		seen[v] = true
		for _, f := range Forms(v) {
			if len(f) >= minLen && !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
		if depth >= maxDepth {
			return
		}
		for _, p := range parts(v) {
			walk(p, depth+1)
		}
	}
	walk(v, 0)
	return out
}

// Forms returns v and its encodings: base64 (standard and URL alphabets,
// padded or not), hex, URL query and path escaping, and JSON string
// escaping (with and without HTML escaping).
func Forms(v string) []string {
	b := []byte(v)
	forms := []string{
		v,
		base64.StdEncoding.EncodeToString(b),
		base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b),
		base64.RawURLEncoding.EncodeToString(b),
		hex.EncodeToString(b),
		strings.ToUpper(hex.EncodeToString(b)),
		url.QueryEscape(v),
		url.PathEscape(v),
		jsonEscape(v, true),
		jsonEscape(v, false),
	}
	out := forms[:0]
	for _, f := range forms {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// jsonEscape is v as it appears inside a JSON string.
func jsonEscape(v string, html bool) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(html)
	_ = enc.Encode(v)
	return strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(buf.String(), `"`), "\n"), `"`)
}

// parts finds the secret pieces inside v.
func parts(v string) []string {
	var out []string
	if strings.HasPrefix(v, "{") {
		var obj any
		if json.Unmarshal([]byte(v), &obj) == nil {
			return jsonStrings(obj, nil)
		}
	}
	if u, err := url.Parse(v); err == nil && u.Scheme != "" && u.Host != "" {
		return urlParts(u)
	}
	out = append(out, Credential(v)...)
	for _, piece := range placeholder.Split(v, -1) {
		if piece != v {
			out = append(out, piece)
		}
	}
	return out
}

// jsonStrings collects the string values (not keys) of a decoded JSON value.
func jsonStrings(v any, out []string) []string {
	switch x := v.(type) {
	case string:
		out = append(out, x)
	case map[string]any:
		for _, e := range x {
			out = jsonStrings(e, out)
		}
	case []any:
		for _, e := range x {
			out = jsonStrings(e, out)
		}
	}
	return out
}

// urlParts are the pieces of a URL that carry secrets: user info, query
// values and path segments long enough to be tokens (Slack, Discord and
// Bark put theirs in the path).
func urlParts(u *url.URL) []string {
	var out []string
	if u.User != nil {
		out = append(out, u.User.String())
		if pw, ok := u.User.Password(); ok {
			out = append(out, pw, u.User.Username()+":"+pw)
		}
	}
	for _, vs := range u.Query() {
		for _, v := range vs {
			if !placeholder.MatchString(v) {
				out = append(out, v)
			}
		}
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if TokenLike(seg) {
			out = append(out, seg)
		}
	}
	return out
}

// TokenLike reports a path segment that looks like a credential rather
// than a word: long, or mixing letters and digits.
func TokenLike(seg string) bool {
	if placeholder.MatchString(seg) || len(seg) < 10 {
		return false
	}
	if len(seg) >= 16 {
		return true
	}
	letters, digits := false, false
	for _, r := range seg {
		switch {
		case r >= '0' && r <= '9':
			digits = true
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			letters = true
		}
	}
	return letters && digits
}

// authScheme matches "Scheme credential" as in an Authorization header.
var authScheme = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9-]*) +(\S{8,})$`)

// Credential returns the secret parts of an Authorization-style value
// ("Bearer xyz", "Basic base64(user:password)"): the credential and, for
// Basic, the decoded user:password pair and the password.
func Credential(v string) []string {
	m := authScheme.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return nil
	}
	scheme, cred := m[1], m[2]
	out := []string{cred}
	if !strings.EqualFold(scheme, "Basic") {
		return out
	}
	dec, err := base64.StdEncoding.DecodeString(cred)
	if err != nil {
		return out
	}
	out = append(out, string(dec))
	if _, pw, ok := strings.Cut(string(dec), ":"); ok {
		out = append(out, pw)
	}
	return out
}
