package webhook

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
)

// qinglong's custom notification (notify.py's custom_notify): $title and
// $content are its placeholders; WEBHOOK_HEADERS and WEBHOOK_BODY are
// "key: value" lines, a body value read as JSON when it parses.
const (
	envURL         = "WEBHOOK_URL"
	envMethod      = "WEBHOOK_METHOD"
	envBody        = "WEBHOOK_BODY"
	envHeaders     = "WEBHOOK_HEADERS"
	envContentType = "WEBHOOK_CONTENT_TYPE"

	ctJSON = "application/json"
	ctForm = "application/x-www-form-urlencoded"
)

var (
	fromQinglong = strings.NewReplacer("$title", TitlePlaceholder, "$content", LogPlaceholder)
	toQinglong   = strings.NewReplacer(TitlePlaceholder, "$title", LogPlaceholder, "$content")
	// bodyLine is notify.py's parse_string pattern, one line at a time.
	bodyLine = regexp.MustCompile(`([\p{L}\p{N}_]+):\s*(.*)`)
)

var packedEnv = &channel.PackedEnv{
	Vars:   []string{envURL, envMethod, envBody, envHeaders, envContentType},
	Unpack: unpackEnv,
	Pack:   packEnv,
}

func unpackEnv(vars, raw map[string]string) error {
	if v := vars[envURL]; v != "" {
		raw["url"] = fromQinglong.Replace(v)
	}
	if v := vars[envMethod]; v != "" {
		raw["method"] = strings.ToUpper(v)
	}
	if v := vars[envHeaders]; v != "" {
		raw["headers"] = headersJSON(v)
	}
	switch ct := strings.ToLower(strings.TrimSpace(vars[envContentType])); {
	case strings.HasPrefix(ct, ctJSON):
		raw["content_type"] = "json"
	case strings.HasPrefix(ct, "text/plain"):
		return channel.NewFieldError(envContentType, i18n.New("field.webhook.text_plain"))
	case ct != "" || vars[envBody] != "":
		// notify.py hands requests the parsed fields, which it form-encodes.
		raw["content_type"] = "form"
	}
	if v := vars[envBody]; v != "" {
		body, err := bodyJSON(v)
		if err != nil {
			return channel.NewFieldError(envBody, err)
		}
		raw["body"] = body
	}
	return nil
}

// headersJSON turns "Name: value" lines into a JSON object, in order;
// a repeated name's values are joined with ", " as notify.py does.
func headersJSON(v string) string {
	var names []string
	values := map[string]string{}
	for _, line := range strings.Split(v, "\n") {
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		name, val = strings.TrimSpace(name), strings.TrimSpace(val)
		if prev, seen := values[strings.ToLower(name)]; seen {
			values[strings.ToLower(name)] = prev + ", " + val
			continue
		}
		names = append(names, name)
		values[strings.ToLower(name)] = val
	}
	fields := make([]field, len(names))
	for i, n := range names {
		fields[i] = field{n, quote(values[strings.ToLower(n)])}
	}
	return object(fields)
}

// bodyJSON turns "key: value" lines into a JSON object: a value that is
// JSON stays JSON, others become strings; $title and $content become {t}
// and {log}.
func bodyJSON(v string) (string, error) {
	var fields []field
	index := map[string]int{}
	for _, line := range strings.Split(v, "\n") {
		m := bodyLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		val := strings.TrimSpace(m[2])
		enc := quote(fromQinglong.Replace(val))
		if json.Valid([]byte(val)) {
			var buf bytes.Buffer
			json.Compact(&buf, []byte(val))
			enc = json.RawMessage(fromQinglongJSON(buf.String()))
		}
		if i, seen := index[m[1]]; seen {
			fields[i].value = enc // a dict keeps the last
			continue
		}
		index[m[1]] = len(fields)
		fields = append(fields, field{m[1], enc})
	}
	if len(fields) == 0 {
		return "", i18n.New("field.webhook.qinglong_body")
	}
	return object(fields), nil
}

// fromQinglongJSON replaces the placeholders inside a JSON value's strings.
func fromQinglongJSON(v string) string {
	out, err := RenderJSON(v, fromQinglong)
	if err != nil {
		return v
	}
	return string(out)
}

type field struct {
	name  string
	value json.RawMessage
}

func quote(s string) json.RawMessage {
	var buf bytes.Buffer
	writeJSONString(&buf, s)
	return buf.Bytes()
}

func object(fields []field) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(quote(f.name))
		b.WriteByte(':')
		b.Write(f.value)
	}
	b.WriteByte('}')
	return b.String()
}

// packEnv writes the webhook as notify.py wants it: a method always (it
// sends nothing without one) and the body Herald would send.
func packEnv(c channel.Config, vars map[string]string) {
	if c["url"] == "" {
		return
	}
	vars[envURL] = toQinglong.Replace(c["url"])
	body := c["body"]
	if body == "" && !carriesMessage(c) {
		body = DefaultBody
	}
	method := c["method"]
	if method == "" {
		method = http.MethodGet
		if body != "" {
			method = http.MethodPost
		}
	}
	vars[envMethod] = method
	if lines := headerLines(c["headers"]); lines != "" {
		vars[envHeaders] = lines
	}
	if body != "" {
		vars[envBody] = bodyLines(body)
		vars[envContentType] = ctJSON
		if c["content_type"] == "form" {
			vars[envContentType] = ctForm
		}
	}
}

// members reads a JSON object's members in order.
func members(v string) []field {
	dec := json.NewDecoder(strings.NewReader(v))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var out []field
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return out
		}
		var val json.RawMessage
		if dec.Decode(&val) != nil {
			return out
		}
		out = append(out, field{k.(string), val})
	}
	return out
}

func headerLines(v string) string {
	var lines []string
	for _, f := range members(v) {
		var s string
		json.Unmarshal(f.value, &s)
		lines = append(lines, f.name+": "+s)
	}
	return strings.Join(lines, "\n")
}

// bodyLines writes a body template as notify.py's lines: a string that
// would read back as other JSON, or spans lines, stays quoted.
func bodyLines(v string) string {
	var lines []string
	for _, f := range members(v) {
		var s string
		val := string(f.value)
		if json.Unmarshal(f.value, &s) == nil && !json.Valid([]byte(s)) && !strings.ContainsAny(s, "\r\n") && strings.TrimSpace(s) == s {
			val = s
		}
		lines = append(lines, f.name+": "+toQinglongJSON(val))
	}
	return strings.Join(lines, "\n")
}

// toQinglongJSON swaps the placeholders back; in a JSON value they sit
// inside its strings, and neither form needs escaping.
func toQinglongJSON(v string) string { return toQinglong.Replace(v) }
