package channel

import (
	"strings"

	"github.com/heraldpush/herald/engine/i18n"
)

// ParseQD maps a QD registration string ("a;b;c") onto the kind's fields in
// QD's order. Empty positions keep their default; positions past the kind's
// QD fields are an error, and so is a missing required field (named).
func (k *Kind) ParseQD(s string) (map[string]string, error) {
	s = strings.TrimSpace(s)
	// QD users are told to keep the trailing ';' of empty positions, so a
	// string may end with any number of them.
	parts := strings.Split(s, ";")
	for len(parts) > 0 && strings.TrimSpace(parts[len(parts)-1]) == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > k.QDFields {
		return nil, newFieldError(k.ID, "qd", i18n.New("field.qd.many", "N", len(parts), "Kind", k.ID, "Max", k.QDFields, "Keys", strings.Join(k.qdKeys(), ";")))
	}
	raw := map[string]string{}
	for i, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			raw[k.Fields[i].Key] = p
		}
	}
	for _, f := range k.Fields[:k.QDFields] {
		if f.Required && raw[f.Key] == "" && f.Default == "" {
			return nil, newFieldError(k.ID, f.Key, i18n.New("field.qd.missing", "Keys", strings.Join(k.qdKeys(), ";")))
		}
	}
	return raw, nil
}

func (k *Kind) qdKeys() []string {
	keys := make([]string, k.QDFields)
	for i, f := range k.Fields[:k.QDFields] {
		keys[i] = f.Key
	}
	return keys
}
