package cli_test

import (
	"strings"
	"testing"
)

// Values that are not one line of text, or hosts that are paths, are
// refused with the field named and exit code 2, and nothing is saved.
func TestChannelAddRefusesBadFieldValues(t *testing.T) {
	h := newHerald(t)
	base := []string{"port=587", "ssl=false", "starttls=true", "username=me@example.com", "password=pw0123456789"}
	tests := []struct {
		name     string
		settings []string
		want     string
	}{
		{"path as host", []string{"host=../../../../etc/passwd"}, "email: host: must be a host name like smtp.example.com"},
		{"line break in host", []string{"host=smtp.example.com\nRCPT TO:<x@example.com>"}, "email: host: must be a host name like smtp.example.com"},
		{"not UTF-8", []string{"host=smtp.example.com", "subject=Hi \xff\xfe"}, "email: subject: must be text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"channel", "add", "email", "bad"}, tt.settings...), base...)
			code, _, errs := h.run("", args...)
			if code != 2 || !strings.Contains(errs, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 and %q", code, errs, tt.want)
			}
			if code, _, _ := h.run("", "channel", "show", "bad"); code != 2 {
				t.Fatalf("a refused channel was saved (show exit %d)", code)
			}
		})
	}
}
