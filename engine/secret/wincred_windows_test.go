package secret_test

import (
	"github.com/heraldpush/herald/engine/testenv"

	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/danieljoos/wincred"

	"github.com/heraldpush/herald/engine/secret"
)

// MaxSize is the Credential Manager's own limit: a blob of MaxSize bytes is
// written and one byte more is refused by the OS, not only by go-keyring.
func TestCredentialManagerHoldsMaxSize(t *testing.T) {
	target := fmt.Sprintf("herald/test-%d/size:herald", time.Now().UnixNano())
	tests := []struct {
		size   int
		wantOK bool
	}{
		{secret.MaxSize, true},
		{secret.MaxSize + 1, false},
	}
	for _, tt := range tests {
		if !tt.wantOK && testenv.UnderWine() {
			t.Logf("Wine's Credential Manager does not enforce the limit: %d bytes not tried", tt.size)
			continue
		}
		cred := wincred.NewGenericCredential(target)
		cred.CredentialBlob = []byte(strings.Repeat("x", tt.size))
		err := cred.Write()
		if err == nil {
			cred.Delete()
		}
		if (err == nil) != tt.wantOK {
			t.Errorf("writing %d bytes: %v, want ok=%t", tt.size, err, tt.wantOK)
		}
	}
}
