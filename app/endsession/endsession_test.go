package endsession

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestGrace(t *testing.T) {
	ended, end := context.WithCancelCause(context.Background())
	end(ErrSessionEnding)
	interrupted, interrupt := context.WithCancel(context.Background())
	interrupt()
	other, fail := context.WithCancelCause(context.Background())
	fail(errors.New("other"))
	tests := []struct {
		name   string
		ctx    context.Context
		normal time.Duration
		want   time.Duration
	}{
		{"running", context.Background(), 20 * time.Second, 20 * time.Second},
		{"interrupted", interrupted, 20 * time.Second, 20 * time.Second},
		{"other cause", other, 20 * time.Second, 20 * time.Second},
		{"session ending", ended, 20 * time.Second, SessionGrace},
		{"session ending, shorter normal", ended, time.Second, time.Second},
	}
	for _, tt := range tests {
		if got := Grace(tt.ctx, tt.normal); got != tt.want {
			t.Errorf("%s: Grace = %v, want %v", tt.name, got, tt.want)
		}
	}
}
