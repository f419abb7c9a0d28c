package secret_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/secret"
)

// The limit counts bytes, not characters: a multi-byte value reaches it
// with fewer characters.
func TestCheckSize(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		wantErr string // "" accepts
	}{
		{"empty", "", ""},
		{"ascii at the limit", strings.Repeat("x", secret.MaxSize), ""},
		{"ascii over the limit", strings.Repeat("x", secret.MaxSize+1), "is 2,561 bytes; OS keyrings hold at most 2,560 bytes per secret"},
		{"multi-byte at the limit", strings.Repeat("中", 853) + "x", ""}, // 853*3+1 = 2,560
		{"multi-byte over the limit", strings.Repeat("中", 854), "is 2,562 bytes"},
		{"far over", strings.Repeat("x", 1234567), "is 1,234,567 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := secret.CheckSize(tt.value)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckSize(%d bytes) = %v, want nil", len(tt.value), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, secret.ErrTooLarge) {
				t.Fatalf("CheckSize(%d bytes) = %v, want ErrTooLarge with %q", len(tt.value), err, tt.wantErr)
			}
			if zh := i18n.Localize(i18n.Chinese, err); !strings.Contains(zh, "字节") || !strings.Contains(zh, "2,560") {
				t.Errorf("Chinese text %q lacks the size", zh)
			}
		})
	}
}

func TestCheckSizeTogether(t *testing.T) {
	if err := secret.CheckSizeTogether(secret.MaxSize); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	err := secret.CheckSizeTogether(3000)
	if !errors.Is(err, secret.ErrTooLarge) || !strings.Contains(err.Error(), "take 3,000 bytes together") {
		t.Fatalf("over the limit: %v", err)
	}
}

// The stores refuse what the check refuses, on every OS, and say which
// secret it was without its value.
func TestStoresRefuseTooLarge(t *testing.T) {
	big := strings.Repeat("s", secret.MaxSize+1)
	for name, store := range map[string]secret.Store{"Memory": &secret.Memory{}, "Keyring": secret.Keyring{}} {
		t.Run(name, func(t *testing.T) {
			err := store.Set("size-test", "token", big)
			if !errors.Is(err, secret.ErrTooLarge) || !strings.Contains(err.Error(), "herald/size-test/token") || strings.Contains(err.Error(), big) {
				t.Fatalf("Set of %d bytes: %v", len(big), err)
			}
		})
	}
}
