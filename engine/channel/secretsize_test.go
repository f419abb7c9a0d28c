package channel_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/secret"
)

// A secret field over the keyrings' smallest limit is bad input on every
// OS, found by Parse and CheckField alike; other fields have no such limit.
func TestSecretFieldSize(t *testing.T) {
	k := &channel.Kind{ID: "k", Fields: []channel.Field{
		{Key: "token", Type: channel.TypeString, Secret: true},
		{Key: "note", Type: channel.TypeString},
	}}
	max := secret.MaxSize
	tests := []struct {
		name, key, value string
		wantErr          string // "" accepts
	}{
		{"ascii at the limit", "token", strings.Repeat("a", max), ""},
		{"ascii over the limit", "token", strings.Repeat("a", max+1), "k: token: is 2,561 bytes; OS keyrings hold at most 2,560 bytes per secret"},
		{"multi-byte at the limit", "token", "a" + strings.Repeat("密", (max-1)/3), ""},
		{"multi-byte over the limit", "token", "ab" + strings.Repeat("密", (max-1)/3), "k: token: is 2,561 bytes"},
		{"surrounding spaces are not kept", "token", "  " + strings.Repeat("a", max) + "  ", ""},
		{"not a secret", "note", strings.Repeat("a", 3*max), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, parseErr := k.Parse(map[string]string{tt.key: tt.value})
			fieldErr := k.CheckField(tt.key, tt.value)
			for name, err := range map[string]error{"Parse": parseErr, "CheckField": fieldErr} {
				if tt.wantErr == "" {
					if err != nil {
						t.Errorf("%s: %v, want nil", name, err)
					}
					continue
				}
				var fe *channel.FieldError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &fe) || fe.Field != tt.key || !errors.Is(err, secret.ErrTooLarge) {
					t.Errorf("%s: %v, want a FieldError for %s with %q", name, err, tt.key, tt.wantErr)
				}
			}
		})
	}
}
